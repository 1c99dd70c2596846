// What differs between operating systems, behind one small interface: files (reading, atomic
// replacement, appending), writer locks, ownership and permissions, folder creation, the
// process's start (command line, console, sockets), the console prompt, TCP sockets and the
// system's trusted roots. The engine and the command line call only these. CMake builds one of
// src/platform_posix.cpp or src/platform_windows.cpp; src/platform_common.cpp is shared.
// Every path is UTF-8; the Windows implementation converts to and from UTF-16 at the system call.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "midks/secure.hpp"

typedef struct x509_store_st X509_STORE;
struct addrinfo;

namespace midks::platform {

// Sets the process up once, first thing in main: UTF-8 paths for Boost.Filesystem, a console
// that shows UTF-8, a peer closing a socket or pipe giving an error rather than a signal.
// Returns the command line's arguments (without the program name) as UTF-8.
// It also keeps secrets out of crash dumps from the start: POSIX: no core file (RLIMIT_CORE 0) and
// not dumpable (PR_SET_DUMPABLE 0 on Linux: also no ptrace or /proc/PID/mem by the same user);
// Windows: no error-reporting dialog or heap in a crash report.
std::vector<std::string> start_process(int argc, char** argv);
// Marks the memory pages holding [p, p+n) as left out of core dumps (Linux MADV_DONTDUMP), for
// buffers of secrets; the whole pages, so their neighbours on them are left out too. Best effort:
// where the system cannot, start_process's settings still hold. A no-op where no such call exists.
void exclude_from_dumps(const void* p, std::size_t n) noexcept;
// Maps the heap's next `bytes` (capped) in one call, so the allocations that fill them do not take
// a page fault each: on a VM a fault costs several microseconds. For work whose memory is known up
// front (a run's start, a file about to be decoded). Best effort: a no-op where the C library's heap
// or the kernel (Linux < 5.14) cannot.
void prefault_heap(std::size_t bytes) noexcept;
// Wipes argument `index` (0 = the first after the program name) wherever the system keeps a
// copy of the command line we can reach (a secret given on argv).
void wipe_argument(int argc, char** argv, std::size_t index);

// An environment variable's value as UTF-8.
std::optional<std::string> environment(const std::string& name);

// Serialises every writer of the files in one folder, whatever path they came by. Waits up to
// timeout_s, then fails with LOCK_TIMEOUT. `what` names the file being changed, for that message.
// POSIX: flock on the folder itself (as the file system knows it: a symbolic link, "..", a bind
// mount reach the same inode), so nothing is left behind. Windows: LockFileEx on a hidden
// ".midks.lock" in that folder (a folder cannot be locked there).
class FolderLock {
 public:
  FolderLock(const std::string& file_path, const std::string& what, int timeout_s);
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  std::intptr_t handle_ = -1;
};

// The folder a file lies in once symbolic links are resolved ("." for a bare name).
std::string real_folder_of(const std::string& file_path);

// Owner, group and permission bits of an existing file or folder. On Windows: uid and gid 0, and
// the mode says only read-only (0400) or not (0600); access there is the folder's inherited ACL.
struct FileAttributes {
  unsigned uid = 0, gid = 0, mode = 0;
};
std::optional<FileAttributes> attributes_of(const std::string& path);

// Whether something is at path (links followed); `error` is set when that cannot be told
// (permission denied, ...) rather than "nothing there".
struct PathCheck {
  bool exists = false;
  std::string error;
};
PathCheck check_path(const std::string& path);
inline bool exists(const std::string& path) { return check_path(path).exists; }
// Like exists, but a dangling symbolic link counts as there.
bool entry_exists(const std::string& path);

// The lower-case form of a (non-ASCII) Unicode code point, by the system's tables; the code
// point itself when it has none. POSIX: towlower_l in C.UTF-8 (opened at the first call, so
// ASCII-only work never loads it); Windows: LCMapStringEx with the invariant locale.
char32_t lower_case(char32_t cp);

// The paths a wildcard pattern (* ? [) matches, sorted; the pattern itself when nothing does.
// POSIX: glob(3). Windows (whose shells leave patterns to the program): FindFirstFileW, wildcards
// in the last component.
std::vector<std::string> expand_pattern(const std::string& pattern);

// Deletes a file; false if it could not be.
bool remove_file(const std::string& path);

// A file open for reading, closed when it goes out of scope. Opening fails with FILE_NOT_FOUND
// or FILE_UNREADABLE naming the path and the system's reason. Opening never waits: a FIFO nobody
// writes to opens at once and reads as empty.
class InputFile {
 public:
  enum class Kind { Regular, Folder, Stream, Other };
  explicit InputFile(const std::string& path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  Kind kind() const { return kind_; }
  std::uint64_t size() const { return size_; }
  // Up to n bytes into `into`; 0 at the end. Fails with FILE_UNREADABLE.
  std::size_t read(std::uint8_t* into, std::size_t n);

 private:
  std::string path_;
  std::intptr_t handle_ = -1;
  Kind kind_ = Kind::Other;
  std::uint64_t size_ = 0;
};

// How replace_file treats a new file and the one it replaces.
struct WriteOptions {
  unsigned new_mode = 0600;
  bool keep_previous = false;  // also keep the replaced file as "<path>.bak"
  std::optional<FileAttributes> like;  // a new file's owner, group and mode (a backup's: the original's)

  static WriteOptions with_mode(unsigned mode) {
    WriteOptions o;
    o.new_mode = mode;
    return o;
  }
  WriteOptions keeping_previous() const {
    WriteOptions o = *this;
    o.keep_previous = true;
    return o;
  }
};
// What replace_file did besides the plain replacement, for the command to say.
struct WriteOutcome {
  bool in_place = false;  // the path is a mount point (a bind-mounted single file): rewritten in place
  std::string note;       // e.g. the group a file now has because ours could not keep it ("" if none)
};
// Writes to a temporary file in the same folder, flushes it to the disk, puts it in the target's
// place in one step and flushes that too, so a power loss leaves the old file or the new one.
// POSIX: fsync, rename, fsync of the folder; every call retried on EINTR. A replacement keeps the
// old file's owner, group and mode (a non-root owner who may not keep the group gets a note), a new
// file gets new_mode and, when we run as root, its folder's owner. A path that is a mount point
// (rename: EBUSY/EXDEV) is rewritten in place instead: the previous content is kept in memory,
// the new one written, flushed, read back and compared, and the old one put back on any failure.
// A symbolic link is written through only when its owner owns the file it leads to (or is root or
// us): a link planted by a less privileged user is refused with UNSAFE_LINK, as is writing in
// place through a hard link. Windows: a write-through temporary file, FlushFileBuffers,
// ReplaceFileW (which keeps the replaced file's ACL) or MoveFileExW with MOVEFILE_WRITE_THROUGH; a
// new file inherits its folder's ACL, never a wider one. A read-only file is refused.
// Failures: nothing changed (FILE_WRITE_FAILED, READ_ONLY, ...), except NOT_DURABLE: the new file
// is in place but the system did not confirm that it reached the disk.
WriteOutcome replace_file(const std::string& path, ByteView data, const WriteOptions& options);

// Appends text to a file, flushed to the disk; a file created here gets like's owner and mode.
// Neither a symbolic link nor a file with several hard links is appended to (one planted to make
// us write elsewhere). A failed append takes back what it wrote (the file is cut back, or removed
// if the append created it), so the file is as it was unless `error` says otherwise.
struct Appended {
  std::string error;  // "" on success, else the reason
  std::uint64_t size_before = 0;
  bool created = false;
};
Appended append_to_file(const std::string& path, std::string_view text, const FileAttributes& like);
// Takes a successful append back (what it recorded did not happen): the file is cut to its size
// before, or removed if the append created it. "" on success, else the reason.
std::string take_back_append(const std::string& path, const Appended& appended);

// Creates a folder (and missing parents) with `mode`, each owned like the folder it is created in
// (Windows: each inherits its parent's ACL; mode is not used).
void create_folders(const std::string& path, unsigned mode);
// The one-folder step of create_folders: path's parent (given) exists.
void create_folder(const std::string& path, const std::string& parent, unsigned mode);

// Our process id (in temporary file names, for whoever looks at one).
std::uint32_t process_id();

// The temporary file a write of `target` uses (".<name>.tmp.<pid>.<random>", in its folder, a name
// no later process can be given again even with the same process id), once every temporary file
// left in that folder by a writer that is gone is removed. In platform_common.cpp.
std::string temp_path_for(const std::string& target);
// Removes a temporary file if no live writer holds it (POSIX: the writer holds an flock on it for
// as long as it lives; Windows: it is open without delete sharing). True if it was removed.
bool remove_if_abandoned(const std::string& path);
// While it lives, a temporary file is removed if SIGTERM, SIGINT or SIGHUP ends the process
// (POSIX; on Windows the next writer removes it).
class TemporaryFileGuard {
 public:
  explicit TemporaryFileGuard(const std::string& path);
  ~TemporaryFileGuard();
  TemporaryFileGuard(const TemporaryFileGuard&) = delete;
  TemporaryFileGuard& operator=(const TemporaryFileGuard&) = delete;

 private:
  int slot_ = -1;
};

// ---- the console ----
bool stdin_is_terminal();
// Asks at the console ("<what>: ") and reads one line with echo off. Fails with
// SECRET_UNAVAILABLE when there is no console.
Password prompt_secret(const std::string& what);

// ---- TCP, for verify ----
// A connected TCP socket with send and receive timeouts, closed when it goes out of scope.
class TcpSocket {
 public:
  TcpSocket() = default;
  ~TcpSocket();
  TcpSocket(const TcpSocket&) = delete;
  TcpSocket& operator=(const TcpSocket&) = delete;
  TcpSocket& operator=(TcpSocket&& other) noexcept;
  // Connects to the first address of host:port that answers within timeout_ms; "" on success,
  // else why not.
  std::string connect(const std::string& host, const std::string& port, int timeout_ms);
  // "" when all was sent, else why not.
  std::string send_all(std::string_view data);
  // One byte: 1, 0 at the end of the stream, -1 on an error (last_error says which).
  int receive_byte(char& c);
  // Send and receive timeouts (connect sets them to its own).
  void set_timeout(int timeout_ms);
  // For SSL_set_fd.
  int native() const { return static_cast<int>(handle_); }

 private:
  // One address of the list connect walks (per platform): "" once connected, else why not.
  std::string connect_to(const addrinfo& address, int timeout_ms);
  std::intptr_t handle_ = -1;
};
// Why getaddrinfo failed, from its return code (per platform).
std::string resolve_error_text(int code);
// The last socket error in words ("" when there was none); clear_socket_error resets it.
std::string last_socket_error();
void clear_socket_error();
bool is_ip_literal(const std::string& host);

// Adds the system's trusted root certificates to store (POSIX: SSL_CERT_FILE/SSL_CERT_DIR, else
// the distribution's CA bundle; Windows: the ROOT certificate store). False if none could be loaded.
bool add_system_roots(X509_STORE* store);

}  // namespace midks::platform
