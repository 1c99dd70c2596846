#include "midks/keystore_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/filesystem.hpp>
#include <cerrno>
#include <cstring>

#include "codec.hpp"
#include "midks/error.hpp"

namespace midks {

namespace fs = boost::filesystem;

namespace {

[[noreturn]] void io_fail(const std::string& what, const std::string& path, int err) {
  fail(ErrorKind::Io, what + " " + path + ": " + std::strerror(err));
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

void write_all(int fd, ByteView data, const std::string& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) io_fail("cannot write", path, errno);
    done += static_cast<std::size_t>(n);
  }
}

void fsync_dir(const fs::path& dir) {
  Fd d{::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd >= 0) ::fsync(d.fd);
}

}  // namespace

Bytes read_file(const std::string& path, std::size_t max_size) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)};
  if (f.fd < 0) {
    if (errno == ENOENT) fail(ErrorKind::Io, "file not found: " + path);
    io_fail("cannot open", path, errno);
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) io_fail("cannot stat", path, errno);
  if (S_ISDIR(st.st_mode)) fail(ErrorKind::Io, path + " is a directory, not a file");
  if (!S_ISREG(st.st_mode)) fail(ErrorKind::Io, path + " is not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > max_size)
    fail(ErrorKind::Input, path + " is too large (" + std::to_string(st.st_size) + " bytes) to be a keystore or certificate bundle");
  Bytes out(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(f.fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) io_fail("cannot read", path, errno);
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return out;
}

StoreType detect_keystore_type(ByteView data) { return fmt::detect_store_type(data); }

Keystore load_keystore(const std::string& path, const Password* store_password) {
  Bytes data = read_file(path);
  try {
    return fmt::read_keystore(data, store_password);
  } catch (const Error& e) {
    throw e.with_context(path);
  }
}

void write_file_atomically(const std::string& path, ByteView data, unsigned mode) {
  fs::path target(path);
  fs::path dir = target.parent_path();
  std::string tmp = (dir / ("." + target.filename().string() + ".tmp." + std::to_string(::getpid()))).string();
  {
    Fd f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)};
    if (f.fd < 0) io_fail("cannot create", tmp, errno);
    try {
      write_all(f.fd, data, tmp);
      if (::fchmod(f.fd, mode) != 0 || ::fsync(f.fd) != 0) io_fail("cannot flush", tmp, errno);
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    // Keep one previous generation: a hard link costs no copy and is atomic.
    std::string bak = path + ".bak";
    ::unlink(bak.c_str());
    if (::link(path.c_str(), bak.c_str()) != 0) {
      int err = errno;
      ::unlink(tmp.c_str());
      io_fail("cannot keep a backup as", bak, err);
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    io_fail("cannot replace", path, err);
  }
  fsync_dir(dir);
}

void save_keystore(const std::string& path, const Keystore& ks, const Password& store_password) {
  Bytes data = fmt::write_keystore(ks, store_password);
  write_file_atomically(path, data, 0600);
}

}  // namespace midks
