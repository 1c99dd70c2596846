// Caps on numbers an input file chooses for us: every reader (keystores and bundles alike) checks
// against these same constants before doing the work the number asks for, so a hostile file is
// refused at once instead of spinning a KDF for hours.
#pragma once
#include <cstdint>

namespace midks::limits {

// PBE / PBKDF2 iterations of an encrypted key or safe. Java refuses more than this
// (KeyProtector / PKCS12KeyStore), so no genuine store or export needs more.
inline constexpr std::uint64_t kMaxPbeIterations = 5'000'000;
// PKCS#12 MAC iterations: the same bound Java applies to the MAC.
inline constexpr std::uint64_t kMaxMacIterations = 5'000'000;
// SafeContents bags inside SafeContents bags: Java and OpenSSL write none; bounds the recursion.
inline constexpr int kMaxPkcs12Nesting = 2;

}  // namespace midks::limits
