// SPDX-License-Identifier: GPL-2.0
/*
 * The reference PRNG against vDSO getrandom() and the getrandom syscall,
 * per draw, at 16 bytes and 4 KiB; and the cost of the epoch check (the
 * same PRNG with RANDEPOCH_PRNG_NO_EPOCH_CHECK). Uses the real epoch page
 * if the kernel has one, else a simulated page (the check is the same load).
 *
 * Goals: >= 1.0x vDSO getrandom at 16 B and 4 KiB, check overhead <= 2%
 * at 16 B, >= 20x the syscall at 16 B. Prints one line per figure and
 * "goal met"/"goal MISSED"; --strict exits 1 if a goal is missed.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "randepoch_prng.h"

#define ROUNDS	7

typedef ssize_t (*vgetrandom_t)(void *buf, size_t len, unsigned int flags,
				void *state, size_t state_len);

struct vgetrandom_opaque_params {
	uint32_t size_of_opaque_state;
	uint32_t mmap_prot;
	uint32_t mmap_flags;
	uint32_t reserved[13];
};

static vgetrandom_t vgetrandom;
static void *vstate;
static size_t vstate_len;
static struct randepoch_prng *prng_check, *prng_nocheck;
static volatile uint8_t sink;

/* Find a symbol in the vDSO through its section headers. */
static void *vdso_sym(const char *name)
{
	const Elf64_Ehdr *eh = (const void *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Shdr *sh;
	const Elf64_Phdr *ph;
	uintptr_t base;
	int i, j;

	if (!eh)
		return NULL;
	ph = (const void *)((const char *)eh + eh->e_phoff);
	base = (uintptr_t)eh;
	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD) {
			base = (uintptr_t)eh + ph[i].p_offset - ph[i].p_vaddr;
			break;
		}
	sh = (const void *)((const char *)eh + eh->e_shoff);
	for (i = 0; i < eh->e_shnum; i++) {
		const Elf64_Sym *sym;
		const char *str;

		if (sh[i].sh_type != SHT_DYNSYM)
			continue;
		sym = (const void *)((const char *)eh + sh[i].sh_offset);
		str = (const char *)eh + sh[sh[i].sh_link].sh_offset;
		for (j = 0; j < (int)(sh[i].sh_size / sizeof(*sym)); j++)
			if (sym[j].st_value && !strcmp(str + sym[j].st_name, name))
				return (void *)(base + sym[j].st_value);
	}
	return NULL;
}

static int vdso_init(void)
{
	struct vgetrandom_opaque_params params;

	vgetrandom = (vgetrandom_t)vdso_sym("__vdso_getrandom");
	if (!vgetrandom)
		return -1;
	if (vgetrandom(NULL, 0, 0, &params, ~0UL))
		return -1;
	vstate = mmap(NULL, 4096, params.mmap_prot, params.mmap_flags, -1, 0);
	if (vstate == MAP_FAILED)
		return -1;
	vstate_len = params.size_of_opaque_state;
	return 0;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * One loop per method and size, so that the inline fast path sees a
 * constant length, as it would in a caller.
 */
#define BENCH_FN(name, len, call)					\
static double name(long iters)						\
{									\
	uint8_t buf[len];						\
	double t0 = now_ns();						\
	long i;								\
									\
	for (i = 0; i < iters; i++) {					\
		call;							\
		sink = buf[0];						\
	}								\
	return (now_ns() - t0) / iters;					\
}

BENCH_FN(prng16, 16, randepoch_prng_fill(prng_check, buf, 16))
BENCH_FN(prng16_nocheck, 16, randepoch_prng_fill(prng_nocheck, buf, 16))
BENCH_FN(vdso16, 16, vgetrandom(buf, 16, 0, vstate, vstate_len))
BENCH_FN(sys16, 16, syscall(SYS_getrandom, buf, 16, 0))
BENCH_FN(prng4k, 4096, randepoch_prng_fill(prng_check, buf, 4096))
BENCH_FN(prng4k_nocheck, 4096, randepoch_prng_fill(prng_nocheck, buf, 4096))
BENCH_FN(vdso4k, 4096, vgetrandom(buf, 4096, 0, vstate, vstate_len))
BENCH_FN(sys4k, 4096, syscall(SYS_getrandom, buf, 4096, 0))

/* Best of ROUNDS runs of @iters draws. */
static double best(double (*fn)(long), long iters)
{
	double b = 1e30;
	int r;

	fn(iters / 10);		/* warm up */
	for (r = 0; r < ROUNDS; r++) {
		double t = fn(iters);

		if (t < b)
			b = t;
	}
	return b;
}

/* The same for two loops, alternating, so that drift hits both alike. */
static void best_pair(double (*fa)(long), double (*fb)(long), long iters,
		      double *a, double *b)
{
	int r;

	*a = *b = 1e30;
	fa(iters / 10);
	fb(iters / 10);
	for (r = 0; r < 3 * ROUNDS; r++) {
		double ta = fa(iters), tb = fb(iters);

		*a = ta < *a ? ta : *a;
		*b = tb < *b ? tb : *b;
	}
}

static int goal(const char *what, double value, double want, int higher)
{
	int met = higher ? value >= want : value <= want;

	printf("  %-44s %8.2f  (goal %s %.2f) %s\n", what, value,
	       higher ? ">=" : "<=", want, met ? "goal met" : "goal MISSED");
	return met;
}

int main(int argc, char **argv)
{
	static uint32_t sim_page[1024] __attribute__((aligned(4096)));
	int strict = argc > 1 && !strcmp(argv[1], "--strict");
	double p16, p16n, v16 = 0, s16, p4k, p4kn, v4k = 0, s4k;
	struct randepoch ep;
	int real, have_vdso, ok = 1;

	real = !randepoch_open(&ep);
	if (!real)
		randepoch_attach(&ep, sim_page);
	prng_check = randepoch_prng_new(&ep, 0);
	prng_nocheck = randepoch_prng_new(&ep, RANDEPOCH_PRNG_NO_EPOCH_CHECK);
	if (!prng_check || !prng_nocheck) {
		perror("randepoch_prng_new");
		return 1;
	}
	have_vdso = !vdso_init();

	best_pair(prng16, prng16_nocheck, 2000000, &p16, &p16n);
	s16 = best(sys16, 50000);
	best_pair(prng4k, prng4k_nocheck, 20000, &p4k, &p4kn);
	s4k = best(sys4k, 10000);
	if (have_vdso) {
		v16 = best(vdso16, 2000000);
		v4k = best(vdso4k, 20000);
	}
	printf("randepoch PRNG, ns per draw (%s epoch page; best of %d):\n",
	       real ? "real" : "simulated", ROUNDS);
	printf("  %-24s %10s %10s\n", "", "16 B", "4 KiB");
	printf("  %-24s %10.2f %10.1f\n", "prng (epoch check)", p16, p4k);
	printf("  %-24s %10.2f %10.1f\n", "prng (NO_EPOCH_CHECK)", p16n, p4kn);
	if (have_vdso)
		printf("  %-24s %10.2f %10.1f\n", "vDSO getrandom", v16, v4k);
	else
		printf("  %-24s %10s %10s\n", "vDSO getrandom", "n/a", "n/a");
	printf("  %-24s %10.2f %10.1f\n", "getrandom syscall", s16, s4k);
	printf("goals:\n");
	if (have_vdso) {
		ok &= goal("speed vs vDSO getrandom at 16 B (x)", v16 / p16, 1.0, 1);
		ok &= goal("speed vs vDSO getrandom at 4 KiB (x)", v4k / p4k, 1.0, 1);
	} else {
		printf("  vDSO getrandom not available: goals vs vDSO not measured\n");
	}
	ok &= goal("epoch check overhead at 16 B (%)", (p16 / p16n - 1) * 100,
		   2.0, 0);
	ok &= goal("speed vs getrandom syscall at 16 B (x)", s16 / p16, 20.0, 1);
	randepoch_prng_free(prng_check);
	randepoch_prng_free(prng_nocheck);
	if (real)
		randepoch_close(&ep);
	return strict && !ok;
}
