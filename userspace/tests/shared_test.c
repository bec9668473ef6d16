// SPDX-License-Identifier: GPL-2.0
/*
 * The shared PRNG under load on a simulated page: reader threads draw while
 * a bumper thread publishes a new word every few hundred microseconds. No
 * draw may come from a seed older than a word published before the draw
 * began, or from a seed other than the one for the word it checked; no two
 * draws may return the same bytes; ASan catches a seed freed too early.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "randepoch_shared.h"
#include "randepoch_testing.h"
#include "tap.h"

#define READERS		4
#define RUN_MS		2000
#define MAX_SAMPLES	(1 << 18)

static uint32_t *page;
static struct randepoch_shared *shared;
static int stop;
static unsigned long bumps;

struct reader {
	pthread_t thread;
	unsigned long draws, stale, mismatch, errors;
	uint8_t (*samples)[16];
	size_t nsamples;
};

static void *bumper(void *arg)
{
	uint32_t counter = 1;

	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		/* The kernel's order: reseed, then publish with release. */
		__atomic_store_n(page, 0x03000000 | ++counter,
				 __ATOMIC_RELEASE);
		bumps++;
		usleep(200 + counter % 300);
	}
	return NULL;
}

static void *reader(void *arg)
{
	static const size_t sizes[] = { 16, 16, 64, 100, 1000, 4096 };
	struct reader *r = arg;
	uint8_t buf[4096];
	size_t i = 0;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		uint32_t before, seed_word, checked;
		size_t len = sizes[i++ % 6];

		/* Words only grow here, so "older" is "smaller". */
		before = __atomic_load_n(page, __ATOMIC_ACQUIRE);
		if (randepoch_shared_fill_traced(shared, buf, len, &seed_word,
						 &checked)) {
			r->errors++;
			continue;
		}
		r->draws++;
		if (seed_word < before)
			r->stale++;
		if (seed_word != checked)
			r->mismatch++;
		if (r->nsamples < MAX_SAMPLES)
			memcpy(r->samples[r->nsamples++], buf, 16);
	}
	return NULL;
}

static int cmp16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

int main(void)
{
	struct reader readers[READERS];
	unsigned long draws = 0, stale = 0, mismatch = 0, errors = 0, dup = 0;
	uint8_t (*all)[16], buf[32];
	struct randepoch ep;
	pthread_t bump_thread;
	uint32_t seed_word, checked;
	struct randepoch_shared *vm;
	volatile uint64_t *ctr;
	size_t i, n = 0;
	uint64_t reseeds;
	int status, ret;
	pid_t pid;

	tap_plan(11);
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return KSFT_FAIL;
	randepoch_attach(&ep, page);

	errno = 0;
	tap_ok(!randepoch_shared_new(NULL) && errno == EINVAL,
	       "new without a page fails with EINVAL");
	shared = randepoch_shared_new(&ep);
	if (!shared)
		return KSFT_FAIL;

	memset(readers, 0, sizeof(readers));
	for (i = 0; i < READERS; i++) {
		readers[i].samples = calloc(MAX_SAMPLES, 16);
		pthread_create(&readers[i].thread, NULL, reader, &readers[i]);
	}
	pthread_create(&bump_thread, NULL, bumper, NULL);
	usleep(RUN_MS * 1000);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_join(bump_thread, NULL);
	for (i = 0; i < READERS; i++) {
		pthread_join(readers[i].thread, NULL);
		draws += readers[i].draws;
		stale += readers[i].stale;
		mismatch += readers[i].mismatch;
		errors += readers[i].errors;
		n += readers[i].nsamples;
	}
	reseeds = randepoch_shared_reseeds(shared);
	tap_diag("%d readers, %d ms: %lu draws, %lu bumps, %llu reseeds",
		 READERS, RUN_MS, draws, bumps, (unsigned long long)reseeds);

	tap_ok(draws > 1000 && !errors, "readers drew (%lu draws, %lu errors)",
	       draws, errors);
	tap_ok(!stale, "no draw from a seed older than a word published before it (%lu stale)",
	       stale);
	tap_ok(!mismatch, "every draw came from the seed of the word it checked (%lu not)",
	       mismatch);
	tap_ok(reseeds > 10 && reseeds <= bumps + 1,
	       "reseeds follow the events (%llu reseeds, %lu bumps)",
	       (unsigned long long)reseeds, bumps);

	all = malloc(n * 16);
	for (i = 0, n = 0; i < READERS; i++) {
		memcpy(all + n, readers[i].samples, readers[i].nsamples * 16);
		n += readers[i].nsamples;
		free(readers[i].samples);
	}
	qsort(all, n, 16, cmp16);
	for (i = 1; i < n; i++)
		dup += !memcmp(all[i - 1], all[i], 16);
	free(all);
	tap_ok(!dup, "no two draws returned the same bytes (%zu draws, %lu repeats)",
	       n, dup);

	/* In this thread, after all that: the current word's seed. */
	__atomic_store_n(page, 0x02abcdef, __ATOMIC_RELEASE);
	ret = randepoch_shared_fill_traced(shared, buf, sizeof(buf), &seed_word,
					   &checked);
	tap_ok(!ret && seed_word == 0x02abcdef && checked == 0x02abcdef,
	       "a draw after the last event uses its word (0x%08x)", seed_word);

	/* A vmclock device: the counter changes alone. */
	ctr = randepoch_fake_vm_counter(page);
	vm = ctr ? randepoch_shared_new(&ep) : NULL;
	if (!vm)
		return KSFT_FAIL;
	ret = randepoch_shared_fill(vm, buf, 16);
	for (i = 0; i < 1000; i++)
		ret |= randepoch_shared_fill(vm, buf, 16);
	tap_ok(!ret && randepoch_shared_reseeds(vm) == 1,
	       "vmclock device, counter unchanged: no reseed (control)");
	__atomic_store_n(ctr, 2, __ATOMIC_RELAXED);
	ret = randepoch_shared_fill_traced(vm, buf, 16, &seed_word, &checked);
	for (i = 0; i < 1000; i++)
		ret |= randepoch_shared_fill(vm, buf, 16);
	tap_ok(!ret && randepoch_shared_reseeds(vm) == 2 &&
	       seed_word == 0x02abcdef && checked == 0x02abcdef,
	       "the counter changes alone: exactly one reseed (%llu seeds)",
	       (unsigned long long)randepoch_shared_reseeds(vm));
	randepoch_shared_free(vm);
	page[1] = 4;
	errno = 0;
	vm = randepoch_shared_new(&ep);
	tap_ok(!vm && errno == EPROTO,
	       "a malformed vmclock page: new fails with EPROTO");
	page[1] = 0;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(randepoch_shared_fill(shared, buf, 16) != -ECHILD);
	waitpid(pid, &status, 0);
	tap_ok(WIFEXITED(status) && !WEXITSTATUS(status),
	       "a forked child gets -ECHILD instead of the parent's stream");

	randepoch_shared_free(shared);
	munmap(page, 4096);
	return tap_exit();
}
