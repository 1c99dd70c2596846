// The error codes are one list: each has a kind, a documented row in docs/json.md with its exit
// code, and a fix in the command line's table.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <cctype>
#include <set>
#include <sstream>

#include "fixes.hpp"
#include "midks/error.hpp"
#include "midks/finding.hpp"

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

// The finding codes are one list too: each has a documented row in docs/json.md's finding table
// with its severity, a fix in the command line's table, and, when a chain check makes it, exactly
// one doctor check that shows it.
TEST(FindingCodes, EachIsDocumentedWithItsSeverityHasAFixAndADoctorCheck) {
  const std::string docs = docs_json_md();
  const std::size_t table = docs.find("## Finding codes");
  ASSERT_NE(table, std::string::npos) << "docs/json.md has no finding table";
  const std::size_t table_end = docs.find("\n## ", table + 1);
  const std::string section = docs.substr(table, table_end == std::string::npos ? std::string::npos : table_end - table);
  // Made by doctor itself, or only by -a and renew: in no check of the chain table.
  const std::set<FindingCode> outside_the_chain_checks = {FindingCode::FIPS_KEYSTORE_TYPE, FindingCode::MID_KEY_REPLACED};
  std::set<std::string> names;
  for (FindingCode code : all_finding_codes()) {
    std::string name(finding_code_name(code));
    EXPECT_TRUE(upper_snake(name)) << name;
    EXPECT_TRUE(names.insert(name).second) << "twice: " << name;
    const char* severity = finding_code_severity(code) == Severity::Refusable ? "refusable" : "warning";
    std::string row = "| `" + name + "` | " + severity + " |";
    EXPECT_NE(section.find(row), std::string::npos) << "docs/json.md's finding table lacks the row " << row;
    EXPECT_GE(cli::fix_for(code).size(), 10u) << name << " has no fix";
    int checks = 0;
    for (const cli::DoctorCheck& c : cli::doctor_checks()) checks += static_cast<int>(std::count(c.codes.begin(), c.codes.end(), code));
    EXPECT_EQ(checks, outside_the_chain_checks.count(code) ? 0 : 1) << name << " in doctor's checks";
  }
  // And the table documents no code that does not exist.
  std::istringstream lines(section);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    std::size_t close = line.find('`', 3);
    std::string code = line.substr(3, close == std::string::npos ? 0 : close - 3);
    EXPECT_TRUE(names.count(code)) << "docs/json.md documents an unknown finding code " << code;
  }
  // Neither does the error table hold a finding code, nor the finding table an error code.
  for (ErrorCode code : all_error_codes()) EXPECT_FALSE(names.count(std::string(error_code_name(code)))) << error_code_name(code);
}

TEST(FindingCodes, AFixChosenForAnOccurrenceWinsOverTheTable) {
  Finding plain{FindingCode::ROOT_MISSING, "the chain ends at 'CN=x'"};
  EXPECT_EQ(cli::fix_of(plain), std::string(cli::fix_for(FindingCode::ROOT_MISSING)));
  Finding chosen{FindingCode::ROOT_MISSING, "the chain ends at 'CN=x'", "pass the root with the reply"};
  EXPECT_EQ(cli::fix_of(chosen), "pass the root with the reply");
  EXPECT_EQ(plain.severity(), Severity::Warning);
  EXPECT_EQ(plain.name(), "ROOT_MISSING");
}
