// Test-only helper for the interop scripts: builds and converts key stores with the library so
// that keytool, openssl and a JVM can judge what we write. Not installed, not user-facing.
//   ks_tool make OUT TYPE ALIAS KEY.pem CHAIN.pem [TRUSTED_ALIAS CERT.pem]...   (passwords: env KS_STOREPASS, KS_KEYPASS)
//   ks_tool convert IN OUT TYPE      (reads with KS_INPASS, opens keys with KS_INPASS, writes with KS_STOREPASS)
//   ks_tool import OUT TYPE ALIAS FILE...   (bundle import; passphrase: env KS_KEYPASS; prints findings)
//   ks_tool list IN                  (KS_STOREPASS; prints alias|kind|created_ms|sha256 per entry)
#include <openssl/pem.h>

#include <cstdlib>
#include <iostream>
#include <optional>

#include "codec.hpp"
#include "midks/keystore_transaction.hpp"
#include "midks/bundle.hpp"
#include "midks/cert_info.hpp"
#include "midks/keystore_file.hpp"
#include "midks/ossl.hpp"

using namespace midks;

namespace {

Password env_password(const char* name) {
  const char* v = std::getenv(name);
  if (!v) fail(ErrorCode::USAGE, std::string(name) + " is not set");
  return Password(v);
}

StoreType parse_type(const std::string& t) {
  if (t == "JKS") return StoreType::Jks;
  if (t == "JCEKS") return StoreType::Jceks;
  if (t == "PKCS12") return StoreType::Pkcs12;
  if (t == "BCFKS") return StoreType::Bcfks;
  fail(ErrorCode::USAGE, "unknown store type " + t);
}

std::vector<Bytes> read_pem_certs(const std::string& path) {
  Bytes data = read_file(path);
  ossl::BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  std::vector<Bytes> out;
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    ossl::X509Ptr owned(x);
    out.push_back(ossl::cert_der(x));
  }
  ossl::drain_errors();
  if (out.empty()) fail(ErrorCode::NO_CERTIFICATE, "no certificate in " + path);
  return out;
}

SecureBytes read_pem_key(const std::string& path) {
  Bytes data = read_file(path);
  ossl::BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  ossl::PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) ossl::throw_last(ErrorCode::NO_PRIVATE_KEY, "no private key in " + path);
  ossl::Pkcs8InfoPtr p8(EVP_PKEY2PKCS8(key.get()));
  Bytes der = ossl::to_der(p8.get(), i2d_PKCS8_PRIV_KEY_INFO);
  SecureBytes out(der);
  OPENSSL_cleanse(der.data(), der.size());
  return out;
}

int run(int argc, char** argv) {
  if (argc < 3) fail(ErrorCode::USAGE, "usage: ks_tool make|convert|list …");
  std::string verb = argv[1];
  if (verb == "make" && argc >= 7) {
    Keystore ks(parse_type(argv[3]));
    Entry key;
    key.kind = EntryKind::PrivateKey;
    key.alias = argv[4];
    key.created_ms = now_ms();
    key.plain = read_pem_key(argv[5]);
    key.chain = read_pem_certs(argv[6]);
    if (const char* kp = std::getenv("KS_KEYPASS")) key.key_password = Password(kp);
    ks.put(std::move(key));
    for (int i = 7; i + 1 < argc; i += 2) {
      Entry t;
      t.kind = EntryKind::TrustedCert;
      t.alias = argv[i];
      t.created_ms = now_ms();
      t.chain = {read_pem_certs(argv[i + 1]).front()};
      ks.put(std::move(t));
    }
    save_keystore(argv[2], ks, env_password("KS_STOREPASS"));
    return 0;
  }
  if (verb == "convert" && argc == 5) {
    Password in = env_password("KS_INPASS");
    Keystore ks = load_keystore(argv[2], &in);
    ks.set_type(parse_type(argv[4]));
    Keystore out(ks.type());
    for (Entry& e : ks.entries()) {
      if (e.kind == EntryKind::SecretKey) continue;  // secret keys do not cross formats
      if (e.kind == EntryKind::PrivateKey) {
        fmt::open_entry(e, in);
        e.key_password.reset();
      }
      out.put(std::move(e));
    }
    save_keystore(argv[3], out, env_password("KS_STOREPASS"));
    return 0;
  }
  if (verb == "import" && argc >= 6) {
    std::optional<Password> passphrase;
    if (const char* kp = std::getenv("KS_KEYPASS")) passphrase.emplace(kp);
    ImportOptions options;
    options.passphrase = passphrase ? &*passphrase : nullptr;
    ImportedKey imported = import_bundle_files(std::vector<std::string>(argv + 5, argv + argc), options);
    for (const auto& n : imported.notes) std::cout << "note: " << n << "\n";
    for (const auto& f : imported.findings) std::cout << "warning [" << f.name() << "]: " << f.message << "\n";
    Keystore ks(parse_type(argv[3]));
    ks.put(make_key_entry(argv[4], std::move(imported)));
    save_keystore(argv[2], ks, env_password("KS_STOREPASS"));
    return 0;
  }
  if (verb == "list" && argc == 3) {
    Password pw = env_password("KS_STOREPASS");
    Keystore ks = load_keystore(argv[2], &pw);
    for (const Entry& e : ks.entries())
      std::cout << e.alias << "|" << entry_kind_name(e.kind) << "|" << e.created_ms << "|"
                << (e.chain.empty() ? "" : fingerprint(e.chain.front(), "SHA256")) << "\n";
    return 0;
  }
  fail(ErrorCode::USAGE, "bad arguments for ks_tool " + verb);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Error& e) {
    std::cerr << "ks_tool: " << e.what() << " [" << e.code() << "]\n";
    return e.exit_code();
  }
}
