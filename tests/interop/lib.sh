# Sourced by the interop scripts: a scratch folder ($work) removed on exit together with any
# server started, check(), and openssl s_server on a free local port.
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
passed=0 failed=0
# check DESCRIPTION CONDITION: on failure, shows the start of $out (the last command's output).
check() {
  if eval "$2"; then echo "ok   $1"; passed=$((passed + 1))
  else echo "FAIL $1"; echo "${out:-}" | head -5 | sed 's/^/     /'; failed=$((failed + 1)); fi
}
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
