// Table tests: every key store made by a real peer (keytool, openssl, pyjks' Java runs) reads the
// way keytool lists it, and every key in it opens with its password.
#include <openssl/x509.h>

#include "codec.hpp"
#include "midks/ossl.hpp"
#include "support.hpp"

namespace midks::test {
namespace {

struct Vector {
  std::string file;       // path relative to its directory
  std::string dir;
  bool has_password;
  std::string storepass;
  std::map<std::string, std::string> keypasses;  // alias -> key password, where it differs
  bool keytool_accepts;
  std::string expected;   // keytool's listing
};

void PrintTo(const Vector& v, std::ostream* os) { *os << v.file; }

std::string name_of(const testing::TestParamInfo<Vector>& info) { return test_name(info.param.file); }

std::vector<Vector> peer_vectors() {
  std::vector<Vector> out;
  for (const auto& row : read_tsv(peer_dir() + "/vectors.tsv")) {
    Vector v{row.at(0), peer_dir(), row.at(2) != "(none)", row.at(2), {}, row.at(3) == "0", ""};
    std::string base = v.file.substr(v.file.find('/') + 1);
    v.expected = peer_dir() + "/expected/" + base + ".keytool.txt";
    if (base.rfind("custom_entry_passwords", 0) == 0) v.keypasses = {{"private", "private_password"}, {"secret", "secret_password"}};
    out.push_back(v);
  }
  return out;
}

// A fixtures.tsv (file, store password, alias=key password,…) and keytool's listing of each file
// in expected/ beside it: testdata/keystores (scripts/gen-testdata.sh), its bcfks/ folder
// (scripts/gen-bcfks.sh, keytool with Bouncy Castle) and its pkcs12-peers/ folder
// (scripts/gen-pkcs12-peers.sh: the JDK's and Bouncy Castle's KeyStore APIs, node-forge).
std::vector<Vector> fixtures_in(const std::string& dir) {
  std::vector<Vector> out;
  for (const auto& row : read_tsv(dir + "/fixtures.tsv")) {
    Vector v{row.at(0), dir, true, row.at(1), {}, true, dir + "/expected/" + row.at(0) + ".keytool.txt"};
    std::stringstream pairs(row.size() > 2 ? row[2] : "");
    for (std::string pair; std::getline(pairs, pair, ',');)
      if (auto eq = pair.find('='); eq != std::string::npos) v.keypasses[pair.substr(0, eq)] = pair.substr(eq + 1);
    out.push_back(v);
  }
  return out;
}

// A private key that opens must be the key of the entry's leaf certificate.
void expect_key_matches_leaf(const Entry& e) {
  const unsigned char* p = e.plain.data();
  ossl::Pkcs8InfoPtr p8(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(e.plain.size())));
  ASSERT_TRUE(p8);
  ossl::PkeyPtr key(EVP_PKCS82PKEY(p8.get()));
  ASSERT_TRUE(key);
  auto leaf = ossl::parse_cert_der(e.chain.front());
  EXPECT_EQ(X509_check_private_key(leaf.get(), key.get()), 1) << "key does not match the leaf certificate";
}

class KeystoreTable : public testing::TestWithParam<Vector> {};

TEST_P(KeystoreTable, ReadsLikeKeytoolAndOpensEveryKey) {
  const Vector& v = GetParam();
  Password storepass(v.storepass);
  std::string path = v.dir + "/" + v.file;
  if (!v.keytool_accepts) {
    std::string message;
    EXPECT_EQ(error_kind_of([&] { load_keystore(path, &storepass); }, &message), ErrorKind::Input);
    EXPECT_NE(message.find("invalid secret key format"), std::string::npos) << message;
    return;
  }
  Keystore ks = load_keystore(path, v.has_password ? &storepass : nullptr);
  EXPECT_EQ(ks.integrity_verified(), v.has_password);
  expect_same_as_keytool(ks, parse_keytool_list(v.expected));
  if (!v.has_password) return;
  for (Entry& e : ks.entries()) {
    if (!e.is_key()) continue;
    SCOPED_TRACE("opening " + e.alias);
    auto kp = v.keypasses.find(e.alias);
    Password keypass(kp != v.keypasses.end() ? kp->second : v.storepass);
    ASSERT_NO_THROW(fmt::open_entry(e, keypass));
    ASSERT_FALSE(e.plain.empty());
    if (e.kind == EntryKind::PrivateKey) expect_key_matches_leaf(e);
    if (kp != v.keypasses.end()) {
      Entry locked = *ks.find(e.alias);
      locked.plain.clear();
      EXPECT_EQ(error_kind_of([&] { fmt::open_entry(locked, storepass); }), ErrorKind::Password)
          << "the store password must not open a key that has its own password";
    }
  }
}

TEST_P(KeystoreTable, WrongStorePasswordIsReportedAsSuch) {
  const Vector& v = GetParam();
  if (!v.keytool_accepts || !v.has_password) GTEST_SKIP() << "no password to get wrong";
  Password wrong("definitely-not-" + v.storepass);
  std::string message;
  EXPECT_EQ(error_kind_of([&] { load_keystore(v.dir + "/" + v.file, &wrong); }, &message), ErrorKind::Password);
  EXPECT_NE(message.find("password is incorrect"), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(PeerVectors, KeystoreTable, testing::ValuesIn(peer_vectors()), name_of);
INSTANTIATE_TEST_SUITE_P(Fixtures, KeystoreTable, testing::ValuesIn(fixtures_in(fixtures_dir())), name_of);
INSTANTIATE_TEST_SUITE_P(Bcfks, KeystoreTable, testing::ValuesIn(fixtures_in(fixtures_dir() + "/bcfks")), name_of);
INSTANTIATE_TEST_SUITE_P(Pkcs12Peers, KeystoreTable, testing::ValuesIn(fixtures_in(fixtures_dir() + "/pkcs12-peers")), name_of);

TEST(SecretKeys, OpenToTheAlgorithmAndLengthJavaMade) {
  struct Row {
    std::string path, storepass, alias, keypass, algorithm;
    std::size_t bytes;
  };
  const std::vector<Row> rows = {
      {peer_dir() + "/jceks/AES128.jceks", "12345678", "mykey", "12345678", "AES", 16},
      {peer_dir() + "/jceks/AES256.jceks", "12345678", "mykey", "12345678", "AES", 32},
      {peer_dir() + "/jceks/DES.jceks", "12345678", "mykey", "12345678", "DES", 8},
      {peer_dir() + "/jceks/DESede.jceks", "12345678", "mykey", "12345678", "DESede", 24},
      {peer_dir() + "/jceks/custom_entry_passwords.jceks", "store_password", "secret", "secret_password", "AES", 16},
      {fixtures_dir() + "/keytool-mixed.jceks", "changeit", "aes-secret", "changeit", "AES", 32},
      {fixtures_dir() + "/keytool-mixed.jceks", "changeit", "desede-secret", "changeit", "DESede", 24},
      {fixtures_dir() + "/bcfks/mixed.bcfks", "changeit", "aes-secret", "changeit", "AES", 32},
      {fixtures_dir() + "/bcfks/kwp-sha3.bcfks", "changeit", "aes-128", "changeit", "AES", 16},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.path + " " + r.alias);
    Password storepass(r.storepass);
    Keystore ks = load_keystore(r.path, &storepass);
    Entry* e = ks.find(r.alias);
    ASSERT_TRUE(e);
    fmt::open_entry(*e, Password(r.keypass));
    EXPECT_EQ(e->secret_algorithm, r.algorithm);
    EXPECT_EQ(e->plain.size(), r.bytes);
  }
}

TEST(SecretKeys, Pkcs12SecretKeyOpens) {
  Password pw("changeit");
  Keystore ks = load_keystore(fixtures_dir() + "/keytool-mixed.p12", &pw);
  Entry* e = ks.find("aes-secret");
  ASSERT_TRUE(e);
  fmt::open_entry(*e, pw);
  EXPECT_EQ(e->plain.size(), 16u);
  EXPECT_EQ(e->secret_algorithm, "AES");
}

}  // namespace
}  // namespace midks::test
