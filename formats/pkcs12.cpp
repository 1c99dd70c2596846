#include "pkcs12.hpp"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>

#include <optional>

#include "key_protection.hpp"
#include "midks/cert_info.hpp"
#include "midks/ossl.hpp"
#include "pkcs8.hpp"

namespace midks::fmt {

namespace {

constexpr const char* kTimePrefix = "Time ";
constexpr int kMacSaltLen = 20;  // what Java uses

[[noreturn]] void corrupt(const std::string& problem) {
  std::string reason = ossl::drain_errors();
  fail(ErrorKind::Input, "PKCS#12 keystore is corrupt or not supported: " + problem + (reason.empty() ? "" : " (" + reason + ")"),
       "check that the file is complete; re-export it if it came from another system");
}

[[noreturn]] void wrong_password(const std::string& detail) {
  ossl::drain_errors();
  fail(ErrorKind::Password, "keystore password is incorrect, or the file was altered after it was written (" + detail + ")",
       "pass the store password with --storepass-env VAR or --storepass-file FILE; a MID's default is 'changeit'");
}

const ASN1_OBJECT* trusted_usage_oid() {
  static ossl::AsnObjectPtr oid(OBJ_txt2obj(kOidOracleTrustedKeyUsage, 1));
  return oid.get();
}

struct BagAttrs {
  std::optional<std::string> friendly_name;
  std::optional<Bytes> local_key_id;
  bool trusted = false;
};

BagAttrs read_attrs(const PKCS12_SAFEBAG* bag) {
  BagAttrs a;
  if (ossl::CStrPtr name{PKCS12_get_friendlyname(const_cast<PKCS12_SAFEBAG*>(bag))}) a.friendly_name = name.get();
  if (const ASN1_TYPE* id = PKCS12_SAFEBAG_get0_attr(bag, NID_localKeyID); id && id->type == V_ASN1_OCTET_STRING) {
    ByteView v = ossl::octets(id->value.octet_string);
    a.local_key_id = Bytes(v.begin(), v.end());
  }
  const STACK_OF(X509_ATTRIBUTE)* attrs = PKCS12_SAFEBAG_get0_attrs(bag);
  for (int i = 0; i < sk_X509_ATTRIBUTE_num(attrs); ++i) {
    if (OBJ_cmp(X509_ATTRIBUTE_get0_object(sk_X509_ATTRIBUTE_value(attrs, i)), trusted_usage_oid()) == 0)
      a.trusted = true;
  }
  ossl::drain_errors();
  return a;
}

// Java writes localKeyId as "Time <creation ms>"; anything else (OpenSSL's SHA-1) has no date.
std::optional<std::int64_t> date_from_key_id(const std::optional<Bytes>& id) {
  if (!id) return std::nullopt;
  std::string text(id->begin(), id->end());
  if (text.rfind(kTimePrefix, 0) != 0 || text.size() == 5 || text.size() > 25) return std::nullopt;
  std::int64_t ms = 0;
  for (std::size_t i = 5; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    ms = ms * 10 + (text[i] - '0');
  }
  return ms;
}

void set_date(Entry& e, const BagAttrs& attrs) {
  auto stored = date_from_key_id(attrs.local_key_id);
  e.created_in_file = stored.has_value();
  e.created_ms = stored.value_or(now_ms());
}

struct KeyBag {
  BagAttrs attrs;
  EntryKind kind;
  Bytes sealed;
  SecureBytes plain;
};

struct CertBag {
  BagAttrs attrs;
  Bytes der;
  ossl::X509Ptr x509;
  bool used_as_leaf = false;
};

ossl::SafeBagStackPtr unpack_encrypted(PKCS7* p7, const Password& password, bool mac_verified) {
  auto unpack = [&] {
    return ossl::SafeBagStackPtr(PKCS12_unpack_p7encdata(p7, password.c_str(), static_cast<int>(password.size())));
  };
  ossl::SafeBagStackPtr bags = unpack();
  if (!bags) {
    // Windows certutil exports use RC2-40 or 3DES: OpenSSL 3 keeps RC2 in its legacy provider.
    ossl::drain_errors();
    ossl::ensure_legacy_provider();
    bags = unpack();
  }
  if (!bags) {
    if (!mac_verified) wrong_password("cannot decrypt the certificate section");
    corrupt("the encrypted certificate section cannot be decrypted");
  }
  return bags;
}

void collect_bags(const STACK_OF(PKCS12_SAFEBAG) * bags, std::vector<KeyBag>& keys, std::vector<CertBag>& certs,
                  int depth) {
  if (depth > limits::kMaxPkcs12Nesting) corrupt("safe contents nested too deeply");
  for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); ++i) {
    const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags, i);
    switch (PKCS12_SAFEBAG_get_nid(bag)) {
      case NID_keyBag: {
        KeyBag k{read_attrs(bag), EntryKind::PrivateKey, {}, ossl::to_secret_der(PKCS12_SAFEBAG_get0_p8inf(bag), i2d_PKCS8_PRIV_KEY_INFO)};
        keys.push_back(std::move(k));
        break;
      }
      case NID_pkcs8ShroudedKeyBag: {
        KeyBag k{read_attrs(bag), EntryKind::PrivateKey, ossl::to_der(PKCS12_SAFEBAG_get0_pkcs8(bag), i2d_X509_SIG), {}};
        keys.push_back(std::move(k));
        break;
      }
      case NID_secretBag: {
        // Java: secretTypeId pkcs8ShroudedKeyBag, secretValue an OCTET STRING holding the
        // EncryptedPrivateKeyInfo (a bare SEQUENCE is accepted too).
        const ASN1_TYPE* value = PKCS12_SAFEBAG_get0_bag_obj(bag);
        if (!value || (value->type != V_ASN1_OCTET_STRING && value->type != V_ASN1_SEQUENCE))
          corrupt("secret bag holds no encrypted key");
        ByteView v = ossl::octets(value->type == V_ASN1_OCTET_STRING ? value->value.octet_string : value->value.sequence);
        keys.push_back(KeyBag{read_attrs(bag), EntryKind::SecretKey, Bytes(v.begin(), v.end()), {}});
        break;
      }
      case NID_certBag: {
        if (PKCS12_SAFEBAG_get_bag_nid(bag) != NID_x509Certificate) break;  // SDSI certificates: Java skips them too
        ossl::X509Ptr x(PKCS12_SAFEBAG_get1_cert(bag));
        if (!x) corrupt("a certificate bag holds an unreadable certificate");
        CertBag c{read_attrs(bag), ossl::cert_der(x.get()), std::move(x), false};
        certs.push_back(std::move(c));
        break;
      }
      case NID_safeContentsBag:
        collect_bags(PKCS12_SAFEBAG_get0_safes(bag), keys, certs, depth + 1);
        break;
      default:
        break;  // CRL bags and unknown bags carry nothing a key store entry needs
    }
  }
}

// Leaf first, then each issuer found among the store's certificates, up to a self-signed one.
std::vector<Bytes> build_chain(CertBag& leaf, std::vector<CertBag>& certs) {
  std::vector<Bytes> chain{leaf.der};
  X509* current = leaf.x509.get();
  while (chain.size() <= certs.size()) {
    if (X509_check_issued(current, current) == X509_V_OK) break;
    X509* next = nullptr;
    for (CertBag& c : certs) {
      if (c.x509.get() != current && X509_check_issued(c.x509.get(), current) == X509_V_OK) {
        next = c.x509.get();
        chain.push_back(c.der);
        break;
      }
    }
    if (!next) break;
    current = next;
  }
  ossl::drain_errors();
  return chain;
}

// Shrouded key bags of one SafeContents, recursing into nested SafeContents bags to any depth, as
// PKCS12_parse() does (the DER decoder already bounded that depth).
void check_bag_iterations(const STACK_OF(PKCS12_SAFEBAG) * bags, const std::string& what) {
  for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); ++i) {
    const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags, i);
    int nid = PKCS12_SAFEBAG_get_nid(bag);
    if (nid == NID_pkcs8ShroudedKeyBag) {
      const X509_ALGOR* alg = nullptr;
      X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &alg, nullptr);
      if (alg) check_pbe_cost(alg, "a private key in " + what);
    } else if (nid == NID_safeContentsBag) {
      check_bag_iterations(PKCS12_SAFEBAG_get0_safes(bag), what);
    }
  }
}

}  // namespace

void check_pkcs12_iterations(const PKCS12* p12, const std::string& what) {
  auto* pfx = const_cast<PKCS12*>(p12);  // OpenSSL 3's getters take non-const pointers
  if (PKCS12_mac_present(pfx)) {
    const ASN1_INTEGER* iter = nullptr;
    PKCS12_get0_mac(nullptr, nullptr, nullptr, &iter, pfx);
    check_iterations(iteration_count(iter), limits::kMaxMacIterations, "the integrity MAC of " + what);
  }
  // Undecodable contents are left for the reader to report in its own words.
  ossl::Pkcs7StackPtr safes(PKCS12_unpack_authsafes(pfx));
  for (int i = 0; safes && i < sk_PKCS7_num(safes.get()); ++i) {
    PKCS7* p7 = sk_PKCS7_value(safes.get(), i);
    if (PKCS7_type_is_encrypted(p7)) {
      if (p7->d.encrypted && p7->d.encrypted->enc_data && p7->d.encrypted->enc_data->algorithm)
        check_pbe_cost(p7->d.encrypted->enc_data->algorithm, "the encrypted certificate section of " + what);
    } else if (PKCS7_type_is_data(p7)) {
      ossl::SafeBagStackPtr bags(PKCS12_unpack_p7data(p7));
      check_bag_iterations(bags.get(), what);
    }
  }
  ossl::drain_errors();
}

Keystore read_pkcs12(ByteView data, const Password& password) {
  const unsigned char* p = data.data();
  ossl::Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(data.size())));
  if (!p12) corrupt("not a DER-encoded PKCS#12 PFX");
  if (p != data.data() + data.size()) corrupt(std::to_string(data.data() + data.size() - p) + " unexpected bytes after the PFX");

  check_pkcs12_iterations(p12.get(), "the keystore");
  bool mac_verified = false;
  if (PKCS12_mac_present(p12.get())) {
    if (!PKCS12_verify_mac(p12.get(), password.c_str(), static_cast<int>(password.size()))) {
      std::string reason = ossl::drain_errors();
      if (reason.find("unsupported") != std::string::npos) corrupt("MAC algorithm is not supported (" + reason + ")");
      wrong_password("MAC check failed");
    }
    mac_verified = true;
  }

  ossl::Pkcs7StackPtr safes(PKCS12_unpack_authsafes(p12.get()));
  if (!safes) corrupt("cannot read the authenticated safe");
  std::vector<KeyBag> keys;
  std::vector<CertBag> certs;
  for (int i = 0; i < sk_PKCS7_num(safes.get()); ++i) {
    PKCS7* p7 = sk_PKCS7_value(safes.get(), i);
    ossl::SafeBagStackPtr bags;
    if (PKCS7_type_is_data(p7)) {
      bags.reset(PKCS12_unpack_p7data(p7));
      if (!bags) corrupt("cannot read a safe contents section");
    } else if (PKCS7_type_is_encrypted(p7)) {
      bags = unpack_encrypted(p7, password, mac_verified);
    } else {
      corrupt("public-key-encrypted (enveloped) sections are not supported");
    }
    collect_bags(bags.get(), keys, certs, 0);
  }

  Keystore ks(StoreType::Pkcs12);
  ks.set_integrity_verified(mac_verified);
  int unnamed = 0;
  auto alias_for = [&](const BagAttrs& a, const BagAttrs* fallback) {
    if (a.friendly_name) return *a.friendly_name;
    if (fallback && fallback->friendly_name) return *fallback->friendly_name;
    return std::to_string(++unnamed);  // Java names unnamed entries by a counter too
  };

  for (KeyBag& k : keys) {
    Entry e;
    e.kind = k.kind;
    set_date(e, k.attrs);
    if (k.kind == EntryKind::SecretKey) {
      e.alias = alias_for(k.attrs, nullptr);
      e.sealed = std::move(k.sealed);
      e.sealed_as = SealFormat::Pkcs12SecretBag;
      ks.put(std::move(e));
      continue;
    }
    CertBag* leaf = nullptr;
    for (CertBag& c : certs)
      if (k.attrs.local_key_id && c.attrs.local_key_id == k.attrs.local_key_id) leaf = &c;
    if (!leaf && keys.size() == 1 && !certs.empty()) {
      // Stores without localKeyId (some exporters omit it): the leaf is the certificate whose
      // public key matches an unencrypted key, or the only certificate there is.
      ossl::PkeyPtr priv = k.plain.empty() ? nullptr : try_private_key_from_pkcs8(k.plain.view());
      for (CertBag& c : certs)
        if (priv && X509_check_private_key(c.x509.get(), priv.get()) == 1) leaf = &c;
      if (!leaf && certs.size() == 1) leaf = &certs.front();
      ossl::drain_errors();
    }
    if (!leaf) corrupt("private key '" + alias_for(k.attrs, nullptr) + "' has no matching certificate (no localKeyId link)");
    leaf->used_as_leaf = true;
    e.alias = alias_for(k.attrs, &leaf->attrs);
    e.chain = build_chain(*leaf, certs);
    if (!k.plain.empty()) {
      e.plain = std::move(k.plain);
    } else {
      e.sealed = std::move(k.sealed);
      e.sealed_as = SealFormat::EncryptedPrivateKeyInfo;
    }
    ks.put(std::move(e));
  }
  for (CertBag& c : certs) {
    if (c.used_as_leaf || !c.attrs.trusted) continue;  // plain chain certificates are not entries in Java either
    Entry e;
    e.kind = EntryKind::TrustedCert;
    e.alias = alias_for(c.attrs, nullptr);
    set_date(e, c.attrs);
    e.chain.push_back(c.der);
    ks.put(std::move(e));
  }
  return ks;
}

namespace {

void add_friendly_name(PKCS12_SAFEBAG* bag, const std::string& alias) {
  if (!PKCS12_add_friendlyname_utf8(bag, alias.c_str(), static_cast<int>(alias.size())))
    ossl::throw_last(ErrorKind::Input, "cannot set the alias of '" + alias + "'");
}

void add_local_key_id(PKCS12_SAFEBAG* bag, const std::string& id) {
  if (!PKCS12_add_localkeyid(bag, reinterpret_cast<unsigned char*>(const_cast<char*>(id.data())), static_cast<int>(id.size())))
    ossl::throw_last(ErrorKind::Input, "cannot set localKeyId");
}

void push(STACK_OF(PKCS12_SAFEBAG) * stack, ossl::SafeBagPtr bag) {
  if (!sk_PKCS12_SAFEBAG_push(stack, bag.get())) ossl::throw_last(ErrorKind::Input, "out of memory");
  bag.release();
}

ossl::SafeBagPtr cert_bag(const Bytes& der) {
  auto x = ossl::parse_cert_der(der);
  ossl::SafeBagPtr bag(PKCS12_SAFEBAG_create_cert(x.get()));
  if (!bag) ossl::throw_last(ErrorKind::Input, "cannot create a certificate bag");
  return bag;
}

ossl::X509SigPtr parse_sig(ByteView der) {
  const unsigned char* p = der.data();
  ossl::X509SigPtr sig(d2i_X509_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) ossl::throw_last(ErrorKind::Input, "protected key is not an EncryptedPrivateKeyInfo");
  return sig;
}

Bytes pkcs12_sealed_key(const Entry& e, const Password& key_password) {
  if (!e.plain.empty()) return seal_private_key_pbes2(e.plain.view(), key_password);
  if (e.sealed_as == SealFormat::EncryptedPrivateKeyInfo) {
    std::string alg = sealed_key_algorithm(e.sealed);
    if (alg != kOidSunJksKeyProtector && alg != kOidSunJcePbe) return e.sealed;  // a standard PBE scheme: Java reads it
    fail(ErrorKind::Input, "the key of entry '" + e.alias + "' is protected with Sun's proprietary algorithm " + alg +
                               ", which PKCS12 cannot hold",
         "open the key with its password first (the entry then gets re-protected for PKCS12)");
  }
  fail(ErrorKind::Input, "entry '" + e.alias + "' has no private key");
}

}  // namespace

Bytes write_pkcs12(const Keystore& ks, const Password& password) {
  ossl::SafeBagStackPtr cert_bags(sk_PKCS12_SAFEBAG_new_null());
  ossl::SafeBagStackPtr key_bags(sk_PKCS12_SAFEBAG_new_null());
  for (const Entry& e : ks.entries()) {
    const Password& key_password = e.key_password ? *e.key_password : password;
    std::string key_id = kTimePrefix + std::to_string(e.created_ms);
    switch (e.kind) {
      case EntryKind::PrivateKey: {
        if (e.chain.empty()) fail(ErrorKind::Input, "private key entry '" + e.alias + "' has no certificate chain");
        Bytes sealed = pkcs12_sealed_key(e, key_password);
        ossl::SafeBagPtr kb(PKCS12_SAFEBAG_create0_pkcs8(parse_sig(sealed).release()));
        if (!kb) ossl::throw_last(ErrorKind::Input, "cannot create a key bag");
        add_local_key_id(kb.get(), key_id);
        add_friendly_name(kb.get(), e.alias);
        push(key_bags.get(), std::move(kb));
        for (std::size_t i = 0; i < e.chain.size(); ++i) {
          ossl::SafeBagPtr cb = cert_bag(e.chain[i]);
          if (i == 0) {
            add_local_key_id(cb.get(), key_id);
            add_friendly_name(cb.get(), e.alias);
          } else {
            add_friendly_name(cb.get(), describe_certificate(e.chain[i]).subject);  // as Java names chain certificates
          }
          push(cert_bags.get(), std::move(cb));
        }
        break;
      }
      case EntryKind::TrustedCert: {
        if (e.chain.size() != 1) fail(ErrorKind::Input, "trusted entry '" + e.alias + "' must hold exactly one certificate");
        ossl::SafeBagPtr cb = cert_bag(e.chain.front());
        add_friendly_name(cb.get(), e.alias);
        ossl::AsnObjectPtr any_eku(OBJ_txt2obj("2.5.29.37.0", 1));  // anyExtendedKeyUsage, as keytool writes
        if (!PKCS12_add1_attr_by_txt(cb.get(), kOidOracleTrustedKeyUsage, V_ASN1_OBJECT,
                                     reinterpret_cast<const unsigned char*>(any_eku.get()), -1))
          ossl::throw_last(ErrorKind::Input, "cannot mark '" + e.alias + "' as trusted");
        push(cert_bags.get(), std::move(cb));
        break;
      }
      case EntryKind::SecretKey: {
        if (e.sealed_as != SealFormat::Pkcs12SecretBag)
          fail(ErrorKind::Input, "secret key '" + e.alias + "' did not come from a PKCS12 store; converting secret keys is not supported");
        ossl::SafeBagPtr sb(PKCS12_SAFEBAG_create_secret(NID_pkcs8ShroudedKeyBag, V_ASN1_OCTET_STRING, e.sealed.data(),
                                                         static_cast<int>(e.sealed.size())));
        if (!sb) ossl::throw_last(ErrorKind::Input, "cannot create a secret bag");
        add_local_key_id(sb.get(), key_id);
        add_friendly_name(sb.get(), e.alias);
        push(key_bags.get(), std::move(sb));
        break;
      }
    }
  }

  // Java's layout: the (individually shrouded) keys in a plain Data safe, then the certificates
  // in one password-encrypted safe.
  ossl::Pkcs7StackPtr safes(sk_PKCS7_new_null());
  if (sk_PKCS12_SAFEBAG_num(key_bags.get()) > 0) {
    ossl::Pkcs7Ptr keys(PKCS12_pack_p7data(key_bags.get()));
    if (!keys || !sk_PKCS7_push(safes.get(), keys.get())) ossl::throw_last(ErrorKind::Input, "cannot pack the keys");
    keys.release();
  }
  if (sk_PKCS12_SAFEBAG_num(cert_bags.get()) > 0) {
    ossl::Pkcs7Ptr certs(PKCS12_pack_p7encdata_ex(NID_aes_256_cbc, password.c_str(), static_cast<int>(password.size()),
                                                  nullptr, 0, kPkcs12Iterations, cert_bags.get(), nullptr, nullptr));
    if (!certs || !sk_PKCS7_push(safes.get(), certs.get())) ossl::throw_last(ErrorKind::Input, "cannot encrypt the certificates");
    certs.release();
  }
  ossl::Pkcs12Ptr p12(PKCS12_add_safes(safes.get(), 0));
  if (!p12) ossl::throw_last(ErrorKind::Input, "cannot build the PKCS#12 structure");
  if (!PKCS12_set_mac(p12.get(), password.c_str(), static_cast<int>(password.size()), nullptr, kMacSaltLen, kPkcs12Iterations,
                      EVP_sha256()))
    ossl::throw_last(ErrorKind::Input, "cannot compute the PKCS#12 MAC");
  return ossl::to_der(p12.get(), i2d_PKCS12);
}

}  // namespace midks::fmt
