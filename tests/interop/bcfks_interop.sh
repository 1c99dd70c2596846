#!/usr/bin/env bash
# BCFKS (Bouncy Castle FIPS keystores, as FIPS-mode MIDs use) judged by the real peer: keytool with
# Debian's Bouncy Castle provider lists every store the command line writes (-a into a new store
# with --storetype bcfks, -a into keytool-made stores, -d, -r, renew) with the same aliases, kinds
# and SHA-256 fingerprints as we do; a JVM with BC registered (tests/java/KeystoreCheck) recovers
# every key with its password and proves it signs for its leaf; -l, -g, expiry and doctor read
# BCFKS; wrong passwords change nothing; a JVM presents a key from our BCFKS store in mutual TLS.
#   bcfks_interop.sh <manage-certificates> <source dir> <ks_tool>
set -uo pipefail
bin=$1; src=$2; ks_tool=$3; bundles=$src/testdata/bundles; fx=$src/testdata/keystores
source "$src/tests/interop/lib.sh"
require java javac keytool openssl python3
bcprov=${BCPROV_JAR:-/usr/share/java/bcprov.jar}
[ -r "$bcprov" ] || skip_test "needs $bcprov (apt-get install libbcprov-java)"
cd "$work"
export LC_ALL=C
bc_class=org.bouncycastle.jce.provider.BouncyCastleProvider
java_classes

# "alias kind sha256" per entry, sorted, from each reader: keytool+BC's listing, the JVM's
# KeystoreCheck, and our -l --json.
bc_list() {  # bc_list STORE [STOREPASS]
  kt -J-Duser.language=en -J-Duser.country=US -providerpath "$bcprov" -providerclass $bc_class -storetype BCFKS \
    -storepass "${2:-changeit}" -list -keystore "$1" 2>&1 | python3 -c '
import sys
rows, last = [], None
for line in sys.stdin:
    line = line.rstrip("\n")
    if line.startswith("Certificate fingerprint (SHA-256): ") and last is not None:
        rows[last][2] = line.split(": ", 1)[1]; continue
    for kind in ("PrivateKeyEntry", "trustedCertEntry", "SecretKeyEntry"):
        if line.endswith(", " + kind + ", "):
            alias = line[: -len(kind) - 4].rsplit(", ", 2)[0]
            rows.append([alias, kind, "-"]); last = len(rows) - 1
for r in sorted(rows): print(" ".join(r))'
}
jvm_check() {  # jvm_check STORE [alias=keypass]…: KeystoreCheck's lines in $jvm_out, its exit code in $jvm_rc
  jvm_out=$(EXTRA_PROVIDER=$bc_class STOREPASS=${STOREPASS:-changeit} java -cp "$classes:$bcprov" KeystoreCheck BCFKS "$@" 2>&1); jvm_rc=$?
}
jvm_rows() { grep -v '^type ' <<<"$jvm_out" | awk '{print $1, $2, ($2 == "SecretKeyEntry" ? "-" : $3)}' | sort; }
our_rows() {  # our_rows STORE
  "$bin" -l --long --json --keystore "$1" | python3 -c '
import json, sys
for e in sorted(json.load(sys.stdin)["entries"], key=lambda e: e["alias"]):
    print(e["alias"], e["entry_type"], e.get("sha256", "-"))'
}
# agree STORE DESCRIPTION [alias=keypass]…: keytool+BC, the JVM and we see the same entries, and the
# JVM opens every key.
agree() {
  local store=$1 what=$2; shift 2
  local theirs ours
  theirs=$(bc_list "$store"); ours=$(our_rows "$store"); jvm_check "$store" "$@"
  out="keytool+BC:
$theirs
ours:
$ours
JVM:
$jvm_out"
  check "$what: keytool+BC lists the same aliases, kinds and fingerprints as we do; the JVM with BC opens every key, each signs for its leaf" \
    '[ -n "$ours" ] && [ "$theirs" = "$ours" ] && [ "$(jvm_rows)" = "$ours" ] && [ $jvm_rc -eq 0 ] && ! grep -q "^fail" <<<"$jvm_out"'
}

# ---- a new BCFKS keystore from the command line (testdata bundles: judged at the pinned date) ----
new=$work/new.bcfks
MIDKS_TEST_NOW=1811808000 run -a defaultsecuritykeypairhandle "$bundles/seed-order.pem" --keystore "$new" --storetype bcfks
check "-a --storetype bcfks creates a BCFKS keystore (exit 0, type named, the keytool hint names the provider)" \
  '[ $rc -eq 0 ] && grep -q "(BCFKS)" <<<"$out" && grep -q -- "-storetype BCFKS -providerpath" <<<"$out"'
agree "$new" "the new store"
MIDKS_TEST_NOW=1811808000 run -a second-key "$bundles/ec384.pem" --keystore "$new" --force
check "-a of a second key into it (no --storetype: the type is the file's)" '[ $rc -eq 0 ] && grep -q "(BCFKS)" <<<"$out"'
agree "$new" "after the second -a"
run -g second-key --keystore "$new"
check "-g reads the BCFKS entry (exit 0, the type shown)" '[ $rc -eq 0 ] && grep -q "BCFKS" <<<"$out"'
run -d second-key --keystore "$new"
check "-d second-key: exit 0" '[ $rc -eq 0 ]'
agree "$new" "after -d"
check "… keytool+BC lists only defaultsecuritykeypairhandle" '[ "$(bc_list "$new" | cut -d" " -f1)" = defaultsecuritykeypairhandle ]'

# ---- stores keytool+BC made: every entry we are not asked to change travels unopened ----
cp "$fx/bcfks/mixed.bcfks" mixed.bcfks
agree mixed.bcfks "the keytool-made fixture as it is" ec-own-pass=other-key-pass
MIDKS_TEST_NOW=1811808000 run -a midks-import "$bundles/seed-order.pem" --keystore mixed.bcfks
check "-a into the keytool-made store (RSA, EC with its own key password, trusted certificate, AES key, 3-certificate chain)" '[ $rc -eq 0 ]'
agree mixed.bcfks "after -a into it (the EC key still opens with its own password only)" ec-own-pass=other-key-pass
jvm_check mixed.bcfks
check "… and the EC key does not open with the store password" 'grep -q "^fail ec-own-pass" <<<"$jvm_out" && [ $jvm_rc -ne 0 ]'
check "… the AES key is still 256 bits" 'grep -q "^aes-secret SecretKeyEntry AES 256 sha256=" <<<"$jvm_out"'
cp "$fx/bcfks/kwp-sha3.bcfks" kwp.bcfks
MIDKS_TEST_NOW=1811808000 run -a midks-import "$bundles/seed-order.pem" --keystore kwp.bcfks
check "-a into a BC-made store under AES-256-KWP and HMAC-SHA3-512" '[ $rc -eq 0 ]'
agree kwp.bcfks "after -a into the KWP/SHA3 store (its KWP-sealed key still opens with its own password)" rsa-own-pass=other-key-pass
run -r --keystore mixed.bcfks
check "-r: exit 0" '[ $rc -eq 0 ]'
agree mixed.bcfks "after -r"
check "… only defaultsecuritykeypairhandle is left" '[ "$(bc_list mixed.bcfks | cut -d" " -f1)" = defaultsecuritykeypairhandle ]'

# ---- wrong passwords change nothing ----
cp "$new" before.bcfks
WRONG=not-changeit run -l --keystore "$new" --storepass-env WRONG
check "-l with a wrong store password: exit 5 WRONG_STORE_PASSWORD" '[ $rc -eq 5 ] && grep -q WRONG_STORE_PASSWORD <<<"$out"'
WRONG=not-changeit MIDKS_TEST_NOW=1811808000 run -a other "$bundles/seed-order.pem" --keystore "$new" --storepass-env WRONG
check "-a with a wrong store password: exit 5, the file byte-identical" '[ $rc -eq 5 ] && cmp -s "$new" before.bcfks'

# ---- damaged and hostile files through the command line: each refused with its code ----
python3 - "$fx/bcfks/keypair.bcfks" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
open("huge-iterations.bcfks", "wb").write(d.replace(bytes.fromhex("020300c800"), bytes.fromhex("02037fffff"), 1))  # 51200 -> 8388607
open("truncated.bcfks", "wb").write(d[: len(d) // 2])
flipped = bytearray(d); flipped[-10] ^= 0x5A  # inside the integrity MAC
open("flipped.bcfks", "wb").write(bytes(flipped))
PY
t0=$(date +%s%N); run -l --keystore huge-iterations.bcfks; ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "-l of a BCFKS store asking 8388607 PBKDF2 iterations: exit 2 ITERATIONS_TOO_HIGH after ${ms} ms (refused before any KDF)" \
  '[ $rc -eq 2 ] && grep -q ITERATIONS_TOO_HIGH <<<"$out" && [ $ms -lt 2000 ]'
run -l --keystore truncated.bcfks
check "-l of a BCFKS store cut in half: exit 2 KEYSTORE_TRUNCATED" '[ $rc -eq 2 ] && grep -q KEYSTORE_TRUNCATED <<<"$out"'
cp flipped.bcfks flipped.before
MIDKS_TEST_NOW=1811808000 run -a other "$bundles/seed-order.pem" --keystore flipped.bcfks
check "-a into a BCFKS store whose MAC was altered: exit 5 WRONG_STORE_PASSWORD (password or alteration), the file byte-identical" \
  '[ $rc -eq 5 ] && grep -q WRONG_STORE_PASSWORD <<<"$out" && cmp -s flipped.bcfks flipped.before'

# ---- keystores converted into BCFKS by the library (tests/tools/ks_tool) ----
for f in keytool-agent.jks keytool-mixed.p12 openssl-legacy-3des.p12; do
  KS_INPASS=changeit KS_STOREPASS=changeit "$ks_tool" convert "$fx/$f" "conv-$f.bcfks" BCFKS
  agree "conv-$f.bcfks" "$f converted to BCFKS"
done

# ---- renew, expiry, doctor, and the JVM's mutual TLS (certificates made now: the real clock) ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 -subj "/CN=BCFKS Test CA" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=bcfks-mid" 2>/dev/null
leaf_ext() { printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n'; }
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 20 -extfile <(leaf_ext) -out leaf1.pem 2>/dev/null
sleep 1.1  # the renewed certificate must be issued later
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 25 -extfile <(leaf_ext) -out leaf2.pem 2>/dev/null
mtls=$work/mtls.bcfks
run -a defaultsecuritykeypairhandle leaf1.pem ca.pem leaf.key --keystore "$mtls" --storetype bcfks
check "-a of a freshly issued chain into a new BCFKS store" '[ $rc -eq 0 ]'
run renew defaultsecuritykeypairhandle leaf2.pem --keystore "$mtls"
check "renew with the renewed certificate alone: exit 0, the chain completed from the entry" '[ $rc -eq 0 ]'
agree "$mtls" "after renew"
fp2=$(openssl x509 -in leaf2.pem -noout -fingerprint -sha256 | cut -d= -f2)
listed=$(bc_list "$mtls")
check "… keytool+BC shows the renewed leaf under defaultsecuritykeypairhandle, the old one kept beside it" \
  'grep -q "^defaultsecuritykeypairhandle PrivateKeyEntry $fp2$" <<<"$listed" && grep -q "^defaultsecuritykeypairhandle-previous-" <<<"$listed" && [ "$(wc -l <<<"$listed")" -eq 2 ]'
run expiry "$mtls" --warn 30
check "expiry --warn 30 on the BCFKS store: both entries listed, exit 3 (they expire within 30 days)" \
  '[ $rc -eq 3 ] && grep -q "defaultsecuritykeypairhandle " <<<"$out" && grep -q "defaultsecuritykeypairhandle-previous" <<<"$out"'
run expiry "$mtls" --warn 1
check "expiry --warn 1: exit 0" '[ $rc -eq 0 ]'
run doctor "$mtls"
check "doctor on the BCFKS store: it is read as a keystore (named BCFKS, the store opens)" \
  'grep -q "BCFKS" <<<"$out" && grep -q "opens with its password" <<<"$out" && [ $rc -ne 4 ] && [ $rc -ne 5 ]'

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server-ca.key -out server-ca.pem -days 2 -subj "/CN=Test Server CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
openssl x509 -req -in server.csr -CA server-ca.pem -CAkey server-ca.key -CAcreateserial -days 2 \
  -extfile <(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') -out server.pem 2>/dev/null
start_s_server -cert server.pem -key server.key -CAfile ca.pem -Verify 3 -verify_return_error -www -quiet
serial2=$(openssl x509 -in leaf2.pem -noout -serial | cut -d= -f2 | tr A-F a-f | sed 's/^0*//')
out=$(EXTRA_PROVIDER=$bc_class CLIENT_ALIAS=defaultsecuritykeypairhandle STOREPASS=changeit java -cp "$classes:$bcprov" MtlsClient "$port" server-ca.pem BCFKS "$mtls" 2>&1)
check "a JVM with BC loads our BCFKS store and completes mutual TLS with openssl s_server, presenting the renewed leaf" \
  'grep -q "^ok .* serial $serial2, chain of 2" <<<"$out"'

finish
