#include "midks/cert_info.hpp"

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <optional>

#include "der_reader.hpp"
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

std::int64_t utc_seconds(int year, int month, int day, int hour, int minute, int second) {
  using namespace std::chrono;
  auto date = sys_days(year_month_day(std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)), std::chrono::day(static_cast<unsigned>(day))));
  return date.time_since_epoch().count() * std::int64_t{86400} + hour * 3600 + minute * 60 + second;
}

std::string utc_text(std::int64_t seconds_since_epoch, const char* format) {
  std::time_t t = static_cast<std::time_t>(seconds_since_epoch);
  std::tm tm{};
  OPENSSL_gmtime(&t, &tm);  // gmtime_r is POSIX only
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

std::string fingerprint(ByteView der, const char* digest_name) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  ossl::Handle<EVP_MD, EVP_MD_free> digest(EVP_MD_fetch(nullptr, digest_name, nullptr));
  if (!digest || !EVP_Digest(der.data(), der.size(), md, &len, digest.get(), nullptr))
    ossl::throw_last(ErrorCode::INTERNAL, std::string("cannot compute ") + digest_name + " fingerprint");
  return colon_hex({md, len});
}

namespace {

std::string print_name(const X509_NAME* name, unsigned long flags) {
  ossl::BioPtr bio(ossl::check_alloc(BIO_new(BIO_s_mem()), "BIO_new"));
  X509_NAME_print_ex(bio.get(), name, 0, flags & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::time_t asn1_time(const ASN1_TIME* t) {
  struct tm tm {};
  if (!ASN1_TIME_to_tm(t, &tm)) return 0;
  return static_cast<std::time_t>(utc_seconds(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec));
}

// Throws DER_MALFORMED unless name is a SEQUENCE OF SET OF SEQUENCE { OID, value }.
void check_name(const fmt::DerReader& tbs, const fmt::DerElement& name) {
  fmt::DerReader rdns = tbs.enter(name);
  while (!rdns.at_end()) {
    fmt::DerReader rdn = rdns.enter(rdns.next(fmt::der::kSet, "a relative distinguished name"));
    while (!rdn.at_end()) {
      fmt::DerReader attribute = rdn.enter(rdn.next(fmt::der::kSequence, "a name attribute"));
      attribute.next(fmt::der::kOid, "the attribute type");
      attribute.next();
      attribute.expect_end("the name attribute");
    }
  }
}

// Subject, issuer and validity read straight from the TBSCertificate, without building an X509;
// nullopt if anything is unusual, and the caller parses it whole.
std::optional<CertSummary> summarize_fast(ByteView der) {
  auto outline = outline_certificate(der);
  if (!outline) return std::nullopt;
  auto name = [](ByteView encoded) {
    const unsigned char* q = encoded.data();
    return ossl::Handle<X509_NAME, X509_NAME_free>(d2i_X509_NAME(nullptr, &q, static_cast<long>(encoded.size())));
  };
  auto time = [](ByteView encoded) {
    const unsigned char* q = encoded.data();
    return ossl::Handle<ASN1_TIME, ASN1_TIME_free>(d2i_ASN1_TIME(nullptr, &q, static_cast<long>(encoded.size())));
  };
  auto issuer_name = name(outline->issuer), subject_name = name(outline->subject);
  auto from = time(outline->not_before), until = time(outline->not_after);
  if (!issuer_name || !subject_name || !from || !until) return std::nullopt;
  return CertSummary{display_name(subject_name.get()), display_name(issuer_name.get()), asn1_time(from.get()), asn1_time(until.get())};
}

}  // namespace

std::optional<CertificateOutline> outline_certificate(ByteView der) {
  try {
    fmt::DerReader outer(der, "the certificate");
    fmt::DerReader cert = outer.enter(outer.next(fmt::der::kSequence, "the certificate"));
    outer.expect_end("the certificate");
    fmt::DerReader tbs = cert.enter(cert.next(fmt::der::kSequence, "the TBSCertificate"));
    cert.next(fmt::der::kSequence, "the signature algorithm");
    // Whole bytes, as every signature algorithm makes: OpenSSL would clear the unused bits of
    // another on re-encoding, and these bytes are the certificate's encoding as kept.
    fmt::DerElement signature = cert.next(fmt::der::kBitString, "the signature");
    if (signature.content.empty() || signature.content[0] != 0) return std::nullopt;
    cert.expect_end("the certificate's signature");
    if (tbs.peek_tag() == fmt::der::context(0)) tbs.next();  // [0] version
    tbs.next(fmt::der::kInteger, "the serial number");
    tbs.next(fmt::der::kSequence, "the TBS signature algorithm");
    fmt::DerElement issuer = tbs.next(fmt::der::kSequence, "the issuer");
    fmt::DerReader validity = tbs.enter(tbs.next(fmt::der::kSequence, "the validity"));
    fmt::DerElement subject = tbs.next(fmt::der::kSequence, "the subject");
    tbs.next(fmt::der::kSequence, "the subject public key info");
    check_name(tbs, issuer);
    check_name(tbs, subject);
    fmt::DerElement not_before = validity.next(), not_after = validity.next();
    validity.expect_end("the validity");
    return CertificateOutline{issuer.encoded, subject.encoded, not_before.encoded, not_after.encoded};
  } catch (const Error&) {
    return std::nullopt;
  }
}

CertSummary summarize_certificate(ByteView der) {
  if (auto fast = summarize_fast(der)) return *fast;
  ossl::drain_errors();
  CertFacts f = describe_certificate(der);
  return CertSummary{f.subject_display, f.issuer_display, f.not_before, f.not_after};
}

std::string rfc2253_name(const X509_NAME* name) { return print_name(name, XN_FLAG_RFC2253); }
std::string display_name(const X509_NAME* name) {
  return print_name(name, ASN1_STRFLGS_RFC2253 | XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN);
}

CertFacts describe_certificate(ByteView der) { return describe_certificate(ossl::parse_cert_der(der).get()); }

CertFacts describe_certificate(const X509* x) {
  X509* cert = const_cast<X509*>(x);  // some OpenSSL 3.0 getters below take non-const pointers
  Bytes der = ossl::cert_der(x);
  CertFacts f;
  f.subject = rfc2253_name(X509_get_subject_name(cert));
  f.issuer = rfc2253_name(X509_get_issuer_name(cert));
  f.subject_display = display_name(X509_get_subject_name(cert));
  f.issuer_display = display_name(X509_get_issuer_name(cert));
  f.self_issued = X509_NAME_cmp(X509_get_subject_name(cert), X509_get_issuer_name(cert)) == 0;
  if (const ASN1_INTEGER* serial = X509_get0_serialNumber(cert)) {
    ossl::Handle<BIGNUM, BN_free> bn(ASN1_INTEGER_to_BN(serial, nullptr));
    if (bn) {
      ossl::CStrPtr hex(BN_bn2hex(bn.get()));
      if (hex) f.serial_hex = hex.get();
    }
  }
  f.not_before = asn1_time(X509_get0_notBefore(cert));
  f.not_after = asn1_time(X509_get0_notAfter(cert));
  f.sha1 = fingerprint(der, "SHA1");
  f.sha256 = fingerprint(der, "SHA256");
  if (EVP_PKEY* key = X509_get0_pubkey(cert)) {
    const char* type = EVP_PKEY_get0_type_name(key);
    f.key_algorithm = type ? type : "unknown";
    if (f.key_algorithm == "rsaEncryption") f.key_algorithm = "RSA";
    f.key_bits = EVP_PKEY_get_bits(key);
  }
  f.is_ca = X509_check_ca(cert) != 0;
  static const std::pair<std::uint32_t, const char*> usages[] = {
      {KU_DIGITAL_SIGNATURE, "digitalSignature"}, {KU_NON_REPUDIATION, "nonRepudiation"},
      {KU_KEY_ENCIPHERMENT, "keyEncipherment"},   {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
      {KU_KEY_AGREEMENT, "keyAgreement"},         {KU_KEY_CERT_SIGN, "keyCertSign"},
      {KU_CRL_SIGN, "cRLSign"},                   {KU_ENCIPHER_ONLY, "encipherOnly"},
      {KU_DECIPHER_ONLY, "decipherOnly"}};
  if (X509_get_extension_flags(cert) & EXFLAG_KUSAGE)
    for (const auto& [bit, name] : usages)
      if (X509_get_key_usage(cert) & bit) f.key_usage.emplace_back(name);
  using EkuPtr = ossl::Handle<EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free>;
  using NamesPtr = ossl::Handle<GENERAL_NAMES, GENERAL_NAMES_free>;
  if (EkuPtr owned{static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(cert, NID_ext_key_usage, nullptr, nullptr))}) {
    EXTENDED_KEY_USAGE* ekus = owned.get();
    for (int i = 0; i < sk_ASN1_OBJECT_num(ekus); ++i) {
      const ASN1_OBJECT* o = sk_ASN1_OBJECT_value(ekus, i);
      int nid = OBJ_obj2nid(o);
      char buf[80];
      OBJ_obj2txt(buf, sizeof buf, o, 1);
      f.extended_key_usage.emplace_back(nid != NID_undef ? OBJ_nid2sn(nid) : buf);
    }
  }
  if (NamesPtr owned{static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr))}) {
    GENERAL_NAMES* sans = owned.get();
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(sans, i);
      auto text = [](const ASN1_STRING* s) {
        return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<std::size_t>(ASN1_STRING_length(s)));
      };
      if (g->type == GEN_DNS) f.subject_alt_names.push_back("DNS:" + text(g->d.dNSName));
      else if (g->type == GEN_EMAIL) f.subject_alt_names.push_back("email:" + text(g->d.rfc822Name));
      else if (g->type == GEN_URI) f.subject_alt_names.push_back("URI:" + text(g->d.uniformResourceIdentifier));
      else if (g->type == GEN_IPADD) {
        const ASN1_OCTET_STRING* ip = g->d.iPAddress;
        if (ip && ASN1_STRING_length(ip) == 4) {
          const unsigned char* b = ASN1_STRING_get0_data(ip);
          f.subject_alt_names.push_back("IP:" + std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + "." + std::to_string(b[3]));
        } else if (ip) {
          f.subject_alt_names.push_back("IP:" + colon_hex(ossl::octets(ip)));  // IPv6, in hex
        }
      }
    }
  }
  ossl::drain_errors();
  return f;
}

}  // namespace midks
