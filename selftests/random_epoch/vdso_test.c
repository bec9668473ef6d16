// SPDX-License-Identifier: GPL-2.0
/*
 * Selftests for the epoch page in the vDSO: __vdso_random_epoch_page()
 * returns the address of the same physical page RNDGETEPOCHFD maps, with no
 * descriptor and no system call, so a process under a seccomp filter that
 * forbids open, ioctl and mmap still finds the word. The address must stay
 * right across fork() and time namespaces, whose vvar layout differs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/random_epoch.h>
#include <linux/seccomp.h>
#include <linux/vmclock-abi.h>

#include "../kselftest_harness.h"
#include "../vDSO/parse_vdso.h"
#include "epoch_util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* How long a child spins for a bump it was told about: 5 s, in 1 ms steps. */
#define SPIN_STEPS 5000

typedef const __u32 *(*epoch_page_fn)(void);

/* Look the function up from scratch: parse_vdso reads only memory. */
static epoch_page_fn vdso_epoch_fn(void)
{
	unsigned long ehdr = getauxval(AT_SYSINFO_EHDR);

	if (!ehdr)
		return NULL;
	vdso_init_from_sysinfo_ehdr(ehdr);
	return (epoch_page_fn)vdso_sym("LINUX_2.6", "__vdso_random_epoch_page");
}

/* The kernel's answer to RNDGETEPOCHFD: 1 feature present, 0 absent. */
static int kernel_has_epoch(void)
{
	int rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	int efd, ret;

	if (rnd < 0)
		return 0;
	efd = ioctl(rnd, RNDGETEPOCHFD, 0);
	ret = efd >= 0;
	if (efd >= 0)
		close(efd);
	close(rnd);
	return ret;
}

/* Spin until the word at @page differs from @old; the new word or @old. */
static __u32 wait_for_change(const __u32 *page, __u32 old)
{
	struct timespec ms = { 0, 1000000 };
	int i;

	for (i = 0; i < SPIN_STEPS; i++) {
		__u32 word = epoch_load(page);

		if (word != old)
			return word;
		nanosleep(&ms, NULL);
	}
	return old;
}

/* The [vvar] line of /proc/self/maps: 0 and the range, or -1. */
static int vvar_range(unsigned long *start, unsigned long *end)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[256];
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "[vvar]") &&
		    sscanf(line, "%lx-%lx", start, end) == 2) {
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

static long monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

FIXTURE(vdso) {
	int rnd;
	epoch_page_fn fn;
	const __u32 *page;
};

FIXTURE_SETUP(vdso)
{
	self->rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(self->rnd, 0);
	self->fn = vdso_epoch_fn();
	if (!self->fn)
		SKIP(return, "vDSO has no __vdso_random_epoch_page");
	self->page = self->fn();
	if (!self->page)
		SKIP(return, "kernel built without the epoch page");
}

FIXTURE_TEARDOWN(vdso)
{
	close(self->rnd);
}

/* Where the kernel lacks the feature, the vDSO must not hand out a page. */
TEST(null_or_absent_without_feature)
{
	epoch_page_fn fn = vdso_epoch_fn();

	if (kernel_has_epoch())
		SKIP(return, "kernel has the epoch page: the NULL case needs a kernel without it");
	EXPECT_TRUE(!fn || !fn());
}

typedef const void *(*vmclock_page_fn)(void);

/*
 * The vmclock page through the vDSO: NULL exactly when the epoch page says
 * there is no vmclock device; else in vvar, read-only, the page the
 * descriptor maps at RANDOM_EPOCH_VMCLOCK_OFFSET.
 */
TEST_F(vdso, vmclock_page_matches_the_descriptor)
{
	const struct random_epoch_page *ep = (const void *)self->page;
	vmclock_page_fn fn = (vmclock_page_fn)vdso_sym("LINUX_2.6",
						       "__vdso_random_vmclock_page");
	const struct vmclock_abi *vdso, *mapped;
	unsigned long start, end;
	__u32 offset;
	int efd;

	ASSERT_NE(NULL, fn);
	vdso = fn();
	offset = ep->vmclock_counter_offset;
	if (!offset) {
		EXPECT_EQ(NULL, vdso);
		return;
	}
	ASSERT_NE(NULL, vdso);
	ASSERT_EQ(0, vvar_range(&start, &end));
	EXPECT_LE(start, (unsigned long)vdso);
	EXPECT_LT((unsigned long)vdso, end);
	EXPECT_EQ(0, (unsigned long)vdso % RANDOM_EPOCH_PAGE_SIZE);
	EXPECT_EQ(VMCLOCK_MAGIC, vdso->magic);
	efd = ioctl(self->rnd, RNDGETEPOCHFD, 0);
	ASSERT_GE(efd, 0);
	mapped = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ, MAP_SHARED, efd,
		      RANDOM_EPOCH_VMCLOCK_OFFSET);
	ASSERT_NE(MAP_FAILED, mapped);
	EXPECT_EQ(0, memcmp((const char *)vdso + offset,
			    (const char *)mapped + offset, sizeof(__u64)));
	EXPECT_EQ(*(const __u64 *)((const char *)vdso + offset),
		  ep->vmclock_counter_seen);
	EXPECT_EQ(-1, mprotect((void *)vdso, RANDOM_EPOCH_PAGE_SIZE,
			       PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap((void *)mapped, RANDOM_EPOCH_PAGE_SIZE);
	close(efd);
}

TEST_F(vdso, page_is_in_vvar_and_aligned)
{
	unsigned long start, end, addr = (unsigned long)self->page;

	ASSERT_EQ(0, vvar_range(&start, &end));
	EXPECT_EQ(0, addr % RANDOM_EPOCH_PAGE_SIZE);
	EXPECT_LE(start, addr);
	EXPECT_LT(addr, end);
	/* Stable: a second call returns the same address. */
	EXPECT_EQ(self->page, self->fn());
}

TEST_F(vdso, same_page_as_mmap)
{
	int efd = ioctl(self->rnd, RNDGETEPOCHFD, 0);
	const __u32 *mapped;
	__u32 word;

	ASSERT_GE(efd, 0);
	mapped = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ, MAP_SHARED,
		      efd, 0);
	ASSERT_NE(MAP_FAILED, mapped);
	EXPECT_EQ(epoch_load(mapped), epoch_load(self->page));

	/*
	 * One store, seen through both. (pagemap cannot prove it is one page:
	 * it does not walk the VM_PFNMAP vvar area.)
	 */
	ASSERT_EQ(0, epoch_bump(self->rnd, 0, 0, &word));
	EXPECT_EQ(word, epoch_load(self->page));
	EXPECT_EQ(word, epoch_load(mapped));
	munmap((void *)mapped, RANDOM_EPOCH_PAGE_SIZE);
	close(efd);
}

TEST_F(vdso, bump_visible)
{
	__u32 before = epoch_load(self->page), word;

	ASSERT_EQ(0, epoch_bump(self->rnd, RNDBUMPEPOCH_AVOID, before, &word));
	EXPECT_NE(before, word);
	EXPECT_EQ(word, epoch_load(self->page));
	EXPECT_EQ(RANDOM_EPOCH_ID_CRIU, RANDOM_EPOCH_WORD_ID(word));
}

TEST_F(vdso, read_only)
{
	void *base = (void *)self->page;
	int status;
	pid_t pid;

	errno = 0;
	EXPECT_EQ(-1, mprotect(base, RANDOM_EPOCH_PAGE_SIZE,
			       PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	errno = 0;
	EXPECT_EQ(-1, mprotect(base, RANDOM_EPOCH_PAGE_SIZE,
			       PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);

	/* A store faults; the word is unchanged after it. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		__atomic_store_n((__u32 *)self->page, 0xdeadbeef,
				 __ATOMIC_RELAXED);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGSEGV, WTERMSIG(status));
	EXPECT_NE(0xdeadbeef, epoch_load(self->page));
}

/*
 * A child reports the word it sees before and after the parent bumps.
 * @setup runs in the child first; it returns nonzero to fail the child.
 */
static void child_sees_bump(struct __test_metadata *_metadata, int rnd,
			    const __u32 *page_before, int (*setup)(void *),
			    void *arg, int lookup_again)
{
	int to_child[2], to_parent[2], status;
	__u32 seen[2] = { 0, 0 }, word;
	char go;
	pid_t pid;

	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		const __u32 *page = page_before;

		close(to_child[1]);
		close(to_parent[0]);
		if (setup && setup(arg))
			_exit(2);
		if (lookup_again) {
			epoch_page_fn fn = vdso_epoch_fn();

			page = fn ? fn() : NULL;
			if (!page)
				_exit(3);
		}
		seen[0] = epoch_load(page);
		if (write(to_parent[1], &seen[0], sizeof(seen[0])) != sizeof(seen[0]))
			_exit(4);
		if (read(to_child[0], &go, 1) != 1)
			_exit(5);
		seen[1] = wait_for_change(page, seen[0]);
		if (write(to_parent[1], &seen[1], sizeof(seen[1])) != sizeof(seen[1]))
			_exit(6);
		_exit(0);
	}
	close(to_child[0]);
	close(to_parent[1]);
	ASSERT_EQ(sizeof(seen[0]), read(to_parent[0], &seen[0], sizeof(seen[0])));
	EXPECT_EQ(epoch_load(page_before), seen[0]);
	ASSERT_EQ(0, epoch_bump(rnd, RNDBUMPEPOCH_AVOID, seen[0], &word));
	ASSERT_EQ(1, write(to_child[1], "g", 1));
	EXPECT_EQ(sizeof(seen[1]), read(to_parent[0], &seen[1], sizeof(seen[1])));
	EXPECT_EQ(word, seen[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(to_child[1]);
	close(to_parent[0]);
}

/* A debugger's write (FOLL_FORCE) cannot change the vvar page. */
TEST_F(vdso, proc_self_mem_write_refused)
{
	__u32 before = epoch_load(self->page);

	/* Control: the same write does change a read-only private page. */
	ASSERT_EQ(0, epoch_poke_control());
	EXPECT_NE(0, epoch_poke_proc_mem(self->page, ~before));
	EXPECT_EQ(before, epoch_load(self->page));
}

TEST_F(vdso, fork_child_sees_bump)
{
	child_sees_bump(_metadata, self->rnd, self->page, NULL, NULL, 0);
}

/* Kill the process on any of the calls the mmap path needs. */
static int forbid_open_ioctl_mmap(void *unused)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_open, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mmap, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog prog = {
		.len = ARRAY_SIZE(filter),
		.filter = filter,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

TEST_F(vdso, seccomp_child_finds_word)
{
	int status;
	pid_t pid;

	/* The lookup itself runs under the filter. */
	child_sees_bump(_metadata, self->rnd, self->page, forbid_open_ioctl_mmap, NULL, 1);

	/* Control: under the same filter the descriptor path is killed. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		if (forbid_open_ioctl_mmap(NULL))
			_exit(2);
		open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGSYS, WTERMSIG(status));
}

/* Offset of the time namespaces made here: far enough to tell apart. */
#define TIMENS_OFFSET_S 100000

/* Make a time namespace for children whose monotonic clock runs ahead. */
static int new_timens_for_children(void)
{
	char buf[64];

	if (unshare(CLONE_NEWTIME))
		return -errno;
	snprintf(buf, sizeof(buf), "%d %d 0", CLOCK_MONOTONIC, TIMENS_OFFSET_S);
	return epoch_write_file("/proc/self/timens_offsets", buf);
}

/* In the child: fail unless the clock shows the namespace's offset. */
static int expect_in_timens(void *root_now)
{
	return monotonic_s() < *(long *)root_now + TIMENS_OFFSET_S / 2;
}

/* Enter the time namespace this process made for its children. */
static int setns_timens(void *root_now)
{
	int fd, ret;

	if (new_timens_for_children())
		return -1;
	fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = setns(fd, CLONE_NEWTIME);
	close(fd);
	return ret ? ret : expect_in_timens(root_now);
}

TEST_F(vdso, child_born_in_timens)
{
	long root_now = monotonic_s();
	int status, ret;
	pid_t pid;

	/* Unshare in a helper child, so this test process stays in the root. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		ret = new_timens_for_children();
		if (ret == -EINVAL || ret == -EPERM)
			_exit(KSFT_SKIP);
		if (ret)
			_exit(1);
		/* Both the pointer taken before and a fresh lookup. */
		child_sees_bump(_metadata, self->rnd, self->page, expect_in_timens, &root_now, 0);
		child_sees_bump(_metadata, self->rnd, self->page, expect_in_timens, &root_now, 1);
		_exit(_metadata->exit_code == KSFT_PASS ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	if (WEXITSTATUS(status) == KSFT_SKIP)
		SKIP(return, "kernel without time namespaces");
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(vdso, setns_timens_after_lookup)
{
	long root_now = monotonic_s();

	/*
	 * The child took the pointer before setns(); joining the namespace
	 * zaps the vvar pages, and they fault back in the namespace layout.
	 */
	child_sees_bump(_metadata, self->rnd, self->page, setns_timens, &root_now, 0);
}

TEST_HARNESS_MAIN
