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
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
