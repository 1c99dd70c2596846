#!/usr/bin/env bash
# The final proof: a JVM loads key stores we wrote (JKS, JCEKS, PKCS12; RSA and EC) and uses the
# key entry for a mutual-TLS handshake against `openssl s_server -Verify` on 127.0.0.1. A
# certificate from an unknown CA must be rejected, or the test proves nothing.
#   mtls_handshake.sh <ks_tool> <source dir>
set -euo pipefail
ks_tool=$1; src=$2; pem=$src/testdata/keystores/pem
work=$(mktemp -d); server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"

# The server side: its own CA and a certificate for 127.0.0.1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server-ca.key -out server-ca.pem \
  -days 2 -subj "/CN=Test Server CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
openssl x509 -req -in server.csr -CA server-ca.pem -CAkey server-ca.key -CAcreateserial -days 2 \
  -extfile <(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') -out server.pem 2>/dev/null
# A client certificate from a CA the server does not trust (negative control).
openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem -days 2 -subj "/CN=rogue client" 2>/dev/null

javac -d classes "$src/tests/java/MtlsClient.java"

start_server() {
  for _ in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    openssl s_server -accept "127.0.0.1:$port" -cert server.pem -key server.key -CAfile "$pem/root.pem" \
      -Verify 3 -verify_return_error -www -quiet > server.log 2>&1 &
    server_pid=$!
    for _ in $(seq 1 50); do
      if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
      sleep 0.1
    done
    kill "$server_pid" 2>/dev/null || true; server_pid=
  done
  echo "could not start openssl s_server"; exit 1
}
start_server

export STOREPASS=changeit KS_STOREPASS=changeit
failures=0
check() {  # check EXPECTED(0|fail) TYPE STORE
  local expected=$1 type=$2 store=$3 out rc=0
  out=$(java -cp classes MtlsClient "$store" "$type" server-ca.pem "$port" 2>&1) || rc=$?
  if [ "$expected" = 0 ] && [ $rc -eq 0 ]; then echo "ok   $type $(basename "$store"): $out"
  elif [ "$expected" = fail ] && [ $rc -ne 0 ]; then echo "ok   $type $(basename "$store") rejected as it must be: $out"
  else echo "FAIL $type $(basename "$store") (exit $rc, expected $expected): $out"; failures=$((failures + 1)); fi
}
for type in JKS JCEKS PKCS12; do
  "$ks_tool" make "rsa.$type" "$type" DefaultSecurityKeyPairHandle "$pem/mid-rsa.key" "$pem/mid-rsa-chain.pem"
  "$ks_tool" make "ec.$type" "$type" DefaultSecurityKeyPairHandle "$pem/mid-ec256.key" "$pem/mid-ec256-chain.pem"
  "$ks_tool" make "rogue.$type" "$type" DefaultSecurityKeyPairHandle rogue.key rogue.pem
  check 0 "$type" "rsa.$type"
  check 0 "$type" "ec.$type"
  check fail "$type" "rogue.$type"
done
# What the server saw: every accepted client presented our chain.
if [ $failures -ne 0 ]; then echo "--- s_server log"; cat server.log; fi
echo "$((9 - failures)) passed, $failures failed"
[ $failures -eq 0 ]
