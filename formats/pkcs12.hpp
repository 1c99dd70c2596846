// PKCS#12 as Java reads and writes it, through OpenSSL's PKCS12 bag API (PKCS12_parse() only
// knows one key, so every bag is walked here).
#pragma once
#include <openssl/pkcs12.h>

#include "midks/model.hpp"

namespace midks::fmt {

inline constexpr const char* kOidOracleTrustedKeyUsage = "2.16.840.1.113894.746875.1.1";

// Reads modern (PBES2/AES, HMAC-SHA256) and legacy (RC2-40/3DES, HMAC-SHA1) stores; loads
// OpenSSL's legacy provider by itself when a legacy algorithm is met.
Keystore read_pkcs12(ByteView data, const Password& store_password);

// Throws ITERATIONS_TOO_HIGH before any KDF runs when the MAC, an encrypted safe or a shrouded key
// bag outside an encrypted safe asks for more iterations than midks/limits.hpp allows (bags inside
// an encrypted safe are checked by whoever decrypts them). what names the file in the message.
void check_pkcs12_iterations(const PKCS12* p12, const std::string& what);

// Writes what JDK 17+ keytool writes by default: key bags and the certificate SafeContents
// under PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC, a SHA-256 MAC, 10000 iterations; friendlyName =
// alias; localKeyId "Time <ms>" linking key and leaf; trusted certificates flagged with Oracle's
// trusted-key-usage attribute so Java lists them as trustedCertEntry.
Bytes write_pkcs12(const Keystore& ks, const Password& store_password);

}  // namespace midks::fmt
