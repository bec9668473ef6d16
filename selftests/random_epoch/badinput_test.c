// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input, table-driven: every bad argument to RNDGETEPOCHFD, RNDBUMPEPOCH,
 * mmap/mprotect/mremap, read, write and the watcher ioctls (RNDEPOCHACK,
 * RNDEPOCHCOUNT, RNDEPOCHSETTLE) on the epoch descriptor gets its expected
 * errno and leaves the word unchanged and the one watcher current. Privileged cases run as
 * root; each case also runs in a child that dropped to nobody, where a
 * bump must fail with EPERM before any other check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/random_epoch.h>

#include "../kselftest_harness.h"
#include "epoch_util.h"

#define PAGE	RANDOM_EPOCH_PAGE_SIZE

struct env {
	int rnd;
	int efd;
	int wfd;		/* a watcher descriptor */
	void *ro;		/* a read-only anonymous page */
	void *unmapped;		/* a PROT_NONE page: every access faults */
};

enum arg { ARG_NULL, ARG_RO, ARG_UNMAPPED, ARG_KERNEL, ARG_BUMP };

struct bad_case {
	const char *name;
	int (*op)(struct env *e, const struct bad_case *c);
	unsigned long cmd;		/* ioctl number */
	unsigned long val;		/* flags, size, prot or offset */
	unsigned long val2;
	enum arg arg;
	struct rand_epoch_bump bump;
	int err;			/* expected errno as root */
	int unpriv_err;			/* as nobody; 0: same as root */
};

static void *arg_ptr(struct env *e, enum arg a, struct rand_epoch_bump *b)
{
	switch (a) {
	case ARG_RO:
		return e->ro;
	case ARG_UNMAPPED:
		return e->unmapped;
	case ARG_KERNEL:
		return (void *)0xffff888000000000UL;
	case ARG_BUMP:
		return b;
	default:
		return NULL;
	}
}

static int op_ioctl_rnd(struct env *e, const struct bad_case *c)
{
	struct rand_epoch_bump b = c->bump;
	long ret;

	if (c->cmd == RNDGETEPOCHFD)
		ret = ioctl(e->rnd, c->cmd, c->val);
	else
		ret = ioctl(e->rnd, c->cmd, arg_ptr(e, c->arg, &b));
	if (ret >= 0 && c->cmd == RNDGETEPOCHFD)
		close(ret);
	return ret < 0 ? errno : 0;
}

static int op_ioctl_epochfd(struct env *e, const struct bad_case *c)
{
	struct rand_epoch_bump b = c->bump;

	return ioctl(e->efd, c->cmd, arg_ptr(e, c->arg, &b)) < 0 ? errno : 0;
}

/* On the watcher; the bump struct's memory serves as the argument. */
static int op_ioctl_watcher(struct env *e, const struct bad_case *c)
{
	struct rand_epoch_bump b = c->bump;

	return ioctl(e->wfd, c->cmd, arg_ptr(e, c->arg, &b)) < 0 ? errno : 0;
}

/* val: length, val2: prot | flags << 8, bump.avoid: offset */
static int op_mmap(struct env *e, const struct bad_case *c)
{
	void *p = mmap(NULL, c->val, c->val2 & 0xff, c->val2 >> 8, e->efd,
		       c->bump.avoid);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, c->val);
	return 0;
}

static int op_mprotect(struct env *e, const struct bad_case *c)
{
	void *p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, e->efd, 0);
	int err = 0;

	if (p == MAP_FAILED)
		return -1;
	if (mprotect(p, PAGE, c->val))
		err = errno;
	munmap(p, PAGE);
	return err;
}

static int op_mremap(struct env *e, const struct bad_case *c)
{
	void *p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, e->efd, 0);
	void *q;
	int err = 0;

	if (p == MAP_FAILED)
		return -1;
	q = mremap(p, PAGE, c->val, MREMAP_MAYMOVE);
	if (q == MAP_FAILED) {
		err = errno;
		munmap(p, PAGE);
	} else {
		munmap(q, c->val);
	}
	return err;
}

static int op_read(struct env *e, const struct bad_case *c)
{
	__u32 word[2];
	void *buf = c->arg == ARG_BUMP ? (void *)word : arg_ptr(e, c->arg, NULL);

	return read(e->efd, buf, c->val) < 0 ? errno : 0;
}

static int op_write(struct env *e, const struct bad_case *c)
{
	__u32 word = 0;

	return write(e->efd, &word, sizeof(word)) < 0 ? errno : 0;
}

#define BUMP(f, a, w, r)	{ .flags = (f), .avoid = (a), .word = (w), .reserved = (r) }
#define MM(prot, flags)		((prot) | (flags) << 8)
/* RNDBUMPEPOCH with the size field of a different struct. */
#define RNDBUMPEPOCH_SHORT	_IOWR('R', 0x09, __u64)

/*
 * One case per entry: name, op, ioctl number and values on the first line,
 * the argument on the next, the expected errnos last.
 */
static const struct bad_case cases[] = {
	{ "getfd flags 2", op_ioctl_rnd, RNDGETEPOCHFD, 2,
	  .err = EINVAL },
	{ "getfd flags O_NONBLOCK", op_ioctl_rnd, RNDGETEPOCHFD, O_NONBLOCK,
	  .err = EINVAL },
	{ "getfd flags ~0", op_ioctl_rnd, RNDGETEPOCHFD, ~0UL,
	  .err = EINVAL },
	{ "getfd flags watch|2", op_ioctl_rnd, RNDGETEPOCHFD,
	  RNDGETEPOCHFD_WATCH | 2,
	  .err = EINVAL },
	/* The argument is an unsigned long: all 64 bits are flags. */
	{ "getfd flags 1 << 32", op_ioctl_rnd, RNDGETEPOCHFD, 1UL << 32,
	  .err = EINVAL },
	{ "getfd flags 1 << 63", op_ioctl_rnd, RNDGETEPOCHFD, 1UL << 63,
	  .err = EINVAL },
	{ "getfd flags watch | 1 << 32", op_ioctl_rnd, RNDGETEPOCHFD,
	  RNDGETEPOCHFD_WATCH | 1UL << 32,
	  .err = EINVAL },

	{ "ack on a non-watcher", op_ioctl_epochfd, RNDEPOCHACK,
	  .arg = ARG_BUMP,
	  .err = EINVAL },
	{ "ack NULL", op_ioctl_watcher, RNDEPOCHACK,
	  .arg = ARG_NULL,
	  .err = EFAULT },
	{ "ack unmapped word", op_ioctl_watcher, RNDEPOCHACK,
	  .arg = ARG_UNMAPPED,
	  .err = EFAULT },
	{ "ack a word that is not current", op_ioctl_watcher, RNDEPOCHACK,
	  .arg = ARG_BUMP, .bump = BUMP(0xffffffffU, 0, 0, 0),
	  .err = ESTALE },
	{ "count NULL", op_ioctl_epochfd, RNDEPOCHCOUNT,
	  .arg = ARG_NULL,
	  .err = EFAULT },
	{ "count read-only buffer", op_ioctl_epochfd, RNDEPOCHCOUNT,
	  .arg = ARG_RO,
	  .err = EFAULT },
	{ "settle NULL", op_ioctl_epochfd, RNDEPOCHSETTLE,
	  .arg = ARG_NULL,
	  .err = EFAULT },
	{ "settle read-only buffer", op_ioctl_epochfd, RNDEPOCHSETTLE,
	  .arg = ARG_RO,
	  .err = EFAULT },
	{ "settle kernel address", op_ioctl_epochfd, RNDEPOCHSETTLE,
	  .arg = ARG_KERNEL,
	  .err = EFAULT },
	{ "settle outdated not 0", op_ioctl_epochfd, RNDEPOCHSETTLE,
	  .arg = ARG_BUMP, .bump = BUMP(0, 1, 0, 0),
	  .err = EINVAL },
	{ "unknown ioctl on the descriptor", op_ioctl_epochfd, _IO('R', 0x0f),
	  .arg = ARG_NULL,
	  .err = ENOTTY },

	{ "bump NULL", op_ioctl_rnd, RNDBUMPEPOCH,
	  .arg = ARG_NULL,
	  .err = EFAULT, .unpriv_err = EPERM },
	{ "bump read-only buffer", op_ioctl_rnd, RNDBUMPEPOCH,
	  .arg = ARG_RO,
	  .err = EFAULT, .unpriv_err = EPERM },
	{ "bump unmapped buffer", op_ioctl_rnd, RNDBUMPEPOCH,
	  .arg = ARG_UNMAPPED,
	  .err = EFAULT, .unpriv_err = EPERM },
	{ "bump kernel address", op_ioctl_rnd, RNDBUMPEPOCH,
	  .arg = ARG_KERNEL,
	  .err = EFAULT, .unpriv_err = EPERM },
	{ "bump flags 0x2", op_ioctl_rnd, RNDBUMPEPOCH,
	  .arg = ARG_BUMP, .bump = BUMP(0x2, 0, 0, 0),
	  .err = EINVAL, .unpriv_err = EPERM },
	{ "bump flags 0x80000000", op_ioctl_rnd, RNDBUMPEPOCH,
	  .arg = ARG_BUMP, .bump = BUMP(0x80000000, 0, 0, 0),
	  .err = EINVAL, .unpriv_err = EPERM },
	{ "bump flags ~0", op_ioctl_rnd, RNDBUMPEPOCH,
	  .arg = ARG_BUMP, .bump = BUMP(~0U, 0, 0, 0),
	  .err = EINVAL, .unpriv_err = EPERM },
	{ "bump reserved 1", op_ioctl_rnd, RNDBUMPEPOCH,
	  .arg = ARG_BUMP, .bump = BUMP(0, 0, 0, 1),
	  .err = EINVAL, .unpriv_err = EPERM },
	{ "bump reserved with AVOID", op_ioctl_rnd, RNDBUMPEPOCH,
	  .arg = ARG_BUMP, .bump = BUMP(RNDBUMPEPOCH_AVOID, 5, 0, 0x100),
	  .err = EINVAL, .unpriv_err = EPERM },
	{ "bump avoid without AVOID", op_ioctl_rnd, RNDBUMPEPOCH,
	  .arg = ARG_BUMP, .bump = BUMP(0, 7, 0, 0),
	  .err = EINVAL, .unpriv_err = EPERM },
	{ "bump wrong struct size", op_ioctl_rnd, RNDBUMPEPOCH_SHORT,
	  .arg = ARG_BUMP,
	  .err = EINVAL },

	{ "unknown 'R' 0x0a", op_ioctl_rnd, _IO('R', 0x0a),
	  .arg = ARG_NULL,
	  .err = EINVAL },
	{ "unknown 'R' 0x1f", op_ioctl_rnd, _IOWR('R', 0x1f, __u32),
	  .arg = ARG_NULL,
	  .err = EINVAL },
	{ "getfd on the epoch fd", op_ioctl_epochfd, RNDGETEPOCHFD,
	  .arg = ARG_NULL,
	  .err = ENOTTY },
	{ "bump on the epoch fd", op_ioctl_epochfd, RNDBUMPEPOCH,
	  .arg = ARG_BUMP,
	  .err = ENOTTY },

	{ "mmap PROT_WRITE shared", op_mmap, 0, PAGE, MM(PROT_READ | PROT_WRITE, MAP_SHARED),
	  .err = EACCES },
	{ "mmap PROT_EXEC", op_mmap, 0, PAGE, MM(PROT_READ | PROT_EXEC, MAP_SHARED),
	  .err = EPERM },
	{ "mmap MAP_PRIVATE", op_mmap, 0, PAGE, MM(PROT_READ, MAP_PRIVATE),
	  .err = EINVAL },
	{ "mmap two pages", op_mmap, 0, 2 * PAGE, MM(PROT_READ, MAP_SHARED),
	  .err = EINVAL },
	{ "mmap 1 MiB", op_mmap, 0, 1 << 20, MM(PROT_READ, MAP_SHARED),
	  .err = EINVAL },
	{ "mmap length 0", op_mmap, 0, 0, MM(PROT_READ, MAP_SHARED),
	  .err = EINVAL },
	/* One page is RANDOM_EPOCH_VMCLOCK_OFFSET: vmfork_test's. */
	{ "mmap offset two pages", op_mmap, 0, PAGE, MM(PROT_READ, MAP_SHARED),
	  .bump = BUMP(0, 2 * PAGE, 0, 0),
	  .err = EINVAL },
	{ "mmap offset 1 GiB", op_mmap, 0, PAGE, MM(PROT_READ, MAP_SHARED),
	  .bump = BUMP(0, 1U << 30, 0, 0),
	  .err = EINVAL },

	{ "mprotect PROT_WRITE", op_mprotect, 0, PROT_READ | PROT_WRITE,
	  .err = EACCES },
	{ "mprotect PROT_EXEC", op_mprotect, 0, PROT_READ | PROT_EXEC,
	  .err = EACCES },
	{ "mremap to two pages", op_mremap, 0, 2 * PAGE,
	  .err = EFAULT },

	{ "read 3 bytes", op_read, 0, 3,
	  .arg = ARG_BUMP,
	  .err = EINVAL },
	{ "read 0 bytes", op_read, 0, 0,
	  .arg = ARG_BUMP,
	  .err = EINVAL },
	{ "read into read-only page", op_read, 0, 4,
	  .arg = ARG_RO,
	  .err = EFAULT },
	{ "read into unmapped page", op_read, 0, 4,
	  .arg = ARG_UNMAPPED,
	  .err = EFAULT },
	{ "write (descriptor is read-only)", op_write,
	  .err = EBADF },
};

static void env_open(struct __test_metadata *_metadata, struct env *e)
{
	__u32 word;

	e->rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(e->rnd, 0);
	e->efd = ioctl(e->rnd, RNDGETEPOCHFD, 0);
	if (e->efd < 0 && errno == EINVAL)
		SKIP(return, "kernel without RNDGETEPOCHFD");
	ASSERT_GE(e->efd, 0);
	/*
	 * read() blocks until the word changes: leave a word unconsumed, so
	 * that a bad read fails at once (and consumes nothing).
	 */
	ASSERT_EQ(0, epoch_bump(e->rnd, 0, 0, &word));
	/* A current watcher: a bad argument must leave it current. */
	e->wfd = ioctl(e->rnd, RNDGETEPOCHFD, RNDGETEPOCHFD_WATCH);
	if (e->wfd < 0 && errno == EINVAL)
		SKIP(return, "kernel without RNDGETEPOCHFD_WATCH");
	ASSERT_GE(e->wfd, 0);
	/* A new watcher starts outdated: catch up with the current word. */
	ASSERT_EQ(0, ioctl(e->wfd, RNDEPOCHACK, &word));
	e->ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, e->ro);
	e->unmapped = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, e->unmapped);
	/*
	 * Kept mapped PROT_NONE: any access faults, and a later mmap (the
	 * epoch page) cannot land at this address, as it could once unmapped.
	 */
}

/* Run every case; returns the number that misbehaved. */
static int run_cases(struct env *e, const __u32 *page, int unpriv)
{
	struct rand_epoch_count cnt;
	unsigned int i, bad = 0;
	__u32 before;
	int err, want;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct bad_case *c = &cases[i];

		want = unpriv && c->unpriv_err ? c->unpriv_err : c->err;
		before = epoch_load(page);
		err = c->op(e, c);
		if (ioctl(e->efd, RNDEPOCHCOUNT, &cnt) || cnt.outdated) {
			printf("# %s: the watcher is outdated after it\n",
			       c->name);
			bad++;
		}
		if (err != want || epoch_load(page) != before) {
			printf("# %s%s: errno %d (%s), want %d (%s); word %08x -> %08x\n",
			       unpriv ? "unprivileged " : "", c->name, err,
			       strerror(err), want, strerror(want), before,
			       epoch_load(page));
			bad++;
		}
	}
	return bad;
}

TEST(bad_input_table_as_root)
{
	const __u32 *page;
	struct env e;

	env_open(_metadata, &e);
	page = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, e.efd, 0);
	ASSERT_NE(MAP_FAILED, page);
	EXPECT_EQ(0, run_cases(&e, page, 0));
	ksft_print_msg("%zu cases\n", ARRAY_SIZE(cases));
}

TEST(bad_input_table_unprivileged)
{
	const __u32 *page;
	struct env e;
	int status;
	pid_t pid;

	env_open(_metadata, &e);
	page = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, e.efd, 0);
	ASSERT_NE(MAP_FAILED, page);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* Leaving uid 0 drops every capability. */
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(100);
		_exit(run_cases(&e, page, 1));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
