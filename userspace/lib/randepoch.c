// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Open, wait for and bump the /dev/random epoch page.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/random_epoch.h>

#include "randepoch.h"

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

int randepoch_open(struct randepoch *ep)
{
	void *page;
	int rnd, efd, err;

	ep->page = NULL;
	ep->fd = -1;
	rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (rnd < 0)
		return -errno;
	efd = ioctl(rnd, RNDGETEPOCHFD, 0);
	err = errno;
	close(rnd);
	if (efd < 0)
		return feature_errno(err);
	page = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE, PROT_READ, MAP_SHARED, efd, 0);
	if (page == MAP_FAILED) {
		err = errno;
		close(efd);
		return -err;
	}
	ep->page = (const volatile uint32_t *)page;
	ep->fd = efd;
	return 0;
}

void randepoch_attach(struct randepoch *ep, const volatile uint32_t *page)
{
	ep->page = page;
	ep->fd = -1;
}

void randepoch_close(struct randepoch *ep)
{
	if (ep->fd >= 0) {
		munmap((void *)(uintptr_t)ep->page, RANDOM_EPOCH_PAGE_SIZE);
		close(ep->fd);
	}
	ep->page = NULL;
	ep->fd = -1;
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
		if (ep->fd < 0) {
			/* A simulated page has nothing to poll. */
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
	}
	return strerror(err);
}
