// -m and -b: switch config.xml between mutual and basic authentication.


#include "cli.hpp"
#include "midks/mid_auth.hpp"
#include "midks/error.hpp"
#include "midks/mid_config.hpp"
#include "midks/platform.hpp"

namespace midks::cli {

namespace {

constexpr const char* kNext = "next: restart the MID Server for the change to take effect\n";

// Loaded before anything is locked or written, so a missing or broken file is reported as such.
void require_config(const Options& o) {
  if (!o.mid_config()) MidConfig::load(o.config_path());  // says there is none, and where
}

}  // namespace

Result cmd_mutual(const Options& o) {
  if (o.instance_url && o.instance_url->rfind("https://", 0) != 0)
    usage_error("--instance-url must start with https:// (got '" + *o.instance_url + "')",
         "give the instance's address, e.g. https://acme.service-now.com/");
  if (o.mid_name && o.mid_name->empty()) usage_error("--mid-name is empty", "give the MID Server's name");
  require_config(o);
  Keystore ks = open_keystore(o);
  std::vector<Finding> findings = check_mid_key(ks, store_password(o), ImportOptions{});
  bool refused = false;
  for (const Finding& f : findings) refused = refused || f.severity() == Severity::Refusable;
  if (refused && !o.force)
    throw ImportRefused(findings, "mutual authentication was not enabled: the key entry '" + std::string(kMidKeyAlias) + "' would fail");
  bool was_mutual = false;
  bool changed = change_config(o, [&](MidConfig& c) {
    was_mutual = auth_mode(c) == AuthMode::Mutual;
    return use_mutual_auth(c, o.instance_url, o.mid_name);
  });
  bool removed_credentials = !was_mutual;
  CertFacts leaf = describe_certificate(ks.find(kMidKeyAlias)->chain.front());
  Result r;
  r.field("command", "mutual").field("config", o.config_path()).field("changed", changed).field("auth_mode", "mutual");
  r.field("keystore", o.keystore_path()).field("certificate", certificate_object(leaf));
  r.add(findings_node(findings));
  r.text(std::string(removed_credentials ? "Mutual authentication enabled in " : "Mutual authentication was already enabled in ") + o.config_path() +
         (changed ? "" : "; nothing changed") + "\n");
  if (o.instance_url) r.text("  url  " + *o.instance_url + "\n");
  if (o.mid_name) r.text("  name " + *o.mid_name + "\n");
  if (removed_credentials)
    r.text("  took mid.instance.username and mid.instance.password out; the previous file, kept as\n  " + o.config_path() +
           ".bak, still holds them: delete it once the MID Server connects with its certificate\n");
  r.text("  certificate " + leaf.subject_display + ", expires " + expiry_text(leaf.not_after) + ", in " + o.keystore_path() + "\n\n");
  r.append(text_only(cmd_status(o)));  // the resulting state, as -s shows it
  r.text(std::string("\n") + kNext);
  return r;
}

Result cmd_basic(const Options& o) {
  const std::string& user = o.args[0];
  if (user.empty()) usage_error("-b needs the instance user's name", "usage: manage-certificates -b <user> [<password>]");
  require_config(o);
  SecretSource source = o.instance_password;
  if (o.args.size() > 1) source.arg = o.args[1];  // the original script's argv form
  if (!source.env && !source.file && !source.arg && !source.prompt) {
    if (!platform::stdin_is_terminal())
      usage_error("-b needs the password of instance user " + user,
           "pass it with --instance-password-env VAR or --instance-password-file FILE (or run at a terminal to be asked)");
    source.prompt = true;
  }
  std::optional<Password> password = read_secret(source, "instance-password", "password of instance user " + user);
  if (password->size() == 0) usage_error("the instance user's password is empty", "give the password of " + user);
  bool have_keystore = platform::exists(o.keystore_path());
  // With --remove-key the store password is proved before config.xml is touched; without it -b only
  // edits config.xml, and a MID whose store password we do not know can still go back to basic auth.
  bool key_present = have_keystore && !(o.remove_key ? open_keystore(o) : browse_keystore(o)).matching(kMidKeyAlias).empty();
  bool changed = change_config(o, [&](MidConfig& c) { return use_basic_auth(c, user, *password); });
  bool key_removed = false;
  if (have_keystore && o.remove_key) {
    try {
      change_keystore(o, StoreType::Jks, [&](Keystore& ks) {
        key_removed = ks.find(kMidKeyAlias) != nullptr;
        if (key_removed) ks.remove(kMidKeyAlias);
        return key_removed;
      });
    } catch (const Error& e) {
      // config.xml is already back on basic auth, which the MID can use with the key still there.
      throw Error(e.code_id(), o.config_path() + (changed ? " now has basic authentication" : " already had basic authentication") +
                                   ", but the key entry could not be removed from " + o.keystore_path() + ": " + e.what())
          .with_hint("run -b --remove-key again once the keystore can be written, or delete the entry with -d " + std::string(kMidKeyAlias));
    }
    key_present = key_present && !key_removed;
  }
  Result r;
  r.field("command", "basic").field("config", o.config_path()).field("changed", changed).field("auth_mode", "basic").field("user", user);
  r.text(std::string(changed ? "Basic authentication restored: " : "Basic authentication already set: ") + o.config_path() +
         " has mid.instance.username = " + user + " and mid.instance.password" +
         (changed ? " (plain text until the MID Server encrypts it when it starts)" : "") + "\n");
  r.field("key_entry_removed", key_removed, key_removed ? std::string("  deleted the key entry '") + kMidKeyAlias + "' from " + o.keystore_path() + "\n" : "");
  r.field("key_entry_present", key_present,
          key_present ? std::string("  the key entry '") + kMidKeyAlias + "' stays in " + o.keystore_path() + " (--remove-key deletes it)\n" : "");
  r.text(kNext);
  return r;
}

}  // namespace midks::cli
