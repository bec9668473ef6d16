// SPDX-License-Identifier: GPL-2.0
/*
 * Test driver for random epoch notifiers.
 *
 * Registers notifiers through the same API any driver uses, so that the
 * selftests can exercise dynamic IDs, registry exhaustion, ID reuse and
 * notifications from hard IRQ context. Commands are written to
 * /sys/kernel/debug/random_epoch_test/control; a failed command fails the
 * write() with its errno:
 *
 *	register NAME	register a notifier; read the file for its ID
 *	unregister ID	unregister a notifier registered here
 *	notify ID [N]	notify N times (default 1) from process context
 *	notify_irq ID	notify once from hard IRQ context (a hard irq_work;
 *			EIO if it did not run in hard IRQ context) and wait
 *			for the publication it defers
 *	register_fail	register a notifier whose ID field holds garbage
 *			under a taken stable ID, then notify through it:
 *			fails the write with the registration's errno
 *			(EBUSY); the epoch word must not change
 *	vmfork_register	register a VM fork source (random_vmfork_register())
 *			with a dynamic ID, whose "hypervisor-written" value
 *			is a counter of this driver; read the file for its
 *			ID. EBUSY if registered already
 *	vmfork_change [N]	add N (default 1) to that counter, as a
 *			hypervisor does before the vCPUs run again: nothing
 *			is notified, the next crng output acts on it
 *	vmfork_notify	the hypervisor's notification: random_vmfork_check()
 *	vmfork_draw_u32	get_random_u32(), the batched path, once
 *	vmfork_bad_len	register a source of 4 bytes: fails the write with
 *			EINVAL, and nothing is registered
 *	vmfork_unregister
 *			unregister the source; ENOENT if none
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/irq_work.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/random_epoch.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#define TEST_NAME_LEN 32
#define TEST_MAX_NOTIFY 1000000

struct test_notifier {
	struct random_epoch_notifier n;
	char name[TEST_NAME_LEN];
};

static DEFINE_MUTEX(test_lock);
static struct test_notifier *test_notifiers[RANDOM_EPOCH_ID_MAX + 1];
static int test_last_id;
static struct dentry *test_dir;

/* The VM fork source: one, with a counter for "guest memory". */
static u64 test_vmfork_value;
static struct random_vmfork_source test_vmfork = {
	.name = "test_vmfork",
	.live = &test_vmfork_value,
	.len = sizeof(test_vmfork_value),
};

static bool test_vmfork_registered;

static struct random_epoch_notifier *test_irq_target;
static bool test_irq_in_hardirq;

static void test_irq_notify(struct irq_work *work)
{
	test_irq_in_hardirq = in_hardirq();
	random_epoch_notify(test_irq_target);
}

/* Hard: runs in hard IRQ context on every config, PREEMPT_RT included. */
static struct irq_work test_irq_work = IRQ_WORK_INIT_HARD(test_irq_notify);

/* A failed registration must leave nothing a notification could publish. */
static int test_register_fail(void)
{
	struct random_epoch_notifier *n;
	int ret;

	n = kmalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	/* What an uninitialised allocation might hold. */
	memset(n, 0xa5, sizeof(*n));
	n->name = "register_fail";
	ret = random_epoch_register_id(n, RANDOM_EPOCH_ID_CRIU);
	if (ret >= 0) {
		random_epoch_unregister(n);
		ret = -EINVAL;
	} else {
		random_epoch_notify(n);
	}
	kfree(n);
	return ret;
}

static int test_register(const char *name)
{
	struct test_notifier *t;
	int id;

	if (!*name || strlen(name) >= TEST_NAME_LEN)
		return -EINVAL;
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	strscpy(t->name, name, sizeof(t->name));
	t->n.name = t->name;
	id = random_epoch_register(&t->n);
	if (id < 0) {
		kfree(t);
		return id;
	}
	test_notifiers[id] = t;
	test_last_id = id;
	return 0;
}

static int test_vmfork_command(const char *cmd, const char *arg)
{
	struct random_vmfork_source bad = {
		.name = "test_vmfork_bad",
		.live = &test_vmfork_value,
		.len = 4,
	};
	unsigned int n = 1;
	int ret;

	if (!strcmp(cmd, "vmfork_bad_len")) {
		ret = random_vmfork_register(&bad, 0);
		if (!ret) {
			random_vmfork_unregister(&bad);
			return -EINVAL;
		}
		return ret == -EINVAL ? -EINVAL : -EIO;
	}
	if (!strcmp(cmd, "vmfork_register")) {
		if (test_vmfork_registered)
			return -EBUSY;
		ret = random_vmfork_register(&test_vmfork, 0);
		if (ret)
			return ret;
		test_vmfork_registered = true;
		test_last_id = test_vmfork.epoch.id;
		return 0;
	}
	if (!test_vmfork_registered)
		return -ENOENT;
	if (!strcmp(cmd, "vmfork_change")) {
		if (*arg && (kstrtouint(arg, 0, &n) || !n))
			return -EINVAL;
		/* A plain store, as the hypervisor's: random.c reads it once. */
		WRITE_ONCE(test_vmfork_value, test_vmfork_value + n);
	} else if (!strcmp(cmd, "vmfork_notify")) {
		random_vmfork_check();
	} else if (!strcmp(cmd, "vmfork_draw_u32")) {
		get_random_u32();
	} else if (!strcmp(cmd, "vmfork_unregister")) {
		random_vmfork_unregister(&test_vmfork);
		test_vmfork_registered = false;
	} else {
		return -EINVAL;
	}
	return 0;
}

static struct test_notifier *test_lookup(const char *arg, unsigned int *count)
{
	unsigned int id;
	int n;

	n = sscanf(arg, "%u %u", &id, count);
	if (n < 1 || id > RANDOM_EPOCH_ID_MAX)
		return ERR_PTR(-EINVAL);
	if (!test_notifiers[id])
		return ERR_PTR(-ENOENT);
	return test_notifiers[id];
}

static int test_command(char *cmd)
{
	struct test_notifier *t;
	unsigned int count = 1;
	char *arg;

	arg = strchr(cmd, ' ');
	if (arg)
		*arg++ = '\0';
	else if (!strcmp(cmd, "register_fail") || !strncmp(cmd, "vmfork_", 7))
		arg = "";
	else
		return -EINVAL;

	if (!strncmp(cmd, "vmfork_", 7))
		return test_vmfork_command(cmd, arg);

	if (!strcmp(cmd, "register"))
		return test_register(arg);
	if (!strcmp(cmd, "register_fail"))
		return test_register_fail();
	if (strcmp(cmd, "unregister") && strcmp(cmd, "notify") &&
	    strcmp(cmd, "notify_irq"))
		return -EINVAL;

	t = test_lookup(arg, &count);
	if (IS_ERR(t))
		return PTR_ERR(t);
	if (!strcmp(cmd, "unregister")) {
		test_notifiers[t->n.id] = NULL;
		random_epoch_unregister(&t->n);
		kfree(t);
	} else if (!strcmp(cmd, "notify")) {
		if (!count || count > TEST_MAX_NOTIFY)
			return -EINVAL;
		while (count--) {
			random_epoch_notify(&t->n);
			cond_resched();
		}
	} else {
		test_irq_target = &t->n;
		test_irq_in_hardirq = false;
		irq_work_queue(&test_irq_work);
		irq_work_sync(&test_irq_work);
		if (!test_irq_in_hardirq)
			return -EIO;
		/* The publication random_epoch_notify() deferred. */
		irq_work_sync(&t->n.deferred);
	}
	return 0;
}

static ssize_t test_control_write(struct file *file, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	char buf[64];
	int ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	strim(buf);

	mutex_lock(&test_lock);
	ret = test_command(buf);
	mutex_unlock(&test_lock);
	return ret ? ret : len;
}

static ssize_t test_control_read(struct file *file, char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	char buf[16];
	int n;

	mutex_lock(&test_lock);
	n = scnprintf(buf, sizeof(buf), "%d\n", test_last_id);
	mutex_unlock(&test_lock);
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static const struct file_operations test_control_fops = {
	.owner = THIS_MODULE,
	.read = test_control_read,
	.write = test_control_write,
	.llseek = default_llseek,
};

static int __init random_epoch_test_init(void)
{
	test_dir = debugfs_create_dir("random_epoch_test", NULL);
	debugfs_create_file("control", 0600, test_dir, NULL, &test_control_fops);
	return 0;
}

static void __exit random_epoch_test_exit(void)
{
	unsigned int id;

	debugfs_remove(test_dir);
	if (test_vmfork_registered)
		random_vmfork_unregister(&test_vmfork);
	for (id = 0; id <= RANDOM_EPOCH_ID_MAX; id++) {
		if (!test_notifiers[id])
			continue;
		random_epoch_unregister(&test_notifiers[id]->n);
		kfree(test_notifiers[id]);
	}
}

module_init(random_epoch_test_init);
module_exit(random_epoch_test_exit);
MODULE_DESCRIPTION("Test driver for random epoch notifiers");
MODULE_LICENSE("GPL");
