// Key stores on disk: read with content detection, write atomically (files of any kind, too).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "midks/model.hpp"
#include "midks/platform.hpp"

namespace midks {

// Key stores can be large (100k-entry trust stores are ~110 MB); the bound only stops absurd input.
// Never more than max_size bytes. A file we are about to replace (a keystore being changed,
// config.xml) must be a regular file: anything else is NOT_A_FILE. Input may come through a pipe
// too (<(…), a piped /dev/stdin).
inline constexpr std::size_t kMaxKeystoreBytes = std::size_t{1} << 30;
enum class Readable { FileOrPipe, RegularFileOnly };
Bytes read_file(const std::string& path, std::size_t max_size = kMaxKeystoreBytes, Readable accept = Readable::FileOrPipe);

// The store type of key store bytes; throws Error (Input) if they are not a key store.
StoreType detect_keystore_type(ByteView data);

// store_password may be null (JKS/JCEKS listing without integrity check).
Keystore load_keystore(const std::string& path, const Password* store_password);
Keystore read_keystore_data(ByteView data, const Password* store_password);  // bytes already read

// Atomic replacement, as platform::replace_file says.
using platform::WriteOptions;
using platform::WriteOutcome;
WriteOutcome write_file_atomically(const std::string& path, ByteView data, const WriteOptions& options = {});
// Adds to notes what a write of path did besides the plain replacement (the command says it).
void note_outcome(std::vector<std::string>& notes, const std::string& path, const WriteOutcome& outcome);
// A keystore (new ones 0600). Backups are the caller's (KeystoreBackup, agent_layout.hpp): no .bak here.
WriteOutcome save_keystore(const std::string& path, const Keystore& ks, const Password& store_password);

}  // namespace midks
