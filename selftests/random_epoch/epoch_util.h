/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by the random epoch selftests. */
#ifndef RANDOM_EPOCH_SELFTEST_UTIL_H
#define RANDOM_EPOCH_SELFTEST_UTIL_H

#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/random_epoch.h>

/* The load every PRNG does before a draw; pairs with the kernel's release. */
static inline __u32 epoch_load(const volatile __u32 *page)
{
	return __atomic_load_n((const __u32 *)page, __ATOMIC_ACQUIRE);
}

static inline __u32 epoch_read_fd(int efd)
{
	__u32 word = 0;

	if (read(efd, &word, sizeof(word)) != sizeof(word))
		return 0xffffffff;
	return word;
}

/* RNDBUMPEPOCH; returns 0 or -errno, and the new word in *word. */
static inline int epoch_bump(int rnd, __u32 flags, __u32 avoid, __u32 *word)
{
	struct rand_epoch_bump b;

	memset(&b, 0, sizeof(b));
	b.flags = flags;
	b.avoid = avoid;
	if (ioctl(rnd, RNDBUMPEPOCH, &b))
		return -1;
	*word = b.word;
	return 0;
}

/* The page frame number behind @addr, or 0 when pagemap hides it. */
static inline uint64_t epoch_pfn(const void *addr)
{
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	off_t off = (uintptr_t)addr / 4096 * sizeof(entry);

	if (fd < 0)
		return 0;
	if (pread(fd, &entry, sizeof(entry), off) != sizeof(entry))
		entry = 0;
	close(fd);
	if (!(entry & (1ULL << 63)))
		return 0;
	return entry & ((1ULL << 55) - 1);
}

#endif
