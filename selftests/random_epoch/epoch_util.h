/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by the random epoch selftests. */
#ifndef RANDOM_EPOCH_SELFTEST_UTIL_H
#define RANDOM_EPOCH_SELFTEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/random_epoch.h>

/*
 * The load every PRNG does before a draw; pairs with the kernel's release.
 * The compiler emits every atomic load, so the page pointers need no
 * volatile to see the kernel's updates.
 */
static inline __u32 epoch_load(const __u32 *page)
{
	return __atomic_load_n(page, __ATOMIC_ACQUIRE);
}

/*
 * The epoch page through a descriptor from @rnd (an open /dev/urandom),
 * which is closed again: the mapping keeps the page. MAP_FAILED with errno
 * set on failure.
 */
static inline const __u32 *epoch_map_page(int rnd)
{
	const __u32 *page;
	int efd = ioctl(rnd, RNDGETEPOCHFD, 0);
	int err;

	if (efd < 0)
		return MAP_FAILED;
	page = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ, MAP_SHARED, efd, 0);
	err = errno;
	close(efd);
	errno = err;
	return page;
}

/*
 * The current word, through a fresh mapping of @efd: read() would block on a
 * descriptor that consumed it already, and would consume it.
 */
static inline __u32 epoch_read_fd(int efd)
{
	__u32 word;
	const __u32 *page = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ,
				 MAP_SHARED, efd, 0);

	if (page == MAP_FAILED)
		return 0xffffffff;
	word = epoch_load(page);
	munmap((void *)page, RANDOM_EPOCH_PAGE_SIZE);
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
static inline __u64 epoch_pfn(const void *addr)
{
	__u64 entry = 0;
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

/*
 * Write @word at @addr through /proc/self/mem, as a debugger would: the
 * kernel's FOLL_FORCE path, which writes even to read-only private
 * mappings. Returns 0 if the write went through, else -errno.
 */
static inline int epoch_poke_proc_mem(const void *addr, __u32 word)
{
	int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ssize_t n;
	int ret;

	if (fd < 0)
		return -errno;
	n = pwrite(fd, &word, sizeof(word), (off_t)(uintptr_t)addr);
	ret = n == sizeof(word) ? 0 : n < 0 ? -errno : -EIO;
	close(fd);
	return ret;
}

/*
 * The control for epoch_poke_proc_mem(): a read-only private page that the
 * same write does change. Returns 0 when it did.
 */
static inline int epoch_poke_control(void)
{
	__u32 *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ret;

	if (ro == MAP_FAILED)
		return -errno;
	ret = epoch_poke_proc_mem(ro, 0x5a5a5a5a);
	if (!ret && __atomic_load_n(ro, __ATOMIC_RELAXED) != 0x5a5a5a5a)
		ret = -EIO;
	munmap(ro, 4096);
	return ret;
}

#define EPOCH_TEST_CONTROL "/sys/kernel/debug/random_epoch_test/control"
#define EPOCH_NOTIFIERS "/sys/kernel/debug/random_epoch/notifiers"

/* Write one command; returns 0 or -errno. */
static inline int epoch_control(const char *fmt, ...)
{
	char cmd[64];
	va_list ap;
	int fd, n, ret = 0;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fd = open(EPOCH_TEST_CONTROL, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, cmd, n) != n)
		ret = -errno;
	close(fd);
	return ret;
}

/* The ID of the test driver's last registration, or -errno. */
static inline int epoch_test_last_id(void)
{
	char buf[16] = "";
	int fd, ret = 0;

	fd = open(EPOCH_TEST_CONTROL, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (read(fd, buf, sizeof(buf) - 1) <= 0)
		ret = -EIO;
	close(fd);
	return ret ? ret : atoi(buf);
}

/* Register a test notifier; returns its ID or -errno. */
static inline int epoch_register_test_notifier(const char *name)
{
	int ret = epoch_control("register %s", name);

	return ret ? ret : epoch_test_last_id();
}

/* The "id name count" line for @id in the admin view, or 0 if absent. */
static inline int epoch_admin_view(int id, char *name, size_t len,
				   unsigned long long *count)
{
	FILE *f = fopen(EPOCH_NOTIFIERS, "re");
	char line[128], nm[64];
	unsigned long long c;
	int found = 0, i;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%d %63s %llu", &i, nm, &c) == 3 && i == id) {
			snprintf(name, len, "%s", nm);
			*count = c;
			found = 1;
		}
	}
	fclose(f);
	return found;
}

/* The epoch page's reference count from the admin view, or -1. */
static inline long epoch_page_refs(void)
{
	FILE *f = fopen(EPOCH_NOTIFIERS, "re");
	char line[128];
	long refs = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "page_refs %ld", &refs) == 1)
			break;
	fclose(f);
	return refs;
}

#define EPOCH_TIMER_SYSCTL "/proc/sys/kernel/random/epoch_timer_ms"

/* Write @value to the file at @path (a sysctl, a debugfs file); 0 or -errno. */
static inline int epoch_write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static inline int epoch_set_timer(const char *value)
{
	return epoch_write_file(EPOCH_TIMER_SYSCTL, value);
}

static inline long epoch_get_timer(void)
{
	char buf[32] = "";
	int fd = open(EPOCH_TIMER_SYSCTL, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) <= 0)
		buf[0] = '\0';
	close(fd);
	return buf[0] ? strtol(buf, NULL, 10) : -1;
}

#endif
