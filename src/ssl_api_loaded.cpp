#include <dlfcn.h>

#include <mutex>
#include <string>

#include "midks/error.hpp"
#include "ssl_api.hpp"

namespace midks {

namespace {

// The libssl of the OpenSSL whose libcrypto this program is linked with (same major version).
#define MIDKS_STRINGIFY(x) #x
#define MIDKS_SONAME(major) "libssl.so." MIDKS_STRINGIFY(major)
constexpr const char* kLibssl = MIDKS_SONAME(OPENSSL_VERSION_MAJOR);

SslApi load() {
  // Never unloaded: OpenSSL keeps its own references into libssl until exit.
  void* library = dlopen(kLibssl, RTLD_NOW | RTLD_LOCAL);
  if (!library)
    fail(ErrorCode::INTERNAL, std::string("cannot load ") + kLibssl + " (OpenSSL's TLS library, package libssl3): " + dlerror());
  SslApi api;
#define MIDKS_SSL_RESOLVE(name)                                                                          \
  api.name = reinterpret_cast<decltype(&::name)>(dlsym(library, #name));                                \
  if (!api.name) fail(ErrorCode::INTERNAL, std::string(kLibssl) + " has no function " #name);
  MIDKS_SSL_FUNCTIONS(MIDKS_SSL_RESOLVE)
#undef MIDKS_SSL_RESOLVE
  return api;
}

}  // namespace

const SslApi& ssl_api() {
  static std::once_flag once;
  static SslApi api;
  std::call_once(once, [] { api = load(); });  // a throw leaves it to be tried again
  return api;
}

}  // namespace midks
