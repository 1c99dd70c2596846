#!/usr/bin/env bash
# `verify --url` against openssl s_server on 127.0.0.1 in each configuration a MID meets: client
# auth with our root, with another root, without client auth, naming our CA but refusing our
# certificate, a TLS-inspecting proxy in the way, a listener that hangs up at once, and nothing
# listening.
#   verify_url_test.sh <manage-certificates> <source dir>
set -uo pipefail
bin=$1; src=$2; bundles=$src/testdata/bundles
source "$src/tests/interop/lib.sh"
require python3
cd "$work"

ca() {  # ca NAME CN: a self-signed CA
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=$2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
}
server_cert() {  # server_cert NAME ISSUER: a certificate for 127.0.0.1
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=127.0.0.1" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 2 \
    -extfile <(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') -out "$1.pem" 2>/dev/null
}
ca server-ca "Instance Public CA"; server_cert server server-ca
ca proxy-ca "Corporate Inspection Proxy CA"; server_cert proxy proxy-ca
ca other-root "Some Other Client Root"
awk '/BEGIN CERT/{n++} n==3' "$bundles/seed-order.pem" | sed '/BEGIN PRIVATE KEY/,$d' > our-root.pem

start_server() {  # start_server CERT_BASE s_server-options...
  local base=$1; shift
  start_s_server -cert "$base.pem" -key "$base.key" "$@" -quiet
}

mkdir agent && cd agent
"$bin" -a defaultsecuritykeypairhandle "$bundles/seed-order.pem" --quiet
trust=(--server-ca "$work/server-ca.pem" --timeout 5)

start_server "$work/server" -CAfile "$work/our-root.pem" -Verify 3 -verify_return_error
run verify --url "https://127.0.0.1:$port" "${trust[@]}"
check "client auth with our root: exit 0, certificate requested, our CA named" '[ $rc -eq 0 ] && grep -q "client cert request  yes" <<<"$out" && grep -q "our CA named         yes" <<<"$out" && grep -q "result: ok" <<<"$out"'
run verify --url "https://127.0.0.1:$port/some/path" "${trust[@]}" --json
check "… --json: outcome success, the acceptable CA list holds our root" '[ $rc -eq 0 ] && python3 -c "import json,sys; d=json.loads(sys.argv[1]); assert d[\"outcome\"]==\"success\" and \"CN=Bundle Root CA, O=midks tests\" in d[\"acceptable_cas\"] and d[\"server_trusted\"]" "$out"'
out=$(SSL_CERT_FILE=$work/server-ca.pem "$bin" verify --url "https://127.0.0.1:$port" --timeout 5 2>&1); rc=$?
check "… without --server-ca, SSL_CERT_FILE is honoured (OpenSSL's default verify paths)" '[ $rc -eq 0 ]'
run verify --url "https://127.0.0.1:$port" --timeout 5
check "… with the system store only, the test server is untrusted: exit 9" '[ $rc -eq 9 ]'

start_server "$work/server" -CAfile "$work/our-root.pem" -Verify 3 -verify_return_error -no_ca_names
run verify --url "https://127.0.0.1:$port" "${trust[@]}"
check "client auth naming no CAs at all: exit 0, says any CA may be sent" '[ $rc -eq 0 ] && grep -q "(any: the server named none)" <<<"$out"'

start_server "$work/server" -CAfile "$work/other-root.pem" -Verify 3 -verify_return_error
run verify --url "https://127.0.0.1:$port" "${trust[@]}"
check "client auth with another root: exit 7, names the CA it accepts" '[ $rc -eq 7 ] && grep -q "Some Other Client Root" <<<"$out" && grep -q "our CA named         no" <<<"$out"'

start_server "$work/server"
run verify --url "https://127.0.0.1:$port" "${trust[@]}"
check "no client auth: exit 6, says the server never asked" '[ $rc -eq 6 ] && grep -q "never asked for a client certificate" <<<"$out"'

start_server "$work/server" -CAfile "$work/our-root.pem" -verifyCAfile "$work/other-root.pem" -Verify 3 -verify_return_error
run verify --url "https://127.0.0.1:$port" "${trust[@]}"
check "names our CA but refuses our certificate: exit 8 with the alert" '[ $rc -eq 8 ] && grep -q "our CA named         yes" <<<"$out" && grep -qi "alert" <<<"$out"'

start_server "$work/proxy" -CAfile "$work/our-root.pem"
run verify --url "https://127.0.0.1:$port" "${trust[@]}"
check "a TLS-inspecting proxy: exit 9, names its issuer and the fix" '[ $rc -eq 9 ] && grep -q "Corporate Inspection Proxy CA" <<<"$out" && grep -q "SSL-inspection bypass" <<<"$out"'

# Through an HTTP proxy (CONNECT), given on the command line or taken from config.xml as the MID would.
start_proxy() {  # start_proxy [STATUS] -> sets $proxy_port
  rm -f "$work/proxy.port"
  python3 "$src/tests/interop/connect_proxy.py" "$work/proxy.port" "$@" & pids+=($!)
  for _ in $(seq 1 50); do [ -s "$work/proxy.port" ] && break; sleep 0.1; done
  proxy_port=$(cat "$work/proxy.port")
}
start_server "$work/server" -CAfile "$work/our-root.pem" -Verify 3 -verify_return_error
start_proxy
run verify --url "https://127.0.0.1:$port" "${trust[@]}" --proxy "127.0.0.1:$proxy_port"
check "through a CONNECT proxy (--proxy): exit 0, says so" '[ $rc -eq 0 ] && grep -q "through the proxy 127.0.0.1:$proxy_port (from --proxy)" <<<"$out"'
cp "$src/testdata/config/basic-auth.xml" config.xml
sed -i "s|</parameters>|  <parameter name=\"mid.proxy.use_proxy\" value=\"true\"/>\n  <parameter name=\"mid.proxy.host\" value=\"127.0.0.1\"/>\n  <parameter name=\"mid.proxy.port\" value=\"$proxy_port\"/>\n</parameters>|" config.xml
run verify --url "https://127.0.0.1:$port" "${trust[@]}"
check "… the proxy from config.xml's mid.proxy.* (as the MID uses it)" '[ $rc -eq 0 ] && grep -q "through the proxy 127.0.0.1:$proxy_port (from ./config.xml)" <<<"$out"'
run verify --url "https://127.0.0.1:$port" "${trust[@]}" --proxy none
check "… and --proxy none goes direct" '[ $rc -eq 0 ] && ! grep -q "through the proxy" <<<"$out"'
rm config.xml
start_proxy "407 Proxy Authentication Required"
run verify --url "https://127.0.0.1:$port" "${trust[@]}" --proxy "127.0.0.1:$proxy_port"
check "a proxy that wants credentials: exit 4, names the 407" '[ $rc -eq 4 ] && grep -q "407 Proxy Authentication Required" <<<"$out"'

# A listener on 127.0.0.1 that accepts and hangs up at once (a firewall or a server that refuses
# TLS): once this killed verify by SIGPIPE (exit 141, nothing printed).
rm -f "$work/closer.port"
python3 - "$work/closer.port" <<'PY' & pids+=($!)
import os, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])  # the port file appears whole
while True:
    c, _ = s.accept(); c.close()
PY
for _ in $(seq 1 50); do [ -s "$work/closer.port" ] && break; sleep 0.1; done
closer=$(cat "$work/closer.port")
run verify --url "https://127.0.0.1:$closer" "${trust[@]}"
check "a server that accepts and closes at once: exit 8, says it closed the connection during the handshake" '[ $rc -eq 8 ] && grep -q "result: FAILED: .*the server closed the connection during the handshake" <<<"$out" && grep -q "fix: the connection ended before the server sent its certificate" <<<"$out"'
run verify --url "https://127.0.0.1:$closer" "${trust[@]}" --json
check "… --json: outcome rejected, connected, the reason in detail" '[ $rc -eq 8 ] && python3 -c "import json,sys; d=json.loads(sys.argv[1]); assert d[\"outcome\"]==\"rejected\" and d[\"connected\"] and \"closed the connection during the handshake\" in d[\"detail\"]" "$out"'

closed=$((20000 + RANDOM % 40000))
while (exec 3<>"/dev/tcp/127.0.0.1/$closed") 2>/dev/null; do closed=$((closed + 1)); done
run verify --url "https://127.0.0.1:$closed" "${trust[@]}"
check "nothing listening: exit 4, unreachable" '[ $rc -eq 4 ] && grep -q "cannot reach 127.0.0.1:$closed" <<<"$out"'
run verify --url "http://127.0.0.1:$closed"
check "a non-https url: exit 1" '[ $rc -eq 1 ]'

finish
