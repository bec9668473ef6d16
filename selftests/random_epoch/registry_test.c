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

FIXTURE(registry) {
	int rnd;
	const __u32 *page;
	int ids[RANDOM_EPOCH_ID_MAX + 1];
	int nids;
};

FIXTURE_SETUP(registry)
{
	self->nids = 0;
	if (access(EPOCH_TEST_CONTROL, W_OK))
		SKIP(return, "no %s (CONFIG_RANDOM_EPOCH_TEST off?)", EPOCH_TEST_CONTROL);
	self->rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(self->rnd, 0);
	self->page = epoch_map_page(self->rnd);
	ASSERT_NE(MAP_FAILED, self->page);
}

FIXTURE_TEARDOWN(registry)
{
	int i;

	for (i = 0; i < self->nids; i++)
		epoch_control("unregister %d", self->ids[i]);
}

/* Register @name and remember its ID in @ids for the teardown. */
static int reg(int *ids, int *nids, const char *name)
{
	int id = epoch_register_test_notifier(name);

	if (id > 0)
		ids[(*nids)++] = id;
	return id;
}

TEST_F(registry, dynamic_id_published_in_word_and_admin_view)
{
	unsigned long long count = 99;
	char name[64] = "";
	__u32 before, after;
	int id = reg(self->ids, &self->nids, "sample");

	ASSERT_GE(id, RANDOM_EPOCH_ID_DYNAMIC_FIRST);
	ASSERT_LE(id, RANDOM_EPOCH_ID_MAX);
	ASSERT_TRUE(epoch_admin_view(id, name, sizeof(name), &count));
	EXPECT_STREQ("sample", name);
	EXPECT_EQ(0, count);

	before = epoch_load(self->page);
	ASSERT_EQ(0, epoch_control("notify %d 3", id));
	after = epoch_load(self->page);
	EXPECT_EQ(id, RANDOM_EPOCH_WORD_ID(after));
	EXPECT_EQ((RANDOM_EPOCH_WORD_COUNTER(before) + 3) & RANDOM_EPOCH_COUNTER_MASK,
		  RANDOM_EPOCH_WORD_COUNTER(after));
	ASSERT_TRUE(epoch_admin_view(id, name, sizeof(name), &count));
	EXPECT_EQ(3, count);
}

TEST_F(registry, builtin_criu_notifier_listed)
{
	unsigned long long count;
	char name[64] = "";

	ASSERT_TRUE(epoch_admin_view(RANDOM_EPOCH_ID_CRIU, name, sizeof(name), &count));
	EXPECT_STREQ("criu", name);
}

TEST_F(registry, notify_from_hard_irq)
{
	__u32 before = epoch_load(self->page), after;
	int id = reg(self->ids, &self->nids, "irq");

	ASSERT_GT(id, 0);
	ASSERT_EQ(0, epoch_control("notify_irq %d", id));
	after = epoch_load(self->page);
	EXPECT_EQ(id, RANDOM_EPOCH_WORD_ID(after));
	EXPECT_EQ((RANDOM_EPOCH_WORD_COUNTER(before) + 1) & RANDOM_EPOCH_COUNTER_MASK,
		  RANDOM_EPOCH_WORD_COUNTER(after));
}

/*
 * A registration that fails (here: a stable ID that is taken) must leave the
 * notifier's ID at 0, whatever its memory held, so that notifying through it
 * publishes nothing.
 */
TEST_F(registry, failed_registration_publishes_nothing)
{
	__u32 before = epoch_load(self->page);

	EXPECT_EQ(-EBUSY, epoch_control("register_fail"));
	EXPECT_EQ(before, epoch_load(self->page));
}

TEST_F(registry, exhaustion_enospc_and_id_reuse)
{
	int id, first = 0, last = 0, n = 0, reused;
	char name[16];

	for (;;) {
		snprintf(name, sizeof(name), "fill%d", n);
		id = reg(self->ids, &self->nids, name);
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
	ASSERT_EQ(0, epoch_control("unregister %d", first));
	self->ids[0] = self->ids[--self->nids];
	reused = reg(self->ids, &self->nids, "again");
	EXPECT_EQ(first, reused);
	EXPECT_EQ(-ENOSPC, epoch_register_test_notifier("over"));
}

TEST_F(registry, bad_commands_rejected)
{
	EXPECT_EQ(-ENOENT, epoch_control("notify 200"));
	EXPECT_EQ(-ENOENT, epoch_control("unregister 17"));
	EXPECT_EQ(-EINVAL, epoch_control("notify 999"));
	EXPECT_EQ(-EINVAL, epoch_control("bogus 1"));
}

TEST_HARNESS_MAIN
