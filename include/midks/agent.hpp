// A MID Server agent folder as the engine sees it: where the keystore lives, and how it is
// updated (locked against concurrent writers, password proved before anything is written).
#pragma once
#include <functional>
#include <string>

#include "midks/bundle.hpp"
#include "midks/model.hpp"

namespace midks {

inline constexpr const char* kMidKeyAlias = "defaultsecuritykeypairhandle";  // what the MID looks up
inline constexpr const char* kDefaultKeystore = "security/agent_keystore.jks";  // under the agent folder
inline constexpr const char* kDefaultStorePassword = "changeit";               // the MID's default

// Holds an exclusive flock on "<keystore>.lock" (beside the keystore), waiting up to timeout_s.
class KeystoreLock {
 public:
  KeystoreLock(const std::string& keystore_path, int timeout_s);
  ~KeystoreLock();
  KeystoreLock(const KeystoreLock&) = delete;
  KeystoreLock& operator=(const KeystoreLock&) = delete;

 private:
  int fd_ = -1;
};

// Locks, loads the keystore (or starts an empty one of new_type if the file does not exist,
// creating its folder), applies change, and writes it back atomically with a .bak. A wrong
// password or a failed change leaves every file untouched.
void update_keystore(const std::string& path, const Password& store_password, StoreType new_type,
                     const std::function<void(Keystore&)>& change, int lock_timeout_s = 30);

// A private-key entry from an imported bundle, dated now.
Entry make_key_entry(const std::string& alias, ImportedKey&& key);

}  // namespace midks
