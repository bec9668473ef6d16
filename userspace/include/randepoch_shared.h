/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One snapshot-safe PRNG shared by many threads, without locks on the read
 * side: the seed object (key, the word and VM generation counter it was
 * taken under, a draw counter) is published with RCU (liburcu, memb
 * flavour). A draw loads the epoch word and the counter, takes the RCU
 * read lock and, if the current seed was taken under both, claims a draw
 * number with an atomic increment and returns ChaCha20(key, nonce = draw
 * number). Otherwise one thread builds a new seed object (word and counter
 * first, then getrandom()), swaps it in with rcu_xchg_pointer() and zeroes
 * and frees the old one after a grace period (call_rcu()).
 *
 * Threads: the library registers each thread with liburcu-memb lazily, on
 * its first draw, and unregisters it at thread exit; a thread the
 * application already registered (memb flavour) is left alone. Link with
 * -lurcu-memb (pkg-config does).
 *
 * fork(): a child must not use the parent's object (the fill returns
 * -ECHILD there); create a new one in the child.
 */
#ifndef RANDEPOCH_SHARED_H
#define RANDEPOCH_SHARED_H

#include <stddef.h>
#include <stdint.h>

#include "randepoch.h"

#ifdef __cplusplus
extern "C" {
#endif

struct randepoch_shared;

/*
 * NULL and errno (EINVAL: @ep has no page; EPROTO or another errno of
 * randepoch_vm_counter_ptr(): the kernel names a VM generation counter
 * that cannot be found; ENOMEM). Seeds lazily. Every draw checks the word
 * and the VM generation counter, if any.
 */
struct randepoch_shared *randepoch_shared_new(const struct randepoch *ep);

/* 0, or -errno from getrandom(), or -ECHILD in a forked child. */
int randepoch_shared_fill(struct randepoch_shared *s, void *buf, size_t len);

/* Seed objects built so far, the first one included. */
uint64_t randepoch_shared_reseeds(const struct randepoch_shared *s);

/* No thread may be drawing. Waits for pending call_rcu() frees. */
void randepoch_shared_free(struct randepoch_shared *s);

#ifdef __cplusplus
}
#endif

#endif /* RANDEPOCH_SHARED_H */
