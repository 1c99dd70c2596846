// The one way the keystore file changes: locked against every other writer, loaded with the
// store password (proved before anything is written), changed in memory, backed up and written
// back atomically. Also the entry-level edits imports make inside such a change.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "midks/agent_layout.hpp"
#include "midks/bundle.hpp"
#include "midks/model.hpp"

namespace midks {

// Locks the keystore's folder against every other writer, loads the keystore (or starts an empty
// one of new_type if the file does not exist, creating its folder owned like the folder above it),
// applies change, and if change says it changed something, backs the old file up (policy: the copy
// and its audit-trail line, both on the disk before the keystore is touched) and writes the new one
// atomically, keeping owner, group and mode, with new_store_password when given (else the same
// password). A wrong password or a failed change leaves every file untouched.
// along_with, when given, is the rest of the same transaction (passwd: config.xml's
// mid.keystore.password), run once the keystore is written: if it fails, the previous keystore is
// put back, and the error says whether that worked (then nothing changed) or not (then which file
// holds what). NOT_DURABLE from the keystore's write still runs it: that keystore is in place.
struct KeystoreUpdate {
  bool written = false;
  std::string backup;              // the backup made of the previous file, if any
  std::vector<std::string> notes;  // what the write did besides replacing (in place, a group not kept)
};
KeystoreUpdate update_keystore(const std::string& path, const Password& store_password, StoreType new_type,
                               const std::function<bool(Keystore&)>& change, const BackupPolicy& backups,
                               int lock_timeout_s = 30, const Password* new_store_password = nullptr,
                               const std::function<void()>& along_with = {});

// Puts a key entry under its alias unless that alias already holds the same key and chain (so
// running an import twice writes nothing the second time).
struct PutResult {
  std::string alias;          // as stored
  bool changed = false;
  bool replaced_key = false;  // the alias held a key entry with another key, now gone
};
PutResult put_key_entry(Keystore& keystore, Entry entry, const Password& store_password);

// Whether two DER certificates carry the same public key.
bool same_public_key(const Bytes& cert_a, const Bytes& cert_b);

// A private-key entry from an imported bundle, dated now.
Entry make_key_entry(const std::string& alias, ImportedKey&& key);

}  // namespace midks
