#include "midks/mid_auth.hpp"

#include "codec.hpp"
#include "midks/agent_layout.hpp"
#include "midks/cert_info.hpp"
#include "midks/keystore_file.hpp"
#include "midks/platform.hpp"

namespace midks {

AuthMode auth_mode(const MidConfig& config) {
  auto user = config.get(mid_param::kUsername);
  // The password is only compared: it is read into wiping memory, never into a plain string.
  std::optional<Password> password = config.get_secret(mid_param::kPassword);
  if (!user && !password) return AuthMode::Mutual;
  if (!user || !password || user->empty() || password->empty() || *user == mid_param::kUsernamePlaceholder ||
      *password == Password(mid_param::kPasswordPlaceholder))
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
  if (!found)
    fail(ErrorCode::NO_MID_KEY, std::string("the keystore has no entry '") + kMidKeyAlias + "', so the MID has no certificate to authenticate with");
  if (found->kind != EntryKind::PrivateKey || found->chain.empty())
    fail(ErrorCode::MID_KEY_NOT_PRIVATE, std::string("'") + kMidKeyAlias + "' is a " + std::string(entry_kind_name(found->kind)) +
                   " entry; the MID needs a private key with its certificate chain");
  Entry entry = *found;
  try {
    fmt::open_entry(entry, store_password);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::Password) throw;
    fail(ErrorCode::MID_KEY_PASSWORD, std::string("the key of '") + kMidKeyAlias + "' has its own password; the MID opens it with the store password");
  }
  if (!key_matches_certificate(entry.plain, entry.chain.front()))
    fail(ErrorCode::KEY_MISMATCH, std::string("the private key of '") + kMidKeyAlias + "' does not belong to its certificate");
  return validate_chain(entry.chain, options);
}

std::vector<std::string> encrypted_parameters(const MidConfig& config) {
  return config.encrypted_parameter_names();
}

Finding mid_key_replaced_finding(const std::vector<std::string>* encrypted, const std::string& config_path) {
  std::string what = std::string("the key pair the MID had under '") + kMidKeyAlias + "' was replaced by another key";
  // The fix table's fix is for the plain case; the other two say what to re-enter, and where.
  std::string restore = "the previous keystore is in security_backup/ (see its keystore_backup_audit_trail.log)";
  if (!encrypted)
    return {FindingCode::MID_KEY_REPLACED,
            what + "; " + config_path + " could not be read, so the values the MID encrypted with the old key could not be checked",
            "look for secure=\"true\" values starting with encrypted: in the MID's config.xml and re-enter them as plain text (the MID encrypts them again at start); " +
                restore};
  if (encrypted->empty()) return {FindingCode::MID_KEY_REPLACED, what + "; " + config_path + " holds no value encrypted with the old one"};
  std::string names;
  for (const std::string& n : *encrypted) names += (names.empty() ? "" : ", ") + n;
  return {FindingCode::MID_KEY_REPLACED,
          what + ", and " + config_path + " holds values encrypted with the old one that the new key cannot decrypt: " + names,
          "re-enter each of them in config.xml as plain text, keeping secure=\"true\" (e.g. <parameter name=\"" + encrypted->front() +
              "\" secure=\"true\" value=\"…\"/>); the MID encrypts them again with its new key when it starts"};
}

void refuse_if_mid_key_in_use(const std::string& config_path, const std::string& action) {
  if (!platform::exists(config_path)) return;
  std::optional<MidConfig> config;
  try {
    config = MidConfig::load(config_path);
  } catch (const Error& e) {
    fail(ErrorCode::MID_KEY_IN_USE, action + " would remove '" + kMidKeyAlias + "', and whether the MID authenticates with it cannot be told: " + e.what());
  }
  if (auth_mode(*config) != AuthMode::Mutual) return;
  fail(ErrorCode::MID_KEY_IN_USE, action + " would remove '" + kMidKeyAlias + "' while " + config_path +
                 " has the MID authenticate to its instance with it (mutual authentication): after a restart the MID could not connect");
}

bool use_mutual_auth(MidConfig& config, const std::optional<std::string>& instance_url, const std::optional<std::string>& mid_name) {
  bool edited = false;
  if (instance_url && config.get(mid_param::kUrl) != *instance_url) {
    config.set(mid_param::kUrl, *instance_url);
    edited = true;
  }
  if (mid_name && config.get(mid_param::kName) != *mid_name) {
    config.set(mid_param::kName, *mid_name);
    edited = true;
  }
  int removed = config.remove(mid_param::kUsername);
  removed += config.remove(mid_param::kPassword);
  return removed > 0 || edited;
}

bool use_basic_auth(MidConfig& config, std::string_view user, const Password& password) {
  std::string_view secret(password.c_str(), password.size());
  std::optional<Password> current = config.get_secret(mid_param::kPassword);
  if (config.get(mid_param::kUsername) == std::string(user) && current &&
      std::string_view(current->c_str(), current->size()) == secret)
    return false;
  // Where the MID's own template has them: right below the instance url, the password marked
  // secure="true" so that the MID encrypts it when it starts instead of keeping it in plain text.
  config.set(mid_param::kUsername, user, mid_param::kUrl);
  config.set(mid_param::kPassword, secret, mid_param::kUsername, "secure=\"true\"");
  if (!config.has_attribute(mid_param::kPassword, "encrypt"))  // older MIDs' name for the same mark
    config.add_attribute(mid_param::kPassword, mid_param::kSecureAttribute, "true");
  return true;
}

KeystorePasswordEdit use_keystore_password(MidConfig& config, const Password& old_password, const Password& new_password) {
  std::string_view new_value(new_password.c_str(), new_password.size());
  std::optional<Password> current = config.get_secret(mid_param::kKeystorePassword);
  if (!current) {
    config.set(mid_param::kKeystorePassword, new_value, {}, "secure=\"true\"");
    return KeystorePasswordEdit::Added;
  }
  if (is_encrypted_value(std::string_view(current->c_str(), current->size()))) return KeystorePasswordEdit::LeftEncrypted;
  if (!(*current == old_password)) return KeystorePasswordEdit::LeftOther;
  config.set(mid_param::kKeystorePassword, new_value);
  return KeystorePasswordEdit::Replaced;
}

namespace {

std::string text_digest(const MidConfig& config) {
  return fingerprint(ByteView(reinterpret_cast<const std::uint8_t*>(config.text().data()), config.text().size()), "SHA256");
}

}  // namespace

ConfigUpdate update_config(const std::string& path, const std::function<bool(MidConfig&)>& change, int lock_timeout_s) {
  platform::FolderLock lock(path, path, lock_timeout_s);
  for (int attempt = 0; attempt < kConfigEditAttempts; ++attempt) {
    MidConfig config = MidConfig::load(path);
    const std::string as_read = text_digest(config);
    if (!change(config)) return {};
    if (text_digest(MidConfig::load(path)) != as_read) continue;  // changed meanwhile: edit the new text
    ConfigUpdate update{true, {}};
    note_outcome(update.notes, path, config.save(path));
    return update;
  }
  fail(ErrorCode::CONFIG_CHANGED, "another program changed " + path + " each time we were about to write it (" + std::to_string(kConfigEditAttempts) +
                                      " times); nothing was written");
}

}  // namespace midks
