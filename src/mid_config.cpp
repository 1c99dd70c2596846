#include "midks/mid_config.hpp"

#include <openssl/crypto.h>
#include <tinyxml2.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "midks/error.hpp"
#include "midks/keystore_file.hpp"
#include "midks/limits.hpp"
#include "midks/platform.hpp"

namespace midks {

namespace {

// Text of an edit that carries a value (a password): in wiping memory, and made large enough to
// live on the heap, as a SecureString short enough for the small-string buffer is not wiped.
constexpr std::size_t kHeapTextBytes = 64;
SecureString heap_text(std::size_t size_hint = 0) {
  SecureString s;
  s.reserve(std::max(size_hint, kHeapTextBytes));
  return s;
}

SecureString escape_attribute(std::string_view v) {
  SecureString out = heap_text(v.size() + v.size() / 4);
  for (char c : v) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

const tinyxml2::XMLElement* find_element(const tinyxml2::XMLDocument& doc, std::string_view name) {
  const tinyxml2::XMLElement* root = doc.RootElement();
  for (auto* p = root ? root->FirstChildElement("parameter") : nullptr; p; p = p->NextSiblingElement("parameter")) {
    const char* n = p->Attribute("name");
    if (n && name == n) return p;
  }
  return nullptr;
}

// tinyxml2 parses in place: every attribute value lives in the document's own copy of the text,
// which it frees without wiping. config.xml holds passwords, so the values are wiped first. (A
// value whose entities tinyxml2 collapsed keeps the few bytes the collapse freed at its end.)
class WipingDocument : public tinyxml2::XMLDocument {
 public:
  ~WipingDocument() override {
    if (const tinyxml2::XMLElement* root = RootElement()) wipe_values(root);
  }

 private:
  static void wipe_values(const tinyxml2::XMLElement* e) {
    for (; e; e = e->NextSiblingElement()) {
      for (const tinyxml2::XMLAttribute* a = e->FirstAttribute(); a; a = a->Next())
        OPENSSL_cleanse(const_cast<char*>(a->Value()), std::strlen(a->Value()));
      wipe_values(e->FirstChildElement());
    }
  }
};

void parse_document(tinyxml2::XMLDocument& doc, std::string_view text, const std::string& origin) {
  if (doc.Parse(text.data(), text.size()) != tinyxml2::XML_SUCCESS)
    fail(ErrorCode::CONFIG_INVALID, origin + " is not well-formed XML (line " + std::to_string(doc.ErrorLineNum()) + ": " + doc.ErrorName() + ")");
  const tinyxml2::XMLElement* root = doc.RootElement();
  if (!root || std::string_view(root->Name()) != "parameters")
    fail(ErrorCode::CONFIG_INVALID, origin + " has no <parameters> root element, so it is not a MID config.xml");
}

// One element with its attributes (length-prefixed values) and its child elements, as one string.
void flatten(const tinyxml2::XMLElement* e, SecureString& into) {
  into.append("<").append(e->Name());
  for (const tinyxml2::XMLAttribute* a = e->FirstAttribute(); a; a = a->Next())
    into.append(" ").append(a->Name()).append("=").append(std::to_string(std::strlen(a->Value()))).append(":").append(a->Value());
  for (const tinyxml2::XMLElement* c = e->FirstChildElement(); c; c = c->NextSiblingElement()) flatten(c, into);
  into.append(">");
}

// Every element under the root except the parameters named name, in document order: what an edit
// of name must leave exactly as it was. In wiping memory, as values hold secrets.
std::vector<SecureString> elements_other_than(const tinyxml2::XMLDocument& doc, std::string_view name) {
  std::vector<SecureString> out;
  for (const tinyxml2::XMLElement* e = doc.RootElement()->FirstChildElement(); e; e = e->NextSiblingElement()) {
    const char* n = e->Attribute("name");
    if (std::string_view(e->Name()) == "parameter" && n && name == n) continue;
    flatten(e, out.emplace_back());
  }
  return out;
}

}  // namespace

bool is_encrypted_value(std::string_view value) { return value.rfind("encrypted:", 0) == 0; }

MidConfig MidConfig::load(const std::string& path) {
  if (platform::PathCheck there = platform::check_path(path); !there.exists) {
    if (!there.error.empty()) fail(ErrorCode::FILE_UNREADABLE, "cannot open " + path + ": " + there.error);
    fail(ErrorCode::NO_CONFIG_XML, "no config.xml at " + path);
  }
  SecureBytes data = read_secret_bytes(path, limits::kMaxConfigXmlBytes, Readable::RegularFileOnly);
  return parse(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()), path);
}

MidConfig MidConfig::parse(std::string_view text, std::string origin) {
  MidConfig c(SecureString(text), std::move(origin));
  WipingDocument doc;
  parse_document(doc, c.text_, c.origin_);
  return c;
}

std::optional<std::string> MidConfig::get(std::string_view name) const {
  WipingDocument doc;
  parse_document(doc, text_, origin_);
  const tinyxml2::XMLElement* p = find_element(doc, name);
  const char* v = p ? p->Attribute("value") : nullptr;
  if (!v) return std::nullopt;
  return std::string(v);
}

std::optional<Password> MidConfig::get_secret(std::string_view name) const {
  WipingDocument doc;
  parse_document(doc, text_, origin_);
  const tinyxml2::XMLElement* p = find_element(doc, name);
  const char* v = p ? p->Attribute("value") : nullptr;
  if (!v) return std::nullopt;
  return Password(v);
}

std::vector<std::string> MidConfig::encrypted_parameter_names() const {
  WipingDocument doc;
  parse_document(doc, text_, origin_);
  std::vector<std::string> out;
  for (auto* p = doc.RootElement()->FirstChildElement("parameter"); p; p = p->NextSiblingElement("parameter")) {
    const char* name = p->Attribute("name");
    const char* value = p->Attribute("value");
    if (name && value && is_encrypted_value(value)) out.emplace_back(name);
  }
  return out;
}

bool MidConfig::has_attribute(std::string_view name, std::string_view attribute) const {
  WipingDocument doc;
  parse_document(doc, text_, origin_);
  const tinyxml2::XMLElement* p = find_element(doc, name);
  return p && p->Attribute(std::string(attribute).c_str());
}

// Scans the raw text tag by tag (skipping comments, CDATA, processing instructions and DOCTYPE,
// honouring quoted attribute values) and returns every <parameter> that is a direct child of the
// root whose name attribute equals name (the first is the element tinyxml2's reading finds), and
// where the root element really closes.
MidConfig::Scan MidConfig::scan(std::string_view name) const {
  std::string_view t = text_;
  Scan result;
  int depth = 0;
  std::size_t i = 0;
  while ((i = t.find('<', i)) != std::string::npos) {
    // The end is looked for after the opener, as tinyxml2 does: "<!--->" opens a comment, it does not close one.
    auto skip_past = [&](std::size_t opener_length, const char* end) {
      std::size_t e = t.find(end, i + opener_length);
      i = e == std::string::npos ? t.size() : e + std::char_traits<char>::length(end);
    };
    if (t.compare(i, 4, "<!--") == 0) { skip_past(4, "-->"); continue; }
    if (t.compare(i, 9, "<![CDATA[") == 0) { skip_past(9, "]]>"); continue; }
    if (t.compare(i, 2, "<?") == 0) { skip_past(2, "?>"); continue; }
    if (t.compare(i, 2, "<!") == 0) { skip_past(2, ">"); continue; }
    if (t.compare(i, 2, "</") == 0) {
      if (--depth == 0 && result.root_close == std::string::npos) result.root_close = i;
      skip_past(2, ">");
      continue;
    }
    std::size_t j = i + 1;
    while (j < t.size() && !std::isspace(static_cast<unsigned char>(t[j])) && t[j] != '/' && t[j] != '>') ++j;
    std::string_view tag = t.substr(i + 1, j - i - 1);
    Span span{i, 0, 0, 0, false, false};
    std::optional<std::string_view> tag_name;
    bool self_closing = false;
    while (j < t.size() && t[j] != '>') {
      if (t[j] == '"' || t[j] == '\'') {  // a quoted value: '>' and '/' inside it mean nothing
        std::size_t end = t.find(t[j], j + 1);
        if (end == std::string::npos) return result;
        j = end + 1;
        continue;
      }
      if (std::isspace(static_cast<unsigned char>(t[j]))) { ++j; continue; }
      if (t[j] == '/') { self_closing = true; ++j; continue; }
      self_closing = false;
      std::size_t key_begin = j;
      while (j < t.size() && t[j] != '=' && !std::isspace(static_cast<unsigned char>(t[j])) && t[j] != '>' && t[j] != '/') ++j;
      std::string_view key = t.substr(key_begin, j - key_begin);
      while (j < t.size() && std::isspace(static_cast<unsigned char>(t[j]))) ++j;
      if (j >= t.size() || t[j] != '=') continue;
      ++j;
      while (j < t.size() && std::isspace(static_cast<unsigned char>(t[j]))) ++j;
      if (j >= t.size() || (t[j] != '"' && t[j] != '\'')) continue;
      std::size_t value_end = t.find(t[j], j + 1);
      if (value_end == std::string::npos) return result;
      if (key == "name") tag_name = t.substr(j + 1, value_end - j - 1);
      if (key == "value") span = Span{i, 0, j + 1, value_end, true, false};
      j = value_end + 1;
    }
    span.tag_end = j < t.size() ? j + 1 : t.size();
    span.self_closing = self_closing;
    // Names are compared as written; MID parameter names hold no characters that need escaping.
    if (depth == 1 && tag == "parameter" && tag_name && *tag_name == name) result.parameters.push_back(span);
    if (!self_closing) ++depth;
    i = span.tag_end;
  }
  return result;
}

namespace {

std::size_t line_start_of(std::string_view t, std::size_t pos) {
  std::size_t nl = pos == 0 ? std::string::npos : t.rfind('\n', pos - 1);
  return nl == std::string::npos ? 0 : nl + 1;
}

bool blank(std::string_view t, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i)
    if (t[i] != ' ' && t[i] != '\t' && t[i] != '\r') return false;
  return true;
}

}  // namespace

std::vector<SecureString> MidConfig::untouched_by(std::string_view name) const {
  WipingDocument doc;
  parse_document(doc, text_, origin_);
  return elements_other_than(doc, name);
}

// The splice is proved by reading the result back once: it is well-formed, the parameter name (the
// first of that name, as get() reads it; nullptr if none) is as intended, and every other element
// is exactly as it was. Anything else is refused, never written.
template <class Check>
void MidConfig::prove_edit(std::string_view name, const std::vector<SecureString>& untouched, Check as_intended) const {
  bool proved = false;
  try {
    WipingDocument doc;
    parse_document(doc, text_, origin_);
    proved = elements_other_than(doc, name) == untouched && as_intended(find_element(doc, name));
  } catch (const Error&) {
  }
  if (!proved) refuse_edit(name);
}

void MidConfig::set(std::string_view name, std::string_view value, std::string_view after, std::string_view new_attributes) {
  const SecureString escaped = escape_attribute(value);
  const std::vector<SecureString> untouched = untouched_by(name);
  Scan found = scan(name);
  // Every piece of text that holds the value is built in place in wiping memory (text_ is a
  // SecureString too: the buffers its edits outgrow are wiped).
  SecureString piece = heap_text(escaped.size() + name.size() + new_attributes.size() + kHeapTextBytes);
  if (std::optional<Span> span = found.first()) {
    if (span->has_value) {
      text_.replace(span->value_begin, span->value_end - span->value_begin, escaped);
    } else {
      // <parameter name="x"/> without a value: add one right after the tag name.
      text_.insert(span->tag_begin + 10, piece.append(" value=\"").append(escaped).append("\""));
    }
  } else {
    const char* eol = text_.find("\r\n") != SecureString::npos ? "\r\n" : "\n";
    std::string_view indent = "    ";
    std::optional<Span> anchor = after.empty() ? std::nullopt : scan(after).first();
    std::size_t anchor_line = anchor ? line_start_of(text_, anchor->tag_begin) : 0;
    std::size_t anchor_eol = anchor ? text_.find('\n', anchor->tag_end) : SecureString::npos;
    std::size_t at;
    if (anchor && anchor->self_closing && anchor_eol != SecureString::npos && blank(text_, anchor_line, anchor->tag_begin) &&
        blank(text_, anchor->tag_end, anchor_eol)) {
      // A line of its own right below the anchor, indented like it.
      at = anchor_eol + 1;
      indent = std::string_view(text_).substr(anchor_line, anchor->tag_begin - anchor_line);
    } else {
      std::size_t close = found.root_close;
      if (close == SecureString::npos)
        fail(ErrorCode::CONFIG_UNEDITABLE, origin_ + " has an empty <parameters/> element; a parameter cannot be added to it (write <parameters></parameters> in its place)");
      if (std::size_t last = text_.rfind("<parameter", close); last != SecureString::npos) {
        std::size_t line = line_start_of(text_, last);
        if (blank(text_, line, last)) indent = std::string_view(text_).substr(line, last - line);
      }
      std::size_t line = line_start_of(text_, close);
      // A whole line just above the closing tag's line; or, when the closing tag shares its line,
      // the new one right before it.
      bool own_line = blank(text_, line, close);
      at = own_line ? line : close;
      if (!own_line) indent = {};
    }
    piece.append(indent).append("<parameter name=\"").append(escape_attribute(name)).append("\" ");
    if (!new_attributes.empty()) piece.append(new_attributes).append(" ");
    piece.append("value=\"").append(escaped).append("\"/>").append(eol);
    text_.insert(at, piece);  // indent may point into text_: the piece is complete before text_ changes
  }
  prove_edit(name, untouched, [&](const tinyxml2::XMLElement* p) {
    const char* v = p ? p->Attribute("value") : nullptr;
    return v && value == v;
  });
}

void MidConfig::add_attribute(std::string_view name, std::string_view attribute, std::string_view value) {
  if (has_attribute(name, attribute)) return;
  const std::vector<SecureString> untouched = untouched_by(name);
  Scan found = scan(name);
  if (found.parameters.empty()) refuse_edit(name);
  // Just before value="…", where the MID's own template has secure="true".
  const Span& span = found.parameters.front();
  // Back from the value's opening quote over `=` and blanks to the attribute's name.
  std::size_t value_attribute = std::string::npos;
  if (span.has_value && span.value_begin > span.tag_begin + 1) {
    std::size_t i = span.value_begin - 1;  // the opening quote
    while (i > span.tag_begin && std::isspace(static_cast<unsigned char>(text_[i - 1]))) --i;
    if (i > span.tag_begin && text_[i - 1] == '=') --i;
    while (i > span.tag_begin && std::isspace(static_cast<unsigned char>(text_[i - 1]))) --i;
    if (i >= span.tag_begin + 5 && text_.compare(i - 5, 5, "value") == 0) value_attribute = i - 5;
  }
  SecureString added = heap_text(attribute.size() + value.size() + kHeapTextBytes);
  bool before_value = value_attribute != std::string::npos && value_attribute > span.tag_begin;
  if (!before_value) added.append(" ");
  added.append(attribute).append("=\"").append(escape_attribute(value)).append("\"");
  if (before_value) text_.insert(value_attribute, added.append(" "));
  else text_.insert(span.tag_begin + 10, added);
  prove_edit(name, untouched, [&](const tinyxml2::XMLElement* p) { return p && p->Attribute(std::string(attribute).c_str()); });
}

int MidConfig::remove(std::string_view name) {
  // One scan, then last to first: erasing a parameter leaves the offsets before it as they were,
  // and each one sees its line as the later removals left it.
  const std::vector<Span> found = scan(name).parameters;
  if (found.size() > limits::kMaxParameterCopies) refuse_edit(name);
  const std::vector<SecureString> untouched = untouched_by(name);
  for (auto span = found.rbegin(); span != found.rend(); ++span) {
    std::size_t begin = span->tag_begin, end = span->tag_end;
    if (!span->self_closing) {
      // <parameter …></parameter>: only an empty element is ours to remove.
      std::size_t close = text_.find("</parameter", end);
      std::size_t close_end = close == std::string::npos ? close : text_.find('>', close);
      if (close_end == std::string::npos || text_.find_first_not_of(" \t\r\n", end) != close)
        refuse_edit(name);
      end = close_end + 1;
    }
    std::size_t line = line_start_of(text_, begin);
    std::size_t eol = text_.find('\n', end);
    if (blank(text_, line, begin) && (eol == std::string::npos ? blank(text_, end, text_.size()) : blank(text_, end, eol))) {
      begin = line;  // the parameter had the line to itself: the whole line goes
      end = eol == std::string::npos ? text_.size() : eol + 1;
    }
    OPENSSL_cleanse(text_.data() + begin, end - begin);
    text_.erase(begin, end - begin);
  }
  prove_edit(name, untouched, [](const tinyxml2::XMLElement* p) { return !p || !p->Attribute("value"); });
  return static_cast<int>(found.size());
}

void MidConfig::refuse_edit(std::string_view name) const {
  fail(ErrorCode::CONFIG_UNEDITABLE, "cannot edit " + origin_ + " safely: its XML around parameter '" + std::string(name) +
                             "' is unusual; nothing was written");
}

WriteOutcome MidConfig::save(const std::string& path) const {
  return write_file_atomically(path, ByteView(reinterpret_cast<const std::uint8_t*>(text_.data()), text_.size()),
                        WriteOptions::with_mode(0600).keeping_previous());
}

}  // namespace midks
