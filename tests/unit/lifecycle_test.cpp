// csr, split, verify's URL parsing and renewal as the engine does them.
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "midks/keystore_transaction.hpp"
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

// The light reader must say exactly what the full parse says.
void expect_summary_matches_full_parse(const std::vector<Bytes>& certs) {
  for (const Bytes& der : certs) {
    CertFacts full = describe_certificate(der);
    CertSummary light = summarize_certificate(der);
    EXPECT_EQ(light.subject_display, full.subject_display);
    EXPECT_EQ(light.issuer_display, full.issuer_display);
    EXPECT_EQ(light.not_before, full.not_before);
    EXPECT_EQ(light.not_after, full.not_after) << full.subject_display;
  }
}

TEST(CertSummary, MatchesTheFullParse) {
  std::vector<Bytes> certs;
  for (const char* name : {"seed-order.pem", "ec384.pem", "ed25519.pem", "sec1-ec256.pem", "expiring-soon.pem", "rsa1024.pem"})
    for (Bytes& der : bundle(name, true).chain) certs.push_back(der);
  ASSERT_EQ(certs.size(), 18u);
  expect_summary_matches_full_parse(certs);
  Bytes damaged = certs.front();
  damaged.resize(damaged.size() / 2);  // the full parse decides, and reports, what the light one cannot read
  EXPECT_EQ(error_kind_of([&] { summarize_certificate(damaged); }), ErrorKind::Input);
}

// On real-world certificates too: the JDK's public CAs, where the system has them.
TEST(CertSummary, MatchesTheFullParseOnTheJdkTruststore) {
  std::string cacerts = java_cacerts();
  if (cacerts.empty()) GTEST_SKIP() << "no JDK truststore (/etc/ssl/certs/java/cacerts or $JAVA_HOME/lib/security/cacerts): install a JDK";
  std::vector<Bytes> certs;
  Keystore system = load_keystore(cacerts, nullptr);
  for (const Entry& e : system.entries()) certs.push_back(e.chain.front());
  ASSERT_GT(certs.size(), 100u) << cacerts;
  expect_summary_matches_full_parse(certs);
}

TEST(Renewal, KeepsThePreviousEntryAndRefusesOlderOrSame) {
  Keystore ks;
  ImportedKey first = bundle("seed-order.pem");
  ks.put(make_key_entry(kMidKeyAlias, bundle("seed-order.pem")));
  EXPECT_EQ(error_code_of([&] { renew_key_entry(ks, kMidKeyAlias, std::move(first)); }), "RENEWAL_NOT_NEWER");
  EXPECT_EQ(ks.size(), 1u);
  EXPECT_EQ(error_code_of([&] { renew_key_entry(ks, "nosuch", bundle("pkcs1.pem")); }), "RENEWAL_NO_ENTRY");
  EXPECT_TRUE(prune_previous_entries(ks, kMidKeyAlias).empty());
}

// A small PKI made in memory, so renewals can be issued for the same key at chosen dates.
struct Issued {
  ossl::PkeyPtr key;
  ossl::X509Ptr cert;
  Bytes der() const { return ossl::cert_der(cert.get()); }
};

ossl::PkeyPtr ec_key() {
  ossl::PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) ADD_FAILURE() << "EC key generation failed";
  return key;
}

// CN=cn for key (a new one if null), signed by issuer (self-signed if null), valid from
// fixture_now() + from_days for a year from fixture_now(); a CA or a client-authentication leaf, with key identifiers.
Issued issue(const std::string& cn, const Issued* issuer, bool ca, long from_days, ossl::PkeyPtr key = nullptr) {
  static long serial = 1000;
  Issued out{key ? std::move(key) : ec_key(), ossl::X509Ptr(X509_new())};
  X509* x = out.cert.get();
  X509_set_version(x, X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x), ++serial);
  std::time_t now = fixture_now();
  X509_time_adj_ex(X509_getm_notBefore(x), static_cast<int>(from_days), 0, &now);
  X509_time_adj_ex(X509_getm_notAfter(x), 365, 0, &now);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->cert.get()) : X509_get_subject_name(x));
  X509_set_pubkey(x, out.key.get());
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer->cert.get() : x, x, nullptr, nullptr, 0);
  std::vector<std::pair<int, const char*>> exts = {{NID_subject_key_identifier, "hash"}, {NID_authority_key_identifier, "keyid:always"}};
  if (ca) {
    exts.push_back({NID_basic_constraints, "critical,CA:TRUE"});
    exts.push_back({NID_key_usage, "critical,keyCertSign,cRLSign"});
  } else {
    exts.push_back({NID_basic_constraints, "CA:FALSE"});
    exts.push_back({NID_key_usage, "critical,digitalSignature"});
    exts.push_back({NID_ext_key_usage, "clientAuth"});
  }
  for (const auto& [nid, value] : exts) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    EXPECT_NE(ext, nullptr) << value;
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  EXPECT_GT(X509_sign(x, issuer ? issuer->key.get() : out.key.get(), EVP_sha256()), 0);
  return out;
}

ossl::PkeyPtr same_key(const Issued& holder) {
  EVP_PKEY_up_ref(holder.key.get());
  return ossl::PkeyPtr(holder.key.get());
}

BundleFile pem_file(const std::string& name, const std::vector<const Issued*>& certs) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  for (const Issued* c : certs) PEM_write_bio_X509(bio.get(), c->cert.get());
  char* text = nullptr;
  long n = BIO_get_mem_data(bio.get(), &text);
  return BundleFile{name, SecureBytes(ByteView(reinterpret_cast<const std::uint8_t*>(text), static_cast<std::size_t>(n)))};
}

std::vector<std::string> codes(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const Finding& f : findings)
    if (f.code != FindingCode::NON_RSA_KEY) out.push_back(f.name());  // the test PKI is EC, for speed
  return out;
}

struct RenewalPki {
  Issued root = issue("Renewal Root CA", nullptr, true, -30);
  Issued intermediate = issue("Renewal Intermediate CA", &root, true, -30);
  Issued leaf = issue("mid-renewal", &intermediate, false, -2);
  Issued renewed = issue("mid-renewal", &intermediate, false, -1, same_key(leaf));

  // A keystore whose MID entry holds leaf -> intermediate -> root, as -a stored it.
  Keystore keystore() const {
    ImportedKey current;
    ossl::Pkcs8InfoPtr p8(EVP_PKEY2PKCS8(leaf.key.get()));
    current.pkcs8 = SecureBytes(ossl::to_der(p8.get(), i2d_PKCS8_PRIV_KEY_INFO));
    current.chain = {leaf.der(), intermediate.der(), root.der()};
    Keystore ks;
    ks.put(make_key_entry(kMidKeyAlias, std::move(current)));
    return ks;
  }
};

ImportedKey import_renewal(const Keystore& ks, const std::vector<BundleFile>& files) {
  return import_bundle(files, renewal_import_options(*ks.find(kMidKeyAlias), fixture_options()));
}

TEST(Renewal, ALeafAloneGetsTheRestOfItsChainFromTheCurrentEntry) {
  RenewalPki pki;
  Keystore ks = pki.keystore();
  ImportedKey k = import_renewal(ks, {pem_file("renewed.pem", {&pki.renewed})});
  ASSERT_EQ(k.chain.size(), 3u);
  EXPECT_EQ(k.chain[0], pki.renewed.der());
  EXPECT_EQ(k.chain[1], pki.intermediate.der());
  EXPECT_EQ(k.chain[2], pki.root.der());
  EXPECT_EQ(codes(k.findings), std::vector<std::string>{});
  EXPECT_EQ(codes(k.findings), codes(validate_chain(k.chain, fixture_options())));  // as -a and doctor judge it
  ASSERT_EQ(k.notes.size(), 1u);
  EXPECT_NE(k.notes[0].find("completed the chain with 2 CA certificate(s)"), std::string::npos) << k.notes[0];

  Renewal r = renew_key_entry(ks, kMidKeyAlias, std::move(k));
  EXPECT_EQ(ks.find(kMidKeyAlias)->chain.size(), 3u);
  EXPECT_TRUE(key_matches_certificate(ks.find(kMidKeyAlias)->plain, pki.renewed.der()));
  ASSERT_NE(ks.find(r.previous_alias), nullptr);
  EXPECT_EQ(r.previous_alias.rfind(std::string(kMidKeyAlias) + "-previous-", 0), 0u) << r.previous_alias;
  EXPECT_EQ(ks.find(r.previous_alias)->chain.front(), pki.leaf.der());
  EXPECT_EQ(ks.find(r.previous_alias)->chain.size(), 3u);
}

TEST(Renewal, ALeafWithPartOfItsChainIsCompletedAboveIt) {
  RenewalPki pki;
  Keystore ks = pki.keystore();
  ImportedKey k = import_renewal(ks, {pem_file("renewed.pem", {&pki.renewed}), pem_file("int.pem", {&pki.intermediate})});
  ASSERT_EQ(k.chain.size(), 3u);
  EXPECT_EQ(k.chain[1], pki.intermediate.der());
  EXPECT_EQ(k.chain[2], pki.root.der());
  EXPECT_EQ(codes(k.findings), std::vector<std::string>{});
  ASSERT_EQ(k.notes.size(), 1u);
  EXPECT_NE(k.notes[0].find("with 1 CA certificate(s)"), std::string::npos) << k.notes[0];
  // Given a whole chain, nothing is taken from the entry.
  ImportedKey full = import_renewal(ks, {pem_file("all.pem", {&pki.root, &pki.renewed, &pki.intermediate})});
  EXPECT_EQ(full.chain.size(), 3u);
  EXPECT_TRUE(full.notes.empty());
}

TEST(Renewal, AnIssuerOutsideTheCurrentChainIsNamedHonestly) {
  RenewalPki pki;
  Keystore ks = pki.keystore();
  Issued other_root = issue("Other Root CA", nullptr, true, -30);
  Issued other_int = issue("Other Intermediate CA", &other_root, true, -30);
  Issued moved = issue("mid-renewal", &other_int, false, -1, same_key(pki.leaf));
  ImportedKey k = import_renewal(ks, {pem_file("renewed.pem", {&moved})});
  ASSERT_EQ(k.chain.size(), 1u);
  EXPECT_EQ(codes(k.findings), std::vector<std::string>{"ROOT_MISSING"});
  EXPECT_EQ(codes(k.findings), codes(validate_chain(k.chain, fixture_options())));
  const Finding& f = k.findings.back();
  EXPECT_NE(f.message.find("the chain ends at 'CN=mid-renewal'"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("whose issuer 'CN=Other Intermediate CA' is not in the files given or the entry's current chain"), std::string::npos)
      << f.message;
  EXPECT_NE(f.hint.find("up to the root"), std::string::npos) << f.hint;
  EXPECT_TRUE(k.notes.empty());

  // With its intermediate, the chain ends there, and the finding names that certificate.
  ImportedKey k2 = import_renewal(ks, {pem_file("renewed.pem", {&moved, &other_int})});
  ASSERT_EQ(k2.chain.size(), 2u);
  ASSERT_EQ(codes(k2.findings), std::vector<std::string>{"ROOT_MISSING"});
  EXPECT_NE(k2.findings.back().message.find("the chain ends at 'CN=Other Intermediate CA', whose issuer 'CN=Other Root CA'"), std::string::npos)
      << k2.findings.back().message;

  // The same intermediate name with a new key: the old one is no issuer, and the finding says why.
  Issued rekeyed_int = issue("Renewal Intermediate CA", &pki.root, true, -1);
  Issued by_rekeyed = issue("mid-renewal", &rekeyed_int, false, -1, same_key(pki.leaf));
  ImportedKey k3 = import_renewal(ks, {pem_file("renewed.pem", {&by_rekeyed})});
  ASSERT_EQ(k3.chain.size(), 1u);
  ASSERT_EQ(codes(k3.findings), std::vector<std::string>{"ROOT_MISSING"});
  EXPECT_NE(k3.findings.back().message.find("re-keyed"), std::string::npos) << k3.findings.back().message;
  EXPECT_EQ(import_renewal(ks, {pem_file("renewed.pem", {&by_rekeyed, &rekeyed_int})}).chain.size(), 3u);  // then the root completes it

  // A certificate given with the renewal that is not in its chain is left over as with -a: the
  // chain is broken, and that is refused.
  std::string code;
  try {
    import_renewal(ks, {pem_file("renewed.pem", {&moved, &other_root})});
  } catch (const ImportRefused& e) {
    code = codes(e.findings()).front();
  }
  EXPECT_EQ(code, "CHAIN_BROKEN");
}

}  // namespace
}  // namespace midks::test
