// Byte buffers that hold secrets, and the Password type. Both wipe themselves with OPENSSL_cleanse.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace midks {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Owns secret bytes; wiped on destruction, reassignment and clear().
class SecureBytes {
 public:
  SecureBytes() = default;
  explicit SecureBytes(ByteView data) : data_(data.begin(), data.end()) {}
  SecureBytes(const SecureBytes& other) : data_(other.data_) {}
  SecureBytes(SecureBytes&& other) noexcept : data_(std::move(other.data_)) { other.data_.clear(); }
  SecureBytes& operator=(const SecureBytes& other);
  SecureBytes& operator=(SecureBytes&& other) noexcept;
  ~SecureBytes() { clear(); }

  void clear() noexcept;
  void append(ByteView more);
  void resize(std::size_t n);  // wipes the old buffer if it moves
  bool empty() const noexcept { return data_.empty(); }
  std::size_t size() const noexcept { return data_.size(); }
  std::uint8_t* data() noexcept { return data_.data(); }
  const std::uint8_t* data() const noexcept { return data_.data(); }
  ByteView view() const noexcept { return {data_.data(), data_.size()}; }
  bool operator==(const SecureBytes& other) const;

 private:
  std::vector<std::uint8_t> data_;
};

// A password as the user gave it (UTF-8). Java hashes passwords as UTF-16 code units, so conversions
// to the encodings each format needs live here, and their results are secret too.
class Password {
 public:
  Password() = default;
  explicit Password(std::string_view utf8);
  static Password from_bytes(ByteView utf8) { return Password(std::string_view(reinterpret_cast<const char*>(utf8.data()), utf8.size())); }

  const char* c_str() const noexcept { return reinterpret_cast<const char*>(utf8_.data()); }
  std::size_t size() const noexcept { return utf8_.size() == 0 ? 0 : utf8_.size() - 1; }
  bool empty() const noexcept { return size() == 0; }

  // Java char[] as big-endian UTF-16 (what JKS/JCEKS hash).
  SecureBytes utf16be() const;
  // Java's PBEKey: every char must be printable ASCII (0x20..0x7E); throws otherwise.
  SecureBytes java_pbe_ascii() const;

 private:
  SecureBytes utf8_;  // NUL-terminated so OpenSSL can take c_str()
};

}  // namespace midks
