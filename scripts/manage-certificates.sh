#!/bin/sh
# Drop-in replacement for the MID Server's agent/bin/scripts/manage-certificates.sh: same argv,
# no JVM. Execs the native binary, found via $MIDKS_BIN, beside this script, or on PATH. The agent
# folder is the current folder when it has config.xml, else the one this script is installed in
# (agent/bin/scripts/../..), so installers may call it by full path from anywhere.
# Installers link it from elsewhere (/usr/local/bin/manage-certificates.sh -> the agent's copy):
# "beside this script" is beside the file the links end at. Plain POSIX sh (dash, busybox): follow
# readlink one link at a time, a relative target counting from the link's own folder.
self=$0
case $self in */*) ;; *) self=$(command -v -- "$self" 2>/dev/null || printf '%s' "$self") ;; esac
hops=0
while [ -L "$self" ]; do
  hops=$((hops + 1))
  if [ "$hops" -gt 40 ]; then
    echo "manage-certificates.sh: $0: too many levels of symbolic links" >&2
    exit 4
  fi
  target=$(readlink "$self") || break
  case $target in
    /*) self=$target ;;
    *) self=$(dirname -- "$self")/$target ;;
  esac
done
here=$(CDPATH= cd -P -- "$(dirname -- "$self")" && pwd -P)
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
