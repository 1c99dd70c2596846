// Key stores on disk: read with content detection, write atomically (files of any kind, too).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "midks/limits.hpp"
#include "midks/model.hpp"
#include "midks/platform.hpp"

namespace midks {

// Never more than max_size bytes (a cap of midks/limits.hpp; FILE_TOO_LARGE above it). A file we
// are about to replace (a keystore being changed, config.xml) must be a regular file: anything
// else is NOT_A_FILE. Input may come through a pipe too (<(…), a piped /dev/stdin).
enum class Readable { FileOrPipe, RegularFileOnly };
Bytes read_file(const std::string& path, std::size_t max_size = limits::kMaxKeystoreFileBytes, Readable accept = Readable::FileOrPipe);
// The same into wiping memory, for files that hold secrets (bundles with keys, config.xml): no
// copy is left behind, whatever the read or its caller's use of the bytes ends in.
SecureBytes read_secret_bytes(const std::string& path, std::size_t max_size, Readable accept = Readable::FileOrPipe);
// A password file (--storepass-file and friends, pipes too), at most limits::kMaxSecretFileBytes;
// a trailing newline is not part of the password.
Password read_secret_file(const std::string& path);

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
