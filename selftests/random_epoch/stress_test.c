// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: every notifier kind fires at once while readers check the word and
 * other threads churn through open/ioctl/mmap/munmap/close and poll.
 *
 *  - the timer notifier at 10 ms;
 *  - RNDBUMPEPOCH (the CRIU notifier) in a loop from BUMPERS threads;
 *  - a test-module notifier from process context and from hard IRQ context;
 *  - READERS threads loading the word: it never goes backwards and never
 *    shows an ID that nobody notified with;
 *  - CHURNERS threads opening, mapping and closing epoch descriptors;
 *  - a thread blocked in epoll_wait on an epoch descriptor.
 *
 * At the end the epoch counter has advanced by exactly the sum of every
 * notifier's count in the admin view, and the CRIU and test notifiers' counts
 * match what the threads did. A VM restore during the run (the host-side
 * stress_restore_test) adds one VMGenID or vmclock notification, counted the
 * same way.
 * STRESS_SECONDS (default 10) bounds the run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/random_epoch.h>

#include "../kselftest_harness.h"
#include "epoch_util.h"

#define BUMPERS		2
#define READERS		2
#define CHURNERS	2
#define WATCHERS	2

struct stress {
	int rnd;
	int test_id;
	const __u32 *page;
	atomic_bool stop;
	atomic_ulong bumps;
	atomic_ulong test_notifies;
	atomic_ulong reads;
	atomic_ulong cycles;
	atomic_ulong wakeups;
	atomic_ulong acks;
	atomic_ulong stale_acks;
	atomic_ulong errors;
	char error[256];
};

static void fail(struct stress *s, const char *fmt, ...)
{
	va_list ap;

	if (atomic_fetch_add(&s->errors, 1) == 0) {
		va_start(ap, fmt);
		vsnprintf(s->error, sizeof(s->error), fmt, ap);
		va_end(ap);
	}
}

static int id_known(struct stress *s, __u32 word)
{
	__u32 id = RANDOM_EPOCH_WORD_ID(word);

	return id == RANDOM_EPOCH_ID_NONE || id == RANDOM_EPOCH_ID_VMGENID ||
	       id == RANDOM_EPOCH_ID_CRIU || id == RANDOM_EPOCH_ID_TIMER ||
	       id == RANDOM_EPOCH_ID_VMCLOCK || id == (__u32)s->test_id;
}

static void *bumper(void *arg)
{
	struct stress *s = arg;
	__u32 word;

	while (!atomic_load(&s->stop)) {
		if (epoch_bump(s->rnd, 0, 0, &word)) {
			fail(s, "RNDBUMPEPOCH: %s", strerror(errno));
			break;
		}
		atomic_fetch_add(&s->bumps, 1);
	}
	return NULL;
}

static void *test_notifier(void *arg)
{
	struct stress *s = arg;
	unsigned long i;
	int ret;

	for (i = 0; !atomic_load(&s->stop); i++) {
		/* Every fourth from hard IRQ context, like vmgenid's OF path. */
		ret = epoch_control(i % 4 ? "notify %d" : "notify_irq %d", s->test_id);
		if (ret) {
			fail(s, "test notify: %s", strerror(-ret));
			break;
		}
		atomic_fetch_add(&s->test_notifies, 1);
	}
	return NULL;
}

static void *reader(void *arg)
{
	struct stress *s = arg;
	__u32 prev = epoch_load(s->page), word, delta;
	unsigned long n = 0;

	while (!atomic_load(&s->stop)) {
		word = epoch_load(s->page);
		delta = RANDOM_EPOCH_WORD_COUNTER(word - prev);
		/* Modulo 2^24, a step backwards shows up as a huge delta. */
		if (delta >= RANDOM_EPOCH_COUNTER_MASK / 2) {
			fail(s, "word went backwards: %08x then %08x", prev, word);
			break;
		}
		if (!delta && word != prev) {
			fail(s, "torn word: %08x then %08x", prev, word);
			break;
		}
		if (!id_known(s, word)) {
			fail(s, "word %08x has an ID nobody notified with", word);
			break;
		}
		prev = word;
		n++;
	}
	atomic_fetch_add(&s->reads, n);
	return NULL;
}

static void *churner(void *arg)
{
	struct stress *s = arg;
	const __u32 *p;
	int efd;

	while (!atomic_load(&s->stop)) {
		efd = ioctl(s->rnd, RNDGETEPOCHFD, 0);
		if (efd < 0) {
			fail(s, "RNDGETEPOCHFD: %s", strerror(errno));
			break;
		}
		p = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ, MAP_SHARED, efd, 0);
		if (p == MAP_FAILED) {
			fail(s, "mmap: %s", strerror(errno));
			close(efd);
			break;
		}
		if (!id_known(s, epoch_load(p)))
			fail(s, "fresh mapping shows word %08x", epoch_load(p));
		munmap((void *)p, RANDOM_EPOCH_PAGE_SIZE);
		close(efd);
		atomic_fetch_add(&s->cycles, 1);
	}
	return NULL;
}

static void *poller(void *arg)
{
	struct stress *s = arg;
	struct epoll_event ev = { .events = EPOLLIN };
	int efd = ioctl(s->rnd, RNDGETEPOCHFD, 0);
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (efd < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev)) {
		fail(s, "epoll setup: %s", strerror(errno));
		return NULL;
	}
	while (!atomic_load(&s->stop)) {
		if (epoll_wait(ep, &ev, 1, 100) == 1) {
			__u32 w;

			/* Consume, wait for the next; never blocks here. */
			if (read(efd, &w, sizeof(w)) != sizeof(w))
				fail(s, "read after epoll: %s", strerror(errno));
			atomic_fetch_add(&s->wakeups, 1);
		}
	}
	close(ep);
	close(efd);
	return NULL;
}

/*
 * A watcher: blocking read() (the 10 ms timer wakes it after the stop),
 * acknowledge, reopen now and then; the counts must stay in range.
 */
static void *watcher_thread(void *arg)
{
	struct stress *s = arg;
	struct rand_epoch_count c;
	unsigned long n = 0;
	__u32 word;
	int wfd = -1;

	while (!atomic_load(&s->stop)) {
		if (wfd < 0)
			wfd = ioctl(s->rnd, RNDGETEPOCHFD, RNDGETEPOCHFD_WATCH);
		if (wfd < 0) {
			fail(s, "watcher: %s", strerror(errno));
			break;
		}
		if (read(wfd, &word, sizeof(word)) != sizeof(word)) {
			fail(s, "watcher read: %s", strerror(errno));
			break;
		}
		if (!ioctl(wfd, RNDEPOCHACK, &word))
			atomic_fetch_add(&s->acks, 1);
		else if (errno == ESTALE)
			atomic_fetch_add(&s->stale_acks, 1);
		else
			fail(s, "ack: %s", strerror(errno));
		if (ioctl(wfd, RNDEPOCHCOUNT, &c) || c.outdated > c.watchers ||
		    c.watchers > WATCHERS)
			fail(s, "counts %u outdated of %u", c.outdated, c.watchers);
		if (++n % 8 == 0) {
			close(wfd);
			wfd = -1;
		}
	}
	if (wfd >= 0)
		close(wfd);
	return NULL;
}

/* Every notifier's count in the admin view, and their sum. */
struct admin_counts {
	unsigned long long total;
	unsigned long long by_id[256];
};

static int read_admin_counts(struct admin_counts *ac)
{
	FILE *f = fopen(EPOCH_NOTIFIERS, "re");
	unsigned long long c;
	char line[128], name[64];
	int id, n = 0;

	if (!f)
		return -1;
	memset(ac, 0, sizeof(*ac));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%d %63s %llu", &id, name, &c) != 3 ||
		    id < 0 || id > 255)
			continue;
		ac->total += c;
		ac->by_id[id] = c;
		n++;
	}
	fclose(f);
	return n;
}

TEST(all_notifiers_at_once)
{
	unsigned long long notified, criu, test, timer, vmgenid, vmclock;
	struct admin_counts c0, c1;
	pthread_t threads[BUMPERS + READERS + CHURNERS + WATCHERS + 2];
	struct rand_epoch_count wc;
	const char *env = getenv("STRESS_SECONDS");
	int seconds = env ? atoi(env) : 10;
	struct stress s = { .test_id = -1 };
	__u32 word0, word1, counted;
	int efd, i, n = 0;

	if (access(EPOCH_TEST_CONTROL, W_OK) || access(EPOCH_TIMER_SYSCTL, W_OK))
		SKIP(return, "needs root, the test module and the timer sysctl");
	s.rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(s.rnd, 0);
	efd = ioctl(s.rnd, RNDGETEPOCHFD, 0);
	ASSERT_GE(efd, 0);
	s.page = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ, MAP_SHARED, efd, 0);
	ASSERT_NE(MAP_FAILED, s.page);
	close(efd);
	s.test_id = epoch_register_test_notifier("stress");
	ASSERT_GE(s.test_id, RANDOM_EPOCH_ID_DYNAMIC_FIRST);

	ASSERT_GT(read_admin_counts(&c0), 0);
	word0 = epoch_load(s.page);
	ASSERT_EQ(0, epoch_set_timer("10"));

	for (i = 0; i < BUMPERS; i++)
		ASSERT_EQ(0, pthread_create(&threads[n++], NULL, bumper, &s));
	for (i = 0; i < READERS; i++)
		ASSERT_EQ(0, pthread_create(&threads[n++], NULL, reader, &s));
	for (i = 0; i < CHURNERS; i++)
		ASSERT_EQ(0, pthread_create(&threads[n++], NULL, churner, &s));
	ASSERT_EQ(0, pthread_create(&threads[n++], NULL, test_notifier, &s));
	ASSERT_EQ(0, pthread_create(&threads[n++], NULL, poller, &s));
	for (i = 0; i < WATCHERS; i++)
		ASSERT_EQ(0, pthread_create(&threads[n++], NULL, watcher_thread, &s));

	sleep(seconds);
	atomic_store(&s.stop, true);
	for (i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	/* Stop the timer, then read the totals: nothing moves after this. */
	EXPECT_EQ(0, epoch_set_timer("0"));
	word1 = epoch_load(s.page);
	ASSERT_GT(read_admin_counts(&c1), 0);
	epoch_control("unregister %d", s.test_id);
	/* Every watcher closed: none left counted, none negative. */
	efd = ioctl(s.rnd, RNDGETEPOCHFD, 0);
	ASSERT_GE(efd, 0);
	ASSERT_EQ(0, ioctl(efd, RNDEPOCHCOUNT, &wc));
	close(efd);
	EXPECT_EQ(0, wc.watchers);
	EXPECT_EQ(0, wc.outdated);

	counted = RANDOM_EPOCH_WORD_COUNTER(word1 - word0);
	notified = c1.total - c0.total;
	criu = c1.by_id[RANDOM_EPOCH_ID_CRIU] - c0.by_id[RANDOM_EPOCH_ID_CRIU];
	test = c1.by_id[s.test_id] - c0.by_id[s.test_id];
	timer = c1.by_id[RANDOM_EPOCH_ID_TIMER] - c0.by_id[RANDOM_EPOCH_ID_TIMER];
	/* Only a VM restore during the run (the host's stress_restore_test). */
	vmgenid = c1.by_id[RANDOM_EPOCH_ID_VMGENID] -
		  c0.by_id[RANDOM_EPOCH_ID_VMGENID];
	vmclock = c1.by_id[RANDOM_EPOCH_ID_VMCLOCK] -
		  c0.by_id[RANDOM_EPOCH_ID_VMCLOCK];
	ksft_print_msg("%ds: %lu bumps, %lu test notifications, %llu timer\n",
		       seconds, atomic_load(&s.bumps), atomic_load(&s.test_notifies),
		       timer);
	ksft_print_msg("VM forks: %llu vmgenid, %llu vmclock\n", vmgenid, vmclock);
	ksft_print_msg("%lu reads, %lu map cycles, %lu poll wakeups; epoch %06x -> %06x\n",
		       atomic_load(&s.reads), atomic_load(&s.cycles),
		       atomic_load(&s.wakeups), RANDOM_EPOCH_WORD_COUNTER(word0),
		       RANDOM_EPOCH_WORD_COUNTER(word1));
	EXPECT_EQ(0, atomic_load(&s.errors)) {
		TH_LOG("first error: %s", s.error);
	}
	/* Exactly one epoch step per notification, none lost, none extra. */
	EXPECT_EQ(notified & RANDOM_EPOCH_COUNTER_MASK, counted);
	EXPECT_EQ(atomic_load(&s.bumps), criu);
	EXPECT_EQ(atomic_load(&s.test_notifies), test);
	/* Every kind did fire. */
	EXPECT_GT(atomic_load(&s.bumps), 0);
	EXPECT_GT(atomic_load(&s.test_notifies), 0);
	EXPECT_GT(timer, 0);
	EXPECT_GT(atomic_load(&s.reads), 0);
	EXPECT_GT(atomic_load(&s.cycles), 0);
	EXPECT_GT(atomic_load(&s.wakeups), 0);
	EXPECT_GT(atomic_load(&s.acks), 0);
	ksft_print_msg("%lu watcher acks, %lu stale\n", atomic_load(&s.acks),
		       atomic_load(&s.stale_acks));
	close(s.rnd);
}

TEST_HARNESS_MAIN
