#!/usr/bin/env bash
# Injected syscall failures (issue 23): every write command, failed at every occurrence of every
# file syscall it really makes, must end in the complete old or the complete new state and say so.
#
# For each command (-a into the MID keystore, -m, -b, -d, renew, passwd, convert --to pkcs12) a
# clean run under `strace -y` lists the syscalls it makes. Then, for every occurrence N of write,
# pwrite64, writev, fsync, fdatasync, sync_file_range, rename/renameat/renameat2, open/openat,
# fchmod(at), chmod, fchown(at), flock, link(at), unlink(at), mkdir(at), ftruncate that touches the
# agent folder (a file we keep), an input file or stdout/stderr, the command runs again on a fresh
# copy of the same agent folder under `strace -e inject=SYSCALL:error=E:when=N`, for E in EIO,
# ENOSPC and EINTR. Every such occurrence is injected, none sampled. Not injected: occurrences
# that touch nothing of ours (the dynamic loader's libraries, openssl.cnf, /etc/localtime): they
# happen before or beside the file work, the same for every command. The counts come from the
# binary under test, so a changed write path is covered without editing this script.
#
# After each run every file of the agent folder is OLD (as before), NEW (as the clean run left it)
# or OTHER: keystores by the tool's own `-l --json` (aliases, entry types, SHA-256 fingerprints,
# and which password opens them), the audit trail with its timestamps masked, everything else
# (config.xml, config.xml.bak, backups in security_backup/) by its bytes. The rules (the issue's):
#   - no OTHER file, no stray file (a temporary file, a second backup) left anywhere;
#   - exit 0 => every file NEW, and the fault was not a failed write/fsync/rename of a file we
#     keep (that must fail the command); an injected EINTR must be retried: exit 0, all NEW;
#   - exit != 0 => every file OLD or every file NEW, exit 4 (a file could not be read or
#     written), the message names the reason (strerror's words), and a message saying nothing
#     was changed (BACKUP_FAILED, "nothing was written") comes with every file OLD;
#   - passwd: the keystore opens with the password config.xml names (else MISMATCH).
# An unlink failing with EIO/ENOSPC on a temporary file leaves that file: not counted as a stray
# (the removal itself failed; the next writer removes it, reliability_test.sh checks that).
#
#   fault_injection_test.sh <manage-certificates> <source dir> [--report]
#   --report              print the table and the violations, exit 0 whatever they are
#   FAULT_COMMANDS="-a -m"   only these commands (default: -a -m -b -d renew passwd convert)
#   FAULT_ERRORS="EIO"       only these errors (default: EIO ENOSPC EINTR)
#   FAULT_JOBS=N             commands run N at a time (default 2, the CI machine's cores)
#   FAULT_DETAIL=N           violations shown per command and rule (default 2)
#   FAULT_LOG=FILE           every violation, one a line, kept in FILE
set -uo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); src=$2
report=0; [ "${3:-}" = --report ] && report=1
source "$src/tests/interop/lib.sh"
require strace keytool openssl
export LC_ALL=C
strace -f -qq -o /dev/null -e inject=getpid:error=EIO:when=1 true 2>/dev/null ||
  skip_test "strace cannot trace here (ptrace refused: container seccomp or kernel.yama.ptrace_scope)"

commands=${FAULT_COMMANDS:-"-a -m -b -d renew passwd convert"}
errors=${FAULT_ERRORS:-"EIO ENOSPC EINTR"}
jobs=${FAULT_JOBS:-2}
detail=${FAULT_DETAIL:-2}
log=${FAULT_LOG:-$work/violations.log}
declare -A reason=([EIO]="Input/output error" [ENOSPC]="No space left on device" [EINTR]="Interrupted system call")
syscalls=write,pwrite64,writev,fsync,fdatasync,sync_file_range,rename,renameat,renameat2,open,openat,openat2,fchmod,fchmodat,chmod,fchown,fchownat,chown,lchown,flock,link,linkat,unlink,unlinkat,mkdir,mkdirat,ftruncate,copy_file_range
# A failure of one of these on a file we keep must never end in exit 0 (it may not be on disk).
write_like='^(write|pwrite64|writev|fsync|fdatasync|sync_file_range|rename|renameat|renameat2|ftruncate|copy_file_range)$'
rules=(OTHER stray exit0 exit0_not_new mixed eintr bad_exit no_reason false_unchanged mismatch)

export FI_OLD_PASS=changeit FI_NEW_PASS='n3w-St0re-pass' FI_MIDWSS_PASS=midwsspass FI_INSTANCE_PASS='inst-Pass-1'
start=$(date +%s)

# ---- the agent folders the commands start from (made by keytool and openssl, as a MID has them) ----
gen_agent "$work/gen" >/dev/null || { echo "gen-mid-agent.sh failed"; exit 1; }
inputs=$work/gen
base_plain=$work/base.plain; cp -a "$inputs/agent" "$base_plain"   # self-signed MID key, basic auth
# base.ca: the CA-issued bundle imported (what -m and renew need); base.mutual: then -m (what -b
# reverts). Their backups and config.xml.bak are dropped, as an admin does once the MID connects,
# so that everything a command leaves behind is its own.
base_ca=$work/base.ca; cp -a "$base_plain" "$base_ca"
"$bin" -a defaultsecuritykeypairhandle "$inputs/bundle.pem" --agent-dir "$base_ca" --quiet >/dev/null 2>&1 || { echo "making base.ca failed"; exit 1; }
rm -rf "$base_ca/security_backup"
base_mutual=$work/base.mutual; cp -a "$base_ca" "$base_mutual"
"$bin" -m --agent-dir "$base_mutual" --quiet >/dev/null 2>&1 || { echo "making base.mutual failed"; exit 1; }
rm -rf "$base_mutual/security_backup" "$base_mutual/config.xml.bak"
# As root, the folders belong to another user (the MID's service account), so that the owner a
# replacement keeps is set with fchown, and that fchown is failed too.
[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$base_plain" "$base_ca" "$base_mutual"

# command_setup NAME: sets $base (the folder it starts from) and $args (its arguments) for $agent.
command_setup() {
  case $1 in
    -a) base=$base_plain; args=(-a DefaultSecurityKeyPairHandle "$inputs/bundle.pem") ;;
    -m) base=$base_ca; args=(-m) ;;
    -b) base=$base_mutual; args=(-b midsvc --instance-password-env FI_INSTANCE_PASS) ;;
    -d) base=$base_plain; args=(-d midwss) ;;
    renew) base=$base_ca; args=(renew defaultsecuritykeypairhandle "$inputs/renewed-leaf.pem") ;;
    passwd) base=$base_plain; args=(passwd --storepass-env FI_OLD_PASS --new-storepass-env FI_NEW_PASS) ;;
    convert) base=$base_plain; args=(convert "$agent/security/agent_keystore.p12" --to pkcs12 --keypass-env FI_MIDWSS_PASS) ;;
    *) echo "unknown command in FAULT_COMMANDS: $1"; exit 1 ;;
  esac
  args+=(--agent-dir "$agent")
}
fresh_agent() { rm -rf "$agent" && cp -a "$base" "$agent"; }

# ---- what a folder holds, file by file ----
# mask NAME: sets $masked, NAME with its backup time stamps (agent_keystore.20261204-063729.800)
# as @STAMP, so a run's backup and the clean run's have the same name here.
stamp_re='^(.*)[0-9]{8}-[0-9]{6}\.[0-9]{3}(.*)$'
mask() { masked=$1; while [[ $masked =~ $stamp_re ]]; do masked=${BASH_REMATCH[1]}@STAMP${BASH_REMATCH[2]}; done; }
is_keystore() { [[ $1 == security/agent_keystore || $1 == security/agent_keystore.p12 ]]; }
# keystore_digest FILE: which password opens it and what it holds (alias, type, leaf SHA-256).
keystore_digest() {
  local pass json
  for pass in "$FI_OLD_PASS" "$FI_NEW_PASS"; do
    if json=$(FI_LIST_PASS=$pass "$bin" -l --json --keystore "$1" --storepass-env FI_LIST_PASS 2>/dev/null); then
      echo "pass=$pass $(grep -o '"alias":"[^"]*","entry_type":"[^"]*"\|"sha256":"[^"]*"' <<<"$json" | tr '\n' ' ')"
      return
    fi
  done
  echo UNLOADABLE
}
# content_digest REL FILE: what "the same file" means for REL when its bytes differ.
content_digest() {
  if is_keystore "$1"; then keystore_digest "$2"
  elif [[ $1 == *.log ]]; then
    sed -E 's/[0-9]{8}-[0-9]{6}\.[0-9]{3}/@STAMP/g; s/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/@TIME/g' "$2" | sha256sum
  else echo "bytes differ"; fi
}
# snapshot DIR PREFIX [lazy]: PREFIX_raw[masked name] = sha256 (DUP: two files under one masked
# name), PREFIX_path[masked name] = the real name and, unless lazy, PREFIX_dig[masked name].
snapshot() {
  local dir=$1 sum rel
  unset "$2_raw" "$2_dig" "$2_path"; declare -gA "$2_raw=()" "$2_dig=()" "$2_path=()"
  local -n raw=$2_raw dig=$2_dig path=$2_path
  while read -r sum rel; do
    rel=${rel#./}; mask "$rel"
    if [ -n "${raw[$masked]:-}" ]; then raw[$masked]=DUP; continue; fi
    raw[$masked]=$sum; path[$masked]=$rel
    [ "${3:-}" = lazy ] || dig[$masked]=$(content_digest "$masked" "$dir/$rel")
  done < <(cd "$dir" && find . -type f -exec sha256sum {} +)
}

# occurrences TRACE: "SYSCALL N LABEL" for every occurrence that touches the agent folder (kept),
# an input file (input) or stdout/stderr (out), numbered as strace's when= counts (per syscall,
# in the command's own process).
occurrences() {
  awk -v agent="$agent" -v inputs="$inputs/" '
    { pid = $1; if (first == "") first = pid; if (pid != first) next
      line = $0; sub(/^[0-9]+ +/, "", line); name = line; sub(/\(.*/, "", name)
      if (name !~ /^[a-z0-9_]+$/) next
      n = ++count[name]
      if (index(line, agent "/") || index(line, agent ">") || index(line, agent "\"")) label = "kept"
      else if (index(line, inputs)) label = "input"
      else if (line ~ /^(write|writev|pwrite64)\([12]</) label = "out"
      else next
      print name, n, label }' "$1"
}

# ---- one faulted run ($cmd, $sc, $n, $label, $err), classified ----
fd_re='^[0-9]+ +[a-z0-9_]+\([0-9]+<([^>]*)>(, "([^"]*)")?'
quoted_re='^[0-9]+ +[a-z0-9_]+\([^"]*"([^"]*)"'
violation() {  # violation RULE TEXT: counted; the first $detail of each rule shown
  count[$1]=$((${count[$1]:-0} + 1)); run_failed=1
  local line="$cmd: $sc#$n ($label $target) $err -> exit $rc [$states]: $1: $2"
  echo "$line" >> "$log.$cmd"
  [ "${count[$1]}" -le "$detail" ] && echo "     $line"
}
faulted_run() {
  fresh_agent
  strace -f -qq -y -o "$run_dir/injected.trace" -e trace="$sc" -e inject="$sc:error=$err:when=$n" \
    "$bin" "${args[@]}" > "$run_dir/stdout" 2> "$run_dir/stderr"; rc=$?
  count[faults]=$((${count[faults]:-0} + 1))
  local hit='' l
  while IFS= read -r l; do [[ $l == *'(INJECTED)'* ]] && { hit=$l; break; }; done < "$run_dir/injected.trace"
  if [ -z "$hit" ]; then count[missed]=$((${count[missed]:-0} + 1)); return; fi
  # What the failed call was about: its file descriptor's path (with the name, for *at calls), or its first path.
  target=?
  if [[ $hit =~ $fd_re ]]; then target=${BASH_REMATCH[1]}; [[ $sc == *at && -n ${BASH_REMATCH[3]} ]] && target+=/${BASH_REMATCH[3]}
  elif [[ $hit =~ $quoted_re ]]; then target=${BASH_REMATCH[1]}; fi

  snapshot "$agent" cur lazy
  local rel o w c s olds=0 news=0 others=0 strays=0; states=''
  local -A seen=()
  mask "${target#"$agent/"}"; local failed_removal=''
  [[ $sc == unlink* && $err != EINTR ]] && failed_removal=$masked
  for rel in "${!old_raw[@]}" "${!new_raw[@]}" "${!cur_raw[@]}"; do
    [ -n "${seen[$rel]:-}" ] && continue; seen[$rel]=1
    o=${old_raw[$rel]:-ABSENT} w=${new_raw[$rel]:-ABSENT} c=${cur_raw[$rel]:-ABSENT}
    [ "$o" = "$w" ] && [ "$c" = "$o" ] && continue          # not the command's to change, and unchanged
    if [ "$o" = ABSENT ] && [ "$w" = ABSENT ]; then           # a file neither state has
      [ "$rel" = "$failed_removal" ] || { strays=$((strays + 1)); states+=" stray:${cur_path[$rel]:-$rel}"; }
      continue
    fi
    if [ "$o" = "$w" ]; then s=OTHER                          # changed, though the command leaves it alone
    elif [ "$c" = "$o" ]; then s=OLD
    elif [ "$c" = "$w" ]; then s=NEW
    elif [ "$c" = ABSENT ] || [ "$c" = DUP ]; then s=OTHER
    else
      local d; d=$(content_digest "$rel" "$agent/${cur_path[$rel]}")
      if [ "$d" = "${old_dig[$rel]:-}" ]; then s=OLD
      elif [ "$d" = "${new_dig[$rel]:-}" ]; then s=NEW
      else s=OTHER; fi
    fi
    case $s in OLD) olds=$((olds + 1)) ;; NEW) news=$((news + 1)) ;; *) others=$((others + 1)) ;; esac
    states+=" $rel=$s"
  done
  states=${states# }
  local ended=OLD
  if [ $others -gt 0 ]; then ended=OTHER
  elif [ $olds -gt 0 ] && [ $news -gt 0 ]; then ended=MIXED
  elif [ $news -gt 0 ]; then ended=NEW; fi
  count[$ended]=$((${count[$ended]:-0} + 1))

  local stderr_text first_error=''; stderr_text=$(<"$run_dir/stderr")
  while IFS= read -r l; do [[ $l == error* ]] && { first_error=${l:0:200}; break; }; done <<<"$stderr_text"
  run_failed=0
  [ "$ended" = OTHER ] && violation OTHER "a file neither old nor new"
  [ $strays -gt 0 ] && violation stray "a file left behind"
  if [ "$cmd" = passwd ] && [ "$ended" != OTHER ]; then
    # Not -l's own default: without the right password it lists anyway, with a warning (as keytool).
    local named=changeit
    [[ $(<"$agent/config.xml") =~ name=\"mid\.keystore\.password\"[^\>]*value=\"([^\"]*)\" ]] && named=${BASH_REMATCH[1]}
    FI_LIST_PASS=$named "$bin" -l --keystore "$agent/security/agent_keystore" --storepass-env FI_LIST_PASS >/dev/null 2>&1 ||
      violation mismatch "the keystore does not open with the password config.xml names ('$named')"
  fi
  if [ $rc -eq 0 ]; then
    [ "$ended" = OLD ] || [ "$ended" = MIXED ] && violation exit0_not_new "exit 0, but the folder ended $ended"
    [ "$err" != EINTR ] && [ "$label" = kept ] && [[ $sc =~ $write_like ]] &&
      violation exit0 "exit 0 although this $sc of a file we keep failed"
  else
    [ "$ended" = MIXED ] && violation mixed "exit $rc with some files old, some new"
    if [ "$err" = EINTR ]; then violation eintr "EINTR not retried: $first_error"
    else
      [ $rc -eq 4 ] || violation bad_exit "exit $rc, not 4: $first_error"
      [[ $stderr_text == *"${reason[$err]}"* ]] || violation no_reason "no '${reason[$err]}' in the message: $first_error"
    fi
    [[ $stderr_text =~ BACKUP_FAILED|nothing\ (was|is)\ (changed|written) ]] && [ $news -gt 0 ] &&
      violation false_unchanged "the message says nothing changed: $first_error"
  fi
  [ $run_failed = 0 ] || count[failing]=$((${count[failing]:-0} + 1))
}

# ---- one command: its clean run, then every fault; the counts into $work/counts.CMD ----
fault_command() {
  cmd=$1; run_dir=$work/run.$2; agent=$run_dir/agent; mkdir -p "$run_dir"; cd "$run_dir" || exit 1
  declare -gA count=()
  command_setup "$cmd"
  fresh_agent; snapshot "$agent" old
  strace -f -qq -y -o "$run_dir/clean.trace" -e trace="$syscalls" "$bin" "${args[@]}" > "$run_dir/stdout" 2> "$run_dir/stderr"
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL $cmd: the clean run exits $rc"; sed 's/^/     /' "$run_dir/stderr" | head -5
    count[clean_failed]=1; declare -p count > "$work/counts.$cmd"; return
  fi
  snapshot "$agent" new
  local todo e t0=$SECONDS
  mapfile -t todo < <(occurrences "$run_dir/clean.trace")
  for e in "${todo[@]}"; do
    read -r sc n label <<<"$e"
    for err in $errors; do faulted_run; done
  done
  count[occ]=${#todo[@]} count[secs]=$((SECONDS - t0))
  count[syscalls]=$(printf '%s\n' "${todo[@]}" | awk '{ n[$1]++ } END { for (s in n) printf "%s×%d ", s, n[s] }')
  declare -p count > "$work/counts.$cmd"
}

slot=0
for cmd in $commands; do
  case $cmd in -a|-m|-b|-d|renew|passwd|convert) ;; *) echo "unknown command in FAULT_COMMANDS: $cmd"; exit 1 ;; esac
  slot=$((slot + 1))
  (fault_command "$cmd" "$slot" > "$work/output.$cmd" 2>&1) &
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
done
wait

# ---- the violations shown, then the table ----
: > "$log"
for cmd in $commands; do
  cat "$work/output.$cmd"
  [ -f "$log.$cmd" ] && cat "$log.$cmd" >> "$log"
done
row() { printf '%-8s %5s %6s %5s %5s %5s %5s %6s %7s %5s %8s %6s %6s %7s %9s %4s %7s %5s\n' "$@"; }
echo
row command occur faults OLD NEW mixed OTHER exit0! e0-old EINTR mismatch strays reason badexit unchanged! miss failing secs
total_failing=0 total_faults=0
for cmd in $commands; do
  unset count; declare -A count=(); source "$work/counts.$cmd" 2>/dev/null || { echo "FAIL $cmd: no counts"; failed=$((failed + 1)); continue; }
  [ -n "${count[clean_failed]:-}" ] && { failed=$((failed + 1)); continue; }
  v() { echo "${count[$1]:-0}"; }
  row "$cmd" "$(v occ)" "$(v faults)" "$(v OLD)" "$(v NEW)" "$(v MIXED)" "$(v OTHER)" "$(v exit0)" "$(v exit0_not_new)" "$(v eintr)" \
    "$(v mismatch)" "$(v stray)" "$(v no_reason)" "$(v bad_exit)" "$(v false_unchanged)" "$(v missed)" "$(v failing)" "$(v secs)"
  total_failing=$((total_failing + $(v failing))); total_faults=$((total_faults + $(v faults)))
done
cat <<'KEY'
  occur: occurrences injected, each with every error; OLD/NEW/mixed/OTHER: how the folder ended;
  exit0!: exit 0 although a write/fsync/rename of a kept file failed; e0-old: exit 0, not all
  NEW; EINTR: not retried; mismatch: passwd's keystore does not open with config.xml's password;
  strays: runs leaving a file neither state has; reason: exit != 0 without strerror's words;
  badexit: exit not 0 or 4; unchanged!: "nothing changed"/BACKUP_FAILED said while a file was
  NEW; miss: occurrence not reached; failing: runs breaking at least one rule
KEY
for cmd in $commands; do
  unset count; declare -A count=(); source "$work/counts.$cmd" 2>/dev/null && echo "  $cmd syscalls injected: ${count[syscalls]:-}"
done
echo "$total_faults faults injected, $total_failing runs break a rule, $(($(date +%s) - start)) s in all$([ -n "${FAULT_LOG:-}" ] && echo " (every violation: $log)")"
[ "$report" = 1 ] && exit 0
check "every injected fault ends old-or-new, with an honest exit code and message ($total_faults faults)" '[ $total_failing -eq 0 ] && [ $total_faults -gt 0 ]'
finish
