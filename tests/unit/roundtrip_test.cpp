// Our read of our write is lossless, within a format and across formats.
#include <openssl/sha.h>

#include "byte_reader.hpp"
#include "codec.hpp"
#include "key_protection.hpp"
#include "support.hpp"

namespace midks::test {
namespace {

struct Source {
  std::string path, storepass;
  std::map<std::string, std::string> keypasses;
};

std::vector<Source> sources() {
  return {
      {fixtures_dir() + "/keytool-mixed.jks", "changeit", {{"ec-p384", "other-key-pass"}}},
      {fixtures_dir() + "/keytool-agent.jks", "changeit", {}},
      {fixtures_dir() + "/keytool-mixed.jceks", "changeit", {{"ec-key", "other-key-pass"}}},
      {fixtures_dir() + "/keytool-mixed.p12", "changeit", {}},
      {fixtures_dir() + "/bcfks/mixed.bcfks", "changeit", {{"ec-own-pass", "other-key-pass"}}},
      {fixtures_dir() + "/openssl-legacy-rc2.p12", "changeit", {}},
      {peer_dir() + "/jks/custom_entry_passwords.jks", "store_password", {{"private", "private_password"}}},
      {peer_dir() + "/jks/non_ascii_password.jks", "ლ(ಠ益ಠლ)", {}},
      {peer_dir() + "/jceks/custom_entry_passwords.jceks", "store_password",
       {{"private", "private_password"}, {"secret", "secret_password"}}},
  };
}

void expect_same_entries(const Keystore& a, const Keystore& b, bool compare_sealed) {
  ASSERT_EQ(a.size(), b.size());
  for (const Entry& x : a.entries()) {
    SCOPED_TRACE("alias " + x.alias);
    const Entry* y = b.find(x.alias);
    ASSERT_TRUE(y);
    EXPECT_EQ(x.alias, y->alias);
    EXPECT_EQ(x.kind, y->kind);
    EXPECT_EQ(x.chain, y->chain);
    if (x.created_in_file && y->created_in_file) {
      EXPECT_EQ(x.created_ms, y->created_ms);
    }
    if (compare_sealed) {
      EXPECT_EQ(x.sealed, y->sealed);
    }
  }
}

TEST(RoundTrip, SameFormatKeepsEveryByteOfEveryEntry) {
  for (const Source& s : sources()) {
    SCOPED_TRACE(s.path);
    Password pw(s.storepass);
    Keystore original = load_keystore(s.path, &pw);
    Bytes written = fmt::write_keystore(original, pw, kTestKdfIterations);
    Keystore again = fmt::read_keystore(written, &pw);
    EXPECT_EQ(again.type(), original.type());
    // Sealed keys are carried over untouched, so per-entry key passwords survive a rewrite.
    expect_same_entries(original, again, true);
  }
}

TEST(RoundTrip, EveryFormatConvertsToEveryOtherWithTheSameKeys) {
  for (const Source& s : sources()) {
    Password pw(s.storepass);
    Keystore original = load_keystore(s.path, &pw);
    for (Entry& e : original.entries()) {
      auto kp = s.keypasses.find(e.alias);
      if (e.is_key()) fmt::open_entry(e, Password(kp != s.keypasses.end() ? kp->second : s.storepass));
    }
    for (StoreType target : {StoreType::Jks, StoreType::Jceks, StoreType::Pkcs12, StoreType::Bcfks}) {
      SCOPED_TRACE(s.path + " -> " + std::string(store_type_name(target)));
      Keystore converted(target);
      for (const Entry& e : original.entries())
        if (e.kind != EntryKind::SecretKey) converted.put(e);  // secret keys stay in their own format (tested above)
      Password out_pw("converted-pass");
      if (target == StoreType::Jceks || target == StoreType::Pkcs12) {
        // Java's PBE needs ASCII passwords; keep per-entry ones only if they are.
        for (Entry& e : converted.entries()) e.key_password.reset();
      }
      Bytes written = fmt::write_keystore(converted, out_pw, kTestKdfIterations);
      Keystore back = fmt::read_keystore(written, &out_pw);
      EXPECT_EQ(back.type(), target);
      expect_same_entries(converted, back, false);
      for (Entry& e : back.entries()) {
        if (e.kind != EntryKind::PrivateKey) continue;
        const Entry* before = converted.find(e.alias);
        fmt::open_entry(e, before->key_password ? *before->key_password : out_pw);
        EXPECT_TRUE(e.plain == before->plain) << "private key changed in conversion of " << e.alias;
      }
    }
  }
}

TEST(RoundTrip, JceksRefusesNonAsciiKeyPasswordsClearly) {
  Password pw("changeit");
  Keystore ks = load_keystore(fixtures_dir() + "/keytool-agent.jks", &pw);
  fmt::open_entry(ks.entries().front(), pw);
  ks.entries().front().key_password.reset();  // sealed with the store password below
  ks.set_type(StoreType::Jceks);
  std::string message;
  EXPECT_EQ(error_kind_of([&] { fmt::write_keystore(ks, Password("пароль")); }, &message), ErrorKind::Input);
  EXPECT_NE(message.find("printable ASCII"), std::string::npos) << message;
}

TEST(RoundTrip, SealedKeysOfAnotherSchemeNeedTheirPasswordToConvert) {
  Password pw("changeit");
  Keystore ks = load_keystore(fixtures_dir() + "/keytool-agent.jks", &pw);
  ks.set_type(StoreType::Pkcs12);  // Sun's JKS key protection cannot go into PKCS#12 unopened
  std::string message;
  EXPECT_EQ(error_kind_of([&] { fmt::write_keystore(ks, pw); }, &message), ErrorKind::Input);
  EXPECT_NE(message.find("open the key"), std::string::npos) << message;
}

TEST(KeyProtection, EachSchemeOpensOnlyWithItsPassword) {
  Password pw("changeit");
  Keystore ks = load_keystore(fixtures_dir() + "/keytool-agent.jks", &pw);
  Entry e = ks.entries().front();
  fmt::open_entry(e, pw);
  const SecureBytes& pkcs8 = e.plain;
  Password right("right horse battery"), wrong("wrong horse battery");
  for (auto seal : {+[](ByteView k, const Password& p) { return fmt::seal_private_key_jks(k, p); },
                    +[](ByteView k, const Password& p) { return fmt::seal_private_key_jceks(k, p, 1000); },
                    +[](ByteView k, const Password& p) { return fmt::seal_private_key_pbes2(k, p, 1000); }}) {
    Bytes sealed = seal(pkcs8.view(), right);
    EXPECT_TRUE(fmt::open_private_key(sealed, right) == pkcs8);
    EXPECT_EQ(error_kind_of([&] { fmt::open_private_key(sealed, wrong); }), ErrorKind::Password);
  }
}

TEST(Model, AliasesFollowJavasCaseRules) {
  Keystore jks(StoreType::Jks);
  Entry e;
  e.alias = "DefaultSecurityKeyPairHandle";
  jks.put(e);
  EXPECT_EQ(jks.entries().front().alias, "defaultsecuritykeypairhandle");
  EXPECT_TRUE(jks.find("DEFAULTSECURITYKEYPAIRHANDLE"));
  e.alias = "defaultSecurityKeyPairHandle";
  jks.put(e);  // same alias, case-insensitively: replaced, not added
  EXPECT_EQ(jks.size(), 1u);
  EXPECT_EQ(java_lower("Clé-Ünïcødé-Ключ"), "clé-ünïcødé-ключ");
  Keystore jceks(StoreType::Jceks);
  e.alias = "MixedCase";
  jceks.put(e, Keystore::AliasCase::AsFound);
  EXPECT_EQ(jceks.entries().front().alias, "MixedCase");
  EXPECT_TRUE(jceks.find("mixedcase"));
  EXPECT_TRUE(jceks.remove("MIXEDCASE"));
  EXPECT_TRUE(jceks.empty());
}

TEST(Model, AliasesWithNulAndSupplementaryCharactersSurviveJavasModifiedUtf8) {
  Password pw("changeit");
  Keystore ks = load_keystore(fixtures_dir() + "/keytool-mixed.jks", &pw);
  Entry trusted = *ks.find("fixture-root");
  trusted.alias = std::string("nul\0inside-😀", 15);
  Keystore out(StoreType::Jks);
  out.put(trusted);
  Bytes written = fmt::write_keystore(out, pw);
  // Java writes NUL as C0 80 and U+1F600 as a surrogate pair of 3-byte sequences.
  const std::uint8_t nul[] = {'l', 0xC0, 0x80, 'i'};
  const std::uint8_t pair[] = {0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80};
  EXPECT_NE(std::search(written.begin(), written.end(), std::begin(nul), std::end(nul)), written.end());
  EXPECT_NE(std::search(written.begin(), written.end(), std::begin(pair), std::end(pair)), written.end());
  Keystore back = fmt::read_keystore(written, &pw);
  EXPECT_EQ(back.entries().front().alias, trusted.alias);
}

TEST(Model, PasswordsHashAsJavaChars) {
  // U+10DA is one UTF-16 unit; U+1F600 is a surrogate pair, as Java's char[] holds it.
  SecureBytes u = Password("ლ😀").utf16be();
  const std::uint8_t expected[] = {0x10, 0xDA, 0xD8, 0x3D, 0xDE, 0x00};
  ASSERT_EQ(u.size(), sizeof expected);
  EXPECT_TRUE(std::equal(u.data(), u.data() + u.size(), expected));
  EXPECT_EQ(error_kind_of([] { Password(std::string("\xC3", 1)).utf16be(); }), ErrorKind::Input);
}

}  // namespace
}  // namespace midks::test

namespace midks::test {
namespace {

// JDK 1.2's version-1 JKS has no certificate-type strings; no keytool since writes it, so the
// file is built here field by field (and sealed with the same keyed digest).
TEST(Jks, ReadsVersionOneStores) {
  Password pw("changeit");
  Keystore ks = load_keystore(fixtures_dir() + "/keytool-agent.jks", &pw);
  const Entry& key = ks.entries().front();
  fmt::ByteWriter w;
  w.u32(0xFEEDFEED);
  w.u32(1);
  w.u32(2);
  w.u32(1);
  w.java_utf(key.alias);
  w.u64(static_cast<std::uint64_t>(key.created_ms));
  w.u32_prefixed(key.sealed);
  w.u32(static_cast<std::uint32_t>(key.chain.size()));
  for (const Bytes& cert : key.chain) w.u32_prefixed(cert);
  w.u32(2);
  w.java_utf("root");
  w.u64(0);
  w.u32_prefixed(key.chain.back());
  // Trailer: SHA-1(password as UTF-16BE || "Mighty Aphrodite" || body).
  Bytes body = w.data();
  SecureBytes utf16 = pw.utf16be();
  Bytes hashed(utf16.data(), utf16.data() + utf16.size());
  for (char c : std::string("Mighty Aphrodite")) hashed.push_back(static_cast<std::uint8_t>(c));
  hashed.insert(hashed.end(), body.begin(), body.end());
  unsigned char digest[20];
  SHA1(hashed.data(), hashed.size(), digest);
  w.bytes(ByteView(digest, 20));

  Keystore v1 = fmt::read_keystore(w.data(), &pw);
  ASSERT_EQ(v1.size(), 2u);
  EXPECT_EQ(v1.find(key.alias)->chain, key.chain);
  EXPECT_EQ(v1.find("root")->kind, EntryKind::TrustedCert);
  fmt::open_entry(*v1.find(key.alias), pw);
}

}  // namespace
}  // namespace midks::test
