#include "midks/keystore_file.hpp"

#include <algorithm>

#include "codec.hpp"
#include "midks/error.hpp"
#include "midks/platform.hpp"

namespace midks {

namespace {

// A pipe's input is read in buffers that double from this size up to the cap.
constexpr std::size_t kFirstPipeBuffer = std::size_t{1} << 20;
// Heap a file's decoding takes, per byte of the file (a 2,000-certificate PKCS#12 store's listing).
constexpr std::size_t kDecodedBytesPerFileByte = 2;

// Grows a buffer of plain memory without leaving the old one unwiped: the file may hold a private
// key (a PEM bundle).
void grow(Bytes& out, std::size_t n) {
  Bytes bigger(n);
  std::copy(out.begin(), out.end(), bigger.begin());
  wipe(out);
  out.swap(bigger);
}
void grow(SecureBytes& out, std::size_t n) { out.resize(n); }  // wipes the buffer it outgrows
void wipe_all(Bytes& out) { wipe(out); }
void wipe_all(SecureBytes& out) { out.clear(); }

template <class Buffer>
Buffer read_into(const std::string& path, std::size_t max_size, Readable accept) {
  platform::InputFile f(path);
  if (f.kind() == platform::InputFile::Kind::Folder) fail(ErrorCode::FILE_UNREADABLE, path + " is a directory, not a file");
  if (accept == Readable::RegularFileOnly && f.kind() != platform::InputFile::Kind::Regular)
    fail(ErrorCode::NOT_A_FILE, path + " is not a regular file (a FIFO, socket or device); it cannot be changed in place of one");
  // A pipe (<(…), a piped /dev/stdin) has no size up front: it is read up to the bound, plus one
  // byte to tell "exactly at the bound" from "too large". Devices (/dev/zero) stay refused.
  bool stream = f.kind() == platform::InputFile::Kind::Stream;
  if (f.kind() != platform::InputFile::Kind::Regular && !stream) fail(ErrorCode::NOT_A_FILE, path + " is not a regular file (a device or socket)");
  auto too_large = [&](const std::string& size) {
    fail(ErrorCode::FILE_TOO_LARGE, path + " is too large (" + size + " bytes; this file may have at most " + std::to_string(max_size) + ")");
  };
  if (!stream && f.size() > max_size) too_large(std::to_string(f.size()));
  // The file, and what decoding it makes (a PKCS#12 store's decrypted safes, its certificates'
  // copies), in memory mapped at once.
  if (!stream) platform::prefault_heap(kDecodedBytesPerFileByte * static_cast<std::size_t>(f.size()));
  // No copy is left behind, neither in the buffers a pipe's growing input outgrows nor in a
  // buffer an error abandons.
  Buffer out;
  out.resize(stream ? std::min<std::size_t>(max_size + 1, kFirstPipeBuffer) : static_cast<std::size_t>(f.size()));
  bool complete = false;
  OnScopeExit wipe_unless_complete([&] {
    if (!complete) wipe_all(out);
  });
  std::size_t done = 0;
  for (;;) {
    if (done == out.size()) {
      if (!stream || out.size() > max_size) break;
      grow(out, std::min(out.size() * 2, max_size + 1));
    }
    std::size_t n = f.read(out.data() + done, out.size() - done);
    if (n == 0) break;
    done += n;
  }
  if (done > max_size) too_large("more than " + std::to_string(max_size));
  out.resize(done);
  complete = true;
  return out;
}

}  // namespace

Bytes read_file(const std::string& path, std::size_t max_size, Readable accept) { return read_into<Bytes>(path, max_size, accept); }

SecureBytes read_secret_bytes(const std::string& path, std::size_t max_size, Readable accept) {
  return read_into<SecureBytes>(path, max_size, accept);
}

Password read_secret_file(const std::string& path) {
  SecureBytes data = read_secret_bytes(path, limits::kMaxSecretFileBytes);
  std::size_t n = data.size();
  while (n > 0 && (data.data()[n - 1] == '\n' || data.data()[n - 1] == '\r')) --n;  // a trailing newline is not part of it
  return Password::from_bytes(ByteView(data.data(), n));
}

StoreType detect_keystore_type(ByteView data) { return fmt::detect_store_type(data); }

Keystore read_keystore_data(ByteView data, const Password* store_password) { return fmt::read_keystore(data, store_password); }

Keystore load_keystore(const std::string& path, const Password* store_password) {
  Bytes data = read_file(path);
  try {
    return fmt::read_keystore(data, store_password);
  } catch (const Error& e) {
    throw e.with_context(path);
  }
}

WriteOutcome write_file_atomically(const std::string& path, ByteView data, const WriteOptions& options) {
  return platform::replace_file(path, data, options);
}

void note_outcome(std::vector<std::string>& notes, const std::string& path, const WriteOutcome& outcome) {
  if (outcome.in_place) notes.push_back(path + " is a mount point (a file mounted on its own): it was rewritten in place, then read back and compared");
  if (!outcome.note.empty()) notes.push_back(outcome.note);
}

WriteOutcome save_keystore(const std::string& path, const Keystore& ks, const Password& store_password) {
  Bytes data = fmt::write_keystore(ks, store_password);
  return write_file_atomically(path, data, WriteOptions::with_mode(0600));
}

}  // namespace midks
