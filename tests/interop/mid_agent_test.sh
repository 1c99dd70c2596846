#!/usr/bin/env bash
# Where users stand: a MID agent folder made by keytool and openssl (scripts/gen-mid-agent.sh),
# owned by a non-root MID user, the drop-in wrapper in agent/bin/scripts with the binary beside it,
# and ServiceNow's container recipe run as root:
#   cd agent && sh bin/scripts/manage-certificates.sh -a "DefaultSecurityKeyPairHandle" "$MID_MUTUAL_AUTH_PEM_FILE"
#   sh bin/scripts/manage-certificates.sh -m
# for JKS (under a path with a space), JCEKS, PKCS12 (a 0640 keystore) and the old layout
# (agent/keystore/agent_keystore). Judged by keytool, a JVM (entry contents, an mTLS handshake
# against openssl s_server -Verify) and the file system (owner, mode, backups, audit trail).
#   mid_agent_test.sh <manage-certificates> <source dir>       (root only; skips otherwise)
set -uo pipefail
bin=$(readlink -f "$1"); src=$(cd "$2" && pwd)
source "$src/tests/interop/lib.sh"
[ "$(id -u)" = 0 ] || skip_test "needs root (it creates the MID user midsvc and runs commands as it)"
require useradd runuser java javac keytool python3
export LC_ALL=C
unset MIDKS_BIN
chmod 0755 "$work"   # the MID user must reach the agent folders below it
cd "$work"
user=midsvc
user_existed=0; id -u "$user" >/dev/null 2>&1 && user_existed=1
first_line='Installed certificate with alias: defaultsecuritykeypairhandle into the MID keystore.'

# --- JVM helpers: tests/java MtlsClient, and EntryDump (a digest of every entry's content as the JVM reads it) --
java_classes
dump() { java -XX:TieredStopAtLevel=1 -cp "$classes" EntryDump "$STORETYPE" "$1" changeit "midwss=$MIDWSS_KEYPASS" 2>&1; }
# listing FILE DIR: keytool -list -rfc split into DIR/<alias> (creation dates left out)
# (DIR/.raw: the whole output)
listing() {
  mkdir -p "$2"
  kt -list -rfc -keystore "$1" -storepass changeit > "$2/.raw" 2>&1
  awk -v d="$2" '/^Alias name: /{f=d "/" substr($0, 13)} /^Creation date:/{next} f{print > f}' "$2/.raw"
}

# --- the agent folders ------------------------------------------------------------------------------
# The main one under a path with a space, as "C:\Program Files"-minded admins name them.
main_dir="$work/x/MID Server 1"
if ! gen_agent "$main_dir" jks --owner "$user" > gen-main.log 2>&1; then cat gen-main.log; echo "generator failed"; exit 1; fi
# The others in the background while the main one is tested (the MID user exists now).
gen_agent "$work/jceks" jceks --owner "$user" > gen-jceks.log 2>&1 & gen_jceks=$!
gen_agent "$work/pkcs12" pkcs12 --owner "$user" > gen-pkcs12.log 2>&1 & gen_pkcs12=$!
gen_agent "$work/old" jks --layout keystore --owner "$user" > gen-old.log 2>&1 & gen_old=$!
export MID_MUTUAL_AUTH_PEM_FILE=$main_dir/bundle.pem   # one PKI for all, so one server judges all

install_wrapper() {  # the drop-in wrapper with the binary beside it, owned as the rest of the MID
  cp "$src/scripts/manage-certificates.sh" "$1/bin/scripts/manage-certificates.sh"
  cp "$bin" "$1/bin/scripts/manage-certificates"
  chmod 0750 "$1/bin/scripts/manage-certificates.sh" "$1/bin/scripts/manage-certificates"
  chown "$user:" "$1/bin/scripts/manage-certificates.sh" "$1/bin/scripts/manage-certificates"
}
wrap() { out=$(cd "$agent" && sh bin/scripts/manage-certificates.sh "$@" 2>&1); rc=$?; }   # as the recipe does
not_owned() { find "$agent" ! -user "$user"; }
params() {  # params FILE: one line per <parameter> element (comments are not elements): name, attributes
  python3 -c '
import sys, xml.etree.ElementTree as ET
for p in ET.parse(sys.argv[1]).getroot().iter("parameter"):
    print(p.get("name"), " ".join("%s=%s" % kv for kv in sorted(p.attrib.items()) if kv[0] != "name"))' "$1" 2>&1
}

# recipe NAME DIR: the container recipe as root, and everything it must keep and make.
recipe() {
  local t=$1 dir=$2 a b ok line
  source "$dir/manifest.env"
  agent=$AGENT_DIR ks=$KEYSTORE
  install_wrapper "$agent"
  cp -p "$ks" "$work/$t.before"
  local mode; mode=$(stat -c %a "$ks")
  listing "$ks" "$work/$t.list.before"
  dump "$ks" > "$work/$t.dump.before"

  wrap -a "DefaultSecurityKeyPairHandle" "$MID_MUTUAL_AUTH_PEM_FILE"
  local a_out=$out
  check "[$t] -a: exit 0, first line '$first_line'" '[ $rc -eq 0 ] && [ "$(head -n 1 <<<"$out")" = "$first_line" ]'
  check "[$t] -a names the keystore it used, $KEYSTORE_REL" 'grep -qE "$KEYSTORE_REL([^._a-zA-Z0-9]|$)" <<<"$out"'
  out=$(cd "$agent" && find . -path ./security_backup -prune -o -name "agent_keystore*" ! -name "*.lock" ! -name "*.bak" -print | grep -vx "./$KEYSTORE_REL")
  check "[$t] no second keystore (e.g. security/agent_keystore.jks) was created" '[ -z "$out" ]'
  listing "$ks" "$work/$t.list.after"
  out=$(cat "$work/$t.list.after/.raw")
  check "[$t] keytool -list opens $KEYSTORE_REL with changeit, type still $STORETYPE" 'grep -q "^Keystore type: $STORETYPE\$" <<<"$out"'
  out=$(cat "$work/$t.list.after/defaultsecuritykeypairhandle" 2>&1)
  a=$(openssl x509 -noout -fingerprint -sha256 <<<"$out" 2>&1)
  b=$(openssl x509 -in "$MID_MUTUAL_AUTH_PEM_FILE" -noout -fingerprint -sha256)
  check "[$t] defaultsecuritykeypairhandle now holds the bundle's leaf with its chain of 3" '[ "$a" = "$b" ] && grep -q "Certificate chain length: 3" <<<"$out"'
  ok=1; out=''
  for a in $ALIASES; do
    [ "$a" = defaultsecuritykeypairhandle ] && continue
    cmp -s "$work/$t.list.before/$a" "$work/$t.list.after/$a" || { ok=0; out+="$a differs or is gone"$'\n'; }
  done
  check "[$t] every other entry is still there, identical in keytool -list -rfc ($(echo $ALIASES | sed 's/defaultsecuritykeypairhandle //'))" '[ $ok = 1 ]'
  dump "$ks" > "$work/$t.dump.after"
  out=$(diff <(grep -v "^defaultsecuritykeypairhandle " "$work/$t.dump.before") <(grep -v "^defaultsecuritykeypairhandle " "$work/$t.dump.after"))
  check "[$t] the JVM reads the other entries' keys (midwss, secret key) and certificates unchanged" '[ -z "$out" ]'
  rm -f "$work/scratch.p12"
  out=$(kt -importkeystore -noprompt -srckeystore "$ks" -srcstorepass changeit -srcalias midwss -srckeypass "$MIDWSS_KEYPASS" \
        -destkeystore "$work/scratch.p12" -deststoretype PKCS12 -deststorepass scratch-pass 2>&1); rc=$?
  check "[$t] midwss still opens with its own key password ($MIDWSS_KEYPASS)" '[ $rc -eq 0 ] && [ -s "$work/scratch.p12" ]'
  if [ "$MIDWSS_KEYPASS" != changeit ]; then
    rm -f "$work/scratch.p12"
    out=$(kt -importkeystore -noprompt -srckeystore "$ks" -srcstorepass changeit -srcalias midwss -srckeypass changeit \
          -destkeystore "$work/scratch.p12" -deststoretype PKCS12 -deststorepass scratch-pass 2>&1)
    check "[$t] … and not with the store password (it was not re-protected)" '[ ! -s "$work/scratch.p12" ]'
  fi
  out=$(stat -c "%U %a" "$ks")
  check "[$t] the keystore is owned by $user, mode still $mode" '[ "$out" = "$user $mode" ]'
  out=$(find "$(dirname "$ks")" -maxdepth 1 \( -name "*.lock" -o -name "*.bak" \))
  check "[$t] no *.lock or *.bak next to the keystore" '[ -z "$out" ]'
  local backups=() f
  while IFS= read -r f; do backups+=("$f"); done < <(find "$agent/security_backup" -maxdepth 1 -type f ! -name "*.log" 2>/dev/null | sort)
  out=$(ls -la "$agent/security_backup" 2>&1)
  ok=$(( ${#backups[@]} > 0 )); for f in "${backups[@]}"; do [ "$(stat -c "%U %a" "$f")" = "$user $mode" ] || ok=0; done
  check "[$t] a backup in agent/security_backup/, owned by $user, mode $mode" '[ $ok = 1 ]'
  ok=0; for f in "${backups[@]}"; do cmp -s "$f" "$work/$t.before" && ok=1; done
  check "[$t] the backup is the keystore as it was before -a" '[ $ok = 1 ]'
  local trail=$agent/security_backup/keystore_backup_audit_trail.log
  out=$(cat "$trail" 2>&1); ok=0
  for f in "${backups[@]}"; do
    while IFS= read -r line; do
      grep -qF "$(basename "$f")" <<<"$line" && grep -qF "$MID_ID" <<<"$line" || continue
      ok=1; for a in $ALIASES; do grep -qF "$a" <<<"$line" || ok=0; done
      [ $ok = 1 ] && break 2
    done <<<"$out"
  done
  check "[$t] keystore_backup_audit_trail.log: a line with the backup file, keypairs.mid_id and the backup's aliases" '[ $ok = 1 ]'
  out=$a_out
  check "[$t] -a warns that mid.instance.password and mid.proxy.password cannot be decrypted by the new key" \
    'grep -q "mid\.instance\.password" <<<"$out" && grep -q "mid\.proxy\.password" <<<"$out"'

  cp -p "$agent/config.xml" "$work/$t.config.before"
  wrap -m
  check "[$t] -m: exit 0" '[ $rc -eq 0 ]'
  out=$(params "$agent/config.xml")
  check "[$t] recipe validation: no mid.instance.username/password elements; url and name are not placeholders" \
    '! grep -qE "^mid\.instance\.(username|password) " <<<"$out" && grep -q "^url value=https://acme.service-now.com/$" <<<"$out" && grep -qE "^name value=[^ ]+$" <<<"$out" && ! grep -qE "YOUR_INSTANCE|YOUR_MIDSERVER_NAME_GOES_HERE" <<<"$(grep -E "^(url|name) " <<<"$out")"'
  out=$(diff "$work/$t.config.before" "$agent/config.xml")
  check "[$t] -m changed only the two credential lines (mid.proxy.password still secure=\"true\", encrypted)" \
    '[ "$(grep -c "^[<>]" <<<"$out")" = 2 ] && [ "$(grep "^<" <<<"$out" | grep -c "mid\.instance\.\(username\|password\)")" = 2 ] && grep -q "name=\"mid.proxy.password\" secure=\"true\" value=\"encrypted:" "$agent/config.xml"'
  out=$(stat -c "%U %a" "$agent/config.xml")
  check "[$t] config.xml still owned by $user, mode 640" '[ "$out" = "$user 640" ]'
  out=$(not_owned)
  check "[$t] after -a and -m as root, everything under the agent folder is owned by $user" '[ -z "$out" ]'
}

# ==== the main agent folder (JKS, "MID Server 1") ====
source "$main_dir/manifest.env"; agent=$AGENT_DIR
install_wrapper "$agent"
out=$(cd "$agent" && PATH=/usr/bin:/bin sh bin/scripts/manage-certificates.sh --version 2>&1); rc=$?
check "the wrapper finds the binary placed beside it in agent/bin/scripts (PATH without it)" '[ $rc -eq 0 ]'

# --json on a copy (the recipe itself runs without it)
cp -a "$agent" "$work/jsoncopy"
out=$(cd "$work/jsoncopy" && sh bin/scripts/manage-certificates.sh -a DefaultSecurityKeyPairHandle "$MID_MUTUAL_AUTH_PEM_FILE" --json 2>/dev/null); rc=$?
check "-a --json: parses, and its findings name mid.instance.password and mid.proxy.password" \
  '[ $rc -eq 0 ] && python3 -c "import json,sys; json.loads(sys.argv[1])" "$out" && grep -q "mid\.instance\.password" <<<"$out" && grep -q "mid\.proxy\.password" <<<"$out"'
rm -rf "$work/jsoncopy"

recipe jks "$main_dir"

# From / by full path (with its space), under dash (Debian's sh), then bash: the script's location
# tells where the agent folder is.
ls -d /security /keystore /config.xml /security_backup > "$work/root.before" 2>/dev/null
expect_aliases="acme-root-ca,defaultsecuritykeypairhandle,midwss,proxy-ca"
sorted() { tr ',' '\n' <<<"$1" | tr -d ' ' | sed '/^$/d' | sort | paste -sd,; }
for shell in sh dash bash; do
  out=$(cd / && $shell "$agent/bin/scripts/manage-certificates.sh" -l 2>&1); rc=$?
  check "cd / && $shell '<…>/MID Server 1/agent/bin/scripts/manage-certificates.sh' -l lists the agent's aliases" \
    '[ $rc -eq 0 ] && [ "$(sorted "$(grep -v "^keystore: " <<<"$out")")" = "$expect_aliases" ] && grep -q "^keystore: .*/MID Server 1/agent/security/agent_keystore (JKS)$" <<<"$out"'
done
out=$(ls -d /security /keystore /config.xml /security_backup 2>/dev/null)
check "… and created nothing in /" '[ "$out" = "$(cat "$work/root.before")" ]'

# As the MID user, after root ran the recipe.
out=$(cd "$agent" && runuser -u "$user" -- sh bin/scripts/manage-certificates.sh -l 2>&1); rc=$?
check "as $user: sh bin/scripts/manage-certificates.sh -l" '[ $rc -eq 0 ] && [ "$(sorted "$(grep -v "^keystore: " <<<"$out")")" = "$expect_aliases" ]'

# ==== the other folders ====
wait $gen_jceks || { cat gen-jceks.log; echo "generator failed (jceks)"; exit 1; }
wait $gen_pkcs12 || { cat gen-pkcs12.log; echo "generator failed (pkcs12)"; exit 1; }
wait $gen_old || { cat gen-old.log; echo "generator failed (old layout)"; exit 1; }
recipe jceks "$work/jceks"
chmod 0640 "$work/pkcs12/agent/security/agent_keystore"
recipe pkcs12-0640 "$work/pkcs12"
recipe old-layout "$work/old"
out=$(ls "$work/old/agent")
check "[old-layout] no security/ folder was made beside keystore/" '[ ! -e "$work/old/agent/security" ]'

# ==== the JVM presents defaultsecuritykeypairhandle to openssl s_server trusting only the bundle's root ====
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server-ca.key -out server-ca.pem \
  -days 2 -subj "/CN=Test Server CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
openssl x509 -req -in server.csr -CA server-ca.pem -CAkey server-ca.key -CAcreateserial -days 2 \
  -extfile <(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') -out server.pem 2>/dev/null
start_s_server -cert server.pem -key server.key -CAfile "$main_dir/root.pem" -Verify 1 -verify_return_error -www -quiet
leaf_serial=$(openssl x509 -in "$MID_MUTUAL_AUTH_PEM_FILE" -noout -serial | cut -d= -f2 | tr A-F a-f | sed 's/^0*//')
stores=(JKS "$main_dir/agent/security/agent_keystore" JCEKS "$work/jceks/agent/security/agent_keystore"
        PKCS12 "$work/pkcs12/agent/security/agent_keystore" JKS "$work/old/agent/keystore/agent_keystore"
        JKS "$work/jks.before")
names=(jks jceks pkcs12 old-layout)
java_out=$(cd "$work" && KEY_MANAGER=PKIX CLIENT_ALIAS=defaultsecuritykeypairhandle STOREPASS=changeit java -cp "$classes" MtlsClient "$port" server-ca.pem "${stores[@]}" 2>&1)
for i in 0 1 2 3; do
  out=$(sed -n "$((i + 1))p" <<<"$java_out")
  check "[${names[$i]}] JVM mTLS handshake (PKIX key manager): the keystore presents defaultsecuritykeypairhandle (serial $leaf_serial, chain of 3), s_server -Verify 1 accepts" \
    'grep -q "^ok .* serial $leaf_serial, chain of 3$" <<<"$out"'
done
out=$(sed -n 5p <<<"$java_out")
check "control: the keystore as generated (its self-signed key pair) is refused by that server" 'grep -q "^fail .*\(SSL\|Socket\|certificate\|handshake\|Broken pipe\|Connection\)" <<<"$out" && ! grep -q "no usable key entry" <<<"$out"'
out=$(cd "$work" && CLIENT_ALIAS=defaultsecuritykeypairhandle STOREPASS=changeit java -cp "$classes" MtlsClient "$port" server-ca.pem PKCS12 "$work/pkcs12/agent/security/agent_keystore" 2>&1)
check "[pkcs12] tests/java/MtlsClient (SunX509, every key under changeit) completes the handshake too" 'grep -q "^ok .* serial $leaf_serial, chain of 3$" <<<"$out"'

# ==== the main folder again: writes as the MID user, deletes, -b ====
source "$main_dir/manifest.env"; agent=$AGENT_DIR; ks=$KEYSTORE
out=$(cd "$agent" && runuser -u "$user" -- sh bin/scripts/manage-certificates.sh -d proxy-ca 2>&1); rc=$?
check "as $user: -d proxy-ca succeeds (nothing root-owned left behind blocks it)" \
  '[ $rc -eq 0 ] && ! kt -list -keystore "$ks" -storepass changeit 2>/dev/null | grep -q "^proxy-ca,"'
out2=$(not_owned)
check "… everything still owned by $user, keystore mode 600" '[ -z "$out2" ] && [ "$(stat -c %a "$ks")" = 600 ]'
cp -p "$ks" "$work/ks.before-d"
wrap -d defaultsecuritykeypairhandle
check "-d defaultsecuritykeypairhandle while config.xml says mutual auth: refused, exit 2" '[ $rc -eq 2 ]'
check "… the keystore is unchanged" 'cmp -s "$ks" "$work/ks.before-d"'
wrap -d defaultsecuritykeypairhandle --force
check "-d defaultsecuritykeypairhandle --force: exit 0, the entry is gone" \
  '[ $rc -eq 0 ] && ! kt -list -keystore "$ks" -storepass changeit 2>/dev/null | grep -q "^defaultsecuritykeypairhandle,"'
export MID_PW='n3w&Secret'
wrap -b midsvc --instance-password-env MID_PW
check "-b midsvc --instance-password-env: exit 0" '[ $rc -eq 0 ]'
out=$(params "$agent/config.xml")
check "… mid.instance.username midsvc, mid.instance.password written back with secure=\"true\"" \
  'grep -q "^mid\.instance\.username value=midsvc$" <<<"$out" && grep -q "^mid\.instance\.password .*secure=true" <<<"$out"'
out=$(not_owned)
check "… everything under the agent folder still owned by $user" '[ -z "$out" ]'

# ==== renew with the same key (JCEKS folder): no warning about encrypted parameters ====
source "$work/jceks/manifest.env"; agent=$AGENT_DIR
wrap renew defaultsecuritykeypairhandle "$main_dir/renewed-leaf.pem"
check "[jceks] renew with renewed-leaf.pem (same key): exit 0, no warning about encrypted parameters" \
  '[ $rc -eq 0 ] && ! grep -q "mid\.proxy\.password" <<<"$out"'
out=$(not_owned)
check "[jceks] … everything still owned by $user" '[ -z "$out" ]'

# ==== CaseExactJKS: two entries that differ only in case ====
ce=$main_dir/caseexact.jks; cp "$ce" "$work/caseexact.before"
out=$("$bin" -l --keystore "$ce" 2>&1); rc=$?
check "-l --keystore caseexact.jks lists both MidKey and midkey" '[ $rc -eq 0 ] && grep -qw MidKey <<<"$out" && grep -qw midkey <<<"$out"'
out=$("$bin" -d midkey --keystore "$ce" 2>&1); rc=$?
check "-d midkey --keystore caseexact.jks: refused (exit 2), naming MidKey and midkey" '[ $rc -eq 2 ] && grep -qw MidKey <<<"$out" && grep -qw midkey <<<"$out"'
check "… caseexact.jks unchanged" 'cmp -s "$ce" "$work/caseexact.before"'

[ "$user_existed" = 1 ] || userdel "$user" 2>/dev/null || true
finish
