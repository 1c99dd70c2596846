#include "der_reader.hpp"

#include <openssl/objects.h>

#include <algorithm>

#include "midks/error.hpp"
#include "midks/limits.hpp"

namespace midks::fmt {

DerReader::DerReader(ByteView data, std::string what, std::size_t base_offset)
    : DerReader(data, std::move(what), base_offset, 0) {}

DerReader::DerReader(ByteView data, std::string what, std::size_t base_offset, int depth)
    : data_(data), what_(std::move(what)), base_(base_offset), depth_(depth) {}

void DerReader::fail_at(std::size_t absolute_offset, const std::string& problem) const {
  fail(ErrorCode::DER_MALFORMED, what_ + " is not valid DER: " + problem + " at byte offset " + std::to_string(absolute_offset));
}

std::optional<std::uint8_t> DerReader::peek_tag() const {
  if (at_end()) return std::nullopt;
  return data_[pos_];
}

namespace {

// The tag and length at data[start]; on failure, problem and the offset (within data) of the
// faulty byte. Whether the contents follow in full is the caller's question. Unless shortest,
// a long-form length may have more bytes than it needs (BER allows that, DER does not).
enum class LengthForm { Shortest, Any };
std::optional<DerHeader> decode_header(ByteView data, std::size_t start, LengthForm form, std::string& problem, std::size_t& at) {
  at = start;
  const std::size_t left = data.size() - start;
  if (left == 0) {
    problem = "an element was expected but the data ends";
    return std::nullopt;
  }
  const std::uint8_t tag = data[start];
  if ((tag & 0x1F) == 0x1F) {
    problem = "multi-byte tags are not supported";
    return std::nullopt;
  }
  if (left < 2) {
    problem = "the element is cut off after its tag";
    return std::nullopt;
  }
  at = start + 1;
  const std::uint8_t first = data[start + 1];
  if (first < 0x80) return DerHeader{tag, 2, first};
  if (first == 0x80) {
    problem = "indefinite length (BER, not DER)";
    return std::nullopt;
  }
  if (first == 0xFF) {
    problem = "reserved length byte 0xff";
    return std::nullopt;
  }
  const std::size_t n = first & 0x7Fu;
  if (n > sizeof(std::size_t)) {
    problem = "a " + std::to_string(n) + "-byte length field is larger than any input";
    return std::nullopt;
  }
  if (left - 2 < n) {
    problem = "the length field is cut off";
    return std::nullopt;
  }
  if (form == LengthForm::Shortest && data[start + 2] == 0) {
    problem = "the length is not in its shortest form (leading zero byte)";
    return std::nullopt;
  }
  std::size_t length = 0;
  for (std::size_t i = 0; i < n; ++i) length = (length << 8) | data[start + 2 + i];
  if (form == LengthForm::Shortest && length < 0x80) {
    problem = "the length " + std::to_string(length) + " is not in its shortest form";
    return std::nullopt;
  }
  return DerHeader{tag, 2 + n, length};
}

}  // namespace

std::optional<DerElement> DerReader::decode(std::string& problem, std::size_t& at) const {
  auto h = decode_header(data_, pos_, LengthForm::Shortest, problem, at);
  at += base_;
  if (!h) return std::nullopt;
  const std::size_t left = data_.size() - pos_ - h->header_length;
  if (h->content_length > left) {
    problem = "the length says " + std::to_string(h->content_length) + " bytes but only " + std::to_string(left) + " remain";
    return std::nullopt;
  }
  DerElement e;
  e.tag = h->tag;
  e.offset = base_ + pos_;
  e.encoded = data_.subspan(pos_, h->header_length + h->content_length);
  e.content = data_.subspan(pos_ + h->header_length, h->content_length);
  return e;
}

std::optional<DerElement> DerReader::try_next(std::string* problem) {
  std::string why;
  std::size_t at = 0;
  auto e = decode(why, at);
  if (!e) {
    if (problem) *problem = why + " at byte offset " + std::to_string(at);
    return std::nullopt;
  }
  pos_ += e->encoded.size();
  return e;
}

DerElement DerReader::next() {
  std::string why;
  std::size_t at = 0;
  auto e = decode(why, at);
  if (!e) fail_at(at, why);
  pos_ += e->encoded.size();
  return *e;
}

DerElement DerReader::next(std::uint8_t tag, std::string_view field) {
  if (at_end()) fail_at(offset(), std::string(field) + " is missing");
  if (data_[pos_] != tag) {
    static const char* hex = "0123456789abcdef";
    std::uint8_t got = data_[pos_];
    fail_at(offset(), std::string(field) + " has tag 0x" + std::string{hex[got >> 4], hex[got & 15]} + " where 0x" +
                          std::string{hex[tag >> 4], hex[tag & 15]} + " was expected");
  }
  return next();
}

DerReader DerReader::enter(const DerElement& element) const {
  if (!element.constructed()) fail_at(element.offset, "a primitive element cannot be entered");
  if (depth_ + 1 > limits::kMaxDerDepth)
    fail_at(element.offset, "nested deeper than " + std::to_string(limits::kMaxDerDepth) + " levels");
  return DerReader(element.content, what_, element.offset + (element.encoded.size() - element.content.size()), depth_ + 1);
}

void DerReader::expect_end(std::string_view after) const {
  if (!at_end()) fail_at(offset(), std::to_string(remaining()) + " unexpected byte(s) after " + std::string(after));
}

Oid::Oid(const char* dotted) : obj_(ossl::check_alloc(OBJ_txt2obj(dotted, 1), "OBJ_txt2obj")) {}
// OBJ_nid2obj's objects are OpenSSL's static table entries, which ASN1_OBJECT_free leaves alone.
Oid::Oid(int nid) : obj_(ossl::check_alloc(OBJ_nid2obj(nid), "OBJ_nid2obj")) {}
ByteView Oid::content() const { return {OBJ_get0_data(obj_.get()), OBJ_length(obj_.get())}; }
bool Oid::is(const DerElement& e) const { return e.tag == der::kOid && std::ranges::equal(e.content, content()); }

std::optional<DerHeader> peek_der_header(ByteView data) {
  std::string problem;
  std::size_t at = 0;
  return decode_header(data, 0, LengthForm::Any, problem, at);
}

}  // namespace midks::fmt
