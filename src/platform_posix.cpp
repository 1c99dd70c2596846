#include <arpa/inet.h>
#include <fcntl.h>
#include <glob.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/filesystem.hpp>
#include <cerrno>
#include <cstdint>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <cwctype>
#include <locale.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <thread>

#include "midks/error.hpp"
#include "midks/limits.hpp"
#include "midks/platform.hpp"

namespace midks::platform {

namespace fs = boost::filesystem;

namespace {

#ifdef __GLIBC__
// Allocations up to this size come from the heap, and up to this much freed memory stays there
// (32 MiB is the largest M_MMAP_THRESHOLD glibc takes on 64-bit systems).
constexpr int kKeptHeapBytes = 32 * 1024 * 1024;
// What every run allocates, whatever its command: OpenSSL's provider, name and method stores, and
// libstdc++'s exception pool (measured: about 480 KiB for -a of a one-key bundle).
constexpr std::size_t kStartHeapBytes = 512 * 1024;
#endif

// The size of a memory page, which madvise's ranges are counted in.
std::uintptr_t page_bytes() noexcept {
  static const std::uintptr_t page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

// An open file descriptor, closed when it goes out of scope.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  // Closes now; 0, or the errno of a failed close (NFS reports a failed write there).
  int close() {
    int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0 || errno == EINTR ? 0 : errno;  // Linux has closed it even then: no retry
  }

 private:
  int fd_;
};

[[noreturn]] void io_fail(ErrorCode code, const std::string& what, const std::string& path, int err) {
  fail(code, what + " " + path + ": " + std::strerror(err));
}

// A system call retried while a signal interrupts it (EINTR): an interruption is not a failure.
template <typename Call>
auto retrying(Call call) {
  for (;;) {
    auto rc = call();
    if (!(rc < 0 && errno == EINTR)) return rc;
  }
}

void write_all(int fd, ByteView data, const std::string& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = retrying([&] { return ::write(fd, data.data() + done, data.size() - done); });
    if (n < 0) io_fail(ErrorCode::FILE_WRITE_FAILED, "cannot write", path, errno);
    done += static_cast<std::size_t>(n);
  }
}

// 0 once the folder's entries (a rename, a new name) are on the disk, else the errno.
int fsync_dir(const fs::path& dir) {
  UniqueFd d(retrying([&] { return ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); }));
  if (d.get() < 0) return errno;
  return retrying([&] { return ::fsync(d.get()); }) == 0 ? 0 : errno;
}

// Gives a file we just created the owner and group it should have; returns a note when it could
// not keep the group.
//  Ownership::Keep (a replacement, a backup): exactly like's owner and group. A non-root user
//    replacing its own file whose group it is not in cannot keep that group: the file is written
//    anyway, as keytool writes it, and the note says which group it has now. Any other refusal
//    stops the write (OWNER_NOT_KEPT) rather than taking the file over.
//  Ownership::LikeFolder (a new file): when we run as root, like's (the folder's), so the MID's
//    user can still read and replace it; anybody else creates files as themselves.
enum class Ownership { Keep, LikeFolder };
std::string adopt_owner(int fd, const std::string& path, const FileAttributes& like, Ownership how) {
  if (how == Ownership::LikeFolder && ::geteuid() != 0) return {};
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_uid == like.uid && st.st_gid == like.gid) return {};
  if (retrying([&] { return ::fchown(fd, like.uid, like.gid); }) == 0) return {};
  int err = errno;
  if (how == Ownership::Keep && ::geteuid() != 0 && like.uid == ::geteuid() && err == EPERM)
    return path + " now has group id " + std::to_string(st.st_gid) + " instead of " + std::to_string(like.gid) +
           " (you are not in that group; run as root to keep it)";
  fail(ErrorCode::OWNER_NOT_KEPT, "cannot give " + path + " the owner uid " + std::to_string(like.uid) + ", gid " + std::to_string(like.gid) + ": " +
                 std::strerror(err) + "; nothing was written");
}

// The fs.protected_symlinks rule, for every symbolic link on the way to path: a link is followed
// only when its owner owns what it leads to, or is root, or is us. Otherwise a user who may only
// write the MID's folder could plant a link there and have root rewrite any file.
void refuse_planted_links(const std::string& path) {
  fs::path prefix;
  for (const fs::path& part : fs::path(path)) {
    prefix /= part;
    struct stat link {};
    if (::lstat(prefix.c_str(), &link) != 0 || !S_ISLNK(link.st_mode)) continue;
    if (link.st_uid == 0 || link.st_uid == ::geteuid()) continue;
    struct stat target {};
    if (::stat(prefix.c_str(), &target) != 0 || target.st_uid == link.st_uid) continue;
    fail(ErrorCode::UNSAFE_LINK, "refusing to write through the symbolic link " + prefix.string() + ": it belongs to uid " +
                                     std::to_string(link.st_uid) + " but leads to a file of uid " + std::to_string(target.st_uid) +
                                     "; nothing was written");
  }
}

// The whole content of an open file, in wiping memory (it may hold a key), at most `limit` bytes.
Bytes read_all(int fd, const std::string& path, std::size_t limit) {
  Bytes out;
  std::uint8_t chunk[65536];
  OnScopeExit wipe_chunk([&] { wipe(chunk, sizeof chunk); });
  for (std::size_t at = 0;;) {
    ssize_t n = retrying([&] { return ::pread(fd, chunk, sizeof chunk, static_cast<off_t>(at)); });
    if (n < 0) io_fail(ErrorCode::FILE_UNREADABLE, "cannot read", path, errno);
    if (n == 0) return out;
    if (at + static_cast<std::size_t>(n) > limit) fail(ErrorCode::FILE_TOO_LARGE, path + " is too large to rewrite in place");
    Bytes bigger;
    bigger.reserve(at + static_cast<std::size_t>(n));
    bigger.insert(bigger.end(), out.begin(), out.end());
    bigger.insert(bigger.end(), chunk, chunk + n);
    wipe(out);
    out.swap(bigger);
    at += static_cast<std::size_t>(n);
  }
}

// Writes data over the file open as fd from its start, cuts it there and flushes it; "" when done
// and read back equal, else why not.
std::string overwrite(int fd, ByteView data, const std::string& path) {
  for (std::size_t done = 0; done < data.size();) {
    ssize_t n = retrying([&] { return ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(done)); });
    if (n < 0) return std::strerror(errno);
    done += static_cast<std::size_t>(n);
  }
  if (retrying([&] { return ::ftruncate(fd, static_cast<off_t>(data.size())); }) != 0 || retrying([&] { return ::fsync(fd); }) != 0)
    return std::strerror(errno);
  Bytes back = read_all(fd, path, data.size());
  OnScopeExit wipe_back([&] { wipe(back); });
  return std::equal(back.begin(), back.end(), data.begin(), data.end()) ? "" : "what was read back differs from what was written";
}

// A single file bind-mounted over path (docker -v file:file, a Kubernetes subPath) cannot be
// renamed over: it is rewritten where it is. The previous content stays in memory (and in the
// .bak when one is kept) and is put back if the new one does not read back whole.
WriteOutcome rewrite_in_place(const std::string& path, ByteView data, const WriteOptions& options) {
  UniqueFd f(retrying([&] { return ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK); }));
  if (f.get() < 0) io_fail(ErrorCode::FILE_WRITE_FAILED, "cannot open the mounted file", path, errno);
  struct stat st {};
  if (::fstat(f.get(), &st) != 0 || !S_ISREG(st.st_mode)) fail(ErrorCode::NOT_A_FILE, path + " is not a regular file; nothing was written");
  if (st.st_nlink > 1)
    fail(ErrorCode::UNSAFE_LINK, "refusing to rewrite " + path + " in place: it has " + std::to_string(st.st_nlink) +
                                     " hard links, so the write would change them all; nothing was written");
  // The files rewritten in place are keystores and config.xml: the keystore's cap is the larger.
  if (static_cast<std::uint64_t>(st.st_size) > limits::kMaxKeystoreFileBytes)
    fail(ErrorCode::FILE_TOO_LARGE, path + " is too large to rewrite in place (" + std::to_string(st.st_size) + " bytes; at most " +
                                        std::to_string(limits::kMaxKeystoreFileBytes) + ")");
  Bytes before = read_all(f.get(), path, limits::kMaxKeystoreFileBytes);
  OnScopeExit wipe_before([&] { wipe(before); });
  if (options.keep_previous) {
    WriteOptions backup;
    backup.like = FileAttributes{st.st_uid, st.st_gid, static_cast<unsigned>(st.st_mode & 07777)};
    replace_file(path + ".bak", before, backup);
  }
  if (std::string why = overwrite(f.get(), data, path); !why.empty()) {
    std::string undo = overwrite(f.get(), before, path);
    fail(ErrorCode::FILE_WRITE_FAILED, "cannot rewrite the mounted file " + path + " in place: " + why +
                                           (undo.empty() ? "; its previous content was put back" : "; putting its previous content back failed too (" + undo +
                                                                                                       "): restore it from its backup"));
  }
  return WriteOutcome{true, ""};
}

bool mount_point_error(int err) { return err == EBUSY || err == EXDEV; }

// The paths TemporaryFileGuard registers, for the signal handler: fixed slots, written before
// they are marked used, so the handler needs nothing but unlink.
constexpr int kTemporarySlots = 8;
enum SlotState : int { kFree, kClaimed, kReady };
struct TemporarySlot {
  std::atomic<int> state{kFree};
  char path[4096] = {};
};
TemporarySlot g_temporary_files[kTemporarySlots];

extern "C" void remove_temporary_files_and_stop(int sig) {
  for (TemporarySlot& slot : g_temporary_files)
    if (slot.state.load() == kReady) ::unlink(slot.path);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

TemporaryFileGuard::TemporaryFileGuard(const std::string& path) {
  if (path.size() >= sizeof(TemporarySlot::path)) return;  // too long for a slot: the next writer removes it
  for (int i = 0; i < kTemporarySlots; ++i) {
    TemporarySlot& slot = g_temporary_files[i];
    int expected = kFree;
    if (!slot.state.compare_exchange_strong(expected, kClaimed)) continue;
    std::memcpy(slot.path, path.c_str(), path.size() + 1);
    slot.state.store(kReady);
    slot_ = i;
    return;
  }
}

TemporaryFileGuard::~TemporaryFileGuard() {
  if (slot_ >= 0) g_temporary_files[slot_].state.store(kFree);
}

bool remove_if_abandoned(const std::string& path) {
  UniqueFd f(retrying([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY); }));
  if (f.get() < 0) return false;
  struct stat st {};
  if (::fstat(f.get(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  if (retrying([&] { return ::flock(f.get(), LOCK_EX | LOCK_NB); }) != 0) return false;  // its writer is still at work
  return retrying([&] { return ::unlink(path.c_str()); }) == 0;
}

std::vector<std::string> start_process(int argc, char** argv) {
  // A peer that closes a socket (verify) or a pipe (| head) must give an error, not kill us.
  ::signal(SIGPIPE, SIG_IGN);
  // A writer stopped by SIGTERM (docker stop), SIGINT or SIGHUP removes its temporary files first
  // (TemporaryFileGuard). A signal the caller ignores (nohup) stays ignored.
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) {
    struct sigaction current {};
    if (::sigaction(sig, nullptr, &current) == 0 && current.sa_handler == SIG_IGN) continue;
    struct sigaction on_stop {};
    on_stop.sa_handler = remove_temporary_files_and_stop;
    sigemptyset(&on_stop.sa_mask);
    ::sigaction(sig, &on_stop, nullptr);
  }
  // Passwords and private keys are in memory from the first argument on: a crash must not leave a
  // core file with them. RLIMIT_CORE 0 stops the kernel writing a core file itself; a core_pattern
  // that pipes to a collector (systemd-coredump, apport) ignores it, so Linux also makes the process
  // non-dumpable (with suid_dumpable 0 nothing is dumped; with 2 only root can read it, and secure
  // buffers are MADV_DONTDUMP, see exclude_from_dumps).
  const struct rlimit no_core = {0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
#ifdef __linux__
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
#ifdef __GLIBC__
  // A run is short, and its largest buffers (a keystore, OpenSSL's copies of it, the plaintext of
  // its encrypted safes) come and go: memory freed stays in the heap for the next allocation rather
  // than going back to the kernel and being faulted in again. On a VM a page fault costs
  // microseconds; listing a 2,000-certificate PKCS#12 store took 4,400 of them, a third of its time.
  // Secrets are wiped before they are freed (SecureBytes, OPENSSL_clear_free), kept or not.
  ::mallopt(M_MMAP_THRESHOLD, kKeptHeapBytes);
  ::mallopt(M_TRIM_THRESHOLD, kKeptHeapBytes);
  prefault_heap(kStartHeapBytes);
#endif
  return std::vector<std::string>(argv + 1, argv + argc);
}

void prefault_heap(std::size_t bytes) noexcept {
#if defined(__GLIBC__) && defined(MADV_POPULATE_WRITE)
  // A block taken from the heap and given back stays there (M_TRIM_THRESHOLD, start_process) and is
  // where the next allocations are carved from; its pages are mapped in one call while it is ours.
  // Half the kept heap at most: a block past M_MMAP_THRESHOLD would be a mapping of its own.
  bytes = std::min<std::size_t>(bytes, kKeptHeapBytes / 2);
  const std::uintptr_t page = page_bytes();
  void* block = bytes >= page ? ::malloc(bytes) : nullptr;
  if (!block) return;
  const std::uintptr_t start = (reinterpret_cast<std::uintptr_t>(block) + page - 1) & ~(page - 1);
  const std::uintptr_t end = (reinterpret_cast<std::uintptr_t>(block) + bytes) & ~(page - 1);
  if (end > start) ::madvise(reinterpret_cast<void*>(start), end - start, MADV_POPULATE_WRITE);  // best effort
  ::free(block);
#else
  (void)bytes;
#endif
}

void exclude_from_dumps(const void* p, std::size_t n) noexcept {
#ifdef MADV_DONTDUMP
  if (!p || !n) return;
  // madvise takes whole pages: from the page the buffer starts in to the end of the one it ends in.
  const std::uintptr_t page = page_bytes();
  const std::uintptr_t start = reinterpret_cast<std::uintptr_t>(p) & ~(page - 1);
  const std::uintptr_t end = (reinterpret_cast<std::uintptr_t>(p) + n + page - 1) & ~(page - 1);
  ::madvise(reinterpret_cast<void*>(start), end - start, MADV_DONTDUMP);  // best effort, see platform.hpp
#else
  (void)p;
  (void)n;
#endif
}

void wipe_argument(int argc, char** argv, std::size_t index) {
  if (index + 1 < static_cast<std::size_t>(argc)) OPENSSL_cleanse(argv[index + 1], std::strlen(argv[index + 1]));
}

std::optional<std::string> environment(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? std::optional<std::string>(v) : std::nullopt;
}

std::string real_folder_of(const std::string& file_path) {
  // A link to the file leads to the folder of its target: that is where the rename happens.
  if (char* real = ::realpath(file_path.c_str(), nullptr)) {
    std::string resolved = real;
    std::free(real);
    return fs::path(resolved).parent_path().string();
  }
  fs::path given(file_path);
  fs::path parent = given.has_parent_path() ? given.parent_path() : fs::current_path();
  if (char* real = ::realpath(parent.c_str(), nullptr)) {
    parent = real;
    std::free(real);
  }
  return parent.string();
}

FolderLock::FolderLock(const std::string& file_path, const std::string& what, int timeout_s) {
  std::string folder = real_folder_of(file_path);
  // flock on the folder: every path to it (link, "..", bind mount) reaches the same inode, and no
  // lock file is left beside the keystore for a glob or for the MID's user to stumble on.
  int fd = retrying([&] { return ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); });
  if (fd < 0)
    fail(ErrorCode::LOCK_FAILED, "cannot open the folder " + folder + " to lock it: " + std::strerror(errno));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    if (err != EWOULDBLOCK && err != EINTR) {
      ::close(fd);
      fail(ErrorCode::LOCK_FAILED, "cannot lock the folder " + folder + ": " + std::strerror(err));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd);
      fail(ErrorCode::LOCK_TIMEOUT, "another process has been changing " + what + " for " + std::to_string(timeout_s) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  handle_ = fd;
}

FolderLock::~FolderLock() {
  if (handle_ >= 0) ::close(static_cast<int>(handle_));  // closing releases the flock
}

std::optional<FileAttributes> attributes_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileAttributes{st.st_uid, st.st_gid, static_cast<unsigned>(st.st_mode & 07777)};
}

PathCheck check_path(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return {true, ""};
  return {false, errno == ENOENT ? "" : std::strerror(errno)};
}

bool entry_exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::vector<std::string> expand_pattern(const std::string& pattern) {
  std::vector<std::string> paths;
  glob_t g{};
  if (::glob(pattern.c_str(), GLOB_NOCHECK, nullptr, &g) == 0)
    for (std::size_t i = 0; i < g.gl_pathc; ++i) paths.emplace_back(g.gl_pathv[i]);
  ::globfree(&g);
  return paths;
}

bool remove_file(const std::string& path) { return retrying([&] { return ::unlink(path.c_str()); }) == 0; }

InputFile::InputFile(const std::string& path) : path_(path) {
  // O_NONBLOCK: opening a FIFO that nobody writes to would otherwise wait forever. Reads block
  // again (a pipe with a writer is read to its end; one without reads as empty at once).
  int fd = retrying([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK); });
  if (fd < 0) {
    if (errno == ENOENT) fail(ErrorCode::FILE_NOT_FOUND, "file not found: " + path);
    io_fail(ErrorCode::FILE_UNREADABLE, "cannot open", path, errno);
  }
  handle_ = fd;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    io_fail(ErrorCode::FILE_UNREADABLE, "cannot stat", path, err);
  }
  if (int flags = ::fcntl(fd, F_GETFL); flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  kind_ = S_ISREG(st.st_mode) ? Kind::Regular : S_ISDIR(st.st_mode) ? Kind::Folder : S_ISFIFO(st.st_mode) ? Kind::Stream : Kind::Other;
  size_ = static_cast<std::uint64_t>(st.st_size);
}

InputFile::~InputFile() {
  if (handle_ >= 0) ::close(static_cast<int>(handle_));
}

std::size_t InputFile::read(std::uint8_t* into, std::size_t n) {
  ssize_t got = retrying([&] { return ::read(static_cast<int>(handle_), into, n); });
  if (got < 0) io_fail(ErrorCode::FILE_UNREADABLE, "cannot read", path_, errno);
  return static_cast<std::size_t>(got);
}

WriteOutcome replace_file(const std::string& requested_path, ByteView data, const WriteOptions& options) {
  refuse_planted_links(requested_path);
  std::string path = requested_path;
  struct stat old {};
  bool replacing = ::lstat(path.c_str(), &old) == 0;
  if (replacing && S_ISLNK(old.st_mode)) {
    // Write where the link points (a mounted secret, a shared folder), keeping the link.
    char* real = ::realpath(path.c_str(), nullptr);
    if (!real) io_fail(ErrorCode::FILE_UNREADABLE, "cannot follow the symbolic link", path, errno);
    path = real;
    std::free(real);
    replacing = ::lstat(path.c_str(), &old) == 0;
  }
  if (replacing && !S_ISREG(old.st_mode)) fail(ErrorCode::NOT_A_FILE, path + " is not a regular file; nothing was written");
  if (replacing && ::access(path.c_str(), W_OK) != 0)
    fail(ErrorCode::READ_ONLY, path + " is read-only (" + std::strerror(errno) + "); nothing was written");
  fs::path target(path);
  fs::path dir = target.parent_path();
  std::string folder = dir.empty() ? "." : dir.string();
  // A replacement keeps its owner, group and mode (the MID reads it as its own user); a new file
  // is owned like its folder.
  std::optional<FileAttributes> like =
      replacing ? FileAttributes{old.st_uid, old.st_gid, static_cast<unsigned>(old.st_mode & 07777)}
                : options.like ? options.like : attributes_of(folder);
  unsigned mode = replacing || options.like ? like->mode : options.new_mode;
  WriteOutcome outcome;
  const std::string tmp = temp_path_for(path);
  const std::string nothing_written = "; nothing was written";
  // The temporary file is flock'ed while we live (so the next writer knows it is ours, not left
  // behind) and removed on SIGTERM/SIGINT/SIGHUP or any failure.
  UniqueFd f(retrying([&] { return ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600); }));
  if (f.get() < 0) fail(ErrorCode::FILE_WRITE_FAILED, "cannot write " + path + ": " + std::strerror(errno) + " (creating a temporary file beside it)" + nothing_written);
  TemporaryFileGuard guard_tmp(tmp);
  OnScopeExit remove_tmp([&] { retrying([&] { return ::unlink(tmp.c_str()); }); });  // a no-op once it was renamed into place
  retrying([&] { return ::flock(f.get(), LOCK_EX | LOCK_NB); });
  if (like) outcome.note = adopt_owner(f.get(), path, *like, replacing || options.like ? Ownership::Keep : Ownership::LikeFolder);
  write_all(f.get(), data, tmp);
  if (retrying([&] { return ::fchmod(f.get(), mode); }) != 0) io_fail(ErrorCode::FILE_WRITE_FAILED, "cannot set the mode of", tmp, errno);
  if (retrying([&] { return ::fsync(f.get()); }) != 0)
    fail(ErrorCode::FILE_WRITE_FAILED, "cannot flush " + tmp + " to the disk: " + std::strerror(errno) + nothing_written);
  // One previous generation as "<path>.bak". The file being replaced is linked under a temporary
  // name first; the old .bak is replaced by it only after the new file is in place, and if that
  // fails the link puts the replaced file back. So every failure leaves the file and its .bak as
  // they were. The link is flock'ed too, for as long as it exists.
  const bool keep = replacing && options.keep_previous;
  const std::string bak = path + ".bak", bak_tmp = tmp + ".bak";
  std::optional<UniqueFd> held_bak;
  std::optional<TemporaryFileGuard> guard_bak;
  bool mounted = false;
  if (keep) {
    if (retrying([&] { return ::link(path.c_str(), bak_tmp.c_str()); }) != 0) {
      if (!mount_point_error(errno)) io_fail(ErrorCode::BACKUP_FAILED, "cannot keep a backup as", bak, errno);
      mounted = true;
    } else {
      guard_bak.emplace(bak_tmp);
      held_bak.emplace(retrying([&] { return ::open(bak_tmp.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK); }));
      if (held_bak->get() >= 0) retrying([&] { return ::flock(held_bak->get(), LOCK_EX | LOCK_NB); });
    }
  }
  OnScopeExit remove_bak_tmp([&] {
    if (guard_bak) retrying([&] { return ::unlink(bak_tmp.c_str()); });
  });
  if (!mounted && retrying([&] { return ::rename(tmp.c_str(), path.c_str()); }) != 0) {
    if (!replacing || !mount_point_error(errno)) fail(ErrorCode::FILE_WRITE_FAILED, "cannot replace " + path + ": " + std::strerror(errno) + nothing_written);
    mounted = true;
  }
  if (mounted) {
    WriteOutcome in_place = rewrite_in_place(path, data, options);
    in_place.note = outcome.note;
    return in_place;
  }
  if (keep && retrying([&] { return ::rename(bak_tmp.c_str(), bak.c_str()); }) != 0) {
    int err = errno;
    if (retrying([&] { return ::rename(bak_tmp.c_str(), path.c_str()); }) != 0) {
      int undo = errno;
      guard_bak.reset();  // the link is all that is left of the previous version: it stays
      fail(ErrorCode::BACKUP_FAILED, "wrote " + path + " but could not keep the previous version as " + bak + " (" + std::strerror(err) +
                                         ") nor put it back (" + std::strerror(undo) + "); the previous version is kept as " + bak_tmp);
    }
    fsync_dir(dir);
    io_fail(ErrorCode::BACKUP_FAILED, "could not keep the previous version (so nothing was changed) as", bak, err);
  }
  // Closed only now: until the rename, the flock on it says a live writer owns it.
  int err = f.close();
  if (err == 0) err = fsync_dir(dir);
  if (err != 0)
    fail(ErrorCode::NOT_DURABLE, "replaced " + path + ", but the system did not confirm that it reached the disk (" + std::strerror(err) +
                                     "): the new version is in place, a power loss now could bring back the previous one");
  return outcome;
}

namespace {

// Cuts an appended-to file back to `size` (or removes it when the append created it), flushed.
std::string cut_back(int fd, const std::string& path, const Appended& appended) {
  if (appended.created) return retrying([&] { return ::unlink(path.c_str()); }) == 0 ? "" : std::strerror(errno);
  if (retrying([&] { return ::ftruncate(fd, static_cast<off_t>(appended.size_before)); }) != 0 ||
      retrying([&] { return ::fsync(fd); }) != 0)
    return std::strerror(errno);
  return "";
}

}  // namespace

Appended append_to_file(const std::string& path, std::string_view text, const FileAttributes& like) {
  Appended appended;
  // Created here: owned like `like`. Already there: appended to as it is.
  const int flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
  int fd = retrying([&] { return ::open(path.c_str(), flags | O_CREAT | O_EXCL, like.mode & 0666); });
  appended.created = fd >= 0;
  if (!appended.created && errno == EEXIST) fd = retrying([&] { return ::open(path.c_str(), flags); });
  if (fd < 0) return appended.error = std::strerror(errno), appended;
  UniqueFd owned(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return appended.error = std::strerror(errno), appended;
  if (!S_ISREG(st.st_mode)) return appended.error = "it is not a regular file", appended;
  if (st.st_nlink > 1)
    return appended.error = "it has " + std::to_string(st.st_nlink) + " hard links (one may lead to another file): refusing to append to it", appended;
  appended.size_before = static_cast<std::uint64_t>(st.st_size);
  std::string why;
  try {
    if (appended.created) adopt_owner(fd, path, like, Ownership::Keep);
    write_all(fd, ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), path);
    if (retrying([&] { return ::fsync(fd); }) != 0) why = std::string("cannot flush it to the disk: ") + std::strerror(errno);
  } catch (const Error& e) {
    why = e.what();
  }
  std::string undo;
  if (!why.empty()) {
    undo = cut_back(fd, path, appended);
  } else if (int err = owned.close(); err != 0) {
    why = std::strerror(err);  // not confirmed on the disk: taken back through a new descriptor
    undo = take_back_append(path, appended);
  } else {
    return appended;
  }
  appended.error = undo.empty() ? why : why + " (and what was written could not be taken back: " + undo + ")";
  return appended;
}

std::string take_back_append(const std::string& path, const Appended& appended) {
  UniqueFd f(retrying([&] { return ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY); }));
  if (f.get() < 0) return std::strerror(errno);
  return cut_back(f.get(), path, appended);
}

void create_folder(const std::string& path, const std::string& parent, unsigned mode) {
  if (retrying([&] { return ::mkdir(path.c_str(), mode); }) != 0 && errno != EEXIST)
    fail(ErrorCode::CREATE_FOLDER_FAILED, "cannot create the folder " + path + ": " + std::strerror(errno));
  retrying([&] { return ::chmod(path.c_str(), mode); });  // not narrowed by the umask
  UniqueFd folder(retrying([&] { return ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); }));
  if (folder.get() < 0) return;
  if (auto owner = attributes_of(parent)) adopt_owner(folder.get(), path, *owner, Ownership::LikeFolder);
}

char32_t lower_case(char32_t cp) {
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc ? static_cast<char32_t>(towlower_l(static_cast<wint_t>(cp), loc)) : cp;
}

std::uint32_t process_id() { return static_cast<std::uint32_t>(::getpid()); }

bool stdin_is_terminal() { return ::isatty(STDIN_FILENO) != 0; }

// Reads one line from the terminal with echo off; the buffer is wiped before it is released.
Password prompt_secret(const std::string& what) {
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) fail(ErrorCode::SECRET_UNAVAILABLE, "cannot ask for the " + what + ": there is no terminal");
  // Echo goes off before the question is shown: an answer typed (or sent) as soon as the question
  // appears must neither be echoed nor discarded by the mode change.
  termios saved {};
  bool restore = ::tcgetattr(fd, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string question = what + ": ";
  (void)!::write(fd, question.data(), question.size());
  std::array<char, 1024> buf {};
  std::size_t n = 0;
  char c = 0;
  while (n < buf.size() && ::read(fd, &c, 1) == 1 && c != '\n') buf[n++] = c;
  if (n > 0 && buf[n - 1] == '\r') --n;
  if (restore) ::tcsetattr(fd, TCSADRAIN, &saved);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  Password p = Password::from_bytes(ByteView(reinterpret_cast<const std::uint8_t*>(buf.data()), n));
  OPENSSL_cleanse(buf.data(), buf.size());
  return p;
}

// ---- TCP ----

TcpSocket::~TcpSocket() {
  if (handle_ >= 0) ::close(static_cast<int>(handle_));
}

TcpSocket& TcpSocket::operator=(TcpSocket&& other) noexcept {
  std::swap(handle_, other.handle_);
  return *this;
}

void TcpSocket::set_timeout(int timeout_ms) {
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(native(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(native(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

std::string TcpSocket::connect_to(const addrinfo& a, int timeout_ms) {
  handle_ = ::socket(a.ai_family, a.ai_socktype | SOCK_CLOEXEC, a.ai_protocol);
  if (handle_ < 0) return std::strerror(errno);
  int flags = ::fcntl(native(), F_GETFL);
  ::fcntl(native(), F_SETFL, flags | O_NONBLOCK);
  int rc = ::connect(native(), a.ai_addr, a.ai_addrlen);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{native(), POLLOUT, 0};
    if (::poll(&p, 1, timeout_ms) == 0) return "no answer within " + std::to_string(timeout_ms / 1000) + " s";
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(native(), SOL_SOCKET, SO_ERROR, &err, &len);
    rc = err == 0 ? 0 : -1;
    errno = err;
  }
  if (rc != 0) return std::strerror(errno);
  ::fcntl(native(), F_SETFL, flags);
  return "";
}

std::string resolve_error_text(int code) { return ::gai_strerror(code); }

std::string TcpSocket::send_all(std::string_view data) {
  if (::send(native(), data.data(), data.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(data.size())) return std::strerror(errno);
  return "";
}

int TcpSocket::receive_byte(char& c) {
  ssize_t n = ::recv(native(), &c, 1, 0);
  return n > 0 ? 1 : n == 0 ? 0 : -1;
}

std::string last_socket_error() { return errno != 0 ? std::strerror(errno) : ""; }
void clear_socket_error() { errno = 0; }

bool is_ip_literal(const std::string& host) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 || ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// The CA bundle of each distribution MIDs run on, the first that loads wins: an OpenSSL built into
// the program has its own OPENSSLDIR, which need not be where this host keeps its bundle.
// SSL_CERT_FILE and SSL_CERT_DIR, when set, win over the list (OpenSSL's default paths read them).
bool add_system_roots(X509_STORE* store) {
  static constexpr std::array kBundles = {
      "/etc/ssl/certs/ca-certificates.crt",                 // Debian, Ubuntu, Alpine
      "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  // RHEL, Alma, Rocky, Oracle, Amazon Linux
      "/etc/pki/tls/certs/ca-bundle.crt",                   // the same, the older name
      "/etc/ssl/ca-bundle.pem",                             // SUSE, SLES
      "/etc/ssl/cert.pem",                                  // Alpine, BSDs
  };
  auto set = [](const char* name) { const char* v = std::getenv(name); return v && *v; };
  if (!set("SSL_CERT_FILE") && !set("SSL_CERT_DIR")) {
    for (const char* bundle : kBundles) {
      struct stat st {};
      if (::stat(bundle, &st) == 0 && S_ISREG(st.st_mode) && X509_STORE_load_file(store, bundle) == 1) return true;
      ERR_clear_error();
    }
  }
  return X509_STORE_set_default_paths(store) == 1;  // OpenSSL's own: the variables, or OPENSSLDIR's
}

}  // namespace midks::platform
