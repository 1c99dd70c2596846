#!/usr/bin/env bash
# The keystore toolbox, judged by keytool, openssl and a JVM, in MID agent folders made by keytool
# (scripts/gen-mid-agent.sh: the MID's key pair, midwss with its own key password, trusted
# certificates, a secret key):
#  - convert: every type into every other; keytool lists the same aliases, kinds and fingerprints,
#    a JVM recovers every key (own key passwords kept) and finds each the same as in the source;
#    refusals (secret keys into JKS, case twins into PKCS12, a key nobody gave the password of,
#    an existing file, the keystore itself) write nothing;
#  - passwd: keytool opens the result with the new password and not the old one; keys that had
#    the store password follow it, midwss keeps its own; config.xml's mid.keystore.password follows;
#    a backup that opens with the old password; a JVM handshakes with the MID key afterwards;
#  - the seed's outbound keystore flow: csr --keystore (key pair with a placeholder inside the
#    keystore, a request openssl verifies), the CA's root as a trusted entry, the signed reply
#    paired with the key and its chain completed up to the root, a reply for another key refused,
#    and a JVM presenting the entry to openssl s_server -Verify;
#  - doctor on a FIPS-mode MID: the keystore type is checked, and BCFKS passes.
#   toolbox_test.sh <manage-certificates> <source dir>
set -uo pipefail
bin=$1; src=$2
source "$src/tests/interop/lib.sh"
require keytool java javac openssl
[ -r /usr/share/java/bcprov.jar ] || skip_test "needs /usr/share/java/bcprov.jar (libbcprov-java) for BCFKS"
cd "$work"
export LC_ALL=C
bc=/usr/share/java/bcprov.jar
java_classes

# keytool for any type (BCFKS through Bouncy Castle).
ktype() {  # ktype TYPE ARGS...
  local t=$1; shift
  if [ "$t" = BCFKS ]; then kt -providerpath "$bc" -providerclass org.bouncycastle.jce.provider.BouncyCastleProvider -storetype BCFKS "$@"
  else kt -storetype "$t" "$@"; fi
}
# alias, kind and SHA-256 of every entry as keytool lists them, sorted (dates left out).
listing() {  # listing TYPE FILE PASSWORD
  ktype "$1" -list -keystore "$2" -storepass "$3" 2>/dev/null |
    awk -F', ' '/Entry, *$/ { if ($4 == "SecretKeyEntry") print $1 " " $4; else entry = $1 " " $4; next }
                /fingerprint/ && entry != "" { print entry " " $0; entry = "" }' | sort
}
# What a JVM recovers of every entry (KeystoreCheck), sorted, without the header.
jvm_check() {  # jvm_check TYPE FILE STOREPASS [alias=keypass]...
  local t=$1 f=$2 p=$3; shift 3
  STOREPASS=$p EXTRA_PROVIDER=$([ "$t" = BCFKS ] && echo org.bouncycastle.jce.provider.BouncyCastleProvider) \
    java -cp "$classes:$bc" KeystoreCheck "$t" "$f" "$@" 2>&1 | grep -v '^type '
}
# jvm_ok EXPECTED-ENTRIES TYPE FILE STOREPASS [alias=keypass]...: the JVM recovered every entry
# (KeystoreCheck exits 0 only then), and there were that many.
jvm_ok() {
  local n=$1 t=$2 f=$3 p=$4 lines; shift 4
  lines=$(STOREPASS=$p EXTRA_PROVIDER=$([ "$t" = BCFKS ] && echo org.bouncycastle.jce.provider.BouncyCastleProvider) \
    java -cp "$classes:$bc" KeystoreCheck "$t" "$f" "$@" 2>&1) || return 1
  [ "$(grep -vc '^type ' <<<"$lines")" -eq "$n" ]
}
typename() { case $1 in jks) echo JKS ;; jceks) echo JCEKS ;; pkcs12) echo PKCS12 ;; bcfks) echo BCFKS ;; esac; }

# ---- convert: every type of MID keystore into every type ----
for from in jks jceks pkcs12; do
  gen_agent "$work/mid-$from" "$from" >/dev/null 2>&1 || { echo "FAIL gen-mid-agent $from"; exit 1; }
done
export MIDWSS_PASS=midwsspass CHANGEIT=changeit
for from in jks jceks pkcs12; do
  agent=$work/mid-$from/agent; F=$(typename $from)
  own=midwsspass; [ $from = pkcs12 ] && own=changeit  # keytool ignores -keypass for PKCS12
  before=$(listing "$F" "$agent/security/agent_keystore" changeit)
  jvm_before=$(jvm_check "$F" "$agent/security/agent_keystore" changeit midwss=$own)
  for to in jks jceks pkcs12 bcfks; do
    T=$(typename $to); dest=$work/conv-$from.$to
    run convert "$dest" --to $to --keypass-env MIDWSS_PASS --agent-dir "$agent"
    # JKS holds no secret keys; JCEKS only the Java-serialized ones read from a JCEKS store.
    if { [ $to = jks ] && [ $from != jks ]; } || { [ $to = jceks ] && [ $from = pkcs12 ]; }; then
      check "convert $F -> $T with a secret key: exit 2 ENTRY_NOT_STORABLE naming mid-secret, no file" \
        '[ $rc -eq 2 ] && grep -q ENTRY_NOT_STORABLE <<<"$out" && grep -q mid-secret <<<"$out" && [ ! -e "$dest" ]'
      continue
    fi
    check "convert $F -> $T: exit 0, mode 0600" '[ $rc -eq 0 ] && [ "$(stat -c %a "$dest")" = 600 ]'
    # Java folds aliases to lower case in PKCS12 only; every listing here is lower case already.
    check "convert $F -> $T: keytool lists the same aliases, kinds and fingerprints" '[ "$(listing "$T" "$dest" changeit)" = "$before" ]' ||
      diff <(echo "$before") <(listing "$T" "$dest" changeit) | head -8
    # The JVM recovers every key; midwss keeps its own password (PKCS12: it had the store password).
    check "convert $F -> $T: a JVM recovers every entry as it did from the source" \
      '[ "$(jvm_check "$T" "$dest" changeit midwss=$own)" = "$jvm_before" ]' ||
      diff <(echo "$jvm_before") <(jvm_check "$T" "$dest" changeit midwss=$own) | head -8
  done
done
jvm_check JCEKS "$work/mid-jceks/agent/security/agent_keystore" changeit midwss=midwsspass > jvm-jceks.txt
check "the JVM's view of a MID store: 5 entries, keys matching their leaves, the AES key" \
  '[ "$(grep -c matches-leaf jvm-jceks.txt)" = 2 ] && grep -q "mid-secret SecretKeyEntry AES 256" jvm-jceks.txt && ! grep -q "^fail" jvm-jceks.txt'

agent=$work/mid-jceks/agent; cd "$agent"
run convert "$work/nokeypass.p12" --to pkcs12
check "convert to PKCS12 without midwss's own password: exit 5 WRONG_KEY_PASSWORD naming midwss, no file" \
  '[ $rc -eq 5 ] && grep -q WRONG_KEY_PASSWORD <<<"$out" && grep -q "midwss" <<<"$out" && grep -q -- "--keypass-env" <<<"$out" && [ ! -e "$work/nokeypass.p12" ]'
run convert "$work/sealed.jceks" --to jceks
check "convert JCEKS -> JCEKS without it: midwss carried sealed, still opens with its own password" \
  '[ $rc -eq 0 ] && grep -q "own password, kept: midwss" <<<"$out" && kt -storetype JCEKS -keypasswd -alias midwss -keypass midwsspass -new midwss2 -keystore "$work/sealed.jceks" -storepass changeit >/dev/null 2>&1'
cp "$work/conv-jceks.pkcs12" "$work/existing.p12"
run convert "$work/existing.p12" --to pkcs12 --keypass-env MIDWSS_PASS
check "convert over an existing file: exit 4 FILE_EXISTS, the file untouched" \
  '[ $rc -eq 4 ] && grep -q FILE_EXISTS <<<"$out" && cmp -s "$work/existing.p12" "$work/conv-jceks.pkcs12"'
run convert "$work/existing.p12" --to jceks --keypass-env MIDWSS_PASS --force
check "convert --force replaces it (now JCEKS)" '[ $rc -eq 0 ] && [ "$(head -c 4 "$work/existing.p12" | od -An -tx1 | tr -d " ")" = cececece ]'
cp security/agent_keystore "$work/ks-before"
run convert security/agent_keystore --to pkcs12 --force
check "convert onto the keystore itself: exit 1, the keystore untouched" '[ $rc -eq 1 ] && cmp -s security/agent_keystore "$work/ks-before"'
export NEW_PASS=n3w-Store-pass
run convert "$work/newpass.p12" --to pkcs12 --keypass-env MIDWSS_PASS --new-storepass-env NEW_PASS
check "convert --new-storepass-env: keytool opens the new file with the new password, not the old" \
  '[ $rc -eq 0 ] && kt -list -keystore "$work/newpass.p12" -storepass n3w-Store-pass >/dev/null 2>&1 && ! kt -list -keystore "$work/newpass.p12" -storepass changeit >/dev/null 2>&1'
run convert "$work/twins.p12" --to pkcs12 --keystore "$work/mid-jks/caseexact.jks"
check "convert case twins (CaseExactJKS MidKey, midkey) to PKCS12: exit 2 AMBIGUOUS_ALIAS naming both, no file" \
  '[ $rc -eq 2 ] && grep -q AMBIGUOUS_ALIAS <<<"$out" && grep -q MidKey <<<"$out" && grep -q midkey <<<"$out" && [ ! -e "$work/twins.p12" ]'
run convert "$work/x.p12"
check "convert without --to: exit 1" '[ $rc -eq 1 ] && grep -q -- "--to" <<<"$out"'

# ---- passwd ----
for from in jks jceks pkcs12; do
  agent=$work/mid-$from/agent; F=$(typename $from); cd "$agent"
  own=midwsspass; [ $from = pkcs12 ] && own=changeit
  cp config.xml "$work/config-before.xml"; cp security/agent_keystore "$work/ks-before"
  export NEW_PASS=n3w-Store-pass
  run passwd --new-storepass-env NEW_PASS
  check "passwd $F: exit 0" '[ $rc -eq 0 ]'
  check "passwd $F: keytool opens it with the new password and not the old" \
    'ktype '"$F"' -list -keystore security/agent_keystore -storepass n3w-Store-pass >/dev/null 2>&1 && ! ktype '"$F"' -list -keystore security/agent_keystore -storepass changeit >/dev/null 2>&1'
  if [ $from = pkcs12 ]; then
    check "passwd PKCS12: every key now opens with the new password (midwss shared the store's)" \
      'jvm_ok 5 PKCS12 security/agent_keystore n3w-Store-pass && grep -q "under the new password: .*midwss" <<<"$out"'
  else
    check "passwd $F: the MID key and the secret key follow; midwss keeps midwsspass and is reported" \
      'jvm_ok $([ $F = JKS ] && echo 4 || echo 5) '"$F"' security/agent_keystore n3w-Store-pass midwss=midwsspass && ! jvm_ok 5 '"$F"' security/agent_keystore n3w-Store-pass && grep -q "own password, unchanged: midwss" <<<"$out"'
  fi
  check "passwd $F: config.xml gains mid.keystore.password (secure=\"true\") and nothing else changes" \
    '[ "$(diff "$work/config-before.xml" config.xml | grep "^[<>]")" = "> "'"'"'    <parameter name="mid.keystore.password" secure="true" value="n3w-Store-pass"/>'"'"' ]' ||
    diff "$work/config-before.xml" config.xml | head -5
  backup=$(ls security_backup/agent_keystore.* | head -1)
  check "passwd $F: the backup is the old keystore and opens with the old password" \
    'cmp -s "$backup" "$work/ks-before" && ktype '"$F"' -list -keystore "$backup" -storepass changeit >/dev/null 2>&1'
  run -l
  check "passwd $F: -l afterwards reads it with config.xml's new password" '[ $rc -eq 0 ] && grep -q defaultsecuritykeypairhandle <<<"$out"'
done
cd "$work/mid-jks/agent"
export NEWER_PASS=n3wer-Store-pass
run passwd --new-storepass-env NEWER_PASS
check "passwd again: config.xml's plain value replaced in place" \
  '[ $rc -eq 0 ] && grep -c "mid.keystore.password" config.xml | grep -qx 1 && grep -q "value=\"n3wer-Store-pass\"" config.xml'
cp security/agent_keystore "$work/ks-before"
export WRONG=not-the-password
run passwd --storepass-env WRONG --new-storepass-env NEW_PASS
check "passwd with a wrong store password: exit 5, nothing changed" '[ $rc -eq 5 ] && cmp -s security/agent_keystore "$work/ks-before"'
export SHORT=abc
run passwd --new-storepass-env SHORT
check "passwd to fewer than 6 characters: exit 1, nothing changed" '[ $rc -eq 1 ] && cmp -s security/agent_keystore "$work/ks-before"'
run passwd --new-storepass-env NEWER_PASS
check "passwd to the same password: exit 0, nothing written" '[ $rc -eq 0 ] && grep -q "nothing changed" <<<"$out" && cmp -s security/agent_keystore "$work/ks-before"'
run passwd --keystore "$work/newpass.p12" --storepass-env NEW_PASS --new-storepass-env NEWER_PASS
check "passwd on a keystore that is not the MID's: config.xml untouched" \
  '[ $rc -eq 0 ] && grep -q "value=\"n3wer-Store-pass\"" config.xml && kt -list -keystore "$work/newpass.p12" -storepass n3wer-Store-pass >/dev/null 2>&1'

# BCFKS made by Bouncy Castle: the keys that shared the store password follow it, ec-own-pass keeps its own.
cp "$src/testdata/keystores/bcfks/mixed.bcfks" "$work/mixed.bcfks"
run passwd --keystore "$work/mixed.bcfks" --storepass-env CHANGEIT --new-storepass-env NEWER_PASS
check "passwd on a BCFKS store from Bouncy Castle: a JVM with BC recovers every key, ec-own-pass with its own password" \
  '[ $rc -eq 0 ] && grep -q "own password, unchanged: ec-own-pass" <<<"$out" && jvm_ok 5 BCFKS "$work/mixed.bcfks" n3wer-Store-pass ec-own-pass=other-key-pass'

# The MID's key after passwd: a JVM presents it (the MID's bundle imported first).
cd "$work/mid-pkcs12/agent"
run -a defaultsecuritykeypairhandle ../bundle.pem
export NEWEST=n3west-Store-pass
run passwd --new-storepass-env NEWEST
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/server-ca.key" -out "$work/server-ca.pem" -days 2 -subj "/CN=Toolbox Server CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/server.key" -out "$work/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null
openssl x509 -req -in "$work/server.csr" -CA "$work/server-ca.pem" -CAkey "$work/server-ca.key" -CAcreateserial -days 2 \
  -extfile <(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') -out "$work/server.pem" 2>/dev/null
start_s_server -cert "$work/server.pem" -key "$work/server.key" -CAfile "$work/mid-pkcs12/root.pem" -Verify 3 -verify_return_error -www -quiet
hs=$(cd "$work" && STOREPASS=n3west-Store-pass CLIENT_ALIAS=defaultsecuritykeypairhandle java -cp "$classes" MtlsClient "$port" server-ca.pem PKCS12 "$work/mid-pkcs12/agent/security/agent_keystore" 2>&1)
check "after passwd a JVM completes the mutual-TLS handshake with the MID key" '[ "${hs%% *}" = ok ]' || echo "     $hs"

# ---- the outbound keystore flow of the seed (keytool -genkey, -certreq, import CA, import reply) ----
mkdir -p "$work/outbound" && cd "$work/outbound"
{ cat "$src/scripts/fixture-ca.cnf"; printf '[from_csr]\nbasicConstraints = CA:FALSE\nauthorityKeyIdentifier = keyid\n'; cat "$src/scripts/fixture-extensions.cnf"; } > ca.cnf
export DB=$work/outbound/db && mkdir -p "$DB" && : > "$DB/index.txt" && openssl rand -hex 8 > "$DB/serial"
openssl genpkey -algorithm RSA -out root.key 2>/dev/null && openssl req -new -key root.key -subj "/CN=Outbound Root CA" -out root.csr
openssl ca -batch -notext -config ca.cnf -selfsign -keyfile root.key -in root.csr -extensions root_ext -days 3650 -out root.pem 2>/dev/null
openssl genpkey -algorithm RSA -out int.key 2>/dev/null && openssl req -new -key int.key -subj "/CN=Outbound Issuing CA" -out int.csr
openssl ca -batch -notext -config ca.cnf -cert root.pem -keyfile root.key -in int.csr -extensions int_ext -days 3650 -out int.pem 2>/dev/null
export KS_PASS=outb0und-pass
run csr --keystore my.keystore --alias mydomain --subject 'CN=acme.example,O=Acme' --storepass-env KS_PASS
v=$(kt -list -v -keystore my.keystore -storepass outb0und-pass 2>/dev/null)
check "csr --keystore: a key pair inside the keystore, self-signed placeholder, mode 0600" \
  '[ $rc -eq 0 ] && grep -q "Entry type: PrivateKeyEntry" <<<"$v" && grep -q "Certificate chain length: 1" <<<"$v" && [ "$(grep -c "CN=acme.example, O=Acme" <<<"$v")" -ge 2 ] && [ "$(stat -c %a my.keystore)" = 600 ]'
check "csr --keystore: openssl verifies mydomain.csr; its key is the placeholder's" \
  'openssl req -in mydomain.csr -noout -verify 2>&1 | grep -q "verify OK" && [ "$(openssl req -in mydomain.csr -noout -pubkey)" = "$(kt -exportcert -rfc -alias mydomain -keystore my.keystore -storepass outb0und-pass 2>/dev/null | openssl x509 -noout -pubkey)" ]'
cp my.keystore ks-before; cp mydomain.csr first.csr
run csr --keystore my.keystore --alias mydomain --storepass-env KS_PASS
check "csr for an alias that has its key (keytool -certreq): the same key, the keystore untouched" \
  '[ $rc -eq 0 ] && cmp -s my.keystore ks-before && [ "$(openssl req -in mydomain.csr -noout -pubkey)" = "$(openssl req -in first.csr -noout -pubkey)" ]'
run -a root root.pem --keystore my.keystore --storepass-env KS_PASS
check "-a root root.pem: the CA as a trusted certificate entry" \
  '[ $rc -eq 0 ] && kt -list -alias root -keystore my.keystore -storepass outb0und-pass 2>/dev/null | grep -q trustedCertEntry'
openssl ca -batch -notext -config ca.cnf -cert int.pem -keyfile int.key -in mydomain.csr -extensions from_csr -days 365 -out leaf.pem 2>/dev/null
cat leaf.pem int.pem > reply.pem
openssl req -newkey rsa:2048 -nodes -keyout other.key -subj "/CN=other" -out other.csr 2>/dev/null
openssl ca -batch -notext -config ca.cnf -cert int.pem -keyfile int.key -in other.csr -extensions from_csr -days 365 -out other.pem 2>/dev/null
cp my.keystore ks-before
run -a mydomain other.pem int.pem --keystore my.keystore --storepass-env KS_PASS
check "a reply for another key: exit 2 KEY_MISMATCH, the keystore byte-identical" '[ $rc -eq 2 ] && grep -q KEY_MISMATCH <<<"$out" && cmp -s my.keystore ks-before'
run -a mydomain reply.pem --keystore my.keystore --storepass-env KS_PASS
v=$(kt -list -v -keystore my.keystore -storepass outb0und-pass 2>/dev/null)
check "the reply is paired with the key: chain of 3 up to the root (completed from the trusted entry), no -previous copy" \
  '[ $rc -eq 0 ] && grep -q "Certificate chain length: 3" <<<"$v" && grep -q "Owner: CN=Outbound Root CA" <<<"$v" && grep -q "Your keystore contains 2 entries" <<<"$v" && ! grep -q previous <<<"$v"'
start_s_server -cert "$work/server.pem" -key "$work/server.key" -CAfile root.pem -Verify 3 -verify_return_error -www -quiet
hs=$(cd "$work" && STOREPASS=outb0und-pass CLIENT_ALIAS=mydomain java -cp "$classes" MtlsClient "$port" server-ca.pem JKS "$work/outbound/my.keystore" 2>&1)
check "a JVM presenting 'mydomain' completes the handshake with openssl s_server -Verify" '[ "${hs%% *}" = ok ]' || echo "     $hs"
run -a defaultsecuritykeypairhandle root.pem --keystore fresh.jks --storepass-env KS_PASS
check "-a of a lone certificate under the MID's alias: NO_PRIVATE_KEY, no trusted entry made" '[ $rc -eq 2 ] && grep -q NO_PRIVATE_KEY <<<"$out" && [ ! -e fresh.jks ]'

# ---- doctor on a FIPS-mode MID ----
cd "$work/mid-pkcs12/agent" && mkdir -p conf
export NEWEST
printf '# wrapper-override.conf\nwrapper.java.additional.30=-Dorg.bouncycastle.fips.approved_only=true\n' > conf/wrapper-override.conf
run doctor --storepass-env NEWEST
check "doctor on a FIPS-mode MID with a PKCS12 keystore: exit 2, FIPS_KEYSTORE_TYPE with the convert command" \
  '[ $rc -eq 2 ] && grep -q "FIPS mode" <<<"$out" && grep -q -- "--to bcfks" <<<"$out"'
run convert security/agent_keystore.bcfks --to bcfks --storepass-env NEWEST
mv security/agent_keystore "$work/agent_keystore.p12" && mv security/agent_keystore.bcfks security/agent_keystore
run doctor --storepass-env NEWEST --json
check "doctor after converting it to BCFKS: ready, the FIPS check ok" \
  '[ $rc -eq 0 ] && python3 -c "import json,sys; d=json.loads(sys.argv[1]); c=[c for t in d[\"targets\"] for c in t[\"checks\"] if \"FIPS\" in c[\"check\"]]; sys.exit(0 if d[\"ready\"] and c and c[0][\"status\"]==\"ok\" else 1)" "$out"'
sed -i 's/^wrapper/#wrapper/' conf/wrapper-override.conf
run doctor --storepass-env NEWEST
check "a commented-out flag is no FIPS mode: no FIPS check" '[ $rc -eq 0 ] && ! grep -q "FIPS" <<<"$out"'

finish
