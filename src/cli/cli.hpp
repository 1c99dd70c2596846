// The command line's shared pieces: parsed options, secrets, and how facts are shown. Every
// command is a thin function over the engine: parse, call, return a Result (result.hpp) that
// main prints as text or JSON.
#pragma once
#include <cstdint>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "midks/agent_layout.hpp"
#include "midks/bundle.hpp"
#include "midks/cert_info.hpp"
#include "midks/mid_config.hpp"
#include "midks/model.hpp"
#include "midks/secure.hpp"
#include "result.hpp"

namespace midks::cli {

// Where the store password came from: the user, config.xml's mid.keystore.password, or the MID's
// default. Only a password the user gave is taken as certain.
enum class PasswordOrigin { Given, ConfigXml, Default };

// Where a secret comes from; argv is accepted but warned about (visible in ps).
struct SecretSource {
  std::optional<std::string> env, file, arg;
  bool prompt = false;  // ask on the terminal, without echo
  SecretSource() = default;
  SecretSource(const SecretSource&) = default;
  SecretSource& operator=(const SecretSource&) = default;
  ~SecretSource();  // wipes arg
};

struct Options {
  std::string agent_dir = ".";
  std::optional<std::string> keystore, config;
  SecretSource storepass, keypass, instance_password, new_storepass;
  std::optional<StoreType> storetype, to_type;  // to_type: convert's --to
  bool help = false, force = false, json = false, quiet = false, long_format = false, remove_key = false, prune = false, ca_bundle = false;
  std::optional<int> expiry_warn_days;
  std::optional<std::string> instance_url, mid_name;  // -m: also set url and name in config.xml
  // csr, split, verify
  std::optional<std::string> alias, subject, key_type, out_dir, url, server_ca, proxy;
  std::vector<std::string> san;
  std::optional<int> timeout_s;
  std::vector<std::string> args;  // the command's own arguments
  mutable std::optional<Password> storepass_read;  // read once: a prompt asks only once
  mutable PasswordOrigin storepass_origin = PasswordOrigin::Default;
  mutable bool config_storepass_encrypted = false;  // config.xml's mid.keystore.password could not be used
  mutable std::optional<KeystoreLocation> location;  // found once; a warning names the others
  mutable std::string last_backup;                   // the backup the last keystore change made
  mutable std::vector<std::string> write_notes;      // what writes did besides replacing (in place, a group not kept)

  // --keystore, else the first of the MID's keystore paths that exists under the agent folder.
  std::string keystore_path() const;
  std::string config_path() const;
  // config.xml, read once per command (nullptr: there is none); a broken file throws each time.
  const MidConfig* mid_config() const;
  void config_changed() const;  // after this command edited it

 private:
  mutable std::optional<std::optional<MidConfig>> config_read_;
  mutable std::optional<Error> config_error_;
};

// A usage error (exit 1), with the fix for this occurrence when there is a better one than the table's.
[[noreturn]] void usage_error(std::string message, std::string fix = {});

// ---- secrets ----
std::optional<Password> read_secret(const SecretSource& src, const std::string& option, const std::string& what);
const Password& store_password(const Options& o);
// A wrong-password error for a password the user did not give: says where it came from and how to pass the MID's.
Error explain_password_error(const Options& o, const Error& e);
std::optional<Password> key_passphrase(const Options& o);
// The new store password (passwd, convert): --new-storepass-*, else asked twice at a terminal when
// `ask` (a usage error without one); nullopt when not asked and none was given.
std::optional<Password> new_store_password(const Options& o, bool ask);

// ---- presentation (with days_left, day, iso in result.hpp) ----
std::string expiry_text(std::time_t not_after);
std::string joined(const std::vector<std::string>& v, const char* sep = ", ");
std::string lines(const std::string& prefix, const std::vector<std::string>& items);  // a line for each
std::string printed(const char* format, ...) __attribute__((format(printf, 1, 2)));  // printf into a string
std::string shell_quoted(const std::string& word);          // for command lines we print to copy
std::string parent_folder(const std::string& path);         // "." for a bare name
// "keytool -list -v [-alias A] -keystore P …": the line to check a keystore we wrote with keytool.
std::string keytool_check(const std::string& path, StoreType type, const std::string& alias = {});

// MID_KEY_REPLACED for the MID's config.xml (the values encrypted with the replaced key).
Finding mid_key_replaced(const Options& o);

// ---- the keystore named by the options ----
void require_keystore(const Options& o);
const std::string& checked_alias(const std::string& alias);  // a new alias: non-empty UTF-8 text, else a usage error
// The keystore, opened with the store password (its integrity checked).
Keystore open_keystore(const Options& o);
// For showing certificates only (-l, -g, -s): a JKS/JCEKS store that does not open with a password
// the user did not give is still shown, without its integrity check (as keytool does without
// -storepass), with a warning. Keys stay sealed.
Keystore browse_keystore(const Options& o);
Keystore browse_keystore_at(const Options& o, const std::string& path);  // any keystore file (expiry)
// The one way commands change the keystore: locked, loaded (or new_type if absent), changed,
// written back atomically with a backup. Returns whether it was written.
// new_store_password: the keystore is written with it (passwd); along_with: the rest of the
// transaction (update_keystore says how a failure there puts the keystore back).
bool change_keystore(const Options& o, StoreType new_type, const std::function<bool(Keystore&)>& change,
                     const Password* new_store_password = nullptr, const std::function<void()>& along_with = {});
// The one way commands change config.xml (update_config), its notes kept for the report. Returns
// whether it was written.
bool change_config(const Options& o, const std::function<bool(MidConfig&)>& change);
bool expiring(const Options& o, const Entry& e);
// The key entry under alias in ks, opened with the store password (as the MID opens it): a copy.
Entry opened_key_entry(const Keystore& ks, const Options& o, const std::string& alias);

// ---- commands (each returns its Result: the exit code and what to print) ----
Result cmd_import(const Options& o);
Result cmd_get(const Options& o);
Result cmd_list(const Options& o);
Result cmd_delete(const Options& o);
Result cmd_remove_all(const Options& o);
Result cmd_status(const Options& o);
Result cmd_doctor(const Options& o);
Result cmd_mutual(const Options& o);
Result cmd_basic(const Options& o);
Result cmd_csr(const Options& o);
Result cmd_split(const Options& o);
Result cmd_verify(const Options& o);
Result cmd_renew(const Options& o);
Result cmd_expiry(const Options& o);
Result cmd_convert(const Options& o);
Result cmd_passwd(const Options& o);

}  // namespace midks::cli
