// A new private key and its PKCS#10 certificate request, made for MID mutual TLS: keyUsage and
// extendedKeyUsage = clientAuth requested, so the CA issues a certificate the MID can use.
#pragma once
#include <string>
#include <vector>

#include "midks/secure.hpp"

namespace midks {

struct CsrSpec {
  std::string key_type = "rsa2048";  // rsa2048, rsa3072, rsa4096, ec256 (P-256), ec384 (P-384)
  std::string subject;               // "CN=mid01,O=Acme,C=US" (RFC 4514, '\,' escapes) or "/CN=mid01/O=Acme"
  std::vector<std::string> sans;     // "DNS:host", "IP:10.0.0.1", "email:x@y", or a bare host name
};

struct CsrResult {
  std::string csr_pem;
  SecureBytes key_pem;  // PKCS#8, encrypted (PBES2, AES-256-CBC) when a passphrase was given
  SecureBytes pkcs8;    // the key as PrivateKeyInfo DER
};

// Throws Error(Usage) for an unknown key type, a malformed subject or SAN.
CsrResult make_csr(const CsrSpec& spec, const Password* key_passphrase);

// A key pair for a keystore entry, as keytool -genkeypair and -certreq make it: the key, a
// self-signed placeholder certificate valid placeholder_days (the CA's reply replaces it), and the
// request (the same extensions as make_csr's).
struct KeyPairRequest {
  std::string csr_pem;
  SecureBytes pkcs8;       // PrivateKeyInfo DER
  Bytes placeholder_cert;  // DER
};
KeyPairRequest make_key_pair_request(const CsrSpec& spec, int placeholder_days = 90);

// A request for a key that already has an entry (keytool -certreq): its subject is spec.subject,
// or the certificate's when that is empty; spec.key_type is not used.
std::string make_request_for(const SecureBytes& pkcs8, const Bytes& certificate, const CsrSpec& spec);

}  // namespace midks
