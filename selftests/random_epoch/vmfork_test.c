// SPDX-License-Identifier: GPL-2.0
/*
 * Selftests for VM forks acted on at the first draw: a vmfork source that
 * changes is acted on exactly once, by the first crng output (getrandom(),
 * the batched get_random_u32()) or by the notification, whichever comes
 * first, also while every CPU draws at once; and the vmclock page beside
 * the epoch page (its offset in the epoch page, the mmap at
 * RANDOM_EPOCH_VMCLOCK_OFFSET, ENODEV without a device).
 *
 * The source is the test driver's (CONFIG_RANDOM_EPOCH_TEST): a counter in
 * kernel memory that "vmfork_change" changes without notifying anything,
 * as a hypervisor changes guest memory before the vCPUs run again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include <linux/random_epoch.h>
#include <linux/vmclock-abi.h>

#include "../kselftest_harness.h"
#include "epoch_util.h"

#define RACE_ROUNDS	20
#define MAX_THREADS	64
#define VMFORK_CHECK_PARAM "/sys/module/random/parameters/vmfork_check"

FIXTURE(vmfork) {
	int rnd;
	const __u32 *page;
	int id;
};

/* The source's ID, through the driver's read of its last registration. */
static int vmfork_register(void)
{
	int ret = epoch_control("vmfork_register");

	return ret ? ret : epoch_test_last_id();
}

static unsigned long long publications(int id)
{
	unsigned long long count = ~0ULL;
	char name[64];

	if (!epoch_admin_view(id, name, sizeof(name), &count))
		return ~0ULL;
	return count;
}

static void draw(void)
{
	char buf[16];

	if (getrandom(buf, sizeof(buf), 0) != sizeof(buf))
		abort();
}

FIXTURE_SETUP(vmfork)
{
	self->id = 0;
	if (access(EPOCH_TEST_CONTROL, W_OK))
		SKIP(return, "no %s (CONFIG_RANDOM_EPOCH_TEST off?)", EPOCH_TEST_CONTROL);
	self->rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(self->rnd, 0);
	self->page = epoch_map_page(self->rnd);
	ASSERT_NE(MAP_FAILED, self->page);
	self->id = vmfork_register();
	ASSERT_GE(self->id, RANDOM_EPOCH_ID_DYNAMIC_FIRST);
}

FIXTURE_TEARDOWN(vmfork)
{
	if (self->id > 0)
		epoch_control("vmfork_unregister");
	/* A failed check_off test must not leave the check off. */
	epoch_write_file(VMFORK_CHECK_PARAM, "1");
}

/* The word after @n publications by the source since @before. */
static __u32 next_word(int id, __u32 before, unsigned int n)
{
	return RANDOM_EPOCH_WORD(id, RANDOM_EPOCH_WORD_COUNTER(before) + n);
}

/* The control of the tests below: draws alone publish nothing. */
TEST_F(vmfork, draws_without_change_publish_nothing)
{
	__u32 before = epoch_load(self->page);
	int i;

	for (i = 0; i < 1000; i++)
		draw();
	ASSERT_EQ(0, epoch_control("vmfork_draw_u32"));
	ASSERT_EQ(0, epoch_control("vmfork_notify"));
	EXPECT_EQ(before, epoch_load(self->page));
	EXPECT_EQ(0, publications(self->id));
}

TEST_F(vmfork, change_is_published_by_the_first_getrandom)
{
	__u32 before = epoch_load(self->page);

	ASSERT_EQ(0, epoch_control("vmfork_change"));
	draw();
	EXPECT_EQ(next_word(self->id, before, 1), epoch_load(self->page));
	EXPECT_EQ(1, publications(self->id));
	/* The notification that arrives after the draw finds nothing new. */
	ASSERT_EQ(0, epoch_control("vmfork_notify"));
	draw();
	EXPECT_EQ(next_word(self->id, before, 1), epoch_load(self->page));
	EXPECT_EQ(1, publications(self->id));
}

TEST_F(vmfork, change_is_published_by_the_batched_path)
{
	__u32 before = epoch_load(self->page);

	ASSERT_EQ(0, epoch_control("vmfork_change 3"));
	ASSERT_EQ(0, epoch_control("vmfork_draw_u32"));
	EXPECT_EQ(next_word(self->id, before, 1), epoch_load(self->page));
	EXPECT_EQ(1, publications(self->id));
}

TEST_F(vmfork, notification_first_then_draws_publish_once)
{
	__u32 before = epoch_load(self->page);

	ASSERT_EQ(0, epoch_control("vmfork_change"));
	ASSERT_EQ(0, epoch_control("vmfork_notify"));
	EXPECT_EQ(next_word(self->id, before, 1), epoch_load(self->page));
	draw();
	ASSERT_EQ(0, epoch_control("vmfork_draw_u32"));
	EXPECT_EQ(next_word(self->id, before, 1), epoch_load(self->page));
	EXPECT_EQ(1, publications(self->id));
}

static int read_param(void)
{
	char buf[4] = "";
	int fd = open(VMFORK_CHECK_PARAM, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
		buf[0] = '?';
	if (fd >= 0)
		close(fd);
	return buf[0];
}

/*
 * The control, in the same run: with the check off, a draw after the
 * change is served from the old key and publishes nothing; only the
 * notification acts on it.
 */
TEST_F(vmfork, check_off_leaves_only_the_notification)
{
	__u32 before = epoch_load(self->page);

	ASSERT_EQ('Y', read_param());
	ASSERT_EQ(0, epoch_write_file(VMFORK_CHECK_PARAM, "0"));
	ASSERT_EQ('N', read_param());
	ASSERT_EQ(0, epoch_control("vmfork_change"));
	draw();
	ASSERT_EQ(0, epoch_control("vmfork_draw_u32"));
	EXPECT_EQ(before, epoch_load(self->page));
	ASSERT_EQ(0, epoch_control("vmfork_notify"));
	EXPECT_EQ(next_word(self->id, before, 1), epoch_load(self->page));

	/* Back on: the next change is acted on at the draw again. */
	ASSERT_EQ(0, epoch_write_file(VMFORK_CHECK_PARAM, "1"));
	ASSERT_EQ(0, epoch_control("vmfork_change"));
	draw();
	EXPECT_EQ(next_word(self->id, before, 2), epoch_load(self->page));
	EXPECT_EQ(2, publications(self->id));
}

/* A bad value is refused and changes nothing. */
TEST_F(vmfork, check_param_bad_value)
{
	EXPECT_EQ(-EINVAL, epoch_write_file(VMFORK_CHECK_PARAM, "maybe"));
	EXPECT_EQ('Y', read_param());
}

struct racer {
	pthread_t thread;
	int cpu;
	int *stop;
	unsigned long draws;
};

static void *race_draws(void *arg)
{
	struct racer *r = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	while (!__atomic_load_n(r->stop, __ATOMIC_RELAXED)) {
		draw();
		r->draws++;
	}
	return NULL;
}

/*
 * Every CPU draws in a loop while the source changes and the notification
 * comes: each change is published exactly once.
 */
TEST_F(vmfork, change_racing_draws_on_all_cpus_publishes_once)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct racer racers[MAX_THREADS];
	int stop = 0;
	unsigned long total = 0;
	__u32 before = epoch_load(self->page);
	int i, round;

	if (ncpu > MAX_THREADS)
		ncpu = MAX_THREADS;
	for (i = 0; i < ncpu; i++) {
		racers[i] = (struct racer){ .cpu = i, .stop = &stop };
		ASSERT_EQ(0, pthread_create(&racers[i].thread, NULL, race_draws,
					    &racers[i]));
	}
	for (round = 1; round <= RACE_ROUNDS; round++) {
		ASSERT_EQ(0, epoch_control("vmfork_change"));
		/* Half the rounds, the notification joins the race. */
		if (round % 2)
			ASSERT_EQ(0, epoch_control("vmfork_notify"));
		/* Let every racer draw after the change. */
		usleep(5000);
		EXPECT_EQ(next_word(self->id, before, round), epoch_load(self->page));
		EXPECT_EQ((unsigned long long)round, publications(self->id));
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < ncpu; i++) {
		pthread_join(racers[i].thread, NULL);
		total += racers[i].draws;
	}
	TH_LOG("%ld CPUs, %lu draws, %d changes", ncpu, total, RACE_ROUNDS);
	EXPECT_GT(total, 0);
}

TEST_F(vmfork, bad_input_changes_nothing)
{
	__u32 before = epoch_load(self->page);

	EXPECT_EQ(-EINVAL, epoch_control("vmfork_bad_len"));
	EXPECT_EQ(-EBUSY, epoch_control("vmfork_register"));
	EXPECT_EQ(-EINVAL, epoch_control("vmfork_change 0"));
	EXPECT_EQ(-EINVAL, epoch_control("vmfork_change x"));
	EXPECT_EQ(-EINVAL, epoch_control("vmfork_bogus"));
	draw();
	EXPECT_EQ(before, epoch_load(self->page));
	EXPECT_EQ(0, publications(self->id));
	ASSERT_EQ(0, epoch_control("vmfork_unregister"));
	self->id = 0;
	EXPECT_EQ(-ENOENT, epoch_control("vmfork_change"));
	EXPECT_EQ(-ENOENT, epoch_control("vmfork_notify"));
	EXPECT_EQ(-ENOENT, epoch_control("vmfork_unregister"));
	EXPECT_EQ(before, epoch_load(self->page));
}

/* After unregistering, a change of the memory is no longer acted on. */
TEST_F(vmfork, unregistered_source_is_not_read)
{
	__u32 before = epoch_load(self->page);

	ASSERT_EQ(0, epoch_control("vmfork_unregister"));
	self->id = 0;
	/* Registering again takes the current value as acted on. */
	self->id = vmfork_register();
	ASSERT_GE(self->id, RANDOM_EPOCH_ID_DYNAMIC_FIRST);
	draw();
	EXPECT_EQ(before, epoch_load(self->page));
}

FIXTURE(vmclock) {
	int efd;
	const struct random_epoch_page *page;
};

FIXTURE_SETUP(vmclock)
{
	int rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	ASSERT_GE(rnd, 0);
	self->efd = ioctl(rnd, RNDGETEPOCHFD, 0);
	ASSERT_GE(self->efd, 0);
	close(rnd);
	self->page = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ, MAP_SHARED,
			  self->efd, 0);
	ASSERT_NE(MAP_FAILED, self->page);
}

FIXTURE_TEARDOWN(vmclock)
{
	close(self->efd);
}

TEST_F(vmclock, no_device_no_page)
{
	void *p;

	if (self->page->vmclock_counter_offset)
		SKIP(return, "this VM has a vmclock device");
	EXPECT_EQ(0, self->page->vmclock_counter_seen);
	p = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ, MAP_SHARED, self->efd,
		 RANDOM_EPOCH_VMCLOCK_OFFSET);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENODEV, errno);
}

TEST_F(vmclock, page_beside_the_epoch_page)
{
	__u32 offset = self->page->vmclock_counter_offset, expected;
	const struct vmclock_abi *abi;
	const __u64 *counter;
	void *p;

	if (!offset)
		SKIP(return, "no vmclock device (QEMU: -device vmclock)");
	/* A naturally aligned 64-bit field after the header. */
	EXPECT_EQ(0, offset % 8);
	EXPECT_GE(offset, offsetof(struct vmclock_abi, disruption_marker));
	EXPECT_LE(offset, RANDOM_EPOCH_PAGE_SIZE - 8);
	abi = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ, MAP_SHARED, self->efd,
		   RANDOM_EPOCH_VMCLOCK_OFFSET);
	ASSERT_NE(MAP_FAILED, abi);
	EXPECT_EQ(VMCLOCK_MAGIC, abi->magic);
	counter = (const __u64 *)((const char *)abi + offset);
	/* No VM fork since boot, or one acted on: the kernel's value. */
	EXPECT_EQ(*counter, self->page->vmclock_counter_seen);
	expected = abi->flags & VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT ?
		   offsetof(struct vmclock_abi, vm_generation_counter) :
		   offsetof(struct vmclock_abi, disruption_marker);
	EXPECT_EQ(expected, offset);

	/* Read-only, as the epoch page: not writable, not even later. */
	EXPECT_NE(0, mprotect((void *)abi, RANDOM_EPOCH_PAGE_SIZE, PROT_READ | PROT_WRITE));
	munmap((void *)abi, RANDOM_EPOCH_PAGE_SIZE);
	p = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->efd, RANDOM_EPOCH_VMCLOCK_OFFSET);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);	/* the descriptor is read-only */
	/* One page, shared. */
	p = mmap(NULL, 2 * RANDOM_EPOCH_PAGE_SIZE, PROT_READ, MAP_SHARED,
		 self->efd, RANDOM_EPOCH_VMCLOCK_OFFSET);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ, MAP_PRIVATE,
		 self->efd, RANDOM_EPOCH_VMCLOCK_OFFSET);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

/* Offsets past the vmclock page are refused, with or without a device. */
TEST_F(vmclock, other_offsets_refused)
{
	void *p = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ, MAP_SHARED,
		       self->efd, 2 * RANDOM_EPOCH_PAGE_SIZE);

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

TEST_HARNESS_MAIN
