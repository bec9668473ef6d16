// SPDX-License-Identifier: GPL-2.0
/*
 * prng_demo: draw 16 bytes from the reference PRNG every interval and print
 *
 *	R <seq> <monotonic_ns> <word_hex8> <output hex>
 *
 * one line per draw, flushed, for the VM clone and CRIU demos and tests.
 * <word_hex8> is the word the draw was checked under (the seed's word); with
 * --no-check, which never checks it, the word on the page at the draw.
 *
 * --source vdso|mmap takes the page only through that path (default: the
 * vDSO, else the mapping) and prints which one. CRIU cannot dump a process
 * that has the RNDGETEPOCHFD page mapped; through the vDSO it can.
 *
 * --read-fd holds no epoch descriptor or mapping between draws: before each
 * draw it fetches the word with RNDGETEPOCHFD, mmap, a load, munmap and
 * close() into a private copy that the PRNG checks (system calls per draw;
 * the way CRIU could be shown before the vDSO path existed). The copy is
 * the test build's randepoch_attach(): prng_demo links librandepoch-testing.a.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/random_epoch.h>

#include "randepoch_prng.h"
#include "randepoch_testing.h"

/* --read-fd: /dev/urandom stays open (CRIU restores it); the word is copied. */
static int urandom_fd = -1;
static uint32_t private_word[1024];	/* a page: the word, then zeros */

static int fetch_word(void)
{
	const uint32_t *page;
	uint32_t word;
	int efd = ioctl(urandom_fd, RNDGETEPOCHFD, 0);

	if (efd < 0)
		return -errno;
	/*
	 * read() waits for the next change; the current word is in the page.
	 * Unmapped at once: nothing stays mapped for CRIU to dump.
	 */
	page = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ, MAP_SHARED, efd, 0);
	close(efd);
	if (page == MAP_FAILED)
		return -EIO;
	word = __atomic_load_n(page, __ATOMIC_ACQUIRE);
	munmap((void *)page, RANDOM_EPOCH_PAGE_SIZE);
	/* The PRNG loads it with acquire, as it would the real page. */
	__atomic_store_n(private_word, word, __ATOMIC_RELEASE);
	return 0;
}

static int number(const char *s, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return errno || end == s || *end || *v < 0;
}

int main(int argc, char **argv)
{
	long interval = 100, count = -1, seq;
	unsigned int flags = 0;
	int read_fd = 0, source = RANDEPOCH_SOURCE_NONE;
	struct randepoch ep = { 0 };
	struct randepoch_prng *p;
	int i, err;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-check")) {
			flags |= RANDEPOCH_PRNG_NO_EPOCH_CHECK;
		} else if (!strcmp(argv[i], "--read-fd")) {
			read_fd = 1;
		} else if (!strcmp(argv[i], "--source") && i + 1 < argc &&
			   (!strcmp(argv[i + 1], "vdso") ||
			    !strcmp(argv[i + 1], "mmap"))) {
			source = !strcmp(argv[++i], "vdso") ?
				 RANDEPOCH_SOURCE_VDSO : RANDEPOCH_SOURCE_MMAP;
		} else if (!strcmp(argv[i], "--interval-ms") && i + 1 < argc &&
			   !number(argv[i + 1], &interval)) {
			i++;
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc &&
			   !number(argv[i + 1], &count)) {
			i++;
		} else {
			fprintf(stderr,
				"usage: prng_demo [--no-check] [--read-fd | --source vdso|mmap]\n\t\t[--interval-ms N] [--count N]\n");
			return 1;
		}
	}
	if (read_fd) {
		urandom_fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		err = urandom_fd < 0 ? -errno : fetch_word();
		if (err == -EINVAL || err == -ENOTTY)
			err = -ENOSYS;
		if (!err)
			randepoch_attach(&ep, private_word);
	} else if (source != RANDEPOCH_SOURCE_NONE) {
		err = randepoch_open_source(&ep, source);
	} else {
		err = randepoch_open(&ep);
	}
	if (err && !(flags & RANDEPOCH_PRNG_NO_EPOCH_CHECK)) {
		fprintf(stderr, "prng_demo: %s\n", randepoch_strerror(err));
		return err == -ENOSYS ? 2 : 4;
	}
	p = randepoch_prng_new(err ? NULL : &ep, flags);
	if (!p) {
		perror("prng_demo: randepoch_prng_new");
		return 4;
	}
	{
		uint32_t w = err ? 0 : randepoch_word(&ep);

		printf("prng_demo: word %08x (%s, epoch %u) source %s%s\n", w,
		       randepoch_id_name(RANDEPOCH_WORD_ID(w)),
		       RANDEPOCH_WORD_COUNTER(w),
		       read_fd ? "read-fd" : randepoch_source_name(ep.source),
		       flags & RANDEPOCH_PRNG_NO_EPOCH_CHECK ?
		       ", no epoch check" : "");
		fflush(stdout);
	}
	for (seq = 0; count < 0 || seq < count; seq++) {
		struct timespec ts, gap = { interval / 1000,
					    interval % 1000 * 1000000 };
		uint8_t out[16];
		uint32_t word;

		err = read_fd ? fetch_word() : 0;
		if (!err)
			err = randepoch_prng_fill(p, out, sizeof(out));
		if (err) {
			fprintf(stderr, "prng_demo: fill: %s\n",
				randepoch_strerror(err));
			return 4;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (!(flags & RANDEPOCH_PRNG_NO_EPOCH_CHECK))
			word = randepoch_prng_seed_word(p);
		else
			word = ep.page ? randepoch_word(&ep) : 0;
		printf("R %ld %lld %08x ", seq,
		       (long long)ts.tv_sec * 1000000000 + ts.tv_nsec, word);
		for (i = 0; i < (int)sizeof(out); i++)
			printf("%02x", out[i]);
		printf("\n");
		fflush(stdout);
		if (interval)
			nanosleep(&gap, NULL);
	}
	randepoch_prng_free(p);
	return 0;
}
