#!/usr/bin/env bash
# Silent / container set-up of MID Server -> instance mutual TLS, in one idempotent step:
# check the bundle, import it as defaultsecuritykeypairhandle, enable mutual authentication in
# config.xml (with the instance url and MID name), then verify the result. Fails loudly, with
# the reason and exit code of the step that failed; changes nothing if the bundle is refused.
#
#   mid-mtls-setup.sh [--agent-dir DIR] [--url URL] [--name NAME] [--bundle FILE] [-- extra options]
#
# Each value may come from the environment instead, as ServiceNow's MID container recipe names it:
#   MID_INSTANCE_URL, MID_SERVER_NAME, MID_MUTUAL_AUTH_PEM_FILE; MID_AGENT_DIR (default: .)
# The keystore password is the MID's default unless MID_KEYSTORE_PASSWORD is set; a bundle
# passphrase is read from MID_MUTUAL_AUTH_PEM_PASSPHRASE. Options after -- go to the import
# (-a), e.g. -- --storetype pkcs12 or -- --force. The native binary is found via $MIDKS_BIN,
# beside this script, or on PATH.
set -euo pipefail

agent_dir=${MID_AGENT_DIR:-.}
url=${MID_INSTANCE_URL:-}
name=${MID_SERVER_NAME:-}
bundle=${MID_MUTUAL_AUTH_PEM_FILE:-}
extra=()
die() { echo "mid-mtls-setup: $1" >&2; exit "${2:-1}"; }
while [ $# -gt 0 ]; do
  case $1 in
    --agent-dir) agent_dir=${2:?--agent-dir needs a folder}; shift 2 ;;
    --url) url=${2:?--url needs the instance url}; shift 2 ;;
    --name) name=${2:?--name needs the MID name}; shift 2 ;;
    --bundle) bundle=${2:?--bundle needs a file}; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" 1 ;;
  esac
done
[ -n "$url" ] || die "no instance url: pass --url or set MID_INSTANCE_URL" 1
[ -n "$name" ] || die "no MID Server name: pass --name or set MID_SERVER_NAME" 1
[ -n "$bundle" ] || die "no PEM bundle: pass --bundle or set MID_MUTUAL_AUTH_PEM_FILE" 1
[ -r "$bundle" ] || die "cannot read the bundle '$bundle'" 4
[ -f "$agent_dir/config.xml" ] || die "no config.xml in '$agent_dir': point --agent-dir (MID_AGENT_DIR) at the MID's agent folder" 4

here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${MIDKS_BIN:-}" ]; then bin=$MIDKS_BIN
elif [ -x "$here/manage-certificates" ]; then bin=$here/manage-certificates
elif command -v manage-certificates >/dev/null 2>&1; then bin=$(command -v manage-certificates)
else die "the native manage-certificates binary was not found; set MIDKS_BIN or put it on PATH" 4
fi

common=(--agent-dir "$agent_dir")
[ -n "${MID_KEYSTORE_PASSWORD:-}" ] && common+=(--storepass-env MID_KEYSTORE_PASSWORD)
keypass=()  # only the commands that read the bundle take its passphrase
[ -n "${MID_MUTUAL_AUTH_PEM_PASSPHRASE:-}" ] && keypass=(--keypass-env MID_MUTUAL_AUTH_PEM_PASSPHRASE)
step() {
  local what=$1; shift
  echo "== $what"
  local rc=0
  "$bin" "$@" "${common[@]}" || rc=$?
  [ $rc -eq 0 ] || die "FAILED: $what (manage-certificates exit code $rc); see the messages above" $rc
}

step "check the bundle" doctor "$bundle" ${keypass[@]+"${keypass[@]}"}
step "import it as defaultsecuritykeypairhandle" -a defaultsecuritykeypairhandle "$bundle" ${keypass[@]+"${keypass[@]}"} ${extra[@]+"${extra[@]}"}
step "enable mutual authentication in config.xml" -m --instance-url "$url" --mid-name "$name"
step "verify the keystore" doctor  # no file: the keystore the MID reads, found in the agent folder
status=$("$bin" -s --json "${common[@]}") || die "FAILED: status (exit code $?)" 4
grep -q '"auth_mode":"mutual"' <<<"$status" || die "FAILED: config.xml is not in mutual-auth mode after -m" 2
grep -q '"mid_key_entry":true' <<<"$status" || die "FAILED: the keystore has no defaultsecuritykeypairhandle entry after -a" 2
echo "== done: the MID Server in $agent_dir will authenticate to $url with its certificate once it (re)starts"
