// The keystore toolbox: convert (another store type) and passwd (another store password).
#include <boost/filesystem.hpp>

#include "cli.hpp"
#include "midks/error.hpp"
#include "midks/keystore_file.hpp"
#include "midks/keystore_tools.hpp"
#include "midks/mid_auth.hpp"
#include "midks/platform.hpp"

namespace midks::cli {

namespace {

namespace fs = boost::filesystem;

bool same_file(const std::string& a, const std::string& b) {
  boost::system::error_code ec;
  return fs::equivalent(a, b, ec) && !ec;
}

// Whether the keystore is the one the MID of config.xml reads: passwd then changes config.xml too.
bool is_mid_keystore(const Options& o) {
  if (!o.keystore) return true;
  std::string agent = parent_folder(o.config_path());
  for (const char* candidate : kKeystoreCandidates)
    if (same_file(*o.keystore, agent + "/" + candidate)) return true;
  return false;
}

}  // namespace

Result cmd_convert(const Options& o) {
  if (!o.to_type) usage_error("convert needs the type to write", "add --to jks, --to jceks, --to pkcs12 or --to bcfks");
  const std::string& out = o.args[0];
  const std::string source_path = o.keystore_path();
  Keystore source = open_keystore(o);
  if (same_file(out, source_path))
    usage_error(out + " is the keystore being converted; convert writes a new file",
                "write to another file, check it (keytool -list), then move it into place yourself");
  if (fs::exists(fs::symlink_status(out)) && !o.force)
    throw Error(ErrorCode::FILE_EXISTS, out + " already exists; convert never overwrites a file silently").with_hint("choose another name, or pass --force");
  std::optional<Password> new_password = new_store_password(o, false);
  const Password& target_password = new_password ? *new_password : store_password(o);
  std::optional<Password> key_password = key_passphrase(o);
  Conversion c = [&] {
    try {
      return convert_keystore(source, *o.to_type, store_password(o), target_password, key_password ? &*key_password : nullptr);
    } catch (const Error& e) {
      if (e.code_id() != ErrorCode::WRONG_KEY_PASSWORD) throw;
      throw e.with_hint("pass that key's own password with --keypass-env VAR, --keypass-file FILE or --keypass-prompt");
    }
  }();
  {
    platform::FolderLock lock(out, out, 30);
    write_file_atomically(out, c.file, WriteOptions::with_mode(0600));
  }
  std::string from_type(store_type_name(source.type())), to_type(store_type_name(*o.to_type));
  Result r;
  r.field("command", "convert").field("keystore", source_path).field("from_type", from_type).field("file", out).field("type", to_type);
  r.field("entries", static_cast<std::int64_t>(c.entries)).field("password_changed", new_password.has_value());
  r.text("Converted " + std::to_string(c.entries) + (c.entries == 1 ? " entry" : " entries") + " of " + source_path + " (" + from_type + ") into " + out +
         " (" + to_type + ", read back and compared" + (new_password ? ", with the new store password" : "") + ")\n");
  r.field("own_key_password", c.own_password, c.own_password.empty() ? "" : "  keys with their own password, kept: " + joined(c.own_password) + "\n");
  r.text("check: " + keytool_check(out, *o.to_type) + "\n");
  return r;
}

Result cmd_passwd(const Options& o) {
  require_keystore(o);
  const std::string path = o.keystore_path();
  const Password& old_password = store_password(o);
  Keystore check = open_keystore(o);  // a wrong password is reported before a new one is asked for
  Password new_password = *new_store_password(o, true);
  Result r;
  r.field("command", "passwd").field("keystore", path);
  if (new_password == old_password) {
    r.field("changed", false, "the new store password is the current one: nothing changed\n");
    return r;
  }
  // config.xml is checked before the keystore changes, so that a broken file stops both.
  const bool mid = is_mid_keystore(o);
  const MidConfig* config = mid ? o.mid_config() : nullptr;
  if (config) {
    MidConfig trial = MidConfig::parse(config->text(), o.config_path());
    use_keystore_password(trial, old_password, new_password);
  }
  // The keystore and config.xml change together: if config.xml cannot follow, the keystore is put
  // back (update_keystore), so the MID never finds its keystore under a password it does not know.
  PasswordChange change;
  KeystorePasswordEdit edit{};
  change_keystore(
      o, check.type(),
      [&](Keystore& ks) {
        change = change_store_password(ks, old_password, new_password);
        return true;
      },
      &new_password,
      [&] {
        if (!config) return;
        try {
          change_config(o, [&](MidConfig& c) {
            edit = use_keystore_password(c, old_password, new_password);
            return edit == KeystorePasswordEdit::Replaced || edit == KeystorePasswordEdit::Added;
          });
        } catch (const Error& e) {
          throw Error(e.code_id(), o.config_path() + " could not be updated with the new password: " + e.what())
              .with_hint("run passwd again once " + o.config_path() + " can be written");
        }
      });
  r.field("changed", true).field("backup", o.last_backup).field("rekeyed", change.rekeyed).field("own_key_password", change.own_password);
  r.text("Changed the store password of " + path + " (" + std::string(store_type_name(check.type())) + ")\n" +
         "  keys now under the new password: " + joined(change.rekeyed) + "\n" +
         (change.own_password.empty() ? "" : "  keys with their own password, unchanged: " + joined(change.own_password) + "\n") +
         (o.last_backup.empty() ? "" : "  backup " + o.last_backup + " (it opens with the old password)\n"));
  std::string config_outcome = "none";
  if (config) {
    switch (edit) {
      case KeystorePasswordEdit::Replaced:
        config_outcome = "replaced";
        r.text("  " + o.config_path() + ": mid.keystore.password replaced (config.xml.bak still holds the old one: delete it)\n");
        break;
      case KeystorePasswordEdit::Added:
        config_outcome = "added";
        r.text("  " + o.config_path() + ": mid.keystore.password added, secure=\"true\" (the MID encrypts it when it starts)\n");
        break;
      case KeystorePasswordEdit::LeftEncrypted:
        config_outcome = "encrypted";
        r.text("warning: " + o.config_path() + "'s mid.keystore.password is encrypted, so it could not be changed: enter the new password there "
               "in plain text, keeping secure=\"true\", before the MID restarts\n", Stream::ErrAlways);
        break;
      case KeystorePasswordEdit::LeftOther:
        config_outcome = "other";
        r.text("warning: " + o.config_path() + "'s mid.keystore.password holds neither the old nor the new password; it was left alone\n",
               Stream::ErrAlways);
        break;
    }
  }
  r.field("config", config_outcome);
  r.text("check: " + keytool_check(path, check.type()) + "\n" + (mid ? "next: restart the MID Server\n" : ""));
  return r;
}

}  // namespace midks::cli
