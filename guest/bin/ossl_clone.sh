#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# In the guest, for selftests/host/openssl_clone_test.py: the same unmodified
# RAND_bytes() program twice, with the provider (OPENSSL_CONF, tag P) and
# stock (tag S); once the epoch word changes (in a VM clone), both are told
# with SIGUSR1 so they mark the draws that follow.
# usage: ossl_clone.sh INTERVAL_US DURATION_MS
OPENSSL_CONF=/usr/bin/randepoch-openssl.cnf ossl_rand_logger P "$1" "$2" &
p=$!
ossl_rand_logger S "$1" "$2" &
s=$!
echo "ossl_clone: start word $(randepoch show --raw)"
randepoch watch --count 1 --timeout-ms "$2" | sed 's/^/ossl_clone: watch /'
kill -USR1 $p $s 2>/dev/null
echo "ossl_clone: signalled"
wait $p
echo "ossl_clone: P rc=$?"
wait $s
echo "ossl_clone: S rc=$?"
echo "ossl_clone: done"
