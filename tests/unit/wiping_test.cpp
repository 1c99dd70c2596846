// Secrets leave no copy in freed memory: this binary's operator delete looks into every block freed
// while a test watches, for the secret it names. Blocks freed through WipingAllocator are wiped
// before they get here; a std::string or vector that held the secret is not.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <new>
#include <type_traits>

#include "midks/bundle.hpp"
#include "midks/keystore_file.hpp"
#include "midks/mid_auth.hpp"
#include "midks/mid_config.hpp"
#include "support.hpp"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MIDKS_ASAN 1
#endif
#endif
// Not under AddressSanitizer: it brings its own operator new (the nothrow one too), whose blocks
// our delete would hand to free.
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(MIDKS_ASAN)
#include <malloc.h>
#define MIDKS_WATCH_FREES 1
#endif

using namespace midks;
namespace fs = std::filesystem;

// The types that hold secrets are the wiping ones.
static_assert(std::is_same_v<decltype(BundleFile::data), SecureBytes>);
static_assert(std::is_same_v<decltype(ImportedKey::pkcs8), SecureBytes>);
static_assert(std::is_same_v<decltype(read_secret_bytes("", 0)), SecureBytes>);
static_assert(std::is_same_v<decltype(read_secret_file("")), Password>);

namespace {

// What the watched frees look for, and whether one held it. Plain globals: operator delete runs
// on any thread, and the tests only watch their own, single-threaded, work.
const char* g_secret = nullptr;
std::size_t g_secret_size = 0;
bool g_found = false;

#ifdef MIDKS_WATCH_FREES
void look_into(void* p) noexcept {
  if (!p || !g_secret) return;
  std::size_t n = malloc_usable_size(p);
  if (n >= g_secret_size && ::memmem(p, n, g_secret, g_secret_size)) g_found = true;
}
#endif

// Keeps the compiler from leaving out an allocation whose contents nothing reads.
void escape(const void* p) {
#if defined(__GNUC__)
  asm volatile("" : : "g"(p) : "memory");
#else
  (void)p;
#endif
}

// Watches the frees of what `work` does; true if a freed block still held the secret.
template <class Work>
bool leaves_a_copy(const std::string& secret, Work&& work) {
  g_found = false;
  g_secret_size = secret.size();
  g_secret = secret.c_str();
  work();
  g_secret = nullptr;
  return g_found;
}

struct TempFolder {
  fs::path dir = fs::temp_directory_path() / ("midks-wiping-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  TempFolder() { fs::create_directories(dir); }
  ~TempFolder() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream((dir / name).string(), std::ios::binary) << text;
    return (dir / name).string();
  }
};

}  // namespace

#ifdef MIDKS_WATCH_FREES
void* operator new(std::size_t n) {
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void operator delete(void* p) noexcept {
  look_into(p);
  std::free(p);
}
void operator delete[](void* p) noexcept { ::operator delete(p); }
void operator delete(void* p, std::size_t) noexcept { ::operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { ::operator delete(p); }
#endif

class Wiping : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef MIDKS_WATCH_FREES
    GTEST_SKIP() << "frees are watched with glibc's malloc_usable_size only, and not under AddressSanitizer";
#endif
  }
};

TEST_F(Wiping, TheWatchSeesAPlainStringThatHeldTheSecret) {
  // The check itself: without it the tests below could not fail.
  const std::string secret = "plain-string-secret-0123456789";
  EXPECT_TRUE(leaves_a_copy(secret, [&] {
    std::string copy = secret + " and more";
    escape(copy.data());
  }));
  EXPECT_FALSE(leaves_a_copy(secret, [&] { SecureString copy(secret); copy += " and more"; }));
}

TEST_F(Wiping, ConfigXmlsPasswordThroughLoadReadAndEdits) {
  TempFolder t;
  const std::string password = "Instance-Password-0123456789-abcdef";
  const std::string renewed = "Renewed-Password-0123456789-abcdefgh";
  std::string path = t.write("config.xml", "<parameters>\n  <parameter name=\"url\" value=\"https://acme.service-now.com\"/>\n"
                                           "  <parameter name=\"mid.instance.username\" value=\"mid\"/>\n"
                                           "  <parameter name=\"mid.instance.password\" secure=\"true\" value=\"" + password + "\"/>\n"
                                           "</parameters>\n");
  auto work = [&] {
    MidConfig c = MidConfig::load(path);
    EXPECT_EQ(auth_mode(c), AuthMode::Basic);
    EXPECT_TRUE(c.get_secret(mid_param::kPassword).has_value());
    // Edits that make the text grow (each reallocates it) and shrink.
    for (int i = 0; i < 8; ++i) c.set("mid.padding." + std::to_string(i), std::string(200, 'x'));
    c.set(mid_param::kPassword, renewed);
    c.remove("mid.padding.3");
    c.set("mid.instance.password.copy", renewed, mid_param::kPassword, "secure=\"true\"");
    c.add_attribute("mid.instance.password.copy", "encrypt", "true");
    MidConfig trial = MidConfig::parse(c.text(), "copy");
    EXPECT_EQ(auth_mode(trial), AuthMode::Basic);
  };
  EXPECT_FALSE(leaves_a_copy(password, work));
  EXPECT_FALSE(leaves_a_copy(renewed, work));
}

TEST_F(Wiping, ASecretFile) {
  TempFolder t;
  const std::string secret = "Store-Password-From-A-File-0123456789";
  std::string path = t.write("pw", secret + "\n");
  EXPECT_FALSE(leaves_a_copy(secret, [&] { EXPECT_EQ(read_secret_file(path).size(), secret.size()); }));
}

TEST_F(Wiping, ABundlesKeyWhetherTheImportSucceedsOrFails) {
  // A line of the key's base64 in the file, as read.
  auto key_line = [](const std::string& file) {
    std::string text = test::slurp(test::bundles_dir() + "/" + file);
    std::size_t begin = text.find("PRIVATE KEY-----");
    begin = text.find('\n', begin) + 1;
    return text.substr(begin, 48);
  };
  std::string ok = key_line("leaf-and-key.pem");
  ASSERT_EQ(ok.size(), 48u);
  EXPECT_FALSE(leaves_a_copy(ok, [] { test::bundle("leaf-and-key.pem"); }));
  std::string refused = key_line("key-mismatch.pem");
  ASSERT_EQ(refused.size(), 48u);
  EXPECT_FALSE(leaves_a_copy(refused, [] { EXPECT_THROW(test::bundle("key-mismatch.pem"), Error); }));
}
