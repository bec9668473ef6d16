// SPDX-License-Identifier: GPL-2.0
/*
 * timens_run SECONDS CMD [ARG...]: exec CMD in a new time namespace whose
 * monotonic and boottime clocks run SECONDS ahead of the host's. For the
 * CRIU test: CRIU dumps such a process with its time namespace and
 * restores it into a new one, where the vvar layout differs (the first
 * vvar page is the namespace's own).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

int main(int argc, char **argv)
{
	char offsets[64], *end;
	long seconds;
	int fd, n;

	if (argc < 3) {
		fprintf(stderr, "usage: timens_run SECONDS CMD [ARG...]\n");
		return 1;
	}
	errno = 0;
	seconds = strtol(argv[1], &end, 10);
	if (errno || *end || seconds < 0) {
		fprintf(stderr, "timens_run: bad number of seconds '%s'\n", argv[1]);
		return 1;
	}
	if (unshare(CLONE_NEWTIME)) {
		perror("timens_run: unshare(CLONE_NEWTIME)");
		return errno == EINVAL ? 4 : 2;
	}
	n = snprintf(offsets, sizeof(offsets), "%d %ld 0\n%d %ld 0\n",
		     CLOCK_MONOTONIC, seconds, CLOCK_BOOTTIME, seconds);
	fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, offsets, n) != n) {
		perror("timens_run: timens_offsets");
		return 2;
	}
	close(fd);
	/* Enter it ourselves, so that CMD keeps our PID. */
	fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWTIME)) {
		perror("timens_run: setns");
		return 2;
	}
	close(fd);
	execvp(argv[2], argv + 2);
	perror("timens_run: exec");
	return 2;
}
