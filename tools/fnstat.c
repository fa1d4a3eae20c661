// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fnstat.c: `fnstat [-i SECONDS] [-c COUNT] [--raw|--json] TARGET` and
 * `fnstat -p PID`: the statistics of an fnpassfs mount (TARGET/.stats)
 * or of a running `fnaccel --stats` (its file of slots, fa.h), sampled
 * every SECONDS and printed as rates in columns, as iostat and vmstat
 * do, or as the counters' deltas for scripts.
 *
 * The first line counts from the start: of the daemon (uptime_s; the
 * counters themselves since the mount or the last reset) or of fnaccel
 * (the time its slots' directory was made).  Each later line counts one
 * interval.  The text is read back with the engine's key table
 * (fn_keys.c), the slots with the code fnaccel reads them with
 * (preload/slots.c), so the keys are the same everywhere.
 *
 * Exit status: 0 after COUNT lines, at SIGINT or SIGTERM, or when the
 * fnaccel command has ended (its slots unlinked); 1 when TARGET cannot be
 * read (not fnpassfs, the mount gone); 2 for a usage error.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "fa.h"
#include "gauges.h"

#define FS_EXIT_FAIL 1
#define FS_EXIT_USAGE 2

#define FS_INTERVAL_MIN 0.01
#define FS_INTERVAL_MAX 86400.0

/* How many metadata requests or skip reasons the last column names */
#define FS_TOP 3

enum fs_output { FS_COLUMNS, FS_RAW, FS_JSON };

/* What is watched: a mount's /.stats, or fnaccel's slots */
struct target {
	bool slots;
	const char *name;	/* as the user named it, for messages */
	char path[PATH_MAX];	/* the statistics file or the slots */
	int fd;			/* the slots, open while we map them */
	const struct fa_slots_head *head;
	size_t len;
};

/* One reading of the counters */
struct sample {
	struct fn_keys keys;
	uint64_t ns;		/* CLOCK_MONOTONIC when taken */
	unsigned long procs;	/* fnaccel's processes counted */
	bool ended;		/* fnaccel removed its slots */
};

/* A column: the rate of a counter, bytes as MiB/s */
struct column {
	const char *title;
	const char *key;
	bool mib;
};

/* A mount: the engine's copies, the daemon's data, passthrough opens */
static const struct column fs_mount_columns[] = {
	{ "kcopy/s", "copy_kernel_ops", false },
	{ "kcopyMiB/s", "copy_kernel_bytes", true },
	{ "fcopy/s", "copy_fallback_ops", false },
	{ "fcopyMiB/s", "copy_fallback_bytes", true },
	{ "read/s", "fs_read_ops", false },
	{ "readMiB/s", "fs_read_bytes", true },
	{ "write/s", "fs_write_ops", false },
	{ "writeMiB/s", "fs_write_bytes", true },
	{ "ptopen/s", "fs_passthrough_opens", false },
	{ "err/s", "fs_errors", false },
	{ "meta/s", NULL, false },	/* the other fs_<op>_ops */
};

/* fnaccel: substituted writes, sendfiles, the engine, writes let by */
static const struct column fs_slots_columns[] = {
	{ "subst/s", "preload_write_substituted_ops", false },
	{ "substMiB/s", "preload_write_substituted_bytes", true },
	{ "sendf/s", "preload_sendfile_ops", false },
	{ "sendfMiB/s", "preload_sendfile_bytes", true },
	{ "kcopy/s", "copy_kernel_ops", false },
	{ "kcopyMiB/s", "copy_kernel_bytes", true },
	{ "fcopy/s", "copy_fallback_ops", false },
	{ "fcopyMiB/s", "copy_fallback_bytes", true },
	{ "skip/s", "preload_write_passthrough_ops", false },
	{ "procs", NULL, false },	/* processes counted so far */
};

/*
 * fnpassfs's keys that describe a state, not a count (its list, which it
 * prints them from), beside the engine's gauges and the opt_ keys: never
 * deltas, and free to go down.
 */
static const char *const fs_daemon_gauges[] = {
#define FS_GAUGE_NAME(after, key, value) #key,
	FP_GAUGES(FS_GAUGE_NAME)
#undef FS_GAUGE_NAME
};

/* The data requests: the rest of fs_<op>_ops is meta/s */
static const char *const fs_data_ops[] = {
	"fs_read_ops", "fs_write_ops", "fs_copy_file_range_ops",
};

/* How long fnstat waits for fnaccel to set its slots up, a step */
static const struct timespec fs_tenth = { 0, 100000000L };

static volatile sig_atomic_t fs_stop;

static void on_signal(int sig)
{
	(void)sig;
	fs_stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: fnstat [OPTION]... MOUNTPOINT|FILE\n"
"   or: fnstat [OPTION]... -p PID\n"
"Print the statistics of an fnpassfs mount (MOUNTPOINT/.stats, or its\n"
"statistics FILE) or of a running `fnaccel --stats` command (PID: fnaccel\n"
"or a process under it; FILE: its slots) as rates per second, the first\n"
"line since the start, then one line each interval.\n"
"\n"
"  -i, --interval=SECONDS  sample every SECONDS (0.01..86400; default 1\n"
"                          with -c; without -i or -c one line only)\n"
"  -c, --count=COUNT       stop after COUNT lines (default: until Ctrl-C)\n"
"  -1                      one line, the totals since the start (-c 1)\n"
"  -p, --pid=PID           the fnaccel --stats command of process PID\n"
"      --raw               each line's counters as \"key delta\" lines, a\n"
"                          block a line, after \"interval_ms N\"\n"
"      --json              the same as one JSON object a line\n"
"  -h, --help              show this help and exit\n"
"      --version           show the version and exit\n"
"\n"
"Exit status: 0 at the end of COUNT, at Ctrl-C or when the fnaccel\n"
"command has ended; 1 if the statistics cannot be read; 2 for a usage\n"
"error.\n");
}

/*
 * "fnstat: " and the message on stderr, after what stdout holds, then
 * exit with status; a usage error says where the help is.
 */
static void __attribute__((noreturn, format(printf, 2, 3)))
fail(int status, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("fnstat: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (status == FS_EXIT_USAGE)
		fputs("Try 'fnstat --help' for more information.\n", stderr);
	exit(status);
}

#define usage_error(...) fail(FS_EXIT_USAGE, __VA_ARGS__)
#define die(...) fail(FS_EXIT_FAIL, __VA_ARGS__)

/* ---- which keys count --------------------------------------------------- */

static bool in_list(const char *key, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(key, list[i]) == 0)
			return true;
	return false;
}

#define IN_LIST(key, list) in_list(key, list, sizeof(list) / sizeof(list[0]))

static bool is_counter(const char *key)
{
	return !fn_stats_is_gauge(key) && !IN_LIST(key, fs_daemon_gauges) &&
	       strncmp(key, "opt_", 4) != 0;
}

static bool is_meta_op(const char *key)
{
	size_t n = strlen(key);

	return strncmp(key, "fs_", 3) == 0 && n > 7 &&
	       strcmp(key + n - 4, "_ops") == 0 && !IN_LIST(key, fs_data_ops);
}

static uint64_t key_value(const struct sample *s, const char *key)
{
	const struct fn_key *k = fn_keys_find(&s->keys, key);

	return k ? k->value : 0;
}

/* ---- reading ------------------------------------------------------------ */

/* The whole of path into *buf (malloc'd, *len bytes): 0 or -errno */
static int read_file(const char *path, char **buf, size_t *len,
		     struct statfs *sf)
{
	size_t cap = 16384, pos = 0;
	char *b = NULL, *nb;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatfs(fd, sf) < 0)
		goto fail;
	for (;;) {
		if (b == NULL || pos == cap) {
			cap = b ? 2 * cap : cap;
			nb = realloc(b, cap);
			if (nb == NULL) {
				errno = ENOMEM;
				goto fail;
			}
			b = nb;
		}
		n = read(fd, b + pos, cap - pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		pos += (size_t)n;
	}
	close(fd);
	*buf = b;
	*len = pos;
	return 0;
fail:
	err = errno;
	free(b);
	close(fd);
	return -err;
}

static bool is_fuse(const struct statfs *sf)
{
	return fn_fs_of_magic((uint64_t)(unsigned long)sf->f_type) ==
	       FN_FS_fuse;
}

/*
 * A sample of a mount: the first one says what TARGET is not, a later one
 * that the mount is gone (unmounted, the daemon dead, another there).
 */
static void sample_mount(struct target *t, struct sample *s, bool first)
{
	struct statfs sf;
	size_t len = 0;
	char *text = NULL;
	int ret;

	ret = read_file(t->path, &text, &len, &sf);
	if (ret < 0) {
		if (ret == -ENOENT && first)
			die("%s: no %s: not the root of an fnpassfs mount, "
			    "or one mounted with -o nostats", t->name,
			    t->path);
		if (first)
			die("%s: %s", t->path, strerror(-ret));
		die("%s: the mount is gone (%s: %s)", t->name, t->path,
		    strerror(-ret));
	}
	fn_keys_clear(&s->keys);
	if (fn_keys_add_text(&s->keys, text, len, NULL) < 0)
		die("%s", strerror(ENOMEM));
	free(text);
	if (is_fuse(&sf) && fn_keys_find(&s->keys, "uptime_s") &&
	    fn_keys_find(&s->keys, "fs_lookup_ops"))
		return;
	if (first)
		die("%s: neither the statistics of an fnpassfs mount nor "
		    "fnaccel slots", t->path);
	die("%s: the mount is gone (%s: not the statistics of fnpassfs)",
	    t->name, t->path);
}

static void sample_slots(struct target *t, struct sample *s)
{
	struct fa_slots_text st;
	struct stat sb;
	int ret;

	/* fnaccel unlinks the file once it has read it: the last sample */
	if (fstat(t->fd, &sb) == 0 && sb.st_nlink == 0)
		s->ended = true;
	ret = fa_slots_read(t->head, t->len, &st);
	if (ret < 0)
		die("%s: %s", t->path, strerror(-ret));
	fn_keys_clear(&s->keys);
	if (fa_slots_sum(&st, &s->keys) < 0)
		die("%s", strerror(ENOMEM));
	s->procs = st.procs;
	free(st.text);
}

static void take_sample(struct target *t, struct sample *s, bool first)
{
	if (t->slots)
		sample_slots(t, s);
	else
		sample_mount(t, s, first);
	s->ns = fn_now_ns();
}

/* ---- what TARGET is ----------------------------------------------------- */

static void open_slots(struct target *t)
{
	struct stat sb;
	int tries;
	void *p;

	t->fd = open(t->path, O_RDONLY | O_CLOEXEC);
	if (t->fd < 0)
		die("%s: %s", t->path, strerror(errno));
	if (fstat(t->fd, &sb) < 0)
		die("%s: %s", t->path, strerror(errno));
	t->len = (size_t)sb.st_size;
	if (!S_ISREG(sb.st_mode) || t->len < FA_SLOTS_START)
		die("%s: not a file of fnaccel statistics slots", t->path);
	p = mmap(NULL, t->len, PROT_READ, MAP_SHARED, t->fd, 0);
	if (p == MAP_FAILED)
		die("%s: %s", t->path, strerror(errno));
	t->head = p;
	/* fnaccel writes the head just after it maps the new file */
	for (tries = 10; tries > 0 && !fa_slots_valid(t->head, t->len);
	     tries--) {
		nanosleep(&fs_tenth, NULL);
		atomic_thread_fence(memory_order_acquire);
	}
	if (!fa_slots_valid(t->head, t->len))
		die("%s: not a file of fnaccel statistics slots, or one of "
		    "another build of fnaccel", t->path);
}

/* Whether path is a file of slots: it starts with their magic */
static bool has_slots_magic(const char *path)
{
	uint64_t magic = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = pread(fd, &magic, sizeof(magic), 0);
	close(fd);
	return n == (ssize_t)sizeof(magic) && magic == FA_SLOTS_MAGIC;
}

static void open_target(struct target *t, const char *arg)
{
	struct statfs sf;
	struct stat sb;
	enum fn_fs_id id;

	t->name = arg;
	if (stat(arg, &sb) < 0)
		die("%s: %s", arg, strerror(errno));
	if (S_ISREG(sb.st_mode) && has_slots_magic(arg)) {
		t->slots = true;
		snprintf(t->path, sizeof(t->path), "%s", arg);
		open_slots(t);
		return;
	}
	if (S_ISREG(sb.st_mode)) {
		/* a mount's statistics file, as -o stats_file=NAME names it */
		snprintf(t->path, sizeof(t->path), "%s", arg);
		return;
	}
	if (!S_ISDIR(sb.st_mode))
		die("%s: neither a mount point nor a statistics file", arg);
	if (statfs(arg, &sf) < 0)
		die("%s: %s", arg, strerror(errno));
	id = fn_fs_of_magic((uint64_t)(unsigned long)sf.f_type);
	if (id != FN_FS_fuse && id != FN_FS_unknown)
		die("%s: not an fnpassfs mount (%s)", arg,
		    fn_fs_types[id].name);
	if (id != FN_FS_fuse)
		die("%s: not an fnpassfs mount (file system 0x%lx)", arg,
		    (unsigned long)sf.f_type);
	if (snprintf(t->path, sizeof(t->path), "%s/.stats", arg) >=
	    (int)sizeof(t->path))
		die("%s: %s", arg, strerror(ENAMETOOLONG));
}

/*
 * The slots in /proc/PID/maps into path: 1, or 0 when none is mapped
 * (*ended if fnaccel has removed them), or -errno.  fnaccel maps its
 * whole file and every process under it its slot's page, so the file's
 * name is there, as "DIR/fnaccel-stats.XXXXXX/slots".
 */
static int scan_maps(const char *pid, char *path, size_t len, bool *ended)
{
	static const char tail[] = "/slots";
	char maps[64], line[PATH_MAX + 128];
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%s/maps", pid);
	f = fopen(maps, "re");
	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, '/');
		size_t n;

		if (p == NULL || strstr(p, "/fnaccel-stats.") == NULL)
			continue;
		p[strcspn(p, "\n")] = '\0';
		n = strlen(p);
		if (n > 10 && strcmp(p + n - 10, " (deleted)") == 0) {
			*ended = true;
			continue;
		}
		if (n > sizeof(tail) - 1 && n < len &&
		    strcmp(p + n - (sizeof(tail) - 1), tail) == 0) {
			memcpy(path, p, n + 1);
			fclose(f);
			return 1;
		}
	}
	fclose(f);
	return 0;
}

/* Whether PID runs fnaccel (its name as the kernel keeps it) */
static bool is_fnaccel(const char *pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	if (fgets(comm, sizeof(comm), f) == NULL)
		comm[0] = '\0';
	fclose(f);
	return strcmp(comm, "fnaccel\n") == 0;
}

/*
 * The slots of fnaccel PID or of a process under it.  fnaccel just
 * started (`fnaccel --stats COMMAND & fnstat -p $!`) may not have made
 * them yet, nor even replaced the shell's child: any process is given
 * 1 s, fnaccel 5 s.
 */
static void find_slots(struct target *t, const char *pid)
{
	static char name[32];
	bool ended = false;
	int ret, tries = 50;

	snprintf(name, sizeof(name), "-p %s", pid);
	t->name = name;
	while ((ret = scan_maps(pid, t->path, sizeof(t->path), &ended)) == 0 &&
	       !ended && --tries > 0 && (tries > 40 || is_fnaccel(pid)))
		nanosleep(&fs_tenth, NULL);
	if (ret == -ENOENT)
		die("-p %s: no such process", pid);
	if (ret < 0)
		die("-p %s: /proc/%s/maps: %s", pid, pid, strerror(-ret));
	if (ret == 0 && ended)
		die("-p %s: its fnaccel command has ended", pid);
	if (ret == 0)
		die("-p %s: no statistics slots: not an fnaccel --stats "
		    "command nor a process under one", pid);
	t->slots = true;
	open_slots(t);
}

/*
 * Seconds the first sample's totals cover: fnpassfs's uptime, or since
 * fnaccel made the slots' directory (it made the file just after).
 */
static double since_start(const struct target *t, const struct sample *s)
{
	char dir[PATH_MAX];
	struct timespec now;
	struct stat sb;
	char *slash;
	double d;

	/* whole seconds: the first second counts as one */
	if (!t->slots)
		return (double)MAX(key_value(s, "uptime_s"), 1);
	snprintf(dir, sizeof(dir), "%s", t->path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (stat(slash ? dir : ".", &sb) < 0)
		return 0;
	clock_gettime(CLOCK_REALTIME, &now);
	d = (double)(now.tv_sec - sb.st_mtim.tv_sec) +
	    (double)(now.tv_nsec - sb.st_mtim.tv_nsec) / 1e9;
	return d > 0 ? d : 0;
}

/* ---- output ------------------------------------------------------------- */

/* One interval, or the totals when prev is NULL */
struct interval {
	const struct sample *prev;
	const struct sample *cur;
	double secs;
	bool reset;		/* a counter went down: counted from 0 */
};

static uint64_t delta(const struct interval *iv, const char *key)
{
	uint64_t cur = key_value(iv->cur, key);

	if (iv->prev == NULL || iv->reset)
		return cur;
	return cur - key_value(iv->prev, key);
}

static double rate(const struct interval *iv, uint64_t n)
{
	return iv->secs > 0 ? (double)n / iv->secs : 0;
}

/* A counter went down: fnpassfs restarted or its counters were reset */
static bool went_back(const struct sample *prev, const struct sample *cur)
{
	size_t i;

	for (i = 0; i < cur->keys.n; i++) {
		const struct fn_key *k = &cur->keys.key[i];

		if (is_counter(k->name) && k->value < key_value(prev, k->name))
			return true;
	}
	return false;
}

/* The FS_TOP largest deltas of the keys a picks, "name:rate ..." */
static void print_top(const struct interval *iv, bool (*pick)(const char *),
		      const char *prefix, const char *suffix)
{
	const struct fn_keys *keys = &iv->cur->keys;
	size_t best[FS_TOP];
	uint64_t val[FS_TOP];
	size_t i, j, n = 0;

	for (i = 0; i < keys->n; i++) {
		uint64_t d;

		if (!pick(keys->key[i].name))
			continue;
		d = delta(iv, keys->key[i].name);
		if (d == 0)
			continue;
		/* insert in order, largest first; the first met wins ties */
		for (j = n; j > 0 && val[j - 1] < d; j--) {
			if (j < FS_TOP) {
				best[j] = best[j - 1];
				val[j] = val[j - 1];
			}
		}
		if (j < FS_TOP) {
			best[j] = i;
			val[j] = d;
			if (n < FS_TOP)
				n++;
		}
	}
	for (i = 0; i < n; i++) {
		const char *name = keys->key[best[i]].name + strlen(prefix);
		int len = (int)(strlen(name) - strlen(suffix));
		double r = rate(iv, val[i]);

		/* a rare request still shows: 0.2, not 0 */
		printf("%s%.*s:%.*f", i ? " " : "  ", len, name,
		       r < 10 ? 1 : 0, r);
	}
}

static bool pick_skip(const char *key)
{
	return strncmp(key, "preload_skip_", 13) == 0;
}

static void columns_of(const struct target *t, const struct column **c,
		       size_t *n)
{
	if (t->slots) {
		*c = fs_slots_columns;
		*n = sizeof(fs_slots_columns) / sizeof(fs_slots_columns[0]);
	} else {
		*c = fs_mount_columns;
		*n = sizeof(fs_mount_columns) / sizeof(fs_mount_columns[0]);
	}
}

/* A column is as wide as its title and a space, 9 at least */
static int width(const struct column *c)
{
	return MAX((int)strlen(c->title) + 1, 9);
}

static void print_header(const struct target *t)
{
	const struct column *c;
	size_t i, n;

	columns_of(t, &c, &n);
	for (i = 0; i < n; i++)
		printf("%*s", width(&c[i]), c[i].title);
	printf("  %s\n", t->slots ? "top-skips/s" : "top-meta/s");
}

static void print_columns(const struct target *t, const struct interval *iv)
{
	const struct column *c;
	size_t i, j, n;
	double v;

	columns_of(t, &c, &n);
	for (i = 0; i < n; i++) {
		if (c[i].key) {
			v = rate(iv, delta(iv, c[i].key));
			if (c[i].mib)
				v /= 1048576.0;
		} else if (t->slots) {
			v = (double)iv->cur->procs;
		} else {
			uint64_t sum = 0;

			for (j = 0; j < iv->cur->keys.n; j++)
				if (is_meta_op(iv->cur->keys.key[j].name))
					sum += delta(iv,
						iv->cur->keys.key[j].name);
			v = rate(iv, sum);
		}
		printf("%*.*f", width(&c[i]), c[i].key || !t->slots ? 1 : 0,
		       v);
	}
	if (t->slots)
		print_top(iv, pick_skip, "preload_skip_", "");
	else
		print_top(iv, is_meta_op, "fs_", "_ops");
	printf("\n");
}

/* --raw: "key delta" lines and an empty one; --json: an object a line */
static void print_deltas(const struct interval *iv, enum fs_output out)
{
	const struct fn_keys *keys = &iv->cur->keys;
	uint64_t ms = (uint64_t)llround(iv->secs * 1000.0);
	size_t i;

	if (out == FS_JSON)
		printf("{\"interval_ms\":%" PRIu64 ",\"reset\":%d", ms,
		       iv->reset);
	else
		printf("interval_ms %" PRIu64 "\n%s", ms,
		       iv->reset ? "reset 1\n" : "");
	for (i = 0; i < keys->n; i++) {
		if (!is_counter(keys->key[i].name))
			continue;
		printf(out == FS_JSON ? ",\"%s\":%" PRIu64 : "%s %" PRIu64 "\n",
		       keys->key[i].name, delta(iv, keys->key[i].name));
	}
	printf(out == FS_JSON ? "}\n" : "\n");
}

static void print_interval(const struct target *t, const struct interval *iv,
			   enum fs_output out)
{
	if (iv->reset && out == FS_COLUMNS) {
		fflush(stdout);
		fprintf(stderr, "fnstat: %s: counters went back (reset, or a "
			"new daemon): this line counts from 0\n", t->name);
	}
	if (out == FS_COLUMNS)
		print_columns(t, iv);
	else
		print_deltas(iv, out);
	fflush(stdout);
}

/* ---- the command line --------------------------------------------------- */

static double parse_interval(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end || errno || !isfinite(v))
		usage_error("-i %s: not a number of seconds", s);
	if (v < FS_INTERVAL_MIN || v > FS_INTERVAL_MAX)
		usage_error("-i %s: out of range (%g..%g seconds)", s,
			    FS_INTERVAL_MIN, FS_INTERVAL_MAX);
	return v;
}

static unsigned long parse_count(const char *s)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno || v == 0)
		usage_error("-c %s: not a count of 1 or more", s);
	return v;
}

static void parse_pid(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno || v < 1 || v > INT_MAX)
		usage_error("-p %s: not a process ID", s);
}

/* What the command line asks */
struct args {
	double interval;	/* seconds; 0: one line */
	unsigned long count;	/* lines; 0: until stopped */
	enum fs_output out;
	const char *pid;	/* -p PID, or NULL */
	const char *path;	/* MOUNTPOINT or FILE, or NULL */
};

/* Read the command line into *a; --help and --version exit, errors exit 2 */
static void parse_args(int argc, char **argv, struct args *a)
{
	enum { OPT_RAW = 256, OPT_JSON, OPT_VERSION };
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "pid", required_argument, NULL, 'p' },
		{ "raw", no_argument, NULL, OPT_RAW },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:c:p:1h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			a->interval = parse_interval(optarg);
			break;
		case 'c':
			a->count = parse_count(optarg);
			break;
		case '1':
			a->count = 1;
			break;
		case 'p':
			parse_pid(optarg);
			a->pid = optarg;
			break;
		case OPT_RAW:
			a->out = FS_RAW;
			break;
		case OPT_JSON:
			a->out = FS_JSON;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case OPT_VERSION:
			printf("fnstat (%s) %s\n", PACKAGE_NAME,
			       PACKAGE_VERSION);
			exit(0);
		case ':':
			usage_error("option %s needs an argument",
				    argv[optind - 1]);
		default:
			if (optopt)
				usage_error("unrecognized option -%c", optopt);
			usage_error("unrecognized option %s",
				    argv[optind - 1]);
		}
	}
	if (a->pid && optind < argc)
		usage_error("-p PID and %s: give one of them", argv[optind]);
	if (!a->pid && optind >= argc)
		usage_error("missing MOUNTPOINT, FILE or -p PID");
	if (optind + 1 < argc)
		usage_error("one MOUNTPOINT or FILE only: %s",
			    argv[optind + 1]);
	a->path = a->pid ? NULL : argv[optind];
	/* as iostat: no interval, one line; a count alone, every second */
	if (a->interval == 0)
		a->interval = a->count > 1 ? 1 : 0;
	if (a->interval == 0)
		a->count = 1;
}

/* ts + ns */
static void add_ns(struct timespec *ts, uint64_t ns)
{
	ts->tv_sec += (time_t)(ns / 1000000000u);
	ts->tv_nsec += (long)(ns % 1000000000u);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* A line for the time since the start, then one per interval */
static void print_lines(struct target *t, const struct args *a)
{
	struct sample s[2] = { 0 };
	uint64_t step = (uint64_t)llround(a->interval * 1e9);
	struct timespec next;
	struct interval iv;
	unsigned long i;
	int cur = 0;

	take_sample(t, &s[cur], true);
	iv = (struct interval){ NULL, &s[cur], since_start(t, &s[cur]),
				false };
	if (a->out == FS_COLUMNS)
		print_header(t);
	print_interval(t, &iv, a->out);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (i = 1; (a->count == 0 || i < a->count) && !s[cur].ended; i++) {
		add_ns(&next, step);
		while (!fs_stop && clock_nanosleep(CLOCK_MONOTONIC,
						   TIMER_ABSTIME, &next,
						   NULL) == EINTR)
			;
		if (fs_stop)
			break;
		cur ^= 1;
		take_sample(t, &s[cur], false);
		iv.prev = &s[cur ^ 1];
		iv.cur = &s[cur];
		iv.secs = (double)(s[cur].ns - s[cur ^ 1].ns) / 1e9;
		iv.reset = went_back(iv.prev, iv.cur);
		print_interval(t, &iv, a->out);
	}
	if (s[cur].ended)
		fprintf(stderr, "fnstat: %s: the fnaccel command has ended\n",
			t->name);
	fn_keys_free(&s[0].keys);
	fn_keys_free(&s[1].keys);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct args a = { .out = FS_COLUMNS };
	struct target t = { .fd = -1 };

	parse_args(argc, argv, &a);
	if (a.pid)
		find_slots(&t, a.pid);
	else
		open_target(&t, a.path);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	print_lines(&t, &a);
	return 0;
}
