// Byte buffers and text that hold secrets, and the Password type. All wipe themselves with
// OPENSSL_cleanse.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace midks {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Overwrites n bytes at p with zeros in a way the compiler cannot drop (OPENSSL_cleanse).
void wipe(void* p, std::size_t n) noexcept;
inline void wipe(Bytes& b) noexcept { wipe(b.data(), b.size()); }

// Leaves the memory pages of a buffer that will hold secrets out of core dumps
// (platform::exclude_from_dumps).
void exclude_from_dumps(const void* p, std::size_t n) noexcept;

// An allocator that wipes every buffer it frees: a container of secrets that grows leaves no copy
// behind in the buffers it outgrows, and its last buffer is wiped when it is destroyed, also when
// an exception unwinds. Its buffers are left out of core dumps.
template <typename T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() = default;
  template <typename U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    T* p = std::allocator<T>().allocate(n);
    exclude_from_dumps(p, n * sizeof(T));
    return p;
  }
  void deallocate(T* p, std::size_t n) noexcept {
    wipe(p, n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
  }
  friend bool operator==(const WipingAllocator&, const WipingAllocator&) noexcept { return true; }
};

// Text that holds a secret (the PEM of a private key). Its buffers are wiped when freed; a string
// of at most 15 characters lives inside the object itself (the small-string optimisation) and is
// not, so keep short fragments of secrets out of it.
using SecureString = std::basic_string<char, std::char_traits<char>, WipingAllocator<char>>;

// Runs f when the scope is left, normally or by an exception: wipes a buffer of a plain type (a
// Bytes read from a file) that holds a secret for a while.
template <typename F>
class OnScopeExit {
 public:
  explicit OnScopeExit(F f) : f_(std::move(f)) {}
  ~OnScopeExit() { f_(); }
  OnScopeExit(const OnScopeExit&) = delete;
  OnScopeExit& operator=(const OnScopeExit&) = delete;

 private:
  F f_;
};

// Owns secret bytes; wiped on destruction, reassignment and clear(), and left out of core dumps.
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
  std::vector<std::uint8_t, WipingAllocator<std::uint8_t>> data_;
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

  // Compared in constant time for equal lengths.
  friend bool operator==(const Password& a, const Password& b) noexcept;

  // Java char[] as big-endian UTF-16 (what JKS/JCEKS hash).
  SecureBytes utf16be() const;
  // Java's PBEKey: every char must be printable ASCII (0x20..0x7E), else Java cannot use the
  // password ("Password is not ASCII"); throws PASSWORD_NOT_ENCODABLE naming what it would protect.
  void require_java_pbe_ascii(std::string_view protects) const;
  // The same check, and the password as those bytes.
  SecureBytes java_pbe_ascii(std::string_view protects) const;

 private:
  SecureBytes utf8_;  // NUL-terminated so OpenSSL can take c_str()
};

}  // namespace midks
