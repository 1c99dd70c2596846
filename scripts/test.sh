#!/usr/bin/env bash
# Sets up, then runs the whole suite: every test on the portable Release build (the binary we ship,
# in build-linux/), the tests labelled asan (our own code: unit tests, fuzz replays, the command
# line's scripts; not those whose time goes into keytool, a JVM or packaging, where ASan sees
# nothing) under AddressSanitizer + UndefinedBehaviorSanitizer, and a short libFuzzer run of every
# reader (the sanitized builds link the OpenSSL 3.5 the shipped binary embeds, with the system's
# compiler runtime). Each stage says how long it took.
#   MIDKS_QUICK=1 scripts/test.sh   skips the sanitizer and fuzz stages (local iteration only)
#   MIDKS_WINDOWS=0 scripts/test.sh skips the Windows stage (cross build, then wine)
set -euo pipefail
cd "$(dirname "$0")/.."
run_start=$SECONDS
# The compiler cache (CMakeLists.txt) is counted from here, so the last line can say what it saved.
export CCACHE_DIR=${MIDKS_CACHE:-$HOME/.cache/midks}/ccache
! command -v ccache >/dev/null || ccache -z >/dev/null  # a new machine gets it from setup.sh
scripts/setup.sh
jobs=$(nproc)

echo "== tests (Release)"
start=$SECONDS
ctest --test-dir build-linux --output-on-failure -j"$jobs"
echo "== Release tests: $((SECONDS - start)) s"
# The MID agent folders and Java classes that pass made (tests/interop/fixtures.sh) serve the stages
# after it: the same checkout, made minutes ago.
release_fixtures=$PWD/build-linux/tests/fixtures

if [ "${MIDKS_WINDOWS:-1}" = 1 ]; then
  # manage-certificates.exe cross-built from Debian packages (libraries cached in
  # ~/.cache/midks/windows-x64), its unit tests and the .bat end to end under wine, its keystores
  # judged by Linux keytool and a JVM handshake (so after the Release build, which gives ks_tool).
  echo "== Windows (cross-built, run under wine)"
  windows_start=$SECONDS
  scripts/build-windows.sh
  MIDKS_TEST_AGENTS=$release_fixtures/mid-agents MIDKS_TEST_CLASSES=$release_fixtures/java-classes \
    bash tests/windows/windows_test.sh build-windows . build-linux
  echo "== Windows stage: $((SECONDS - windows_start)) s"
fi

if [ "${MIDKS_QUICK:-0}" = 1 ]; then exit 0; fi

echo "== tests (ASan + UBSan): ctest -L asan"
start=$SECONDS
source scripts/packages.sh
source scripts/static-libs.sh
static_libs linux-x86_64  # built for the portable binary already: cached (a plain command, so set -e stops on a failure)
shipped_openssl
cmake --preset asan "${shipped_openssl_args[@]}" >/dev/null
cmake --build build-asan -j"$jobs"
echo "== ASan build: $((SECONDS - start)) s"
start=$SECONDS
MIDKS_FIXTURES_FROM=$release_fixtures ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" -L asan
echo "== ASan tests: $((SECONDS - start)) s"

echo "== fuzz smoke (libFuzzer, ${MIDKS_FUZZ_SECONDS:-40} s per reader)"
start=$SECONDS
scripts/fuzz.sh "${MIDKS_FUZZ_SECONDS:-40}"
echo "== fuzz stage: $((SECONDS - start)) s"
ccache --print-stats | awk '$1 ~ /cache_hit$/ {hit += $2} $1 == "cache_miss" {miss = $2}
  END {printf "== compiler cache: %d objects reused, %d compiled\n", hit, miss}'
echo "== test command: $((SECONDS - run_start)) s"
