#!/usr/bin/env bash
# Never lose a keystore or config.xml, never leak a secret:
#  1. SIGKILL at random moments of >= 200 keystore writes (a 4.5 MB store, so kills land in every
#     phase) and >= 50 config.xml writes: the target is always the complete old or complete new
#     file (keytool loads both), and a later write removes the dead writers' temporary files;
#  2. a full disk (tmpfs), a read-only file system, an unwritable folder and a read-only file:
#     exit 4 with the reason, old files byte-identical, no temporary file left;
#  3. the owner of a replaced keystore is kept (root only);
#  4. a wrong store password on every write command fails before touching anything;
#  5. the no-echo prompt (through a pseudo-terminal) and a grep for every password in every
#     output and every written file.
#   reliability_test.sh <manage-certificates> <source dir> <bench_engine> [keystore-kills|others]
# A part runs alone: keystore-kills (the SIGKILLs of 1. during keystore writes, which take most of
# the time and only repeat one write path) or others (the rest); ctest runs them as two tests.
set -uo pipefail
bin=$1; src=$2; engine=$3; bundles=$src/testdata/bundles; part=${4:-all}
case $part in all|keystore-kills|others) ;; *) echo "unknown part: $part (keystore-kills or others)"; exit 1 ;; esac
want() { [ "$part" = all ] || [ "$part" = "$1" ]; }
source "$(dirname "$0")/lib.sh"
require keytool python3
chmod 711 "$work"  # other users (the unprivileged runs below) may pass through
cd "$work"

# ---- 1. SIGKILL during writes ----
# Certificates cycled from the JDK's truststore where there is one, else from a keytool-made fixture.
certs_from=$(java_cacerts) || { certs_from=$src/testdata/keystores/keytool-mixed.jks; echo "     (no JDK truststore: the 4000 entries cycle the certificates of $certs_from)"; }
"$engine" gen-truststore base.jks 4000 "$certs_from" >/dev/null
if want keystore-kills; then
  base_count=$("$bin" -l --keystore base.jks | tr , '\n' | wc -l)
  # Kill delays are drawn from the time one write takes on this machine (and build: ASan is slower).
  cp base.jks ks.jks; t0=$(date +%s%N)
  "$bin" -a timing "$bundles/seed-order.pem" --keystore ks.jks --quiet 2>/dev/null
  span_us=$(( ($(date +%s%N) - t0) * 11 / 10000 ))
  kills=0 finished=0 old=0 new=0 corrupt=0 attempts=0 temps=0
  while [ $kills -lt 200 ] && [ $attempts -lt 800 ]; do
    attempts=$((attempts + 1))
    cp base.jks ks.jks
    "$bin" -a killed "$bundles/seed-order.pem" --keystore ks.jks --quiet 2>/dev/null &
    pid=$!
    delay=$(( (RANDOM * 32768 + RANDOM) % span_us ))
    sleep "$(printf '%d.%06d' $((delay / 1000000)) $((delay % 1000000)))"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null; status=$?
    [ $status -eq 137 ] && kills=$((kills + 1)) || finished=$((finished + 1))
    temps=$((temps + $(ls -a | grep -c '^\.ks\.jks\.tmp\.' || true)))
    if cmp -s ks.jks base.jks; then old=$((old + 1)); [ -e old-sample.jks ] || cp ks.jks old-sample.jks
    elif [ "$("$bin" -l --keystore ks.jks 2>/dev/null | tr , '\n' | grep -c .)" = $((base_count + 1)) ]; then
      new=$((new + 1)); [ -e new-sample.jks ] || cp ks.jks new-sample.jks
    else corrupt=$((corrupt + 1)); cp ks.jks "corrupt-$corrupt.jks"; fi
  done
  echo "     $attempts writes (one takes $((span_us * 10 / 11 / 1000)) ms): $kills killed, $finished finished first; afterwards $old old, $new new, $corrupt neither"
  check "at least 200 writes killed with SIGKILL" '[ $kills -ge 200 ]'
  check "after every kill the keystore is the complete old or the complete new one (0 lost)" '[ $corrupt -eq 0 ] && [ $old -gt 0 ] && [ $new -gt 0 ]'
  check "keytool loads both the old and the new outcome" 'keytool -list -keystore old-sample.jks -storepass changeit >/dev/null 2>&1 && keytool -list -keystore new-sample.jks -storepass changeit 2>/dev/null | grep -q "^killed,"'
  "$bin" -a after "$bundles/seed-order.pem" --keystore ks.jks --quiet 2>/dev/null
  check "temporary files left by killed writers ($temps times) are removed by the next write" '[ $temps -gt 0 ] && [ "$(ls -a | grep -c "^\.ks\.jks\.tmp\.")" = 0 ]'
fi
want others || { finish; exit; }

mkdir agent && cp "$src/testdata/config/basic-auth.xml" agent/config.xml
"$bin" -a defaultsecuritykeypairhandle "$bundles/seed-order.pem" --agent-dir agent --quiet
cp agent/config.xml config.basic
"$bin" -m --agent-dir agent --quiet && cp agent/config.xml config.mutual
ckills=0 cbad=0
for i in $(seq 1 60); do
  cp config.basic agent/config.xml
  "$bin" -m --agent-dir agent --quiet 2>/dev/null &
  pid=$!
  sleep "0.00$((RANDOM % 10))"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null && true; [ $? -eq 137 ] && ckills=$((ckills + 1))
  cmp -s agent/config.xml config.basic || cmp -s agent/config.xml config.mutual || cbad=$((cbad + 1))
done
echo "     60 config.xml writes: $ckills killed"
check "after every kill config.xml is the complete old or new file" '[ $cbad -eq 0 ]'

# ---- 2. full disk, read-only file system, unwritable folder, read-only file ----
no_temp() { ! ls -a "$1" | grep -q '\.tmp\.'; }
if unshare -rm true 2>/dev/null; then
  cp "$src/testdata/config/basic-auth.xml" config.small
  mkdir -p mnt
  run_cmd unshare -rm bash -c '
    mnt=$1; bin=$2; bundle=$3
    mount -t tmpfs -o size=64k tmpfs "$mnt" || exit 99
    cp config.small "$mnt/config.xml"
    "$bin" -a defaultsecuritykeypairhandle "$bundle" --keystore "$mnt/ks.jks" --quiet || exit 98
    cp "$mnt/ks.jks" ks.full.before
    head -c 60000 /dev/zero > "$mnt/filler" 2>/dev/null
    "$bin" -a second "$bundle" --keystore "$mnt/ks.jks"; echo "rc=$?"
    cmp -s "$mnt/ks.jks" ks.full.before && echo SAME
    ls -a "$mnt" | grep -q "\.tmp\." && echo TEMP-LEFT
    mount -o remount,ro "$mnt"
    "$bin" -a third "$bundle" --keystore "$mnt/ks.jks"; echo "rc=$?"
    "$bin" -m --config "$mnt/config.xml" --keystore "$mnt/ks.jks"; echo "rc=$?"
    cmp -s "$mnt/config.xml" config.small && echo CONFIG-SAME
  ' _ "$work/mnt" "$bin" "$bundles/seed-order.pem"
  full=$(sed -n '1,3p' <<<"$out")
  check "full disk (64 KiB tmpfs): exit 4 with 'No space left on device', keystore byte-identical, no temp file" \
    'grep -q "No space left on device" <<<"$out" && grep -q "^rc=4$" <<<"$full" && grep -q "^SAME$" <<<"$out" && ! grep -q TEMP-LEFT <<<"$out"'
  check "read-only file system: -a and -m exit 4 with the reason, config.xml byte-identical" \
    '[ "$(grep -c "^rc=4$" <<<"$out")" = 3 ] && grep -q "Read-only file system" <<<"$out" && grep -q "^CONFIG-SAME$" <<<"$out"'
else
  ulimit_out=$(bash -c 'trap "" XFSZ; ulimit -f 100; cp "$1" big.jks; "$2" -a x "$3" --keystore big.jks; echo "rc=$?"' _ base.jks "$bin" "$bundles/seed-order.pem" 2>&1)
  check "no mount namespace here; a write over the file-size limit (ulimit -f): exit 4, keystore intact" 'grep -q "^rc=4$" <<<"$ulimit_out" && cmp -s big.jks base.jks'
fi

as_other=()
if [ "$(id -u)" = 0 ]; then as_other=(setpriv --reuid=65534 --regid=65534 --clear-groups); fi
mkdir -p locked/security && cp agent/security/agent_keystore locked/security/ && cp config.basic locked/config.xml  # basic auth: -d of the MID key is allowed
[ ${#as_other[@]} -gt 0 ] && chown -R 65534:65534 locked
chmod 555 locked/security
cp locked/security/agent_keystore ks.locked.before
run_cmd "${as_other[@]}" "$bin" -a other "$bundles/seed-order.pem" --agent-dir locked
check "unwritable security/ folder: exit 4 'Permission denied', keystore byte-identical" '[ $rc -eq 4 ] && grep -q "Permission denied" <<<"$out" && cmp -s locked/security/agent_keystore ks.locked.before && no_temp locked/security'
chmod 755 locked/security && chmod 444 locked/security/agent_keystore
run_cmd "${as_other[@]}" "$bin" -d defaultsecuritykeypairhandle --agent-dir locked
check "read-only keystore file: exit 4 'is read-only', nothing changed" '[ $rc -eq 4 ] && grep -q "is read-only" <<<"$out" && cmp -s locked/security/agent_keystore ks.locked.before && no_temp locked/security'

# ---- 3. ownership ----
if [ "$(id -u)" = 0 ]; then
  mkdir -p owned/security && cp agent/security/agent_keystore owned/security/ && chown -R 65534:65534 owned
  "$bin" -a renewed "$bundles/pkcs1.pem" --agent-dir owned --quiet
  check "root replacing a keystore owned by the MID's user keeps that owner, 0600 (and its backup in security_backup/ too)" \
    '[ "$(stat -c %u:%g:%a owned/security/agent_keystore)" = 65534:65534:600 ] && [ "$(stat -c %u:%g:%a owned/security_backup/agent_keystore.*)" = 65534:65534:600 ]'
else
  skip "root replacing a keystore owned by the MID's user keeps that owner" "needs root (chown to another user)"
fi

# ---- 4. a wrong store password never destroys ----
mkdir -p wrong && cp "$src/testdata/config/basic-auth.xml" wrong/config.xml
"$bin" -a defaultsecuritykeypairhandle "$bundles/seed-order.pem" --agent-dir wrong --quiet
"$bin" -a second "$bundles/pkcs1.pem" --agent-dir wrong --quiet
(cd wrong && sha256sum config.xml security/agent_keystore > ../wrong.sums)
export WRONG=not-the-password
for cmd in "-a third $bundles/seed-order.pem" "-d second" "-r" "renew defaultsecuritykeypairhandle $bundles/seed-order.pem" \
           "renew defaultsecuritykeypairhandle --prune" "-b user --instance-password-env WRONG --remove-key" "-m"; do
  run $cmd --agent-dir wrong --storepass-env WRONG
  check "wrong store password: ${cmd%% /*} exits 5, keystore and config.xml byte-identical" '[ $rc -eq 5 ] && (cd wrong && sha256sum -c --quiet ../wrong.sums)'
done

# ---- 5. secrets: the prompt does not echo; no password in any output or written file ----
# KEY_SECRET is the passphrase of testdata/bundles/encrypted-pkcs8.pem
export STORE_SECRET='Store-S3cret-4711' KEY_SECRET='bundle-pass' INSTANCE_SECRET='Inst-S3cret-1337'
mkdir -p sec && cp "$src/testdata/config/basic-auth.xml" sec/config.xml
prompt_out=$(python3 - "$bin" "$bundles/seed-order.pem" "$work/sec" <<'PY'
import os, pty, sys, time
bin, bundle, agent = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execv(bin, [bin, "-a", "prompted", bundle, "--agent-dir", agent, "--storepass-prompt"])
seen = b""
while b"password" not in seen:
    seen += os.read(fd, 1024)
os.write(fd, os.environ["STORE_SECRET"].encode() + b"\n")
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace") + "\nEXIT=%d\n" % os.waitstatus_to_exitcode(status))
PY
)
check "--storepass-prompt asks on the terminal, does not echo, and the store opens with what was typed" \
  'grep -q "keystore password:" <<<"$prompt_out" && grep -q "EXIT=0" <<<"$prompt_out" && ! grep -q "$STORE_SECRET" <<<"$prompt_out" && "$bin" -l --agent-dir sec --storepass-env STORE_SECRET | grep -q prompted'
all=$prompt_out
for cmd in "-a defaultsecuritykeypairhandle $bundles/encrypted-pkcs8.pem --keypass-env KEY_SECRET" "-l" "-g defaultsecuritykeypairhandle --json" "-s" \
           "-m" "-b mid.user --instance-password-env INSTANCE_SECRET" "doctor $bundles/encrypted-pkcs8.pem --keypass-env KEY_SECRET" \
           "csr sec/secret-csr --keypass-env KEY_SECRET --subject CN=x" "split --out-dir sec/upload" "expiry sec/security/agent_keystore"; do
  run $cmd --agent-dir sec --storepass-env STORE_SECRET
  all+=$out
done
run -a x "$bundles/seed-order.pem" --agent-dir sec --storepass-env STORE_SECRET --storepass "$STORE_SECRET"
all+=$out
check "no password appears in any output (11 commands, errors included)" '! grep -q -e "$STORE_SECRET" -e "$KEY_SECRET" -e "$INSTANCE_SECRET" <<<"$all"'
written=$(find sec -type f ! -name config.xml ! -name config.xml.bak)
check "no password in any written file: keystore, .bak, CSR, key, split output ($(wc -w <<<"$written") files)" \
  '! LC_ALL=C grep -l -a -e "$STORE_SECRET" -e "$KEY_SECRET" -e "$INSTANCE_SECRET" $written'
check "… not even as UTF-16 (Java's char[] form)" '! LC_ALL=C grep -l -a -P "$(sed "s/./\\\\x00&/g" <<<"$STORE_SECRET")" $written'
# A password on argv (discouraged, warned about) is wiped from /proc/<pid>/cmdline once read:
# seen while the command waits for a lock another process holds.
flock sec/security sleep 6 & holder=$!  # writers lock the keystore's folder
sleep 0.3
"$bin" -d x --agent-dir sec --storepass "$STORE_SECRET" >/dev/null 2>&1 & waiter=$!
# Read the command line once the process has the folder open to lock it: its arguments are parsed by then.
for _ in $(seq 1 100); do
  ls -l /proc/$waiter/fd 2>/dev/null | grep -q 'sec/security$' && break
  sleep 0.05
done
cmdline=$(tr '\0' ' ' < /proc/$waiter/cmdline 2>/dev/null)
kill $holder 2>/dev/null
wait $holder $waiter 2>/dev/null
check "a --storepass value is wiped from /proc/<pid>/cmdline while the command runs" '[ -n "$cmdline" ] && grep -q -- "--storepass" <<<"$cmdline" && ! grep -q "$STORE_SECRET" <<<"$cmdline"'
check "config.xml holds the instance password only where -b put it (the MID encrypts it at start)" '[ "$(grep -c "$INSTANCE_SECRET" sec/config.xml)" = 1 ] && grep -q "name=\"mid.instance.password\" secure=\"true\" value=\"$INSTANCE_SECRET\"" sec/config.xml'

finish
