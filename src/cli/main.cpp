// manage-certificates: the command line. A thin layer: parse (against the tables in spec.cpp),
// run the command, print its Result (or the error) as text or JSON.
#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "spec.hpp"
#include "midks/error.hpp"
#include "midks/ossl.hpp"
#include "midks/platform.hpp"

namespace {

using namespace midks;
using namespace midks::cli;

// An argument that looks like an option but is none. Its value, if written --name=VALUE, is never
// repeated: installers pass passwords that way (--storepass=..., --new-storepass=...), and an error
// message ends up in logs, in CI output and in --json for monitoring.
[[noreturn]] void unknown_option(const std::string& a, const CommandSpec* chosen) {
  const std::string name = a.substr(0, a.find('='));
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const bool password_like = lower.find("pass") != std::string::npos || lower.find("pwd") != std::string::npos ||
                             lower.find("secret") != std::string::npos;
  const std::string with_value = name.size() < a.size() ? " (its value is not shown)" : "";
  if (password_like) {
    // The password options whose family the name is closest to (--new-storepass -> --new-storepass-*).
    const std::string family = lower.find("new") != std::string::npos        ? "--new-storepass"
                               : lower.find("key") != std::string::npos      ? "--keypass"
                               : lower.find("instance") != std::string::npos ? "--instance-password"
                                                                             : "--storepass";
    std::string how = family + "-env VAR, " + family + "-file FILE or " + family + "-prompt";
    if (find_option(name)) {
      usage_error("a password is not taken as " + name + "=VALUE" + with_value,
           "pass it with " + how + " (or " + name + " VALUE, which other users can see in ps)");
    }
    usage_error("unknown option " + name + with_value, "pass a password with " + how);
  }
  if (find_option(name)) usage_error("write " + name + " VALUE (a space, not '=')" + with_value);
  usage_error("unknown option " + name + with_value,
       chosen ? "see manage-certificates " + chosen->names[0] + " --help" : "see manage-certificates --help");
}

}  // namespace

namespace midks::cli {
Result cmd_version(const Options&) {
  std::cout << "manage-certificates " << MIDKS_VERSION << " (native keystore engine for MID Server mutual TLS)\n"
            << midks::ossl::library_description() << "\n";
  return {};
}
}  // namespace midks::cli

int main(int argc, char** argv) {
  midks::ossl::start_library();
  midks::ossl::prefer_hash_drbg();
  Options o;
  bool json_errors = false;
  try {
    std::vector<std::string> args = platform::start_process(argc, argv);
    // The command first, wherever it stands: it decides which options are allowed.
    const CommandSpec* chosen = nullptr;
    // "--" ends the options: everything after it is an argument of the command (an alias or a file
    // whose name starts with '-').
    std::size_t options_end = args.size();
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (args[i] == "--") {
        options_end = i;
        break;
      }
      if (const OptionSpec* opt = find_option(args[i])) {
        i += opt->value.empty() ? 0 : 1;  // an option's value is never the command
      } else if (const CommandSpec* c = find_command(args[i])) {
        if (chosen) usage_error("only one command at a time (" + chosen->names[0] + " and " + args[i] + ")");
        chosen = c;
      }
    }
    const auto options = args.begin() + static_cast<std::ptrdiff_t>(options_end);
    if (!chosen && std::find(args.begin(), options, "--help") != options) chosen = find_command("--help");  // the overview
    json_errors = std::find(args.begin(), options, "--json") != options && chosen && takes_option(*chosen, "--json");
    std::vector<std::size_t> positional_at;  // argv index of each of the command's arguments
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (i >= options_end) {
        if (i == options_end) continue;  // the "--" itself
        if (!chosen) usage_error("no command given", "see manage-certificates --help");
        o.args.push_back(a);
        positional_at.push_back(i + 1);
      } else if (const OptionSpec* opt = find_option(a)) {
        if (!chosen) usage_error("no command given for " + a, "see manage-certificates --help");
        if (!takes_option(*chosen, a))
          usage_error(a + " is not an option of " + chosen->names[0],
               "see manage-certificates " + chosen->names[0] + " --help for its options");
        if (!opt->value.empty() && i + 1 >= args.size())
          usage_error(a + " needs a value", "see manage-certificates " + chosen->names[0] + " --help");
        opt->set(o, opt->value.empty() ? std::string() : args[++i]);
        if (opt->secret) {
          platform::wipe_argument(argc, argv, i);
          OPENSSL_cleanse(args[i].data(), args[i].size());
        }
      } else if (find_command(a)) {
        continue;
      } else if (a.size() > 1 && a[0] == '-') {
        unknown_option(a, chosen);
      } else if (chosen) {
        o.args.push_back(a);
        positional_at.push_back(i + 1);
      } else {
        usage_error("'" + a + "' is not a command", "see manage-certificates --help");
      }
    }
    if (!chosen) usage_error("no command given", "see manage-certificates --help");
    if (chosen->secret_argument && positional_at.size() >= chosen->secret_argument) {
      std::size_t at = positional_at[chosen->secret_argument - 1];
      platform::wipe_argument(argc, argv, at - 1);
      OPENSSL_cleanse(args[at - 1].data(), args[at - 1].size());
    }
    if (o.help && chosen != find_command("--help")) {
      print_command_page(*chosen);
      return 0;
    }
    if (o.args.size() < chosen->min_args || o.args.size() > chosen->max_args)
      usage_error(chosen->names[0] + " takes " + (chosen->args.empty() ? "no arguments" : chosen->args),
           "usage: manage-certificates " + chosen->names[0] + " " + chosen->args + "  (manage-certificates " + chosen->names[0] +
               " --help shows its options and examples)");
    struct WipeSecretArgument {  // the copy in o.args, whatever way the command ends
      Options& o;
      std::size_t position;
      ~WipeSecretArgument() {
        if (position && o.args.size() >= position) OPENSSL_cleanse(o.args[position - 1].data(), o.args[position - 1].size());
      }
    } wipe_argument{o, chosen->secret_argument};
    Result result = chosen->run(o);
    if (!o.write_notes.empty())
      result.field("write_notes", o.write_notes, "note: " + joined(o.write_notes, "\nnote: ") + "\n", Stream::ErrAlways);
    (o.json ? render_json : render_text)(result, o.quiet, std::cout, std::cerr);
    return result.exit_code;
  } catch (const Error& e) {
    // With --json the error is JSON on stdout, and text on stderr as always.
    Result error = error_result(e);
    if (json_errors) render_json(error, o.quiet, std::cout, std::cerr);
    render_text(error, o.quiet, std::cout, std::cerr);
    return error.exit_code;
  } catch (const std::exception& e) {
    std::cerr << "error: internal: " << e.what() << "\n";
    return exit_status(ExitCode::Internal);
  }
}
