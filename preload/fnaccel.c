// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fnaccel.c: `fnaccel [OPTION]... [--] COMMAND [ARG]...` runs COMMAND with
 * libfnaccel.so preloaded, as eatmydata does for libeatmydata.
 *
 * The library path is compiled in (FA_LIBRARY_PATH, the installed
 * $(preloaddir)/libfnaccel.so); FNACCEL_LIBRARY overrides it (tests run the
 * build tree's library).  It is put in front of any LD_PRELOAD already
 * set, the options become FNACCEL_* variables, and COMMAND replaces
 * fnaccel (execvp), so its exit status and signals are COMMAND's own.
 * Only `--stats` and `--progress` keep fnaccel as the parent: it makes a
 * file of statistics slots in a private directory (FNACCEL_STATS_SHM,
 * fa.h), where each process under the library counts.  With --stats,
 * when COMMAND ends it reads them, whatever way each process ended: it
 * prints their sums on stderr, or with `--stats=FILE` appends one block
 * per slot to FILE, opened before COMMAND runs.  With --progress it reads
 * a few of their counters each second while it waits (progress.c).  Then
 * it exits with COMMAND's status (128+N for a signal N).  Exit 126:
 * COMMAND found but not executable; 127: not found; 2: usage, or
 * --stats=FILE not writable; 125: fnaccel itself failed.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fa.h"
#include "fa_fs.h"

#ifndef FA_LIBRARY_PATH
#define FA_LIBRARY_PATH "libfnaccel.so"
#endif

#define FA_EXIT_USAGE 2
#define FA_EXIT_FAILURE 125
#define FA_EXIT_CANNOT_RUN 126
#define FA_EXIT_NOT_FOUND 127

/* Statistics slots: FNACCEL_STATS_SLOTS, a sparse file of 64 MiB */
#define FA_SLOTS_DEFAULT 65536
#define FA_SLOTS_MAX (1u << 20)

/* --progress=WHEN */
enum fa_when { FA_NEVER, FA_AUTO, FA_ALWAYS };

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
"  --progress       a line on standard error, updated each second while\n"
"                   COMMAND runs, if it is a terminal: the bytes\n"
"                   substituted, their rate, the bytes passed through\n"
"                   and the bytes saved (shared extents)\n"
"  --progress=WHEN  always, auto (as --progress) or never (the default)\n"
"  --verify=MODE    reread (default) or hash: both re-read the source\n"
"                   after a copy; hash also hashes the whole buffer\n"
"                   before it (FNACCEL_VERIFY)\n"
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
"FNACCEL_LIBRARY overrides the library's path (" FA_LIBRARY_PATH "),\n"
"FNACCEL_STATS_SLOTS the number of processes --stats counts (65536).\n"
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

/*
 * The FNACCEL_* values, its options' included: each bad one is said here
 * once and unset, so that COMMAND's processes take the default without
 * each saying it again
 */
static void check_env(void)
{
	struct fa_config c = FA_CONFIG_DEFAULT;

	fn_env_check("fnaccel");
	fa_env_config(&c, "fnaccel", true);
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

/* ---- --stats: the slots' blocks, or their sums ------------------------ */

/* The sums of the slots' blocks in st on stderr */
static void print_stats(const struct fa_slots_text *st)
{
	struct fn_keys keys = { 0 };
	size_t i;

	if (fa_slots_sum(st, &keys) < 0)
		fail("statistics", ENOMEM);
	fprintf(stderr, "fnaccel: statistics of %lu process%s\n", st->procs,
		st->procs == 1 ? "" : "es");
	fprintf(stderr, "processes %lu\n", st->procs);
	for (i = 0; i < keys.n; i++)
		fprintf(stderr, "%s %" PRIu64 "\n", keys.key[i].name,
			keys.key[i].value);
	fn_keys_free(&keys);
}

/* The file of statistics slots, in a directory of its own */
struct slots {
	char dir[PATH_MAX];
	char path[PATH_MAX];
	struct fa_slots_head *head;
	size_t len;
	unsigned int n_slots;
};

static void slots_create(struct slots *sl)
{
	const char *tmp = getenv("TMPDIR");
	const char *s = getenv("FNACCEL_STATS_SLOTS");
	unsigned long n = FA_SLOTS_DEFAULT;
	char *end;
	int fd;

	if (s && *s) {
		errno = 0;
		n = strtoul(s, &end, 10);
		if (errno || *end || n < 1 || n > FA_SLOTS_MAX)
			usage_error("FNACCEL_STATS_SLOTS=%s: not a number in "
				    "1..%u", s, FA_SLOTS_MAX);
	}
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (snprintf(sl->dir, sizeof(sl->dir), "%s/fnaccel-stats.XXXXXX",
		     tmp) >= (int)sizeof(sl->dir))
		fail(tmp, ENAMETOOLONG);
	if (mkdtemp(sl->dir) == NULL)
		fail(sl->dir, errno);
	if (snprintf(sl->path, sizeof(sl->path), "%s/slots", sl->dir) >=
	    (int)sizeof(sl->path))
		fail(sl->dir, ENAMETOOLONG);
	sl->len = (size_t)FA_SLOT_OFF(n);
	fd = open(sl->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		fail(sl->path, errno);
	/* Sparse: a process's page is made when it claims its slot */
	if (ftruncate(fd, (off_t)sl->len) < 0)
		fail(sl->path, errno);
	sl->head = mmap(NULL, sl->len, PROT_READ | PROT_WRITE, MAP_SHARED,
			fd, 0);
	if (sl->head == MAP_FAILED)
		fail(sl->path, errno);
	close(fd);
	sl->head->magic = FA_SLOTS_MAGIC;
	sl->head->slot_size = sizeof(struct fa_slot);
	sl->head->n_slots = (uint32_t)n;
	sl->n_slots = (unsigned int)n;
	set_env("FNACCEL_STATS_SHM", sl->path);
	/* The processes count in the slots, and dump nothing */
	unsetenv("FNACCEL_STATS");
}

static void slots_remove(struct slots *sl)
{
	munmap(sl->head, sl->len);
	unlink(sl->path);
	rmdir(sl->dir);
}

/*
 * The slots' blocks to out_fd, or their sums to stderr if out_fd is -1;
 * a line for the processes no slot counted.  Then the slots are removed.
 */
static void slots_report(struct slots *sl, int out_fd)
{
	struct fa_slots_text st;
	int ret;

	ret = fa_slots_read(sl->head, sl->len, &st);
	if (ret < 0)
		fail("statistics", -ret);
	/* Gone before any output, which may kill us (SIGPIPE) */
	slots_remove(sl);
	if (st.lost)
		fprintf(stderr, "fnaccel: %lu process%s not counted: no "
			"statistics slot left (FNACCEL_STATS_SLOTS=%u)\n",
			st.lost, st.lost == 1 ? "" : "es", sl->n_slots);
	if (out_fd < 0)
		print_stats(&st);
	else if (write(out_fd, st.text, st.len) != (ssize_t)st.len)
		fprintf(stderr, "fnaccel: --stats: %s\n",
			strerror(errno ? errno : EIO));
	free(st.text);
}

/*
 * COMMAND as a child, the slots read when it has ended: reported (stats:
 * out_fd as slots_report()) and removed; with progress, the line each
 * second while it runs (on a terminal if tty)
 */
static int run_with_slots(char **argv, struct slots *sl, bool stats,
			  int out_fd, bool progress, bool tty)
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
	if (progress)
		w = fa_progress_wait(pid, &status, tty, sl->head, sl->len);
	else
		do {
			w = waitpid(pid, &status, 0);
		} while (w < 0 && errno == EINTR);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (w < 0)
		fail("waitpid", errno);
	if (stats)
		slots_report(sl, out_fd);
	else
		slots_remove(sl);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return FA_EXIT_FAILURE;
}

/* What the options ask of fnaccel itself; the others set FNACCEL_* */
struct opts {
	const char *stats_file;	/* --stats=FILE */
	bool stats_sum;		/* --stats */
	enum fa_when progress;
};

/* --progress=WHEN's WHEN, or exit 2 with one line */
static enum fa_when parse_when(const char *a, const char *when)
{
	if (strcmp(when, "always") == 0)
		return FA_ALWAYS;
	if (strcmp(when, "auto") == 0)
		return FA_AUTO;
	if (strcmp(when, "never") == 0)
		return FA_NEVER;
	fprintf(stderr, "fnaccel: %s: not always, auto or never\n", a);
	exit(FA_EXIT_USAGE);
}

/*
 * Read the options into *o and the environment: the index of COMMAND in
 * argv.  --help and --version answer and exit; a bad option exits 2.
 */
static int parse_options(int argc, char **argv, struct opts *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (strcmp(a, "--help") == 0) {
			usage(stdout);
			exit(0);
		} else if (strcmp(a, "--version") == 0) {
			printf("fnaccel (%s) %s\n", PACKAGE_NAME,
			       PACKAGE_VERSION);
			exit(0);
		} else if (strcmp(a, "--stats") == 0) {
			o->stats_sum = true;
			o->stats_file = NULL;
		} else if (strncmp(a, "--stats=", 8) == 0) {
			if (a[8] == '\0')
				usage_error("--stats=: missing FILE");
			o->stats_file = a + 8;
			o->stats_sum = false;
		} else if (strcmp(a, "--progress") == 0) {
			o->progress = FA_AUTO;
		} else if (strncmp(a, "--progress=", 11) == 0) {
			o->progress = parse_when(a, a + 11);
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
	return i;
}

/* LD_PRELOAD with the library first, before what it held */
static void set_preload(void)
{
	const char *lib = getenv("FNACCEL_LIBRARY");
	const char *old = getenv("LD_PRELOAD");
	char *preload;

	if (lib == NULL || *lib == '\0')
		lib = FA_LIBRARY_PATH;
	if (access(lib, R_OK) < 0)
		fail(lib, errno);
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
}

int main(int argc, char **argv)
{
	struct opts o = { .progress = FA_NEVER };
	struct slots sl;
	int stats_fd = -1;
	int status;
	bool tty;
	int i;

	i = parse_options(argc, argv, &o);
	check_env();
	set_preload();
	if (o.stats_file) {
		/* Before COMMAND runs: a file it cannot get is no silent loss */
		stats_fd = open(o.stats_file,
				O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (stats_fd < 0) {
			fprintf(stderr, "fnaccel: --stats=%s: %s\n",
				o.stats_file, strerror(errno));
			return FA_EXIT_USAGE;
		}
	}
	tty = isatty(STDERR_FILENO);
	if (o.progress == FA_AUTO)
		o.progress = tty ? FA_ALWAYS : FA_NEVER;
	if (o.stats_file || o.stats_sum || o.progress == FA_ALWAYS) {
		slots_create(&sl);
		status = run_with_slots(argv + i, &sl,
					o.stats_file || o.stats_sum, stats_fd,
					o.progress == FA_ALWAYS, tty);
		if (stats_fd >= 0 && close(stats_fd) < 0)
			fprintf(stderr, "fnaccel: --stats=%s: %s\n",
				o.stats_file, strerror(errno));
		return status;
	}
	run(argv + i);
}
