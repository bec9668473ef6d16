// SPDX-License-Identifier: GPL-2.0
/*
 * A notification before the crng is ready: there is no key to replace yet,
 * so the kernel publishes the word without reseeding, and getrandom() still
 * blocks until the crng is ready, whose first key comes from the input pool
 * after the event. A PRNG that sees the word and reseeds therefore gets
 * fresh output either way.
 *
 * Meaningful only in a guest booted with random.trust_cpu=off and
 * random.trust_bootloader=off that runs it first
 * (selftests/host/early_boot_test.py); anywhere else the crng is ready
 * already and the test skips.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <unistd.h>

#include <linux/random_epoch.h>

#include "../kselftest_harness.h"
#include "epoch_util.h"

TEST(bump_before_crng_ready)
{
	unsigned char buf[16];
	__u32 before, word;
	int rnd, efd;

	rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(rnd, 0);
	efd = ioctl(rnd, RNDGETEPOCHFD, 0);
	if (efd < 0 && errno == EINVAL)
		SKIP(return, "kernel without RNDGETEPOCHFD");
	ASSERT_GE(efd, 0);
	if (getrandom(buf, 1, GRND_NONBLOCK) == 1)
		SKIP(return, "the crng is ready already");
	ASSERT_EQ(EAGAIN, errno);

	before = epoch_read_fd(efd);
	ASSERT_EQ(0, epoch_bump(rnd, 0, 0, &word));
	/* Published, though there was no crng key to replace. */
	EXPECT_NE(before, word);
	EXPECT_EQ(word, epoch_read_fd(efd));
	/* The PRNG that saw it reseeds: getrandom() waits for the crng. */
	EXPECT_EQ(sizeof(buf), getrandom(buf, sizeof(buf), 0));
	ksft_print_msg("bumped to %08x before the crng was ready\n", word);
	close(efd);
	close(rnd);
}

TEST_HARNESS_MAIN
