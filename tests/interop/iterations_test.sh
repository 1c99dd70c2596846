#!/usr/bin/env bash
# Bundles asking for 2^31-1 KDF iterations (or an scrypt N of 2^30): every command that reads a
# bundle or a keystore exits 2 (ITERATIONS_TOO_HIGH) within 1 s instead of spinning for minutes.
#   iterations_test.sh <manage-certificates> <source dir>
set -uo pipefail
bin=$1; absurd=$2/testdata/bundles/absurd
source "$(dirname "$0")/lib.sh"
pin_clock
cd "$work" && mkdir agent
export PASS=absurd-pass
# run DESCRIPTION ARGS...: exit 2, ITERATIONS_TOO_HIGH on stderr/stdout, under 1 s (10 s cap).
run() {
  local what=$1; shift
  local start=$(date +%s%N) rc
  out=$(timeout 10 "$bin" "$@" --keypass-env PASS 2>&1); rc=$?
  local ms=$(( ($(date +%s%N) - start) / 1000000 ))
  check "$what: exit 2 in ${ms} ms" "[ $rc = 2 ] && [ $ms -lt 1000 ] && grep -q ITERATIONS_TOO_HIGH <<<\"\$out\""
}
# key-bag-in-encrypted-safe.pfx: sane MAC and safe, the shrouded key bag inside the safe at 2^31-1;
# scrypt-n-pkcs8.pem: an encrypted PKCS#8 key whose scrypt N is 2^30.
for f in mac-iterations.pfx key-bag-iterations.pfx cert-safe-iterations.pfx key-bag-in-encrypted-safe.pfx \
         encrypted-pkcs8.pem encrypted-pkcs8.der scrypt-n-pkcs8.pem; do
  run "-a $f" -a x "$absurd/$f" --agent-dir agent
  run "doctor $f" doctor "$absurd/$f"
  run "split $f" split "$absurd/$f" --agent-dir agent
done
for f in mac-iterations.pfx key-bag-in-encrypted-safe.pfx; do
  start=$(date +%s%N)
  out=$(timeout 10 "$bin" -l --keystore "$absurd/$f" --storepass-env PASS 2>&1); rc=$?
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  check "-l $f: exit 2 in ${ms} ms" "[ $rc = 2 ] && [ $ms -lt 1000 ] && grep -q ITERATIONS_TOO_HIGH <<<\"\$out\""
done
finish
