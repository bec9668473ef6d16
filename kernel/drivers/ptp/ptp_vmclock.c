// SPDX-License-Identifier: GPL-2.0
/*
 * The vmclock device, as far as VM forks go.
 *
 * A hypervisor with a vmclock device (QEMU 10.0's -device vmclock,
 * Firecracker 1.15) shares a page with the guest that describes the guest's
 * clock, and changes a counter in it before the guest runs again after it
 * was loaded from a snapshot: vm_generation_counter where the device sets
 * VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT, else disruption_marker, which also
 * changes on live migration. This driver hands that counter to random.c,
 * which compares it before every crng output, and maps the page beside the
 * random epoch page, so that userspace PRNGs compare it before every draw.
 *
 * Linux 6.13 has a PTP driver for this device at this path, and 7.0 the
 * generation counter; this is only the part VM forks need. On a tree with
 * upstream's driver the same calls go into its probe.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/acpi.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/platform_device.h>
#include <linux/random_epoch.h>
#include <uapi/linux/vmclock-abi.h>

struct vmclock_state {
	const struct vmclock_abi *clk;
	struct random_vmfork_source vmfork;
};

/* The counter that changes on every snapshot load, see the file comment. */
static const __le64 *vmclock_generation(const struct vmclock_abi *clk)
{
	if (le64_to_cpu(READ_ONCE(clk->flags)) &
	    VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT)
		return (const __le64 *)&clk->vm_generation_counter;
	return (const __le64 *)&clk->disruption_marker;
}

/*
 * The notification some hypervisors send after they changed the counter
 * (QEMU sends none): act on it now, not only at the next draw, so that
 * watchers of the epoch word hear of it even when nothing draws.
 */
static void vmclock_acpi_notify(acpi_handle __always_unused handle,
				u32 __always_unused event, void *data)
{
	random_vmfork_check();
}

static void vmclock_remove_notify(void *data)
{
	struct device *dev = data;

	acpi_remove_notify_handler(ACPI_COMPANION(dev)->handle,
				   ACPI_DEVICE_NOTIFY, vmclock_acpi_notify);
}

static void vmclock_unwatch(void *vmfork)
{
	random_vmfork_unregister(vmfork);
}

static int vmclock_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct vmclock_state *st;
	struct resource *res;
	acpi_status status;
	u32 offset;
	int ret;

	res = platform_get_resource(pdev, IORESOURCE_MEM, 0);
	if (!res)
		return dev_err_probe(dev, -ENODEV, "no memory resource\n");
	if (resource_size(res) < sizeof(struct vmclock_abi))
		return dev_err_probe(dev, -EINVAL, "region too small: %pR\n", res);

	st = devm_kzalloc(dev, sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	/*
	 * Guest RAM of the hypervisor's, in a reserved hole of the memory map:
	 * mapped write-back (it is plain memory to the hypervisor, and the
	 * ACPI resource says cacheable), which also reserves that memory type
	 * for the user mappings of the page.
	 */
	st->clk = devm_memremap(dev, res->start, resource_size(res), MEMREMAP_WB);
	if (IS_ERR(st->clk))
		return PTR_ERR(st->clk);
	if (le32_to_cpu(st->clk->magic) != VMCLOCK_MAGIC ||
	    le16_to_cpu(st->clk->version) != 1)
		return dev_err_probe(dev, -EINVAL, "not a version 1 vmclock page\n");

	st->vmfork.name = "vmclock";
	st->vmfork.live = vmclock_generation(st->clk);
	st->vmfork.len = sizeof(u64);
	offset = (const u8 *)st->vmfork.live - (const u8 *)st->clk;

	/*
	 * Userspace maps whole pages: only a page-aligned, page-sized region
	 * is offered beside the epoch page; random.c watches the counter in
	 * any case. Offered before the counter is registered, so that the
	 * value the kernel acts on first is in the epoch page when it does.
	 */
	if (PAGE_ALIGNED(res->start) && resource_size(res) == PAGE_SIZE) {
		st->vmfork.epoch_page_counter = true;
		random_epoch_set_vmclock(PHYS_PFN(res->start), offset);
		/* As random.c compares it: the bytes in the page. */
		random_epoch_vmclock_seen(READ_ONCE(*(const u64 *)st->vmfork.live));
	} else {
		dev_info(dev, "%pR is not one page: not mapped to userspace\n", res);
	}

	ret = random_vmfork_register(&st->vmfork, RANDOM_EPOCH_ID_VMCLOCK);
	if (ret < 0)
		return ret;
	ret = devm_add_action_or_reset(dev, vmclock_unwatch, &st->vmfork);
	if (ret < 0)
		return ret;

	status = acpi_install_notify_handler(ACPI_COMPANION(dev)->handle,
					     ACPI_DEVICE_NOTIFY,
					     vmclock_acpi_notify, dev);
	if (ACPI_FAILURE(status))
		return -ENODEV;
	ret = devm_add_action_or_reset(dev, vmclock_remove_notify, dev);
	if (ret < 0)
		return ret;

	dev_info(dev, "VM generation from %s, at offset %u\n",
		 offset == offsetof(struct vmclock_abi, vm_generation_counter) ?
		 "vm_generation_counter" : "disruption_marker", offset);
	return 0;
}

static const struct acpi_device_id vmclock_acpi_ids[] = {
	{ "AMZNC10C", 0 },
	{ "VMCLOCK", 0 },
	{ }
};
MODULE_DEVICE_TABLE(acpi, vmclock_acpi_ids);

static struct platform_driver vmclock_platform_driver = {
	.probe		= vmclock_probe,
	.driver	= {
		.name	= "vmclock",
		.acpi_match_table = vmclock_acpi_ids,
		/*
		 * Every process may map the page (the vDSO): it must not go
		 * away under them.
		 */
		.suppress_bind_attrs = true,
	},
};
builtin_platform_driver(vmclock_platform_driver);
