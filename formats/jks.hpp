// JKS (0xFEEDFEED) and JCEKS (0xCECECECE): Java's own key store formats. One layout, two magics.
#pragma once
#include "key_protection.hpp"
#include "midks/model.hpp"

namespace midks::fmt {

inline constexpr std::uint32_t kJksMagic = 0xFEEDFEED;
inline constexpr std::uint32_t kJceksMagic = 0xCECECECE;

// Parses a JKS or JCEKS store. With a password the keyed SHA-1 trailer is verified (a mismatch is
// ErrorKind::Password); without one, entries are listed and integrity_verified() is false, as
// keytool does. Keys stay sealed: opening them is a separate step with the key password.
Keystore read_java_keystore(ByteView data, const Password* store_password);

// Writes ks as JKS or JCEKS according to ks.type(). Unsealed keys are protected with their
// key_password, else the store password (JCEKS: with jceks_iterations).
Bytes write_java_keystore(const Keystore& ks, const Password& store_password, int jceks_iterations = kJceksIterations);

}  // namespace midks::fmt
