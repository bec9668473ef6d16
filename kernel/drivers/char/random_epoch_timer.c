// SPDX-License-Identifier: GPL-2.0
/*
 * The timer notifier for the random epoch: every epoch_timer_ms
 * milliseconds (0: never, the default) the crng is reseeded and a new epoch
 * word published with RANDOM_EPOCH_ID_TIMER, so that long-running userspace
 * PRNGs take in fresh kernel entropy periodically, as the crng itself does.
 * Set with the kernel.random.epoch_timer_ms sysctl. It registers through
 * the same API as any driver.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/random_epoch.h>
#include <linux/sysctl.h>
#include <linux/workqueue.h>

/* Bounds for the sysctl: not busier than 100 Hz, at least once a day. */
#define EPOCH_TIMER_MIN_MS	10
#define EPOCH_TIMER_MAX_MS	(24 * 60 * 60 * 1000)

static struct random_epoch_notifier timer_notifier = { .name = "timer" };
static unsigned int epoch_timer_ms;
static DEFINE_MUTEX(epoch_timer_lock);
static void random_epoch_timer_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(epoch_timer_work, random_epoch_timer_fn);

static void random_epoch_timer_fn(struct work_struct *work)
{
	unsigned int ms = READ_ONCE(epoch_timer_ms);

	/* Disabled since this run was queued. */
	if (!ms)
		return;
	random_epoch_notify(&timer_notifier);
	queue_delayed_work(system_unbound_wq, &epoch_timer_work,
			   msecs_to_jiffies(ms));
}

static int random_epoch_timer_sysctl(const struct ctl_table *table, int write,
				     void *buf, size_t *lenp, loff_t *ppos)
{
	struct ctl_table tmp = *table;
	unsigned int ms;
	int ret;

	mutex_lock(&epoch_timer_lock);
	ms = epoch_timer_ms;
	tmp.data = &ms;
	ret = proc_douintvec(&tmp, write, buf, lenp, ppos);
	if (ret || !write)
		goto out;
	if (ms && (ms < EPOCH_TIMER_MIN_MS || ms > EPOCH_TIMER_MAX_MS)) {
		ret = -EINVAL;
		goto out;
	}
	/* Pairs with READ_ONCE() in random_epoch_timer_fn(). */
	WRITE_ONCE(epoch_timer_ms, ms);
	/*
	 * Disabling waits for a run under way, which would otherwise notify
	 * once more and requeue itself after this write returned; the work
	 * does not take epoch_timer_lock, so waiting under it is safe.
	 */
	if (ms)
		mod_delayed_work(system_unbound_wq, &epoch_timer_work,
				 msecs_to_jiffies(ms));
	else
		cancel_delayed_work_sync(&epoch_timer_work);
out:
	mutex_unlock(&epoch_timer_lock);
	return ret;
}

static struct ctl_table random_epoch_timer_sysctls[] = {
	{
		.procname	= "epoch_timer_ms",
		.maxlen		= sizeof(unsigned int),
		.mode		= 0644,
		.proc_handler	= random_epoch_timer_sysctl,
	},
};

static int __init random_epoch_timer_init(void)
{
	if (random_epoch_register_id(&timer_notifier, RANDOM_EPOCH_ID_TIMER) < 0)
		pr_warn("cannot register the timer notifier\n");
	register_sysctl_init("kernel/random", random_epoch_timer_sysctls);
	return 0;
}
device_initcall(random_epoch_timer_init);
