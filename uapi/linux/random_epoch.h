/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Reseed notifications for userspace PRNGs.
 *
 * A userspace PRNG that was seeded from the kernel cannot tell when its state
 * has been duplicated: a VM snapshot restored into many clones, or a process
 * tree restored by CRIU, replays the same "random" stream in every copy. The
 * kernel knows when that happens. It publishes a 32-bit "epoch word" in a
 * read-only page that any process may map, and changes the whole word on
 * every such event, after it has reseeded its own crng. A PRNG loads the word
 * before every draw and reseeds itself from getrandom() when it changed.
 *
 * Usage:
 *
 *	int rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
 *	int efd = ioctl(rnd, RNDGETEPOCHFD, 0);
 *	const __u32 *page = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ,
 *				 MAP_SHARED, efd, 0);
 *	__u32 word = __atomic_load_n(&page[0], __ATOMIC_ACQUIRE);
 *
 * On x86_64 the vDSO also exports, version LINUX_2.6,
 *
 *	const __u32 *__vdso_random_epoch_page(void);
 *
 * which returns the address of the same page in the calling process (NULL
 * on a kernel without the feature), with no descriptor and no system call:
 * for seccomp sandboxes, libc, and processes CRIU checkpoints.
 */
#ifndef _UAPI_LINUX_RANDOM_EPOCH_H
#define _UAPI_LINUX_RANDOM_EPOCH_H

#include <linux/types.h>
#include <linux/ioctl.h>

/*
 * Layout of the epoch word, found at byte offset 0 of the epoch page.
 *
 * Bits 31..24 hold the ID of the notifier that caused the last event, bits
 * 23..0 a counter that the kernel increments (modulo 2^24) on every event.
 * Both are written in one 32-bit store, so every event changes the word. The
 * word is 0 until the first event since boot. The fields after it are
 * described by struct random_epoch_page below; the rest of the page is
 * reserved and reads as zero.
 */
#define RANDOM_EPOCH_ID_SHIFT		24
#define RANDOM_EPOCH_COUNTER_MASK	0x00ffffffU
#define RANDOM_EPOCH_WORD_ID(word)	((__u32)(word) >> RANDOM_EPOCH_ID_SHIFT)
#define RANDOM_EPOCH_WORD_COUNTER(word)	((__u32)(word) & RANDOM_EPOCH_COUNTER_MASK)
#define RANDOM_EPOCH_WORD(id, counter)					\
	(((__u32)(id) << RANDOM_EPOCH_ID_SHIFT) |			\
	 ((__u32)(counter) & RANDOM_EPOCH_COUNTER_MASK))

/*
 * The epoch page mapping is exactly this long, at offset 0; the only other
 * offset is %RANDOM_EPOCH_VMCLOCK_OFFSET below, also one page.
 */
#define RANDOM_EPOCH_PAGE_SIZE		4096

/*
 * The hypervisor's VM generation counter (vmclock).
 *
 * Where the VM has a vmclock device (ACPI HID "AMZNC10C", CID "VMCLOCK": QEMU
 * 10.0's -device vmclock, Firecracker 1.15), the hypervisor writes a
 * struct vmclock_abi page (<linux/vmclock-abi.h>) and changes a 64-bit
 * counter in it before any vCPU runs again after a snapshot restore: before
 * the kernel can publish a new epoch word. The kernel maps that page
 * read-only beside the epoch page, so that a PRNG sees the restore at its
 * very first draw:
 *
 *   - on the epoch descriptor, mmap of one page at offset
 *     %RANDOM_EPOCH_VMCLOCK_OFFSET (ENODEV when there is no such device);
 *   - on x86_64, const struct vmclock_abi *__vdso_random_vmclock_page(void),
 *     version LINUX_2.6 (NULL when there is no such device).
 *
 * The counter is the one the kernel compares itself before every crng
 * output: vm_generation_counter if the device sets
 * VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT at probe time, else disruption_marker
 * (which also changes on live migration: a spurious but harmless reseed).
 * The kernel writes its byte offset in the vmclock page to
 * random_epoch_page.vmclock_counter_offset, 0 meaning "no such device".
 *
 * The counter is naturally aligned and the hypervisor changes it only while
 * no vCPU runs, so one 64-bit load reads it, without the page's seq_count
 * protocol; that protocol is for readers of several fields (the clock), and
 * for 32-bit readers, which must retry while seq_count is odd or changed.
 *
 * The check, before every draw: the epoch word changed, or the counter
 * differs from the value read when the PRNG was last seeded. Either way the
 * PRNG reseeds from getrandom(), which compares the same counter before it
 * produces output, and reseeds the crng first if the kernel has not yet
 * acted on it.
 */
#define RANDOM_EPOCH_VMCLOCK_OFFSET	RANDOM_EPOCH_PAGE_SIZE

/**
 * struct random_epoch_page - the start of the epoch page
 * @word:			the epoch word above
 * @vmclock_counter_offset:	byte offset of the 64-bit VM generation
 *				counter in the vmclock page; 0 when there is
 *				no vmclock page (it never changes after boot)
 * @vmclock_counter_seen:	the counter value the kernel last reseeded its
 *				crng for and published a word for; written
 *				after the word (release), so a reader that
 *				sees it also sees the word. The vDSO's
 *				getrandom() falls back to the system call
 *				while the counter differs from it.
 */
struct random_epoch_page {
	__u32 word;
	__u32 vmclock_counter_offset;
	__u64 vmclock_counter_seen;
};

/*
 * Notifier IDs. 0 means "no event since boot". IDs below
 * RANDOM_EPOCH_ID_DYNAMIC_FIRST are stable and belong to the notifiers built
 * into the kernel; drivers that register at run time get a dynamic ID, which
 * may be reused after the driver unregisters.
 */
#define RANDOM_EPOCH_ID_NONE		0	/* no event since boot */
#define RANDOM_EPOCH_ID_VMGENID		1	/* VM snapshot restore (VMGenID) */
#define RANDOM_EPOCH_ID_CRIU		2	/* checkpoint/restore (RNDBUMPEPOCH) */
#define RANDOM_EPOCH_ID_TIMER		3	/* periodic reseed */
#define RANDOM_EPOCH_ID_VMCLOCK		4	/* vmclock VM generation change */
#define RANDOM_EPOCH_ID_DYNAMIC_FIRST	16
#define RANDOM_EPOCH_ID_MAX		255

/**
 * struct rand_epoch_bump - argument of %RNDBUMPEPOCH
 * @flags:	in: 0 or %RNDBUMPEPOCH_AVOID; other bits must be 0.
 * @avoid:	in: with %RNDBUMPEPOCH_AVOID, a word the new word must differ
 *		from, such as the word a restored process recorded at
 *		checkpoint time; must be 0 without the flag.
 * @word:	out: the word published by this bump; ignored on input.
 * @reserved:	must be 0.
 */
struct rand_epoch_bump {
	__u32 flags;
	__u32 avoid;
	__u32 word;
	__u32 reserved;
};

#define RNDBUMPEPOCH_AVOID		0x00000001U
#define RNDBUMPEPOCH_FLAGS		(RNDBUMPEPOCH_AVOID)

/*
 * RNDGETEPOCHFD - on /dev/random or /dev/urandom; the argument is a flags
 * word, 0 or %RNDGETEPOCHFD_WATCH (any other bit of the unsigned long
 * argument, bits 32-63 included: EINVAL). Returns a new file descriptor
 * (O_RDONLY | O_CLOEXEC) for the epoch page. Unprivileged, except for
 * watchers. The descriptor supports:
 *   mmap:  one page, offset 0, PROT_READ, MAP_SHARED only (EPERM for
 *          PROT_WRITE or PROT_EXEC; a READ_IMPLIES_EXEC process gets it
 *          without exec); never writable, not even through /proc/PID/mem;
 *   read:  blocks until the word differs from the last one this descriptor
 *          consumed (initially: the word at its creation), then copies the
 *          current word into a 4-byte buffer or larger and consumes it;
 *          EAGAIN instead of blocking with O_NONBLOCK (set it with fcntl),
 *          EINTR/restart on a signal, EINVAL for a buffer under 4 bytes;
 *   poll:  readable exactly when read() would not block;
 *   ioctl: RNDEPOCHACK, RNDEPOCHCOUNT, RNDEPOCHSETTLE below.
 *
 * With %RNDGETEPOCHFD_WATCH the descriptor is a watcher: a program that keeps
 * state derived from random numbers (a host key, an instance UUID) and
 * renews it on every change. From every change of the word until it
 * acknowledges the new word with RNDEPOCHACK, a watcher is "outdated".
 * A new watcher is outdated too, until it acknowledges the current word: a
 * watcher that was restarted while the word changed catches up by comparing
 * the word with the one it last adjusted to (which it keeps itself, on disk
 * say), adjusting if they differ, and acknowledging. Watchers hold every
 * RNDEPOCHSETTLE in the system, so opening one needs CAP_SYS_ADMIN (EPERM).
 * Closing its last reference stops it counting. Descriptors opened without
 * the flag (PRNGs) never count.
 */
#define RNDGETEPOCHFD	_IO('R', 0x08)

#define RNDGETEPOCHFD_WATCH		0x00000001U
#define RNDGETEPOCHFD_FLAGS		(RNDGETEPOCHFD_WATCH)

/**
 * struct rand_epoch_count - argument of %RNDEPOCHCOUNT
 * @watchers:	out: open watcher descriptors
 * @outdated:	out: those that have not acknowledged the current word
 */
struct rand_epoch_count {
	__u32 watchers;
	__u32 outdated;
};

/**
 * struct rand_epoch_settle - argument of %RNDEPOCHSETTLE
 * @timeout_ms:	in: how long to wait at most, in milliseconds (0: just check)
 * @outdated:	in: must be 0; out: watchers still outdated on return (0 on
 *		success, the count left on ETIMEDOUT)
 */
struct rand_epoch_settle {
	__u32 timeout_ms;
	__u32 outdated;
};

/*
 * RNDEPOCHACK - on a watcher descriptor, with a pointer to a __u32: the word
 * the watcher finished adjusting to, which it read (from read() or the page)
 * before it started. If that word is still current the watcher stops being
 * outdated; if the word changed meanwhile it fails with ESTALE and the
 * watcher stays outdated: read the new word and adjust again. EINVAL on a
 * descriptor that is not a watcher.
 */
#define RNDEPOCHACK	_IOW('R', 0x0a, __u32)

/* RNDEPOCHCOUNT - on any epoch descriptor: struct rand_epoch_count. */
#define RNDEPOCHCOUNT	_IOR('R', 0x0b, struct rand_epoch_count)

/*
 * RNDEPOCHSETTLE - on any epoch descriptor, with a struct rand_epoch_settle:
 * waits until no watcher is outdated. Unprivileged. Fails with ETIMEDOUT
 * (and the count left in @outdated) when @timeout_ms passes first, with
 * EDEADLK at once (or as soon as it happens) when the descriptor itself is
 * an outdated watcher, which would wait for itself, and with EINTR on a
 * signal.
 */
#define RNDEPOCHSETTLE	_IOWR('R', 0x0c, struct rand_epoch_settle)

/*
 * RNDBUMPEPOCH - on /dev/random or /dev/urandom, with a struct
 * rand_epoch_bump. Reseeds the crng and then publishes a new word with
 * the ID %RANDOM_EPOCH_ID_CRIU. Needs CAP_CHECKPOINT_RESTORE or
 * CAP_SYS_ADMIN; meant for restore tools such as a CRIU action script.
 * ENODEV if the kernel could not register its CRIU notifier at boot: the
 * bump would publish nothing, and a restore tool must not carry on as if
 * it had.
 */
#define RNDBUMPEPOCH	_IOWR('R', 0x09, struct rand_epoch_bump)

#endif /* _UAPI_LINUX_RANDOM_EPOCH_H */
