// SPDX-License-Identifier: GPL-2.0
/*
 * Selftests for the random epoch page: RNDGETEPOCHFD, the mapping rules,
 * read/poll on the descriptor, and RNDBUMPEPOCH.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/random_epoch.h>

#include "../kselftest_harness.h"
#include "epoch_util.h"

FIXTURE(epoch) {
	int rnd;
	int efd;
	const __u32 *page;
};

FIXTURE_SETUP(epoch)
{
	self->rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(self->rnd, 0);
	self->efd = ioctl(self->rnd, RNDGETEPOCHFD, 0);
	if (self->efd < 0 && errno == EINVAL)
		SKIP(return, "kernel without RNDGETEPOCHFD");
	ASSERT_GE(self->efd, 0);
	self->page = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ, MAP_SHARED,
			  self->efd, 0);
	ASSERT_NE(self->page, MAP_FAILED);
}

FIXTURE_TEARDOWN(epoch)
{
	if (self->page && self->page != MAP_FAILED)
		munmap((void *)self->page, RANDOM_EPOCH_PAGE_SIZE);
	if (self->efd >= 0)
		close(self->efd);
	close(self->rnd);
}

TEST_F(epoch, ioctl_on_random_and_urandom)
{
	int rnd = open("/dev/random", O_RDONLY | O_CLOEXEC);
	int efd;

	ASSERT_GE(rnd, 0);
	efd = ioctl(rnd, RNDGETEPOCHFD, 0);
	ASSERT_GE(efd, 0);
	EXPECT_NE(efd, self->efd);
	close(efd);
	close(rnd);
}

TEST_F(epoch, ioctl_nonzero_flags_einval)
{
	errno = 0;
	/* Bit 0 is RNDGETEPOCHFD_WATCH; bit 1 is unknown. */
	EXPECT_EQ(-1, ioctl(self->rnd, RNDGETEPOCHFD, 2));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->rnd, RNDGETEPOCHFD, O_NONBLOCK));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(epoch, unknown_ioctl_still_einval)
{
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->rnd, _IO('R', 0x1f), 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(epoch, fd_is_rdonly_cloexec)
{
	int fl = fcntl(self->efd, F_GETFL);
	int fdfl = fcntl(self->efd, F_GETFD);

	ASSERT_GE(fl, 0);
	ASSERT_GE(fdfl, 0);
	EXPECT_EQ(O_RDONLY, fl & O_ACCMODE);
	EXPECT_TRUE(fdfl & FD_CLOEXEC);
}

TEST_F(epoch, write_to_fd_refused)
{
	__u32 w = 0;

	EXPECT_EQ(-1, write(self->efd, &w, sizeof(w)));
	EXPECT_EQ(EBADF, errno);
}

TEST_F(epoch, mmap_write_shared_eacces)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, self->efd, 0);

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
}

TEST_F(epoch, mmap_private_einval)
{
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, self->efd, 0);

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, self->efd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(epoch, mmap_exec_eperm)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, self->efd, 0);

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EPERM, errno);
}

/*
 * A process with the legacy READ_IMPLIES_EXEC personality gets PROT_EXEC
 * added to every PROT_READ mapping; it must still get the page, and never
 * an executable one.
 */
TEST_F(epoch, read_implies_exec_process_gets_the_page)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		const __u32 *p;

		if (personality(READ_IMPLIES_EXEC) < 0)
			_exit(10);
		p = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ, MAP_SHARED,
			 self->efd, 0);
		if (p == MAP_FAILED)
			_exit(11);
		if (epoch_load(p) != epoch_load(self->page))
			_exit(12);
		/* Not executable, not even once asked for. */
		if (!mprotect((void *)p, RANDOM_EPOCH_PAGE_SIZE,
			      PROT_READ | PROT_EXEC))
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* A debugger's write (FOLL_FORCE) cannot change the page either. */
TEST_F(epoch, proc_self_mem_write_refused)
{
	__u32 before = epoch_load(self->page);

	/* Control: the same write does change a read-only private page. */
	ASSERT_EQ(0, epoch_poke_control());
	EXPECT_NE(0, epoch_poke_proc_mem(self->page, ~before));
	EXPECT_EQ(before, epoch_load(self->page));
}

TEST_F(epoch, mmap_two_pages_einval)
{
	void *p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, self->efd, 0);

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

/* 0 is the epoch page, RANDOM_EPOCH_VMCLOCK_OFFSET the vmclock page. */
TEST_F(epoch, mmap_offset_einval)
{
	static const off_t offsets[] = { 2 * 4096, 3 * 4096, 1 << 20 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(offsets); i++) {
		void *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->efd,
			       offsets[i]);

		EXPECT_EQ(MAP_FAILED, p);
		EXPECT_EQ(EINVAL, errno);
	}
}

TEST_F(epoch, mprotect_write_or_exec_eacces)
{
	EXPECT_EQ(-1, mprotect((void *)self->page, 4096, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect((void *)self->page, 4096, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	/* Still mapped read-only and readable. */
	EXPECT_EQ(epoch_load(self->page), epoch_read_fd(self->efd));
}

TEST_F(epoch, mremap_grow_efault)
{
	void *p = mremap((void *)self->page, 4096, 8192, MREMAP_MAYMOVE);

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EFAULT, errno);
}

/* struct random_epoch_page, then zeroes; no vmclock device, no counter. */
TEST_F(epoch, page_is_word_then_zeroes)
{
	const struct random_epoch_page *ep = (const void *)self->page;
	const unsigned char *bytes = (const unsigned char *)self->page;
	int i, nonzero = 0;

	for (i = sizeof(*ep); i < RANDOM_EPOCH_PAGE_SIZE; i++)
		nonzero += bytes[i] != 0;
	EXPECT_EQ(0, nonzero);
	if (!ep->vmclock_counter_offset)
		EXPECT_EQ(0, ep->vmclock_counter_seen);
}

TEST_F(epoch, read_returns_word_and_short_read_einval)
{
	__u32 buf[2] = { 0xdeadbeef, 0xdeadbeef };
	void *bad_pointer = NULL;
	char small[3];
	__u32 word;

	/* Something to read: read() blocks until the word changes. */
	ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &word));
	EXPECT_EQ(-1, read(self->efd, small, sizeof(small)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(4, read(self->efd, buf, sizeof(buf)));
	EXPECT_EQ(epoch_load(self->page), buf[0]);
	EXPECT_EQ(0xdeadbeef, buf[1]);
	/*
	 * A bad buffer, hidden behind an empty asm (the kernel's
	 * OPTIMIZER_HIDE_VAR) so the compiler cannot see it is NULL and
	 * reject the call at build time.
	 */
	__asm__ ("" : "+r" (bad_pointer));
	ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &word));
	EXPECT_EQ(-1, read(self->efd, bad_pointer, 4));
	EXPECT_EQ(EFAULT, errno);
	/* A failed read consumes nothing. */
	EXPECT_EQ(4, read(self->efd, buf, sizeof(buf)));
	EXPECT_EQ(word, buf[0]);
}

TEST_F(epoch, bump_publishes_criu_id_and_next_counter)
{
	__u32 before = epoch_load(self->page), word = 0;

	ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &word));
	EXPECT_EQ(word, epoch_load(self->page));
	EXPECT_EQ(RANDOM_EPOCH_ID_CRIU, RANDOM_EPOCH_WORD_ID(word));
	EXPECT_EQ((RANDOM_EPOCH_WORD_COUNTER(before) + 1) & RANDOM_EPOCH_COUNTER_MASK,
		  RANDOM_EPOCH_WORD_COUNTER(word));
	EXPECT_NE(before, word);
}

TEST_F(epoch, bump_avoid_skips_the_avoided_word)
{
	__u32 before = epoch_load(self->page), word = 0;
	__u32 next = RANDOM_EPOCH_WORD(RANDOM_EPOCH_ID_CRIU,
				       RANDOM_EPOCH_WORD_COUNTER(before) + 1);

	ASSERT_EQ(0, epoch_bump(self->rnd, RNDBUMPEPOCH_AVOID, next, &word));
	EXPECT_NE(next, word);
	EXPECT_NE(before, word);
	EXPECT_EQ((RANDOM_EPOCH_WORD_COUNTER(before) + 2) & RANDOM_EPOCH_COUNTER_MASK,
		  RANDOM_EPOCH_WORD_COUNTER(word));
	/* An avoid value that would not come up anyway changes nothing. */
	before = word;
	ASSERT_EQ(0, epoch_bump(self->rnd, RNDBUMPEPOCH_AVOID, before, &word));
	EXPECT_EQ((RANDOM_EPOCH_WORD_COUNTER(before) + 1) & RANDOM_EPOCH_COUNTER_MASK,
		  RANDOM_EPOCH_WORD_COUNTER(word));
}

TEST_F(epoch, bump_bad_arguments_change_nothing)
{
	struct rand_epoch_bump b;
	void *ro;
	__u32 before = epoch_load(self->page);

	memset(&b, 0, sizeof(b));
	b.flags = 2;
	EXPECT_EQ(-1, ioctl(self->rnd, RNDBUMPEPOCH, &b));
	EXPECT_EQ(EINVAL, errno);

	memset(&b, 0, sizeof(b));
	b.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->rnd, RNDBUMPEPOCH, &b));
	EXPECT_EQ(EINVAL, errno);

	memset(&b, 0, sizeof(b));
	b.avoid = 5;	/* without RNDBUMPEPOCH_AVOID */
	EXPECT_EQ(-1, ioctl(self->rnd, RNDBUMPEPOCH, &b));
	EXPECT_EQ(EINVAL, errno);

	EXPECT_EQ(-1, ioctl(self->rnd, RNDBUMPEPOCH, NULL));
	EXPECT_EQ(EFAULT, errno);

	/* Readable but not writable: refused before the bump. */
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(-1, ioctl(self->rnd, RNDBUMPEPOCH, ro));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, 4096);

	EXPECT_EQ(before, epoch_load(self->page));
}

TEST_F(epoch, bump_unprivileged_eperm)
{
	__u32 before = epoch_load(self->page);
	pid_t pid;
	int status;

	if (geteuid() != 0)
		SKIP(return, "needs root to drop to an unprivileged user");
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct rand_epoch_bump b = { 0 };

		/* Leaving uid 0 drops every capability. */
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(10);
		if (ioctl(self->rnd, RNDBUMPEPOCH, &b) != -1)
			_exit(11);
		if (errno != EPERM)
			_exit(12);
		/* The unprivileged may still map and read the page. */
		if (ioctl(self->rnd, RNDGETEPOCHFD, 0) < 0)
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(before, epoch_load(self->page));
}

TEST_F(epoch, mapping_survives_close)
{
	__u32 word;

	close(self->efd);
	self->efd = -1;
	ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &word));
	EXPECT_EQ(word, epoch_load(self->page));
}

TEST_F(epoch, madvise_dontneed_refaults)
{
	__u32 word;

	ASSERT_EQ(0, madvise((void *)self->page, 4096, MADV_DONTNEED));
	ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &word));
	EXPECT_EQ(word, epoch_load(self->page));
}

TEST_F(epoch, fork_child_keeps_mapping)
{
	int to_child[2], to_parent[2], status;
	__u32 word;
	pid_t pid;

	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		__u32 seen = epoch_load(self->page), expect;

		if (write(to_parent[1], &seen, sizeof(seen)) != sizeof(seen))
			_exit(10);
		if (read(to_child[0], &expect, sizeof(expect)) != sizeof(expect))
			_exit(11);
		_exit(epoch_load(self->page) == expect ? 0 : 12);
	}
	ASSERT_EQ(sizeof(word), read(to_parent[0], &word, sizeof(word)));
	EXPECT_EQ(epoch_load(self->page), word);
	ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &word));
	ASSERT_EQ(sizeof(word), write(to_child[1], &word, sizeof(word)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(epoch, one_page_for_all_mappings)
{
	int rnd2 = open("/dev/random", O_RDONLY | O_CLOEXEC);
	int efd2 = ioctl(rnd2, RNDGETEPOCHFD, 0);
	const __u32 *page2;
	__u64 pfn1, pfn2;

	ASSERT_GE(efd2, 0);
	page2 = mmap(NULL, 4096, PROT_READ, MAP_SHARED, efd2, 0);
	ASSERT_NE(MAP_FAILED, page2);
	EXPECT_NE(page2, self->page);
	EXPECT_EQ(epoch_load(self->page), epoch_load(page2));
	pfn1 = epoch_pfn((const void *)self->page);
	pfn2 = epoch_pfn((const void *)page2);
	if (!pfn1 || !pfn2)
		SKIP(goto out, "no PFNs in /proc/self/pagemap (not root?)");
	EXPECT_EQ(pfn1, pfn2);
out:
	munmap((void *)page2, 4096);
	close(efd2);
	close(rnd2);
}

TEST_F(epoch, poll_only_after_change_and_read_consumes)
{
	struct pollfd pfd = { .fd = self->efd, .events = POLLIN };
	__u32 word, got;

	/* A new descriptor has consumed the word current at its creation. */
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &word));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLIN);
	ASSERT_EQ(sizeof(got), read(self->efd, &got, sizeof(got)));
	EXPECT_EQ(word, got);
	pfd.revents = 0;
	EXPECT_EQ(0, poll(&pfd, 1, 0));
}

struct delayed_bump {
	int rnd;
	int delay_ms;
};

static void *bump_after(void *arg)
{
	struct delayed_bump *d = arg;
	__u32 word;

	usleep(d->delay_ms * 1000);
	epoch_bump(d->rnd, 0, 0, &word);
	return NULL;
}

TEST_F(epoch, epoll_wakes_on_change)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct delayed_bump d = { .rnd = self->rnd, .delay_ms = 100 };
	pthread_t t;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	ASSERT_GE(ep, 0);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->efd, &ev));
	/* Nothing happens: no wakeup. */
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 50));
	ASSERT_EQ(0, pthread_create(&t, NULL, bump_after, &d));
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, 10000));
	EXPECT_TRUE(out.events & EPOLLIN);
	pthread_join(t, NULL);
	close(ep);
}

#define BUMP_THREADS 4
#define BUMPS_PER_THREAD 2000

static void *bump_many(void *arg)
{
	int rnd = *(int *)arg, i;
	__u32 word;

	for (i = 0; i < BUMPS_PER_THREAD; i++)
		if (epoch_bump(rnd, 0, 0, &word))
			return (void *)1;
	return NULL;
}

TEST_F(epoch, concurrent_bumps_lose_nothing)
{
	pthread_t t[BUMP_THREADS];
	__u32 before = epoch_load(self->page), after;
	void *ret;
	int i, failed = 0;

	for (i = 0; i < BUMP_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, bump_many, &self->rnd));
	for (i = 0; i < BUMP_THREADS; i++) {
		pthread_join(t[i], &ret);
		if (ret)
			failed++;
	}
	after = epoch_load(self->page);
	EXPECT_EQ(0, failed);
	EXPECT_EQ((RANDOM_EPOCH_WORD_COUNTER(before) + BUMP_THREADS * BUMPS_PER_THREAD) &
		  RANDOM_EPOCH_COUNTER_MASK, RANDOM_EPOCH_WORD_COUNTER(after));
}

TEST_HARNESS_MAIN
