// SPDX-License-Identifier: GPL-2.0
/*
 * RAND_bytes_ex() through the randepoch provider vs OpenSSL's default
 * CTR-DRBG, side by side in one run: 16 B and 4 KiB, 1 and 2 threads, the
 * variants interleaved in every round. The provider's code (provider.c, as
 * built for randepoch.so) is registered as a built-in provider; the link
 * wraps its randepoch_open() (bench/Makefile). On the host it checks a
 * stand-in epoch page (as in
 * the draw bench's "sim" page), because the host kernel has none; with
 * "real" (in the guest) the kernel's page, found as librandepoch finds it
 * (the vDSO, else the mapping), with a tenth of the calls per measurement.
 *
 * usage: ossl_bench ROUNDS [real]
 * Prints one line per (variant, size, threads):
 *   BENCH {"bench": "openssl", "page": "sim"|"real", "variant": ...,
 *          "size": ..., "threads": ..., "ns": [ns per call, one per round]}
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "randepoch.h"
#include "randepoch_testing.h"
#include "draw_loop.h"

/* The provider's entry point, in provider.c. */
OSSL_provider_init_fn OSSL_provider_init;

/* The stand-in epoch page: the word, vmclock_counter_offset, the rest. */
static uint32_t stand_in[1024] = { 0x01000001 };
static int real_page;

int __real_randepoch_open(struct randepoch *ep);
int __wrap_randepoch_open(struct randepoch *ep);

int __wrap_randepoch_open(struct randepoch *ep)
{
	if (real_page)
		return __real_randepoch_open(ep);
	randepoch_attach(ep, stand_in);
	return 0;
}

struct job {
	OSSL_LIB_CTX *lib;
	size_t size;
	long iters;
	int ok;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	unsigned char buf[4096];
	long i;

	j->ok = 1;
	for (i = 0; i < j->iters; i++)
		if (RAND_bytes_ex(j->lib, buf, j->size, 0) != 1)
			j->ok = 0;
	return NULL;
}

/* ns per call, each of @threads threads making @iters calls at once. */
static double run(OSSL_LIB_CTX *lib, size_t size, int threads, long iters)
{
	pthread_t t[2];
	struct job j[2];
	double t0, t1;
	int i;

	for (i = 0; i < threads; i++) {
		j[i] = (struct job){ lib, size, iters, 0 };
		pthread_create(&t[i], NULL, worker, &j[i]);
	}
	t0 = now_ns();
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	t1 = now_ns();
	for (i = 0; i < threads; i++)
		if (!j[i].ok) {
			ERR_print_errors_fp(stderr);
			exit(1);
		}
	return (t1 - t0) / iters;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 16, 4096 };
	static const char *const names[] = { "default", "randepoch" };
	int rounds = argc > 1 ? atoi(argv[1]) : 7;
	long scale;
	OSSL_LIB_CTX *lib[2];
	OSSL_PROVIDER *prov[2];
	double *ns;
	int r, v, s, t, k;

	real_page = argc > 2 && !strcmp(argv[2], "real");
	if (rounds < 1 || rounds > 100 || (argc > 2 && !real_page)) {
		fprintf(stderr, "usage: %s ROUNDS (1..100) [real]\n", argv[0]);
		return 1;
	}
	scale = real_page ? 10 : 1;
	lib[0] = OSSL_LIB_CTX_new();
	prov[0] = OSSL_PROVIDER_load(lib[0], "default");
	lib[1] = OSSL_LIB_CTX_new();
	OSSL_PROVIDER_add_builtin(lib[1], "randepoch", OSSL_provider_init);
	prov[1] = OSSL_PROVIDER_load(lib[1], "randepoch");
	if (!prov[0] || !prov[1] ||
	    !RAND_set_DRBG_type(lib[1], "RANDEPOCH", NULL, NULL, NULL)) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	ns = calloc(2 * 2 * 2 * rounds, sizeof(*ns));
	if (!ns)
		return 1;
	/* Warm up: instantiate every DRBG before timing. */
	for (v = 0; v < 2; v++)
		run(lib[v], 16, 2, 1000);
	for (r = 0; r < rounds; r++)
		for (s = 0; s < 2; s++)
			for (t = 1; t <= 2; t++)
				for (v = 0; v < 2; v++) {
					k = ((v * 2 + s) * 2 + t - 1) * rounds + r;
					ns[k] = run(lib[v], sizes[s], t,
						    (sizes[s] > 64 ? 20000 : 200000) /
						    scale);
				}
	for (v = 0; v < 2; v++)
		for (s = 0; s < 2; s++)
			for (t = 1; t <= 2; t++) {
				printf("BENCH {\"bench\": \"openssl\", \"page\": \"%s\", \"variant\": \"%s\", \"size\": %zu, \"threads\": %d, \"ns\": [",
				       real_page ? "real" : "sim", names[v], sizes[s], t);
				for (r = 0; r < rounds; r++) {
					k = ((v * 2 + s) * 2 + t - 1) * rounds + r;
					printf("%s%.1f", r ? ", " : "", ns[k]);
				}
				printf("]}\n");
			}
	free(ns);
	for (v = 0; v < 2; v++) {
		OSSL_PROVIDER_unload(prov[v]);
		OSSL_LIB_CTX_free(lib[v]);
	}
	return 0;
}
