#include "result.hpp"

#include <ostream>

#include "fixes.hpp"
#include "json.hpp"
#include "midks/bundle.hpp"
#include "midks/model.hpp"

namespace midks::cli {

Object::Object() = default;
Object::~Object() = default;
Object::Object(const Object&) = default;
Object::Object(Object&&) noexcept = default;
Object& Object::operator=(const Object&) = default;
Object& Object::operator=(Object&&) noexcept = default;

Object& Object::add(Node node) {
  nodes.push_back(std::move(node));
  return *this;
}

Object& Object::append(Object other) {
  for (Node& n : other.nodes) nodes.push_back(std::move(n));
  return *this;
}

Object& Object::field(std::string key, Value value, std::string text, Stream stream, Quiet quiet) {
  return add(Node{std::move(key), std::move(value), std::move(text), stream, quiet});
}

Object& Object::text(std::string text, Stream stream, Quiet quiet) {
  return text.empty() ? *this : add(Node{{}, {}, std::move(text), stream, quiet});
}

Object text_only(Object o) {
  for (Node& n : o.nodes) n.key.clear();  // a node without a key is text only, and so are its children
  return o;
}

Node text_only(Node n) {
  n.key.clear();
  return n;
}

// ---- the renderers ----

namespace {

// Every node's text in tree order, each on its stream; with JSON, only the ErrAlways ones.
void write_text(const std::vector<Node>& nodes, bool quiet, bool json, std::ostream& out, std::ostream& err) {
  for (const Node& n : nodes) {
    bool shown = !n.text.empty() && !(quiet && n.quiet == Quiet::Hidden) && (!json || n.stream == Stream::ErrAlways);
    if (shown) (n.stream == Stream::Out ? out : err) << n.text;
    if (const auto* o = std::get_if<Object>(&n.value.v)) {
      write_text(o->nodes, quiet, json, out, err);
    } else if (const auto* array = std::get_if<std::vector<Object>>(&n.value.v)) {
      for (const Object& element : *array) write_text(element.nodes, quiet, json, out, err);
    }
  }
}

void write_object(JsonWriter& j, const Object& o);

void write_value(JsonWriter& j, const Value& value) {
  struct Writer {
    JsonWriter& j;
    void operator()(std::monostate) const { j.null(); }
    void operator()(bool b) const { j.value(b); }
    void operator()(std::int64_t n) const { j.value(n); }
    void operator()(const std::string& s) const { j.value(s); }
    void operator()(const std::vector<std::string>& list) const {
      j.begin_array();
      for (const std::string& s : list) j.value(s);
      j.end_array();
    }
    void operator()(const Object& o) const { write_object(j, o); }
    void operator()(const std::vector<Object>& array) const {
      j.begin_array();
      for (const Object& o : array) write_object(j, o);
      j.end_array();
    }
    void operator()(const Value::Later& later) const { write_value(j, later()); }
  };
  std::visit(Writer{j}, value.v);
}

void write_object(JsonWriter& j, const Object& o) {
  j.begin_object();
  for (const Node& n : o.nodes)
    if (!n.key.empty()) {
      j.key(n.key);
      write_value(j, n.value);
    }
  j.end_object();
}

}  // namespace

void render_json(const Result& r, bool quiet, std::ostream& out, std::ostream& err) {
  write_text(r.nodes, quiet, true, out, err);
  JsonWriter j;
  write_object(j, r);
  out << j.str() << "\n";
}

void render_text(const Result& r, bool quiet, std::ostream& out, std::ostream& err) { write_text(r.nodes, quiet, false, out, err); }

// ---- the recurring pieces ----

std::int64_t days_left(std::time_t not_after) {
  return (static_cast<std::int64_t>(not_after) - static_cast<std::int64_t>(now_s())) / 86400;
}

std::string day(std::int64_t seconds) { return utc_text(seconds, "%Y-%m-%d"); }
std::string iso(std::int64_t seconds) { return utc_text(seconds, "%Y-%m-%dT%H:%M:%SZ"); }

Object certificate_object(const CertFacts& f) {
  Object c;
  c.field("subject", f.subject_display)
      .field("issuer", f.issuer_display)
      .field("serial", f.serial_hex)
      .field("not_before", iso(f.not_before))
      .field("not_after", iso(f.not_after))
      .field("days_left", days_left(f.not_after))
      .field("key_algorithm", f.key_algorithm)
      .field("key_bits", f.key_bits)
      .field("sha1", f.sha1)
      .field("sha256", f.sha256)
      .field("is_ca", f.is_ca)
      .field("key_usage", f.key_usage)
      .field("extended_key_usage", f.extended_key_usage)
      .field("subject_alt_names", f.subject_alt_names);
  return c;
}

Object problem_fields(const std::string& code, std::optional<int> exit_code, const std::string& message, const std::string& fix) {
  Object p;
  p.field("code", code);
  if (exit_code) p.field("exit_code", *exit_code);
  p.field("message", message).field("fix", fix);
  return p;
}

Node findings_node(const std::vector<Finding>& findings, Stream stream) {
  std::vector<Object> list;
  for (const Finding& f : findings) {
    Object finding;
    std::string fix = fix_of(f);
    finding.text("warning [" + f.name() + "]: " + f.message + "\n  fix: " + fix + "\n", stream, Quiet::Shown);
    finding.field("severity", f.severity() == Severity::Warning ? "warning" : "refusable");
    finding.append(problem_fields(f.name(), std::nullopt, f.message, fix));
    list.push_back(std::move(finding));
  }
  return Node{"findings", std::move(list), {}, stream, Quiet::Shown};
}

Result error_result(const Error& e) {
  Result r;
  r.exit_code = e.exit_code();
  std::string fix = fix_of(e);
  // A refusal's message lists its findings, each with its fix from the table.
  const auto* refused = dynamic_cast<const ImportRefused*>(&e);
  std::string message = refused ? refusal_message(*refused) : std::string(e.what());
  r.field("error", problem_fields(e.code(), e.exit_code(), message, fix), "error: " + message + " [" + e.code() + "]\n  fix: " + fix + "\n",
          Stream::Err, Quiet::Shown);
  return r;
}

}  // namespace midks::cli
