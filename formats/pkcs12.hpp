// PKCS#12 as Java reads and writes it, through OpenSSL's PKCS12 bag API (PKCS12_parse() only
// knows one key and none of our limits, so every bag is walked here), and the one PKCS#12 opener
// that the key store reader and the bundle reader share.
#pragma once
#include <openssl/pkcs12.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "midks/model.hpp"
#include "midks/ossl.hpp"

namespace midks::fmt {

inline constexpr const char* kOidOracleTrustedKeyUsage = "2.16.840.1.113894.746875.1.1";

// The attributes of a bag that a key store entry needs.
struct Pkcs12Attributes {
  std::optional<std::string> friendly_name;
  std::optional<Bytes> local_key_id;
  bool trusted = false;  // Oracle's trusted-key-usage attribute: Java's trustedCertEntry
};

struct Pkcs12Bag {
  enum class Kind { Key, ShroudedKey, Secret, Certificate };
  Kind kind = Kind::Key;
  Pkcs12Attributes attributes;
  SecureBytes key;     // Key: PrivateKeyInfo DER
  Bytes sealed;        // ShroudedKey: EncryptedPrivateKeyInfo DER; Secret: Java's sealed secret key
  // Certificate: its DER as the bag holds it, and its Names' DER as encoded (map keys). It is not
  // decoded until certificate() is asked for (d2i_X509 costs most of reading a large truststore,
  // whose entries need only the bytes).
  Bytes cert_der;
  std::string subject_der, issuer_der;

  // The certificate decoded, once (later calls return the same object); throws PKCS12_CORRUPT,
  // naming title ("PKCS#12 keystore"), if OpenSSL cannot decode it.
  X509* certificate(const std::string& title) const;
  // The same, or null if OpenSSL cannot decode it: a candidate (an issuer, the certificate of a key
  // without a localKeyId) that does not decode is passed over, so whether a store opens does not
  // depend on which other entries it holds.
  X509* decodable_certificate() const;
  mutable ossl::X509Ptr decoded;                     // the decoding's cache
  mutable std::optional<std::string> decode_failure;  // OpenSSL's reason, once it could not decode it
};

struct Pkcs12Contents {
  std::vector<Pkcs12Bag> bags;  // in file order; nested SafeContents flattened
  bool mac_verified = false;
  bool legacy_encryption = false;  // a safe or key under a PKCS#12 or PKCS#5 v1 scheme (RC2, 3DES…)
};

struct Pkcs12OpenOptions {
  std::string what;   // names the file in cost errors: "the keystore", "bundle.pfx"
  std::string title;  // … and in corruption errors: "PKCS#12 keystore", "bundle.pfx (PKCS#12/PFX)"
  bool decrypt_keys = false;  // shrouded key bags come back decrypted (as Key bags) with the password
  // Throws the caller's error for a password that does not open the file; detail says what failed.
  std::function<void(const std::string& detail)> wrong_password;
};

// The DER of one whole PFX; null (errors drained; *problem says why) if data is not one.
ossl::Pkcs12Ptr parse_pkcs12(ByteView data, std::string* problem = nullptr);

// The one PKCS#12 opener, for key stores and bundles alike. Before any KDF runs, the counts that
// can be seen (the MAC's, the encrypted safes', the shrouded key bags' outside them) are checked
// against midks/limits.hpp; then the MAC is verified; then the encrypted safes are decrypted
// (loading OpenSSL's legacy provider for RC2-40/3DES, as Windows certutil exports use) and the key
// bags inside are checked as they are met; with decrypt_keys, the shrouded keys are decrypted last,
// through decrypt_pkcs8. Certificates come back as their bytes, their outline checked, not decoded
// (Pkcs12Bag::certificate). Nesting is bounded by limits::kMaxPkcs12Nesting. Errors: ITERATIONS_TOO_HIGH,
// PKCS12_CORRUPT (ErrorKind::Input), the caller's wrong_password.
Pkcs12Contents open_pkcs12(PKCS12* p12, const Password& password, const Pkcs12OpenOptions& options);

// A key store: reads modern (PBES2/AES, HMAC-SHA256) and legacy (RC2-40/3DES, HMAC-SHA1) stores.
Keystore read_pkcs12(ByteView data, const Password& store_password);

// Writes what JDK 17+ keytool writes by default: key bags and the certificate SafeContents
// under PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC, a SHA-256 MAC, 10000 iterations; friendlyName =
// alias; localKeyId "Time <ms>" linking key and leaf, distinct for every key (a key made in the
// millisecond of an earlier one is dated the next free millisecond); trusted certificates flagged
// with Oracle's trusted-key-usage attribute so Java lists them as trustedCertEntry. A password
// that is not printable ASCII is refused (PASSWORD_NOT_ENCODABLE): Java 17 cannot open the file.
Bytes write_pkcs12(const Keystore& ks, const Password& store_password);

// Gives every key entry the date its localKeyId will name in write_pkcs12, so that a store read
// back from the file compares equal to the one written.
void make_key_dates_distinct(Keystore& ks);

}  // namespace midks::fmt
