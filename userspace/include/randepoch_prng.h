/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The reference PRNG: ChaCha20 with fast key erasure, snapshot-safe (the
 * epoch word and, where the VM has a vmclock device, the VM generation
 * counter are checked before every draw: randepoch_stale()) and fork-safe (its state lives in
 * MADV_WIPEONFORK memory, which a child sees zeroed, forcing a reseed).
 *
 * One randepoch_prng is for one thread; see randepoch_shared.h for a PRNG
 * that many threads share.
 */
#ifndef RANDEPOCH_PRNG_H
#define RANDEPOCH_PRNG_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "randepoch.h"

#ifdef __cplusplus
extern "C" {
#endif

/* For benchmarks and to demonstrate the failure: never check the word. */
#define RANDEPOCH_PRNG_NO_EPOCH_CHECK	0x1

/*
 * Everything below up to randepoch_prng_new() is private: it is in the
 * header only so that the fast path of randepoch_prng_fill() inlines.
 */
#define RANDEPOCH_PRNG_KS_SIZE	512	/* 8 ChaCha20 blocks per refill */
#define RANDEPOCH_PRNG_KEY_SIZE	32

/*
 * In its own MADV_WIPEONFORK mapping: all zero in a forked child. Fields
 * are only ever added at the end (code built against 0.1 inlines the
 * offsets of those before them).
 */
struct randepoch_prng_state {
	uint32_t word;		/* the word the key was taken under */
	uint32_t ready;		/* 0: must reseed before any output */
	uint32_t avail;		/* unread bytes at the end of ks[] */
	uint32_t pad;
	/*
	 * ks[0..31] is the key; a refill writes 512 bytes of keystream over
	 * all of ks[], so its first 32 bytes become the next key (fast key
	 * erasure) and the rest is served, and erased as it is served.
	 */
	uint8_t ks[RANDEPOCH_PRNG_KS_SIZE];
	uint64_t vm_counter;	/* since 0.2: the counter the key was taken under */
};

/* Allocated by the library: fields are only ever added at the end. */
struct randepoch_prng {
	const volatile uint32_t *page;	/* NULL with NO_EPOCH_CHECK */
	struct randepoch_prng_state *st;
	uint64_t reseeds;
	unsigned int flags;
	/* since 0.2: randepoch_vm_counter_ptr(); NULL without a device */
	const volatile uint64_t *vm_counter;
};

/* Checks, reseeds, refills; the out-of-line part of randepoch_prng_fill(). */
int randepoch_prng_fill_slow(struct randepoch_prng *p, void *buf, size_t len);

/*
 * NULL and errno: EINVAL (no page without NO_EPOCH_CHECK, or bad flags),
 * EPROTO or another errno of randepoch_vm_counter_ptr() (the kernel names
 * a VM generation counter that cannot be found), ENOMEM.
 */
struct randepoch_prng *randepoch_prng_new(const struct randepoch *ep,
					  unsigned int flags);

/*
 * Fill @buf with @len random bytes: 0, or -errno from getrandom() (no output
 * then). Before producing anything it loads the epoch word and the VM
 * generation counter and, if either changed since the last seed (or after
 * a fork), reseeds from getrandom().
 */
int randepoch_prng_fill(struct randepoch_prng *p, void *buf, size_t len);

/* The word the current seed was taken under (0 before the first draw). */
uint32_t randepoch_prng_seed_word(const struct randepoch_prng *p);

/* Reseeds so far, the first seeding included. */
uint64_t randepoch_prng_reseeds(const struct randepoch_prng *p);

void randepoch_prng_free(struct randepoch_prng *p);

/*
 * The fast path, inlined into callers: a small draw served from buffered
 * keystream under an unchanged word. gnu_inline extern inline never emits a
 * definition; prng.c defines RANDEPOCH_PRNG_IMPL to emit the one exported
 * copy, used when the compiler chooses not to inline.
 */
#if defined(__GNUC__) && !defined(RANDEPOCH_PRNG_IMPL)
#define RANDEPOCH_PRNG_FILL_DEF	extern __inline __attribute__((__gnu_inline__))
#elif defined(RANDEPOCH_PRNG_IMPL)
#define RANDEPOCH_PRNG_FILL_DEF
#endif

#ifdef RANDEPOCH_PRNG_FILL_DEF
RANDEPOCH_PRNG_FILL_DEF int
randepoch_prng_fill(struct randepoch_prng *p, void *buf, size_t len)
{
	const volatile uint32_t *page = p->page;
	struct randepoch_prng_state *st = p->st;
	uint32_t avail;

	/*
	 * The check first: its acquire load is a compiler barrier, so state
	 * read before it would be read again after it. A page to check is the
	 * common case, NO_EPOCH_CHECK the exception: lay the code out for it.
	 */
	if (__builtin_expect(page != NULL, 1) &&
	    __builtin_expect(randepoch_stale(page, p->vm_counter, st->word,
					     st->vm_counter), 0))
		return randepoch_prng_fill_slow(p, buf, len);
	avail = st->avail;
	if (__builtin_expect(len <= avail, 1)) {
		uint8_t *src = st->ks + RANDEPOCH_PRNG_KS_SIZE - avail;

		memcpy(buf, src, len);
		memset(src, 0, len);
		st->avail = avail - (uint32_t)len;
		return 0;
	}
	return randepoch_prng_fill_slow(p, buf, len);
}
#endif

#ifdef __cplusplus
}
#endif

#endif /* RANDEPOCH_PRNG_H */
