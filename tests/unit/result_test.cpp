// A command's Result, printed by the one JSON renderer and the one text renderer.
#include <gtest/gtest.h>

#include <sstream>

#include "fixes.hpp"
#include "result.hpp"

using namespace midks;
using namespace midks::cli;

namespace {

struct Printed {
  std::string out, err;
};

Printed rendered(void (*render)(const Result&, bool, std::ostream&, std::ostream&), const Result& r, bool quiet) {
  std::ostringstream out, err;
  render(r, quiet, out, err);
  return {out.str(), err.str()};
}
Printed json(const Result& r, bool quiet = false) { return rendered(render_json, r, quiet); }
Printed text(const Result& r, bool quiet = false) { return rendered(render_text, r, quiet); }

// One of each: every kind of value, nesting, text-only and JSON-only nodes, each stream, quiet.
Result sample() {
  Result r;
  r.field("command", "sample");
  r.text("Header for people\n");  // text only
  r.field("escaped", "quote \" backslash \\ newline \n tab \t bell \x07 utf-8 ключ");
  r.field("count", std::size_t{3}, "count 3\n").field("negative", -2).field("flag", false).field("nothing", Value());
  r.field("list", std::vector<std::string>{"a", "b\"c"});
  Object inner;
  inner.field("depth", 2).field("deeper", Object().field("depth", 3, "    depth 3\n"));
  inner.text("  inner text\n");
  r.field("inner", std::move(inner));
  std::vector<Object> rows;
  rows.push_back(Object().field("n", 1, "  row 1\n"));
  rows.push_back(Object().field("n", 2, "  row 2\n").text("  row 2 note\n", Stream::Err, Quiet::Shown));
  r.field("rows", std::move(rows)).field("empty_rows", std::vector<Object>{}).field("empty_list", std::vector<std::string>{});
  r.text("warning: beside the report\n", Stream::Err);
  r.text("warning: in both modes\n", Stream::ErrAlways);
  r.text("kept under --quiet\n", Stream::Out, Quiet::Shown);
  r.text("hidden by --quiet\n");
  return r;
}

}  // namespace

TEST(Result, JsonHasTheKeyedNodesInOrderEscapedAndNested) {
  Printed p = json(sample());
  EXPECT_EQ(p.out,
            "{\"command\":\"sample\","
            "\"escaped\":\"quote \\\" backslash \\\\ newline \\u000a tab \\u0009 bell \\u0007 utf-8 ключ\","
            "\"count\":3,\"negative\":-2,\"flag\":false,\"nothing\":null,"
            "\"list\":[\"a\",\"b\\\"c\"],"
            "\"inner\":{\"depth\":2,\"deeper\":{\"depth\":3}},"
            "\"rows\":[{\"n\":1},{\"n\":2}],\"empty_rows\":[],\"empty_list\":[]}\n");
  // Beside the JSON, only the text JSON has no field for.
  EXPECT_EQ(p.err, "warning: in both modes\n");
}

TEST(Result, TextHasEveryNodesTextInTreeOrderOnItsStream) {
  Printed p = text(sample());
  EXPECT_EQ(p.out,
            "Header for people\n"
            "count 3\n"
            "    depth 3\n"
            "  inner text\n"
            "  row 1\n"
            "  row 2\n"
            "kept under --quiet\n"
            "hidden by --quiet\n");
  EXPECT_EQ(p.err,
            "  row 2 note\n"
            "warning: beside the report\n"
            "warning: in both modes\n");
}

TEST(Result, QuietLeavesOutWhatItHides) {
  Printed t = text(sample(), true);
  EXPECT_EQ(t.out, "kept under --quiet\n");
  EXPECT_EQ(t.err, "  row 2 note\n");  // a shown child of nodes whose own text is hidden
  Printed j = json(sample(), true);
  EXPECT_EQ(j.out, json(sample()).out);  // JSON is all data: --quiet leaves it whole
  EXPECT_EQ(j.err, "");
}

TEST(Result, TextOnlyDropsTheJsonAndKeepsTheText) {
  Result r;
  r.append(text_only(sample()));
  EXPECT_EQ(json(r).out, "{}\n");
  EXPECT_EQ(text(r).out, text(sample()).out);
  EXPECT_EQ(text(r).err, text(sample()).err);
}

TEST(Result, AnErrorIsOneObjectInJsonAndTwoLinesOnStderr) {
  Error e = Error(ErrorCode::NO_SUCH_ENTRY, "no entry 'x' in \"ks\"").with_hint("list the aliases");
  Result r = error_result(e);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(json(r).out,
            "{\"error\":{\"code\":\"NO_SUCH_ENTRY\",\"exit_code\":2,\"message\":\"no entry 'x' in \\\"ks\\\"\",\"fix\":\"list the aliases\"}}\n");
  EXPECT_EQ(json(r).err, "");
  Printed t = text(r, true);  // shown under --quiet too
  EXPECT_EQ(t.out, "");
  EXPECT_EQ(t.err, "error: no entry 'x' in \"ks\" [NO_SUCH_ENTRY]\n  fix: list the aliases\n");
}

TEST(Result, FindingsAreJsonAndWarningsWithTheirFixes) {
  // A fix chosen for the occurrence, else the table's.
  const std::string soon_fix(midks::cli::fix_for(FindingCode::EXPIRES_SOON));
  Result r;
  r.add(findings_node({{FindingCode::WEAK_KEY, "1024 bits", "use 2048"}, {FindingCode::EXPIRES_SOON, "in 9 days"}}));
  EXPECT_EQ(json(r).out,
            "{\"findings\":[{\"severity\":\"refusable\",\"code\":\"WEAK_KEY\",\"message\":\"1024 bits\",\"fix\":\"use 2048\"},"
            "{\"severity\":\"warning\",\"code\":\"EXPIRES_SOON\",\"message\":\"in 9 days\",\"fix\":\"" + soon_fix + "\"}]}\n");
  EXPECT_EQ(json(r).err, "");
  Printed t = text(r, true);
  EXPECT_EQ(t.out, "");
  EXPECT_EQ(t.err, "warning [WEAK_KEY]: 1024 bits\n  fix: use 2048\nwarning [EXPIRES_SOON]: in 9 days\n  fix: " + soon_fix + "\n");
  // On stderr in both modes, where the JSON has no findings field.
  Result beside;
  beside.add(text_only(findings_node({{FindingCode::EXPIRES_SOON, "in 9 days"}}, Stream::ErrAlways)));
  EXPECT_EQ(json(beside).out, "{}\n");
  EXPECT_EQ(json(beside).err, "warning [EXPIRES_SOON]: in 9 days\n  fix: " + soon_fix + "\n");
}

TEST(Result, AValueForLaterIsComputedOnlyForTheJson) {
  int computed = 0;
  Result r;
  r.field("later", Value::later([&] {
    ++computed;
    return Value(Object().field("n", 1));
  }));
  r.text("text\n");
  EXPECT_EQ(text(r).out, "text\n");
  EXPECT_EQ(computed, 0);
  EXPECT_EQ(json(r).out, "{\"later\":{\"n\":1}}\n");
  EXPECT_EQ(computed, 1);
}
