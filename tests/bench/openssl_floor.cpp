// The floor under every command that uses OpenSSL 3 as the stack requires: load libcrypto, do
// one SHA-1 (the JKS integrity check's digest), exit. scripts/bench.sh measures it beside the
// jobs, so ratios can be read against what no OpenSSL-based program can go below.
#include <openssl/evp.h>

#include <cstdio>

int main() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest("abc", 3, md, &n, EVP_sha1(), nullptr) != 1) return 1;
  std::printf("%02x\n", md[0]);
  return 0;
}
