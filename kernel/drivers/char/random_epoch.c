// SPDX-License-Identifier: GPL-2.0
/*
 * Reseed notifications for userspace PRNGs.
 *
 * Userspace PRNGs are seeded once from the kernel and then run on their own,
 * so when their memory is duplicated (a VM snapshot restored into several
 * clones, a process tree restored by CRIU) every copy produces the same
 * stream. The kernel learns of such events from "notifiers" (the VMGenID
 * device, a restore tool's ioctl, a periodic timer, any driver that
 * registers). On each one it reseeds its own crng and then publishes a new
 * 32-bit epoch word, notifier_id << 24 | counter, in a page that every
 * process may map read-only. A PRNG loads the word before each draw, one
 * memory load, and reseeds from getrandom() when the word changed.
 *
 * There is one page for the whole system, however many descriptors and
 * mappings exist, so publishing costs the same with one reader or with
 * thousands. The descriptor also supports read() and poll() for consumers
 * that would rather wait for an event than check before every draw.
 *
 * Some state derived from random numbers (a host key, an instance UUID) must
 * be renewed by a program rather than reseeded. Such a program opens a
 * "watcher" descriptor; from every change of the word until the watcher
 * acknowledges the new word it counts as outdated, and an orchestrator may
 * wait until no watcher is outdated. Publication stays O(1): it does not visit
 * the watchers but bumps a sequence number, and a watcher is outdated while
 * the sequence it acknowledged differs from the current one.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/irq_work.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/personality.h>
#include <linux/poll.h>
#include <linux/random_epoch.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

/*
 * The page all mappings share; the epoch word is its first 32 bits. In the
 * kernel image, like the vDSO's own pages, so that it exists from boot on:
 * no allocation can fail and leave the vDSO pointing at a missing page.
 */
static u32 epoch_page_data[PAGE_SIZE / sizeof(u32)] __page_aligned_bss;
static struct random_epoch_page *const epoch_fields =
	(struct random_epoch_page *)epoch_page_data;
static u32 *const epoch_word = &epoch_page_data[0];

/*
 * The vmclock page, where the VM has one: mapped beside the epoch page by
 * the descriptor (at RANDOM_EPOCH_VMCLOCK_OFFSET) and the vDSO. Set once at
 * boot by the vmclock driver, before userspace runs; 0 without one.
 */
static unsigned long vmclock_pfn __ro_after_init;

static struct page *random_epoch_page(void)
{
	return pfn_to_page(PHYS_PFN(__pa_symbol(epoch_page_data)));
}

/*
 * Serialises publication, so that concurrent notifications each advance the
 * counter and none is lost. A raw spinlock because notifications may come
 * from hard IRQ context (the VMGenID devicetree interrupt) and nothing else
 * is taken inside it.
 */
static DEFINE_RAW_SPINLOCK(epoch_lock);

/* read() and poll() waiters, woken after every publication. */
static DECLARE_WAIT_QUEUE_HEAD(epoch_wait);

/*
 * Watcher accounting, under epoch_lock. epoch_seq counts publications; a
 * watcher is current while its acked_seq equals it. A publication makes every
 * watcher outdated by bumping epoch_seq and zeroing nr_current, without
 * visiting any watcher.
 */
static u64 epoch_seq;
static unsigned int nr_watchers;
static unsigned int nr_current;

/*
 * RNDEPOCHSETTLE waiters, woken when the last outdated watcher catches up and
 * after every publication (which may make the waiter's own descriptor an
 * outdated watcher: EDEADLK).
 */
static DECLARE_WAIT_QUEUE_HEAD(settle_wait);

/**
 * struct random_epoch_file - state of one epoch descriptor
 * @consumed:	the word read() last returned (initially the word at
 *		creation); accessed with READ_ONCE()/WRITE_ONCE()
 * @watcher:	opened with %RNDGETEPOCHFD_WATCH; never changes
 * @acked_seq:	for a watcher, the epoch_seq it acknowledged (one behind
 *		epoch_seq for a new watcher); under epoch_lock
 */
struct random_epoch_file {
	u32 consumed;
	bool watcher;
	u64 acked_seq;
};

/* Registered notifiers by ID, for ID allocation and the admin view. */
static DEFINE_MUTEX(registry_lock);
static struct random_epoch_notifier *registry[RANDOM_EPOCH_ID_MAX + 1];

static struct random_epoch_notifier criu_notifier = { .name = "criu" };

/**
 * random_epoch_read - the current epoch word
 *
 * Return: the word userspace sees at offset 0 of the epoch page; 0 before
 * the first notification.
 */
u32 random_epoch_read(void)
{
	/* Pairs with smp_store_release() in random_epoch_publish(). */
	return smp_load_acquire(epoch_word);
}
EXPORT_SYMBOL_GPL(random_epoch_read);

/*
 * Publishes the next word with ID @id, after the caller reseeded the crng.
 * Takes only the raw epoch_lock: any context.
 */
static u32 random_epoch_store(struct random_epoch_notifier *n, u8 id,
			      bool avoid_set, u32 avoid)
{
	unsigned long flags;
	u32 counter, word;

	raw_spin_lock_irqsave(&epoch_lock, flags);
	counter = RANDOM_EPOCH_WORD_COUNTER(*epoch_word);
	do {
		counter = (counter + 1) & RANDOM_EPOCH_COUNTER_MASK;
		word = RANDOM_EPOCH_WORD(id, counter);
	} while (avoid_set && word == avoid);
	/*
	 * Orders the caller's crng reseed (and the vDSO generation update
	 * inside it) before the new word. Pairs with the load-acquire of the word in
	 * userspace and with smp_load_acquire() in random_epoch_read().
	 */
	smp_store_release(epoch_word, word);
	n->count++;
	/* Every watcher is outdated now: O(1), no walk over them. */
	epoch_seq++;
	nr_current = 0;
	raw_spin_unlock_irqrestore(&epoch_lock, flags);
	return word;
}

/* Wakes read(), poll() and settle waiters after a publication. */
static void random_epoch_wake(void)
{
	/*
	 * wq_has_sleeper() has a full barrier that pairs with the smp_mb() in
	 * random_epoch_poll() and with set_current_state() in the
	 * wait_event_interruptible() of random_epoch_read_fop(): either the
	 * waiter is on the queue here, or it sees the new word. Woken outside
	 * the raw lock: the wait queue lock is a spinlock_t.
	 */
	if (wq_has_sleeper(&epoch_wait))
		wake_up_interruptible_poll(&epoch_wait, EPOLLIN | EPOLLRDNORM);
	/*
	 * A settle waiter whose own descriptor this publication made an
	 * outdated watcher must fail with EDEADLK now, not at its timeout.
	 * The barrier in wq_has_sleeper() pairs with set_current_state() in
	 * the wait_event_interruptible_timeout() of random_epoch_settle().
	 */
	if (wq_has_sleeper(&settle_wait))
		wake_up_interruptible_all(&settle_wait);
}

static void random_epoch_wake_deferred(struct irq_work *work)
{
	random_epoch_wake();
}

/* Not hard: on PREEMPT_RT the wakeups run in the irq_work thread. */
static DEFINE_IRQ_WORK(epoch_wake_work, random_epoch_wake_deferred);

/*
 * Reseeds the crng and publishes the next word with @n's ID. Takes
 * spinlock_t locks (the crng's, the wait queues'): not from hard IRQ or NMI
 * context, see random_epoch_notify(). Returns the published word, or 0 if @n
 * is not registered.
 */
static u32 random_epoch_publish(struct random_epoch_notifier *n, bool avoid_set,
				u32 avoid)
{
	u8 id = READ_ONCE(n->id);
	u32 word;

	/* Not (or no longer) registered: nothing to publish. */
	if (!id)
		return 0;

	/*
	 * Reseed before publishing: whoever sees the new word and then calls
	 * getrandom() must get output from the new key, never from the key
	 * that the duplicated copies share.
	 */
	random_epoch_reseed_crng();
	word = random_epoch_store(n, id, avoid_set, avoid);
	random_epoch_wake();
	return word;
}

/**
 * random_epoch_publish_vmfork - publish for a VM fork random.c acted on
 * @n: the VM fork source's notifier
 *
 * random.c reseeded the crng for a VM fork, possibly at a draw under the
 * caller's locks: publish the next word with @n's ID without reseeding
 * again, and leave the wakeups to an irq_work, so that no task is woken
 * from here. Any context get_random_bytes() may be called in.
 */
void random_epoch_publish_vmfork(struct random_epoch_notifier *n)
{
	u8 id = READ_ONCE(n->id);

	if (!id)
		return;
	random_epoch_store(n, id, false, 0);
	irq_work_queue(&epoch_wake_work);
}

/**
 * random_epoch_vmclock_seen - the vmclock counter random.c acted on
 * @counter: its value
 *
 * Called by random.c after it reseeded for a change of the vmclock counter
 * and published the word. The vDSO's getrandom() falls back to the system
 * call while the counter in the vmclock page differs from this value.
 */
void random_epoch_vmclock_seen(u64 counter)
{
	/* One 64-bit store: the vmclock driver, the only caller, is 64BIT. */
	if (!IS_ENABLED(CONFIG_64BIT))
		return;
	/*
	 * After the word and the crng's (and the vDSO's) generation: a reader
	 * that loads this value with acquire semantics and finds it equal to
	 * the counter sees the new word and the new generation. Pairs with
	 * the vDSO's load of it in __arch_vdso_vm_forked().
	 */
	smp_store_release(&epoch_fields->vmclock_counter_seen, counter);
}

/**
 * random_epoch_set_vmclock - map the vmclock page beside the epoch page
 * @pfn: its page frame; the page stays valid for the life of the system
 * @counter_offset: byte offset of the VM generation counter in it
 *
 * Called once, by the vmclock driver at boot, before userspace runs:
 * userspace looks at the offset when it opens the epoch. The counter's
 * value at that time counts as acted on (random_vmfork_register()).
 */
void random_epoch_set_vmclock(unsigned long pfn, u32 counter_offset)
{
	if (WARN_ON_ONCE(vmclock_pfn || !pfn || !counter_offset ||
			 counter_offset > PAGE_SIZE - sizeof(u64)))
		return;
	vmclock_pfn = pfn;
	WRITE_ONCE(epoch_fields->vmclock_counter_offset, counter_offset);
}

/**
 * random_epoch_vmclock_pfn - the vmclock page for the vDSO
 *
 * Return: the page frame random_epoch_set_vmclock() recorded, or 0.
 */
unsigned long random_epoch_vmclock_pfn(void)
{
	return vmclock_pfn;
}

static void random_epoch_deferred(struct irq_work *work)
{
	random_epoch_publish(container_of(work, struct random_epoch_notifier,
					  deferred), false, 0);
}

/**
 * random_epoch_notify - reseed the crng and publish a new epoch word
 * @n: a registered notifier
 *
 * Call this when the state of userspace PRNGs may have been duplicated. The
 * crng is reseeded first; then the counter in the epoch word is incremented
 * and the word is published with @n's ID. Does nothing if @n is not
 * registered, so a driver need not check whether its registration succeeded.
 *
 * Context: any context, NMI included; never sleeps. In process and softirq
 * context the word is published before this returns. Hard IRQ and NMI
 * handlers may not take a spinlock_t on PREEMPT_RT (lockdep's
 * PROVE_RAW_LOCK_NESTING checks that on every config), and the reseed takes
 * the crng's; from there the reseed and publication run from an irq_work
 * that is queued here: right after the interrupt, in hard IRQ context
 * on !PREEMPT_RT, and in the irq_work thread on PREEMPT_RT. Notifications
 * on @n that arrive before that irq_work runs are published once. Must not
 * be called with a raw_spinlock_t held in process or softirq context.
 */
void random_epoch_notify(struct random_epoch_notifier *n)
{
	if (!READ_ONCE(n->id))
		return;
	if (in_hardirq() || in_nmi())
		irq_work_queue(&n->deferred);
	else
		random_epoch_publish(n, false, 0);
}
EXPORT_SYMBOL_GPL(random_epoch_notify);

static bool random_epoch_registered(struct random_epoch_notifier *n)
{
	lockdep_assert_held(&registry_lock);

	return n->id && registry[n->id] == n;
}

static int random_epoch_register_locked(struct random_epoch_notifier *n, u8 id)
{
	lockdep_assert_held(&registry_lock);

	/* Registered already: refuse, and leave the registration alone. */
	if (random_epoch_registered(n))
		return -EBUSY;
	/*
	 * On failure @n's ID is 0, whatever it held before, so that notifying
	 * through it publishes nothing rather than a stale or random ID.
	 */
	WRITE_ONCE(n->id, 0);
	if (!id) {
		for (id = RANDOM_EPOCH_ID_DYNAMIC_FIRST; registry[id]; id++)
			if (id == RANDOM_EPOCH_ID_MAX)
				return -ENOSPC;
	} else if (registry[id]) {
		return -EBUSY;
	}
	n->count = 0;
	init_irq_work(&n->deferred, random_epoch_deferred);
	/*
	 * Pairs with READ_ONCE() in random_epoch_notify() and
	 * random_epoch_publish(), which may race.
	 */
	WRITE_ONCE(n->id, id);
	registry[id] = n;
	return id;
}

/**
 * random_epoch_register - register a notifier with a dynamic ID
 * @n: the notifier; @n->name must be set
 *
 * Gives @n the lowest free ID from %RANDOM_EPOCH_ID_DYNAMIC_FIRST to
 * %RANDOM_EPOCH_ID_MAX. IDs are reused after random_epoch_unregister().
 * On failure @n->id is 0, so random_epoch_notify() on @n does nothing.
 *
 * Context: process context; may sleep.
 *
 * Return: the ID (> 0), -ENOSPC when all dynamic IDs are taken, or -EBUSY
 * if @n is registered already (its registration is left as it was).
 */
int random_epoch_register(struct random_epoch_notifier *n)
{
	int ret;

	mutex_lock(&registry_lock);
	ret = random_epoch_register_locked(n, 0);
	mutex_unlock(&registry_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(random_epoch_register);

/**
 * random_epoch_register_id - register a notifier with a stable ID
 * @n: the notifier; @n->name must be set
 * @id: one of the stable IDs below %RANDOM_EPOCH_ID_DYNAMIC_FIRST from
 *	<uapi/linux/random_epoch.h>
 *
 * For the notifiers whose IDs are part of the ABI. On failure @n->id is 0
 * (unless @n was registered already), as with random_epoch_register().
 *
 * Context: process context; may sleep.
 *
 * Return: @id, -EINVAL if @id is not a stable ID, or -EBUSY if it is taken
 * or @n is registered already.
 */
int random_epoch_register_id(struct random_epoch_notifier *n, u8 id)
{
	int ret;

	mutex_lock(&registry_lock);
	if (!id || id >= RANDOM_EPOCH_ID_DYNAMIC_FIRST) {
		if (!random_epoch_registered(n))
			WRITE_ONCE(n->id, 0);
		mutex_unlock(&registry_lock);
		return -EINVAL;
	}
	ret = random_epoch_register_locked(n, id);
	mutex_unlock(&registry_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(random_epoch_register_id);

/**
 * random_epoch_unregister - give up a notifier's ID
 * @n: a registered notifier
 *
 * The caller must ensure that no random_epoch_notify() on @n runs
 * concurrently or later (remove the interrupt handler that calls it first).
 * A publication deferred from hard IRQ context is finished before this
 * returns, so @n may be freed then. The epoch word may still carry @n's ID
 * until the next notification.
 *
 * Context: process context; may sleep.
 */
void random_epoch_unregister(struct random_epoch_notifier *n)
{
	bool registered;

	mutex_lock(&registry_lock);
	registered = random_epoch_registered(n);
	WARN_ON_ONCE(!registered);
	if (registered)
		registry[n->id] = NULL;
	WRITE_ONCE(n->id, 0);
	mutex_unlock(&registry_lock);
	if (registered)
		irq_work_sync(&n->deferred);
}
EXPORT_SYMBOL_GPL(random_epoch_unregister);

static u32 random_epoch_consumed(struct file *file)
{
	struct random_epoch_file *ef = file->private_data;

	return READ_ONCE(ef->consumed);
}

/* Loads the current word into *@word; true if it was not consumed yet. */
static bool random_epoch_changed(struct file *file, u32 *word)
{
	*word = random_epoch_read();
	return *word != random_epoch_consumed(file);
}

static ssize_t random_epoch_read_fop(struct file *file, char __user *buf,
				     size_t count, loff_t *ppos)
{
	struct random_epoch_file *ef = file->private_data;
	u32 word;
	int ret;

	if (count < sizeof(word))
		return -EINVAL;
	word = random_epoch_read();
	if (word == random_epoch_consumed(file)) {
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		/*
		 * set_current_state() in the wait pairs with the barrier in
		 * wq_has_sleeper() in random_epoch_publish().
		 */
		ret = wait_event_interruptible(epoch_wait,
					       random_epoch_changed(file, &word));
		if (ret)
			return ret;
	}
	if (copy_to_user(buf, &word, sizeof(word)))
		return -EFAULT;
	WRITE_ONCE(ef->consumed, word);
	return sizeof(word);
}

static __poll_t random_epoch_poll(struct file *file, poll_table *wait)
{
	poll_wait(file, &epoch_wait, wait);
	/* Pairs with the barrier in wq_has_sleeper() in random_epoch_publish(). */
	smp_mb();
	if (random_epoch_read() != random_epoch_consumed(file))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

/* Watchers and outdated watchers, read together under the lock. */
static void random_epoch_counts(struct rand_epoch_count *c)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&epoch_lock, flags);
	c->watchers = nr_watchers;
	c->outdated = nr_watchers - nr_current;
	raw_spin_unlock_irqrestore(&epoch_lock, flags);
}

static bool random_epoch_self_outdated(struct random_epoch_file *ef)
{
	unsigned long flags;
	bool ret;

	if (!ef->watcher)
		return false;
	raw_spin_lock_irqsave(&epoch_lock, flags);
	ret = ef->acked_seq != epoch_seq;
	raw_spin_unlock_irqrestore(&epoch_lock, flags);
	return ret;
}

/*
 * A new watcher starts outdated: a watcher that was restarted (by systemd,
 * say) while the word changed must not skip that change. It catches up by
 * comparing the word with the one it last adjusted to, adjusting if they
 * differ, and acknowledging the current word.
 */
static void random_epoch_watch(struct random_epoch_file *ef)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&epoch_lock, flags);
	ef->watcher = true;
	ef->acked_seq = epoch_seq - 1;
	nr_watchers++;
	raw_spin_unlock_irqrestore(&epoch_lock, flags);
}

static void random_epoch_unwatch(struct random_epoch_file *ef)
{
	unsigned long flags;
	bool settled;

	raw_spin_lock_irqsave(&epoch_lock, flags);
	if (ef->acked_seq == epoch_seq)
		nr_current--;
	nr_watchers--;
	settled = nr_current == nr_watchers;
	raw_spin_unlock_irqrestore(&epoch_lock, flags);
	if (settled)
		wake_up_interruptible_all(&settle_wait);
}

static int random_epoch_release(struct inode *inode, struct file *file)
{
	struct random_epoch_file *ef = file->private_data;

	if (ef->watcher)
		random_epoch_unwatch(ef);
	kfree(ef);
	return 0;
}

static long random_epoch_ack(struct file *file, u32 __user *uword)
{
	struct random_epoch_file *ef = file->private_data;
	unsigned long flags;
	bool settled = false;
	int ret = 0;
	u32 word;

	if (!ef->watcher)
		return -EINVAL;
	if (get_user(word, uword))
		return -EFAULT;
	raw_spin_lock_irqsave(&epoch_lock, flags);
	if (word != *epoch_word) {
		/* The word changed during the adjustment: adjust again. */
		ret = -ESTALE;
	} else if (ef->acked_seq != epoch_seq) {
		ef->acked_seq = epoch_seq;
		nr_current++;
		settled = nr_current == nr_watchers;
	}
	raw_spin_unlock_irqrestore(&epoch_lock, flags);
	if (settled)
		wake_up_interruptible_all(&settle_wait);
	return ret;
}

static long random_epoch_count_ioctl(struct rand_epoch_count __user *ucount)
{
	struct rand_epoch_count c;

	random_epoch_counts(&c);
	if (copy_to_user(ucount, &c, sizeof(c)))
		return -EFAULT;
	return 0;
}

static bool random_epoch_settled(struct random_epoch_file *ef)
{
	struct rand_epoch_count c;

	random_epoch_counts(&c);
	return !c.outdated || random_epoch_self_outdated(ef);
}

static long random_epoch_settle(struct file *file,
				struct rand_epoch_settle __user *usettle)
{
	struct random_epoch_file *ef = file->private_data;
	struct rand_epoch_settle st;
	struct rand_epoch_count c;
	long ret;

	if (copy_from_user(&st, usettle, sizeof(st)))
		return -EFAULT;
	if (st.outdated)
		return -EINVAL;
	/* Fail on an unwritable argument before waiting. */
	if (put_user(0, &usettle->outdated))
		return -EFAULT;
	/* Waiting for itself would never end (nor would a later event). */
	if (random_epoch_self_outdated(ef))
		return -EDEADLK;
	ret = wait_event_interruptible_timeout(settle_wait,
					       random_epoch_settled(ef),
					       msecs_to_jiffies(st.timeout_ms));
	if (ret < 0)
		return -EINTR;
	if (random_epoch_self_outdated(ef))
		return -EDEADLK;
	random_epoch_counts(&c);
	if (put_user(c.outdated, &usettle->outdated))
		return -EFAULT;
	return c.outdated ? -ETIMEDOUT : 0;
}

static long random_epoch_fd_ioctl(struct file *file, unsigned int cmd,
				  unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case RNDEPOCHACK:
		return random_epoch_ack(file, uarg);
	case RNDEPOCHCOUNT:
		return random_epoch_count_ioctl(uarg);
	case RNDEPOCHSETTLE:
		return random_epoch_settle(file, uarg);
	default:
		return -ENOTTY;
	}
}

static vm_fault_t random_epoch_fault(struct vm_fault *vmf)
{
	struct page *page = random_epoch_page();

	if (vmf->pgoff)
		return VM_FAULT_SIGBUS;
	/* As the vDSO's own pages: a kernel-image page, counted per mapping. */
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct random_epoch_vm_ops = {
	.fault = random_epoch_fault,
};

static int random_epoch_mmap(struct file *file, struct vm_area_struct *vma)
{
	bool vmclock = vma->vm_pgoff == RANDOM_EPOCH_VMCLOCK_OFFSET / PAGE_SIZE;

	if ((vma->vm_pgoff && !vmclock) || vma_pages(vma) != 1)
		return -EINVAL;
	if (vmclock && !vmclock_pfn)
		return -ENODEV;
	/* One page shared by everyone: a private copy would go stale. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	/*
	 * The legacy READ_IMPLIES_EXEC personality adds PROT_EXEC to every
	 * readable mapping: such a process gets the page too, not executable.
	 */
	if ((vma->vm_flags & VM_EXEC) &&
	    (current->personality & READ_IMPLIES_EXEC))
		vm_flags_clear(vma, VM_EXEC);
	if (vma->vm_flags & (VM_WRITE | VM_EXEC))
		return -EPERM;
	/*
	 * Never writable or executable, not even through mprotect(); never
	 * grown by mremap(). Not VM_DONTCOPY: forked children keep the page.
	 */
	vm_flags_mod(vma, VM_DONTEXPAND, VM_MAYWRITE | VM_MAYEXEC);
	/*
	 * The hypervisor's page, not RAM the kernel manages: a PFN mapping
	 * (VM_IO | VM_PFNMAP, so not through /proc/PID/mem either), with the
	 * memory type the vmclock driver's memremap() reserved for it.
	 */
	if (vmclock)
		return remap_pfn_range(vma, vma->vm_start, vmclock_pfn, PAGE_SIZE,
				       vma->vm_page_prot);
	vma->vm_ops = &random_epoch_vm_ops;
	return 0;
}

static const struct file_operations random_epoch_fops = {
	.owner = THIS_MODULE,
	.read = random_epoch_read_fop,
	.poll = random_epoch_poll,
	.unlocked_ioctl = random_epoch_fd_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = random_epoch_mmap,
	.release = random_epoch_release,
	.llseek = noop_llseek,
};

static int random_epoch_get_fd(unsigned long flags)
{
	struct random_epoch_file *ef;
	int fd;

	/* At the argument's full width: bits 32-63 are flags too. */
	if (flags & ~(unsigned long)RNDGETEPOCHFD_FLAGS)
		return -EINVAL;
	/*
	 * Watchers hold every RNDEPOCHSETTLE in the system (an orchestrator's
	 * network gate) until they acknowledge: only an administrator may
	 * open one.
	 */
	if ((flags & RNDGETEPOCHFD_WATCH) && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	ef = kzalloc(sizeof(*ef), GFP_KERNEL);
	if (!ef)
		return -ENOMEM;
	ef->consumed = random_epoch_read();
	/* Counted before the descriptor exists, so release() may uncount. */
	if (flags & RNDGETEPOCHFD_WATCH)
		random_epoch_watch(ef);
	fd = anon_inode_getfd("[random_epoch]", &random_epoch_fops, ef,
			      O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (ef->watcher)
			random_epoch_unwatch(ef);
		kfree(ef);
	}
	return fd;
}

static long random_epoch_bump(struct rand_epoch_bump __user *ubump)
{
	struct rand_epoch_bump bump;

	if (!checkpoint_restore_ns_capable(&init_user_ns))
		return -EPERM;
	if (copy_from_user(&bump, ubump, sizeof(bump)))
		return -EFAULT;
	if ((bump.flags & ~RNDBUMPEPOCH_FLAGS) || bump.reserved)
		return -EINVAL;
	if (!(bump.flags & RNDBUMPEPOCH_AVOID) && bump.avoid)
		return -EINVAL;
	/* Fail on an unwritable argument before anything changes. */
	if (put_user(0, &ubump->word))
		return -EFAULT;
	/* Never report success for a bump that publishes nothing. */
	if (!READ_ONCE(criu_notifier.id))
		return -ENODEV;
	bump.word = random_epoch_publish(&criu_notifier,
					 bump.flags & RNDBUMPEPOCH_AVOID,
					 bump.avoid);
	if (put_user(bump.word, &ubump->word))
		return -EFAULT;
	return 0;
}

/* Called by random_ioctl() for the commands it does not know itself. */
long random_epoch_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case RNDGETEPOCHFD:
		return random_epoch_get_fd(arg);
	case RNDBUMPEPOCH:
		return random_epoch_bump((struct rand_epoch_bump __user *)arg);
	default:
		/* What random_ioctl() has always answered. */
		return -EINVAL;
	}
}

/**
 * random_epoch_vdso_page - the epoch page, for the vDSO's vvar area
 *
 * The architecture's vvar fault handler maps this page read-only into every
 * process, so that userspace finds the word without a descriptor. It is the
 * same page RNDGETEPOCHFD maps: one store publishes to both.
 *
 * Return: the page; it exists from boot on.
 */
struct page *random_epoch_vdso_page(void)
{
	return random_epoch_page();
}

static int random_epoch_notifiers_show(struct seq_file *m, void *v)
{
	struct rand_epoch_count c;
	unsigned long flags;
	unsigned int id;
	u64 count;

	random_epoch_counts(&c);
	seq_printf(m, "word %#010x\n", random_epoch_read());
	seq_printf(m, "watchers %u outdated %u\n", c.watchers, c.outdated);
	/* One reference for the kernel, one per page table entry of a mapping. */
	seq_printf(m, "page_refs %d\n", page_ref_count(random_epoch_page()));
	seq_printf(m, "vmclock_counter_offset %u seen %llu\n",
		   READ_ONCE(epoch_fields->vmclock_counter_offset),
		   READ_ONCE(epoch_fields->vmclock_counter_seen));
	seq_puts(m, "id name count\n");
	mutex_lock(&registry_lock);
	for (id = 1; id <= RANDOM_EPOCH_ID_MAX; id++) {
		if (!registry[id])
			continue;
		raw_spin_lock_irqsave(&epoch_lock, flags);
		count = registry[id]->count;
		raw_spin_unlock_irqrestore(&epoch_lock, flags);
		seq_printf(m, "%u %s %llu\n", id, registry[id]->name, count);
	}
	mutex_unlock(&registry_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(random_epoch_notifiers);

static int __init random_epoch_init(void)
{
	struct dentry *dir;
	int ret;

	/* Without it RNDBUMPEPOCH fails with ENODEV: say so at boot too. */
	ret = random_epoch_register_id(&criu_notifier, RANDOM_EPOCH_ID_CRIU);
	if (ret < 0)
		pr_err("cannot register the CRIU notifier (%d): RNDBUMPEPOCH fails\n",
		       ret);

	dir = debugfs_create_dir("random_epoch", NULL);
	debugfs_create_file("notifiers", 0400, dir, NULL,
			    &random_epoch_notifiers_fops);
	return 0;
}
core_initcall(random_epoch_init);
