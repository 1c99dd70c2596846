// -m and -b as the engine does them: which mode a config.xml is in, the exact edits, and what
// makes the MID's key entry unusable.
#include "codec.hpp"
#include "midks/keystore_transaction.hpp"
#include "midks/mid_auth.hpp"
#include "midks/bundle.hpp"
#include "support.hpp"

namespace midks::test {
namespace {

TEST(AuthMode, ReadFromTheCredentialParameters) {
  EXPECT_EQ(auth_mode(MidConfig::load(config_dir() + "/fresh.xml")), AuthMode::NotConfigured);
  EXPECT_EQ(auth_mode(MidConfig::load(config_dir() + "/basic-auth.xml")), AuthMode::Basic);
  EXPECT_EQ(auth_mode(MidConfig::load(config_dir() + "/mutual-auth.xml")), AuthMode::Mutual);
  EXPECT_EQ(auth_mode(MidConfig::parse("<parameters><parameter name=\"mid.instance.username\" value=\"u\"/></parameters>", "half")),
            AuthMode::NotConfigured);
}

TEST(AuthMode, MutualThenBasicChangesOnlyTheCredentialLines) {
  std::string before = slurp(config_dir() + "/basic-auth.xml");
  MidConfig c = MidConfig::parse(before, "basic-auth.xml");
  ASSERT_TRUE(use_mutual_auth(c));
  std::string mutual = before;
  for (const char* name : {"mid.instance.username", "mid.instance.password"}) {
    std::size_t at = mutual.find(std::string("\t<parameter name=\"") + name);
    mutual.erase(at, mutual.find('\n', at) + 1 - at);
  }
  EXPECT_EQ(c.text(), mutual);
  EXPECT_EQ(auth_mode(c), AuthMode::Mutual);
  EXPECT_FALSE(use_mutual_auth(c));  // a second -m changes nothing

  ASSERT_TRUE(use_basic_auth(c, "mid.server", Password("n3w&pass")));
  std::string basic = mutual;
  basic.insert(basic.find('\n', basic.find("name=\"url\"")) + 1,
               "\t<parameter name=\"mid.instance.username\" value=\"mid.server\"/>\n"
               "\t<parameter name=\"mid.instance.password\" secure=\"true\" value=\"n3w&amp;pass\"/>\n");
  EXPECT_EQ(c.text(), basic);  // secure="true", as the MID's template: the MID encrypts it at start
  EXPECT_EQ(auth_mode(c), AuthMode::Basic);
  EXPECT_FALSE(use_basic_auth(c, "mid.server", Password("n3w&pass")));
}

TEST(AuthMode, BasicOverAnEncryptedPasswordKeepsItsAttributes) {
  MidConfig c = MidConfig::load(config_dir() + "/basic-auth.xml");
  ASSERT_TRUE(use_basic_auth(c, "other.user", Password("plain")));
  EXPECT_EQ(c.get(mid_param::kPassword), "plain");
  EXPECT_TRUE(c.has_attribute(mid_param::kPassword, "encrypt"));  // the MID encrypts it again when it starts
  EXPECT_FALSE(c.has_attribute(mid_param::kPassword, "secure"));   // already marked: nothing added
}

TEST(AuthMode, BasicMarksAPlainPasswordSecure) {
  MidConfig c = MidConfig::parse("<parameters>\n  <parameter name=\"url\" value=\"https://a.service-now.com/\"/>\n"
                                 "  <parameter name=\"mid.instance.username\" value=\"u\"/>\n"
                                 "  <parameter name=\"mid.instance.password\" value=\"old\"/>\n</parameters>\n",
                                 "plain");
  ASSERT_TRUE(use_basic_auth(c, "u", Password("value-like")));  // a value that starts like the attribute's name
  EXPECT_NE(c.text().find("<parameter name=\"mid.instance.password\" secure=\"true\" value=\"value-like\"/>"), std::string::npos) << c.text();
}

TEST(AuthMode, EncryptedParametersAreTheOnesTheOldKeyCanRead) {
  MidConfig c = MidConfig::parse("<parameters><parameter name=\"mid.proxy.password\" secure=\"true\" value=\"encrypted:7cHG3x8S\"/>"
                                 "<parameter name=\"mid.instance.password\" secure=\"true\" value=\"plain, not yet encrypted\"/>"
                                 "<parameter name=\"x\" value=\"encrypted:abc\"/></parameters>",
                                 "enc");
  EXPECT_EQ(encrypted_parameters(c), (std::vector<std::string>{"mid.proxy.password", "x"}));
  std::vector<std::string> encrypted = encrypted_parameters(c);
  Finding f = mid_key_replaced_finding(&encrypted, "enc");
  EXPECT_EQ(f.code, FindingCode::MID_KEY_REPLACED);
  EXPECT_NE(f.message.find("mid.proxy.password, x"), std::string::npos);
}

// Written and read back, so the key is sealed as in a real file.
Keystore fmt_roundtrip(const Keystore& ks, const Password& store) { return fmt::read_keystore(fmt::write_keystore(ks, store, kTestKdfIterations), &store); }

TEST(MidKey, MissingWrongKindOrOwnPasswordIsRefusedByCode) {
  Password store("changeit");
  Keystore ks;
  EXPECT_EQ(error_code_of([&] { check_mid_key(ks, store, fixture_options()); }), "NO_MID_KEY");

  ImportedKey key = bundle("seed-order.pem");
  Entry trusted;
  trusted.alias = kMidKeyAlias;
  trusted.kind = EntryKind::TrustedCert;
  trusted.chain = {key.chain.back()};
  ks.put(trusted);
  EXPECT_EQ(error_code_of([&] { check_mid_key(ks, store, fixture_options()); }), "MID_KEY_NOT_PRIVATE");

  Entry own = make_key_entry(kMidKeyAlias, std::move(key));
  own.key_password = Password("another");
  ks.put(own);
  Keystore reloaded = fmt_roundtrip(ks, store);
  EXPECT_EQ(error_code_of([&] { check_mid_key(reloaded, store, fixture_options()); }), "MID_KEY_PASSWORD");
}

TEST(MidKey, AGoodEntryPassesAndAnExpiredOneIsRefusable) {
  Password store("changeit");
  Keystore ks;
  ks.put(make_key_entry(kMidKeyAlias, bundle("seed-order.pem")));
  Keystore reloaded = fmt_roundtrip(ks, store);
  for (const Finding& f : check_mid_key(reloaded, store, fixture_options())) EXPECT_NE(f.severity(), Severity::Refusable) << f.name();

  ImportOptions later;
  later.now = 4102444800;  // 2100-01-01: long after every test certificate
  bool expired = false;
  for (const Finding& f : check_mid_key(reloaded, store, later)) expired = expired || (f.code == FindingCode::EXPIRED && f.severity() == Severity::Refusable);
  EXPECT_TRUE(expired);
}

}  // namespace
}  // namespace midks::test
