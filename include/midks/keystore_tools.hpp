// Whole-keystore operations: the same entries in another store type (keytool -importkeystore),
// and another store password (keytool -storepasswd together with -keypasswd for every key that
// shared it). Pure: they change or make keystores in memory; files are the caller's.
#pragma once
#include <string>
#include <vector>

#include "midks/model.hpp"
#include "midks/secure.hpp"

namespace midks {

struct Conversion {
  Bytes file;                              // the new keystore, read back and compared before it is returned
  std::size_t entries = 0;
  std::vector<std::string> own_password;   // key entries that keep a password of their own
};

// Every entry of `source` in a keystore of type `target` whose store password is target_password.
// Keys that open with source_password are protected anew with target_password (as the MID opens
// them); those that do not are tried with other_key_password (kept as their own password).
// Refuses, naming every entry concerned: secret keys for JKS (ENTRY_NOT_STORABLE), aliases that
// differ only in case for PKCS12, which folds them (AMBIGUOUS_ALIAS), keys that open with neither
// password where the target cannot carry them sealed (WRONG_KEY_PASSWORD). kdf_iterations: as
// fmt::write_keystore takes it (0: the counts Java writes).
Conversion convert_keystore(const Keystore& source, StoreType target, const Password& source_password, const Password& target_password,
                            const Password* other_key_password, int kdf_iterations = 0);

struct PasswordChange {
  std::vector<std::string> rekeyed;       // key entries whose password was the store password: now the new one
  std::vector<std::string> own_password;  // key entries with a password of their own: untouched
};
// Re-protects, in memory, every key entry that opens with old_password under new_password; the
// caller writes the keystore with new_password.
PasswordChange change_store_password(Keystore& keystore, const Password& old_password, const Password& new_password);

}  // namespace midks
