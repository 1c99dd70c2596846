#include "midks/csr.hpp"

#include <algorithm>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "midks/error.hpp"
#include "midks/ossl.hpp"
#include "pkcs8.hpp"

namespace midks {

namespace {

using X509NamePtr = ossl::Handle<X509_NAME, X509_NAME_free>;
using X509ReqPtr = ossl::Handle<X509_REQ, X509_REQ_free>;
using X509ExtPtr = ossl::Handle<X509_EXTENSION, X509_EXTENSION_free>;
inline void free_ext_stack(STACK_OF(X509_EXTENSION) * s) { sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free); }
using X509ExtStackPtr = ossl::Handle<STACK_OF(X509_EXTENSION), free_ext_stack>;

const std::string kKeyTypes = "rsa2048, rsa3072, rsa4096, ec256 or ec384";

ossl::PkeyPtr generate_key(const std::string& type) {
  EVP_PKEY* key = nullptr;
  if (type == "rsa2048" || type == "rsa3072" || type == "rsa4096")
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(std::stoi(type.substr(3))));
  else if (type == "ec256" || type == "p256")
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  else if (type == "ec384" || type == "p384")
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  else
    fail(ErrorCode::KEY_TYPE_UNKNOWN, "unknown key type '" + type + "'");
  if (!key) ossl::throw_last(ErrorCode::INTERNAL, "key generation failed");
  return ossl::PkeyPtr(key);
}

// "CN=a,O=b\,c" (RFC 4514 order: most specific first, as people write it) or "/CN=a/O=b"
// (OpenSSL's order). Returns (field, value) pairs in the order they go into the name.
std::vector<std::pair<std::string, std::string>> split_subject(const std::string& subject) {
  std::vector<std::pair<std::string, std::string>> parts;
  bool slash_form = !subject.empty() && subject[0] == '/';
  char sep = slash_form ? '/' : ',';
  std::string current;
  auto flush = [&] {
    std::size_t b = current.find_first_not_of(' '), e = current.find_last_not_of(' ');
    std::string part = b == std::string::npos ? "" : current.substr(b, e - b + 1);
    current.clear();
    if (part.empty()) return;
    std::size_t eq = part.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == part.size())
      fail(ErrorCode::SUBJECT_INVALID, "the subject part '" + part + "' is not FIELD=value");
    parts.emplace_back(part.substr(0, eq), part.substr(eq + 1));
  };
  for (std::size_t i = slash_form ? 1 : 0; i < subject.size(); ++i) {
    if (subject[i] == '\\' && i + 1 < subject.size()) {
      current += subject[++i];
    } else if (subject[i] == sep) {
      flush();
    } else {
      current += subject[i];
    }
  }
  flush();
  if (parts.empty()) fail(ErrorCode::SUBJECT_INVALID, "the subject is empty");
  if (!slash_form) std::reverse(parts.begin(), parts.end());  // RFC 4514 lists the most specific first
  return parts;
}

X509NamePtr make_name(const std::string& subject) {
  X509NamePtr name(ossl::check_alloc(X509_NAME_new(), "X509_NAME_new"));
  for (const auto& [field, value] : split_subject(subject))
    if (X509_NAME_add_entry_by_txt(name.get(), field.c_str(), MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1) {
      ossl::drain_errors();
      fail(ErrorCode::SUBJECT_INVALID, "the subject field '" + field + "=" + value + "' is not valid");
    }
  return name;
}

std::string san_list(const std::vector<std::string>& sans) {
  std::string out;
  for (const std::string& s : sans) {
    std::string item = s.find(':') == std::string::npos ? "DNS:" + s : s;
    out += (out.empty() ? "" : ",") + item;
  }
  return out;
}

void add_extension(STACK_OF(X509_EXTENSION) * exts, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, nullptr, nullptr, nullptr, nullptr, 0);
  X509ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext) {
    ossl::drain_errors();
    fail(ErrorCode::SUBJECT_INVALID, "'" + value + "' is not a valid " + OBJ_nid2ln(nid));
  }
  if (!sk_X509_EXTENSION_push(exts, ext.get())) ossl::fail_internal("sk_X509_EXTENSION_push");
  ext.release();
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// The PKCS#10 request for key under name, as PEM.
std::string build_request(const CsrSpec& spec, X509_NAME* name, EVP_PKEY* key) {
  X509ReqPtr req(ossl::check_alloc(X509_REQ_new(), "X509_REQ_new"));
  X509ExtStackPtr exts(ossl::check_alloc(sk_X509_EXTENSION_new_null(), "sk_X509_EXTENSION_new_null"));
  // keyEncipherment only means something for RSA; an EC key signs.
  bool rsa = EVP_PKEY_is_a(key, "RSA");
  add_extension(exts.get(), NID_key_usage, rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature");
  add_extension(exts.get(), NID_ext_key_usage, "clientAuth");
  if (!spec.sans.empty()) add_extension(exts.get(), NID_subject_alt_name, san_list(spec.sans));
  if (X509_REQ_set_version(req.get(), 0) != 1 || X509_REQ_set_subject_name(req.get(), name) != 1 ||
      X509_REQ_set_pubkey(req.get(), key) != 1 || X509_REQ_add_extensions(req.get(), exts.get()) != 1 ||
      X509_REQ_sign(req.get(), key, EVP_sha256()) <= 0)
    ossl::throw_last(ErrorCode::INTERNAL, "cannot build the certificate request");
  ossl::BioPtr csr_bio(ossl::check_alloc(BIO_new(BIO_s_mem()), "BIO_new"));
  if (PEM_write_bio_X509_REQ(csr_bio.get(), req.get()) != 1) ossl::throw_last(ErrorCode::INTERNAL, "cannot write the request");
  return bio_text(csr_bio.get());
}

// keytool -genkeypair's certificate: v3, self-signed, a random 64-bit serial, a subject key
// identifier and nothing else.
Bytes self_signed_placeholder(X509_NAME* name, EVP_PKEY* key, int days) {
  ossl::X509Ptr cert(ossl::check_alloc(X509_new(), "X509_new"));
  Bytes serial = ossl::random_bytes(8);
  serial[0] &= 0x7F;  // positive
  ossl::Handle<BIGNUM, BN_free> bn(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  if (!bn || X509_set_version(cert.get(), 2) != 1 || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_subject_name(cert.get(), name) != 1 ||
      !X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, 0, nullptr) || !X509_time_adj_ex(X509_getm_notAfter(cert.get()), days, 0, nullptr) ||
      X509_set_pubkey(cert.get(), key) != 1)
    ossl::throw_last(ErrorCode::INTERNAL, "cannot build the placeholder certificate");
  // keytool's defaults: SHA256withRSA, SHA256withECDSA for P-256, SHA384withECDSA for P-384.
  const EVP_MD* digest = !EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) >= 384 ? EVP_sha384() : EVP_sha256();
  X509ExtPtr ski(X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_key_identifier, "hash"));
  if (!ski || X509_add_ext(cert.get(), ski.get(), -1) != 1 || X509_sign(cert.get(), key, digest) <= 0)
    ossl::throw_last(ErrorCode::INTERNAL, "cannot sign the placeholder certificate");
  return ossl::to_der(cert.get(), i2d_X509);
}

struct NewKey {
  X509NamePtr name;
  ossl::PkeyPtr key;
  std::string csr_pem;
};

NewKey new_key_and_request(const CsrSpec& spec) {
  NewKey made{make_name(spec.subject), nullptr, {}};  // the subject is checked before the (slow) key generation
  made.key = generate_key(spec.key_type);
  made.csr_pem = build_request(spec, made.name.get(), made.key.get());
  return made;
}

}  // namespace

KeyPairRequest make_key_pair_request(const CsrSpec& spec, int placeholder_days) {
  NewKey made = new_key_and_request(spec);
  KeyPairRequest out;
  out.csr_pem = std::move(made.csr_pem);
  out.placeholder_cert = self_signed_placeholder(made.name.get(), made.key.get(), placeholder_days);
  out.pkcs8 = fmt::pkcs8_of(made.key.get());
  return out;
}

std::string make_request_for(const SecureBytes& pkcs8, const Bytes& certificate, const CsrSpec& spec) {
  ossl::PkeyPtr key = fmt::private_key_from_pkcs8(pkcs8.view());
  if (!spec.subject.empty()) return build_request(spec, make_name(spec.subject).get(), key.get());
  ossl::X509Ptr cert = ossl::parse_cert_der(certificate);
  return build_request(spec, X509_get_subject_name(cert.get()), key.get());
}

CsrResult make_csr(const CsrSpec& spec, const Password* key_passphrase) {
  NewKey made = new_key_and_request(spec);
  EVP_PKEY* key = made.key.get();
  CsrResult out;
  out.csr_pem = std::move(made.csr_pem);

  // The key's PEM: in a BIO on OpenSSL's secure heap, wiped when freed.
  ossl::BioPtr key_bio(ossl::check_alloc(BIO_new(BIO_s_secmem()), "BIO_new"));
  const EVP_CIPHER* cipher = key_passphrase ? EVP_aes_256_cbc() : nullptr;
  if (PEM_write_bio_PKCS8PrivateKey(key_bio.get(), key, cipher, key_passphrase ? key_passphrase->c_str() : nullptr,
                                    key_passphrase ? static_cast<int>(key_passphrase->size()) : 0, nullptr, nullptr) != 1)
    ossl::throw_last(ErrorCode::INTERNAL, "cannot write the private key");
  char* data = nullptr;
  long n = BIO_get_mem_data(key_bio.get(), &data);
  out.key_pem = SecureBytes(ByteView(reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(n)));
  OPENSSL_cleanse(data, static_cast<std::size_t>(n));
  out.pkcs8 = fmt::pkcs8_of(key);
  return out;
}

}  // namespace midks
