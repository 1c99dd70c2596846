// A MID Server agent folder as the engine sees it: where the keystore lives, and how it is
// updated (locked against concurrent writers, password proved before anything is written).
#pragma once
#include <functional>
#include <string>

#include "midks/bundle.hpp"
#include "midks/mid_config.hpp"
#include "midks/model.hpp"

namespace midks {

inline constexpr const char* kMidKeyAlias = "defaultsecuritykeypairhandle";  // what the MID looks up
inline constexpr const char* kDefaultKeystore = "security/agent_keystore.jks";  // under the agent folder
inline constexpr const char* kDefaultStorePassword = "changeit";               // the MID's default

// Holds an exclusive flock on "<file>.lock" (beside a keystore or config.xml), waiting up to timeout_s.
class FileLock {
 public:
  FileLock(const std::string& path, int timeout_s);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

// Locks, loads the keystore (or starts an empty one of new_type if the file does not exist,
// creating its folder), applies change, and writes it back atomically with a .bak if change says
// it changed something. A wrong password or a failed change leaves every file untouched.
// Returns whether the file was written.
bool update_keystore(const std::string& path, const Password& store_password, StoreType new_type,
                     const std::function<bool(Keystore&)>& change, int lock_timeout_s = 30);

// Puts a key entry under its alias unless that alias already holds the same key and chain (so
// running an import twice writes nothing the second time). Returns the stored alias and
// whether the keystore changed.
std::pair<std::string, bool> put_key_entry(Keystore& keystore, Entry entry, const Password& store_password);

// A private-key entry from an imported bundle, dated now.
Entry make_key_entry(const std::string& alias, ImportedKey&& key);

// How config.xml has the MID authenticate to its instance. ServiceNow's MID container recipe
// checks, after `manage-certificates -a DefaultSecurityKeyPairHandle <pem>` and `-m`, that
// mid.instance.username and mid.instance.password are absent: that absence is mutual auth.
enum class AuthMode {
  Mutual,         // neither credential parameter is present
  Basic,          // credentials are set
  NotConfigured,  // a credential is missing, empty, or still the installer's placeholder
};
AuthMode auth_mode(const MidConfig& config);
const char* auth_mode_name(AuthMode mode);

// The MID's key entry checked as -m needs it: present, a private key that opens with the store
// password (the MID passes it for the key too) and belongs to the leaf, and a chain valid for TLS
// client auth today. Throws Error (NO_MID_KEY, MID_KEY_NOT_PRIVATE, MID_KEY_PASSWORD,
// KEY_MISMATCH) if it cannot be used at all; returns the chain's findings.
std::vector<Finding> check_mid_key(const Keystore& keystore, const Password& store_password, const ImportOptions& options);

// The config.xml edits of -m and -b, in memory; each returns whether anything changed.
bool use_mutual_auth(MidConfig& config);
bool use_basic_auth(MidConfig& config, std::string_view user, const Password& password);

// Locks config.xml (flock on "<config>.lock"), loads it, applies change and, if it changed
// anything, writes it atomically with a .bak, keeping its mode. Returns whether it was written.
bool update_config(const std::string& path, const std::function<bool(MidConfig&)>& change, int lock_timeout_s = 30);

}  // namespace midks
