#!/usr/bin/env bash
# Side by side with keytool/openssl on this machine: each job runs against its anchor and the
# OpenSSL floor in alternation (one warm-up each, then RUNS counted rounds A B F A B F …); the table
# shows median wall times, their ratio, ours over the floor, the spread of ours and peak RSS.
# Timings live here, never in the test suite.
#   scripts/bench.sh [RUNS]      (default 5)
#   MIDKS_BUILD_DIR=build-t scripts/bench.sh 15   measure an existing Release build (no setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
if [ -n "${MIDKS_BUILD_DIR:-}" ]; then build=$(cd "$MIDKS_BUILD_DIR" && pwd)
else scripts/setup.sh >/dev/null; build=$PWD/build-linux; fi
# Today's dynamic build (the system's libcrypto.so.3) is measured beside the portable one we ship.
if [ -n "${MIDKS_DYNAMIC_BUILD_DIR:-}" ]; then dynamic=$(cd "$MIDKS_DYNAMIC_BUILD_DIR" && pwd)
else
  cmake --preset release >/dev/null && cmake --build build -j"$(nproc)" --target manage-certificates openssl_floor >/dev/null
  dynamic=$PWD/build
fi
bin=$build/manage-certificates; engine=$build/tests/bench_engine; ossl_floor=$build/tests/openssl_floor; bundle=$PWD/testdata/bundles/seed-order.pem
cacerts=/etc/ssl/certs/java/cacerts
work=$(mktemp -d) && trap 'rm -rf "$work"' EXIT
cd "$work"

# measure CMD… -> "seconds rss_kib": wall time from spawn to exit (bench_engine spawn, so no shell
# fork is inside the window), peak RSS from GNU time, which runs the command; GNU time's own cost is
# in the harness floor below, which is subtracted.
measure() {
  local seconds
  seconds=$("$engine" spawn /usr/bin/time -f '%M' -o "$work/rss" "$@")
  echo "$seconds $(tail -1 "$work/rss")"
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
quartile() { sort -g | awk -v q="$1" '{a[NR]=$1} END {i=int(NR*q+0.5); if (i<1) i=1; print a[i]}'; }
max() { sort -g | tail -1; }
rows=(); ceilings=(); work_ceilings=()
# run_side "CMD1 ;; CMD2 …" -> "seconds kib": each command measured directly (no shell around it,
# whose start-up would dwarf ours), times summed, peak RSS the largest. "rm -f …" and "cp …" steps
# are setup.
run_side() {
  local total=0 peak=0 cmd r
  local IFS=$'\n'
  for cmd in $(sed 's/ ;; /\n/g' <<<"$1"); do
    if [[ $cmd == "rm -f "* || $cmd == "cp "* ]]; then eval "$cmd"; continue; fi
    IFS=' ' read -ra argv <<<"$cmd"
    r=$(measure "${argv[@]}")
    # Net of the harness's own cost (GNU time around an empty program), calibrated below.
    total=$(awk -v a="$total" -v b="${r% *}" -v f="$harness_floor" 'BEGIN{n = b - f; print a + (n > 0 ? n : 0)}')
    [ "${r#* }" -gt "$peak" ] && peak=${r#* }
  done
  echo "$total $peak"
}
# job NAME TARGET_RATIO FLOOR_TARGET OURS ANCHOR [WORK_FLOOR]: alternate ours, the anchor and the
# floor (once per command of ours) after a warm-up, then add a table row. Targets: ours at least
# TARGET_RATIO times faster than the anchor, at most FLOOR_TARGET times the floor ("-": none), peak
# RSS ≤ 10 MiB. WORK_FLOOR, a command doing the least OpenSSL work the job needs, joins the rounds.
job() {
  local name=$1 target=$2 floor_target=$3 ours=$4 anchor=$5 work_floor=${6:-} a_times=() b_times=() f_sums=() w_times=() a_rss=() b_rss=() r
  local commands; commands=$(sed 's/ ;; /\n/g' <<<"$ours" | grep -vc '^rm -f ' || true)
  local floor_side; floor_side=$(for _ in $(seq 1 "$commands"); do printf '%s ;; ' "$ossl_floor"; done | sed 's/ ;; $//')
  run_side "$ours" >/dev/null; run_side "$anchor" >/dev/null; run_side "$floor_side" >/dev/null  # warm-up
  for _ in $(seq 1 "$runs"); do
    r=$(run_side "$ours"); a_times+=("${r% *}"); a_rss+=("${r#* }")
    r=$(run_side "$anchor"); b_times+=("${r% *}"); b_rss+=("${r#* }")
    r=$(run_side "$floor_side"); f_sums+=("${r% *}")
    if [ -n "$work_floor" ]; then r=$(run_side "$work_floor"); w_times+=("${r% *}"); fi
  done
  local am bm fm ar br ratio over lo hi
  am=$(printf '%s\n' "${a_times[@]}" | median); bm=$(printf '%s\n' "${b_times[@]}" | median)
  fm=$(printf '%s\n' "${f_sums[@]}" | median)
  lo=$(printf '%s\n' "${a_times[@]}" | quartile 0.25); hi=$(printf '%s\n' "${a_times[@]}" | quartile 0.75)
  ar=$(printf '%s\n' "${a_rss[@]}" | max); br=$(printf '%s\n' "${b_rss[@]}" | max)
  ratio=$(awk -v a="$am" -v b="$bm" 'BEGIN {printf "%.0f", b / a}')
  over=$(awk -v a="$am" -v f="$fm" 'BEGIN {printf "%.2f", a / f}')
  # How far any OpenSSL-3 program could go: the anchor over the floor once per command we run.
  ceilings+=("${name%%.*}:$bm:$commands:$fm")
  if [ -n "$work_floor" ]; then
    local wm; wm=$(printf '%s\n' "${w_times[@]}" | median)
    work_ceilings+=("$(printf 'job %s: at its work floor (%s, measured alongside: %.1f ms; ours %.2f× it) the ratio could be at most %.0f×' \
      "${name%%.*}" "$(for w in $work_floor; do printf '%s ' "${w##*/}"; done | sed 's/ $//')" "$(awk -v x="$wm" 'BEGIN{print x*1000}')" "$(awk -v a="$am" -v w="$wm" 'BEGIN{print a/w}')" \
      "$(awk -v b="$bm" -v w="$wm" 'BEGIN{print b/w}')")")
  fi
  local verdict=met
  [ "$ratio" -ge "$target" ] || verdict=MISSED
  [ "$floor_target" = - ] || awk -v o="$over" -v t="$floor_target" 'BEGIN{exit !(o <= t)}' || verdict=MISSED
  [ "$ar" -le $((10 * 1024)) ] || verdict=MISSED
  rows+=("$(printf '| %s | %.1f ms (%.1f–%.1f) | %.1f ms | %s× | %.1f ms | %s× | %.1f MiB | %.1f MiB | ≥ %s×, %s, ≤ 10 MiB | %s |' "$name" \
    "$(awk -v x="$am" 'BEGIN{print x*1000}')" "$(awk -v x="$lo" 'BEGIN{print x*1000}')" "$(awk -v x="$hi" 'BEGIN{print x*1000}')" \
    "$(awk -v x="$bm" 'BEGIN{print x*1000}')" "$ratio" "$(awk -v x="$fm" 'BEGIN{print x*1000}')" "$over" \
    "$(awk -v x="$ar" 'BEGIN{print x/1024}')" "$(awk -v x="$br" 'BEGIN{print x/1024}')" "$target" \
    "$([ "$floor_target" = - ] && echo "no floor target" || echo "≤ $floor_target× floor")" "$verdict")")
}

harness_floor=0
cal=(); for _ in $(seq 1 15); do r=$(measure /bin/true); cal+=("${r% *}"); done
harness_floor=$(printf '%s\n' "${cal[@]}" | median)
echo "inputs in $work; $runs counted runs per side after a warm-up;" \
  "harness floor (/usr/bin/time around /bin/true): $(awk -v f="$harness_floor" 'BEGIN{printf "%.1f", f*1000}') ms, subtracted per command" >&2
"$bin" -a defaultsecuritykeypairhandle "$bundle" --keystore one.jks --quiet

# Job 1's work floor reads the bundle's certificates and key and does nothing else: OpenSSL 3.0
# decodes every certificate's public key inside d2i_X509 (docs/performance.md).
job "1. import bundle.pem into a new agent_keystore.jks" 40 2.0 \
  "rm -f ours.jks ours.jks.bak ;; $bin -a defaultsecuritykeypairhandle $bundle --keystore ours.jks --quiet" \
  "rm -f t.p12 a.jks ;; openssl pkcs12 -export -in $bundle -inkey $bundle -name defaultsecuritykeypairhandle -passout pass:changeit -out t.p12 ;; keytool -importkeystore -noprompt -srckeystore t.p12 -srcstoretype PKCS12 -srcstorepass changeit -destkeystore a.jks -deststoretype JKS -deststorepass changeit" \
  "$ossl_floor $bundle"
job "2. list a 1-entry keystore (-l)" 40 1.5 \
  "$bin -l --keystore one.jks" "keytool -list -keystore one.jks -storepass changeit"
job "3. list a 1-entry keystore + details of its alias" 40 - \
  "$bin -l --keystore one.jks ;; $bin -g defaultsecuritykeypairhandle --keystore one.jks" \
  "keytool -list -keystore one.jks -storepass changeit ;; keytool -list -v -alias defaultsecuritykeypairhandle -keystore one.jks -storepass changeit"
job "4. list the system Java truststore ($("$bin" -l --keystore $cacerts | tr , '\n' | wc -l) entries)" 50 - \
  "$bin -l --keystore $cacerts" "keytool -list -cacerts -storepass changeit"

# What no OpenSSL-3-based program goes below: load libcrypto, one SHA-1, exit.
f_times=(); f_rss=()
for _ in $(seq 1 15); do r=$(measure "$ossl_floor"); f_times+=("${r% *}"); f_rss+=("${r#* }"); done
f_ms=$(printf '%s\n' "${f_times[@]}" | median | awk -v f="$harness_floor" '{printf "%.1f", ($1 - f) * 1000}')
f_mib=$(printf '%s\n' "${f_rss[@]}" | max | awk '{printf "%.1f", $1 / 1024}')

echo
echo "| job | ours (median, net; p25–p75) | anchor (median, net) | ratio | floor × commands (median, net) | ours / floor | ours peak RSS | anchor peak RSS | target | |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
echo "| floor alone, 15 runs: a program that loads OpenSSL 3 and computes one SHA-1 | $f_ms ms | | | | | $f_mib MiB | | | |"
for c in "${ceilings[@]}"; do
  IFS=: read -r n anchor commands fm <<<"$c"
  echo "job $n: at the OpenSSL floor ($commands × floor, measured alongside: $(awk -v f="$fm" 'BEGIN{printf "%.1f", f*1000}') ms) the ratio could be at most $(awk -v a="$anchor" -v f="$fm" 'BEGIN{printf "%.0f", a / f}')×"
done
printf '%s\n' "${work_ceilings[@]}"

echo
echo "4. scaling (in process, median of $runs): load + list + save of a JKS truststore; keytool -list for comparison"
echo "| entries | file | load | list | encode | write (incl. fsync) | load+list+save | keytool -list (median) |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
declare -A total
for n in 1000 10000 100000; do
  "$engine" gen-truststore "t$n.jks" "$n" "$cacerts"
  results=()
  for _ in $(seq 1 "$runs"); do results+=("$("$engine" cycle "t$n.jks" "o$n.jks")"); done
  col() { printf '%s\n' "${results[@]}" | awk -v c="$1" '{print $c}' | median; }
  tot=$(printf '%s\n' "${results[@]}" | awk '{print $1+$2+$3+$4}' | median); total[$n]=$tot
  kt="-"
  if [ "$n" -le 10000 ]; then
    kts=(); for _ in $(seq 1 "$runs"); do r=$(measure keytool -list -keystore "t$n.jks" -storepass changeit); kts+=("${r% *}"); done
    kt="$(printf '%s\n' "${kts[@]}" | median | awk '{printf "%.0f ms", $1*1000}')"
  fi
  printf '| %s | %s MB | %s ms | %s ms | %s ms | %s ms | %s ms | %s |\n' "$n" "$(($(stat -c %s "t$n.jks") / 1000000))" \
    "$(col 1)" "$(col 2)" "$(col 3)" "$(col 4)" "$tot" "$kt"
  rm -f "o$n.jks" "o$n.jks.bak"
done
growth=$(awk -v a="${total[100000]}" -v b="${total[10000]}" 'BEGIN {printf "%.1f", a / b}')
echo "100k / 10k time: ${growth}× (target ≤ 11×: $(awk -v g="$growth" 'BEGIN{print (g <= 11) ? "met" : "MISSED"}')); 100k load+save: ${total[100000]} ms (target < 1000 ms: $(awk -v t="${total[100000]}" 'BEGIN{print (t < 1000) ? "met" : "MISSED"}'))"

echo
read -r write kdf_floor < <("$engine" pkcs12-floor $((runs * 2 + 1)))
echo "5. PKCS#12 write at 10000 iterations: ${write} ms; OpenSSL's PBKDF2/PKCS#12-KDF work alone: ${kdf_floor} ms;" \
  "ratio $(awk -v a="$write" -v b="$kdf_floor" 'BEGIN{printf "%.2f", a / b}')× (target ≤ 1.2×: $(awk -v a="$write" -v b="$kdf_floor" 'BEGIN{print (a / b <= 1.2) ? "met" : "MISSED"}'))"
read -r write kdf_floor < <("$engine" bcfks-floor $((runs * 2 + 1)))
echo "5b. BCFKS write at 51200 iterations (1 key sealed anew): ${write} ms; OpenSSL's PBKDF2-HMAC-SHA512 work alone: ${kdf_floor} ms;" \
  "ratio $(awk -v a="$write" -v b="$kdf_floor" 'BEGIN{printf "%.2f", a / b}')× (target ≤ 1.2×: $(awk -v a="$write" -v b="$kdf_floor" 'BEGIN{print (a / b <= 1.2) ? "met" : "MISSED"}'))"
# Instruction counts do not depend on what else the machine runs: for comparing builds when the
# wall times above are noisy. From the dynamic loader's first instruction to exit, under callgrind.
if command -v valgrind >/dev/null; then
  ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | grep -oE 'Collected : [0-9]+' | awk '{print $3}'; }
  f_ir=$(ir "$ossl_floor"); w_ir=$(ir "$ossl_floor" "$bundle")
  rm -f ir.jks; a_ir=$(ir "$bin" -a defaultsecuritykeypairhandle "$bundle" --keystore ir.jks --quiet)
  l_ir=$(ir "$bin" -l --keystore one.jks)
  v_ir=$(ir "$bin" --version)
  echo
  echo "6. instructions executed (callgrind; deterministic): floor $(awk -v x="$f_ir" 'BEGIN{printf "%.2f", x/1e6}') M;" \
    "-a $(awk -v x="$a_ir" -v f="$f_ir" -v w="$w_ir" 'BEGIN{printf "%.2f M (%.2f× floor, %.2f× the %.2f M of reading the bundle alone)", x/1e6, x/f, x/w, w/1e6}');" \
    "-l $(awk -v x="$l_ir" -v f="$f_ir" 'BEGIN{printf "%.2f M (%.2f× floor)", x/1e6, x/f}');" \
    "--version (no OpenSSL work: loading and relocating the libraries) $(awk -v x="$v_ir" 'BEGIN{printf "%.2f M", x/1e6}')"
  # The same for today's dynamic build, whose loader also resolves libcrypto.so.3's symbols.
  df_ir=$(ir "$dynamic/tests/openssl_floor"); rm -f ir.jks; da_ir=$(ir "$dynamic/manage-certificates" -a defaultsecuritykeypairhandle "$bundle" --keystore ir.jks --quiet)
  dl_ir=$(ir "$dynamic/manage-certificates" -l --keystore one.jks)
  echo "6b. the dynamic build: floor $(awk -v x="$df_ir" 'BEGIN{printf "%.2f", x/1e6}') M; -a $(awk -v x="$da_ir" -v f="$df_ir" 'BEGIN{printf "%.2f M (%.2f× its floor)", x/1e6, x/f}');" \
    "-l $(awk -v x="$dl_ir" -v f="$df_ir" 'BEGIN{printf "%.2f M (%.2f× its floor)", x/1e6, x/f}'); portable over the dynamic floor: -a $(awk -v x="$a_ir" -v f="$df_ir" 'BEGIN{printf "%.2f×", x/f}'), -l $(awk -v x="$l_ir" -v f="$df_ir" 'BEGIN{printf "%.2f×", x/f}')"
fi

# -r removes every entry but the MID's key pair: its time must grow with the entries, not their
# square (one alias-index rebuild for all removals). 4x the entries: at most 6x the time.
bench_remove_all() {
  local n t
  declare -A took
  for n in 2000 8000; do
    "$engine" gen-truststore "r$n.jks" "$n" "$cacerts"
    local times=()
    for _ in $(seq 1 "$runs"); do
      cp "r$n.jks" "rm$n.jks"; rm -rf security_backup
      t=$(measure "$bin" -r --keystore "rm$n.jks" --quiet); times+=("${t% *}")
    done
    took[$n]=$(printf '%s\n' "${times[@]}" | median | awk '{printf "%.1f", $1*1000}')
    rm -f "r$n.jks" "rm$n.jks"
  done
  local ratio
  ratio=$(awk -v a="${took[8000]}" -v b="${took[2000]}" 'BEGIN {printf "%.2f", a / b}')
  echo "7. -r on a JKS truststore (median of $runs): 2000 entries ${took[2000]} ms, 8000 entries ${took[8000]} ms;" \
    "8000 / 2000 time: ${ratio}x (target <= 6x: $(awk -v r="$ratio" 'BEGIN{print (r <= 6) ? "met" : "MISSED"}'))"
}
echo
bench_remove_all

# compare LABEL=SIDE …: every side once per round after a warm-up, in alternation, so a load
# change hits all sides alike; the median and peak RSS of each go into med[LABEL] and rss[LABEL].
declare -A med rss
compare() {
  local spec label r
  declare -A times=() peaks=()
  for spec in "$@"; do run_side "${spec#*=}" >/dev/null; done
  for _ in $(seq 1 "$runs"); do
    for spec in "$@"; do
      label=${spec%%=*}; r=$(run_side "${spec#*=}")
      times[$label]+="${r% *} "; [ "${r#* }" -gt "${peaks[$label]:-0}" ] && peaks[$label]=${r#* }
    done
  done
  for spec in "$@"; do label=${spec%%=*}; med[$label]=$(tr ' ' '\n' <<<"${times[$label]}" | grep . | median); rss[$label]=${peaks[$label]}; done
}
ms() { awk -v x="${med[$1]}" 'BEGIN{printf "%.1f ms", x*1000}'; }
# verdict A OP B TARGET: "A/B = r× (target OP TARGET: met|MISSED)"
verdict() {
  awk -v a="${med[$1]}" -v b="${med[$3]}" -v op="$2" -v t="$4" 'BEGIN{r = a / b; ok = (op == "<=") ? r <= t : r >= t;
    printf "%.2f× (target %s %s×: %s)", r, op, t, ok ? "met" : "MISSED"}'
}
# mib LABEL [cap]: peak RSS; with "cap", flagged when over the one-entry cases' 10 MiB.
mib() { awk -v k="${rss[$1]}" -v cap="${2:-}" 'BEGIN{printf "%.1f MiB%s", k/1024, (cap == "" || k <= 10*1024) ? "" : " (over 10 MiB: MISSED)"}'; }

echo
echo "8. the portable build ($build) beside the dynamic one ($dynamic), median of $runs, net:"
pbin=$bin dbin=$dynamic/manage-certificates
compare "pa=rm -f pa.jks ;; $pbin -a defaultsecuritykeypairhandle $bundle --keystore pa.jks --quiet" \
        "da=rm -f da.jks ;; $dbin -a defaultsecuritykeypairhandle $bundle --keystore da.jks --quiet" \
        "pl=$pbin -l --keystore one.jks" "dl=$dbin -l --keystore one.jks" \
        "dfloor=$dynamic/tests/openssl_floor" "sfloor=$build/tests/openssl_floor" \
        "wfloor=$build/tests/openssl_floor --durable wfloor.jks"
echo "| | portable (static, $("$pbin" --version | grep -oE 'OpenSSL [0-9.]+' | head -1)) | dynamic ($("$dbin" --version | grep -oE 'OpenSSL [0-9.]+' | head -1)) |"
echo "| --- | --- | --- |"
echo "| -a bundle.pem into a new keystore | $(ms pa), $(mib pa cap) | $(ms da), $(mib da cap) |"
echo "| -l of a 1-entry keystore | $(ms pl), $(mib pl cap) | $(ms dl), $(mib dl cap) |"
echo "| hash-once floor | $(ms sfloor) | $(ms dfloor) |"
echo "| hash-once floor + one durable 4 KiB replace (write, fsync, rename, fsync the folder) | $(ms wfloor) | |"
echo "-a: portable / dynamic floor $(verdict pa '<=' dfloor 1.0); portable / static floor $(verdict pa '<=' sfloor 1.6); dynamic build / dynamic floor $(verdict da '<=' dfloor 1.0)"
echo "-a: portable / static floor with the durable replace every write command owes $(verdict pa '<=' wfloor 1.6)"
echo "-l: portable / dynamic floor $(verdict pl '<=' dfloor 0.8); dynamic build / dynamic floor $(verdict dl '<=' dfloor 0.8)"

echo
echo "9. a 2000-certificate PKCS#12 truststore (the same certificates in JKS beside it), median of $runs, net:"
"$engine" gen-truststore t2000.jks 2000 "$cacerts"
"$bin" convert t2000.p12 --to pkcs12 --keystore t2000.jks --quiet
awk '/BEGIN CERTIFICATE/{p=1} p{print} /END CERTIFICATE/{exit}' "$bundle" >leaf.pem
compare "p12=$pbin -l --keystore t2000.p12" "jks=$pbin -l --keystore t2000.jks" \
        "kt12=keytool -list -keystore t2000.p12 -storetype PKCS12 -storepass changeit" \
        "a12=cp t2000.p12 a.p12 ;; $pbin -a defaultsecuritykeypairhandle $bundle --keystore a.p12 --quiet" \
        "kta12=cp t2000.p12 k.p12 ;; keytool -importcert -noprompt -alias extra -file leaf.pem -keystore k.p12 -storetype PKCS12 -storepass changeit"
echo "| | ours (portable) | keytool |"
echo "| --- | --- | --- |"
echo "| -l of the PKCS#12 truststore | $(ms p12), $(mib p12) | $(ms kt12) |"
echo "| -l of the same certificates in JKS | $(ms jks), $(mib jks) | |"
echo "| -a bundle.pem into it / keytool -importcert | $(ms a12), $(mib a12) | $(ms kta12) |"
echo "-l PKCS#12 / JKS $(verdict p12 '<=' jks 3); keytool -list / ours $(verdict kt12 '>=' p12 20); keytool -importcert / our -a $(verdict kta12 '>=' a12 5)"

echo
echo "machine: $(nproc) cores, $(awk '/model name/{$1=$2=$3="";print;exit}' /proc/cpuinfo | sed 's/^ *//'), $(free -g | awk '/Mem:/{print $2}') GiB; $(openssl version); $(java -version 2>&1 | head -1)"
