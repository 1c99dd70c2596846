#!/usr/bin/env bash
# Regenerates testdata/keystores: key stores made by the real peers (keytool from JDK 17, openssl 3)
# and keytool's own listing of each (testdata/keystores/expected/*.keytool.txt), which the table
# tests compare against. The generated files are committed; run this only to change the matrix.
set -euo pipefail
cd "$(dirname "$0")/.."
out=testdata/keystores
rm -rf "$out" && mkdir -p "$out/expected" "$out/pem"
work=$(mktemp -d) && trap 'rm -rf "$work"' EXIT
export TZ=UTC LC_ALL=C.UTF-8
SP=changeit
kt() { keytool -J-Duser.language=en -J-Duser.country=US "$@"; }
days=7300

# --- An openssl PKI: root -> intermediate -> client leaf (clientAuth), RSA and EC leaves ---
cp scripts/fixture-extensions.cnf "$work/ca.cnf"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/root.key" -out "$out/pem/root.pem" -days $days \
  -subj "/CN=Fixture Root CA/O=midks tests" -extensions root_ext -config <(cat /etc/ssl/openssl.cnf "$work/ca.cnf") 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$work/int.key" -out "$work/int.csr" -subj "/CN=Fixture Intermediate CA/O=midks tests" 2>/dev/null
openssl x509 -req -in "$work/int.csr" -CA "$out/pem/root.pem" -CAkey "$work/root.key" -CAcreateserial -days $days \
  -extfile "$work/ca.cnf" -extensions int_ext -out "$out/pem/intermediate.pem" 2>/dev/null
leaf() {  # leaf NAME KEYALG-ARGS...
  local name=$1; shift
  openssl genpkey "$@" -out "$out/pem/$name.key" 2>/dev/null
  openssl req -new -key "$out/pem/$name.key" -out "$work/$name.csr" -subj "/CN=$name/O=midks tests" 2>/dev/null
  openssl x509 -req -in "$work/$name.csr" -CA "$out/pem/intermediate.pem" -CAkey "$work/int.key" -CAcreateserial \
    -days $days -extfile "$work/ca.cnf" -extensions leaf_ext -out "$out/pem/$name.pem" 2>/dev/null
  cat "$out/pem/$name.pem" "$out/pem/intermediate.pem" "$out/pem/root.pem" > "$out/pem/$name-chain.pem"
}
leaf mid-rsa -algorithm RSA -pkeyopt rsa_keygen_bits:2048
leaf mid-ec256 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
leaf mid-ec384 -algorithm EC -pkeyopt ec_paramgen_curve:P-384

# --- PKCS#12 files as openssl writes them: modern default and the legacy Windows-style ---
openssl pkcs12 -export -name defaultsecuritykeypairhandle -inkey "$out/pem/mid-rsa.key" -in "$out/pem/mid-rsa-chain.pem" \
  -passout pass:$SP -out "$out/openssl-modern.p12"
openssl pkcs12 -export -legacy -name legacy-rc2 -inkey "$out/pem/mid-rsa.key" -in "$out/pem/mid-rsa-chain.pem" \
  -passout pass:$SP -out "$out/openssl-legacy-rc2.p12"
openssl pkcs12 -export -certpbe PBE-SHA1-3DES -keypbe PBE-SHA1-3DES -macalg sha1 -name legacy-3des \
  -inkey "$out/pem/mid-ec256.key" -in "$out/pem/mid-ec256-chain.pem" -passout pass:$SP -out "$out/openssl-legacy-3des.p12"

# --- keytool-made stores ---
# JKS: RSA, EC P-256, EC P-384 (own key password), DSA, a trusted root, a non-ASCII alias.
ks=$out/keytool-mixed.jks
kt -genkeypair -keystore $ks -storetype JKS -storepass $SP -keypass $SP -alias rsa-key -keyalg RSA -keysize 2048 -dname "CN=rsa-key" -validity $days 2>/dev/null
kt -genkeypair -keystore $ks -storetype JKS -storepass $SP -keypass $SP -alias ec-p256 -keyalg EC -groupname secp256r1 -dname "CN=ec-p256" -validity $days 2>/dev/null
kt -genkeypair -keystore $ks -storetype JKS -storepass $SP -keypass other-key-pass -alias ec-p384 -keyalg EC -groupname secp384r1 -dname "CN=ec-p384" -validity $days 2>/dev/null
kt -genkeypair -keystore $ks -storetype JKS -storepass $SP -keypass $SP -alias dsa-key -keyalg DSA -keysize 2048 -dname "CN=dsa-key" -validity $days 2>/dev/null
kt -genkeypair -keystore $ks -storetype JKS -storepass $SP -keypass $SP -alias "Clé-Ünïcødé-Ключ" -keyalg EC -groupname secp256r1 -dname "CN=unicode" -validity $days 2>/dev/null
kt -importcert -noprompt -keystore $ks -storetype JKS -storepass $SP -alias fixture-root -file "$out/pem/root.pem" 2>/dev/null
# The admin path from the seed how-to: openssl pkcs12 -export, then keytool -importkeystore into JKS.
kt -importkeystore -noprompt -srckeystore "$out/openssl-modern.p12" -srcstoretype PKCS12 -srcstorepass $SP \
  -destkeystore "$out/keytool-agent.jks" -deststoretype JKS -deststorepass $SP 2>/dev/null

# JCEKS: RSA key, EC key with its own key password, a trusted certificate and AES/DESede secret keys.
ks=$out/keytool-mixed.jceks
kt -genkeypair -keystore $ks -storetype JCEKS -storepass $SP -keypass $SP -alias rsa-key -keyalg RSA -keysize 2048 -dname "CN=rsa-key" -validity $days 2>/dev/null
kt -genkeypair -keystore $ks -storetype JCEKS -storepass $SP -keypass other-key-pass -alias ec-key -keyalg EC -groupname secp384r1 -dname "CN=ec-key" -validity $days 2>/dev/null
kt -importcert -noprompt -keystore $ks -storetype JCEKS -storepass $SP -alias fixture-root -file "$out/pem/root.pem" 2>/dev/null
kt -genseckey -keystore $ks -storetype JCEKS -storepass $SP -keypass $SP -alias aes-secret -keyalg AES -keysize 256 2>/dev/null
kt -genseckey -keystore $ks -storetype JCEKS -storepass $SP -keypass $SP -alias desede-secret -keyalg DESede 2>/dev/null

# PKCS12 (JDK 17 defaults): RSA and EC keys, a trusted certificate, an AES secret key, mixed-case alias.
ks=$out/keytool-mixed.p12
kt -genkeypair -keystore $ks -storetype PKCS12 -storepass $SP -alias DefaultSecurityKeyPairHandle -keyalg RSA -keysize 2048 -dname "CN=rsa-key" -validity $days 2>/dev/null
kt -genkeypair -keystore $ks -storetype PKCS12 -storepass $SP -alias ec-p384 -keyalg EC -groupname secp384r1 -dname "CN=ec-p384" -validity $days 2>/dev/null
kt -importcert -noprompt -keystore $ks -storetype PKCS12 -storepass $SP -alias fixture-root -file "$out/pem/root.pem" 2>/dev/null
kt -genseckey -keystore $ks -storetype PKCS12 -storepass $SP -alias aes-secret -keyalg AES -keysize 128 2>/dev/null
# A JKS whose store password is not ASCII (JDK 17 refuses non-ASCII passwords for PKCS12 PBES2).
kt -genkeypair -keystore "$out/keytool-nonascii-pass.jks" -storetype JKS -storepass 'pässwörd-ключ' -keypass 'pässwörd-ключ' -alias only -keyalg EC -groupname secp256r1 -dname "CN=only" -validity $days 2>/dev/null

# --- keytool's verdict on each, for the table tests ---
: > "$out/fixtures.tsv"
printf 'file\tstorepass\tkeypasses\n' >> "$out/fixtures.tsv"
add() {  # add FILE STOREPASS [alias=keypass,…]
  printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >> "$out/fixtures.tsv"
  kt -list -keystore "$out/$1" -storepass "$2" > "$out/expected/$1.keytool.txt" 2>&1
}
add keytool-mixed.jks $SP ec-p384=other-key-pass
add keytool-agent.jks $SP
add keytool-mixed.jceks $SP ec-key=other-key-pass
add keytool-mixed.p12 $SP
add keytool-nonascii-pass.jks 'pässwörd-ключ'
add openssl-modern.p12 $SP
add openssl-legacy-rc2.p12 $SP
add openssl-legacy-3des.p12 $SP
rm -f "$out/pem/"*.srl
echo "fixtures written to $out"
