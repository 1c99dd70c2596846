// Bundle import, as a table: testdata/bundles/cases.tsv names the files of each case and the exact
// outcome (imported with this chain and these findings, refused with this code, or an error code).
#include <chrono>
#include <set>

#include "midks/bundle.hpp"
#include "support.hpp"

namespace midks::test {
namespace {

struct Case {
  std::string name;
  std::vector<std::string> files;
  std::string passphrase;
  std::string outcome;  // ok | refused | error
  std::set<std::string> codes;
  std::vector<std::string> chain;  // CNs, leaf first
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<std::string> split(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  std::size_t start = 0;
  for (std::size_t at; (at = s.find(sep, start)) != std::string::npos; start = at + sep.size()) out.push_back(s.substr(start, at - start));
  out.push_back(s.substr(start));
  return out;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const auto& row : read_tsv(bundles_dir() + "/cases.tsv")) {
    Case c{row.at(0), split(row.at(1), ","), row.at(2), row.at(3), {}, split(row.size() > 5 ? row[5] : "", ">")};
    for (const auto& code : split(row.at(4), ",")) c.codes.insert(code);
    out.push_back(c);
  }
  return out;
}

std::string case_name(const testing::TestParamInfo<Case>& info) { return test_name(info.param.name); }

std::string common_name(const Bytes& der) {
  std::string subject = describe_certificate(der).subject;  // RFC 2253: CN is last
  auto at = subject.rfind("CN=");
  std::string cn = subject.substr(at + 3);
  return cn.substr(0, cn.find(','));
}

class BundleTable : public testing::TestWithParam<Case> {
 protected:
  ImportedKey run(bool force) {
    const Case& c = GetParam();
    std::vector<std::string> paths;
    for (const auto& f : c.files) paths.push_back(bundles_dir() + "/" + f);
    Password pass(c.passphrase);
    ImportOptions options = fixture_options(force);
    options.passphrase = c.passphrase.empty() ? nullptr : &pass;
    return import_bundle_files(paths, options);
  }
};

std::set<std::string> codes_of(const std::vector<Finding>& findings) {
  std::set<std::string> out;
  for (const Finding& f : findings) out.insert(f.name());
  return out;
}

TEST_P(BundleTable, HasExactlyTheExpectedOutcome) {
  const Case& c = GetParam();
  if (c.outcome == "ok") {
    ImportedKey k = run(false);
    std::vector<std::string> names;
    for (const Bytes& der : k.chain) names.push_back(common_name(der));
    EXPECT_EQ(names, c.chain);
    EXPECT_EQ(codes_of(k.findings), c.codes);
    EXPECT_FALSE(k.pkcs8.empty());
    return;
  }
  try {
    run(false);
    FAIL() << "imported, but should have been " << c.outcome;
  } catch (const ImportRefused& e) {
    EXPECT_EQ(c.outcome, "refused") << e.what();
    EXPECT_EQ(codes_of(e.findings()).count(*c.codes.begin()), 1u) << e.what();
    EXPECT_EQ(e.code(), "BUNDLE_REFUSED") << e.what();
    EXPECT_EQ(e.exit_code(), 2);
    // --force imports it, and the finding is still reported.
    ImportedKey forced = run(true);
    EXPECT_EQ(codes_of(forced.findings).count(*c.codes.begin()), 1u);
  } catch (const Error& e) {
    EXPECT_EQ(c.outcome, "error") << e.what();
    EXPECT_EQ(e.code(), *c.codes.begin()) << e.what();
    EXPECT_FALSE(cli::fix_of(e).empty()) << "every failure says how to fix it: " << e.what();
    bool password_problem = e.code().rfind("PASSPHRASE", 0) == 0;
    EXPECT_EQ(e.kind(), password_problem ? ErrorKind::Password : ErrorKind::Input) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, BundleTable, testing::ValuesIn(cases()), case_name);

TEST(Bundle, SaysWhatItNormalised) {
  ImportOptions options = fixture_options();
  auto notes_of = [&](const std::string& file) {
    std::string all;
    for (const auto& n : import_bundle_files({bundles_dir() + "/" + file}, options).notes) all += n + "\n";
    return all;
  };
  EXPECT_NE(notes_of("crlf.pem").find("CRLF"), std::string::npos);
  EXPECT_NE(notes_of("bom.pem").find("byte-order mark"), std::string::npos);
  EXPECT_NE(notes_of("ctrlz.pem").find("Ctrl-Z"), std::string::npos);
  EXPECT_NE(notes_of("pkcs1.pem").find("PKCS#1 RSA key"), std::string::npos);
  EXPECT_NE(notes_of("bag-attributes.pem").find("Bag Attributes"), std::string::npos);
  EXPECT_NE(notes_of("duplicates.pem").find("duplicate"), std::string::npos);
}

TEST(Bundle, KeyMismatchNamesBothFingerprints) {
  ImportOptions options = fixture_options();
  try {
    import_bundle_files({bundles_dir() + "/key-mismatch.pem"}, options);
    FAIL();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("public key SHA-256"), std::string::npos) << m;
    EXPECT_NE(m.find("CN=mid-server-01"), std::string::npos) << m;
    EXPECT_EQ(std::count(m.begin(), m.end(), ':') >= 60, true) << "two SHA-256 fingerprints expected: " << m;
  }
}

TEST(Bundle, MissingIntermediateNamesTheIssuerItLookedFor) {
  ImportOptions options = fixture_options();
  try {
    import_bundle_files({bundles_dir() + "/missing-intermediate.pem"}, options);
    FAIL();
  } catch (const ImportRefused& e) {
    EXPECT_NE(std::string(e.what()).find("CN=Bundle Intermediate CA"), std::string::npos) << e.what();
  }
}

// Files asking for 2^31-1 KDF iterations (scripts/gen-absurd-iterations.sh): refused at once, with
// or without the passphrase, instead of spinning for minutes.
TEST(Bundle, AbsurdIterationCountsAreRefusedAtOnce) {
  for (const char* file : {"mac-iterations.pfx", "key-bag-iterations.pfx", "cert-safe-iterations.pfx",
                           "encrypted-pkcs8.pem", "encrypted-pkcs8.der"}) {
    for (bool with_passphrase : {true, false}) {
      SCOPED_TRACE(std::string(file) + (with_passphrase ? " with" : " without") + " passphrase");
      Password pass("absurd-pass");
      ImportOptions options = fixture_options();
      options.passphrase = with_passphrase ? &pass : nullptr;
      auto start = std::chrono::steady_clock::now();
      try {
        import_bundle_files({bundles_dir() + "/absurd/" + file}, options);
        ADD_FAILURE() << "imported";
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), "ITERATIONS_TOO_HIGH") << e.what();
        EXPECT_EQ(e.kind(), ErrorKind::Input);
        EXPECT_EQ(e.exit_code(), 2);
        EXPECT_NE(std::string(e.what()).find("2147483647"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("5000000"), std::string::npos) << e.what();
        EXPECT_FALSE(cli::fix_of(e).empty());
      }
      EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    }
  }
}

}  // namespace
}  // namespace midks::test
