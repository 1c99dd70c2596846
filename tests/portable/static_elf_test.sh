#!/usr/bin/env bash
# The shipped binary needs nothing from the host: no program interpreter, no NEEDED entry, no
# versioned symbol to bind against the host's glibc; and it says which OpenSSL it carries.
#   static_elf_test.sh <manage-certificates> <source dir>
set -uo pipefail
bin=$1; src=$2
source "$src/tests/interop/lib.sh"
require readelf objdump
run_cmd readelf -lW "$bin"
check "no program interpreter (PT_INTERP)" '[ $rc -eq 0 ] && ! grep -q "INTERP" <<<"$out"'
check "loaded at a random address (static-pie: ELF type DYN)" 'readelf -hW "$bin" | grep -q "Type:.*DYN"'
run_cmd readelf -dW "$bin"
check "no NEEDED entry" '! grep -q "(NEEDED)" <<<"$out"'
run_cmd objdump -T "$bin"
check "no symbol bound to a glibc version" '! grep -q "GLIBC_" <<<"$out"'
run_cmd env -i "$bin" --version
check "--version names the OpenSSL 3.5 inside, built in" '[ $rc -eq 0 ] && grep -q "^OpenSSL 3\.5\.[0-9]* .*built in" <<<"$out"'
finish
