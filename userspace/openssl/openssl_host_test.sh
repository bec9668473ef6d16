#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# randepoch.so as an unmodified openssl(1) loads it from openssl.cnf (the
# snippet of docs/openssl.md): listed, "openssl rand", a TLS 1.3 handshake
# between s_server and s_client on 127.0.0.1, and, on this host kernel
# without the epoch page, the "no feature" error. Each success is paired
# with the same command failing without allow_no_epoch, which shows that
# the config really routes RAND_bytes through the provider.
# With --print-conf MODULE it prints that config instead, with
# --print-dropin MODULE the system-wide drop-in (randepoch-openssl).
: "${O:=$(cd "$(dirname "$0")/../.." && pwd)/build/userspace}"
SO=$(cd "$O" 2>/dev/null && pwd)/randepoch.so
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# ok RC NAME: the TAP line; on failure the command's stderr too.
ok() {
	tap_result "$1" "$2" ||
		{ [ -s "$dir/err" ] && sed 's/^/# /' "$dir/err" | head -5; }
}

# The config text, the certificate and the handshake, shared with
# openssl_system_test.sh and the build.
. "$(dirname "$0")/ossl_test_lib.sh"

# --print-conf MODULE: only print the config (for the guest), then exit.
# --print-dropin MODULE: only print what randepoch-openssl enable includes
# system-wide: the provider sections with allow_no_epoch = 1, so that a
# kernel without the epoch page keeps every OpenSSL program working.
case $1 in
--print-conf)
	conf /dev/stdout "$2" ""
	exit 0
	;;
--print-dropin)
	cat <<EOC
# randepoch.so for every OpenSSL program: included at the end of
# openssl.cnf by "randepoch-openssl enable" (docs/openssl.md, System-wide).
# Reopens Debian's sections [openssl_init], [provider_sect], [default_sect]
# (later values win). allow_no_epoch = 1: on a kernel without the epoch
# page RANDEPOCH still works, fork-safe only (epoch_source none).

EOC
	conf_sections "$2" "allow_no_epoch = 1"
	exit 0
	;;
esac

. "$(dirname "$0")/../../scripts/tap/tap.sh"
tap_plan 8
if "$O/randepoch" show --raw >/dev/null 2>&1; then
	has_epoch=1
	conf "$dir/fork.cnf" "$SO" ""
else
	has_epoch=0
	conf "$dir/fork.cnf" "$SO" "allow_no_epoch = 1"
fi
conf "$dir/strict.cnf" "$SO" ""

OPENSSL_CONF=$dir/fork.cnf openssl list -random-generators >"$dir/out" 2>"$dir/err"
grep -q "RANDEPOCH.*@ randepoch" "$dir/out"
ok $? "openssl list -random-generators shows RANDEPOCH @ randepoch"

OPENSSL_CONF=$dir/fork.cnf openssl rand -hex 32 >"$dir/r1" 2>"$dir/err" &&
	OPENSSL_CONF=$dir/fork.cnf openssl rand -hex 32 >"$dir/r2" 2>>"$dir/err" &&
	! cmp -s "$dir/r1" "$dir/r2"
ok $? "OPENSSL_CONF=... openssl rand -hex 32 (twice, different)"

if [ $has_epoch = 1 ]; then
	tap_skip "this kernel has the epoch page"
	tap_skip "this kernel has the epoch page"
else
	! OPENSSL_CONF=$dir/strict.cnf openssl rand -hex 32 >"$dir/out" 2>"$dir/err"
	ok $? "no epoch page, no allow_no_epoch: openssl rand fails"
	grep -q "no /dev/random epoch page" "$dir/err"
	ok $? "the error names the cause: $(grep -o 'kernel has no[^:]*' "$dir/err" | head -1)"
fi

# TLS 1.3 on loopback, both ends on the provider; bounded by timeout.
tls_cert "$dir"
port=$(free_port)
handshake "$dir/fork.cnf" "$dir" "$port"
ok $? "TLS 1.3 handshake s_server <-> s_client on 127.0.0.1 via the provider"
if [ $has_epoch = 1 ]; then
	tap_skip "this kernel has the epoch page"
else
	! handshake "$dir/strict.cnf" "$dir" "$port" &&
		grep -q "no /dev/random epoch page" "$dir/err"
	ok $? "the same handshake fails without allow_no_epoch, naming the cause (control)"
fi

if command -v valgrind >/dev/null; then
	OPENSSL_CONF=$dir/fork.cnf valgrind -q --error-exitcode=9 \
		--leak-check=full --errors-for-leak-kinds=definite \
		openssl rand -hex 4096 >/dev/null 2>"$dir/err"
	ok $? "valgrind: openssl rand through the provider, no errors or leaks"
	OPENSSL_CONF=$dir/fork.cnf valgrind -q --error-exitcode=9 \
		--leak-check=full --errors-for-leak-kinds=definite \
		openssl list -random-generators >/dev/null 2>"$dir/err"
	ok $? "valgrind: provider load and teardown"
else
	tap_skip "no valgrind"
	tap_skip "no valgrind"
fi
tap_exit
