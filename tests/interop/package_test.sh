#!/usr/bin/env bash
# Builds the .deb with cpack, unpacks it into a scratch root (dpkg -x) and uses what it installs:
# the binary, the drop-in wrapper, the man page and the bash completion.
#   package_test.sh <build dir> <source dir>
set -uo pipefail
build=$1; src=$2
source "$(dirname "$0")/lib.sh"
require cpack dpkg-deb dpkg

(cd "$work" && cpack --config "$build/CPackConfig.cmake" -B "$work/out" >cpack.log 2>&1)
deb=$(ls "$work"/out/midks_*.deb 2>/dev/null | head -1)
check "cpack builds a .deb" '[ -n "$deb" ]' || { cat "$work/cpack.log"; exit 1; }
info=$(dpkg-deb -I "$deb")
check "the package declares its shared-library dependencies" 'grep -q "Depends:.*libssl3" <<<"$info"'
dpkg -x "$deb" "$work/root"
bin=$work/root/usr/bin/manage-certificates
check "it installs /usr/bin/manage-certificates, which runs" '"$bin" --version | grep -q "^manage-certificates "'
check "the installed binary reads a keystore" '[ "$("$bin" -l --keystore "$src/testdata/keystores/keytool-agent.jks")" = defaultsecuritykeypairhandle ]'
# The man page and the completion are generated only where CMake found help2man.
if grep -q "^HELP2MAN:FILEPATH=.*help2man$" "$build/CMakeCache.txt"; then
  check "the man page documents every command" 'grep -q "^\.TH MANAGE-CERTIFICATES" "$work/root/usr/share/man/man1/manage-certificates.1" && grep -q "doctor" "$work/root/usr/share/man/man1/manage-certificates.1" && grep -q "verify" "$work/root/usr/share/man/man1/manage-certificates.1" && grep -q "renew" "$work/root/usr/share/man/man1/manage-certificates.1"'
  comp=$work/root/usr/share/bash-completion/completions/manage-certificates
  check "the bash completion loads and completes commands" 'bash -c "source $comp; COMP_WORDS=(manage-certificates --ver); COMP_CWORD=1; _manage_certificates; [ \"\${COMPREPLY[*]}\" = --version ]"'
else
  skip "the man page and the bash completion" "help2man was not found when $build was configured (scripts/setup.sh installs it)"
fi
# The drop-in wrapper, placed where the MID keeps its script, run from the agent folder.
mkdir -p "$work/agent/bin/scripts" && cp "$work/root/usr/share/midks/manage-certificates.sh" "$work/agent/bin/scripts/"
out=$(cd "$work/agent" && MIDKS_BIN=$bin ./bin/scripts/manage-certificates.sh -a DefaultSecurityKeyPairHandle "$src/testdata/bundles/seed-order.pem" 2>&1)
check "the drop-in wrapper imports from the agent folder, as the MID's script is used" '[ -f "$work/agent/security/agent_keystore" ]'
out=$(cd "$work/agent" && PATH=/usr/bin:/bin ./bin/scripts/manage-certificates.sh -l 2>&1); rc=$?
check "without the binary anywhere, the wrapper says so (exit 4)" '[ $rc -eq 4 ] && grep -q "MIDKS_BIN" <<<"$out"'
cp "$bin" "$work/agent/bin/scripts/"
check "with the binary beside it, the wrapper finds it" '[ "$(cd "$work/agent" && ./bin/scripts/manage-certificates.sh -l)" = defaultsecuritykeypairhandle ]'
cp "$src/testdata/config/fresh.xml" "$work/agent/config.xml"
out=$(PATH=$work/root/usr/bin:/usr/bin:/bin "$work/root/usr/share/midks/mid-mtls-setup.sh" --agent-dir "$work/agent" \
      --url https://acme.service-now.com/ --name packaged --bundle "$src/testdata/bundles/seed-order.pem" 2>&1); rc=$?
check "the installed mid-mtls-setup.sh finds the installed binary on PATH and enables mutual auth" '[ $rc -eq 0 ] && ! grep -q mid.instance.username "$work/agent/config.xml"'
finish
