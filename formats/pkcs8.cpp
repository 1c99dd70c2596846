#include "pkcs8.hpp"

#include <openssl/decoder.h>
#include <openssl/x509.h>

#include <algorithm>

#include "der_reader.hpp"
#include "key_protection.hpp"

namespace midks::fmt {

namespace {

// d2i of a whole DER input: null (errors drained) if it does not parse or bytes follow it.
template <typename T, void (*Free)(T*)>
ossl::Handle<T, Free> parse_whole(ByteView der, T* (*d2i)(T**, const unsigned char**, long)) {
  const unsigned char* p = der.data();
  ossl::Handle<T, Free> out(d2i(nullptr, &p, static_cast<long>(der.size())));
  if (!out || p != der.data() + der.size()) {
    ossl::drain_errors();
    return nullptr;
  }
  return out;
}

// Java's names of secret-key algorithms and the OIDs its PKCS#12 keystore maps them to.
constexpr std::pair<const char*, const char*> kSecretKeyAlgorithms[] = {
    {"2.16.840.1.101.3.4.1", "AES"},         {"1.2.840.113549.3.7", "DESede"},     {"1.3.14.3.2.7", "DES"},
    {"1.2.840.113549.2.7", "HmacSHA1"},      {"1.2.840.113549.2.9", "HmacSHA256"}, {"1.2.840.113549.2.11", "HmacSHA512"}};

}  // namespace

SecureBytes secret_key_from_pkcs8(ByteView der, std::string& java_algorithm, const std::string& what) {
  ossl::Pkcs8InfoPtr p8 = parse_pkcs8(der);
  const unsigned char* key = nullptr;
  int len = 0;
  const X509_ALGOR* alg = nullptr;
  if (!p8 || !PKCS8_pkey_get0(nullptr, &key, &len, &alg, p8.get()))
    fail(ErrorCode::KEYSTORE_CORRUPT, what + " is not in Java's layout of a secret key (a PrivateKeyInfo holding the raw key)");
  char dotted[80];
  OBJ_obj2txt(dotted, sizeof dotted, alg->algorithm, 1);
  java_algorithm = dotted;  // an OID Java has no name for is shown as it is
  for (const auto& [number, name] : kSecretKeyAlgorithms)
    if (java_algorithm == number) java_algorithm = name;
  return SecureBytes(ByteView(key, static_cast<std::size_t>(len)));
}

SecureBytes secret_key_pkcs8(ByteView key, const std::string& java_algorithm, const std::string& what) {
  const char* oid = nullptr;
  for (const auto& [number, name] : kSecretKeyAlgorithms)
    if (java_algorithm == name || java_algorithm == number) oid = number;
  if (!oid) fail(ErrorCode::ENTRY_NOT_STORABLE, what + " is a " + java_algorithm + " key, for which Java's PKCS#12 keystore names no algorithm");
  ossl::Pkcs8InfoPtr p8(ossl::check_alloc(PKCS8_PRIV_KEY_INFO_new(), "PKCS8_PRIV_KEY_INFO_new"));
  ossl::AsnObjectPtr object(ossl::check_alloc(OBJ_txt2obj(oid, 1), "OBJ_txt2obj"));
  // set0 takes the buffer, so it must be OpenSSL's; freeing a PrivateKeyInfo cleanses its key octets.
  auto* copy = static_cast<unsigned char*>(OPENSSL_malloc(key.empty() ? 1 : key.size()));
  if (!copy) ossl::fail_internal("OPENSSL_malloc");
  std::copy(key.begin(), key.end(), copy);
  if (!PKCS8_pkey_set0(p8.get(), object.get(), 0, V_ASN1_UNDEF, nullptr, copy, static_cast<int>(key.size()))) {
    OPENSSL_clear_free(copy, key.size());
    ossl::fail_internal("PKCS8_pkey_set0");
  }
  object.release();
  return ossl::to_secret_der(p8.get(), i2d_PKCS8_PRIV_KEY_INFO);
}

ossl::Pkcs8InfoPtr parse_pkcs8(ByteView der) {
  return parse_whole<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>(der, d2i_PKCS8_PRIV_KEY_INFO);
}

ossl::X509SigPtr parse_encrypted_pkcs8(ByteView der) { return parse_whole<X509_SIG, X509_SIG_free>(der, d2i_X509_SIG); }

namespace {

// OpenSSL 3.0 collects every key manager's decoders for a decoder context (EVP_PKCS82PKEY asks for
// any key type: ~4 M instructions, a sixth of an import), or only those of one type when told it:
// the key's algorithm OID, which every default-provider key manager also answers to.
ossl::PkeyPtr decode_typed_pkcs8(const PKCS8_PRIV_KEY_INFO* p8, ByteView der) {
  const ASN1_OBJECT* algorithm = nullptr;
  if (PKCS8_pkey_get0(&algorithm, nullptr, nullptr, nullptr, p8) != 1) return nullptr;
  char oid[80];
  int oid_len = OBJ_obj2txt(oid, sizeof oid, algorithm, 1);
  if (oid_len <= 0 || oid_len >= static_cast<int>(sizeof oid)) return nullptr;
  EVP_PKEY* out = nullptr;
  ossl::DecoderCtxPtr ctx(OSSL_DECODER_CTX_new_for_pkey(&out, "DER", "PrivateKeyInfo", oid, EVP_PKEY_KEYPAIR, nullptr, nullptr));
  const unsigned char* p = der.data();
  std::size_t left = der.size();
  bool decoded = ctx && OSSL_DECODER_from_data(ctx.get(), &p, &left) == 1;
  ossl::PkeyPtr key(out);  // owned whatever the outcome
  return decoded && left == 0 ? std::move(key) : nullptr;
}

}  // namespace

ossl::PkeyPtr try_private_key_from_pkcs8(ByteView der) {
  ossl::Pkcs8InfoPtr p8 = parse_pkcs8(der);
  if (!p8) return nullptr;
  ossl::PkeyPtr key = decode_typed_pkcs8(p8.get(), der);
  if (!key) key.reset(EVP_PKCS82PKEY(p8.get()));  // any other type, and the legacy methods
  if (!key) ossl::drain_errors();
  return key;
}

ossl::PkeyPtr private_key_from_pkcs8(ByteView der, const std::string& what) {
  ossl::PkeyPtr key = try_private_key_from_pkcs8(der);
  if (!key)
    fail(ErrorCode::KEY_UNREADABLE, what + " cannot be read (not a PKCS#8 private key OpenSSL knows)");
  return key;
}

SecureBytes pkcs8_of(const EVP_PKEY* key) {
  ossl::Pkcs8InfoPtr p8(EVP_PKEY2PKCS8(key));
  if (!p8) ossl::throw_last(ErrorCode::INTERNAL, "cannot convert the private key to PKCS#8");
  return ossl::to_secret_der(p8.get(), i2d_PKCS8_PRIV_KEY_INFO);
}

bool is_canonical_pkcs8_v1(ByteView der) {
  // PrivateKeyInfo ::= SEQUENCE { version INTEGER (0), … }
  DerReader r(der, "the private key");
  auto info = r.try_next();
  if (!info || info->tag != der::kSequence || !r.at_end()) return false;
  DerReader fields = r.enter(*info);
  auto version = fields.try_next();
  if (!version || version->tag != der::kInteger || version->content.size() != 1 || version->content[0] != 0) return false;
  ossl::Pkcs8InfoPtr p8 = parse_pkcs8(der);
  if (!p8) return false;
  SecureBytes again = ossl::to_secret_der(p8.get(), i2d_PKCS8_PRIV_KEY_INFO);
  return again.size() == der.size() && std::equal(der.begin(), der.end(), again.data());
}

SecureBytes decrypt_pkcs8(const X509_SIG* epki, const char* pass, int passlen, const std::string& what) {
  const X509_ALGOR* alg = nullptr;
  X509_SIG_get0(epki, &alg, nullptr);
  check_pbe_cost(alg, what);
  ossl::Pkcs8InfoPtr p8 =
      ossl::with_legacy_retry([&] { return ossl::Pkcs8InfoPtr(PKCS8_decrypt_ex(epki, pass, passlen, nullptr, nullptr)); });
  if (!p8) {
    ossl::drain_errors();
    return {};
  }
  return ossl::to_secret_der(p8.get(), i2d_PKCS8_PRIV_KEY_INFO);
}

SecureBytes decrypt_pkcs8(const X509_SIG* epki, const Password& password, const std::string& what) {
  return decrypt_pkcs8(epki, password.c_str(), static_cast<int>(password.size()), what);
}

}  // namespace midks::fmt
