#!/usr/bin/env bash
# Regenerates testdata/keystores/bcfks: Bouncy Castle FIPS keystores (BCFKS, what FIPS-mode MIDs
# use), made by keytool with Debian's Bouncy Castle provider (libbcprov-java). The engine only has
# to recognise and refuse them, so two small stores are enough: one key pair and an empty store.
# The generated files are committed; run this only to change them.
set -euo pipefail
cd "$(dirname "$0")/.."
out=testdata/keystores/bcfks
bcprov=${BCPROV_JAR:-/usr/share/java/bcprov.jar}
[ -r "$bcprov" ] || { echo "needs $bcprov (apt-get install libbcprov-java)" >&2; exit 1; }
rm -rf "$out" && mkdir -p "$out"
work=$(mktemp -d) && trap 'rm -rf "$work"' EXIT
export TZ=UTC LC_ALL=C.UTF-8
SP=changeit
kt() {
  keytool -J-Duser.language=en -J-Duser.country=US -providerpath "$bcprov" \
    -providerclass org.bouncycastle.jce.provider.BouncyCastleProvider -storetype BCFKS -storepass $SP "$@"
}

# A MID-like key entry (EC keeps the file small; the layout is the same for RSA).
kt -genkeypair -keystore "$out/keypair.bcfks" -keypass $SP -alias defaultsecuritykeypairhandle \
  -keyalg EC -groupname secp256r1 -dname "CN=bcfks-mid/O=midks tests" -validity 7300 2>/dev/null
# An empty store: keytool has no "create empty", so add an entry and delete it again.
kt -genkeypair -keystore "$out/empty.bcfks" -keypass $SP -alias gone -keyalg EC -groupname secp256r1 -dname "CN=gone" 2>/dev/null
kt -delete -keystore "$out/empty.bcfks" -alias gone 2>/dev/null

# What keytool itself sees, for the record (and proof that the files are real BCFKS stores).
for f in keypair empty; do kt -list -keystore "$out/$f.bcfks" 2>/dev/null | grep -v '^Keystore type\|^Keystore provider' > "$out/$f.keytool.txt"; done
ls -l "$out"
