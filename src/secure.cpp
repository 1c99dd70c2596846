#include "midks/secure.hpp"

#include <openssl/crypto.h>

#include "midks/error.hpp"
#include "midks/platform.hpp"
#include "midks/utf8.hpp"

namespace midks {

void wipe(void* p, std::size_t n) noexcept {
  if (p && n) OPENSSL_cleanse(p, n);
}

void exclude_from_dumps(const void* p, std::size_t n) noexcept { platform::exclude_from_dumps(p, n); }

SecureBytes& SecureBytes::operator=(const SecureBytes& other) {
  if (this != &other) {
    clear();
    data_ = other.data_;
  }
  return *this;
}

SecureBytes& SecureBytes::operator=(SecureBytes&& other) noexcept {
  if (this != &other) {
    clear();
    data_ = std::move(other.data_);
    other.data_.clear();
  }
  return *this;
}

void SecureBytes::clear() noexcept {
  if (!data_.empty()) OPENSSL_cleanse(data_.data(), data_.size());
  data_.clear();
}

void SecureBytes::resize(std::size_t n) {
  // A buffer it outgrows is wiped by the allocator when freed.
  if (n < data_.size()) OPENSSL_cleanse(data_.data() + n, data_.size() - n);
  data_.resize(n);
}

void SecureBytes::append(ByteView more) {
  std::size_t old = data_.size();
  resize(old + more.size());
  std::copy(more.begin(), more.end(), data_.begin() + static_cast<std::ptrdiff_t>(old));
}

bool SecureBytes::operator==(const SecureBytes& other) const {
  return data_.size() == other.data_.size() &&
         CRYPTO_memcmp(data_.data(), other.data_.data(), data_.size()) == 0;
}

bool operator==(const Password& a, const Password& b) noexcept {
  return a.size() == b.size() && CRYPTO_memcmp(a.c_str(), b.c_str(), a.size()) == 0;
}

Password::Password(std::string_view utf8) {
  utf8_.resize(utf8.size() + 1);
  std::copy(utf8.begin(), utf8.end(), utf8_.data());
  utf8_.data()[utf8.size()] = 0;
}


SecureBytes Password::utf16be() const {
  SecureBytes out;
  std::string_view s(c_str(), size());
  out.resize(s.size() * 4);
  std::size_t o = 0;
  auto put = [&](char32_t unit) {
    out.data()[o++] = static_cast<std::uint8_t>(unit >> 8);
    out.data()[o++] = static_cast<std::uint8_t>(unit & 0xFF);
  };
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    if (!utf8::next(s, i, cp)) fail(ErrorCode::PASSWORD_NOT_ENCODABLE, "password is not valid UTF-8");
    if (cp >= 0x10000) {
      cp -= 0x10000;
      put(0xD800 + (cp >> 10));
      put(0xDC00 + (cp & 0x3FF));
    } else {
      put(cp);
    }
  }
  out.resize(o);
  return out;
}

void Password::require_java_pbe_ascii(std::string_view protects) const {
  for (std::size_t i = 0; i < size(); ++i) {
    std::uint8_t c = utf8_.data()[i];
    if (c < 0x20 || c > 0x7E)
      fail(ErrorCode::PASSWORD_NOT_ENCODABLE, "this password cannot protect " + std::string(protects) +
                                                  ": Java's password-based encryption accepts only printable ASCII characters");
  }
}

SecureBytes Password::java_pbe_ascii(std::string_view protects) const {
  require_java_pbe_ascii(protects);
  return SecureBytes(ByteView(utf8_.data(), size()));
}

}  // namespace midks
