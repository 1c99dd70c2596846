// The random generator: SHA-256 Hash_DRBG once prefer_hash_drbg() ran before OpenSSL loaded its
// config (as main() does). Run in a fresh process each: the generator is process-wide and another
// test may already have started OpenSSL's default. (openssl.cnf's own choice winning over ours is
// checked on the program, in tests/interop/cli_smoke.sh.)
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <string>

#include "midks/ossl.hpp"

namespace midks::test {
namespace {

std::string primary_generator() {
  EVP_RAND_CTX* primary = RAND_get0_primary(nullptr);
  return primary ? EVP_RAND_get0_name(EVP_RAND_CTX_get0_rand(primary)) : "";
}

TEST(RandomGenerator, IsHashDrbgWhenPreferredBeforeFirstUse) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // a new process, OpenSSL untouched
  EXPECT_EXIT(
      {
        ossl::prefer_hash_drbg();
        ossl::random_bytes(20);
        std::exit(primary_generator() == "HASH-DRBG" ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(RandomGenerator, StaysAsItIsOnceRunning) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ossl::random_bytes(20);  // OpenSSL's default (or openssl.cnf's choice) starts
        std::string running = primary_generator();
        ossl::prefer_hash_drbg();  // too late: changes nothing and throws nothing
        ossl::random_bytes(20);
        std::exit(!running.empty() && primary_generator() == running ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace midks::test
