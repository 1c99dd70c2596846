// libFuzzer targets, one per reader. Built with clang (scripts/fuzz.sh); each gets its own
// binary through MIDKS_FUZZ_TARGET. Any exception other than midks::Error is a bug.
#include <cstddef>
#include <cstdint>

#include "byte_reader.hpp"
#include "codec.hpp"
#include "java_serial.hpp"
#include "jks.hpp"
#include "key_protection.hpp"
#include "pem_bundle.hpp"
#include "pkcs12.hpp"

using namespace midks;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  static const Password password("changeit");
  try {
#if MIDKS_FUZZ_TARGET == 1  // any key store, with and without a password
    fmt::read_keystore(in, nullptr);
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
#endif
  } catch (const Error&) {
  }
  return 0;
}
