// Reads certificate/key files as admins really have them: PEM in any order with any line endings,
// BOM, Ctrl-Z bytes and text between blocks; PKCS#1/PKCS#8/SEC1/encrypted keys; PKCS#7 chains;
// PFX (modern and legacy); DER certificates and keys. Detects by content, normalises, and says
// what it normalised. Knows nothing about what the items are for.
#pragma once
#include <string>
#include <vector>

#include "midks/ossl.hpp"
#include "midks/secure.hpp"

namespace midks::fmt {

struct BundleKey {
  SecureBytes pkcs8;   // PrivateKeyInfo DER
  std::string form;    // "PKCS#8", "PKCS#1 RSA", "SEC1 EC", "encrypted PKCS#8", …
  std::string origin;  // "bundle.pem line 42"
  ossl::PkeyPtr key;   // the key as parsed (OpenSSL 3 decodes keys slowly: never twice)
};

struct BundleItems {
  std::vector<Bytes> certs;  // DER, in the order met
  std::vector<ossl::X509Ptr> parsed_certs;  // the same, as parsed (so nobody parses them again)
  std::vector<std::string> cert_origins;
  std::vector<BundleKey> keys;
  std::vector<std::string> notes;  // what was normalised or ignored, for the user
};

// Error codes thrown (ErrorKind::Input unless noted): EMPTY_INPUT, PEM_DAMAGED, NOT_A_CERTIFICATE,
// NOT_RECOGNIZED, ITERATIONS_TOO_HIGH (a PFX MAC, safe or key, or an encrypted PKCS#8 key, asking
// for more KDF iterations than midks/limits.hpp allows; refused before any KDF runs, with or
// without a passphrase); PASSPHRASE_NEEDED and PASSPHRASE_WRONG (ErrorKind::Password).
void parse_bundle_file(ByteView data, const std::string& origin, const Password* passphrase, BundleItems& into);

}  // namespace midks::fmt
