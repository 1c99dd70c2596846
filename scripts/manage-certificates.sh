#!/bin/sh
# Drop-in replacement for the MID Server's agent/bin/scripts/manage-certificates.sh: same argv,
# run from the agent folder, no JVM. Execs the native binary, found via $MIDKS_BIN, beside this
# script, or on PATH.
here=$(cd "$(dirname "$0")" && pwd)
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
exec "$bin" "$@"
