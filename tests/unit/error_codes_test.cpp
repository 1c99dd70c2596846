// The error codes are one list: each has a kind, a documented row in docs/json.md with its exit
// code, and a fix in the command line's table.
#include <gtest/gtest.h>

#include <fstream>
#include <cctype>
#include <set>
#include <sstream>

#include "fixes.hpp"
#include "midks/error.hpp"

using namespace midks;

namespace {

std::string docs_json_md() {
  std::ifstream in(std::string(MIDKS_SOURCE_DIR) + "/docs/json.md");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool upper_snake(const std::string& s) {
  if (s.size() < 2 || s[0] < 'A' || s[0] > 'Z') return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

}  // namespace

TEST(ErrorCodes, EachIsDocumentedWithItsExitCodeAndHasAFix) {
  const std::string docs = docs_json_md();
  ASSERT_FALSE(docs.empty());
  std::set<std::string> names;
  for (ErrorCode code : all_error_codes()) {
    std::string name(error_code_name(code));
    EXPECT_TRUE(upper_snake(name)) << name;
    EXPECT_TRUE(names.insert(name).second) << "twice: " << name;
    Error e(code, "message");
    EXPECT_EQ(e.code(), name);
    std::string row = "| `" + name + "` | " + std::to_string(e.exit_code()) + " |";
    EXPECT_NE(docs.find(row), std::string::npos) << "docs/json.md lacks the row " << row;
    EXPECT_GE(cli::fix_for(code).size(), 10u) << name << " has no fix";
  }
  // And the documentation lists no code that does not exist: every "| `CODE` | N |" row.
  std::istringstream lines(docs);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    std::size_t close = line.find('`', 3);
    std::string code = line.substr(3, close == std::string::npos ? 0 : close - 3);
    if (upper_snake(code) && line.compare(close + 1, 3, " | ") == 0 && std::isdigit(static_cast<unsigned char>(line[close + 4]))) {
      EXPECT_TRUE(names.count(code)) << "docs/json.md documents an unknown code " << code;
    }
  }
}

TEST(ErrorCodes, KindDecidesTheExitCode) {
  EXPECT_EQ(Error(ErrorCode::USAGE, "x").exit_code(), 1);
  EXPECT_EQ(Error(ErrorCode::KEYSTORE_TRUNCATED, "x").exit_code(), 2);
  EXPECT_EQ(Error(ErrorCode::LOCK_TIMEOUT, "x").exit_code(), 4);
  EXPECT_EQ(Error(ErrorCode::WRONG_STORE_PASSWORD, "x").exit_code(), 5);
  EXPECT_EQ(Error(ErrorCode::INTERNAL, "x").exit_code(), exit_status(ExitCode::Internal));
}

TEST(ErrorCodes, AFixChosenForAnOccurrenceWinsOverTheTable) {
  Error plain(ErrorCode::NO_SUCH_ENTRY, "no entry 'x'");
  EXPECT_EQ(cli::fix_of(plain), std::string(cli::fix_for(ErrorCode::NO_SUCH_ENTRY)));
  EXPECT_EQ(cli::fix_of(plain.with_hint("try y")), "try y");
  Error moved = plain.with_hint("try y").with_context("ks.jks").recoded(ErrorCode::AMBIGUOUS_ALIAS);
  EXPECT_EQ(moved.code(), "AMBIGUOUS_ALIAS");
  EXPECT_EQ(std::string(moved.what()), "ks.jks: no entry 'x'");
  EXPECT_EQ(moved.hint(), "try y");
}
