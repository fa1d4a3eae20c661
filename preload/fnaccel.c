// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fnaccel.c: `fnaccel [OPTION]... [--] COMMAND [ARG]...` runs COMMAND with
 * libfnaccel.so preloaded, as eatmydata does for libeatmydata.
 *
 * The library path is compiled in (FA_LIBRARY_PATH, the installed
 * $(libdir)/libfnaccel.so); FNACCEL_LIBRARY overrides it (tests run the
 * build tree's library).  It is put in front of any LD_PRELOAD already
 * set, the options become FNACCEL_* variables, and COMMAND replaces
 * fnaccel (execvp), so its exit status and signals are COMMAND's own.
 * Only `--stats` without a file keeps fnaccel as the parent: the
 * processes append their statistics to a temporary file, and fnaccel
 * prints their sums on stderr when COMMAND ends, then exits with its
 * status (128+N for a signal N).  Exit 126: COMMAND found but not
 * executable; 127: not found; 2: usage; 125: fnaccel itself failed.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fn_frontend.h"
#include "fa_fs.h"

#ifndef FA_LIBRARY_PATH
#define FA_LIBRARY_PATH "libfnaccel.so"
#endif

#define FA_EXIT_USAGE 2
#define FA_EXIT_FAILURE 125
#define FA_EXIT_CANNOT_RUN 126
#define FA_EXIT_NOT_FOUND 127

static void usage(FILE *f)
{
	char def[FA_FS_LIST_LEN];

	fa_fs_default(def, sizeof(def));
	fprintf(f,
"Usage: fnaccel [OPTION]... [--] COMMAND [ARG]...\n"
"Run COMMAND with libfnaccel.so preloaded: its file copies (sendfile,\n"
"read/write loops between files) become copy_file_range copies, and\n"
"nothing else it does changes.\n"
"\n"
"  --stats          print the summed statistics of COMMAND and all its\n"
"                   child processes on standard error when it ends\n"
"  --stats=FILE     append each process's statistics to FILE instead\n"
"                   (FNACCEL_STATS)\n"
"  --verify=MODE    how a substituted write is proven right after the\n"
"                   copy: reread (default) or hash (FNACCEL_VERIFY)\n"
"  --fs=LIST        file systems where writes are substituted, e.g.\n"
"                   xfs,btrfs,nfs, or all (FNACCEL_FS; default\n"
"                   %s)\n"
"  --data-copy      substitute also where copy_file_range copies the\n"
"                   data in the kernel (ext4, XFS without reflink, most\n"
"                   FUSE file systems): FNACCEL_DATA_COPY=1, the default\n"
"                   with --fs\n"
"  --no-data-copy   only where it reflinks or offloads, even with --fs\n"
"  --off            load the library but only forward (FNACCEL_DISABLE)\n"
"  --help           show this help and exit\n"
"  --version        show the version and exit\n"
"\n"
"FNACCEL_LIBRARY overrides the library's path (" FA_LIBRARY_PATH ").\n"
"Exit status: COMMAND's; 126 if COMMAND cannot be run, 127 if it is not\n"
"found, 2 for a usage error, 125 if fnaccel itself failed.\n", def);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fnaccel: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'fnaccel --help' for more information.\n");
	exit(FA_EXIT_USAGE);
}

static void __attribute__((noreturn)) fail(const char *what, int err)
{
	fprintf(stderr, "fnaccel: %s: %s\n", what, strerror(err));
	exit(FA_EXIT_FAILURE);
}

static void fs_count(uint64_t magic, void *arg)
{
	(*(unsigned int *)arg)++;
}

static void set_env(const char *name, const char *value)
{
	if (setenv(name, value, 1) < 0)
		fail(name, errno);
}

/* execvp, or a message and the shell's exit status for what failed */
static void __attribute__((noreturn)) run(char **argv)
{
	int err;

	execvp(argv[0], argv);
	err = errno;
	fprintf(stderr, "fnaccel: %s: %s\n", argv[0], strerror(err));
	exit(err == ENOENT || err == ENOTDIR ? FA_EXIT_NOT_FOUND :
					       FA_EXIT_CANNOT_RUN);
}

/* ---- --stats: sum the blocks the processes appended -------------------- */

struct stat_key {
	char *name;
	uint64_t value;
};

/* The engine's gauges (G of FN_STATS_FIELDS) describe a state */
static const char *const fa_gauges[] = {
#define FA_NOT_GAUGE(name)
#define FA_GAUGE(name) #name,
	FN_STATS_FIELDS(FA_NOT_GAUGE, FA_GAUGE)
#undef FA_NOT_GAUGE
#undef FA_GAUGE
};

/* A gauge's sum means nothing: the processes' largest is shown */
static bool is_gauge(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(fa_gauges) / sizeof(fa_gauges[0]); i++)
		if (strcmp(key, fa_gauges[i]) == 0)
			return true;
	return false;
}

static void print_stats(const char *path)
{
	struct stat_key *keys = NULL;
	size_t n_keys = 0;
	unsigned long procs = 0;
	char line[512];
	char name[256];
	uint64_t v;
	size_t i;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "fnaccel: %s: %s\n", path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "pid ", 4) == 0) {
			procs++;
			continue;
		}
		if (sscanf(line, "%255s %" SCNu64, name, &v) != 2)
			continue;
		for (i = 0; i < n_keys; i++)
			if (strcmp(keys[i].name, name) == 0)
				break;
		if (i == n_keys) {
			struct stat_key *k = realloc(keys, (n_keys + 1) *
						     sizeof(*keys));

			if (k == NULL)
				break;
			keys = k;
			keys[n_keys].name = strdup(name);
			keys[n_keys].value = 0;
			if (keys[n_keys].name == NULL)
				break;
			n_keys++;
		}
		if (is_gauge(name))
			keys[i].value = keys[i].value > v ? keys[i].value : v;
		else
			keys[i].value += v;
	}
	fclose(f);
	fprintf(stderr, "fnaccel: statistics of %lu process%s\n", procs,
		procs == 1 ? "" : "es");
	fprintf(stderr, "processes %lu\n", procs);
	for (i = 0; i < n_keys; i++) {
		fprintf(stderr, "%s %" PRIu64 "\n", keys[i].name,
			keys[i].value);
		free(keys[i].name);
	}
	free(keys);
}

static int run_with_stats(char **argv, const char *path)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct sigaction old_int;
	struct sigaction old_quit;
	int status;
	pid_t pid;
	pid_t w;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		fail("fork", errno);
	if (pid == 0)
		run(argv);
	/* As system(3): the terminal's signals are for COMMAND */
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	do {
		w = waitpid(pid, &status, 0);
	} while (w < 0 && errno == EINTR);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (w < 0)
		fail("waitpid", errno);
	print_stats(path);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return FA_EXIT_FAILURE;
}

int main(int argc, char **argv)
{
	const char *stats_file = NULL;
	bool stats_sum = false;
	const char *lib;
	const char *old;
	char path[PATH_MAX];
	char *preload;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			printf("fnaccel (%s) %s\n", PACKAGE_NAME,
			       PACKAGE_VERSION);
			return 0;
		} else if (strcmp(a, "--stats") == 0) {
			stats_sum = true;
			stats_file = NULL;
		} else if (strncmp(a, "--stats=", 8) == 0) {
			if (a[8] == '\0')
				usage_error("--stats=: missing FILE");
			stats_file = a + 8;
			stats_sum = false;
		} else if (strncmp(a, "--verify=", 9) == 0) {
			if (strcmp(a + 9, "reread") != 0 &&
			    strcmp(a + 9, "hash") != 0)
				usage_error("%s: use --verify=reread or "
					    "--verify=hash", a);
			set_env("FNACCEL_VERIFY", a + 9);
		} else if (strncmp(a, "--fs=", 5) == 0) {
			const char *bad = NULL;
			unsigned int n = 0;

			if (fa_fs_parse(a + 5, fs_count, &n, &bad) < 0)
				usage_error("--fs: unknown file system '%s'",
					    bad);
			set_env("FNACCEL_FS", a[5] ? a + 5 : "none");
		} else if (strcmp(a, "--data-copy") == 0) {
			set_env("FNACCEL_DATA_COPY", "1");
		} else if (strcmp(a, "--no-data-copy") == 0) {
			set_env("FNACCEL_DATA_COPY", "0");
		} else if (strcmp(a, "--off") == 0) {
			set_env("FNACCEL_DISABLE", "1");
		} else if (a[0] == '-' && a[1] != '\0') {
			usage_error("unrecognized option '%s'", a);
		} else {
			break;
		}
	}
	if (i >= argc)
		usage_error("missing COMMAND");

	lib = getenv("FNACCEL_LIBRARY");
	if (lib == NULL || *lib == '\0')
		lib = FA_LIBRARY_PATH;
	if (access(lib, R_OK) < 0)
		fail(lib, errno);
	old = getenv("LD_PRELOAD");
	if (old && *old) {
		preload = malloc(strlen(lib) + strlen(old) + 2);
		if (preload == NULL)
			fail("malloc", errno);
		sprintf(preload, "%s:%s", lib, old);
	} else {
		preload = strdup(lib);
		if (preload == NULL)
			fail("malloc", errno);
	}
	set_env("LD_PRELOAD", preload);
	free(preload);

	if (stats_file) {
		/* Absolute: the processes may change directory */
		if (stats_file[0] != '/') {
			char cwd[PATH_MAX];

			if (getcwd(cwd, sizeof(cwd)) == NULL)
				fail("getcwd", errno);
			if (snprintf(path, sizeof(path), "%s/%s", cwd,
				     stats_file) >= (int)sizeof(path))
				fail(stats_file, ENAMETOOLONG);
			stats_file = path;
		}
		set_env("FNACCEL_STATS", stats_file);
	}
	if (stats_sum) {
		const char *tmp = getenv("TMPDIR");
		int status;
		int fd;

		if (tmp == NULL || *tmp == '\0')
			tmp = "/tmp";
		if (snprintf(path, sizeof(path), "%s/fnaccel-stats.XXXXXX",
			     tmp) >= (int)sizeof(path))
			fail(tmp, ENAMETOOLONG);
		fd = mkstemp(path);
		if (fd < 0)
			fail(path, errno);
		close(fd);
		set_env("FNACCEL_STATS", path);
		status = run_with_stats(argv + i, path);
		unlink(path);
		return status;
	}
	run(argv + i);
}
