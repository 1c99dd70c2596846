// One error type for the whole engine: what went wrong, where, how to fix it, and the exit code.
#pragma once
#include <stdexcept>
#include <string>

namespace midks {

// Every exit code of the command line: the contract installers and scripts rely on. Described
// once, in the command line's exit code table (--help, the man page).
enum class ExitCode : int {
  Ok = 0,
  Usage = 1,                // bad command line
  Input = 2,                // malformed, unsupported or invalid input, or a refused bundle
  ExpiryWarning = 3,        // an entry expires within the warning window
  Io = 4,                   // file system, lock; verify: the server is unreachable
  Password = 5,             // wrong store password or key passphrase
  NoClientCertRequest = 6,  // verify: the server did not ask for a client certificate
  CaNotAccepted = 7,        // verify: it named acceptable CAs, ours not among them
  Rejected = 8,             // verify: it refused the handshake or our certificate
  ServerUntrusted = 9,      // verify: its certificate does not verify (TLS-inspecting proxy?)
  Internal = 10,            // a bug or a broken library: nothing the input did
};

constexpr int exit_status(ExitCode c) noexcept { return static_cast<int>(c); }

// What kind of failure an Error is; its exit code is the ExitCode of the same value.
enum class ErrorKind : int {
  Usage = static_cast<int>(ExitCode::Usage),
  Input = static_cast<int>(ExitCode::Input),
  Io = static_cast<int>(ExitCode::Io),
  Password = static_cast<int>(ExitCode::Password),
  Internal = static_cast<int>(ExitCode::Internal),
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
