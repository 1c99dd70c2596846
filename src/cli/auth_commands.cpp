// -m and -b: switch config.xml between mutual and basic authentication.
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>

#include "cli.hpp"
#include "midks/mid_auth.hpp"
#include "midks/error.hpp"
#include "midks/mid_config.hpp"

namespace midks::cli {

namespace {

constexpr const char* kRestart = "restart the MID Server for the change to take effect";

// Loaded before anything is locked or written, so a missing or broken file is reported as such.
void require_config(const Options& o) {
  if (!o.mid_config()) MidConfig::load(o.config_path());  // says there is none, and where
}

}  // namespace

int cmd_mutual(const Options& o) {
  if (o.instance_url && o.instance_url->rfind("https://", 0) != 0)
    usage_error("--instance-url must start with https:// (got '" + *o.instance_url + "')",
         "give the instance's address, e.g. https://acme.service-now.com/");
  if (o.mid_name && o.mid_name->empty()) usage_error("--mid-name is empty", "give the MID Server's name");
  require_config(o);
  Keystore ks = open_keystore(o);
  std::vector<Finding> findings = check_mid_key(ks, store_password(o), ImportOptions{});
  bool refused = false;
  for (const Finding& f : findings) refused = refused || f.severity == Severity::Refusable;
  if (refused && !o.force)
    throw ImportRefused(findings, "mutual authentication was not enabled: the key entry '" + std::string(kMidKeyAlias) + "' would fail");
  bool was_mutual = false;
  bool changed = update_config(o.config_path(), [&](MidConfig& c) {
    was_mutual = auth_mode(c) == AuthMode::Mutual;
    return use_mutual_auth(c, o.instance_url, o.mid_name);
  });
  o.config_changed();
  bool removed_credentials = !was_mutual;
  CertFacts leaf = describe_certificate(ks.find(kMidKeyAlias)->chain.front());
  if (o.json) {
    JsonWriter j;
    j.begin_object().field("command", "mutual").field("config", o.config_path()).field("changed", changed).field("auth_mode", "mutual");
    j.field("keystore", o.keystore_path()).key("certificate");
    cert_json(j, leaf);
    findings_json(j, findings);
    std::cout << j.end_object().str() << "\n";
    return 0;
  }
  print_findings(findings);
  if (o.quiet) return 0;
  std::cout << (removed_credentials ? "Mutual authentication enabled in " : "Mutual authentication was already enabled in ")
            << o.config_path() << (changed ? "" : "; nothing changed") << "\n";
  if (o.instance_url) std::cout << "  url  " << *o.instance_url << "\n";
  if (o.mid_name) std::cout << "  name " << *o.mid_name << "\n";
  if (removed_credentials)
    std::cout << "  took mid.instance.username and mid.instance.password out; the previous file, kept as\n  " << o.config_path()
              << ".bak, still holds them: delete it once the MID Server connects with its certificate\n";
  std::cout << "  certificate " << leaf.subject_display << ", expires " << expiry_text(leaf.not_after) << ", in " << o.keystore_path() << "\n\n";
  cmd_status(o);  // the resulting state, as -s shows it
  std::cout << "\nnext: " << kRestart << "\n";
  return 0;
}

int cmd_basic(const Options& o) {
  const std::string& user = o.args[0];
  if (user.empty()) usage_error("-b needs the instance user's name", "usage: manage-certificates -b <user> [<password>]");
  require_config(o);
  SecretSource source = o.instance_password;
  if (o.args.size() > 1) source.arg = o.args[1];  // the original script's argv form
  if (!source.env && !source.file && !source.arg && !source.prompt) {
    if (!::isatty(STDIN_FILENO))
      usage_error("-b needs the password of instance user " + user,
           "pass it with --instance-password-env VAR or --instance-password-file FILE (or run at a terminal to be asked)");
    source.prompt = true;
  }
  std::optional<Password> password = read_secret(source, "instance-password", "password of instance user " + user);
  if (password->size() == 0) usage_error("the instance user's password is empty", "give the password of " + user);
  struct stat st {};
  bool have_keystore = ::stat(o.keystore_path().c_str(), &st) == 0;
  // With --remove-key the store password is proved before config.xml is touched; without it -b only
  // edits config.xml, and a MID whose store password we do not know can still go back to basic auth.
  bool key_present = have_keystore && !(o.remove_key ? open_keystore(o) : browse_keystore(o)).matching(kMidKeyAlias).empty();
  bool changed = update_config(o.config_path(), [&](MidConfig& c) { return use_basic_auth(c, user, *password); });
  o.config_changed();
  bool key_removed = false;
  if (have_keystore && o.remove_key) {
    change_keystore(o, StoreType::Jks, [&](Keystore& ks) {
      key_removed = ks.find(kMidKeyAlias) != nullptr;
      if (key_removed) ks.remove(kMidKeyAlias);
      return key_removed;
    });
    key_present = key_present && !key_removed;
  }
  if (o.json) {
    JsonWriter j;
    j.begin_object().field("command", "basic").field("config", o.config_path()).field("changed", changed).field("auth_mode", "basic");
    j.field("user", user).field("key_entry_removed", key_removed).field("key_entry_present", key_present);
    std::cout << j.end_object().str() << "\n";
    return 0;
  }
  if (o.quiet) return 0;
  std::cout << (changed ? "Basic authentication restored: " : "Basic authentication already set: ") << o.config_path()
            << " has mid.instance.username = " << user << " and mid.instance.password"
            << (changed ? " (plain text until the MID Server encrypts it when it starts)" : "") << "\n";
  if (key_removed) std::cout << "  deleted the key entry '" << kMidKeyAlias << "' from " << o.keystore_path() << "\n";
  if (key_present)
    std::cout << "  the key entry '" << kMidKeyAlias << "' stays in " << o.keystore_path() << " (--remove-key deletes it)\n";
  std::cout << "next: " << kRestart << "\n";
  return 0;
}

}  // namespace midks::cli
