#!/usr/bin/env bash
# End to end, as an admin runs it: the built binary in a scratch MID agent folder. Every command,
# every exit code; refused and failed writes leave the keystore byte-identical; secrets never
# appear in any output; keytool reads what -a wrote.
#   cli_e2e.sh <manage-certificates> <source dir>
set -uo pipefail
bin=$1; bundles=$2/testdata/bundles; configs=$2/testdata/config
source "$(dirname "$0")/lib.sh"
require keytool python3
pin_clock
agent=$work/agent && mkdir -p "$agent" && cd "$agent"
ks=security/agent_keystore
json() { python3 -c "import json,sys; d=json.loads(sys.stdin.read()); print($1)" <<<"$out"; }

run -s
check "status before anything exists: exit 0, says how to start" '[ $rc -eq 0 ] && grep -q "not created yet" <<<"$out"'
run -l
check "-l without a keystore: exit 4" '[ $rc -eq 4 ] && grep -q "no keystore at" <<<"$out"'

run -a DefaultSecurityKeyPairHandle "$bundles/seed-order.pem"
check "-a the seed's bundle: exit 0, the original's line first, then the keystore it wrote (warned: no config.xml here)" '[ $rc -eq 0 ] && [ "$(grep -v "^warning" <<<"$out" | head -1)" = "Installed certificate with alias: defaultsecuritykeypairhandle into the MID keystore." ] && grep -q "warning \[NO_CONFIG_XML\]" <<<"$out" && grep -q "keystore  security/agent_keystore (JKS)" <<<"$out"'
check "-a created security/ (0700) and the keystore (0600)" '[ "$(stat -c %a security)" = 700 ] && [ "$(stat -c %a $ks)" = 600 ]'
listing=$(keytool -list -v -keystore $ks -storepass changeit 2>&1)
check "keytool lists the entry with its 3-certificate chain" 'grep -q "Alias name: defaultsecuritykeypairhandle" <<<"$listing" && grep -q "Certificate chain length: 3" <<<"$listing"'
run -l
check "-l prints the aliases comma-separated, lower-cased as Java stores them (the file it read on stderr)" '[ $rc -eq 0 ] && [ "$("$bin" -l 2>/dev/null)" = defaultsecuritykeypairhandle ] && grep -q "^keystore: security/agent_keystore (JKS)$" <<<"$out"'

cp $ks "$work/before.jks"
run -a defaultsecuritykeypairhandle "$bundles/server-auth-only.pem"
check "-a a serverAuth-only certificate: refused with exit 2 and the reason" '[ $rc -eq 2 ] && grep -q LEAF_NOT_CLIENT_AUTH <<<"$out"'
check "… and the keystore is byte-identical" 'cmp -s $ks "$work/before.jks"'
run -a defaultsecuritykeypairhandle "$bundles/seed-order.pem" --storepass wrong-password
check "-a with a wrong store password: exit 5" '[ $rc -eq 5 ] && grep -q "password is incorrect" <<<"$out"'
check "… and the keystore is byte-identical" 'cmp -s $ks "$work/before.jks"'
run -a other "$bundles/encrypted-pkcs8.pem"
check "-a an encrypted key without passphrase: exit 5, says how to pass it" '[ $rc -eq 5 ] && grep -q -- "--keypass-env" <<<"$out"'
export BUNDLE_PASS=bundle-pass
run -a other "$bundles/encrypted-pkcs8.pem" --keypass-env BUNDLE_PASS
check "-a with --keypass-env: exit 0" '[ $rc -eq 0 ]'
backup=$(ls security_backup/agent_keystore.* 2>/dev/null | tail -1)
check "… the previous keystore is backed up in security_backup/ (no .bak beside it) and still opens" '[ ! -e $ks.bak ] && keytool -list -keystore "$backup" -storepass changeit 2>/dev/null | grep -q "contains 1 entry" && grep -q "aliases=defaultsecuritykeypairhandle " security_backup/keystore_backup_audit_trail.log'
printf 'pfx-pass\n' > "$work/pass.txt"
run -a second "$bundles/split/ca-chain.pem" "$bundles/split/leaf-key.pem" "$bundles/legacy.pfx" --keypass-file "$work/pass.txt" --quiet
check "-a from several files incl. a legacy PFX with --keypass-file --quiet: exit 0, nothing printed" '[ $rc -eq 0 ] && [ -z "$out" ]'
run -a forced "$bundles/server-auth-only.pem" --force
check "-a --force imports and still prints the finding" '[ $rc -eq 0 ] && grep -q "warning \[LEAF_NOT_CLIENT_AUTH\]" <<<"$out"'

run -g DEFAULTSECURITYKEYPAIRHANDLE
check "-g matches aliases case-insensitively and shows subject, EKU and the chain" '[ $rc -eq 0 ] && grep -q "Subject: *CN=mid-server-01" <<<"$out" && grep -q "Ext. usage: *clientAuth" <<<"$out" && grep -q "\[2\] CN=Bundle Root CA" <<<"$out"'
run -g nosuch
check "-g an unknown alias: exit 2" '[ $rc -eq 2 ] && grep -q "no entry" <<<"$out"'
run -g defaultsecuritykeypairhandle --expiry-warn 5000
check "--expiry-warn 5000 on a 2036 certificate: exit 3" '[ $rc -eq 3 ]'
run -l --expiry-warn 30
check "--expiry-warn 30: exit 0" '[ $rc -eq 0 ]'

run -l --json
# days_left is judged against not_after and the pinned date, not as a count that shrinks year by year.
days_left_ok() {
  python3 -c 'import calendar, json, os, sys, time
d = json.loads(sys.stdin.read())
sys.exit(0 if d["entries"] and all(abs(e["days_left"] - (calendar.timegm(time.strptime(e["not_after"], "%Y-%m-%dT%H:%M:%SZ")) - int(os.environ["MIDKS_TEST_NOW"])) / 86400) < 1 for e in d["entries"]) else 1)' <<<"$out"
}
check "-l --json parses, lists 4 entries, each with days_left = the whole days until its not_after" '[ $rc -eq 0 ] && [ "$(json "len(d[\"entries\"])")" = 4 ] && days_left_ok'
run -g defaultsecuritykeypairhandle --json
check "-g --json: the chain has 3 certificates and clientAuth" '[ "$(json "len(d[\"chain\"])")" = 3 ] && [ "$(json "\"clientAuth\" in d[\"chain\"][0][\"extended_key_usage\"]")" = True ]'
out=$("$bin" -a x "$bundles/key-mismatch.pem" --json 2>/dev/null); rc=$?  # stdout only: stderr has the text form
check "errors in --json carry the code and exit code" '[ $rc -eq 2 ] && [ "$(json "d[\"error\"][\"code\"], d[\"error\"][\"exit_code\"]")" = "KEY_MISMATCH 2" ]'
run -s --json
check "-s --json reports the MID key entry" '[ "$(json "d[\"mid_key_entry\"]")" = True ]'

run -d forced
check "-d removes an entry" '[ $rc -eq 0 ] && ! "$bin" -l | grep -q forced'
run -d forced
check "-d an unknown alias: exit 2, keystore unchanged" '[ $rc -eq 2 ]'
run -r
check "-r keeps only defaultsecuritykeypairhandle" '[ $rc -eq 0 ] && [ "$("$bin" -l)" = defaultsecuritykeypairhandle ]'

run -a only-one-arg
check "-a with too few arguments: exit 1 with usage" '[ $rc -eq 1 ] && grep -q "usage: manage-certificates -a" <<<"$out"'
run -l --no-such-option
check "unknown option: exit 1" '[ $rc -eq 1 ]'
run -a p12 "$bundles/seed-order.pem" --keystore "$work/store.p12" --storetype pkcs12
check "--storetype pkcs12 makes a PKCS12 that keytool reads" '[ $rc -eq 0 ] && keytool -list -keystore "$work/store.p12" -storepass changeit 2>/dev/null | grep -q "Keystore type: PKCS12"'
export SECRET_STORE_PASS='s3cret-Store-Pass'
run -a k "$bundles/seed-order.pem" --keystore "$work/secret.jks" --storepass-env SECRET_STORE_PASS
out2=$("$bin" -l -g k --keystore "$work/secret.jks" --storepass-env SECRET_STORE_PASS --json 2>&1)
check "a store password from the environment never appears in any output" '[ $rc -eq 0 ] && ! grep -q "$SECRET_STORE_PASS" <<<"$out$out2" && ! grep -qa "$SECRET_STORE_PASS" "$work/secret.jks"'

run doctor "$bundles/pkcs1.pem"
check "doctor on a good bundle: exit 0, every check ok" '[ $rc -eq 0 ] && ! grep -q "FAIL" <<<"$out" && grep -q "ready for MID mutual authentication" <<<"$out"'
run doctor "$bundles/self-signed-leaf.pem"
check "doctor on a self-signed leaf: exit 2, names the failed check" '[ $rc -eq 2 ] && grep -q "\[FAIL\] the leaf is issued by a CA" <<<"$out"'
run doctor "$bundles/two-keys.pem"
check "doctor on two keys: exit 2 with MULTIPLE_KEYS" '[ $rc -eq 2 ] && grep -q MULTIPLE_KEYS <<<"$out"'
run doctor "$bundles/der/leaf.cer" "$bundles/der/int.cer" "$bundles/der/root.cer" "$bundles/der/key.der"
check "doctor on DER certificate and key files: one bundle, ready (DER is not mistaken for a PKCS#12 keystore)" '[ $rc -eq 0 ] && grep -q "^bundle " <<<"$out" && ! grep -q "^keystore " <<<"$out"'
run doctor "$bundles/modern.pfx" --keypass pfx-pass
check "doctor on a PFX bundle with its passphrase: checked as a bundle, ready" '[ $rc -eq 0 ] && grep -q "^bundle " <<<"$out"'
run doctor $ks
check "doctor on the keystore -a wrote: exit 0" '[ $rc -eq 0 ] && grep -q "key entry .defaultsecuritykeypairhandle. is present" <<<"$out"'
run doctor "$work/store.p12"
check "doctor on a keystore without the MID key: exit 2" '[ $rc -eq 2 ] && grep -q "\[FAIL\] the MID.s key entry" <<<"$out"'
out=$("$bin" doctor "$bundles/self-signed-leaf.pem" --json 2>/dev/null); rc=$?  # (no clock-dependent fixture here)
check "doctor --json: not ready, SELF_SIGNED_LEAF under its check" '[ $rc -eq 2 ] && [ "$(json "d[\"ready\"], [c[\"details\"][0][\"code\"] for c in d[\"targets\"][0][\"checks\"] if c[\"status\"] == \"problem\"][0]")" = "False SELF_SIGNED_LEAF" ]'

# Concurrent writers serialise on <keystore>.lock: no update is lost.
for n in 1 2 3 4 5 6 7 8; do "$bin" -a "parallel-$n" "$bundles/seed-order.pem" --keystore "$work/parallel.jks" --quiet & done
wait
check "8 concurrent -a with distinct aliases: all 8 entries present" '[ "$("$bin" -l --keystore "$work/parallel.jks" | tr , "\n" | grep -c "^parallel-")" = 8 ]'

cp "$configs/basic-auth.xml" config.xml
run -s
check "status reads config.xml: url, MID name, credentials" '[ $rc -eq 0 ] && grep -q "url https://acme.service-now.com/, MID name acme_mid_01, basic-auth credentials set" <<<"$out"'
cp config.xml "$work/config.before"
out=$("$bin" -s --json 2>/dev/null)
check "status --json carries the config facts" '[ "$(json "d[\"config\"][\"basic_auth_credentials\"], d[\"config\"][\"name\"]")" = "set acme_mid_01" ]'
check "status never modifies config.xml" 'cmp -s config.xml "$work/config.before"'
cp "$configs/broken.xml" config.xml
run -s
check "status on a broken config.xml: exit 2, names the line" '[ $rc -eq 2 ] && grep -q "not well-formed XML (line" <<<"$out"'

# -m, -b, -m: the exact lines that change in config.xml, and nothing else.
cp "$configs/basic-auth.xml" config.xml
chmod 640 config.xml
cp config.xml "$work/config.basic"
run -m
check "-m with a valid key entry: exit 0, restart reminder" '[ $rc -eq 0 ] && grep -q "Mutual authentication enabled" <<<"$out" && grep -q "restart the MID Server" <<<"$out"'
check "-m removed exactly the two credential lines" '[ "$(diff "$work/config.basic" config.xml | grep "^[<>]" | grep -o "name=\"[^\"]*\"" | tr "\n" " ")" = "name=\"mid.instance.username\" name=\"mid.instance.password\" " ] && [ "$(diff "$work/config.basic" config.xml | grep -c "^[<>]")" = 2 ]'
check "… kept the old file as config.xml.bak and the mode 0640" 'cmp -s config.xml.bak "$work/config.basic" && [ "$(stat -c %a config.xml)" = 640 ]'
cp config.xml "$work/config.mutual"
run -m
check "a second -m: exit 0, nothing changed" '[ $rc -eq 0 ] && grep -q "nothing changed" <<<"$out" && cmp -s config.xml "$work/config.mutual"'
out=$("$bin" -s --json 2>/dev/null)
check "status --json says auth_mode mutual" '[ "$(json "d[\"config\"][\"auth_mode\"]")" = mutual ]'
export MID_PW='n3w&pass<word'
run -b mid.server --instance-password-env MID_PW
check "-b with the password from the environment: exit 0, restart reminder" '[ $rc -eq 0 ] && grep -q "Basic authentication restored" <<<"$out" && grep -q "restart the MID Server" <<<"$out"'
check "-b added exactly the two credential lines below url, value XML-escaped" '[ "$(diff "$work/config.mutual" config.xml | grep -c "^>")" = 2 ] && [ "$(diff "$work/config.mutual" config.xml | grep -c "^<")" = 0 ] && grep -q "value=\"n3w&amp;pass&lt;word\"" config.xml && [ "$(grep -n mid.instance.username config.xml | cut -d: -f1)" = 4 ]'
check "-b never prints the password" '! grep -q "n3w" <<<"$out"'
check "-b left the key entry in place and says so" 'grep -q "stays in" <<<"$out" && "$bin" -l | grep -q defaultsecuritykeypairhandle'
out=$(printf 'piped-pass\n' | "$bin" -b mid.piped --instance-password-file /dev/stdin 2>&1); rc=$?
check "-b reads the password from a pipe (--instance-password-file /dev/stdin)" '[ $rc -eq 0 ] && grep -q "value=\"piped-pass\"" config.xml'
run -l --storepass-file <(printf 'changeit\n')
check "--storepass-file from process substitution (a pipe)" '[ $rc -eq 0 ] && grep -q defaultsecuritykeypairhandle <<<"$out"'
run -b mid.server visible-pass
check "-b <user> <pass> (the original argv form) works and warns about ps" '[ $rc -eq 0 ] && grep -q "visible to other users" <<<"$out"'
run -b mid.server </dev/null
check "-b without a password and without a terminal: exit 1, says how to pass it" '[ $rc -eq 1 ] && grep -q "instance-password-env" <<<"$out"'
run -m
check "-m again: the credential lines go again" '[ $rc -eq 0 ] && cmp -s config.xml "$work/config.mutual"'
cp "$work/config.basic" config.xml
run -b mid.server --instance-password-env MID_PW --remove-key
check "-b --remove-key deletes the key entry" '[ $rc -eq 0 ] && ! "$bin" -l | grep -q defaultsecuritykeypairhandle'
cp config.xml "$work/config.nokey"
run -m
check "-m without the key entry: exit 2 NO_MID_KEY, config.xml untouched" '[ $rc -eq 2 ] && grep -q NO_MID_KEY <<<"$out" && cmp -s config.xml "$work/config.nokey"'
run -a defaultsecuritykeypairhandle "$bundles/server-auth-only.pem" --force --quiet
run -m
check "-m with a serverAuth-only key entry: refused (exit 2), config.xml untouched" '[ $rc -eq 2 ] && grep -q LEAF_NOT_CLIENT_AUTH <<<"$out" && cmp -s config.xml "$work/config.nokey"'
run -m --instance-url http://plain.example/
check "-m --instance-url without https: exit 1" '[ $rc -eq 1 ]'
cp "$configs/broken.xml" config.xml
run -m --force
check "-m on a broken config.xml: exit 2, file not rewritten" '[ $rc -eq 2 ] && cmp -s config.xml "$configs/broken.xml"'
rm config.xml
run -m
check "-m without config.xml: exit 4, says where it looked" '[ $rc -eq 4 ] && grep -q "no config.xml at" <<<"$out"'

finish
