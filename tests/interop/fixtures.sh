#!/usr/bin/env bash
# The CTest fixtures the script tests share (tests/CMakeLists.txt), made once per ctest run and
# read only by the tests (each copies what it changes):
#   fixtures.sh agents OUT_DIR   a MID agent folder (scripts/gen-mid-agent.sh) per type and layout
#                                the tests use, OUT_DIR/<type>-<layout>; tests take copies (gen_agent)
#   fixtures.sh java OUT_DIR     tests/java compiled (java_classes)
# MIDKS_FIXTURES_FROM=DIR: DIR holds the same fixtures, made earlier in this run from this checkout
# (scripts/test.sh names the Release tree's to the ASan pass): they are copied, not made again.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || { echo "usage: $0 agents|java OUT_DIR" >&2; exit 1; }
out=$2
rm -rf "$out" && mkdir -p "$out"
from=${MIDKS_FIXTURES_FROM:+$MIDKS_FIXTURES_FROM/$(basename "$out")}
if [ -n "$from" ] && [ -f "$from/.complete" ]; then
  cp -a "$from/." "$out/" && { echo "copied from $from"; exit 0; }
  rm -rf "$out" && mkdir -p "$out"
fi
case $1 in
  java)
    require javac
    compile_java "$out" || { echo "FAIL javac"; exit 1; }
    echo "compiled into $out: $(cd "$out" && ls | tr '\n' ' ')" && touch "$out/.complete" ;;
  agents)
    require keytool openssl
    declare -A gens=()
    for variant in jks-security jceks-security pkcs12-security jks-keystore; do
      bash "$lib_src/scripts/gen-mid-agent.sh" "$out/$variant" "${variant%-*}" --layout "${variant#*-}" > "$work/$variant.log" 2>&1 &
      gens[$variant]=$!
    done
    status=0
    for variant in "${!gens[@]}"; do
      wait "${gens[$variant]}" || { echo "FAIL gen-mid-agent.sh $variant:"; cat "$work/$variant.log"; status=1; }
    done
    [ $status -eq 0 ] || { rm -rf "$out"; exit 1; }
    echo "agent folders in $out: ${!gens[*]}" && touch "$out/.complete" ;;
  *) echo "usage: $0 agents|java OUT_DIR" >&2; exit 1 ;;
esac
