// SPDX-License-Identifier: GPL-2.0-only
/*
 * The /dev/random epoch word without a descriptor: the vDSO tells a process
 * where the epoch page sits in its vvar area.
 */
#include <linux/kconfig.h>
#include <linux/types.h>

#include <asm/vdso/random_epoch.h>

/*
 * Return the address of the read-only epoch page in the calling process, or
 * NULL when the kernel has no epoch page. The address is fixed for the life
 * of the mapping, also across fork(), setns() into a time namespace and a
 * CRIU restore, so a caller looks it up once and then loads the word from
 * it directly, with acquire semantics, before every draw.
 */
const __u32 *__vdso_random_epoch_page(void)
{
	if (!IS_ENABLED(CONFIG_RANDOM_EPOCH))
		return NULL;
	return random_epoch_page;
}
