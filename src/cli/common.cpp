#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <iostream>

#include "cli.hpp"
#include "midks/agent.hpp"
#include "midks/error.hpp"
#include "midks/keystore_file.hpp"

namespace midks::cli {

// ---- secrets ----

namespace {

// Reads one line from the terminal with echo off; the buffer is wiped before it is released.
Password prompt_secret(const std::string& what) {
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) fail(ErrorKind::Usage, "cannot ask for the " + what + ": there is no terminal", "pass it with an -env or -file option");
  std::string question = what + ": ";
  (void)!::write(fd, question.data(), question.size());
  termios saved {};
  bool restore = ::tcgetattr(fd, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::array<char, 1024> buf {};
  std::size_t n = 0;
  char c = 0;
  while (n < buf.size() && ::read(fd, &c, 1) == 1 && c != '\n') buf[n++] = c;
  if (n > 0 && buf[n - 1] == '\r') --n;
  if (restore) ::tcsetattr(fd, TCSAFLUSH, &saved);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  Password p = Password::from_bytes(ByteView(reinterpret_cast<const std::uint8_t*>(buf.data()), n));
  OPENSSL_cleanse(buf.data(), buf.size());
  return p;
}

}  // namespace

SecretSource::~SecretSource() {
  if (arg) OPENSSL_cleanse(arg->data(), arg->size());
}

std::optional<Password> read_secret(const SecretSource& src, const std::string& option, const std::string& what) {
  if (src.env) {
    const char* v = std::getenv(src.env->c_str());
    if (!v) fail(ErrorKind::Usage, "environment variable " + *src.env + " (from --" + option + "-env) is not set");
    return Password(v);
  }
  if (src.file) {
    Bytes data = read_file(*src.file, 4096);  // pipes too: <(vault kv get …), /dev/stdin
    std::size_t n = data.size();
    while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r')) --n;  // a trailing newline is not part of it
    Password p = Password::from_bytes(ByteView(data.data(), n));
    OPENSSL_cleanse(data.data(), data.size());
    return p;
  }
  if (src.arg) {
    std::cerr << "warning: the " << what << " on the command line is visible to other users in 'ps'; "
              << "prefer --" << option << "-env VAR, --" << option << "-file FILE or --" << option << "-prompt\n";
    return Password(*src.arg);
  }
  if (src.prompt) return prompt_secret(what);
  return std::nullopt;
}

const Password& store_password(const Options& o) {
  if (!o.storepass_read) {
    auto p = read_secret(o.storepass, "storepass", "keystore password");
    o.storepass_read = p ? std::move(*p) : Password(kDefaultStorePassword);
  }
  return *o.storepass_read;
}

std::optional<Password> key_passphrase(const Options& o) { return read_secret(o.keypass, "keypass", "key passphrase"); }

std::string Options::keystore_path() const { return keystore ? *keystore : agent_dir + "/" + kDefaultKeystore; }
std::string Options::config_path() const { return config ? *config : agent_dir + "/config.xml"; }

// ---- presentation ----


namespace {
std::int64_t now_s() { return static_cast<std::int64_t>(std::time(nullptr)); }
}  // namespace

std::int64_t days_left(std::time_t not_after) { return (static_cast<std::int64_t>(not_after) - now_s()) / 86400; }

std::string day(std::int64_t seconds) { return utc_text(seconds, "%Y-%m-%d"); }
std::string iso(std::int64_t seconds) { return utc_text(seconds, "%Y-%m-%dT%H:%M:%SZ"); }

std::string expiry_text(std::time_t not_after) {
  std::int64_t d = days_left(not_after);
  return day(not_after) + (d < 0 ? " (EXPIRED " + std::to_string(-d) + " days ago)" : " (" + std::to_string(d) + " days left)");
}

std::string joined(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s.empty() ? "-" : s;
}

void cert_json(JsonWriter& j, const CertFacts& f) {
  j.begin_object()
      .field("subject", f.subject_display)
      .field("issuer", f.issuer_display)
      .field("serial", f.serial_hex)
      .field("not_before", iso(f.not_before))
      .field("not_after", iso(f.not_after))
      .field("days_left", days_left(f.not_after))
      .field("key_algorithm", f.key_algorithm)
      .field("key_bits", static_cast<std::int64_t>(f.key_bits))
      .field("sha1", f.sha1)
      .field("sha256", f.sha256)
      .field("is_ca", f.is_ca)
      .field("key_usage", f.key_usage)
      .field("extended_key_usage", f.extended_key_usage)
      .field("subject_alt_names", f.subject_alt_names)
      .end_object();
}

void findings_json(JsonWriter& j, const std::vector<Finding>& findings) {
  j.key("findings").begin_array();
  for (const Finding& f : findings)
    j.begin_object()
        .field("severity", f.severity == Severity::Warning ? "warning" : "refusable")
        .field("code", f.code)
        .field("message", f.message)
        .field("fix", f.hint)
        .end_object();
  j.end_array();
}

void print_findings(const std::vector<Finding>& findings) {
  for (const Finding& f : findings) {
    std::cerr << "warning [" << f.code << "]: " << f.message << "\n";
    if (!f.hint.empty()) std::cerr << "  fix: " << f.hint << "\n";
  }
}

// A clear error for a missing keystore, before any lock file is created beside it.
void require_keystore(const Options& o) {
  struct stat st {};
  if (::stat(o.keystore_path().c_str(), &st) == 0) return;
  if (errno != ENOENT) fail(ErrorKind::Io, "cannot open " + o.keystore_path() + ": " + std::strerror(errno));
  fail(ErrorKind::Io, "no keystore at " + o.keystore_path(),
       "run from the MID's agent folder (or pass --agent-dir / --keystore); import a bundle with -a to create it");
}

const std::string& checked_alias(const std::string& alias) {
  if (std::string problem = alias_problem(alias); !problem.empty())
    fail(ErrorKind::Usage, problem, "aliases are text, e.g. defaultsecuritykeypairhandle");
  return alias;
}

Keystore open_keystore(const Options& o) {
  require_keystore(o);
  return load_keystore(o.keystore_path(), &store_password(o));
}

bool change_keystore(const Options& o, StoreType new_type, const std::function<bool(Keystore&)>& change) {
  return update_keystore(o.keystore_path(), store_password(o), new_type, change);
}

bool expiring(const Options& o, const Entry& e) {
  if (!o.expiry_warn_days || e.chain.empty()) return false;
  return days_left(summarize_certificate(e.chain.front()).not_after) < *o.expiry_warn_days;
}

}  // namespace midks::cli
