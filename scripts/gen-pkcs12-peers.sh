#!/usr/bin/env bash
# Regenerates testdata/keystores/pkcs12-peers: PKCS#12 files that real peers write and that our
# reader once refused or mis-paired (issue 23), with keytool's listing of each one keytool reads
# (expected/*.keytool.txt) and fixtures.tsv, the table the unit tests read (file, store password,
# alias=key password where it differs). Every key and certificate is the fixture PKI's
# (testdata/keystores/pem, scripts/gen-testdata.sh). Store and key password: changeit.
#   java-same-ms.p12             the JDK 17 PKCS12 KeyStore API, three key entries set in one
#                                millisecond: all three localKeyIds are the same "Time <ms>"
#   bc-ber.p12                   Bouncy Castle's default "PKCS12" KeyStore (Debian's bcprov):
#                                BER, indefinite lengths (30 80 ...)
#   forge-no-key-id.p12          node-forge's writer without localKeyId, friendlyName on key and leaf
#   forge-no-key-id-unnamed.p12  the same without friendlyName
#   forge-two-keys-no-key-id.p12 two keys, no localKeyId, the second key's certificate first
# The last two are not in fixtures.tsv, since keytool does not pair them (PKCS12KeyStore.
# loadSafeContents): the unnamed key comes after its certificates, so Java lists "1" with no chain;
# of two keys without localKeyId Java keeps the first. The unit and interop tests check what we
# make of them.
# The generated files are committed; run this only to change them. Needs java/javac/keytool 17,
# /usr/share/java/bcprov.jar (apt-get install libbcprov-java), node and npm (node-forge is
# installed into a scratch folder).
set -euo pipefail
cd "$(dirname "$0")/.."
out=testdata/keystores/pkcs12-peers
pem=testdata/keystores/pem
bcprov=${BCPROV_JAR:-/usr/share/java/bcprov.jar}
[ -r "$bcprov" ] || { echo "needs $bcprov (apt-get install libbcprov-java)" >&2; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "needs node and npm" >&2; exit 1; }
export TZ=UTC LC_ALL=C.UTF-8
SP=changeit
rm -rf "$out" && mkdir -p "$out/expected"
work=$(mktemp -d) && trap 'rm -rf "$work"' EXIT

javac -cp "$bcprov" -d "$work" scripts/Pkcs12Peers.java
java -cp "$work:$bcprov" Pkcs12Peers "$pem" "$out"

(cd "$work" && npm install --silent --no-audit --no-fund node-forge >/dev/null)
# node-forge reads RSA keys only, and the fixture PKI has one: the second key is made here.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/forge-rsa.key" -out "$work/forge-rsa.pem" \
  -subj "/CN=forge-rsa/O=midks tests" -days 7300 2>/dev/null
NODE_PATH=$work/node_modules node scripts/pkcs12-no-key-id.js "$out" \
  "$pem/mid-rsa.key" "$pem/mid-rsa-chain.pem" "$work/forge-rsa.key" "$work/forge-rsa.pem"

# --- keytool's verdict on each, for the table tests ---
printf 'file\tstorepass\tkeypasses\n' > "$out/fixtures.tsv"
add() {  # add FILE STOREPASS [alias=keypass,…]
  printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >> "$out/fixtures.tsv"
  keytool -J-Duser.language=en -J-Duser.country=US -list -keystore "$out/$1" -storetype PKCS12 -storepass "$2" \
    > "$out/expected/$1.keytool.txt" 2>&1
}
add java-same-ms.p12 $SP
add bc-ber.p12 $SP
add forge-no-key-id.p12 $SP

ls -l "$out"
