#include "bcfks.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/objects.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <optional>

#include "der_reader.hpp"
#include "key_protection.hpp"
#include "midks/limits.hpp"
#include "midks/ossl.hpp"
#include "midks/utf8.hpp"
#include "pkcs8.hpp"

namespace midks::fmt {

namespace {

// BcFKSKeyStoreSpi's ObjectData types.
enum ObjectType : std::uint64_t { kCertificate = 0, kPrivateKey = 1, kSecretKey = 2, kProtectedPrivateKey = 3, kProtectedSecretKey = 4 };

constexpr std::uint8_t kTagUtf8String = 0x0C;
constexpr std::uint8_t kTagGeneralizedTime = 0x18;

constexpr std::size_t kSaltLen = 64;        // BC: 512 / 8
constexpr std::size_t kAesKeyLen = 32;      // AES-256
constexpr std::size_t kMacKeyLen = 64;      // BC: 512 / 8 for the HMAC key
constexpr std::size_t kCcmNonceLen = 12;    // what BC's AES/CCM generates
constexpr std::size_t kCcmTagLen = 8;       // … and its default MAC size (64 bits), as BC writes it

const Oid& oid_pbes2() { static const Oid o("1.2.840.113549.1.5.13"); return o; }
const Oid& oid_pbkdf2() { static const Oid o("1.2.840.113549.1.5.12"); return o; }
const Oid& oid_scrypt() { static const Oid o("1.3.6.1.4.1.11591.4.11"); return o; }
const Oid& oid_hmac_sha512() { static const Oid o("1.2.840.113549.2.11"); return o; }
const Oid& oid_hmac_sha3_512() { static const Oid o("2.16.840.1.101.3.4.2.16"); return o; }
const Oid& oid_aes256_ccm() { static const Oid o("2.16.840.1.101.3.4.1.47"); return o; }
const Oid& oid_aes256_kwp() { static const Oid o("2.16.840.1.101.3.4.1.48"); return o; }

// ---- DER building: the few shapes BCFKS needs, lengths in their shortest form ----

template <typename Out>
void put(Out& out, ByteView bytes) {
  if constexpr (std::is_same_v<Out, SecureBytes>)
    out.append(bytes);
  else
    out.insert(out.end(), bytes.begin(), bytes.end());
}

template <typename Out = Bytes>
Out tlv(std::uint8_t tag, std::initializer_list<ByteView> parts) {
  std::size_t len = 0;
  for (ByteView p : parts) len += p.size();
  std::uint8_t header[2 + sizeof(std::size_t)];
  std::size_t n = 0;
  header[n++] = tag;
  if (len < 0x80) {
    header[n++] = static_cast<std::uint8_t>(len);
  } else {
    std::size_t bytes = 0;
    for (std::size_t v = len; v; v >>= 8) ++bytes;
    header[n++] = static_cast<std::uint8_t>(0x80 | bytes);
    for (std::size_t i = bytes; i-- > 0;) header[n++] = static_cast<std::uint8_t>(len >> (8 * i));
  }
  Out out;
  put(out, ByteView(header, n));
  for (ByteView p : parts) put(out, p);
  return out;
}

Bytes der_oid(const Oid& oid) { return tlv(der::kOid, {oid.content()}); }
Bytes der_octets(ByteView v) { return tlv(der::kOctetString, {v}); }
Bytes der_null() { return tlv(der::kNull, {}); }

Bytes der_uint(std::uint64_t v) {
  Bytes content;
  for (int i = 7; i >= 0; --i) {
    auto b = static_cast<std::uint8_t>(v >> (8 * i));
    if (content.empty() && b == 0 && i > 0) continue;
    if (content.empty() && (b & 0x80)) content.push_back(0);  // stays positive
    content.push_back(b);
  }
  return tlv(der::kInteger, {content});
}

// GeneralizedTime in DER: YYYYMMDDHHMMSS[.fff]Z, the fraction without trailing zeros (what BC's
// DERGeneralizedTime writes for a java.util.Date).
Bytes der_time(std::int64_t ms) {
  std::int64_t secs = ms / 1000, frac = ms % 1000;
  if (frac < 0) frac += 1000, --secs;
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  if (!OPENSSL_gmtime(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
    fail(ErrorCode::ENTRY_NOT_STORABLE, "a date outside the years 0-9999 cannot be stored in BCFKS");
  char text[32];
  int n = std::snprintf(text, sizeof text, "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                        tm.tm_min, tm.tm_sec);
  if (frac) {
    n += std::snprintf(text + n, sizeof text - static_cast<std::size_t>(n), ".%03d", static_cast<int>(frac));
    while (text[n - 1] == '0') --n;
  }
  text[n++] = 'Z';
  return tlv(kTagGeneralizedTime, {ByteView(reinterpret_cast<const std::uint8_t*>(text), static_cast<std::size_t>(n))});
}

// ---- reading the fields ----

// A non-negative INTEGER; UINT64_MAX if negative or too large, so that it fails every bound.
std::uint64_t read_uint(const DerElement& e, DerReader& r, const std::string& field) {
  if (e.tag != der::kInteger || e.content.empty()) r.fail_at(e.offset, field + " is not an INTEGER");
  if (e.content[0] & 0x80) return UINT64_MAX;
  std::size_t i = 0;
  while (i + 1 < e.content.size() && e.content[i] == 0) ++i;
  if (e.content.size() - i > 8) return UINT64_MAX;
  std::uint64_t v = 0;
  for (; i < e.content.size(); ++i) v = (v << 8) | e.content[i];
  return v;
}

[[noreturn]] void corrupt(const std::string& problem) {
  fail(ErrorCode::KEYSTORE_CORRUPT, "BCFKS keystore is corrupt or not supported: " + problem);
}

// days_from_civil (H. Hinnant): days since 1970-01-01 of a proleptic Gregorian date.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// A GeneralizedTime as BC writes it (UTC, "Z", optional fraction) -> ms since the epoch.
std::int64_t read_time(const DerElement& e, DerReader& r, const std::string& field) {
  if (e.tag != kTagGeneralizedTime) r.fail_at(e.offset, field + " is not a GeneralizedTime");
  std::string_view s(reinterpret_cast<const char*>(e.content.data()), e.content.size());
  auto digits = [&](std::size_t at, std::size_t n) -> int {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') r.fail_at(e.offset, field + " is not a valid time");
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() < 15 || s.back() != 'Z') r.fail_at(e.offset, field + " is not a UTC GeneralizedTime");
  int year = digits(0, 4), mon = digits(4, 2), day = digits(6, 2), hour = digits(8, 2), min = digits(10, 2), sec = digits(12, 2);
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
    r.fail_at(e.offset, field + " is not a valid time");
  std::int64_t ms = 0;
  if (s.size() > 15) {
    if (s[14] != '.' || s.size() == 16) r.fail_at(e.offset, field + " is not a valid time");
    int scale = 100;
    for (std::size_t i = 15; i + 1 < s.size(); ++i) {
      int digit = digits(i, 1);
      ms += digit * scale;  // beyond milliseconds, Java's Date drops the rest
      scale /= 10;
    }
  }
  return (days_from_civil(year, static_cast<unsigned>(mon), static_cast<unsigned>(day)) * 86400 + hour * 3600 + min * 60 + sec) * 1000 + ms;
}

// An AlgorithmIdentifier's OID and (optional) parameters.
struct AlgId {
  DerElement oid;
  std::optional<DerElement> params;
  ByteView encoded;
};

AlgId read_alg_id(DerReader& r, const std::string& field) {
  DerElement seq = r.next(der::kSequence, field);
  DerReader in = r.enter(seq);
  AlgId a{in.next(der::kOid, field + "'s algorithm"), std::nullopt, seq.encoded};
  if (!in.at_end()) a.params = in.next();
  in.expect_end(field);
  return a;
}

// PBKDF2 as a BCFKS object states it.
struct Kdf {
  ByteView salt;
  std::uint64_t iterations = 0;
  std::optional<std::uint64_t> key_length;
  const EVP_MD* prf = nullptr;
};

// A KeyDerivationFunc: PBKDF2 with HMAC-SHA512 or HMAC-SHA3-512 (BC's two PRFs). The iteration
// count (against limit) and key length are checked here, before any KDF can run.
Kdf read_kdf(DerReader& r, const std::string& what, std::uint64_t limit = limits::kMaxPbeIterations) {
  AlgId alg = read_alg_id(r, "the key-derivation function of " + what);
  if (oid_scrypt().is(alg.oid))
    fail(ErrorCode::UNSUPPORTED_ALGORITHM, what + " uses scrypt, which this version does not read in BCFKS stores (BC's default is PBKDF2)");
  if (!oid_pbkdf2().is(alg.oid) || !alg.params || alg.params->tag != der::kSequence)
    corrupt(what + " uses a key-derivation function other than PBKDF2");
  DerReader p = r.enter(*alg.params);
  Kdf k;
  k.salt = p.next(der::kOctetString, "the PBKDF2 salt").content;
  DerElement iter = p.next();
  k.iterations = read_uint(iter, p, "the PBKDF2 iteration count");
  check_iterations(k.iterations, limit, what);
  if (k.iterations == 0) corrupt(what + " asks for 0 PBKDF2 iterations");
  if (p.peek_tag() == der::kInteger) {
    DerElement len = p.next();
    k.key_length = read_uint(len, p, "the PBKDF2 key length");
    if (*k.key_length == 0 || *k.key_length > limits::kMaxBcfksDerivedKeyBytes)
      corrupt(what + " asks PBKDF2 for a " + std::to_string(*k.key_length) + "-byte key (at most " +
              std::to_string(limits::kMaxBcfksDerivedKeyBytes) + ")");
  }
  if (p.at_end()) corrupt(what + " uses PBKDF2 with HMAC-SHA1, which BCFKS never writes");
  AlgId prf = read_alg_id(p, "the PBKDF2 PRF");
  p.expect_end("the PBKDF2 parameters");
  if (oid_hmac_sha512().is(prf.oid))
    k.prf = EVP_sha512();
  else if (oid_hmac_sha3_512().is(prf.oid))
    k.prf = EVP_sha3_512();
  else
    corrupt(what + " uses a PBKDF2 PRF other than HMAC-SHA512 and HMAC-SHA3-512");
  return k;
}

// UTF-16BE with a 2-byte NUL, nothing for an empty text: BC's PKCS12PasswordToBytes.
void append_pkcs12_chars(SecureBytes& out, const Password& text) {
  if (text.empty()) return;
  out.append(text.utf16be().view());
  const std::uint8_t nul[2] = {0, 0};
  out.append(ByteView(nul, 2));
}

// BC's generateKey: PBKDF2 over password bytes || purpose bytes.
SecureBytes derive(const Kdf& k, const Password& password, const char* purpose, std::size_t default_length) {
  SecureBytes input;
  append_pkcs12_chars(input, password);
  append_pkcs12_chars(input, Password(purpose));
  SecureBytes key;
  key.resize(k.key_length ? static_cast<std::size_t>(*k.key_length) : default_length);
  if (!PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(input.data()), static_cast<int>(input.size()), k.salt.data(),
                         static_cast<int>(k.salt.size()), static_cast<int>(k.iterations), k.prf, static_cast<int>(key.size()), key.data()))
    ossl::throw_last(ErrorCode::INTERNAL, "PBKDF2 failed");
  return key;
}

// PBES2 { PBKDF2, AES-256-CCM (CCMParameters) | AES-256-KWP } as BC protects every object.
struct Pbes2 {
  Kdf kdf;
  bool ccm = true;
  ByteView nonce;
  std::size_t tag_len = 12;  // CCMParameters' DEFAULT
};

Pbes2 read_pbes2(const AlgId& alg, DerReader& r, const std::string& what) {
  if (!oid_pbes2().is(alg.oid) || !alg.params || alg.params->tag != der::kSequence)
    corrupt(what + " is not protected with PBES2");
  DerReader p = r.enter(*alg.params);
  Pbes2 s;
  s.kdf = read_kdf(p, what);
  AlgId enc = read_alg_id(p, "the encryption scheme of " + what);
  p.expect_end("the PBES2 parameters");
  if (oid_aes256_ccm().is(enc.oid)) {
    if (!enc.params || enc.params->tag != der::kSequence) corrupt(what + ": AES-CCM without its parameters");
    DerReader c = p.enter(*enc.params);
    s.nonce = c.next(der::kOctetString, "the CCM nonce").content;
    if (!c.at_end()) s.tag_len = static_cast<std::size_t>(std::min<std::uint64_t>(read_uint(c.next(), c, "the CCM tag length"), 255));
    c.expect_end("the CCM parameters");
    if (s.nonce.size() < 7 || s.nonce.size() > 13 || s.tag_len < 4 || s.tag_len > 16 || s.tag_len % 2)
      corrupt(what + ": AES-CCM with a " + std::to_string(s.nonce.size()) + "-byte nonce and a " + std::to_string(s.tag_len) +
              "-byte tag");
  } else if (oid_aes256_kwp().is(enc.oid)) {
    s.ccm = false;
  } else {
    corrupt(what + " is encrypted with an algorithm other than AES-256-CCM and AES-256-KWP");
  }
  return s;
}

// Decrypts and authenticates; nullopt when the key does not (a wrong password).
std::optional<SecureBytes> aes_open(const Pbes2& s, const SecureBytes& key, ByteView in) {
  ossl::CipherCtxPtr ctx(ossl::check_alloc(EVP_CIPHER_CTX_new(), "EVP_CIPHER_CTX_new"));
  SecureBytes out;
  int n = 0, m = 0;
  if (s.ccm) {
    if (in.size() < s.tag_len) return std::nullopt;
    const std::size_t body = in.size() - s.tag_len;
    out.resize(std::max<std::size_t>(body, 1));
    if (!EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_ccm(), nullptr, nullptr, nullptr) ||
        !EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(s.nonce.size()), nullptr) ||
        !EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(s.tag_len), const_cast<std::uint8_t*>(in.data() + body)) ||
        !EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), s.nonce.data()))
      ossl::throw_last(ErrorCode::INTERNAL, "AES-CCM set-up failed");
    // CCM authenticates in its one update call; failure there is the tag not matching.
    if (!EVP_DecryptUpdate(ctx.get(), out.data(), &n, in.data(), static_cast<int>(body))) {
      ossl::drain_errors();
      return std::nullopt;
    }
    out.resize(static_cast<std::size_t>(n));
    return out;
  }
  out.resize(in.size() + 16);
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (!EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_wrap_pad(), nullptr, key.data(), nullptr))
    ossl::throw_last(ErrorCode::INTERNAL, "AES-KWP set-up failed");
  if (!EVP_DecryptUpdate(ctx.get(), out.data(), &n, in.data(), static_cast<int>(in.size())) ||
      !EVP_DecryptFinal_ex(ctx.get(), out.data() + n, &m)) {
    ossl::drain_errors();
    return std::nullopt;
  }
  out.resize(static_cast<std::size_t>(n + m));
  return out;
}

// Reads PBES2 parameters from an AlgorithmIdentifier's DER (a sealed key's own).
std::optional<SecureBytes> open_sealed(ByteView alg_der, ByteView ciphertext, const Password& password, const char* purpose,
                                       const std::string& what) {
  DerReader r(alg_der, what);
  AlgId alg = read_alg_id(r, what);
  Pbes2 s = read_pbes2(alg, r, what);
  return aes_open(s, derive(s.kdf, password, purpose, kAesKeyLen), ciphertext);
}

// ---- writing ----

// AlgorithmIdentifier of PBKDF2-HMAC-SHA512 with a fresh salt, and the Kdf to derive with it.
struct NewKdf {
  Bytes salt;
  Kdf kdf;
  Bytes der;
};

NewKdf new_kdf(int iterations, std::size_t key_length) {
  NewKdf k;
  k.salt = ossl::random_bytes(kSaltLen);
  k.kdf = Kdf{k.salt, static_cast<std::uint64_t>(iterations), key_length, EVP_sha512()};
  Bytes prf = tlv(der::kSequence, {der_oid(oid_hmac_sha512()), der_null()});
  Bytes params = tlv(der::kSequence, {der_octets(k.salt), der_uint(static_cast<std::uint64_t>(iterations)), der_uint(key_length), prf});
  k.der = tlv(der::kSequence, {der_oid(oid_pbkdf2()), params});
  return k;
}

// PBES2 AlgorithmIdentifier and the AES-256-CCM ciphertext (with its tag) of plain.
std::pair<Bytes, Bytes> aes_seal(ByteView plain, const Password& password, const char* purpose, int iterations) {
  NewKdf k = new_kdf(iterations, kAesKeyLen);
  SecureBytes key = derive(k.kdf, password, purpose, kAesKeyLen);
  Bytes nonce = ossl::random_bytes(kCcmNonceLen);
  ossl::CipherCtxPtr ctx(ossl::check_alloc(EVP_CIPHER_CTX_new(), "EVP_CIPHER_CTX_new"));
  Bytes out(plain.size() + kCcmTagLen);
  int n = 0, m = 0;
  if (!EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_ccm(), nullptr, nullptr, nullptr) ||
      !EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(kCcmNonceLen), nullptr) ||
      !EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kCcmTagLen), nullptr) ||
      !EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce.data()) ||
      !EVP_EncryptUpdate(ctx.get(), out.data(), &n, plain.data(), static_cast<int>(plain.size())) ||
      !EVP_EncryptFinal_ex(ctx.get(), out.data() + n, &m) ||
      !EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kCcmTagLen), out.data() + plain.size()))
    ossl::throw_last(ErrorCode::ENTRY_NOT_STORABLE, "AES-CCM encryption failed (a store over 16 MiB cannot be written with a 12-byte nonce)");
  Bytes ccm = tlv(der::kSequence, {der_octets(nonce), der_uint(kCcmTagLen)});
  Bytes scheme = tlv(der::kSequence, {der_oid(oid_aes256_ccm()), ccm});
  Bytes alg = tlv(der::kSequence, {der_oid(oid_pbes2()), tlv(der::kSequence, {k.der, scheme})});
  return {std::move(alg), std::move(out)};
}

Bytes hmac(const SecureBytes& key, ByteView data, const EVP_MD* md = EVP_sha512()) {
  Bytes mac(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (!HMAC(md, key.data(), static_cast<int>(key.size()), data.data(), data.size(), mac.data(), &len))
    ossl::throw_last(ErrorCode::INTERNAL, "HMAC failed");
  mac.resize(len);
  return mac;
}

// BC names a secret key's algorithm by these OIDs (BcFKSKeyStoreSpi's oidMap; any "AES…" is AES).
struct SecretName {
  const char* java;
  const char* oid;
};
constexpr SecretName kSecretNames[] = {
    {"AES", "2.16.840.1.101.3.4.1"},          {"DESede", "1.3.14.3.2.17"},          {"HmacSHA1", "1.2.840.113549.2.7"},
    {"HmacSHA224", "1.2.840.113549.2.8"},     {"HmacSHA256", "1.2.840.113549.2.9"}, {"HmacSHA384", "1.2.840.113549.2.10"},
    {"HmacSHA512", "1.2.840.113549.2.11"},    {"SEED", "1.2.410.200004.1.4"},
};

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  return s;
}

const char* secret_oid_for(const std::string& java_name) {
  std::string u = upper(java_name);
  if (u.find("AES") != std::string::npos) return kSecretNames[0].oid;
  if (u == "TRIPLEDES" || u == "TDEA") return kSecretNames[1].oid;
  for (const SecretName& n : kSecretNames)
    if (upper(n.java) == u) return n.oid;
  return nullptr;
}

std::string secret_name_for(const DerElement& oid) {
  for (const SecretName& n : kSecretNames)
    if (Oid(n.oid).is(oid)) return n.java;
  const unsigned char* p = oid.encoded.data();
  ossl::AsnObjectPtr obj(d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(oid.encoded.size())));
  if (!obj) return "unknown";
  char dotted[80];
  OBJ_obj2txt(dotted, sizeof dotted, obj.get(), 1);
  return dotted;
}

Bytes object_data(ObjectType type, const Entry& e, ByteView data) {
  Bytes alias(e.alias.begin(), e.alias.end());
  Bytes when = der_time(e.created_ms);
  return tlv(der::kSequence, {der_uint(type), tlv(kTagUtf8String, {alias}), when, when, der_octets(data)});
}

Bytes key_object(const Entry& e, const Password& key_password, int iterations) {
  if (e.chain.empty()) fail(ErrorCode::ENTRY_NOT_STORABLE, "private key entry '" + e.alias + "' has no certificate chain");
  Bytes epki;
  if (!e.plain.empty()) {
    auto [alg, sealed] = aes_seal(e.plain.view(), key_password, "PRIVATE_KEY_ENCRYPTION", iterations);
    epki = tlv(der::kSequence, {alg, der_octets(sealed)});
  } else if (e.sealed_as == SealFormat::BcfksPrivateKey) {
    epki = e.sealed;
  } else {
    fail(ErrorCode::ENTRY_NOT_STORABLE, "the key of entry '" + e.alias + "' is sealed in another keystore format, which BCFKS "
                                        "cannot hold: open the key with its password first, so that it is protected anew");
  }
  Bytes certs;
  for (const Bytes& c : e.chain) certs.insert(certs.end(), c.begin(), c.end());
  return object_data(kPrivateKey, e, tlv(der::kSequence, {epki, tlv(der::kSequence, {certs})}));
}

Bytes secret_object(const Entry& e, const Password& key_password, int iterations) {
  if (!e.plain.empty()) {
    const char* oid = secret_oid_for(e.secret_algorithm);
    if (!oid)
      fail(ErrorCode::ENTRY_NOT_STORABLE, "secret key '" + e.alias + "' (" + (e.secret_algorithm.empty() ? "unknown algorithm" : e.secret_algorithm) +
                                              ") has an algorithm BCFKS cannot name");
    SecureBytes key_data = tlv<SecureBytes>(der::kSequence, {der_oid(Oid(oid)), tlv<SecureBytes>(der::kOctetString, {e.plain.view()}).view()});
    auto [alg, sealed] = aes_seal(key_data.view(), key_password, "SECRET_KEY_ENCRYPTION", iterations);
    return object_data(kSecretKey, e, tlv(der::kSequence, {alg, der_octets(sealed)}));
  }
  if (e.sealed_as == SealFormat::BcfksSecretKey) return object_data(kSecretKey, e, e.sealed);
  fail(ErrorCode::ENTRY_NOT_STORABLE, "secret key '" + e.alias + "' is sealed in another keystore format: open it with its password "
                                      "first, so that it is protected anew");
}

// ---- reading the store ----

Entry read_object(DerReader& objects) {
  DerElement seq = objects.next(der::kSequence, "an object");
  DerReader o = objects.enter(seq);
  Entry e;
  const std::uint64_t type = read_uint(o.next(), o, "the object type");
  DerElement alias = o.next(kTagUtf8String, "the alias");
  e.alias.assign(reinterpret_cast<const char*>(alias.content.data()), alias.content.size());
  for (std::size_t i = 0; i < e.alias.size();) {
    char32_t cp = 0;
    if (!utf8::next(e.alias, i, cp)) o.fail_at(alias.offset, "the alias is not valid UTF-8");
  }
  read_time(o.next(), o, "the creation date");
  // Java's getCreationDate() of a BCFKS entry is its last-modified date: that is what keytool lists.
  e.created_ms = read_time(o.next(), o, "the last-modified date");
  DerElement data = o.next(der::kOctetString, "the object data");
  if (!o.at_end()) o.next(kTagUtf8String, "the comment");
  o.expect_end("the object");

  const std::string what = "entry '" + e.alias + "'";
  DerReader d(data.content, "the data of " + what, data.offset + (data.encoded.size() - data.content.size()));
  switch (type) {
    case kCertificate:
      e.kind = EntryKind::TrustedCert;
      ossl::parse_cert_der(data.content);
      e.chain.emplace_back(data.content.begin(), data.content.end());
      break;
    case kPrivateKey:
    case kProtectedPrivateKey: {
      // EncryptedPrivateKeyData ::= SEQUENCE { EncryptedPrivateKeyInfo, SEQUENCE OF Certificate }
      e.kind = EntryKind::PrivateKey;
      DerReader kd = d.enter(d.next(der::kSequence, "the encrypted private key data"));
      d.expect_end("the encrypted private key data");
      DerElement epki = kd.next(der::kSequence, "the EncryptedPrivateKeyInfo");
      DerReader certs = kd.enter(kd.next(der::kSequence, "the certificate chain"));
      kd.expect_end("the encrypted private key data");
      {
        DerReader ei = kd.enter(epki);
        AlgId alg = read_alg_id(ei, "the key protection of " + what);
        read_pbes2(alg, ei, "the key of " + what);  // a hostile cost is refused at load, as in PKCS#12
        ei.next(der::kOctetString, "the encrypted key");
        ei.expect_end("the EncryptedPrivateKeyInfo");
      }
      while (!certs.at_end()) {
        if (e.chain.size() >= limits::kMaxBcfksChainLength) corrupt(what + " has more than " + std::to_string(limits::kMaxBcfksChainLength) + " certificates");
        DerElement c = certs.next(der::kSequence, "a certificate");
        ossl::parse_cert_der(c.encoded);
        e.chain.emplace_back(c.encoded.begin(), c.encoded.end());
      }
      if (e.chain.empty()) corrupt(what + " is a private key without a certificate");
      e.sealed.assign(epki.encoded.begin(), epki.encoded.end());
      e.sealed_as = SealFormat::BcfksPrivateKey;
      break;
    }
    case kSecretKey:
    case kProtectedSecretKey: {
      // EncryptedSecretKeyData ::= SEQUENCE { keyEncryptionAlgorithm, encryptedKeyData OCTET STRING }
      e.kind = EntryKind::SecretKey;
      DerReader sk = d.enter(d.next(der::kSequence, "the encrypted secret key data"));
      d.expect_end("the encrypted secret key data");
      AlgId alg = read_alg_id(sk, "the key protection of " + what);
      read_pbes2(alg, sk, "the secret key of " + what);
      sk.next(der::kOctetString, "the encrypted key");
      sk.expect_end("the encrypted secret key data");
      e.sealed.assign(data.content.begin(), data.content.end());
      e.sealed_as = SealFormat::BcfksSecretKey;
      break;
    }
    default:
      corrupt(what + " has object type " + (type == UINT64_MAX ? std::string("(unreadable)") : std::to_string(type)) +
              ", which Bouncy Castle does not write");
  }
  return e;
}

}  // namespace

// ObjectStoreData: version, integrityAlgorithm (must be the MAC's), dates, objects, comment?
Keystore read_bcfks_store_data(ByteView plain, ByteView mac_alg) {
  Keystore ks(StoreType::Bcfks);
  DerReader r(plain, "the decrypted BCFKS store data");
  DerReader s = r.enter(r.next(der::kSequence, "the store data"));
  r.expect_end("the store data");
  if (read_uint(s.next(), s, "the store version") != 1) corrupt("store data version is not 1");
  AlgId integrity = read_alg_id(s, "the integrity algorithm");
  if (!mac_alg.empty() && !std::ranges::equal(integrity.encoded, mac_alg))
    corrupt("the store data names another integrity algorithm than its integrity check");
  read_time(s.next(), s, "the store's creation date");
  read_time(s.next(), s, "the store's last-modified date");
  DerReader objects = s.enter(s.next(der::kSequence, "the object data sequence"));
  if (!s.at_end()) s.next(kTagUtf8String, "the store comment");
  s.expect_end("the store data");
  std::size_t count = 0;
  while (!objects.at_end()) {
    if (++count > limits::kMaxBcfksObjects)
      corrupt("more than " + std::to_string(limits::kMaxBcfksObjects) + " objects");
    ks.put(read_object(objects), Keystore::AliasCase::AsFound);  // BC keeps aliases as given; a repeat: the last wins
  }
  return ks;
}

namespace {

Keystore read_unchecked(ByteView data, const Password& password) {
  DerReader file(data, "the BCFKS keystore");
  DerElement store = file.next(der::kSequence, "the object store");
  file.expect_end("the object store");
  DerReader in = file.enter(store);
  DerElement store_data = in.next(der::kSequence, "the store data");
  DerElement check = in.next();
  in.expect_end("the object store");
  if (check.tag == der::context(0))
    fail(ErrorCode::UNSUPPORTED_ALGORITHM, "this BCFKS keystore is protected by a signature (BCFKSLoadStoreParameter with a "
                                           "signing key), which this version does not verify; only password-protected (HMAC) stores are read");
  if (check.tag != der::kSequence) corrupt("the integrity check is neither an HMAC nor a signature");

  // PbkdMacIntegrityCheck ::= SEQUENCE { macAlgorithm, pbkdAlgorithm, mac OCTET STRING }
  DerReader c = in.enter(check);
  AlgId mac_alg = read_alg_id(c, "the integrity MAC algorithm");
  const EVP_MD* mac_md = oid_hmac_sha512().is(mac_alg.oid)     ? EVP_sha512()
                         : oid_hmac_sha3_512().is(mac_alg.oid) ? EVP_sha3_512()
                                                               : nullptr;
  if (!mac_md) corrupt("the integrity MAC is neither HMAC-SHA512 nor HMAC-SHA3-512");
  Kdf mac_kdf = read_kdf(c, "the integrity MAC of the keystore", limits::kMaxMacIterations);
  if (!mac_kdf.key_length) corrupt("the integrity MAC's PBKDF2 has no key length");
  DerElement mac = c.next(der::kOctetString, "the MAC");
  c.expect_end("the integrity check");

  // BC's MAC covers the DER of the store data as it is in the file.
  auto verify_mac = [&] {
    Bytes mac_now = hmac(derive(mac_kdf, password, "INTEGRITY_CHECK", kMacKeyLen), store_data.encoded, mac_md);
    if (mac_now.size() != mac.content.size() || CRYPTO_memcmp(mac_now.data(), mac.content.data(), mac_now.size()) != 0)
      fail(ErrorCode::WRONG_STORE_PASSWORD, "keystore password is incorrect, or the file was altered after it was written (BCFKS integrity MAC check failed)");
  };

  // The store's own encryption, read (and its cost checked) before any KDF runs.
  DerReader sd = in.enter(store_data);
  if (sd.peek_tag() == der::kInteger) {
    // An unencrypted ObjectStoreData (BC reads it; it writes none): the MAC still covers it.
    verify_mac();
    return read_bcfks_store_data(store_data.encoded, mac_alg.encoded);
  }
  AlgId enc_alg = read_alg_id(sd, "the store encryption");
  Pbes2 enc = read_pbes2(enc_alg, sd, "the store encryption of the keystore");
  DerElement encrypted = sd.next(der::kOctetString, "the encrypted store data");
  sd.expect_end("the encrypted store data");

  verify_mac();
  std::optional<SecureBytes> plain = aes_open(enc, derive(enc.kdf, password, "STORE_ENCRYPTION", kAesKeyLen), encrypted.content);
  if (!plain) corrupt("the store data does not decrypt with the password its MAC verifies with");
  return read_bcfks_store_data(plain->view(), mac_alg.encoded);
}

}  // namespace

bool looks_like_bcfks(ByteView data) {
  auto outer = peek_der_header(data);
  if (!outer || outer->tag != der::kSequence) return false;
  ByteView inside = data.subspan(outer->header_length);
  if (outer->header_length + outer->content_length > data.size()) {
    // Cut short: the first inner element tells it from a PKCS#12 PFX (INTEGER version).
    auto first = peek_der_header(inside);
    return first && first->tag == der::kSequence;
  }
  DerReader file(data, "the keystore");
  auto store = file.try_next();  // bytes after it: a damaged BCFKS store, which its reader reports
  if (!store) return false;
  DerReader in = file.enter(*store);
  auto content = in.try_next();
  if (!content || content->tag != der::kSequence) return false;
  auto check = in.try_next();
  return check && (check->tag == der::kSequence || check->tag == der::context(0)) && in.at_end();
}

Keystore read_bcfks(ByteView data, const Password& password) {
  auto outer = peek_der_header(data);
  if (outer && outer->header_length + outer->content_length > data.size())
    fail(ErrorCode::KEYSTORE_TRUNCATED, "BCFKS keystore is truncated: it says " + std::to_string(outer->header_length + outer->content_length) +
                                            " bytes, the file has " + std::to_string(data.size()));
  try {
    return read_unchecked(data, password);
  } catch (const Error& e) {
    // Past the length check every malformed element is damage, not truncation.
    if (e.code_id() == ErrorCode::DER_MALFORMED || e.code_id() == ErrorCode::CERTIFICATE_INVALID)
      throw e.recoded(ErrorCode::KEYSTORE_CORRUPT);
    throw;
  }
}

SecureBytes open_bcfks_private_key(ByteView epki, const Password& key_password) {
  DerReader r(epki, "the BCFKS private key");
  DerReader in = r.enter(r.next(der::kSequence, "the EncryptedPrivateKeyInfo"));
  DerElement alg = in.next(der::kSequence, "the key protection");
  DerElement data = in.next(der::kOctetString, "the encrypted key");
  std::optional<SecureBytes> plain = open_sealed(alg.encoded, data.content, key_password, "PRIVATE_KEY_ENCRYPTION", "the private key");
  if (!plain) fail(ErrorCode::WRONG_KEY_PASSWORD, "key password is incorrect (AES-CCM authentication of the private key failed)");
  if (!parse_pkcs8(plain->view()))
    fail(ErrorCode::WRONG_KEY_PASSWORD, "key password is incorrect (decrypted data is not a private key)");
  return std::move(*plain);
}

SecureBytes open_bcfks_secret_key(ByteView encrypted, const Password& key_password, std::string& algorithm) {
  DerReader r(encrypted, "the BCFKS secret key");
  DerReader in = r.enter(r.next(der::kSequence, "the encrypted secret key data"));
  DerElement alg = in.next(der::kSequence, "the key protection");
  DerElement data = in.next(der::kOctetString, "the encrypted key");
  std::optional<SecureBytes> plain = open_sealed(alg.encoded, data.content, key_password, "SECRET_KEY_ENCRYPTION", "the secret key");
  if (!plain) fail(ErrorCode::WRONG_KEY_PASSWORD, "key password is incorrect (AES-CCM authentication of the secret key failed)");
  // SecretKeyData ::= SEQUENCE { keyAlgorithm OBJECT IDENTIFIER, keyBytes OCTET STRING }
  try {
    DerReader k(plain->view(), "the decrypted secret key");
    DerReader f = k.enter(k.next(der::kSequence, "SecretKeyData"));
    DerElement oid = f.next(der::kOid, "the key algorithm");
    DerElement bytes = f.next(der::kOctetString, "the key bytes");
    f.expect_end("SecretKeyData");
    algorithm = secret_name_for(oid);
    return SecureBytes(bytes.content);
  } catch (const Error& e) {
    if (e.code_id() == ErrorCode::DER_MALFORMED) throw e.recoded(ErrorCode::KEYSTORE_CORRUPT);
    throw;
  }
}

Bytes write_bcfks(const Keystore& ks, const Password& password, int iterations) {
  Bytes objects;
  for (const Entry& e : ks.entries()) {
    const Password& key_password = e.key_password ? *e.key_password : password;
    Bytes object;
    switch (e.kind) {
      case EntryKind::PrivateKey:
        object = key_object(e, key_password, iterations);
        break;
      case EntryKind::TrustedCert:
        if (e.chain.size() != 1) fail(ErrorCode::ENTRY_NOT_STORABLE, "trusted entry '" + e.alias + "' must hold exactly one certificate");
        object = object_data(kCertificate, e, e.chain.front());
        break;
      case EntryKind::SecretKey:
        object = secret_object(e, key_password, iterations);
        break;
    }
    objects.insert(objects.end(), object.begin(), object.end());
  }
  const Bytes mac_alg = tlv(der::kSequence, {der_oid(oid_hmac_sha512()), der_null()});
  // The store's own dates are not in the model: a written store is created and modified now.
  const Bytes now = der_time(now_ms());
  Bytes store_data = tlv(der::kSequence, {der_uint(1), mac_alg, now, now, tlv(der::kSequence, {objects})});
  auto [enc_alg, encrypted] = aes_seal(store_data, password, "STORE_ENCRYPTION", iterations);
  Bytes encrypted_store = tlv(der::kSequence, {enc_alg, der_octets(encrypted)});
  NewKdf mac_kdf = new_kdf(iterations, kMacKeyLen);
  Bytes mac = hmac(derive(mac_kdf.kdf, password, "INTEGRITY_CHECK", kMacKeyLen), encrypted_store);
  Bytes check = tlv(der::kSequence, {mac_alg, mac_kdf.der, der_octets(mac)});
  return tlv(der::kSequence, {encrypted_store, check});
}

}  // namespace midks::fmt
