#include "midks/ossl.hpp"

#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include <atomic>
#include <mutex>

namespace midks::ossl {

std::string drain_errors() {
  std::string out;
  unsigned long code;
  while ((code = ERR_get_error()) != 0) {
    const char* reason = ERR_reason_error_string(code);
    std::string text = reason ? reason : ("error " + std::to_string(code));
    if (out.find(text) == std::string::npos) out += (out.empty() ? "" : "; ") + text;
  }
  return out;
}

void throw_last(ErrorCode code, const std::string& what) {
  std::string reason = drain_errors();
  fail(code, reason.empty() ? what : what + " (" + reason + ")");
}

void fail_internal(const std::string& what) {
  std::string reason = drain_errors();
  fail(ErrorCode::INTERNAL, what + " failed: out of memory or an internal OpenSSL error" + (reason.empty() ? "" : " (" + reason + ")"));
}

X509Ptr parse_cert_der(ByteView der) {
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != der.data() + der.size()) {
    drain_errors();
    fail(ErrorCode::CERTIFICATE_INVALID, "certificate is not valid DER-encoded X.509");
  }
  return cert;
}

Bytes cert_der(const X509* cert) { return to_der(cert, i2d_X509); }

ByteView octets(const ASN1_OCTET_STRING* s) {
  return {ASN1_STRING_get0_data(s), static_cast<std::size_t>(ASN1_STRING_length(s))};
}

namespace {
std::atomic<bool> legacy_loaded{false};
}

bool legacy_provider_loaded() { return legacy_loaded.load(); }

void ensure_legacy_provider() {
  // Loading "legacy" explicitly turns off the implicit "default" provider, so load both. Owned
  // here so they are unloaded at exit, before OpenSSL's own cleanup (registered earlier) runs.
  static ProviderPtr default_provider, legacy_provider;
  static std::once_flag once;
  std::call_once(once, [] {
    default_provider.reset(OSSL_PROVIDER_load(nullptr, "default"));
    legacy_provider.reset(OSSL_PROVIDER_load(nullptr, "legacy"));
    legacy_loaded = default_provider && legacy_provider;
  });
  if (!default_provider || !legacy_provider)
    throw_last(ErrorCode::UNSUPPORTED_ALGORITHM,
               "this file uses a legacy algorithm (RC2/RC4/DES) and OpenSSL's legacy provider could not be loaded");
}

Bytes random_bytes(std::size_t n) {
  Bytes out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) throw_last(ErrorCode::INTERNAL, "random number generator failed");
  return out;
}

void prefer_hash_drbg() {
  // Fails only once a generator is running, which then stays as it is: nothing to report.
  if (RAND_set_DRBG_type(nullptr, "HASH-DRBG", nullptr, nullptr, "SHA256") != 1) drain_errors();
}

void start_library() {
  std::uint64_t options = OPENSSL_INIT_NO_ATEXIT;
#ifdef MIDKS_OPENSSL_BUILT_IN
  const char* conf = std::getenv("OPENSSL_CONF");
  if (!conf || !*conf) options |= OPENSSL_INIT_NO_LOAD_CONFIG;
#endif
  if (OPENSSL_init_crypto(options, nullptr) != 1) drain_errors();  // then it starts as usual on first use
}

std::string library_description() {
#ifdef MIDKS_OPENSSL_BUILT_IN
  const char* origin = ", built in (reads an openssl.cnf only when OPENSSL_CONF names one)";
#else
  const char* origin = ", the system's libcrypto";
#endif
  return std::string(OpenSSL_version(OPENSSL_VERSION)) + origin;
}

}  // namespace midks::ossl
