// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded random-argument fuzzer for the new ioctls, mmap and the epoch
 * descriptor's read/poll, meant for the debug kernel (KASAN, lockdep,
 * KFENCE): FUZZ_SECONDS (default 10) of random calls, half as root and half
 * in a child that dropped to nobody. The kernel must not splat (the runner
 * checks the guest's log) and the process must survive every call; every
 * mapping that succeeds must be read-only and show a plausible word.
 * FUZZ_SEED makes a run repeatable; the seed is always printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/random_epoch.h>

#include "../kselftest_harness.h"
#include "epoch_util.h"

#define PAGE		RANDOM_EPOCH_PAGE_SIZE
#define MAX_MAPS	64

static __u64 rng_state;

/* xorshift64*: fast, and repeatable from FUZZ_SEED. */
static __u64 rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* A random element of @v, an array of @size bytes. */
static unsigned long pick(const unsigned long *v, size_t size)
{
	return v[rnd64() % (size / sizeof(*v))];
}

/* sizeof, not ARRAY_SIZE(), which would name @arr twice in the macro. */
#define PICK(arr)	pick(arr, sizeof(arr))

static const unsigned long cmds[] = {
	RNDGETEPOCHFD, RNDBUMPEPOCH, _IO('R', 0x08) | 0x40000000,
	_IOWR('R', 0x09, __u64), _IOR('R', 0x09, struct rand_epoch_bump),
	_IO('R', 0x0a), _IO('R', 0x1f), _IOWR('R', 0x08, int),
};

static const unsigned long lens[] = {
	0, 1, 4095, PAGE, PAGE + 1, 2 * PAGE, 1UL << 20, ~0UL, ~0UL - PAGE,
};

static const unsigned long offs[] = {
	0, 1, PAGE, 2 * PAGE, 1UL << 30, ~0UL & ~(PAGE - 1UL),
};

static sigjmp_buf segv_jmp;

static void on_segv(int sig)
{
	siglongjmp(segv_jmp, 1);
}

/* A mapping that succeeded must refuse writes. */
static int write_faults(__u32 *p)
{
	struct sigaction sa = { .sa_handler = on_segv }, old;
	int faulted = 1;

	sigaction(SIGSEGV, &sa, &old);
	if (!sigsetjmp(segv_jmp, 1)) {
		/* Atomic, so the compiler cannot drop a store nobody reads. */
		__atomic_store_n(p, 0x5a5a5a5a, __ATOMIC_RELAXED);
		faulted = 0;
	}
	sigaction(SIGSEGV, &old, NULL);
	return faulted;
}

struct fuzz {
	int rnd;
	int efd;
	int wfd;	/* a watcher, reopened now and then */
	void *maps[MAX_MAPS];
	size_t lens[MAX_MAPS];
	int nmaps;
	unsigned long calls, ok_calls, errors;
	char error[200];
};

static void fuzz_error(struct fuzz *f, const char *msg, unsigned long val)
{
	if (!f->errors++)
		snprintf(f->error, sizeof(f->error), "%s (%#lx)", msg, val);
}

static void *fuzz_ptr(struct rand_epoch_bump *b)
{
	switch (rnd64() % 6) {
	case 0:
		return NULL;
	case 1:
		return (void *)(rnd64() | 0xffff800000000000ULL);
	case 2:
		return (char *)b + rnd64() % 4;	/* misaligned, partly valid */
	case 3:
		return (void *)(unsigned long)(rnd64() & 0xffffffffffULL);
	default:
		return b;
	}
}

static void fuzz_one(struct fuzz *f)
{
	struct rand_epoch_bump b;
	unsigned long len, prot, flags, off;
	__u32 buf[4];
	long ret;
	bool vmclock;
	void *p;
	int i;

	f->calls++;
	switch (rnd64() % 10) {
	case 8:
	case 9: {
		/* The watcher ioctls, on the watcher or the plain descriptor. */
		static const unsigned long wcmds[] = { RNDEPOCHACK, RNDEPOCHCOUNT,
			RNDEPOCHSETTLE, _IO('R', 0x0d), _IOW('R', 0x0a, __u64) };
		int fd = rnd64() % 2 ? f->wfd : f->efd;
		unsigned long cmd = PICK(wcmds);
		struct rand_epoch_count c;

		/* Settle waits: at most 2 ms, even through a misaligned view. */
		b.flags = cmd == RNDEPOCHSETTLE ? rnd64() % 3 :
			  rnd64() % 2 ? epoch_read_fd(f->efd) : (__u32)rnd64();
		b.avoid = 0;
		b.word = rnd64() % 2 ? 0 : (__u32)rnd64();
		b.reserved = 0;
		ioctl(fd, cmd, fuzz_ptr(&b));
		if (rnd64() % 16 == 0) {
			close(f->wfd);
			f->wfd = ioctl(f->rnd, RNDGETEPOCHFD, RNDGETEPOCHFD_WATCH);
		}
		if (ioctl(f->efd, RNDEPOCHCOUNT, &c))
			fuzz_error(f, "RNDEPOCHCOUNT failed", errno);
		else if (c.outdated > c.watchers || c.watchers > 1000)
			fuzz_error(f, "watcher counts out of range", c.outdated);
		break;
	}
	case 0:
	case 1:
		b.flags = rnd64() % 3 ? rnd64() % 4 : (__u32)rnd64();
		b.avoid = rnd64() % 2 ? epoch_read_fd(f->efd) : (__u32)rnd64();
		b.word = rnd64();
		b.reserved = rnd64() % 4 ? 0 : (__u32)rnd64();
		ret = ioctl(f->rnd, PICK(cmds), fuzz_ptr(&b));
		if (ret > 2)
			close(ret);	/* a new epoch fd */
		break;
	case 2:
		ret = ioctl(f->rnd, RNDGETEPOCHFD, rnd64() % 2 ? 0 : rnd64());
		if (ret >= 0)
			close(ret);
		break;
	case 3:
	case 4:
		len = rnd64() % 2 ? PAGE : PICK(lens);
		prot = rnd64() % 2 ? PROT_READ : rnd64() % 8;
		flags = rnd64() % 2 ? MAP_SHARED : PICK(((const unsigned long[]){
			MAP_PRIVATE, MAP_SHARED | MAP_FIXED_NOREPLACE,
			MAP_SHARED_VALIDATE, MAP_SHARED | MAP_POPULATE,
			MAP_SHARED | MAP_LOCKED, MAP_PRIVATE | MAP_POPULATE }));
		off = rnd64() % 2 ? 0 : PICK(offs);
		p = mmap(NULL, len, prot, flags, f->efd, off);
		if (p == MAP_FAILED)
			break;
		f->ok_calls++;
		/* The vmclock page, where the VM has a vmclock device. */
		vmclock = off == RANDOM_EPOCH_VMCLOCK_OFFSET;
		if (len > PAGE || (off && !vmclock) || !(flags & MAP_SHARED) ||
		    (prot & (PROT_WRITE | PROT_EXEC)))
			fuzz_error(f, "mmap accepted bad arguments", len);
		else if (!write_faults(p))
			fuzz_error(f, "mapping was writable", (unsigned long)p);
		/* Keep readable epoch pages to check their word after later calls. */
		if (f->nmaps < MAX_MAPS && (prot & PROT_READ) && !vmclock) {
			f->maps[f->nmaps] = p;
			f->lens[f->nmaps++] = len;
		} else {
			munmap(p, len);
		}
		return;
	case 5:
		if (!f->nmaps)
			break;
		i = rnd64() % f->nmaps;
		switch (rnd64() % 4) {
		case 0:
			mprotect(f->maps[i], PAGE, rnd64() % 8);
			/* Back to readable, which the mapping may always be. */
			if (mprotect(f->maps[i], PAGE, PROT_READ))
				fuzz_error(f, "mprotect(PROT_READ) failed", errno);
			break;
		case 1:
			len = PICK(lens);
			p = mremap(f->maps[i], f->lens[i], len, MREMAP_MAYMOVE);
			if (p != MAP_FAILED) {
				if (len > PAGE)
					fuzz_error(f, "mremap grew the mapping", len);
				f->maps[i] = p;
			}
			break;
		case 2:
			madvise(f->maps[i], PAGE, rnd64() % 2 ? MADV_DONTNEED : MADV_DONTFORK);
			break;
		default:
			munmap(f->maps[i], f->lens[i]);
			f->maps[i] = f->maps[--f->nmaps];
			f->lens[i] = f->lens[f->nmaps];
			return;
		}
		break;
	case 6:
		ret = read(f->efd, rnd64() % 4 ? (void *)buf : fuzz_ptr(&b),
			   rnd64() % 20);
		break;
	default: {
		struct pollfd pfd = { .fd = f->efd, .events = rnd64() };

		poll(&pfd, 1, 0);
		break;
	}
	}
	/*
	 * Whatever happened, every live mapping still shows the one word the
	 * descriptor reads (only this process bumps during the run).
	 */
	if (f->nmaps) {
		__u32 word = epoch_read_fd(f->efd);

		for (i = 0; i < f->nmaps; i++)
			if (epoch_load(f->maps[i]) != word)
				fuzz_error(f, "a mapping shows another word",
					   epoch_load(f->maps[i]));
	}
}

/* Fuzz for @seconds; returns the number of errors found. */
static unsigned long fuzz_for(int seconds, const char *who)
{
	struct fuzz f = { 0 };
	time_t end = time(NULL) + seconds;

	f.rnd = open(rnd64() % 2 ? "/dev/urandom" : "/dev/random", O_RDONLY | O_CLOEXEC);
	f.efd = ioctl(f.rnd, RNDGETEPOCHFD, 0);
	if (f.rnd < 0 || f.efd < 0)
		return 1;
	/* read() blocks until the word changes: fuzz it non-blocking. */
	if (fcntl(f.efd, F_SETFL, O_NONBLOCK))
		return 1;
	f.wfd = ioctl(f.rnd, RNDGETEPOCHFD, RNDGETEPOCHFD_WATCH);
	while (time(NULL) < end)
		fuzz_one(&f);
	printf("# %s: %lu calls, %lu mappings accepted, %d left mapped, %lu errors%s%s\n",
	       who, f.calls, f.ok_calls, f.nmaps, f.errors,
	       f.errors ? ": first: " : "", f.error);
	return f.errors;
}

TEST(random_arguments)
{
	const char *env_s = getenv("FUZZ_SECONDS");
	const char *env_seed = getenv("FUZZ_SEED");
	int seconds = env_s ? atoi(env_s) : 10;
	int status, rnd, efd;
	pid_t pid;

	rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(rnd, 0);
	efd = ioctl(rnd, RNDGETEPOCHFD, 0);
	if (efd < 0 && errno == EINVAL)
		SKIP(return, "kernel without RNDGETEPOCHFD");
	rng_state = env_seed ? strtoull(env_seed, NULL, 0) : (__u64)time(NULL) * 2654435761ULL | 1;
	ksft_print_msg("FUZZ_SEED=%#llx FUZZ_SECONDS=%d\n",
		       (unsigned long long)rng_state, seconds);

	EXPECT_EQ(0, fuzz_for(seconds / 2, "root"));

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		rng_state = rng_state * 31 + 7;
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(100);
		_exit(fuzz_for(seconds - seconds / 2, "nobody") ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* A signal here means a call crashed the process. */
	ASSERT_TRUE(WIFEXITED(status)) {
		TH_LOG("fuzzer child died with signal %d", WTERMSIG(status));
	}
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(efd);
	close(rnd);
}

TEST_HARNESS_MAIN
