// What a command returns: its exit code and what it found, as an ordered tree of nodes. One JSON
// renderer and one text renderer print it; commands never print and never ask which one runs.
//
// A node is a JSON field (a key and a value), a piece of text, or both. The JSON renderer prints
// the keyed nodes as one object; the text renderer prints every node's text in tree order (a
// node's own text, then its children's), each on its stream.
#pragma once
#include <concepts>
#include <cstdint>
#include <ctime>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "midks/bundle.hpp"
#include "midks/cert_info.hpp"
#include "midks/error.hpp"

namespace midks::cli {

// Where a node's text goes.
enum class Stream {
  Out,        // standard output, in text mode
  Err,        // standard error, in text mode: warnings, notes and findings beside the report
  ErrAlways,  // standard error in both modes: a warning the JSON has no field for
};

// Whether --quiet hides a node's text (its children say for themselves).
enum class Quiet { Hidden, Shown };

struct Node;
struct Value;

// Ordered nodes: a JSON object, and the text of its nodes.
class Object {
 public:
  // Out of line, where Node is complete (clang's checks of std::vector need that).
  Object();
  ~Object();
  Object(const Object&);
  Object(Object&&) noexcept;
  Object& operator=(const Object&);
  Object& operator=(Object&&) noexcept;

  std::vector<Node> nodes;

  Object& add(Node node);
  Object& append(Object other);  // other's nodes after these
  // A JSON field; with text, that text too.
  Object& field(std::string key, Value value, std::string text = {}, Stream stream = Stream::Out, Quiet quiet = Quiet::Hidden);
  // Text alone (no JSON; nothing when empty). Lines end in "\n"; the text is printed as it is.
  Object& text(std::string text, Stream stream = Stream::Out, Quiet quiet = Quiet::Hidden);
};

// A JSON value: null, bool, integer, string, list of strings, object, or array of objects; or one
// computed only if the JSON is printed (JSON only: for facts the text does not show that cost, or
// may fail, to compute).
struct Value {
  using Later = std::function<Value()>;
  std::variant<std::monostate, bool, std::int64_t, std::string, std::vector<std::string>, Object, std::vector<Object>, Later> v;

  Value() = default;  // null
  Value(bool b) : v(b) {}
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  Value(T n) : v(static_cast<std::int64_t>(n)) {}
  Value(std::string s) : v(std::move(s)) {}
  Value(std::string_view s) : v(std::string(s)) {}
  Value(const char* s) : v(std::string(s)) {}
  Value(std::vector<std::string> list) : v(std::move(list)) {}
  Value(Object o) : v(std::move(o)) {}
  Value(std::vector<Object> array) : v(std::move(array)) {}
  static Value later(Later compute) {
    Value value;
    value.v = std::move(compute);
    return value;
  }
};

struct Node {
  std::string key;   // the JSON key; empty: text only (its children are text only too)
  Value value;       // the JSON value
  std::string text;  // its text form; empty: JSON only
  Stream stream = Stream::Out;
  Quiet quiet = Quiet::Hidden;
};

struct Result : Object {
  int exit_code = 0;
};

// The same nodes without their JSON keys: their text only.
Object text_only(Object o);
Node text_only(Node n);

// The renderers. JSON: the keyed nodes as one object on `out` (one line), after any ErrAlways text
// on `err`. Text: every node's text on its stream. --quiet leaves out the nodes it hides.
void render_json(const Result& r, bool quiet, std::ostream& out, std::ostream& err);
void render_text(const Result& r, bool quiet, std::ostream& out, std::ostream& err);

// ---- the recurring pieces ----

// Times as printed: days left (negative once past), a day, an ISO 8601 instant.
std::int64_t days_left(std::time_t not_after);
std::string day(std::int64_t seconds);
std::string iso(std::int64_t seconds);

// The certificate object of docs/json.md (JSON only).
Object certificate_object(const CertFacts& f);
// A problem's JSON: code, its exit code where given (an error), message, fix.
Object problem_fields(const std::string& code, std::optional<int> exit_code, const std::string& message, const std::string& fix);
// "findings": each as JSON (severity, code, message, fix) and as text on standard error with its
// fix, shown under --quiet too.
Node findings_node(const std::vector<Finding>& findings, Stream stream = Stream::Err);
// An error: {"error": {code, exit_code, message, fix}}, and as text "error: <message> [CODE]" and
// "  fix: <fix>" on standard error.
Result error_result(const Error& e);

}  // namespace midks::cli
