// A MID Server agent folder as the engine sees it: where the keystore lives, and how it is
// updated (locked against concurrent writers, password proved before anything is written).
#pragma once
#include <functional>
#include <string>

#include "midks/agent_layout.hpp"
#include "midks/bundle.hpp"
#include "midks/mid_config.hpp"
#include "midks/model.hpp"

namespace midks {

inline constexpr const char* kMidKeyAlias = "defaultsecuritykeypairhandle";  // what the MID looks up
inline constexpr const char* kDefaultStorePassword = "changeit";               // the MID's default

// Locks the keystore's folder against every other writer, loads the keystore (or starts an empty
// one of new_type if the file does not exist, creating its folder owned like the folder above it),
// applies change, and if change says it changed something, backs the old file up (policy) and
// writes the new one atomically, keeping owner, group and mode. A wrong password or a failed
// change leaves every file untouched.
struct KeystoreUpdate {
  bool written = false;
  std::string backup;  // the backup made of the previous file, if any
};
KeystoreUpdate update_keystore(const std::string& path, const Password& store_password, StoreType new_type,
                               const std::function<bool(Keystore&)>& change, const BackupPolicy& backups,
                               int lock_timeout_s = 30);

// Puts a key entry under its alias unless that alias already holds the same key and chain (so
// running an import twice writes nothing the second time).
struct PutResult {
  std::string alias;          // as stored
  bool changed = false;
  bool replaced_key = false;  // the alias held a key entry with another key, now gone
};
PutResult put_key_entry(Keystore& keystore, Entry entry, const Password& store_password);

// Whether two DER certificates carry the same public key.
bool same_public_key(const Bytes& cert_a, const Bytes& cert_b);

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

// Replacing the MID's key pair has consequences: the config.xml values the MID encrypted with the
// old key (secure="true", "encrypted:…") cannot be decrypted with a new one. Returns their names.
std::vector<std::string> encrypted_parameters(const MidConfig& config);
// The finding (MID_KEY_REPLACED, a warning) that says so, and how to re-enter those values;
// encrypted_parameters is null when config_path could not be read (then it says it cannot tell).
Finding mid_key_replaced_finding(const std::vector<std::string>* encrypted_parameters, const std::string& config_path);

// Refuses (MID_KEY_IN_USE, exit 2) removing the MID's key entry while config.xml has the MID
// authenticate with it; a missing or unreadable config.xml does not refuse.
void refuse_if_mid_key_in_use(const std::string& config_path, const std::string& action);

// The config.xml edits of -m and -b, in memory; each returns whether anything changed.
bool use_mutual_auth(MidConfig& config);
bool use_basic_auth(MidConfig& config, std::string_view user, const Password& password);

// Locks config.xml's folder, loads it, applies change and, if it changed
// anything, writes it atomically with a .bak, keeping its mode. Returns whether it was written.
bool update_config(const std::string& path, const std::function<bool(MidConfig&)>& change, int lock_timeout_s = 30);

}  // namespace midks
