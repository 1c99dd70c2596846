// The libssl functions `verify` calls, reached through one table. libssl is the only library just
// one command needs (the TLS handshake): on Linux it is loaded when that command first asks for it
// (ssl_api_loaded.cpp), so no other command maps and relocates it at start; the Windows build
// links it statically (ssl_api_linked.cpp). The table's types come from <openssl/ssl.h>.
#pragma once
#include <openssl/ssl.h>

namespace midks {

#define MIDKS_SSL_FUNCTIONS(X)                                                                       \
  X(TLS_client_method) X(SSL_CTX_new) X(SSL_CTX_free) X(SSL_CTX_ctrl) X(SSL_CTX_get_cert_store)      \
  X(SSL_CTX_load_verify_locations) X(SSL_CTX_set_verify) X(SSL_CTX_set_cert_cb) X(SSL_new)            \
  X(SSL_free) X(SSL_ctrl) X(SSL_use_certificate) X(SSL_use_PrivateKey) X(SSL_get0_param)              \
  X(SSL_set1_host) X(SSL_set_fd) X(SSL_connect) X(SSL_get_error) X(SSL_get_version)                   \
  X(SSL_get_current_cipher) X(SSL_CIPHER_get_name) X(SSL_write) X(SSL_read)                           \
  X(SSL_get0_peer_certificate) X(SSL_get_verify_result) X(SSL_get0_peer_CA_list)

struct SslApi {
#define MIDKS_SSL_MEMBER(name) decltype(&::name) name = nullptr;
  MIDKS_SSL_FUNCTIONS(MIDKS_SSL_MEMBER)
#undef MIDKS_SSL_MEMBER
};

// Loaded once; throws Error(INTERNAL) naming the library or function when libssl cannot be loaded.
const SslApi& ssl_api();

}  // namespace midks
