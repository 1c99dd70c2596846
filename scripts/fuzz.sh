#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each for SECONDS (default 20),
# seeded with every key store in testdata/ and the peer vectors. Crashes are kept in
# tests/fuzz/regressions/ by hand once fixed; they replay first on every run.
#   scripts/fuzz.sh [SECONDS]        a longer local run: scripts/fuzz.sh 3600
#   FUZZ_RUNS=10000000 FUZZ_TARGETS="jks config" scripts/fuzz.sh
#                                    a fixed number of executions per target instead of a time
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
cmake --preset fuzz >/dev/null
cmake --build build-fuzz -j"$(nproc)"
seeds=build-fuzz/seeds && rm -rf "$seeds" && mkdir -p "$seeds"
cp testdata/keystores/*.jks testdata/keystores/*.jceks testdata/keystores/*.p12 "$seeds"/
cp testdata/peer-vectors/pyjks/j*/* "$seeds"/
# The Java-serialization reader starts at a stream header: cut the sealed keys out of JCEKS files.
for f in "$seeds"/*.jceks; do
  off=$(LC_ALL=C grep -obUaP '\xac\xed\x00\x05' "$f" | head -1 | cut -d: -f1) || true
  [ -n "$off" ] && tail -c +"$((off + 1))" "$f" > "$seeds/serial-$(basename "$f")"
done
bundle_seeds=build-fuzz/bundle-seeds && rm -rf "$bundle_seeds" && mkdir -p "$bundle_seeds"
find testdata/bundles -type f ! -name cases.tsv -exec cp --backup=numbered -t "$bundle_seeds" {} +
# BCFKS: the keytool+BC stores (every mutation that reaches the MAC costs one PBKDF2 of the count it states).
bcfks_seeds=build-fuzz/bcfks-seeds && rm -rf "$bcfks_seeds" && mkdir -p "$bcfks_seeds" && cp testdata/keystores/bcfks/*.bcfks "$bcfks_seeds"/
cp testdata/keystores/bcfks/*.bcfks "$seeds"/
budget=(-max_total_time="$seconds"); [ -n "${FUZZ_RUNS:-}" ] && budget=(-runs="$FUZZ_RUNS")
# ASan's allocator hands memory back to the kernel every few seconds (madvise, then a TLB flush on
# every core) and keeps 256 MB of freed memory poisoned: with the first off and 64 MB of quarantine,
# the keystore target ran 1.4x the executions in 30 s (3130/s against 2246/s) in a third the RSS.
export ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_release_to_os_interval_ms=-1:quarantine_size_mb=64}
for target in ${FUZZ_TARGETS:-keystore jks pkcs12 java_serial key_protection bundle config bcfks}; do
  seed_dir=$seeds; [ "$target" = bundle ] && seed_dir=$bundle_seeds; [ "$target" = config ] && seed_dir=testdata/config
  [ "$target" = bcfks ] && seed_dir=$bcfks_seeds
  corpus=build-fuzz/corpus/$target && mkdir -p "$corpus"
  regressions=tests/fuzz/regressions/$target
  if [ -d "$regressions" ]; then build-fuzz/tests/fuzz/fuzz_$target "$regressions"/* >/dev/null 2>&1 ||
    { echo "fuzz_$target: a kept regression input fails again"; exit 1; }; fi
  log=build-fuzz/fuzz_$target.log
  if ! build-fuzz/tests/fuzz/fuzz_$target "${budget[@]}" -max_len=65536 -rss_limit_mb=2048 \
      -artifact_prefix=build-fuzz/crash-$target- "$corpus" "$seed_dir" >"$log" 2>&1; then
    echo "fuzz_$target FOUND A CRASH:"; tail -40 "$log"; exit 1
  fi
  echo "fuzz_$target: $(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1), corpus $(ls "$corpus" | wc -l) inputs"
done
