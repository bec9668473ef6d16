// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A PRNG shared by many threads: the seed object is swapped with RCU.
 */
#define _GNU_SOURCE
#define _LGPL_SOURCE	/* inline read-side primitives; we are LGPL too */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include <urcu/urcu-memb.h>

#include "chacha20.h"
#include "randepoch_shared.h"

/* Long draws take a new draw number per chunk: the block counter is 32-bit. */
#define DRAW_CHUNK	(1 << 20)

struct seed {
	uint8_t key[CHACHA20_KEY_SIZE];
	uint32_t word;		/* the word the key was taken under */
	uint64_t vm_counter;	/* and the VM generation counter (0: none) */
	uint64_t next;		/* next draw number, the ChaCha20 nonce */
	struct rcu_head rcu;
};

struct randepoch_shared {
	const volatile uint32_t *page;
	const volatile uint64_t *vm_counter;	/* NULL: no vmclock device */
	struct seed *cur;		/* RCU-protected */
	pthread_mutex_t lock;		/* serialises reseeds */
	uint64_t reseeds;
	/* One page of MADV_WIPEONFORK memory: 1 here, 0 in a forked child. */
	volatile uint32_t *live;
};

static pthread_key_t reg_key;
static pthread_once_t reg_once = PTHREAD_ONCE_INIT;
static int reg_key_err;

static void unregister_thread(void *arg)
{
	(void)arg;
	urcu_memb_unregister_thread();
}

static void reg_key_init(void)
{
	reg_key_err = pthread_key_create(&reg_key, unregister_thread);
}

/*
 * Register the calling thread with liburcu once, and have it unregistered
 * at thread exit. A thread the application registered itself is left
 * alone (and stays the application's to unregister).
 */
static int ensure_registered(void)
{
	if (__builtin_expect(URCU_TLS(urcu_memb_reader).registered, 1))
		return 0;
	pthread_once(&reg_once, reg_key_init);
	if (reg_key_err)
		return -reg_key_err;
	urcu_memb_register_thread();
	return -pthread_setspecific(reg_key, (void *)1);
}

struct randepoch_shared *randepoch_shared_new(const struct randepoch *ep)
{
	struct randepoch_shared *s;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	void *live;
	int err;

	if (!ep || !ep->page) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	err = randepoch_vm_counter_ptr(ep, &s->vm_counter);
	if (err) {
		errno = -err;
		goto err_free;
	}
	live = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (live == MAP_FAILED)
		goto err_free;
	if (madvise(live, pg, MADV_WIPEONFORK)) {
		err = errno;
		munmap(live, pg);
		errno = err;
		goto err_free;
	}
	s->live = live;
	*s->live = 1;
	s->page = ep->page;
	pthread_mutex_init(&s->lock, NULL);
	return s;

err_free:
	err = errno;
	free(s);
	errno = err;
	return NULL;
}

static void seed_free(struct seed *seed)
{
	chacha20_wipe(seed, sizeof(*seed));
	free(seed);
}

static void seed_free_rcu(struct rcu_head *head)
{
	seed_free(caa_container_of(head, struct seed, rcu));
}

void randepoch_shared_free(struct randepoch_shared *s)
{
	if (!s)
		return;
	if (*s->live) {
		urcu_memb_barrier();	/* pending seed_free_rcu() calls */
		if (s->cur)
			seed_free(s->cur);
	}
	munmap((void *)s->live, (size_t)sysconf(_SC_PAGESIZE));
	pthread_mutex_destroy(&s->lock);
	free(s);
}

uint64_t randepoch_shared_reseeds(const struct randepoch_shared *s)
{
	return __atomic_load_n(&s->reseeds, __ATOMIC_RELAXED);
}

/*
 * Replace the seed object unless another thread already built one under the
 * current word and counter. The new object's word and counter are read
 * before getrandom(): an event during getrandom() makes the page or the
 * counter differ from them, so the next draw reseeds again instead of
 * using a key that may predate the event.
 */
static int reseed(struct randepoch_shared *s)
{
	struct seed *old, *seed;
	size_t got = 0;
	int err = 0;

	pthread_mutex_lock(&s->lock);
	old = s->cur;	/* only reseed() writes it, under the lock */
	if (old && !randepoch_stale(s->page, s->vm_counter, old->word,
				    old->vm_counter))
		goto out;
	seed = calloc(1, sizeof(*seed));
	if (!seed) {
		err = -ENOMEM;
		goto out;
	}
	seed->word = __atomic_load_n(s->page, __ATOMIC_ACQUIRE);
	seed->vm_counter = randepoch_vm_counter(s->vm_counter);
	while (got < sizeof(seed->key)) {
		ssize_t n = getrandom(seed->key + got, sizeof(seed->key) - got,
				      0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			seed_free(seed);
			goto out;
		}
		got += n;
	}
	old = rcu_xchg_pointer(&s->cur, seed);
	__atomic_fetch_add(&s->reseeds, 1, __ATOMIC_RELAXED);
	if (old)
		urcu_memb_call_rcu(&old->rcu, seed_free_rcu);
out:
	pthread_mutex_unlock(&s->lock);
	return err;
}

/* ChaCha20(key, nonce = draw number), blocks 0.. of it, into @out. */
static void generate(const struct seed *seed, uint64_t draw, uint8_t *out,
		     size_t len)
{
	uint8_t nonce[CHACHA20_NONCE_SIZE] = { 0 };
	uint8_t tmp[CHACHA20_BLOCK_SIZE];
	size_t nb = len / CHACHA20_BLOCK_SIZE, tail = len % CHACHA20_BLOCK_SIZE;
	int i;

	for (i = 0; i < 8; i++)
		nonce[i] = draw >> (8 * i);
	chacha20_blocks(out, seed->key, 0, nonce, nb);
	if (tail) {
		chacha20_blocks(tmp, seed->key, nb, nonce, 1);
		memcpy(out + nb * CHACHA20_BLOCK_SIZE, tmp, tail);
		chacha20_wipe(tmp, sizeof(tmp));
	}
}

/*
 * The draw. @seed_word and @checked_word, if not NULL, receive the word of
 * the seed object the output came from and the word the draw checked: the
 * test build reports them (testing/shared_traced.c); the library passes
 * NULL.
 */
static inline int shared_fill(struct randepoch_shared *s, void *buf,
			      size_t len, uint32_t *seed_word,
			      uint32_t *checked_word)
{
	uint8_t *out = buf;
	int err;

	if (!*s->live)
		return -ECHILD;
	err = ensure_registered();
	if (err)
		return err;
	do {
		size_t chunk = len < DRAW_CHUNK ? len : DRAW_CHUNK;
		uint32_t word = __atomic_load_n(s->page, __ATOMIC_ACQUIRE);
		uint64_t vm_counter = randepoch_vm_counter(s->vm_counter);
		struct seed *seed;

		/*
		 * Both read before the seed is looked up: a seed that matches
		 * them was taken no earlier than this draw's check.
		 */
		urcu_memb_read_lock();
		seed = rcu_dereference(s->cur);
		if (seed && seed->word == word &&
		    seed->vm_counter == vm_counter) {
			uint64_t draw = __atomic_fetch_add(&seed->next, 1,
							   __ATOMIC_RELAXED);

			generate(seed, draw, out, chunk);
			if (seed_word)
				*seed_word = seed->word;
			urcu_memb_read_unlock();
			if (checked_word)
				*checked_word = word;
			out += chunk;
			len -= chunk;
			continue;
		}
		urcu_memb_read_unlock();
		err = reseed(s);
		if (err)
			return err;
	} while (len);
	return 0;
}

int randepoch_shared_fill(struct randepoch_shared *s, void *buf, size_t len)
{
	return shared_fill(s, buf, len, NULL, NULL);
}
