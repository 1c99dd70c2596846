#include "jks.hpp"

#include "byte_reader.hpp"
#include "der_reader.hpp"
#include "java_serial.hpp"
#include "key_protection.hpp"

namespace midks::fmt {

namespace {

constexpr std::size_t kDigestLen = 20;
constexpr char kWhitener[] = "Mighty Aphrodite";  // JavaKeyStore/JceKeyStore: appended to the password
constexpr std::size_t kMinEntryBytes = 4 + 2 + 8 + 4;  // tag, empty alias, date, one length

// SHA-1 over password (UTF-16BE) || "Mighty Aphrodite" || body.
void keyed_digest(const Password& password, ByteView body, std::uint8_t out[kDigestLen]) {
  SecureBytes passwd = password.utf16be();
  sha1({passwd.view(), ByteView(reinterpret_cast<const std::uint8_t*>(kWhitener), sizeof kWhitener - 1), body}, out);
}

Bytes read_certificate(ByteReader& r, std::uint32_t version) {
  if (version == 2) {
    std::size_t at = r.offset();
    std::string type = r.java_utf();
    if (type != "X.509") r.fail_at(at, "certificate type \"" + type + "\" is not supported (only X.509)");
  }
  std::size_t at = r.offset();
  ByteView der = r.u32_prefixed();
  // Only the DER framing is checked here: a full X.509 parse costs ~1M instructions per
  // certificate in OpenSSL 3 and dominated loading large trust stores. Certificates are parsed
  // when their facts are needed (listing details, validation, writing PKCS#12).
  DerReader framing(der, "certificate", r.offset() - der.size());
  std::string problem;
  auto cert = framing.try_next(&problem);
  if (!cert || cert->tag != der::kSequence || !framing.at_end())
    r.fail_at(at, "certificate is not DER-encoded (expected one ASN.1 SEQUENCE spanning its bytes" +
                      (problem.empty() ? std::string(")") : "; " + problem + ")"));
  return Bytes(der.begin(), der.end());
}

}  // namespace

Keystore read_java_keystore(ByteView data, const Password* store_password) {
  ByteReader r(data, "keystore");
  std::uint32_t magic = r.u32();
  if (magic != kJksMagic && magic != kJceksMagic) r.fail_at(0, "not a JKS or JCEKS keystore (wrong magic number)");
  const bool jceks = magic == kJceksMagic;
  Keystore ks(jceks ? StoreType::Jceks : StoreType::Jks);
  std::uint32_t version = r.u32();
  if (version != 1 && version != 2) r.fail_at(4, "unsupported keystore version " + std::to_string(version));
  std::uint32_t count = r.u32();
  if (count > r.remaining() / kMinEntryBytes)
    r.fail_at(8, "entry count " + std::to_string(count) + " cannot fit in the " + std::to_string(r.remaining()) +
                     " bytes that follow");

  for (std::uint32_t i = 0; i < count; ++i) {
    std::size_t entry_at = r.offset();
    std::uint32_t tag = r.u32();
    Entry e;
    e.alias = r.java_utf();
    e.created_ms = static_cast<std::int64_t>(r.u64());
    if (tag == 1) {
      e.kind = EntryKind::PrivateKey;
      ByteView sealed = r.u32_prefixed();
      e.sealed.assign(sealed.begin(), sealed.end());
      e.sealed_as = SealFormat::EncryptedPrivateKeyInfo;
      std::uint32_t certs = r.u32();
      if (certs > r.remaining() / 4) r.fail_at(r.offset() - 4, "certificate count " + std::to_string(certs) + " is impossible");
      for (std::uint32_t k = 0; k < certs; ++k) e.chain.push_back(read_certificate(r, version));
    } else if (tag == 2) {
      e.kind = EntryKind::TrustedCert;
      e.chain.push_back(read_certificate(r, version));
    } else if (tag == 3 && jceks) {
      e.kind = EntryKind::SecretKey;
      std::size_t start = r.offset();
      read_sealed_key(r);  // validates the shape exactly as JceKeyStore's filter does
      ByteView raw = r.consumed_since(start);
      e.sealed.assign(raw.begin(), raw.end());
      e.sealed_as = SealFormat::JavaSealedObject;
    } else {
      r.fail_at(entry_at, "unrecognized keystore entry tag " + std::to_string(tag));
    }
    // A repeated alias replaces the earlier entry, as Java's Hashtable does.
    ks.put(std::move(e), Keystore::AliasCase::AsFound);  // as Java's JKS and JCEKS load them
  }

  if (store_password) {
    std::size_t body_len = r.offset();
    ByteView stored = r.bytes(kDigestLen);
    std::uint8_t computed[kDigestLen];
    keyed_digest(*store_password, data.first(body_len), computed);
    if (CRYPTO_memcmp(computed, stored.data(), kDigestLen) != 0)
      fail(ErrorCode::WRONG_STORE_PASSWORD, "keystore password is incorrect (or the file was altered after it was written)");
  }
  ks.set_integrity_verified(store_password != nullptr);
  return ks;
}

Bytes write_java_keystore(const Keystore& ks, const Password& store_password, int jceks_iterations) {
  const bool jceks = ks.type() == StoreType::Jceks;
  if (!jceks && ks.type() != StoreType::Jks) fail(ErrorCode::INTERNAL, "internal: not a JKS/JCEKS keystore");
  ByteWriter w;
  std::size_t estimate = 64;  // growing a 100 MB buffer by doubling cost more than encoding it
  for (const Entry& e : ks.entries()) {
    estimate += 64 + e.alias.size() * 3 + e.sealed.size() + e.plain.size() * 2;
    for (const Bytes& cert : e.chain) estimate += cert.size() + 16;
  }
  w.reserve(estimate);
  w.u32(jceks ? kJceksMagic : kJksMagic);
  w.u32(2);
  w.u32(static_cast<std::uint32_t>(ks.size()));
  for (const Entry& e : ks.entries()) {
    const Password& key_password = e.key_password ? *e.key_password : store_password;
    switch (e.kind) {
      case EntryKind::PrivateKey: {
        Bytes sealed;
        if (!e.plain.empty()) {
          sealed = jceks ? seal_private_key_jceks(e.plain.view(), key_password, jceks_iterations)
                         : seal_private_key_jks(e.plain.view(), key_password);
        } else if (e.sealed_as == SealFormat::EncryptedPrivateKeyInfo) {
          std::string alg = sealed_key_algorithm(e.sealed);
          bool readable = alg == kOidSunJksKeyProtector || (jceks && alg == kOidSunJcePbe);
          if (!readable)
            fail(ErrorCode::ENTRY_NOT_STORABLE, "the key of entry '" + e.alias + "' is protected with algorithm " + alg + ", which " +
                                                    std::string(store_type_name(ks.type())) +
                                                    " cannot hold: open the key with its password first, so that it is protected anew");
          sealed = e.sealed;
        } else {
          fail(ErrorCode::ENTRY_NOT_STORABLE, "entry '" + e.alias + "' has no private key");
        }
        w.u32(1);
        w.java_utf(e.alias);
        w.u64(static_cast<std::uint64_t>(e.created_ms));
        w.u32_prefixed(sealed);
        w.u32(static_cast<std::uint32_t>(e.chain.size()));
        for (const Bytes& cert : e.chain) {
          w.java_utf("X.509");
          w.u32_prefixed(cert);
        }
        break;
      }
      case EntryKind::TrustedCert:
        if (e.chain.size() != 1) fail(ErrorCode::ENTRY_NOT_STORABLE, "trusted entry '" + e.alias + "' must hold exactly one certificate");
        w.u32(2);
        w.java_utf(e.alias);
        w.u64(static_cast<std::uint64_t>(e.created_ms));
        w.java_utf("X.509");
        w.u32_prefixed(e.chain.front());
        break;
      case EntryKind::SecretKey:
        if (!jceks)
          fail(ErrorCode::ENTRY_NOT_STORABLE, "entry '" + e.alias + "' is a secret key, which a JKS keystore cannot hold");
        if (e.sealed_as != SealFormat::JavaSealedObject)
          fail(ErrorCode::ENTRY_NOT_STORABLE, "secret key '" + e.alias + "' did not come from a JCEKS store: JCEKS keeps secret keys as "
                                                  "Java-serialized objects, and only those read from a JCEKS store can be written back; "
                                                  "keep it in PKCS12 or BCFKS");
        w.u32(3);
        w.java_utf(e.alias);
        w.u64(static_cast<std::uint64_t>(e.created_ms));
        w.bytes(e.sealed);  // each sealed key is its own complete serialization stream
        break;
    }
  }
  std::uint8_t digest[kDigestLen];
  keyed_digest(store_password, w.data(), digest);
  w.bytes(ByteView(digest, kDigestLen));
  return w.take();
}

}  // namespace midks::fmt
