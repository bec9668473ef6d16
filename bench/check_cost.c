// SPDX-License-Identifier: GPL-2.0
/*
 * Instructions per draw of the reference PRNG, for scripts/check_cost.py to
 * count under callgrind: on this shared host, timings of a few per cent
 * cannot be told from noise, instruction counts can (they repeat exactly).
 *
 *	check_cost nocheck|word|counter DRAWS
 *
 * Makes DRAWS 16-byte draws from one PRNG on a stand-in epoch page:
 * "nocheck" never checks (RANDEPOCH_PRNG_NO_EPOCH_CHECK), "word" checks the
 * word of a page that names no vmclock counter (a VM without the device),
 * "counter" checks the word and a fake vmclock VM generation counter. The
 * refills are part of the count, as they are of a caller's cost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "randepoch.h"
#include "randepoch_prng.h"
#include "randepoch_testing.h"
#include "draw_loop.h"

#define DRAW_BYTES	16

static uint32_t sim_page[1024] __attribute__((aligned(4096)));

int main(int argc, char **argv)
{
	unsigned char buf[DRAW_BYTES];
	struct randepoch_prng *p;
	struct randepoch ep;
	unsigned int flags = 0;
	long draws, i;

	if (argc != 3 || (strcmp(argv[1], "nocheck") && strcmp(argv[1], "word") &&
			  strcmp(argv[1], "counter")) || (draws = atol(argv[2])) < 0) {
		fprintf(stderr, "usage: check_cost nocheck|word|counter DRAWS\n");
		return 1;
	}
	if (!strcmp(argv[1], "nocheck"))
		flags = RANDEPOCH_PRNG_NO_EPOCH_CHECK;
	if (!strcmp(argv[1], "counter") && !randepoch_fake_vm_counter(sim_page)) {
		perror("check_cost: fake vmclock page");
		return 2;
	}
	randepoch_attach(&ep, sim_page);
	p = randepoch_prng_new(&ep, flags);
	if (!p) {
		perror("check_cost: randepoch_prng_new");
		return 2;
	}
	for (i = 0; i < draws; i++) {
		if (randepoch_prng_fill(p, buf, DRAW_BYTES))
			abort();
		draw_sink = buf[0];
	}
	printf("check_cost: %s, %ld draws, %llu reseeds\n", argv[1], draws,
	       (unsigned long long)randepoch_prng_reseeds(p));
	randepoch_prng_free(p);
	return 0;
}
