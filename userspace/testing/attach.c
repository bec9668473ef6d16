// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * randepoch_attach() (randepoch_testing.h): test builds only, never part of
 * librandepoch.so or .a.
 */
#include "randepoch_testing.h"

void randepoch_attach(struct randepoch *ep, const volatile uint32_t *page)
{
	ep->page = page;
	ep->fd = -1;
	ep->source = RANDEPOCH_SOURCE_NONE;
}
