#!/usr/bin/env bash
# The command line as users meet it today: --help, --version, -l, and the documented exit codes.
#   cli_smoke.sh <manage-certificates> <source dir>
set -uo pipefail
bin=$1; fixtures=$2/testdata/keystores
work=$(mktemp -d) && trap 'rm -rf "$work"' EXIT
passed=0 failed=0
expect() {  # expect CODE PATTERN -- ARGS…
  local code=$1 pattern=$2; shift 3
  local out rc
  out=$("$bin" "$@" 2>&1); rc=$?
  if [ $rc -eq "$code" ] && grep -qE -- "$pattern" <<<"$out"; then echo "ok   exit $rc: $*"; passed=$((passed + 1))
  else echo "FAIL $* -> exit $rc (want $code), output: $out"; failed=$((failed + 1)); fi
}
expect 0 "usage: manage-certificates" -- --help
expect 0 "^manage-certificates [0-9]+\.[0-9]+" -- --version
expect 0 "^defaultsecuritykeypairhandle$" -- -l --keystore "$fixtures/keytool-agent.jks"
expect 0 "defaultsecuritykeypairhandle +PrivateKeyEntry +2046-[0-9-]+ +CN=mid-rsa, O=midks tests" -- -l --long --keystore "$fixtures/keytool-agent.jks"
printf 'changeit\n' > "$work/pass"
STOREPASS_VAR=changeit expect 0 "rsa-key" -- -l --keystore "$fixtures/keytool-mixed.jks" --storepass-env STOREPASS_VAR
expect 0 "defaultsecuritykeypairhandle" -- -l --keystore "$fixtures/openssl-modern.p12" --storepass-file "$work/pass"
expect 0 "visible to other users" -- -l --keystore "$fixtures/keytool-agent.jks" --storepass changeit
expect 1 "unknown option --bogus" -- --bogus
expect 1 "no command given" --
expect 1 "not set" -- -l --keystore "$fixtures/keytool-agent.jks" --storepass-env MIDKS_UNSET_VARIABLE
expect 2 "PEM text file" -- -l --keystore "$fixtures/pem/root.pem"
head -c 100 "$fixtures/keytool-agent.jks" > "$work/cut.jks"
expect 2 "truncated.*offset" -- -l --keystore "$work/cut.jks"
expect 4 "no keystore at" -- -l --keystore "$work/missing.jks"
expect 5 "password is incorrect" -- -l --keystore "$fixtures/keytool-agent.jks" --storepass wrong-password
# The random generator is ours (SHA-256 Hash_DRBG) only where openssl.cnf names none: a [random]
# section is obeyed, so one naming a generator OpenSSL lacks fails the write, and nothing is written.
printf 'openssl_conf = init\n[init]\nrandom = rand\n[rand]\nrandom = NO-SUCH-DRBG\n' > "$work/rand.cnf"
OPENSSL_CONF=$work/rand.cnf expect 10 "random number generator failed.*unable to fetch drbg.*\[INTERNAL\]" -- \
  -a defaultsecuritykeypairhandle "$2/testdata/bundles/seed-order.pem" --keystore "$work/rand.jks"
if [ -e "$work/rand.jks" ]; then echo "FAIL the refused write left $work/rand.jks"; failed=$((failed + 1)); fi
expect 0 "defaultsecuritykeypairhandle" -- -a defaultsecuritykeypairhandle "$2/testdata/bundles/seed-order.pem" --keystore "$work/rand.jks"
# A password written --name=VALUE is never echoed, in text or --json, whatever the name: a usage
# error names the option and how to pass a password, never the value.
secret=Sup3r-S3cret-4711
for spelling in --storepass --keypass --new-storepass --store-password --instance-password; do
  for json in "" --json; do
    out=$("$bin" -l --keystore "$fixtures/keytool-agent.jks" $json "$spelling=$secret" 2>&1); rc=$?
    if [ $rc -eq 1 ] && ! grep -qF -- "$secret" <<<"$out" && grep -qF -- "$spelling" <<<"$out" && grep -qE -- "-(env|file|prompt)" <<<"$out"; then
      echo "ok   exit $rc: $spelling=... $json not echoed"; passed=$((passed + 1))
    else echo "FAIL $spelling=<secret> $json -> exit $rc, output: $out"; failed=$((failed + 1)); fi
  done
done
expect 1 "unknown option --bogus \(its value is not shown\)" -- -l --bogus=hidden-value
out=$("$bin" -l --bogus=hidden-value 2>&1)
if grep -q hidden-value <<<"$out"; then echo "FAIL --bogus=VALUE echoed its value: $out"; failed=$((failed + 1)); else passed=$((passed + 1)); fi
# "--" ends the options: an alias that starts with '-' is an argument.
expect 2 "-odd-alias" -- -g --keystore "$fixtures/keytool-agent.jks" -- -odd-alias
expect 1 "-l takes no arguments" -- -l --keystore "$fixtures/keytool-agent.jks" -- --json
# The wrapper reached through symbolic links (absolute, relative, a chain, a linked folder) finds
# the binary and the agent folder beside the file they end at, under dash, busybox sh and bash.
agent=$work/mid/agent && mkdir -p "$agent/bin/scripts" "$agent/security" "$work/links/sub" "$work/usr/bin"
cp "$2/scripts/manage-certificates.sh" "$agent/bin/scripts/" && ln -s "$bin" "$agent/bin/scripts/manage-certificates"
cp "$fixtures/keytool-agent.jks" "$agent/security/agent_keystore" && echo '<parameters/>' > "$agent/config.xml"
ln -s "$agent/bin/scripts/manage-certificates.sh" "$work/usr/bin/absolute.sh"
ln -s ../mid/agent/bin/scripts/manage-certificates.sh "$work/links/relative.sh"
ln -s ../relative.sh "$work/links/sub/chain1.sh" && ln -s sub/chain1.sh "$work/links/chain2.sh"
ln -s "$agent/bin" "$work/linked-bin" && ln -s ../../linked-bin/scripts/manage-certificates.sh "$work/usr/bin/via-folder.sh"
for shell in dash "busybox sh" bash; do
  command -v "${shell%% *}" >/dev/null || { echo "skip $shell: not installed"; continue; }
  for link in "$work/usr/bin/absolute.sh" "$work/links/relative.sh" "$work/links/chain2.sh" "$work/usr/bin/via-folder.sh"; do
    out=$(cd / && PATH=/usr/bin:/bin $shell "$link" -l 2>&1); rc=$?
    if [ $rc -eq 0 ] && grep -qx defaultsecuritykeypairhandle <<<"$out" && grep -q "mid/agent/security/agent_keystore" <<<"$out"; then
      echo "ok   $shell ${link#$work/} -l: the binary and agent folder beside the link's target"; passed=$((passed + 1))
    else echo "FAIL $shell ${link#$work/} -l -> exit $rc, output: $out"; failed=$((failed + 1)); fi
  done
done
ln -s loop-b "$work/links/loop-a" && ln -s loop-a "$work/links/loop-b"
out=$(cd / && PATH=/usr/bin:/bin dash "$work/links/loop-a" -l 2>&1); rc=$?
if [ $rc -ne 0 ]; then passed=$((passed + 1)); else echo "FAIL a link loop -> exit $rc"; failed=$((failed + 1)); fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
