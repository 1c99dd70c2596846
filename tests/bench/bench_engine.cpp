// In-process figures for scripts/bench.sh (not a test: timings live in the benchmark).
//   bench_engine gen-truststore OUT N SRC   N trusted entries, certificates cycled from SRC (store pass changeit)
//   bench_engine cycle IN OUT               load + list + save; prints "load_ms list_ms encode_ms write_ms entries"
//   bench_engine pkcs12-floor RUNS          median ms of writing a 1-key PKCS#12 and of the PBKDF2 work alone
//   bench_engine bcfks-floor RUNS           the same for BCFKS (PBKDF2-HMAC-SHA512, 51200 iterations)
//   bench_engine spawn CMD [ARG...]          runs CMD (output to /dev/null), prints its wall seconds
//                                           from spawn to reaped exit: the timer of scripts/bench.sh
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "bcfks.hpp"
#include "codec.hpp"
#include "midks/keystore_file.hpp"
#include "midks/ossl.hpp"

extern char** environ;

using namespace midks;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

const Password kPass("changeit");

int gen_truststore(const std::string& out, std::size_t n, const std::string& src) {
  Keystore source = load_keystore(src, &kPass);
  std::vector<Bytes> certs;
  for (const Entry& e : source.entries())
    if (!e.chain.empty()) certs.push_back(e.chain.front());
  Keystore ks(StoreType::Jks);
  for (std::size_t i = 0; i < n; ++i) {
    Entry e;
    e.kind = EntryKind::TrustedCert;
    e.alias = "trusted-" + std::to_string(i);
    e.created_ms = 1700000000000;
    e.chain = {certs[i % certs.size()]};
    ks.put(std::move(e));
  }
  save_keystore(out, ks, kPass);
  return 0;
}

int cycle(const std::string& in, const std::string& out) {
  auto t = Clock::now();
  Keystore ks = load_keystore(in, &kPass);
  double load = ms_since(t);
  t = Clock::now();
  std::string listing;
  for (const std::string& alias : ks.aliases()) listing += alias + ",";
  double list = ms_since(t);
  t = Clock::now();
  Bytes encoded = fmt::write_keystore(ks, kPass);
  double encode = ms_since(t);
  t = Clock::now();
  write_file_atomically(out, encoded);
  double write = ms_since(t);
  std::printf("%.2f %.2f %.2f %.2f %zu\n", load, list, encode, write, ks.size());
  if (listing.empty() && !ks.empty()) return 1;  // keeps the listing from being optimised away
  return 0;
}

int pkcs12_floor(int runs) {
  Keystore jks = load_keystore(std::string(MIDKS_SOURCE_DIR) + "/testdata/keystores/keytool-agent.jks", &kPass);
  fmt::open_entry(jks.entries().front(), kPass);
  jks.entries().front().key_password.reset();
  jks.set_type(StoreType::Pkcs12);
  std::vector<double> write, floor;
  unsigned char out[64], salt[20] = {1};
  for (int r = 0; r < runs; ++r) {
    auto t = Clock::now();
    Bytes p12 = fmt::write_keystore(jks, kPass);
    write.push_back(ms_since(t));
    // The same key-derivation work alone: PBKDF2-HMAC-SHA256 for the key bag and for the
    // certificate safe, and the PKCS#12 KDF (SHA-256) for the MAC, 10000 iterations each.
    t = Clock::now();
    PKCS5_PBKDF2_HMAC(kPass.c_str(), static_cast<int>(kPass.size()), salt, 16, 10000, EVP_sha256(), 32, out);
    PKCS5_PBKDF2_HMAC(kPass.c_str(), static_cast<int>(kPass.size()), salt, 16, 10000, EVP_sha256(), 32, out);
    PKCS12_key_gen_utf8(kPass.c_str(), static_cast<int>(kPass.size()), salt, 20, PKCS12_MAC_ID, 10000, 32, out, EVP_sha256());
    floor.push_back(ms_since(t));
  }
  std::printf("%.2f %.2f\n", median(write), median(floor));
  return 0;
}

// BCFKS: writing a store whose key is open (so sealed anew) runs PBKDF2-HMAC-SHA512 three times at
// the store's iteration count: the key's encryption key, the store's, and the integrity MAC's key.
// The floor is those three derivations alone, with inputs of the same lengths (64-byte salts;
// password and purpose as BC's UTF-16 bytes); rounds alternate write and floor.
int bcfks_floor(int runs) {
  Keystore ks = load_keystore(std::string(MIDKS_SOURCE_DIR) + "/testdata/keystores/keytool-agent.jks", &kPass);
  fmt::open_entry(ks.entries().front(), kPass);
  ks.entries().front().key_password.reset();
  ks.set_type(StoreType::Bcfks);
  std::vector<double> write, floor;
  unsigned char out[64], salt[64] = {1};
  // "changeit" and each purpose as UTF-16BE with a 2-byte NUL, as the writer hashes them.
  auto input_len = [](std::size_t purpose_chars) { return static_cast<int>((8 + 1) * 2 + (purpose_chars + 1) * 2); };
  std::vector<char> input(128, 'x');
  for (int r = 0; r < runs; ++r) {
    auto t = Clock::now();
    Bytes store = fmt::write_keystore(ks, kPass);
    write.push_back(ms_since(t));
    t = Clock::now();
    PKCS5_PBKDF2_HMAC(input.data(), input_len(22), salt, 64, fmt::kBcfksIterations, EVP_sha512(), 32, out);  // PRIVATE_KEY_ENCRYPTION
    PKCS5_PBKDF2_HMAC(input.data(), input_len(16), salt, 64, fmt::kBcfksIterations, EVP_sha512(), 32, out);  // STORE_ENCRYPTION
    PKCS5_PBKDF2_HMAC(input.data(), input_len(15), salt, 64, fmt::kBcfksIterations, EVP_sha512(), 64, out);  // INTEGRITY_CHECK
    floor.push_back(ms_since(t));
    if (store.empty()) return 1;
  }
  std::printf("%.2f %.2f\n", median(write), median(floor));
  return 0;
}

// A shell's own forks (date, command substitution) cost more than a command of ours takes, and vary
// more: timed here, only the command's spawn (vfork-style, so this process's size does not count),
// exec, run and exit are inside the window.
int spawn(char** argv) {
  posix_spawn_file_actions_t to_null;
  posix_spawn_file_actions_init(&to_null);
  posix_spawn_file_actions_addopen(&to_null, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&to_null, 1, 2);
  auto start = Clock::now();
  pid_t child = 0;
  int failed = posix_spawn(&child, argv[0], &to_null, nullptr, argv, environ);
  int status = 0;
  bool reaped = failed == 0 && waitpid(child, &status, 0) == child;
  double seconds = ms_since(start) / 1000;
  posix_spawn_file_actions_destroy(&to_null);
  if (!reaped) return 1;
  std::printf("%.6f\n", seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::string verb = argc > 1 ? argv[1] : "";
    if (verb == "gen-truststore" && argc == 5) return gen_truststore(argv[2], std::stoul(argv[3]), argv[4]);
    if (verb == "cycle" && argc == 4) return cycle(argv[2], argv[3]);
    if (verb == "pkcs12-floor" && argc == 3) return pkcs12_floor(std::stoi(argv[2]));
    if (verb == "bcfks-floor" && argc == 3) return bcfks_floor(std::stoi(argv[2]));
    if (verb == "spawn" && argc >= 3) return spawn(argv + 2);
    std::cerr << "usage: bench_engine gen-truststore OUT N SRC | cycle IN OUT | pkcs12-floor RUNS | bcfks-floor RUNS | spawn CMD [ARG...]\n";
    return 1;
  } catch (const Error& e) {
    std::cerr << "bench_engine: " << e.what() << "\n";
    return e.exit_code();
  }
}
