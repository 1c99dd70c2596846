// manage-certificates: the command line. A thin layer: parse, call the engine, print.
// The command and option tables below are the single definition of the surface; the parser,
// --help, the man page and the bash completion are all generated from them.
#include <openssl/crypto.h>
#include <signal.h>

#include <algorithm>
#include <cstring>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "midks/error.hpp"

namespace {

using namespace midks;
using namespace midks::cli;

StoreType parse_storetype(std::string t);

struct OptionSpec {
  std::string name;
  std::string value;  // name of its value, or "" for a flag
  std::string help;
  std::function<void(Options&, const std::string&)> set;
};

// Values that are secrets: wiped from argv once read, so 'ps' and /proc/<pid>/cmdline show
// them only for the moments before (which is why a warning still says to prefer -env/-file).
bool secret_value(const std::string& option) { return option == "--storepass" || option == "--keypass"; }
bool secret_argument(const std::string& command, std::size_t position) { return command == "-b" && position == 1; }
void wipe(char* arg) { OPENSSL_cleanse(arg, std::strlen(arg)); }

void set_warn_days(Options& o, const std::string& v) {
  if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 5)
    fail(ErrorKind::Usage, "--expiry-warn needs a number of days, not '" + v + "'");
  o.expiry_warn_days = std::stoi(v);
}

// The single definition of every option: the parser, --help and completion all read it.
const std::vector<OptionSpec>& option_table() {
  static const std::vector<OptionSpec> table = {
      {"--agent-dir", "DIR", "the MID's agent folder (default: the current folder)", [](Options& o, const std::string& v) { o.agent_dir = v; }},
      {"--keystore", "FILE",
       "keystore (default: the first of security/agent_keystore, security/agent_keystore.jks, keystore/agent_keystore, "
       "keystore/agent_keystore.jks in the agent folder that exists; new: security/agent_keystore; JKS, JCEKS or PKCS12, detected)",
       [](Options& o, const std::string& v) { o.keystore = v; }},
      {"--config", "FILE", "the MID's config.xml (default: config.xml in the agent folder)",
       [](Options& o, const std::string& v) { o.config = v; }},
      {"--storetype", "TYPE", "type of a new keystore: jks (default), pkcs12 or jceks",
       [](Options& o, const std::string& v) { o.storetype = parse_storetype(v); }},
      {"--storepass-env", "VAR", "store password from an environment variable (default password: changeit)",
       [](Options& o, const std::string& v) { o.storepass.env = v; }},
      {"--storepass-file", "FILE", "store password from a file (first line)", [](Options& o, const std::string& v) { o.storepass.file = v; }},
      {"--storepass", "PASS", "store password on the command line (visible in ps)", [](Options& o, const std::string& v) { o.storepass.arg = v; }},
      {"--storepass-prompt", "", "ask for the store password on the terminal (no echo)",
       [](Options& o, const std::string&) { o.storepass.prompt = true; }},
      {"--keypass-env", "VAR", "passphrase of an encrypted key or PFX, from an environment variable",
       [](Options& o, const std::string& v) { o.keypass.env = v; }},
      {"--keypass-file", "FILE", "... from a file", [](Options& o, const std::string& v) { o.keypass.file = v; }},
      {"--keypass", "PASS", "... on the command line (visible in ps)", [](Options& o, const std::string& v) { o.keypass.arg = v; }},
      {"--keypass-prompt", "", "... asked on the terminal (also asked when needed and a terminal is there)",
       [](Options& o, const std::string&) { o.keypass.prompt = true; }},
      {"--instance-password-env", "VAR", "with -b: the instance user's password from an environment variable",
       [](Options& o, const std::string& v) { o.instance_password.env = v; }},
      {"--instance-password-file", "FILE", "with -b: ... from a file (first line)",
       [](Options& o, const std::string& v) { o.instance_password.file = v; }},
      {"--instance-password-prompt", "", "with -b: ... asked on the terminal (also when -b gets no password)",
       [](Options& o, const std::string&) { o.instance_password.prompt = true; }},
      {"--instance-url", "URL", "with -m: also set the instance's url in config.xml",
       [](Options& o, const std::string& v) { o.instance_url = v; }},
      {"--mid-name", "NAME", "with -m: also set the MID Server's name in config.xml", [](Options& o, const std::string& v) { o.mid_name = v; }},
      {"--remove-key", "", "with -b: also delete the defaultsecuritykeypairhandle entry", [](Options& o, const std::string&) { o.remove_key = true; }},
      {"--force", "", "import or enable mutual auth despite refusable findings (all are still printed)", [](Options& o, const std::string&) { o.force = true; }},
      {"--long", "", "with -l: a table with type, expiry and subject", [](Options& o, const std::string&) { o.long_format = true; }},
      {"--expiry-warn", "DAYS", "with -g, -l, -s, expiry: exit 3 if an entry expires within DAYS (expiry: default 30)", set_warn_days},
      {"--warn", "DAYS", "the same as --expiry-warn", set_warn_days},
      {"--alias", "ALIAS", "with split, verify: the key entry to use (default defaultsecuritykeypairhandle)",
       [](Options& o, const std::string& v) { o.alias = v; }},
      {"--subject", "DN", "with csr: the subject, e.g. CN=mid01,O=Acme,C=US (default CN=<MID name from config.xml>)",
       [](Options& o, const std::string& v) { o.subject = v; }},
      {"--key-type", "TYPE", "with csr: rsa2048 (default), rsa3072, rsa4096, ec256 or ec384",
       [](Options& o, const std::string& v) { o.key_type = v; }},
      {"--san", "NAME", "with csr: a subject alternative name (DNS:host, IP:addr; repeatable)",
       [](Options& o, const std::string& v) { o.san.push_back(v); }},
      {"--out-dir", "DIR", "with split: where to write the files (default: the current folder)",
       [](Options& o, const std::string& v) { o.out_dir = v; }},
      {"--ca-bundle", "", "with split: the CA certificates as one file instead of one per certificate",
       [](Options& o, const std::string&) { o.ca_bundle = true; }},
      {"--url", "URL", "with verify: the instance, https://host[:port]", [](Options& o, const std::string& v) { o.url = v; }},
      {"--server-ca", "FILE", "with verify: trust these CAs for the server (default: the system store, SSL_CERT_FILE/SSL_CERT_DIR)",
       [](Options& o, const std::string& v) { o.server_ca = v; }},
      {"--proxy", "HOST:PORT", "with verify: tunnel through this HTTP proxy ('none': direct; default: config.xml's mid.proxy.*)",
       [](Options& o, const std::string& v) { o.proxy = v; }},
      {"--timeout", "SECONDS", "with verify: connection and read timeout (default 10)",
       [](Options& o, const std::string& v) {
         if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 4 || std::stoi(v) == 0)
           fail(ErrorKind::Usage, "--timeout needs a number of seconds, not '" + v + "'");
         o.timeout_s = std::stoi(v);
       }},
      {"--prune", "", "with renew: delete the entries kept from earlier renewals", [](Options& o, const std::string&) { o.prune = true; }},
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
      {{"-m"}, "", 0, 0, "enable mutual authentication: check the MID key entry, take the basic-auth credentials out of config.xml",
       cmd_mutual},
      {{"-b"}, "<user> [<password>]", 1, 2, "revert to basic authentication: write the instance credentials into config.xml", cmd_basic},
      {{"-s", "status"}, "", 0, 0, "show the keystore, its entries and their expiry", cmd_status},
      {{"csr"}, "[<name>]", 0, 1, "make a private key (<name>.key, 0600) and a clientAuth certificate request (<name>.csr)", cmd_csr},
      {{"split"}, "[<file>...]", 0, 64, "write the CA chain and the leaf as the instance needs them (from a bundle, or the keystore)", cmd_split},
      {{"verify"}, "", 0, 0, "connect to --url with the MID key and report what the server asks for and accepts", cmd_verify},
      {{"renew"}, "<alias> [<file>...]", 1, 64, "import a renewed certificate (or bundle), keeping the old entry until --prune", cmd_renew},
      {{"expiry"}, "<keystore|glob>...", 1, 256, "days left for every entry of one or many keystores", cmd_expiry},
      {{"doctor"}, "[<file|keystore>...]", 0, 64,
       "check bundles or keystores against everything that breaks MID mutual TLS (no file: the MID's keystore)", cmd_doctor},
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
  std::cout << "\nexit codes: 0 ok, 1 usage, 2 invalid input or refused bundle, 3 expiry warning, 4 I/O or lock failure\n"
               "            (verify: unreachable), 5 wrong password or passphrase; verify also: 6 no client certificate\n"
               "            requested, 7 our CA not accepted, 8 handshake rejected, 9 server certificate not trusted\n";
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
               "    --agent-dir|--out-dir) COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n"
               "    --key-type) COMPREPLY=($(compgen -W 'rsa2048 rsa3072 rsa4096 ec256 ec384' -- \"$cur\")); return ;;\n"
               "    --keystore|--config|--server-ca|--*-file) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
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
  // A peer that closes a socket (verify) or a pipe (| head) must give an error, not kill us.
  ::signal(SIGPIPE, SIG_IGN);
  Options o;
  bool json_errors = false;
  try {
    const Command* chosen = nullptr;
    std::vector<std::string> args(argv + 1, argv + argc);
    std::vector<std::size_t> positional_at;  // argv index of each of the command's arguments
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= args.size()) fail(ErrorKind::Usage, a + " needs a value", "see manage-certificates --help");
        return args[++i];
      };
      auto opt = std::find_if(option_table().begin(), option_table().end(), [&](const OptionSpec& x) { return x.name == a; });
      if (opt != option_table().end()) {
        opt->set(o, opt->value.empty() ? std::string() : value());
        if (secret_value(a)) {
          wipe(argv[i + 1]);
          OPENSSL_cleanse(args[i].data(), args[i].size());
        }
        json_errors = o.json;
      } else {
        const Command* match = nullptr;
        for (const auto& c : commands())
          if (std::find(c.names.begin(), c.names.end(), a) != c.names.end()) match = &c;
        if (match && !chosen) chosen = match;
        else if (match) fail(ErrorKind::Usage, "only one command at a time (" + chosen->names[0] + " and " + a + ")");
        else if (a.size() > 1 && a[0] == '-') fail(ErrorKind::Usage, "unknown option " + a, "see manage-certificates --help");
        else if (chosen) o.args.push_back(a), positional_at.push_back(i + 1);
        else fail(ErrorKind::Usage, "'" + a + "' is not a command", "see manage-certificates --help");
      }
    }
    if (!chosen) fail(ErrorKind::Usage, "no command given", "see manage-certificates --help");
    for (std::size_t k = 0; k < positional_at.size(); ++k)
      if (secret_argument(chosen->names[0], k)) {
        wipe(argv[positional_at[k]]);
        OPENSSL_cleanse(args[positional_at[k] - 1].data(), args[positional_at[k] - 1].size());
      }
    if (o.args.size() < chosen->min_args || o.args.size() > chosen->max_args)
      fail(ErrorKind::Usage, chosen->names[0] + " takes " + (chosen->args.empty() ? "no arguments" : chosen->args),
           "usage: manage-certificates " + chosen->names[0] + " " + chosen->args);
    struct WipeSecretArguments {  // the copies in o.args, whatever way the command ends
      Options& o;
      const Command& c;
      ~WipeSecretArguments() {
        for (std::size_t k = 0; k < o.args.size(); ++k)
          if (secret_argument(c.names[0], k)) OPENSSL_cleanse(o.args[k].data(), o.args[k].size());
      }
    } wipe_arguments{o, *chosen};
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
    std::string code = e.code().empty() || std::string(e.what()).find(e.code()) != std::string::npos ? "" : " [" + e.code() + "]";
    std::cerr << "error: " << e.what() << code << "\n";
    if (!e.hint().empty()) std::cerr << "  fix: " << e.hint() << "\n";
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return static_cast<int>(ErrorKind::Io);
  }
}
