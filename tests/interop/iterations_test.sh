#!/usr/bin/env bash
# Bundles asking for 2^31-1 KDF iterations: every command that reads a bundle or a keystore exits
# 2 (ITERATIONS_TOO_HIGH) within 1 s instead of spinning for minutes.
#   iterations_test.sh <manage-certificates> <source dir>
set -uo pipefail
bin=$1; absurd=$2/testdata/bundles/absurd
source "$(dirname "$0")/lib.sh"
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
for f in mac-iterations.pfx key-bag-iterations.pfx cert-safe-iterations.pfx encrypted-pkcs8.pem encrypted-pkcs8.der; do
  run "-a $f" -a x "$absurd/$f" --agent-dir agent
  run "doctor $f" doctor "$absurd/$f"
  run "split $f" split "$absurd/$f" --agent-dir agent
done
start=$(date +%s%N)
out=$(timeout 10 "$bin" -l --keystore "$absurd/mac-iterations.pfx" --storepass-env PASS 2>&1); rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "-l mac-iterations.pfx: exit 2 in ${ms} ms" "[ $rc = 2 ] && [ $ms -lt 1000 ] && grep -q ITERATIONS_TOO_HIGH <<<\"\$out\""
finish
