// SPDX-License-Identifier: GPL-2.0
/*
 * clone_logger - the guest side of vmgenid_clone_test.py.
 *
 * Draws 16 bytes every interval from two reference PRNGs, one that checks
 * the epoch word before every draw and one that never does, and from the
 * kernel itself: the getrandom() system call, and vDSO getrandom() called
 * directly (as the kernel's vdso_test_getrandom does; glibc 2.41 calls it
 * for every getrandom()). Two lines record each draw:
 *
 *	R <seq> <monotonic ns> <seed word> <vDSO rng generation> <checked> <unchecked>
 *	K <seq> <getrandom()> <vDSO getrandom(), or - without one>
 *
 * where <seed word> is the epoch word the checked PRNG's seed was taken
 * under. Lines are kept in memory and printed at the end, so the serial
 * console's speed does not pace the draws; the memory is part of the VM
 * snapshot, and every clone prints the draws made before the snapshot too.
 *
 * It starts right after one of the kernel crng's timed reseeds and draws on
 * CPU 0 as a real-time task; see start_after_timed_reseed() and
 * hold_cpu0().
 *
 * The vDSO getrandom() generation is read from the vvar page (6.12 x86_64:
 * struct vdso_rng_data at offset 640), to compare its stale window after a
 * restore with the epoch word's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "randepoch.h"
#include "randepoch_prng.h"
#include "vdso_getrandom.h"

#define VVAR_RNG_OFFSET	640
#define DRAW_BYTES	16

struct draw {
	uint64_t ns;
	uint64_t vdso_gen;
	uint32_t seed_word;
	unsigned char checked[DRAW_BYTES];
	unsigned char unchecked[DRAW_BYTES];
	unsigned char syscall[DRAW_BYTES];
	unsigned char vdso[DRAW_BYTES];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The vDSO rng generation lives at a fixed offset of the [vvar] mapping. */
static const volatile uint64_t *vdso_generation(void)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	const volatile uint64_t *gen = NULL;
	unsigned long start;
	char line[256];

	if (!maps)
		return NULL;
	while (fgets(line, sizeof(line), maps)) {
		if (strstr(line, "[vvar]") && sscanf(line, "%lx-", &start) == 1) {
			gen = (const volatile uint64_t *)(start + VVAR_RNG_OFFSET);
			break;
		}
	}
	fclose(maps);
	return gen;
}

/*
 * Until two minutes of uptime the crng reseeds itself every max(1 s, uptime
 * / 2) (crng_reseed_interval(), a delayed work that requeues itself). These
 * guests are seconds old: a timed reseed falling just after the restore
 * would end the window the control measures, by chance. Start just after
 * one at QUIET_UPTIME_S or later, so that the next comes at least half that
 * later, after the snapshot and the clone's window. The vDSO generation
 * shows the reseed. RNDRESEEDCRNG cannot do this: it leaves the queued
 * timed reseed where it is.
 */
#define QUIET_UPTIME_S	8
#define RESEED_WAIT_S	(QUIET_UPTIME_S + 5)

static void start_after_timed_reseed(const volatile uint64_t *gen)
{
	const struct timespec ms = { .tv_nsec = 1000000 };
	uint64_t seen;

	if (!gen)
		return;
	while (now_ns() < QUIET_UPTIME_S * 1000000000ull)
		nanosleep(&ms, NULL);
	seen = *gen;
	while (*gen == seen && now_ns() < RESEED_WAIT_S * 1000000000ull)
		nanosleep(&ms, NULL);
	if (*gen == seen)
		printf("clone_logger: no timed crng reseed by %d s of uptime\n",
		       RESEED_WAIT_S);
}

/*
 * The draws run on CPU 0 as a SCHED_FIFO task that busy-waits between
 * draws. ACPI runs the VMGenID notification's GPE method in a work item
 * bound to CPU 0 (acpi_os_execute()), so in a clone that work waits until
 * the scheduler lets other tasks have CPU 0 again (RT throttling and the
 * fair server: about 50 ms a second), while the draws go on from the first
 * instruction after resume. Without this the notification races the
 * logger's wakeup and wins or loses by chance, and the control's window
 * is there or not; with the check at draws the kernel needs no interrupt.
 * One CPU also means one per-CPU crng, used in the same order in every
 * clone.
 */
static void hold_cpu0(void)
{
	struct sched_param rt = { .sched_priority = 1 };
	cpu_set_t cpu;

	CPU_ZERO(&cpu);
	CPU_SET(0, &cpu);
	if (sched_setaffinity(0, sizeof(cpu), &cpu) ||
	    sched_setscheduler(0, SCHED_FIFO, &rt))
		perror("clone_logger: CPU 0, SCHED_FIFO");
}

static void release_cpu0(void)
{
	struct sched_param normal = { .sched_priority = 0 };

	sched_setscheduler(0, SCHED_OTHER, &normal);
}

static void hex(const unsigned char *p, char *out)
{
	int i;

	for (i = 0; i < DRAW_BYTES; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

int main(int argc, char **argv)
{
	uint64_t interval_ns, duration_ns, start, deadline;
	struct randepoch_prng *checked, *unchecked;
	const volatile uint64_t *gen;
	struct randepoch ep;
	struct draw *draws;
	size_t n = 0, max;
	char a[2 * DRAW_BYTES + 1], b[2 * DRAW_BYTES + 1];
	void *vstate;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: clone_logger INTERVAL_US DURATION_MS\n");
		return 1;
	}
	interval_ns = strtoull(argv[1], NULL, 0) * 1000;
	duration_ns = strtoull(argv[2], NULL, 0) * 1000000;
	max = duration_ns / interval_ns + 1;

	err = randepoch_open(&ep);
	if (err) {
		printf("clone_logger: %s\n", randepoch_strerror(err));
		return 4;
	}
	checked = randepoch_prng_new(&ep, 0);
	unchecked = randepoch_prng_new(&ep, RANDEPOCH_PRNG_NO_EPOCH_CHECK);
	draws = calloc(max, sizeof(*draws));
	gen = vdso_generation();
	vstate = vdso_getrandom_state();
	if (!checked || !unchecked || !draws) {
		perror("clone_logger");
		return 1;
	}

	start_after_timed_reseed(gen);
	hold_cpu0();
	printf("clone_logger: start word %08x vdso %s vdso_getrandom %s\n",
	       randepoch_word(&ep), gen ? "yes" : "no", vstate ? "yes" : "no");
	fflush(stdout);
	start = now_ns();
	deadline = start + duration_ns;
	while (n < max && now_ns() < deadline) {
		struct draw *d = &draws[n++];

		d->ns = now_ns();
		d->vdso_gen = gen ? *gen : 0;
		if (randepoch_prng_fill(checked, d->checked, DRAW_BYTES) ||
		    randepoch_prng_fill(unchecked, d->unchecked, DRAW_BYTES)) {
			perror("clone_logger: draw");
			return 1;
		}
		/*
		 * The vDSO first: its own check, not helped by the system
		 * call's. The system call itself, not a libc that may prefer
		 * the vDSO.
		 */
		if ((vstate && vgetrandom(d->vdso, DRAW_BYTES, 0, vstate,
					  vstate_len) != DRAW_BYTES) ||
		    syscall(SYS_getrandom, d->syscall, DRAW_BYTES, 0) != DRAW_BYTES) {
			perror("clone_logger: getrandom");
			return 1;
		}
		d->seed_word = randepoch_prng_seed_word(checked);
		while (now_ns() < d->ns + interval_ns)
			;
	}
	release_cpu0();

	printf("clone_logger: %zu draws, end word %08x\n", n, randepoch_word(&ep));
	for (size_t i = 0; i < n; i++) {
		hex(draws[i].checked, a);
		hex(draws[i].unchecked, b);
		printf("R %zu %llu %08x %llu %s %s\n", i,
		       (unsigned long long)draws[i].ns, draws[i].seed_word,
		       (unsigned long long)draws[i].vdso_gen, a, b);
		hex(draws[i].syscall, a);
		hex(draws[i].vdso, b);
		printf("K %zu %s %s\n", i, a, vstate ? b : "-");
	}
	printf("clone_logger: done\n");
	return 0;
}
