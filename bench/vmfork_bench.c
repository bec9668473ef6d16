// SPDX-License-Identifier: GPL-2.0
/*
 * What the check for a VM fork costs a 16-byte draw from the kernel: the
 * getrandom() system call with the check at draws on and off (flipped
 * through /sys/module/random/parameters/vmfork_check between
 * measurements, in one boot), and vDSO getrandom(), whose comparison of
 * the vmclock counter is there exactly when the VM has a vmclock device
 * (compare a boot with -device vmclock to one without).
 *
 *	vmfork_bench [ROUNDS] [MS]
 *
 * ROUNDS rounds (default 41), each measuring every variant for MS
 * milliseconds (default 20), in an order that rotates from round to
 * round so that drift and ordering hit all alike. Prints the per-round ns
 * per draw of each variant on a line starting with "BENCH ".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/random_epoch.h>

#include "randepoch.h"
#include "vdso_getrandom.h"
#include "draw_loop.h"

#define DRAW_BYTES	16
#define MAX_ROUNDS	1000
#define VMFORK_CHECK_PARAM "/sys/module/random/parameters/vmfork_check"

static double run_ns;
static void *vstate;

static int set_check(const char *value)
{
	int fd = open(VMFORK_CHECK_PARAM, O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0 || write(fd, value, 1) != 1)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	return ret;
}

/* An error aborts: a benchmark of failing calls would measure nothing. */
DRAW_FN(draw_syscall, void, DRAW_BYTES,
	if (syscall(SYS_getrandom, buf, DRAW_BYTES, 0) != DRAW_BYTES) abort())
DRAW_FN(draw_vdso, void, DRAW_BYTES,
	if (vgetrandom(buf, DRAW_BYTES, 0, vstate, vstate_len) != DRAW_BYTES)
		abort())

enum { SYSCALL_CHECK, SYSCALL_NOCHECK, VDSO, NVARIANTS };

static const char *const names[NVARIANTS] = {
	"getrandom_check", "getrandom_nocheck", "vdso_getrandom",
};

static double measure(int v)
{
	switch (v) {
	case SYSCALL_CHECK:
		if (set_check("1"))
			abort();
		return draw_syscall();
	case SYSCALL_NOCHECK:
		if (set_check("0"))
			abort();
		return draw_syscall();
	default:
		return vstate ? draw_vdso() : -1;
	}
}

int main(int argc, char **argv)
{
	static double ns[NVARIANTS][MAX_ROUNDS];
	int rounds = argc > 1 ? atoi(argv[1]) : 41;
	struct randepoch ep;
	const char *vmclock;
	int r, i, v;

	run_ns = (argc > 2 ? atof(argv[2]) : 20) * 1e6;
	if (rounds < 1 || rounds > MAX_ROUNDS || run_ns <= 0) {
		fprintf(stderr, "usage: vmfork_bench [ROUNDS (1-%d)] [MS]\n", MAX_ROUNDS);
		return 1;
	}
	if (set_check("1")) {
		printf("vmfork_bench: no %s: %s\n", VMFORK_CHECK_PARAM, strerror(errno));
		return 4;
	}
	vstate = vdso_getrandom_state();
	vmclock = "no";
	if (!randepoch_open(&ep)) {
		const struct random_epoch_page *page = (const void *)ep.page;

		if (page->vmclock_counter_offset)
			vmclock = "yes";
		randepoch_close(&ep);
	}
	printf("vmfork_bench: vmclock %s, vDSO getrandom %s, %d rounds of %.0f ms\n",
	       vmclock, vstate ? "yes" : "no", rounds, run_ns / 1e6);
	for (r = 0; r < rounds; r++)
		for (i = 0; i < NVARIANTS; i++) {
			v = (r + i) % NVARIANTS;
			ns[v][r] = measure(v);
		}
	set_check("1");
	for (v = 0; v < NVARIANTS; v++) {
		printf("BENCH {\"bench\": \"vmfork\", \"vmclock\": \"%s\", \"variant\": \"%s\", \"size\": %d, \"ns\": [",
		       vmclock, names[v], DRAW_BYTES);
		for (r = 0; r < rounds; r++)
			printf("%s%.2f", r ? ", " : "", ns[v][r]);
		printf("]}\n");
	}
	return 0;
}
