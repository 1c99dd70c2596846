#include <openssl/crypto.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <iostream>

#include "cli.hpp"
#include "codec.hpp"
#include "midks/keystore_transaction.hpp"
#include "midks/mid_auth.hpp"
#include "midks/error.hpp"
#include "midks/keystore_file.hpp"
#include "midks/mid_config.hpp"
#include "midks/platform.hpp"

namespace midks::cli {

// ---- secrets ----

SecretSource::~SecretSource() {
  if (arg) OPENSSL_cleanse(arg->data(), arg->size());
}

std::optional<Password> read_secret(const SecretSource& src, const std::string& option, const std::string& what) {
  if (src.env) {
    std::optional<std::string> v = platform::environment(*src.env);
    if (!v) fail(ErrorCode::SECRET_UNAVAILABLE, "environment variable " + *src.env + " (from --" + option + "-env) is not set");
    Password p(*v);
    OPENSSL_cleanse(v->data(), v->size());
    return p;
  }
  if (src.file) {
    return read_secret_file(*src.file);  // pipes too: <(vault kv get …), /dev/stdin
  }
  if (src.arg) {
    std::cerr << "warning: the " << what << " on the command line is visible to other users in 'ps'; "
              << "prefer --" << option << "-env VAR, --" << option << "-file FILE or --" << option << "-prompt\n";
    return Password(*src.arg);
  }
  if (src.prompt) return platform::prompt_secret(what);
  return std::nullopt;
}

const Password& store_password(const Options& o) {
  if (o.storepass_read) return *o.storepass_read;
  if (auto given = read_secret(o.storepass, "storepass", "keystore password")) {
    o.storepass_read = std::move(*given);
    o.storepass_origin = PasswordOrigin::Given;
    return *o.storepass_read;
  }
  // The seed names config.xml's mid.keystore.password: a plain value there is the MID's password.
  std::optional<Password> configured;
  try {
    if (const MidConfig* config = o.mid_config()) configured = config->get_secret(mid_param::kKeystorePassword);
  } catch (const Error&) {
    // An unreadable config.xml is reported by the commands that edit it.
  }
  bool encrypted = configured && is_encrypted_value(std::string_view(configured->c_str(), configured->size()));
  if (configured && !configured->empty() && !encrypted) {
    o.storepass_read = std::move(*configured);
    o.storepass_origin = PasswordOrigin::ConfigXml;
    return *o.storepass_read;
  }
  o.config_storepass_encrypted = encrypted;
  o.storepass_read = Password(kDefaultStorePassword);
  o.storepass_origin = PasswordOrigin::Default;
  return *o.storepass_read;
}

namespace {

// What to do when the store password was only assumed and is wrong.
std::string unknown_password_hint(const Options& o) {
  std::string where = o.storepass_origin == PasswordOrigin::ConfigXml ? "the plain mid.keystore.password in config.xml"
                      : o.config_storepass_encrypted ? std::string("the default '") + kDefaultStorePassword +
                                                           "' (config.xml's mid.keystore.password is encrypted, so it cannot be read here)"
                                                     : std::string("the default '") + kDefaultStorePassword + "'";
  return "it does not open with " + where + ": pass the MID's keystore password with --storepass-env VAR, --storepass-file FILE or --storepass-prompt";
}

}  // namespace

Error explain_password_error(const Options& o, const Error& e) {
  bool store_password_error = e.kind() == ErrorKind::Password && (e.code().empty() || e.code() == "WRONG_STORE_PASSWORD");
  if (!store_password_error || o.storepass_origin == PasswordOrigin::Given) return e;
  return e.recoded(ErrorCode::WRONG_STORE_PASSWORD).with_hint(unknown_password_hint(o));
}

std::optional<Password> key_passphrase(const Options& o) { return read_secret(o.keypass, "keypass", "key passphrase"); }

std::optional<Password> new_store_password(const Options& o, bool ask) {
  SecretSource src = o.new_storepass;
  if (!src.env && !src.file && !src.prompt) {
    if (!ask) return std::nullopt;
    if (!platform::stdin_is_terminal())
      usage_error("no new store password given", "pass it with --new-storepass-env VAR, --new-storepass-file FILE or --new-storepass-prompt");
    src.prompt = true;
  }
  Password chosen = *read_secret(src, "new-storepass", "new keystore password");
  if (src.prompt && !(*read_secret(src, "new-storepass", "new keystore password, again") == chosen))
    usage_error("the two new passwords typed differ; nothing was changed");
  // keytool refuses shorter store passwords: a store an admin could not manage with it helps nobody.
  if (chosen.size() < 6) usage_error("the new store password has fewer than 6 characters, which keytool refuses", "choose a longer one");
  return chosen;
}

std::string Options::keystore_path() const {
  if (keystore) return *keystore;
  if (!location) {
    location = locate_keystore(agent_dir);
    if (!location->also_present.empty() && !quiet)
      std::cerr << "warning [SEVERAL_KEYSTORES]: " << joined(location->also_present) << " also exist" << (location->also_present.size() == 1 ? "s" : "")
                << "; using " << location->path << ", the first of "
                << joined(std::vector<std::string>(kKeystoreCandidates.begin(), kKeystoreCandidates.end()))
                << " (the order the MID's versions use); pass --keystore to choose\n";
  }
  return location->path;
}
std::string Options::config_path() const {
  if (config) return *config;
  std::string beside = agent_dir + "/config.xml";
  // `--keystore /opt/mid/agent/security/agent_keystore` from elsewhere: that MID's config.xml.
  if (keystore && !platform::exists(beside))
    for (const char* candidate : kKeystoreCandidates) {
      std::string tail = std::string("/") + candidate;
      if (keystore->size() > tail.size() && keystore->compare(keystore->size() - tail.size(), tail.size(), tail) == 0) {
        std::string derived = keystore->substr(0, keystore->size() - tail.size()) + "/config.xml";
        if (platform::exists(derived)) return derived;
      }
    }
  return beside;
}

const MidConfig* Options::mid_config() const {
  if (config_error_) throw *config_error_;
  if (!config_read_) {
    try {
      config_read_.emplace(platform::exists(config_path()) ? std::optional<MidConfig>(MidConfig::load(config_path())) : std::nullopt);
    } catch (const Error& e) {
      config_error_ = e;
      throw;
    }
  }
  return *config_read_ ? &**config_read_ : nullptr;
}

void Options::config_changed() const {
  config_read_.reset();
  config_error_.reset();
}

// ---- presentation ----

std::string expiry_text(std::time_t not_after) {
  std::int64_t d = days_left(not_after);
  return day(not_after) + (d < 0 ? " (EXPIRED " + std::to_string(-d) + " days ago)" : " (" + std::to_string(d) + " days left)");
}

std::string joined(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s.empty() ? "-" : s;
}

std::string lines(const std::string& prefix, const std::vector<std::string>& items) {
  std::string s;
  for (const auto& x : items) s += prefix + x + "\n";
  return s;
}

std::string printed(const char* format, ...) {
  va_list args, again;
  va_start(args, format);
  va_copy(again, args);
  int n = std::vsnprintf(nullptr, 0, format, args);
  va_end(args);
  std::string out(n > 0 ? static_cast<std::size_t>(n) : 0, '\0');
  std::vsnprintf(out.data(), out.size() + 1, format, again);
  va_end(again);
  return out;
}

void usage_error(std::string message, std::string fix) { throw Error(ErrorCode::USAGE, std::move(message)).with_hint(std::move(fix)); }

std::string shell_quoted(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=@") == std::string::npos)
    return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string parent_folder(const std::string& path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

std::string keytool_check(const std::string& path, StoreType type, const std::string& alias) {
  // keytool knows BCFKS only through a Bouncy Castle provider (bc-fips.jar on a FIPS MID).
  const std::string bc = type == StoreType::Bcfks ? " -storetype BCFKS -providerpath <bc-fips.jar or bcprov.jar> -providerclass <its provider class>" : "";
  return "keytool -list -v" + (alias.empty() ? std::string() : " -alias " + shell_quoted(alias)) + " -keystore " + shell_quoted(path) + bc +
         "   (it asks for the store password)";
}

Finding mid_key_replaced(const Options& o) {
  try {
    if (const MidConfig* config = o.mid_config()) {
      std::vector<std::string> encrypted = encrypted_parameters(*config);
      return mid_key_replaced_finding(&encrypted, o.config_path());
    }
  } catch (const Error&) {
  }
  return mid_key_replaced_finding(nullptr, o.config_path());
}

// A clear error for a missing keystore, before anything is created for it.
void require_keystore(const Options& o) {
  platform::PathCheck there = platform::check_path(o.keystore_path());
  if (there.exists) return;
  if (!there.error.empty()) fail(ErrorCode::FILE_UNREADABLE, "cannot open " + o.keystore_path() + ": " + there.error);
  throw Error(ErrorCode::NO_KEYSTORE, "no keystore at " + o.keystore_path())
      .with_hint("run from the MID's agent folder (or pass --agent-dir / --keystore); import a bundle with -a to create it");
}

const std::string& checked_alias(const std::string& alias) {
  if (std::string problem = alias_problem(alias); !problem.empty())
    fail(ErrorCode::ALIAS_INVALID, problem);
  return alias;
}

Keystore open_keystore(const Options& o) {
  require_keystore(o);
  try {
    return load_keystore(o.keystore_path(), &store_password(o));
  } catch (const Error& e) {
    throw explain_password_error(o, e);
  }
}

Keystore browse_keystore(const Options& o) {
  require_keystore(o);
  return browse_keystore_at(o, o.keystore_path());
}

Keystore browse_keystore_at(const Options& o, const std::string& path) {
  Bytes data = read_file(path);
  try {
    return read_keystore_data(data, &store_password(o));
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::Password || o.storepass_origin == PasswordOrigin::Given) throw e.with_context(path);
    StoreType type = detect_keystore_type(data);
    if (type == StoreType::Pkcs12 || type == StoreType::Bcfks) throw explain_password_error(o, e.with_context(path));
    Keystore ks = read_keystore_data(data, nullptr);
    std::cerr << "warning [STORE_PASSWORD_UNKNOWN]: " << path << ": " << unknown_password_hint(o)
              << ". Showing its certificates without checking the keystore's integrity, as keytool does without -storepass.\n";
    return ks;
  }
}

bool change_keystore(const Options& o, StoreType new_type, const std::function<bool(Keystore&)>& change,
                     const Password* new_store_password, const std::function<void()>& along_with) {
  const std::string& path = o.keystore_path();
  try {
    KeystoreUpdate update =
        update_keystore(path, store_password(o), new_type, change, backup_policy(path, parent_folder(o.config_path()), o.config_path()), 30,
                        new_store_password, along_with);
    o.last_backup = update.backup;
    o.write_notes.insert(o.write_notes.end(), update.notes.begin(), update.notes.end());
    return update.written;
  } catch (const Error& e) {
    if (e.code() != "WRONG_STORE_PASSWORD") throw;
    Error explained = explain_password_error(o, e);
    throw Error(explained.code_id(), std::string(e.what()) + "; nothing was written").with_hint(explained.hint());
  }
}

bool change_config(const Options& o, const std::function<bool(MidConfig&)>& change) {
  ConfigUpdate update = update_config(o.config_path(), change);
  o.config_changed();
  o.write_notes.insert(o.write_notes.end(), update.notes.begin(), update.notes.end());
  return update.written;
}

Entry opened_key_entry(const Keystore& ks, const Options& o, const std::string& alias) {
  const Entry* e = ks.find(alias);
  if (!e) fail(ErrorCode::NO_SUCH_ENTRY, "no entry '" + alias + "' in " + o.keystore_path());
  if (e->kind != EntryKind::PrivateKey || e->chain.empty())
    fail(ErrorCode::NOT_A_KEY_ENTRY, "'" + e->alias + "' is a " + std::string(entry_kind_name(e->kind)) + ", not a key entry with a certificate chain");
  Entry opened = *e;
  fmt::open_entry(opened, store_password(o));
  return opened;
}

bool expiring(const Options& o, const Entry& e) {
  if (!o.expiry_warn_days || e.chain.empty()) return false;
  return days_left(summarize_certificate(e.chain.front()).not_after) < *o.expiry_warn_days;
}

}  // namespace midks::cli
