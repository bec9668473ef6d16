// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * randepoch_shared_fill_traced() (randepoch_testing.h). It takes the place
 * of lib/shared.c in the test builds (librandepoch-testing.a,
 * librandepoch-san.a): the shared PRNG is compiled here, from its one
 * source, so that the traced draw reaches its internals. Never part of
 * librandepoch.so or .a.
 */
#include "../lib/shared.c"

#include "randepoch_testing.h"

int randepoch_shared_fill_traced(struct randepoch_shared *s, void *buf,
				 size_t len, uint32_t *seed_word,
				 uint32_t *checked_word)
{
	return shared_fill(s, buf, len, seed_word, checked_word);
}
