// convert_keystore and change_store_password on keytool's own JCEKS fixture: a secret key, keys
// under the store password and one (ec-key) under its own, other-key-pass.
#include "codec.hpp"
#include "java_serial.hpp"
#include "midks/keystore_tools.hpp"
#include "support.hpp"

namespace midks::test {
namespace {

const Password kStore("changeit");
const Password kOwn("other-key-pass");

Keystore mixed_jceks() { return load_keystore(fixtures_dir() + "/keytool-mixed.jceks", &kStore); }

// The key material of an entry, opened with the password given.
SecureBytes key_of(const Keystore& ks, const std::string& alias, const Password& password) {
  const Entry* e = ks.find(alias);
  EXPECT_NE(e, nullptr) << alias;
  if (!e) return {};
  Entry opened = *e;
  fmt::open_entry(opened, password);
  return opened.plain;
}

ErrorCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code_id();
  }
  return ErrorCode::INTERNAL;  // "nothing thrown" fails every expectation below
}

TEST(Convert, JceksToPkcs12KeepsEveryEntryAndTheOwnKeyPassword) {
  Keystore source = mixed_jceks();
  Conversion c = convert_keystore(source, StoreType::Pkcs12, kStore, kStore, &kOwn, kTestKdfIterations);
  Keystore out = fmt::read_keystore(c.file, &kStore);
  EXPECT_EQ(out.type(), StoreType::Pkcs12);
  EXPECT_EQ(c.entries, source.size());
  EXPECT_EQ(out.size(), source.size());
  EXPECT_EQ(c.own_password, std::vector<std::string>{"ec-key"});
  for (const Entry& e : source.entries()) {
    const Entry* back = out.find(e.alias);
    ASSERT_NE(back, nullptr) << e.alias;
    EXPECT_EQ(back->kind, e.kind) << e.alias;
    EXPECT_EQ(back->chain, e.chain) << e.alias;
    if (!e.is_key()) continue;
    const Password& pw = e.alias == "ec-key" ? kOwn : kStore;
    EXPECT_EQ(key_of(out, e.alias, pw), key_of(source, e.alias, pw)) << e.alias;
  }
  EXPECT_EQ(code_of([&] { key_of(out, "ec-key", kStore); }), ErrorCode::WRONG_KEY_PASSWORD);
}

TEST(Convert, ANewStorePasswordCarriesTheKeysThatSharedTheOldOne) {
  Keystore source = mixed_jceks();
  const Password fresh("fresh-store-pass");
  Conversion c = convert_keystore(source, StoreType::Jceks, kStore, fresh, &kOwn, kTestKdfIterations);
  EXPECT_EQ(code_of([&] { fmt::read_keystore(c.file, &kStore); }), ErrorCode::WRONG_STORE_PASSWORD);
  Keystore out = fmt::read_keystore(c.file, &fresh);
  EXPECT_EQ(key_of(out, "aes-secret", fresh), key_of(source, "aes-secret", kStore));
  EXPECT_EQ(key_of(out, "ec-key", kOwn), key_of(source, "ec-key", kOwn));
}

TEST(Convert, RefusesWhatTheTargetCannotHold) {
  Keystore source = mixed_jceks();
  EXPECT_EQ(code_of([&] { convert_keystore(source, StoreType::Jks, kStore, kStore, &kOwn, kTestKdfIterations); }), ErrorCode::ENTRY_NOT_STORABLE);
  // ec-key's own password unknown: PKCS12 cannot carry a Sun-sealed key, JCEKS can.
  EXPECT_EQ(code_of([&] { convert_keystore(source, StoreType::Pkcs12, kStore, kStore, nullptr, kTestKdfIterations); }), ErrorCode::WRONG_KEY_PASSWORD);
  Conversion same = convert_keystore(source, StoreType::Jceks, kStore, kStore, nullptr, kTestKdfIterations);
  EXPECT_EQ(key_of(fmt::read_keystore(same.file, &kStore), "ec-key", kOwn), key_of(source, "ec-key", kOwn));
}

TEST(Convert, CaseTwinsCannotBecomeOnePkcs12Entry) {
  Keystore source(StoreType::Jks);
  for (const char* alias : {"MidKey", "midkey"}) {
    Entry e;
    e.alias = alias;
    e.chain = mixed_jceks().entries().front().chain;
    e.chain.resize(1);
    source.put(std::move(e), Keystore::AliasCase::AsFound);
  }
  ASSERT_EQ(source.size(), 2u);
  EXPECT_EQ(code_of([&] { convert_keystore(source, StoreType::Pkcs12, kStore, kStore, nullptr, kTestKdfIterations); }), ErrorCode::AMBIGUOUS_ALIAS);
  EXPECT_EQ(fmt::read_keystore(convert_keystore(source, StoreType::Jceks, kStore, kStore, nullptr, kTestKdfIterations).file, &kStore).size(), 2u);
}

// A wrong password passes PBEWithMD5AndTripleDES's padding check about once in 256 tries; these two
// were found by trying "wrong-0", "wrong-1", … on the fixture's salts (they decrypt to bytes that
// are no Java stream, which was reported as a corrupt keystore and made the test below flaky).
TEST(SealedSecretKey, AWrongPasswordThatPassesThePaddingCheckIsStillAWrongPassword) {
  Keystore ks = mixed_jceks();
  EXPECT_EQ(code_of([&] { key_of(ks, "aes-secret", Password("wrong-18")); }), ErrorCode::WRONG_KEY_PASSWORD);
  EXPECT_EQ(code_of([&] { key_of(ks, "desede-secret", Password("wrong-351")); }), ErrorCode::WRONG_KEY_PASSWORD);
}

TEST(ChangeStorePassword, RekeysWhatSharedItAndLeavesOwnPasswords) {
  Keystore ks = mixed_jceks();
  const Password fresh("fresh-store-pass");
  PasswordChange change = change_store_password(ks, kStore, fresh);
  EXPECT_EQ(change.own_password, std::vector<std::string>{"ec-key"});
  EXPECT_NE(std::find(change.rekeyed.begin(), change.rekeyed.end(), "aes-secret"), change.rekeyed.end());
  Keystore again = fmt::read_keystore(fmt::write_keystore(ks, fresh, kTestKdfIterations), &fresh);
  Keystore original = mixed_jceks();
  for (const std::string& alias : change.rekeyed) {
    EXPECT_EQ(key_of(again, alias, fresh), key_of(original, alias, kStore)) << alias;
    EXPECT_EQ(code_of([&] { key_of(again, alias, kStore); }), ErrorCode::WRONG_KEY_PASSWORD) << alias;
  }
  EXPECT_EQ(key_of(again, "ec-key", kOwn), key_of(original, "ec-key", kOwn));
}

TEST(ChangeStorePassword, AJceksSealedKeyKeepsItsStreamButForSaltAndContent) {
  Keystore ks = mixed_jceks();
  const Entry before = *ks.find("aes-secret");
  change_store_password(ks, kStore, Password("fresh-store-pass"));
  const Entry& after = *ks.find("aes-secret");
  ASSERT_EQ(after.sealed.size(), before.sealed.size());
  std::size_t differing = 0;
  for (std::size_t i = 0; i < before.sealed.size(); ++i) differing += before.sealed[i] != after.sealed[i];
  EXPECT_GT(differing, 0u);
  fmt::ByteReader r(before.sealed, "sealed key");
  EXPECT_LE(differing, 8u + fmt::read_sealed_key(r).encrypted_content.size());  // only the salt and the content changed
}

TEST(Password, ComparesByContent) {
  EXPECT_TRUE(Password("changeit") == Password("changeit"));
  EXPECT_FALSE(Password("changeit") == Password("changeiT"));
  EXPECT_FALSE(Password("changeit") == Password("changei"));
}

}  // namespace
}  // namespace midks::test
