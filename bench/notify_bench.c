// SPDX-License-Identifier: GPL-2.0
/*
 * Notification figures, in the guest against the real epoch page:
 *
 *  latency  bump-to-seen: a reader process spinning on the word, or blocked
 *           in epoll_wait() on an epoch descriptor, against RNDBUMPEPOCH in
 *           another process; with two baselines measured the same way in
 *           the same boot: a plain store to shared memory seen by a spinning
 *           reader, and an eventfd write waking epoll_wait().
 *  bumpcost the cost of one RNDBUMPEPOCH with 1, 100 and 10,000 live
 *           mappings of the page, and with 100 threads waiting in poll().
 *  memory   kernel memory (Slab + PageTables) for 1 and for 10,000 open
 *           epoch descriptors, each with a mapping.
 *
 *	notify_bench [ROUNDS] [SAMPLES]
 *
 * Prints one JSON object per figure on a line starting with "BENCH ".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/random_epoch.h>

#include "draw_loop.h"

#define MAX_SAMPLES	4096

static int rnd;
static const __u32 *page;

/* Shared between the timing parent and the reader child. */
struct shared {
	__u32 flag;			/* the baseline's "word" */
	__u32 ready;			/* reader is waiting */
	__u32 done;			/* reader saw sample i */
	double seen[MAX_SAMPLES];	/* when the reader saw sample i */
};

static __u32 load(const __u32 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static int bump(void)
{
	struct rand_epoch_bump b = { 0 };

	return ioctl(rnd, RNDBUMPEPOCH, &b);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void print_samples(const char *kind, double *v, int n)
{
	int i;

	qsort(v, n, sizeof(*v), cmp_double);
	printf("BENCH {\"bench\": \"latency\", \"kind\": \"%s\", \"samples\": %d, \"min_ns\": %.0f, \"median_ns\": %.0f, \"p99_ns\": %.0f, \"max_ns\": %.0f}\n",
	       kind, n, v[0], v[n / 2], v[n * 99 / 100], v[n - 1]);
	for (i = 0; i < n; i++)
		v[i] = 0;
}

enum kind { SPIN_EPOCH, SPIN_STORE, POLL_EPOCH, POLL_EVENTFD };
static const char *const kind_names[] = {
	"spin_epoch", "spin_store_baseline", "epoll_epoch", "epoll_eventfd_baseline",
};

/* The reader child: wait for each of @n changes the way @k says. */
static void reader(enum kind k, struct shared *sh, int n, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(0), i;
	__u32 last = k == SPIN_STORE ? load(&sh->flag) : load(page);
	__u64 count;

	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	for (i = 0; i < n; i++) {
		__atomic_store_n(&sh->ready, i + 1, __ATOMIC_RELEASE);
		switch (k) {
		case SPIN_EPOCH:
			while (load(page) == last)
				;
			last = load(page);
			break;
		case SPIN_STORE:
			while (load(&sh->flag) == last)
				;
			last = load(&sh->flag);
			break;
		case POLL_EPOCH:
			epoll_wait(ep, &ev, 1, -1);
			(void)!read(fd, &last, sizeof(last));
			break;
		case POLL_EVENTFD:
			epoll_wait(ep, &ev, 1, -1);
			(void)!read(fd, &count, sizeof(count));
			break;
		}
		sh->seen[i] = now_ns();
		__atomic_store_n(&sh->done, i + 1, __ATOMIC_RELEASE);
	}
	_exit(0);
}

static void latency(enum kind k, struct shared *sh, int n)
{
	double t0[MAX_SAMPLES], lat[MAX_SAMPLES];
	int fd, i, status;
	__u64 one = 1;
	pid_t pid;

	fd = k == POLL_EVENTFD ? eventfd(0, 0) : ioctl(rnd, RNDGETEPOCHFD, 0);
	memset(sh, 0, sizeof(*sh));
	pid = fork();
	if (!pid)
		reader(k, sh, n, fd);
	for (i = 0; i < n; i++) {
		while (load(&sh->ready) != (__u32)i + 1)
			;
		/* Let the reader settle into its spin or its sleep. */
		usleep(k == POLL_EPOCH || k == POLL_EVENTFD ? 2000 : 200);
		t0[i] = now_ns();
		if (k == SPIN_STORE)
			__atomic_store_n(&sh->flag, i + 1, __ATOMIC_RELEASE);
		else if (k == POLL_EVENTFD)
			(void)!write(fd, &one, sizeof(one));
		else
			bump();
		while (load(&sh->done) != (__u32)i + 1)
			;
	}
	waitpid(pid, &status, 0);
	for (i = 0; i < n; i++)
		lat[i] = sh->seen[i] - t0[i];
	close(fd);
	print_samples(kind_names[k], lat, n);
}

static void *poll_waiter(void *arg)
{
	int fd = ioctl(rnd, RNDGETEPOCHFD, 0);
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(0);
	__u32 w;

	(void)arg;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	for (;;) {
		epoll_wait(ep, &ev, 1, -1);
		(void)!read(fd, &w, sizeof(w));
	}
	return NULL;
}

/* ns per bump, over @n bumps. */
static double bump_cost(int n)
{
	double t0 = now_ns();
	int i;

	for (i = 0; i < n; i++)
		bump();
	return (now_ns() - t0) / n;
}

static void bumpcost(int rounds, int n)
{
	static const int counts[] = { 1, 100, 10000 };
	double ns[3][16], waiters[16];
	void *maps[10000];
	int efd = ioctl(rnd, RNDGETEPOCHFD, 0), c, r, i, j;
	pthread_t tid;

	/* Grow and shrink the set of mappings in each round: interleaved. */
	for (r = 0; r < rounds; r++) {
		for (c = 0; c < 3; c++) {
			for (i = 0; i < counts[c]; i++) {
				maps[i] = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ,
					       MAP_SHARED, efd, 0);
				if (maps[i] == MAP_FAILED) {
					perror("notify_bench: mmap");
					exit(1);
				}
				(void)load(maps[i]);	/* fault it in */
			}
			ns[c][r] = bump_cost(n);
			for (i = 0; i < counts[c]; i++)
				munmap(maps[i], RANDOM_EPOCH_PAGE_SIZE);
		}
	}
	for (c = 0; c < 3; c++) {
		printf("BENCH {\"bench\": \"bumpcost\", \"mappings\": %d, \"waiters\": 0, \"ns\": [",
		       counts[c]);
		for (r = 0; r < rounds; r++)
			printf("%s%.0f", r ? ", " : "", ns[c][r]);
		printf("]}\n");
	}
	/* 100 threads blocked in epoll_wait(), each on a descriptor of its own. */
	for (j = 0; j < 100; j++)
		pthread_create(&tid, NULL, poll_waiter, NULL);
	usleep(100000);
	for (r = 0; r < rounds; r++)
		waiters[r] = bump_cost(n / 4);
	printf("BENCH {\"bench\": \"bumpcost\", \"mappings\": 1, \"waiters\": 100, \"ns\": [");
	for (r = 0; r < rounds; r++)
		printf("%s%.0f", r ? ", " : "", waiters[r]);
	printf("]}\n");
	close(efd);
}

static long meminfo_kb(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "re");
	size_t len = strlen(key);
	char line[128];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			kb = atol(line + len + 1);
	if (f)
		fclose(f);
	return kb;
}

static long kernel_kb(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	if (fd >= 0) {
		(void)!write(fd, "3", 1);
		close(fd);
	}
	usleep(200000);
	return meminfo_kb("Slab") + meminfo_kb("PageTables");
}

/* Kernel memory for @n descriptors, each with a mapping, in a child. */
static long memory_for(int n)
{
	int pipefd[2], i, fd;
	long before, after = 0;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	before = kernel_kb();
	pid = fork();
	if (!pid) {
		for (i = 0; i < n; i++) {
			fd = ioctl(rnd, RNDGETEPOCHFD, 0);
			if (fd < 0 || mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ,
					   MAP_SHARED, fd, 0) == MAP_FAILED) {
				perror("notify_bench: memory");
				_exit(1);
			}
		}
		after = kernel_kb();
		(void)!write(pipefd[1], &after, sizeof(after));
		_exit(0);
	}
	if (read(pipefd[0], &after, sizeof(after)) != sizeof(after))
		after = -1;
	waitpid(pid, NULL, 0);
	close(pipefd[0]);
	close(pipefd[1]);
	return after < 0 ? -1 : after - before;
}

static void memory(int rounds)
{
	struct rlimit rl = { 20000, 20000 };
	static const int counts[] = { 1, 10000 };
	int c, r;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		perror("notify_bench: RLIMIT_NOFILE");
	for (c = 0; c < 2; c++) {
		printf("BENCH {\"bench\": \"memory\", \"fds\": %d, \"kb\": [", counts[c]);
		for (r = 0; r < rounds; r++)
			printf("%s%ld", r ? ", " : "", memory_for(counts[c]));
		printf("]}\n");
	}
}

/*
 * Bump cost with 1 and with 10,000 watchers open (RNDGETEPOCHFD_WATCH), all
 * outdated after the first bump: the notification must not visit them.
 * Interleaved per round, like the mappings above.
 */
static void watchcost(int rounds, int n)
{
	static const int counts[] = { 1, 10000 };
	static int fds[10000];
	struct rlimit rl = { 20000, 20000 };
	double ns[2][16];
	int c, r, i;

	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		perror("notify_bench: setrlimit");
		return;
	}
	for (r = 0; r < rounds; r++) {
		for (c = 0; c < 2; c++) {
			for (i = 0; i < counts[c]; i++) {
				fds[i] = ioctl(rnd, RNDGETEPOCHFD, RNDGETEPOCHFD_WATCH);
				if (fds[i] < 0) {
					perror("notify_bench: watcher");
					exit(1);
				}
			}
			ns[c][r] = bump_cost(n);
			for (i = 0; i < counts[c]; i++)
				close(fds[i]);
		}
	}
	for (c = 0; c < 2; c++) {
		printf("BENCH {\"bench\": \"watchcost\", \"watchers\": %d, \"ns\": [",
		       counts[c]);
		for (r = 0; r < rounds; r++)
			printf("%s%.0f", r ? ", " : "", ns[c][r]);
		printf("]}\n");
	}
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 5;
	int samples = argc > 2 ? atoi(argv[2]) : 400;
	struct shared *sh;
	int efd, k;

	if (rounds < 1 || rounds > 16 || samples < 2 || samples > MAX_SAMPLES) {
		fprintf(stderr, "usage: notify_bench [ROUNDS<=16] [SAMPLES<=%d]\n", MAX_SAMPLES);
		return 1;
	}
	rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	efd = ioctl(rnd, RNDGETEPOCHFD, 0);
	if (efd < 0) {
		fprintf(stderr, "notify_bench: no epoch page: %s\n", strerror(errno));
		return 2;
	}
	page = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ, MAP_SHARED, efd, 0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED || sh == MAP_FAILED) {
		perror("notify_bench");
		return 1;
	}
	for (k = SPIN_EPOCH; k <= POLL_EVENTFD; k++)
		latency(k, sh, samples);
	/* Before bumpcost() leaves 100 epoll waiters running. */
	watchcost(rounds, 2000);
	bumpcost(rounds, 2000);
	memory(rounds);
	return 0;
}
