#!/usr/bin/env bash
# A table of malformed inputs across every command: each gets its own message and exit code, no
# crash (no exit code from a signal, no sanitizer report), and no file of the agent folder changes.
#   bad_input_matrix.sh <manage-certificates> <source dir>
set -uo pipefail
bin=$1; src=$2; bundles=$src/testdata/bundles; ks_dir=$src/testdata/keystores
source "$(dirname "$0")/lib.sh"
pin_clock
require python3
cd "$work"
export LC_ALL=C

# ---- the inputs ----
mkdir in && cd in
: > empty
mkdir dir
ln -s loop loop
# Random-looking but the same every run (AES-CTR of zeros), so every row sees the same bytes.
noise() { openssl enc -aes-128-ctr -K 000102030405060708090a0b0c0d0e0f -iv "$1" -in /dev/zero 2>/dev/null | head -c "$2"; }
{ printf 'X'; noise 00000000000000000000000000000001 10485759; } > garbage-10m
{ printf '\x30\x84\x00\x00\x10\x00'; noise 00000000000000000000000000000002 4096; } > der-like
head -c 10485760 /dev/zero > zeros-10m
jks=$ks_dir/keytool-agent.jks
cp "$jks" good.jks
python3 - "$jks" <<'PY'
import hashlib, struct, sys
data = open(sys.argv[1], "rb").read()
body = data[:-20]
def trailer(b, pw="changeit"):
    return hashlib.sha1(pw.encode("utf-16-be") + b"Mighty Aphrodite" + b).digest()
def save(name, b): open(name, "wb").write(b)
save("truncated-4.jks", data[:4])
save("truncated-12.jks", data[:12])
save("truncated-half.jks", data[:len(data) // 2])
save("truncated-trailer.jks", data[:-1])
save("wrong-magic.jks", b"\xfe\xed\xfe\xee" + data[4:])
save("version-9.jks", data[:4] + struct.pack(">I", 9) + data[8:])
flip = bytearray(data); flip[len(data) // 2] ^= 0x01; save("bitflip-body.jks", bytes(flip))
flip = bytearray(data); flip[-5] ^= 0x80; save("bitflip-trailer.jks", bytes(flip))
# Absurd lengths with a valid trailer: only the length check can stop them.
huge = body[:8] + struct.pack(">I", 0x7fffffff) + body[12:]; save("huge-count.jks", huge + trailer(huge))
# first entry: tag(4) alias(2+n) date(8) then key length(4)
n = struct.unpack(">H", body[16:18])[0]
at = 18 + n + 8
huge = body[:at] + struct.pack(">I", 0x7ffffff0) + body[at + 4:]; save("huge-keylen.jks", huge + trailer(huge))
huge = body[:16] + struct.pack(">H", 0xffff) + body[18:]; save("huge-aliaslen.jks", huge + trailer(huge))
# An alias that is not (modified) UTF-8, with a valid trailer.
bad = bytearray(body); bad[18] = 0xff; bad = bytes(bad); save("non-utf8-alias.jks", bad + trailer(bad))
bad = body[:12] + struct.pack(">I", 7) + body[16:]; save("unknown-tag.jks", bad + trailer(bad))
PY
p12=$ks_dir/keytool-mixed.p12
head -c 100 "$p12" > truncated.p12
python3 - "$p12" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read()); d[len(d) // 3] ^= 0x10
open("bitflip.p12", "wb").write(bytes(d))
PY
jceks=$ks_dir/keytool-mixed.jceks
head -c 200 "$jceks" > truncated.jceks
cp "$bundles/seed-order.pem" pem-as-keystore.jks
printf '%s\n' '<?xml version="1.0"?>' '<parameters>' '  <parameter name="url" value="x"/>' > unclosed.xml
printf '%s\n' '<?xml version="1.0"?>' '<config><parameter name="url" value="x"/></config>' > wrong-root.xml
printf '<parameters><!-- <parameter name="url" value="x"/>\n</parameters>\n' > unclosed-comment.xml
sed '/BEGIN CERTIFICATE/,/END CERTIFICATE/{/BEGIN\|END/!d}' "$bundles/seed-order.pem" > empty-blocks.pem
awk 'BEGIN{print "-----BEGIN CERTIFICATE-----"; for(i=0;i<200000;i++) printf "QUFB"; print ""; print "-----END CERTIFICATE-----"}' > huge-base64.pem
printf '\xff\xfe\x00b\x00a\x00d\x00\n' > utf16.pem
echo changeit > storepass.txt
cd ..

# ---- the agent folder nothing may change ----
mkdir agent && cp "$src/testdata/config/basic-auth.xml" agent/config.xml
"$bin" -a defaultsecuritykeypairhandle "$bundles/seed-order.pem" --agent-dir agent --quiet
sums() { (cd agent && find . -type f ! -name '*.lock' -print0 | sort -z | xargs -0 sha256sum; find . | sort) | sha256sum; }
before=$(sums)

passed=0 failed=0 rows=0
# name | arguments ({in}/x: an input above) | expected exit code | message (extended regex)
while IFS='|' read -r name args want pattern; do
  [[ -z $name || $name == \#* ]] && continue
  rows=$((rows + 1))
  trim() { local v=$1; v=${v#"${v%%[! ]*}"}; printf '%s' "${v%"${v##*[! ]}"}"; }
  name=$(trim "$name"); args=$(trim "$args"); want=$(trim "$want"); pattern=$(trim "$pattern")
  args=${args//\{in\}/$work/in}; args=${args//\{bundles\}/$bundles}
  out=$(cd agent && eval "\"$bin\" $args" 2>&1); rc=$?
  problems=""
  [[ $rc =~ ^${want}$ ]] || problems+=" exit $rc (wanted $want);"
  grep -Eq -- "$pattern" <<<"$out" || problems+=" message does not match /$pattern/;"
  grep -q "AddressSanitizer\|runtime error\|LeakSanitizer" <<<"$out" && problems+=" sanitizer report;"
  [ "$(sums)" = "$before" ] || { problems+=" the agent folder changed;"; before=$(sums); }
  if [ -z "$problems" ]; then echo "ok   $name"; passed=$((passed + 1))
  else echo "FAIL $name:$problems"; sed 's/^/     /' <<<"$out" | head -4; failed=$((failed + 1)); fi
done <<'TABLE'
# keystores (-l, -g, -d, -r, -s, doctor, expiry, renew, split, verify, -m read them)
empty keystore file                 | -l --keystore {in}/empty                          | 2 | empty
keystore is a directory             | -l --keystore {in}/dir                            | 4 | is a directory
keystore is a symlink loop          | -g x --keystore {in}/loop                         | 4 | Too many levels of symbolic links
keystore missing                    | -d x --keystore {in}/missing                      | 4 | no keystore at
10 MB of random bytes               | -l --keystore {in}/garbage-10m                    | 2 | not a key ?store|not recognized|unknown
random bytes that start like DER     | -l --keystore {in}/der-like                       | 2 | PKCS#12 keystore is corrupt
10 MB of zeros                      | -s --keystore {in}/zeros-10m                      | 2 | not a key ?store|not recognized|unknown
JKS truncated to 4 bytes            | -l --keystore {in}/truncated-4.jks                | 2 | truncated|too short
JKS truncated to 12 bytes           | -g x --keystore {in}/truncated-12.jks             | 2 | truncated
JKS truncated in half               | -r --keystore {in}/truncated-half.jks             | 2 | truncated
JKS without its last trailer byte   | -l --keystore {in}/truncated-trailer.jks          | 2 | truncated
JKS with a wrong magic number       | -l --keystore {in}/wrong-magic.jks                | 2 | not a key ?store|not recognized|unknown
JKS version 9                       | -l --keystore {in}/version-9.jks                  | 2 | version
JKS with a flipped bit in an entry  | -l --keystore {in}/bitflip-body.jks --storepass changeit | 5 | password is incorrect|altered
… no password given: listed unchecked | -l --keystore {in}/bitflip-body.jks            | 0 | STORE_PASSWORD_UNKNOWN.*without checking the keystore's integrity
JKS with a flipped trailer bit      | -d defaultsecuritykeypairhandle --keystore {in}/bitflip-trailer.jks | 5 | password is incorrect|altered
JKS claiming 2^31 entries           | -l --keystore {in}/huge-count.jks                 | 2 | entry count 2147483647 cannot fit
JKS key of 2 GiB                    | -g x --keystore {in}/huge-keylen.jks              | 2 | exceeds|too (large|long)|truncated
JKS alias of 65535 bytes            | -l --keystore {in}/huge-aliaslen.jks              | 2 | exceeds|truncated|too long
JKS alias that is not UTF-8         | -l --keystore {in}/non-utf8-alias.jks             | 2 | UTF-8
JKS entry of an unknown kind        | -l --keystore {in}/unknown-tag.jks                | 2 | entry (type|kind|tag)
PKCS12 truncated                    | -l --keystore {in}/truncated.p12                  | 2 | truncated|PKCS#12|DER|ASN
PKCS12 with a flipped bit           | -l --keystore {in}/bitflip.p12                    | 5 | incorrect, or the file was altered
JCEKS truncated                     | -l --keystore {in}/truncated.jceks                | 2 | truncated
a PEM bundle given as keystore      | -l --keystore {in}/pem-as-keystore.jks            | 2 | PEM
expiry over bad stores              | expiry {in}/empty {in}/garbage-10m {in}/dir       | 4 | empty
renew in a damaged keystore         | renew x {bundles}/seed-order.pem --keystore {in}/truncated-half.jks | 2 | truncated
split from a damaged keystore       | split --keystore {in}/wrong-magic.jks --out-dir {in}/o1 | 2 | not a key ?store|not recognized|unknown
verify with a damaged keystore      | verify --url https://127.0.0.1:1 --keystore {in}/bitflip-trailer.jks | 5 | password is incorrect|altered
doctor on a truncated keystore      | doctor {in}/truncated-half.jks                    | 2 | truncated
# bundles (-a, doctor, split, renew)
empty bundle                        | -a x {in}/empty                                   | 2 | EMPTY_INPUT|empty
bundle is a directory               | -a x {in}/dir                                     | 4 | is a directory
bundle is a symlink loop            | doctor {in}/loop                                  | 4 | Too many levels of symbolic links
bundle missing                      | -a x {in}/missing                                 | 4 | not found
10 MB random bundle                 | -a x {in}/garbage-10m                             | 2 | not a PEM, DER or PKCS#12 file.*NOT_RECOGNIZED
PEM blocks without base64           | -a x {in}/empty-blocks.pem                        | 2 | PEM_DAMAGED|damaged|empty
one 800 kB base64 line              | -a x {in}/huge-base64.pem                         | 2 | PEM_DAMAGED|NOT_A_CERTIFICATE|not a certificate|damaged
UTF-16 text file                    | -a x {in}/utf16.pem                               | 2 | UTF-16|NOT_RECOGNIZED|not recognized
keystore given as bundle            | split {in}/good.jks --out-dir {in}/o2             | 2 | keystore|NOT_RECOGNIZED|not recognized
renew with garbage                  | renew defaultsecuritykeypairhandle {in}/garbage-10m | 2 | NOT_RECOGNIZED
alias that is not UTF-8             | -a $'a\xff\xfe' {bundles}/seed-order.pem          | 1 | not valid UTF-8 \(byte 2\)
alias with a control character      | -a $'a\tb' {bundles}/seed-order.pem               | 1 | control character
empty alias                         | -a '' {bundles}/seed-order.pem                    | 1 | the alias is empty
# config.xml (-m, -b, -s, csr)
config.xml is empty                 | -m --config {in}/empty                            | 2 | not well-formed|empty
config.xml is a directory           | -b u --instance-password-file {in}/storepass.txt --config {in}/dir | 4 | is a directory
config.xml is a symlink loop        | -m --config {in}/loop                             | 4 | Too many levels of symbolic links
config.xml not closed               | -m --config {in}/unclosed.xml                     | 2 | not well-formed XML \(line
config.xml with another root        | -b u --instance-password-file {in}/storepass.txt --config {in}/wrong-root.xml | 2 | no <parameters> root
config.xml with an unclosed comment | -s --config {in}/unclosed-comment.xml             | 2 | not well-formed
config.xml of 10 MB garbage         | -m --config {in}/garbage-10m                      | 2 | is too large \(10485760 bytes
# options and secrets
store password file is a directory  | -l --storepass-file {in}/dir                      | 4 | is a directory
store password file missing         | -l --storepass-file {in}/missing                  | 4 | not found
store password env unset            | -l --storepass-env NO_SUCH_VARIABLE_X             | 1 | is not set
negative --expiry-warn              | -l --expiry-warn -5                               | 1 | number of days
csr with a bad IP SAN               | csr {in}/c1 --subject CN=x --san IP:999.1.1.1     | 1 | subject alternative|not a valid
csr into a missing folder           | csr {in}/nowhere/c2 --subject CN=x                | 4 | cannot write .*nowhere/c2.key: No such file
verify with a bad url               | verify --url https://:443                         | 1 | host
TABLE
echo "$rows rows: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$rows" -ge 40 ]
