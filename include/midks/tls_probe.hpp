// A real TLS connection to the instance (or whatever answers at its address) with the MID's key
// and chain, reporting what decides whether MID mutual TLS can work: did the server ask for a
// client certificate, which CAs it accepts, did it take ours, and who issued its own certificate
// (a TLS-inspecting proxy shows up as an issuer that the trust store does not know).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "midks/model.hpp"

namespace midks {

struct ProbeTarget {
  std::string host;
  std::string port = "443";
};
// "https://host[:port][/path]"; IPv6 literals in brackets. Throws Error(Usage) for anything else.
ProbeTarget parse_https_url(const std::string& url);

// "host:port" (or "[v6]:port"); throws Error(Usage) otherwise.
ProbeTarget parse_host_port(const std::string& text);

struct ProbeOptions {
  std::string server_ca_file;  // empty: OpenSSL's default verify paths (SSL_CERT_FILE, SSL_CERT_DIR work)
  int timeout_ms = 10000;
  std::optional<ProbeTarget> proxy;  // an HTTP proxy to tunnel through (CONNECT), as the MID's mid.proxy.*
};

enum class ProbeOutcome {
  Success,              // the server asked for a certificate, named (or did not restrict) our CA, and took ours
  Unreachable,          // no TCP connection (DNS, refused, timeout)
  ServerUntrusted,      // the server's certificate does not verify: likely a TLS-inspecting proxy
  NoClientCertRequest,  // the handshake completed without the server asking for a certificate
  CaNotAccepted,        // the server asked, but named CAs among which our chain's are not
  Rejected,             // the server refused the handshake or our certificate
};

struct ProbeReport {
  ProbeOutcome outcome = ProbeOutcome::Unreachable;
  std::string address;                      // host:port
  std::string proxy;                        // host:port of the proxy tunnelled through, if any
  bool connected = false, handshake_completed = false;
  bool client_cert_requested = false;
  std::vector<std::string> acceptable_cas;  // the CA names the server sent (display form)
  bool our_ca_named = false;                // one of our chain's issuers is among them
  std::string server_subject, server_issuer;
  bool server_trusted = false;
  std::string server_verify_error;          // why it did not verify
  std::string protocol, cipher;
  std::string detail;                       // the OpenSSL reason or alert, when something failed
};

// entry: a private-key entry whose key is open (plain PKCS#8) and chain is leaf first.
ProbeReport probe_mutual_tls(const ProbeTarget& target, const Entry& entry, const ProbeOptions& options);

const char* probe_outcome_name(ProbeOutcome outcome);

}  // namespace midks
