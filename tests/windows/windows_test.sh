#!/usr/bin/env bash
# The Windows build, proven under wine: the .exe's import table names only DLLs Windows ships,
# unit_tests.exe passes, and manage-certificates.bat, run through `wine cmd /c` as an admin or an
# installer runs it, imports, lists, shows, deletes and switches the auth mode in a MID agent folder
# whose path has spaces and a non-ASCII character. Linux keytool and a JVM mutual-TLS handshake
# (tests/interop/mtls_handshake.sh) then prove every keystore the .exe wrote.
#   windows_test.sh <Windows build dir> <source dir> <Linux build dir>
set -uo pipefail
win_build=$(cd "$1" && pwd); src=$(cd "$2" && pwd); linux_build=$(cd "$3" && pwd)
source "$src/tests/interop/lib.sh"
require wine keytool java javac openssl x86_64-w64-mingw32-objdump
bundles=$src/testdata/bundles
export LANG=C.UTF-8 WINEDEBUG=-all WINEPREFIX=${MIDKS_WINEPREFIX:-${MIDKS_CACHE:-$HOME/.cache/midks}/wine}
pin_clock  # the bundles are testdata/ fixtures; wine passes the variable on to the .exe
exe=$win_build/manage-certificates.exe

# ---- the program itself ----
dlls=$(x86_64-w64-mingw32-objdump -p "$exe" | sed -n 's/^\s*DLL Name: //p' | tr '[:lower:]' '[:upper:]' | sort -u | tr '\n' ' ')
echo "import table: $dlls($(stat -c %s "$exe") bytes)"
out=$dlls
check "the .exe imports only DLLs Windows ships" \
  '[ -n "$dlls" ] && ! grep -qvE "^(KERNEL32|ADVAPI32|CRYPT32|WS2_32|USER32|SHELL32|BCRYPT|MSVCRT|UCRTBASE|API-MS-WIN-[A-Z0-9-]+)\.DLL$" <(tr " " "\n" <<<"${dlls% }")'
run_cmd wine "$win_build/tests/unit_tests.exe" --gtest_brief=1
check "unit_tests.exe passes under wine ($(grep -o 'PASSED  \] [0-9]* tests' <<<"$out" || echo none passed))" '[ "$rc" = 0 ] && grep -q "PASSED" <<<"$out"'

# ---- a MID agent folder with spaces and a non-ASCII letter in its path ----
gen_agent "$work/gen" jks >"$work/gen.log" 2>&1 || { cat "$work/gen.log"; exit 1; }
mid="$work/ServiceNow/MID Server Zürich 1"
mkdir -p "$mid" && mv "$work/gen/agent" "$mid/agent"
agent=$mid/agent ks=$agent/security/agent_keystore
cp "$exe" "$src/scripts/windows/manage-certificates.bat" "$agent/bin/scripts/"
stores="$work/Zürich stores"; mkdir -p "$stores"
cp "$bundles/legacy.pfx" "$stores/certutil export.pfx"
winpath() { local p=$1; echo "Z:${p//\//\\}"; }
bat=$(winpath "$agent/bin/scripts/manage-certificates.bat")
# bat ARGS...: from the agent folder, as the seed says: cmd /c bin\scripts\manage-certificates.bat
# ARGS, each argument quoted when it needs it (wine quotes them so); $out without carriage returns.
# bat_full ARGS...: the same by the .bat's full path (with spaces) from the current folder. A line
# that starts with a quote keeps its quotes in cmd /c only when it has exactly two (else cmd strips
# the first and the last), so these ARGS need none; on Windows `cmd /c ""C:\…\x.bat" "a b""` is
# the form for more, which wine cannot be handed verbatim.
# wine_cmd ARGS...: wine cmd /c ARGS. Now and then wine fails to start the program at all
# ("ShellExecuteEx failed: Internal error", once in this stop's five runs): nothing ran, so it is tried once more.
wine_cmd() {
  run_cmd wine cmd /c "$@"
  if grep -q "ShellExecuteEx failed" <<<"$out"; then echo "note: wine did not start $1; once more" >&2; run_cmd wine cmd /c "$@"; fi
}
bat() { (cd "$agent" && wine_cmd 'bin\scripts\manage-certificates.bat' "$@"; printf '%s\n' "$rc" "${out//$'\r'/}") > "$work/bat.out"
        rc=$(head -1 "$work/bat.out"); out=$(tail -n +2 "$work/bat.out"); }
bat_full() { wine_cmd "$bat" "$@"; out=${out//$'\r'/}; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
backups() { find "$agent/security_backup" -name 'agent_keystore.*' 2>/dev/null | wc -l; }
kt_list() { run_cmd keytool -list -storepass changeit -keystore "$@"; }

cd "$work"  # not the agent folder: the .bat finds it as its own ..\..
bat_full -a defaultsecuritykeypairhandle "$(winpath "$bundles/seed-order.pem")"
check "-a imports a PEM bundle by the .bat's full path from elsewhere (exit 0)" '[ "$rc" = 0 ] && grep -q "defaultsecuritykeypairhandle" <<<"$out"'
check "the MID's key pair replaced is said (MID_KEY_REPLACED)" 'grep -q MID_KEY_REPLACED <<<"$out"'
kt_list "$ks" -alias defaultsecuritykeypairhandle -v
check "keytool reads the JKS the .exe wrote: the bundle's key entry, chain length 3" \
  '[ "$rc" = 0 ] && grep -q "PrivateKeyEntry" <<<"$out" && grep -q "Certificate chain length: 3" <<<"$out"'
check "a backup and the audit trail in security_backup\\" \
  '[ "$(backups)" = 1 ] && grep -q "backup=agent_keystore\." "$agent/security_backup/keystore_backup_audit_trail.log"'
check "the MID's other entries stay (midwss, acme-root-ca)" 'kt_list "$ks"; grep -q "^midwss," <<<"$out" && grep -q "^acme-root-ca," <<<"$out"'

bat -a "clé-zürich" "$(winpath "$bundles/split/ca-chain.pem")" "$(winpath "$bundles/split/leaf-key.pem")"
check "-a with a non-ASCII alias and separate files (exit 0)" '[ "$rc" = 0 ]'
bat -l
check "-l lists the non-ASCII alias and the MID's entries" \
  '[ "$rc" = 0 ] && grep -q "clé-zürich" <<<"$out" && grep -q "defaultsecuritykeypairhandle" <<<"$out" && grep -q midwss <<<"$out"'
check "keytool finds the non-ASCII alias" 'kt_list "$ks" -alias "clé-zürich"; [ "$rc" = 0 ] && grep -q PrivateKeyEntry <<<"$out"'
bat -g defaultsecuritykeypairhandle
check "-g shows the key entry's certificate" '[ "$rc" = 0 ] && grep -q "mid-server-01" <<<"$out" && grep -q "Bundle Intermediate CA" <<<"$out"'
bat -d "clé-zürich"
check "-d deletes the non-ASCII alias" '[ "$rc" = 0 ] && kt_list "$ks" && ! grep -q "clé-zürich" <<<"$out"'

# Four writers at once (LockFileEx serialises them): every one's entry is in the keystore after.
for i in 1 2 3 4; do
  (cd "$agent" && wine cmd /c 'bin\scripts\manage-certificates.bat' -a "writer-$i" "$(winpath "$bundles/seed-order.pem")" --quiet \
     > "$work/writer-$i.log" 2>&1; echo $? > "$work/writer-$i.rc") &
done
wait
kt_list "$ks"
check "four concurrent imports all succeed and all four entries are there" \
  '[ "$(cat "$work"/writer-*.rc | sort -u)" = 0 ] && [ "$(grep -c "^writer-[1-4]," <<<"$out")" = 4 ]'
for i in 1 2 3 4; do bat -d "writer-$i" --quiet; done

before=$(sha "$ks") n=$(backups)
bat -a defaultsecuritykeypairhandle "$(winpath "$bundles/expired.pem")"
check "an expired bundle is refused (EXPIRED, exit non-zero)" '[ "$rc" != 0 ] && grep -q EXPIRED <<<"$out"'
check "the refused bundle wrote nothing (keystore and backups as they were)" '[ "$(sha "$ks")" = "$before" ] && [ "$(backups)" = "$n" ]'
WRONG_PASS=nope bat -l --storepass-env WRONG_PASS
check "a wrong store password: WRONG_STORE_PASSWORD, exit 5" '[ "$rc" = 5 ] && grep -q WRONG_STORE_PASSWORD <<<"$out"'
PFX_PASS=wrong-pass bat -a x "$(winpath "$stores/certutil export.pfx")" --keypass-env PFX_PASS
check "a wrong PFX password: PASSPHRASE_WRONG, exit 5" '[ "$rc" = 5 ] && grep -q PASSPHRASE_WRONG <<<"$out"'
check "and nothing was written" '[ "$(sha "$ks")" = "$before" ] && [ "$(backups)" = "$n" ]'

# Other keystores, in a non-ASCII folder with spaces: a certutil-style legacy PFX into PKCS#12,
# three separate files into JCEKS.
p12="$stores/legacy import.p12" jceks="$stores/three files.jceks"
PFX_PASS=pfx-pass bat -a defaultsecuritykeypairhandle "$(winpath "$stores/certutil export.pfx")" --keypass-env PFX_PASS \
  --keystore "$(winpath "$p12")" --storetype pkcs12
check "-a imports a legacy RC2/3DES PFX into a new PKCS#12 keystore (exit 0)" '[ "$rc" = 0 ]'
kt_list "$p12" -storetype PKCS12
check "keytool reads that PKCS#12" '[ "$rc" = 0 ] && grep -q "^defaultsecuritykeypairhandle,.*PrivateKeyEntry" <<<"$out"'
bat -a defaultsecuritykeypairhandle "$(winpath "$bundles/three/leaf.pem")" "$(winpath "$bundles/three/key.pem")" \
  "$(winpath "$bundles/three/chain.pem")" --keystore "$(winpath "$jceks")" --storetype jceks
check "-a imports leaf, key and chain as three files into a new JCEKS keystore (exit 0)" '[ "$rc" = 0 ]'
kt_list "$jceks" -storetype JCEKS
check "keytool reads that JCEKS" '[ "$rc" = 0 ] && grep -q "^defaultsecuritykeypairhandle,.*PrivateKeyEntry" <<<"$out"'

# The toolbox under Windows: convert (also to BCFKS) and passwd, judged by Linux keytool.
bat convert "$(winpath "$work/converted.p12")" --to pkcs12 --keystore "$(winpath "$jceks")"
check "convert JCEKS -> PKCS12 (exit 0), and keytool lists the same entries" \
  '[ "$rc" = 0 ] && [ "$(kt_list "$work/converted.p12" -storetype PKCS12; grep -c Entry, <<<"$out")" = "$(kt_list "$jceks" -storetype JCEKS; grep -c Entry, <<<"$out")" ]'
bat convert "$(winpath "$work/converted.bcfks")" --to bcfks --keystore "$(winpath "$jceks")"
check "convert JCEKS -> BCFKS (exit 0), and keytool with Bouncy Castle lists it" \
  '[ "$rc" = 0 ] && kt_list "$work/converted.bcfks" -storetype BCFKS -providerpath /usr/share/java/bcprov.jar -providerclass org.bouncycastle.jce.provider.BouncyCastleProvider && grep -q "^defaultsecuritykeypairhandle,.*PrivateKeyEntry" <<<"$out"'
NEW_PASS=n3w-windows-pass bat passwd --keystore "$(winpath "$work/converted.p12")" --new-storepass-env NEW_PASS
check "passwd (exit 0): keytool opens the result with the new password and not the old" \
  '[ "$rc" = 0 ] && keytool -list -storepass n3w-windows-pass -keystore "$work/converted.p12" >/dev/null 2>&1 && ! keytool -list -storepass changeit -keystore "$work/converted.p12" >/dev/null 2>&1'

# config.xml: mutual authentication on, then back to basic.
bat -m
check "-m enables mutual authentication in config.xml, keeping config.xml.bak" \
  '[ "$rc" = 0 ] && grep -q "Mutual authentication enabled" <<<"$out" && [ -f "$agent/config.xml.bak" ] && ! cmp -s "$agent/config.xml" "$agent/config.xml.bak"'
bat -s
check "-s reports mutual authentication" '[ "$rc" = 0 ] && grep -qi "mutual" <<<"$out"'
MID_PW='s3cret pw' bat -b mid.server --instance-password-env MID_PW
check "-b reverts to basic authentication" '[ "$rc" = 0 ] && grep -q "mid.server" "$agent/config.xml"'
bat -s
check "-s reports basic authentication" '[ "$rc" = 0 ] && grep -qi "basic" <<<"$out"'
mkdir -p "$work/lone bat" && cp "$src/scripts/windows/manage-certificates.bat" "$work/lone bat/"
wine_cmd "$(winpath "$work/lone bat/manage-certificates.bat")" -l
check "the .bat without its .exe says so (exit 4)" '[ "$rc" = 4 ] && grep -q "manage-certificates.exe was not found" <<<"$out"'

# ---- verify: --server-ca, the Windows ROOT store, config.xml's proxy ----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server-ca.key -out server-ca.pem \
  -days 2 -subj "/CN=Instance Public CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
openssl x509 -req -in server.csr -CA server-ca.pem -CAkey server-ca.key -CAcreateserial -days 2 \
  -extfile <(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') -out server.pem 2>/dev/null
awk '/BEGIN CERT/{n++} n==3' "$bundles/seed-order.pem" | sed '/BEGIN PRIVATE KEY/,$d' > our-root.pem
start_s_server -cert server.pem -key server.key -CAfile our-root.pem -Verify 3 -verify_return_error -quiet
va="$work/verify agent"; mkdir -p "$va"; cp "$src/testdata/config/basic-auth.xml" "$va/config.xml"
cd "$va"  # a folder with config.xml: the .bat uses it as the agent folder, not its own ..\..
bat_full -a defaultsecuritykeypairhandle "$(winpath "$bundles/seed-order.pem")" --quiet
check "-a from another folder with config.xml writes that folder's keystore" '[ "$rc" = 0 ] && [ -f "$va/security/agent_keystore" ]'
bat_full verify --url "https://127.0.0.1:$port" --server-ca "$(winpath "$work/server-ca.pem")" --timeout 5
check "verify --server-ca: mutual TLS with the server completes (exit 0)" '[ "$rc" = 0 ] && grep -q "result: ok" <<<"$out"'
bat_full verify --url "https://127.0.0.1:$port" --timeout 5
check "verify judges the server by the Windows ROOT store, which lacks the test CA (exit 9)" '[ "$rc" = 9 ]'
rm -f "$work/proxy.port"
python3 "$src/tests/interop/connect_proxy.py" "$work/proxy.port" & pids+=($!)
for _ in $(seq 1 50); do [ -s "$work/proxy.port" ] && break; sleep 0.1; done
proxy_port=$(cat "$work/proxy.port")
sed -i "s|</parameters>|  <parameter name=\"mid.proxy.use_proxy\" value=\"true\"/>\n  <parameter name=\"mid.proxy.host\" value=\"127.0.0.1\"/>\n  <parameter name=\"mid.proxy.port\" value=\"$proxy_port\"/>\n</parameters>|" config.xml
bat_full verify --url "https://127.0.0.1:$port" --server-ca "$(winpath "$work/server-ca.pem")" --timeout 5
check "verify goes through the proxy config.xml names (exit 0)" '[ "$rc" = 0 ] && grep -q "through the proxy 127.0.0.1:$proxy_port" <<<"$out"'
cd "$work"

# ---- every keystore the .exe wrote, in a JVM mutual-TLS handshake as the MID presents its key ----
printf 'ok JKS %s\nok PKCS12 %s\nok JCEKS %s\n' "$ks" "$p12" "$jceks" > "$work/windows-stores.plan"
run_cmd bash "$src/tests/interop/mtls_handshake.sh" "$linux_build/tests/ks_tool" "$src" "$linux_build/manage-certificates" "$work/windows-stores.plan"
echo "$out" | grep -E '^(ok|FAIL)' | grep -F -e "$ks" -e "$p12" -e "$jceks" || true
check "the JVM's mTLS handshake accepts every keystore the .exe wrote (and the whole handshake suite passes)" \
  '[ "$rc" = 0 ] && [ "$(grep -c -F -e "ok   (ok expected) $ks " -e "ok   (ok expected) $p12 " -e "ok   (ok expected) $jceks " <<<"$out")" = 3 ]'
finish
