#include "midks/agent.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/filesystem.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "midks/keystore_file.hpp"

namespace midks {

namespace fs = boost::filesystem;

KeystoreLock::KeystoreLock(const std::string& keystore_path, int timeout_s) {
  std::string lock_path = keystore_path + ".lock";
  fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd_ < 0) fail(ErrorKind::Io, "cannot open the lock file " + lock_path + ": " + std::strerror(errno));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int err = errno;
      ::close(fd_);
      fail(ErrorKind::Io, "cannot lock " + lock_path + ": " + std::strerror(err));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd_);
      fail(ErrorKind::Io, "another process has been changing " + keystore_path + " for " + std::to_string(timeout_s) + " s",
           "wait for the other manage-certificates (or installer) to finish, then run this again");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

KeystoreLock::~KeystoreLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

void update_keystore(const std::string& path, const Password& store_password, StoreType new_type,
                     const std::function<void(Keystore&)>& change, int lock_timeout_s) {
  fs::path dir = fs::path(path).parent_path();
  if (!dir.empty() && !fs::exists(dir)) {
    boost::system::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) fail(ErrorKind::Io, "cannot create the folder " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
  }
  KeystoreLock lock(path, lock_timeout_s);
  struct stat st {};
  bool exists = ::stat(path.c_str(), &st) == 0;
  Keystore ks = exists ? load_keystore(path, &store_password) : Keystore(new_type);
  change(ks);
  save_keystore(path, ks, store_password);
}

Entry make_key_entry(const std::string& alias, ImportedKey&& key) {
  Entry e;
  e.kind = EntryKind::PrivateKey;
  e.alias = alias;
  e.created_ms = now_ms();
  e.plain = std::move(key.pkcs8);
  e.chain = std::move(key.chain);
  return e;
}

}  // namespace midks
