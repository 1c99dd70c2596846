#include "ssl_api.hpp"

namespace midks {

const SslApi& ssl_api() {
  static const SslApi api = [] {
    SslApi linked;
#define MIDKS_SSL_LINK(name) linked.name = &::name;
    MIDKS_SSL_FUNCTIONS(MIDKS_SSL_LINK)
#undef MIDKS_SSL_LINK
    return linked;
  }();
  return api;
}

}  // namespace midks
