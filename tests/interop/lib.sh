# Sourced by the interop scripts: a scratch folder ($work) removed on exit together with any
# server started; check(), run(), skip() and finish(); require() and java_cacerts() for what a
# script needs from the system; openssl s_server on a free local port.
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
passed=0 failed=0 skipped=0
# check DESCRIPTION CONDITION: on failure, shows the start of $out (the last command's output)
# and returns 1, so `check … || { more detail; }` runs its right side when the check fails.
check() {
  if eval "$2"; then echo "ok   $1"; passed=$((passed + 1))
  else echo "FAIL $1"; echo "${out:-}" | head -5 | sed 's/^/     /'; failed=$((failed + 1)); return 1; fi
}
# run ARGS...: the binary under test ($bin) with ARGS; sets $out (stdout and stderr) and $rc.
run() { run_cmd "$bin" "$@"; }
# run_cmd COMMAND ARGS...: the same for any command.
run_cmd() { out=$("$@" 2>&1); rc=$?; }
# skip DESCRIPTION REASON: a check that cannot run here, said so instead of passing in silence.
skip() { echo "skip $1: $2"; skipped=$((skipped + 1)); }
# finish: the summary line; the script's status (0 only when no check failed).
finish() {
  echo "$passed passed, $failed failed$([ "$skipped" -eq 0 ] || echo ", $skipped skipped")"
  [ "$failed" -eq 0 ]
}
# pin_clock: the binary judges dates at 2027-06-01 (the unit tests' fixture_now), so the
# fixtures in testdata/ (valid to 2036 and later) give the same verdicts in any year. Only for
# scripts whose certificates all come from testdata/: keytool, a JVM and s_server keep real time.
pin_clock() { export MIDKS_TEST_NOW=1811808000; }
# skip_test REASON: the whole script cannot run here; ctest reports it skipped (SKIP_RETURN_CODE 77).
skip_test() { echo "SKIP $(basename "$0"): $1"; exit 77; }
# require TOOL...: skip the whole script unless every tool is on PATH.
require() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 ||
      skip_test "needs $t, which is not on PATH (scripts/setup.sh installs the JDK, python3 and dpkg-dev; scripts/build-windows.sh wine and mingw-w64)"
  done
}
# java_cacerts: the JDK's truststore, or nothing. $MIDKS_TEST_CACERTS, when set, is the only
# candidate (so its absence can be tested); else $JAVA_HOME's, else Debian's.
java_cacerts() {
  local c candidates=()
  if [ -n "${MIDKS_TEST_CACERTS+set}" ]; then candidates=("$MIDKS_TEST_CACERTS")
  else candidates=("${JAVA_HOME:-/nonexistent}/lib/security/cacerts" /etc/ssl/certs/java/cacerts); fi
  for c in "${candidates[@]}"; do [ -f "$c" ] && { echo "$c"; return 0; }; done
  return 1
}
# kt ARGS...: keytool, started quickly (C1 only, serial GC).
kt() { keytool -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC "$@"; }
# start_s_server S_SERVER-ARGS...: openssl s_server on 127.0.0.1 with those arguments; sets $port.
start_s_server() {
  for _ in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    openssl s_server -accept "127.0.0.1:$port" "$@" > "$work/server-$port.log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then pids+=("$pid"); return 0; fi
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
  done
  echo "could not start openssl s_server"; exit 1
}
# What several scripts share, made once per ctest run by the fixtures in tests/CMakeLists.txt
# (fixtures.sh), which name them in the environment; a script run by hand makes its own.
lib_src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# gen_agent OUT_DIR [gen-mid-agent.sh options]: a MID agent folder (scripts/gen-mid-agent.sh), a copy
# of the fixture's ($MIDKS_TEST_AGENTS) when there is one for that type and layout.
gen_agent() { bash "$lib_src/scripts/gen-mid-agent.sh" "$@" ${MIDKS_TEST_AGENTS:+--reuse "$MIDKS_TEST_AGENTS"}; }
# compile_java DIR: tests/java/*.java compiled into DIR.
compile_java() { mkdir -p "$1" && javac -encoding UTF-8 -d "$1" "$lib_src"/tests/java/*.java; }
# java_classes: sets $classes, the folder with tests/java compiled (the fixture's, $MIDKS_TEST_CLASSES,
# else compiled here); a failed javac ends the script.
java_classes() {
  classes=${MIDKS_TEST_CLASSES:-}
  [ -n "$classes" ] && [ -f "$classes/MtlsClient.class" ] && return 0
  classes=$work/classes && compile_java "$classes" || { echo "FAIL javac"; exit 1; }
}
