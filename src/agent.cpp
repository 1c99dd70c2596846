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

#include "codec.hpp"
#include "midks/cert_info.hpp"
#include "midks/keystore_file.hpp"

namespace midks {

namespace fs = boost::filesystem;

FileLock::FileLock(const std::string& path, int timeout_s) {
  std::string lock_path = path + ".lock";
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
      fail(ErrorKind::Io, "another process has been changing " + path + " for " + std::to_string(timeout_s) + " s",
           "wait for the other manage-certificates (or installer) to finish, then run this again");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

bool update_keystore(const std::string& path, const Password& store_password, StoreType new_type,
                     const std::function<bool(Keystore&)>& change, int lock_timeout_s) {
  fs::path dir = fs::path(path).parent_path();
  if (!dir.empty() && !fs::exists(dir)) {
    boost::system::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) fail(ErrorKind::Io, "cannot create the folder " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
  }
  FileLock lock(path, lock_timeout_s);
  struct stat st {};
  bool exists = ::stat(path.c_str(), &st) == 0;
  Keystore ks = exists ? load_keystore(path, &store_password) : Keystore(new_type);
  if (!change(ks)) return false;
  save_keystore(path, ks, store_password);
  return true;
}

std::pair<std::string, bool> put_key_entry(Keystore& keystore, Entry entry, const Password& store_password) {
  if (const Entry* old = keystore.find(entry.alias); old && old->kind == EntryKind::PrivateKey && old->chain == entry.chain) {
    Entry opened = *old;
    try {
      fmt::open_entry(opened, store_password);
      if (opened.plain == entry.plain) return {old->alias, false};
    } catch (const Error&) {
      // A key that does not open with the store password is replaced, as any other would be.
    }
  }
  return {keystore.put(std::move(entry)).alias, true};
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

AuthMode auth_mode(const MidConfig& config) {
  auto user = config.get(mid_param::kUsername);
  auto password = config.get(mid_param::kPassword);
  if (!user && !password) return AuthMode::Mutual;
  if (!user || !password || user->empty() || password->empty() || *user == mid_param::kUsernamePlaceholder ||
      *password == mid_param::kPasswordPlaceholder)
    return AuthMode::NotConfigured;
  return AuthMode::Basic;
}

const char* auth_mode_name(AuthMode mode) {
  switch (mode) {
    case AuthMode::Mutual: return "mutual";
    case AuthMode::Basic: return "basic";
    case AuthMode::NotConfigured: return "not configured";
  }
  return "?";
}

std::vector<Finding> check_mid_key(const Keystore& keystore, const Password& store_password, const ImportOptions& options) {
  const Entry* found = keystore.find(kMidKeyAlias);
  std::string import_hint = std::string("import the bundle first: -a ") + kMidKeyAlias + " <bundle.pem>";
  if (!found)
    fail_coded(ErrorKind::Input, "NO_MID_KEY",
               std::string("the keystore has no entry '") + kMidKeyAlias + "', so the MID has no certificate to authenticate with",
               import_hint);
  if (found->kind != EntryKind::PrivateKey || found->chain.empty())
    fail_coded(ErrorKind::Input, "MID_KEY_NOT_PRIVATE",
               std::string("'") + kMidKeyAlias + "' is a " + std::string(entry_kind_name(found->kind)) +
                   " entry; the MID needs a private key with its certificate chain",
               "delete it with -d " + std::string(kMidKeyAlias) + ", then " + import_hint);
  Entry entry = *found;
  try {
    fmt::open_entry(entry, store_password);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::Password) throw;
    fail_coded(ErrorKind::Input, "MID_KEY_PASSWORD",
               std::string("the key of '") + kMidKeyAlias + "' has its own password; the MID opens it with the store password",
               "import the bundle again with -a, which protects the key with the store password");
  }
  if (!key_matches_certificate(entry.plain, entry.chain.front()))
    fail_coded(ErrorKind::Input, "KEY_MISMATCH", std::string("the private key of '") + kMidKeyAlias + "' does not belong to its certificate",
               import_hint);
  return validate_chain(entry.chain, options);
}

bool use_mutual_auth(MidConfig& config) {
  int removed = config.remove(mid_param::kUsername);
  removed += config.remove(mid_param::kPassword);
  return removed > 0;
}

bool use_basic_auth(MidConfig& config, std::string_view user, const Password& password) {
  std::string_view secret(password.c_str(), password.size());
  if (config.get(mid_param::kUsername) == std::string(user) && config.get(mid_param::kPassword) == std::string(secret)) return false;
  // Where the MID's own template has them: right below the instance url.
  config.set(mid_param::kUsername, user, mid_param::kUrl);
  config.set(mid_param::kPassword, secret, mid_param::kUsername);
  return true;
}

bool update_config(const std::string& path, const std::function<bool(MidConfig&)>& change, int lock_timeout_s) {
  FileLock lock(path, lock_timeout_s);
  MidConfig config = MidConfig::load(path);
  if (!change(config)) return false;
  config.save(path);
  return true;
}

}  // namespace midks
