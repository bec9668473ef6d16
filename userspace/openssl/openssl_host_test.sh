#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# randepoch.so as an unmodified openssl(1) loads it from openssl.cnf (the
# snippet of docs/openssl.md): listed, "openssl rand", a TLS 1.3 handshake
# between s_server and s_client on 127.0.0.1, and, on this host kernel
# without the epoch page, the "no feature" error. Each success is paired
# with the same command failing without allow_no_epoch, which shows that
# the config really routes RAND_bytes through the provider.
# With --print-conf MODULE it prints that config instead.
: "${O:=$(cd "$(dirname "$0")/../.." && pwd)/build/userspace}"
SO=$(cd "$O" 2>/dev/null && pwd)/randepoch.so
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# ok RC NAME: the TAP line; on failure the command's stderr too.
ok() {
	tap_result "$1" "$2" ||
		{ [ -s "$dir/err" ] && sed 's/^/# /' "$dir/err" | head -5; }
}

# conf FILE EXTRA: the docs/openssl.md snippet, plus EXTRA in its section.
conf() {
	cat >"$1" <<EOC
openssl_conf = openssl_init

[openssl_init]
providers = provider_sect
random = random_sect

[provider_sect]
default = default_sect
randepoch = randepoch_sect

[default_sect]
activate = 1

[randepoch_sect]
module = $SO
activate = 1
$2

[random_sect]
random = RANDEPOCH
EOC
}

# --print-conf MODULE: only print the config (for the guest), then exit.
if [ "$1" = --print-conf ]; then
	SO=$2
	conf /dev/stdout ""
	exit 0
fi

. "$(dirname "$0")/../../scripts/tap/tap.sh"
tap_plan 8
if "$O/randepoch" show --raw >/dev/null 2>&1; then
	has_epoch=1
	conf "$dir/fork.cnf" ""
else
	has_epoch=0
	conf "$dir/fork.cnf" "allow_no_epoch = 1"
fi
conf "$dir/strict.cnf" ""

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
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-subj /CN=localhost -days 1 -keyout "$dir/key.pem" \
	-out "$dir/cert.pem" >/dev/null 2>&1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# handshake CONF: one s_server accepting once, one s_client; 0 if TLS 1.3.
handshake() {
	OPENSSL_CONF=$1 timeout 20 openssl s_server -www \
		-accept "127.0.0.1:$port" \
		-naccept 1 -tls1_3 -cert "$dir/cert.pem" -key "$dir/key.pem" \
		</dev/null >"$dir/srv" 2>&1 &
	srv=$!
	i=0
	while [ $i -lt 50 ] && ! grep -q ACCEPT "$dir/srv" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	printf 'GET / HTTP/1.0\r\n\r\n' | OPENSSL_CONF=$1 timeout 20 \
		openssl s_client -tls1_3 -ign_eof -connect "127.0.0.1:$port" \
		>"$dir/cli" 2>"$dir/err"
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
	grep -q "^New, TLSv1.3" "$dir/cli" && grep -q "^HTTP/1.0 200" "$dir/cli"
}
handshake "$dir/fork.cnf"
ok $? "TLS 1.3 handshake s_server <-> s_client on 127.0.0.1 via the provider"
if [ $has_epoch = 1 ]; then
	tap_skip "this kernel has the epoch page"
else
	! handshake "$dir/strict.cnf" &&
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
