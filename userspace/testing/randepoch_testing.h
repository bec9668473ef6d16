/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test-only entry points of librandepoch, from the test builds
 * (librandepoch-testing.a, librandepoch-san.a: the testing/ sources). The
 * shipped library, its headers and the OpenSSL provider have none of them;
 * tests/abi_test.sh fails if one of the names below is exported or
 * declared there again.
 */
#ifndef RANDEPOCH_TESTING_H
#define RANDEPOCH_TESTING_H

#include <stddef.h>
#include <stdint.h>

#include "randepoch.h"
#include "randepoch_shared.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Use @page, the start of a zeroed, page-sized region (struct
 * random_epoch_page, then reserved zeros), as the epoch page: a stand-in on
 * a host without the feature, which the test changes with
 * __atomic_store_n(page, word, __ATOMIC_RELEASE). Its second word is
 * vmclock_counter_offset (0: no vmclock device). @ep->fd is -1 and
 * @ep->source RANDEPOCH_SOURCE_NONE: randepoch_close() leaves the page
 * alone and randepoch_wait() samples it.
 */
void randepoch_attach(struct randepoch *ep, const volatile uint32_t *page);

/*
 * Use @page (page aligned, a struct vmclock_abi) as the process's vmclock
 * page from now on, instead of the vDSO's or a descriptor mapping: where an
 * epoch page names a counter offset, randepoch_vm_counter_ptr() checks
 * @page and points into it. NULL: find it as the shipped library does.
 */
void randepoch_fake_vmclock(const void *page);

/*
 * A VM with a vmclock device: one fake vmclock page for the process (valid
 * magic, VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT, both counters 1), made the
 * process's vmclock page, and @epoch_page's vmclock_counter_offset set to
 * its vm_generation_counter. Returns the counter (a snapshot restore
 * changes it; its page is the counter's address rounded down to 4096), or
 * NULL if it cannot map the page. Every call resets the page.
 */
volatile uint64_t *randepoch_fake_vm_counter(volatile uint32_t *epoch_page);

/*
 * randepoch_shared_fill(), and the word of the seed object the output was
 * derived from and the word the draw checked: they must be equal, and never
 * older than a word published before the call.
 */
int randepoch_shared_fill_traced(struct randepoch_shared *s, void *buf,
				 size_t len, uint32_t *seed_word,
				 uint32_t *checked_word);

#ifdef __cplusplus
}
#endif

#endif /* RANDEPOCH_TESTING_H */
