#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Real checkpoint/restore with CRIU: dump a process that draws from the
# reference PRNG, restore the same images twice, and check that the two
# restored copies never print the same output. The action script we ship,
# randepoch-criu-action (userspace/criu/, installed as
# $(PREFIX)/lib/randepoch/criu-action), records the word at post-dump and
# bumps away from it at post-restore, before the restored tasks run. The
# same restores without the script must show the copies repeating each
# other, or the test could not fail.
#
# Needs: criu, prng_demo, randepoch (the CLI), randepoch-criu-action (or
# RANDEPOCH_CRIU_ACTION naming the script) and tap.sh in $PATH; root.
# With timens_run in $PATH too, the bump case runs again in a time
# namespace, which CRIU dumps and restores into a new one.
#
# prng_demo reads the word only through the vDSO (--source vdso): no epoch
# descriptor, no mapping of its own, no system call per draw. CRIU leaves
# the vvar area out of the images and maps the running kernel's at the
# dumped address on restore, so the restored process reads the live word.
# (CRIU cannot dump the RNDGETEPOCHFD mapping, an anon_inode VMA it does
# not know; the test reports that too.) The PRNG keeps its state where it
# always does (MADV_WIPEONFORK, MADV_DONTDUMP memory): CRIU restores it.

# TAP: the project's tap.sh (scripts/tap/), which the guest has in PATH.
command . tap.sh 2>/dev/null || { echo "1..0 # SKIP no tap.sh in PATH"; exit 4; }

WORK=/tmp/criu_test
RUN_SECONDS=${RUN_SECONDS:-1}

for prog in criu prng_demo randepoch sort uniq cut awk; do
	command -v $prog >/dev/null 2>&1 || tap_skip_all "$prog not installed"
done
ACTION=${RANDEPOCH_CRIU_ACTION:-$(command -v randepoch-criu-action)}
[ -x "$ACTION" ] || tap_skip_all "no randepoch-criu-action"
[ "$(id -u)" = 0 ] || tap_skip_all "needs root"
randepoch show >/dev/null 2>&1 || tap_skip_all "kernel has no epoch page"
randepoch show --source vdso >/dev/null 2>&1 ||
	tap_skip_all "kernel has no epoch page in the vDSO"

# restore_once N: restore the images (with the action script if $BUMP), let
# the copy draw, kill it, keep what it printed after the dump in
# $WORK/copyN. The script's output (the bump's new word) is in CRIU's log.
restore_once() {
	cp $WORK/out.dumped $WORK/out
	rm -f $WORK/pid
	# Not detached (-d): criu stays the parent and reaps the copy, so its
	# PID is free again for the next restore.
	criu restore -D $WORK/img --pidfile $WORK/pid \
		${BUMP:+--action-script "$ACTION"} -o restore$1.log -v2 \
		</dev/null >/dev/null 2>&1 &
	criu=$!
	i=0
	while [ ! -s $WORK/pid ] && [ $i -lt 100 ] && kill -0 $criu 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -s $WORK/pid ]; then
		echo "# criu restore $1 failed:"
		tail -n 5 $WORK/img/restore$1.log | sed 's/^/# /'
		kill -9 $criu 2>/dev/null
		return 1
	fi
	sleep "$RUN_SECONDS"
	readlink /proc/"$(cat $WORK/pid)"/ns/time >$WORK/timens$1
	kill -9 "$(cat $WORK/pid)"
	wait $criu
	tail -n +$(($(wc -l <$WORK/out.dumped) + 1)) $WORK/out >$WORK/copy$1
	first=$(head -n 1 $WORK/copy$1 | cut -d' ' -f4)
	echo "# copy $1: $(wc -l <$WORK/copy$1) draws after restore, first word $first"
}

# run_case BUMP [LAUNCHER...]: start (through LAUNCHER), dump, restore
# twice; prints the number of outputs the two copies have in common, or
# "error".
run_case() {
	rm -rf $WORK && mkdir -p $WORK/img
	export BUMP=$1
	shift
	setsid "$@" prng_demo --source vdso --interval-ms 5 \
		</dev/null >$WORK/out 2>&1 &
	pid=$!
	sleep 1
	if ! grep -q "source vdso" $WORK/out; then
		echo "# prng_demo did not take the vDSO path: $(head -n 1 $WORK/out)"
		kill -9 $pid 2>/dev/null
		echo error
		return
	fi
	if ! criu dump -t $pid -D $WORK/img \
	     --action-script "$ACTION" -o dump.log -v2 2>/dev/null; then
		echo "# criu dump failed:"
		tail -n 5 $WORK/img/dump.log | sed 's/^/# /'
		kill -9 $pid 2>/dev/null
		echo error
		return
	fi
	cp $WORK/out $WORK/out.dumped
	# The word the action script recorded, as prng_demo prints it.
	sed 's/^0x//' $WORK/img/randepoch-word >$WORK/avoid
	echo "# dumped after $(wc -l <$WORK/out.dumped) draws, word $(cat $WORK/avoid)"
	restore_once 1 || { echo error; return; }
	restore_once 2 || { echo error; return; }
	# A draw in flight when the dump froze the process completes after
	# the restore with the word it had loaded: it belongs to the dumped
	# state. With the bump, compare only what the copies drew after it.
	avoid=$(cat $WORK/avoid)
	for c in 1 2; do
		if [ -n "$BUMP" ]; then
			awk -v w="$avoid" '$4 != w { print $5 }' $WORK/copy$c
		else
			cut -d' ' -f5 $WORK/copy$c
		fi | sort -u >$WORK/s$c
	done
	if [ ! -s $WORK/s1 ] || [ ! -s $WORK/s2 ]; then
		echo "# a restored copy drew nothing"
		echo error
		return
	fi
	# Each list is unique on its own: a repeated line is in both copies.
	echo "common $(sort $WORK/s1 $WORK/s2 | uniq -d | wc -l)"
}

# What the vDSO path is for: report whether this CRIU can dump a process
# that maps the RNDGETEPOCHFD page (3.17 cannot).
mmap_dump() {
	rm -rf $WORK && mkdir -p $WORK/img
	setsid prng_demo --source mmap --interval-ms 5 </dev/null >/dev/null 2>&1 &
	pid=$!
	sleep 0.5
	if criu dump -t $pid -D $WORK/img -o dump.log -v2 2>/dev/null; then
		echo "# criu dumped the mmap path too"
	else
		why=$(grep -m 1 random_epoch $WORK/img/dump.log ||
		      grep -m 1 -i error $WORK/img/dump.log)
		echo "# criu cannot dump the mmap path: $why"
	fi
	kill -9 $pid 2>/dev/null
}

# expect_no_common WHERE [LAUNCHER...]: the bump case; its restored copies
# must share no output.
expect_no_common() {
	where=$1
	shift
	out=$(run_case 1 "$@")
	echo "$out" | grep '^#'
	common=$(echo "$out" | sed -n 's/^common //p')
	if [ "$common" = 0 ]; then
		tap_pass "$where: with the post-restore bump the restored copies share no output"
	else
		tap_fail "$where: with the bump the copies share no output (got ${common:-error})"
	fi
}

tap_plan 7
mmap_dump

expect_no_common "root time namespace"

# Each bump took the CRIU ID and avoided the word seen at dump time.
avoid=$(cat $WORK/avoid 2>/dev/null)
nbumps=$(cat $WORK/img/restore1.log $WORK/img/restore2.log 2>/dev/null |
	 grep -c "id 2 (criu)")
if [ "$nbumps" = 2 ]; then
	tap_pass "the action script bumped once per restore"
else
	tap_fail "the action script bumped once per restore (bumps: ${nbumps:-0})"
fi
# At most the one draw in flight at the dump may carry the dump-time word;
# every later draw has a new word, different in each copy.
stale1=$(awk -v w="$avoid" '$4 == w' $WORK/copy1 2>/dev/null | wc -l)
stale2=$(awk -v w="$avoid" '$4 == w' $WORK/copy2 2>/dev/null | wc -l)
w1=$(awk -v w="$avoid" '$4 != w { print $4; exit }' $WORK/copy1 2>/dev/null)
w2=$(awk -v w="$avoid" '$4 != w { print $4; exit }' $WORK/copy2 2>/dev/null)
echo "# draws under the dump-time word after restore: $stale1 and $stale2"
if [ -n "$w1" ] && [ -n "$w2" ] && [ "$w1" != "$w2" ] &&
   [ "$stale1" -le 1 ] && [ "$stale2" -le 1 ]; then
	tap_pass "each copy drew under a new word at once ($w1, $w2; dump $avoid)"
else
	tap_fail "each copy drew under a new word at once ('$w1', '$w2'; stale $stale1, $stale2)"
fi
if [ "$(printf '%.2s' "$w1")" = 02 ] && [ "$(printf '%.2s' "$w2")" = 02 ]; then
	tap_pass "the new words carry the CRIU notifier ID"
else
	tap_fail "the new words carry the CRIU notifier ID ('$w1', '$w2')"
fi

# Control: no bump, so both copies replay the same stream from the dump.
out=$(run_case "")
echo "$out" | grep '^#'
common=$(echo "$out" | sed -n 's/^common //p')
if [ -n "$common" ] && [ "$common" -gt 0 ]; then
	tap_pass "without the bump the copies repeat each other ($common common outputs)"
else
	tap_fail "without the bump the copies repeat each other (common: ${common:-error})"
fi

# Again in a time namespace: CRIU restores the copies into a new one, whose
# vvar layout differs (its first page is the namespace's own).
root_timens=$(readlink /proc/1/ns/time)
if ! command -v timens_run >/dev/null 2>&1 ||
   ! timens_run 100000 true 2>/dev/null; then
	tap_skip "no timens_run or no time namespaces"
	tap_skip "no timens_run or no time namespaces"
else
	expect_no_common "a time namespace" timens_run 100000
	t1=$(cat $WORK/timens1 2>/dev/null)
	t2=$(cat $WORK/timens2 2>/dev/null)
	echo "# time namespaces: root $root_timens, copies $t1 and $t2"
	if [ -n "$t1" ] && [ -n "$t2" ] && [ "$t1" != "$root_timens" ] &&
	   [ "$t2" != "$root_timens" ]; then
		tap_pass "the restored copies ran in a time namespace of their own"
	else
		tap_fail "the restored copies ran in a time namespace of their own ('$t1', '$t2')"
	fi
fi

rm -rf $WORK
tap_exit
