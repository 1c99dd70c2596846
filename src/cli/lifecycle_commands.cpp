// The commands the original never had, around the keystore's life: csr, split, verify, renew,
// expiry.

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cli.hpp"
#include "codec.hpp"
#include "midks/keystore_transaction.hpp"
#include "midks/renewal.hpp"
#include "midks/csr.hpp"
#include "midks/error.hpp"
#include "midks/instance_files.hpp"
#include "midks/keystore_file.hpp"
#include "midks/mid_config.hpp"
#include "midks/platform.hpp"
#include "midks/tls_probe.hpp"

namespace midks::cli {

namespace {

bool exists(const std::string& path) { return platform::entry_exists(path); }

ByteView view(const std::string& s) { return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }

// The MID's name from config.xml, if it has a real one.
std::optional<std::string> mid_name(const Options& o) {
  const MidConfig* config = o.mid_config();
  if (!config) return std::nullopt;
  auto name = config->get(mid_param::kName);
  if (!name || name->empty() || *name == mid_param::kNamePlaceholder) return std::nullopt;
  return name;
}

std::string signed_days(std::int64_t d) { return (d >= 0 ? "+" : "") + std::to_string(d); }

// Whether a file's first bytes are those of a keystore. Only "this is no keystore" says no: a file
// that cannot be opened, or a keystore that cannot be read, is left for the read to report.
bool holds_a_keystore(const std::string& path) {
  std::uint8_t head[64];
  std::size_t got = 0;
  try {
    platform::InputFile in(path);
    while (got < sizeof head)
      if (std::size_t n = in.read(head + got, sizeof head - got); n > 0) got += n;
      else break;
  } catch (const Error&) {
    return true;
  }
  try {
    detect_keystore_type(ByteView(head, got));
  } catch (const Error& e) {
    return e.code_id() != ErrorCode::NOT_A_KEYSTORE;
  }
  return true;
}

}  // namespace

namespace {

// csr --keystore/--alias: the key pair inside the keystore, as keytool -genkeypair makes it, or
// (keytool -certreq) a request for the key an entry already holds.
Result csr_in_keystore(const Options& o, CsrSpec spec) {
  const std::string alias = checked_alias(o.alias.value_or(kMidKeyAlias));
  const std::string dir = o.out_dir.value_or(".");
  const std::string csr_path = dir + "/" + (o.args.empty() ? java_lower(alias) : o.args[0]) + ".csr";
  const std::string path = o.keystore_path();
  std::string csr_pem;
  bool existing = false;
  Result r;
  change_keystore(o, o.storetype.value_or(StoreType::Jks), [&](Keystore& ks) {
    if (const Entry* e = ks.find(alias)) {
      if (o.key_type) usage_error("'" + e->alias + "' already holds a key; --key-type is only for a new one", "leave out --key-type, or choose another --alias");
      Entry opened = opened_key_entry(ks, o, alias);
      csr_pem = make_request_for(opened.plain, opened.chain.front(), spec);
      existing = true;
      return false;  // the keystore stays as it is
    }
    if (spec.subject.empty()) usage_error("a new key pair needs --subject", "e.g. --subject 'CN=acme.example,O=Acme,C=US'");
    KeyPairRequest made = make_key_pair_request(spec);
    Entry entry;
    entry.kind = EntryKind::PrivateKey;
    entry.alias = alias;
    entry.created_ms = now_ms();
    entry.plain = std::move(made.pkcs8);
    entry.chain = {std::move(made.placeholder_cert)};
    ks.put(std::move(entry));
    csr_pem = std::move(made.csr_pem);
    return true;
  });
  platform::create_folders(dir, 0755);
  write_file_atomically(csr_path, view(csr_pem), WriteOptions::with_mode(0644));
  r.field("command", "csr").field("csr", csr_path).field("keystore", path).field("alias", java_lower(alias)).field("new_key", !existing);
  r.field("backup", o.last_backup);
  r.text((existing ? "Wrote " + csr_path + " for the key already in '" + alias + "' of " + path + "\n"
                   : "Made a new " + spec.key_type + " key pair in " + path + " under '" + java_lower(alias) +
                         "' (with a self-signed placeholder certificate, as keytool -genkeypair does)\n  and its request " + csr_path + "\n") +
         "next: have your CA sign " + csr_path + ", then import its reply (the signed certificate and its CA chain) with\n"
         "  manage-certificates -a " + java_lower(alias) + " <reply.pem> --keystore " + shell_quoted(path) + "\n");
  return r;
}

}  // namespace

Result cmd_csr(const Options& o) {
  CsrSpec spec;
  spec.key_type = o.key_type.value_or("rsa2048");
  spec.sans = o.san;
  if (o.subject) {
    spec.subject = *o.subject;
  } else if (auto name = mid_name(o)) {
    spec.subject = "CN=";
    for (char c : *name) spec.subject += c == ',' || c == '\\' || c == '/' ? std::string("\\") + c : std::string(1, c);
  }
  if (o.keystore || o.alias) return csr_in_keystore(o, spec);
  if (spec.subject.empty())
    usage_error("no --subject given and no MID name in " + o.config_path(),
         "pass --subject CN=<mid name>,O=<organisation>, or run from the MID's agent folder");
  std::string base = o.args.empty() ? "midserver" : o.args[0];
  std::string key_path = base + ".key", csr_path = base + ".csr";
  if (exists(key_path) && !o.force)
    throw Error(ErrorCode::FILE_EXISTS, key_path + " already exists; a key is never overwritten silently (its certificate would be lost with it)")
        .with_hint("choose another name, or pass --force (the old key is kept as " + key_path + ".bak)");
  auto passphrase = key_passphrase(o);
  CsrResult made = make_csr(spec, passphrase ? &*passphrase : nullptr);
  write_file_atomically(key_path, ByteView(made.key_pem.data(), made.key_pem.size()), WriteOptions::with_mode(0600).keeping_previous());
  write_file_atomically(csr_path, view(made.csr_pem), WriteOptions::with_mode(0644));
  bool rsa = spec.key_type.rfind("rsa", 0) == 0;
  Result r;
  r.field("command", "csr").field("csr", csr_path).field("key", key_path).field("subject", spec.subject);
  r.field("key_type", spec.key_type).field("key_encrypted", passphrase.has_value()).field("sans", spec.sans);
  if (!rsa)
    r.text("warning [NON_RSA_KEY]: ServiceNow documents RSA (2048 bits or more) as the key MID mutual authentication supports\n", Stream::Err,
           Quiet::Shown);
  r.text("Wrote " + csr_path + " (subject " + spec.subject + ", keyUsage digitalSignature" + (rsa ? ", keyEncipherment" : "") +
         ", extendedKeyUsage clientAuth)\n" + "  and " + key_path + " (" + spec.key_type + ", PKCS#8" + (passphrase ? ", encrypted" : "") +
         ", mode 0600)\n" + "next: have your CA sign " + csr_path + " with a client-authentication template, then\n" +
         "  manage-certificates -a " + kMidKeyAlias + " <issued certificate and chain> " + key_path + "\n");
  return r;
}

Result cmd_split(const Options& o) {
  std::vector<Bytes> chain;
  std::string source;
  Result r;
  if (o.args.empty()) {
    Keystore ks = open_keystore(o);
    std::string alias = o.alias.value_or(kMidKeyAlias);
    const Entry* e = ks.find(alias);
    if (!e || e->chain.empty()) fail(ErrorCode::NO_SUCH_ENTRY, "no entry '" + alias + "' with certificates in " + o.keystore_path());
    chain = e->chain;
    source = o.keystore_path() + " (" + e->alias + ")";
  } else {
    auto passphrase = key_passphrase(o);
    ImportOptions options;
    options.passphrase = passphrase ? &*passphrase : nullptr;
    options.force = o.force;
    options.certificates_only = true;  // a chain without its key is fine: the key is never written
    ImportedKey k = import_bundle_files(o.args, options);
    r.add(text_only(findings_node(k.findings, Stream::ErrAlways)));  // the JSON has no findings
    chain = std::move(k.chain);
    source = joined(o.args);
  }
  std::string dir = o.out_dir.value_or(".");
  platform::create_folders(dir, 0755);  // owned like its parent, as every folder we make
  std::vector<InstanceUpload> uploads = instance_uploads(chain, o.ca_bundle);
  for (const InstanceUpload& u : uploads) write_file_atomically(dir + "/" + u.file_name, view(u.pem), WriteOptions::with_mode(0644));
  r.field("command", "split").field("source", source);
  r.text("From " + source + ", for the instance (no private key in any of them):\n");
  std::vector<Object> files;
  for (const InstanceUpload& u : uploads) {
    std::string file = dir + "/" + u.file_name;
    Object f;
    f.text(printed("  %-22s <- %s  %s\n", u.table.c_str(), file.c_str(), u.subject.c_str()));
    files.push_back(std::move(f.field("file", file).field("table", u.table).field("subject", u.subject)));
  }
  r.field("files", std::move(files));
  r.text("Upload the sys_ca_certificate files in this order (root first), then attach the leaf to the MID user's\n"
         "sys_user_certificate record.\n");
  return r;
}

Result cmd_verify(const Options& o) {
  if (!o.url) usage_error("verify needs --url https://<instance>", "e.g. manage-certificates verify --url https://acme.service-now.com");
  ProbeTarget target = parse_https_url(*o.url);
  Keystore ks = open_keystore(o);
  Entry entry = opened_key_entry(ks, o, o.alias.value_or(kMidKeyAlias));
  ProbeOptions options;
  std::string proxy_source;
  if (o.proxy) {
    if (*o.proxy != "none") options.proxy = parse_host_port(*o.proxy), proxy_source = "--proxy";
  } else if (const MidConfig* config = o.mid_config()) {
    // The MID connects through its configured proxy: so does the check.
    auto host = config->get(mid_param::kProxyHost), port = config->get(mid_param::kProxyPort);
    if (config->get(mid_param::kProxyUse) == "true" && host && !host->empty() && port)
      options.proxy = parse_host_port(*host + ":" + *port), proxy_source = o.config_path();
  }
  if (o.server_ca) options.server_ca_file = *o.server_ca;
  if (o.timeout_s) options.timeout_ms = *o.timeout_s * 1000;
  ProbeReport r = probe_mutual_tls(target, entry, options);
  CertFacts leaf = describe_certificate(entry.chain.front());
  std::string trust = o.server_ca ? *o.server_ca : std::string("the system trust store");

  int code = 0;
  std::string verdict, fix;
  switch (r.outcome) {
    case ProbeOutcome::Success:
      verdict = "the server asked for a client certificate and accepted " + leaf.subject_display;
      break;
    case ProbeOutcome::Unreachable:
      code = exit_status(ExitCode::Io);
      verdict = "cannot reach " + r.address + ": " + r.detail;
      fix = r.proxy.empty() ? "check DNS, the firewall and any proxy (--proxy HOST:PORT): the MID needs outbound HTTPS to the instance"
                            : "check the proxy address and that it allows CONNECT to the instance (or --proxy none to go direct)";
      break;
    case ProbeOutcome::ServerUntrusted:
      code = exit_status(ExitCode::ServerUntrusted);
      verdict = "the server's certificate (issued by '" + r.server_issuer + "') does not verify against " + trust + ": " + r.server_verify_error;
      fix = "if a TLS-inspecting proxy (Zscaler, Palo Alto SSL decryption, BlueCoat) sits on the way it replaces the instance's "
            "certificate and strips the MID's: ask for an SSL-inspection bypass for the instance host";
      break;
    case ProbeOutcome::NoClientCertRequest:
      code = exit_status(ExitCode::NoClientCertRequest);
      verdict = "the handshake completed but the server never asked for a client certificate";
      fix = "mutual authentication is not enabled for this instance or address: activate com.glide.auth.mutual and ask ServiceNow "
            "Support to enable MID mutual authentication";
      break;
    case ProbeOutcome::CaNotAccepted:
      code = exit_status(ExitCode::CaNotAccepted);
      verdict = "the server accepts client certificates from other CAs only; none of our chain's issuers is among them";
      fix = "upload the CA chain (manage-certificates split) to sys_ca_certificate on the instance";
      break;
    case ProbeOutcome::Rejected:
      code = exit_status(ExitCode::Rejected);
      verdict = "the server refused the handshake or our certificate: " + r.detail;
      // Before its certificate the server knew nothing of ours: the address or the path is wrong.
      fix = r.server_subject.empty()
                ? "the connection ended before the server sent its certificate: check the address and port, and that no firewall "
                  "or proxy on the way blocks or ends TLS connections to the instance"
                : "check that the leaf is on the MID user's sys_user_certificate record and the chain in sys_ca_certificate";
      break;
  }
  Result result;
  result.exit_code = code;
  result.field("command", "verify").field("url", *o.url).field("address", r.address).field("outcome", probe_outcome_name(r.outcome));
  result.field("proxy", r.proxy).field("exit_code", code).field("connected", r.connected).field("handshake_completed", r.handshake_completed);
  result.field("client_certificate_requested", r.client_cert_requested).field("acceptable_cas", r.acceptable_cas).field("our_ca_named", r.our_ca_named);
  result.field("server_subject", r.server_subject).field("server_issuer", r.server_issuer).field("server_trusted", r.server_trusted);
  result.field("server_verify_error", r.server_verify_error).field("protocol", r.protocol).field("detail", r.detail);
  auto yes = [](bool b) { return std::string(b ? "yes" : "no"); };
  std::string text = "Connection to " + r.address + (r.proxy.empty() ? "" : " through the proxy " + r.proxy + " (from " + proxy_source + ")") +
                     ": " + (r.connected ? "connected" : "FAILED") + "\n";
  if (r.connected) {
    text += "  server certificate   " + (r.server_subject.empty() ? "(none received)" : r.server_subject) + "\n" +
            "  issued by            " + (r.server_issuer.empty() ? "-" : r.server_issuer) +
            (r.server_subject.empty() ? "" : r.server_trusted ? "  (trusted by " + trust + ")" : "  (NOT trusted by " + trust + ")") + "\n" +
            "  client cert request  " + yes(r.client_cert_requested) + "\n";
    if (r.client_cert_requested)
      text += "  acceptable CAs       " + (r.acceptable_cas.empty() ? "(any: the server named none)" : joined(r.acceptable_cas, " | ")) + "\n" +
              "  our CA named         " + (r.acceptable_cas.empty() ? "-" : yes(r.our_ca_named)) + "\n";
    text += "  handshake            " + (r.handshake_completed ? "completed (" + r.protocol + ")" : "failed") + "\n" +
            "  our certificate      " + leaf.subject_display + "\n";
  }
  result.text(text);
  result.field("verdict", verdict, (code == 0 ? "result: ok: " : "result: FAILED: ") + verdict + "\n");
  result.field("fix", fix, fix.empty() ? "" : "  fix: " + fix + "\n");
  return result;
}

Result cmd_renew(const Options& o) {
  const std::string& alias = checked_alias(o.args[0]);
  std::vector<std::string> files(o.args.begin() + 1, o.args.end());
  if (files.empty() && !o.prune)
    usage_error("renew needs the renewed certificate (or a new bundle)", "usage: manage-certificates renew <alias> <file>... [--prune]");
  require_keystore(o);
  auto passphrase = key_passphrase(o);  // asked (if at all) before the lock is taken
  std::vector<Finding> findings;
  std::vector<std::string> notes;
  std::size_t chain_length = 0;
  std::optional<Renewal> done;
  std::vector<std::string> pruned;
  change_keystore(o, StoreType::Jks, [&](Keystore& ks) {
    if (!files.empty()) {
      // A renewed certificate often comes alone: it gets the entry's key and the rest of its chain.
      Entry entry = opened_key_entry(ks, o, alias);
      ImportOptions options;
      options.passphrase = passphrase ? &*passphrase : nullptr;
      options.force = o.force;
      ImportedKey renewed = import_bundle_files(files, renewal_import_options(entry, options));
      findings = renewed.findings;
      notes = renewed.notes;
      chain_length = renewed.chain.size();
      done = renew_key_entry(ks, alias, std::move(renewed));
      if (java_lower(done->alias) == kMidKeyAlias && !same_public_key(done->old_leaf, done->new_leaf))
        findings.push_back(mid_key_replaced(o));
    }
    if (o.prune) pruned = prune_previous_entries(ks, alias);
    return done.has_value() || !pruned.empty();
  });
  Result r;
  r.field("command", "renew").field("keystore", o.keystore_path()).field("alias", done ? done->alias : alias).field("backup", o.last_backup);
  if (done) {
    CertFacts before = describe_certificate(done->old_leaf), after = describe_certificate(done->new_leaf);
    std::int64_t days_gained = (static_cast<std::int64_t>(after.not_after) - static_cast<std::int64_t>(before.not_after)) / 86400;
    r.field("previous_alias", done->previous_alias).field("old_not_after", iso(before.not_after)).field("new_not_after", iso(after.not_after));
    r.field("days_gained", days_gained).field("chain_length", chain_length).field("notes", notes, lines("note: ", notes));
    r.add(findings_node(findings));
    r.text("Renewed '" + done->alias + "': expiry " + day(before.not_after) + " -> " + day(after.not_after) + " (" + signed_days(days_gained) +
           " days), chain of " + std::to_string(chain_length) + " certificate(s)\n  the replaced entry stays as '" + done->previous_alias +
           "' until renew " + alias + " --prune\n  keystore " + o.keystore_path() + (o.last_backup.empty() ? std::string() : ", backup " + o.last_backup) +
           "\n" + "next: upload the new leaf (manage-certificates split) to sys_user_certificate, then restart the MID Server\n");
  }
  r.field("pruned", pruned, !o.prune ? "" : (pruned.empty() ? std::string("nothing to prune") : "pruned " + joined(pruned)) + "\n");
  return r;
}

Result cmd_expiry(const Options& o) {
  // Patterns are expanded here too, so a quoted glob works the same on every shell.
  // What a wildcard matched may be anything in the folder (agent_keystore.lock, notes): files that
  // are no keystore by content are skipped; a path named exactly is reported whatever it holds.
  std::vector<std::string> paths, skipped;
  for (const std::string& pattern : o.args) {
    bool wildcard = pattern.find_first_of("*?[") != std::string::npos;
    for (const std::string& path : platform::expand_pattern(pattern))
      (wildcard && !holds_a_keystore(path) ? skipped : paths).push_back(path);
  }
  struct Row {
    std::string keystore, alias, kind;
    std::int64_t not_after, days;
  };
  std::vector<Row> rows;
  std::vector<std::pair<std::string, Error>> failures;
  for (const std::string& path : paths) {
    try {
      Keystore ks = browse_keystore_at(o, path);
      for (const Entry& e : ks.entries()) {
        if (e.chain.empty()) continue;
        std::time_t not_after = summarize_certificate(e.chain.front()).not_after;
        rows.push_back({path, e.alias, std::string(entry_kind_name(e.kind)), static_cast<std::int64_t>(not_after), days_left(not_after)});
      }
    } catch (const Error& e) {
      failures.emplace_back(path, e);
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.not_after < b.not_after; });
  int warn_days = o.expiry_warn_days.value_or(30);
  bool warn = std::any_of(rows.begin(), rows.end(), [&](const Row& r) { return r.days < warn_days; });
  Result result;
  for (const auto& f : failures) result.exit_code = std::max(result.exit_code, f.second.exit_code());
  if (result.exit_code == 0 && warn) result.exit_code = exit_status(ExitCode::ExpiryWarning);
  result.field("command", "expiry").field("warn_days", warn_days);
  result.text(printed("%-6s %-10s %-32s %-17s %s\n", "DAYS", "EXPIRES", "ALIAS", "TYPE", "KEYSTORE"));
  std::vector<Object> entries, errors;
  for (const Row& r : rows) {
    Object entry;
    entry.text(printed("%-6s %-10s %-32s %-17s %s%s\n", std::to_string(r.days).c_str(), day(r.not_after).c_str(), r.alias.c_str(), r.kind.c_str(),
                       r.keystore.c_str(), r.days < 0 ? "  EXPIRED" : r.days < warn_days ? "  WARNING" : ""));
    entry.field("keystore", r.keystore).field("alias", r.alias).field("entry_type", r.kind).field("not_after", iso(r.not_after));
    entries.push_back(std::move(entry.field("days_left", r.days).field("warn", r.days < warn_days)));
  }
  for (const auto& [path, e] : failures) {
    Object error;
    error.text("error: " + path + ": " + e.what() + "\n", Stream::Err);
    errors.push_back(std::move(error.field("keystore", path).field("exit_code", e.exit_code()).field("message", e.what())));
  }
  result.field("entries", std::move(entries)).field("errors", std::move(errors)).field("skipped", skipped);
  return result;
}

}  // namespace midks::cli
