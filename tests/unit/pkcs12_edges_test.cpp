// PKCS#12 files as other writers make them, and our own writes at the edges: a localKeyId whose
// "Time <ms>" does not fit a Java long, key entries created in the same millisecond, BER, keys
// without localKeyId, passwords Java cannot use.
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <algorithm>
#include <set>

#include "codec.hpp"
#include "der_reader.hpp"
#include "midks/keystore_tools.hpp"
#include "pkcs12.hpp"
#include "pkcs8.hpp"
#include "support.hpp"

namespace midks::test {
namespace {

Bytes regression(const std::string& name) { return read_file(source_dir() + "/tests/fuzz/regressions/pkcs12/" + name); }

TEST(Pkcs12Edges, ATimeKeyIdBeyondAJavaLongIsNoDate) {
  // "Time " and 20 digits: Java's Long.parseLong fails and Java takes the load time; so do we
  // (the old sum overflowed a signed 64-bit integer).
  Keystore ks = fmt::read_pkcs12(regression("time-key-id-20-digits"), Password("changeit"));
  ASSERT_EQ(ks.size(), 1u);
  EXPECT_FALSE(ks.entries().front().created_in_file);
}

std::string peers() { return fixtures_dir() + "/pkcs12-peers/"; }

// The localKeyIds of a PKCS#12 file's key bags, in file order.
std::vector<std::string> key_bag_ids(const Bytes& file, const Password& pw) {
  ossl::Pkcs12Ptr p12 = fmt::parse_pkcs12(file);
  EXPECT_TRUE(p12);
  if (!p12) return {};
  fmt::Pkcs12Contents pfx = fmt::open_pkcs12(p12.get(), pw, {"the keystore", "PKCS#12 keystore", false, [](const std::string&) {}});
  std::vector<std::string> ids;
  for (const fmt::Pkcs12Bag& b : pfx.bags)
    if (b.kind != fmt::Pkcs12Bag::Kind::Certificate && b.attributes.local_key_id)
      ids.emplace_back(b.attributes.local_key_id->begin(), b.attributes.local_key_id->end());
  return ids;
}

// Every key entry opens with the password, and its key is the key of its own leaf.
void expect_keys_on_their_leaves(Keystore ks, const Password& pw) {
  for (Entry& e : ks.entries()) {
    if (e.kind != EntryKind::PrivateKey) continue;
    SCOPED_TRACE(e.alias);
    fmt::open_entry(e, pw);
    ossl::PkeyPtr key = fmt::private_key_from_pkcs8(e.plain.view());
    auto leaf = ossl::parse_cert_der(e.chain.front());
    EXPECT_EQ(X509_check_private_key(leaf.get(), key.get()), 1) << "the key is not its leaf's";
  }
}

Bytes leaf_of(const std::string& pem_name) {
  auto certs = read_file(fixtures_dir() + "/pem/" + pem_name + ".pem");
  ossl::BioPtr bio(BIO_new_mem_buf(certs.data(), static_cast<int>(certs.size())));
  ossl::X509Ptr x(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  return ossl::cert_der(x.get());
}

TEST(Pkcs12Edges, KeyEntriesOfTheSameMillisecondGetDistinctLocalKeyIds) {
  // Java dates every key "Time <ms>"; three keys set in one millisecond share the id. Java tells
  // their certificates apart by alias, readers that go by localKeyId alone cannot: we write the
  // later ones the next free milliseconds, and read each back with its own chain.
  Password pw("changeit");
  Keystore original = load_keystore(fixtures_dir() + "/keytool-mixed.jks", &pw);
  Keystore same_ms(StoreType::Pkcs12);
  std::int64_t keys = 0;
  for (Entry e : original.entries()) {
    if (e.is_key()) fmt::open_entry(e, Password(e.alias == "ec-p384" ? "other-key-pass" : "changeit"));
    keys += e.is_key();
    e.key_password.reset();
    e.created_ms = 1'700'000'000'000;
    same_ms.put(e);
  }
  Bytes file = fmt::write_pkcs12(same_ms, pw);
  std::vector<std::string> ids = key_bag_ids(file, pw);
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(keys));
  ASSERT_GE(keys, 3);  // private keys and a secret key
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size()) << "localKeyIds repeat";
  EXPECT_EQ(ids.front(), "Time 1700000000000");  // the first keeps its date
  Keystore again = fmt::read_pkcs12(file, pw);
  fmt::make_key_dates_distinct(same_ms);
  ASSERT_EQ(again.size(), same_ms.size());
  for (const Entry& e : same_ms.entries()) {
    SCOPED_TRACE(e.alias);
    const Entry* back = again.find(e.alias);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->chain, e.chain);
    if (!e.is_key()) continue;  // a trusted certificate has no localKeyId, so no date in the file
    EXPECT_EQ(back->created_ms, e.created_ms);  // the date its localKeyId names
    EXPECT_LT(e.created_ms - 1'700'000'000'000, keys);
  }
  expect_keys_on_their_leaves(again, pw);
}

TEST(Pkcs12Edges, TheJdksKeysOfOneMillisecondConvertWithDistinctIdsAndTheirOwnChains) {
  // scripts/Pkcs12Peers.java: the JDK's KeyStore API set three keys in one millisecond.
  Password pw("changeit");
  Bytes jdk = read_file(peers() + "java-same-ms.p12");
  std::vector<std::string> jdk_ids = key_bag_ids(jdk, pw);
  ASSERT_EQ(jdk_ids.size(), 3u);
  ASSERT_EQ(std::set<std::string>(jdk_ids.begin(), jdk_ids.end()).size(), 1u) << "the fixture lost its shared id";
  Keystore source = fmt::read_pkcs12(jdk, pw);
  for (const char* alias : {"mid-rsa", "mid-ec256", "mid-ec384"}) {
    SCOPED_TRACE(alias);
    const Entry* e = source.find(alias);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->chain.front(), leaf_of(alias));
  }
  Conversion c = convert_keystore(source, StoreType::Pkcs12, pw, pw, nullptr);
  std::vector<std::string> ids = key_bag_ids(c.file, pw);
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 3u) << "localKeyIds repeat";
  Keystore again = fmt::read_pkcs12(c.file, pw);
  for (const char* alias : {"mid-rsa", "mid-ec256", "mid-ec384"}) {
    SCOPED_TRACE(alias);
    ASSERT_TRUE(again.find(alias));
    EXPECT_EQ(again.find(alias)->chain, source.find(alias)->chain);
  }
  expect_keys_on_their_leaves(again, pw);
}

TEST(Pkcs12Edges, BouncyCastlesBerPkcs12ReadsAsAKeystore) {
  Password pw("changeit");
  Bytes ber = read_file(peers() + "bc-ber.p12");
  ASSERT_GE(ber.size(), 2u);
  ASSERT_EQ(ber[1], 0x80) << "the fixture is not BER (indefinite length) any more";
  EXPECT_EQ(fmt::detect_store_type(ber), StoreType::Pkcs12);
  Keystore ks = fmt::read_keystore(ber, &pw);
  EXPECT_TRUE(ks.integrity_verified());
  EXPECT_EQ(ks.size(), 4u);
  for (const char* alias : {"mid-rsa", "mid-ec256", "mid-ec384"}) {
    SCOPED_TRACE(alias);
    ASSERT_TRUE(ks.find(alias));
    EXPECT_EQ(ks.find(alias)->chain.front(), leaf_of(alias));
  }
  expect_keys_on_their_leaves(ks, pw);
}

// The bags are walked where they lie when a SafeContents is DER; one in BER (indefinite lengths)
// is read through OpenSSL instead, and must give the same entries.
TEST(Pkcs12Edges, ASafeContentsInBerReadsAsItsDerTwin) {
  Password pw("changeit");
  Bytes der = read_file(fixtures_dir() + "/openssl-modern.p12");
  ossl::Pkcs12Ptr p12 = fmt::parse_pkcs12(der);
  ASSERT_TRUE(p12);
  ossl::Pkcs7StackPtr safes(PKCS12_unpack_authsafes(p12.get()));
  ASSERT_TRUE(safes);
  int reframed = 0;
  for (int i = 0; i < sk_PKCS7_num(safes.get()); ++i) {
    PKCS7* p7 = sk_PKCS7_value(safes.get(), i);
    if (!PKCS7_type_is_data(p7)) continue;
    fmt::DerReader contents(ossl::octets(p7->d.data), "SafeContents");
    fmt::DerElement bags = contents.next(fmt::der::kSequence, "SafeContents");
    Bytes ber{fmt::der::kSequence, 0x80};
    ber.insert(ber.end(), bags.content.begin(), bags.content.end());
    ber.insert(ber.end(), {0x00, 0x00});
    ASSERT_EQ(ASN1_OCTET_STRING_set(p7->d.data, ber.data(), static_cast<int>(ber.size())), 1);
    ++reframed;
  }
  ASSERT_EQ(reframed, 1) << "the fixture's key is not in one unencrypted safe any more";
  ossl::Pkcs12Ptr twin(PKCS12_init(NID_pkcs7_data));
  ASSERT_TRUE(twin && PKCS12_pack_authsafes(twin.get(), safes.get()));
  ASSERT_EQ(PKCS12_set_mac(twin.get(), "changeit", -1, nullptr, 0, 2048, EVP_sha256()), 1);
  Keystore original = fmt::read_pkcs12(der, pw);
  Keystore from_ber = fmt::read_pkcs12(ossl::to_der(twin.get(), i2d_PKCS12), pw);
  ASSERT_EQ(from_ber.size(), original.size());
  ASSERT_GE(original.size(), 1u);
  for (const Entry& e : original.entries()) {
    SCOPED_TRACE(e.alias);
    const Entry* twin_entry = from_ber.find(e.alias);
    ASSERT_TRUE(twin_entry);
    EXPECT_EQ(twin_entry->kind, e.kind);
    EXPECT_EQ(twin_entry->chain, e.chain);
    EXPECT_EQ(twin_entry->sealed, e.sealed);
    EXPECT_TRUE(std::ranges::equal(twin_entry->plain.view(), e.plain.view()));
  }
  const Entry* key = from_ber.find("defaultsecuritykeypairhandle");
  ASSERT_TRUE(key);
  EXPECT_TRUE(key->is_key());
  EXPECT_FALSE(key->sealed.empty() && key->plain.empty());
}

TEST(Pkcs12Edges, KeysWithoutLocalKeyIdTakeTheCertificateOfTheirPublicKey) {
  Password pw("changeit");
  // No friendlyName either: Java names it "1" and, the certificates coming first, leaves it
  // without a chain; the public key finds it.
  Keystore unnamed = fmt::read_pkcs12(read_file(peers() + "forge-no-key-id-unnamed.p12"), pw);
  ASSERT_EQ(unnamed.size(), 1u);
  EXPECT_EQ(unnamed.entries().front().alias, "1");
  ASSERT_EQ(unnamed.entries().front().chain.size(), 3u);
  EXPECT_EQ(unnamed.entries().front().chain.front(), leaf_of("mid-rsa"));
  // Two keys, the second key's certificate first: each key takes the certificate of its own
  // public key (Java keeps the first key only).
  Keystore two = fmt::read_pkcs12(read_file(peers() + "forge-two-keys-no-key-id.p12"), pw);
  ASSERT_EQ(two.size(), 2u);
  ASSERT_TRUE(two.find("mid-rsa") && two.find("forge-rsa"));
  EXPECT_EQ(two.find("mid-rsa")->chain.front(), leaf_of("mid-rsa"));
  EXPECT_EQ(two.find("mid-rsa")->chain.size(), 3u);
  EXPECT_EQ(two.find("forge-rsa")->chain.size(), 1u);
  expect_keys_on_their_leaves(two, pw);
  // A wrong password is still a wrong password, not a missing certificate.
  EXPECT_EQ(error_kind_of([&] { fmt::read_pkcs12(read_file(peers() + "forge-two-keys-no-key-id.p12"), Password("wrong")); }),
            ErrorKind::Password);
}

// der with its subject's (or issuer's) first value made a UTF8String ending in 0xFF, which no UTF-8
// holds: the outline is sound, but d2i_X509 (which canonicalises every name) refuses it.
enum class InName { Subject, Issuer };
Bytes undecodable_variant(const Bytes& der, InName in = InName::Subject) {
  std::optional<CertificateOutline> outline = outline_certificate(der);
  if (!outline) {
    ADD_FAILURE() << "not a certificate";
    return der;
  }
  fmt::DerReader subject(in == InName::Subject ? outline->subject : outline->issuer, "the name");
  fmt::DerReader rdns = subject.enter(subject.next(fmt::der::kSequence, "the name"));
  fmt::DerReader rdn = rdns.enter(rdns.next(fmt::der::kSet, "the first RDN"));
  fmt::DerReader attribute = rdn.enter(rdn.next(fmt::der::kSequence, "the first attribute"));
  attribute.next(fmt::der::kOid, "the attribute type");
  ByteView value = attribute.next().encoded;
  const auto at = static_cast<std::size_t>(value.data() - der.data());
  Bytes odd = der;
  odd[at] = 0x0C;  // UTF8String
  odd[at + value.size() - 1] = 0xFF;
  return odd;
}

// file with the certificate from in its bag replaced by to, of the same length: what write_pkcs12
// cannot write, as it decodes every certificate. The safes come back unencrypted, under a new MAC.
Bytes with_certificate_replaced(const Bytes& file, const Password& pw, const Bytes& from, const Bytes& to) {
  EXPECT_EQ(from.size(), to.size());
  ossl::Pkcs12Ptr p12 = fmt::parse_pkcs12(file);
  ossl::Pkcs7StackPtr safes(PKCS12_unpack_authsafes(p12.get()));
  ossl::Pkcs7StackPtr rewritten(sk_PKCS7_new_null());
  for (int i = 0; i < sk_PKCS7_num(safes.get()); ++i) {
    PKCS7* p7 = sk_PKCS7_value(safes.get(), i);
    ossl::SafeBagStackPtr bags(PKCS7_type_is_encrypted(p7) ? PKCS12_unpack_p7encdata(p7, pw.c_str(), static_cast<int>(pw.size()))
                                                           : PKCS12_unpack_p7data(p7));
    ossl::SafeBagStackPtr replaced(sk_PKCS12_SAFEBAG_new_null());
    for (int j = 0; j < sk_PKCS12_SAFEBAG_num(bags.get()); ++j) {
      Bytes bag = ossl::to_der(sk_PKCS12_SAFEBAG_value(bags.get(), j), i2d_PKCS12_SAFEBAG);
      if (auto cert = std::search(bag.begin(), bag.end(), from.begin(), from.end()); cert != bag.end())
        std::copy(to.begin(), to.end(), cert);
      const unsigned char* p = bag.data();
      sk_PKCS12_SAFEBAG_push(replaced.get(), d2i_PKCS12_SAFEBAG(nullptr, &p, static_cast<long>(bag.size())));
    }
    sk_PKCS7_push(rewritten.get(), PKCS12_pack_p7data(replaced.get()));
  }
  ossl::Pkcs12Ptr out(PKCS12_add_safes(rewritten.get(), 0));
  EXPECT_EQ(PKCS12_set_mac(out.get(), pw.c_str(), static_cast<int>(pw.size()), nullptr, 20, 1000, EVP_sha256()), 1);
  return ossl::to_der(out.get(), i2d_PKCS12);
}

TEST(Pkcs12Edges, ATruststoreIsReadWithoutDecodingItsCertificates) {
  // Trusted entries are their certificates' bytes (d2i_X509 cost 90% of reading 2000 of them): one
  // that OpenSSL cannot decode is read all the same, as the JKS reader and keytool read it. A key's
  // certificate is decoded, for its chain: that one is refused, naming the problem.
  Password pw("changeit");
  const Bytes root = leaf_of("root");
  const Bytes odd = undecodable_variant(root);
  ASSERT_EQ(error_code_of([&] { ossl::parse_cert_der(odd); }), "CERTIFICATE_INVALID");
  Keystore trusted(StoreType::Pkcs12);
  for (const auto& [alias, der] : {std::pair{"odd", root}, std::pair{"intermediate", leaf_of("intermediate")}}) {
    Entry e;
    e.kind = EntryKind::TrustedCert;
    e.alias = alias;
    e.chain = {der};
    trusted.put(e);
  }
  Keystore ks = fmt::read_pkcs12(with_certificate_replaced(fmt::write_pkcs12(trusted, pw), pw, root, odd), pw);
  ASSERT_EQ(ks.size(), 2u);
  ASSERT_TRUE(ks.find("odd") && ks.find("intermediate"));
  EXPECT_EQ(ks.find("odd")->kind, EntryKind::TrustedCert);
  EXPECT_EQ(ks.find("odd")->chain, std::vector<Bytes>{odd});
  EXPECT_EQ(ks.find("intermediate")->chain, std::vector<Bytes>{leaf_of("intermediate")});

  Keystore keyed(StoreType::Pkcs12);
  keyed.put(*fmt::read_pkcs12(read_file(peers() + "java-same-ms.p12"), pw).find("mid-rsa"));
  const Bytes leaf = leaf_of("mid-rsa");
  ASSERT_EQ(keyed.entries().front().chain.front(), leaf);
  Bytes file = with_certificate_replaced(fmt::write_pkcs12(keyed, pw), pw, leaf, undecodable_variant(leaf));
  std::string message;
  EXPECT_EQ(error_kind_of([&] { fmt::read_pkcs12(file, pw); }, &message), ErrorKind::Input);
  EXPECT_EQ(error_code_of([&] { fmt::read_pkcs12(file, pw); }), "PKCS12_CORRUPT");
  EXPECT_NE(message.find("a certificate bag holds an unreadable certificate"), std::string::npos) << message;
}

TEST(Pkcs12Edges, AnIssuerThatDoesNotDecodeEndsTheChainInsteadOfTheRead) {
  // Whether a store opens must not depend on its other entries: a trusted certificate OpenSSL cannot
  // decode, met only as a possible issuer in a key's chain, is passed over (the chain ends before it).
  Password pw("changeit");
  const Bytes leaf = leaf_of("mid-rsa"), intermediate = leaf_of("intermediate"), root = leaf_of("root");
  Entry key = *fmt::read_pkcs12(read_file(peers() + "java-same-ms.p12"), pw).find("mid-rsa");
  key.chain = {leaf, intermediate};
  Entry anchor;
  anchor.kind = EntryKind::TrustedCert;
  anchor.alias = "root";
  anchor.chain = {root};
  Keystore ks(StoreType::Pkcs12);
  ks.put(key);
  ks.put(anchor);
  const Bytes odd = undecodable_variant(root, InName::Issuer);  // its subject still names the intermediate's issuer
  ASSERT_EQ(error_code_of([&] { ossl::parse_cert_der(odd); }), "CERTIFICATE_INVALID");
  Keystore read = fmt::read_pkcs12(with_certificate_replaced(fmt::write_pkcs12(ks, pw), pw, root, odd), pw);
  ASSERT_TRUE(read.find("mid-rsa") && read.find("root"));
  EXPECT_EQ(read.find("mid-rsa")->chain, (std::vector<Bytes>{leaf, intermediate}));
  EXPECT_EQ(read.find("root")->chain, std::vector<Bytes>{odd});
}

TEST(Pkcs12Edges, APasswordJavaCannotUseIsRefusedForPkcs12Writes) {
  // keytool 17 opens no PKCS12 under it ("Password is not ASCII"), whoever wrote the file.
  Password pw("changeit");
  Keystore ks = fmt::read_pkcs12(read_file(peers() + "forge-no-key-id.p12"), pw);
  EXPECT_EQ(error_code_of([&] { fmt::write_pkcs12(ks, Password("Zürich-pässwörd")); }), "PASSWORD_NOT_ENCODABLE");
  std::string message;
  EXPECT_EQ(error_kind_of([&] { fmt::write_pkcs12(ks, Password("Zürich-pässwörd")); }, &message), ErrorKind::Input);
  EXPECT_NE(message.find("PKCS12"), std::string::npos) << message;
  EXPECT_EQ(error_code_of([&] { fmt::write_pkcs12(ks, Password("tab\there")); }), "PASSWORD_NOT_ENCODABLE");
  EXPECT_NO_THROW(fmt::write_pkcs12(ks, Password("printable ASCII ~!")));
  EXPECT_NO_THROW(fmt::write_pkcs12(ks, Password("")));
}

}  // namespace
}  // namespace midks::test
