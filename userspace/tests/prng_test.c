// SPDX-License-Identifier: GPL-2.0
/*
 * The reference PRNG on a simulated page. getrandom() is interposed (the
 * library's call binds to the definition in this program) so that tests can
 * count reseeds, hand two PRNGs the same seed as a VM clone would, fail the
 * reseed, or publish a new word while a reseed is in progress.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "randepoch_prng.h"
#include "randepoch_testing.h"
#include "tap.h"

static int gr_calls;		/* getrandom() calls so far */
static int gr_fixed;		/* return a fixed pattern: "cloned" seeds */
static int gr_fail;		/* fail with this errno */
static uint32_t *gr_page;	/* publish gr_bump_to here during the call */
static uint32_t gr_bump_to;
static volatile uint64_t *gr_counter;	/* and gr_counter_to here */
static uint64_t gr_counter_to;

ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
	gr_calls++;
	if (gr_fail) {
		errno = gr_fail;
		return -1;
	}
	if (gr_bump_to) {
		/* An event while the PRNG reseeds. */
		__atomic_store_n(gr_page, gr_bump_to, __ATOMIC_RELEASE);
		gr_bump_to = 0;
	}
	if (gr_counter_to) {
		/* A snapshot restore while the PRNG reseeds. */
		__atomic_store_n(gr_counter, gr_counter_to, __ATOMIC_RELAXED);
		gr_counter_to = 0;
	}
	if (gr_fixed) {
		memset(buf, 0x5a, len);
		return len;
	}
	return syscall(SYS_getrandom, buf, len, flags);
}

static uint32_t *new_page(void)
{
	uint32_t *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		exit(KSFT_FAIL);
	return p;
}

static void publish(uint32_t *page, uint32_t word)
{
	__atomic_store_n(page, word, __ATOMIC_RELEASE);
}

static int draw(struct randepoch_prng *p, void *buf, size_t len)
{
	int ret = randepoch_prng_fill(p, buf, len);

	if (ret)
		tap_diag("fill(%zu) = %d", len, ret);
	return ret;
}

static int cmp16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

/*
 * Two PRNGs seeded alike ("clones"); one sees an event. Returns 1 if their
 * next outputs differ.
 */
static int clones_diverge(unsigned int flags, int *same_before)
{
	uint32_t *pa = new_page(), *pb = new_page();
	struct randepoch a_ep, b_ep;
	struct randepoch_prng *a, *b;
	uint8_t x[64], y[64];
	int differ;

	randepoch_attach(&a_ep, pa);
	randepoch_attach(&b_ep, pb);
	a = randepoch_prng_new(&a_ep, flags);
	b = randepoch_prng_new(&b_ep, flags);
	gr_fixed = 1;
	draw(a, x, 16);
	draw(b, y, 16);
	gr_fixed = 0;
	*same_before = !memcmp(x, y, 16);
	publish(pa, 0x01000001);	/* only a's "VM" was restored */
	draw(a, x, sizeof(x));
	draw(b, y, sizeof(y));
	differ = memcmp(x, y, sizeof(x)) != 0;
	randepoch_prng_free(a);
	randepoch_prng_free(b);
	munmap(pa, 4096);
	munmap(pb, 4096);
	return differ;
}

/* Fork after seeding; the child's next draw must not be the parent's. */
static int fork_diverges(unsigned int flags, uint64_t *child_reseeds)
{
	uint32_t *page = new_page();
	struct randepoch ep;
	struct randepoch_prng *p;
	uint8_t mine[48], theirs[48 + 8];
	int fds[2], status, differ;
	pid_t pid;

	randepoch_attach(&ep, page);
	p = randepoch_prng_new(&ep, flags);
	draw(p, mine, 16);
	if (pipe(fds))
		return 0;
	pid = fork();
	if (pid == 0) {
		uint64_t before = randepoch_prng_reseeds(p);

		if (draw(p, theirs, 48))
			_exit(1);
		before = randepoch_prng_reseeds(p) - before;
		memcpy(theirs + 48, &before, 8);
		_exit(write(fds[1], theirs, sizeof(theirs)) != sizeof(theirs));
	}
	close(fds[1]);
	draw(p, mine, 48);
	differ = read(fds[0], theirs, sizeof(theirs)) == sizeof(theirs) &&
		 memcmp(mine, theirs, 48);
	memcpy(child_reseeds, theirs + 48, 8);
	close(fds[0]);
	waitpid(pid, &status, 0);
	randepoch_prng_free(p);
	munmap(page, 4096);
	return differ && WIFEXITED(status) && !WEXITSTATUS(status);
}

int main(void)
{
	static uint8_t big[1 << 20];
	uint32_t *page = new_page();
	struct randepoch ep;
	struct randepoch_prng *p, *q;
	uint8_t buf[4096], key[32], *chunks;
	size_t sizes[] = { 1, 16, 100, 255, 256, 480, 481, 4096, 100000 };
	size_t i, off, n;
	int calls, ret, ok, same;
	uint64_t r, child;
	volatile uint64_t *ctr;

	tap_plan(22);
	randepoch_attach(&ep, page);
	publish(page, 0x03000007);

	errno = 0;
	q = randepoch_prng_new(NULL, 0);
	ok = !q && errno == EINVAL;
	q = randepoch_prng_new(&ep, 0x4);
	ok &= !q && errno == EINVAL;
	q = randepoch_prng_new(NULL, RANDEPOCH_PRNG_NO_EPOCH_CHECK);
	ok &= q != NULL;
	randepoch_prng_free(q);
	tap_ok(ok, "new: EINVAL without a page or with unknown flags");

	p = randepoch_prng_new(&ep, 0);
	calls = gr_calls;
	ret = draw(p, buf, 16);
	tap_ok(!ret && randepoch_prng_reseeds(p) == 1 &&
	       gr_calls == calls + 1 &&
	       randepoch_prng_seed_word(p) == 0x03000007,
	       "first draw seeds once, under the current word");

	ok = 1;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		ok &= !draw(p, big, sizes[i]);
	for (i = 0; i < 1000; i++)
		ok &= !draw(p, buf, 16);
	tap_ok(ok && gr_calls == calls + 1 && randepoch_prng_reseeds(p) == 1,
	       "no reseed while the word stays (%d getrandom calls)",
	       gr_calls - calls);

	/* Buffered bytes are not served across an event. */
	draw(p, buf, 1);
	publish(page, 0x01000008);
	ret = draw(p, buf, 1);
	tap_ok(!ret && randepoch_prng_reseeds(p) == 2 &&
	       randepoch_prng_seed_word(p) == 0x01000008,
	       "a 1-byte draw after an event reseeds (reseeds %llu, word 0x%08x)",
	       (unsigned long long)randepoch_prng_reseeds(p),
	       randepoch_prng_seed_word(p));

	/* The reseed order: word stored first, then getrandom(). */
	gr_page = page;
	gr_bump_to = 0x02000010;
	publish(page, 0x02000009);
	r = randepoch_prng_reseeds(p);
	draw(p, buf, 16);
	ok = randepoch_prng_seed_word(p) == 0x02000009 &&
	     randepoch_prng_reseeds(p) == r + 1;
	draw(p, buf, 16);
	tap_ok(ok && randepoch_prng_reseeds(p) == r + 2 &&
	       randepoch_prng_seed_word(p) == 0x02000010,
	       "an event during the reseed makes the next draw reseed again");

	/* A failing reseed produces nothing and is retried. */
	publish(page, 0x0200000a);
	gr_fail = EAGAIN;
	memset(buf, 0xee, 64);
	ret = randepoch_prng_fill(p, buf, 16);
	ok = ret == -EAGAIN;
	ret = randepoch_prng_fill(p, buf, 16);
	ok &= ret == -EAGAIN;
	for (i = 0; i < 64; i++)
		ok &= buf[i] == 0xee;
	gr_fail = 0;
	ret = draw(p, buf, 16);
	tap_ok(ok && !ret && randepoch_prng_seed_word(p) == 0x0200000a,
	       "a failed getrandom() gives -errno and no output, then retries");

	/* Fast key erasure: a refill replaces the key; served bytes are 0. */
	while (p->st->avail)
		draw(p, buf, 1);
	memcpy(key, p->st->ks, 32);
	draw(p, buf, 16);
	ok = memcmp(key, p->st->ks, 32) != 0;
	off = RANDEPOCH_PRNG_KS_SIZE - p->st->avail - 16;
	for (i = 0; i < 16; i++)
		ok &= p->st->ks[off + i] == 0;
	memcpy(key, p->st->ks, 32);
	draw(p, buf, 4096);
	ok &= memcmp(key, p->st->ks, 32) != 0;
	tap_ok(ok, "fast key erasure: new key per refill and per long draw, served bytes zeroed");

	/* No 16-byte block repeats across draws of every size. */
	chunks = malloc(1 << 20);
	for (off = 0, n = 1; off + 4096 <= (1 << 20); n = n * 7 % 4081 + 16) {
		draw(p, buf, n);
		for (i = 0; i + 16 <= n && off + 16 <= (1 << 20); i += 16) {
			memcpy(chunks + off, buf + i, 16);
			off += 16;
		}
	}
	qsort(chunks, off / 16, 16, cmp16);
	ok = 1;
	for (i = 16; i < off; i += 16)
		ok &= memcmp(chunks + i - 16, chunks + i, 16) != 0;
	tap_ok(ok, "no repeated 16-byte block in %zu blocks of mixed draws",
	       off / 16);
	free(chunks);

	/* NO_EPOCH_CHECK: the word is never looked at. */
	q = randepoch_prng_new(&ep, RANDEPOCH_PRNG_NO_EPOCH_CHECK);
	draw(q, buf, 16);
	r = randepoch_prng_reseeds(q);
	publish(page, 0x0200000b);
	draw(q, buf, 16);
	draw(q, big, 4096);
	tap_ok(r == 1 && randepoch_prng_reseeds(q) == 1,
	       "NO_EPOCH_CHECK does not reseed on an event");
	randepoch_prng_free(q);

	/*
	 * A VM with a vmclock device: the counter changes, the word not yet
	 * (the hypervisor changes it before any vCPU runs).
	 */
	ctr = randepoch_fake_vm_counter(page);
	if (!ctr)
		return KSFT_FAIL;
	q = randepoch_prng_new(&ep, 0);
	draw(q, buf, 16);
	calls = gr_calls;
	for (i = 0; i < 1000; i++)
		draw(q, buf, 16);
	tap_ok(randepoch_prng_reseeds(q) == 1 && gr_calls == calls,
	       "vmclock device, counter unchanged: no reseed (control)");
	__atomic_store_n(ctr, 2, __ATOMIC_RELAXED);
	draw(q, buf, 1);
	draw(q, buf, 16);
	draw(q, big, 4096);
	tap_ok(randepoch_prng_reseeds(q) == 2 && gr_calls == calls + 1 &&
	       q->st->vm_counter == 2,
	       "the counter changes alone: exactly one reseed, at the next draw");
	r = randepoch_prng_reseeds(q);
	gr_counter = ctr;
	gr_counter_to = 4;
	__atomic_store_n(ctr, 3, __ATOMIC_RELAXED);
	draw(q, buf, 16);
	ok = randepoch_prng_reseeds(q) == r + 1 && q->st->vm_counter == 3;
	draw(q, buf, 16);
	tap_ok(ok && randepoch_prng_reseeds(q) == r + 2 &&
	       q->st->vm_counter == 4,
	       "a restore during the reseed makes the next draw reseed again");
	randepoch_prng_free(q);

	q = randepoch_prng_new(&ep, RANDEPOCH_PRNG_NO_EPOCH_CHECK);
	draw(q, buf, 16);
	__atomic_store_n(ctr, 5, __ATOMIC_RELAXED);
	draw(q, buf, 16);
	tap_ok(randepoch_prng_reseeds(q) == 1,
	       "NO_EPOCH_CHECK does not reseed on a counter change (control)");
	randepoch_prng_free(q);

	/* A malformed vmclock page: a clear error, no PRNG, no getrandom(). */
	calls = gr_calls;
	*(volatile uint32_t *)((uintptr_t)ctr & ~(uintptr_t)4095) = 0;
	errno = 0;
	q = randepoch_prng_new(&ep, 0);
	ok = !q && errno == EPROTO;
	randepoch_fake_vm_counter(page);
	page[1] = 100;
	errno = 0;
	q = randepoch_prng_new(&ep, 0);
	ok &= !q && errno == EPROTO;
	page[1] = 4096;
	errno = 0;
	q = randepoch_prng_new(&ep, 0);
	tap_ok(ok && !q && errno == EPROTO && gr_calls == calls,
	       "bad magic, misaligned or out-of-range offset: new fails, EPROTO");

	/* No device (offset 0, as on older kernels): the word alone. */
	page[1] = 0;
	q = randepoch_prng_new(&ep, 0);
	draw(q, buf, 16);
	__atomic_add_fetch(ctr, 1, __ATOMIC_RELAXED);
	draw(q, buf, 16);
	ok = q && !q->vm_counter && randepoch_prng_reseeds(q) == 1;
	publish(page, 0x0200000d);
	draw(q, buf, 16);
	tap_ok(ok && randepoch_prng_reseeds(q) == 2,
	       "no vmclock device: the counter is not looked at, the word is");
	randepoch_prng_free(q);

	tap_ok(clones_diverge(0, &same) && same,
	       "two clones with one seed diverge once one sees an event");
	tap_ok(!clones_diverge(RANDEPOCH_PRNG_NO_EPOCH_CHECK, &same) && same,
	       "the same clones with NO_EPOCH_CHECK repeat each other");

	tap_ok(fork_diverges(0, &child) && child == 1,
	       "after fork the child reseeds and draws differ from the parent's");
	tap_ok(fork_diverges(RANDEPOCH_PRNG_NO_EPOCH_CHECK, &child) &&
	       child == 1, "fork safety holds with NO_EPOCH_CHECK too");

	/* Long draws straight through the cipher. */
	draw(p, big, 4096);
	draw(p, big + 4096, 4096);
	tap_ok(memcmp(big, big + 4096, 4096) != 0, "consecutive 4 KiB draws differ");
	ok = !draw(p, big, sizeof(big));
	for (i = 0, n = 0; i < sizeof(big); i++)
		n += big[i] == 0;
	tap_ok(ok && n < sizeof(big) / 128,
	       "a 1 MiB draw is filled (%zu zero bytes)", n);

	/* The exported copy of the inline fast path behaves the same. */
	{
		int (*fill)(struct randepoch_prng *, void *, size_t) =
			randepoch_prng_fill;

		publish(page, 0x0200000c);
		r = randepoch_prng_reseeds(p);
		ret = fill(p, buf, 16);
		tap_ok(!ret && randepoch_prng_reseeds(p) == r + 1,
		       "out-of-line randepoch_prng_fill checks the word too");
	}
	randepoch_prng_free(p);
	munmap(page, 4096);
	return tap_exit();
}
