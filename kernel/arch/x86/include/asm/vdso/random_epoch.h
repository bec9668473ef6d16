/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __ASM_VDSO_RANDOM_EPOCH_H
#define __ASM_VDSO_RANDOM_EPOCH_H

#ifndef __ASSEMBLY__

#include <linux/types.h>

/*
 * The /dev/random epoch page in the vvar area (vdso-layout.lds.S); the
 * epoch word is its first 32 bits. Hidden, so the vDSO takes its address
 * PC-relative, wherever the vvar area was mapped or moved to.
 */
extern const __u32 random_epoch_page[]
	__attribute__((visibility("hidden")));

const __u32 *__vdso_random_epoch_page(void);

#endif /* !__ASSEMBLY__ */

#endif /* __ASM_VDSO_RANDOM_EPOCH_H */
