#!/usr/bin/env bash
# Makes a MID Server agent folder as a real MID has it, with keytool (JDK 17) and openssl only,
# never with manage-certificates itself, so tests can stand where users stand:
#   gen-mid-agent.sh OUT_DIR [jks|jceks|pkcs12] [--layout security|keystore] [--owner USER] [--reuse DIR]
#
# OUT_DIR/agent/config.xml            url, name, encrypted (secure="true") instance and proxy
#                                     passwords, keypairs.mid_id
# OUT_DIR/agent/security/agent_keystore (--layout keystore: agent/keystore/agent_keystore, as
#                                     older MIDs have it; no extension), store password changeit:
#     defaultsecuritykeypairhandle    self-signed RSA-2048 key pair, as the MID makes at first start
#                                     (key password = store password)
#     midwss                          another key pair with its own key password, midwsspass
#                                     (PKCS12: keytool ignores -keypass, so there it is changeit)
#     acme-root-ca, proxy-ca          trusted certificates
#     mid-secret                      AES-256 secret key (JCEKS and PKCS12 only; JKS cannot hold one)
# OUT_DIR/agent/bin/scripts/, OUT_DIR/agent/logs/   empty
# OUT_DIR/caseexact.jks               keytool type CaseExactJKS with entries MidKey and midkey
# OUT_DIR/bundle.pem                  CA-issued MID client bundle: leaf (clientAuth, RSA 2048, valid
#                                     from yesterday for a year), intermediate, root, PKCS#8 key
# OUT_DIR/root.pem                    the bundle's root, for the server side of handshakes
# OUT_DIR/renewed-leaf.pem            the leaf renewed: same key, same intermediate, later notBefore
# OUT_DIR/manifest.env                shell assignments describing the above (sourceable)
#
# --owner USER: the agent folder is chowned to USER (created with useradd when missing and run as
# root); folders 0750, the keystore's folder 0700, config.xml 0640, the keystore 0600 (the modes
# are set with or without --owner). Deterministic where it can be: fixed names, DNs, serial
# numbers, config values and day-aligned validity dates; keys are random.
# --reuse DIR: when DIR/<type>-<layout> holds what an earlier run wrote for that type and layout
# (e.g. DIR/jks-security), copy it instead of making new keys (a test suite makes each once, as a
# CTest fixture, and every test takes its own copy); modes, owner and manifest.env are the copy's.
set -euo pipefail
usage() { echo "usage: $0 OUT_DIR [jks|jceks|pkcs12] [--layout security|keystore] [--owner USER] [--reuse DIR]" >&2; exit 1; }
src=$(cd "$(dirname "$0")/.." && pwd)
out='' type=jks layout=security owner='' reuse=''
while [ $# -gt 0 ]; do
  case $1 in
    --layout) [ $# -ge 2 ] || usage; layout=$2; shift 2 ;;
    --owner) [ $# -ge 2 ] || usage; owner=$2; shift 2 ;;
    --reuse) [ $# -ge 2 ] || usage; reuse=$2; shift 2 ;;
    jks|jceks|pkcs12|JKS|JCEKS|PKCS12) type=$(tr A-Z a-z <<<"$1"); shift ;;
    -*) usage ;;
    *) [ -z "$out" ] || usage; out=$1; shift ;;
  esac
done
[ -n "$out" ] || usage
case $layout in security|keystore) ;; *) usage ;; esac
storetype=$(tr a-z A-Z <<<"$type")
export LC_ALL=C

mkdir -p "$out"
out=$(cd "$out" && pwd)
agent=$out/agent
[ ! -e "$agent" ] || { echo "$agent already exists" >&2; exit 1; }
ks=$agent/$layout/agent_keystore
from=${reuse:+$reuse/$type-$layout}
[ -z "$from" ] || [ -f "$from/manifest.env" ] || from=''
work=$(mktemp -d) && trap 'rm -rf "$work"' EXIT

storepass=changeit
midwss_keypass=midwsspass
[ "$type" = pkcs12 ] && midwss_keypass=$storepass  # keytool: "Different store and key passwords not supported for PKCS12"
mid_name=acme_mid_01
mid_id=3f2c9a0e1b7d4c58a6e0f1d2c3b4a596
kt() {  # keytool, quietly; on failure its output and exit (the whole script, or its background job)
  keytool -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC "$@" > "$work/keytool.$BASHPID.log" 2>&1 ||
    { echo "keytool $1 failed:" >&2; cat "$work/keytool.$BASHPID.log" >&2; exit 1; }
}
day() { date -u -d "$(date -u +%Y-%m-%d) $1" +%Y%m%d%H%M%SZ; }   # day-aligned, so reruns agree

# --- config.xml, as a MID that has registered and encrypted its secrets has it --------------------
config_xml() {
cat > "$agent/config.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<parameters>

    <!-- ServiceNow instance: the URL of the instance this MID Server connects to -->
    <parameter name="url" value="https://acme.service-now.com/"/>

    <!-- Instance credentials: the MID Server user (role mid_server). The password is encrypted
         by the MID Server at startup: secure="true" marks a secret to encrypt, "encrypted:" a value it encrypted. -->
    <parameter name="mid.instance.username" value="midsvc"/>
    <parameter name="mid.instance.password" secure="true" value="encrypted:7cHG3x8Ssx9m84qHaHlgKQ=="/>

    <!-- The name of this MID Server, as it appears in the ecc_agent table -->
    <parameter name="name" value="$mid_name"/>

    <!-- Proxy settings. Uncomment and set the host and port to go through a proxy, e.g.
    <parameter name="mid.proxy.host" value="YOUR_PROXY_HOST"/>
    <parameter name="mid.proxy.port" value="YOUR_PROXY_PORT"/>
    -->
    <parameter name="mid.proxy.use_proxy" value="false"/>
    <parameter name="mid.proxy.username" value="proxyuser"/>
    <parameter name="mid.proxy.password" secure="true" value="encrypted:Zq4b1TnXo2rV8kPcLw9yHg=="/>

    <!-- Threads and logging -->
    <parameter name="threads.max" value="25"/>
    <parameter name="mid.log.level" value="info"/>

    <!-- Identity of this MID Server's key pair (set by the MID Server at first start) -->
    <parameter name="keypairs.mid_id" value="$mid_id"/>

</parameters>
XML
}

# --- the PKI: trusted certificates for the keystore, and the CA-issued bundle (openssl) ----------
{ cat "$src/scripts/fixture-ca.cnf"; cat "$src/scripts/fixture-extensions.cnf"; } > "$work/ca.cnf"
export DB=$work/db && mkdir -p "$DB" && : > "$DB/index.txt" && echo 1000 > "$DB/serial"
rsa() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/$1.key" 2>/dev/null; }
sign() {  # sign NAME SUBJECT ISSUER|self EXTENSIONS START END   (key in $work/NAME.key)
  openssl req -new -key "$work/$1.key" -subj "$2" -out "$work/$1.csr" 2>/dev/null
  if [ "$3" = self ]; then set -- "$@" -selfsign -keyfile "$work/$1.key"
  else set -- "$@" -cert "$work/$3.pem" -keyfile "$work/$3.key"; fi
  openssl ca -batch -notext -config "$work/ca.cnf" -in "$work/$1.csr" -extensions "$4" -startdate "$5" \
    -enddate "$6" -out "$work/$1.pem" "${@:7}" 2>/dev/null
}
pki() {
  rsa root; sign root "/CN=Acme MID Root CA/O=Acme Corp" self root_ext "$(day '-1 day')" "$(day '+3650 days')"
  rsa int; sign int "/CN=Acme MID Issuing CA/O=Acme Corp" root int_ext "$(day '-1 day')" "$(day '+3650 days')"
  rsa leaf; sign leaf "/CN=$mid_name/O=Acme Corp" int leaf_ext "$(day '-1 day')" "$(day '+364 days')"
  cp "$work/leaf.pem" "$work/leaf1.pem"
  sign leaf "/CN=$mid_name/O=Acme Corp" int leaf_ext "$(day '')" "$(day '+730 days')"
  cp "$work/leaf.pem" "$out/renewed-leaf.pem"
  { cat "$work/leaf1.pem" "$work/int.pem" "$work/root.pem"; openssl pkcs8 -topk8 -nocrypt -in "$work/leaf.key"; } > "$out/bundle.pem"
  cp "$work/root.pem" "$out/root.pem"
  # What the keystore trusts: the instance's root and a corporate proxy's CA.
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/acme-root-ca.key" -out "$work/acme-root-ca.pem" \
    -subj "/CN=Acme Instance Root CA/O=Acme Corp" -days 3650 -set_serial 101 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/proxy-ca.key" -out "$work/proxy-ca.pem" \
    -subj "/CN=Acme Proxy CA/O=Acme Corp" -days 3650 -set_serial 102 2>/dev/null
}

# --- the keystores (keytool) -----------------------------------------------------------------------
caseexact() {
  local s=(-storetype CaseExactJKS -keystore "$out/caseexact.jks" -storepass $storepass)
  rm -f "$out/caseexact.jks"
  kt -genkeypair "${s[@]}" -alias MidKey -keyalg RSA -keysize 2048 -keypass $storepass -validity 365 \
    -dname "CN=MidKey, OU=MID Server, O=Acme Corp"
  kt -genkeypair "${s[@]}" -alias midkey -keyalg RSA -keysize 2048 -keypass $storepass -validity 365 \
    -dname "CN=midkey, OU=MID Server, O=Acme Corp"
}
agent_keystore() {
  local s=(-storetype "$storetype" -keystore "$ks" -storepass $storepass)
  kt -genkeypair "${s[@]}" -alias defaultsecuritykeypairhandle -keyalg RSA -keysize 2048 -sigalg SHA256withRSA \
    -keypass $storepass -validity 3650 -dname "CN=$mid_name, OU=MID Server, O=ServiceNow"
  kt -genkeypair "${s[@]}" -alias midwss -keyalg RSA -keysize 2048 -keypass $midwss_keypass -validity 3650 \
    -dname "CN=$mid_name-wss, OU=MID Web Service, O=Acme Corp"
  wait "$pki_pid" || { echo "openssl failed making the test PKI" >&2; exit 1; }
  kt -importcert "${s[@]}" -noprompt -alias acme-root-ca -file "$work/acme-root-ca.pem"
  kt -importcert "${s[@]}" -noprompt -alias proxy-ca -file "$work/proxy-ca.pem"
  if [ "$type" != jks ]; then
    kt -genseckey "${s[@]}" -alias mid-secret -keyalg AES -keysize 256 -keypass $storepass
  fi
}

if [ -n "$from" ]; then
  cp -a "$from/agent" "$agent"
  cp -a "$from/caseexact.jks" "$from/bundle.pem" "$from/root.pem" "$from/renewed-leaf.pem" "$out/"
else
  mkdir -p "$agent/bin/scripts" "$agent/logs" "$agent/$layout"
  config_xml
  pki & pki_pid=$!
  caseexact & ce_pid=$!
  agent_keystore
  wait "$ce_pid" || { echo "making caseexact.jks failed" >&2; exit 1; }
fi

aliases="acme-root-ca defaultsecuritykeypairhandle midwss proxy-ca"
[ "$type" = jks ] || aliases="acme-root-ca defaultsecuritykeypairhandle mid-secret midwss proxy-ca"
cat > "$out/manifest.env" <<ENV
AGENT_DIR='$agent'
KEYSTORE='$ks'
KEYSTORE_REL='$layout/agent_keystore'
STORETYPE=$storetype
STOREPASS=$storepass
MIDWSS_KEYPASS=$midwss_keypass
ALIASES='$aliases'
MID_ID=$mid_id
MID_NAME=$mid_name
ENV

# --- modes and owner, as a MID installed as a service account has them ----------------------------
find "$agent" -type d -exec chmod 0750 {} +
chmod 0700 "$agent/$layout"
chmod 0640 "$agent/config.xml"
chmod 0600 "$ks"
if [ -n "$owner" ]; then
  if ! id -u "$owner" >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || { echo "user $owner does not exist (run as root to create it)" >&2; exit 1; }
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$owner"
  fi
  chown -R "$owner:$(id -gn "$owner")" "$agent"
fi
echo "MID agent folder written to $agent ($storetype keystore at $layout/agent_keystore${from:+, a copy of $from})"
