// The DER reader (formats/der_reader.hpp): whole elements or a DER_MALFORMED error that names the
// byte offset; truncated, overlong, indefinite-length and oversized-length inputs are refused.
#include "der_reader.hpp"
#include "midks/limits.hpp"
#include "support.hpp"

namespace midks::test {
namespace {

using fmt::DerElement;
using fmt::DerReader;
namespace der = fmt::der;

// The error code and message of f, or empty strings if it did not throw.
template <typename F>
std::pair<std::string, std::string> error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  return {};
}

// Refused by next() with DER_MALFORMED, the message naming offset `at` and `words`; refused by
// try_next() without consuming anything.
void expect_refused(const Bytes& data, std::size_t at, const std::string& words) {
  SCOPED_TRACE(words);
  DerReader r(data, "the test input");
  auto [code, message] = error_of([&] { r.next(); });
  EXPECT_EQ(code, "DER_MALFORMED");
  EXPECT_NE(message.find("the test input is not valid DER"), std::string::npos) << message;
  EXPECT_NE(message.find(words), std::string::npos) << message;
  EXPECT_NE(message.find("at byte offset " + std::to_string(at)), std::string::npos) << message;
  std::string problem;
  EXPECT_FALSE(r.try_next(&problem).has_value());
  EXPECT_NE(problem.find(words), std::string::npos) << problem;
  EXPECT_EQ(r.offset(), 0u);
}

TEST(DerReader, ReadsNestedElementsWithTheirOffsets) {
  // SEQUENCE { INTEGER 0, OCTET STRING 'ab', [0] { NULL } }
  Bytes data = {0x30, 0x0B, 0x02, 0x01, 0x00, 0x04, 0x02, 'a', 'b', 0xA0, 0x02, 0x05, 0x00};
  DerReader r(data, "x", 100);
  DerElement seq = r.next(der::kSequence, "the outer sequence");
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(seq.offset, 100u);
  EXPECT_EQ(seq.encoded.size(), data.size());
  EXPECT_EQ(seq.content.size(), 11u);
  DerReader in = r.enter(seq);
  EXPECT_EQ(in.offset(), 102u);
  DerElement version = in.next(der::kInteger, "the version");
  EXPECT_EQ(version.content.size(), 1u);
  EXPECT_EQ(in.peek_tag(), der::kOctetString);
  DerElement octets = in.next();
  EXPECT_EQ(octets.offset, 105u);
  EXPECT_EQ(std::string(octets.content.begin(), octets.content.end()), "ab");
  DerElement tagged = in.next(der::context(0), "the [0] element");
  DerReader inner = in.enter(tagged);
  EXPECT_EQ(inner.next(der::kNull, "NULL").content.size(), 0u);
  inner.expect_end("NULL");
  in.expect_end("the sequence");
  EXPECT_FALSE(in.peek_tag().has_value());
}

TEST(DerReader, LongFormLengths) {
  Bytes data = {0x04, 0x81, 0x80};
  data.resize(3 + 0x80, 0x11);
  DerReader r(data, "x");
  EXPECT_EQ(r.next().content.size(), 0x80u);
  Bytes two = {0x04, 0x82, 0x01, 0x00};
  two.resize(4 + 0x100, 0x22);
  DerReader r2(two, "x");
  EXPECT_EQ(r2.next().content.size(), 0x100u);
}

TEST(DerReader, TruncatedInputIsRefusedAtEveryLength) {
  Bytes data = {0x30, 0x81, 0x85, 0x04, 0x81, 0x82};
  data.resize(3 + 0x85, 0x33);
  for (std::size_t len = 0; len < data.size(); ++len) {
    DerReader r(ByteView(data.data(), len), "cut");
    auto [code, message] = error_of([&] { r.next(); });
    EXPECT_EQ(code, "DER_MALFORMED") << "at length " << len;
    EXPECT_FALSE(DerReader(ByteView(data.data(), len), "cut").try_next().has_value());
  }
  expect_refused({0x30}, 0, "cut off after its tag");
  expect_refused({0x04, 0x82, 0x01}, 1, "length field is cut off");
  expect_refused({0x04, 0x05, 0x01, 0x02}, 1, "the length says 5 bytes but only 2 remain");
  expect_refused({}, 0, "the data ends");
}

TEST(DerReader, OverlongLengthEncodingsAreRefused) {
  expect_refused({0x04, 0x81, 0x05, 1, 2, 3, 4, 5}, 1, "not in its shortest form");
  expect_refused({0x04, 0x82, 0x00, 0x85}, 1, "leading zero byte");
  expect_refused({0x04, 0x84, 0x00, 0x00, 0x00, 0x01, 0x00}, 1, "leading zero byte");
}

TEST(DerReader, IndefiniteLengthIsRefused) {
  expect_refused({0x30, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00}, 1, "indefinite length");
  // The same, one level down.
  Bytes data = {0x30, 0x04, 0x30, 0x80, 0x00, 0x00};
  DerReader r(data, "nested");
  DerReader in = r.enter(r.next());
  auto [code, message] = error_of([&] { in.next(); });
  EXPECT_EQ(code, "DER_MALFORMED");
  EXPECT_NE(message.find("at byte offset 3"), std::string::npos) << message;
}

TEST(DerReader, OversizedLengthsAreRefusedWithoutAllocating) {
  expect_refused({0x04, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x00}, 1, "the length says 2147483647 bytes but only 1 remain");
  expect_refused({0x04, 0x88, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, 1, "the length says 18446744073709551615 bytes");
  expect_refused({0x04, 0x89, 1, 0, 0, 0, 0, 0, 0, 0, 0}, 1, "9-byte length field is larger than any input");
  expect_refused({0x04, 0xFF}, 1, "reserved length byte");
  // An inner element longer than what encloses it, though the file has the bytes.
  Bytes data = {0x30, 0x03, 0x04, 0x05, 0x00, 0x01, 0x02, 0x03, 0x04};
  DerReader r(data, "x");
  DerReader in = r.enter(r.next(der::kSequence, "outer"));
  auto [code, message] = error_of([&] { in.next(); });
  EXPECT_EQ(code, "DER_MALFORMED");
  EXPECT_NE(message.find("only 1 remain at byte offset 3"), std::string::npos) << message;
}

TEST(DerReader, MultiByteTagsAreRefused) { expect_refused({0x1F, 0x81, 0x01, 0x00}, 0, "multi-byte tags"); }

TEST(DerReader, WrongTagsAndTrailingBytesAreNamed) {
  Bytes data = {0x02, 0x01, 0x00, 0x05, 0x00};
  DerReader r(data, "x");
  auto [code, message] = error_of([&] { r.next(der::kSequence, "the key"); });
  EXPECT_EQ(code, "DER_MALFORMED");
  EXPECT_NE(message.find("the key has tag 0x02 where 0x30 was expected at byte offset 0"), std::string::npos) << message;
  r.next();
  std::tie(code, message) = error_of([&] { r.expect_end("the integer"); });
  EXPECT_NE(message.find("2 unexpected byte(s) after the integer at byte offset 3"), std::string::npos) << message;
  r.next(der::kNull, "NULL");
  std::tie(code, message) = error_of([&] { r.next(der::kNull, "the parameters"); });
  EXPECT_NE(message.find("the parameters is missing"), std::string::npos) << message;
  std::tie(code, message) = error_of([&] { DerReader p(data, "x"); p.enter(p.next()); });
  EXPECT_NE(message.find("primitive element cannot be entered"), std::string::npos) << message;
}

TEST(DerReader, NestingIsBounded) {
  // kMaxDerDepth + 1 SEQUENCEs inside one another.
  const int levels = limits::kMaxDerDepth + 1;
  Bytes data;
  for (int i = 0; i < levels; ++i) {
    data.push_back(der::kSequence);
    data.push_back(static_cast<std::uint8_t>(2 * (levels - 1 - i)));
  }
  DerReader r(data, "deep");
  DerReader current = r;
  int entered = 0;
  auto [code, message] = error_of([&] {
    for (;;) {
      current = current.enter(current.next());
      ++entered;
    }
  });
  EXPECT_EQ(code, "DER_MALFORMED");
  EXPECT_NE(message.find("nested deeper than"), std::string::npos) << message;
  EXPECT_EQ(entered, limits::kMaxDerDepth);
}

TEST(DerReader, HeaderPeekAcceptsTruncatedContentsAndOverlongLengths) {
  Bytes data = {0x30, 0x82, 0x10, 0x00, 0x02};
  auto h = fmt::peek_der_header(data);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->tag, der::kSequence);
  EXPECT_EQ(h->header_length, 4u);
  EXPECT_EQ(h->content_length, 0x1000u);
  // Lenient about the length's form, so that a damaged PFX is still reported as one.
  auto overlong = fmt::peek_der_header(Bytes{0x30, 0x84, 0x00, 0x00, 0x00, 0x05});
  ASSERT_TRUE(overlong.has_value());
  EXPECT_EQ(overlong->content_length, 5u);
  EXPECT_FALSE(fmt::peek_der_header(Bytes{0x30, 0x80}).has_value());
  EXPECT_FALSE(fmt::peek_der_header(Bytes{0x30}).has_value());
}

}  // namespace
}  // namespace midks::test
