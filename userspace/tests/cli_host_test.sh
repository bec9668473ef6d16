#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The CLI's exit codes and messages on the host, whose kernel lacks the
# feature: 2 with a message naming it, 1 for bad usage, 0 for --help.
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}" "${O:=$TOP/build/userspace}"
. "$TOP/scripts/tap/tap.sh"
CLI=$O/randepoch
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

# expect RC GREP_STDERR ARGS...: exit code and a word of the message.
expect() {
	want=$1
	pat=$2
	shift 2
	"$CLI" "$@" >"$out" 2>"$err"
	rc=$?
	if [ $rc = "$want" ] && grep -q -- "$pat" "$err" "$out"; then
		tap_pass "randepoch $* -> $rc"
	else
		tap_fail "randepoch $* -> $rc, want $want and '$pat'"
		sed 's/^/# /' "$err"
	fi
}

tap_plan 17
if "$CLI" show >/dev/null 2>&1; then
	for i in 1 2 3 4 5 6; do
		tap_skip "this kernel has the epoch page"
	done
else
	expect 2 "no /dev/random epoch page" show
	expect 2 "no /dev/random epoch page" show --raw
	expect 2 "no /dev/random epoch page" show --source vdso
	expect 2 "no /dev/random epoch page" show --source mmap
	expect 2 "no /dev/random epoch page" watch --count 1
	expect 2 "no /dev/random epoch page" bump --avoid 0x02000001
fi
expect 0 "usage:" --help
expect 0 "usage:" bump --help
expect 1 "no command"
expect 1 "unknown command 'frob'" frob
expect 1 "bad option '--bogus'" show --bogus
expect 1 "unexpected argument 'extra'" show extra
expect 1 "--source is vdso or mmap, not 'foo'" show --source foo
expect 1 "needs a 32-bit hex word" bump --avoid 0x123456789
expect 1 "needs a 32-bit hex word" bump --avoid zz
expect 1 "bad number '0'" watch --count 0
expect 1 "bad number '-5'" watch --timeout-ms -5
tap_exit
