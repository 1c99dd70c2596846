// One error type for the whole engine: what went wrong, where, how to fix it, and the exit code.
#pragma once
#include <stdexcept>
#include <string>

namespace midks {

// Exit codes are part of the command-line contract (documented in --help and the README).
enum class ErrorKind : int {
  Usage = 1,     // bad command line
  Input = 2,     // malformed, unsupported or invalid input (file contents, certificates, bundles)
  Io = 4,        // file system, lock
  Password = 5,  // wrong store or key password
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message, std::string hint = {});

  // A stable identifier for what went wrong ("KEY_MISMATCH"), for tests and --json; may be empty.
  static Error coded(ErrorKind kind, std::string code, std::string message, std::string hint = {});
  const std::string& code() const noexcept { return code_; }

  ErrorKind kind() const noexcept { return kind_; }
  int exit_code() const noexcept { return static_cast<int>(kind_); }
  const std::string& hint() const noexcept { return hint_; }

  // Prefix the message with a location (usually a file name) if it does not carry one yet.
  Error with_context(const std::string& where) const;

 private:
  ErrorKind kind_;
  std::string hint_;
  std::string code_;
};

[[noreturn]] void fail(ErrorKind kind, std::string message, std::string hint = {});
[[noreturn]] void fail_coded(ErrorKind kind, std::string code, std::string message, std::string hint = {});

}  // namespace midks
