#!/usr/bin/env bash
# Regenerates testdata/keystores/bcfks: Bouncy Castle FIPS keystores (BCFKS, what FIPS-mode MIDs
# use), made by keytool with Debian's Bouncy Castle provider (libbcprov-java 1.72), and keytool's
# listing of each (bcfks/expected/*.keytool.txt) with bcfks/fixtures.tsv, the table the unit tests
# read (file, store password, alias=key password where it differs); signed.bcfks and scrypt.bcfks
# are the variants we refuse.
# The generated files are committed; run this only to change them. It reads the fixture PKI in
# testdata/keystores/ (scripts/gen-testdata.sh), so run that first when regenerating both.
set -euo pipefail
cd "$(dirname "$0")/.."
out=testdata/keystores/bcfks
pki=testdata/keystores
bcprov=${BCPROV_JAR:-/usr/share/java/bcprov.jar}
[ -r "$bcprov" ] || { echo "needs $bcprov (apt-get install libbcprov-java)" >&2; exit 1; }
rm -rf "$out" && mkdir -p "$out/expected"
export TZ=UTC LC_ALL=C.UTF-8
SP=changeit
days=7300
kt() {
  keytool -J-Duser.language=en -J-Duser.country=US -providerpath "$bcprov" \
    -providerclass org.bouncycastle.jce.provider.BouncyCastleProvider "$@"
}
bc() { kt -storetype BCFKS -storepass $SP "$@"; }

# A MID-like key entry (EC keeps the file small).
bc -genkeypair -keystore "$out/keypair.bcfks" -keypass $SP -alias defaultsecuritykeypairhandle \
  -keyalg EC -groupname secp256r1 -dname "CN=bcfks-mid/O=midks tests" -validity $days 2>/dev/null
# An empty store: keytool has no "create empty", so add an entry and delete it again.
bc -genkeypair -keystore "$out/empty.bcfks" -keypass $SP -alias gone -keyalg EC -groupname secp256r1 -dname "CN=gone" 2>/dev/null
bc -delete -keystore "$out/empty.bcfks" -alias gone 2>/dev/null

# Every kind BCFKS holds: RSA and EC key pairs, one with its own key password, a trusted
# certificate, an AES secret key, and the fixture PKI's RSA leaf with its three-certificate chain
# (imported from the openssl-made PKCS#12, as an admin converts a bundle).
ks=$out/mixed.bcfks
bc -genkeypair -keystore $ks -keypass $SP -alias rsa-key -keyalg RSA -keysize 2048 -dname "CN=rsa-key" -validity $days 2>/dev/null
bc -genkeypair -keystore $ks -keypass other-key-pass -alias ec-own-pass -keyalg EC -groupname secp384r1 -dname "CN=ec-own-pass" -validity $days 2>/dev/null
bc -importcert -noprompt -keystore $ks -alias fixture-root -file "$pki/pem/root.pem" 2>/dev/null
bc -genseckey -keystore $ks -keypass $SP -alias aes-secret -keyalg AES -keysize 256 2>/dev/null
kt -importkeystore -noprompt -srckeystore "$pki/openssl-modern.p12" -srcstoretype PKCS12 -srcstorepass $SP \
  -destkeystore $ks -deststoretype BCFKS -deststorepass $SP 2>/dev/null

# What keytool cannot ask for, through BC's BCFKSLoadStoreParameter (scripts/BcfksVariants.java):
# AES-256-KWP with HMAC-SHA3-512 (read), and a signature-protected and an scrypt-protected store
# (refused with UNSUPPORTED_ALGORITHM).
work=$(mktemp -d) && trap 'rm -rf "$work"' EXIT
javac -cp "$bcprov" -d "$work" scripts/BcfksVariants.java
java -cp "$work:$bcprov" BcfksVariants "$pki/openssl-modern.p12" $SP "$out"

# --- keytool's verdict on each, for the table tests ---
printf 'file\tstorepass\tkeypasses\n' > "$out/fixtures.tsv"
add() {  # add FILE STOREPASS [alias=keypass,…]
  printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >> "$out/fixtures.tsv"
  bc -list -keystore "$out/$1" > "$out/expected/$1.keytool.txt" 2>&1
}
add keypair.bcfks $SP
add empty.bcfks $SP
add mixed.bcfks $SP ec-own-pass=other-key-pass
add kwp-sha3.bcfks $SP rsa-own-pass=other-key-pass
ls -l "$out"
