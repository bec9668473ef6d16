# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the build scripts: paths and progress lines.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
LOGS=$BUILD/logs
KSRC=$BUILD/linux		# patched source tree
KPRISTINE=$BUILD/src/linux-source-6.12
KOBJ=$BUILD/obj			# out-of-tree kernel objects
KTARBALL=/usr/src/linux-source-6.12.tar.xz
mkdir -p "$LOGS"

: "${RANDEPOCH_T0:=$(date +%s)}"
export RANDEPOCH_T0

# step MESSAGE: one progress line with the seconds since the command started.
step() {
	printf '[%4ds] %s\n' $(($(date +%s) - RANDEPOCH_T0)) "$*"
}

die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# run_logged LOG CMD...: run CMD with its output in LOG; on failure show the
# end of LOG and fail.
run_logged() {
	local log=$1
	shift
	if ! "$@" >"$log" 2>&1; then
		echo "---- last 40 lines of $log ----" >&2
		tail -n 40 "$log" >&2
		die "'$*' failed (full log: $log)"
	fi
}
