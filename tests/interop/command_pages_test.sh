#!/usr/bin/env bash
# Commands own their options and their pages: a foreign option is a usage error naming the
# command; every command's --help has USAGE, OPTIONS, EXAMPLES and EXIT CODES, and every example
# on it parses; the man page and the completion come from the same tables.
#   command_pages_test.sh <manage-certificates> <source dir>
set -uo pipefail
bin=$1
. "$2/tests/interop/lib.sh"
cd "$work"
commands="-a -g -l -d -r -m -b -s csr split verify renew expiry convert passwd doctor"

for c in $commands; do
  out=$("$bin" "$c" --help 2>&1); rc=$?
  check "$c --help: exit 0 with USAGE, OPTIONS, EXAMPLES and EXIT CODES" \
    '[ $rc -eq 0 ] && grep -q "^USAGE" <<<"$out" && grep -q "^OPTIONS" <<<"$out" && grep -q "^EXAMPLES" <<<"$out" && grep -q "^EXIT CODES" <<<"$out"'
  examples=$(sed -n '/^EXAMPLES/,/^EXIT CODES/p' <<<"$out" | grep "^  manage-certificates ")
  check "$c --help: two or three examples" 'n=$(grep -c . <<<"$examples"); [ "$n" -ge 2 ] && [ "$n" -le 3 ]'
  # Each example parses: the parser checks every option against the command before --help prints.
  bad=0
  while IFS= read -r example; do
    eval "set -- ${example#  manage-certificates }"
    "$bin" "$@" --help >/dev/null 2>&1 || { bad=1; echo "     example does not parse: $example"; }
  done <<<"$examples"
  check "$c --help: every example uses only options of $c" '[ $bad -eq 0 ]'
done

out=$("$bin" -l --san DNS:x 2>&1); rc=$?
check "-l --san: exit 1, names the option and the command" '[ $rc -eq 1 ] && grep -q -- "--san is not an option of -l" <<<"$out" && grep -q -- "-l --help" <<<"$out"'
out=$("$bin" -a --prune 2>&1); rc=$?
check "-a --prune: exit 1 (renew's option)" '[ $rc -eq 1 ] && grep -q -- "--prune is not an option of -a" <<<"$out"'
out=$("$bin" --json -l --long --url https://x 2>&1); rc=$?
check "a foreign option with --json: the error as JSON, exit 1" '[ $rc -eq 1 ] && grep -q "\"exit_code\":1" <<<"$out"'
out=$("$bin" -a --help 2>&1); rc=$?
check "-a --help: no 'only one command' error, and -a's options only" '[ $rc -eq 0 ] && grep -q -- "--storetype" <<<"$out" && ! grep -q -- "--prune" <<<"$out"'
out=$("$bin" --keystore x.jks 2>&1); rc=$?
check "an option without a command: exit 1" '[ $rc -eq 1 ] && grep -q "no command" <<<"$out"'
out=$("$bin" --help 2>&1); rc=$?
check "--help: the command list and every exit code 0-10" '[ $rc -eq 0 ] && grep -q "^  doctor" <<<"$out" && grep -qE "^  10 +an internal error" <<<"$out"'

man=$("$bin" --man); rc=$?
check "--man: a roff page with every command and exit status" '[ $rc -eq 0 ] && grep -q "^\.TH MANAGE-CERTIFICATES 1" <<<"$man" && grep -q "^\.SH EXIT STATUS" <<<"$man" && [ "$(grep -c "^\.SS" <<<"$man")" -eq 16 ]'
if command -v groff >/dev/null 2>&1 || command -v nroff >/dev/null 2>&1; then
  warnings=$( (nroff -man -ww <<<"$man" >/dev/null) 2>&1)
  check "the man page renders without warnings" '[ -z "$warnings" ]'
fi

"$bin" --bash-completion > completion.bash
complete_words() {  # complete_words WORD... : what completion offers for the last word
  COMP_WORDS=(manage-certificates "$@"); COMP_CWORD=$#
  COMPREPLY=(); _manage_certificates; echo "${COMPREPLY[*]}"
}
check "completion: loads in bash" 'bash -n completion.bash && . ./completion.bash'
check "completion: renew --p offers --prune" '[[ " $(complete_words renew --p) " == *" --prune "* ]]'
check "completion: -l --p offers nothing of renew" '[[ " $(complete_words -l --p) " != *" --prune "* ]]'
check "completion: the first word offers the commands" '[[ " $(complete_words do) " == *" doctor "* ]]'

finish
