// Each reader's file-size cap (midks/limits.hpp) holds at one byte over it: the file is refused
// with FILE_TOO_LARGE before it is read. The files are sparse (resize_file), so no test writes the
// megabytes it names.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "midks/agent_layout.hpp"
#include "midks/bundle.hpp"
#include "midks/error.hpp"
#include "midks/keystore_file.hpp"
#include "midks/limits.hpp"
#include "midks/mid_config.hpp"
#include "support.hpp"

using namespace midks;
namespace fs = std::filesystem;

namespace {

struct TempFolder {
  fs::path dir;
  TempFolder() {
    dir = fs::temp_directory_path() / ("midks-limits-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempFolder() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  // A file of exactly size bytes: text first, then a hole of zeros.
  std::string file(const std::string& name, std::uintmax_t size, const std::string& text = {}) const {
    fs::path p = dir / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    fs::resize_file(p, size);
    return p.string();
  }
};

}  // namespace

TEST(FileLimits, AKeystoreOneByteOverItsCapIsRefusedUnread) {
  TempFolder t;
  std::string over = t.file("big.jks", limits::kMaxKeystoreFileBytes + 1, std::string("\xFE\xED\xFE\xED", 4));
  EXPECT_EQ(test::error_code_of([&] { load_keystore(over, nullptr); }), "FILE_TOO_LARGE");
  EXPECT_EQ(test::error_code_of([&] { read_file(over); }), "FILE_TOO_LARGE");
}

TEST(FileLimits, ABundleFileOneByteOverItsCapIsRefused) {
  TempFolder t;
  std::string over = t.file("big.pem", limits::kMaxBundleFileBytes + 1, "-----BEGIN CERTIFICATE-----\n");
  std::string at = t.file("at.pem", limits::kMaxBundleFileBytes, "-----BEGIN CERTIFICATE-----\n");
  EXPECT_EQ(test::error_code_of([&] { import_bundle_files({over}, ImportOptions{}); }), "FILE_TOO_LARGE");
  EXPECT_EQ(test::error_code_of([&] { bundle_certificates({over}, nullptr); }), "FILE_TOO_LARGE");
  // At the cap the file is read, and judged on what it holds.
  EXPECT_NE(test::error_code_of([&] { import_bundle_files({at}, ImportOptions{}); }), "FILE_TOO_LARGE");
}

TEST(FileLimits, AConfigXmlOneByteOverItsCapIsRefused) {
  TempFolder t;
  const std::string xml = "<parameters>\n</parameters>\n";
  std::string over = t.file("over/config.xml", limits::kMaxConfigXmlBytes + 1, xml);
  std::string at = t.file("at/config.xml", limits::kMaxConfigXmlBytes, xml);
  EXPECT_EQ(test::error_code_of([&] { MidConfig::load(over); }), "FILE_TOO_LARGE");
  EXPECT_EQ(test::error_code_of([&] { MidConfig::load(at); }), "(no error)");  // read (tinyxml2 stops at the first zero byte)
}

TEST(FileLimits, ASecretFileOneByteOverItsCapIsRefused) {
  TempFolder t;
  std::string over = t.file("over.pw", limits::kMaxSecretFileBytes + 1, std::string(limits::kMaxSecretFileBytes + 1, 'p'));
  std::string at = t.file("at.pw", limits::kMaxSecretFileBytes + 1, std::string(limits::kMaxSecretFileBytes - 1, 'p') + "\n");
  fs::resize_file(at, limits::kMaxSecretFileBytes);
  EXPECT_EQ(test::error_code_of([&] { read_secret_file(over); }), "FILE_TOO_LARGE");
  EXPECT_EQ(read_secret_file(at).size(), limits::kMaxSecretFileBytes - 1);  // the newline is not part of it
}

TEST(FileLimits, AWrapperOverrideOverItsCapShowsNoFipsMode) {
  TempFolder t;
  // The flag on the file's last line, after a hole: found at the cap, not read one byte over it.
  auto agent_with = [&](const std::string& name, std::uintmax_t size) {
    std::string flag = std::string("\nwrapper.java.additional.1=") + kFipsApprovedOnlyFlag + "\n";
    std::string path = t.file(name + "/" + kWrapperOverride, size - flag.size());
    std::ofstream(path, std::ios::binary | std::ios::app) << flag;
    EXPECT_EQ(fs::file_size(path), size);
    return (t.dir / name).string();
  };
  EXPECT_NE(fips_mode_evidence(agent_with("at", limits::kMaxWrapperConfBytes)), "");
  EXPECT_EQ(fips_mode_evidence(agent_with("over", limits::kMaxWrapperConfBytes + 1)), "");
}
