// Facts about one X.509 certificate, as people and keytool show them.
#pragma once
#include <openssl/types.h>

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "midks/secure.hpp"

namespace midks {

struct CertFacts {
  std::string subject;  // RFC 2253, as Java's getName() ("O=Example,CN=leaf")
  std::string issuer;
  std::string subject_display;  // as people read it ("CN=leaf, O=Example")
  std::string issuer_display;
  std::string serial_hex;
  std::time_t not_before = 0;
  std::time_t not_after = 0;
  std::string sha1;    // "AB:CD:…" upper-case, as keytool prints
  std::string sha256;
  std::string key_algorithm;  // "RSA", "EC", "Ed25519", "DSA"
  int key_bits = 0;
  bool self_issued = false;
  bool is_ca = false;
  std::vector<std::string> key_usage;           // "digitalSignature", …; empty: no extension
  std::vector<std::string> extended_key_usage;  // "clientAuth", "serverAuth", or the OID
  std::vector<std::string> subject_alt_names;   // "DNS:host", "IP:10.0.0.1", "email:…", "URI:…"
};

CertFacts describe_certificate(ByteView der);

// The parts of a certificate read from its DER without decoding it (d2i_X509 decodes the public key
// through OpenSSL 3's provider machinery and canonicalises every name: most of the cost of reading a
// large truststore). Each is one whole DER element inside der. nullopt unless der is exactly one
// DER Certificate: SEQUENCE { TBSCertificate, AlgorithmIdentifier, BIT STRING of whole bytes },
// whose Names are SEQUENCEs of SETs of SEQUENCE { OID, value } and whose public key is a SEQUENCE.
// What it does not look into (the strings, the key, the extensions) is OpenSSL's to judge.
struct CertificateOutline {
  ByteView issuer, subject;         // Name
  ByteView not_before, not_after;  // Time
};
std::optional<CertificateOutline> outline_certificate(ByteView der);

// Names and validity only, read from the TBSCertificate without a full parse (OpenSSL 3 decodes
// a certificate's public key through its slow provider machinery): for lists of many entries.
// Falls back to the full parse for anything unusual, so the answers are always the same.
struct CertSummary {
  std::string subject_display, issuer_display;
  std::time_t not_before = 0, not_after = 0;
};
CertSummary summarize_certificate(ByteView der);
CertFacts describe_certificate(const X509* cert);  // already parsed: saves a full DER parse
// A distinguished name in RFC 2253 form (Java's), or CN-first for people.
std::string rfc2253_name(const X509_NAME* name);
std::string display_name(const X509_NAME* name);
std::string fingerprint(ByteView der, const char* digest_name);  // "SHA256", "SHA1"
std::string colon_hex(ByteView bytes);
// Seconds since the epoch of a UTC calendar time (what timegm does, which Windows lacks).
std::int64_t utc_seconds(int year, int month, int day, int hour, int minute, int second);
// A UTC time formatted with strftime (e.g. "%Y-%m-%d").
std::string utc_text(std::int64_t seconds_since_epoch, const char* format);

}  // namespace midks
