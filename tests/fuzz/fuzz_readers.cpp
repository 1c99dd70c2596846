// libFuzzer targets, one per reader, and the same readers for the ctest replay (fuzz_readers.hpp).
// A libFuzzer binary names its reader at compile time (MIDKS_FUZZ_TARGET="jks"). Any exception
// other than midks::Error is a bug.
#include "fuzz_readers.hpp"

#include <array>
#include <string>
#include <utility>

#include "bcfks.hpp"
#include "byte_reader.hpp"
#include "codec.hpp"
#include "java_serial.hpp"
#include "jks.hpp"
#include "key_protection.hpp"
#include "midks/mid_config.hpp"
#include "pem_bundle.hpp"
#include "pkcs12.hpp"

namespace midks::fuzz {
namespace {

const Password& password() {
  static const Password p("changeit");
  return p;
}

// any key store, without a password and then with one
void keystore(ByteView in) {
  try {
    fmt::read_keystore(in, nullptr);
  } catch (const Error&) {
  }
  fmt::read_keystore(in, &password());
}
// JKS/JCEKS structure (no password: the parser goes past the digest)
void jks(ByteView in) { fmt::read_java_keystore(in, nullptr); }
void pkcs12(ByteView in) { fmt::read_pkcs12(in, password()); }
// Java serialization (JCEKS sealed keys)
void java_serial(ByteView in) {
  fmt::ByteReader r(in, "fuzz");
  fmt::read_sealed_key(r);
}
// EncryptedPrivateKeyInfo under every scheme
void key_protection(ByteView in) { fmt::open_private_key(in, password()); }
// PEM/DER/PFX certificate and key bundles
void bundle(ByteView in) {
  fmt::BundleItems items;
  fmt::parse_bundle_file(in, "fuzz", &password(), items);
}
// config.xml: read, then edit (which re-verifies its own output)
void config(ByteView in) {
  MidConfig c = MidConfig::parse(std::string(in.begin(), in.end()), "fuzz");
  c.get("url");
  // set() either proves its edit by reading it back or refuses; a success must hold up.
  c.set("mid.instance.username", "fuzz&<\"user");
  c.set("mid.fuzz.added", "1");
  c.set("mid.fuzz.below", "2", "url");
  MidConfig again = MidConfig::parse(c.text(), "fuzz-result");
  if (again.get("mid.instance.username") != std::string("fuzz&<\"user") || again.get("mid.fuzz.added") != std::string("1") ||
      again.get("mid.fuzz.below") != std::string("2"))
    __builtin_trap();
  // remove() (what -m does) proves its edit too; whatever it removed is gone, the rest stays.
  again.remove("mid.instance.password");
  again.remove("mid.instance.username");
  MidConfig after = MidConfig::parse(again.text(), "fuzz-removed");
  if (after.get("mid.instance.username") || after.get("mid.instance.password") || after.get("mid.fuzz.added") != std::string("1"))
    __builtin_trap();
}
// BCFKS: the whole store (structure and limits up to the MAC), then the same bytes as the
// decrypted store data behind the MAC (objects, keys' parameters)
void bcfks(ByteView in) {
  try {
    fmt::read_bcfks(in, password());
  } catch (const Error&) {
  }
  fmt::read_bcfks_store_data(in);
}

template <void (*Read)(ByteView)>
void guarded(const std::uint8_t* data, std::size_t size) {
  try {
    Read(ByteView(data, size));
  } catch (const Error&) {
  }
}

constexpr std::array<std::pair<std::string_view, Reader>, 8> kReaders{{
    {"keystore", guarded<keystore>},
    {"jks", guarded<jks>},
    {"pkcs12", guarded<pkcs12>},
    {"java_serial", guarded<java_serial>},
    {"key_protection", guarded<key_protection>},
    {"bundle", guarded<bundle>},
    {"config", guarded<config>},
    {"bcfks", guarded<bcfks>},
}};

}  // namespace

Reader reader(std::string_view name) {
  for (const auto& [n, r] : kReaders)
    if (n == name) return r;
  return nullptr;
}

}  // namespace midks::fuzz

#ifdef MIDKS_FUZZ_TARGET
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const midks::fuzz::Reader read = midks::fuzz::reader(MIDKS_FUZZ_TARGET);
  if (read == nullptr) __builtin_trap();  // a name tests/fuzz/CMakeLists.txt gave that is not here
  read(data, size);
  return 0;
}
#endif
