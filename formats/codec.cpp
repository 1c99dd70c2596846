#include "codec.hpp"

#include <openssl/x509.h>

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "bcfks.hpp"
#include "byte_reader.hpp"
#include "der_reader.hpp"
#include "java_serial.hpp"
#include "jks.hpp"
#include "key_protection.hpp"
#include "midks/limits.hpp"
#include "pkcs12.hpp"
#include "pkcs8.hpp"
#include "midks/ossl.hpp"

namespace midks::fmt {

namespace {

bool looks_like_pem(ByteView data) {
  std::size_t i = 0;
  if (data.size() >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF) i = 3;
  while (i < data.size() && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n')) ++i;
  static constexpr char kBegin[] = "-----BEGIN";
  return data.size() - i >= sizeof kBegin - 1 && std::equal(kBegin, kBegin + sizeof kBegin - 1, data.begin() + static_cast<std::ptrdiff_t>(i));
}

}  // namespace

StoreType detect_store_type(ByteView data) {
  // Coded NOT_A_KEYSTORE: a file that is no keystore at all (expiry skips those a wildcard matched).
  if (data.empty())
    fail(ErrorCode::NOT_A_KEYSTORE, "keystore file is empty (0 bytes)");
  if (data.size() >= 4) {
    std::uint32_t magic = (std::uint32_t{data[0]} << 24) | (std::uint32_t{data[1]} << 16) | (std::uint32_t{data[2]} << 8) | data[3];
    if (magic == kJksMagic) return StoreType::Jks;
    if (magic == kJceksMagic) return StoreType::Jceks;
  }
  // BER: Bouncy Castle's "PKCS12" KeyStore writes the PFX with indefinite lengths, a SEQUENCE of
  // unknown length opening with the PFX version INTEGER 3 (BCFKS is always DER).
  static constexpr std::uint8_t kBerPfx[] = {0x30, 0x80, 0x02, 0x01, 0x03};
  if (data.size() >= sizeof kBerPfx && std::equal(std::begin(kBerPfx), std::end(kBerPfx), data.begin())) return StoreType::Pkcs12;
  // DER SEQUENCE with a definite length: the only other outer shape a PKCS#12 PFX can have.
  if (auto outer = peek_der_header(data); outer && outer->tag == der::kSequence) {
    // Bouncy Castle's BCFKS is DER too; its ObjectStore opens with a SEQUENCE where a PFX has its
    // INTEGER version.
    return looks_like_bcfks(data) ? StoreType::Bcfks : StoreType::Pkcs12;
  }
  if (looks_like_pem(data))
    fail(ErrorCode::NOT_A_KEYSTORE, "this is a PEM text file, not a keystore");
  char first[32];
  std::snprintf(first, sizeof first, "%02x %02x %02x %02x", data[0], data.size() > 1 ? data[1] : 0,
                data.size() > 2 ? data[2] : 0, data.size() > 3 ? data[3] : 0);
  fail(ErrorCode::NOT_A_KEYSTORE, std::string("not a keystore: unknown format (first bytes ") + first + ")");
}

Keystore read_keystore(ByteView data, const Password* store_password) {
  StoreType type = detect_store_type(data);
  if (type == StoreType::Pkcs12) {
    if (!store_password)
      fail(ErrorCode::STORE_PASSWORD_NEEDED, "a PKCS12 keystore cannot be read without its password");
    return read_pkcs12(data, *store_password);
  }
  if (type == StoreType::Bcfks) {
    if (!store_password)
      fail(ErrorCode::STORE_PASSWORD_NEEDED, "a BCFKS keystore cannot be read without its password (its contents are encrypted)");
    return read_bcfks(data, *store_password);
  }
  return read_java_keystore(data, store_password);
}

Bytes write_keystore(const Keystore& ks, const Password& store_password, int kdf_iterations) {
  if (kdf_iterations < 0 || static_cast<std::uint64_t>(kdf_iterations) > limits::kMaxPbeIterations)
    fail(ErrorCode::USAGE, "a KDF iteration count must be 1 to " + std::to_string(limits::kMaxPbeIterations) + " (0: the format's own), not " +
                               std::to_string(kdf_iterations));
  switch (ks.type()) {
    case StoreType::Pkcs12: return write_pkcs12(ks, store_password);
    case StoreType::Bcfks: return write_bcfks(ks, store_password, kdf_iterations != 0 ? kdf_iterations : kBcfksIterations);
    case StoreType::Jks:
    case StoreType::Jceks: break;
  }
  return write_java_keystore(ks, store_password, kdf_iterations != 0 ? kdf_iterations : kJceksIterations);
}

void open_entry(Entry& entry, const Password& key_password) {
  if (!entry.plain.empty() || entry.kind == EntryKind::TrustedCert) return;
  switch (entry.sealed_as) {
    case SealFormat::EncryptedPrivateKeyInfo:
      entry.plain = open_private_key(entry.sealed, key_password);
      break;
    case SealFormat::JavaSealedObject: {
      ByteReader r(entry.sealed, "sealed secret key");
      entry.plain = unseal_secret_key(read_sealed_key(r), key_password, entry.secret_algorithm);
      break;
    }
    case SealFormat::Pkcs12SecretBag:
      entry.plain = secret_key_from_pkcs8(open_private_key(entry.sealed, key_password).view(), entry.secret_algorithm,
                                          "secret key '" + entry.alias + "'");
      break;
    case SealFormat::BcfksPrivateKey:
      entry.plain = open_bcfks_private_key(entry.sealed, key_password);
      break;
    case SealFormat::BcfksSecretKey:
      entry.plain = open_bcfks_secret_key(entry.sealed, key_password, entry.secret_algorithm);
      break;
    case SealFormat::None:
      fail(ErrorCode::KEYSTORE_CORRUPT, "entry '" + entry.alias + "' holds no key material");
  }
  entry.key_password = key_password;
}

void change_key_password(Entry& entry, const Password& from, const Password& to) {
  if (entry.kind == EntryKind::TrustedCert) return;
  if (entry.kind == EntryKind::SecretKey && entry.sealed_as == SealFormat::JavaSealedObject) {
    // JCEKS writes only the sealed objects it read (we write no Java serialization): the same
    // stream, its content sealed anew. Opened too, for the other formats.
    Resealed resealed = reseal_secret_key_stream(entry.sealed, from, to);
    entry.sealed = std::move(resealed.stream);
    entry.plain = std::move(resealed.key);
    entry.secret_algorithm = std::move(resealed.algorithm);
    entry.key_password = to;
    return;
  }
  open_entry(entry, from);
  entry.key_password = to;  // the writers seal opened keys with it
}

}  // namespace midks::fmt
