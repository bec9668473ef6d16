// SPDX-License-Identifier: GPL-2.0
/*
 * The event side of the epoch descriptor: read() that blocks until the word
 * changes (EAGAIN with O_NONBLOCK, EINTR on a signal, poll agreeing with it),
 * watchers that acknowledge the word they adjusted to, and RNDEPOCHCOUNT /
 * RNDEPOCHSETTLE for an orchestrator. Every test starts with no watcher in
 * the system, so counts are exact. Opening a watcher takes CAP_SYS_ADMIN:
 * the suite runs as root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/random_epoch.h>

#include "../kselftest_harness.h"
#include "epoch_util.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int count(int fd, struct rand_epoch_count *c)
{
	memset(c, 0xff, sizeof(*c));
	return ioctl(fd, RNDEPOCHCOUNT, c) ? -errno : 0;
}

/* RNDEPOCHSETTLE; returns 0 or -errno, the count left in *left. */
static int settle(int fd, unsigned int timeout_ms, unsigned int *left)
{
	struct rand_epoch_settle st = { .timeout_ms = timeout_ms };
	int ret = ioctl(fd, RNDEPOCHSETTLE, &st) ? -errno : 0;

	if (left)
		*left = st.outdated;
	return ret;
}

static int ack(int wfd, __u32 word)
{
	return ioctl(wfd, RNDEPOCHACK, &word) ? -errno : 0;
}

static int watcher(int rnd)
{
	return ioctl(rnd, RNDGETEPOCHFD, RNDGETEPOCHFD_WATCH);
}

/* A watcher that caught up: it acknowledged the word it started with. */
static int current_watcher(int rnd)
{
	int w = watcher(rnd);

	if (w >= 0 && ack(w, epoch_read_fd(w))) {
		close(w);
		return -1;
	}
	return w;
}

FIXTURE(watch) {
	int rnd;
	int efd;	/* not a watcher */
};

FIXTURE_SETUP(watch)
{
	struct rand_epoch_count c;
	int w;

	self->efd = -1;
	self->rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(self->rnd, 0);
	w = watcher(self->rnd);
	if (w < 0 && errno == EINVAL)
		SKIP(return, "kernel without RNDGETEPOCHFD_WATCH");
	if (w < 0 && errno == EPERM)
		SKIP(return, "opening a watcher needs CAP_SYS_ADMIN");
	ASSERT_GE(w, 0);
	close(w);
	self->efd = ioctl(self->rnd, RNDGETEPOCHFD, 0);
	ASSERT_GE(self->efd, 0);
	ASSERT_EQ(0, count(self->efd, &c));
	/* Nobody else watches during the selftests: counts are exact. */
	ASSERT_EQ(0, c.watchers);
	ASSERT_EQ(0, c.outdated);
}

FIXTURE_TEARDOWN(watch)
{
	if (self->efd >= 0)
		close(self->efd);
	close(self->rnd);
}

struct delayed_bump {
	int rnd;
	int delay_ms;
	__u32 word;
};

static void *bump_after(void *arg)
{
	struct delayed_bump *d = arg;

	usleep(d->delay_ms * 1000);
	epoch_bump(d->rnd, 0, 0, &d->word);
	return NULL;
}

TEST_F(watch, read_blocks_until_a_bump)
{
	struct delayed_bump d = { .rnd = self->rnd, .delay_ms = 200 };
	long long t0, waited, control;
	__u32 word, got;
	pthread_t t;

	/*
	 * Control: with a word not yet consumed, read() has nothing to wait
	 * for; a non-blocking read proves it without a timing bound.
	 */
	ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &word));
	ASSERT_EQ(0, fcntl(self->efd, F_SETFL, O_NONBLOCK));
	t0 = now_ms();
	ASSERT_EQ(4, read(self->efd, &got, sizeof(got)));
	control = now_ms() - t0;
	ASSERT_EQ(0, fcntl(self->efd, F_SETFL, 0));
	EXPECT_EQ(word, got);

	/* Consumed: the next read() sleeps until the bump, then returns it. */
	ASSERT_EQ(0, pthread_create(&t, NULL, bump_after, &d));
	t0 = now_ms();
	ASSERT_EQ(4, read(self->efd, &got, sizeof(got)));
	waited = now_ms() - t0;
	pthread_join(t, NULL);
	EXPECT_EQ(d.word, got);
	EXPECT_NE(word, got);
	EXPECT_GE(waited, 150);
	ksft_print_msg("read returned after %lld ms (bump at 200 ms)\n", waited);
	ksft_print_msg("%lld ms with a word pending\n", control);
}

TEST_F(watch, nonblocking_read_eagain)
{
	__u32 word, got = 0xdeadbeef;

	ASSERT_EQ(0, fcntl(self->efd, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-1, read(self->efd, &got, sizeof(got)));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0xdeadbeef, got);
	ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &word));
	EXPECT_EQ(4, read(self->efd, &got, sizeof(got)));
	EXPECT_EQ(word, got);
	EXPECT_EQ(-1, read(self->efd, &got, sizeof(got)));
	EXPECT_EQ(EAGAIN, errno);
}

static void on_alarm(int sig)
{
	(void)sig;
}

TEST_F(watch, signal_interrupts_read)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval it = { .it_value = { 0, 100000 } };
	__u32 word, got;
	long long t0;

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	t0 = now_ms();
	EXPECT_EQ(-1, read(self->efd, &got, sizeof(got)));
	/* EINTR itself proves the signal ended the wait: no timing bound. */
	EXPECT_EQ(EINTR, errno);
	ksft_print_msg("interrupted after %lld ms (alarm at 100 ms)\n",
		       now_ms() - t0);
	/* Control: the interrupted read consumed nothing. */
	ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &word));
	EXPECT_EQ(4, read(self->efd, &got, sizeof(got)));
	EXPECT_EQ(word, got);
}

/* poll() says readable exactly when a non-blocking read() succeeds. */
TEST_F(watch, poll_and_read_agree)
{
	struct pollfd pfd = { .fd = self->efd, .events = POLLIN };
	int i, readable, ok, agree = 0, ready = 0;
	__u32 word, got;

	ASSERT_EQ(0, fcntl(self->efd, F_SETFL, O_NONBLOCK));
	for (i = 0; i < 40; i++) {
		/* Bump on some rounds, twice on some. */
		if (i % 3 == 1 || i % 7 == 0)
			ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &word));
		if (i % 7 == 0)
			ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &word));
		readable = poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
		ok = read(self->efd, &got, sizeof(got)) == sizeof(got);
		if (!ok)
			EXPECT_EQ(EAGAIN, errno);
		if (ok)
			EXPECT_EQ(word, got);
		agree += readable == ok;
		ready += ok;
	}
	EXPECT_EQ(40, agree);
	/* Both states were seen. */
	EXPECT_GT(ready, 0);
	EXPECT_LT(ready, 40);
}

TEST_F(watch, watchers_counted_non_watchers_never)
{
	struct rand_epoch_count c;
	int prng[16], w[3], i;
	__u32 word;

	for (i = 0; i < 16; i++)
		ASSERT_GE(prng[i] = ioctl(self->rnd, RNDGETEPOCHFD, 0), 0);
	ASSERT_EQ(0, count(self->efd, &c));
	EXPECT_EQ(0, c.watchers);
	for (i = 0; i < 3; i++)
		ASSERT_GE(w[i] = watcher(self->rnd), 0);
	ASSERT_EQ(0, count(w[0], &c));
	EXPECT_EQ(3, c.watchers);
	/* New watchers start outdated, until they acknowledge the word. */
	EXPECT_EQ(3, c.outdated);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, ack(w[i], epoch_read_fd(w[i])));
	ASSERT_EQ(0, count(w[0], &c));
	EXPECT_EQ(0, c.outdated);
	ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &word));
	ASSERT_EQ(0, count(self->efd, &c));
	EXPECT_EQ(3, c.watchers);
	EXPECT_EQ(3, c.outdated);
	EXPECT_EQ(0, ack(w[1], word));
	/* A second acknowledgment of the same word changes nothing. */
	EXPECT_EQ(0, ack(w[1], word));
	ASSERT_EQ(0, count(self->efd, &c));
	EXPECT_EQ(2, c.outdated);
	/* Reading the word is not acknowledging it. */
	EXPECT_EQ(4, read(w[0], &word, sizeof(word)));
	ASSERT_EQ(0, count(self->efd, &c));
	EXPECT_EQ(2, c.outdated);
	/* PRNG descriptors read and close without counting. */
	for (i = 0; i < 16; i++) {
		EXPECT_EQ(4, read(prng[i], &word, sizeof(word)));
		close(prng[i]);
	}
	ASSERT_EQ(0, count(self->efd, &c));
	EXPECT_EQ(3, c.watchers);
	EXPECT_EQ(2, c.outdated);
	for (i = 0; i < 3; i++)
		close(w[i]);
	ASSERT_EQ(0, count(self->efd, &c));
	EXPECT_EQ(0, c.watchers);
	EXPECT_EQ(0, c.outdated);
}

TEST_F(watch, ack_of_a_stale_word_refused)
{
	struct rand_epoch_count c;
	__u32 first, second;
	int w = watcher(self->rnd);

	ASSERT_GE(w, 0);
	ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &first));
	/* An event arrives while the watcher adjusts to @first. */
	ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &second));
	EXPECT_EQ(-ESTALE, ack(w, first));
	ASSERT_EQ(0, count(w, &c));
	EXPECT_EQ(1, c.outdated);
	/* Control: the current word is accepted. */
	EXPECT_EQ(0, ack(w, second));
	ASSERT_EQ(0, count(w, &c));
	EXPECT_EQ(0, c.outdated);
	/* Acknowledging an old word once current changes nothing either. */
	EXPECT_EQ(-ESTALE, ack(w, first));
	ASSERT_EQ(0, count(w, &c));
	EXPECT_EQ(0, c.outdated);
	/* Not a watcher: nothing to acknowledge. */
	EXPECT_EQ(-EINVAL, ack(self->efd, second));
	close(w);
}

TEST_F(watch, settle_with_no_watcher)
{
	unsigned int left = 99;
	long long t0;
	__u32 word;

	ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &word));
	t0 = now_ms();
	EXPECT_EQ(0, settle(self->efd, 5000, &left));
	/* Success, not ETIMEDOUT, is the proof; the timeout bounds it. */
	EXPECT_LT(now_ms() - t0, 5000);
	EXPECT_EQ(0, left);
}

struct slow_watcher {
	int wfd;
	int delay_ms;
	atomic_int adjusted;	/* set when done, just before the ack */
	int ack_ret;
};

/* Wait for the event, "adjust" for delay_ms, acknowledge. */
static void *slow_ack(void *arg)
{
	struct slow_watcher *s = arg;
	__u32 word;

	if (read(s->wfd, &word, sizeof(word)) != sizeof(word))
		return NULL;
	usleep(s->delay_ms * 1000);
	atomic_store(&s->adjusted, 1);
	s->ack_ret = ack(s->wfd, word);
	return NULL;
}

TEST_F(watch, settle_one_watcher_and_its_timeout)
{
	struct slow_watcher s = { .delay_ms = 400, .ack_ret = 1 };
	unsigned int left = 99;
	long long t0, waited;
	pthread_t t;
	__u32 word;

	s.wfd = current_watcher(self->rnd);
	ASSERT_GE(s.wfd, 0);
	/* Settled before any event. */
	EXPECT_EQ(0, settle(self->efd, 0, &left));
	ASSERT_EQ(0, pthread_create(&t, NULL, slow_ack, &s));
	ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &word));
	/* The timeout: its own errno and the count left. */
	t0 = now_ms();
	EXPECT_EQ(-ETIMEDOUT, settle(self->efd, 100, &left));
	EXPECT_GE(now_ms() - t0, 90);
	EXPECT_EQ(1, left);
	EXPECT_EQ(-ETIMEDOUT, settle(self->efd, 0, &left));
	EXPECT_EQ(1, left);
	/* Then it settles as soon as the watcher acknowledged. */
	t0 = now_ms();
	EXPECT_EQ(0, settle(self->efd, 10000, &left));
	waited = now_ms() - t0;
	EXPECT_EQ(0, left);
	EXPECT_EQ(1, atomic_load(&s.adjusted));
	EXPECT_LT(waited, 10000);
	pthread_join(t, NULL);
	EXPECT_EQ(0, s.ack_ret);
	close(s.wfd);
	ksft_print_msg("settled %lld ms after the timeout\n", waited);
}

#define MANY 200

TEST_F(watch, settle_many_watchers)
{
	static struct slow_watcher s[MANY];
	struct rand_epoch_count c;
	unsigned int left = 99;
	pthread_t t[MANY];
	int i, adjusted = 0;
	__u32 word;

	for (i = 0; i < MANY; i++) {
		s[i].wfd = watcher(self->rnd);
		ASSERT_GE(s[i].wfd, 0);
		s[i].delay_ms = 20 + (i * 7) % 300;
		atomic_store(&s[i].adjusted, 0);
		s[i].ack_ret = 1;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, slow_ack, &s[i]));
	}
	ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &word));
	ASSERT_EQ(0, count(self->efd, &c));
	EXPECT_EQ(MANY, c.watchers);
	EXPECT_EQ(-ETIMEDOUT, settle(self->efd, 0, &left));
	EXPECT_GT(left, 0);
	EXPECT_EQ(0, settle(self->efd, 20000, &left));
	/* Settled means every one of them had finished adjusting. */
	for (i = 0; i < MANY; i++)
		adjusted += atomic_load(&s[i].adjusted);
	EXPECT_EQ(MANY, adjusted);
	for (i = 0; i < MANY; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, s[i].ack_ret);
		close(s[i].wfd);
	}
	ASSERT_EQ(0, count(self->efd, &c));
	EXPECT_EQ(0, c.watchers);
}

TEST_F(watch, settle_on_itself_edeadlk)
{
	unsigned int left = 99;
	long long t0;
	__u32 word;
	int w = watcher(self->rnd);

	ASSERT_GE(w, 0);
	ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &word));
	t0 = now_ms();
	EXPECT_EQ(-EDEADLK, settle(w, 10000, &left));
	EXPECT_LT(now_ms() - t0, 10000);
	/* Control: another descriptor waits, and times out. */
	EXPECT_EQ(-ETIMEDOUT, settle(self->efd, 50, &left));
	EXPECT_EQ(1, left);
	/* Once it acknowledged, it may wait for the others. */
	EXPECT_EQ(0, ack(w, word));
	EXPECT_EQ(0, settle(w, 1000, &left));
	close(w);
}

/*
 * The uapi's "as soon as it happens": a current watcher waiting in
 * RNDEPOCHSETTLE for another one is made outdated by a publication, and
 * must fail with EDEADLK then, not at its timeout.
 */
TEST_F(watch, settle_edeadlk_as_soon_as_it_happens)
{
	struct delayed_bump d = { .rnd = self->rnd, .delay_ms = 300 };
	/* Under the harness's 30 s: without the wake-up it runs out. */
	const unsigned int timeout_ms = 20000;
	unsigned int left = 99;
	long long t0, waited;
	int me, other;
	pthread_t t;
	__u32 word;

	me = watcher(self->rnd);
	ASSERT_GE(me, 0);
	other = watcher(self->rnd);
	ASSERT_GE(other, 0);
	/* Both outdated; then "me" catches up and "other" does not. */
	ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &word));
	ASSERT_EQ(0, ack(me, word));
	/* Control: with no publication, it waits for the other watcher. */
	EXPECT_EQ(-ETIMEDOUT, settle(me, 300, &left));
	EXPECT_EQ(1, left);
	ASSERT_EQ(0, pthread_create(&t, NULL, bump_after, &d));
	t0 = now_ms();
	EXPECT_EQ(-EDEADLK, settle(me, timeout_ms, &left));
	waited = now_ms() - t0;
	pthread_join(t, NULL);
	/* Woken by the bump: long before the timeout, never before the bump. */
	EXPECT_GE(waited, 250);
	EXPECT_LT(waited, timeout_ms / 2);
	ksft_print_msg("EDEADLK %lld ms after the wait began (bump at 300 ms)\n",
		       waited);
	close(other);
	close(me);
}

/*
 * A watcher that was restarted (systemd restarts its unit) while the word
 * changed must not skip that change: a new watcher is outdated, so settle
 * waits for it, until it has compared the word with the one it adjusted to
 * and acknowledged the current one.
 */
TEST_F(watch, restarted_watcher_catches_up)
{
	struct rand_epoch_count c;
	unsigned int left = 99;
	__u32 before, word;
	int w;

	w = current_watcher(self->rnd);
	ASSERT_GE(w, 0);
	before = epoch_read_fd(w);
	close(w);			/* the watcher's process exits ... */
	ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &word));
	w = watcher(self->rnd);		/* ... and is started again */
	ASSERT_GE(w, 0);
	ASSERT_EQ(0, count(self->efd, &c));
	EXPECT_EQ(1, c.watchers);
	EXPECT_EQ(1, c.outdated);
	EXPECT_EQ(-ETIMEDOUT, settle(self->efd, 0, &left));
	EXPECT_EQ(1, left);
	/* It would wait for itself. */
	EXPECT_EQ(-EDEADLK, settle(w, 1000, &left));
	/* It sees the change it missed, adjusts, acknowledges. */
	EXPECT_NE(before, epoch_read_fd(w));
	EXPECT_EQ(0, ack(w, epoch_read_fd(w)));
	EXPECT_EQ(0, settle(self->efd, 0, &left));
	EXPECT_EQ(0, left);
	close(w);
}

/* Watchers hold every settle in the system: administrators only. */
TEST_F(watch, watcher_needs_cap_sys_admin)
{
	struct rand_epoch_count c;
	int status;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to drop to an unprivileged user");
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct rand_epoch_settle st = { .timeout_ms = 0 };
		int efd;

		/* Leaving uid 0 drops every capability. */
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(10);
		if (watcher(self->rnd) != -1 || errno != EPERM)
			_exit(11);
		/* Unprivileged: a PRNG descriptor, counting and settling. */
		efd = ioctl(self->rnd, RNDGETEPOCHFD, 0);
		if (efd < 0)
			_exit(12);
		if (ioctl(efd, RNDEPOCHCOUNT, &c) || c.watchers)
			_exit(13);
		if (ioctl(efd, RNDEPOCHSETTLE, &st))
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* Control: root may. */
	ASSERT_EQ(0, count(self->efd, &c));
	EXPECT_EQ(0, c.watchers);
}

static void *close_after(void *arg)
{
	int *fd = arg;

	usleep(200 * 1000);
	close(*fd);
	return NULL;
}

TEST_F(watch, closing_an_outdated_watcher)
{
	struct rand_epoch_count c;
	unsigned int left = 99;
	pthread_t t;
	__u32 word;
	int w = watcher(self->rnd), dup_w;

	ASSERT_GE(w, 0);
	ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &word));
	/* A duplicate is the same watcher: it counts once, until both close. */
	dup_w = dup(w);
	ASSERT_GE(dup_w, 0);
	ASSERT_EQ(0, count(self->efd, &c));
	EXPECT_EQ(1, c.watchers);
	EXPECT_EQ(1, c.outdated);
	close(dup_w);
	ASSERT_EQ(0, count(self->efd, &c));
	EXPECT_EQ(1, c.outdated);
	/* The last close wakes a settle that waits for it. */
	ASSERT_EQ(0, pthread_create(&t, NULL, close_after, &w));
	EXPECT_EQ(0, settle(self->efd, 10000, &left));
	EXPECT_EQ(0, left);
	pthread_join(t, NULL);
	ASSERT_EQ(0, count(self->efd, &c));
	EXPECT_EQ(0, c.watchers);
	EXPECT_EQ(0, c.outdated);
}

/*
 * Bumps from process context and from hard IRQ (the test driver's
 * notify_irq) while watchers acknowledge, close and reopen. The counts must
 * never go negative (huge as unsigned) nor exceed the watchers, and once the
 * bumps stop and everyone acknowledged, nothing is outdated.
 */
#define RACERS 8

struct race {
	int rnd;
	int test_id;
	atomic_int stop_bumps;
	atomic_int stop;
	atomic_int bad;
	atomic_long bumps, irq_bumps, acks, stale, reopens;
};

static void *race_bumper(void *arg)
{
	struct race *r = arg;
	__u32 word;
	long i = 0;

	while (!atomic_load(&r->stop_bumps)) {
		if (r->test_id > 0 && i++ % 2) {
			if (!epoch_control("notify_irq %d", r->test_id))
				atomic_fetch_add(&r->irq_bumps, 1);
		} else if (!epoch_bump(r->rnd, 0, 0, &word)) {
			atomic_fetch_add(&r->bumps, 1);
		}
	}
	return NULL;
}

static void *race_watcher(void *arg)
{
	struct race *r = arg;
	int w = watcher(r->rnd), n = 0, ret;
	__u32 word;

	while (!atomic_load(&r->stop)) {
		struct rand_epoch_count c;

		if (w < 0) {
			atomic_fetch_add(&r->bad, 1);
			return (void *)-1L;	/* no descriptor to close */
		}
		word = epoch_read_fd(w);
		ret = ack(w, word);
		if (!ret)
			atomic_fetch_add(&r->acks, 1);
		else if (ret == -ESTALE)
			atomic_fetch_add(&r->stale, 1);
		else
			atomic_fetch_add(&r->bad, 1);
		if (count(w, &c) || c.outdated > c.watchers ||
		    c.watchers > RACERS)
			atomic_fetch_add(&r->bad, 1);
		if (++n % 16 == 0) {
			close(w);
			w = watcher(r->rnd);
			atomic_fetch_add(&r->reopens, 1);
		}
	}
	/* The bumps stopped: this acknowledgment must stick. */
	while ((ret = ack(w, epoch_read_fd(w))) == -ESTALE)
		;
	if (ret)
		atomic_fetch_add(&r->bad, 1);
	return (void *)(long)w;
}

TEST_F(watch, concurrent_bumps_acks_and_closes)
{
	struct race r = { .rnd = self->rnd };
	pthread_t b[2], w[RACERS];
	struct rand_epoch_count c;
	unsigned int left = 99;
	int fds[RACERS];
	void *fd;
	int i;

	r.test_id = epoch_register_test_notifier("watchrace");
	if (r.test_id < 0)
		SKIP(return, "no test driver for hard IRQ bumps (%s)",
		     strerror(-r.test_id));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&b[i], NULL, race_bumper, &r));
	for (i = 0; i < RACERS; i++)
		ASSERT_EQ(0, pthread_create(&w[i], NULL, race_watcher, &r));
	sleep(2);
	atomic_store(&r.stop_bumps, 1);
	for (i = 0; i < 2; i++)
		pthread_join(b[i], NULL);
	atomic_store(&r.stop, 1);
	/* Wait for the watchers' final acknowledgments: they settle. */
	EXPECT_EQ(0, settle(self->efd, 10000, &left));
	/*
	 * A watcher thread may still reopen (a new watcher is outdated) and
	 * acknowledge after settle returned: count only once all have ended.
	 */
	for (i = 0; i < RACERS; i++) {
		pthread_join(w[i], &fd);
		fds[i] = (long)fd;
	}
	/* Still open, and every one current. */
	ASSERT_EQ(0, count(self->efd, &c));
	EXPECT_EQ(0, c.outdated);
	for (i = 0; i < RACERS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	ASSERT_EQ(0, count(self->efd, &c));
	EXPECT_EQ(0, c.watchers);
	EXPECT_EQ(0, c.outdated);
	EXPECT_EQ(0, atomic_load(&r.bad));
	EXPECT_GT(atomic_load(&r.bumps), 0);
	EXPECT_GT(atomic_load(&r.acks), 0);
	EXPECT_GT(atomic_load(&r.irq_bumps), 0);
	epoch_control("unregister %d", r.test_id);
	ksft_print_msg("%ld bumps, %ld from hard IRQ, %ld acks, %ld stale, %ld reopens\n",
		       atomic_load(&r.bumps), atomic_load(&r.irq_bumps),
		       atomic_load(&r.acks), atomic_load(&r.stale),
		       atomic_load(&r.reopens));
}

TEST_HARNESS_MAIN
