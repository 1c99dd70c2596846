#!/usr/bin/env bash
# keytool (JDK 17) and openssl judge what we write, and we read what they write back:
#  1. stores we make (RSA chain + trusted root; EC key with its own key password) are listed by
#     `keytool -list -v` with the same entries, chain lengths and fingerprints;
#  2. `keytool -importkeystore` converts them, which needs Java to decrypt every key we sealed;
#     we read keytool's output and find the same entries;
#  3. `openssl pkcs12` opens our PKCS12 and its key matches the leaf;
#  4. every fixture converted by us into every format is listed by keytool with the same entries.
#   keytool_interop.sh <ks_tool> <source dir>
set -euo pipefail
ks_tool=$1; src=$2; pem=$src/testdata/keystores/pem; fixtures=$src/testdata/keystores
source "$(dirname "$0")/lib.sh"
require keytool
cd "$work"
export TZ=UTC KS_STOREPASS=changeit
passed=0 failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }
kt() { keytool -J-Duser.language=en "$@"; }

# Fingerprints as "alias sha256" lines, sorted: ours and keytool's.
ours() { "$ks_tool" list "$1" | awk -F'|' '$2 != "SecretKeyEntry" {print $1, $4}' | sort; }
theirs() {
  kt -list -keystore "$1" -storepass "$2" 2>/dev/null | awk '
    /, (PrivateKeyEntry|trustedCertEntry), $/ { split($0, p, ", "); alias = p[1] }
    /^Certificate fingerprint \(SHA-256\): / { print alias, $4 }' | sort
}

for type in JKS JCEKS PKCS12; do
  "$ks_tool" make "main.$type" "$type" DefaultSecurityKeyPairHandle "$pem/mid-rsa.key" "$pem/mid-rsa-chain.pem" \
    fixture-root "$pem/root.pem" intermediate "$pem/intermediate.pem"
  KS_KEYPASS=separate-key-pass "$ks_tool" make "keypass.$type" "$type" ec-key "$pem/mid-ec384.key" "$pem/mid-ec384-chain.pem"

  listing=$(kt -list -v -keystore "main.$type" -storepass changeit 2>&1) || { bad "$type: keytool -list -v failed: $listing"; continue; }
  grep -q "Keystore type: $type" <<<"$listing" && grep -q "Your keystore contains 3 entries" <<<"$listing" &&
    grep -q "Certificate chain length: 3" <<<"$listing" && grep -q "Entry type: trustedCertEntry" <<<"$listing" &&
    ok "$type: keytool -list -v sees 3 entries, a 3-certificate chain and trusted entries" ||
    bad "$type: keytool -list -v output differs: $listing"
  [ "$(ours "main.$type")" = "$(theirs "main.$type" changeit)" ] && ok "$type: keytool's fingerprints equal ours" ||
    bad "$type: fingerprints differ: ours=$(ours "main.$type") keytool=$(theirs "main.$type" changeit)"

  # Java must decrypt our sealed keys to copy them. (keytool ignores -srckeypass for PKCS12, so a
  # separate key password is checked for JKS and JCEKS.)
  stores=(main); [ "$type" != PKCS12 ] && stores+=(keypass)
  for store in "${stores[@]}"; do
    extra=(); [ $store = keypass ] && extra=(-srcalias ec-key -srckeypass separate-key-pass -destkeypass changeit)
    rm -f "back-$store.p12"
    if out=$(kt -importkeystore -noprompt -srckeystore "$store.$type" -srcstoretype "$type" -srcstorepass changeit \
        "${extra[@]}" -destkeystore "back-$store.p12" -deststoretype PKCS12 -deststorepass changeit 2>&1); then
      [ "$(ours "back-$store.p12")" = "$(ours "$store.$type")" ] && ok "$type/$store: Java decrypted our keys; we read its copy back" ||
        bad "$type/$store: keytool's copy differs"
    else bad "$type/$store: keytool -importkeystore failed: $out"; fi
  done
  [ "$type" = PKCS12 ] && continue
  # The store password alone must not open a key that has its own password.
  rm -f wrong.p12
  if out=$(kt -importkeystore -noprompt -srckeystore "keypass.$type" -srcstoretype "$type" -srcstorepass changeit \
      -srcalias ec-key -srckeypass changeit -destkeystore wrong.p12 -deststoretype PKCS12 -deststorepass changeit 2>&1 </dev/null); then
    bad "$type: Java opened a key with the wrong key password"
  elif grep -qiE "Cannot recover key|UnrecoverableKey|password" <<<"$out"; then ok "$type: Java refuses the key without its own key password"
  else bad "$type: keytool failed for another reason: $out"; fi
done

# openssl reads our PKCS12: JDK 17's algorithms, and the key matches the leaf.
info=$(openssl pkcs12 -info -in main.PKCS12 -passin pass:changeit -nokeys 2>&1)
grep -q "MAC: sha256, Iteration 10000" <<<"$info" && grep -q "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256" <<<"$info" &&
  grep -q "PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256" <<<"$info" &&
  ok "PKCS12: openssl sees PBES2/PBKDF2-SHA256/AES-256-CBC, 10000 iterations, SHA-256 MAC" || bad "PKCS12 algorithms: $info"
openssl pkcs12 -in main.PKCS12 -passin pass:changeit -nocerts -nodes -out key.pem 2>/dev/null
openssl pkcs12 -in main.PKCS12 -passin pass:changeit -clcerts -nokeys -out leaf.pem 2>/dev/null
[ "$(openssl pkey -in key.pem -pubout)" = "$(openssl x509 -in leaf.pem -noout -pubkey)" ] &&
  ok "PKCS12: openssl extracts a key that matches the leaf" || bad "PKCS12: extracted key does not match the leaf"

# Every fixture, converted by us into every format, lists the same in keytool.
while IFS=$'\t' read -r file storepass keypasses; do
  [ "$file" = file ] && continue
  [ -n "$keypasses" ] && continue  # stores with per-entry key passwords are covered above
  for type in JKS JCEKS PKCS12; do
    if KS_INPASS=$storepass "$ks_tool" convert "$fixtures/$file" "conv.$type" "$type" 2>conv.err; then
      expected=$(KS_STOREPASS=$storepass ours "$fixtures/$file")
      [ "$(theirs "conv.$type" changeit)" = "$expected" ] && ok "$file -> $type: keytool lists the same entries" ||
        bad "$file -> $type: keytool lists $(theirs "conv.$type" changeit), expected $expected"
    else bad "$file -> $type: conversion failed: $(cat conv.err)"; fi
  done
done < "$fixtures/fixtures.tsv"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
