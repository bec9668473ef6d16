#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# randepoch-openssl, the system-wide switch, on a copy of this host's real
# /etc/ssl/openssl.cnf (Debian 13's own is switched in the Debian image,
# selftests/host/debian_clone_test.py). The drop-in
# names the freshly built randepoch.so through --include, as an admin's own
# drop-in would. On this host kernel without the epoch page the drop-in's
# allow_no_epoch = 1 must keep openssl working: rand and a TLS 1.3
# handshake. disable must give back the file byte for byte, after which
# RANDEPOCH is gone (the control); bad input must fail and change nothing.
: "${O:=$(cd "$(dirname "$0")/../.." && pwd)/build/userspace}"
here=$(cd "$(dirname "$0")" && pwd)
SO=$(cd "$O" 2>/dev/null && pwd)/randepoch.so
CMD=$O/randepoch-openssl
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$here/ossl_test_lib.sh"
. "$here/../../scripts/tap/tap.sh"

# ok RC NAME: the TAP line; on failure the last command's output too.
ok() {
	tap_result "$1" "$2" ||
		{ [ -s "$dir/err" ] && sed 's/^/# /' "$dir/err" | head -8; }
}

# switch ARGS...: the command, its stdout and stderr into $dir/err.
switch() {
	"$CMD" "$@" >"$dir/err" 2>&1
}

# unchanged NAME RC WANT_RC: RC is WANT_RC, and the file is as saved.
unchanged() {
	[ "$2" = "$3" ] && cmp -s "$cnf" "$dir/saved"
	ok $? "$1 -> exit $2 (want $3), file unchanged"
}

sh "$here/openssl_host_test.sh" --print-dropin "$SO" >"$dir/dropin.cnf"
tls_cert "$dir"
port=$(free_port)

tap_plan 23
for base in /etc/ssl/openssl.cnf; do
	name=$(basename "$base")
	[ "$base" = /etc/ssl/openssl.cnf ] && name="host $name"
	cnf=$dir/openssl.cnf
	cp "$base" "$dir/orig"
	cp "$base" "$cnf"
	# Debian's /usr/lib/ssl/openssl.cnf is a symlink to /etc/ssl's: the
	# target must be edited, the link kept.
	ln -sf openssl.cnf "$dir/link.cnf"
	opts="--config $dir/link.cnf --include $dir/dropin.cnf"
	tap_diag "---- $name"

	# shellcheck disable=SC2086 # opts are words without blanks
	switch enable $opts && [ -L "$dir/link.cnf" ] &&
		[ "$(tail -n 1 "$cnf")" = ".include $dir/dropin.cnf # added by \"randepoch-openssl enable\", removed by \"randepoch-openssl disable\"" ] &&
		[ "$(head -n -1 "$cnf" | cmp - "$dir/orig" && echo same)" = same ]
	ok $? "$name: enable appends one marked line (through the symlink)"

	OPENSSL_CONF=$cnf openssl list -random-generators >"$dir/out" 2>"$dir/err"
	grep -q "RANDEPOCH.*@ randepoch" "$dir/out"
	ok $? "$name: openssl list -random-generators shows RANDEPOCH @ randepoch"

	OPENSSL_CONF=$cnf openssl list -random-instances >"$dir/out" 2>"$dir/err"
	sed -n '/^primary:/{n;p;}' "$dir/out" | grep -q "RANDEPOCH @ randepoch"
	ok $? "$name: RANDEPOCH is the primary DRBG (openssl list -random-instances)"

	OPENSSL_CONF=$cnf openssl rand -hex 32 >"$dir/r1" 2>"$dir/err" &&
		OPENSSL_CONF=$cnf openssl rand -hex 32 >"$dir/r2" 2>>"$dir/err" &&
		! cmp -s "$dir/r1" "$dir/r2"
	ok $? "$name: openssl rand works without the epoch page (allow_no_epoch)"

	handshake "$cnf" "$dir" "$port"
	ok $? "$name: TLS 1.3 handshake s_server <-> s_client on 127.0.0.1"

	# shellcheck disable=SC2086
	PATH=$O:$PATH switch status $opts && grep -q "^generator: RANDEPOCH" "$dir/err" &&
		grep -q "^epoch source: none" "$dir/err"
	ok $? "$name: status -> 0, RANDEPOCH active, epoch source none"

	cp "$cnf" "$dir/saved"
	# shellcheck disable=SC2086
	switch enable $opts
	unchanged "$name: enable again (idempotent)" $? 0

	# shellcheck disable=SC2086
	switch enable --config "$dir/link.cnf" --include "$dir/other.cnf"
	unchanged "$name: enable with another drop-in while enabled" $? 2

	# shellcheck disable=SC2086
	switch disable $opts && cmp -s "$cnf" "$dir/orig" && [ -L "$dir/link.cnf" ]
	ok $? "$name: disable restores the file byte for byte"

	OPENSSL_CONF=$cnf openssl list -random-generators >"$dir/out" 2>"$dir/err"
	! grep -q RANDEPOCH "$dir/out"
	ok $? "$name: after disable RANDEPOCH is not listed (control)"

	# shellcheck disable=SC2086
	switch status $opts
	[ $? = 3 ] && grep -q "not enabled" "$dir/err"
	ok $? "$name: status after disable -> 3, not enabled"

	cp "$cnf" "$dir/saved"
	# shellcheck disable=SC2086
	switch disable $opts
	unchanged "$name: disable again" $? 0

	# A drop-in that leaves RANDEPOCH unusable here (no allow_no_epoch:
	# this kernel has no epoch page) must be refused, not installed.
	grep -v allow_no_epoch "$dir/dropin.cnf" >"$dir/strict.cnf"
	switch enable --config "$cnf" --include "$dir/strict.cnf"
	unchanged "$name: enable with a drop-in that would break openssl here" $? 2

	# Damaged markers: the line commented out, its mark cut short, a
	# blank in its path.
	for damage in 's/^/#/' 's/, removed by.*//' 's|dropin.cnf|drop in.cnf|'; do
		# shellcheck disable=SC2086
		switch enable $opts
		sed -i "\$$damage" "$cnf"
		cp "$cnf" "$dir/saved"
		for verb in disable enable; do
			# shellcheck disable=SC2086
			switch $verb $opts
			rc=$?
			grep -q "damaged randepoch-openssl line" "$dir/err" || rc="$rc, no 'damaged' message"
			unchanged "$name: $verb on a damaged marker ($damage)" "$rc" 2
		done
		cp "$dir/orig" "$cnf"
	done
done

tap_diag "---- bad input"
cp "$dir/orig" "$cnf"
cp "$cnf" "$dir/saved"
switch frob --config "$cnf"
unchanged "unknown verb" $? 1
switch enable --config "$dir/missing.cnf" --include "$dir/dropin.cnf"
[ $? = 2 ] && grep -q "no such file" "$dir/err"
ok $? "missing config -> exit 2, named"
# Unwritable: as nobody (root writes anything), or chmod when not root.
mkdir "$dir/ro"
cp "$cnf" "$dir/ro/openssl.cnf"
chmod 755 "$dir" "$dir/ro"
chmod 444 "$dir/ro/openssl.cnf"
if [ "$(id -u)" = 0 ]; then
	as=$(command -v setpriv >/dev/null && echo "setpriv --reuid=nobody --regid=nogroup --clear-groups")
else
	as=
fi
if [ "$(id -u)" != 0 ] || [ -n "$as" ]; then
	chmod 644 "$dir/dropin.cnf"
	$as "$CMD" enable --config "$dir/ro/openssl.cnf" --include "$dir/dropin.cnf" >"$dir/err" 2>&1
	rc=$?
	[ $rc = 2 ] && grep -q "not writable" "$dir/err" &&
		cmp -s "$dir/ro/openssl.cnf" "$cnf"
	ok $? "unwritable config -> exit 2, named, unchanged"
else
	tap_skip "root without setpriv: cannot make a file unwritable"
fi
chmod 700 "$dir"
printf 'x = 1' >"$cnf"
cp "$cnf" "$dir/saved"
switch enable --config "$cnf" --include "$dir/dropin.cnf"
unchanged "config without a final newline" $? 2
tap_exit
