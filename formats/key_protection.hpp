// Private-key protection as Java's key stores use it. Every scheme is wrapped in a DER
// EncryptedPrivateKeyInfo, so one opener serves JKS, JCEKS and PKCS#12.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>

#include <openssl/x509.h>

#include "midks/limits.hpp"
#include "midks/secure.hpp"

namespace midks::fmt {

inline constexpr const char* kOidSunJksKeyProtector = "1.3.6.1.4.1.42.2.17.1.1";  // JavaKeyStore's KeyProtector
inline constexpr const char* kOidSunJcePbe = "1.3.6.1.4.1.42.2.19.1";             // PBEWithMD5AndTripleDES

inline constexpr int kJceksIterations = 200'000;  // JDK 17's default for jdk.jceks.iterationCount
inline constexpr int kPkcs12Iterations = 10'000;  // JDK 17's keystore.pkcs12.*IterationCount

// SHA-1 over the concatenation of parts (Sun's key protection and the JKS/JCEKS trailer).
void sha1(std::initializer_list<ByteView> parts, std::uint8_t out[20]);

// Dotted OID of the EncryptedPrivateKeyInfo's encryption algorithm.
std::string sealed_key_algorithm(ByteView epki);

// Decrypts an EncryptedPrivateKeyInfo into PKCS#8 PrivateKeyInfo DER.
// Throws ErrorKind::Password when the password does not open it.
SecureBytes open_private_key(ByteView epki, const Password& password);

Bytes seal_private_key_jks(ByteView pkcs8, const Password& password);
Bytes seal_private_key_jceks(ByteView pkcs8, const Password& password, int iterations = kJceksIterations);
// PBES2 / PBKDF2-HMAC-SHA256 / AES-256-CBC, as JDK 17+ writes PKCS#12 key bags.
Bytes seal_private_key_pbes2(ByteView pkcs8, const Password& password, int iterations = kPkcs12Iterations);

// Sun's PBEWithMD5AndTripleDES (PBES1Core.deriveCipherKey + DESede/CBC/PKCS5Padding).
SecureBytes jce_pbe_crypt(bool encrypt, ByteView data, const Password& password, ByteView salt8,
                          std::uint64_t iterations);

// An iteration count as a file states it: 1 when absent (the ASN.1 DEFAULT), UINT64_MAX when
// negative or too large to read, so that such counts are refused like huge ones.
std::uint64_t iteration_count(const ASN1_INTEGER* iter);
// Throws ITERATIONS_TOO_HIGH (ErrorKind::Input) if count > limit; what names the thing, e.g.
// "the MAC of bundle.pfx". Call before running the KDF.
void check_iterations(std::uint64_t count, std::uint64_t limit, const std::string& what);
// The cost a PBE AlgorithmIdentifier asks for (PKCS#5 v1 and PKCS#12 PBE iterations; PBES2 with
// PBKDF2 iterations or scrypt N, r, p), checked against midks/limits.hpp: ITERATIONS_TOO_HIGH if
// over. Parameters that do not decode carry nothing to check (the decryption refuses them).
void check_pbe_cost(const X509_ALGOR* alg, const std::string& what);
// The same for a key-derivation function's AlgorithmIdentifier (PBKDF2 or scrypt).
void check_kdf_cost(const X509_ALGOR* kdf, const std::string& what);

}  // namespace midks::fmt
