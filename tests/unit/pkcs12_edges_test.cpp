// PKCS#12 files as other writers make them, and our own writes at the edges: a localKeyId whose
// "Time <ms>" does not fit a Java long, key entries created in the same millisecond.
#include "codec.hpp"
#include "pkcs12.hpp"
#include "support.hpp"

namespace midks::test {
namespace {

Bytes regression(const std::string& name) { return read_file(source_dir() + "/tests/fuzz/regressions/pkcs12/" + name); }

TEST(Pkcs12Edges, ATimeKeyIdBeyondAJavaLongIsNoDate) {
  // "Time " and 20 digits: Java's Long.parseLong fails and Java takes the load time; so do we
  // (the old sum overflowed a signed 64-bit integer).
  Keystore ks = fmt::read_pkcs12(regression("time-key-id-20-digits"), Password("changeit"));
  ASSERT_EQ(ks.size(), 1u);
  EXPECT_FALSE(ks.entries().front().created_in_file);
}

TEST(Pkcs12Edges, KeyEntriesOfTheSameMillisecondKeepTheirOwnChains) {
  // Every localKeyId is "Time <ms>", so two keys created in one millisecond share one; Java tells
  // their certificates apart by the friendlyName (findMatchedCertificate), and so must we.
  Password pw("changeit");
  Keystore original = load_keystore(fixtures_dir() + "/keytool-mixed.jks", &pw);
  Keystore same_ms(StoreType::Pkcs12);
  std::size_t keys = 0;
  for (Entry e : original.entries()) {
    if (!e.is_key()) continue;
    fmt::open_entry(e, Password(e.alias == "ec-p384" ? "other-key-pass" : "changeit"));
    e.key_password.reset();
    e.created_ms = 1'700'000'000'000;
    same_ms.put(e);
    ++keys;
  }
  ASSERT_GE(keys, 2u);
  Keystore again = fmt::read_pkcs12(fmt::write_pkcs12(same_ms, pw), pw);
  ASSERT_EQ(again.size(), same_ms.size());
  for (const Entry& e : same_ms.entries()) {
    SCOPED_TRACE(e.alias);
    const Entry* back = again.find(e.alias);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->chain, e.chain);
    EXPECT_EQ(back->created_ms, e.created_ms);
  }
}

}  // namespace
}  // namespace midks::test
