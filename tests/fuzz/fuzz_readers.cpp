// libFuzzer targets, one per reader. Built with clang (scripts/fuzz.sh); each gets its own
// binary through MIDKS_FUZZ_TARGET. Any exception other than midks::Error is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "bcfks.hpp"
#include "byte_reader.hpp"
#include "codec.hpp"
#include "java_serial.hpp"
#include "jks.hpp"
#include "key_protection.hpp"
#include "midks/mid_config.hpp"
#include "pem_bundle.hpp"
#include "pkcs12.hpp"

using namespace midks;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  static const Password password("changeit");
  try {
#if MIDKS_FUZZ_TARGET == 1  // any key store, without a password and then with one
    try {
      fmt::read_keystore(in, nullptr);
    } catch (const Error&) {
    }
    fmt::read_keystore(in, &password);
#elif MIDKS_FUZZ_TARGET == 2  // JKS/JCEKS structure (no password: the parser goes past the digest)
    fmt::read_java_keystore(in, nullptr);
#elif MIDKS_FUZZ_TARGET == 3  // PKCS#12
    fmt::read_pkcs12(in, password);
#elif MIDKS_FUZZ_TARGET == 4  // Java serialization (JCEKS sealed keys)
    fmt::ByteReader r(in, "fuzz");
    fmt::read_sealed_key(r);
#elif MIDKS_FUZZ_TARGET == 5  // EncryptedPrivateKeyInfo under every scheme
    fmt::open_private_key(in, password);
#elif MIDKS_FUZZ_TARGET == 6  // PEM/DER/PFX certificate and key bundles
    fmt::BundleItems items;
    fmt::parse_bundle_file(in, "fuzz", &password, items);
#elif MIDKS_FUZZ_TARGET == 7  // config.xml: read, then edit (which re-verifies its own output)
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
#elif MIDKS_FUZZ_TARGET == 8  // BCFKS: the whole store (structure and limits up to the MAC), then the
                              // same bytes as the decrypted store data behind the MAC (objects, keys' parameters)
    try {
      fmt::read_bcfks(in, password);
    } catch (const Error&) {
    }
    fmt::read_bcfks_store_data(in);
#endif
  } catch (const Error&) {
  }
  return 0;
}
