// The documents generated from the command line's tables: the overview, each command's page,
// the man page and the bash completion. Nothing here is written by hand twice.
#include <cstdio>
#include <iostream>
#include <sstream>

#include "spec.hpp"

namespace midks::cli {

namespace {

constexpr const char* kProgram = "manage-certificates";

bool is_meta(const CommandSpec& c) { return c.names[0].rfind("--", 0) == 0; }  // --help, --man, ...

std::string usage_line(const CommandSpec& c) {
  return std::string(kProgram) + " " + c.names[0] + (c.args.empty() ? "" : " " + c.args) + (c.options.empty() ? "" : " [options]");
}

std::string option_word(const OptionSpec& o) { return o.name + (o.value.empty() ? "" : " " + o.value); }

// The exit codes a command can end with: 0 and 1 always, then its own.
std::vector<ExitCode> exit_codes_of(const CommandSpec& c) {
  std::vector<ExitCode> codes = {ExitCode::Ok, ExitCode::Usage};
  codes.insert(codes.end(), c.exit_codes.begin(), c.exit_codes.end());
  return codes;
}

// roff needs its own escapes for backslashes, leading dots and hyphens in option names.
std::string roff(const std::string& text) {
  std::string out;
  for (char ch : text) {
    if (ch == '\\') out += "\\e";
    else if (ch == '-') out += "\\-";
    else out += ch;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
  return out;
}

// Text folded at word boundaries to fit 100 columns; lines after the first start at indent.
std::string wrapped(const std::string& text, std::size_t first_column, std::size_t indent) {
  constexpr std::size_t kWidth = 100;
  std::string out, word;
  std::size_t column = first_column;
  std::istringstream words(text);
  while (words >> word) {
    if (column > indent && column + 1 + word.size() > kWidth) {
      out += '\n';
      out.append(indent, ' ');
      column = indent;
    } else if (!out.empty()) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
  }
  return out;
}

}  // namespace

void print_overview() {
  std::cout << "usage: " << kProgram << " <command> [arguments] [options]   (run from the MID's agent folder)\n"
            << "       " << kProgram << " <command> --help   shows a command's options, examples and exit codes\n\ncommands:\n";
  for (const CommandSpec& c : command_table())
    std::printf("  %-18s %-20s %s\n", c.names[0].c_str(), c.args.c_str(), c.summary.c_str());
  std::cout << "\nexit codes:\n";
  for (ExitCode code : all_exit_codes()) std::printf("  %-3d %s\n", exit_status(code), exit_code_meaning(code));
}

void print_command_page(const CommandSpec& c) {
  std::cout << "USAGE\n  " << usage_line(c) << "\n";
  if (c.names.size() > 1) std::cout << "  (also: " << c.names[1] << ")\n";
  std::cout << "\n  " << wrapped(c.description.empty() ? c.summary : c.description, 2, 2) << "\n";
  if (!c.options.empty()) {
    std::cout << "\nOPTIONS\n";
    for (const std::string& name : c.options)
      if (const OptionSpec* o = find_option(name))
        std::printf("  %-28s %s\n", option_word(*o).c_str(), wrapped(o->help, 31, 31).c_str());
  }
  if (!c.examples.empty()) {
    std::cout << "\nEXAMPLES\n";
    for (const Example& e : c.examples) std::cout << "  " << kProgram << " " << e.command_line << "\n      " << e.what << "\n";
  }
  std::cout << "\nEXIT CODES\n";
  for (ExitCode code : exit_codes_of(c)) std::printf("  %-3d %s\n", exit_status(code), exit_code_meaning(code));
}

void print_man_page() {
  std::cout << ".TH MANAGE-CERTIFICATES 1 \"\" \"" << kProgram << " " << MIDKS_VERSION << "\" \"User Commands\"\n"
            << ".SH NAME\n" << kProgram << " \\- native keystore engine for MID Server mutual TLS\n"
            << ".SH SYNOPSIS\n.B " << kProgram << "\n.I command\n[\\fIarguments\\fR] [\\fIoptions\\fR]\n"
            << ".SH DESCRIPTION\nReads and writes the MID Server's Java keystore (JKS, JCEKS, PKCS12, BCFKS) without a JVM, imports "
               "certificate bundles for mutual TLS, and edits config.xml for mutual or basic authentication. Run it from the "
               "MID's agent folder; it finds the keystore there (security/agent_keystore and the older layouts).\n"
            << ".SH COMMANDS\n";
  for (const CommandSpec& c : command_table()) {
    if (is_meta(c)) continue;
    std::cout << ".SS " << roff(c.names[0] + (c.args.empty() ? "" : " " + c.args)) << "\n" << roff(c.description) << "\n";
    if (!c.options.empty()) {
      std::cout << ".PP\nOptions:";
      for (const std::string& name : c.options) std::cout << " " << roff(name);
      std::cout << "\n";
    }
    for (const Example& e : c.examples)
      std::cout << ".PP\n.nf\n" << roff(std::string(kProgram) + " " + e.command_line) << "\n.fi\n.RS\n" << roff(e.what) << "\n.RE\n";
  }
  std::cout << ".SH OPTIONS\n";
  for (const OptionSpec& o : option_table()) std::cout << ".TP\n.B " << roff(option_word(o)) << "\n" << roff(o.help) << "\n";
  std::cout << ".SH EXIT STATUS\n";
  for (ExitCode code : all_exit_codes()) std::cout << ".TP\n.B " << exit_status(code) << "\n" << roff(exit_code_meaning(code)) << "\n";
  std::cout << ".SH SECURITY\nPasswords are never needed on the command line: every secret can come from an environment "
               "variable, a file or a no-echo prompt. Writes are atomic, locked against concurrent writers, keep the file's "
               "owner and mode, and leave a backup in security_backup/.\n"
            << ".SH SEE ALSO\n.BR keytool (1),\n.BR openssl (1)\n";
}

void print_bash_completion() {
  std::ostringstream commands, per_command;
  for (const CommandSpec& c : command_table()) {
    for (const std::string& n : c.names) commands << n << " ";
    if (is_meta(c)) continue;
    per_command << "      ";
    for (std::size_t i = 0; i < c.names.size(); ++i) per_command << (i ? "|" : "") << c.names[i];
    per_command << ") opts='--help";
    for (const std::string& o : c.options) per_command << " " << o;
    per_command << "' ;;\n";
  }
  std::cout << "# bash completion for manage-certificates (generated by manage-certificates --bash-completion)\n"
               "_manage_certificates() {\n"
               "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} command='' opts='' w\n"
               "  case $prev in\n"
               "    --storetype) COMPREPLY=($(compgen -W 'jks pkcs12 jceks bcfks' -- \"$cur\")); return ;;\n"
               "    --agent-dir|--out-dir) COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n"
               "    --key-type) COMPREPLY=($(compgen -W 'rsa2048 rsa3072 rsa4096 ec256 ec384' -- \"$cur\")); return ;;\n"
               "    --keystore|--config|--server-ca|--*-file) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
               "  esac\n"
               "  for w in \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"; do\n"
               "    case $w in\n"
            << per_command.str()
            << "    esac\n"
               "  done\n"
               "  if [[ -z $opts ]]; then COMPREPLY=($(compgen -W '"
            << commands.str()
            << "' -- \"$cur\"))\n"
               "  elif [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
               "  else COMPREPLY=($(compgen -f -- \"$cur\")); fi\n"
               "}\n"
               "complete -o filenames -F _manage_certificates manage-certificates manage-certificates.sh\n";
}

}  // namespace midks::cli
