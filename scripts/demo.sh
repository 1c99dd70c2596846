#!/usr/bin/env bash
# Sets up, then runs the main job on a built-in example: a scratch MID agent folder gets the
# seed how-to's bundle (here with Windows CRLF line endings, as admins often have it) imported as
# defaultsecuritykeypairhandle, mutual authentication is enabled in its config.xml, and it is
# inspected the ways admins do. No JVM involved.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
bin=$PWD/build-linux/manage-certificates
bundles=$PWD/testdata/bundles
agent=$(mktemp -d /tmp/midks-demo-agent.XXXXXX)
trap 'rm -rf "$agent"' EXIT
cd "$agent"
cp "$OLDPWD/testdata/config/basic-auth.xml" config.xml  # a MID that uses basic auth today
run() { echo; echo "\$ manage-certificates $*"; "$bin" "$@" 2>&1 || echo "(exit code $?)"; }

"$bin" --version
echo "agent folder: $agent"
run -s
run -a DefaultSecurityKeyPairHandle "$bundles/crlf.pem"
run -l
run -g defaultsecuritykeypairhandle
echo; echo "# switch the MID to certificate authentication: the credentials leave config.xml"
run -m
diff config.xml.bak config.xml || true
run -s --expiry-warn 30
echo; echo "# what keytool (the JVM's own tool) sees in the file we wrote:"
keytool -list -keystore security/agent_keystore -storepass changeit 2>/dev/null | sed -n '1,6p'
echo; echo "# a bundle that would break mutual TLS is refused before anything is written:"
run -a defaultsecuritykeypairhandle "$bundles/server-auth-only.pem"
run -a defaultsecuritykeypairhandle "$bundles/missing-intermediate.pem"
