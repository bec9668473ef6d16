// SPDX-License-Identifier: GPL-2.0
/*
 * randepoch: show, watch and bump the /dev/random epoch word.
 *
 * For admins, and for restore tools: a CRIU action script records
 * "randepoch show --raw" at post-dump and runs "randepoch bump --avoid WORD"
 * at post-restore, so the restored tasks see a word they never saw before.
 *
 * For derived state (host keys, instance UUIDs): "randepoch watch --exec CMD"
 * is a watcher that runs CMD on every change and acknowledges the word only
 * when CMD succeeded; "randepoch settle" waits until every watcher did.
 *
 * Exit codes: 0 ok, 1 bad usage, 2 the kernel lacks the feature, 3 no
 * permission, 4 other error, 5 watch timed out before --count changes, or
 * settle timed out with watchers still outdated.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "randepoch.h"

enum {
	EXIT_OK = 0,
	EXIT_USAGE = 1,
	EXIT_NOFEATURE = 2,
	EXIT_NOPERM = 3,
	EXIT_ERROR = 4,
	EXIT_TIMEOUT = 5,
};

static const char usage_text[] =
	"usage: randepoch show [--raw] [--verbose] [--source vdso|mmap]\n"
	"       randepoch watch [--count N] [--timeout-ms T]\n"
	"                       [--state FILE --exec CMD [ARG...]]\n"
	"       randepoch settle [--timeout-ms T]\n"
	"       randepoch bump [--avoid WORD]\n"
	"       randepoch --help\n"
	"\n"
	"  show    print the epoch word: word 0xWWWWWWWW id N (name) epoch N;\n"
	"          --raw prints only 0xWWWWWWWW; --verbose adds the path to\n"
	"          the page: source vdso (no descriptor) or mmap (RNDGETEPOCHFD);\n"
	"          --source takes only that path (default: vdso, else mmap)\n"
	"  watch   print the word, then one line per change (changes that\n"
	"          come faster than we wake up are seen as one); stop after\n"
	"          N changes, or after T ms in total; with --exec, a watcher:\n"
	"          runs CMD on every change with RANDEPOCH_WORD (hex),\n"
	"          RANDEPOCH_ID and RANDEPOCH_ID_NAME set, and acknowledges the\n"
	"          word only when CMD exits 0 (else it stays outdated);\n"
	"          --state FILE keeps the word CMD last adjusted to, so that\n"
	"          a restarted watcher runs CMD at once for a change it missed\n"
	"  settle  wait until no watcher is outdated (at most T ms)\n"
	"  bump    reseed the kernel crng and publish a new word with the\n"
	"          CRIU ID (needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN);\n"
	"          --avoid WORD (hex, 0x optional): the new word differs from it\n"
	"\n"
	"exit codes: 0 ok, 1 bad usage, 2 kernel lacks the feature,\n"
	"            3 no permission, 4 other error, 5 watch or settle timed out\n";

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "randepoch: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage_text);
	return EXIT_USAGE;
}

/* Report a -errno from the library; returns the exit code for it. */
static int fail(const char *what, int err)
{
	fprintf(stderr, "randepoch: %s: %s\n", what, randepoch_strerror(err));
	if (err == -ENOSYS)
		return EXIT_NOFEATURE;
	if (err == -EPERM || err == -EACCES)
		return EXIT_NOPERM;
	return EXIT_ERROR;
}

static void print_word(uint32_t word)
{
	printf("word 0x%08x id %u (%s) epoch %u\n", word,
	       RANDEPOCH_WORD_ID(word),
	       randepoch_id_name(RANDEPOCH_WORD_ID(word)),
	       RANDEPOCH_WORD_COUNTER(word));
	fflush(stdout);
}

/* 1 to 8 hex digits, optional 0x. */
static int parse_word(const char *s, uint32_t *word)
{
	unsigned long v;
	char *end;

	if (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2))
		s += 2;
	if (!*s || strlen(s) > 8 || strspn(s, "0123456789abcdefABCDEF") !=
	    strlen(s))
		return -1;
	v = strtoul(s, &end, 16);
	*word = (uint32_t)v;
	return 0;
}

static int parse_uint(const char *s, int min, int *out)
{
	long v;
	char *end;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > INT_MAX)
		return -1;
	*out = (int)v;
	return 0;
}

static int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "raw", no_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "source", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct randepoch ep;
	int raw = 0, verbose = 0, source = RANDEPOCH_SOURCE_NONE, c, err;
	uint32_t word;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			raw = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 's':
			if (!strcmp(optarg, "vdso"))
				source = RANDEPOCH_SOURCE_VDSO;
			else if (!strcmp(optarg, "mmap"))
				source = RANDEPOCH_SOURCE_MMAP;
			else
				return usage_error("show: --source is vdso or mmap, not '%s'",
						   optarg);
			break;
		default:
			return usage_error("show: bad option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind != argc)
		return usage_error("show: unexpected argument '%s'",
				   argv[optind]);
	if (source == RANDEPOCH_SOURCE_NONE)
		err = randepoch_open(&ep);
	else
		err = randepoch_open_source(&ep, source);
	if (err)
		return fail("cannot open the epoch page", err);
	word = randepoch_word(&ep);
	if (raw) {
		printf("0x%08x\n", word);
		fflush(stdout);
	} else {
		print_word(word);
	}
	if (!raw) {
		unsigned int watchers, outdated;

		/* Kernels without watchers: the word alone. */
		if (!randepoch_count(&watchers, &outdated))
			printf("watchers %u outdated %u\n", watchers, outdated);
	}
	if (verbose)
		printf("source %s\n", randepoch_source_name(ep.source));
	randepoch_close(&ep);
	return ferror(stdout) ? EXIT_ERROR : EXIT_OK;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run @argv with the word in its environment; its exit status, or -1. */
static int run_hook(char **argv, uint32_t word)
{
	char hex[16], id[8];
	int status;
	pid_t pid;

	snprintf(hex, sizeof(hex), "%08x", word);
	snprintf(id, sizeof(id), "%u", RANDEPOCH_WORD_ID(word));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setenv("RANDEPOCH_WORD", hex, 1) ||
		    setenv("RANDEPOCH_ID", id, 1) ||
		    setenv("RANDEPOCH_ID_NAME",
			   randepoch_id_name(RANDEPOCH_WORD_ID(word)), 1))
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "randepoch: watch: cannot run %s: %s\n",
			argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* The word the hooks last adjusted to, kept in @path; false if none. */
static bool read_state(const char *path, uint32_t *word)
{
	FILE *f = fopen(path, "re");
	unsigned int w;
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%x", &w) == 1;
	fclose(f);
	*word = w;
	return ok;
}

/* Replaces @path whole, so that a crash leaves the old word or the new. */
static int write_state(const char *path, uint32_t word)
{
	char tmp[PATH_MAX];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "0x%08x\n", word);
	if (fclose(f) || rename(tmp, path))
		return -errno;
	return 0;
}

/*
 * The watcher loop: wait for a change, run the hook, acknowledge the word
 * read before the hook ran. An event during the hook makes the ack fail
 * with -ESTALE and the next wait return at once: the hook runs again.
 *
 * A new watcher is outdated until it acknowledges. With @state the hook
 * runs at once if the word differs from the one it last adjusted to (a
 * change while no watcher ran: a restart, a snapshot taken before the
 * watcher started). Without it there is no record to compare with, and the
 * current word is taken as adjusted to.
 */
static int watch_exec(char **cmd, int count, int timeout, const char *state)
{
	long long deadline = timeout >= 0 ? now_ms() + timeout : 0;
	unsigned int seen = 0;
	uint32_t word, adjusted;
	struct randepoch ep;
	bool catch_up;
	int wfd, err, rc;

	wfd = randepoch_watch();
	if (wfd < 0)
		return fail("cannot open a watcher", wfd);
	err = randepoch_open(&ep);
	if (err) {
		close(wfd);
		return fail("cannot open the epoch page", err);
	}
	word = randepoch_word(&ep);
	randepoch_close(&ep);
	catch_up = state && (!read_state(state, &adjusted) || adjusted != word);
	if (!catch_up) {
		/* -ESTALE: it changed already, and the first wait returns. */
		err = randepoch_ack(wfd, word);
		if (err && err != -ESTALE) {
			close(wfd);
			return fail("acknowledging", err);
		}
	} else {
		fprintf(stderr,
			"randepoch: watch: word 0x%08x is not the one %s last adjusted to; running it\n",
			word, cmd[0]);
	}
	while (count < 0 || (int)seen < count) {
		int left = -1;

		if (catch_up) {
			catch_up = false;
			goto adjust;
		}

		if (timeout >= 0) {
			long long d = deadline - now_ms();

			left = d > 0 ? (d > INT_MAX ? INT_MAX : (int)d) : 0;
		}
		err = randepoch_watch_next(wfd, &word, left);
		if (err == -EINTR)
			continue;
		if (err < 0) {
			close(wfd);
			return fail("waiting for a change", err);
		}
		if (err == 0) {
			close(wfd);
			if (count < 0)
				return EXIT_OK;
			fprintf(stderr,
				"randepoch: watch: %u of %d changes within %d ms\n",
				seen, count, timeout);
			return EXIT_TIMEOUT;
		}
		seen++;
adjust:
		print_word(word);
		rc = run_hook(cmd, word);
		if (rc) {
			fprintf(stderr,
				"randepoch: watch: %s failed (status %d) for word 0x%08x; still outdated\n",
				cmd[0], rc, word);
			continue;
		}
		err = randepoch_ack(wfd, word);
		if (err == -ESTALE) {
			fprintf(stderr,
				"randepoch: watch: the word changed while %s ran; running it again\n",
				cmd[0]);
			continue;
		}
		if (err) {
			close(wfd);
			return fail("acknowledging", err);
		}
		err = state ? write_state(state, word) : 0;
		if (err)
			fprintf(stderr, "randepoch: watch: cannot write %s: %s\n",
				state, randepoch_strerror(err));
		printf("acknowledged 0x%08x\n", word);
		fflush(stdout);
	}
	close(wfd);
	return EXIT_OK;
}

static int cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "exec", no_argument, NULL, 'e' },
		{ "state", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int count = -1, timeout = -1, seen = 0, exec = 0, c, err;
	const char *state = NULL;
	long long deadline = 0;
	struct randepoch ep;
	uint32_t word;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'c' && !parse_uint(optarg, 1, &count))
			continue;
		if (c == 't' && !parse_uint(optarg, 0, &timeout))
			continue;
		if (c == 's') {
			state = optarg;
			continue;
		}
		if (c == 'e') {
			/* Everything after --exec is the command. */
			exec = 1;
			break;
		}
		if (c == 'c' || c == 't')
			return usage_error("watch: bad number '%s'", optarg);
		return usage_error("watch: bad option '%s'", argv[optind - 1]);
	}
	if (exec) {
		if (optind == argc)
			return usage_error("%s", "watch: --exec needs a command");
		return watch_exec(argv + optind, count, timeout, state);
	}
	if (state)
		return usage_error("%s", "watch: --state goes with --exec");
	if (optind != argc)
		return usage_error("watch: unexpected argument '%s'",
				   argv[optind]);
	err = randepoch_open(&ep);
	if (err)
		return fail("cannot open the epoch page", err);
	if (timeout >= 0)
		deadline = now_ms() + timeout;
	word = randepoch_word(&ep);
	print_word(word);
	while (count < 0 || seen < count) {
		int left = -1;

		if (timeout >= 0) {
			long long d = deadline - now_ms();

			left = d > 0 ? (d > INT_MAX ? INT_MAX : (int)d) : 0;
		}
		err = randepoch_wait(&ep, word, left);
		if (err < 0) {
			randepoch_close(&ep);
			return fail("waiting for a change", err);
		}
		if (err == 0) {
			randepoch_close(&ep);
			if (count < 0)
				return EXIT_OK;
			fprintf(stderr,
				"randepoch: watch: %d of %d changes within %d ms\n",
				seen, count, timeout);
			return EXIT_TIMEOUT;
		}
		word = randepoch_word(&ep);
		print_word(word);
		seen++;
	}
	randepoch_close(&ep);
	return EXIT_OK;
}

static int cmd_settle(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout-ms", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int left = 0;
	int timeout = -1, c, err;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c != 't')
			return usage_error("settle: bad option '%s'",
					   argv[optind - 1]);
		if (parse_uint(optarg, 0, &timeout))
			return usage_error("settle: bad number '%s'", optarg);
	}
	if (optind != argc)
		return usage_error("settle: unexpected argument '%s'",
				   argv[optind]);
	do
		err = randepoch_settle(-1, timeout, &left);
	while (err == -EINTR);
	if (err == -ETIMEDOUT) {
		printf("outdated %u\n", left);
		fprintf(stderr, "randepoch: settle: %u watcher(s) still outdated after %d ms\n",
			left, timeout);
		return EXIT_TIMEOUT;
	}
	if (err)
		return fail("cannot settle", err);
	printf("settled\n");
	return ferror(stdout) ? EXIT_ERROR : EXIT_OK;
}

static int cmd_bump(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "avoid", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t avoid = 0, word;
	int use_avoid = 0, c, err;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c != 'a')
			return usage_error("bump: bad option '%s'",
					   argv[optind - 1]);
		if (parse_word(optarg, &avoid))
			return usage_error("bump: --avoid needs a 32-bit hex word, not '%s'",
					   optarg);
		use_avoid = 1;
	}
	if (optind != argc)
		return usage_error("bump: unexpected argument '%s'",
				   argv[optind]);
	err = randepoch_bump(use_avoid, avoid, &word);
	if (err)
		return fail("cannot bump the epoch", err);
	print_word(word);
	return ferror(stdout) ? EXIT_ERROR : EXIT_OK;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	int i;

	opterr = 0;	/* we print our own messages */
	for (i = 1; i < argc; i++) {
		/* What follows --exec belongs to the command. */
		if (!strcmp(argv[i], "--exec"))
			break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return EXIT_OK;
		}
	}
	if (!cmd)
		return usage_error("%s", "no command");
	/* getopt_long() on argv[1..]: the command is its argv[0]. */
	if (!strcmp(cmd, "show"))
		return cmd_show(argc - 1, argv + 1);
	if (!strcmp(cmd, "watch"))
		return cmd_watch(argc - 1, argv + 1);
	if (!strcmp(cmd, "settle"))
		return cmd_settle(argc - 1, argv + 1);
	if (!strcmp(cmd, "bump"))
		return cmd_bump(argc - 1, argv + 1);
	return usage_error("unknown command '%s'", cmd);
}
