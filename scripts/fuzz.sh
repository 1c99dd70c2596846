#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each for SECONDS (default 20), one per
# core side by side, seeded with every key store in testdata/ and the peer vectors. Crashes are kept in
# tests/fuzz/regressions/ by hand once fixed; they replay first on every run.
#   scripts/fuzz.sh [SECONDS]        a longer local run: scripts/fuzz.sh 3600
#   FUZZ_RUNS=10000000 FUZZ_TARGETS="jks config" scripts/fuzz.sh
#                                    a fixed number of executions per target instead of a time
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
source scripts/packages.sh
source scripts/static-libs.sh
static_libs linux-x86_64
shipped_openssl
cmake --preset fuzz "${shipped_openssl_args[@]}" >/dev/null
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
# fuzz_one TARGET: its kept regressions, then its time; the outcome goes into build-fuzz/fuzz_TARGET.result
# (first line "ok" or "fail"), so that the targets can run side by side, one per core.
fuzz_one() {
  local target=$1 seed_dir=$seeds corpus regressions log result=build-fuzz/fuzz_$1.result
  [ "$target" = bundle ] && seed_dir=$bundle_seeds; [ "$target" = config ] && seed_dir=testdata/config
  [ "$target" = bcfks ] && seed_dir=$bcfks_seeds
  corpus=build-fuzz/corpus/$target && mkdir -p "$corpus"
  regressions=tests/fuzz/regressions/$target
  if [ -d "$regressions" ] && ! build-fuzz/tests/fuzz/fuzz_$target "$regressions"/* >/dev/null 2>&1; then
    printf 'fail\nfuzz_%s: a kept regression input fails again\n' "$target" >"$result"; return; fi
  log=build-fuzz/fuzz_$target.log
  if ! build-fuzz/tests/fuzz/fuzz_$target "${budget[@]}" -max_len=65536 -rss_limit_mb=2048 \
      -artifact_prefix=build-fuzz/crash-$target- "$corpus" "$seed_dir" >"$log" 2>&1; then
    { echo fail; echo "fuzz_$target FOUND A CRASH:"; tail -40 "$log"; } >"$result"; return
  fi
  printf 'ok\nfuzz_%s: %s, corpus %s inputs\n' "$target" "$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1)" "$(ls "$corpus" | wc -l)" >"$result"
}
targets=(${FUZZ_TARGETS:-keystore jks pkcs12 java_serial key_protection bundle config bcfks})
for target in "${targets[@]}"; do
  rm -f "build-fuzz/fuzz_$target.result"
  while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do wait -n || true; done
  fuzz_one "$target" &
done
wait
failed=0
for target in "${targets[@]}"; do
  result=build-fuzz/fuzz_$target.result
  [ -f "$result" ] || { echo "fuzz_$target: no outcome"; failed=1; continue; }
  tail -n +2 "$result"; [ "$(head -1 "$result")" = ok ] || failed=1
done
exit "$failed"
