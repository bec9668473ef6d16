// SPDX-License-Identifier: GPL-2.0
/*
 * Selftests for the random epoch notifier registry, through the in-tree test
 * driver (CONFIG_RANDOM_EPOCH_TEST): dynamic IDs, exhaustion, ID reuse,
 * notifications from process and hard IRQ context, and the admin view.
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

#define CONTROL "/sys/kernel/debug/random_epoch_test/control"
#define NOTIFIERS "/sys/kernel/debug/random_epoch/notifiers"

/* Write one command; returns 0 or -errno. */
static int control(const char *fmt, ...)
{
	char cmd[64];
	va_list ap;
	int fd, n, ret = 0;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fd = open(CONTROL, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, cmd, n) != n)
		ret = -errno;
	close(fd);
	return ret;
}

/* Register a test notifier; returns its ID or -errno. */
static int register_notifier(const char *name)
{
	char buf[16] = "";
	int fd, ret = control("register %s", name);

	if (ret)
		return ret;
	fd = open(CONTROL, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (read(fd, buf, sizeof(buf) - 1) <= 0)
		ret = -EIO;
	close(fd);
	return ret ? ret : atoi(buf);
}

/* The "id name count" line for @id in the admin view, or 0 if absent. */
static int admin_view(int id, char *name, size_t len, unsigned long long *count)
{
	FILE *f = fopen(NOTIFIERS, "re");
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

FIXTURE(registry) {
	int rnd;
	const volatile __u32 *page;
	int ids[RANDOM_EPOCH_ID_MAX + 1];
	int nids;
};

FIXTURE_SETUP(registry)
{
	int efd;

	self->nids = 0;
	if (access(CONTROL, W_OK))
		SKIP(return, "no %s (CONFIG_RANDOM_EPOCH_TEST off?)", CONTROL);
	self->rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(self->rnd, 0);
	efd = ioctl(self->rnd, RNDGETEPOCHFD, 0);
	ASSERT_GE(efd, 0);
	self->page = mmap(NULL, 4096, PROT_READ, MAP_SHARED, efd, 0);
	ASSERT_NE(MAP_FAILED, self->page);
	close(efd);
}

FIXTURE_TEARDOWN(registry)
{
	int i;

	for (i = 0; i < self->nids; i++)
		control("unregister %d", self->ids[i]);
}

static int reg(struct __test_metadata *_metadata, FIXTURE_DATA(registry) *self,
	       const char *name)
{
	int id = register_notifier(name);

	if (id > 0)
		self->ids[self->nids++] = id;
	return id;
}

TEST_F(registry, dynamic_id_published_in_word_and_admin_view)
{
	unsigned long long count = 99;
	char name[64] = "";
	__u32 before, after;
	int id = reg(_metadata, self, "sample");

	ASSERT_GE(id, RANDOM_EPOCH_ID_DYNAMIC_FIRST);
	ASSERT_LE(id, RANDOM_EPOCH_ID_MAX);
	ASSERT_TRUE(admin_view(id, name, sizeof(name), &count));
	EXPECT_STREQ("sample", name);
	EXPECT_EQ(0, count);

	before = epoch_load(self->page);
	ASSERT_EQ(0, control("notify %d 3", id));
	after = epoch_load(self->page);
	EXPECT_EQ(id, RANDOM_EPOCH_WORD_ID(after));
	EXPECT_EQ((RANDOM_EPOCH_WORD_COUNTER(before) + 3) & RANDOM_EPOCH_COUNTER_MASK,
		  RANDOM_EPOCH_WORD_COUNTER(after));
	ASSERT_TRUE(admin_view(id, name, sizeof(name), &count));
	EXPECT_EQ(3, count);
}

TEST_F(registry, builtin_criu_notifier_listed)
{
	unsigned long long count;
	char name[64] = "";

	ASSERT_TRUE(admin_view(RANDOM_EPOCH_ID_CRIU, name, sizeof(name), &count));
	EXPECT_STREQ("criu", name);
}

TEST_F(registry, notify_from_hard_irq)
{
	__u32 before = epoch_load(self->page), after;
	int id = reg(_metadata, self, "irq");

	ASSERT_GT(id, 0);
	ASSERT_EQ(0, control("notify_irq %d", id));
	after = epoch_load(self->page);
	EXPECT_EQ(id, RANDOM_EPOCH_WORD_ID(after));
	EXPECT_EQ((RANDOM_EPOCH_WORD_COUNTER(before) + 1) & RANDOM_EPOCH_COUNTER_MASK,
		  RANDOM_EPOCH_WORD_COUNTER(after));
}

TEST_F(registry, exhaustion_enospc_and_id_reuse)
{
	int id, first = 0, last = 0, n = 0, reused;
	char name[16];

	for (;;) {
		snprintf(name, sizeof(name), "fill%d", n);
		id = reg(_metadata, self, name);
		if (id < 0)
			break;
		if (!first)
			first = id;
		last = id;
		n++;
		ASSERT_LE(n, RANDOM_EPOCH_ID_MAX);
	}
	EXPECT_EQ(-ENOSPC, id);
	/* Every dynamic ID is now taken, whoever else holds some. */
	EXPECT_EQ(RANDOM_EPOCH_ID_MAX, last);
	EXPECT_GE(n, 1);

	/* Freeing one ID makes exactly that ID available again. */
	ASSERT_EQ(0, control("unregister %d", first));
	self->ids[0] = self->ids[--self->nids];
	reused = reg(_metadata, self, "again");
	EXPECT_EQ(first, reused);
	EXPECT_EQ(-ENOSPC, register_notifier("over"));
}

TEST_F(registry, bad_commands_rejected)
{
	EXPECT_EQ(-ENOENT, control("notify 200"));
	EXPECT_EQ(-ENOENT, control("unregister 17"));
	EXPECT_EQ(-EINVAL, control("notify 999"));
	EXPECT_EQ(-EINVAL, control("bogus 1"));
}

TEST_HARNESS_MAIN
