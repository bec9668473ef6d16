#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The CRIU half of make demo, run inside the guest: dump a PRNG process,
# restore it twice, with and without the epoch bump, and show what the
# restored copies print. The process reads the word through the vDSO, the
# way a sandboxed library or libc would; CRIU cannot dump the mmap path.
# The bump is the action script we ship (randepoch-criu-action), which
# every dump runs (it records the word) and only the bumping restores.
W=/tmp/demo
ACTION=$(command -v randepoch-criu-action)

# The mmap path, for contrast: CRIU refuses to dump it.
setsid prng_demo --source mmap --interval-ms 20 </dev/null >/dev/null 2>&1 &
pid=$!
sleep 0.5
mkdir -p /tmp/demo-mmap
if criu dump -t $pid -D /tmp/demo-mmap -o d.log 2>/dev/null; then
	echo "DEMO the mmap path: CRIU dumped it"
else
	echo "DEMO the mmap path (RNDGETEPOCHFD + mmap): CRIU cannot dump it:"
	echo "DEMO   $(grep -m 1 random_epoch /tmp/demo-mmap/d.log)"
fi
kill -9 $pid 2>/dev/null

# demo BUMP TITLE
demo() {
	export BUMP=$1
	rm -rf $W && mkdir -p $W/img
	setsid prng_demo --source vdso --interval-ms 20 \
		</dev/null >$W/out 2>&1 &
	pid=$!
	sleep 1
	criu dump -t $pid -D $W/img --action-script "$ACTION" -o d.log ||
		echo "DEMO criu dump failed: $(tail -n 1 $W/img/d.log)"
	cp $W/out $W/out.dumped
	n=$(wc -l <$W/out.dumped)
	echo "DEMO $2: process dumped after $((n - 1)) draws, epoch word $(cat $W/img/randepoch-word)"
	for copy in 1 2; do
		cp $W/out.dumped $W/out
		rm -f $W/pid
		criu restore -D $W/img ${BUMP:+--action-script "$ACTION"} --pidfile $W/pid \
			-o r$copy.log </dev/null >/dev/null 2>&1 &
		c=$!
		i=0
		while [ ! -s $W/pid ] && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		sleep 1
		kill -9 "$(cat $W/pid)"
		wait $c
		tail -n +$((n + 1)) $W/out | head -n 3 | while read -r _ seq _ word out; do
			echo "DEMO   restore $copy, draw $seq, word $word: $out"
		done
	done
}

demo "" "WITHOUT the epoch bump"
demo 1 "WITH the epoch bump at post-restore"
