#include "midks/instance_files.hpp"

#include <openssl/pem.h>

#include <cctype>

#include "midks/cert_info.hpp"
#include "midks/error.hpp"
#include "midks/ossl.hpp"

namespace midks {

namespace {

// A file-name-safe form of a certificate's common name: "Acme Root CA" -> "acme-root-ca".
std::string slug(const std::string& subject_display) {
  std::string from = subject_display;
  if (from.rfind("CN=", 0) == 0) from = from.substr(3, from.find(", ") == std::string::npos ? std::string::npos : from.find(", ") - 3);
  std::string out;
  for (unsigned char c : from) {
    if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "certificate" : out.substr(0, 48);
}

}  // namespace

std::string certificate_pem(const Bytes& der) {
  ossl::X509Ptr cert = ossl::parse_cert_der(der);
  ossl::BioPtr bio(ossl::check_alloc(BIO_new(BIO_s_mem()), "BIO_new"));
  if (PEM_write_bio_X509(bio.get(), cert.get()) != 1) ossl::throw_last(ErrorCode::INTERNAL, "cannot write a certificate as PEM");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::vector<InstanceUpload> instance_uploads(const std::vector<Bytes>& chain, bool one_ca_file) {
  if (chain.empty()) fail(ErrorCode::NOTHING_TO_SPLIT, "there is no certificate to split");
  std::vector<InstanceUpload> out;
  InstanceUpload bundle{"ca-chain.pem", "sys_ca_certificate", "", ""};
  for (std::size_t i = chain.size(); i-- > 1;) {  // root first
    CertSummary facts = summarize_certificate(chain[i]);
    std::string pem = certificate_pem(chain[i]);
    if (one_ca_file) {
      bundle.subject += (bundle.subject.empty() ? "" : " | ") + facts.subject_display;
      bundle.pem += pem;
    } else {
      out.push_back({"ca-" + std::to_string(out.size() + 1) + "-" + slug(facts.subject_display) + ".pem", "sys_ca_certificate",
                     facts.subject_display, pem});
    }
  }
  if (one_ca_file && !bundle.pem.empty()) out.push_back(bundle);
  CertSummary leaf = summarize_certificate(chain.front());
  out.push_back({"leaf-" + slug(leaf.subject_display) + ".pem", "sys_user_certificate", leaf.subject_display, certificate_pem(chain.front())});
  return out;
}

}  // namespace midks
