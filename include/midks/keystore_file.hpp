// Key stores on disk: read with content detection, write atomically (files of any kind, too).
#pragma once
#include <optional>
#include <string>

#include "midks/model.hpp"
#include "midks/platform.hpp"

namespace midks {

// Key stores can be large (100k-entry trust stores are ~110 MB); the bound only stops absurd input.
// Regular files and pipes; never more than max_size bytes.
inline constexpr std::size_t kMaxKeystoreBytes = std::size_t{1} << 30;
Bytes read_file(const std::string& path, std::size_t max_size = kMaxKeystoreBytes);

// The store type of key store bytes; throws Error (Input) if they are not a key store.
StoreType detect_keystore_type(ByteView data);

// store_password may be null (JKS/JCEKS listing without integrity check).
Keystore load_keystore(const std::string& path, const Password* store_password);
Keystore read_keystore_data(ByteView data, const Password* store_password);  // bytes already read

// Atomic replacement, as platform::replace_file says.
using platform::WriteOptions;
void write_file_atomically(const std::string& path, ByteView data, const WriteOptions& options = {});
// A keystore (new ones 0600). Backups are the caller's (KeystoreBackup, agent_layout.hpp): no .bak here.
void save_keystore(const std::string& path, const Keystore& ks, const Password& store_password);

}  // namespace midks
