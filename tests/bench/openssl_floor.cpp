// The floors scripts/bench.sh reads our commands against, so ratios can be read against what no
// OpenSSL-based program can go below:
//   openssl_floor          load libcrypto, do one SHA-1 (the JKS integrity check's digest), exit.
//   openssl_floor BUNDLE   load libcrypto, read a PEM bundle's certificates and its private key
//                          the cheapest way OpenSSL 3 offers, exit: what any program importing that
//                          bundle must do before it checks or writes anything.
//   openssl_floor --durable FILE
//                          one SHA-1, then FILE replaced durably with 4 KiB (a one-entry keystore's
//                          size) the least way there is: a new file beside it written and fsynced,
//                          renamed over FILE, the folder fsynced. No write command goes below it
//                          without giving up that the file is on the disk when it says so.
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

// The key decoded for its own type, as the cheapest OpenSSL 3 path is (a typed decoder context).
bool decode_private_key(const unsigned char* der, long len) {
  EVP_PKEY* key = nullptr;
  OSSL_DECODER_CTX* ctx = OSSL_DECODER_CTX_new_for_pkey(&key, "DER", "PrivateKeyInfo", "RSA", EVP_PKEY_KEYPAIR, nullptr, nullptr);
  std::size_t left = static_cast<std::size_t>(len);
  bool ok = ctx && OSSL_DECODER_from_data(ctx, &der, &left) == 1 && left == 0;
  OSSL_DECODER_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok;
}

int read_bundle(const char* path) {
  BIO* in = BIO_new_file(path, "rb");
  if (!in) return 1;
  int certs = 0, keys = 0;
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  while (PEM_read_bio(in, &name, &header, &data, &len) == 1) {
    const unsigned char* p = data;
    if (std::strcmp(name, "CERTIFICATE") == 0) {
      X509* cert = d2i_X509(nullptr, &p, len);  // decodes the certificate's public key too
      certs += cert != nullptr;
      X509_free(cert);
    } else if (std::strcmp(name, "PRIVATE KEY") == 0) {
      keys += decode_private_key(data, len);
    }
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_clear_free(data, static_cast<std::size_t>(len));
  }
  BIO_free(in);
  std::printf("%d certificate(s), %d key(s)\n", certs, keys);
  return certs > 0 && keys == 1 ? 0 : 1;
}

int replace_durably(const char* path) {
  const std::string target(path), temp = target + ".floor-tmp";
  const std::string::size_type slash = target.rfind('/');
  const std::string folder = slash == std::string::npos ? "." : target.substr(0, slash + 1);
  static const char block[4096] = {};
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return 1;
  bool ok = write(fd, block, sizeof block) == static_cast<ssize_t>(sizeof block) && fsync(fd) == 0;
  ok = close(fd) == 0 && ok && rename(temp.c_str(), path) == 0;
  int dir = open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ok = ok && dir >= 0 && fsync(dir) == 0;
  if (dir >= 0) close(dir);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2) return read_bundle(argv[1]);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest("abc", 3, md, &n, EVP_sha1(), nullptr) != 1) return 1;
  std::printf("%02x\n", md[0]);
  if (argc == 3) return std::strcmp(argv[1], "--durable") == 0 ? replace_durably(argv[2]) : 2;
  return 0;
}
