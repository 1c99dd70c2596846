#!/usr/bin/env bash
# The final proof: a JVM loads key stores we wrote and uses the key entry for a mutual-TLS
# handshake against `openssl s_server -Verify -verify_return_error` on 127.0.0.1:
#  - stores written from PEM key + chain: JKS, JCEKS, PKCS12 x RSA, EC;
#  - every bundle the importer accepts (testdata/bundles/cases.tsv, outcome ok), as JKS and PKCS12;
#  - the keystore `manage-certificates -a` writes into a MID agent folder (JKS and PKCS12);
#  - a certificate from an unknown CA must fail, or the test proves nothing;
#  - optionally, stores written elsewhere (tests/windows/windows_test.sh: by the Windows .exe),
#    listed in PLAN as lines "want TYPE path", presented as the MID presents its key.
#   mtls_handshake.sh <ks_tool> <source dir> <manage-certificates> [PLAN]
set -euo pipefail
ks_tool=$1; src=$2; manage=$3; extra_plan=${4:-}; pem=$src/testdata/keystores/pem; bundles=$src/testdata/bundles
source "$src/tests/interop/lib.sh"
require java javac
cd "$work"
export STOREPASS=changeit KS_STOREPASS=changeit

# The server side: its own CA and a certificate for 127.0.0.1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server-ca.key -out server-ca.pem \
  -days 2 -subj "/CN=Test Server CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
openssl x509 -req -in server.csr -CA server-ca.pem -CAkey server-ca.key -CAcreateserial -days 2 \
  -extfile <(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') -out server.pem 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem -days 2 -subj "/CN=rogue client" 2>/dev/null
# The bundles' root, as the instance would have it in sys_ca_certificate.
awk '/BEGIN CERT/{n++} n==3' "$bundles/seed-order.pem" | sed '/BEGIN PRIVATE KEY/,$d' > bundle-root.pem

java_classes

start_server() {  # start_server CLIENT_CA_FILE -> sets $port
  start_s_server -cert server.pem -key server.key -CAfile "$1" -Verify 3 -verify_return_error -www -quiet
}

passed=0 failed=0 skipped=0
judge() {  # judge EXPECT(ok|fail) LINE
  local want=$1 line=$2
  if [ "${line%% *}" = "$want" ]; then echo "ok   ($want expected) ${line#* }"; passed=$((passed + 1))
  else echo "FAIL (wanted $want) $line"; failed=$((failed + 1)); fi
}
run_client() {  # run_client PORT EXPECTATIONS-FILE: lines "want type store"
  local args=() wants=() line i=0
  while read -r want type store; do args+=("$type" "$store"); wants+=("$want"); done < "$2"
  while IFS= read -r line; do judge "${wants[$i]}" "$line"; i=$((i + 1)); done \
    < <(java -cp "$classes" MtlsClient "$1" server-ca.pem "${args[@]}")
  [ "$i" -eq "${#wants[@]}" ] || { echo "FAIL the JVM answered $i of ${#wants[@]} stores"; failed=$((failed + 1)); }
}

# 1. Stores written from a PEM key and chain.
start_server "$pem/root.pem"; : > plan-a
for type in JKS JCEKS PKCS12; do
  "$ks_tool" make "rsa.$type" "$type" DefaultSecurityKeyPairHandle "$pem/mid-rsa.key" "$pem/mid-rsa-chain.pem"
  "$ks_tool" make "ec.$type" "$type" DefaultSecurityKeyPairHandle "$pem/mid-ec256.key" "$pem/mid-ec256-chain.pem"
  "$ks_tool" make "rogue.$type" "$type" DefaultSecurityKeyPairHandle rogue.key rogue.pem
  printf 'ok %s rsa.%s\nok %s ec.%s\nfail %s rogue.%s\n' "$type" "$type" "$type" "$type" "$type" "$type" >> plan-a
done
run_client "$port" plan-a

# 2. Every bundle the importer accepts.
start_server bundle-root.pem; : > plan-b; n=0
# Fields are read through \037, not tab: tab is IFS white space and would swallow empty fields.
while IFS=$'\037' read -r name files passphrase outcome _codes _chain; do
  [ "$outcome" = ok ] || continue
  n=$((n + 1)); paths=()
  IFS=, read -ra parts <<<"$files"; for f in "${parts[@]}"; do paths+=("$bundles/$f"); done
  for type in JKS PKCS12; do
    if out=$(KS_KEYPASS=$passphrase "$ks_tool" import "bundle$n.$type" "$type" defaultsecuritykeypairhandle "${paths[@]}" 2>&1); then
      echo "ok $type bundle$n.$type" >> plan-b
    elif grep -q "EXPIRED" <<<"$out"; then
      echo "skip $name: expired by today's clock"; skipped=$((skipped + 1))
    else echo "FAIL import of '$name' as $type: $out"; failed=$((failed + 1)); fi
  done
  echo "bundle$n = $name"
done < <(tail -n +2 "$bundles/cases.tsv" | tr '\t' '\037')
# 3. What the command line writes into a MID agent folder.
mkdir -p agent-jks agent-p12
(cd agent-jks && "$manage" -a DefaultSecurityKeyPairHandle "$bundles/seed-order.pem" --quiet)
(cd agent-p12 && "$manage" -a DefaultSecurityKeyPairHandle "$bundles/seed-order.pem" --quiet --storetype pkcs12)
printf 'ok JKS agent-jks/security/agent_keystore\nok PKCS12 agent-p12/security/agent_keystore\n' >> plan-b
run_client "$port" plan-b

# 4. Stores written elsewhere, by the bundles' CA: only defaultsecuritykeypairhandle is presented,
# with the PKIX key manager (a MID keystore's midwss has its own key password).
if [ -n "$extra_plan" ]; then
  export CLIENT_ALIAS=defaultsecuritykeypairhandle KEY_MANAGER=PKIX
  run_client "$port" "$extra_plan"
  unset CLIENT_ALIAS KEY_MANAGER
fi

if [ "$failed" -ne 0 ]; then echo "--- s_server logs"; tail -n 20 server-*.log; fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
