#!/usr/bin/env bash
# Sets up, then shows the engine on built-in examples: key stores made by keytool and by
# openssl (one of them a legacy RC2 PFX as Windows exports it), read natively, no JVM involved.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
bin=build/manage-certificates
ks=testdata/keystores
run() { echo; echo "\$ manage-certificates $*"; "$bin" "$@" 2>&1; }

"$bin" --version
run -l --keystore $ks/keytool-agent.jks
run -l --long --keystore $ks/keytool-agent.jks
run -l --long --keystore $ks/keytool-mixed.jks
echo; echo "# a legacy (RC2-40) PFX as Windows certutil exports it: no -legacy flag needed"
run -l --long --keystore $ks/openssl-legacy-rc2.p12
echo; echo "# a wrong password is named as such (exit code 5)"
WRONG_PASS=not-changeit run -l --keystore $ks/keytool-agent.jks --storepass-env WRONG_PASS || echo "(exit code $?)"
