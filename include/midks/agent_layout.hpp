// Where a MID Server keeps its keystore under the agent folder, and how the MID backs it up.
// Sources: ServiceNow's "MID Server unified key store" (the agent_keystore file in the security
// folder; backups in agent/security_backup with keystore_backup_audit_trail.log, honouring
// mid.keystore.max_backups and mid.keystore.backup_overwrite_timespan) and its MID container
// recipe (/opt/snc_mid_server/agent/security/agent_keystore).
#pragma once
#include <array>
#include <string>
#include <vector>

#include "midks/platform.hpp"
#include "midks/secure.hpp"

namespace midks {

inline constexpr const char* kMidKeyAlias = "defaultsecuritykeypairhandle";  // what the MID looks up
inline constexpr const char* kDefaultStorePassword = "changeit";               // the MID's default

// The paths MIDs have kept their keystore at, most current first (older MIDs: keystore/; the
// community how-to: .jks). A new keystore is the first.
inline constexpr std::array<const char*, 4> kKeystoreCandidates = {
    "security/agent_keystore", "security/agent_keystore.jks", "keystore/agent_keystore", "keystore/agent_keystore.jks"};

class Keystore;
// -r: removes every entry but the MID's key pair (any case of kMidKeyAlias), in one rebuild of the
// alias index; returns the removed aliases as the store held them.
std::vector<std::string> remove_all_but_mid_key(Keystore& keystore);

struct KeystoreLocation {
  std::string path;                       // under the agent folder
  bool exists = false;
  std::vector<std::string> also_present;  // other candidates that exist too (the MID reads only `path`)
};
// The first candidate that exists under agent_dir, or the first candidate if none does.
KeystoreLocation locate_keystore(const std::string& agent_dir);

// ServiceNow's FIPS-enforced MID mode: conf/wrapper-override.conf passes the JVM Bouncy Castle
// FIPS's approved-only flag. Such a JVM reads only Bouncy Castle FIPS keystores (BCFKS).
inline constexpr const char* kWrapperOverride = "conf/wrapper-override.conf";
inline constexpr const char* kFipsApprovedOnlyFlag = "-Dorg.bouncycastle.fips.approved_only=true";
// The wrapper-override.conf that puts the MID of agent_dir in FIPS mode (a line, not commented
// out, passing the flag), or "" when there is none.
std::string fips_mode_evidence(const std::string& agent_dir);

// How the keystore is backed up before each change, read from config.xml.
struct BackupPolicy {
  std::string folder;              // agent/security_backup
  int max_backups = 3;             // mid.keystore.max_backups; 0 or less: no backups
  int overwrite_timespan_s = 60;   // mid.keystore.backup_overwrite_timespan: a backup this soon
                                   // after the newest one replaces it
  std::string mid_id;              // keypairs.mid_id, for the audit trail
};
inline constexpr const char* kBackupFolder = "security_backup";
inline constexpr const char* kBackupAuditLog = "keystore_backup_audit_trail.log";

// The policy for a keystore: backups go to <agent>/security_backup when the keystore's folder (as
// given, not through a link to the file) is the agent folder or one of its subfolders (security/,
// keystore/), else to security_backup inside the keystore's folder. config_path may be missing or
// unreadable: the MID's defaults apply then.
BackupPolicy backup_policy(const std::string& keystore_path, const std::string& agent_dir, const std::string& config_path);

// A backup of a keystore about to be changed, recorded before the change. The constructor copies
// `current` (the keystore's bytes before the change) into the policy's folder as
// "<name>.<UTC yyyyMMdd-HHmmss.SSS>" with the keystore's owner, group and mode, unless the policy
// keeps none, or the newest backup is younger than the overwrite timespan: then that one (the state
// before this burst of changes) is kept instead of a state in between. Either way the audit-trail
// line is appended and flushed then, so the keystore is never replaced unrecorded (a failure there
// is BACKUP_FAILED, with nothing changed). commit(), once the keystore was written, removes backups
// beyond max_backups (returning a warning if it could not); without it the copy and the audit line
// are removed again (should the line not go, a second one says the change did not happen).
class KeystoreBackup {
 public:
  KeystoreBackup(const std::string& keystore_path, ByteView current, const std::vector<std::string>& aliases,
                 const BackupPolicy& policy, std::int64_t now_ms);
  ~KeystoreBackup();
  KeystoreBackup(const KeystoreBackup&) = delete;
  KeystoreBackup& operator=(const KeystoreBackup&) = delete;
  std::string commit();
  const std::string& path() const { return path_; }  // the backup that holds the previous state ("" if none)

 private:
  void record();  // appends audit_ to the trail
  BackupPolicy policy_;
  std::string name_, when_, path_, audit_;
  platform::FileAttributes original_;
  platform::Appended recorded_;  // the audit line, taken back if the change fails
  bool created_ = false, committed_ = false;
};

}  // namespace midks
