// A MID Server config.xml: <parameters> with <parameter name="…" value="…"/> children. Reads
// through tinyxml2; edits splice the original text so that every other byte (comments, order,
// indentation, attributes, declaration, encoding, line endings) stays exactly as it was.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "midks/platform.hpp"
#include "midks/secure.hpp"

namespace midks {

// Parameter names and placeholders of the MID's config.xml (ServiceNow's "MID Server parameters").
namespace mid_param {
inline constexpr const char* kUrl = "url";
inline constexpr const char* kName = "name";
inline constexpr const char* kUsername = "mid.instance.username";
inline constexpr const char* kPassword = "mid.instance.password";
inline constexpr const char* kUsernamePlaceholder = "YOUR_INSTANCE_USER_NAME_HERE";
inline constexpr const char* kPasswordPlaceholder = "YOUR_INSTANCE_PASSWORD_HERE";
inline constexpr const char* kNamePlaceholder = "YOUR_MIDSERVER_NAME_GOES_HERE";
// The MID's HTTP proxy (ServiceNow's container recipe maps MID_PROXY_HOST/PORT to these).
inline constexpr const char* kProxyUse = "mid.proxy.use_proxy";
inline constexpr const char* kProxyHost = "mid.proxy.host";
inline constexpr const char* kProxyPort = "mid.proxy.port";
// The keystore's password (the seed: "configured via the mid.keystore.password parameter").
inline constexpr const char* kKeystorePassword = "mid.keystore.password";
inline constexpr const char* kMidId = "keypairs.mid_id";
// The MID's template marks secrets secure="true"; at start the MID encrypts them in place.
inline constexpr const char* kSecureAttribute = "secure";
}  // namespace mid_param

// Whether a config.xml value is one the MID has encrypted ("encrypted:<base64>", ServiceNow
// KB0746702): only the MID's key pair can read it back.
bool is_encrypted_value(std::string_view value);

class MidConfig {
 public:
  // Throws Error (Io for a missing file; Input for XML that is not well-formed or has no
  // <parameters> root) naming the file and line.
  static MidConfig load(const std::string& path);
  // Copies text into wiping memory (the caller's copy is the caller's to wipe).
  static MidConfig parse(std::string_view text, std::string origin);
  MidConfig(MidConfig&&) = default;
  MidConfig& operator=(MidConfig&&) = default;

  // The value of the first parameter of that name (entities decoded), if present.
  std::optional<std::string> get(std::string_view name) const;
  // The same for a value that is a secret (a password): held in wiping memory only.
  std::optional<Password> get_secret(std::string_view name) const;
  bool has_attribute(std::string_view name, std::string_view attribute) const;

  // Sets the value attribute of the parameter in place. A missing parameter gets a new line with
  // the file's indentation and line ending: right after the parameter named after, if there is
  // one, else just before </parameters>. Other attributes (secure, encrypt) stay as they are.
  // new_attributes (e.g. secure="true") go into a newly written tag, before value.
  void set(std::string_view name, std::string_view value, std::string_view after = {}, std::string_view new_attributes = {});

  // Adds attribute="value" to the parameter's tag if it has no such attribute yet.
  void add_attribute(std::string_view name, std::string_view attribute, std::string_view value);

  // Names of the parameters whose value the MID encrypted ("encrypted:..."), in file order.
  std::vector<std::string> encrypted_parameter_names() const;

  // Removes every parameter of that name (with its line, when it stands alone on it); returns how
  // many were removed.
  int remove(std::string_view name);

  std::string_view text() const { return text_; }
  // Writes atomically (temp file, fsync, rename, .bak), keeping the file's mode.
  platform::WriteOutcome save(const std::string& path) const;

 private:
  struct Span {
    std::size_t tag_begin, tag_end;        // the whole <parameter …/> tag
    std::size_t value_begin, value_end;    // the value attribute's content, if present
    bool has_value;
    bool self_closing;
  };
  struct Scan {
    // Every direct child <parameter name=…>, in document order; the first is what tinyxml2's reading finds.
    std::vector<Span> parameters;
    std::optional<Span> first() const { return parameters.empty() ? std::nullopt : std::optional<Span>(parameters.front()); }
    std::size_t root_close = std::string::npos;  // where the root's </parameters> starts
  };
  MidConfig(SecureString text, std::string origin) : text_(std::move(text)), origin_(std::move(origin)) {}
  Scan scan(std::string_view name) const;
  // What an edit of name must leave as it was, and the check that it did (refuse_edit if not);
  // as_intended judges the edited parameter as read back.
  std::vector<SecureString> untouched_by(std::string_view name) const;
  template <class Check>
  void prove_edit(std::string_view name, const std::vector<SecureString>& untouched, Check as_intended) const;
  [[noreturn]] void refuse_edit(std::string_view name) const;

  // config.xml holds mid.instance.password: every buffer its text ever had is wiped when freed.
  SecureString text_;
  std::string origin_;
};

}  // namespace midks
