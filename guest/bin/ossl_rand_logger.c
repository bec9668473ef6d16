// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * An unmodified OpenSSL program: it calls only RAND_bytes() and links only
 * libcrypto; no randepoch code. Whether the provider is used is up to
 * OPENSSL_CONF. For the VM clone test: every INTERVAL_US for DURATION_MS it
 * prints "TAG R seq hex" for 16 random bytes; after SIGUSR1 (sent by the
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

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	unsigned char b[16];
	long long end;
	int printed = 0;
	unsigned int seq, i;

	if (argc != 4) {
		fprintf(stderr, "usage: %s TAG INTERVAL_US DURATION_MS\n", argv[0]);
		return 1;
	}
	signal(SIGUSR1, on_usr1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	end = now_ms() + atoll(argv[3]);
	for (seq = 0; now_ms() < end; seq++) {
		if (marked && !printed) {
			printf("%s M %u\n", argv[1], seq);
			printed = 1;
		}
		if (RAND_bytes(b, sizeof(b)) != 1) {
			printf("%s E %u RAND_bytes failed\n", argv[1], seq);
			return 1;
		}
		printf("%s R %u ", argv[1], seq);
		for (i = 0; i < sizeof(b); i++)
			printf("%02x", b[i]);
		printf("\n");
		usleep(atoi(argv[2]));
	}
	printf("%s done\n", argv[1]);
	return 0;
}
