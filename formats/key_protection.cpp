#include "key_protection.hpp"

#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <algorithm>

#include "midks/ossl.hpp"
#include "pkcs8.hpp"

namespace midks::fmt {

namespace {

constexpr std::size_t kSunSaltLen = 20;
constexpr std::size_t kSha1Len = 20;

ossl::X509SigPtr parse_epki(ByteView epki) {
  ossl::X509SigPtr sig = parse_encrypted_pkcs8(epki);
  if (!sig) fail(ErrorCode::KEYSTORE_CORRUPT, "protected private key is not a valid EncryptedPrivateKeyInfo");
  return sig;
}

std::string oid_text(const ASN1_OBJECT* obj) {
  char buf[128];
  int n = OBJ_obj2txt(buf, sizeof buf, obj, 1);
  return n > 0 ? std::string(buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1)) : std::string();
}

ossl::AsnObjectPtr oid(const char* dotted) {
  return ossl::AsnObjectPtr(ossl::check_alloc(OBJ_txt2obj(dotted, 1), "OBJ_txt2obj"));  // our own constants
}

Bytes build_epki(const char* alg_oid, int param_type, void* param, ByteView encrypted) {
  ossl::X509SigPtr sig(ossl::check_alloc(X509_SIG_new(), "X509_SIG_new"));
  X509_ALGOR* alg = nullptr;
  ASN1_OCTET_STRING* digest = nullptr;
  X509_SIG_getm(sig.get(), &alg, &digest);
  if (!X509_ALGOR_set0(alg, oid(alg_oid).release(), param_type, param) ||
      !ASN1_OCTET_STRING_set(digest, encrypted.data(), static_cast<int>(encrypted.size())))
    ossl::throw_last(ErrorCode::INTERNAL, "cannot encode the protected private key");
  return ossl::to_der(sig.get(), i2d_X509_SIG);
}

// SHA1(passwd || salt) || SHA1(passwd || previous) || … — Sun's JKS key stream.
void sun_keystream_xor(const SecureBytes& passwd, ByteView salt, ByteView in, std::uint8_t* out) {
  std::uint8_t digest[kSha1Len];
  OnScopeExit wipe_digest([&digest] { wipe(digest, sizeof digest); });
  ByteView previous = salt;
  for (std::size_t off = 0; off < in.size(); off += kSha1Len) {
    sha1({passwd.view(), previous}, digest);  // reads previous fully before writing digest
    previous = ByteView(digest, kSha1Len);
    std::size_t n = std::min(kSha1Len, in.size() - off);
    for (std::size_t k = 0; k < n; ++k) out[off + k] = static_cast<std::uint8_t>(in[off + k] ^ digest[k]);
  }
}

SecureBytes open_sun_jks(ByteView data, const Password& password) {
  if (data.size() < kSunSaltLen + kSha1Len)
    fail(ErrorCode::KEYSTORE_CORRUPT, "protected private key is too short to hold Sun's salt and check digest");
  SecureBytes passwd = password.utf16be();
  ByteView salt = data.first(kSunSaltLen);
  ByteView cipher = data.subspan(kSunSaltLen, data.size() - kSunSaltLen - kSha1Len);
  ByteView check = data.last(kSha1Len);
  SecureBytes plain;
  plain.resize(cipher.size());
  sun_keystream_xor(passwd, salt, cipher, plain.data());
  std::uint8_t computed[kSha1Len];
  sha1({passwd.view(), plain.view()}, computed);
  if (CRYPTO_memcmp(computed, check.data(), kSha1Len) != 0)
    fail(ErrorCode::WRONG_KEY_PASSWORD, "key password is incorrect (Sun JKS key protection check failed)");
  return plain;
}

// PBES1Core.deriveCipherKey for DESede: 24-byte key + 8-byte IV from two MD5 chains.
SecureBytes jce_derive(const SecureBytes& passwd, ByteView salt8, std::uint64_t iterations) {
  std::uint8_t salt[8];
  std::copy(salt8.begin(), salt8.end(), salt);
  if (std::equal(salt, salt + 4, salt + 4)) {
    // Java's loop has a typo (salt[3-1] instead of salt[3-i]) that turns [a,b,c,d] into [d,a,b,d];
    // reproduce it byte for byte or keys sealed with such salts would not open.
    for (int i = 0; i < 2; ++i) {
      std::uint8_t tmp = salt[i];
      salt[i] = salt[3 - i];
      salt[2] = tmp;
    }
  }
  SecureBytes result;
  result.resize(32);
  ossl::MdCtxPtr ctx(ossl::check_alloc(EVP_MD_CTX_new(), "EVP_MD_CTX_new"));
  for (int half = 0; half < 2; ++half) {
    std::uint8_t buf[16];
    OnScopeExit wipe_buf([&buf] { wipe(buf, sizeof buf); });
    std::size_t len = 4;
    std::copy(salt + half * 4, salt + half * 4 + 4, buf);
    for (std::uint64_t j = 0; j < iterations; ++j) {
      unsigned int out_len = 0;
      if (!EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) || !EVP_DigestUpdate(ctx.get(), buf, len) ||
          !EVP_DigestUpdate(ctx.get(), passwd.data(), passwd.size()) || !EVP_DigestFinal_ex(ctx.get(), buf, &out_len))
        ossl::throw_last(ErrorCode::INTERNAL, "MD5 failed");
      len = out_len;
    }
    std::copy(buf, buf + 16, result.data() + half * 16);
  }
  return result;
}

struct PbeParams {
  Bytes salt;
  std::uint64_t iterations = 0;
};

PbeParams parse_pbe_param(const ASN1_TYPE* param) {
  if (!param || param->type != V_ASN1_SEQUENCE)
    fail(ErrorCode::KEYSTORE_CORRUPT, "PBEWithMD5AndTripleDES parameters are missing");
  ossl::Handle<PBEPARAM, PBEPARAM_free> pbe(
      static_cast<PBEPARAM*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), param)));
  if (!pbe) {
    ossl::drain_errors();
    fail(ErrorCode::KEYSTORE_CORRUPT, "PBEWithMD5AndTripleDES parameters are malformed");
  }
  PbeParams out;
  ByteView salt = ossl::octets(pbe->salt);
  out.salt.assign(salt.begin(), salt.end());
  std::int64_t iter = 0;
  if (!ASN1_INTEGER_get_int64(&iter, pbe->iter) || iter < 1) fail(ErrorCode::KEYSTORE_CORRUPT, "PBE iteration count is invalid");
  out.iterations = static_cast<std::uint64_t>(iter);
  return out;
}

}  // namespace

void sha1(std::initializer_list<ByteView> parts, std::uint8_t out[20]) {
  ossl::MdCtxPtr ctx(ossl::check_alloc(EVP_MD_CTX_new(), "EVP_MD_CTX_new"));
  unsigned int len = 0;
  bool ok = EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr);
  for (ByteView part : parts) ok = ok && EVP_DigestUpdate(ctx.get(), part.data(), part.size());
  if (!ok || !EVP_DigestFinal_ex(ctx.get(), out, &len)) ossl::throw_last(ErrorCode::INTERNAL, "SHA-1 failed");
}

SecureBytes jce_pbe_crypt(bool encrypt, ByteView data, const Password& password, ByteView salt8,
                          std::uint64_t iterations) {
  if (salt8.size() != 8) fail(ErrorCode::KEYSTORE_CORRUPT, "PBEWithMD5AndTripleDES salt must be 8 bytes");
  check_iterations(iterations, limits::kMaxPbeIterations, "the protected private key");
  SecureBytes passwd = password.java_pbe_ascii("a JCEKS entry (PBEWithMD5AndTripleDES)");
  SecureBytes key_iv = jce_derive(passwd, salt8, iterations);
  ossl::CipherCtxPtr ctx(ossl::check_alloc(EVP_CIPHER_CTX_new(), "EVP_CIPHER_CTX_new"));
  SecureBytes out;
  out.resize(data.size() + 8);
  int n1 = 0, n2 = 0;
  if (!EVP_CipherInit_ex(ctx.get(), EVP_des_ede3_cbc(), nullptr, key_iv.data(), key_iv.data() + 24, encrypt ? 1 : 0) ||
      !EVP_CipherUpdate(ctx.get(), out.data(), &n1, data.data(), static_cast<int>(data.size())))
    ossl::throw_last(ErrorCode::INTERNAL, "DESede failed");
  if (!EVP_CipherFinal_ex(ctx.get(), out.data() + n1, &n2)) {
    ossl::drain_errors();
    fail(ErrorCode::WRONG_KEY_PASSWORD, "password is incorrect (PBEWithMD5AndTripleDES padding check failed)");
  }
  out.resize(static_cast<std::size_t>(n1 + n2));
  return out;
}

std::uint64_t iteration_count(const ASN1_INTEGER* iter) {
  if (!iter) return 1;
  std::int64_t n = 0;
  if (!ASN1_INTEGER_get_int64(&n, iter) || n < 0) {
    ossl::drain_errors();
    return UINT64_MAX;
  }
  return static_cast<std::uint64_t>(n);
}

namespace {

// The parameters of an AlgorithmIdentifier as OpenSSL's structure T; null (errors drained) when
// absent or undecodable: then there is no count to check, and the decryption refuses them (it
// decodes them with the same templates).
template <typename T, void (*Free)(T*)>
ossl::Handle<T, Free> unpack_params(const ASN1_TYPE* param, const ASN1_ITEM* item) {
  if (!param || param->type != V_ASN1_SEQUENCE) return nullptr;
  ossl::Handle<T, Free> out(static_cast<T*>(ASN1_TYPE_unpack_sequence(item, param)));
  if (!out) ossl::drain_errors();
  return out;
}

[[noreturn]] void refuse_cost(const std::string& what, const std::string& asked, const std::string& limit) {
  fail(ErrorCode::ITERATIONS_TOO_HIGH, what + " asks for " + asked + "; the limit is " + limit + ", so it is refused before any work is done");
}

std::string scrypt_text(std::uint64_t n, std::uint64_t r, std::uint64_t p) {
  auto num = [](std::uint64_t v) { return v == UINT64_MAX ? std::string("(unreadable)") : std::to_string(v); };
  return "N=" + num(n) + ", r=" + num(r) + ", p=" + num(p);
}

}  // namespace

void check_kdf_cost(const X509_ALGOR* kdf, const std::string& what) {
  if (!kdf) return;
  switch (OBJ_obj2nid(kdf->algorithm)) {
    case NID_id_pbkdf2: {
      auto params = unpack_params<PBKDF2PARAM, PBKDF2PARAM_free>(kdf->parameter, ASN1_ITEM_rptr(PBKDF2PARAM));
      if (params) check_iterations(iteration_count(params->iter), limits::kMaxPbeIterations, what);
      break;
    }
    case NID_id_scrypt: {
      auto params = unpack_params<SCRYPT_PARAMS, SCRYPT_PARAMS_free>(kdf->parameter, ASN1_ITEM_rptr(SCRYPT_PARAMS));
      if (!params) break;
      std::uint64_t n = iteration_count(params->costParameter), r = iteration_count(params->blockSize),
                    p = iteration_count(params->parallelizationParameter);
      if (n > limits::kMaxScryptN || r > limits::kMaxScryptR || p > limits::kMaxScryptP ||
          n * r * p > limits::kMaxScryptWork)  // no overflow: each factor is capped first
        refuse_cost(what, "scrypt " + scrypt_text(n, r, p),
                    "N <= " + std::to_string(limits::kMaxScryptN) + ", r <= " + std::to_string(limits::kMaxScryptR) +
                        ", p <= " + std::to_string(limits::kMaxScryptP) + " and N*r*p <= " + std::to_string(limits::kMaxScryptWork));
      break;
    }
    default:
      break;  // a KDF OpenSSL does not know: the decryption refuses it without running anything
  }
}

void check_iterations(std::uint64_t count, std::uint64_t limit, const std::string& what) {
  if (count <= limit) return;
  std::string asked = count == UINT64_MAX ? "an unreadable or negative number of" : std::to_string(count);
  refuse_cost(what, asked + " key-derivation iterations", std::to_string(limit) + " (Java refuses more too)");
}

void check_pbe_cost(const X509_ALGOR* alg, const std::string& what) {
  if (!alg) return;
  if (OBJ_obj2nid(alg->algorithm) == NID_pbes2) {
    auto pbe2 = unpack_params<PBE2PARAM, PBE2PARAM_free>(alg->parameter, ASN1_ITEM_rptr(PBE2PARAM));
    if (pbe2) check_kdf_cost(pbe2->keyfunc, what);
    return;
  }
  // PKCS#5 v1 and PKCS#12 PBE schemes: PBEParameter ::= SEQUENCE { salt, iterationCount }.
  auto pbe = unpack_params<PBEPARAM, PBEPARAM_free>(alg->parameter, ASN1_ITEM_rptr(PBEPARAM));
  if (pbe) check_iterations(iteration_count(pbe->iter), limits::kMaxPbeIterations, what);
}

std::string sealed_key_algorithm(ByteView epki) {
  auto sig = parse_epki(epki);
  const X509_ALGOR* alg = nullptr;
  X509_SIG_get0(sig.get(), &alg, nullptr);
  return oid_text(alg->algorithm);
}

SecureBytes open_private_key(ByteView epki, const Password& password) {
  auto sig = parse_epki(epki);
  const X509_ALGOR* alg = nullptr;
  const ASN1_OCTET_STRING* data = nullptr;
  X509_SIG_get0(sig.get(), &alg, &data);
  std::string alg_oid = oid_text(alg->algorithm);

  SecureBytes plain;
  if (alg_oid == kOidSunJksKeyProtector) {
    plain = open_sun_jks(ossl::octets(data), password);
  } else if (alg_oid == kOidSunJcePbe) {
    PbeParams params = parse_pbe_param(alg->parameter);
    plain = jce_pbe_crypt(false, ossl::octets(data), password, params.salt, params.iterations);
  } else {
    plain = decrypt_pkcs8(sig.get(), password, "the protected private key");
    if (plain.empty())
      fail(ErrorCode::WRONG_KEY_PASSWORD, "key password is incorrect (cannot decrypt the private key)");
  }
  // The result must be a PrivateKeyInfo; a wrong password that slipped past a padding check lands here.
  if (!parse_pkcs8(plain.view()))
    fail(ErrorCode::WRONG_KEY_PASSWORD, "key password is incorrect (decrypted data is not a private key)");
  return plain;
}

Bytes seal_private_key_jks(ByteView pkcs8, const Password& password) {
  SecureBytes passwd = password.utf16be();
  Bytes salt = ossl::random_bytes(kSunSaltLen);
  Bytes blob(kSunSaltLen + pkcs8.size() + kSha1Len);
  std::copy(salt.begin(), salt.end(), blob.begin());
  sun_keystream_xor(passwd, salt, pkcs8, blob.data() + kSunSaltLen);
  sha1({passwd.view(), pkcs8}, blob.data() + kSunSaltLen + pkcs8.size());
  // Java writes this AlgorithmIdentifier with NULL parameters.
  return build_epki(kOidSunJksKeyProtector, V_ASN1_NULL, nullptr, blob);
}

Bytes seal_private_key_jceks(ByteView pkcs8, const Password& password, int iterations) {
  Bytes salt = ossl::random_bytes(8);
  SecureBytes cipher = jce_pbe_crypt(true, pkcs8, password, salt, static_cast<std::uint64_t>(iterations));
  ossl::Handle<PBEPARAM, PBEPARAM_free> pbe(ossl::check_alloc(PBEPARAM_new(), "PBEPARAM_new"));
  if (!ASN1_OCTET_STRING_set(pbe->salt, salt.data(), static_cast<int>(salt.size())) ||
      !ASN1_INTEGER_set(pbe->iter, iterations))
    ossl::throw_last(ErrorCode::INTERNAL, "cannot encode PBE parameters");
  ASN1_STRING* seq = nullptr;
  if (!ASN1_item_pack(pbe.get(), ASN1_ITEM_rptr(PBEPARAM), &seq))
    ossl::throw_last(ErrorCode::INTERNAL, "cannot encode PBE parameters");
  return build_epki(kOidSunJcePbe, V_ASN1_SEQUENCE, seq, cipher.view());
}

Bytes seal_private_key_pbes2(ByteView pkcs8, const Password& password, int iterations) {
  ossl::Pkcs8InfoPtr p8 = parse_pkcs8(pkcs8);
  if (!p8) fail(ErrorCode::KEY_UNREADABLE, "private key is not a valid PKCS#8 PrivateKeyInfo");
  ossl::X509SigPtr sig(PKCS8_encrypt_ex(-1, EVP_aes_256_cbc(), password.c_str(),
                                        static_cast<int>(password.size()), nullptr, 0, iterations, p8.get(), nullptr,
                                        nullptr));
  if (!sig) ossl::throw_last(ErrorCode::INTERNAL, "cannot encrypt the private key");
  return ossl::to_der(sig.get(), i2d_X509_SIG);
}

}  // namespace midks::fmt
