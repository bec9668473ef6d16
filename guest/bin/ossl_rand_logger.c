// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * An unmodified OpenSSL program: it calls only RAND_bytes() and links only
 * libcrypto; no randepoch code. Whether the provider is used is up to
 * OPENSSL_CONF. For the VM clone test: every INTERVAL_US for DURATION_MS it
 * prints "TAG R seq ns hex" for 16 random bytes drawn at CLOCK_MONOTONIC
 * ns (the same in every clone for a draw made before the snapshot, so the
 * host finds the first draw after the resume); after SIGUSR1 (sent by the
 * guest script once the epoch word changed) it prints "TAG M seq" before
 * the next draw, so the host knows which draws came after the change.
 *
 * usage: ossl_rand_logger TAG INTERVAL_US DURATION_MS
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

static volatile sig_atomic_t marked;

static void on_usr1(int sig)
{
	(void)sig;
	marked = 1;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned char b[16];
	long long end, t;
	int printed = 0;
	unsigned int seq, i;

	if (argc != 4) {
		fprintf(stderr, "usage: %s TAG INTERVAL_US DURATION_MS\n", argv[0]);
		return 1;
	}
	signal(SIGUSR1, on_usr1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	end = now_ns() + atoll(argv[3]) * 1000000LL;
	for (seq = 0; (t = now_ns()) < end; seq++) {
		if (marked && !printed) {
			printf("%s M %u\n", argv[1], seq);
			printed = 1;
		}
		if (RAND_bytes(b, sizeof(b)) != 1) {
			printf("%s E %u RAND_bytes failed\n", argv[1], seq);
			return 1;
		}
		printf("%s R %u %lld ", argv[1], seq, t);
		for (i = 0; i < sizeof(b); i++)
			printf("%02x", b[i]);
		printf("\n");
		usleep(atoi(argv[2]));
	}
	printf("%s done\n", argv[1]);
	return 0;
}
