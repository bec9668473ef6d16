// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Find, wait for and bump the /dev/random epoch page.
 */
#define _GNU_SOURCE
#define RANDEPOCH_IMPL	/* emit the out-of-line randepoch_vm_counter(), _stale() */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/random_epoch.h>
#include <linux/vmclock-abi.h>

#include "randepoch.h"
#include "vdso_lookup.h"

/*
 * A kernel without the feature does not know the ioctl: random_ioctl()
 * answers EINVAL, other character devices ENOTTY.
 */
static int feature_errno(int err)
{
	if (err == ENOTTY || err == EINVAL || err == ENOENT)
		return -ENOSYS;
	return -err;
}

/* RNDGETEPOCHFD: a new epoch descriptor, or -errno. */
static int epoch_fd(void)
{
	int rnd, efd, err;

	rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (rnd < 0)
		return -errno;
	efd = ioctl(rnd, RNDGETEPOCHFD, 0);
	err = errno;
	close(rnd);
	return efd < 0 ? feature_errno(err) : efd;
}

static const volatile uint32_t *vdso_page;
static const void *vdso_vmclock;
static pthread_once_t vdso_once = PTHREAD_ONCE_INIT;

/*
 * Ask the vDSO once. The address stays valid for the life of the process,
 * in forked children and after a CRIU restore (which puts the vDSO and
 * vvar back where they were), so it is cached.
 */
static void vdso_lookup(void)
{
	const void *(*fn)(void);

	fn = (const void *(*)(void))
	     __randepoch_vdso_lookup("__vdso_random_epoch_page");
	if (fn)
		vdso_page = fn();
	fn = (const void *(*)(void))
	     __randepoch_vdso_lookup("__vdso_random_vmclock_page");
	if (fn)
		vdso_vmclock = fn();
}

static int open_vdso(struct randepoch *ep)
{
	pthread_once(&vdso_once, vdso_lookup);
	if (!vdso_page)
		return -ENOSYS;
	ep->page = vdso_page;
	ep->source = RANDEPOCH_SOURCE_VDSO;
	return 0;
}

static int open_mmap(struct randepoch *ep)
{
	void *page;
	int efd, err;

	efd = epoch_fd();
	if (efd < 0)
		return efd;
	page = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ, MAP_SHARED, efd, 0);
	if (page == MAP_FAILED) {
		err = errno;
		close(efd);
		return -err;
	}
	ep->page = (const volatile uint32_t *)page;
	ep->fd = efd;
	ep->source = RANDEPOCH_SOURCE_MMAP;
	return 0;
}

int randepoch_open_source(struct randepoch *ep, int source)
{
	ep->page = NULL;
	ep->fd = -1;
	ep->source = RANDEPOCH_SOURCE_NONE;
	switch (source) {
	case RANDEPOCH_SOURCE_VDSO:
		return open_vdso(ep);
	case RANDEPOCH_SOURCE_MMAP:
		return open_mmap(ep);
	}
	return -EINVAL;
}

int randepoch_open(struct randepoch *ep)
{
	int err = randepoch_open_source(ep, RANDEPOCH_SOURCE_VDSO);

	if (err == -ENOSYS)
		err = randepoch_open_source(ep, RANDEPOCH_SOURCE_MMAP);
	return err;
}

void randepoch_close(struct randepoch *ep)
{
	if (ep->source == RANDEPOCH_SOURCE_MMAP)
		munmap((void *)(uintptr_t)ep->page, RANDOM_EPOCH_PAGE_SIZE);
	if (ep->fd >= 0)
		close(ep->fd);
	ep->page = NULL;
	ep->fd = -1;
	ep->source = RANDEPOCH_SOURCE_NONE;
}

/*
 * The vmclock page, once found: there is at most one vmclock device per VM,
 * and both ways to it (the vDSO, a descriptor mapping that is never
 * unmapped) stay valid for the life of the process.
 */
static const void *vmclock_page;
static pthread_mutex_t vmclock_lock = PTHREAD_MUTEX_INITIALIZER;

/* One page of @fd (or of a temporary epoch descriptor) at the vmclock offset. */
static int map_vmclock(int fd, const void **page)
{
	int efd = fd >= 0 ? fd : epoch_fd();
	void *p;
	int err = 0;

	if (efd < 0)
		return efd;
	p = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ, MAP_SHARED, efd,
		 RANDOM_EPOCH_VMCLOCK_OFFSET);
	if (p == MAP_FAILED)
		/* ENODEV: no device, yet the kernel names a counter. */
		err = errno == ENODEV ? -EPROTO : -errno;
	else
		*page = p;
	if (fd < 0)
		close(efd);
	return err;
}

/*
 * The vDSO's page, else a descriptor mapping, except for @ep from the vDSO
 * source, whose user wants no descriptor mapping (CRIU).
 */
static int find_vmclock(const struct randepoch *ep, const void **page)
{
	int err = 0;

	*page = __atomic_load_n(&vmclock_page, __ATOMIC_ACQUIRE);
	if (*page)
		return 0;
	pthread_mutex_lock(&vmclock_lock);
	pthread_once(&vdso_once, vdso_lookup);
	if (vmclock_page)
		*page = vmclock_page;
	else if (vdso_vmclock)
		*page = vdso_vmclock;
	else if (ep->source == RANDEPOCH_SOURCE_VDSO)
		err = -EPROTO;
	else
		err = map_vmclock(ep->fd, page);
	if (!err)
		__atomic_store_n(&vmclock_page, *page, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&vmclock_lock);
	return err;
}

/*
 * random_epoch_page.vmclock_counter_offset: 0 on a VM without a vmclock
 * device and on kernels that predate it (the field was reserved, zero).
 */
static uint32_t vm_counter_offset(const struct randepoch *ep)
{
	return ((const volatile struct random_epoch_page *)ep->page)->
		vmclock_counter_offset;
}

int randepoch_vm_counter_ptr(const struct randepoch *ep,
			     const volatile uint64_t **counter)
{
	uint32_t offset = vm_counter_offset(ep);
	const struct vmclock_abi *abi;
	const void *page;
	int err;

	*counter = NULL;
	if (!offset)
		return 0;
	/* A naturally aligned 64-bit field after the header, in the page. */
	if (offset % sizeof(uint64_t) ||
	    offset < offsetof(struct vmclock_abi, disruption_marker) ||
	    offset > RANDOM_EPOCH_PAGE_SIZE - sizeof(uint64_t))
		return -EPROTO;
	err = find_vmclock(ep, &page);
	if (err)
		return err;
	abi = page;
	if (le32toh(*(const volatile uint32_t *)&abi->magic) != VMCLOCK_MAGIC)
		return -EPROTO;
	*counter = (const volatile uint64_t *)((const char *)page + offset);
	return 0;
}

const char *randepoch_vm_counter_name(const struct randepoch *ep)
{
	switch (vm_counter_offset(ep)) {
	case 0:
		return "none";
	case offsetof(struct vmclock_abi, vm_generation_counter):
		return "vm_generation_counter";
	case offsetof(struct vmclock_abi, disruption_marker):
		return "disruption_marker";
	}
	return "unknown";
}

const char *randepoch_source_name(int source)
{
	switch (source) {
	case RANDEPOCH_SOURCE_NONE:
		return "none";
	case RANDEPOCH_SOURCE_VDSO:
		return "vdso";
	case RANDEPOCH_SOURCE_MMAP:
		return "mmap";
	}
	return "unknown";
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int randepoch_wait(struct randepoch *ep, uint32_t since, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = { .fd = ep->fd, .events = POLLIN };
		int left = -1, ret;
		uint32_t word;

		if (randepoch_changed(ep, since))
			return 1;
		if (deadline >= 0) {
			int64_t d = deadline - now_ms();

			if (d <= 0)
				return 0;
			left = d > 1000000 ? 1000000 : (int)d;
		}
		if (ep->fd < 0 && ep->source == RANDEPOCH_SOURCE_VDSO) {
			/*
			 * The vDSO gives no descriptor: get one to poll. It
			 * counts the word at its creation as consumed, so a
			 * change just before it would not wake poll(): check
			 * the word again first.
			 */
			ret = epoch_fd();
			if (ret < 0)
				return ret;
			ep->fd = ret;
			continue;
		}
		if (ep->fd < 0) {
			/* A page the caller set itself: nothing to poll. */
			struct timespec ts = { 0, 1000000 };

			nanosleep(&ts, NULL);
			continue;
		}
		/*
		 * poll() reports a word that differs from the one this
		 * descriptor last consumed, which need not be @since: consume
		 * it with read() and compare again, or we would spin.
		 */
		ret = poll(&pfd, 1, left);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (ret > 0 && (pfd.revents & POLLIN) &&
		    read(ep->fd, &word, sizeof(word)) < 0 && errno != EAGAIN)
			return -errno;
		if (ret > 0 && (pfd.revents & (POLLERR | POLLNVAL)))
			return -EIO;
	}
}

int randepoch_bump(int use_avoid, uint32_t avoid, uint32_t *new_word)
{
	struct rand_epoch_bump b;
	int rnd, ret, err;

	memset(&b, 0, sizeof(b));
	if (use_avoid) {
		b.flags = RNDBUMPEPOCH_AVOID;
		b.avoid = avoid;
	}
	rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (rnd < 0)
		return -errno;
	ret = ioctl(rnd, RNDBUMPEPOCH, &b);
	err = errno;
	close(rnd);
	if (ret < 0)
		return err == EPERM ? -EPERM : feature_errno(err);
	if (new_word)
		*new_word = b.word;
	return 0;
}

const char *randepoch_id_name(unsigned int id)
{
	switch (id) {
	case RANDOM_EPOCH_ID_NONE:
		return "none";
	case RANDOM_EPOCH_ID_VMGENID:
		return "vmgenid";
	case RANDOM_EPOCH_ID_CRIU:
		return "criu";
	case RANDOM_EPOCH_ID_TIMER:
		return "timer";
	case RANDOM_EPOCH_ID_VMCLOCK:
		return "vmclock";
	}
	if (id >= RANDOM_EPOCH_ID_DYNAMIC_FIRST && id <= RANDOM_EPOCH_ID_MAX)
		return "dynamic";
	return "reserved";
}

const char *randepoch_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return "success";
	case ENOSYS:
		return "this kernel has no /dev/random epoch page (RNDGETEPOCHFD)";
	case EPERM:
		return "permission denied: bumping the epoch needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN";
	case ECHILD:
		return "shared PRNG used in a forked child; create a new one there";
	case ESTALE:
		return "the epoch word changed during the adjustment: adjust again";
	case ETIMEDOUT:
		return "watchers still outdated at the timeout";
	case EDEADLK:
		return "this descriptor is an outdated watcher: it would wait for itself";
	case EPROTO:
		return "the kernel names a vmclock counter but gives no valid vmclock page (no page, wrong magic or counter offset)";
	}
	return strerror(err);
}

int randepoch_watch(void)
{
	int rnd, wfd, err;

	rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (rnd < 0)
		return -errno;
	wfd = ioctl(rnd, RNDGETEPOCHFD, RNDGETEPOCHFD_WATCH);
	err = errno;
	close(rnd);
	return wfd < 0 ? feature_errno(err) : wfd;
}

int randepoch_watch_next(int wfd, uint32_t *word, int timeout_ms)
{
	struct pollfd pfd = { .fd = wfd, .events = POLLIN };
	int ret;

	/* poll() is readable exactly when read() would not block. */
	ret = poll(&pfd, 1, timeout_ms < 0 ? -1 : timeout_ms);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return 0;
	if (read(wfd, word, sizeof(*word)) != sizeof(*word))
		return -errno;
	return 1;
}

int randepoch_ack(int wfd, uint32_t word)
{
	__u32 w = word;

	return ioctl(wfd, RNDEPOCHACK, &w) ? -errno : 0;
}

int randepoch_count(unsigned int *watchers, unsigned int *outdated)
{
	struct rand_epoch_count c;
	int efd = epoch_fd(), ret = 0;

	if (efd < 0)
		return efd;
	if (ioctl(efd, RNDEPOCHCOUNT, &c))
		ret = feature_errno(errno);
	close(efd);
	if (!ret) {
		*watchers = c.watchers;
		*outdated = c.outdated;
	}
	return ret;
}

int randepoch_settle(int fd, int timeout_ms, unsigned int *left)
{
	struct rand_epoch_settle st = { 0 };
	int efd = fd >= 0 ? fd : epoch_fd(), ret = 0;

	if (efd < 0)
		return efd;
	/* The kernel takes a 32-bit count of milliseconds: ~49 days. */
	st.timeout_ms = timeout_ms < 0 ? UINT32_MAX : (uint32_t)timeout_ms;
	if (ioctl(efd, RNDEPOCHSETTLE, &st))
		ret = errno == ENOTTY ? -ENOSYS : -errno;
	if (fd < 0)
		close(efd);
	if (left)
		*left = st.outdated;
	return ret;
}
