// Bouncy Castle FIPS keystores (formats/bcfks.cpp) beyond the table tests: what we write reads
// back the same and keeps its keys, sealed keys travel unopened, and hostile or damaged files
// (every truncation, flipped bytes, absurd iteration counts) are refused with their own codes.
#include <openssl/x509.h>

#include <chrono>

#include "bcfks.hpp"
#include "codec.hpp"
#include "midks/limits.hpp"
#include "midks/ossl.hpp"
#include "pkcs8.hpp"
#include "support.hpp"

namespace midks::test {
namespace {

const std::string kMixed = "/bcfks/mixed.bcfks";  // RSA, EC (own key password), trusted cert, AES, a 3-cert chain
const Password kStorePass("changeit");

Keystore load(const std::string& name) { return load_keystore(fixtures_dir() + name, &kStorePass); }

Password key_password_of(const Entry& e) { return Password(e.alias == "ec-own-pass" ? "other-key-pass" : "changeit"); }

void open_all(Keystore& ks) {
  for (Entry& e : ks.entries())
    if (e.is_key()) fmt::open_entry(e, key_password_of(e));
}

void expect_key_matches_leaf(const Entry& e) {
  ossl::PkeyPtr key = fmt::private_key_from_pkcs8(e.plain.view());
  auto leaf = ossl::parse_cert_der(e.chain.front());
  EXPECT_EQ(X509_check_private_key(leaf.get(), key.get()), 1) << e.alias;
}

std::string code_of_read(ByteView data, const Password* pw = &kStorePass) {
  return error_code_of([&] { fmt::read_keystore(data, pw); });
}

TEST(Bcfks, ReadsEveryKindKeytoolWrote) {
  Keystore ks = load(kMixed);
  EXPECT_EQ(ks.type(), StoreType::Bcfks);
  EXPECT_EQ(store_type_name(ks.type()), "BCFKS");
  ASSERT_TRUE(ks.find("defaultsecuritykeypairhandle"));
  EXPECT_EQ(ks.find("defaultsecuritykeypairhandle")->chain.size(), 3u);  // leaf, intermediate, root as imported
  EXPECT_EQ(ks.find("fixture-root")->kind, EntryKind::TrustedCert);
  EXPECT_EQ(ks.find("aes-secret")->kind, EntryKind::SecretKey);
  open_all(ks);
  for (const Entry& e : ks.entries())
    if (e.kind == EntryKind::PrivateKey) expect_key_matches_leaf(e);
}

TEST(Bcfks, OurWriteReadsBackWithTheSameEntriesDatesAndKeys) {
  Keystore original = load(kMixed);
  open_all(original);
  Password out_pw("another-store-pass");
  Bytes written = fmt::write_bcfks(original, out_pw, kTestKdfIterations);
  Keystore back = fmt::read_keystore(written, &out_pw);
  EXPECT_EQ(back.type(), StoreType::Bcfks);
  ASSERT_EQ(back.size(), original.size());
  for (Entry& e : back.entries()) {
    SCOPED_TRACE(e.alias);
    const Entry* before = original.find(e.alias);
    ASSERT_TRUE(before);
    EXPECT_EQ(e.alias, before->alias);
    EXPECT_EQ(e.kind, before->kind);
    EXPECT_EQ(e.chain, before->chain);
    EXPECT_EQ(e.created_ms, before->created_ms);  // to the millisecond
    if (!e.is_key()) continue;
    // Open keys are sealed anew with their own key password (not the store's).
    const Password& kp = before->key_password ? *before->key_password : out_pw;
    if (e.alias == "ec-own-pass") {
      EXPECT_EQ(error_kind_of([&] { Entry t = e; fmt::open_entry(t, out_pw); }), ErrorKind::Password);
    }
    fmt::open_entry(e, kp);
    EXPECT_TRUE(e.plain == before->plain);
    if (e.kind == EntryKind::SecretKey) {
      EXPECT_EQ(e.secret_algorithm, "AES");
    }
    if (e.kind == EntryKind::PrivateKey) expect_key_matches_leaf(e);
  }
}

TEST(Bcfks, SealedEntriesAreCarriedUnopened) {
  Keystore original = load(kMixed);
  Bytes written = fmt::write_keystore(original, kStorePass, kTestKdfIterations);
  Keystore back = fmt::read_keystore(written, &kStorePass);
  ASSERT_EQ(back.size(), original.size());
  for (Entry& e : back.entries()) {
    SCOPED_TRACE(e.alias);
    EXPECT_EQ(e.sealed, original.find(e.alias)->sealed);
    if (e.is_key()) {
      EXPECT_NO_THROW(fmt::open_entry(e, key_password_of(e)));
    }
  }
}

TEST(Bcfks, KeysSealedInAnotherFormatMustBeOpenedFirst) {
  Keystore jks = load_keystore(fixtures_dir() + "/keytool-agent.jks", &kStorePass);
  jks.set_type(StoreType::Bcfks);
  EXPECT_EQ(error_code_of([&] { fmt::write_keystore(jks, kStorePass); }), "ENTRY_NOT_STORABLE");
  open_all(jks);
  Keystore back = fmt::read_keystore(fmt::write_keystore(jks, kStorePass, kTestKdfIterations), &kStorePass);
  for (Entry& e : back.entries()) {
    fmt::open_entry(e, kStorePass);
    expect_key_matches_leaf(e);
  }
}

TEST(Bcfks, JceksSecretKeysConvertByTheirAlgorithm) {
  Keystore jceks = load_keystore(fixtures_dir() + "/keytool-mixed.jceks", &kStorePass);
  Keystore out(StoreType::Bcfks);
  for (Entry& e : jceks.entries()) {
    if (e.kind != EntryKind::SecretKey) continue;
    fmt::open_entry(e, kStorePass);
    out.put(e);
  }
  ASSERT_EQ(out.size(), 2u);  // AES and DESede
  Keystore back = fmt::read_keystore(fmt::write_keystore(out, kStorePass, kTestKdfIterations), &kStorePass);
  for (Entry& e : back.entries()) {
    fmt::open_entry(e, kStorePass);
    EXPECT_TRUE(e.plain == out.find(e.alias)->plain);
    EXPECT_EQ(e.secret_algorithm, out.find(e.alias)->secret_algorithm);
  }
}

TEST(Bcfks, WrongOrMissingStorePassword) {
  Bytes data = read_file(fixtures_dir() + kMixed);
  Password wrong("changeit!");
  std::string message;
  EXPECT_EQ(code_of_read(data, &wrong), "WRONG_STORE_PASSWORD");
  EXPECT_EQ(error_kind_of([&] { fmt::read_keystore(data, &wrong); }, &message), ErrorKind::Password);
  EXPECT_NE(message.find("password is incorrect"), std::string::npos) << message;
  EXPECT_EQ(code_of_read(data, nullptr), "STORE_PASSWORD_NEEDED");
  Password empty("");
  EXPECT_EQ(code_of_read(data, &empty), "WRONG_STORE_PASSWORD");
}

TEST(Bcfks, EmptyPasswordStoresRoundTrip) {
  // BC turns an empty char[] into no bytes at all (PKCS12PasswordToBytes); only the purpose is hashed.
  Keystore ks = load(kMixed);
  open_all(ks);
  Password empty("");
  for (Entry& e : ks.entries()) e.key_password.reset();
  Keystore back = fmt::read_keystore(fmt::write_bcfks(ks, empty, kTestKdfIterations), &empty);
  EXPECT_EQ(back.size(), ks.size());
  EXPECT_EQ(code_of_read(fmt::write_bcfks(ks, empty, kTestKdfIterations)), "WRONG_STORE_PASSWORD");
}

TEST(Bcfks, EveryTruncationIsReportedAsOne) {
  for (const char* name : {"/bcfks/keypair.bcfks", "/bcfks/mixed.bcfks"}) {
    SCOPED_TRACE(name);
    Bytes data = read_file(fixtures_dir() + name);
    for (std::size_t len = 0; len < data.size(); ++len) {
      std::string code = code_of_read(ByteView(data.data(), len));
      // Up to the outer length field nothing shows it is BCFKS (as a PKCS#12 cut that short).
      if (len >= 8)
        ASSERT_EQ(code, "KEYSTORE_TRUNCATED") << "at length " << len;
      else
        ASSERT_NE(code, "(no error)") << "at length " << len;
    }
    Bytes longer = data;
    longer.push_back(0);
    EXPECT_EQ(code_of_read(longer), "KEYSTORE_CORRUPT");
  }
}

TEST(Bcfks, EveryFlippedByteIsRefused) {
  // Each try runs PBKDF2 (51200 rounds) for the MAC before it can fail, so the larger store is sampled.
  for (auto [name, step] : {std::pair{"/bcfks/keypair.bcfks", 13}, std::pair{"/bcfks/mixed.bcfks", 251}}) {
    SCOPED_TRACE(name);
    Bytes data = read_file(fixtures_dir() + name);
    for (std::size_t i = 0; i < data.size(); i += static_cast<std::size_t>(step)) {
      Bytes bad = data;
      bad[i] ^= 0x5A;
      std::string code = code_of_read(bad);
      ASSERT_TRUE(code == "WRONG_STORE_PASSWORD" || code == "KEYSTORE_CORRUPT" || code == "KEYSTORE_TRUNCATED" ||
                  code == "ITERATIONS_TOO_HIGH" || code == "NOT_A_KEYSTORE" || code == "PKCS12_CORRUPT" || code == "UNSUPPORTED_ALGORITHM")
          << "byte " << i << ": " << code;
    }
  }
}

TEST(Bcfks, SignatureAndScryptProtectedStoresAreRefusedByName) {
  // Made by BC's BCFKSLoadStoreParameter (scripts/BcfksVariants.java); keytool writes neither.
  for (const char* name : {"/bcfks/signed.bcfks", "/bcfks/scrypt.bcfks"}) {
    SCOPED_TRACE(name);
    Bytes data = read_file(fixtures_dir() + name);
    EXPECT_EQ(fmt::detect_store_type(data), StoreType::Bcfks);
    std::string message;
    EXPECT_EQ(code_of_read(data), "UNSUPPORTED_ALGORITHM");
    EXPECT_EQ(error_kind_of([&] { fmt::read_keystore(data, &kStorePass); }, &message), ErrorKind::Input);
    EXPECT_NE(message.find(std::string(name).find("signed") != std::string::npos ? "signature" : "scrypt"), std::string::npos) << message;
  }
}

TEST(Bcfks, KwpAndSha3StoresKeepTheirKeysThroughOurWrite) {
  // AES-256-KWP store and keys, HMAC-SHA3-512 integrity, PBKDF2-HMAC-SHA3-512 at 20000 rounds.
  Keystore ks = load("/bcfks/kwp-sha3.bcfks");
  Keystore back = fmt::read_keystore(fmt::write_keystore(ks, kStorePass, kTestKdfIterations), &kStorePass);
  Entry* key = back.find("rsa-own-pass");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->sealed, ks.find("rsa-own-pass")->sealed);  // the KWP-sealed key, unopened
  fmt::open_entry(*key, Password("other-key-pass"));
  expect_key_matches_leaf(*key);
  Entry* aes = back.find("aes-128");
  fmt::open_entry(*aes, kStorePass);
  EXPECT_EQ(aes->plain.size(), 16u);
}

// The DER INTEGER 51200 (BC's iteration count) as it appears in every PBKDF2-params.
const Bytes kIterations51200 = {0x02, 0x03, 0x00, 0xC8, 0x00};
// 8388607, above limits::kMaxPbeIterations, in the same five bytes (so no length changes).
const Bytes kIterationsHuge = {0x02, 0x03, 0x7F, 0xFF, 0xFF};
static_assert(0x7FFFFF > limits::kMaxPbeIterations);

std::vector<std::size_t> occurrences(const Bytes& data, const Bytes& needle) {
  std::vector<std::size_t> at;
  for (auto it = data.begin(); (it = std::search(it, data.end(), needle.begin(), needle.end())) != data.end(); ++it)
    at.push_back(static_cast<std::size_t>(it - data.begin()));
  return at;
}

TEST(Bcfks, AbsurdIterationCountsAreRefusedBeforeAnyKdfRuns) {
  Bytes data = read_file(fixtures_dir() + "/bcfks/keypair.bcfks");
  auto at = occurrences(data, kIterations51200);
  ASSERT_EQ(at.size(), 2u);  // the store encryption's and the integrity MAC's (the key's is inside the encrypted data)
  for (std::size_t pos : at) {
    Bytes bad = data;
    std::copy(kIterationsHuge.begin(), kIterationsHuge.end(), bad.begin() + static_cast<std::ptrdiff_t>(pos));
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(code_of_read(bad), "ITERATIONS_TOO_HIGH") << "at " << pos;
    // 8 million PBKDF2-HMAC-SHA512 rounds take seconds; the refusal takes no KDF at all.
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500));
  }
  // A key entry's own count, sealed inside the encrypted store: refused when the store is loaded.
  Keystore ks = load("/bcfks/keypair.bcfks");
  Entry& e = ks.entries().front();
  auto key_at = occurrences(e.sealed, kIterations51200);
  ASSERT_EQ(key_at.size(), 1u);
  std::copy(kIterationsHuge.begin(), kIterationsHuge.end(), e.sealed.begin() + static_cast<std::ptrdiff_t>(key_at.front()));
  EXPECT_EQ(error_code_of([&] { fmt::open_entry(e, kStorePass); }), "ITERATIONS_TOO_HIGH");
  EXPECT_EQ(code_of_read(fmt::write_keystore(ks, kStorePass)), "ITERATIONS_TOO_HIGH");
}

TEST(WriteKeystore, TheKdfCountAskedForIsTheOneWritten) {
  // What tests ask for when the count is not their subject (kTestKdfIterations), and users may too.
  Keystore ks = load("/bcfks/keypair.bcfks");
  open_all(ks);
  const Bytes k1000 = {0x02, 0x02, 0x03, 0xE8};  // the DER INTEGER 1000
  Bytes bcfks = fmt::write_keystore(ks, kStorePass, 1000);
  EXPECT_EQ(occurrences(bcfks, kIterations51200).size(), 0u);
  EXPECT_EQ(occurrences(bcfks, k1000).size(), 2u);  // the store encryption's and the MAC's
  Keystore back = fmt::read_keystore(bcfks, &kStorePass);
  EXPECT_EQ(occurrences(back.entries().front().sealed, k1000).size(), 1u);  // the key's, inside the encrypted data
  fmt::open_entry(back.entries().front(), kStorePass);
  EXPECT_TRUE(back.entries().front().plain == ks.entries().front().plain);

  ks.set_type(StoreType::Jceks);
  const Bytes k200000 = {0x02, 0x03, 0x03, 0x0D, 0x40};  // Java's count for JCEKS keys
  EXPECT_EQ(occurrences(fmt::write_keystore(ks, kStorePass), k200000).size(), 1u);
  Bytes jceks = fmt::write_keystore(ks, kStorePass, 1000);
  EXPECT_EQ(occurrences(jceks, k200000).size(), 0u);
  EXPECT_EQ(occurrences(jceks, k1000).size(), 1u);
  back = fmt::read_keystore(jceks, &kStorePass);
  fmt::open_entry(back.entries().front(), kStorePass);
  EXPECT_TRUE(back.entries().front().plain == ks.entries().front().plain);

  for (std::int64_t bad : {std::int64_t{-1}, static_cast<std::int64_t>(limits::kMaxPbeIterations) + 1})
    EXPECT_EQ(error_code_of([&] { fmt::write_keystore(ks, kStorePass, static_cast<int>(bad)); }), "USAGE") << bad;
}

TEST(Bcfks, WrittenLikeBouncyCastle) {
  // What BC 1.72 writes (see testdata/keystores/bcfks): PBKDF2-HMAC-SHA512, 51200 rounds, 64-byte
  // salts, AES-256-CCM with a 12-byte nonce and an 8-byte tag, HMAC-SHA512 integrity check.
  Keystore ks = load("/bcfks/keypair.bcfks");
  open_all(ks);
  Bytes ours = fmt::write_keystore(ks, kStorePass);
  Bytes theirs = read_file(fixtures_dir() + "/bcfks/keypair.bcfks");
  auto shape = [](const Bytes& d) {
    // how often each parameter occurs: iteration counts, PRF/MAC OIDs, CCM OIDs, 12-byte nonces, 8-byte tags
    return std::make_tuple(occurrences(d, kIterations51200).size(),
                           occurrences(d, Bytes{0x06, 0x08, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x02, 0x0B}).size(),  // hmacWithSHA512
                           occurrences(d, Bytes{0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2F}).size(),  // aes256-CCM
                           occurrences(d, Bytes{0x04, 0x0C}).size() > 0, occurrences(d, Bytes{0x02, 0x01, 0x08}).size() > 0);
  };
  EXPECT_EQ(shape(ours), shape(theirs));
}

}  // namespace
}  // namespace midks::test
