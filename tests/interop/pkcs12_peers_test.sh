#!/usr/bin/env bash
# PKCS#12 files that other writers make (testdata/keystores/pkcs12-peers, scripts/gen-pkcs12-peers.sh),
# converted by the command line into PKCS12 and JKS and judged by Java (issue 23):
#  - the JDK's own store with three keys of one millisecond (one shared localKeyId), Bouncy Castle's
#    BER output, node-forge's files without localKeyId (named, unnamed, two keys);
#  - keytool lists each result with every key entry under its alias and the leaf of that alias;
#    a JVM (tests/java/KeystoreCheck) recovers every key and proves it signs for its leaf;
#  - every localKeyId we write is distinct (openssl pkcs12 -info);
#  - a store password that is not printable ASCII is refused for PKCS12 (PASSWORD_NOT_ENCODABLE),
#    because keytool 17 cannot open such a file: checked on one openssl wrote.
#   pkcs12_peers_test.sh <manage-certificates> <source dir>
set -uo pipefail
bin=$1; src=$2; peers=$src/testdata/keystores/pkcs12-peers; pem=$src/testdata/keystores/pem
source "$src/tests/interop/lib.sh"
require java javac keytool openssl
cd "$work"
export LC_ALL=C.UTF-8 TZ=UTC SP=changeit
java_classes

fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2; }
# keytool's "alias kind sha256" lines, sorted.
kt_list() {  # kt_list STORE TYPE
  keytool -J-Duser.language=en -J-Duser.country=US -list -keystore "$1" -storetype "$2" -storepass changeit 2>&1 |
    awk '/, (PrivateKeyEntry|trustedCertEntry), $/ { split($0, p, ", "); alias = p[1]; kind = $(NF) == "" ? $(NF - 1) : $NF; sub(/,$/, "", kind) }
         /^Certificate fingerprint \(SHA-256\): / { print alias, kind, $4 }' | sort
}

# Each fixture: the entries Java must see after our conversion, "alias=certificate" (a PEM of
# testdata/keystores/pem, or * for a key whose certificate is not there: forge-rsa is made by the
# generator). The root is a trusted entry; every other is a key entry with that leaf.
declare -A want=(
  [java-same-ms.p12]="fixture-root=root mid-ec256=mid-ec256 mid-ec384=mid-ec384 mid-rsa=mid-rsa"
  [bc-ber.p12]="fixture-root=root mid-ec256=mid-ec256 mid-ec384=mid-ec384 mid-rsa=mid-rsa"
  [forge-no-key-id.p12]="mid-rsa=mid-rsa"
  [forge-no-key-id-unnamed.p12]="1=mid-rsa"
  [forge-two-keys-no-key-id.p12]="forge-rsa=* mid-rsa=mid-rsa"
)
check "the BER fixture is BER (30 80 02 01 03)" '[ "$(head -c5 "$peers/bc-ber.p12" | od -An -tx1 | tr -d " \n")" = 3080020103 ]'

for file in java-same-ms.p12 bc-ber.p12 forge-no-key-id.p12 forge-no-key-id-unnamed.p12 forge-two-keys-no-key-id.p12; do
  expected="" keys=0
  for pair in ${want[$file]}; do
    alias=${pair%%=*} cert=${pair#*=}
    kind=PrivateKeyEntry; [ "$cert" = root ] && kind=trustedCertEntry || keys=$((keys + 1))
    expected+="$alias $kind $([ "$cert" = '*' ] && echo '*' || fp "$pem/$cert.pem")"$'\n'
  done
  for type in PKCS12 JKS; do
    out_file=$file.$type
    run convert "$out_file" --keystore "$peers/$file" --storepass-env SP --to "${type,,}"
    check "$file -> $type: converted" '[ "$rc" -eq 0 ]' || continue
    # forge-rsa's leaf is checked by the JVM below (it signs for it); here only its alias and kind.
    listing=$(kt_list "$out_file" $type | sed 's/^\(forge-rsa PrivateKeyEntry\) .*/\1 */')
    wanted=$(printf '%s' "$expected" | sort)
    check "$file -> $type: keytool lists every entry with the leaf of its alias" '[ "$listing" = "$wanted" ]' ||
      { echo "     keytool: $listing"; echo "     wanted:  $wanted"; }
    out=$(STOREPASS=changeit java -cp "$classes" KeystoreCheck $type "$out_file" 2>&1)
    check "$file -> $type: the JVM recovers all $keys keys and each signs for its own leaf" \
      '[ "$(grep -c " matches-leaf$" <<<"$out")" -eq $keys ] && ! grep -q "^fail" <<<"$out"'
  done
  if [ -f "$file.PKCS12" ]; then
    # Each id on two bags, the key's and its leaf's; as many ids as keys.
    ids=$(openssl pkcs12 -in "$file.PKCS12" -passin pass:changeit -nodes -info 2>/dev/null | grep -a "localKeyID" | sort | uniq -c)
    check "$file -> PKCS12: $keys distinct localKeyIds, each on one key and its leaf" \
      '[ "$(wc -l <<<"$ids")" -eq $keys ] && [ -z "$(grep -v "^ *2 " <<<"$ids")" ]' || echo "$ids" | sed 's/^/     /'
  fi
done

# Java 17 opens no PKCS12 under a password that is not printable ASCII (PBEKey: "Password is not
# ASCII"), whoever wrote it; so we refuse to write one.
nonascii='Zürich-pässwörd'
openssl pkcs12 -export -inkey "$pem/mid-ec256.key" -in "$pem/mid-ec256-chain.pem" -name mid -passout "pass:$nonascii" -out openssl-nonascii.p12
run_cmd keytool -list -keystore openssl-nonascii.p12 -storetype PKCS12 -storepass "$nonascii"
check "keytool 17 cannot open openssl's PKCS12 under a non-ASCII password" '[ "$rc" -ne 0 ] && grep -q "password was incorrect" <<<"$out"'
export NEWPASS=$nonascii
run convert nonascii.p12 --keystore "$peers/java-same-ms.p12" --storepass-env SP --new-storepass-env NEWPASS --to pkcs12
check "convert --to pkcs12 with a non-ASCII store password is refused (exit 2, PASSWORD_NOT_ENCODABLE), nothing written" \
  '[ "$rc" -eq 2 ] && grep -q "PASSWORD_NOT_ENCODABLE" <<<"$out" && [ ! -e nonascii.p12 ]'
run convert nonascii.jks --keystore "$peers/java-same-ms.p12" --storepass-env SP --new-storepass-env NEWPASS --to jks
check "… while JKS, which Java opens under it, takes it" '[ "$rc" -eq 0 ]'

finish
