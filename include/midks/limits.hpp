// Caps on numbers an input file chooses for us, and on the size of the files we read: every reader
// (keystores and bundles alike) checks against these same constants before doing the work the
// number asks for, so a hostile file is refused at once instead of spinning a KDF for hours or
// filling the memory.
#pragma once
#include <cstddef>
#include <cstdint>

namespace midks::limits {

// File sizes, checked before a byte is read (a pipe, which has no size, is read up to the cap plus
// one byte); a file above its cap is FILE_TOO_LARGE.
// Key stores can be large (100k-entry trust stores are about 110 MB); the cap only stops absurd input.
// It is also the cap of any file rewritten in place (a bind-mounted keystore or config.xml).
inline constexpr std::size_t kMaxKeystoreFileBytes = std::size_t{1} << 30;
// A certificate/key bundle file (PEM, DER or PFX): a long chain of PEM certificates is tens of KB.
inline constexpr std::size_t kMaxBundleFileBytes = std::size_t{16} << 20;
// The MID's config.xml: a few KB of parameters.
inline constexpr std::size_t kMaxConfigXmlBytes = std::size_t{4} << 20;
// A file holding one password (--storepass-file and friends).
inline constexpr std::size_t kMaxSecretFileBytes = 4096;
// conf/wrapper-override.conf, read for the FIPS-mode flag: a few lines of JVM options.
inline constexpr std::size_t kMaxWrapperConfBytes = std::size_t{1} << 20;

// PBE / PBKDF2 iterations of an encrypted key or safe. Java refuses more than this
// (KeyProtector / PKCS12KeyStore), so no genuine store or export needs more.
inline constexpr std::uint64_t kMaxPbeIterations = 5'000'000;
// PKCS#12 MAC iterations: the same bound Java applies to the MAC.
inline constexpr std::uint64_t kMaxMacIterations = 5'000'000;
// SafeContents bags inside SafeContents bags: Java and OpenSSL write none; bounds the recursion.
inline constexpr int kMaxPkcs12Nesting = 2;

// scrypt (RFC 7914) as a PBES2 key-derivation function, which `openssl pkcs8 -scrypt` and
// `openssl pkcs12 -keypbe … -scrypt` can write (Java never does). OpenSSL's defaults are N = 16384,
// r = 8, p = 1; the work is about N * r * p and the memory 128 * N * r bytes. Each parameter is
// capped, and so is their product (2^22: about a second of work).
inline constexpr std::uint64_t kMaxScryptN = std::uint64_t{1} << 20;
inline constexpr std::uint64_t kMaxScryptR = 32;
inline constexpr std::uint64_t kMaxScryptP = 16;
inline constexpr std::uint64_t kMaxScryptWork = std::uint64_t{1} << 22;  // N * r * p

// Copies of one parameter in config.xml that an edit removes: the MID writes each parameter once
// and a hand edit adds a few; bounds the work of removing them (each copy moves the text after it).
inline constexpr std::size_t kMaxParameterCopies = 1'000;

// Constructed DER elements inside one another that the DER reader (formats/der_reader.hpp) enters.
// X.509 certificates, PKCS#8 and PKCS#12 structures go about ten deep.
inline constexpr int kMaxDerDepth = 32;

// Bouncy Castle FIPS keystores (formats/bcfks.cpp). PBKDF2 iterations there are bounded by
// kMaxPbeIterations like everywhere; BC derives 32-byte AES keys and 64-byte HMAC keys, so a file
// asking PBKDF2 for more output (each 64 bytes cost a full run of the iterations) is refused.
inline constexpr std::uint64_t kMaxBcfksDerivedKeyBytes = 128;
// Objects (entries) in one store and certificates in one key entry's chain: far above any real
// store (a JDK cacerts converted to BCFKS holds about 150), low enough to bound the work.
inline constexpr std::size_t kMaxBcfksObjects = 100'000;
inline constexpr std::size_t kMaxBcfksChainLength = 64;

// Bags in one PKCS#12 file and certificates in one key entry's chain built from them: far above
// any real store, low enough to bound the work of matching keys to certificates and chains.
inline constexpr std::size_t kMaxBags = 100'000;
inline constexpr std::size_t kMaxChainLength = 64;
// PKCS#12 keys that have no localKeyId link to a certificate and are decrypted (a KDF each) to find
// the certificate of their public key: exporters that omit the id write one key, or a few.
inline constexpr std::size_t kMaxUnlinkedPkcs12Keys = 16;

}  // namespace midks::limits
