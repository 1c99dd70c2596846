// Shared helpers for the unit tests: where the vectors live, how keytool's listing reads, the fixed
// moment every date is judged at, and the optional system files some tests use.
#pragma once
#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <cctype>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "fixes.hpp"
#include "midks/bundle.hpp"
#include "midks/cert_info.hpp"
#include "midks/error.hpp"
#include "midks/keystore_file.hpp"
#include "midks/model.hpp"

namespace midks::test {

inline std::string source_dir() { return MIDKS_SOURCE_DIR; }
inline std::string fixtures_dir() { return source_dir() + "/testdata/keystores"; }
// pyjks's Java-made stores (MIT, see its LICENSE), kept in the tree so a clone anywhere tests.
inline std::string peer_dir() { return source_dir() + "/testdata/peer-vectors/pyjks"; }
inline std::string config_dir() { return source_dir() + "/testdata/config"; }
inline std::string bundles_dir() { return source_dir() + "/testdata/bundles"; }
inline std::string slurp(const std::string& path) {
  Bytes b = read_file(path);
  return std::string(b.begin(), b.end());
}

// The fixtures' validity windows are fixed dates (scripts/gen-bundles.sh); every test judges them
// at this moment, never at the real clock, so no test changes its verdict as the years pass.
inline std::time_t fixture_now() {
  return static_cast<std::time_t>(utc_seconds(2027, 6, 1, 0, 0, 0));  // 2027-06-01T00:00:00Z
}

// Import options at fixture_now().
inline ImportOptions fixture_options(bool force = false) {
  ImportOptions options;
  options.now = fixture_now();
  options.force = force;
  return options;
}

// A bundle from testdata/bundles, imported at fixture_now().
inline ImportedKey bundle(const std::string& name, bool force = false) {
  return import_bundle_files({bundles_dir() + "/" + name}, fixture_options(force));
}

// The KDF count for writes whose subject is not the count (fmt::write_keystore's kdf_iterations):
// Java's 200000 (JCEKS) and BC's 51200 (BCFKS) rounds cost a tenth of a second per key and store.
inline constexpr int kTestKdfIterations = 1000;

// A test name gtest accepts: every character that is not a letter or digit becomes '_'.
inline std::string test_name(std::string n) {
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

// The JDK's truststore (~140 public CA certificates), an optional system file: $MIDKS_TEST_CACERTS
// when set (the only candidate then, so its absence can be tested), else $JAVA_HOME's, else
// Debian's. Empty when there is none; the tests that need it skip with GTEST_SKIP().
inline std::string java_cacerts() {
  std::vector<std::string> candidates;
  if (const char* forced = std::getenv("MIDKS_TEST_CACERTS")) {
    candidates.push_back(forced);
  } else {
    if (const char* home = std::getenv("JAVA_HOME")) candidates.push_back(std::string(home) + "/lib/security/cacerts");
    candidates.push_back("/etc/ssl/certs/java/cacerts");
  }
  std::error_code ec;
  for (const std::string& c : candidates)
    if (std::filesystem::is_regular_file(c, ec)) return c;
  return {};
}

// Rows of a tab-separated file with a header line; empty fields are kept.
inline std::vector<std::vector<std::string>> read_tsv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (header) {
      header = false;
      continue;
    }
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::size_t start = 0;
    for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1)
      cells.push_back(line.substr(start, tab - start));
    cells.push_back(line.substr(start));
    rows.push_back(cells);
  }
  return rows;
}

struct KeytoolEntry {
  std::string kind;
  std::string date;  // "May 15, 2016"
  std::string sha256;
};

// Parses `keytool -list` output: "alias, Mon D, YYYY, Kind, " lines, each optionally followed by
// "Certificate fingerprint (SHA-256): …". Returns alias -> entry.
inline std::map<std::string, KeytoolEntry> parse_keytool_list(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::map<std::string, KeytoolEntry> out;
  std::string line, last;
  const std::string fp = "Certificate fingerprint (SHA-256): ";
  while (std::getline(in, line)) {
    if (line.rfind(fp, 0) == 0 && !last.empty()) {
      out[last].sha256 = line.substr(fp.size());
      continue;
    }
    for (const std::string kind : {"PrivateKeyEntry", "trustedCertEntry", "SecretKeyEntry"}) {
      std::string tail = ", " + kind + ", ";
      if (line.size() > tail.size() && line.compare(line.size() - tail.size(), tail.size(), tail) == 0) {
        std::string head = line.substr(0, line.size() - tail.size());  // "alias, Mon D, YYYY"
        std::size_t year_comma = head.rfind(", ");
        std::size_t date_comma = head.rfind(", ", year_comma - 1);
        last = head.substr(0, date_comma);
        out[last] = {kind, head.substr(date_comma + 2), ""};
      }
    }
  }
  return out;
}

inline std::string keytool_date(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  OPENSSL_gmtime(&t, &tm);  // gmtime_r is POSIX only
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return std::string(months[tm.tm_mon]) + " " + std::to_string(tm.tm_mday) + ", " + std::to_string(tm.tm_year + 1900);
}

// Compares our reading of a store with keytool's listing of it.
inline void expect_same_as_keytool(const Keystore& ks, const std::map<std::string, KeytoolEntry>& expected) {
  EXPECT_EQ(ks.size(), expected.size());
  for (const Entry& e : ks.entries()) {
    SCOPED_TRACE("alias " + e.alias);
    auto it = expected.find(e.alias);
    ASSERT_NE(it, expected.end()) << "keytool does not list this alias";
    EXPECT_EQ(entry_kind_name(e.kind), it->second.kind);
    if (e.created_in_file) {
      EXPECT_EQ(keytool_date(e.created_ms), it->second.date);
    }
    if (e.kind == EntryKind::SecretKey) {
      EXPECT_TRUE(e.chain.empty());
    } else {
      ASSERT_FALSE(e.chain.empty());
      EXPECT_EQ(fingerprint(e.chain.front(), "SHA256"), it->second.sha256);
    }
  }
}

// The code of the Error f throws, or "(no error)".
template <typename F>
std::string error_code_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return "(no error)";
}

template <typename F>
ErrorKind error_kind_of(F&& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (message) *message = std::string(e.what()) + "\n  fix: " + cli::fix_of(e);  // as the CLI prints it
    return e.kind();
  }
  ADD_FAILURE() << "expected an error";
  return ErrorKind::Usage;
}

}  // namespace midks::test
