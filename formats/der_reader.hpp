// A bounds-checked reader of DER (ITU-T X.690's distinguished encoding), in the spirit of
// ByteReader: every element is read whole or refused with an error (code DER_MALFORMED) that names
// what was being read, the problem and its byte offset. Only what DER allows is accepted: one-byte
// tags, definite lengths in their shortest form, contents that fit in what encloses them; the
// nesting a reader enters is bounded by limits::kMaxDerDepth.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "midks/ossl.hpp"
#include "midks/secure.hpp"

namespace midks::fmt {

namespace der {
inline constexpr std::uint8_t kInteger = 0x02;
inline constexpr std::uint8_t kBitString = 0x03;
inline constexpr std::uint8_t kOctetString = 0x04;
inline constexpr std::uint8_t kNull = 0x05;
inline constexpr std::uint8_t kOid = 0x06;
inline constexpr std::uint8_t kSequence = 0x30;  // constructed
inline constexpr std::uint8_t kSet = 0x31;       // constructed
inline constexpr std::uint8_t kConstructed = 0x20;
// [n] EXPLICIT (constructed) context-specific tag.
constexpr std::uint8_t context(std::uint8_t n) { return static_cast<std::uint8_t>(0xA0 | n); }
}  // namespace der

struct DerElement {
  std::uint8_t tag = 0;
  std::size_t offset = 0;  // of the tag byte, counted from the start of the outermost input
  ByteView encoded;        // tag, length and contents
  ByteView content;
  bool constructed() const { return (tag & der::kConstructed) != 0; }
};

class DerReader {
 public:
  // what names the data in errors ("the certificate"); base_offset is where data starts in the
  // file the offsets in errors should count from.
  DerReader(ByteView data, std::string what, std::size_t base_offset = 0);

  bool at_end() const { return pos_ == data_.size(); }
  std::size_t offset() const { return base_ + pos_; }  // absolute, like DerElement::offset
  std::size_t remaining() const { return data_.size() - pos_; }
  // The next element's tag without reading it; nullopt at the end.
  std::optional<std::uint8_t> peek_tag() const;

  // The next element; throws DER_MALFORMED if it is not one whole DER element.
  DerElement next();
  // The next element, which must have this tag; field names it in the error ("the version"). The
  // names are views, so that a read that succeeds builds no string.
  DerElement next(std::uint8_t tag, std::string_view field);
  // The next element, or nullopt (nothing consumed) if there is none or it is malformed; then
  // *problem, if given, says why.
  std::optional<DerElement> try_next(std::string* problem = nullptr);

  // A reader over a constructed element's contents, one level deeper; throws DER_MALFORMED past
  // limits::kMaxDerDepth or if the element is primitive.
  DerReader enter(const DerElement& element) const;
  // Throws DER_MALFORMED if anything is left; after names what was read ("the certificate").
  void expect_end(std::string_view after) const;

  [[noreturn]] void fail_at(std::size_t absolute_offset, const std::string& problem) const;

 private:
  DerReader(ByteView data, std::string what, std::size_t base_offset, int depth);
  // Decodes the element at pos_ without consuming it; on failure sets problem and the offset of
  // the faulty byte.
  std::optional<DerElement> decode(std::string& problem, std::size_t& at) const;

  ByteView data_;
  std::string what_;
  std::size_t base_ = 0;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

// An OBJECT IDENTIFIER's content bytes, made by OpenSSL (no hand encoding), to compare with
// elements a DerReader reads: an OID has one DER encoding, so equal bytes are the same OID.
class Oid {
 public:
  explicit Oid(const char* dotted);
  explicit Oid(int nid);
  ByteView content() const;
  bool is(const DerElement& e) const;

 private:
  ossl::AsnObjectPtr obj_;
};

// The tag and definite length data starts with, for format detection: leniently, so that a
// damaged file is still told apart by its shape. The contents need not follow in full (a truncated
// file still shows what it was meant to be) and the length need not be in its shortest form;
// nullopt for an indefinite length, a multi-byte tag or a header cut short.
struct DerHeader {
  std::uint8_t tag = 0;
  std::size_t header_length = 0, content_length = 0;
};
std::optional<DerHeader> peek_der_header(ByteView data);

}  // namespace midks::fmt
