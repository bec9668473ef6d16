// SPDX-License-Identifier: GPL-2.0
/*
 * Per-draw cost: the reference PRNG with the epoch check, the same PRNG
 * without it, vDSO getrandom(), the getrandom() syscall and read() of
 * /dev/urandom, for 4, 16, 64 and 4096-byte draws, on 1 and 2 threads.
 * With the real page, "prng_check" finds the word through the vDSO and
 * "prng_check_mmap" through the RNDGETEPOCHFD mapping: the same code, the
 * load from the other page.
 *
 *	draw_bench real|sim [ROUNDS] [MS]
 *
 * "real" checks the kernel's epoch page (in the guest); "sim" a shared
 * anonymous page standing in for it (on a host without the feature: the
 * check is the same load). Every figure is measured ROUNDS times (default
 * 5), the variants interleaved within each round so that drift hits all
 * alike; each measurement runs for MS milliseconds (default 40). Prints one
 * JSON object per figure on a line starting with "BENCH ".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "randepoch.h"
#include "randepoch_prng.h"
#include "randepoch_testing.h"
#include "vdso_getrandom.h"
#include "draw_loop.h"

#define MAX_THREADS	2

struct ctx {
	struct randepoch_prng *check;
	struct randepoch_prng *nocheck;
	struct randepoch_prng *check_mmap;	/* NULL on a simulated page */
	void *vstate;
	int urandom;
	double ns;		/* result: ns per draw */
};

static struct randepoch ep, ep_mmap;
static double run_ns;

/* One loop per variant and size (draw_loop.h). */
#define CTX	struct ctx *c __attribute__((unused))

#define DRAW_FNS(len)							\
DRAW_FN(check_##len, CTX, len, randepoch_prng_fill(c->check, buf, len))	\
DRAW_FN(nocheck_##len, CTX, len, randepoch_prng_fill(c->nocheck, buf, len))	\
DRAW_FN(vdso_##len, CTX, len, vgetrandom(buf, len, 0, c->vstate, vstate_len))	\
DRAW_FN(syscall_##len, CTX, len, syscall(SYS_getrandom, buf, len, 0))	\
DRAW_FN(urandom_##len, CTX, len, (void)!read(c->urandom, buf, len))		\
DRAW_FN(check_mmap_##len, CTX, len, randepoch_prng_fill(c->check_mmap, buf, len))

DRAW_FNS(4)
DRAW_FNS(16)
DRAW_FNS(64)
DRAW_FNS(4096)

typedef double (*draw_fn)(struct ctx *c);

static const char *const variants[] = {
	"prng_check", "prng_nocheck", "vdso_getrandom", "getrandom_syscall",
	"read_urandom", "prng_check_mmap",
};

#define NVARIANTS	6
#define PRNG_CHECK_MMAP	5

static const int sizes[] = { 4, 16, 64, 4096 };

static const draw_fn fns[4][NVARIANTS] = {
	{ check_4, nocheck_4, vdso_4, syscall_4, urandom_4, check_mmap_4 },
	{ check_16, nocheck_16, vdso_16, syscall_16, urandom_16, check_mmap_16 },
	{ check_64, nocheck_64, vdso_64, syscall_64, urandom_64, check_mmap_64 },
	{ check_4096, nocheck_4096, vdso_4096, syscall_4096, urandom_4096,
	  check_mmap_4096 },
};

/* Not measured here: vDSO getrandom() missing, or no mmap path on a sim page. */
static int absent(const struct ctx *c, int v)
{
	return (v == 2 && !c->vstate) || (v == PRNG_CHECK_MMAP && !c->check_mmap);
}

struct job {
	draw_fn fn;
	struct ctx *c;
	pthread_barrier_t *start;
};

static void *thread_main(void *arg)
{
	struct job *j = arg;

	pthread_barrier_wait(j->start);
	j->c->ns = j->fn(j->c);
	return NULL;
}

/* The mean per-draw time of @threads threads drawing at once. */
static double measure(draw_fn fn, struct ctx *ctx, int threads)
{
	pthread_t tid[MAX_THREADS];
	struct job jobs[MAX_THREADS];
	pthread_barrier_t start;
	double sum = 0;
	int t;

	if (threads == 1)
		return fn(&ctx[0]);
	pthread_barrier_init(&start, NULL, threads);
	for (t = 0; t < threads; t++) {
		jobs[t] = (struct job){ fn, &ctx[t], &start };
		pthread_create(&tid[t], NULL, thread_main, &jobs[t]);
	}
	for (t = 0; t < threads; t++) {
		pthread_join(tid[t], NULL);
		sum += ctx[t].ns;
	}
	pthread_barrier_destroy(&start);
	return sum / threads;
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	struct ctx ctx[MAX_THREADS];
	double ns[4][NVARIANTS][MAX_THREADS][16];
	int s, v, t, r, threads, err;
	static uint32_t sim_page[1024];

	run_ns = (argc > 3 ? atof(argv[3]) : 40) * 1e6;
	if (argc < 2 || (strcmp(argv[1], "real") && strcmp(argv[1], "sim")) ||
	    rounds < 1 || rounds > 16) {
		fprintf(stderr, "usage: draw_bench real|sim [ROUNDS] [MS]\n");
		return 1;
	}
	if (!strcmp(argv[1], "real")) {
		err = randepoch_open(&ep);
		if (!err)
			err = randepoch_open_source(&ep_mmap, RANDEPOCH_SOURCE_MMAP);
		if (err) {
			fprintf(stderr, "draw_bench: %s\n", randepoch_strerror(err));
			return 2;
		}
	} else {
		randepoch_attach(&ep, sim_page);
	}
	for (t = 0; t < MAX_THREADS; t++) {
		ctx[t].check = randepoch_prng_new(&ep, 0);
		ctx[t].nocheck = randepoch_prng_new(&ep, RANDEPOCH_PRNG_NO_EPOCH_CHECK);
		ctx[t].check_mmap = ep_mmap.page ?
				    randepoch_prng_new(&ep_mmap, 0) : NULL;
		ctx[t].vstate = vdso_getrandom_state();
		ctx[t].urandom = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		if (!ctx[t].check || !ctx[t].nocheck || ctx[t].urandom < 0) {
			perror("draw_bench");
			return 1;
		}
	}
	printf("draw_bench: page %s (%s), vDSO getrandom %s, %d rounds of %.0f ms\n",
	       argv[1], randepoch_source_name(ep.source),
	       ctx[0].vstate ? "yes" : "no", rounds, run_ns / 1e6);

	/* Round-robin: every variant once per round, rounds outermost. */
	for (r = 0; r < rounds; r++)
		for (threads = 1; threads <= MAX_THREADS; threads++)
			for (s = 0; s < 4; s++)
				for (v = 0; v < NVARIANTS; v++)
					ns[s][v][threads - 1][r] = absent(ctx, v) ? -1 :
						measure(fns[s][v], ctx, threads);

	for (threads = 1; threads <= MAX_THREADS; threads++)
		for (s = 0; s < 4; s++)
			for (v = 0; v < NVARIANTS; v++) {
				if (absent(ctx, v))
					continue;
				printf("BENCH {\"bench\": \"draw\", \"page\": \"%s\", \"variant\": \"%s\", \"size\": %d, \"threads\": %d, \"ns\": [",
				       argv[1], variants[v], sizes[s], threads);
				for (r = 0; r < rounds; r++)
					printf("%s%.2f", r ? ", " : "", ns[s][v][threads - 1][r]);
				printf("]}\n");
			}
	return 0;
}
