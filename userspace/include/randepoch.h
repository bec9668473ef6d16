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
 * An open epoch. @page points at the epoch word, at the start of the epoch
 * page (a caller that fills the struct itself points it at a whole page:
 * the library reads the fields after the word); @fd is an epoch
 * descriptor (for poll) or -1: the vDSO source opens one only when
 * randepoch_wait() first needs it. @source is an enum randepoch_source.
 * The layout is that of 0.1 and stays so: callers allocate it.
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
 * The hypervisor's VM generation counter (since 0.2). Where the VM has a
 * vmclock device the hypervisor changes a 64-bit counter in the vmclock
 * page before any vCPU runs after a snapshot restore: before the kernel
 * can publish a new word. A PRNG therefore checks, before every draw, the
 * word AND the counter against the values it read BEFORE the getrandom()
 * that seeded it (word first, then counter); if either differs it reseeds
 * from getrandom(), which compares the same counter itself and reseeds the
 * kernel's crng first. The reference and shared PRNGs and the OpenSSL
 * provider do this.
 *
 * randepoch_vm_counter_ptr() finds the counter the kernel compares
 * (random_epoch_page.vmclock_counter_offset in @ep's page): 0 and
 * *@counter pointing at it, or 0 and *@counter NULL when the VM has no
 * vmclock device (the offset is 0, as on kernels that predate it: the
 * check is then the word alone). -EPROTO, *@counter NULL, when the kernel
 * names a counter but there is no vmclock page or it fails the vmclock
 * ABI's checks (magic; a naturally aligned 64-bit field past the header,
 * inside the page). Other -errno from mapping it. The vmclock page is
 * found once per process (the vDSO's __vdso_random_vmclock_page(), else a
 * mapping of an epoch descriptor at RANDOM_EPOCH_VMCLOCK_OFFSET, which
 * stays mapped for the life of the process) and is the same for every
 * struct randepoch. A @ep opened from RANDEPOCH_SOURCE_VDSO is never given
 * a descriptor mapping (CRIU could not dump it).
 */
int randepoch_vm_counter_ptr(const struct randepoch *ep,
			     const volatile uint64_t **counter);

/*
 * The field of the vmclock page the kernel compares, from @ep's page:
 * "vm_generation_counter", "disruption_marker", "none" (no vmclock
 * device), or "unknown" (another offset; randepoch_vm_counter_ptr() says
 * whether it is valid).
 */
const char *randepoch_vm_counter_name(const struct randepoch *ep);

/*
 * The counter at @counter, or 0 when @counter is NULL (no device). Compare
 * it for equality only: the page is little-endian, and a change is all
 * that matters. On 64-bit, one relaxed load: the hypervisor changes the
 * counter only while no vCPU runs, so no seq_count loop is needed. A
 * 32-bit reader loads it in two halves and must not mix two values: it
 * retries while the page's seq_count (byte 12 of the page-aligned vmclock
 * page) is odd or changed, as the vmclock ABI says. gnu_inline: the
 * reference PRNG's inline fast path (itself gnu_inline) calls it; the
 * library exports the out-of-line copy.
 */
uint64_t randepoch_vm_counter(const volatile uint64_t *counter);

/*
 * The check before every draw, without a system call: nonzero if the word
 * at @page differs from @word or the counter at @counter (NULL: none) from
 * @counter_seen, the values read (in this order, with randepoch_word() and
 * randepoch_vm_counter()) before the getrandom() that seeded the PRNG.
 * Also gnu_inline, with an exported copy.
 */
int randepoch_stale(const volatile uint32_t *page,
		    const volatile uint64_t *counter, uint32_t word,
		    uint64_t counter_seen);

#if defined(__GNUC__) && !defined(RANDEPOCH_IMPL)
#define RANDEPOCH_INLINE_DEF	extern __inline __attribute__((__gnu_inline__))
#elif defined(RANDEPOCH_IMPL)
#define RANDEPOCH_INLINE_DEF
#endif

#ifdef RANDEPOCH_INLINE_DEF
RANDEPOCH_INLINE_DEF uint64_t
randepoch_vm_counter(const volatile uint64_t *counter)
{
#if defined(__SIZEOF_POINTER__) && __SIZEOF_POINTER__ >= 8
	return counter ? __atomic_load_n(counter, __ATOMIC_RELAXED) : 0;
#else
	const volatile uint32_t *seq;
	uint32_t before, after;
	uint64_t value;

	if (!counter)
		return 0;
	seq = (const volatile uint32_t *)
	      (((uintptr_t)counter & ~(uintptr_t)4095) + 12);
	do {
		before = __atomic_load_n(seq, __ATOMIC_ACQUIRE);
		value = *counter;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		after = __atomic_load_n(seq, __ATOMIC_RELAXED);
	} while ((before & 1) || before != after);
	return value;
#endif
}

RANDEPOCH_INLINE_DEF int
randepoch_stale(const volatile uint32_t *page, const volatile uint64_t *counter,
		uint32_t word, uint64_t counter_seen)
{
	return __atomic_load_n(page, __ATOMIC_ACQUIRE) != word ||
	       randepoch_vm_counter(counter) != counter_seen;
}
#endif

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

/*
 * "none", "vmgenid", "criu", "timer", "vmclock", "dynamic", or "reserved"
 * (5..15).
 */
const char *randepoch_id_name(unsigned int id);

/* A message for a -errno returned by this library (also accepts +errno). */
const char *randepoch_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* RANDEPOCH_H */
