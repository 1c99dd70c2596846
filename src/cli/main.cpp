// manage-certificates: the command line. A thin layer: parse, call the engine, print.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "midks/cert_info.hpp"
#include "midks/error.hpp"
#include "midks/keystore_file.hpp"
#include "midks/model.hpp"

namespace {

using namespace midks;

constexpr const char* kDefaultKeystore = "security/agent_keystore.jks";
constexpr const char* kDefaultStorePassword = "changeit";  // what every MID Server uses unless hardened

struct Options {
  std::string keystore = kDefaultKeystore;
  std::optional<std::string> storepass_env, storepass_file, storepass_arg;
  bool long_format = false;
  std::vector<std::string> positional;
};

struct Command {
  const char* flag;
  const char* args;
  const char* summary;
  std::function<int(Options&)> run;
};

Password store_password(const Options& o) {
  if (o.storepass_env) {
    const char* v = std::getenv(o.storepass_env->c_str());
    if (!v) fail(ErrorKind::Usage, "environment variable " + *o.storepass_env + " (from --storepass-env) is not set");
    return Password(v);
  }
  if (o.storepass_file) {
    Bytes data = read_file(*o.storepass_file, 4096);
    std::size_t n = data.size();
    while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r')) --n;  // a trailing newline is not part of it
    Password p = Password::from_bytes(ByteView(data.data(), n));
    std::fill(data.begin(), data.end(), 0);
    return p;
  }
  if (o.storepass_arg) {
    std::cerr << "warning: a password on the command line is visible to other users in 'ps'; prefer --storepass-env or --storepass-file\n";
    return Password(*o.storepass_arg);
  }
  return Password(kDefaultStorePassword);
}

std::string day_text(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

int cmd_list(Options& o) {
  Password pw = store_password(o);
  Keystore ks = load_keystore(o.keystore, &pw);
  if (!o.long_format) {
    std::string line;
    for (const auto& alias : ks.aliases()) line += (line.empty() ? "" : ",") + alias;
    std::cout << line << "\n";
    return 0;
  }
  std::cout << "Keystore: " << o.keystore << " (" << store_type_name(ks.type()) << ", " << ks.size()
            << (ks.size() == 1 ? " entry" : " entries") << ")\n";
  for (const Entry& e : ks.entries()) {
    std::cout << e.alias << "  " << entry_kind_name(e.kind) << "  created " << day_text(e.created_ms);
    if (!e.chain.empty()) {
      CertFacts f = describe_certificate(e.chain.front());
      std::cout << "  subject " << f.subject << "  expires " << day_text(static_cast<std::int64_t>(f.not_after) * 1000)
                << "\n  SHA-256 " << f.sha256;
    }
    std::cout << "\n";
  }
  return 0;
}

int cmd_help(Options&);
int cmd_version(Options&) {
  std::cout << "manage-certificates " << MIDKS_VERSION << " (native keystore engine for MID Server mutual TLS)\n";
  return 0;
}

// The single table that defines the command surface; --help is generated from it.
const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"-l", "", "list the aliases in the keystore (comma-separated; --long for a table)", cmd_list},
      {"--help", "", "show this help", cmd_help},
      {"--version", "", "show the version", cmd_version},
  };
  return table;
}

int cmd_help(Options&) {
  std::cout << "usage: manage-certificates <command> [options]\n\ncommands:\n";
  for (const auto& c : commands()) std::printf("  %-12s %-10s %s\n", c.flag, c.args, c.summary);
  std::cout << "\noptions:\n"
               "  --keystore FILE        keystore (default security/agent_keystore.jks; JKS, JCEKS or PKCS12, detected)\n"
               "  --storepass-env VAR    read the store password from an environment variable\n"
               "  --storepass-file FILE  read the store password from a file (first line)\n"
               "  --storepass PASS       store password on the command line (visible in ps; default changeit)\n"
               "  --long                 with -l: one line per entry with type, subject and expiry\n"
               "\nexit codes: 0 ok, 1 usage, 2 invalid input, 3 expiry warning, 4 I/O or lock failure, 5 wrong password\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  const Command* chosen = nullptr;
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= args.size()) fail(ErrorKind::Usage, a + " needs a value");
        return args[++i];
      };
      if (a == "--keystore") o.keystore = value();
      else if (a == "--storepass-env") o.storepass_env = value();
      else if (a == "--storepass-file") o.storepass_file = value();
      else if (a == "--storepass") o.storepass_arg = value();
      else if (a == "--long") o.long_format = true;
      else {
        const Command* match = nullptr;
        for (const auto& c : commands())
          if (a == c.flag) match = &c;
        if (match && !chosen) chosen = match;
        else if (match) fail(ErrorKind::Usage, "only one command at a time (" + std::string(chosen->flag) + " and " + a + ")");
        else if (!a.empty() && a[0] == '-') fail(ErrorKind::Usage, "unknown option " + a, "see manage-certificates --help");
        else o.positional.push_back(a);
      }
    }
    if (!chosen) fail(ErrorKind::Usage, "no command given", "see manage-certificates --help");
    return chosen->run(o);
  } catch (const Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    if (!e.hint().empty()) std::cerr << "  fix: " << e.hint() << "\n";
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return static_cast<int>(ErrorKind::Io);
  }
}
