// The command line's surface, defined once: every option, every command with the options it
// takes, its examples and its exit codes. The parser, `<command> --help`, the man page and the
// bash completion are all generated from these tables.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "midks/error.hpp"

namespace midks::cli {

struct OptionSpec {
  std::string name;
  std::string value;  // name of its value, or "" for a flag
  std::string help;
  std::function<void(Options&, const std::string&)> set;
  bool secret = false;  // its value is wiped from argv once read
};

struct Example {
  std::string command_line;  // after "manage-certificates "
  std::string what;
};

struct CommandSpec {
  std::vector<std::string> names;  // the first is the one shown
  std::string args;                // usage of its arguments
  std::size_t min_args, max_args;
  std::string summary;             // one line, for the command list
  std::string description;         // a paragraph, for its own page
  std::vector<std::string> options;  // the options it takes (names from option_table())
  std::vector<Example> examples;
  std::vector<ExitCode> exit_codes;  // besides 0 and 1, which every command has
  std::function<Result(const Options&)> run;  // the meta commands (--help, --man …) print themselves
  std::size_t secret_argument = 0;  // 1-based position of an argument that is a secret (-b's password), 0: none
};

const std::vector<OptionSpec>& option_table();
const OptionSpec* find_option(const std::string& name);
const std::vector<CommandSpec>& command_table();
const CommandSpec* find_command(const std::string& name);
bool takes_option(const CommandSpec& c, const std::string& option);
// What each exit code means, for help pages and the man page.
const char* exit_code_meaning(ExitCode c);
const std::vector<ExitCode>& all_exit_codes();

// The generated documents.
void print_overview();                       // manage-certificates --help
void print_command_page(const CommandSpec& c);  // manage-certificates <command> --help
void print_man_page();                        // manage-certificates --man (roff)
void print_bash_completion();                 // manage-certificates --bash-completion

}  // namespace midks::cli
