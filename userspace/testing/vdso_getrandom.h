/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Calling vDSO getrandom() (6.11+) directly: Debian 12's glibc 2.36 has no
 * wrapper. The symbol is found with librandepoch's vDSO lookup; each
 * thread needs an opaque state of its own, allocated as the vDSO asks
 * (struct vgetrandom_opaque_params: the 6.12 <linux/random.h>, which the
 * Makefile takes from the kernel tree).
 */
#ifndef RANDEPOCH_TESTING_VDSO_GETRANDOM_H
#define RANDEPOCH_TESTING_VDSO_GETRANDOM_H

#include <stddef.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <linux/random.h>

#include "vdso_lookup.h"

typedef ssize_t (*vgetrandom_t)(void *buf, size_t len, unsigned int flags,
				void *state, size_t state_len);

static vgetrandom_t vgetrandom;
static size_t vstate_len;

/*
 * A vDSO getrandom() state of its own for the calling thread, or NULL when
 * the kernel has no vDSO getrandom (before 6.11, or not on this arch).
 */
static void *vdso_getrandom_state(void)
{
	struct vgetrandom_opaque_params params;
	void *state;

	if (!vgetrandom)
		vgetrandom = (vgetrandom_t)__randepoch_vdso_lookup("__vdso_getrandom");
	if (!vgetrandom || vgetrandom(NULL, 0, 0, &params, ~0UL))
		return NULL;
	state = mmap(NULL, 4096, params.mmap_prot, params.mmap_flags, -1, 0);
	if (state == MAP_FAILED)
		return NULL;
	vstate_len = params.size_of_opaque_state;
	return state;
}

#endif
