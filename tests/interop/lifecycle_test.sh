#!/usr/bin/env bash
# The commands beyond the original, judged by openssl and a JVM: csr (a CA signs it and -a takes
# the result), split (openssl verifies what the instance gets; no key anywhere), renew (old and
# new entries, refusals, prune, and a Java handshake against a root-only server presenting the
# renewed certificate with the chain completed from the entry, JKS and JCEKS), expiry (fixtures
# that expire at chosen dates, one damaged store, a glob that also matches what is no keystore),
# and a BCFKS keystore taken like the others.
#   lifecycle_test.sh <manage-certificates> <source dir>
set -uo pipefail
bin=$1; src=$2; bundles=$src/testdata/bundles
source "$src/tests/interop/lib.sh"
require java javac keytool python3
cd "$work"
export LC_ALL=C
when() { date -u -d "$1" +%Y%m%d%H%M%SZ; }

# A CA whose validity windows we choose (openssl ca), issuing what CSRs ask for (copy_extensions).
{ cat "$src/scripts/fixture-ca.cnf"; cat <<'CNF'
[from_csr]
basicConstraints = CA:FALSE
authorityKeyIdentifier = keyid
CNF
cat "$src/scripts/fixture-extensions.cnf"; } > ca.cnf
export DB=$work/db && mkdir -p "$DB" && : > "$DB/index.txt" && openssl rand -hex 8 > "$DB/serial"
issue() {  # issue CSR OUT EXTENSIONS START END [self|ISSUER]
  local issuer=${6:-int}
  if [ "$issuer" = self ]; then
    openssl ca -batch -notext -config "$work/ca.cnf" -selfsign -keyfile "$work/root.key" -in "$1" -extensions "$3" -startdate "$4" -enddate "$5" -out "$2" 2>/dev/null
  else
    openssl ca -batch -notext -config "$work/ca.cnf" -cert "$work/$issuer.pem" -keyfile "$work/$issuer.key" -in "$1" -extensions "$3" -startdate "$4" -enddate "$5" -out "$2" 2>/dev/null
  fi
}
openssl genpkey -algorithm RSA -out root.key 2>/dev/null && openssl req -new -key root.key -subj "/CN=Lifecycle Root CA" -out root.csr
issue root.csr root.pem root_ext "$(when '-2 days')" "$(when '+20 years')" self
openssl genpkey -algorithm RSA -out int.key 2>/dev/null && openssl req -new -key int.key -subj "/CN=Lifecycle Intermediate CA" -out int.csr
issue int.csr int.pem int_ext "$(when '-2 days')" "$(when '+20 years')" root
cat int.pem root.pem > chain.pem

agent=$work/agent && mkdir -p "$agent" && cp "$src/testdata/config/basic-auth.xml" "$agent/config.xml" && cd "$agent"

# ---- csr ----
run csr
check "csr: exit 0, names both files" '[ $rc -eq 0 ] && grep -q "Wrote midserver.csr" <<<"$out"'
check "csr: the key is PKCS#8, mode 0600" '[ "$(stat -c %a midserver.key)" = 600 ] && head -1 midserver.key | grep -q "BEGIN PRIVATE KEY"'
req=$(openssl req -in midserver.csr -verify -noout -text 2>&1)
check "csr: openssl verifies it; subject from config.xml, clientAuth EKU, KU digitalSignature+keyEncipherment, RSA 2048" 'grep -q "verify OK\|Certificate request self-signature verify OK" <<<"$req" && grep -q "Subject: CN = acme_mid_01" <<<"$req" && grep -q "TLS Web Client Authentication" <<<"$req" && grep -q "Digital Signature, Key Encipherment" <<<"$req" && grep -q "Public-Key: (2048 bit)" <<<"$req"'
cp midserver.key "$work/key.before"
run csr
check "csr again: refused (exit 4), the key is never overwritten" '[ $rc -eq 4 ] && grep -q "already exists" <<<"$out" && cmp -s midserver.key "$work/key.before"'
export CSR_PASS=csr-pass-123
run csr second --subject 'CN=mid02,O=Acme\, Inc,C=US' --key-type ec256 --san DNS:mid02.acme.example --san IP:10.1.2.3 --keypass-env CSR_PASS
req2=$(openssl req -in second.csr -noout -text 2>&1)
check "csr with subject, EC key, SANs, encrypted key: as asked" '[ $rc -eq 0 ] && grep -q "BEGIN ENCRYPTED PRIVATE KEY" second.key && grep -q "Subject: C = US, O = \"Acme, Inc\", CN = mid02" <<<"$req2" && grep -q "DNS:mid02.acme.example, IP Address:10.1.2.3" <<<"$req2" && grep -q NON_RSA_KEY <<<"$out"'
check "… the encrypted key opens with its passphrase only" 'openssl pkey -in second.key -passin env:CSR_PASS -noout 2>/dev/null && ! openssl pkey -in second.key -passin pass:wrong -noout 2>/dev/null'
run csr third --key-type rsa1024
check "csr with an unknown key type: exit 1, nothing written" '[ $rc -eq 1 ] && [ ! -e third.key ]'
run csr fourth --subject 'CN'
check "csr with a malformed subject: exit 1" '[ $rc -eq 1 ] && grep -q "FIELD=value" <<<"$out"'
issue midserver.csr leaf1.pem from_csr "$(when '-1 days')" "$(when '+90 days')"
run -a defaultsecuritykeypairhandle leaf1.pem "$work/chain.pem" midserver.key
check "the CA signs the CSR; -a takes the certificate, chain and kept key" '[ $rc -eq 0 ] && "$bin" -g defaultsecuritykeypairhandle | grep -q "Ext. usage: *clientAuth"'

# ---- split ----
run split --out-dir "$work/up"
check "split from the keystore: exit 0, names the tables" '[ $rc -eq 0 ] && grep -q "sys_ca_certificate" <<<"$out" && grep -q "sys_user_certificate" <<<"$out"'
check "split: root first, then the intermediate, then the leaf" '[ "$(ls "$work/up" | tr "\n" " ")" = "ca-1-lifecycle-root-ca.pem ca-2-lifecycle-intermediate-ca.pem leaf-acme-mid-01.pem " ]'
check "split: no private key in any file" '! grep -l "PRIVATE KEY" "$work"/up/*'
check "split: openssl verifies the leaf with the CA files" 'openssl verify -CAfile "$work/up/ca-1-lifecycle-root-ca.pem" -untrusted "$work/up/ca-2-lifecycle-intermediate-ca.pem" "$work/up/leaf-acme-mid-01.pem" >/dev/null 2>&1'
run split "$bundles/seed-order.pem" --ca-bundle --out-dir "$work/up2" --json
check "split --ca-bundle from a bundle with its key: two files, no key" '[ $rc -eq 0 ] && [ "$(ls "$work/up2" | wc -l)" = 2 ] && ! grep -l "PRIVATE KEY" "$work"/up2/*'
check "… ca-chain.pem starts with the root, and openssl verify -CAfile chain leaf succeeds" '[ "$(openssl x509 -in "$work/up2/ca-chain.pem" -noout -subject)" = "subject=CN = Bundle Root CA, O = midks tests" ] && openssl verify -CAfile "$work/up2/ca-chain.pem" "$work"/up2/leaf-*.pem >/dev/null 2>&1'
run split "$bundles/split/ca-chain.pem" --out-dir "$work/up3"
check "split from CA certificates only: exit 2 NO_LEAF" '[ $rc -eq 2 ] && grep -q NO_LEAF <<<"$out"'
run split "$bundles/three/leaf.pem" "$bundles/three/chain.pem" --out-dir "$work/up4" --quiet
check "split from leaf + chain files without a key: exit 0, three files" '[ $rc -eq 0 ] && [ "$(ls "$work/up4" | wc -l)" = 3 ]'

# ---- renew ----
# The JVM presents defaultsecuritykeypairhandle as the MID does, to a server that trusts only the
# root (as the instance trusts what is in sys_ca_certificate): the intermediate must travel in the
# chain, before the renewal and after it, when the renewed certificate came alone.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server-ca.key -out server-ca.pem -days 2 -subj "/CN=Test Server CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
openssl x509 -req -in server.csr -CA server-ca.pem -CAkey server-ca.key -CAcreateserial -days 2 \
  -extfile <(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') -out server.pem 2>/dev/null
start_s_server -cert server.pem -key server.key -CAfile "$work/root.pem" -Verify 3 -verify_return_error -www -quiet
java_classes
jvm() {  # jvm TYPE KEYSTORE [ALIAS]: one handshake, its line in $java_out
  java_out=$(CLIENT_ALIAS=${3:-defaultsecuritykeypairhandle} STOREPASS=changeit java -cp "$classes" MtlsClient "$port" server-ca.pem "$1" "$2" 2>&1)
}
serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr A-F a-f | sed 's/^0*//'; }
ks=$("$bin" -s --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["keystore"])')  # where -a put it
jceks=$work/agent.jceks
"$bin" -a defaultsecuritykeypairhandle leaf1.pem "$work/chain.pem" midserver.key --keystore "$jceks" --storetype jceks --quiet
old_serial=$(serial leaf1.pem)
jvm JKS "$ks"
check "before the renewal: the JVM's handshake (JKS) against a root-only server presents leaf1 with a chain of 3" 'grep -q "^ok .* serial $old_serial, chain of 3" <<<"$java_out"' || echo "$java_out"
jvm JCEKS "$jceks"
check "… and with the JCEKS keystore" 'grep -q "^ok .* serial $old_serial, chain of 3" <<<"$java_out"' || echo "$java_out"

cp "$ks" "$work/ks.before-renew"
run renew defaultsecuritykeypairhandle leaf1.pem
check "renew with the current certificate: refused RENEWAL_NOT_NEWER, keystore unchanged" '[ $rc -eq 2 ] && grep -q RENEWAL_NOT_NEWER <<<"$out" && cmp -s "$ks" "$work/ks.before-renew"'
issue midserver.csr leaf0.pem from_csr "$(when '-3 days')" "$(when '+400 days')"
run renew defaultsecuritykeypairhandle leaf0.pem
check "renew with a certificate issued before the current one: refused" '[ $rc -eq 2 ] && grep -q "not after the current one" <<<"$out"'
openssl req -new -key "$work/int.key" -subj "/CN=acme_mid_01" -out other.csr 2>/dev/null
issue other.csr other.pem from_csr "$(when 'now')" "$(when '+400 days')"
run renew defaultsecuritykeypairhandle other.pem
check "renew with a certificate for another key: KEY_MISMATCH" '[ $rc -eq 2 ] && grep -q KEY_MISMATCH <<<"$out"'
issue midserver.csr leaf2.pem from_csr "$(when 'now')" "$(when '+400 days')"
new_serial=$(serial leaf2.pem)
run renew DefaultSecurityKeyPairHandle leaf2.pem
today=$(date -u +%Y%m%d)
check "renew with the renewed certificate alone (key and CA chain from the entry): exit 0, prints the expiry change and a chain of 3" '[ $rc -eq 0 ] && grep -q "Renewed .defaultsecuritykeypairhandle.: expiry .* -> .* (+310 days), chain of 3 certificate(s)" <<<"$out" && grep -q "note: completed the chain with 2 CA certificate(s) from the entry.s current chain" <<<"$out"'
check "… no chain warning (the entry's chain reaches the root)" '! grep -q "ROOT_MISSING\|CHAIN_BROKEN" <<<"$out"'
check "… the old entry stays as defaultsecuritykeypairhandle-previous-$today" '[ "$("$bin" -l)" = "defaultsecuritykeypairhandle,defaultsecuritykeypairhandle-previous-$today" ] || [ "$("$bin" -l)" = "defaultsecuritykeypairhandle-previous-$today,defaultsecuritykeypairhandle" ]'
check "… keytool lists both as PrivateKeyEntry, the renewed one with a chain of 3" '[ "$(keytool -list -keystore "$ks" -storepass changeit 2>/dev/null | grep -c PrivateKeyEntry)" = 2 ] && keytool -list -v -alias defaultsecuritykeypairhandle -keystore "$ks" -storepass changeit 2>/dev/null | grep -q "Certificate chain length: 3"'
run doctor "$ks"
check "… doctor: the chain is complete up to a self-signed root" '[ $rc -eq 0 ] && grep -q "\[ok  \] the chain is complete up to a self-signed root" <<<"$out"'
jvm JKS "$ks"
check "after the renewal: the JVM's handshake (JKS) against the root-only server presents the renewed certificate with a chain of 3" 'grep -q "^ok .* serial $new_serial, chain of 3" <<<"$java_out"' || echo "$java_out"
jvm JKS "$ks" "defaultsecuritykeypairhandle-previous-$today"
check "… and the kept previous entry still holds the old one" 'grep -q "^ok .* serial $old_serial, chain of 3" <<<"$java_out"' || echo "$java_out"
run renew defaultsecuritykeypairhandle leaf2.pem --keystore "$jceks"
check "renew in the JCEKS keystore with the certificate alone: exit 0, chain of 3" '[ $rc -eq 0 ] && grep -q "chain of 3 certificate(s)" <<<"$out"'
jvm JCEKS "$jceks"
check "… the JVM's handshake (JCEKS) presents the renewed certificate with a chain of 3" 'grep -q "^ok .* serial $new_serial, chain of 3" <<<"$java_out"' || echo "$java_out"
# A certificate from a CA the entry never had: stored, with the truth about where its chain ends.
openssl genpkey -algorithm RSA -out "$work/new-root.key" 2>/dev/null
openssl req -x509 -new -key "$work/new-root.key" -subj "/CN=New Root CA" -days 3650 -out "$work/new-root.pem" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl genpkey -algorithm RSA -out "$work/new-int.key" 2>/dev/null && openssl req -new -key "$work/new-int.key" -subj "/CN=New Intermediate CA" -out new-int.csr
issue new-int.csr "$work/new-int.pem" int_ext "$(when '-2 days')" "$(when '+20 years')" new-root
issue midserver.csr leaf3.pem from_csr "$(when 'now')" "$(when '+500 days')" new-int
run renew defaultsecuritykeypairhandle leaf3.pem --keystore "$jceks" --json
check "renew with a leaf from another CA, alone: stored with a chain of 1, ROOT_MISSING names the leaf and where its issuer was looked for" '[ $rc -eq 0 ] && python3 -c "import json,sys; d=json.loads(sys.argv[1]); assert d[\"chain_length\"]==1 and [f[\"code\"] for f in d[\"findings\"]]==[\"ROOT_MISSING\"]" "$out" && grep -q "the chain ends at .CN=acme_mid_01., whose issuer .CN=New Intermediate CA. is not in the files given or the entry.s current chain" <<<"$out"'
run renew defaultsecuritykeypairhandle --prune
check "renew --prune deletes the previous entry" '[ $rc -eq 0 ] && [ "$("$bin" -l)" = defaultsecuritykeypairhandle ]'
run renew defaultsecuritykeypairhandle
check "renew without a certificate or --prune: exit 1" '[ $rc -eq 1 ]'
run renew nosuch leaf2.pem
check "renew an alias that does not exist: exit 2" '[ $rc -eq 2 ]'

# ---- expiry ----
mkdir -p "$work/fleet/mid1/security" "$work/fleet/mid2/security" "$work/fleet/mid3/security"
for spec in "soon 10" "later 200"; do
  set -- $spec
  openssl genpkey -algorithm RSA -out "$1.key" 2>/dev/null
  openssl req -new -key "$1.key" -subj "/CN=mid-$1" -out "$1.csr"
  issue "$1.csr" "$1.pem" leaf_ext "$(when '-1 days')" "$(when "+$2 days")"
  cat "$1.pem" "$work/chain.pem" "$1.key" > "$1.bundle.pem"
done
"$bin" -a defaultsecuritykeypairhandle soon.bundle.pem --keystore "$work/fleet/mid1/security/agent_keystore.jks" --quiet 2>/dev/null
"$bin" -a defaultsecuritykeypairhandle later.bundle.pem --keystore "$work/fleet/mid2/security/agent_keystore.jks" --quiet 2>/dev/null
run expiry "$work/fleet/*/security/agent_keystore.jks"
check "expiry over a glob: both MIDs, soonest first, exit 3 (one within 30 days)" '[ $rc -eq 3 ] && [ "$(grep -c defaultsecuritykeypairhandle <<<"$out")" = 2 ] && grep -A0 "^9 \|^10 " <<<"$out" | grep -q "mid1.*WARNING"'
run expiry "$work/fleet/*/security/agent_keystore.jks" --warn 5
check "expiry --warn 5: exit 0" '[ $rc -eq 0 ]'
run expiry "$work/fleet/*/security/agent_keystore.jks" --expiry-warn 365 --json
check "expiry --json: days_left per entry, both flagged at 365" '[ $rc -eq 3 ] && python3 -c "import json,sys; d=json.loads(sys.argv[1]); assert len(d[\"entries\"])==2 and all(e[\"warn\"] for e in d[\"entries\"]) and 9 <= d[\"entries\"][0][\"days_left\"] <= 10" "$out"'
head -c 200 "$work/fleet/mid2/security/agent_keystore.jks" > "$work/fleet/mid3/security/agent_keystore.jks"
run expiry "$work/fleet/*/security/agent_keystore.jks" --expiry-warn 5
check "expiry with one damaged store (a truncated JKS): still lists the others, exit 2 names the file" '[ $rc -eq 2 ] && [ "$(grep -c defaultsecuritykeypairhandle <<<"$out")" = 2 ] && grep -q "mid3.*truncated" <<<"$out"'
# A wildcard over a security folder meets more than keystores: the lock file (empty), notes, and
# copies. What is no keystore by content is skipped; a copy is a keystore and is listed.
g=$work/glob/security && mkdir -p "$g"
cp "$work/fleet/mid2/security/agent_keystore.jks" "$g/agent_keystore"
cp "$g/agent_keystore" "$g/agent_keystore.bak"
: > "$g/agent_keystore.lock"
printf 'renewed on 2026-11-22 by ops\n' > "$g/agent_keystore.txt"
for warn in 30 365; do
  run expiry "$g/agent_keystore" "$g/agent_keystore.bak" --expiry-warn $warn; alone=$rc
  run expiry "$g/agent_keystore*" --expiry-warn $warn
  check "expiry over a glob with a keystore, its copy, an empty lock file and a text file (--expiry-warn $warn): the two keystores only, exit $alone as for them alone" '[ $rc -eq $alone ] && [ "$(grep -c defaultsecuritykeypairhandle <<<"$out")" = 2 ] && grep -q "agent_keystore.bak" <<<"$out" && ! grep -q "\.lock\|\.txt\|error" <<<"$out"'
done
run expiry "$g/agent_keystore*" --json
check "… --json: the lock and the text file listed under skipped, no errors" '[ $rc -eq 0 ] && python3 -c "import json,sys; d=json.loads(sys.argv[1]); assert len(d[\"entries\"])==2 and d[\"errors\"]==[] and sorted(p.rsplit(\".\",1)[1] for p in d[\"skipped\"])==[\"lock\",\"txt\"], d" "$out"'
run expiry "$g/agent_keystore.lock"
check "… the same empty file named without a wildcard is still an error: exit 2" '[ $rc -eq 2 ] && grep -q "empty" <<<"$out"'

# ---- BCFKS (a FIPS-mode MID's keystore): read and written like the others (tests/interop/bcfks_interop.sh
# has the rest, judged by keytool with Bouncy Castle) ----
mkdir -p "$work/fips" && cp "$src/testdata/keystores/bcfks/keypair.bcfks" "$work/fips/agent_keystore.bcfks"
MIDKS_TEST_NOW=1811808000 run -a midks-import "$bundles/seed-order.pem" --keystore "$work/fips/agent_keystore.bcfks"
check "-a into a BCFKS keystore: exit 0, the store stays BCFKS" '[ $rc -eq 0 ] && grep -q "(BCFKS)" <<<"$out"'
run -l --keystore "$work/fips/agent_keystore.bcfks"
check "… -l lists the keytool-made entry and the new one" '[ $rc -eq 0 ] && grep -q "defaultsecuritykeypairhandle" <<<"$out" && grep -q "midks-import" <<<"$out"'
run expiry "$work/fips/agent_keystore*"
check "expiry over a glob that matches a BCFKS keystore: its entries listed, exit 0" '[ $rc -eq 0 ] && grep -q "defaultsecuritykeypairhandle" <<<"$out" && grep -q "midks-import" <<<"$out"'

finish
