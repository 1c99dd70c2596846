// Bouncy Castle's FIPS keystore (BCFKS, BcFKSKeyStoreSpi), what FIPS-mode MID Servers keep their
// keys in. The file is one DER ObjectStore:
//   ObjectStore ::= SEQUENCE { EncryptedObjectStoreData, PbkdMacIntegrityCheck | [0] SignatureCheck }
//   EncryptedObjectStoreData ::= SEQUENCE { PBES2 AlgorithmIdentifier, OCTET STRING }   -- ObjectStoreData
//   ObjectStoreData ::= SEQUENCE { version 1, integrityAlgorithm, creationDate GeneralizedTime,
//                                  lastModifiedDate GeneralizedTime, SEQUENCE OF ObjectData, comment? }
//   ObjectData ::= SEQUENCE { type INTEGER, alias UTF8String, creationDate, lastModifiedDate,
//                             data OCTET STRING, comment? }
// Every secret is PBES2: PBKDF2 (HMAC-SHA512, 64-byte salt, 51200 iterations by default) over
// BC's PKCS#12 password bytes (UTF-16BE and a 2-byte NUL) followed by the same encoding of a
// purpose ("STORE_ENCRYPTION", "INTEGRITY_CHECK", "PRIVATE_KEY_ENCRYPTION",
// "SECRET_KEY_ENCRYPTION"), then AES-256-CCM (or AES-256-KWP). The integrity check is an HMAC
// over the DER of EncryptedObjectStoreData. All crypto goes through OpenSSL's EVP.
#pragma once
#include <string>

#include "midks/model.hpp"

namespace midks::fmt {

inline constexpr int kBcfksIterations = 50 * 1024;  // BcFKSKeyStoreSpi's default PBKDF2Config

// Whether data has the outer shape of a BCFKS store: SEQUENCE { SEQUENCE, SEQUENCE | [0] } (bytes
// after it are the reader's to refuse). A store cut short still counts when its first inner element is a SEQUENCE
// (a PKCS#12 PFX has an INTEGER there), so that a truncation is reported as one.
bool looks_like_bcfks(ByteView data);

// Throws WRONG_STORE_PASSWORD (the integrity MAC does not verify), KEYSTORE_TRUNCATED,
// KEYSTORE_CORRUPT, ITERATIONS_TOO_HIGH (checked before any KDF runs), UNSUPPORTED_ALGORITHM
// (signature-protected stores, scrypt). Keys stay sealed (SealFormat::Bcfks*) until open_entry.
Keystore read_bcfks(ByteView data, const Password& store_password);

// The decrypted ObjectStoreData behind the MAC, as read_bcfks parses it once the MAC verified and
// the store decrypted; mac_algorithm is the integrity check's AlgorithmIdentifier DER the store
// data must name (empty: not compared). For the fuzzer, which cannot get past a MAC.
Keystore read_bcfks_store_data(ByteView store_data, ByteView mac_algorithm = {});

// What BC 1.72 writes by default: every object under PBKDF2-HMAC-SHA512 (fresh 64-byte salts) and
// AES-256-CCM (12-byte nonce, 8-byte tag), HMAC-SHA512 integrity check. Keys that came sealed
// from a BCFKS store are carried as they are; open keys are sealed with their key password.
Bytes write_bcfks(const Keystore& ks, const Password& store_password, int iterations = kBcfksIterations);

// The EncryptedPrivateKeyInfo of a BCFKS key entry -> PKCS#8 PrivateKeyInfo DER.
// WRONG_KEY_PASSWORD when the password does not open it.
SecureBytes open_bcfks_private_key(ByteView epki, const Password& key_password);
// The EncryptedSecretKeyData of a BCFKS secret key -> the raw key; algorithm gets Java's name.
SecureBytes open_bcfks_secret_key(ByteView encrypted, const Password& key_password, std::string& algorithm);

}  // namespace midks::fmt
