// SPDX-License-Identifier: GPL-2.0
/*
 * Leaks: LEAK_CYCLES open/ioctl/mmap/fault/munmap/close cycles, every other
 * one with a watcher that acknowledges, must leave slab usage where it was,
 * the epoch page's reference count where it was, and kmemleak (when the
 * kernel has it) must find nothing new. 100,000 cycles by default; 20,000 on
 * the debug kernel (it has kmemleak), whose checkers make a cycle ~12x slower
 * under TCG.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/random_epoch.h>

#include "../kselftest_harness.h"
#include "epoch_util.h"

#define KMEMLEAK	"/sys/kernel/debug/kmemleak"
/* Even an 8-byte leak per cycle would be 800 KB over 100,000 cycles. */
#define SLAB_SLACK_KB	512

static long meminfo_kb(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[128];
	long kb = -1;
	size_t len = strlen(key);

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			kb = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return kb;
}

/* Let deferred frees (RCU, task work) finish, then read the slab total. */
static long settled_slab_kb(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, "3", 1) != 1)
			perror("drop_caches");
		close(fd);
	}
	sleep(1);
	return meminfo_kb("Slab");
}

static int kmemleak(const char *cmd)
{
	return epoch_write_file(KMEMLEAK, cmd);
}

static int cycle(int rnd, unsigned long flags)
{
	const __u32 *p;
	__u32 word;
	int efd = ioctl(rnd, RNDGETEPOCHFD, flags);

	if (efd < 0)
		return -errno;
	p = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ, MAP_SHARED, efd, 0);
	if (p == MAP_FAILED) {
		close(efd);
		return -errno;
	}
	word = epoch_load(p);	/* fault the page in */
	if (flags & RNDGETEPOCHFD_WATCH && ioctl(efd, RNDEPOCHACK, &word)) {
		close(efd);
		return -errno;
	}
	if (munmap((void *)p, RANDOM_EPOCH_PAGE_SIZE) || close(efd))
		return -errno;
	return 0;
}

/* Plain descriptors and watchers, alternately. */
static unsigned long cycle_flags(long i)
{
	return i % 2 ? RNDGETEPOCHFD_WATCH : 0;
}

FIXTURE(leak) {};
FIXTURE_SETUP(leak) {}
FIXTURE_TEARDOWN(leak) {}

TEST_F_TIMEOUT(leak, cycles_leave_slab_and_kmemleak_clean, 600)
{
	const char *env = getenv("LEAK_CYCLES");
	long cycles = env ? atol(env) : access(KMEMLEAK, F_OK) ? 100000 : 20000;
	long i;
	long before, after, warm, refs_before, refs_mapped, refs_after;
	struct rand_epoch_count count;
	const __u32 *p;
	int rnd, efd, has_kmemleak;
	char report[4096];
	ssize_t n;
	int fd;

	rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(rnd, 0);
	if (ioctl(rnd, RNDGETEPOCHFD, 0) < 0 && errno == EINVAL)
		SKIP(return, "kernel without RNDGETEPOCHFD");

	/* Warm up caches and per-CPU slabs so the baseline is steady. */
	for (i = 0; i < 1000; i++)
		ASSERT_EQ(0, cycle(rnd, cycle_flags(i)));
	has_kmemleak = kmemleak("clear") == 0;
	warm = settled_slab_kb();
	before = settled_slab_kb();
	ASSERT_GT(before, 0);
	refs_before = epoch_page_refs();
	ASSERT_GT(refs_before, 0);
	/* Control: a mapping faulted in holds one reference more. */
	efd = ioctl(rnd, RNDGETEPOCHFD, 0);
	ASSERT_GE(efd, 0);
	p = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ, MAP_SHARED, efd, 0);
	ASSERT_NE(MAP_FAILED, p);
	(void)epoch_load(p);
	refs_mapped = epoch_page_refs();
	munmap((void *)p, RANDOM_EPOCH_PAGE_SIZE);
	EXPECT_EQ(refs_before + 1, refs_mapped);

	for (i = 0; i < cycles; i++)
		ASSERT_EQ(0, cycle(rnd, cycle_flags(i))) TH_LOG("cycle %ld", i);

	after = settled_slab_kb();
	refs_after = epoch_page_refs();
	ksft_print_msg("%ld cycles: Slab %ld kB -> %ld kB (warm-up noise %ld kB)\n",
		       cycles, before, after, labs(before - warm));
	ksft_print_msg("page refs %ld -> %ld (%ld while mapped once)\n",
		       refs_before, refs_after, refs_mapped);
	EXPECT_EQ(refs_before, refs_after);
	/* Every watcher closed: none is left counted. */
	ASSERT_EQ(0, ioctl(efd, RNDEPOCHCOUNT, &count));
	EXPECT_EQ(0, count.watchers);
	close(efd);
	if (!has_kmemleak) {
		EXPECT_LE(after - before, SLAB_SLACK_KB);
		ksft_print_msg("kmemleak: not in this kernel\n");
		close(rnd);
		return;
	}
	/*
	 * The debug kernel's KASAN quarantine holds freed objects in the slab
	 * for a while, so there only kmemleak can tell a leak apart.
	 */
	ksft_print_msg("slab growth not checked: KASAN quarantine; kmemleak decides\n");

	/* Two scans: kmemleak reports an object only once it stays unreferenced. */
	ASSERT_EQ(0, kmemleak("scan"));
	sleep(1);
	ASSERT_EQ(0, kmemleak("scan"));
	fd = open(KMEMLEAK, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	n = read(fd, report, sizeof(report) - 1);
	close(fd);
	ASSERT_GE(n, 0);
	report[n > 0 ? n : 0] = '\0';
	ksft_print_msg("kmemleak: %s\n", n ? "reports follow" : "no leaks");
	EXPECT_EQ(0, n) {
		TH_LOG("%s", report);
	}
	close(rnd);
}

TEST_HARNESS_MAIN
