// SPDX-License-Identifier: GPL-2.0
/*
 * In the guest, against the real epoch page: the library, the reference
 * PRNG and the shared PRNG while RNDBUMPEPOCH (as root) fires events. The
 * kernel increments the 24-bit counter on every event, whatever the ID, so
 * "not older" compares counters. Everything runs twice: on the page found
 * through the vDSO and on the RNDGETEPOCHFD mapping. Exit 0 pass, 1 fail,
 * 4 skip (no feature, or not allowed to bump).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "randepoch_prng.h"
#include "randepoch_shared.h"
#include "randepoch_testing.h"
#include "tap.h"

#define RUN_MS		1500
#define THREADS		2	/* of each kind */

static struct randepoch ep;
static struct randepoch_shared *shared;
static int stop;

struct reader {
	pthread_t thread;
	int use_shared;
	unsigned long draws, stale, mismatch, errors;
	uint64_t reseeds;
	uint32_t last_seed_word;
	struct randepoch_prng *p;
};

static uint32_t ctr(uint32_t word)
{
	return RANDEPOCH_WORD_COUNTER(word);
}

static void *reader(void *arg)
{
	struct reader *r = arg;
	uint8_t buf[256];
	size_t len = 16;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		uint32_t before = randepoch_word(&ep), seed_word, checked;
		int ret;

		len = len == 16 ? 256 : 16;
		if (r->use_shared) {
			ret = randepoch_shared_fill_traced(shared, buf, len,
							   &seed_word, &checked);
		} else {
			ret = randepoch_prng_fill(r->p, buf, len);
			seed_word = checked = randepoch_prng_seed_word(r->p);
		}
		if (ret) {
			r->errors++;
			continue;
		}
		r->draws++;
		if (ctr(seed_word) < ctr(before))
			r->stale++;
		if (seed_word != checked)
			r->mismatch++;
	}
	if (!r->use_shared) {
		r->reseeds = randepoch_prng_reseeds(r->p);
		/* One more draw, after the last bump. */
		randepoch_prng_fill(r->p, buf, 16);
		r->last_seed_word = randepoch_prng_seed_word(r->p);
	}
	return NULL;
}

static void *bump_soon(void *arg)
{
	(void)arg;
	usleep(50000);
	randepoch_bump(0, 0, NULL);
	return NULL;
}

#define TESTS_PER_SOURCE	13

/* The whole test on the page found through @source. */
static void run(int source)
{
	struct reader r[2 * THREADS];
	struct randepoch_prng *p, *nc;
	uint32_t w0, w1, w2, w;
	uint8_t a[32], b[32];
	unsigned long bumps = 0, draws = 0, stale = 0, mismatch = 0, errors = 0;
	uint64_t n0;
	pthread_t t;
	int ret, i, fds[2], status;
	pid_t pid;

	tap_diag("---- the page through %s", randepoch_source_name(source));
	ret = randepoch_open_source(&ep, source);
	if (ret) {
		tap_ok(0, "open through %s: %s", randepoch_source_name(source),
		       randepoch_strerror(ret));
		for (i = 1; i < TESTS_PER_SOURCE; i++)
			tap_skip("no page through %s", randepoch_source_name(source));
		return;
	}
	tap_ok(ep.source == source, "open through %s",
	       randepoch_source_name(ep.source));
	stop = 0;
	w0 = randepoch_word(&ep);
	ret = randepoch_bump(0, 0, &w1);
	tap_ok(!ret && w1 != w0 && RANDEPOCH_WORD_ID(w1) == 2 &&
	       randepoch_word(&ep) == w1,
	       "bump publishes a CRIU word (0x%08x -> 0x%08x)", w0, w1);
	ret = randepoch_bump(1, w1 + 1, &w2);	/* avoid the likely next one */
	tap_ok(!ret && w2 != w1 + 1 && randepoch_word(&ep) == w2,
	       "bump --avoid: 0x%08x avoided, got 0x%08x", w1 + 1, w2);

	pthread_create(&t, NULL, bump_soon, NULL);
	ret = randepoch_wait(&ep, w2, 5000);
	pthread_join(t, NULL);
	tap_ok(ret == 1 && randepoch_word(&ep) != w2,
	       "wait (poll on the epoch fd) wakes on a bump (%d)", ret);
	w = randepoch_word(&ep);
	ret = randepoch_wait(&ep, w, 50);
	tap_ok(ret == 0 || (ret == 1 && RANDEPOCH_WORD_ID(randepoch_word(&ep)) != 2),
	       "wait times out without an event (%d)", ret);

	p = randepoch_prng_new(&ep, 0);
	nc = randepoch_prng_new(&ep, RANDEPOCH_PRNG_NO_EPOCH_CHECK);
	randepoch_prng_fill(p, a, 16);
	randepoch_prng_fill(nc, a, 16);
	n0 = randepoch_prng_reseeds(p);
	randepoch_bump(0, 0, &w);
	ret = randepoch_prng_fill(p, a, 16);
	tap_ok(!ret && randepoch_prng_reseeds(p) == n0 + 1 &&
	       randepoch_prng_seed_word(p) == w,
	       "the PRNG reseeds after a real bump, under the new word 0x%08x", w);
	randepoch_prng_fill(nc, a, 16);
	tap_ok(randepoch_prng_reseeds(nc) == 1,
	       "NO_EPOCH_CHECK does not reseed after a real bump");

	fflush(stdout);
	if (pipe(fds)) {
		perror("pipe");
		exit(KSFT_FAIL);
	}
	pid = fork();
	if (pid == 0) {
		randepoch_prng_fill(p, b, sizeof(b));
		_exit(write(fds[1], b, sizeof(b)) != sizeof(b));
	}
	randepoch_prng_fill(p, a, sizeof(a));
	ret = read(fds[0], b, sizeof(b)) == sizeof(b);
	waitpid(pid, &status, 0);
	tap_ok(ret && memcmp(a, b, sizeof(a)) && WIFEXITED(status) &&
	       !WEXITSTATUS(status), "a forked child draws differently");
	close(fds[0]);
	close(fds[1]);

	shared = randepoch_shared_new(&ep);
	memset(r, 0, sizeof(r));
	for (i = 0; i < 2 * THREADS; i++) {
		r[i].use_shared = i & 1;
		if (!r[i].use_shared)
			r[i].p = randepoch_prng_new(&ep, 0);
		pthread_create(&r[i].thread, NULL, reader, &r[i]);
	}
	for (i = 0; i < RUN_MS / 5; i++) {
		bumps += !randepoch_bump(0, 0, NULL);
		usleep(5000);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	w = randepoch_word(&ep);
	ret = 1;
	for (i = 0; i < 2 * THREADS; i++) {
		pthread_join(r[i].thread, NULL);
		draws += r[i].draws;
		stale += r[i].stale;
		mismatch += r[i].mismatch;
		errors += r[i].errors;
		if (!r[i].use_shared) {
			ret &= r[i].reseeds > bumps / 4 &&
			       r[i].last_seed_word == w;
			randepoch_prng_free(r[i].p);
		}
	}
	tap_diag("%d threads, %lu bumps: %lu draws, %llu shared reseeds",
		 2 * THREADS, bumps, draws,
		 (unsigned long long)randepoch_shared_reseeds(shared));
	tap_ok(bumps > 10 && draws > 100 && !errors,
	       "threads drew while bumps fired (%lu errors)", errors);
	tap_ok(!stale, "no draw from a seed older than the word before it (%lu)",
	       stale);
	tap_ok(!mismatch, "shared draws came from the seed of the word checked (%lu)",
	       mismatch);
	tap_ok(ret, "each thread's PRNG reseeded and ends on the last word");
	tap_ok(randepoch_shared_reseeds(shared) > bumps / 4,
	       "the shared PRNG reseeded with the events");
	randepoch_shared_free(shared);
	randepoch_prng_free(p);
	randepoch_prng_free(nc);
	randepoch_close(&ep);
}

int main(void)
{
	uint32_t w;
	int ret;

	ret = randepoch_open(&ep);
	if (ret == -ENOSYS) {
		printf("1..0 # SKIP %s\n", randepoch_strerror(ret));
		return KSFT_SKIP;
	}
	if (ret) {
		printf("1..0 # open: %s\n", randepoch_strerror(ret));
		return KSFT_FAIL;
	}
	randepoch_close(&ep);
	ret = randepoch_bump(0, 0, &w);
	if (ret == -EPERM) {
		printf("1..0 # SKIP needs root to bump\n");
		return KSFT_SKIP;
	}
	tap_plan(2 * TESTS_PER_SOURCE);
	run(RANDEPOCH_SOURCE_VDSO);
	run(RANDEPOCH_SOURCE_MMAP);
	return tap_exit();
}
