// Owning handles for every OpenSSL object the engine touches, and OpenSSL error-queue draining.
#pragma once
#include <openssl/bio.h>
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "midks/error.hpp"
#include "midks/secure.hpp"

namespace midks::ossl {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { Free(p); }
};
template <typename T, void (*Free)(T*)>
using Handle = std::unique_ptr<T, Deleter<T, Free>>;

inline void free_x509_stack(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
inline void free_bag_stack(STACK_OF(PKCS12_SAFEBAG) * s) { sk_PKCS12_SAFEBAG_pop_free(s, PKCS12_SAFEBAG_free); }
inline void free_p7_stack(STACK_OF(PKCS7) * s) { sk_PKCS7_pop_free(s, PKCS7_free); }
inline void free_provider(OSSL_PROVIDER* p) { OSSL_PROVIDER_unload(p); }
inline void free_bio(BIO* b) { BIO_free_all(b); }
inline void free_cstr(char* s) { OPENSSL_free(s); }

using X509Ptr = Handle<X509, X509_free>;
using X509StackPtr = Handle<STACK_OF(X509), free_x509_stack>;
using PkeyPtr = Handle<EVP_PKEY, EVP_PKEY_free>;
using PkeyCtxPtr = Handle<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using BioPtr = Handle<BIO, free_bio>;
using Pkcs12Ptr = Handle<PKCS12, PKCS12_free>;
using SafeBagPtr = Handle<PKCS12_SAFEBAG, PKCS12_SAFEBAG_free>;
using SafeBagStackPtr = Handle<STACK_OF(PKCS12_SAFEBAG), free_bag_stack>;
using Pkcs7Ptr = Handle<PKCS7, PKCS7_free>;
using Pkcs7StackPtr = Handle<STACK_OF(PKCS7), free_p7_stack>;
using Pkcs8InfoPtr = Handle<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>;
using X509SigPtr = Handle<X509_SIG, X509_SIG_free>;
using AsnObjectPtr = Handle<ASN1_OBJECT, ASN1_OBJECT_free>;
using CipherCtxPtr = Handle<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;
using MdCtxPtr = Handle<EVP_MD_CTX, EVP_MD_CTX_free>;
using ProviderPtr = Handle<OSSL_PROVIDER, free_provider>;
using CStrPtr = Handle<char, free_cstr>;
using DecoderCtxPtr = Handle<OSSL_DECODER_CTX, OSSL_DECODER_CTX_free>;

// Empties OpenSSL's error queue into one readable string ("" if empty). Never print the queue raw.
std::string drain_errors();

// Throws Error(kind, what + ": " + OpenSSL's reason) and clears the queue.
[[noreturn]] void throw_last(ErrorCode code, const std::string& what);

// Throws Error(ErrorKind::Io, code INTERNAL): OpenSSL could not allocate or do something that cannot
// fail for a reason of the input's (out of memory, a missing built-in algorithm). what names it.
[[noreturn]] void fail_internal(const std::string& what);

// p, or fail_internal(what) if it is null: for every OpenSSL constructor (X509_SIG_new, BIO_new…).
template <typename T>
T* check_alloc(T* p, const char* what) {
  if (!p) fail_internal(what);
  return p;
}

namespace detail {
template <typename Out, typename T>
Out der_into(const T* obj, int (*i2d)(const T*, unsigned char**)) {
  int len = i2d(obj, nullptr);
  if (len <= 0) throw_last(ErrorCode::INTERNAL, "DER encoding failed");
  Out out;
  out.resize(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  if (i2d(obj, &p) != len) throw_last(ErrorCode::INTERNAL, "DER encoding failed");
  return out;
}
}  // namespace detail

// DER encode any i2d-able object into a byte vector.
template <typename T>
Bytes to_der(const T* obj, int (*i2d)(const T*, unsigned char**)) {
  return detail::der_into<Bytes>(obj, i2d);
}
// The same for an object that holds a secret (a private key): encoded straight into self-wiping
// storage, with no copy left behind.
template <typename T>
SecureBytes to_secret_der(const T* obj, int (*i2d)(const T*, unsigned char**)) {
  return detail::der_into<SecureBytes>(obj, i2d);
}

X509Ptr parse_cert_der(ByteView der);
Bytes cert_der(const X509* cert);
ByteView octets(const ASN1_OCTET_STRING* s);

// Loads OpenSSL 3's "legacy" provider (RC2, RC4, DES…) next to "default" once per process,
// only when a legacy algorithm is actually met.
void ensure_legacy_provider();
bool legacy_provider_loaded();

// Runs attempt() (false or null: it failed); if it failed and the legacy provider is not loaded
// yet, loads it and runs attempt() once more (Windows certutil exports use RC2-40/3DES, which
// OpenSSL 3 keeps there). The one place that retry is written; returns the last result.
template <typename F>
auto with_legacy_retry(F&& attempt) -> decltype(attempt()) {
  auto result = attempt();
  if (result || legacy_provider_loaded()) return result;
  drain_errors();
  ensure_legacy_provider();
  return attempt();
}

// Cryptographically strong random bytes.
Bytes random_bytes(std::size_t n);

// Makes SHA-256 Hash_DRBG (SP 800-90A, 256-bit strength like OpenSSL's default AES-256 CTR_DRBG)
// the random generator unless openssl.cnf chooses one: called before anything loads the config,
// whose [random] section then still wins. CTR_DRBG's set-up fetches the whole cipher store (3.5 M
// instructions of a 27.6 M import into JKS); Hash_DRBG reuses the digest a keystore fetches anyway.
void prefer_hash_drbg();

// Starts OpenSSL for the program; called first in main(), before any other OpenSSL call.
// - It leaves OpenSSL's global state to the exit: its atexit clean-up frees every method store
//   entry by entry (0.9 M instructions of an 18 M import) only for the kernel to release the pages.
// - An OpenSSL built into the program (the portable Linux build, the Windows .exe) reads no
//   openssl.cnf unless OPENSSL_CONF names one. The host's file is written for the host's own
//   OpenSSL: RHEL's .includes crypto-policies and may activate providers (fips) that a built-in
//   OpenSSL with no module loading cannot load, so reading it would break or silently change
//   commands depending on the host. The program sets its own floors (key sizes, TLS 1.2, verified
//   chains) in code. The system's OpenSSL (a dynamic build) reads its openssl.cnf as always.
void start_library();

// "OpenSSL 3.5.7 27 Jan 2026, built in" or "…, the system's libcrypto": for --version.
std::string library_description();

}  // namespace midks::ossl
