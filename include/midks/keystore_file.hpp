// Key stores on disk: read with content detection, write atomically with a one-generation backup.
#pragma once
#include <string>

#include "midks/model.hpp"

namespace midks {

// Key stores can be large (100k-entry trust stores are ~110 MB); the bound only stops absurd input.
// Regular files and pipes; never more than max_size bytes.
inline constexpr std::size_t kMaxKeystoreBytes = std::size_t{1} << 30;
Bytes read_file(const std::string& path, std::size_t max_size = kMaxKeystoreBytes);

// The store type of key store bytes; throws Error (Input) if they are not a key store.
StoreType detect_keystore_type(ByteView data);

// store_password may be null (JKS/JCEKS listing without integrity check).
Keystore load_keystore(const std::string& path, const Password* store_password);

// Writes to a temporary file in the same folder, fsyncs it, keeps the previous file as
// "<path>.bak" (a hard link: same owner and mode), renames over the target and fsyncs the folder.
// A replacement keeps the old file's owner and group; a read-only file is refused; a symbolic
// link is written through. Nothing changes on any failure. Keystores get mode 0600.
void save_keystore(const std::string& path, const Keystore& ks, const Password& store_password);
void write_file_atomically(const std::string& path, ByteView data, unsigned mode = 0600);

}  // namespace midks
