#!/usr/bin/env bash
# Sets up, then runs the main job on a built-in example: a scratch MID agent folder gets the
# seed how-to's bundle (here with Windows CRLF line endings, as admins often have it) imported as
# defaultsecuritykeypairhandle, and is inspected the ways admins do. No JVM involved.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
bin=$PWD/build/manage-certificates
bundles=$PWD/testdata/bundles
agent=$(mktemp -d /tmp/midks-demo-agent.XXXXXX)
trap 'rm -rf "$agent"' EXIT
cd "$agent"
run() { echo; echo "\$ manage-certificates $*"; "$bin" "$@" 2>&1 || echo "(exit code $?)"; }

"$bin" --version
echo "agent folder: $agent"
run -s
run -a DefaultSecurityKeyPairHandle "$bundles/crlf.pem"
run -l
run -g defaultsecuritykeypairhandle
run -s --expiry-warn 30
echo; echo "# what keytool (the JVM's own tool) sees in the file we wrote:"
keytool -list -keystore security/agent_keystore.jks -storepass changeit 2>/dev/null | sed -n '1,6p'
echo; echo "# a bundle that would break mutual TLS is refused before anything is written:"
run -a defaultsecuritykeypairhandle "$bundles/server-auth-only.pem"
run -a defaultsecuritykeypairhandle "$bundles/missing-intermediate.pem"
