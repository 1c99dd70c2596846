// Bounds-checked big-endian reader and writer for Java's DataInput/DataOutput encodings.
// Every getter either succeeds and advances, or throws a format error naming the offset.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "midks/error.hpp"
#include "midks/secure.hpp"

namespace midks::fmt {

class ByteReader {
 public:
  ByteReader(ByteView data, std::string what) : data_(data), what_(std::move(what)) {}

  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u32();
  std::uint64_t u64();
  ByteView bytes(std::size_t n);
  // Java DataInput.readUTF: u16 byte length + modified UTF-8, returned as standard UTF-8.
  std::string java_utf();
  // A u32 length followed by that many bytes; the length is checked against what is left.
  ByteView u32_prefixed();

  std::size_t offset() const { return pos_; }
  std::size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }
  ByteView consumed_since(std::size_t start) const { return data_.subspan(start, pos_ - start); }

  [[noreturn]] void fail_at(std::size_t offset, const std::string& problem, ErrorCode code = ErrorCode::KEYSTORE_CORRUPT) const;

 private:
  ByteView take(std::size_t n, const char* field);
  ByteView data_;
  std::size_t pos_ = 0;
  std::string what_;
};

class ByteWriter {
 public:
  void reserve(std::size_t n) { out_.reserve(n); }
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v);
  void u32(std::uint32_t v);
  void u64(std::uint64_t v);
  void bytes(ByteView b) { out_.insert(out_.end(), b.begin(), b.end()); }
  // Java DataOutput.writeUTF; throws if the encoded form exceeds 65535 bytes.
  void java_utf(std::string_view utf8);
  void u32_prefixed(ByteView b);

  const Bytes& data() const { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

// Modified UTF-8 (Java) <-> standard UTF-8.
std::string modified_utf8_to_utf8(ByteView in, bool& ok);
Bytes utf8_to_modified_utf8(std::string_view in);

}  // namespace midks::fmt
