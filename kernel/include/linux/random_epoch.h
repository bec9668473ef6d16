/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reseed notifications for userspace PRNGs: the in-kernel API.
 *
 * A driver that knows when userspace random state has been duplicated (a VM
 * restored from a snapshot, a process tree restored from a checkpoint)
 * registers a notifier and calls random_epoch_notify() when it happens. The
 * crng is reseeded and a new epoch word, carrying the notifier's ID, is
 * published in the page that userspace maps through RNDGETEPOCHFD.
 */
#ifndef _LINUX_RANDOM_EPOCH_H
#define _LINUX_RANDOM_EPOCH_H

#include <linux/errno.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/types.h>
#include <uapi/linux/random_epoch.h>

struct file;
struct page;

/**
 * struct random_epoch_notifier - a source of reseed notifications
 * @name:	shown to admins in debugfs; must stay valid while registered.
 * @id:		set by registration: the ID published in the epoch word.
 * @count:	notifications published through this notifier since it was
 *		registered; written under the publication lock.
 * @deferred:	publishes for random_epoch_notify() calls made in hard IRQ or
 *		NMI context; set up by registration.
 */
struct random_epoch_notifier {
	const char *name;
	u8 id;
	u64 count;
	struct irq_work deferred;
};

/**
 * struct random_vmfork_source - guest memory a hypervisor changes on VM fork
 * @name:	for messages and debugfs; must stay valid while registered.
 * @live:	the hypervisor-written value (a VMGenID GUID, a vmclock
 *		counter), read before every crng output.
 * @len:	its size: 8 or 16 bytes.
 * @epoch_page_counter: the value is the vmclock counter that the epoch
 *		page and the vDSO expose (random_epoch_set_vmclock()).
 * @seen:	the value last acted on; written under the vmfork lock.
 * @epoch:	publishes the epoch word for changes; set up by registration.
 * @list:	in the list of sources; RCU.
 */
struct random_vmfork_source {
	const char *name;
	const void *live;
	unsigned int len;
	bool epoch_page_counter;
	u64 seen[2];
	struct random_epoch_notifier epoch;
	struct list_head list;
};

#ifdef CONFIG_RANDOM_EPOCH
int random_epoch_register(struct random_epoch_notifier *n);
int random_epoch_register_id(struct random_epoch_notifier *n, u8 id);
void random_epoch_unregister(struct random_epoch_notifier *n);
void random_epoch_notify(struct random_epoch_notifier *n);
u32 random_epoch_read(void);

int random_vmfork_register(struct random_vmfork_source *src, u8 id);
void random_vmfork_unregister(struct random_vmfork_source *src);
void random_vmfork_check(void);

/* For the vmclock driver: its page beside the epoch page. */
void random_epoch_set_vmclock(unsigned long pfn, u32 counter_offset);

/* For drivers/char/random.c only. */
long random_epoch_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
void random_epoch_reseed_crng(void);
void random_epoch_publish_vmfork(struct random_epoch_notifier *n);
void random_epoch_vmclock_seen(u64 counter);

/* For the architecture's vDSO (vvar) fault handler only. */
struct page *random_epoch_vdso_page(void);
unsigned long random_epoch_vmclock_pfn(void);
#else
static inline int random_epoch_register(struct random_epoch_notifier *n)
{
	return 0;
}

static inline int random_epoch_register_id(struct random_epoch_notifier *n, u8 id)
{
	return 0;
}

static inline void random_epoch_unregister(struct random_epoch_notifier *n) { }

static inline void random_epoch_notify(struct random_epoch_notifier *n) { }

static inline u32 random_epoch_read(void)
{
	return 0;
}

static inline long random_epoch_ioctl(struct file *file, unsigned int cmd,
				      unsigned long arg)
{
	return -EINVAL;
}

static inline struct page *random_epoch_vdso_page(void)
{
	return NULL;
}

static inline int random_vmfork_register(struct random_vmfork_source *src,
					 u8 id)
{
	return 0;
}

static inline void random_vmfork_unregister(struct random_vmfork_source *src) { }

static inline void random_vmfork_check(void) { }

static inline void random_epoch_set_vmclock(unsigned long pfn,
					    u32 counter_offset) { }

static inline unsigned long random_epoch_vmclock_pfn(void)
{
	return 0;
}
#endif /* CONFIG_RANDOM_EPOCH */

#endif /* _LINUX_RANDOM_EPOCH_H */
