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

#ifdef CONFIG_RANDOM_EPOCH
int random_epoch_register(struct random_epoch_notifier *n);
int random_epoch_register_id(struct random_epoch_notifier *n, u8 id);
void random_epoch_unregister(struct random_epoch_notifier *n);
void random_epoch_notify(struct random_epoch_notifier *n);
u32 random_epoch_read(void);

/* For drivers/char/random.c only. */
long random_epoch_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
void random_epoch_reseed_crng(void);

/* For the architecture's vDSO (vvar) fault handler only. */
struct page *random_epoch_vdso_page(void);
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
#endif /* CONFIG_RANDOM_EPOCH */

#endif /* _LINUX_RANDOM_EPOCH_H */
