#!/usr/bin/env bash
# scripts/mid-mtls-setup.sh as a container start-up runs it: from environment variables, twice
# (the second run changes no byte), and with a bundle that must be refused (nothing changes).
#   setup_script_test.sh <manage-certificates> <source dir>
set -uo pipefail
export MIDKS_BIN=$1
src=$2; setup=$src/scripts/mid-mtls-setup.sh; bundles=$src/testdata/bundles
source "$(dirname "$0")/lib.sh"
pin_clock
require keytool

agent=$work/agent && mkdir -p "$agent" && cp "$src/testdata/config/fresh.xml" "$agent/config.xml"
out=$(MID_AGENT_DIR=$agent MID_INSTANCE_URL=https://acme.service-now.com/ MID_SERVER_NAME=mid-container-01 \
      MID_MUTUAL_AUTH_PEM_FILE=$bundles/seed-order.pem "$setup" 2>&1); rc=$?
check "from MID_* environment variables: exit 0" '[ $rc -eq 0 ] && grep -q "== done" <<<"$out"'
check "config.xml has the url and name, and no credentials" 'grep -q "name=\"url\" value=\"https://acme.service-now.com/\"" "$agent/config.xml" && grep -q "value=\"mid-container-01\"" "$agent/config.xml" && ! grep -q "mid.instance.username\|mid.instance.password" "$agent/config.xml"'
check "keytool sees the key entry in security/agent_keystore" 'keytool -list -keystore "$agent/security/agent_keystore" -storepass changeit 2>/dev/null | grep -q "^defaultsecuritykeypairhandle,.*PrivateKeyEntry"'
cp "$agent/config.xml" "$work/config.after1"; cp "$agent/security/agent_keystore" "$work/ks.after1"
out=$("$setup" --agent-dir "$agent" --url https://acme.service-now.com/ --name mid-container-01 --bundle "$bundles/seed-order.pem" 2>&1); rc=$?
check "a second run (arguments this time): exit 0" '[ $rc -eq 0 ]'
check "… changed no byte of config.xml or the keystore" 'cmp -s "$agent/config.xml" "$work/config.after1" && cmp -s "$agent/security/agent_keystore" "$work/ks.after1"'

fresh=$work/fresh && mkdir -p "$fresh" && cp "$src/testdata/config/fresh.xml" "$fresh/config.xml"
out=$("$setup" --agent-dir "$fresh" --url https://acme.service-now.com/ --name m --bundle "$bundles/server-auth-only.pem" 2>&1); rc=$?
check "a serverAuth-only bundle: fails loudly with the step, the reason and exit 2" '[ $rc -eq 2 ] && grep -q "FAILED: check the bundle" <<<"$out" && grep -q "TLS client authentication" <<<"$out"'
check "… and nothing was written" 'cmp -s "$fresh/config.xml" "$src/testdata/config/fresh.xml" && [ ! -e "$fresh/security" ]'
out=$(MID_INSTANCE_URL= MID_SERVER_NAME= MID_MUTUAL_AUTH_PEM_FILE= "$setup" --agent-dir "$fresh" 2>&1); rc=$?
check "without a url: exit 1, names the variable" '[ $rc -eq 1 ] && grep -q MID_INSTANCE_URL <<<"$out"'
out=$("$setup" --agent-dir "$work/nowhere" --url https://a.service-now.com/ --name m --bundle "$bundles/seed-order.pem" 2>&1); rc=$?
check "without a config.xml: exit 4, says where it looked" '[ $rc -eq 4 ] && grep -q "no config.xml" <<<"$out"'
export KS_PASS=Other-Store-Pass
fresh2=$work/fresh2 && mkdir -p "$fresh2" && cp "$src/testdata/config/basic-auth.xml" "$fresh2/config.xml"
out=$(MID_KEYSTORE_PASSWORD=$KS_PASS "$setup" --agent-dir "$fresh2" --url https://acme.service-now.com/ --name m2 --bundle "$bundles/seed-order.pem" -- --storetype pkcs12 2>&1); rc=$?
check "MID_KEYSTORE_PASSWORD and extra options after --: a PKCS12 store with that password" '[ $rc -eq 0 ] && keytool -list -keystore "$fresh2/security/agent_keystore" -storepass "$KS_PASS" 2>/dev/null | grep -q "Keystore type: PKCS12"'
check "… the password appears in no output" '! grep -q "$KS_PASS" <<<"$out"'

finish
