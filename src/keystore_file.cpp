#include "midks/keystore_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/filesystem.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "codec.hpp"
#include "midks/error.hpp"
#include "midks/platform.hpp"

namespace midks {

namespace fs = boost::filesystem;

namespace {

[[noreturn]] void io_fail(ErrorCode code, const std::string& what, const std::string& path, int err) {
  fail(code, what + " " + path + ": " + std::strerror(err));
}

void write_all(int fd, ByteView data, const std::string& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) io_fail(ErrorCode::FILE_WRITE_FAILED, "cannot write", path, errno);
    done += static_cast<std::size_t>(n);
  }
}

void fsync_dir(const fs::path& dir) {
  platform::UniqueFd d(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.get() >= 0) ::fsync(d.get());
}

}  // namespace

Bytes read_file(const std::string& path, std::size_t max_size) {
  platform::UniqueFd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (f.get() < 0) {
    if (errno == ENOENT) fail(ErrorCode::FILE_NOT_FOUND, "file not found: " + path);
    io_fail(ErrorCode::FILE_UNREADABLE, "cannot open", path, errno);
  }
  struct stat st {};
  if (::fstat(f.get(), &st) != 0) io_fail(ErrorCode::FILE_UNREADABLE, "cannot stat", path, errno);
  if (S_ISDIR(st.st_mode)) fail(ErrorCode::FILE_UNREADABLE, path + " is a directory, not a file");
  // A pipe (<(…), a piped /dev/stdin) has no size up front: it is read up to the bound, plus one
  // byte to tell "exactly at the bound" from "too large". Devices (/dev/zero) stay refused.
  bool stream = S_ISFIFO(st.st_mode);
  if (!S_ISREG(st.st_mode) && !stream) fail(ErrorCode::FILE_UNREADABLE, path + " is not a regular file");
  auto too_large = [&](const std::string& size) {
    fail(ErrorCode::FILE_TOO_LARGE, path + " is too large (" + size + " bytes; this file may have at most " + std::to_string(max_size) + ")");
  };
  if (!stream && static_cast<std::uint64_t>(st.st_size) > max_size) too_large(std::to_string(st.st_size));
  // The file may hold a private key (a PEM bundle): no copy of it is left behind, neither in the
  // buffers a pipe's growing input outgrows nor in a buffer an error abandons.
  Bytes out(stream ? std::min<std::size_t>(max_size + 1, 1u << 20) : static_cast<std::size_t>(st.st_size));
  bool complete = false;
  OnScopeExit wipe_unless_complete([&] {
    if (!complete) wipe(out);
  });
  std::size_t done = 0;
  for (;;) {
    if (done == out.size()) {
      if (!stream || out.size() > max_size) break;
      Bytes bigger(std::min(out.size() * 2, max_size + 1));
      std::copy(out.begin(), out.end(), bigger.begin());
      wipe(out);
      out.swap(bigger);
    }
    ssize_t n = ::read(f.get(), out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) io_fail(ErrorCode::FILE_UNREADABLE, "cannot read", path, errno);
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  if (done > max_size) too_large("more than " + std::to_string(max_size));
  out.resize(done);
  complete = true;
  return out;
}

StoreType detect_keystore_type(ByteView data) { return fmt::detect_store_type(data); }

Keystore read_keystore_data(ByteView data, const Password* store_password) { return fmt::read_keystore(data, store_password); }

Keystore load_keystore(const std::string& path, const Password* store_password) {
  Bytes data = read_file(path);
  try {
    return fmt::read_keystore(data, store_password);
  } catch (const Error& e) {
    throw e.with_context(path);
  }
}

namespace {

// Temporary files are ".<name>.tmp.<pid>" (and ".<name>.tmp.<pid>.bak", the link to the replaced
// file while a .bak is kept). One left by a process that was killed mid-write is removed by the
// next writer; one whose process still runs is left alone.
std::string temp_prefix(const fs::path& target) { return "." + target.filename().string() + ".tmp."; }

void remove_stale_temps(const fs::path& dir, const fs::path& target) {
  boost::system::error_code ec;
  std::string prefix = temp_prefix(target);
  for (fs::directory_iterator it(dir.empty() ? fs::path(".") : dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    std::string pid_text = name.substr(prefix.size());
    if (pid_text.size() > 4 && pid_text.compare(pid_text.size() - 4, 4, ".bak") == 0) pid_text.resize(pid_text.size() - 4);
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos || pid_text.size() > 9) continue;
    if (::kill(static_cast<pid_t>(std::stol(pid_text)), 0) != 0 && errno == ESRCH) ::unlink(it->path().c_str());
  }
}

}  // namespace

void write_file_atomically(const std::string& requested_path, ByteView data, const WriteOptions& options) {
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
  if (replacing && !S_ISREG(old.st_mode)) fail(ErrorCode::FILE_WRITE_FAILED, path + " is not a regular file; nothing was written");
  if (replacing && ::access(path.c_str(), W_OK) != 0)
    fail(ErrorCode::READ_ONLY, path + " is read-only (" + std::strerror(errno) + "); nothing was written");
  fs::path target(path);
  fs::path dir = target.parent_path();
  std::string folder = dir.empty() ? "." : dir.string();
  // A replacement keeps its owner, group and mode (the MID reads it as its own user); a new file
  // is owned like its folder.
  std::optional<platform::FileAttributes> like =
      replacing ? platform::FileAttributes{old.st_uid, old.st_gid, static_cast<unsigned>(old.st_mode & 07777)}
                : options.like ? options.like : platform::attributes_of(folder);
  unsigned mode = replacing || options.like ? like->mode : options.new_mode;
  remove_stale_temps(dir, target);
  std::string tmp = (dir / (temp_prefix(target) + std::to_string(::getpid()))).string();
  {
    platform::UniqueFd f(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (f.get() < 0) fail(ErrorCode::FILE_WRITE_FAILED, "cannot write " + path + ": " + std::strerror(errno) + " (creating a temporary file beside it)");
    try {
      if (like)
        platform::adopt_owner(f.get(), path, *like,
                              replacing || options.like ? platform::Ownership::Keep : platform::Ownership::LikeFolder);
      write_all(f.get(), data, tmp);
      if (::fchmod(f.get(), mode) != 0 || ::fsync(f.get()) != 0) io_fail(ErrorCode::FILE_WRITE_FAILED, "cannot flush", tmp, errno);
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
  }
  // One previous generation as "<path>.bak". The file being replaced is linked under a temporary
  // name first; the old .bak is replaced by it only after the new file is in place, and if that
  // fails the link puts the replaced file back. So every failure leaves the file and its .bak as
  // they were.
  const bool keep = replacing && options.keep_previous;
  const std::string bak = path + ".bak", bak_tmp = tmp + ".bak";
  if (keep && ::link(path.c_str(), bak_tmp.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    io_fail(ErrorCode::BACKUP_FAILED, "cannot keep a backup as", bak, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    if (keep) ::unlink(bak_tmp.c_str());
    io_fail(ErrorCode::FILE_WRITE_FAILED, "cannot replace", path, err);
  }
  if (keep && ::rename(bak_tmp.c_str(), bak.c_str()) != 0) {
    int err = errno;
    if (::rename(bak_tmp.c_str(), path.c_str()) != 0) {
      int undo = errno;
      fsync_dir(dir);
      fail(ErrorCode::BACKUP_FAILED, "wrote " + path + " but could not keep the previous version as " + bak + " (" + std::strerror(err) +
                     ") nor put it back (" + std::strerror(undo) + "); it is kept as " + bak_tmp);
    }
    fsync_dir(dir);
    io_fail(ErrorCode::BACKUP_FAILED, "cannot keep a backup as", bak, err);
  }
  if (keep) ::unlink(bak_tmp.c_str());  // left only where .bak already was this very file (rename did nothing)
  fsync_dir(dir);
}

void save_keystore(const std::string& path, const Keystore& ks, const Password& store_password) {
  Bytes data = fmt::write_keystore(ks, store_password);
  write_file_atomically(path, data, WriteOptions::with_mode(0600));
}

}  // namespace midks
