// The keystore commands: -a -g -l -d -r, status and doctor.
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "cli.hpp"
#include "fixes.hpp"
#include "codec.hpp"
#include "midks/keystore_transaction.hpp"
#include "midks/mid_auth.hpp"
#include "midks/error.hpp"
#include "midks/keystore_file.hpp"
#include "midks/mid_config.hpp"

namespace midks::cli {


int cmd_import(const Options& o) {
  std::string alias = checked_alias(o.args[0]);
  std::vector<std::string> files(o.args.begin() + 1, o.args.end());
  auto passphrase = key_passphrase(o);
  ImportOptions options;
  options.passphrase = passphrase ? &*passphrase : nullptr;
  options.force = o.force;
  ImportedKey imported = [&] {
    try {
      return import_bundle_files(files, options);  // validates fully before anything is written
    } catch (const Error& e) {
      // An encrypted key and nobody said how to open it: ask, if someone is at a terminal.
      if (e.code_id() != ErrorCode::PASSPHRASE_NEEDED || passphrase || !::isatty(STDIN_FILENO)) throw;
      SecretSource ask;
      ask.prompt = true;
      passphrase = read_secret(ask, "keypass", "passphrase of the encrypted key");
      options.passphrase = &*passphrase;
      return import_bundle_files(files, options);
    }
  }();
  std::vector<Finding> findings = imported.findings;
  std::vector<std::string> notes = imported.notes;
  std::size_t chain_length = imported.chain.size();
  CertFacts leaf = imported.leaf;
  std::string path = o.keystore_path();
  struct stat st {};
  if (!o.keystore && ::stat(o.agent_dir.c_str(), &st) != 0)
    fail(ErrorCode::NO_AGENT_FOLDER, "there is no agent folder " + o.agent_dir);
  if (!o.keystore && ::stat(path.c_str(), &st) != 0 && ::stat(o.config_path().c_str(), &st) != 0 && !o.quiet)
    std::cerr << "warning [NO_CONFIG_XML]: " << o.config_path() << " does not exist: is " << o.agent_dir
              << " the MID's agent folder? The new keystore is " << path << "\n";
  StoreType type = o.storetype.value_or(StoreType::Jks);
  const Password& pw = store_password(o);
  PutResult put;
  bool changed = change_keystore(o, type, [&](Keystore& ks) {
    type = ks.type();
    put = put_key_entry(ks, make_key_entry(alias, std::move(imported)), pw);
    return put.changed;
  });
  if (put.replaced_key && java_lower(put.alias) == kMidKeyAlias) findings.push_back(mid_key_replaced(o));
  if (o.json) {
    JsonWriter j;
    j.begin_object().field("command", "import").field("keystore", path).field("type", store_type_name(type)).field("alias", put.alias);
    j.field("changed", changed).field("backup", o.last_backup);
    j.key("certificate");
    cert_json(j, leaf);
    j.field("chain_length", static_cast<std::int64_t>(chain_length)).field("notes", notes);
    findings_json(j, findings);
    std::cout << j.end_object().str() << "\n";
    return 0;
  }
  if (!o.quiet) {
    // The original script's line first: installers and runbooks look for it.
    std::cout << "Installed certificate with alias: " << put.alias << " into the MID keystore.\n" << (changed ? "  keystore  " : "  keystore  (already held this key and chain: nothing changed) ") << path << " ("
              << store_type_name(type) << ")\n"
              << "  subject   " << leaf.subject_display << "\n"
              << "  issuer    " << leaf.issuer_display << "\n"
              << "  expires   " << expiry_text(leaf.not_after) << "\n"
              << "  chain     " << chain_length << " certificate(s), leaf first\n"
              << "  SHA-256   " << leaf.sha256 << "\n";
    if (!o.last_backup.empty()) std::cout << "  backup    " << o.last_backup << "\n";
    for (const auto& n : notes) std::cout << "note: " << n << "\n";
  }
  print_findings(findings);
  if (!o.quiet)
    std::cout << "check: keytool -list -v -alias " << put.alias << " -keystore " << shell_quoted(path) << "   (it asks for the store password)\n"
              << "next: 'manage-certificates split' writes the CA chain (for sys_ca_certificate) and the leaf (for\n"
                 "  sys_user_certificate) to upload to the instance; then enable mutual authentication with -m and restart\n"
                 "  the MID Server.\n";
  return 0;
}

int cmd_get(const Options& o) {
  Keystore ks = browse_keystore(o);
  const Entry* e = ks.find(o.args[0]);
  if (!e) fail(ErrorCode::NO_SUCH_ENTRY, "no entry '" + o.args[0] + "' in " + o.keystore_path());
  const std::vector<Bytes>& chain = e->chain;
  if (o.json) {
    JsonWriter j;
    j.begin_object().field("command", "details").field("alias", e->alias).field("entry_type", entry_kind_name(e->kind));
    j.field("created", iso(e->created_ms / 1000)).key("chain").begin_array();
    for (const Bytes& der : chain) cert_json(j, describe_certificate(der));
    std::cout << j.end_array().end_object().str() << "\n";
  } else {
    std::cout << "Keystore:     " << o.keystore_path() << " (" << store_type_name(ks.type()) << ")\n"
              << "Alias:        " << e->alias << " (" << entry_kind_name(e->kind) << ", created " << day(e->created_ms / 1000) << ")\n";
    if (chain.empty()) std::cout << "(a secret key: no certificate)\n";
    if (!chain.empty()) {
      const CertFacts f = describe_certificate(chain.front());
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
      for (std::size_t i = 0; i < chain.size(); ++i) {
        CertSummary c = summarize_certificate(chain[i]);
        std::cout << "  [" << i << "] " << c.subject_display << "  (until " << day(c.not_after) << ")\n";
      }
    }
  }
  return expiring(o, *e) ? exit_status(ExitCode::ExpiryWarning) : 0;
}

int cmd_list(const Options& o) {
  Keystore ks = browse_keystore(o);
  bool warn = false;
  for (const Entry& e : ks.entries()) warn = warn || expiring(o, e);
  if (o.json) {
    JsonWriter j;
    j.begin_object().field("command", "list").field("keystore", o.keystore_path()).field("type", store_type_name(ks.type()));
    j.key("entries").begin_array();
    for (const Entry& e : ks.entries()) {
      j.begin_object().field("alias", e.alias).field("entry_type", entry_kind_name(e.kind)).field("created", iso(e.created_ms / 1000));
      if (!e.chain.empty()) {
        CertSummary f = summarize_certificate(e.chain.front());
        j.field("subject", f.subject_display).field("not_after", iso(f.not_after)).field("days_left", days_left(f.not_after));
        j.field("sha256", fingerprint(e.chain.front(), "SHA256"));
      }
      j.end_object();
    }
    std::cout << j.end_array().end_object().str() << "\n";
  } else if (!o.long_format) {
    if (!o.quiet) std::cerr << "keystore: " << o.keystore_path() << " (" << store_type_name(ks.type()) << ")\n";  // stdout stays the original's
    std::string aliases;
    for (const std::string& a : ks.aliases()) aliases += (aliases.empty() ? "" : ",") + a;
    std::cout << aliases << "\n";  // the original script's format: an empty store is an empty line
  } else {
    std::printf("%-32s %-17s %-12s %s\n", "ALIAS", "TYPE", "EXPIRES", "SUBJECT");
    for (const Entry& e : ks.entries()) {
      if (e.chain.empty()) {
        std::printf("%-32s %-17s %-12s %s\n", e.alias.c_str(), std::string(entry_kind_name(e.kind)).c_str(), "-", "-");
        continue;
      }
      CertSummary f = summarize_certificate(e.chain.front());
      std::printf("%-32s %-17s %-12s %s\n", e.alias.c_str(), std::string(entry_kind_name(e.kind)).c_str(),
                  day(f.not_after).c_str(), f.subject_display.c_str());
    }
  }
  return warn ? exit_status(ExitCode::ExpiryWarning) : 0;
}

int report_removed(const Options& o, const char* command, const std::vector<std::string>& removed) {
  if (o.json) {
    JsonWriter j;
    std::cout << j.begin_object().field("command", command).field("keystore", o.keystore_path()).field("removed", removed)
                     .field("backup", o.last_backup).end_object().str() << "\n";
  } else if (!o.quiet) {
    std::cout << (removed.empty() ? std::string("nothing to remove") : "removed " + joined(removed)) << " from " << o.keystore_path() << "\n";
    if (!o.last_backup.empty()) std::cout << "  backup " << o.last_backup << "\n";
  }
  return 0;
}

int cmd_delete(const Options& o) {
  require_keystore(o);
  std::vector<std::string> removed;
  change_keystore(o, StoreType::Jks, [&](Keystore& ks) {
    const Entry* e = ks.find(o.args[0]);
    if (!e) fail(ErrorCode::NO_SUCH_ENTRY, "no entry '" + o.args[0] + "' in " + o.keystore_path());
    if (java_lower(e->alias) == kMidKeyAlias && !o.force) refuse_if_mid_key_in_use(o.config_path(), "-d " + o.args[0]);
    removed.push_back(e->alias);
    ks.remove(o.args[0]);
    return true;
  });
  return report_removed(o, "delete", removed);
}

int cmd_remove_all(const Options& o) {
  require_keystore(o);
  std::vector<std::string> removed;
  change_keystore(o, StoreType::Jks, [&](Keystore& ks) {
    for (const std::string& alias : ks.aliases())
      if (java_lower(alias) != kMidKeyAlias) removed.push_back(alias);
    for (const std::string& alias : removed) ks.remove_exact(alias);
    return !removed.empty();
  });
  return report_removed(o, "remove-all", removed);
}

namespace {

// What config.xml says about the connection: url, MID name and the basic-auth credentials.
struct ConfigFacts {
  bool exists = false;
  std::string error;
  std::string url, name, credentials;  // credentials: "set", "placeholder" or "absent"
  AuthMode mode = AuthMode::NotConfigured;
};

ConfigFacts read_config_facts(const Options& o) {
  ConfigFacts f;
  try {
    const MidConfig* c = o.mid_config();
    if (!c) return f;
    f.exists = true;
    f.url = c->get(mid_param::kUrl).value_or("");
    std::string name = c->get(mid_param::kName).value_or("");
    f.name = name == mid_param::kNamePlaceholder ? "" : name;
    auto user = c->get(mid_param::kUsername);
    f.credentials = !user || user->empty() ? "absent" : *user == mid_param::kUsernamePlaceholder ? "placeholder" : "set";
    f.mode = auth_mode(*c);
  } catch (const Error& e) {
    f.exists = true;
    f.error = e.what();
  }
  return f;
}

}  // namespace

int cmd_status(const Options& o) {
  ConfigFacts config = read_config_facts(o);
  std::string path = o.keystore_path();
  struct stat st {};
  bool exists = ::stat(path.c_str(), &st) == 0;
  std::optional<Keystore> ks;
  if (exists) ks = browse_keystore(o);
  std::vector<const Entry*> mid_keys = ks ? ks->matching(kMidKeyAlias) : std::vector<const Entry*>{};
  const Entry* key = mid_keys.size() == 1 ? mid_keys.front() : nullptr;  // twins are shown, not chosen
  bool warn = false;
  if (ks)
    for (const Entry& e : ks->entries()) warn = warn || expiring(o, e);
  if (o.json) {
    JsonWriter j;
    j.begin_object().field("command", "status").field("keystore", path).field("exists", exists);
    j.field("keystores_also_present", o.location ? o.location->also_present : std::vector<std::string>{});
    if (ks) {
      j.field("type", store_type_name(ks->type())).field("mid_key_entry", key != nullptr);
      j.key("entries").begin_array();
      for (const Entry& e : ks->entries()) {
        j.begin_object().field("alias", e.alias).field("entry_type", entry_kind_name(e.kind));
        if (!e.chain.empty()) {
          std::time_t not_after = summarize_certificate(e.chain.front()).not_after;
          j.field("not_after", iso(not_after)).field("days_left", days_left(not_after));
        }
        j.end_object();
      }
      j.end_array();
    }
    j.key("config").begin_object().field("path", o.config_path()).field("exists", config.exists);
    if (!config.error.empty()) j.field("error", config.error);
    else if (config.exists) j.field("url", config.url).field("name", config.name).field("basic_auth_credentials", config.credentials).field("auth_mode", auth_mode_name(config.mode));
    std::cout << j.end_object().end_object().str() << "\n";
    return !config.error.empty() ? exit_status(ExitCode::Input) : warn ? exit_status(ExitCode::ExpiryWarning) : 0;
  }
  std::cout << "Config:    " << o.config_path();
  if (!config.exists) std::cout << " (not found)\n";
  else if (!config.error.empty()) std::cout << "\n  error: " << config.error << "\n";
  else
    std::cout << "\n  url " << (config.url.empty() ? "(not set)" : config.url) << ", MID name "
              << (config.name.empty() ? "(not set)" : config.name) << ", basic-auth credentials " << config.credentials << "\n"
              << "  authentication " << auth_mode_name(config.mode) << "\n";
  std::cout << "Keystore:  " << path;
  if (!ks) {
    std::cout << " (not created yet: import a bundle with -a " << kMidKeyAlias << " <bundle.pem>)\n";
    return !config.error.empty() ? exit_status(ExitCode::Input) : 0;
  }
  std::cout << " (" << store_type_name(ks->type()) << ", " << ks->size() << (ks->size() == 1 ? " entry" : " entries") << ")\n";
  for (const Entry& e : ks->entries()) {
    std::cout << "  " << e.alias << "  " << entry_kind_name(e.kind);
    if (!e.chain.empty()) std::cout << "  expires " << expiry_text(summarize_certificate(e.chain.front()).not_after);
    std::cout << "\n";
  }
  std::cout << "Check:     keytool -list -v -keystore " << shell_quoted(path) << "   (the MID's jre/bin/keytool; it asks for the store password)\n";
  if (mid_keys.size() > 1) {
    std::vector<std::string> names;
    for (const Entry* e : mid_keys) names.push_back("'" + e->alias + "'");
    std::cout << "MID key:   AMBIGUOUS: " << joined(names, " and ") << " differ only in case; keep one (keytool -storetype CaseExactJKS -delete)\n";
  } else {
    std::cout << "MID key:   " << (key ? "present ('" + key->alias + "')" : "MISSING: import it with -a " + std::string(kMidKeyAlias) + " <bundle.pem>") << "\n";
  }
  if (!key && config.exists && config.error.empty() && config.mode == AuthMode::Mutual)
    std::cout << "warning:   config.xml is set for mutual authentication but the key entry is missing: the MID cannot connect\n";
  return !config.error.empty() ? exit_status(ExitCode::Input) : warn ? exit_status(ExitCode::ExpiryWarning) : 0;
}

namespace {

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
// One line of a checklist: status "ok", "warning" or "problem", with the findings behind it.
void print_checklist_line(JsonWriter* j, const char* status, const std::string& title, const std::vector<const Finding*>& details) {
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
}

bool print_checklist(JsonWriter* j, const std::vector<std::string>& passed_first, const std::vector<Finding>& findings) {
  bool ok = true;
  for (const std::string& title : passed_first) print_checklist_line(j, "ok", title, {});
  for (const Check& c : doctor_checks()) {
    std::vector<const Finding*> hits;
    bool refusable = false;
    for (const Finding& f : findings)
      if (std::find(c.codes.begin(), c.codes.end(), f.code) != c.codes.end()) {
        hits.push_back(&f);
        refusable = refusable || f.severity == Severity::Refusable;
      }
    ok = ok && !refusable;
    print_checklist_line(j, hits.empty() ? "ok" : refusable ? "problem" : "warning", c.title, hits);
  }
  return ok;
}

}  // namespace

int cmd_doctor(const Options& o) {
  // Key stores are checked entry by entry; everything else is one bundle, as -a would read it.
  // JKS and JCEKS say what they are; a PKCS#12 file is a keystore if it opens with the store
  // password, otherwise a PFX bundle (opened with --keypass, as -a would). DER files are bundles.
  // Each file is read once.
  std::vector<BundleFile> bundle_files;
  std::vector<std::pair<std::string, Keystore>> keystores;
  struct Unreadable {
    std::string path;
    Error error;
    std::optional<Keystore> unverified;  // JKS/JCEKS whose assumed password failed: its certificates still
  };
  std::vector<Unreadable> unreadable_stores;
  std::vector<std::string> targets = o.args;
  if (targets.empty()) {  // the MID's own keystore, as it would read it
    require_keystore(o);
    targets.push_back(o.keystore_path());
  }
  for (const std::string& path : targets) {
    Bytes content = read_file(path);
    std::optional<StoreType> type;
    try {
      type = detect_keystore_type(content);
    } catch (const Error& e) {
      if (e.code_id() == ErrorCode::BCFKS_UNSUPPORTED) {  // a keystore, just not one we read: never a bundle
        unreadable_stores.push_back({path, e.with_context(path), std::nullopt});
        continue;
      }
    }
    try {
      if (type) keystores.emplace_back(path, read_keystore_data(content, &store_password(o)));
    } catch (const Error& e) {
      if (type == StoreType::Pkcs12) {
        type.reset();  // not the store password: a PFX bundle, then
      } else {
        Error explained = explain_password_error(o, e.with_context(path));
        std::optional<Keystore> unverified;
        if (explained.code_id() == ErrorCode::WRONG_STORE_PASSWORD) unverified = read_keystore_data(content, nullptr);
        unreadable_stores.push_back({path, explained, std::move(unverified)});
      }
    }
    if (!type) bundle_files.push_back(BundleFile{path, std::move(content)});
    OPENSSL_cleanse(content.data(), content.size());
  }
  JsonWriter json;
  JsonWriter* j = o.json ? &json : nullptr;
  if (j) j->begin_object().field("command", "doctor").key("targets").begin_array();
  bool all_ok = true;
  int exit_code = 0;
  if (!bundle_files.empty()) {
    std::vector<std::string> names;
    for (const BundleFile& f : bundle_files) names.push_back(f.name);
    if (j) j->begin_object().field("target", joined(names)).field("kind", "bundle").key("checks").begin_array();
    else std::cout << "bundle " << joined(names) << "\n";
    auto passphrase = key_passphrase(o);
    ImportOptions options;
    options.passphrase = passphrase ? &*passphrase : nullptr;
    options.force = true;  // collect every finding instead of stopping at the first refusal
    try {
      ImportedKey k = import_bundle(bundle_files, options);
      for (BundleFile& f : bundle_files) OPENSSL_cleanse(f.data.data(), f.data.size());
      const CertFacts& leaf = k.leaf;
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
        j->begin_object().field("code", e.code()).field("message", e.what()).field("fix", fix_of(e)).end_object().end_array().end_object();
      } else {
        std::cout << "  [FAIL] " << e.what() << " [" << e.code() << "]\n         fix: " << fix_of(e) << "\n";
      }
    }
    if (j) j->end_array().end_object();
  }
  auto failed_check = [&](const std::string& check, const Error& e) {
    all_ok = false;
    exit_code = std::max(exit_code, e.exit_code());
    if (j)
      j->begin_object().field("check", check).field("status", "problem").key("details").begin_array()
          .begin_object().field("code", e.code()).field("message", e.what()).field("fix", fix_of(e)).end_object().end_array().end_object();
    else
      std::cout << "  [FAIL] " << check << ": " << e.what() << " [" << e.code() << "]\n         fix: " << fix_of(e) << "\n";
  };
  for (const Unreadable& u : unreadable_stores) {
    if (j) j->begin_object().field("target", u.path).field("kind", "keystore").key("checks").begin_array();
    else std::cout << "keystore " << u.path << "\n";
    failed_check("the store opens", u.error);
    // Its certificates can still be judged (integrity unchecked, as keytool without -storepass).
    std::vector<const Entry*> mid_keys = u.unverified ? u.unverified->matching(kMidKeyAlias) : std::vector<const Entry*>{};
    const Entry* key = mid_keys.size() == 1 ? mid_keys.front() : nullptr;  // twins: find() would refuse mid-report
    if (key && !key->chain.empty()) {
      if (!j) std::cout << "  (the checks below read the certificates without the keystore's integrity check)\n";
      print_checklist(j, {}, validate_chain(key->chain, ImportOptions{}));
    }
    if (j) j->end_array().end_object();
  }
  // The same checks -m makes before it switches the MID to its certificate.
  for (const auto& [path, ks] : keystores) {
    if (j) j->begin_object().field("target", path).field("kind", "keystore").key("checks").begin_array();
    else std::cout << "keystore " << path << "\n";
    std::string store_check = "the store opens with its password (" + std::string(store_type_name(ks.type())) + ")";
    std::string key_check = std::string("the MID's key entry '") + kMidKeyAlias + "' is present, opens with the store password and fits its leaf";
    try {
      all_ok = print_checklist(j, {store_check, key_check}, check_mid_key(ks, store_password(o), ImportOptions{})) && all_ok;
    } catch (const Error& e) {
      print_checklist_line(j, "ok", store_check, {});
      failed_check(key_check, e);
    }
    if (j) j->end_array().end_object();
  }
  if (j) std::cout << j->end_array().field("ready", all_ok).end_object().str() << "\n";
  else std::cout << (all_ok ? "result: ready for MID mutual authentication\n" : "result: problems found (see FAIL above)\n");
  if (all_ok) return 0;
  return exit_code ? exit_code : exit_status(ExitCode::Input);
}

}  // namespace midks::cli
