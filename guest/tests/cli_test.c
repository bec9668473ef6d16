// SPDX-License-Identifier: GPL-2.0
/*
 * The randepoch CLI in the guest, against the real page: output and exit
 * codes of show, watch and bump, as root and as nobody (a child that drops
 * to uid 65534, which clears its capabilities, then execs the CLI).
 * Usage: cli_test [PATH_TO_randepoch]; by default the randepoch next to
 * this program, else the one in $PATH. Exit 0 pass, 1 fail, 4 skip.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "randepoch.h"
#include "tap.h"

static char cli[PATH_MAX] = "randepoch";
static char out[4096], err[4096];

/* Until EOF; the CLI's output is small enough for the pipe buffer. */
static void read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	buf[len] = 0;
}

/* Run the CLI with @args (NULL-terminated), as nobody if @nobody. */
static int run(int nobody, ...)
{
	const char *argv[16] = { cli };
	int po[2], pe[2], status, n = 1;
	va_list ap;
	pid_t pid;

	va_start(ap, nobody);
	while (n < 15 && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	if (pipe(po) || pipe(pe))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		if (nobody) {
			/* Without KEEPCAPS, leaving uid 0 clears all caps. */
			prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
			if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
			    setresuid(65534, 65534, 65534))
				_exit(126);
		}
		execvp(cli, (char **)argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	read_all(po[0], out, sizeof(out));
	read_all(pe[0], err, sizeof(err));
	close(po[0]);
	close(pe[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[64];
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

static bool last_line_is(const char *path, const char *want)
{
	FILE *f = fopen(path, "r");
	char line[64] = "", last[64] = "";

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		snprintf(last, sizeof(last), "%.*s", (int)strcspn(line, "\n"), line);
	fclose(f);
	return !strcmp(last, want);
}

/*
 * Wait until the CLI started beside us holds its watcher: a bump made
 * before then is the CLI's starting word, not a change it sees (a fixed
 * delay was too short for exec on the debug kernel under load).
 */
static void wait_for_watcher(void)
{
	unsigned int watchers = 0, outdated, ms;

	for (ms = 0; ms < 20000; ms += 10) {
		if (!randepoch_count(&watchers, &outdated) && watchers)
			return;
		usleep(10000);
	}
}

/* A plain watch holds no watcher to wait for: bump after 200 ms. */
static void *bump_soon(void *arg)
{
	(void)arg;
	usleep(200000);
	randepoch_bump(0, 0, NULL);
	return NULL;
}

/* Bump once the watcher runs, then sample the watcher counts 400 ms on. */
struct bump_and_count {
	uint32_t word;
	unsigned int watchers, outdated;
	int ret;
};

static void *bump_then_count(void *arg)
{
	struct bump_and_count *b = arg;

	wait_for_watcher();
	b->ret = randepoch_bump(0, 0, &b->word);
	usleep(400000);
	if (!b->ret)
		b->ret = randepoch_count(&b->watchers, &b->outdated);
	return NULL;
}

/* watch --exec HOOK, --count 2 so that it still runs when sampled. */
static int watch_exec(const char *hook, struct bump_and_count *b)
{
	pthread_t t;
	int rc;

	memset(b, 0, sizeof(*b));
	b->watchers = b->outdated = 99;
	pthread_create(&t, NULL, bump_then_count, b);
	rc = run(0, "watch", "--count", "2", "--timeout-ms", "3000", "--exec",
		 "sh", "-c", hook, NULL);
	pthread_join(t, NULL);
	return rc;
}

int main(int argc, char **argv)
{
	struct bump_and_count b;
	unsigned int watchers, outdated;
	char hook_out[128] = "", expect[128];
	FILE *f;
	int wfd;
	unsigned int w, id, epoch;
	char name[32], avoid[16], *s;
	struct randepoch ep;
	uint32_t before;
	pthread_t t;
	int rc, n;

	if (argc > 1) {
		snprintf(cli, sizeof(cli), "%s", argv[1]);
	} else {
		ssize_t len = readlink("/proc/self/exe", cli, sizeof(cli) - 16);

		if (len > 0) {
			cli[len] = 0;
			strcpy(strrchr(cli, '/') + 1, "randepoch");
			if (access(cli, X_OK))
				strcpy(cli, "randepoch");
		}
	}
	rc = randepoch_open(&ep);
	if (rc == -ENOSYS) {
		printf("1..0 # SKIP %s\n", randepoch_strerror(rc));
		return KSFT_SKIP;
	}
	if (rc || getuid() != 0) {
		printf("1..0 # SKIP needs root and the epoch page\n");
		return KSFT_SKIP;
	}
	tap_plan(21);
	tap_diag("CLI: %s", cli);

	before = randepoch_word(&ep);
	rc = run(0, "show", NULL);
	n = sscanf(out, "word 0x%x id %u (%31[a-z]) epoch %u", &w, &id, name,
		   &epoch);
	tap_ok(rc == 0 && n == 4 && w == before && id == (w >> 24) &&
	       epoch == (w & 0xffffff) && !strcmp(name, randepoch_id_name(id)),
	       "show -> %d: %.*s", rc, (int)strcspn(out, "\n"), out);

	rc = run(0, "show", "--raw", NULL);
	n = sscanf(out, "0x%x", &w);
	tap_ok(rc == 0 && n == 1 && w == before, "show --raw -> %d: %.*s", rc,
	       (int)strcspn(out, "\n"), out);

	/* Both paths, named; the same word through each. */
	rc = run(0, "show", "--verbose", NULL);
	tap_ok(rc == 0 && strstr(out, "\nsource vdso\n") &&
	       ep.source == RANDEPOCH_SOURCE_VDSO,
	       "show --verbose prefers the vDSO -> %d: %s", rc, out);
	rc = run(0, "show", "--raw", "--verbose", "--source", "mmap", NULL);
	n = sscanf(out, "0x%x", &w);
	tap_ok(rc == 0 && n == 1 && w == before &&
	       strstr(out, "\nsource mmap\n"),
	       "show --source mmap -> %d: %s", rc, out);
	rc = run(1, "show", "--raw", "--verbose", "--source", "vdso", NULL);
	n = sscanf(out, "0x%x", &w);
	tap_ok(rc == 0 && n == 1 && w == before &&
	       strstr(out, "\nsource vdso\n"),
	       "show --source vdso as nobody -> %d: %s", rc, out);

	rc = run(0, "bump", NULL);
	n = sscanf(out, "word 0x%x id %u (%31[a-z])", &w, &id, name);
	tap_ok(rc == 0 && n == 3 && id == 2 && !strcmp(name, "criu") &&
	       w != before && randepoch_word(&ep) == w,
	       "bump as root -> %d, new word with ID 2: %.*s", rc,
	       (int)strcspn(out, "\n"), out);

	before = randepoch_word(&ep);
	snprintf(avoid, sizeof(avoid), "0x%08x", before + 1);
	rc = run(0, "bump", "--avoid", avoid, NULL);
	n = sscanf(out, "word 0x%x", &w);
	tap_ok(rc == 0 && n == 1 && w != before + 1 && w != before,
	       "bump --avoid %s -> %d: 0x%08x", avoid, rc, w);

	before = randepoch_word(&ep);
	rc = run(1, "bump", NULL);
	tap_ok(rc == 3 && strstr(err, "ermission") &&
	       randepoch_word(&ep) == before,
	       "bump as nobody -> %d (want 3): %.*s", rc,
	       (int)strcspn(err, "\n"), err);

	rc = run(1, "show", NULL);
	tap_ok(rc == 0 && !strncmp(out, "word 0x", 7),
	       "show as nobody -> %d", rc);

	rc = run(0, "bump", "--avoid", "zz", NULL);
	tap_ok(rc == 1 && strstr(err, "hex"), "bump --avoid zz -> %d (want 1)",
	       rc);
	rc = run(0, "frob", NULL);
	tap_ok(rc == 1 && strstr(err, "unknown command"), "frob -> %d (want 1)",
	       rc);

	pthread_create(&t, NULL, bump_soon, NULL);
	rc = run(0, "watch", "--count", "1", "--timeout-ms", "5000", NULL);
	pthread_join(t, NULL);
	for (n = 0, s = out; (s = strchr(s, '\n')); s++)
		n++;
	tap_ok(rc == 0 && n == 2, "watch --count 1 sees a bump -> %d, %d lines",
	       rc, n);

	rc = run(0, "watch", "--count", "5", "--timeout-ms", "50", NULL);
	tap_ok(rc == 5, "watch --count 5 --timeout-ms 50 times out -> %d (want 5)",
	       rc);

	/* Watchers: show counts them, settle waits for them. */
	rc = run(0, "show", NULL);
	tap_ok(rc == 0 && strstr(out, "\nwatchers 0 outdated 0\n"),
	       "show prints the watcher counts -> %d: %s", rc, out);
	rc = run(1, "settle", "--timeout-ms", "100", NULL);
	tap_ok(rc == 0 && !strcmp(out, "settled\n"),
	       "settle with no watcher, as nobody -> %d: %s", rc, out);
	wfd = randepoch_watch();
	randepoch_bump(0, 0, &before);
	rc = run(0, "show", NULL);
	tap_ok(rc == 0 && strstr(out, "\nwatchers 1 outdated 1\n"),
	       "show: an outdated watcher -> %d: %s", rc, out);
	rc = run(1, "settle", "--timeout-ms", "100", NULL);
	tap_ok(rc == 5 && !strcmp(out, "outdated 1\n") &&
	       strstr(err, "still outdated"),
	       "settle times out on an outdated watcher -> %d (want 5): %s",
	       rc, out);
	tap_ok(randepoch_ack(wfd, before) == 0, "the watcher acknowledges");
	rc = run(1, "settle", "--timeout-ms", "100", NULL);
	tap_ok(rc == 0, "settle once it acknowledged -> %d", rc);
	close(wfd);

	/* watch --exec: the hook sees the word; acknowledged on success. */
	unlink("/tmp/cli_hook.out");
	rc = watch_exec("echo $RANDEPOCH_WORD $RANDEPOCH_ID $RANDEPOCH_ID_NAME >/tmp/cli_hook.out",
			&b);
	f = fopen("/tmp/cli_hook.out", "r");
	if (f) {
		if (!fgets(hook_out, sizeof(hook_out), f))
			hook_out[0] = 0;
		fclose(f);
	}
	snprintf(expect, sizeof(expect), "%08x 2 criu\n", b.word);
	tap_ok(rc == 5 && !b.ret && !strcmp(hook_out, expect) &&
	       b.watchers == 1 && b.outdated == 0 && strstr(out, "acknowledged"),
	       "watch --exec: hook got '%.*s', then %u watcher(s), %u outdated",
	       (int)strcspn(hook_out, "\n"), hook_out, b.watchers, b.outdated);
	/* The control: a failing hook leaves the watcher outdated. */
	rc = watch_exec("exit 3", &b);
	tap_ok(rc == 5 && !b.ret && b.watchers == 1 && b.outdated == 1 &&
	       strstr(err, "failed (status 3)") && !strstr(out, "acknowledged"),
	       "watch --exec with a failing hook: %u watcher(s), %u outdated: %.*s",
	       b.watchers, b.outdated, (int)strcspn(err, "\n"), err);
	randepoch_count(&watchers, &outdated);
	tap_ok(watchers == 0 && outdated == 0,
	       "its exit stops it counting: %u watchers, %u outdated",
	       watchers, outdated);

	/*
	 * --state: a watcher restarted after a change it missed runs its hook
	 * at once; with the same word recorded it does not (the control).
	 */
	unlink("/tmp/cli_state");
	unlink("/tmp/cli_catchup");
	rc = run(0, "watch", "--count", "1", "--timeout-ms", "300", "--state",
		 "/tmp/cli_state", "--exec", "sh", "-c",
		 "echo $RANDEPOCH_WORD >>/tmp/cli_catchup", NULL);
	tap_ok(rc == 5 && count_lines("/tmp/cli_catchup") == 1,
	       "watch --state, no record yet: the hook runs at once -> %d, %d run(s)",
	       rc, count_lines("/tmp/cli_catchup"));
	rc = run(0, "watch", "--count", "1", "--timeout-ms", "300", "--state",
		 "/tmp/cli_state", "--exec", "sh", "-c",
		 "echo $RANDEPOCH_WORD >>/tmp/cli_catchup", NULL);
	tap_ok(rc == 5 && count_lines("/tmp/cli_catchup") == 1,
	       "watch --state, same word: no run -> %d, %d run(s)", rc,
	       count_lines("/tmp/cli_catchup"));
	randepoch_bump(0, 0, &before);
	rc = run(0, "watch", "--count", "1", "--timeout-ms", "300", "--state",
		 "/tmp/cli_state", "--exec", "sh", "-c",
		 "echo $RANDEPOCH_WORD >>/tmp/cli_catchup", NULL);
	snprintf(expect, sizeof(expect), "%08x", before);
	tap_ok(rc == 5 && count_lines("/tmp/cli_catchup") == 2 &&
	       last_line_is("/tmp/cli_catchup", expect),
	       "watch --state after a missed change: the hook runs for %s -> %d",
	       expect, rc);
	rc = run(0, "watch", "--state", "/tmp/cli_state", NULL);
	tap_ok(rc == 1, "watch --state without --exec -> %d (want 1)", rc);
	randepoch_close(&ep);
	return tap_exit();
}
