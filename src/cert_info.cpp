#include "midks/cert_info.hpp"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "midks/ossl.hpp"

namespace midks {

std::string colon_hex(ByteView bytes) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i) out += ':';
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0xF];
  }
  return out;
}

std::string fingerprint(ByteView der, const char* digest_name) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  ossl::Handle<EVP_MD, EVP_MD_free> digest(EVP_MD_fetch(nullptr, digest_name, nullptr));
  if (!digest || !EVP_Digest(der.data(), der.size(), md, &len, digest.get(), nullptr))
    ossl::throw_last(ErrorKind::Input, std::string("cannot compute ") + digest_name + " fingerprint");
  return colon_hex({md, len});
}

namespace {

std::string print_name(const X509_NAME* name, unsigned long flags) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, flags & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::time_t asn1_time(const ASN1_TIME* t) {
  struct tm tm {};
  if (!ASN1_TIME_to_tm(t, &tm)) return 0;
  return timegm(&tm);
}

}  // namespace

std::string rfc2253_name(const X509_NAME* name) { return print_name(name, XN_FLAG_RFC2253); }
std::string display_name(const X509_NAME* name) {
  return print_name(name, ASN1_STRFLGS_RFC2253 | XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN);
}

CertFacts describe_certificate(ByteView der) {
  auto cert = ossl::parse_cert_der(der);
  CertFacts f;
  f.subject = rfc2253_name(X509_get_subject_name(cert.get()));
  f.issuer = rfc2253_name(X509_get_issuer_name(cert.get()));
  f.subject_display = display_name(X509_get_subject_name(cert.get()));
  f.issuer_display = display_name(X509_get_issuer_name(cert.get()));
  f.self_issued = X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())) == 0;
  if (const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get())) {
    ossl::Handle<BIGNUM, BN_free> bn(ASN1_INTEGER_to_BN(serial, nullptr));
    if (bn) {
      ossl::CStrPtr hex(BN_bn2hex(bn.get()));
      if (hex) f.serial_hex = hex.get();
    }
  }
  f.not_before = asn1_time(X509_get0_notBefore(cert.get()));
  f.not_after = asn1_time(X509_get0_notAfter(cert.get()));
  f.sha1 = fingerprint(der, "SHA1");
  f.sha256 = fingerprint(der, "SHA256");
  if (EVP_PKEY* key = X509_get0_pubkey(cert.get())) {
    const char* type = EVP_PKEY_get0_type_name(key);
    f.key_algorithm = type ? type : "unknown";
    if (f.key_algorithm == "rsaEncryption") f.key_algorithm = "RSA";
    f.key_bits = EVP_PKEY_get_bits(key);
  }
  ossl::drain_errors();
  return f;
}

}  // namespace midks
