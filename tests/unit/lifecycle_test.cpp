// csr, split, verify's URL parsing and renewal as the engine does them.
#include <openssl/pem.h>
#include <cstdio>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "midks/agent.hpp"
#include "midks/renewal.hpp"
#include "midks/csr.hpp"
#include "midks/instance_files.hpp"
#include "midks/ossl.hpp"
#include "midks/tls_probe.hpp"
#include "support.hpp"

namespace midks::test {
namespace {

TEST(HttpsUrl, HostPortAndPathAreSeparated) {
  ProbeTarget a = parse_https_url("https://acme.service-now.com");
  EXPECT_EQ(a.host, "acme.service-now.com");
  EXPECT_EQ(a.port, "443");
  ProbeTarget b = parse_https_url("https://127.0.0.1:8443/api/now?x=1");
  EXPECT_EQ(b.host, "127.0.0.1");
  EXPECT_EQ(b.port, "8443");
  ProbeTarget c = parse_https_url("https://[::1]:9443/");
  EXPECT_EQ(c.host, "::1");
  EXPECT_EQ(c.port, "9443");
  for (const char* bad : {"http://acme.service-now.com", "acme.service-now.com", "https://", "https://host:", "https://host:99999x", "https://[::1",
                          "https://:443", "https://::1", "https://::1:443"})
    EXPECT_EQ(error_kind_of([&] { parse_https_url(bad); }), ErrorKind::Usage) << bad;
}

TEST(HostPort, ProxyAddresses) {
  ProbeTarget p = parse_host_port("proxy.example:3128");
  EXPECT_EQ(p.host, "proxy.example");
  EXPECT_EQ(p.port, "3128");
  EXPECT_EQ(parse_host_port("[fd00::1]:8080").host, "fd00::1");
  for (const char* bad : {"", "proxy", ":3128", "proxy:", "fd00::1:8080", "[fd00::1]", "proxy:http"})
    EXPECT_EQ(error_kind_of([&] { parse_host_port(bad); }), ErrorKind::Usage) << bad;
}

TEST(Csr, RequestsClientAuthAndOrdersTheSubjectAsWritten) {
  CsrSpec spec;
  spec.subject = "CN=mid01,OU=IT\\, Ops,O=Acme,C=US";
  spec.sans = {"mid01.acme.example", "IP:10.0.0.5"};
  CsrResult r = make_csr(spec, nullptr);
  ossl::BioPtr bio(BIO_new_mem_buf(r.csr_pem.data(), static_cast<int>(r.csr_pem.size())));
  ossl::Handle<X509_REQ, X509_REQ_free> req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(req);
  EXPECT_EQ(X509_REQ_verify(req.get(), X509_REQ_get0_pubkey(req.get())), 1);
  EXPECT_EQ(rfc2253_name(X509_REQ_get_subject_name(req.get())), "CN=mid01,OU=IT\\, Ops,O=Acme,C=US");
  STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req.get());
  std::string eku, san;
  for (int i = 0; i < sk_X509_EXTENSION_num(exts); ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts, i);
    ossl::BioPtr out(BIO_new(BIO_s_mem()));
    X509V3_EXT_print(out.get(), ext, 0, 0);
    char* text = nullptr;
    long n = BIO_get_mem_data(out.get(), &text);
    int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
    if (nid == NID_ext_key_usage) eku.assign(text, static_cast<std::size_t>(n));
    if (nid == NID_subject_alt_name) san.assign(text, static_cast<std::size_t>(n));
  }
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  EXPECT_EQ(eku, "TLS Web Client Authentication");
  EXPECT_EQ(san, "DNS:mid01.acme.example, IP Address:10.0.0.5");
  EXPECT_GT(r.pkcs8.size(), 1000u);  // RSA 2048 by default
}

TEST(Csr, RefusesWhatItCannotMake) {
  CsrSpec spec;
  spec.subject = "CN=x";
  spec.key_type = "dsa1024";
  EXPECT_EQ(error_kind_of([&] { make_csr(spec, nullptr); }), ErrorKind::Usage);
  for (const char* bad : {"", "CN", "=x", "C=USA,CN=x", "NOPE=1"}) {
    CsrSpec s;
    s.subject = bad;
    EXPECT_EQ(error_kind_of([&] { make_csr(s, nullptr); }), ErrorKind::Usage) << bad;
  }
}

ImportedKey bundle(const std::string& name) {
  return import_bundle_files({source_dir() + "/testdata/bundles/" + name}, ImportOptions{});
}

TEST(InstanceFiles, RootFirstThenLeafAndNeverAKey) {
  ImportedKey k = bundle("seed-order.pem");
  std::vector<InstanceUpload> files = instance_uploads(k.chain, false);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].file_name, "ca-1-bundle-root-ca.pem");
  EXPECT_EQ(files[1].file_name, "ca-2-bundle-intermediate-ca.pem");
  EXPECT_EQ(files[2].file_name, "leaf-mid-server-01.pem");
  EXPECT_EQ(files[2].table, "sys_user_certificate");
  for (const InstanceUpload& f : files) EXPECT_EQ(f.pem.find("PRIVATE KEY"), std::string::npos);
  std::vector<InstanceUpload> one = instance_uploads(k.chain, true);
  ASSERT_EQ(one.size(), 2u);
  EXPECT_EQ(one[0].pem, files[0].pem + files[1].pem);
}

// The light reader must say exactly what the full parse says, on real-world certificates too.
TEST(CertSummary, MatchesTheFullParse) {
  std::vector<Bytes> certs;
  for (const char* name : {"seed-order.pem", "ec384.pem", "ed25519.pem", "sec1-ec256.pem", "expiring-soon.pem", "rsa1024.pem"}) {
    ImportOptions forced;
    forced.force = true;
    for (Bytes& der : import_bundle_files({source_dir() + "/testdata/bundles/" + name}, forced).chain) certs.push_back(der);
  }
  const std::string cacerts = "/etc/ssl/certs/java/cacerts";  // the JDK's public CAs: ~140 real certificates
  if (std::FILE* f = std::fopen(cacerts.c_str(), "rb")) {
    std::fclose(f);
    Keystore system = load_keystore(cacerts, nullptr);
    for (const Entry& e : system.entries()) certs.push_back(e.chain.front());
  }
  ASSERT_GT(certs.size(), 100u);
  for (const Bytes& der : certs) {
    CertFacts full = describe_certificate(der);
    CertSummary light = summarize_certificate(der);
    EXPECT_EQ(light.subject_display, full.subject_display);
    EXPECT_EQ(light.issuer_display, full.issuer_display);
    EXPECT_EQ(light.not_before, full.not_before);
    EXPECT_EQ(light.not_after, full.not_after) << full.subject_display;
  }
  Bytes damaged = certs.front();
  damaged.resize(damaged.size() / 2);  // the full parse decides, and reports, what the light one cannot read
  EXPECT_EQ(error_kind_of([&] { summarize_certificate(damaged); }), ErrorKind::Input);
}

TEST(Renewal, KeepsThePreviousEntryAndRefusesOlderOrSame) {
  Keystore ks;
  ImportedKey first = bundle("seed-order.pem");
  ks.put(make_key_entry(kMidKeyAlias, bundle("seed-order.pem")));
  std::string code;
  try {
    renew_key_entry(ks, kMidKeyAlias, std::move(first));
  } catch (const Error& e) {
    code = e.code();
  }
  EXPECT_EQ(code, "RENEWAL_NOT_NEWER");
  EXPECT_EQ(ks.size(), 1u);
  try {
    renew_key_entry(ks, "nosuch", bundle("pkcs1.pem"));
  } catch (const Error& e) {
    code = e.code();
  }
  EXPECT_EQ(code, "RENEWAL_NO_ENTRY");
  EXPECT_TRUE(prune_previous_entries(ks, kMidKeyAlias).empty());
}

}  // namespace
}  // namespace midks::test
