/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The clock and the timed draw loop the benchmarks share.
 *
 * The loop is a macro, not a function taking a callback, so that each
 * draw is inlined with a constant length, as it is in a caller.
 */
#ifndef DRAW_LOOP_H
#define DRAW_LOOP_H

#include <time.h>

static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Where each draw's first byte goes, so that no draw is optimised away. */
static volatile unsigned char draw_sink __attribute__((unused));

/*
 * Define "static double name(param)": runs the statement draw, which fills
 * the len-byte buf, for run_ns nanoseconds (a double in scope), reading the
 * clock every 64 draws, and returns the mean ns per draw.
 */
#define DRAW_FN(name, param, len, draw)					\
static double name(param)						\
{									\
	unsigned char buf[len];						\
	double t0 = now_ns(), t;					\
	long n = 0;							\
	int i;								\
									\
	do {								\
		for (i = 0; i < 64; i++) {				\
			draw;						\
			draw_sink = buf[0];				\
		}							\
		n += 64;						\
		t = now_ns();						\
	} while (t - t0 < run_ns);					\
	return (t - t0) / n;						\
}

#endif /* DRAW_LOOP_H */
