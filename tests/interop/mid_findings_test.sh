#!/usr/bin/env bash
# The findings of a MID-fidelity review, each as a check that failed before its fix: which keystore
# file is used, writers through a symbolic link, modes kept, case-twin aliases, an empty listing,
# a MID store password that is not changeit (or sits in config.xml), and the MID's backup policy.
# Every keystore here is made by keytool (scripts/gen-mid-agent.sh), never by us.
#   mid_findings_test.sh <manage-certificates> <source dir>
set -uo pipefail
bin=$1; src=$2
. "$src/tests/interop/lib.sh"
require keytool
cd "$work"
gen_agent "$work/mid" jks > gen.log 2>&1 || { cat gen.log; echo "generator failed"; exit 1; }
. "$work/mid/manifest.env"
bundle=$work/mid/bundle.pem
fresh() {  # fresh NAME: a copy of the generated agent folder
  rm -rf "$work/$1" && cp -a "$work/mid/agent" "$work/$1" && agent=$work/$1 && ks=$agent/security/agent_keystore
}

# ---- 1. the MID's keystore file is the one used ----
fresh a1
cp "$ks" "$agent/security/agent_keystore.jks"
run -l --agent-dir "$agent"
check "1. agent_keystore and agent_keystore.jks both present: a warning names both, the MID's own file is listed" \
  '[ $rc -eq 0 ] && grep -q "SEVERAL_KEYSTORES" <<<"$out" && grep -q "security/agent_keystore.jks" <<<"$out" && grep -q "using $agent/security/agent_keystore," <<<"$out" && grep -q "midwss" <<<"$out"'
rm "$agent/security/agent_keystore.jks"
before=$(sha256sum "$ks")
run -a DefaultSecurityKeyPairHandle "$bundle" --agent-dir "$agent" --force
check "1. -a writes security/agent_keystore, creates no second file" \
  '[ $rc -eq 0 ] && [ ! -e "$agent/security/agent_keystore.jks" ] && [ "$(sha256sum "$ks")" != "$before" ] && kt -list -keystore "$ks" -storepass changeit 2>/dev/null | grep -q "^midwss,"'
run -s --agent-dir "$agent"
check "1. status shows the keystore used" 'grep -q "Keystore:  $agent/security/agent_keystore (JKS, 4 entries)" <<<"$out"'
run doctor --agent-dir "$agent"
check "1. doctor without a file checks that keystore" 'grep -q "^keystore $agent/security/agent_keystore$" <<<"$out"'
mkdir -p "$work/old" && cp -a "$work/mid/agent" "$work/old/" && mv "$work/old/agent/security" "$work/old/agent/keystore"
run -l --agent-dir "$work/old/agent"
check "1. an older MID's keystore/agent_keystore is found" '[ $rc -eq 0 ] && grep -q defaultsecuritykeypairhandle <<<"$out" && [ ! -e "$work/old/agent/security" ]'

# ---- 4. writers reaching the keystore by different paths serialise ----
fresh a4
ln -s "$agent" "$work/link-to-agent"
mkdir -p "$work/etc" && ln -s "$ks" "$work/etc/mid-keystore"   # e.g. a path kept in a deployment tool
pids=()
for n in 1 2 3 4 5 6 7 8; do
  case $((n % 4)) in
    0) path=$work/etc/mid-keystore ;;
    1) path=$ks ;;
    2) path=$agent/security/../security/agent_keystore ;;
    3) path=$work/link-to-agent/security/agent_keystore ;;
  esac
  "$bin" -a "parallel-$n" "$bundle" --keystore "$path" --force --quiet 2>/dev/null & pids+=($!)
done
codes=0; for p in "${pids[@]}"; do wait "$p" || codes=$((codes + 1)); done
listed=$(kt -list -keystore "$ks" -storepass changeit 2>/dev/null | grep -c "^parallel-")
check "4. 8 concurrent writers through a link to the file, a link to the folder, '..' and the real path: all 8 entries land ($listed)" '[ $codes -eq 0 ] && [ "$listed" = 8 ]'
check "4. no lock or temporary file is left beside the keystore" '[ -z "$(ls -A "$agent/security" | grep -v "^agent_keystore$")" ]'

# ---- 5. an existing keystore keeps its mode ----
for mode in 640 400; do
  fresh "a5-$mode"
  chmod "$mode" "$ks"
  if [ "$(id -u)" = 0 ]; then
    run -d proxy-ca --agent-dir "$agent"
    check "5. a $mode keystore changed by root stays $mode" '[ $rc -eq 0 ] && [ "$(stat -c %a "$ks")" = $mode ]'
  elif [ $mode = 640 ]; then
    run -d proxy-ca --agent-dir "$agent"
    check "5. a $mode keystore stays $mode" '[ $rc -eq 0 ] && [ "$(stat -c %a "$ks")" = $mode ]'
  else
    skip "5. a $mode keystore changed by root stays $mode" "needs root (only root can write a $mode file)"
  fi
done

# ---- a replaced file never changes hands ----
if [ "$(id -u)" = 0 ]; then
  fresh own
  chown -R 4321:4321 "$agent" && chmod 0770 "$agent" && chmod 0660 "$agent/config.xml"
  chmod 711 "$work"
  before=$(sha256sum "$agent/config.xml")
  export OTHER_PW=pw
  out=$(setpriv --reuid=65534 --regid=65534 --groups=4321 "$bin" -b someone --instance-password-env OTHER_PW --agent-dir "$agent" 2>&1); rc=$?
  check "another user of the MID's group cannot take config.xml over: refused (OWNER_NOT_KEPT), file unchanged, still 4321" \
    '[ $rc -eq 4 ] && grep -q OWNER_NOT_KEPT <<<"$out" && [ "$(sha256sum "$agent/config.xml")" = "$before" ] && [ "$(stat -c %u:%g "$agent/config.xml")" = 4321:4321 ]'
else
  skip "another user of the MID's group cannot take config.xml over" "needs root (files owned by another user)"
fi

# ---- 6. aliases that differ only in case (keytool's CaseExactJKS) ----
cp "$work/mid/caseexact.jks" twins.jks
run -l --keystore twins.jks
check "6. both MidKey and midkey are listed" '[ $rc -eq 0 ] && grep -q "MidKey" <<<"$out" && grep -q "midkey" <<<"$out"'
for cmd in "-a midkey $bundle --force" "-g MIDKEY" "-d midkey"; do
  cp twins.jks twins.before
  run $cmd --keystore twins.jks
  check "6. ${cmd%% /*} on an alias matching both: exit 2, names both, file unchanged" \
    '[ $rc -eq 2 ] && grep -q AMBIGUOUS_ALIAS <<<"$out" && grep -q "MidKey" <<<"$out" && grep -q "midkey" <<<"$out" && cmp -s twins.jks twins.before'
done
run -a other "$bundle" --force --keystore twins.jks --quiet
check "6. another alias added: keytool (CaseExactJKS) still lists both twins unchanged" \
  '[ $rc -eq 0 ] && [ "$(kt -list -storetype CaseExactJKS -keystore twins.jks -storepass changeit 2>/dev/null | grep -c "^[Mm]id[Kk]ey,")" = 2 ]'

# ---- 11. -l on an empty keystore ----
kt -genkeypair -keystore empty.jks -storepass changeit -alias x -keyalg RSA -keysize 2048 -dname CN=x >/dev/null 2>&1
kt -delete -keystore empty.jks -storepass changeit -alias x >/dev/null 2>&1
out=$("$bin" -l --keystore empty.jks 2>/dev/null); rc=$?
check "11. -l on an empty keystore prints an empty line (never '-', which is an alias)" '[ $rc -eq 0 ] && [ "$(printf "%s" "$out" | wc -c)" = 0 ]'

# ---- a MID store password that is not changeit ----
fresh pw
kt -storepasswd -keystore "$ks" -storepass changeit -new S3cret-mid >/dev/null 2>&1
kt -keypasswd -keystore "$ks" -storepass S3cret-mid -alias defaultsecuritykeypairhandle -keypass changeit -new S3cret-mid >/dev/null 2>&1
before=$(sha256sum "$ks")
run -l --agent-dir "$agent"
check "no password given, changeit fails: -l lists the certificates with a warning that integrity was not checked" \
  '[ $rc -eq 0 ] && grep -q STORE_PASSWORD_UNKNOWN <<<"$out" && grep -q "without checking the keystore.s integrity" <<<"$out" && grep -q midwss <<<"$out"'
run -g defaultsecuritykeypairhandle --agent-dir "$agent"
check "… -g shows the entry the same way" '[ $rc -eq 0 ] && grep -q STORE_PASSWORD_UNKNOWN <<<"$out" && grep -q "^Subject:" <<<"$out"'
run -a defaultsecuritykeypairhandle "$bundle" --agent-dir "$agent"
check "… -a refuses (exit 5), says how to pass the MID's password, writes nothing" \
  '[ $rc -eq 5 ] && grep -q -- "--storepass-env" <<<"$out" && grep -q "nothing was written" <<<"$out" && [ "$(sha256sum "$ks")" = "$before" ] && [ ! -e "$agent/security_backup" ]'
sed -i 's|</parameters>|  <parameter name="mid.keystore.password" value="S3cret-mid"/>\n</parameters>|' "$agent/config.xml"
run -l --agent-dir "$agent"
check "config.xml's plain mid.keystore.password opens the store: no warning" '[ $rc -eq 0 ] && ! grep -q STORE_PASSWORD_UNKNOWN <<<"$out" && grep -q midwss <<<"$out"'
run -d proxy-ca --agent-dir "$agent"
check "… and writes with it; keytool opens the result with that password" '[ $rc -eq 0 ] && kt -list -keystore "$ks" -storepass S3cret-mid >/dev/null 2>&1'
sed -i 's|name="mid.keystore.password" value="S3cret-mid"|name="mid.keystore.password" secure="true" value="encrypted:q83vEjRWeJA="|' "$agent/config.xml"
run -d acme-root-ca --agent-dir "$agent"
check "an encrypted mid.keystore.password: exit 5 saying it is encrypted and how to pass the password" \
  '[ $rc -eq 5 ] && grep -q "mid.keystore.password is encrypted" <<<"$out" && grep -q -- "--storepass-file" <<<"$out"'
export MIDPW=S3cret-mid
run -d acme-root-ca --agent-dir "$agent" --storepass-env MIDPW
check "… --storepass-env then works" '[ $rc -eq 0 ]'

# ---- backups the MID's way ----
fresh b1
sed -i 's|</parameters>|  <parameter name="mid.keystore.max_backups" value="2"/>\n  <parameter name="mid.keystore.backup_overwrite_timespan" value="0"/>\n</parameters>|' "$agent/config.xml"
for a in proxy-ca acme-root-ca midwss; do
  cp "$ks" "before-$a"
  "$bin" -d "$a" --agent-dir "$agent" --quiet 2>/dev/null
  sleep 0.01
done
backups=$(ls "$agent/security_backup" | grep -c "^agent_keystore\.")
newest=$(ls "$agent/security_backup" | grep "^agent_keystore\." | tail -1)
check "max_backups 2: three changes keep the two newest backups" '[ "$backups" = 2 ] && cmp -s "$agent/security_backup/$newest" before-midwss'
log=$agent/security_backup/keystore_backup_audit_trail.log
check "the audit trail names each backup, keypairs.mid_id and its aliases, and the removal" \
  '[ "$(grep -c " backup=agent_keystore\." "$log")" = 3 ] && grep -q "keypairs.mid_id=$MID_ID aliases=acme-root-ca,defaultsecuritykeypairhandle,midwss,proxy-ca " "$log" && [ "$(grep -c " removed=" "$log")" = 1 ]'
fresh b2
cp "$ks" before-burst
"$bin" -d proxy-ca --agent-dir "$agent" --quiet 2>/dev/null
"$bin" -d acme-root-ca --agent-dir "$agent" --quiet 2>/dev/null
check "default backup_overwrite_timespan (60 s): two changes within it keep one backup, the state before both" \
  '[ "$(ls "$agent/security_backup" | grep -c "^agent_keystore\.")" = 1 ] && cmp -s "$agent/security_backup/"agent_keystore.* before-burst && grep -q " kept=agent_keystore\." "$agent/security_backup/keystore_backup_audit_trail.log"'
fresh b3
sed -i 's|</parameters>|  <parameter name="mid.keystore.max_backups" value="0"/>\n</parameters>|' "$agent/config.xml"
"$bin" -d proxy-ca --agent-dir "$agent" --quiet 2>/dev/null
check "max_backups 0: no backup at all" '[ ! -e "$agent/security_backup" ] && ! kt -list -keystore "$ks" -storepass changeit 2>/dev/null | grep -q "^proxy-ca,"'

finish
