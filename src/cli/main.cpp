// manage-certificates: the command line. A thin layer: parse, call the engine, print.
// The command table below is the single definition of the surface; --help is generated from it.
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "json.hpp"
#include "midks/agent.hpp"
#include "midks/bundle.hpp"
#include "midks/cert_info.hpp"
#include "midks/error.hpp"
#include "midks/keystore_file.hpp"
#include "midks/mid_config.hpp"
#include "midks/model.hpp"

namespace {

using namespace midks;
using cli::JsonWriter;

constexpr int kExpiryWarning = 3;  // exit code when --expiry-warn finds an entry expiring soon

struct SecretSource {
  std::optional<std::string> env, file, arg;
};

struct Options {
  std::string agent_dir = ".";
  std::optional<std::string> keystore, config;
  SecretSource storepass, keypass;
  std::optional<StoreType> storetype;
  bool force = false, json = false, quiet = false, long_format = false;
  std::optional<int> expiry_warn_days;
  std::vector<std::string> args;  // the command's own arguments

  std::string keystore_path() const { return keystore ? *keystore : agent_dir + "/" + kDefaultKeystore; }
  std::string config_path() const { return config ? *config : agent_dir + "/config.xml"; }
};

StoreType parse_storetype(std::string t);

struct OptionSpec {
  std::string name;
  std::string value;  // name of its value, or "" for a flag
  std::string help;
  std::function<void(Options&, const std::string&)> set;
};

// The single definition of every option: the parser, --help and completion all read it.
const std::vector<OptionSpec>& option_table() {
  static const std::vector<OptionSpec> table = {
      {"--agent-dir", "DIR", "the MID's agent folder (default: the current folder)", [](Options& o, const std::string& v) { o.agent_dir = v; }},
      {"--keystore", "FILE", "keystore (default security/agent_keystore.jks; JKS, JCEKS or PKCS12, detected)",
       [](Options& o, const std::string& v) { o.keystore = v; }},
      {"--config", "FILE", "the MID's config.xml (default: config.xml in the agent folder)",
       [](Options& o, const std::string& v) { o.config = v; }},
      {"--storetype", "TYPE", "type of a new keystore: jks (default), pkcs12 or jceks",
       [](Options& o, const std::string& v) { o.storetype = parse_storetype(v); }},
      {"--storepass-env", "VAR", "store password from an environment variable (default password: changeit)",
       [](Options& o, const std::string& v) { o.storepass.env = v; }},
      {"--storepass-file", "FILE", "store password from a file (first line)", [](Options& o, const std::string& v) { o.storepass.file = v; }},
      {"--storepass", "PASS", "store password on the command line (visible in ps)", [](Options& o, const std::string& v) { o.storepass.arg = v; }},
      {"--keypass-env", "VAR", "passphrase of an encrypted key or PFX, from an environment variable",
       [](Options& o, const std::string& v) { o.keypass.env = v; }},
      {"--keypass-file", "FILE", "... from a file", [](Options& o, const std::string& v) { o.keypass.file = v; }},
      {"--keypass", "PASS", "... on the command line (visible in ps)", [](Options& o, const std::string& v) { o.keypass.arg = v; }},
      {"--force", "", "import despite refusable findings (every finding is still printed)", [](Options& o, const std::string&) { o.force = true; }},
      {"--long", "", "with -l: a table with type, expiry and subject", [](Options& o, const std::string&) { o.long_format = true; }},
      {"--expiry-warn", "DAYS", "with -g, -l, -s: exit 3 if an entry expires within DAYS",
       [](Options& o, const std::string& v) {
         if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 5)
           fail(ErrorKind::Usage, "--expiry-warn needs a number of days, not '" + v + "'");
         o.expiry_warn_days = std::stoi(v);
       }},
      {"--json", "", "machine-readable output (errors too)", [](Options& o, const std::string&) { o.json = true; }},
      {"--quiet", "", "print only data, warnings and errors", [](Options& o, const std::string&) { o.quiet = true; }},
  };
  return table;
}

struct Command {
  std::vector<std::string> names;  // first is shown in help
  std::string args;                // usage of the command's arguments
  std::size_t min_args, max_args;
  std::string summary;
  std::function<int(const Options&)> run;
};

// ---- secrets ----

std::optional<Password> read_secret(const SecretSource& src, const std::string& option) {
  if (src.env) {
    const char* v = std::getenv(src.env->c_str());
    if (!v) fail(ErrorKind::Usage, "environment variable " + *src.env + " (from --" + option + "-env) is not set");
    return Password(v);
  }
  if (src.file) {
    Bytes data = read_file(*src.file, 4096);
    std::size_t n = data.size();
    while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r')) --n;  // a trailing newline is not part of it
    Password p = Password::from_bytes(ByteView(data.data(), n));
    std::fill(data.begin(), data.end(), 0);
    return p;
  }
  if (src.arg) {
    std::cerr << "warning: --" << option << " puts the secret on the command line, visible to other users in 'ps'; "
              << "prefer --" << option << "-env VAR or --" << option << "-file FILE\n";
    return Password(*src.arg);
  }
  return std::nullopt;
}

Password store_password(const Options& o) {
  auto p = read_secret(o.storepass, "storepass");
  return p ? std::move(*p) : Password(kDefaultStorePassword);
}

// ---- presentation ----

std::int64_t now_s() { return static_cast<std::int64_t>(std::time(nullptr)); }
std::int64_t days_left(std::time_t not_after) { return (static_cast<std::int64_t>(not_after) - now_s()) / 86400; }

std::string day(std::int64_t seconds) { return utc_text(seconds, "%Y-%m-%d"); }
std::string iso(std::int64_t seconds) { return utc_text(seconds, "%Y-%m-%dT%H:%M:%SZ"); }

std::string expiry_text(std::time_t not_after) {
  std::int64_t d = days_left(not_after);
  return day(not_after) + (d < 0 ? " (EXPIRED " + std::to_string(-d) + " days ago)" : " (" + std::to_string(d) + " days left)");
}

std::string joined(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s.empty() ? "-" : s;
}

void cert_json(JsonWriter& j, const CertFacts& f) {
  j.begin_object()
      .field("subject", f.subject_display)
      .field("issuer", f.issuer_display)
      .field("serial", f.serial_hex)
      .field("not_before", iso(f.not_before))
      .field("not_after", iso(f.not_after))
      .field("days_left", days_left(f.not_after))
      .field("key_algorithm", f.key_algorithm)
      .field("key_bits", static_cast<std::int64_t>(f.key_bits))
      .field("sha1", f.sha1)
      .field("sha256", f.sha256)
      .field("is_ca", f.is_ca)
      .field("key_usage", f.key_usage)
      .field("extended_key_usage", f.extended_key_usage)
      .field("subject_alt_names", f.subject_alt_names)
      .end_object();
}

void findings_json(JsonWriter& j, const std::vector<Finding>& findings) {
  j.key("findings").begin_array();
  for (const Finding& f : findings)
    j.begin_object()
        .field("severity", f.severity == Severity::Warning ? "warning" : "refusable")
        .field("code", f.code)
        .field("message", f.message)
        .field("fix", f.hint)
        .end_object();
  j.end_array();
}

// A clear error for a missing keystore, before any lock file is created beside it.
void require_keystore(const Options& o) {
  struct stat st {};
  if (::stat(o.keystore_path().c_str(), &st) != 0)
    fail(ErrorKind::Io, "no keystore at " + o.keystore_path(),
         "run from the MID's agent folder (or pass --agent-dir / --keystore); import a bundle with -a to create it");
}

Keystore open_keystore(const Options& o) {
  require_keystore(o);
  Password pw = store_password(o);
  return load_keystore(o.keystore_path(), &pw);
}

bool expiring(const Options& o, const Entry& e) {
  if (!o.expiry_warn_days || e.chain.empty()) return false;
  return days_left(describe_certificate(e.chain.front()).not_after) < *o.expiry_warn_days;
}

// ---- commands ----

int cmd_import(const Options& o) {
  std::string alias = o.args[0];
  std::vector<std::string> files(o.args.begin() + 1, o.args.end());
  auto passphrase = read_secret(o.keypass, "keypass");
  ImportOptions options;
  options.passphrase = passphrase ? &*passphrase : nullptr;
  options.force = o.force;
  ImportedKey imported = import_bundle_files(files, options);  // validates fully before anything is written
  std::vector<Finding> findings = imported.findings;
  std::vector<std::string> notes = imported.notes;
  std::vector<Bytes> chain = imported.chain;
  std::string path = o.keystore_path();
  std::string stored_alias;
  StoreType type = o.storetype.value_or(StoreType::Jks);
  update_keystore(path, store_password(o), type, [&](Keystore& ks) {
    type = ks.type();
    stored_alias = ks.put(make_key_entry(alias, std::move(imported))).alias;
  });
  CertFacts leaf = describe_certificate(chain.front());
  if (o.json) {
    JsonWriter j;
    j.begin_object().field("command", "import").field("keystore", path).field("type", store_type_name(type)).field("alias", stored_alias);
    j.key("certificate");
    cert_json(j, leaf);
    j.field("chain_length", static_cast<std::int64_t>(chain.size())).field("notes", notes);
    findings_json(j, findings);
    std::cout << j.end_object().str() << "\n";
    return 0;
  }
  if (!o.quiet) {
    std::cout << "Imported '" << stored_alias << "' into " << path << " (" << store_type_name(type) << ")\n"
              << "  subject   " << leaf.subject_display << "\n"
              << "  issuer    " << leaf.issuer_display << "\n"
              << "  expires   " << expiry_text(leaf.not_after) << "\n"
              << "  chain     " << chain.size() << " certificate(s), leaf first\n"
              << "  SHA-256   " << leaf.sha256 << "\n";
    for (const auto& n : notes) std::cout << "note: " << n << "\n";
  }
  for (const Finding& f : findings) {
    std::cerr << "warning [" << f.code << "]: " << f.message << "\n";
    if (!f.hint.empty()) std::cerr << "  fix: " << f.hint << "\n";
  }
  if (!o.quiet)
    std::cout << "next: upload the CA chain to sys_ca_certificate and the leaf to sys_user_certificate on the instance, "
                 "enable mutual authentication, then restart the MID Server.\n";
  return 0;
}

int cmd_get(const Options& o) {
  Keystore ks = open_keystore(o);
  const Entry* e = ks.find(o.args[0]);
  if (!e) fail(ErrorKind::Input, "no entry '" + o.args[0] + "' in " + o.keystore_path(), "list the aliases with -l");
  std::vector<CertFacts> chain;
  for (const Bytes& der : e->chain) chain.push_back(describe_certificate(der));
  if (o.json) {
    JsonWriter j;
    j.begin_object().field("command", "details").field("alias", e->alias).field("entry_type", entry_kind_name(e->kind));
    j.field("created", iso(e->created_ms / 1000)).key("chain").begin_array();
    for (const CertFacts& f : chain) cert_json(j, f);
    std::cout << j.end_array().end_object().str() << "\n";
  } else {
    std::cout << "Alias:        " << e->alias << " (" << entry_kind_name(e->kind) << ", created " << day(e->created_ms / 1000) << ")\n";
    if (chain.empty()) std::cout << "(a secret key: no certificate)\n";
    if (!chain.empty()) {
      const CertFacts& f = chain.front();
      std::cout << "Subject:      " << f.subject_display << "\n"
                << "Issuer:       " << f.issuer_display << "\n"
                << "Serial:       " << f.serial_hex << "\n"
                << "Valid from:   " << day(f.not_before) << "\n"
                << "Valid until:  " << expiry_text(f.not_after) << "\n"
                << "Key:          " << f.key_algorithm << " " << f.key_bits << " bits\n"
                << "SHA-1:        " << f.sha1 << "\n"
                << "SHA-256:      " << f.sha256 << "\n"
                << "Key usage:    " << joined(f.key_usage) << "\n"
                << "Ext. usage:   " << joined(f.extended_key_usage) << "\n"
                << "Alt. names:   " << joined(f.subject_alt_names) << "\n"
                << "Chain:\n";
      for (std::size_t i = 0; i < chain.size(); ++i)
        std::cout << "  [" << i << "] " << chain[i].subject_display << "  (until " << day(chain[i].not_after) << ")\n";
    }
  }
  return expiring(o, *e) ? kExpiryWarning : 0;
}

int cmd_list(const Options& o) {
  Keystore ks = open_keystore(o);
  bool warn = false;
  for (const Entry& e : ks.entries()) warn = warn || expiring(o, e);
  if (o.json) {
    JsonWriter j;
    j.begin_object().field("command", "list").field("keystore", o.keystore_path()).field("type", store_type_name(ks.type()));
    j.key("entries").begin_array();
    for (const Entry& e : ks.entries()) {
      j.begin_object().field("alias", e.alias).field("entry_type", entry_kind_name(e.kind)).field("created", iso(e.created_ms / 1000));
      if (!e.chain.empty()) {
        CertFacts f = describe_certificate(e.chain.front());
        j.field("subject", f.subject_display).field("not_after", iso(f.not_after)).field("days_left", days_left(f.not_after)).field("sha256", f.sha256);
      }
      j.end_object();
    }
    std::cout << j.end_array().end_object().str() << "\n";
  } else if (!o.long_format) {
    std::cout << joined(ks.aliases(), ",") << "\n";  // the original script's format
  } else {
    std::printf("%-32s %-17s %-12s %s\n", "ALIAS", "TYPE", "EXPIRES", "SUBJECT");
    for (const Entry& e : ks.entries()) {
      if (e.chain.empty()) {
        std::printf("%-32s %-17s %-12s %s\n", e.alias.c_str(), std::string(entry_kind_name(e.kind)).c_str(), "-", "-");
        continue;
      }
      CertFacts f = describe_certificate(e.chain.front());
      std::printf("%-32s %-17s %-12s %s\n", e.alias.c_str(), std::string(entry_kind_name(e.kind)).c_str(),
                  day(f.not_after).c_str(), f.subject_display.c_str());
    }
  }
  return warn ? kExpiryWarning : 0;
}

int report_removed(const Options& o, const char* command, const std::vector<std::string>& removed) {
  if (o.json) {
    JsonWriter j;
    std::cout << j.begin_object().field("command", command).field("keystore", o.keystore_path()).field("removed", removed).end_object().str() << "\n";
  } else if (!o.quiet) {
    std::cout << (removed.empty() ? std::string("nothing to remove") : "removed " + joined(removed)) << " from " << o.keystore_path() << "\n";
  }
  return 0;
}

int cmd_delete(const Options& o) {
  require_keystore(o);
  std::vector<std::string> removed;
  update_keystore(o.keystore_path(), store_password(o), StoreType::Jks, [&](Keystore& ks) {
    const Entry* e = ks.find(o.args[0]);
    if (!e) fail(ErrorKind::Input, "no entry '" + o.args[0] + "' in " + o.keystore_path(), "list the aliases with -l");
    removed.push_back(e->alias);
    ks.remove(o.args[0]);
  });
  return report_removed(o, "delete", removed);
}

int cmd_remove_all(const Options& o) {
  require_keystore(o);
  std::vector<std::string> removed;
  update_keystore(o.keystore_path(), store_password(o), StoreType::Jks, [&](Keystore& ks) {
    for (const std::string& alias : ks.aliases())
      if (java_lower(alias) != kMidKeyAlias) removed.push_back(alias);
    for (const std::string& alias : removed) ks.remove(alias);
  });
  return report_removed(o, "remove-all", removed);
}

// What config.xml says about the connection: url, MID name and the basic-auth credentials.
struct ConfigFacts {
  bool exists = false;
  std::string error;
  std::string url, name, credentials;  // credentials: "set", "placeholder" or "absent"
};

ConfigFacts read_config_facts(const Options& o) {
  ConfigFacts f;
  struct stat st {};
  if (::stat(o.config_path().c_str(), &st) != 0) return f;
  f.exists = true;
  try {
    MidConfig c = MidConfig::load(o.config_path());
    f.url = c.get(mid_param::kUrl).value_or("");
    std::string name = c.get(mid_param::kName).value_or("");
    f.name = name == mid_param::kNamePlaceholder ? "" : name;
    auto user = c.get(mid_param::kUsername);
    f.credentials = !user || user->empty() ? "absent" : *user == mid_param::kUsernamePlaceholder ? "placeholder" : "set";
  } catch (const Error& e) {
    f.error = e.what();
  }
  return f;
}

int cmd_status(const Options& o) {
  ConfigFacts config = read_config_facts(o);
  std::string path = o.keystore_path();
  struct stat st {};
  bool exists = ::stat(path.c_str(), &st) == 0;
  std::optional<Keystore> ks;
  if (exists) ks = open_keystore(o);
  const Entry* key = ks ? ks->find(kMidKeyAlias) : nullptr;
  bool warn = false;
  if (ks)
    for (const Entry& e : ks->entries()) warn = warn || expiring(o, e);
  if (o.json) {
    JsonWriter j;
    j.begin_object().field("command", "status").field("keystore", path).field("exists", exists);
    if (ks) {
      j.field("type", store_type_name(ks->type())).field("mid_key_entry", key != nullptr);
      j.key("entries").begin_array();
      for (const Entry& e : ks->entries()) {
        j.begin_object().field("alias", e.alias).field("entry_type", entry_kind_name(e.kind));
        if (!e.chain.empty()) {
          CertFacts f = describe_certificate(e.chain.front());
          j.field("not_after", iso(f.not_after)).field("days_left", days_left(f.not_after));
        }
        j.end_object();
      }
      j.end_array();
    }
    j.key("config").begin_object().field("path", o.config_path()).field("exists", config.exists);
    if (!config.error.empty()) j.field("error", config.error);
    else if (config.exists) j.field("url", config.url).field("name", config.name).field("basic_auth_credentials", config.credentials);
    std::cout << j.end_object().end_object().str() << "\n";
    return !config.error.empty() ? static_cast<int>(ErrorKind::Input) : warn ? kExpiryWarning : 0;
  }
  std::cout << "Config:    " << o.config_path();
  if (!config.exists) std::cout << " (not found)\n";
  else if (!config.error.empty()) std::cout << "\n  error: " << config.error << "\n";
  else
    std::cout << "\n  url " << (config.url.empty() ? "(not set)" : config.url) << ", MID name "
              << (config.name.empty() ? "(not set)" : config.name) << ", basic-auth credentials " << config.credentials << "\n";
  std::cout << "Keystore:  " << path;
  if (!ks) {
    std::cout << " (not created yet: import a bundle with -a " << kMidKeyAlias << " <bundle.pem>)\n";
    return !config.error.empty() ? static_cast<int>(ErrorKind::Input) : 0;
  }
  std::cout << " (" << store_type_name(ks->type()) << ", " << ks->size() << (ks->size() == 1 ? " entry" : " entries") << ")\n";
  for (const Entry& e : ks->entries()) {
    std::cout << "  " << e.alias << "  " << entry_kind_name(e.kind);
    if (!e.chain.empty()) std::cout << "  expires " << expiry_text(describe_certificate(e.chain.front()).not_after);
    std::cout << "\n";
  }
  std::cout << "MID key:   " << (key ? "present ('" + std::string(kMidKeyAlias) + "')" : "MISSING: import it with -a " + std::string(kMidKeyAlias) + " <bundle.pem>") << "\n";
  return !config.error.empty() ? static_cast<int>(ErrorKind::Input) : warn ? kExpiryWarning : 0;
}

// The seed's troubleshooting table as checks: each names the finding codes that fail it.
struct Check {
  const char* title;
  std::vector<std::string> codes;
};
const std::vector<Check>& doctor_checks() {
  static const std::vector<Check> checks = {
      {"the chain is complete up to a self-signed root", {"CHAIN_BROKEN", "ROOT_MISSING", "UNRELATED_CERTIFICATE"}},
      {"the leaf is issued by a CA (self-signed is not supported)", {"SELF_SIGNED_LEAF"}},
      {"the leaf allows TLS client authentication", {"LEAF_NOT_CLIENT_AUTH", "LEAF_KEY_USAGE"}},
      {"every issuer is a CA certificate", {"ISSUER_NOT_CA"}},
      {"every certificate is valid today", {"EXPIRED", "NOT_YET_VALID", "EXPIRES_SOON"}},
      {"the key is RSA 2048 or more, as the MID requires", {"WEAK_KEY", "NON_RSA_KEY"}},
  };
  return checks;
}

// Prints one target's checklist; returns true if nothing blocks it.
bool print_checklist(JsonWriter* j, const std::vector<std::string>& passed_first, const std::vector<Finding>& findings) {
  bool ok = true;
  auto line = [&](const char* status, const std::string& title, const std::vector<const Finding*>& details) {
    if (j) {
      j->begin_object().field("check", title).field("status", status).key("details").begin_array();
      for (const Finding* f : details) j->begin_object().field("code", f->code).field("message", f->message).field("fix", f->hint).end_object();
      j->end_array().end_object();
      return;
    }
    const char* mark = std::string(status) == "ok" ? "ok  " : std::string(status) == "warning" ? "warn" : "FAIL";
    std::cout << "  [" << mark << "] " << title << "\n";
    for (const Finding* f : details) {
      std::cout << "         " << f->message << "\n";
      if (!f->hint.empty()) std::cout << "         fix: " << f->hint << "\n";
    }
  };
  for (const std::string& title : passed_first) line("ok", title, {});
  for (const Check& c : doctor_checks()) {
    std::vector<const Finding*> hits;
    bool refusable = false;
    for (const Finding& f : findings)
      if (std::find(c.codes.begin(), c.codes.end(), f.code) != c.codes.end()) {
        hits.push_back(&f);
        refusable = refusable || f.severity == Severity::Refusable;
      }
    ok = ok && !refusable;
    line(hits.empty() ? "ok" : refusable ? "problem" : "warning", c.title, hits);
  }
  return ok;
}

int cmd_doctor(const Options& o) {
  // Key stores are checked entry by entry; everything else is one bundle, as -a would read it.
  std::vector<std::string> bundle_files, keystores;
  for (const std::string& path : o.args) {
    Bytes head = read_file(path);
    bool is_store = false;
    try {
      detect_keystore_type(head);
      is_store = true;
    } catch (const Error&) {
    }
    (is_store ? keystores : bundle_files).push_back(path);
  }
  JsonWriter json;
  JsonWriter* j = o.json ? &json : nullptr;
  if (j) j->begin_object().field("command", "doctor").key("targets").begin_array();
  bool all_ok = true;
  int exit_code = 0;
  if (!bundle_files.empty()) {
    if (j) j->begin_object().field("target", joined(bundle_files)).field("kind", "bundle").key("checks").begin_array();
    else std::cout << "bundle " << joined(bundle_files) << "\n";
    auto passphrase = read_secret(o.keypass, "keypass");
    ImportOptions options;
    options.passphrase = passphrase ? &*passphrase : nullptr;
    options.force = true;  // collect every finding instead of stopping at the first refusal
    try {
      ImportedKey k = import_bundle_files(bundle_files, options);
      CertFacts leaf = describe_certificate(k.chain.front());
      std::vector<std::string> passed = {"the files parse",
                                         "exactly one private key, usable as PKCS#8",
                                         "the key matches the leaf " + leaf.subject_display};
      all_ok = print_checklist(j, passed, k.findings) && all_ok;
      if (!j)
        for (const auto& n : k.notes) std::cout << "  note: " << n << "\n";
    } catch (const Error& e) {
      all_ok = false;
      exit_code = std::max(exit_code, e.exit_code());
      if (j) {
        j->begin_object().field("check", "the bundle can be read and matched").field("status", "problem").key("details").begin_array();
        j->begin_object().field("code", e.code()).field("message", e.what()).field("fix", e.hint()).end_object().end_array().end_object();
      } else {
        std::cout << "  [FAIL] " << e.what() << (e.code().empty() ? "" : " [" + e.code() + "]") << "\n";
        if (!e.hint().empty()) std::cout << "         fix: " << e.hint() << "\n";
      }
    }
    if (j) j->end_array().end_object();
  }
  for (const std::string& path : keystores) {
    Options one = o;
    one.keystore = path;
    if (j) j->begin_object().field("target", path).field("kind", "keystore").key("checks").begin_array();
    else std::cout << "keystore " << path << "\n";
    try {
      Keystore ks = open_keystore(one);
      const Entry* mid_key = ks.find(kMidKeyAlias);
      bool ok = mid_key && mid_key->kind == EntryKind::PrivateKey;
      std::string store_check = "the store opens with its password (" + std::string(store_type_name(ks.type())) + ")";
      std::string key_check = std::string("the MID's key entry '") + kMidKeyAlias + "' is present";
      if (ok) {
        ok = print_checklist(j, {store_check, key_check}, validate_chain(mid_key->chain, ImportOptions{}));
      } else if (j) {
        j->begin_object().field("check", store_check).field("status", "ok").key("details").begin_array().end_array().end_object();
        j->begin_object().field("check", key_check).field("status", "problem").key("details").begin_array().end_array().end_object();
      } else {
        std::cout << "  [ok  ] " << store_check << "\n  [FAIL] " << key_check << "\n         fix: import the bundle with -a "
                  << kMidKeyAlias << " <bundle.pem>\n";
      }
      all_ok = ok && all_ok;
    } catch (const Error& e) {
      all_ok = false;
      exit_code = std::max(exit_code, e.exit_code());
      if (j) j->begin_object().field("check", "the store opens").field("status", "problem").key("details").begin_array()
                 .begin_object().field("code", e.code()).field("message", e.what()).field("fix", e.hint()).end_object().end_array().end_object();
      else std::cout << "  [FAIL] " << e.what() << "\n" << (e.hint().empty() ? "" : "         fix: " + e.hint() + "\n");
    }
    if (j) j->end_array().end_object();
  }
  if (j) std::cout << j->end_array().field("ready", all_ok).end_object().str() << "\n";
  else std::cout << (all_ok ? "result: ready for MID mutual authentication\n" : "result: problems found (see FAIL above)\n");
  if (all_ok) return 0;
  return exit_code ? exit_code : static_cast<int>(ErrorKind::Input);
}

int cmd_help(const Options&);
int cmd_completion(const Options&);
int cmd_version(const Options&) {
  std::cout << "manage-certificates " << MIDKS_VERSION << " (native keystore engine for MID Server mutual TLS)\n";
  return 0;
}

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {{"-a"}, "<alias> <file>...", 2, 64,
       "import a bundle (PEM in any order, PKCS#1/#8/SEC1/encrypted keys, PFX, DER; one file or several) as a key entry", cmd_import},
      {{"-g"}, "<alias>", 1, 1, "show the certificate details and chain of an entry", cmd_get},
      {{"-l"}, "", 0, 0, "list the aliases (comma-separated; --long for a table)", cmd_list},
      {{"-d"}, "<alias>", 1, 1, "delete an entry", cmd_delete},
      {{"-r"}, "", 0, 0, "remove every entry except defaultsecuritykeypairhandle", cmd_remove_all},
      {{"-s", "status"}, "", 0, 0, "show the keystore, its entries and their expiry", cmd_status},
      {{"doctor"}, "<file|keystore>...", 1, 64, "check bundles or keystores against everything that breaks MID mutual TLS", cmd_doctor},
      {{"--help", "-h"}, "", 0, 0, "show this help", cmd_help},
      {{"--bash-completion"}, "", 0, 0, "print a bash completion script for this command", cmd_completion},
      {{"--version"}, "", 0, 0, "show the version", cmd_version},
  };
  return table;
}

int cmd_help(const Options&) {
  std::cout << "usage: manage-certificates <command> [arguments] [options]   (run from the MID's agent folder)\n\ncommands:\n";
  for (const auto& c : commands()) std::printf("  %-18s %-20s %s\n", c.names[0].c_str(), c.args.c_str(), c.summary.c_str());
  std::cout << "\noptions:\n";
  for (const auto& opt : option_table())
    std::printf("  %-24s %s\n", (opt.name + (opt.value.empty() ? "" : " " + opt.value)).c_str(), opt.help.c_str());
  std::cout << "\nexit codes: 0 ok, 1 usage, 2 invalid input or refused bundle, 3 expiry warning, 4 I/O or lock failure,\n"
               "            5 wrong password or passphrase\n";
  return 0;
}

int cmd_completion(const Options&) {
  std::string words;
  for (const auto& c : commands())
    for (const auto& n : c.names) words += n + " ";
  for (const auto& opt : option_table()) words += opt.name + " ";
  std::cout << "# bash completion for manage-certificates (generated by manage-certificates --bash-completion)\n"
               "_manage_certificates() {\n"
               "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
               "  case $prev in\n"
               "    --storetype) COMPREPLY=($(compgen -W 'jks pkcs12 jceks' -- \"$cur\")); return ;;\n"
               "    --agent-dir) COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n"
               "    --keystore|--storepass-file|--keypass-file) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
               "  esac\n"
               "  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W '"
            << words << "' -- \"$cur\")); else COMPREPLY=($(compgen -f -- \"$cur\")); fi\n"
               "}\n"
               "complete -o filenames -F _manage_certificates manage-certificates manage-certificates.sh\n";
  return 0;
}

StoreType parse_storetype(std::string t) {
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (t == "jks") return StoreType::Jks;
  if (t == "pkcs12" || t == "p12") return StoreType::Pkcs12;
  if (t == "jceks") return StoreType::Jceks;
  fail(ErrorKind::Usage, "unknown --storetype " + t, "use jks, pkcs12 or jceks");
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  bool json_errors = false;
  try {
    const Command* chosen = nullptr;
    std::vector<std::string> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= args.size()) fail(ErrorKind::Usage, a + " needs a value", "see manage-certificates --help");
        return args[++i];
      };
      auto opt = std::find_if(option_table().begin(), option_table().end(), [&](const OptionSpec& x) { return x.name == a; });
      if (opt != option_table().end()) {
        opt->set(o, opt->value.empty() ? std::string() : value());
        json_errors = o.json;
      } else {
        const Command* match = nullptr;
        for (const auto& c : commands())
          if (std::find(c.names.begin(), c.names.end(), a) != c.names.end()) match = &c;
        if (match && !chosen) chosen = match;
        else if (match) fail(ErrorKind::Usage, "only one command at a time (" + chosen->names[0] + " and " + a + ")");
        else if (a.size() > 1 && a[0] == '-') fail(ErrorKind::Usage, "unknown option " + a, "see manage-certificates --help");
        else if (chosen) o.args.push_back(a);
        else fail(ErrorKind::Usage, "'" + a + "' is not a command", "see manage-certificates --help");
      }
    }
    if (!chosen) fail(ErrorKind::Usage, "no command given", "see manage-certificates --help");
    if (o.args.size() < chosen->min_args || o.args.size() > chosen->max_args)
      fail(ErrorKind::Usage, chosen->names[0] + " takes " + (chosen->args.empty() ? "no arguments" : chosen->args),
           "usage: manage-certificates " + chosen->names[0] + " " + chosen->args);
    return chosen->run(o);
  } catch (const Error& e) {
    if (json_errors) {
      JsonWriter j;
      std::cout << j.begin_object()
                       .key("error")
                       .begin_object()
                       .field("code", e.code())
                       .field("exit_code", static_cast<std::int64_t>(e.exit_code()))
                       .field("message", e.what())
                       .field("fix", e.hint())
                       .end_object()
                       .end_object()
                       .str()
                << "\n";
    }
    std::cerr << "error: " << e.what() << "\n";
    if (!e.hint().empty()) std::cerr << "  fix: " << e.hint() << "\n";
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return static_cast<int>(ErrorKind::Io);
  }
}
