// Any key store format, detected from its content (never from the file name).
#pragma once
#include "midks/model.hpp"

namespace midks::fmt {

// Throws ErrorKind::Input with a specific message for empty, PEM and unknown files (code
// NOT_A_KEYSTORE). JKS and JCEKS by their magic; DER by shape: BCFKS or PKCS#12.
StoreType detect_store_type(ByteView data);

// store_password may be null for JKS/JCEKS (entries listed, integrity not verified); PKCS#12 and
// BCFKS need it (STORE_PASSWORD_NEEDED).
Keystore read_keystore(ByteView data, const Password* store_password);
// kdf_iterations: the count what JCEKS (PBEWithMD5AndTripleDES keys) and BCFKS (PBKDF2: keys, the
// store, its MAC) protect anew is written with; 0 for the counts Java and Bouncy Castle write
// (kJceksIterations, kBcfksIterations), else 1 to limits::kMaxPbeIterations (readers refuse more).
// PKCS12 always writes JDK 17's counts; JKS has none. Tests whose subject is not the count ask for
// a low one.
Bytes write_keystore(const Keystore& ks, const Password& store_password, int kdf_iterations = 0);

// Decrypts the key material of a key entry in place (plain filled); no-op if already open.
void open_entry(Entry& entry, const Password& key_password);

// Has a key entry protected by `to` instead of `from` when it is written next (trusted
// certificates: nothing to do). Throws ErrorKind::Password when `from` does not open it.
void change_key_password(Entry& entry, const Password& from, const Password& to);

}  // namespace midks::fmt
