// The one PKCS#12 opener and the one PKCS#8 module (formats/pkcs12.hpp, formats/pkcs8.hpp): KDF
// costs refused before any work (PBKDF2 iterations, scrypt N/r/p, key bags hidden inside an
// encrypted safe), both forms of an empty PKCS#12 password, and PKCS#8 <-> key in one place.
#include <openssl/asn1t.h>
#include <openssl/pkcs12.h>

#include <chrono>

#include "key_protection.hpp"
#include "midks/bundle.hpp"
#include "midks/limits.hpp"
#include "pem_bundle.hpp"
#include "pkcs12.hpp"
#include "pkcs8.hpp"
#include "support.hpp"

namespace midks::test {
namespace {

std::string absurd_dir() { return source_dir() + "/testdata/bundles/absurd"; }

// The code of the Error f throws ("" if none; ADD_FAILURE if it does not throw).
template <typename F>
std::string code_of(F&& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  ADD_FAILURE() << "expected an error";
  return {};
}

// A key and its certificate, from a bundle fixture.
struct KeyAndCert {
  ossl::PkeyPtr key;
  ossl::X509Ptr cert;
};
KeyAndCert key_and_cert() {
  fmt::BundleItems items;
  Bytes pem = read_file(source_dir() + "/testdata/bundles/leaf-and-key.pem");
  fmt::parse_bundle_file(pem, "leaf-and-key.pem", nullptr, items);
  EXPECT_EQ(items.keys.size(), 1u);
  EXPECT_FALSE(items.parsed_certs.empty());
  return {std::move(items.keys.front().key), std::move(items.parsed_certs.front())};
}

fmt::Pkcs12OpenOptions options(bool decrypt_keys) {
  return {"test.pfx", "test.pfx (PKCS#12/PFX)", decrypt_keys,
          [](const std::string& detail) { fail(ErrorCode::WRONG_STORE_PASSWORD, "test: " + detail); }};
}

TEST(Pkcs12Opener, KeyBagInsideAnEncryptedSafeIsRefusedOnceTheSafeIsOpen) {
  Bytes data = read_file(absurd_dir() + "/key-bag-in-encrypted-safe.pfx");
  Password pass("absurd-pass");
  auto start = std::chrono::steady_clock::now();
  std::string message;
  // The bundle reader and the keystore reader: the same opener, the same refusal.
  fmt::BundleItems items;
  EXPECT_EQ(code_of([&] { fmt::parse_bundle_file(data, "in-safe.pfx", &pass, items); }, &message), "ITERATIONS_TOO_HIGH");
  EXPECT_NE(message.find("2147483647"), std::string::npos) << message;
  EXPECT_EQ(code_of([&] { fmt::read_pkcs12(data, pass); }, &message), "ITERATIONS_TOO_HIGH");
  EXPECT_NE(message.find("a private key in the keystore"), std::string::npos) << message;
  // Without the password the key bag cannot be seen: the MAC says so first.
  EXPECT_EQ(code_of([&] { fmt::parse_bundle_file(data, "in-safe.pfx", nullptr, items); }), "PASSPHRASE_NEEDED");
  Password wrong("wrong");
  EXPECT_EQ(code_of([&] { fmt::parse_bundle_file(data, "in-safe.pfx", &wrong, items); }), "PASSPHRASE_WRONG");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(Pkcs12Opener, ScryptWithAnAbsurdNIsRefusedWithOrWithoutThePassphrase) {
  Bytes data = read_file(absurd_dir() + "/scrypt-n-pkcs8.pem");
  Password pass("absurd-pass");
  const Password* none = nullptr;
  for (const Password* p : {static_cast<const Password*>(&pass), none}) {
    auto start = std::chrono::steady_clock::now();
    fmt::BundleItems items;
    std::string message;
    EXPECT_EQ(code_of([&] { fmt::parse_bundle_file(data, "scrypt.pem", p, items); }, &message), "ITERATIONS_TOO_HIGH");
    EXPECT_NE(message.find("scrypt N=1073741824, r=8, p=1"), std::string::npos) << message;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  }
}

// An scrypt KDF AlgorithmIdentifier with any N, r, p (OpenSSL's own constructor refuses
// parameters over its memory limit, so the structure is built by hand).
ossl::Handle<X509_ALGOR, X509_ALGOR_free> scrypt_kdf(std::uint64_t n, std::uint64_t r, std::uint64_t p) {
  ossl::Handle<SCRYPT_PARAMS, SCRYPT_PARAMS_free> params(SCRYPT_PARAMS_new());
  const unsigned char salt[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_TRUE(params && ASN1_OCTET_STRING_set(params->salt, salt, sizeof salt) &&
              ASN1_INTEGER_set_uint64(params->costParameter, n) && ASN1_INTEGER_set_uint64(params->blockSize, r) &&
              ASN1_INTEGER_set_uint64(params->parallelizationParameter, p));
  ASN1_STRING* seq = nullptr;
  EXPECT_TRUE(ASN1_item_pack(params.get(), ASN1_ITEM_rptr(SCRYPT_PARAMS), &seq));
  ossl::Handle<X509_ALGOR, X509_ALGOR_free> alg(X509_ALGOR_new());
  EXPECT_TRUE(X509_ALGOR_set0(alg.get(), OBJ_nid2obj(NID_id_scrypt), V_ASN1_SEQUENCE, seq));
  return alg;
}

TEST(KdfCost, ScryptParametersAreEachCappedAndSoIsTheirProduct) {
  auto refused = [](std::uint64_t n, std::uint64_t r, std::uint64_t p) {
    auto alg = scrypt_kdf(n, r, p);
    try {
      fmt::check_kdf_cost(alg.get(), "the key");
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "ITERATIONS_TOO_HIGH");
      return true;
    }
    return false;
  };
  EXPECT_FALSE(refused(16384, 8, 1));  // OpenSSL's default
  EXPECT_FALSE(refused(limits::kMaxScryptN, 1, 4));
  EXPECT_TRUE(refused(limits::kMaxScryptN * 2, 1, 1));
  EXPECT_TRUE(refused(1024, limits::kMaxScryptR + 1, 1));
  EXPECT_TRUE(refused(1024, 1, limits::kMaxScryptP + 1));
  EXPECT_TRUE(refused(std::uint64_t{1} << 40, 1, 1));
  EXPECT_TRUE(refused(1024, 1, std::uint64_t{1} << 62));
  EXPECT_TRUE(refused(limits::kMaxScryptN, 8, 1));  // each within its cap, the product not
}

TEST(KdfCost, EncryptedPkcs8IsCheckedBeforeThePasswordMatters) {
  Bytes der = read_file(absurd_dir() + "/encrypted-pkcs8.der");
  ossl::X509SigPtr sig = fmt::parse_encrypted_pkcs8(der);
  ASSERT_TRUE(sig);
  EXPECT_EQ(code_of([&] { fmt::decrypt_pkcs8(sig.get(), nullptr, 0, "the key"); }), "ITERATIONS_TOO_HIGH");
  EXPECT_EQ(code_of([&] { fmt::decrypt_pkcs8(sig.get(), Password("absurd-pass"), "the key"); }), "ITERATIONS_TOO_HIGH");
}

// A PFX under PKCS#12's own 3DES scheme and a SHA-1 MAC, whose KDF tells a null password (no bytes)
// from "" (a UTF-16 NUL).
Bytes legacy_pfx(const KeyAndCert& kc, const char* pass) {
  ossl::Pkcs12Ptr p12(PKCS12_create(pass, "entry", kc.key.get(), kc.cert.get(), nullptr, NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
                                    NID_pbe_WithSHA1And3_Key_TripleDES_CBC, 2048, 2048, 0));
  EXPECT_TRUE(p12) << ossl::drain_errors();
  return ossl::to_der(p12.get(), i2d_PKCS12);
}

TEST(Pkcs12Opener, BothFormsOfAnEmptyPasswordOpen) {
  KeyAndCert kc = key_and_cert();
  for (const char* form : {static_cast<const char*>(nullptr), ""}) {
    SCOPED_TRACE(form ? "\"\"" : "null");
    Bytes data = legacy_pfx(kc, form);
    ossl::Pkcs12Ptr p12 = fmt::parse_pkcs12(data);
    ASSERT_TRUE(p12);
    // The premise: the MAC verifies with the form it was made with and not with the other.
    EXPECT_EQ(PKCS12_verify_mac(p12.get(), form ? nullptr : "", 0), 0);
    ossl::drain_errors();
    fmt::Pkcs12Contents pfx = fmt::open_pkcs12(p12.get(), Password(""), options(true));
    EXPECT_TRUE(pfx.mac_verified);
    EXPECT_TRUE(pfx.legacy_encryption);
    ASSERT_EQ(pfx.bags.size(), 2u);
    const fmt::Pkcs12Bag& key = pfx.bags[0].kind == fmt::Pkcs12Bag::Kind::Key ? pfx.bags[0] : pfx.bags[1];
    ASSERT_EQ(key.kind, fmt::Pkcs12Bag::Kind::Key);
    EXPECT_EQ(EVP_PKEY_eq(fmt::private_key_from_pkcs8(key.key.view()).get(), kc.key.get()), 1);
    EXPECT_EQ(code_of([&] { fmt::open_pkcs12(p12.get(), Password("x"), options(true)); }), "WRONG_STORE_PASSWORD");
  }
}

TEST(Pkcs12Opener, KeysStaySealedUnlessAskedFor) {
  KeyAndCert kc = key_and_cert();
  Bytes data = legacy_pfx(kc, "pfx-pass");
  ossl::Pkcs12Ptr p12 = fmt::parse_pkcs12(data);
  ASSERT_TRUE(p12);
  fmt::Pkcs12Contents pfx = fmt::open_pkcs12(p12.get(), Password("pfx-pass"), options(false));
  int sealed = 0, certs = 0;
  for (const fmt::Pkcs12Bag& b : pfx.bags) {
    sealed += b.kind == fmt::Pkcs12Bag::Kind::ShroudedKey;
    certs += b.kind == fmt::Pkcs12Bag::Kind::Certificate;
    if (b.kind == fmt::Pkcs12Bag::Kind::Certificate) {
      EXPECT_EQ(b.attributes.friendly_name, "entry");
    }
  }
  EXPECT_EQ(sealed, 1);
  EXPECT_EQ(certs, 1);
}

TEST(Pkcs12Opener, NotAPfxSaysWhy) {
  std::string problem;
  EXPECT_FALSE(fmt::parse_pkcs12(Bytes{0x30, 0x03, 0x02, 0x01, 0x03}, &problem));
  EXPECT_NE(problem.find("not a PKCS#12 PFX"), std::string::npos) << problem;
  KeyAndCert kc = key_and_cert();
  Bytes data = legacy_pfx(kc, "p");
  data.push_back(0);
  EXPECT_FALSE(fmt::parse_pkcs12(data, &problem));
  EXPECT_NE(problem.find("1 unexpected bytes after the PFX"), std::string::npos) << problem;
}

TEST(Pkcs8, OneWayInAndOneWayOut) {
  KeyAndCert kc = key_and_cert();
  SecureBytes der = fmt::pkcs8_of(kc.key.get());
  EXPECT_TRUE(fmt::is_canonical_pkcs8_v1(der.view()));
  ossl::PkeyPtr back = fmt::private_key_from_pkcs8(der.view());
  EXPECT_EQ(EVP_PKEY_eq(back.get(), kc.key.get()), 1);

  // Trailing bytes, a cut, garbage: no key, and a coded error where one is asked for.
  SecureBytes longer = der;
  longer.append(Bytes{0});
  EXPECT_FALSE(fmt::try_private_key_from_pkcs8(longer.view()));
  EXPECT_FALSE(fmt::is_canonical_pkcs8_v1(longer.view()));
  EXPECT_FALSE(fmt::try_private_key_from_pkcs8(der.view().first(der.size() - 1)));
  std::string message;
  EXPECT_EQ(code_of([&] { fmt::private_key_from_pkcs8(Bytes{0x30, 0x00}, "the key at test.pem"); }, &message), "KEY_UNREADABLE");
  EXPECT_NE(message.find("the key at test.pem"), std::string::npos) << message;
}

TEST(Pkcs8, EncryptedKeysOpenWithTheirPasswordOnly) {
  KeyAndCert kc = key_and_cert();
  SecureBytes der = fmt::pkcs8_of(kc.key.get());
  Bytes sealed = fmt::seal_private_key_pbes2(der.view(), Password("right"), 1000);
  ossl::X509SigPtr sig = fmt::parse_encrypted_pkcs8(sealed);
  ASSERT_TRUE(sig);
  EXPECT_TRUE(fmt::decrypt_pkcs8(sig.get(), Password("right"), "k") == der);
  EXPECT_TRUE(fmt::decrypt_pkcs8(sig.get(), Password("wrong"), "k").empty());
}

}  // namespace
}  // namespace midks::test
