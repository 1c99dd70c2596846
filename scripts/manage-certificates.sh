#!/bin/sh
# Drop-in replacement for the MID Server's agent/bin/scripts/manage-certificates.sh: same argv,
# no JVM. Execs the native binary, found via $MIDKS_BIN, beside this script, or on PATH. The agent
# folder is the current folder when it has config.xml, else the one this script is installed in
# (agent/bin/scripts/../..), so installers may call it by full path from anywhere.
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
if [ -n "${MIDKS_BIN:-}" ]; then
  bin=$MIDKS_BIN
elif [ -x "$here/manage-certificates" ]; then
  bin=$here/manage-certificates
elif command -v manage-certificates >/dev/null 2>&1; then
  bin=$(command -v manage-certificates)
else
  echo "manage-certificates.sh: the native manage-certificates binary was not found;" \
       "set MIDKS_BIN, or put it beside this script or on PATH" >&2
  exit 4
fi
if [ ! -f ./config.xml ] && [ -f "$here/../../config.xml" ]; then
  agent=$(CDPATH= cd -- "$here/../.." && pwd)
  exec "$bin" --agent-dir "$agent" "$@"  # a later --agent-dir on the command line still wins
fi
exec "$bin" "$@"
