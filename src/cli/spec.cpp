// The single definition of the command line: options, commands, their pages and exit codes.
#include "spec.hpp"

#include <algorithm>

namespace midks::cli {

namespace {

StoreType parse_storetype(const std::string& option, std::string t) {
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (t == "jks") return StoreType::Jks;
  if (t == "pkcs12" || t == "p12") return StoreType::Pkcs12;
  if (t == "jceks") return StoreType::Jceks;
  if (t == "bcfks") return StoreType::Bcfks;
  usage_error("unknown " + option + " " + t, "use jks, pkcs12, jceks or bcfks");
}

int parse_count(const std::string& option, const std::string& v, std::size_t max_digits, const char* unit) {
  if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > max_digits)
    usage_error(option + " needs a number of " + unit + ", not '" + v + "'");
  return std::stoi(v);
}

void set_warn_days(Options& o, const std::string& v) { o.expiry_warn_days = parse_count("--expiry-warn", v, 5, "days"); }

// Option groups shared by many commands.
const std::vector<std::string> kStore = {"--agent-dir", "--keystore", "--config", "--storepass-env", "--storepass-file",
                                         "--storepass", "--storepass-prompt"};
const std::vector<std::string> kKeypass = {"--keypass-env", "--keypass-file", "--keypass", "--keypass-prompt"};
const std::vector<std::string> kOutput = {"--json", "--quiet"};
const std::vector<std::string> kWarn = {"--expiry-warn", "--warn"};

std::vector<std::string> with(std::initializer_list<std::vector<std::string>> groups) {
  std::vector<std::string> all;
  for (const auto& g : groups) all.insert(all.end(), g.begin(), g.end());
  return all;
}

}  // namespace

const std::vector<OptionSpec>& option_table() {
  static const std::vector<OptionSpec> table = {
      {"--agent-dir", "DIR", "the MID's agent folder (default: the current folder)", [](Options& o, const std::string& v) { o.agent_dir = v; }},
      {"--keystore", "FILE",
       "keystore (default: the first of security/agent_keystore, security/agent_keystore.jks, keystore/agent_keystore, "
       "keystore/agent_keystore.jks in the agent folder that exists; new: security/agent_keystore; JKS, JCEKS, PKCS12 or BCFKS, detected)",
       [](Options& o, const std::string& v) { o.keystore = v; }},
      {"--config", "FILE", "the MID's config.xml (default: config.xml in the agent folder)",
       [](Options& o, const std::string& v) { o.config = v; }},
      {"--storetype", "TYPE", "type of a new keystore: jks (default), pkcs12, jceks or bcfks (Bouncy Castle FIPS)",
       [](Options& o, const std::string& v) { o.storetype = parse_storetype("--storetype", v); }},
      {"--to", "TYPE", "the type to convert to: jks, jceks, pkcs12 or bcfks", [](Options& o, const std::string& v) { o.to_type = parse_storetype("--to", v); }},
      {"--storepass-env", "VAR", "store password from an environment variable (default: config.xml's mid.keystore.password, else changeit)",
       [](Options& o, const std::string& v) { o.storepass.env = v; }},
      {"--storepass-file", "FILE", "store password from a file (first line)", [](Options& o, const std::string& v) { o.storepass.file = v; }},
      {"--storepass", "PASS", "store password on the command line (visible in ps: prefer -env or -file)",
       [](Options& o, const std::string& v) { o.storepass.arg = v; }, true},
      {"--storepass-prompt", "", "ask for the store password on the terminal (no echo)",
       [](Options& o, const std::string&) { o.storepass.prompt = true; }},
      {"--new-storepass-env", "VAR", "the new store password from an environment variable",
       [](Options& o, const std::string& v) { o.new_storepass.env = v; }},
      {"--new-storepass-file", "FILE", "the new store password from a file (first line)",
       [](Options& o, const std::string& v) { o.new_storepass.file = v; }},
      {"--new-storepass-prompt", "", "ask for the new store password on the terminal, twice (no echo)",
       [](Options& o, const std::string&) { o.new_storepass.prompt = true; }},
      {"--keypass-env", "VAR", "passphrase of an encrypted key or PFX, from an environment variable",
       [](Options& o, const std::string& v) { o.keypass.env = v; }},
      {"--keypass-file", "FILE", "passphrase of an encrypted key or PFX, from a file (first line)",
       [](Options& o, const std::string& v) { o.keypass.file = v; }},
      {"--keypass", "PASS", "passphrase on the command line (visible in ps: prefer -env or -file)",
       [](Options& o, const std::string& v) { o.keypass.arg = v; }, true},
      {"--keypass-prompt", "", "ask for the passphrase on the terminal (also asked when needed and a terminal is there)",
       [](Options& o, const std::string&) { o.keypass.prompt = true; }},
      {"--instance-password-env", "VAR", "the instance user's password from an environment variable",
       [](Options& o, const std::string& v) { o.instance_password.env = v; }},
      {"--instance-password-file", "FILE", "the instance user's password from a file (first line)",
       [](Options& o, const std::string& v) { o.instance_password.file = v; }},
      {"--instance-password-prompt", "", "ask for the instance user's password on the terminal (also when none is given)",
       [](Options& o, const std::string&) { o.instance_password.prompt = true; }},
      {"--instance-url", "URL", "also set the instance's url in config.xml", [](Options& o, const std::string& v) { o.instance_url = v; }},
      {"--mid-name", "NAME", "also set the MID Server's name in config.xml", [](Options& o, const std::string& v) { o.mid_name = v; }},
      {"--remove-key", "", "also delete the defaultsecuritykeypairhandle entry", [](Options& o, const std::string&) { o.remove_key = true; }},
      {"--force", "", "go ahead despite refusable findings (all are still printed), or overwrite", [](Options& o, const std::string&) { o.force = true; }},
      {"--long", "", "a table with type, expiry and subject", [](Options& o, const std::string&) { o.long_format = true; }},
      {"--expiry-warn", "DAYS", "exit 3 if an entry expires within DAYS", set_warn_days},
      {"--warn", "DAYS", "the same as --expiry-warn", set_warn_days},
      {"--alias", "ALIAS", "the key entry to use (default defaultsecuritykeypairhandle)", [](Options& o, const std::string& v) { o.alias = v; }},
      {"--subject", "DN", "the subject, e.g. CN=mid01,O=Acme,C=US (default CN=<MID name from config.xml>)",
       [](Options& o, const std::string& v) { o.subject = v; }},
      {"--key-type", "TYPE", "rsa2048 (default), rsa3072, rsa4096, ec256 or ec384", [](Options& o, const std::string& v) { o.key_type = v; }},
      {"--san", "NAME", "a subject alternative name (DNS:host, IP:addr; repeatable)", [](Options& o, const std::string& v) { o.san.push_back(v); }},
      {"--out-dir", "DIR", "where to write the files (default: the current folder)", [](Options& o, const std::string& v) { o.out_dir = v; }},
      {"--ca-bundle", "", "the CA certificates as one file instead of one per certificate", [](Options& o, const std::string&) { o.ca_bundle = true; }},
      {"--url", "URL", "the instance, https://host[:port]", [](Options& o, const std::string& v) { o.url = v; }},
      {"--server-ca", "FILE", "trust these CAs for the server (default: the system store, SSL_CERT_FILE/SSL_CERT_DIR)",
       [](Options& o, const std::string& v) { o.server_ca = v; }},
      {"--proxy", "HOST:PORT", "tunnel through this HTTP proxy ('none': direct; default: config.xml's mid.proxy.*)",
       [](Options& o, const std::string& v) { o.proxy = v; }},
      {"--timeout", "SECONDS", "connection and read timeout (default 10)",
       [](Options& o, const std::string& v) {
         int s = parse_count("--timeout", v, 4, "seconds");
         if (s == 0) usage_error("--timeout needs a number of seconds above 0");
         o.timeout_s = s;
       }},
      {"--prune", "", "delete the entries kept from earlier renewals", [](Options& o, const std::string&) { o.prune = true; }},
      {"--json", "", "machine-readable output (errors too)", [](Options& o, const std::string&) { o.json = true; }},
      {"--quiet", "", "print only data, warnings and errors", [](Options& o, const std::string&) { o.quiet = true; }},
      {"--help", "", "show this command's page", [](Options& o, const std::string&) { o.help = true; }},
  };
  return table;
}

const OptionSpec* find_option(const std::string& name) {
  for (const OptionSpec& o : option_table())
    if (o.name == name) return &o;
  return nullptr;
}

Result cmd_overview(const Options&) {
  print_overview();
  return {};
}
Result cmd_man(const Options&) {
  print_man_page();
  return {};
}
Result cmd_completion(const Options&) {
  print_bash_completion();
  return {};
}
Result cmd_version(const Options&);

const std::vector<CommandSpec>& command_table() {
  using E = ExitCode;
  static const std::vector<CommandSpec> table = {
      {{"-a"}, "<alias> <file>...", 2, 64,
       "import a bundle (PEM in any order, PKCS#1/#8/SEC1/encrypted keys, PFX, DER; one file or several) as a key entry",
       "Reads every file given (PEM blocks in any order, CRLF or LF, PKCS#1, PKCS#8, SEC1 and encrypted keys, PFX/PKCS#12 "
       "including Windows certutil exports, DER), finds the one private key, puts the chain in order leaf first, and checks it "
       "against what breaks MID mutual TLS (chain, clientAuth, validity, key strength). Nothing is written unless every check "
       "passes (or --force). The keystore is written atomically, with a backup in security_backup/.",
       with({kStore, kKeypass, {"--storetype", "--force"}, kOutput}),
       {{"-a defaultsecuritykeypairhandle midserver-bundle.pem", "import the seed's bundle into the MID's keystore"},
        {"-a defaultsecuritykeypairhandle mid.crt intermediate.crt root.crt mid.key", "the same from separate files"},
        {"-a defaultsecuritykeypairhandle mid.pfx --keypass-env PFX_PASS", "a PFX exported from Windows, its passphrase from $PFX_PASS"}},
       {E::Input, E::Io, E::Password, E::Internal},
       cmd_import},
      {{"-g"}, "<alias>", 1, 1, "show the certificate details and chain of an entry",
       "Shows the entry's subject, issuer, validity, key, fingerprints, key usages and alternative names, and its chain. The "
       "alias matches regardless of case, as Java's keystores do.",
       with({kStore, kWarn, {"--json"}}),
       {{"-g defaultsecuritykeypairhandle", "the MID's own certificate"},
        {"-g defaultsecuritykeypairhandle --expiry-warn 30", "exit 3 if it expires within 30 days"}},
       {E::Input, E::ExpiryWarning, E::Io, E::Password, E::Internal},
       cmd_get},
      {{"-l"}, "", 0, 0, "list the aliases (comma-separated; --long for a table)",
       "Prints the aliases comma-separated on one line, as the original script did (the keystore's path goes to stderr), or a "
       "table with --long.",
       with({kStore, kWarn, {"--long"}, kOutput}),
       {{"-l", "the aliases, e.g. defaultsecuritykeypairhandle,midwss"},
        {"-l --long", "with type, expiry and subject"},
        {"-l --json", "for scripts"}},
       {E::Input, E::ExpiryWarning, E::Io, E::Password, E::Internal},
       cmd_list},
      {{"-d"}, "<alias>", 1, 1, "delete an entry",
       "Deletes one entry (matched regardless of case). The MID's own key is not deleted while config.xml uses mutual "
       "authentication, unless --force.",
       with({kStore, {"--force"}, kOutput}),
       {{"-d midwss", "delete the entry midwss"}, {"-d defaultsecuritykeypairhandle --force", "delete the MID's key although it is in use"}},
       {E::Input, E::Io, E::Password, E::Internal},
       cmd_delete},
      {{"-r"}, "", 0, 0, "remove every entry except defaultsecuritykeypairhandle",
       "Removes every entry but the MID's own key pair, as the original script's -r did.", with({kStore, kOutput}),
       {{"-r", "keep only defaultsecuritykeypairhandle"}, {"-r --json", "and list what was removed, for scripts"}},
       {E::Input, E::Io, E::Password, E::Internal},
       cmd_remove_all},
      {{"-m"}, "", 0, 0, "enable mutual authentication: check the MID key entry, take the basic-auth credentials out of config.xml",
       "Checks the key entry defaultsecuritykeypairhandle as the MID will use it, then removes mid.instance.username and "
       "mid.instance.password from config.xml (changing nothing else in it). Refuses if the entry would fail, unless --force.",
       with({kStore, {"--instance-url", "--mid-name", "--force"}, kOutput}),
       {{"-m", "switch the MID in this folder to its certificate"},
        {"-m --instance-url https://acme.service-now.com/ --mid-name mid01", "also set the instance and the MID's name"}},
       {E::Input, E::Io, E::Password, E::Internal},
       cmd_mutual},
      {{"-b"}, "<user> [<password>]", 1, 2, "revert to basic authentication: write the instance credentials into config.xml",
       "Writes mid.instance.username and mid.instance.password (marked secure=\"true\", so the MID encrypts it when it starts) "
       "into config.xml. The password may be the second argument, as in the original script, but an environment variable, a "
       "file or the prompt keep it out of ps.",
       with({kStore, {"--instance-password-env", "--instance-password-file", "--instance-password-prompt", "--remove-key"}, kOutput}),
       {{"-b mid.user --instance-password-env MID_PASS", "the password from $MID_PASS"},
        {"-b mid.user --remove-key", "ask for the password, and delete the MID's key entry"}},
       {E::Input, E::Io, E::Password, E::Internal},
       cmd_basic, 2},
      {{"-s", "status"}, "", 0, 0, "show the keystore, its entries and their expiry",
       "Shows config.xml's url, MID name and authentication mode, and the keystore with its entries and their expiry.",
       with({kStore, kWarn, {"--json"}}),
       {{"-s", "what this MID folder holds"}, {"status --expiry-warn 30 --json", "for monitoring: exit 3 within 30 days of an expiry"}},
       {E::Input, E::ExpiryWarning, E::Io, E::Password, E::Internal},
       cmd_status},
      {{"csr"}, "[<name>]", 0, 1,
       "make a key and a clientAuth certificate request: as files (<name>.key, 0600, and <name>.csr), or inside a keystore",
       "Makes a new key and a certificate signing request for a client-authentication certificate (keyUsage "
       "digitalSignature, extendedKeyUsage clientAuth). Without --keystore or --alias, the key is written to <name>.key "
       "(0600, never overwritten without --force). With them, as keytool -genkeypair and -certreq do, the key pair goes into "
       "the keystore under the alias with a self-signed placeholder certificate, the request to <alias>.csr, and the CA's "
       "reply is imported later with -a <alias> <reply>, which pairs it with the key.",
       with({kStore, {"--storetype", "--alias", "--out-dir", "--subject", "--key-type", "--san", "--force"}, kKeypass, kOutput}),
       {{"csr", "midserver.key and midserver.csr for CN=<the MID's name in config.xml>"},
        {"csr mid01 --subject 'CN=mid01,O=Acme,C=US' --san DNS:mid01.acme.example", "with a subject and a DNS name"},
        {"csr --keystore outbound.jks --alias mydomain --subject 'CN=acme.example,O=Acme' --storepass-env KS_PASS",
         "a key pair inside a new keystore and mydomain.csr, for the instance's outbound mutual authentication"}},
       {E::Input, E::Io, E::Password, E::Internal},
       cmd_csr},
      {{"split"}, "[<file>...]", 0, 64, "write the CA chain and the leaf as the instance needs them (from a bundle, or the keystore)",
       "Writes each CA certificate (for sys_ca_certificate) and the leaf (for the MID user's sys_user_certificate) as "
       "separate PEM files, from the bundle files given or from the keystore's key entry. No private key is written.",
       with({kStore, kKeypass, {"--alias", "--out-dir", "--ca-bundle", "--force"}, kOutput}),
       {{"split", "from the MID's keystore, into the current folder"},
        {"split midserver-bundle.pem --out-dir upload", "from a bundle, into upload/"}},
       {E::Input, E::Io, E::Password, E::Internal},
       cmd_split},
      {{"verify"}, "", 0, 0, "connect to --url with the MID key and report what the server asks for and accepts",
       "Connects to the instance (through config.xml's proxy unless --proxy) with the MID's key entry and reports whether the "
       "server asks for a client certificate, names our CA, trusts it and completes the handshake.",
       with({kStore, {"--url", "--alias", "--server-ca", "--proxy", "--timeout", "--json"}}),
       {{"verify --url https://acme.service-now.com", "the MID's key against the instance"},
        {"verify --url https://acme.service-now.com --proxy none --timeout 5", "directly, not through the configured proxy"}},
       {E::Input, E::Io, E::Password, E::NoClientCertRequest, E::CaNotAccepted, E::Rejected, E::ServerUntrusted, E::Internal},
       cmd_verify},
      {{"renew"}, "<alias> [<file>...]", 1, 64, "import a renewed certificate (or bundle), keeping the old entry until --prune",
       "Imports a renewed certificate for the entry's key (or a whole new bundle), completing its chain from the old entry, "
       "and keeps the replaced entry under a -previous alias until renew --prune.",
       with({kStore, kKeypass, {"--prune", "--force"}, kOutput}),
       {{"renew defaultsecuritykeypairhandle renewed.crt", "the CA's renewed certificate for the same key"},
        {"renew defaultsecuritykeypairhandle --prune", "delete the kept previous entries once the new one works"}},
       {E::Input, E::Io, E::Password, E::Internal},
       cmd_renew},
      {{"expiry"}, "<keystore|glob>...", 1, 256, "days left for every entry of one or many keystores",
       "Lists every certificate entry of the keystores given (quoted globs are expanded), soonest expiry first. Files a glob "
       "matched that are no keystore are skipped.",
       with({{"--agent-dir", "--config", "--storepass-env", "--storepass-file", "--storepass", "--storepass-prompt"}, kWarn, {"--json"}}),
       {{"expiry security/agent_keystore", "the MID's keystore"},
        {"expiry '/opt/servicenow/*/agent/security/agent_keystore' --warn 30", "every MID on the host; exit 3 within 30 days"}},
       {E::Input, E::ExpiryWarning, E::Io, E::Password, E::Internal},
       cmd_expiry},
      {{"convert"}, "<out-file>", 1, 1, "write every entry of the keystore into a new keystore of another type (--to)",
       "Writes every entry of the keystore (the MID's, or --keystore) into a new file of the type --to names, as keytool "
       "-importkeystore does: keys are protected anew for that type, keys with a password of their own keep it (pass it with "
       "--keypass-*). The new file is read back and compared before it is written (mode 0600); what the type cannot hold is "
       "refused, naming the entries. An existing file is never overwritten without --force; the keystore itself never.",
       with({kStore, kKeypass, {"--to", "--new-storepass-env", "--new-storepass-file", "--new-storepass-prompt", "--force"}, kOutput}),
       {{"convert agent_keystore.p12 --to pkcs12", "the MID's keystore as PKCS12, same password"},
        {"convert --keystore old.jceks new.jks --to jks --new-storepass-env NEW_PASS", "a JCEKS store as JKS with another password"},
        {"convert midwss-too.jks --to jks --keypass-env MIDWSS_PASS", "keys with their own password (midwss) opened with it"}},
       {E::Input, E::Io, E::Password, E::Internal},
       cmd_convert},
      {{"passwd"}, "", 0, 0, "change the keystore's store password (and every key password that was the same)",
       "Changes the store password, and the password of every key that had the same one (as the MID needs); keys with a "
       "password of their own are left as they are and listed. One atomic write, with a backup. When the keystore is the "
       "MID's, config.xml's mid.keystore.password follows: replaced where it held the old password in plain text, added "
       "(secure=\"true\", so the MID encrypts it at start) where it was absent.",
       with({kStore, {"--new-storepass-env", "--new-storepass-file", "--new-storepass-prompt"}, kOutput}),
       {{"passwd", "asks for the new password twice"},
        {"passwd --storepass-env OLD_PASS --new-storepass-env NEW_PASS", "both from the environment, for scripts"}},
       {E::Input, E::Io, E::Password, E::Internal},
       cmd_passwd},
      {{"doctor"}, "[<file|keystore>...]", 0, 64,
       "check bundles or keystores against everything that breaks MID mutual TLS (no file: the MID's keystore)",
       "Runs the seed's troubleshooting table as checks on bundle files (as -a would read them) or keystores (as -m would "
       "check them) and prints a checklist with a fix for each problem. Nothing is written.",
       with({kStore, kKeypass, {"--json"}}),
       {{"doctor", "the MID's keystore"}, {"doctor midserver-bundle.pem", "a bundle before importing it"}},
       {E::Input, E::Io, E::Password, E::Internal},
       cmd_doctor},
      {{"--help", "-h"}, "", 0, 0, "show this help (and <command> --help: that command's page)", "", {}, {}, {}, cmd_overview},
      {{"--man"}, "", 0, 0, "print the manual page (roff)", "", {}, {}, {}, cmd_man},
      {{"--bash-completion"}, "", 0, 0, "print a bash completion script for this command", "", {}, {}, {}, cmd_completion},
      {{"--version"}, "", 0, 0, "show the version", "", {}, {}, {}, cmd_version},
  };
  return table;
}

const CommandSpec* find_command(const std::string& name) {
  for (const CommandSpec& c : command_table())
    if (std::find(c.names.begin(), c.names.end(), name) != c.names.end()) return &c;
  return nullptr;
}

bool takes_option(const CommandSpec& c, const std::string& option) {
  return option == "--help" || std::find(c.options.begin(), c.options.end(), option) != c.options.end();
}

const std::vector<ExitCode>& all_exit_codes() {
  using E = ExitCode;
  static const std::vector<ExitCode> all = {E::Ok, E::Usage, E::Input, E::ExpiryWarning, E::Io, E::Password, E::NoClientCertRequest,
                                            E::CaNotAccepted, E::Rejected, E::ServerUntrusted, E::Internal};
  return all;
}

const char* exit_code_meaning(ExitCode c) {
  switch (c) {
    case ExitCode::Ok: return "success";
    case ExitCode::Usage: return "usage: a wrong command line";
    case ExitCode::Input: return "invalid input: a malformed or unsupported file, a refused bundle, an unknown alias";
    case ExitCode::ExpiryWarning: return "an entry expires within the --expiry-warn window";
    case ExitCode::Io: return "a file or lock could not be read or written (verify: the server is unreachable)";
    case ExitCode::Password: return "a wrong store password or key passphrase";
    case ExitCode::NoClientCertRequest: return "verify: the server did not ask for a client certificate";
    case ExitCode::CaNotAccepted: return "verify: the server named acceptable CAs, ours not among them";
    case ExitCode::Rejected: return "verify: the server refused the handshake or our certificate";
    case ExitCode::ServerUntrusted: return "verify: the server's certificate does not verify (a TLS-inspecting proxy?)";
    case ExitCode::Internal: return "an internal error: a bug or a broken library, please report it";
  }
  return "";
}

}  // namespace midks::cli
