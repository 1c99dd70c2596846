// Hostile and broken input: every truncation, every flipped byte, absurd lengths. Each gives a
// clear error of the right kind; nothing crashes or allocates without bound (ASan runs these too).
#include <filesystem>
#include <random>

#include "byte_reader.hpp"
#include "codec.hpp"
#include "support.hpp"

namespace midks::test {
namespace {

Bytes file(const std::string& path) { return read_file(path); }

// Parses data and reports the error kind, or nullopt if it parsed.
std::optional<ErrorKind> parse(ByteView data, const Password* pw) {
  try {
    fmt::read_keystore(data, pw);
    return std::nullopt;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()), "");
    return e.kind();
  }
}

struct Sample {
  std::string path, password;
};
const std::vector<Sample> samples = {
    {"/keytool-agent.jks", "changeit"},
    {"/keytool-mixed.jceks", "changeit"},
    {"/keytool-mixed.p12", "changeit"},
    {"/openssl-legacy-3des.p12", "changeit"},
};

TEST(BadInput, EveryTruncationIsACleanError) {
  for (const Sample& s : samples) {
    SCOPED_TRACE(s.path);
    Bytes data = file(fixtures_dir() + s.path);
    Password pw(s.password);
    for (std::size_t len = 0; len < data.size(); ++len) {
      auto kind = parse(ByteView(data.data(), len), &pw);
      ASSERT_TRUE(kind.has_value()) << "a file cut to " << len << " bytes parsed";
      ASSERT_TRUE(*kind == ErrorKind::Input || *kind == ErrorKind::Password) << "at length " << len;
      if (s.path.find(".p12") == std::string::npos && len > 0) {
        // JKS/JCEKS: a truncation is corruption, never blamed on the password.
        ASSERT_EQ(*kind, ErrorKind::Input) << "at length " << len;
      }
    }
  }
}

TEST(BadInput, TruncatedJksNamesTheOffset) {
  Bytes data = file(fixtures_dir() + "/keytool-agent.jks");
  Password pw("changeit");
  std::string message;
  error_kind_of([&] { fmt::read_keystore(ByteView(data.data(), 100), &pw); }, &message);
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  EXPECT_NE(message.find("offset"), std::string::npos) << message;
}

TEST(BadInput, EveryFlippedByteIsDetected) {
  for (const Sample& s : samples) {
    SCOPED_TRACE(s.path);
    Bytes data = file(fixtures_dir() + s.path);
    Password pw(s.password);
    // PKCS#12 runs 10000 PBKDF2 rounds per try, so sample its bytes; JKS/JCEKS: every byte.
    std::size_t step = s.path.find(".p12") != std::string::npos ? 37 : 1;
    std::size_t parsed = 0;
    for (std::size_t i = 0; i < data.size(); i += step) {
      Bytes bad = data;
      bad[i] ^= 0x5A;
      if (!parse(bad, &pw)) ++parsed;
    }
    // The keyed digest / MAC covers every byte: no flip goes unnoticed when the password is known.
    EXPECT_EQ(parsed, 0u);
  }
}

Bytes jks_header(std::uint32_t count) {
  fmt::ByteWriter w;
  w.u32(0xFEEDFEED);
  w.u32(2);
  w.u32(count);
  return w.take();
}

TEST(BadInput, AbsurdLengthsAreRefusedBeforeAllocating) {
  Password pw("changeit");
  auto expect_corrupt = [&](const Bytes& data, const char* what) {
    std::string message;
    EXPECT_EQ(error_kind_of([&] { fmt::read_keystore(data, &pw); }, &message), ErrorKind::Input) << what;
    EXPECT_NE(message.find("offset"), std::string::npos) << what << ": " << message;
  };
  {
    Bytes d = jks_header(0xFFFFFFFF);  // 4 billion entries in 12 bytes
    expect_corrupt(d, "entry count");
  }
  {
    fmt::ByteWriter w;
    w.bytes(jks_header(1));
    w.u32(1);
    w.u16(0xFFFF);  // alias length 65535, nothing behind it
    expect_corrupt(w.take(), "alias length");
  }
  {
    fmt::ByteWriter w;
    w.bytes(jks_header(1));
    w.u32(1);
    w.java_utf("a");
    w.u64(0);
    w.u32(0x7FFFFFFF);  // a 2 GiB protected key
    w.bytes(Bytes(64, 0));
    expect_corrupt(w.take(), "key length");
  }
  {
    fmt::ByteWriter w;
    w.bytes(jks_header(1));
    w.u32(2);
    w.java_utf("a");
    w.u64(0);
    w.java_utf("X.509");
    w.u32(0x80000000);  // a certificate longer than any file
    w.bytes(Bytes(64, 0));
    expect_corrupt(w.take(), "certificate length");
  }
  {
    fmt::ByteWriter w;
    w.bytes(jks_header(1));
    w.u32(1);
    w.java_utf("a");
    w.u64(0);
    w.u32_prefixed(Bytes(8, 0));
    w.u32(0x40000000);  // a billion chain certificates
    w.bytes(Bytes(64, 0));
    expect_corrupt(w.take(), "chain length");
  }
  {
    fmt::ByteWriter w;
    w.bytes(jks_header(1));
    w.u32(7);  // no such entry tag
    w.java_utf("a");
    w.u64(0);
    w.bytes(Bytes(64, 0));
    expect_corrupt(w.take(), "entry tag");
  }
  {
    fmt::ByteWriter w;
    w.bytes(jks_header(1));
    w.u32(3);  // secret keys exist only in JCEKS
    w.java_utf("a");
    w.u64(0);
    w.bytes(Bytes(64, 0));
    expect_corrupt(w.take(), "secret key in JKS");
  }
}

TEST(BadInput, WhatIsNotAKeystoreSaysWhatItIs) {
  struct Row {
    Bytes data;
    const char* expect;
  };
  auto text = [](std::string_view s) { return Bytes(s.begin(), s.end()); };
  const std::vector<Row> rows = {
      {{}, "empty"},
      {text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), "PEM"},
      {text("\xEF\xBB\xBF\r\n-----BEGIN PRIVATE KEY-----\r\n"), "PEM"},
      {text("PK\x03\x04 this is a zip"), "unknown format"},
      {{0xFE, 0xED}, "unknown format"},
      {{0x30, 0x82, 0x01}, "PKCS#12"},
  };
  Password pw("changeit");
  for (const Row& r : rows) {
    std::string message;
    EXPECT_EQ(error_kind_of([&] { fmt::read_keystore(r.data, &pw); }, &message), ErrorKind::Input);
    EXPECT_NE(message.find(r.expect), std::string::npos) << message;
  }
}

TEST(BadInput, RandomGarbageNeverCrashes) {
  std::mt19937 rng(20261122);
  Password pw("changeit");
  for (int i = 0; i < 3000; ++i) {
    Bytes data(rng() % 512);
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    if (!data.empty() && i % 3 == 0) {  // give the JKS parser a real header to chew on
      Bytes h = jks_header(static_cast<std::uint32_t>(rng() % 4));
      std::copy(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(std::min(h.size(), data.size())), data.begin());
    }
    EXPECT_TRUE(parse(data, &pw).has_value());
  }
}

TEST(BadInput, PathsThatAreNotKeystoreFiles) {
  Password pw("changeit");
  std::string message;
  EXPECT_EQ(error_kind_of([&] { load_keystore("/nonexistent/agent_keystore.jks", &pw); }, &message), ErrorKind::Io);
  EXPECT_NE(message.find("not found"), std::string::npos) << message;
  EXPECT_EQ(error_kind_of([&] { load_keystore(fixtures_dir(), &pw); }, &message), ErrorKind::Io);
  EXPECT_NE(message.find("directory"), std::string::npos) << message;
}

// BCFKS detection looks inside the DER: every PKCS#12 file in the tree is still PKCS#12, and
// DER certificates and keys (other SEQUENCEs of SEQUENCEs) are not taken for BCFKS.
TEST(BadInput, Pkcs12AndOtherDerAreNotTakenForBcfks) {
  std::size_t pkcs12 = 0, other_der = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(source_dir() + "/testdata")) {
    if (!f.is_regular_file()) continue;
    std::string ext = f.path().extension().string();
    Bytes data = file(f.path().string());
    if (ext == ".p12" || ext == ".pfx") {
      ++pkcs12;
      EXPECT_EQ(fmt::detect_store_type(data), StoreType::Pkcs12) << f.path();
    } else if (ext == ".cer" || ext == ".der") {
      ++other_der;
      std::optional<StoreType> type;
      try {
        type = fmt::detect_store_type(data);
      } catch (const Error&) {
      }
      EXPECT_NE(type, StoreType::Bcfks) << f.path();
    }
  }
  EXPECT_GE(pkcs12, 6u);  // testdata/keystores/*.p12 and testdata/bundles/*.pfx
  EXPECT_GE(other_der, 4u);
  // Every BCFKS store is BCFKS, also cut short (its first inner element is a SEQUENCE where a PFX
  // has its INTEGER version), so that a truncation is reported as one.
  for (const char* name : {"keypair.bcfks", "empty.bcfks", "mixed.bcfks"}) {
    Bytes bcfks = file(fixtures_dir() + "/bcfks/" + name);
    EXPECT_EQ(fmt::detect_store_type(bcfks), StoreType::Bcfks) << name;
    EXPECT_EQ(fmt::detect_store_type(ByteView(bcfks.data(), bcfks.size() / 2)), StoreType::Bcfks) << name;
  }
}

TEST(BadInput, NoPasswordListsJksButNotPkcs12) {
  Keystore ks = load_keystore(fixtures_dir() + "/keytool-mixed.jks", nullptr);
  EXPECT_FALSE(ks.integrity_verified());
  EXPECT_EQ(ks.size(), 6u);
  EXPECT_EQ(error_kind_of([] { load_keystore(fixtures_dir() + "/keytool-mixed.p12", nullptr); }), ErrorKind::Password);
}

}  // namespace
}  // namespace midks::test
