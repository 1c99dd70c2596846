// The keystore commands: -a -g -l -d -r, status and doctor.
#include <openssl/crypto.h>

#include <algorithm>
#include <memory>

#include "cli.hpp"
#include "fixes.hpp"
#include "codec.hpp"
#include "midks/keystore_transaction.hpp"
#include "midks/mid_auth.hpp"
#include "midks/error.hpp"
#include "midks/keystore_file.hpp"
#include "midks/mid_config.hpp"
#include "midks/platform.hpp"

namespace midks::cli {


namespace {

// The alias's entry in the keystore as it is now, if the keystore exists (read with the password).
std::optional<EntryKind> existing_kind(const Options& o, const std::string& alias) {
  if (!platform::exists(o.keystore_path())) return std::nullopt;
  Keystore ks = open_keystore(o);
  const Entry* e = ks.find(alias);
  return e ? std::optional<EntryKind>(e->kind) : std::nullopt;
}

// keytool's "certificate reply": certificates without a key, for an entry that holds the key
// (csr --keystore made it). The reply's leaf must be that key's; its chain is completed from the
// files and the keystore's trusted certificates, and replaces the entry's (no -previous copy).
Result import_reply(const Options& o, const std::string& alias, const std::vector<std::string>& files) {
  ImportedKey reply;
  std::string stored;
  StoreType type = StoreType::Jks;
  change_keystore(o, type, [&](Keystore& ks) {
    type = ks.type();
    Entry current = opened_key_entry(ks, o, alias);
    std::vector<Bytes> trusted;
    for (const Entry& e : ks.entries())
      if (e.kind == EntryKind::TrustedCert) trusted.push_back(e.chain.front());
    ImportOptions options;
    options.force = o.force;
    options.existing_key = &current.plain;
    options.known_issuers = trusted;
    options.known_issuers_origin = "the keystore's trusted certificates";
    options.known_issuers_fix = "pass the CA certificates up to the root with the reply, or import the root first (-a <alias> root.pem)";
    reply = import_bundle_files(files, options);  // KEY_MISMATCH: the reply is for another key
    Entry entry = current;
    entry.chain = reply.chain;
    entry.created_ms = now_ms();
    entry.key_password.reset();
    stored = ks.put(std::move(entry)).alias;
    return true;
  });
  Result r;
  r.field("command", "import").field("keystore", o.keystore_path()).field("alias", stored).field("reply", true);
  r.field("backup", o.last_backup).field("certificate", certificate_object(reply.leaf)).field("chain_length", reply.chain.size());
  r.text("Installed the certificate reply into '" + stored + "' of " + o.keystore_path() + " (its key stays; the chain replaces the old one)\n" +
         "  subject   " + reply.leaf.subject_display + "\n" + "  issuer    " + reply.leaf.issuer_display + "\n" +
         "  expires   " + expiry_text(reply.leaf.not_after) + "\n" + "  chain     " + std::to_string(reply.chain.size()) +
         " certificate(s), leaf first\n" + (o.last_backup.empty() ? "" : "  backup    " + o.last_backup + "\n"));
  r.field("notes", reply.notes, lines("note: ", reply.notes));
  r.add(findings_node(reply.findings));
  r.text("check: " + keytool_check(o.keystore_path(), type, stored) + "\n");
  return r;
}

// keytool -importcert: one certificate without a key, under an alias that holds no key, becomes
// a trusted certificate entry. Never the MID's alias: there a lone certificate is a bundle that lost its key.
std::optional<Result> import_trusted(const Options& o, const std::string& alias, const std::vector<std::string>& files,
                                     const Password* passphrase) {
  if (java_lower(alias) == kMidKeyAlias) return std::nullopt;
  std::vector<Bytes> certs = bundle_certificates(files, passphrase);
  if (certs.size() != 1) return std::nullopt;
  CertFacts cert = describe_certificate(certs.front());
  std::string stored;
  bool changed = change_keystore(o, o.storetype.value_or(StoreType::Jks), [&](Keystore& ks) {
    if (const Entry* old = ks.find(alias); old && old->kind == EntryKind::TrustedCert && old->chain == certs) {
      stored = old->alias;
      return false;
    }
    Entry entry;
    entry.alias = alias;
    entry.kind = EntryKind::TrustedCert;
    entry.created_ms = now_ms();
    entry.chain = certs;
    stored = ks.put(std::move(entry)).alias;
    return true;
  });
  Result r;
  r.field("command", "import").field("keystore", o.keystore_path()).field("alias", stored).field("trusted", true).field("changed", changed);
  r.field("backup", o.last_backup).field("certificate", certificate_object(cert));
  r.text("Added '" + stored + "' to " + o.keystore_path() + " as a trusted certificate" + (changed ? "" : " (it already was: nothing changed)") + "\n" +
         "  subject   " + cert.subject_display + "\n  expires   " + expiry_text(cert.not_after) + "\n  SHA-256   " + cert.sha256 + "\n");
  return r;
}

}  // namespace

Result cmd_import(const Options& o) {
  std::string alias = checked_alias(o.args[0]);
  std::vector<std::string> files(o.args.begin() + 1, o.args.end());
  auto passphrase = key_passphrase(o);
  ImportOptions options;
  options.passphrase = passphrase ? &*passphrase : nullptr;
  options.force = o.force;
  std::optional<ImportedKey> read;
  try {
    read = import_bundle_files(files, options);  // validates fully before anything is written
  } catch (const Error& e) {
    if (e.code_id() == ErrorCode::NO_PRIVATE_KEY) {
      // Certificates alone: a reply for the key the alias holds, or a CA to trust.
      std::optional<EntryKind> kind = existing_kind(o, alias);
      if (kind == EntryKind::PrivateKey) return import_reply(o, alias, files);
      if (!kind || kind == EntryKind::TrustedCert)
        if (auto trusted = import_trusted(o, alias, files, options.passphrase)) return std::move(*trusted);
      throw;
    }
    // An encrypted key and nobody said how to open it: ask, if someone is at a terminal.
    if (e.code_id() != ErrorCode::PASSPHRASE_NEEDED || passphrase || !platform::stdin_is_terminal()) throw;
    SecretSource ask;
    ask.prompt = true;
    passphrase = read_secret(ask, "keypass", "passphrase of the encrypted key");
    options.passphrase = &*passphrase;
    read = import_bundle_files(files, options);
  }
  ImportedKey& imported = *read;
  std::vector<Finding> findings = imported.findings;
  std::vector<std::string> notes = imported.notes;
  std::size_t chain_length = imported.chain.size();
  CertFacts leaf = imported.leaf;
  std::string path = o.keystore_path();
  Result r;
  if (!o.keystore && !platform::exists(o.agent_dir))
    fail(ErrorCode::NO_AGENT_FOLDER, "there is no agent folder " + o.agent_dir);
  if (!o.keystore && !platform::exists(path) && !platform::exists(o.config_path()))
    r.text("warning [NO_CONFIG_XML]: " + o.config_path() + " does not exist: is " + o.agent_dir + " the MID's agent folder? The new keystore is " +
               path + "\n",
           Stream::ErrAlways);
  StoreType type = o.storetype.value_or(StoreType::Jks);
  const Password& pw = store_password(o);
  PutResult put;
  bool changed = change_keystore(o, type, [&](Keystore& ks) {
    type = ks.type();
    put = put_key_entry(ks, make_key_entry(alias, std::move(imported)), pw);
    return put.changed;
  });
  if (put.replaced_key && java_lower(put.alias) == kMidKeyAlias) findings.push_back(mid_key_replaced(o));
  std::string type_name(store_type_name(type));
  r.field("command", "import").field("keystore", path).field("type", type_name).field("alias", put.alias);
  r.field("changed", changed).field("backup", o.last_backup).field("certificate", certificate_object(leaf)).field("chain_length", chain_length);
  // The original script's line first: installers and runbooks look for it.
  r.text("Installed certificate with alias: " + put.alias + " into the MID keystore.\n" +
         (changed ? "  keystore  " : "  keystore  (already held this key and chain: nothing changed) ") + path + " (" + type_name + ")\n" +
         "  subject   " + leaf.subject_display + "\n" +
         "  issuer    " + leaf.issuer_display + "\n" +
         "  expires   " + expiry_text(leaf.not_after) + "\n" +
         "  chain     " + std::to_string(chain_length) + " certificate(s), leaf first\n" +
         "  SHA-256   " + leaf.sha256 + "\n" + (o.last_backup.empty() ? "" : "  backup    " + o.last_backup + "\n"));
  r.field("notes", notes, lines("note: ", notes));
  r.add(findings_node(findings));
  r.text("check: " + keytool_check(path, type, put.alias) + "\n" +
         "next: 'manage-certificates split' writes the CA chain (for sys_ca_certificate) and the leaf (for\n"
         "  sys_user_certificate) to upload to the instance; then enable mutual authentication with -m and restart\n"
         "  the MID Server.\n");
  return r;
}

Result cmd_get(const Options& o) {
  Keystore ks = browse_keystore(o);
  const Entry* e = ks.find(o.args[0]);
  if (!e) fail(ErrorCode::NO_SUCH_ENTRY, "no entry '" + o.args[0] + "' in " + o.keystore_path());
  const std::vector<Bytes>& chain = e->chain;
  std::string kind(entry_kind_name(e->kind));
  Result r;
  r.field("command", "details").field("alias", e->alias).field("entry_type", kind).field("created", iso(e->created_ms / 1000));
  r.text("Keystore:     " + o.keystore_path() + " (" + std::string(store_type_name(ks.type())) + ")\n" + "Alias:        " + e->alias + " (" +
         kind + ", created " + day(e->created_ms / 1000) + ")\n");
  if (chain.empty()) r.text("(a secret key: no certificate)\n");
  std::vector<Object> certificates;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const CertFacts f = describe_certificate(chain[i]);
    if (i == 0)
      r.text("Subject:      " + f.subject_display + "\n" +
             "Issuer:       " + f.issuer_display + "\n" +
             "Serial:       " + f.serial_hex + "\n" +
             "Valid from:   " + day(f.not_before) + "\n" +
             "Valid until:  " + expiry_text(f.not_after) + "\n" +
             "Key:          " + f.key_algorithm + " " + std::to_string(f.key_bits) + " bits\n" +
             "SHA-1:        " + f.sha1 + "\n" +
             "SHA-256:      " + f.sha256 + "\n" +
             "Key usage:    " + joined(f.key_usage) + "\n" +
             "Ext. usage:   " + joined(f.extended_key_usage) + "\n" +
             "Alt. names:   " + joined(f.subject_alt_names) + "\n" +
             "Chain:\n");
    certificates.push_back(certificate_object(f).text("  [" + std::to_string(i) + "] " + f.subject_display + "  (until " + day(f.not_after) + ")\n"));
  }
  r.field("chain", std::move(certificates));
  r.exit_code = expiring(o, *e) ? exit_status(ExitCode::ExpiryWarning) : 0;
  return r;
}

Result cmd_list(const Options& o) {
  // Only the JSON and --long read the certificates: a plain -l lists any keystore it can read.
  auto ks = std::make_shared<const Keystore>(browse_keystore(o));
  bool warn = false;
  for (const Entry& e : ks->entries()) warn = warn || expiring(o, e);
  std::string type(store_type_name(ks->type()));
  Result r;
  r.exit_code = warn ? exit_status(ExitCode::ExpiryWarning) : 0;
  r.field("command", "list").field("keystore", o.keystore_path()).field("type", type);
  r.field("entries", Value::later([ks] {
    std::vector<Object> entries;
    for (const Entry& e : ks->entries()) {
      Object entry;
      entry.field("alias", e.alias).field("entry_type", entry_kind_name(e.kind)).field("created", iso(e.created_ms / 1000));
      if (!e.chain.empty()) {
        CertSummary f = summarize_certificate(e.chain.front());
        entry.field("subject", f.subject_display).field("not_after", iso(f.not_after)).field("days_left", days_left(f.not_after));
        entry.field("sha256", fingerprint(e.chain.front(), "SHA256"));
      }
      entries.push_back(std::move(entry));
    }
    return Value(std::move(entries));
  }));
  if (o.long_format) {
    std::string table = printed("%-32s %-17s %-12s %s\n", "ALIAS", "TYPE", "EXPIRES", "SUBJECT");
    for (const Entry& e : ks->entries()) {
      std::string kind(entry_kind_name(e.kind)), expires = "-", subject = "-";
      if (!e.chain.empty()) {
        CertSummary f = summarize_certificate(e.chain.front());
        expires = day(f.not_after), subject = f.subject_display;
      }
      table += printed("%-32s %-17s %-12s %s\n", e.alias.c_str(), kind.c_str(), expires.c_str(), subject.c_str());
    }
    r.text(table, Stream::Out, Quiet::Shown);
  } else {
    r.text("keystore: " + o.keystore_path() + " (" + type + ")\n", Stream::Err);  // stdout stays the original's
    std::string aliases;
    for (const std::string& a : ks->aliases()) aliases += (aliases.empty() ? "" : ",") + a;
    r.text(aliases + "\n", Stream::Out, Quiet::Shown);  // the original script's format: an empty store is an empty line
  }
  return r;
}

namespace {

Result removed_result(const Options& o, const char* command, const std::vector<std::string>& removed) {
  Result r;
  r.field("command", command).field("keystore", o.keystore_path());
  r.field("removed", removed, (removed.empty() ? std::string("nothing to remove") : "removed " + joined(removed)) + " from " + o.keystore_path() + "\n");
  r.field("backup", o.last_backup, o.last_backup.empty() ? "" : "  backup " + o.last_backup + "\n");
  return r;
}

}  // namespace

Result cmd_delete(const Options& o) {
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
  return removed_result(o, "delete", removed);
}

Result cmd_remove_all(const Options& o) {
  require_keystore(o);
  std::vector<std::string> removed;
  change_keystore(o, StoreType::Jks, [&](Keystore& ks) {
    removed = remove_all_but_mid_key(ks);
    return !removed.empty();
  });
  return removed_result(o, "remove-all", removed);
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

Result cmd_status(const Options& o) {
  ConfigFacts config = read_config_facts(o);
  std::string path = o.keystore_path();
  bool exists = platform::exists(path);
  std::optional<Keystore> ks;
  if (exists) ks = browse_keystore(o);
  std::vector<const Entry*> mid_keys = ks ? ks->matching(kMidKeyAlias) : std::vector<const Entry*>{};
  const Entry* key = mid_keys.size() == 1 ? mid_keys.front() : nullptr;  // twins are shown, not chosen
  bool warn = false;
  if (ks)
    for (const Entry& e : ks->entries()) warn = warn || expiring(o, e);
  Result r;
  r.exit_code = !config.error.empty() ? exit_status(ExitCode::Input) : warn ? exit_status(ExitCode::ExpiryWarning) : 0;
  std::string config_text = "Config:    " + o.config_path();
  if (!config.exists) config_text += " (not found)\n";
  else if (!config.error.empty()) config_text += "\n  error: " + config.error + "\n";
  else
    config_text += "\n  url " + (config.url.empty() ? "(not set)" : config.url) + ", MID name " + (config.name.empty() ? "(not set)" : config.name) +
                   ", basic-auth credentials " + config.credentials + "\n  authentication " + auth_mode_name(config.mode) + "\n";
  r.text(config_text);
  r.field("command", "status").field("keystore", path).field("exists", exists);
  r.field("keystores_also_present", o.location ? o.location->also_present : std::vector<std::string>{});
  if (!ks) {
    r.text("Keystore:  " + path + " (not created yet: import a bundle with -a " + kMidKeyAlias + " <bundle.pem>)\n");
  } else {
    std::string type(store_type_name(ks->type()));
    r.text("Keystore:  " + path + " (" + type + ", " + std::to_string(ks->size()) + (ks->size() == 1 ? " entry" : " entries") + ")\n");
    r.field("type", type).field("mid_key_entry", key != nullptr);
    std::vector<Object> entries;
    for (const Entry& e : ks->entries()) {
      std::string kind(entry_kind_name(e.kind));
      Object entry;
      entry.field("alias", e.alias).field("entry_type", kind);
      std::string expires;
      if (!e.chain.empty()) {
        std::time_t not_after = summarize_certificate(e.chain.front()).not_after;
        entry.field("not_after", iso(not_after)).field("days_left", days_left(not_after));
        expires = "  expires " + expiry_text(not_after);
      }
      entries.push_back(std::move(entry.text("  " + e.alias + "  " + kind + expires + "\n")));
    }
    r.field("entries", std::move(entries));
    r.text("Check:     keytool -list -v -keystore " + shell_quoted(path) + "   (the MID's jre/bin/keytool; it asks for the store password)\n");
    if (mid_keys.size() > 1) {
      std::vector<std::string> names;
      for (const Entry* e : mid_keys) names.push_back("'" + e->alias + "'");
      r.text("MID key:   AMBIGUOUS: " + joined(names, " and ") + " differ only in case; keep one (keytool -storetype CaseExactJKS -delete)\n");
    } else {
      r.text("MID key:   " + (key ? "present ('" + key->alias + "')" : "MISSING: import it with -a " + std::string(kMidKeyAlias) + " <bundle.pem>") + "\n");
    }
    if (!key && config.exists && config.error.empty() && config.mode == AuthMode::Mutual)
      r.text("warning:   config.xml is set for mutual authentication but the key entry is missing: the MID cannot connect\n");
  }
  Object config_fields;
  config_fields.field("path", o.config_path()).field("exists", config.exists);
  if (!config.error.empty()) config_fields.field("error", config.error);
  else if (config.exists)
    config_fields.field("url", config.url).field("name", config.name).field("basic_auth_credentials", config.credentials).field("auth_mode", auth_mode_name(config.mode));
  r.field("config", std::move(config_fields));
  return r;
}

namespace {

// One line of a checklist: status "ok", "warning" or "problem", its text, and the problems behind it.
Object check_line(const char* status, const std::string& title, std::string text, std::vector<Object> details) {
  Object line;
  line.text(std::move(text));
  line.field("check", title).field("status", status).field("details", std::move(details));
  return line;
}

// A line the findings behind it decide.
Object finding_check(const char* status, const std::string& title, const std::vector<const Finding*>& findings) {
  std::string_view s = status;
  const char* mark = s == "ok" ? "ok  " : s == "warning" ? "warn" : "FAIL";
  std::vector<Object> details;
  for (const Finding* f : findings) {
    Object detail;
    std::string fix = fix_of(*f);
    detail.text("         " + f->message + "\n         fix: " + fix + "\n");
    details.push_back(std::move(detail.append(problem_fields(f->name(), std::nullopt, f->message, fix))));
  }
  return check_line(status, title, "  [" + std::string(mark) + "] " + title + "\n", std::move(details));
}

// A line an error failed; its text names the check unless the error says it all.
Object failed_check(const std::string& title, const Error& e, bool title_in_text) {
  std::string fix = fix_of(e);
  return check_line("problem", title, "  [FAIL] " + (title_in_text ? title + ": " : "") + e.what() + " [" + e.code() + "]\n         fix: " + fix + "\n",
                    {problem_fields(e.code(), std::nullopt, e.what(), fix)});
}

// A target's checklist: the checks passed first, then the table's; returns true if nothing blocks it.
bool add_checklist(std::vector<Object>& checks, const std::vector<std::string>& passed_first, const std::vector<Finding>& findings) {
  bool ok = true;
  for (const std::string& title : passed_first) checks.push_back(finding_check("ok", title, {}));
  for (const DoctorCheck& c : doctor_checks()) {
    std::vector<const Finding*> hits;
    bool refusable = false;
    for (const Finding& f : findings)
      if (std::find(c.codes.begin(), c.codes.end(), f.code) != c.codes.end()) {
        hits.push_back(&f);
        refusable = refusable || f.severity() == Severity::Refusable;
      }
    ok = ok && !refusable;
    checks.push_back(finding_check(hits.empty() ? "ok" : refusable ? "problem" : "warning", c.title, hits));
  }
  return ok;
}

// On a FIPS-mode MID (evidence: the wrapper-override.conf that says so) the JVM reads BCFKS only.
Object fips_check(const std::string& path, StoreType type, const std::string& evidence) {
  const std::string title = "the keystore type suits this FIPS-mode MID (BCFKS)";
  if (type == StoreType::Bcfks) return finding_check("ok", title, {});
  // The fix names this keystore's paths: chosen for the occurrence, over the table's.
  Finding f{FindingCode::FIPS_KEYSTORE_TYPE,
            "this MID runs in FIPS mode (" + evidence + " passes " + kFipsApprovedOnlyFlag + "), and its Bouncy Castle FIPS JVM reads only BCFKS keystores; " +
                path + " is " + std::string(store_type_name(type)),
            "convert it: manage-certificates convert " + shell_quoted(path + ".bcfks") + " --to bcfks --keystore " + shell_quoted(path) +
                ", check it, move it over " + shell_quoted(path) + " (keep the original), and restart the MID Server"};
  return finding_check("problem", title, {&f});
}

// A target of doctor: what it is, then its checks.
Object target_object(const std::string& target, const char* kind, std::vector<Object> checks) {
  Object t;
  t.text(std::string(kind) + " " + target + "\n");
  t.field("target", target).field("kind", kind).field("checks", std::move(checks));
  return t;
}

}  // namespace

Result cmd_doctor(const Options& o) {
  // Key stores are checked entry by entry; everything else is one bundle, as -a would read it.
  // JKS and JCEKS say what they are; a PKCS#12 file is a keystore if it opens with the store
  // password, otherwise a PFX bundle (opened with --keypass, as -a would). DER files are bundles.
  // Each file is read once, into wiping memory (a bundle holds a private key): wiped however the
  // checks end.
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
    SecureBytes content = read_secret_bytes(path, limits::kMaxKeystoreFileBytes);
    std::optional<StoreType> type;
    try {
      type = detect_keystore_type(content.view());
    } catch (const Error&) {  // no keystore: a bundle file, then
    }
    try {
      if (type) keystores.emplace_back(path, read_keystore_data(content.view(), &store_password(o)));
    } catch (const Error& e) {
      if (type == StoreType::Pkcs12) {
        type.reset();  // not the store password: a PFX bundle, then
      } else {
        Error explained = explain_password_error(o, e.with_context(path));
        std::optional<Keystore> unverified;
        if (explained.code_id() == ErrorCode::WRONG_STORE_PASSWORD && (type == StoreType::Jks || type == StoreType::Jceks)) unverified = read_keystore_data(content.view(), nullptr);
        unreadable_stores.push_back({path, explained, std::move(unverified)});
      }
    }
    if (!type) bundle_files.push_back(BundleFile{path, std::move(content)});
  }
  Result r;
  r.field("command", "doctor");
  std::vector<Object> reports;  // one for each target
  bool all_ok = true;
  int exit_code = 0;
  auto failed = [&](const std::string& check, const Error& e, bool title_in_text) {
    all_ok = false;
    exit_code = std::max(exit_code, e.exit_code());
    return failed_check(check, e, title_in_text);
  };
  if (!bundle_files.empty()) {
    std::vector<std::string> names;
    for (const BundleFile& f : bundle_files) names.push_back(f.name);
    auto passphrase = key_passphrase(o);
    ImportOptions options;
    options.passphrase = passphrase ? &*passphrase : nullptr;
    options.force = true;  // collect every finding instead of stopping at the first refusal
    std::vector<Object> checks;
    std::string notes;
    try {
      ImportedKey k = import_bundle(bundle_files, options);
      const CertFacts& leaf = k.leaf;
      std::vector<std::string> passed = {"the files parse",
                                         "exactly one private key, usable as PKCS#8",
                                         "the key matches the leaf " + leaf.subject_display};
      all_ok = add_checklist(checks, passed, k.findings) && all_ok;
      notes = lines("  note: ", k.notes);
    } catch (const Error& e) {
      checks.push_back(failed("the bundle can be read and matched", e, false));
    }
    reports.push_back(target_object(joined(names), "bundle", std::move(checks)).text(notes));
  }
  for (const Unreadable& u : unreadable_stores) {
    std::vector<Object> checks = {failed("the store opens", u.error, true)};
    // Its certificates can still be judged (integrity unchecked, as keytool without -storepass).
    std::vector<const Entry*> mid_keys = u.unverified ? u.unverified->matching(kMidKeyAlias) : std::vector<const Entry*>{};
    const Entry* key = mid_keys.size() == 1 ? mid_keys.front() : nullptr;  // twins: find() would refuse mid-report
    if (key && !key->chain.empty()) {
      checks.back().text("  (the checks below read the certificates without the keystore's integrity check)\n");
      add_checklist(checks, {}, validate_chain(key->chain, ImportOptions{}));
    }
    reports.push_back(target_object(u.path, "keystore", std::move(checks)));
  }
  const std::string fips = fips_mode_evidence(o.agent_dir);
  // The same checks -m makes before it switches the MID to its certificate.
  for (const auto& [path, ks] : keystores) {
    std::string store_check = "the store opens with its password (" + std::string(store_type_name(ks.type())) + ")";
    std::string key_check = std::string("the MID's key entry '") + kMidKeyAlias + "' is present, opens with the store password and fits its leaf";
    std::vector<Object> checks;
    try {
      all_ok = add_checklist(checks, {store_check, key_check}, check_mid_key(ks, store_password(o), ImportOptions{})) && all_ok;
    } catch (const Error& e) {
      checks.push_back(finding_check("ok", store_check, {}));
      checks.push_back(failed(key_check, e, true));
    }
    if (!fips.empty()) {
      checks.push_back(fips_check(path, ks.type(), fips));
      if (ks.type() != StoreType::Bcfks) all_ok = false, exit_code = std::max(exit_code, exit_status(ExitCode::Input));
    }
    reports.push_back(target_object(path, "keystore", std::move(checks)));
  }
  r.field("targets", std::move(reports));
  r.field("ready", all_ok, all_ok ? "result: ready for MID mutual authentication\n" : "result: problems found (see FAIL above)\n");
  r.exit_code = all_ok ? 0 : exit_code ? exit_code : exit_status(ExitCode::Input);
  return r;
}

}  // namespace midks::cli
