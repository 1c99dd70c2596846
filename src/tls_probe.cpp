#include "midks/tls_probe.hpp"

#include <openssl/x509v3.h>

#include <algorithm>

#include "midks/cert_info.hpp"
#include "midks/error.hpp"
#include "midks/ossl.hpp"
#include "midks/platform.hpp"
#include "pkcs8.hpp"
#include "ssl_api.hpp"

namespace midks {

namespace {

void free_ssl_ctx(SSL_CTX* ctx) { ssl_api().SSL_CTX_free(ctx); }
void free_ssl(SSL* ssl) { ssl_api().SSL_free(ssl); }
using SslCtxPtr = ossl::Handle<SSL_CTX, free_ssl_ctx>;
using SslPtr = ossl::Handle<SSL, free_ssl>;

// Asks an HTTP proxy for a tunnel to the target; "" when it answered 2xx, else why not.
std::string open_tunnel(platform::TcpSocket& sock, const ProbeTarget& target) {
  std::string authority = (target.host.find(':') != std::string::npos ? "[" + target.host + "]" : target.host) + ":" + target.port;
  std::string request = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n";
  if (std::string why = sock.send_all(request); !why.empty()) return "cannot send to the proxy: " + why;
  std::string reply;
  char c = 0;
  // Byte by byte up to the blank line: nothing of the tunnelled TLS stream may be consumed.
  while (reply.size() < 8192 && reply.find("\r\n\r\n") == std::string::npos) {
    int n = sock.receive_byte(c);
    if (n <= 0) return n == 0 ? "the proxy closed the connection" : "no answer from the proxy: " + platform::last_socket_error();
    reply += c;
  }
  std::string status = reply.substr(0, reply.find("\r\n"));
  if (status.rfind("HTTP/1.", 0) != 0 || status.size() < 12) return "the proxy's answer is not HTTP: '" + status.substr(0, 60) + "'";
  if (status[9] != '2') {
    std::string why = "the proxy refused the tunnel: " + status;
    if (status.compare(9, 3, "407") == 0) why += " (it wants credentials; verify does not send proxy credentials)";
    return why;
  }
  return "";
}

std::string name_text(const X509_NAME* name) { return display_name(name); }

int record_certificate_request(SSL* ssl, void* arg) {
  auto* report = static_cast<ProbeReport*>(arg);
  report->client_cert_requested = true;
  try {  // no exception may cross OpenSSL's C frames
    if (const STACK_OF(X509_NAME)* names = ssl_api().SSL_get0_peer_CA_list(ssl))
      for (int i = 0; i < sk_X509_NAME_num(names); ++i) report->acceptable_cas.push_back(name_text(sk_X509_NAME_value(names, i)));
  } catch (...) {
    return 0;  // fails the handshake, which the report then describes
  }
  return 1;
}

// Why SSL_connect failed, in words. A server that accepts and hangs up (or resets) sends no alert:
// OpenSSL sees an end of stream or a failed read or write (EPIPE now that SIGPIPE is ignored), and
// a silent server shows as the socket timeout (a retryable read on a blocking socket).
std::string handshake_failure(SSL* ssl, int rc, const std::string& socket_error, int timeout_ms) {
  int err = ssl_api().SSL_get_error(ssl, rc);
  std::string reason = ossl::drain_errors();
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
    return "the server did not answer the handshake within " + std::to_string(timeout_ms / 1000) + " s";
  bool closed = err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SYSCALL || reason.find("unexpected eof") != std::string::npos;
  if (!closed) return reason.empty() ? "the handshake failed" : reason;
  std::string how = !reason.empty() ? reason : socket_error;
  return "the server closed the connection during the handshake" + (how.empty() ? "" : " (" + how + ")");
}


}  // namespace

ProbeTarget parse_host_port(const std::string& text) {
  ProbeTarget t;
  std::string rest = text;
  if (!rest.empty() && rest[0] == '[') {
    std::size_t close = rest.find(']');
    if (close == std::string::npos) fail(ErrorCode::URL_INVALID, "'" + text + "' has an unclosed [ipv6] address");
    t.host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    t.port = !rest.empty() && rest[0] == ':' ? rest.substr(1) : "";
  } else {
    std::size_t colon = rest.rfind(':');
    t.host = rest.substr(0, colon);
    t.port = colon == std::string::npos ? "" : rest.substr(colon + 1);
  }
  bool bare_ipv6 = text.rfind('[', 0) != 0 && t.host.find(':') != std::string::npos;  // must be written [::1]:443
  if (t.host.empty() || bare_ipv6 || t.port.empty() || t.port.find_first_not_of("0123456789") != std::string::npos || t.port.size() > 5)
    fail(ErrorCode::URL_INVALID, "'" + text + "' is not host:port");
  return t;
}

ProbeTarget parse_https_url(const std::string& url) {
  const std::string scheme = "https://";
  if (url.rfind(scheme, 0) != 0)
    fail(ErrorCode::URL_INVALID, "the url '" + url + "' does not start with https://");
  std::string rest = url.substr(scheme.size());
  rest = rest.substr(0, rest.find_first_of("/?#"));
  std::size_t colon = rest.rfind(':'), bracket = rest.rfind(']');
  bool has_port = colon != std::string::npos && (bracket == std::string::npos || colon > bracket);
  try {
    return parse_host_port(has_port ? rest : rest + ":443");
  } catch (const Error&) {
    fail(ErrorCode::URL_INVALID, "the url '" + url + "' has no usable host[:port]");
  }
}

const char* probe_outcome_name(ProbeOutcome outcome) {
  switch (outcome) {
    case ProbeOutcome::Success: return "success";
    case ProbeOutcome::Unreachable: return "unreachable";
    case ProbeOutcome::ServerUntrusted: return "server_untrusted";
    case ProbeOutcome::NoClientCertRequest: return "no_client_certificate_request";
    case ProbeOutcome::CaNotAccepted: return "ca_not_accepted";
    case ProbeOutcome::Rejected: return "rejected";
  }
  return "?";
}

ProbeReport probe_mutual_tls(const ProbeTarget& target, const Entry& entry, const ProbeOptions& options) {
  if (entry.kind != EntryKind::PrivateKey || entry.chain.empty() || entry.plain.empty())
    fail(ErrorCode::NOT_A_KEY_ENTRY, "'" + entry.alias + "' is not an opened private-key entry with a certificate chain");
  ProbeReport report;
  report.address = (target.host.find(':') != std::string::npos ? "[" + target.host + "]" : target.host) + ":" + target.port;
  platform::TcpSocket sock;
  if (options.proxy) {
    report.proxy = options.proxy->host + ":" + options.proxy->port;
    std::string why = sock.connect(options.proxy->host, options.proxy->port, options.timeout_ms);
    if (!why.empty()) why = "cannot reach the proxy " + report.proxy + ": " + why;
    if (why.empty()) why = open_tunnel(sock, target);
    if (!why.empty()) {
      report.detail = why;
      return report;
    }
  } else if (std::string why = sock.connect(target.host, target.port, options.timeout_ms); !why.empty()) {
    report.detail = why;
    return report;
  }
  report.connected = true;

  // The macros of <openssl/ssl.h> (SSL_CTX_set_min_proto_version, SSL_add1_chain_cert,
  // SSL_set_tlsext_host_name, SSL_get_cipher_name) are spelt out: they name libssl's functions.
  const SslApi& tls = ssl_api();
  SslCtxPtr ctx(ossl::check_alloc(tls.SSL_CTX_new(tls.TLS_client_method()), "SSL_CTX_new"));
  tls.SSL_CTX_ctrl(ctx.get(), SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, nullptr);
  bool loaded = options.server_ca_file.empty() ? platform::add_system_roots(tls.SSL_CTX_get_cert_store(ctx.get()))
                                                : tls.SSL_CTX_load_verify_locations(ctx.get(), options.server_ca_file.c_str(), nullptr) == 1;
  if (!loaded) ossl::throw_last(ErrorCode::TRUST_STORE_UNREADABLE, "cannot load the trusted CAs from " + (options.server_ca_file.empty() ? std::string("the system store") : options.server_ca_file));
  // Verified, but judged after the handshake: the report needs every fact, not the first failure.
  tls.SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  tls.SSL_CTX_set_cert_cb(ctx.get(), record_certificate_request, &report);

  SslPtr ssl(ossl::check_alloc(tls.SSL_new(ctx.get()), "SSL_new"));
  ossl::X509Ptr leaf = ossl::parse_cert_der(entry.chain.front());
  ossl::PkeyPtr key = fmt::try_private_key_from_pkcs8(entry.plain.view());
  if (!key || tls.SSL_use_certificate(ssl.get(), leaf.get()) != 1 || tls.SSL_use_PrivateKey(ssl.get(), key.get()) != 1)
    ossl::throw_last(ErrorCode::KEY_UNREADABLE, "the key entry cannot be used for TLS");
  for (std::size_t i = 1; i < entry.chain.size(); ++i) {
    ossl::X509Ptr ca = ossl::parse_cert_der(entry.chain[i]);
    if (tls.SSL_ctrl(ssl.get(), SSL_CTRL_CHAIN_CERT, 1, ca.get()) != 1) ossl::fail_internal("SSL_add1_chain_cert");
  }
  if (platform::is_ip_literal(target.host)) {
    X509_VERIFY_PARAM_set1_ip_asc(tls.SSL_get0_param(ssl.get()), target.host.c_str());
  } else {
    tls.SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(target.host.c_str()));
    tls.SSL_set1_host(ssl.get(), target.host.c_str());
  }
  tls.SSL_set_fd(ssl.get(), sock.native());

  bool rejected = false;
  platform::clear_socket_error();
  int rc = tls.SSL_connect(ssl.get());
  std::string connect_error = platform::last_socket_error();
  if (rc != 1) {
    rejected = true;
    report.detail = handshake_failure(ssl.get(), rc, connect_error, options.timeout_ms);
  } else {
    report.handshake_completed = true;
    report.protocol = tls.SSL_get_version(ssl.get());
    report.cipher = tls.SSL_CIPHER_get_name(tls.SSL_get_current_cipher(ssl.get()));
    // With TLS 1.3 the verdict on our certificate comes after the handshake: ask for something
    // and see whether the answer is data or an alert.
    std::string request = "HEAD / HTTP/1.1\r\nHost: " + target.host + "\r\nConnection: close\r\n\r\n";
    sock.set_timeout(std::min(options.timeout_ms, 3000));
    char buf[256];
    if (tls.SSL_write(ssl.get(), request.data(), static_cast<int>(request.size())) <= 0 || tls.SSL_read(ssl.get(), buf, sizeof buf) <= 0) {
      int err = tls.SSL_get_error(ssl.get(), -1);
      std::string reason = ossl::drain_errors();
      if (err == SSL_ERROR_SSL || reason.find("alert") != std::string::npos) {
        rejected = true;
        report.detail = reason;
      }
    }
  }
  if (X509* server = tls.SSL_get0_peer_certificate(ssl.get())) {
    report.server_subject = name_text(X509_get_subject_name(server));
    report.server_issuer = name_text(X509_get_issuer_name(server));
    long verdict = tls.SSL_get_verify_result(ssl.get());
    report.server_trusted = verdict == X509_V_OK;
    if (!report.server_trusted) report.server_verify_error = X509_verify_cert_error_string(verdict);
  }
  // Our CA is named if any issuer in our chain is among the names the server sent.
  for (const Bytes& der : entry.chain) {
    std::string issuer = summarize_certificate(der).issuer_display;
    report.our_ca_named = report.our_ca_named ||
                          std::find(report.acceptable_cas.begin(), report.acceptable_cas.end(), issuer) != report.acceptable_cas.end();
  }
  ossl::drain_errors();

  if (!report.server_subject.empty() && !report.server_trusted) report.outcome = ProbeOutcome::ServerUntrusted;
  else if (!report.client_cert_requested && !rejected) report.outcome = ProbeOutcome::NoClientCertRequest;
  else if (report.client_cert_requested && !report.acceptable_cas.empty() && !report.our_ca_named) report.outcome = ProbeOutcome::CaNotAccepted;
  else if (rejected) report.outcome = ProbeOutcome::Rejected;
  else report.outcome = ProbeOutcome::Success;
  return report;
}

}  // namespace midks
