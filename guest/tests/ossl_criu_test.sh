#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# An unmodified OpenSSL program under real CRIU, in the guest: dump
# ossl_rand_logger (RAND_bytes() only, libcrypto only) once, restore the
# images twice, and compare what the two restored copies print.
#
#   provider (OPENSSL_CONF), post-restore bump:  must share no output
#   provider, no bump:                           must repeat (the control:
#                                                CRIU restores its state,
#                                                MADV_DONTDUMP or not)
#   stock OpenSSL, no bump:                      must repeat
#   stock OpenSSL, post-restore bump:            repeats too: the bump alone
#                                                does not help a DRBG that
#                                                never looks at the word
#
# The bump is the action script we ship (criu/randepoch-criu-action; in
# $PATH, or named by RANDEPOCH_CRIU_ACTION): every dump runs it (it records
# the word), only the bumping restores do.
# The provider finds the word through the vDSO, so CRIU can dump it (it
# cannot dump the RNDGETEPOCHFD mapping). The draw in flight when the dump
# froze the process completes after the restore with the key it had:
# the first draw of each copy is left out. Exit 0 pass, 1 fail, 4 skip.

# TAP: the project's tap.sh (scripts/tap/), which the guest has in PATH.
command . tap.sh 2>/dev/null || { echo "1..0 # SKIP no tap.sh in PATH"; exit 4; }

W=/tmp/ossl_criu
CNF=${RANDEPOCH_OPENSSL_CONF:-/usr/bin/randepoch-openssl.cnf}

for prog in criu ossl_rand_logger randepoch sort uniq wc; do
	command -v $prog >/dev/null 2>&1 || tap_skip_all "$prog not installed"
done
ACTION=${RANDEPOCH_CRIU_ACTION:-$(command -v randepoch-criu-action)}
[ -x "$ACTION" ] || tap_skip_all "no randepoch-criu-action"
[ "$(id -u)" = 0 ] || tap_skip_all "needs root"
[ -f "$CNF" ] || tap_skip_all "no provider config $CNF"
randepoch show --source vdso >/dev/null 2>&1 ||
	tap_skip_all "no epoch page in the vDSO: CRIU cannot dump the mapping"

# copies CONF BUMP: run (with OPENSSL_CONF=CONF if set), dump, restore
# twice; prints "common N", the outputs both copies drew, or "error".
copies() {
	rm -rf $W && mkdir -p $W/img
	export BUMP=$2
	setsid env ${1:+OPENSSL_CONF=$1} ossl_rand_logger X 5000 600000 \
		</dev/null >$W/out 2>&1 &
	pid=$!
	sleep 1
	if ! criu dump -t $pid -D $W/img --action-script "$ACTION" \
	     -o dump.log 2>/dev/null; then
		echo "# criu dump failed: $(grep -m 1 -i error $W/img/dump.log)"
		kill -9 $pid 2>/dev/null
		echo error
		return
	fi
	cp $W/out $W/out.dumped
	n=$(wc -l <$W/out.dumped)
	for c in 1 2; do
		cp $W/out.dumped $W/out
		rm -f $W/pid
		criu restore -D $W/img ${BUMP:+--action-script "$ACTION"} --pidfile $W/pid \
			-o restore$c.log </dev/null >/dev/null 2>&1 &
		criu=$!
		i=0
		while [ ! -s $W/pid ] && [ $i -lt 100 ] && kill -0 $criu 2>/dev/null; do
			sleep 0.1
			i=$((i + 1))
		done
		if [ ! -s $W/pid ]; then
			echo "# criu restore $c failed: $(grep -m 1 -i error $W/img/restore$c.log)"
			echo error
			return
		fi
		sleep 1
		kill -9 "$(cat $W/pid)"
		wait $criu
		# Skip the dumped lines and the draw in flight at the dump.
		tail -n +$((n + 2)) $W/out | grep ' R ' | cut -d' ' -f5 |
			sort -u >$W/copy$c
		echo "# copy $c: $(wc -l <$W/copy$c) draws after restore"
		if grep -q ' E ' $W/out; then
			echo "# copy $c: $(grep -m 1 ' E ' $W/out)"
			echo error
			return
		fi
	done
	if [ ! -s $W/copy1 ] || [ ! -s $W/copy2 ]; then
		echo "# a restored copy drew nothing"
		echo error
		return
	fi
	echo "common $(sort $W/copy1 $W/copy2 | uniq -d | wc -l)"
}

# common_of CONF BUMP: the number of outputs in common, diagnostics shown.
common_of() {
	out=$(copies "$1" "$2")
	echo "$out" | grep '^#' >&2
	echo "$out" | sed -n 's/^common //p'
}

tap_plan 4

c=$(common_of "$CNF" 1)
if [ "$c" = 0 ]; then
	tap_pass "provider, post-restore bump: the restored copies share no output"
else
	tap_fail "provider, post-restore bump: the copies share no output (common: ${c:-error})"
fi
c=$(common_of "$CNF" "")
if [ -n "$c" ] && [ "$c" -gt 0 ]; then
	tap_pass "provider, no bump: the copies repeat each other ($c common outputs)"
else
	tap_fail "provider, no bump: the copies repeat each other (common: ${c:-error})"
fi
c=$(common_of "" "")
if [ -n "$c" ] && [ "$c" -gt 0 ]; then
	tap_pass "stock OpenSSL, no bump: the copies repeat each other ($c common outputs)"
else
	tap_fail "stock OpenSSL, no bump: the copies repeat each other (common: ${c:-error})"
fi
c=$(common_of "" 1)
if [ -n "$c" ] && [ "$c" -gt 0 ]; then
	tap_pass "stock OpenSSL, post-restore bump: still repeats ($c common): the bump needs the provider"
else
	tap_fail "stock OpenSSL, post-restore bump: still repeats (common: ${c:-error})"
fi

rm -rf $W
tap_exit
