#!/usr/bin/env bash
# Sets up, then runs the whole suite: Release build, the same suite under AddressSanitizer +
# UndefinedBehaviorSanitizer, and a short libFuzzer run of every reader.
#   MIDKS_QUICK=1 scripts/test.sh   skips the sanitizer and fuzz stages (local iteration only)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc)

echo "== tests (Release)"
ctest --test-dir build --output-on-failure -j"$jobs"

if [ "${MIDKS_QUICK:-0}" = 1 ]; then exit 0; fi

echo "== tests (ASan + UBSan)"
cmake --preset asan >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs"

echo "== fuzz smoke (libFuzzer, ${MIDKS_FUZZ_SECONDS:-40} s per reader)"
scripts/fuzz.sh "${MIDKS_FUZZ_SECONDS:-40}"
