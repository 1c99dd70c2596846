#include "byte_reader.hpp"

#include <boost/endian/conversion.hpp>

#include "midks/utf8.hpp"

namespace midks::fmt {

namespace be = boost::endian;

void ByteReader::fail_at(std::size_t offset, const std::string& problem, ErrorCode code) const {
  fail(code, what_ + (code == ErrorCode::KEYSTORE_TRUNCATED ? " is truncated: " : " is corrupt: ") + problem + " at byte offset " +
                 std::to_string(offset));
}

ByteView ByteReader::take(std::size_t n, const char* field) {
  if (n > remaining())
    fail_at(pos_, std::string(field) + " needs " + std::to_string(n) + " bytes but only " + std::to_string(remaining()) +
                      " remain",
            ErrorCode::KEYSTORE_TRUNCATED);
  ByteView out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

std::uint8_t ByteReader::u8() { return take(1, "a 1-byte field")[0]; }
std::uint16_t ByteReader::u16() { return be::load_big_u16(take(2, "a 2-byte field").data()); }
std::uint32_t ByteReader::u32() { return be::load_big_u32(take(4, "a 4-byte field").data()); }
std::uint64_t ByteReader::u64() { return be::load_big_u64(take(8, "an 8-byte field").data()); }
ByteView ByteReader::bytes(std::size_t n) { return take(n, "a data field"); }

ByteView ByteReader::u32_prefixed() {
  std::size_t at = pos_;
  std::uint32_t n = u32();
  if (n > remaining())
    fail_at(at, "length field says " + std::to_string(n) + " bytes but only " + std::to_string(remaining()) + " remain",
            ErrorCode::KEYSTORE_TRUNCATED);
  return take(n, "a length-prefixed field");
}

std::string ByteReader::java_utf() {
  std::size_t at = pos_;
  std::uint16_t n = u16();
  if (n > remaining())
    fail_at(at, "text length says " + std::to_string(n) + " bytes but only " + std::to_string(remaining()) + " remain",
            ErrorCode::KEYSTORE_TRUNCATED);
  bool ok = true;
  std::string s = modified_utf8_to_utf8(take(n, "a text field"), ok);
  if (!ok) fail_at(at, "text is not valid modified UTF-8");
  return s;
}

void ByteWriter::u16(std::uint16_t v) {
  std::uint8_t b[2];
  be::store_big_u16(b, v);
  bytes(b);
}
void ByteWriter::u32(std::uint32_t v) {
  std::uint8_t b[4];
  be::store_big_u32(b, v);
  bytes(b);
}
void ByteWriter::u64(std::uint64_t v) {
  std::uint8_t b[8];
  be::store_big_u64(b, v);
  bytes(b);
}

void ByteWriter::java_utf(std::string_view utf8) {
  Bytes encoded = utf8_to_modified_utf8(utf8);
  if (encoded.size() > 0xFFFF)
    fail(ErrorCode::ENTRY_NOT_STORABLE, "text is too long for Java's format (" + std::to_string(encoded.size()) + " bytes, at most 65535)");
  u16(static_cast<std::uint16_t>(encoded.size()));
  bytes(encoded);
}

void ByteWriter::u32_prefixed(ByteView b) {
  if (b.size() > 0x7FFFFFFF) fail(ErrorCode::ENTRY_NOT_STORABLE, "field too large for Java's format");
  u32(static_cast<std::uint32_t>(b.size()));
  bytes(b);
}

namespace {

void append_modified(Bytes& out, char16_t unit) {
  if (unit != 0 && unit < 0x80) {
    out.push_back(static_cast<std::uint8_t>(unit));
  } else if (unit < 0x800) {  // includes NUL as C0 80
    out.push_back(static_cast<std::uint8_t>(0xC0 | (unit >> 6)));
    out.push_back(static_cast<std::uint8_t>(0x80 | (unit & 0x3F)));
  } else {
    out.push_back(static_cast<std::uint8_t>(0xE0 | (unit >> 12)));
    out.push_back(static_cast<std::uint8_t>(0x80 | ((unit >> 6) & 0x3F)));
    out.push_back(static_cast<std::uint8_t>(0x80 | (unit & 0x3F)));
  }
}

}  // namespace

std::string modified_utf8_to_utf8(ByteView in, bool& ok) {
  // Decode to UTF-16 units the way DataInputStream.readUTF does, then pair surrogates.
  std::u16string units;
  for (std::size_t i = 0; i < in.size();) {
    std::uint8_t c = in[i];
    if (c < 0x80) {
      units += static_cast<char16_t>(c);
      i += 1;
    } else if ((c >> 5) == 0x6 && i + 1 < in.size() && (in[i + 1] & 0xC0) == 0x80) {
      units += static_cast<char16_t>(((c & 0x1F) << 6) | (in[i + 1] & 0x3F));
      i += 2;
    } else if ((c >> 4) == 0xE && i + 2 < in.size() && (in[i + 1] & 0xC0) == 0x80 && (in[i + 2] & 0xC0) == 0x80) {
      units += static_cast<char16_t>(((c & 0x0F) << 12) | ((in[i + 1] & 0x3F) << 6) | (in[i + 2] & 0x3F));
      i += 3;
    } else {
      ok = false;
      return {};
    }
  }
  std::string out;
  for (std::size_t i = 0; i < units.size(); ++i) {
    char32_t u = units[i];
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units.size() && units[i + 1] >= 0xDC00 && units[i + 1] <= 0xDFFF) {
      utf8::append(out, 0x10000 + ((u - 0xD800) << 10) + (units[i + 1] - 0xDC00));
      ++i;
    } else {
      utf8::append(out, u);  // a lone surrogate stays as its 3-byte form: lossless round trip
    }
  }
  return out;
}

Bytes utf8_to_modified_utf8(std::string_view in) {
  Bytes out;
  for (std::size_t i = 0; i < in.size();) {
    char32_t cp = 0;
    if (!utf8::next(in, i, cp)) fail(ErrorCode::ALIAS_INVALID, "alias is not valid UTF-8");
    if (cp >= 0x10000) {
      cp -= 0x10000;
      append_modified(out, static_cast<char16_t>(0xD800 + (cp >> 10)));
      append_modified(out, static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      append_modified(out, static_cast<char16_t>(cp));
    }
  }
  return out;
}

}  // namespace midks::fmt
