// What the instance needs from a MID's certificate chain (ServiceNow's instructions split the
// bundle): the CA certificates for sys_ca_certificate, root first as they are uploaded one by
// one, and the leaf alone for sys_user_certificate. Never the private key.
#pragma once
#include <string>
#include <vector>

#include "midks/secure.hpp"

namespace midks {

struct InstanceUpload {
  std::string file_name;  // "ca-1-acme-root-ca.pem", "leaf-mid01.pem", or "ca-chain.pem"
  std::string table;      // "sys_ca_certificate" or "sys_user_certificate"
  std::string subject;    // display form, CN first (for a CA bundle: every subject, root first)
  std::string pem;
};

// chain: DER, leaf first (as a key entry holds it). one_ca_file: the CA certificates as one bundle.
std::vector<InstanceUpload> instance_uploads(const std::vector<Bytes>& chain, bool one_ca_file);

// One certificate as PEM text.
std::string certificate_pem(const Bytes& der);

}  // namespace midks
