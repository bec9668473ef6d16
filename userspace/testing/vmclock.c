// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * randepoch_fake_vmclock() (randepoch_testing.h). It takes the place of
 * lib/randepoch.c in the test builds (librandepoch-testing.a,
 * librandepoch-san.a): the library is compiled here, from its one source,
 * so that the hook reaches the process-wide vmclock page. Never part of
 * librandepoch.so or .a.
 */
#include "../lib/randepoch.c"

#include "randepoch_testing.h"

void randepoch_fake_vmclock(const void *page)
{
	pthread_mutex_lock(&vmclock_lock);
	__atomic_store_n(&vmclock_page, page, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&vmclock_lock);
}

volatile uint64_t *randepoch_fake_vm_counter(volatile uint32_t *epoch_page)
{
	static struct vmclock_abi *fake;
	volatile struct random_epoch_page *rep =
		(volatile struct random_epoch_page *)epoch_page;

	if (!fake) {
		void *p = mmap(NULL, RANDOM_EPOCH_PAGE_SIZE,
			       PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return NULL;
		fake = p;
	}
	memset(fake, 0, RANDOM_EPOCH_PAGE_SIZE);
	fake->magic = htole32(VMCLOCK_MAGIC);
	fake->size = htole32(RANDOM_EPOCH_PAGE_SIZE);
	fake->version = htole16(1);
	fake->flags = htole64(VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT);
	fake->disruption_marker = htole64(1);
	fake->vm_generation_counter = htole64(1);
	rep->vmclock_counter_offset =
		offsetof(struct vmclock_abi, vm_generation_counter);
	randepoch_fake_vmclock(fake);
	return (volatile uint64_t *)&fake->vm_generation_counter;
}
