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
