/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * librandepoch: the /dev/random epoch page without the boilerplate.
 *
 * The kernel publishes a 32-bit "epoch word" (notifier ID << 24 | 24-bit
 * counter) in a read-only page and changes it, after reseeding its own crng,
 * whenever userspace PRNG state may have been duplicated (VM snapshot
 * restore, CRIU restore, periodic timer). A PRNG loads the word before every
 * draw and reseeds from getrandom() when it differs from the word its seed
 * was taken under.
 */
#ifndef RANDEPOCH_H
#define RANDEPOCH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Layout of the word; mirrors <linux/random_epoch.h> without needing it. */
#define RANDEPOCH_WORD_ID(word)		((uint32_t)(word) >> 24)
#define RANDEPOCH_WORD_COUNTER(word)	((uint32_t)(word) & 0x00ffffffU)

/* Where an open epoch's page comes from. */
enum randepoch_source {
	RANDEPOCH_SOURCE_NONE = 0,	/* not open */
	/*
	 * The vDSO's vvar area (__vdso_random_epoch_page): no descriptor and
	 * no system call, so it works under seccomp filters that forbid open,
	 * ioctl and mmap, and CRIU can checkpoint the process.
	 */
	RANDEPOCH_SOURCE_VDSO,
	RANDEPOCH_SOURCE_MMAP,		/* RNDGETEPOCHFD on /dev/urandom + mmap */
};

/*
 * An open epoch. @page points at the epoch word; @fd is an epoch
 * descriptor (for poll) or -1: the vDSO source opens one only when
 * randepoch_wait() first needs it. @source is an enum randepoch_source.
 */
struct randepoch {
	const volatile uint32_t *page;
	int fd;
	int source;
};

/*
 * Find the epoch page: through the vDSO where the kernel offers it, else by
 * mapping an RNDGETEPOCHFD descriptor. Returns 0, or -errno; -ENOSYS means
 * the running kernel lacks the feature, and the caller must decide how to
 * live without it (see randepoch_strerror()).
 */
int randepoch_open(struct randepoch *ep);

/*
 * Like randepoch_open(), through @source only (RANDEPOCH_SOURCE_VDSO or
 * RANDEPOCH_SOURCE_MMAP). A process that CRIU must be able to checkpoint
 * opens RANDEPOCH_SOURCE_VDSO: CRIU cannot dump the RNDGETEPOCHFD mapping,
 * and randepoch_open() falls back to it silently. -ENOSYS if that path is
 * absent, -EINVAL for any other @source; *@ep is then not open.
 */
int randepoch_open_source(struct randepoch *ep, int source);

/* "none", "vdso", "mmap", or "unknown". */
const char *randepoch_source_name(int source);

/* Unmap and close what randepoch_open() set up. */
void randepoch_close(struct randepoch *ep);

/*
 * The current word: one acquire load, which pairs with the kernel's release
 * store after its crng reseed, so a getrandom() issued after this load sees
 * the reseeded crng. Only valid after a successful open.
 */
static inline uint32_t randepoch_word(const struct randepoch *ep)
{
	return __atomic_load_n(ep->page, __ATOMIC_ACQUIRE);
}

/* Nonzero if the word differs from @since. */
static inline int randepoch_changed(const struct randepoch *ep, uint32_t since)
{
	return randepoch_word(ep) != since;
}

/*
 * Wait until the word differs from @since: 1 changed, 0 timed out, -errno.
 * @timeout_ms < 0 waits forever. Polls an epoch descriptor (the vDSO source
 * opens one on first use); a page without a descriptor that the caller set
 * in @ep itself is sampled every millisecond.
 */
int randepoch_wait(struct randepoch *ep, uint32_t since, int timeout_ms);

/*
 * RNDBUMPEPOCH: reseed the kernel crng and publish a new word with the CRIU
 * ID. With @use_avoid the new word differs from @avoid (the word recorded at
 * checkpoint time). Stores the new word in *@new_word if non-NULL. Returns 0,
 * -EPERM without CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN, -ENOSYS if the
 * kernel lacks the feature, or another -errno.
 */
int randepoch_bump(int use_avoid, uint32_t avoid, uint32_t *new_word);

/*
 * Watchers: programs that keep state derived from random numbers (a host
 * key, an instance UUID) and renew it on every change of the word.
 *
 * randepoch_watch() opens a watcher descriptor (RNDGETEPOCHFD_WATCH): the fd,
 * or -errno; -ENOSYS if the kernel has no watchers. From every change of the
 * word until it acknowledges, the watcher counts as outdated.
 *
 * randepoch_watch_next() blocks until the word differs from the one this
 * descriptor last returned (initially: the word at its creation) and stores
 * it in *@word: 1, or 0 when @timeout_ms (>= 0) passed, or -errno (-EINTR
 * on a signal).
 *
 * randepoch_ack() tells the kernel the watcher finished adjusting to @word,
 * the word it read BEFORE it started renewing: 0, or -ESTALE when the word
 * changed meanwhile (adjust again to the new word), or -errno.
 */
int randepoch_watch(void);
int randepoch_watch_next(int wfd, uint32_t *word, int timeout_ms);
int randepoch_ack(int wfd, uint32_t word);

/* Open watchers and outdated ones in the whole system: 0 or -errno. */
int randepoch_count(unsigned int *watchers, unsigned int *outdated);

/*
 * Wait until no watcher is outdated, at most @timeout_ms (< 0: forever):
 * 0 settled, -ETIMEDOUT with the count still outdated in *@left (if
 * non-NULL), -EDEADLK if @fd is itself an outdated watcher, or -errno.
 * @fd is an epoch descriptor to wait on (a watcher's own, say), or -1 for a
 * temporary one.
 */
int randepoch_settle(int fd, int timeout_ms, unsigned int *left);

/* "none", "vmgenid", "criu", "timer", "dynamic", or "reserved" (4..15). */
const char *randepoch_id_name(unsigned int id);

/* A message for a -errno returned by this library (also accepts +errno). */
const char *randepoch_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* RANDEPOCH_H */
