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
 * It reseeds the kernel's crng (RNDRESEEDCRNG) before its first draw. Until
 * two minutes of uptime the crng reseeds itself whenever its key is older
 * than half the uptime, which at the few seconds' uptime of these guests
 * falls close to the snapshot and can hide the window after a restore; a
 * guest up for longer reseeds once a minute. The fresh key moves that
 * reseed seconds past the snapshot, as it is on such a guest.
 *
 * The vDSO getrandom() generation is read from the vvar page (6.12 x86_64:
 * struct vdso_rng_data at offset 640), to compare its stale window after a
 * restore with the epoch word's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

/* Root in the test guest; without the reseed the run is still valid. */
static void reseed_kernel_crng(void)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || ioctl(fd, RNDRESEEDCRNG) < 0)
		perror("clone_logger: RNDRESEEDCRNG");
	if (fd >= 0)
		close(fd);
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
	struct timespec ts;
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

	reseed_kernel_crng();
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
		ts.tv_sec = 0;
		ts.tv_nsec = interval_ns;
		nanosleep(&ts, NULL);
	}

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
