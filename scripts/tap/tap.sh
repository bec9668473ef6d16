# SPDX-License-Identifier: GPL-2.0
# TAP for the shell tests, the counterpart of tap.h (C) and the tap module
# (Python) in this directory. Source it: ". tap.sh" (the guest has it in
# PATH) or ". "$TOP/scripts/tap/tap.sh"".
#
#   tap_plan N		"TAP version 13" and "1..N"
#   tap_result RC NAME	"ok" if RC (a command's $?) is 0, else "not ok";
#			returns 0 for ok, so "tap_result $? NAME || diag" works
#   tap_pass NAME, tap_fail NAME
#   tap_skip WHY		"ok N # SKIP WHY"
#   tap_skip_all WHY	"1..0 # SKIP WHY", exit 4 (kselftest's skip)
#   tap_diag MSG...	"# MSG"
#   tap_exit		exit 0 if nothing failed, else 1

tap_n=0
tap_failed=0

tap_plan() {
	echo "TAP version 13"
	echo "1..$1"
}

tap_result() {
	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $tap_n $2"
	else
		echo "not ok $tap_n $2"
		tap_failed=1
	fi
	[ "$1" = 0 ]
}

tap_pass() {
	tap_result 0 "$1"
}

tap_fail() {
	tap_result 1 "$1"
}

tap_skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $1"
}

tap_skip_all() {
	echo "1..0 # SKIP $1"
	exit 4
}

tap_diag() {
	echo "# $*"
}

tap_exit() {
	[ "$tap_failed" = 0 ] && exit 0
	exit 1
}
