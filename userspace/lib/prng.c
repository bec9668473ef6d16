// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The reference PRNG: ChaCha20 with fast key erasure, the epoch word and
 * the VM generation counter checked before every draw, state in
 * MADV_WIPEONFORK memory.
 */
#define _GNU_SOURCE
#define RANDEPOCH_PRNG_IMPL	/* emit the out-of-line randepoch_prng_fill() */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "chacha20.h"
#include "randepoch_prng.h"

/* Draws at least this long skip the buffer and go straight through ChaCha20. */
#define DIRECT_MIN	256
/* Rekey at least every this many bytes of a long draw. */
#define DIRECT_CHUNK	(64 << 10)

static const uint8_t zero_nonce[CHACHA20_NONCE_SIZE];

static size_t state_map_size(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (sizeof(struct randepoch_prng_state) + pg - 1) & ~(pg - 1);
}

struct randepoch_prng *randepoch_prng_new(const struct randepoch *ep,
					  unsigned int flags)
{
	struct randepoch_prng *p;
	size_t size = state_map_size();
	void *st;
	int err;

	if (flags & ~RANDEPOCH_PRNG_NO_EPOCH_CHECK ||
	    (!(flags & RANDEPOCH_PRNG_NO_EPOCH_CHECK) && (!ep || !ep->page))) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	st = mmap(NULL, size, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED)
		goto err_free;
	/*
	 * A child of fork() sees this mapping zeroed: ready == 0 and
	 * avail == 0 send its first draw to the slow path, which reseeds.
	 * Without WIPEONFORK (Linux < 4.14) parent and child would share a
	 * stream, so refuse rather than be silently unsafe.
	 */
	if (madvise(st, size, MADV_WIPEONFORK))
		goto err_unmap;
	/* Keep keys out of core dumps; best effort. */
	madvise(st, size, MADV_DONTDUMP);
	p->st = st;
	p->flags = flags;
	if (!(flags & RANDEPOCH_PRNG_NO_EPOCH_CHECK)) {
		err = randepoch_vm_counter_ptr(ep, &p->vm_counter);
		if (err) {
			errno = -err;
			goto err_unmap;
		}
		p->page = ep->page;
	}
	return p;

err_unmap:
	err = errno;
	munmap(st, size);
	errno = err;
err_free:
	err = errno;
	free(p);
	errno = err;
	return NULL;
}

void randepoch_prng_free(struct randepoch_prng *p)
{
	if (!p)
		return;
	chacha20_wipe(p->st, sizeof(*p->st));
	munmap(p->st, state_map_size());
	free(p);
}

uint32_t randepoch_prng_seed_word(const struct randepoch_prng *p)
{
	return p->st->word;
}

uint64_t randepoch_prng_reseeds(const struct randepoch_prng *p)
{
	return p->reseeds;
}

/*
 * New key from getrandom(). The word and the counter are read and stored
 * first: if another event happens while getrandom() runs, the page or the
 * counter already differs from what is stored and the next draw reseeds
 * again. Reading them after getrandom() would record a newer word or
 * counter for a key that may predate it, and that event would be lost.
 */
static int reseed(struct randepoch_prng *p)
{
	struct randepoch_prng_state *st = p->st;
	size_t got = 0;

	st->ready = 0;
	st->avail = 0;
	chacha20_wipe(st->ks, sizeof(st->ks));
	if (p->page) {
		st->word = __atomic_load_n(p->page, __ATOMIC_ACQUIRE);
		st->vm_counter = randepoch_vm_counter(p->vm_counter);
	}
	while (got < RANDEPOCH_PRNG_KEY_SIZE) {
		ssize_t n = getrandom(st->ks + got,
				      RANDEPOCH_PRNG_KEY_SIZE - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			chacha20_wipe(st->ks, sizeof(st->ks));
			return -errno;
		}
		got += n;
	}
	st->ready = 1;
	p->reseeds++;
	return 0;
}

/* Keystream over ks[]: its first 32 bytes are the next key, 480 to serve. */
static void refill(struct randepoch_prng_state *st)
{
	chacha20_blocks(st->ks, st->ks, 0, zero_nonce,
			RANDEPOCH_PRNG_KS_SIZE / CHACHA20_BLOCK_SIZE);
	st->avail = RANDEPOCH_PRNG_KS_SIZE - RANDEPOCH_PRNG_KEY_SIZE;
}

/*
 * A long draw: blocks 1..n of the current key go straight to @out, block 0
 * becomes the next key. Buffered bytes stay valid; they came from an older
 * key and were never output.
 */
static void direct(struct randepoch_prng_state *st, uint8_t *out, size_t len)
{
	uint8_t tmp[2 * CHACHA20_BLOCK_SIZE];

	while (len) {
		size_t chunk = len < DIRECT_CHUNK ? len : DIRECT_CHUNK;
		size_t nb = chunk / CHACHA20_BLOCK_SIZE;
		size_t tail = chunk % CHACHA20_BLOCK_SIZE;

		chacha20_blocks(out, st->ks, 1, zero_nonce, nb);
		if (tail) {
			chacha20_blocks(tmp + CHACHA20_BLOCK_SIZE, st->ks,
					1 + nb, zero_nonce, 1);
			memcpy(out + nb * CHACHA20_BLOCK_SIZE,
			       tmp + CHACHA20_BLOCK_SIZE, tail);
		}
		chacha20_blocks(tmp, st->ks, 0, zero_nonce, 1);
		memcpy(st->ks, tmp, RANDEPOCH_PRNG_KEY_SIZE);
		out += chunk;
		len -= chunk;
	}
	chacha20_wipe(tmp, sizeof(tmp));
}

int randepoch_prng_fill_slow(struct randepoch_prng *p, void *buf, size_t len)
{
	struct randepoch_prng_state *st = p->st;
	uint8_t *out = buf;
	int err;

	if (!st->ready || (p->page && randepoch_stale(p->page, p->vm_counter,
						     st->word, st->vm_counter))) {
		err = reseed(p);
		if (err)
			return err;
	}
	if (len >= DIRECT_MIN) {
		direct(st, out, len);
		return 0;
	}
	while (len) {
		uint8_t *src;
		size_t n;

		if (!st->avail)
			refill(st);
		n = len < st->avail ? len : st->avail;
		src = st->ks + RANDEPOCH_PRNG_KS_SIZE - st->avail;
		memcpy(out, src, n);
		memset(src, 0, n);
		st->avail -= n;
		out += n;
		len -= n;
	}
	return 0;
}
