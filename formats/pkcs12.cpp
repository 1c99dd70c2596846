#include "pkcs12.hpp"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "der_reader.hpp"
#include "key_protection.hpp"
#include "midks/cert_info.hpp"
#include "midks/ossl.hpp"
#include "pkcs8.hpp"

namespace midks::fmt {

namespace {

constexpr const char* kTimePrefix = "Time ";
constexpr int kMacSaltLen = 20;  // what Java uses

constexpr std::uint8_t kTagBmpString = 0x1E;

// The OIDs a SafeBag walk compares against.
struct BagOids {
  Oid key{NID_keyBag}, shrouded_key{NID_pkcs8ShroudedKeyBag}, secret{NID_secretBag}, certificate{NID_certBag},
      safe_contents{NID_safeContentsBag}, x509_certificate{NID_x509Certificate}, friendly_name{NID_friendlyName},
      local_key_id{NID_localKeyID}, trusted_usage{kOidOracleTrustedKeyUsage};
};
const BagOids& bag_oids() {
  static const BagOids oids;
  return oids;
}

// bagAttributes SET OF Attribute, Attribute ::= SEQUENCE { attrId OID, attrValues SET OF ANY }, the
// last field of a SafeBag. As OpenSSL's PKCS12_get_friendlyname and PKCS12_SAFEBAG_get0_attr read
// them, the first value of the first attribute of a type counts.
Pkcs12Attributes read_attributes(DerReader& bag_fields) {
  Pkcs12Attributes a;
  if (bag_fields.at_end()) return a;
  DerReader attributes = bag_fields.enter(bag_fields.next(der::kSet, "the bag attributes"));
  bag_fields.expect_end("the bag attributes");
  const BagOids& oids = bag_oids();
  bool name_seen = false, id_seen = false;
  while (!attributes.at_end()) {
    DerReader attribute = attributes.enter(attributes.next(der::kSequence, "a bag attribute"));
    DerElement type = attribute.next(der::kOid, "the attribute type");
    DerReader values = attribute.enter(attribute.next(der::kSet, "the attribute values"));
    attribute.expect_end("a bag attribute");
    std::optional<DerElement> first;
    while (!values.at_end()) {
      DerElement value = values.next();
      if (!first) first = value;
    }
    if (oids.trusted_usage.is(type)) {
      a.trusted = true;
    } else if (oids.friendly_name.is(type) && !std::exchange(name_seen, true)) {
      if (first && first->tag == kTagBmpString)
        if (ossl::CStrPtr name{OPENSSL_uni2utf8(first->content.data(), static_cast<int>(first->content.size()))})
          a.friendly_name = name.get();
    } else if (oids.local_key_id.is(type) && !std::exchange(id_seen, true)) {
      if (first && first->tag == der::kOctetString) a.local_key_id = Bytes(first->content.begin(), first->content.end());
    }
  }
  ossl::drain_errors();
  return a;
}

[[noreturn]] void pkcs12_corrupt(const std::string& title, const std::string& problem) {
  std::string reason = ossl::drain_errors();
  fail(ErrorCode::PKCS12_CORRUPT, title + " is corrupt or not supported: " + problem + (reason.empty() ? "" : " (" + reason + ")"));
}

constexpr const char* kUnreadableCertificate = "a certificate bag holds an unreadable certificate";

// A name's DER as a map key (a std::string: GCC 12 warns falsely on comparing byte vectors).
std::string name_der(const X509_NAME* name) {
  Bytes der = ossl::to_der(name, i2d_X509_NAME);
  return std::string(der.begin(), der.end());
}

// Whether decrypted bytes are shaped as a SafeContents: one SEQUENCE filling them (BER's
// indefinite length allowed). A wrong password that happens to leave valid padding yields noise.
bool shaped_as_safe_contents(ByteView plain) {
  if (plain.size() < 2 || plain[0] != der::kSequence) return false;
  if (plain[1] == 0x80) return true;
  std::optional<DerHeader> header = peek_der_header(plain);
  return header && header->header_length + header->content_length == plain.size();
}

// Bytes OpenSSL allocated, wiped when freed: a SafeContents may hold unencrypted key bags.
class SecretBuffer {
 public:
  SecretBuffer() = default;
  SecretBuffer(unsigned char* data, int length) : data_(data), length_(static_cast<std::size_t>(length)) {}
  SecretBuffer(SecretBuffer&& other) noexcept : data_(std::exchange(other.data_, nullptr)), length_(std::exchange(other.length_, 0)) {}
  SecretBuffer& operator=(SecretBuffer&&) = delete;
  ~SecretBuffer() { OPENSSL_clear_free(data_, length_); }
  explicit operator bool() const { return data_ != nullptr; }
  ByteView view() const { return {data_, length_}; }

 private:
  unsigned char* data_ = nullptr;
  std::size_t length_ = 0;
};

// A password as OpenSSL's PKCS#12 functions take it. An empty one is two passwords there: null
// (no bytes, as Java derives it) and "" (a lone UTF-16 NUL); both occur, so both are tried, as
// PKCS12_parse does, and the one the MAC verifies with is kept.
struct Pass {
  const char* text;
  int len;
};

// Opens one PFX: the checks and the walk, in the order that keeps every KDF behind its cap.
class Opener {
 public:
  Opener(PKCS12* p12, const Password& password, const Pkcs12OpenOptions& options) : p12_(p12), options_(options) {
    if (password.empty())
      passes_ = {{nullptr, 0}, {"", 0}};
    else
      passes_ = {{password.c_str(), static_cast<int>(password.size())}};
  }

  Pkcs12Contents open() {
    // 1. Every count that can be read without a key, before any KDF runs, so that a hostile count
    //    is refused whatever the password: the MAC's, the encrypted safes', and the key bags'
    //    outside them.
    check_mac_cost();
    ossl::Pkcs7StackPtr safes(PKCS12_unpack_authsafes(p12_));
    if (!safes) corrupt("cannot read the authenticated safe");
    const int n = sk_PKCS7_num(safes.get());
    std::vector<std::vector<Pkcs12Bag>> per_safe(static_cast<std::size_t>(std::max(n, 0)));
    for (int i = 0; i < n; ++i) {
      PKCS7* p7 = sk_PKCS7_value(safes.get(), i);
      if (PKCS7_type_is_data(p7)) {
        if (!p7->d.data) corrupt("cannot read a safe contents section");
        collect(ossl::octets(p7->d.data), per_safe[static_cast<std::size_t>(i)]);
      } else if (PKCS7_type_is_encrypted(p7)) {
        const X509_ALGOR* alg = p7->d.encrypted && p7->d.encrypted->enc_data ? p7->d.encrypted->enc_data->algorithm : nullptr;
        if (!alg) corrupt("an encrypted section has no algorithm");
        check_pbe_cost(alg, "an encrypted section of " + options_.what);
        note_scheme(alg);
      } else {
        corrupt("public-key-encrypted (enveloped) sections are not supported");
      }
    }
    // 2. The MAC, which also settles which form of an empty password the file uses.
    verify_mac();
    // 3. The encrypted safes; the key bags inside are checked as they are met.
    for (int i = 0; i < n; ++i) {
      PKCS7* p7 = sk_PKCS7_value(safes.get(), i);
      if (!PKCS7_type_is_encrypted(p7)) continue;
      SecretBuffer contents = decrypt_safe(p7);
      collect(contents.view(), per_safe[static_cast<std::size_t>(i)]);
    }
    for (auto& bags : per_safe)
      for (Pkcs12Bag& bag : bags) result_.bags.push_back(std::move(bag));
    // 4. The keys, if the caller wants them open.
    if (options_.decrypt_keys)
      for (Pkcs12Bag& bag : result_.bags)
        if (bag.kind == Pkcs12Bag::Kind::ShroudedKey) decrypt_key(bag);
    return std::move(result_);
  }

 private:
  [[noreturn]] void corrupt(const std::string& problem) const { pkcs12_corrupt(options_.title, problem); }

  [[noreturn]] void wrong_password(const std::string& detail) const {
    ossl::drain_errors();
    options_.wrong_password(detail);
    fail(ErrorCode::WRONG_STORE_PASSWORD, "the password does not open " + options_.title + " (" + detail + ")");
  }

  void note_scheme(const X509_ALGOR* alg) {
    if (OBJ_obj2nid(alg->algorithm) != NID_pbes2) result_.legacy_encryption = true;
  }

  void check_mac_cost() {
    if (!PKCS12_mac_present(p12_)) return;
    const X509_ALGOR* mac_alg = nullptr;
    const ASN1_INTEGER* iter = nullptr;
    PKCS12_get0_mac(nullptr, &mac_alg, nullptr, &iter, p12_);
    const std::string what = "the integrity MAC of " + options_.what;
    check_iterations(iteration_count(iter), limits::kMaxMacIterations, what);
    // PBMAC1 (RFC 9579; OpenSSL 3.4+ verifies it) takes its count from PBKDF2 parameters inside the
    // MAC's algorithm: PBMAC1-params ::= SEQUENCE { keyDerivationFunc, messageAuthScheme }.
    if (mac_alg && OBJ_obj2nid(mac_alg->algorithm) == NID_pbmac1 && mac_alg->parameter &&
        mac_alg->parameter->type == V_ASN1_SEQUENCE) {
      DerReader params(ossl::octets(mac_alg->parameter->value.sequence), "the PBMAC1 parameters of " + options_.what);
      DerReader fields = params.enter(params.next(der::kSequence, "PBMAC1-params"));
      DerElement kdf = fields.next(der::kSequence, "the key-derivation function");
      const unsigned char* p = kdf.encoded.data();
      ossl::Handle<X509_ALGOR, X509_ALGOR_free> kdf_alg(d2i_X509_ALGOR(nullptr, &p, static_cast<long>(kdf.encoded.size())));
      if (!kdf_alg) corrupt("the PBMAC1 key-derivation function cannot be read");
      check_kdf_cost(kdf_alg.get(), what);
    }
  }

  void verify_mac() {
    if (!PKCS12_mac_present(p12_)) return;
    std::string reason;
    for (const Pass& pass : passes_) {
      if (PKCS12_verify_mac(p12_, pass.text, pass.len)) {
        passes_ = {pass};
        result_.mac_verified = true;
        return;
      }
      reason = ossl::drain_errors();
    }
    if (reason.find("unsupported") != std::string::npos) corrupt("MAC algorithm is not supported (" + reason + ")");
    wrong_password("MAC check failed");
  }

  // Decrypted, not decoded (as PKCS12_unpack_p7encdata would): collect walks the bytes.
  SecretBuffer decrypt_safe(const PKCS7* p7) {
    const X509_ALGOR* alg = p7->d.encrypted->enc_data->algorithm;
    const ASN1_OCTET_STRING* sealed = p7->d.encrypted->enc_data->enc_data;
    if (!sealed) corrupt("an encrypted section holds no data");
    for (const Pass& pass : passes_) {
      SecretBuffer plain = ossl::with_legacy_retry([&] {
        unsigned char* data = nullptr;
        int length = 0;
        if (!PKCS12_pbe_crypt_ex(alg, pass.text, pass.len, sealed->data, sealed->length, &data, &length, 0, nullptr, nullptr))
          return SecretBuffer();
        return SecretBuffer(data, length);
      });
      if (plain && shaped_as_safe_contents(plain.view())) return plain;
      ossl::drain_errors();
    }
    if (!result_.mac_verified) wrong_password("cannot decrypt an encrypted section");
    corrupt("an encrypted section cannot be decrypted");
  }

  void decrypt_key(Pkcs12Bag& bag) {
    ossl::X509SigPtr sig = parse_encrypted_pkcs8(bag.sealed);
    if (!sig) corrupt("a shrouded key bag holds no EncryptedPrivateKeyInfo");
    for (const Pass& pass : passes_) {
      SecureBytes key = decrypt_pkcs8(sig.get(), pass.text, pass.len, "a private key in " + options_.what);
      if (key.empty()) continue;
      bag.kind = Pkcs12Bag::Kind::Key;
      bag.key = std::move(key);
      bag.sealed.clear();
      return;
    }
    wrong_password("cannot decrypt the private key");
  }

  // Refuses a hostile count in an EncryptedPrivateKeyInfo (a shrouded key, or Java's secret key)
  // as soon as the bag is met.
  void check_sealed(const X509_SIG* sig) {
    const X509_ALGOR* alg = nullptr;
    X509_SIG_get0(sig, &alg, nullptr);
    check_pbe_cost(alg, "a private key in " + options_.what);
    note_scheme(alg);
  }

  // A certificate's bytes, not decoded (Pkcs12Bag::certificate() does that when it is needed), once
  // its outline is sound. One that is not plain DER (BER lengths, bytes after it) is decoded and
  // re-encoded, as OpenSSL reads it leniently.
  void read_certificate(ByteView octets, Pkcs12Bag& b) {
    if (std::optional<CertificateOutline> outline = outline_certificate(octets)) {
      b.subject_der.assign(outline->subject.begin(), outline->subject.end());
      b.issuer_der.assign(outline->issuer.begin(), outline->issuer.end());
      b.cert_der.assign(octets.begin(), octets.end());
      return;
    }
    const unsigned char* p = octets.data();
    b.decoded.reset(d2i_X509(nullptr, &p, static_cast<long>(octets.size())));
    if (!b.decoded) corrupt(kUnreadableCertificate);
    b.cert_der = ossl::cert_der(b.decoded.get());
    b.subject_der = name_der(X509_get_subject_name(b.decoded.get()));
    b.issuer_der = name_der(X509_get_issuer_name(b.decoded.get()));
  }

  // CertBag ::= SEQUENCE { certId OID, certValue [0] EXPLICIT ANY }, an x509Certificate's value an
  // OCTET STRING holding its DER; false for other types (SDSI certificates: Java skips them too).
  bool read_certificate_bag(DerReader& bag_value, Pkcs12Bag& b) {
    DerReader cert_bag = bag_value.enter(bag_value.next(der::kSequence, "the CertBag"));
    bag_value.expect_end("the CertBag");
    if (!bag_oids().x509_certificate.is(cert_bag.next(der::kOid, "the certificate type"))) return false;
    DerReader cert_value = cert_bag.enter(cert_bag.next(der::context(0), "the certificate value"));
    cert_bag.expect_end("the certificate value");
    ByteView octets = cert_value.next(der::kOctetString, "the certificate").content;
    cert_value.expect_end("the certificate");
    b.kind = Pkcs12Bag::Kind::Certificate;
    read_certificate(octets, b);
    return true;
  }

  // A key bag, a shrouded key bag or a secret bag, decoded by OpenSSL from the SafeBag's DER.
  void read_key_bag(ByteView safe_bag, Pkcs12Bag& b) {
    const unsigned char* p = safe_bag.data();
    ossl::SafeBagPtr bag(d2i_PKCS12_SAFEBAG(nullptr, &p, static_cast<long>(safe_bag.size())));
    if (!bag) corrupt("cannot read a safe contents section");
    switch (PKCS12_SAFEBAG_get_nid(bag.get())) {
      case NID_keyBag:
        b.kind = Pkcs12Bag::Kind::Key;
        b.key = ossl::to_secret_der(PKCS12_SAFEBAG_get0_p8inf(bag.get()), i2d_PKCS8_PRIV_KEY_INFO);
        break;
      case NID_pkcs8ShroudedKeyBag: {
        const X509_SIG* sig = PKCS12_SAFEBAG_get0_pkcs8(bag.get());
        check_sealed(sig);
        b.kind = Pkcs12Bag::Kind::ShroudedKey;
        b.sealed = ossl::to_der(sig, i2d_X509_SIG);
        break;
      }
      default: {  // NID_secretBag, the one type left (walk passes no other here)
        // Java: secretTypeId pkcs8ShroudedKeyBag, secretValue an OCTET STRING holding the
        // EncryptedPrivateKeyInfo (a bare SEQUENCE is accepted too).
        const ASN1_TYPE* value = PKCS12_SAFEBAG_get0_bag_obj(bag.get());
        if (!value || (value->type != V_ASN1_OCTET_STRING && value->type != V_ASN1_SEQUENCE))
          corrupt("secret bag holds no encrypted key");
        ByteView v = ossl::octets(value->type == V_ASN1_OCTET_STRING ? value->value.octet_string : value->value.sequence);
        if (ossl::X509SigPtr sig = parse_encrypted_pkcs8(v)) check_sealed(sig.get());
        b.kind = Pkcs12Bag::Kind::Secret;
        b.sealed.assign(v.begin(), v.end());
        break;
      }
    }
  }

  // SafeContents ::= SEQUENCE OF SafeBag,
  // SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT ANY, bagAttributes SET OF Attribute OPTIONAL }.
  void walk(ByteView safe_contents, std::vector<Pkcs12Bag>& out, int depth) {
    if (depth > limits::kMaxPkcs12Nesting) corrupt("safe contents nested too deeply");
    DerReader file(safe_contents, "SafeContents");
    DerReader bags = file.enter(file.next(der::kSequence, "SafeContents"));
    file.expect_end("SafeContents");
    const BagOids& oids = bag_oids();
    while (!bags.at_end()) {
      DerElement safe_bag = bags.next(der::kSequence, "a SafeBag");
      DerReader fields = bags.enter(safe_bag);
      DerElement type = fields.next(der::kOid, "the bag type");
      DerReader value = fields.enter(fields.next(der::context(0), "the bag value"));
      Pkcs12Bag b;
      bool keep = true;
      if (oids.certificate.is(type)) {
        keep = read_certificate_bag(value, b);
      } else if (oids.key.is(type) || oids.shrouded_key.is(type) || oids.secret.is(type)) {
        read_key_bag(safe_bag.encoded, b);
      } else if (oids.safe_contents.is(type)) {
        DerElement nested = value.next(der::kSequence, "the nested SafeContents");
        value.expect_end("the nested SafeContents");
        walk(nested.encoded, out, depth + 1);
        keep = false;
      } else {
        keep = false;  // CRL bags and unknown bags carry nothing a key store entry needs
      }
      b.attributes = read_attributes(fields);
      if (!keep) continue;
      if (++bags_read_ > limits::kMaxBags) corrupt("more than " + std::to_string(limits::kMaxBags) + " bags");
      out.push_back(std::move(b));
    }
  }

  // The bags of one SafeContents, walked where they lie when it is DER (as Java, keytool and
  // OpenSSL write it), so that a certificate is copied once, not decoded and re-encoded. One the
  // walk refuses (Bouncy Castle writes BER's indefinite lengths) is decoded by OpenSSL, which reads
  // BER, and its DER re-encoding walked: one reading of the bags either way.
  void collect(ByteView safe_contents, std::vector<Pkcs12Bag>& out) {
    const std::size_t kept = out.size(), counted = bags_read_;
    try {
      walk(safe_contents, out, 0);
      return;
    } catch (const Error& e) {
      if (e.code_id() != ErrorCode::DER_MALFORMED) throw;
    }
    out.erase(out.begin() + static_cast<std::ptrdiff_t>(kept), out.end());
    bags_read_ = counted;
    const unsigned char* p = safe_contents.data();
    ossl::SafeBagStackPtr bags(reinterpret_cast<STACK_OF(PKCS12_SAFEBAG)*>(
        ASN1_item_d2i(nullptr, &p, static_cast<long>(safe_contents.size()), ASN1_ITEM_rptr(PKCS12_SAFEBAGS))));
    if (!bags) corrupt("cannot read a safe contents section");
    unsigned char* der = nullptr;
    const int length = ASN1_item_i2d(reinterpret_cast<const ASN1_VALUE*>(bags.get()), &der, ASN1_ITEM_rptr(PKCS12_SAFEBAGS));
    if (length <= 0) ossl::throw_last(ErrorCode::INTERNAL, "DER encoding failed");
    SecretBuffer reencoded(der, length);
    try {
      walk(reencoded.view(), out, 0);
    } catch (const Error& e) {
      if (e.code_id() == ErrorCode::DER_MALFORMED) corrupt(std::string("a safe contents section cannot be read: ") + e.what());
      throw;
    }
  }

  PKCS12* p12_;
  const Pkcs12OpenOptions& options_;
  std::vector<Pass> passes_;
  Pkcs12Contents result_;
  std::size_t bags_read_ = 0;
};

}  // namespace

ossl::Pkcs12Ptr parse_pkcs12(ByteView data, std::string* problem) {
  const unsigned char* p = data.data();
  ossl::Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(data.size())));
  // d2i takes BER as well as DER: Bouncy Castle's "PKCS12" KeyStore writes indefinite lengths.
  std::string why = !p12 ? "not a PKCS#12 PFX"
                    : p != data.data() + data.size() ? std::to_string(data.data() + data.size() - p) + " unexpected bytes after the PFX"
                                                     : "";
  if (why.empty()) return p12;
  ossl::drain_errors();
  if (problem) *problem = why;
  return nullptr;
}

Pkcs12Contents open_pkcs12(PKCS12* p12, const Password& password, const Pkcs12OpenOptions& options) {
  return Opener(p12, password, options).open();
}

X509* Pkcs12Bag::decodable_certificate() const {
  if (!decoded && !decode_failure) {
    const unsigned char* p = cert_der.data();
    decoded.reset(d2i_X509(nullptr, &p, static_cast<long>(cert_der.size())));
    if (!decoded) decode_failure = ossl::drain_errors();
  }
  return decoded.get();
}

X509* Pkcs12Bag::certificate(const std::string& title) const {
  X509* x = decodable_certificate();
  if (!x) pkcs12_corrupt(title, std::string(kUnreadableCertificate) + (decode_failure->empty() ? "" : " (" + *decode_failure + ")"));
  return x;
}

namespace {

// Java writes localKeyId as "Time <creation ms>" and reads the date back with Long.parseLong;
// anything else (OpenSSL's SHA-1, a number beyond a long) has no date.
std::optional<std::int64_t> date_from_key_id(const std::optional<Bytes>& id) {
  if (!id) return std::nullopt;
  std::string_view text(reinterpret_cast<const char*>(id->data()), id->size());
  if (!text.starts_with(kTimePrefix)) return std::nullopt;
  text.remove_prefix(std::string_view(kTimePrefix).size());
  constexpr std::size_t kMaxDigits = 19;  // a positive long has at most 19
  if (text.empty() || text.size() > kMaxDigits || text.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  std::int64_t ms = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return ms;
}

void set_date(Entry& e, const Pkcs12Attributes& attrs) {
  auto stored = date_from_key_id(attrs.local_key_id);
  e.created_in_file = stored.has_value();
  e.created_ms = stored.value_or(now_ms());
}

// The store's certificates by subject, so that each link of a chain is one look-up; only the
// certificates a chain passes through are decoded.
class Issuers {
 public:
  Issuers(const std::vector<Pkcs12Bag*>& certs, const std::string& title) : title_(title) {
    for (const Pkcs12Bag* c : certs) by_subject_.emplace(c->subject_der, c);
  }

  // Leaf first, then each issuer found among the store's certificates, up to a self-signed one
  // (or a certificate seen before, or kMaxChainLength certificates).
  std::vector<Bytes> chain(const Pkcs12Bag& leaf) const {
    std::vector<Bytes> chain{leaf.cert_der};
    std::set<const Pkcs12Bag*> seen{&leaf};
    const Pkcs12Bag* current = &leaf;
    while (chain.size() < limits::kMaxChainLength && !self_signed(*current)) {
      const Pkcs12Bag* next = issuer_of(*current);
      if (!next || !seen.insert(next).second) break;
      chain.push_back(next->cert_der);
      current = next;
    }
    ossl::drain_errors();
    return chain;
  }

  // Whether some other certificate of the store names c as its issuer.
  bool issued_any(const Pkcs12Bag* c, const std::vector<Pkcs12Bag*>& certs) const {
    for (const Pkcs12Bag* other : certs)
      if (other != c && issuer_of(*other) == c) return true;
    return false;
  }

 private:
  bool self_signed(const Pkcs12Bag& cert) const {
    X509* x = cert.certificate(title_);
    return X509_check_issued(x, x) == X509_V_OK;
  }

  const Pkcs12Bag* issuer_of(const Pkcs12Bag& cert) const {
    auto [from, to] = by_subject_.equal_range(cert.issuer_der);
    for (auto it = from; it != to; ++it) {
      if (it->second == &cert) continue;
      X509* candidate = it->second->decodable_certificate();
      if (candidate && X509_check_issued(candidate, cert.certificate(title_)) == X509_V_OK) return it->second;
    }
    return nullptr;
  }

  std::multimap<std::string_view, const Pkcs12Bag*> by_subject_;  // views of the bags' subject_der
  const std::string& title_;
};

bool same_alias(const std::optional<std::string>& a, const std::optional<std::string>& b) {
  if (!a || !b || a->size() != b->size()) return false;
  for (std::size_t i = 0; i < a->size(); ++i)
    if (std::tolower(static_cast<unsigned char>((*a)[i])) != std::tolower(static_cast<unsigned char>((*b)[i]))) return false;
  return true;
}

// The certificate of a key that no localKeyId links to one (some exporters omit the id). Java
// gives a lone such key the first certificate of its safe and skips any further ones
// (PKCS12KeyStore.loadSafeContents); we find the certificate whose public key is the key's,
// decrypting a shrouded key with the store password (a PKCS12 store keeps every key under it, and
// keytool opens them with it), an alias match preferred among several; else, for a key that does
// not open so, the certificate of the same alias (Java's fallback); else, for a lone key, the only
// certificate that issued none of the others (the end of the one chain there is).
class UnlinkedKeys {
 public:
  UnlinkedKeys(const std::vector<Pkcs12Bag*>& certs, const Issuers& issuers, std::size_t key_count, const Password& password,
               const std::string& title)
      : certs_(certs), issuers_(issuers), lone_(key_count == 1), password_(password), title_(title) {}

  const Pkcs12Bag* certificate_of(const Pkcs12Bag& key) {
    const Pkcs12Bag* found = nullptr;
    if (ossl::PkeyPtr priv = private_key(key)) {
      for (const Pkcs12Bag* c : certs_) {
        if (X509* x = c->decodable_certificate(); !x || X509_check_private_key(x, priv.get()) != 1) continue;
        if (!found || same_alias(c->attributes.friendly_name, key.attributes.friendly_name)) found = c;
        if (same_alias(c->attributes.friendly_name, key.attributes.friendly_name)) break;
      }
      ossl::drain_errors();
      return found;  // a key that opened and matches no certificate has none here
    }
    for (const Pkcs12Bag* c : certs_)
      if (!c->attributes.trusted && same_alias(c->attributes.friendly_name, key.attributes.friendly_name)) return c;
    if (!lone_) return nullptr;
    for (const Pkcs12Bag* c : certs_) {
      if (c->attributes.trusted || issuers_.issued_any(c, certs_)) continue;
      if (found) return nullptr;  // two chain ends: no telling which is the key's
      found = c;
    }
    return found;
  }

 private:
  ossl::PkeyPtr private_key(const Pkcs12Bag& key) {
    if (!key.key.empty()) return try_private_key_from_pkcs8(key.key.view());
    ossl::X509SigPtr sig = parse_encrypted_pkcs8(key.sealed);
    if (!sig) return nullptr;
    if (++decrypted_ > limits::kMaxUnlinkedPkcs12Keys)
      pkcs12_corrupt(title_, "more than " + std::to_string(limits::kMaxUnlinkedPkcs12Keys) + " private keys without a localKeyId");
    // An empty password is two in a PKCS#12 KDF (see Pass): no bytes, and a lone UTF-16 NUL.
    const std::vector<Pass> passes = password_.empty() ? std::vector<Pass>{{nullptr, 0}, {"", 0}}
                                                       : std::vector<Pass>{{password_.c_str(), static_cast<int>(password_.size())}};
    for (const Pass& pass : passes) {
      SecureBytes plain = decrypt_pkcs8(sig.get(), pass.text, pass.len, "a private key in the keystore");
      if (!plain.empty()) return try_private_key_from_pkcs8(plain.view());
    }
    return nullptr;
  }

  const std::vector<Pkcs12Bag*>& certs_;
  const Issuers& issuers_;
  bool lone_;
  const Password& password_;
  const std::string& title_;
  std::size_t decrypted_ = 0;
};

}  // namespace

Keystore read_pkcs12(ByteView data, const Password& password) {
  const Pkcs12OpenOptions options{"the keystore", "PKCS#12 keystore", false, [](const std::string& detail) {
                                    fail(ErrorCode::WRONG_STORE_PASSWORD, "keystore password is incorrect, or the file was altered after it was written (" + detail + ")");
                                  }};
  std::string problem;
  ossl::Pkcs12Ptr p12 = parse_pkcs12(data, &problem);
  if (!p12) pkcs12_corrupt(options.title, problem);
  Pkcs12Contents pfx = open_pkcs12(p12.get(), password, options);

  std::vector<Pkcs12Bag*> keys, certs;
  for (Pkcs12Bag& b : pfx.bags) (b.kind == Pkcs12Bag::Kind::Certificate ? certs : keys).push_back(&b);
  std::set<const Pkcs12Bag*> leaves;
  std::multimap<std::string, const Pkcs12Bag*> certs_by_key_id;
  auto key_id = [](const Pkcs12Bag* b) { return std::string(b->attributes.local_key_id->begin(), b->attributes.local_key_id->end()); };
  for (const Pkcs12Bag* c : certs)
    if (c->attributes.local_key_id) certs_by_key_id.emplace(key_id(c), c);
  // Only the keys' certificates and chains need certificates decoded, and the index: a truststore's
  // read decodes none.
  std::optional<Issuers> issuers;
  std::optional<UnlinkedKeys> unlinked;
  if (!keys.empty()) {
    issuers.emplace(certs, options.title);
    unlinked.emplace(certs, *issuers, keys.size(), password, options.title);
  }

  Keystore ks(StoreType::Pkcs12);
  ks.set_integrity_verified(pfx.mac_verified);
  int unnamed = 0;
  auto alias_for = [&](const Pkcs12Attributes& a, const Pkcs12Attributes* fallback) {
    if (a.friendly_name) return *a.friendly_name;
    if (fallback && fallback->friendly_name) return *fallback->friendly_name;
    return std::to_string(++unnamed);  // Java names unnamed entries by a counter too
  };

  for (Pkcs12Bag* k : keys) {
    Entry e;
    e.kind = k->kind == Pkcs12Bag::Kind::Secret ? EntryKind::SecretKey : EntryKind::PrivateKey;
    set_date(e, k->attributes);
    if (k->kind == Pkcs12Bag::Kind::Secret) {
      e.alias = alias_for(k->attributes, nullptr);
      e.sealed = std::move(k->sealed);
      e.sealed_as = SealFormat::Pkcs12SecretBag;
      ks.put(std::move(e));
      continue;
    }
    // The key's certificate as Java finds it (findMatchedCertificate): the same localKeyId and the
    // same alias, else the same localKeyId. Every id Java writes is "Time <ms>", so two keys made in
    // one millisecond share one and only the alias tells their certificates apart. Without a link,
    // the certificate of the key's public key (UnlinkedKeys).
    const Pkcs12Bag* leaf = nullptr;
    if (k->attributes.local_key_id) {
      auto [from, to] = certs_by_key_id.equal_range(key_id(k));
      for (auto it = from; it != to; ++it) {
        if (same_alias(it->second->attributes.friendly_name, k->attributes.friendly_name)) {
          leaf = it->second;
          break;
        }
        if (!leaf) leaf = it->second;
      }
    }
    if (!leaf) leaf = unlinked->certificate_of(*k);
    if (!leaf)
      pkcs12_corrupt(options.title, "private key '" + alias_for(k->attributes, nullptr) +
                                        "' has no matching certificate (no localKeyId link, and no certificate of its public key)");
    leaves.insert(leaf);
    e.alias = alias_for(k->attributes, &leaf->attributes);
    e.chain = issuers->chain(*leaf);
    if (k->kind == Pkcs12Bag::Kind::Key) {
      e.plain = std::move(k->key);
    } else {
      e.sealed = std::move(k->sealed);
      e.sealed_as = SealFormat::EncryptedPrivateKeyInfo;
    }
    ks.put(std::move(e));
  }
  for (const Pkcs12Bag* c : certs) {
    // Plain chain certificates are not entries in Java either.
    if (!c->attributes.trusted || leaves.count(c)) continue;
    Entry e;
    e.kind = EntryKind::TrustedCert;
    e.alias = alias_for(c->attributes, nullptr);
    set_date(e, c->attributes);
    e.chain.push_back(c->cert_der);
    ks.put(std::move(e));
  }
  return ks;
}

namespace {

void add_friendly_name(PKCS12_SAFEBAG* bag, const std::string& alias) {
  if (!PKCS12_add_friendlyname_utf8(bag, alias.c_str(), static_cast<int>(alias.size())))
    ossl::throw_last(ErrorCode::ENTRY_NOT_STORABLE, "cannot set the alias of '" + alias + "'");
}

void add_local_key_id(PKCS12_SAFEBAG* bag, const std::string& id) {
  if (!PKCS12_add_localkeyid(bag, reinterpret_cast<unsigned char*>(const_cast<char*>(id.data())), static_cast<int>(id.size())))
    ossl::throw_last(ErrorCode::INTERNAL, "cannot set localKeyId");
}

void push(STACK_OF(PKCS12_SAFEBAG) * stack, ossl::SafeBagPtr bag) {
  if (!sk_PKCS12_SAFEBAG_push(stack, bag.get())) ossl::fail_internal("sk_PKCS12_SAFEBAG_push");
  bag.release();
}

ossl::SafeBagPtr cert_bag(const Bytes& der) {
  auto x = ossl::parse_cert_der(der);
  ossl::SafeBagPtr bag(PKCS12_SAFEBAG_create_cert(x.get()));
  if (!bag) ossl::throw_last(ErrorCode::INTERNAL, "cannot create a certificate bag");
  return bag;
}

// The millisecond each key entry's localKeyId names, by entry (other entries: nullopt). Java writes
// "Time <creation ms>" (PKCS12KeyStore.setKeyEntry), so keys set in one millisecond share an id:
// Java tells them apart by alias, but readers that pair a key and its certificate by localKeyId
// alone (OpenSSL's PKCS12_parse, certutil) give them one certificate. So a millisecond already
// named moves on to the next free one, a shift no listing shows, and every id stays a date Java
// reads back.
std::vector<std::optional<std::int64_t>> key_id_dates(const std::vector<Entry>& entries) {
  std::vector<std::optional<std::int64_t>> dates(entries.size());
  std::set<std::int64_t> named;
  std::vector<std::size_t> moved;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i].is_key()) continue;
    if (named.insert(entries[i].created_ms).second)
      dates[i] = entries[i].created_ms;
    else
      moved.push_back(i);  // after every first claim, so that no later entry's own date is taken
  }
  for (std::size_t i : moved) {
    std::int64_t ms = entries[i].created_ms;
    while (!named.insert(ms).second) ++ms;  // at most entries.size() steps
    dates[i] = ms;
  }
  return dates;
}

Bytes pkcs12_sealed_key(const Entry& e, const Password& key_password) {
  if (!e.plain.empty()) return seal_private_key_pbes2(e.plain.view(), key_password);
  if (e.sealed_as == SealFormat::EncryptedPrivateKeyInfo) {
    std::string alg = sealed_key_algorithm(e.sealed);
    if (alg != kOidSunJksKeyProtector && alg != kOidSunJcePbe) return e.sealed;  // a standard PBE scheme: Java reads it
    fail(ErrorCode::ENTRY_NOT_STORABLE, "the key of entry '" + e.alias + "' is protected with Sun's proprietary algorithm " + alg +
                                            ", which PKCS12 cannot hold: open the key with its password first, so that it is "
                                            "protected anew");
  }
  fail(ErrorCode::ENTRY_NOT_STORABLE, "entry '" + e.alias + "' has no private key");
}

}  // namespace

void make_key_dates_distinct(Keystore& ks) {
  std::vector<std::optional<std::int64_t>> dates = key_id_dates(ks.entries());
  for (std::size_t i = 0; i < dates.size(); ++i)
    if (dates[i]) ks.entries()[i].created_ms = *dates[i];
}

Bytes write_pkcs12(const Keystore& ks, const Password& password) {
  // Java 17 cannot open a PKCS12 file under any other password ("Password is not ASCII"): its MAC
  // and every PBE scheme take the password through PBEKey.
  password.require_java_pbe_ascii("a PKCS12 keystore");
  const std::vector<std::optional<std::int64_t>> key_dates = key_id_dates(ks.entries());
  std::size_t index = 0;
  ossl::SafeBagStackPtr cert_bags(ossl::check_alloc(sk_PKCS12_SAFEBAG_new_null(), "sk_PKCS12_SAFEBAG_new_null"));
  ossl::SafeBagStackPtr key_bags(ossl::check_alloc(sk_PKCS12_SAFEBAG_new_null(), "sk_PKCS12_SAFEBAG_new_null"));
  for (const Entry& e : ks.entries()) {
    const Password& key_password = e.key_password ? *e.key_password : password;
    // A key sealed anew here must open in Java too.
    if (e.key_password && !e.plain.empty()) e.key_password->require_java_pbe_ascii("the key of '" + e.alias + "' in a PKCS12 keystore");
    const std::optional<std::int64_t>& key_date = key_dates[index++];
    std::string key_id = key_date ? kTimePrefix + std::to_string(*key_date) : std::string();
    switch (e.kind) {
      case EntryKind::PrivateKey: {
        if (e.chain.empty()) fail(ErrorCode::ENTRY_NOT_STORABLE, "private key entry '" + e.alias + "' has no certificate chain");
        Bytes sealed = pkcs12_sealed_key(e, key_password);
        ossl::X509SigPtr sig = parse_encrypted_pkcs8(sealed);
        if (!sig) fail(ErrorCode::ENTRY_NOT_STORABLE, "the protected key of '" + e.alias + "' is not an EncryptedPrivateKeyInfo");
        ossl::SafeBagPtr kb(PKCS12_SAFEBAG_create0_pkcs8(sig.get()));
        if (!kb) ossl::fail_internal("PKCS12_SAFEBAG_create0_pkcs8");
        sig.release();  // the bag owns it now
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
        if (e.chain.size() != 1) fail(ErrorCode::ENTRY_NOT_STORABLE, "trusted entry '" + e.alias + "' must hold exactly one certificate");
        ossl::SafeBagPtr cb = cert_bag(e.chain.front());
        add_friendly_name(cb.get(), e.alias);
        // anyExtendedKeyUsage, as keytool writes
        ossl::AsnObjectPtr any_eku(ossl::check_alloc(OBJ_txt2obj("2.5.29.37.0", 1), "OBJ_txt2obj"));
        if (!PKCS12_add1_attr_by_txt(cb.get(), kOidOracleTrustedKeyUsage, V_ASN1_OBJECT,
                                     reinterpret_cast<const unsigned char*>(any_eku.get()), -1))
          ossl::throw_last(ErrorCode::INTERNAL, "cannot mark '" + e.alias + "' as trusted");
        push(cert_bags.get(), std::move(cb));
        break;
      }
      case EntryKind::SecretKey: {
        // An opened key (from another format, or under a new password) is sealed anew as Java does.
        Bytes sealed;
        if (!e.plain.empty())
          sealed = seal_private_key_pbes2(secret_key_pkcs8(e.plain.view(), e.secret_algorithm, "secret key '" + e.alias + "'").view(), key_password);
        else if (e.sealed_as == SealFormat::Pkcs12SecretBag)
          sealed = e.sealed;
        else
          fail(ErrorCode::ENTRY_NOT_STORABLE, "secret key '" + e.alias + "' is sealed in another keystore type's format: open it with its password first");
        ossl::SafeBagPtr sb(PKCS12_SAFEBAG_create_secret(NID_pkcs8ShroudedKeyBag, V_ASN1_OCTET_STRING, sealed.data(),
                                                         static_cast<int>(sealed.size())));
        if (!sb) ossl::throw_last(ErrorCode::INTERNAL, "cannot create a secret bag");
        add_local_key_id(sb.get(), key_id);
        add_friendly_name(sb.get(), e.alias);
        push(key_bags.get(), std::move(sb));
        break;
      }
    }
  }

  // Java's layout: the (individually shrouded) keys in a plain Data safe, then the certificates
  // in one password-encrypted safe.
  ossl::Pkcs7StackPtr safes(ossl::check_alloc(sk_PKCS7_new_null(), "sk_PKCS7_new_null"));
  if (sk_PKCS12_SAFEBAG_num(key_bags.get()) > 0) {
    ossl::Pkcs7Ptr keys(PKCS12_pack_p7data(key_bags.get()));
    if (!keys) ossl::throw_last(ErrorCode::INTERNAL, "cannot pack the keys");
    if (!sk_PKCS7_push(safes.get(), keys.get())) ossl::fail_internal("sk_PKCS7_push");
    keys.release();
  }
  if (sk_PKCS12_SAFEBAG_num(cert_bags.get()) > 0) {
    ossl::Pkcs7Ptr certs(PKCS12_pack_p7encdata_ex(NID_aes_256_cbc, password.c_str(), static_cast<int>(password.size()),
                                                  nullptr, 0, kPkcs12Iterations, cert_bags.get(), nullptr, nullptr));
    if (!certs) ossl::throw_last(ErrorCode::INTERNAL, "cannot encrypt the certificates");
    if (!sk_PKCS7_push(safes.get(), certs.get())) ossl::fail_internal("sk_PKCS7_push");
    certs.release();
  }
  ossl::Pkcs12Ptr p12(PKCS12_add_safes(safes.get(), 0));
  if (!p12) ossl::throw_last(ErrorCode::INTERNAL, "cannot build the PKCS#12 structure");
  if (!PKCS12_set_mac(p12.get(), password.c_str(), static_cast<int>(password.size()), nullptr, kMacSaltLen, kPkcs12Iterations,
                      EVP_sha256()))
    ossl::throw_last(ErrorCode::INTERNAL, "cannot compute the PKCS#12 MAC");
  return ossl::to_der(p12.get(), i2d_PKCS12);
}

}  // namespace midks::fmt
