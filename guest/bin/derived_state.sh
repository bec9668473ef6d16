#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of selftests/host/derived_clone_test.py: state derived from
# random numbers, made before a VM snapshot, in two copies.
#
#   /var/lib/hooked: renewed by "randepoch watch --exec" (a watcher);
#   /var/lib/plain:  nobody renews it (the control).
#
# Each holds an instance UUID and a stand-in host key (32 random bytes;
# ssh-keygen is not in the guest). An "orchestrator" waits for the epoch
# word to change, then for "randepoch settle", then prints "network up"
# with both copies' values. The hook sleeps HOOK_MS first, so that a
# network that came up before the hook finished would show.
set -u
HOOK_MS=${1:-300}
PATH=/bin:/usr/bin:$PATH

new_state() {
	mkdir -p "$1"
	cat /proc/sys/kernel/random/uuid >"$1/uuid.tmp" && mv "$1/uuid.tmp" "$1/uuid"
	od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$1/key.tmp" && mv "$1/key.tmp" "$1/key"
}
uptime_cs() {
	# /proc/uptime in hundredths of a second
	tr -d . </proc/uptime | cut -d' ' -f1
}

new_state /var/lib/hooked
new_state /var/lib/plain
mkdir -p /etc/randepoch/hooks.d
cat >/etc/randepoch/hooks.d/50-renew <<HOOK
#!/bin/sh
set -e
sleep $(awk "BEGIN { print $HOOK_MS / 1000 }")
d=/var/lib/hooked
cat /proc/sys/kernel/random/uuid >\$d/uuid.tmp && mv \$d/uuid.tmp \$d/uuid
od -An -tx1 -N32 /dev/urandom | tr -d ' \\n' >\$d/key.tmp && mv \$d/key.tmp \$d/key
echo "derived: hook done word \$RANDEPOCH_WORD t \$(tr -d . </proc/uptime | cut -d' ' -f1)"
HOOK
chmod +x /etc/randepoch/hooks.d/50-renew
randepoch watch --exec run-parts --exit-on-error /etc/randepoch/hooks.d &
watcher=$!
# The watcher is up once it counts.
while ! randepoch show | grep -q '^watchers 1 '; do sleep 0.01; done
w0=$(randepoch show --raw)
echo "derived: ready word $w0 hooked $(cat /var/lib/hooked/uuid) $(cat /var/lib/hooked/key) plain $(cat /var/lib/plain/uuid) $(cat /var/lib/plain/key)"

# The orchestrator: a change, then settle, then the network.
# (Not "randepoch watch --count 1": the snapshot may come before it starts.)
while [ "$(randepoch show --raw)" = "$w0" ]; do sleep 0.01; done
t0=$(uptime_cs)
randepoch settle --timeout-ms 20000
rc=$?
t1=$(uptime_cs)
echo "derived: network up settle_rc $rc settle_cs $((t1 - t0)) word $(randepoch show --raw) hooked $(cat /var/lib/hooked/uuid) $(cat /var/lib/hooked/key) plain $(cat /var/lib/plain/uuid) $(cat /var/lib/plain/key)"
kill $watcher
echo "derived: done"
