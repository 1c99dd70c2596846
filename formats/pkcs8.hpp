// PKCS#8 private keys: the one place a PrivateKeyInfo becomes an EVP_PKEY and back, and the one
// decryption of an EncryptedPrivateKeyInfo under a standard scheme. Every reader (JKS, JCEKS,
// PKCS#12, bundles) and the engine (import, CSR, TLS probe) goes through these.
#pragma once
#include <string>

#include "midks/ossl.hpp"
#include "midks/secure.hpp"

namespace midks::fmt {

// PrivateKeyInfo DER (nothing may follow it) as OpenSSL's structure; null (errors drained) if it
// is not one.
ossl::Pkcs8InfoPtr parse_pkcs8(ByteView der);

// PrivateKeyInfo DER -> key. Throws KEY_UNREADABLE (ErrorKind::Input) naming what.
ossl::PkeyPtr private_key_from_pkcs8(ByteView der, const std::string& what = "the private key");
// The same, or null (errors drained) where der is not a key OpenSSL can read.
ossl::PkeyPtr try_private_key_from_pkcs8(ByteView der);

// key -> PrivateKeyInfo DER, in self-wiping storage.
SecureBytes pkcs8_of(const EVP_PKEY* key);

// Whether der is a version 1 PrivateKeyInfo in canonical DER, as OpenSSL writes it: such bytes are
// kept as they came (re-encoding a key is slow in OpenSSL 3 and would give the same bytes).
bool is_canonical_pkcs8_v1(ByteView der);

// EncryptedPrivateKeyInfo under a standard scheme (PKCS#5 v1, PKCS#12 PBE, PBES2 with PBKDF2 or
// scrypt) -> PrivateKeyInfo DER. The KDF's cost is checked against midks/limits.hpp first
// (ITERATIONS_TOO_HIGH, whatever the password); OpenSSL's legacy provider is loaded if the scheme
// needs it. Returns empty (errors drained) when the password does not open it: callers word that
// in their own terms. pass is as OpenSSL takes it: null is the absent password, which differs from
// "" in a PKCS#12 KDF (see open_pkcs12).
SecureBytes decrypt_pkcs8(const X509_SIG* epki, const char* pass, int passlen, const std::string& what);
SecureBytes decrypt_pkcs8(const X509_SIG* epki, const Password& password, const std::string& what);

// Java keeps a secret key in PKCS#12 (and BCFKS) as a PrivateKeyInfo whose algorithm is the key's
// (AES, DESede, HmacSHA256, ...) and whose "private key" octets are the raw key. Both directions:
// the raw key and Java's algorithm name out of such DER (KEYSTORE_CORRUPT naming `what` if it is
// not one), and that DER made from them (ENTRY_NOT_STORABLE for an algorithm Java names no OID of).
SecureBytes secret_key_from_pkcs8(ByteView der, std::string& java_algorithm, const std::string& what);
SecureBytes secret_key_pkcs8(ByteView key, const std::string& java_algorithm, const std::string& what);

// An EncryptedPrivateKeyInfo's DER (nothing may follow it); null (errors drained) if it is not one.
ossl::X509SigPtr parse_encrypted_pkcs8(ByteView der);

}  // namespace midks::fmt
