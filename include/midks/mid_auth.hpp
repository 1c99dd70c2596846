// The MID's authentication policy: how config.xml has the MID authenticate to its instance,
// whether its key entry can be used for that, and every edit of config.xml this tool makes.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "midks/bundle.hpp"
#include "midks/mid_config.hpp"
#include "midks/model.hpp"

namespace midks {

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

// The config.xml edits of -m and -b, in memory; each returns whether anything changed. -m may
// also set the instance's url and the MID's name (silent installs give them together).
bool use_mutual_auth(MidConfig& config, const std::optional<std::string>& instance_url = std::nullopt,
                     const std::optional<std::string>& mid_name = std::nullopt);
bool use_basic_auth(MidConfig& config, std::string_view user, const Password& password);

// passwd on the MID's keystore: config.xml's mid.keystore.password follows the new store password.
// Replaced where it held the old one in plain text; added (secure="true": the MID encrypts it at
// start) where absent; left alone, and said so, where the MID encrypted it or it held another value.
enum class KeystorePasswordEdit { Replaced, Added, LeftEncrypted, LeftOther };
KeystorePasswordEdit use_keystore_password(MidConfig& config, const Password& old_password, const Password& new_password);

// Locks config.xml's folder, loads it, applies change and, if it changed anything, writes it
// atomically with a .bak, keeping its mode. Another program (the MID at start-up, an installer)
// may write config.xml without our lock: just before the replace the file is read again, and if it
// changed since we read it, the edit is made again on its new text, up to kConfigEditAttempts
// times, then refused (CONFIG_CHANGED): never is the other writer's change dropped.
inline constexpr int kConfigEditAttempts = 3;
struct ConfigUpdate {
  bool written = false;
  std::vector<std::string> notes;  // what the write did besides replacing (in place, a group not kept)
};
ConfigUpdate update_config(const std::string& path, const std::function<bool(MidConfig&)>& change, int lock_timeout_s = 30);

}  // namespace midks
