// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c: fnpassfs's command line, mount and request loop.
 *
 * fnpassfs SOURCE MOUNTPOINT [-o options]: parse our options with a
 * fuse_opt table (what is left goes to libfuse), check every value before
 * touching anything, open SOURCE before mounting (so a mount over SOURCE
 * itself still reaches the files it hides), mount, and only then go to the
 * background, so `fnpassfs a b && ls b` sees the mount.  SIGTERM, SIGINT,
 * SIGHUP and fusermount3 -u end the loop; the exit status is 0 then, 1 on
 * a failure, 2 on a usage error.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fp.h"

struct fp_fs fp_fs;

/* The options as given, strings until checked */
struct fp_args {
	char *chunk_size;
	char *splice_threshold;
	int nosplice;
	char *cache;
	int writeback;
	char *readdirplus;
	char *passthrough;
	char *xattr;
	char *threads;
	char *fd_cache;
	char *max_write;
	char *max_read;
	char *entry_timeout;
	char *attr_timeout;
	char *negative_timeout;
	char *stats_file;
	int nostats;
	char *log_level;
	int no_default_permissions;
	int allow_other;
	int foreground;
	int singlethread;
	int debug;
	int help;
	int version;
	char *source;
	char *mountpoint;
	int nonopts;
};

#define FP_OPT(t, p, v) { t, offsetof(struct fp_args, p), v }

/* A pipe for a whole 1 MiB request and its headers; the slack of a reply */
#define FP_PIPE_WANT	(2u << 20)
#define FP_PIPE_SLACK	(16u << 10)

enum {
	FP_KEY_ALLOW_OTHER,
	FP_KEY_DEBUG,
};

static const struct fuse_opt fp_opt_table[] = {
	FP_OPT("chunk_size=%s", chunk_size, 0),
	FP_OPT("splice_threshold=%s", splice_threshold, 0),
	FP_OPT("nosplice", nosplice, 1),
	FP_OPT("cache=%s", cache, 0),
	FP_OPT("writeback", writeback, 1),
	FP_OPT("readdirplus=%s", readdirplus, 0),
	FP_OPT("passthrough=%s", passthrough, 0),
	FP_OPT("xattr=%s", xattr, 0),
	FP_OPT("threads=%s", threads, 0),
	FP_OPT("fd_cache=%s", fd_cache, 0),
	FP_OPT("max_write=%s", max_write, 0),
	FP_OPT("max_read=%s", max_read, 0),
	FP_OPT("entry_timeout=%s", entry_timeout, 0),
	FP_OPT("attr_timeout=%s", attr_timeout, 0),
	FP_OPT("negative_timeout=%s", negative_timeout, 0),
	FP_OPT("stats_file=%s", stats_file, 0),
	FP_OPT("nostats", nostats, 1),
	FP_OPT("log_level=%s", log_level, 0),
	FP_OPT("no_default_permissions", no_default_permissions, 1),
	FP_OPT("-f", foreground, 1),
	FP_OPT("-s", singlethread, 1),
	FP_OPT("-h", help, 1),
	FP_OPT("--help", help, 1),
	FP_OPT("-V", version, 1),
	FP_OPT("--version", version, 1),
	FUSE_OPT_KEY("allow_other", FP_KEY_ALLOW_OTHER),
	FUSE_OPT_KEY("-d", FP_KEY_DEBUG),
	FUSE_OPT_KEY("debug", FP_KEY_DEBUG),
	/* fstab and mount(8) words that are not for us */
	FUSE_OPT_KEY("_netdev", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("nofail", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("defaults", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("auto", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("noauto", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("user", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("users", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("nouser", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("comment=", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_END
};

static void fp_usage(FILE *f)
{
	fprintf(f,
"usage: fnpassfs SOURCE MOUNTPOINT [-f] [-d] [-s] [-o option[,option]...]\n"
"       fnpassfs --help | --version\n"
"\n"
"Mount SOURCE at MOUNTPOINT (they may be the same directory), passing\n"
"every operation through, with zero-copy reads, writes and copies and\n"
"live statistics in MOUNTPOINT/.stats.\n"
"\n"
"  -f                      stay in the foreground\n"
"  -d, -o debug            foreground, log every request (libfuse)\n"
"  -s                      one thread\n"
"  -h, --help              this help\n"
"  -V, --version           the version\n"
"\n"
"fnpassfs options (-o):\n"
"  chunk_size=SIZE         engine fallback chunk size (4M; 64K..1G)\n"
"  splice_threshold=SIZE   reads of this size and more by splice (64K; 0..1G)\n"
"  nosplice                never splice reads or writes\n"
"  cache=MODE              never|auto|always (auto)\n"
"  writeback               kernel writeback cache\n"
"  readdirplus=MODE        yes|no|auto (auto)\n"
"  passthrough=MODE        kernel passthrough of file data:\n"
"                          auto|always|never (auto)\n"
"  xattr=MODE              extended attributes and ACLs:\n"
"                          passthrough|noattr|nosys (passthrough)\n"
"  threads=N               most threads serving requests (10; 1..1024)\n"
"  fd_cache=N              most descriptors kept open for inodes known by\n"
"                          file handle (half the descriptor limit, at most\n"
"                          65536; 16..1048576)\n"
"  max_write=SIZE          largest write request (1M; 4K..1M)\n"
"  max_read=SIZE           largest read request (1M, or what a pipe holds;\n"
"                          4K..1M)\n"
"  entry_timeout=SECONDS   name cache time (by cache=: 0, 1, 86400)\n"
"  attr_timeout=SECONDS    attribute cache time (by cache=: 0, 1, 86400)\n"
"  negative_timeout=SECONDS missing-name cache time (by cache=: 0, 1, 86400)\n"
"  stats_file=NAME         name of the statistics file (.stats)\n"
"  nostats                 no statistics file\n"
"  log_level=LEVEL         off|error|warn|info|debug or 0..4\n"
"  allow_other             let every user in (root: acts as each caller;\n"
"                          turns on default_permissions)\n"
"  no_default_permissions  with allow_other: permissions by the backing\n"
"                          file system only\n"
"\n"
"Other -o options go to libfuse and the kernel (ro, default_permissions,\n"
"fsname=, ...); see mount.fuse3(8).\n");
}

static int fp_opt_proc(void *data, const char *arg, int key,
		       struct fuse_args *outargs)
{
	struct fp_args *a = data;

	switch (key) {
	case FUSE_OPT_KEY_NONOPT:
		a->nonopts++;
		if (a->source == NULL) {
			a->source = strdup(arg);
			return 0;
		}
		if (a->mountpoint == NULL) {
			a->mountpoint = strdup(arg);
			return 0;
		}
		return 0;	/* counted: a usage error */
	case FP_KEY_ALLOW_OTHER:
		a->allow_other = 1;
		return 1;
	case FP_KEY_DEBUG:
		a->debug = 1;
		a->foreground = 1;
		return 1;
	default:
		return 1;	/* libfuse's */
	}
}

/* "fnpassfs: NAME=VALUE: WHY" and -1 */
static int fp_bad(const char *name, const char *value, const char *why)
{
	fprintf(stderr, "fnpassfs: %s=%s: %s\n", name, value, why);
	return -1;
}

static int fp_size_opt(const char *name, const char *value, uint64_t min,
		       uint64_t max, const char *range, uint64_t *out)
{
	char why[64];

	if (value == NULL)
		return 0;
	if (fn_parse_size(value, out) < 0)
		return fp_bad(name, value, "not a size (e.g. 64K, 4M, 1G)");
	if (*out < min || *out > max) {
		snprintf(why, sizeof(why), "out of range (%s)", range);
		return fp_bad(name, value, why);
	}
	return 0;
}

static int fp_seconds_opt(const char *name, const char *value, double *out)
{
	char *end;
	double d;

	if (value == NULL)
		return 0;
	errno = 0;
	d = strtod(value, &end);
	if (errno || end == value || *end != '\0' || !isfinite(d) || d < 0 ||
	    d > 31536000)
		return fp_bad(name, value,
			      "not a number of seconds (0..31536000)");
	*out = d;
	return 0;
}

/*
 * The largest pipe this process can make: root with CAP_SYS_RESOURCE
 * grows one past fs.pipe-max-size, others up to it.  0 if none can be made.
 */
static uint64_t fp_pipe_max(void)
{
	int p[2];
	int n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return 0;
	n = fcntl(p[0], F_SETPIPE_SZ, FP_PIPE_WANT);
	if (n < 0) {
		FILE *f = fopen("/proc/sys/fs/pipe-max-size", "re");
		int max = 0;

		if (f != NULL) {
			if (fscanf(f, "%d", &max) != 1)
				max = 0;
			fclose(f);
		}
		n = max > 0 ? fcntl(p[0], F_SETPIPE_SZ, max) : -1;
		if (n < 0)
			n = fcntl(p[0], F_GETPIPE_SZ);
	}
	close(p[0]);
	close(p[1]);
	return n > 0 ? (uint64_t)n : 0;
}

/* Check and convert every option; 0 or -1 after one message */
static int fp_config(struct fp_args *a, struct fp_config *cfg)
{
	uint64_t n, pipe_max;

	cfg->chunk_size = fn_get_chunk_size();	/* FNACCEL_CHUNK_SIZE */
	cfg->splice_threshold = 64 << 10;
	cfg->splice = !a->nosplice;
	cfg->cache = FP_CACHE_AUTO;
	cfg->writeback = a->writeback;
	cfg->readdirplus = FP_RDPLUS_AUTO;
	cfg->threads = 10;
	cfg->max_write = 1 << 20;
	cfg->max_read = 1 << 20;
	/*
	 * libfuse splices a read reply through a pipe that must hold the
	 * data, its header and three pages more, and receives a write by
	 * splice only into a pipe as large as its whole buffer (1 MiB and a
	 * page).  Without CAP_SYS_RESOURCE, fs.pipe-max-size (1 MiB by
	 * default) caps pipes: then read requests stay 16 KiB under it,
	 * since a read that does not fit is copied through memory.
	 */
	pipe_max = fp_pipe_max();
	cfg->splice_read_max = pipe_max > FP_PIPE_SLACK ?
			       (pipe_max - FP_PIPE_SLACK) & ~UINT64_C(4095) : 0;
	cfg->splice_write = cfg->splice && pipe_max >= FP_PIPE_WANT;
	if (cfg->splice && cfg->splice_read_max >= 4096 &&
	    cfg->splice_read_max < cfg->max_read)
		cfg->max_read = cfg->splice_read_max;
	cfg->stats_file = a->nostats ? NULL : ".stats";
	cfg->log_level = fn_get_log_level();	/* FNACCEL_LOG */

	if (fp_size_opt("chunk_size", a->chunk_size, FN_CHUNK_MIN,
			FN_CHUNK_MAX, "64K..1G", &cfg->chunk_size) < 0 ||
	    fp_size_opt("splice_threshold", a->splice_threshold, 0,
			UINT64_C(1) << 30, "0..1G",
			&cfg->splice_threshold) < 0 ||
	    fp_size_opt("max_write", a->max_write, 4096, 1 << 20, "4K..1M",
			&cfg->max_write) < 0 ||
	    fp_size_opt("max_read", a->max_read, 4096, 1 << 20, "4K..1M",
			&cfg->max_read) < 0)
		return -1;
	if (a->threads != NULL) {
		if (fn_parse_size(a->threads, &n) < 0 || n < 1 || n > 1024 ||
		    strspn(a->threads, "0123456789") != strlen(a->threads))
			return fp_bad("threads", a->threads,
				      "out of range (1..1024)");
		cfg->threads = (unsigned int)n;
	}
	/* 0 until main.c knows the descriptor limit: fp_fd_cache_default() */
	cfg->fd_cache = 0;
	if (a->fd_cache != NULL) {
		if (strspn(a->fd_cache, "0123456789") != strlen(a->fd_cache) ||
		    fn_parse_size(a->fd_cache, &n) < 0)
			return fp_bad("fd_cache", a->fd_cache, "not a number");
		if (n < FP_FD_CACHE_MIN || n > FP_FD_CACHE_MAX)
			return fp_bad("fd_cache", a->fd_cache,
				      "out of range (16..1048576)");
		cfg->fd_cache = (unsigned int)n;
	}
	if (a->cache != NULL) {
		if (strcmp(a->cache, "never") == 0)
			cfg->cache = FP_CACHE_NEVER;
		else if (strcmp(a->cache, "auto") == 0)
			cfg->cache = FP_CACHE_AUTO;
		else if (strcmp(a->cache, "always") == 0)
			cfg->cache = FP_CACHE_ALWAYS;
		else
			return fp_bad("cache", a->cache,
				      "not never, auto or always");
	}
	if (a->readdirplus != NULL) {
		if (strcmp(a->readdirplus, "no") == 0)
			cfg->readdirplus = FP_RDPLUS_NO;
		else if (strcmp(a->readdirplus, "yes") == 0)
			cfg->readdirplus = FP_RDPLUS_YES;
		else if (strcmp(a->readdirplus, "auto") == 0)
			cfg->readdirplus = FP_RDPLUS_AUTO;
		else
			return fp_bad("readdirplus", a->readdirplus,
				      "not yes, no or auto");
	}
	/*
	 * The kernel keeps names, attributes and missing names this long:
	 * never asks every time, auto sees changes made on the backing side
	 * within a second, always trusts the kernel's caches for a day.
	 */
	switch (cfg->cache) {
	case FP_CACHE_NEVER:
		cfg->entry_timeout = cfg->attr_timeout = 0;
		break;
	case FP_CACHE_AUTO:
		cfg->entry_timeout = cfg->attr_timeout = 1;
		break;
	case FP_CACHE_ALWAYS:
		cfg->entry_timeout = cfg->attr_timeout = 86400;
		break;
	}
	cfg->negative_timeout = cfg->entry_timeout;
	if (fp_seconds_opt("entry_timeout", a->entry_timeout,
			   &cfg->entry_timeout) < 0 ||
	    fp_seconds_opt("attr_timeout", a->attr_timeout,
			   &cfg->attr_timeout) < 0 ||
	    fp_seconds_opt("negative_timeout", a->negative_timeout,
			   &cfg->negative_timeout) < 0)
		return -1;
	if (a->stats_file != NULL && !a->nostats) {
		const char *s = a->stats_file;

		if (*s == '\0' || strchr(s, '/') != NULL ||
		    strcmp(s, ".") == 0 || strcmp(s, "..") == 0 ||
		    strlen(s) > NAME_MAX)
			return fp_bad("stats_file", s,
				      "not a file name (no '/', not . or ..)");
		cfg->stats_file = s;
	}
	if (a->log_level != NULL) {
		int lvl = fn_log_parse_level(a->log_level);

		if (lvl < 0 || fn_set_log_level(lvl) < 0)
			return fp_bad("log_level", a->log_level, "not off, "
				      "error, warn, info, debug or 0..4");
		cfg->log_level = lvl;
	}
	if (fp_xattr_parse(a->xattr, &cfg->xattr) < 0)
		return fp_bad("xattr", a->xattr,
			      "not passthrough, noattr or nosys");
	if (fp_passthrough_config(a->passthrough, cfg->writeback) < 0)
		return -1;
	if (fn_set_chunk_size(cfg->chunk_size) < 0)
		return fp_bad("chunk_size", a->chunk_size, "refused");
	cfg->allow_other = a->allow_other;
	cfg->default_permissions = a->allow_other &&
				   !a->no_default_permissions;
	cfg->creds = a->allow_other && geteuid() == 0;
	/*
	 * The writeback cache sends the kernel's own mtime and ctime updates
	 * (after writes, truncates, renames) as explicit times, which only a
	 * file's owner may set: entry.c applies them as root, safe only where
	 * the kernel checked each caller's setattr (default_permissions).
	 */
	if (cfg->creds && cfg->writeback && !cfg->default_permissions) {
		fprintf(stderr, "fnpassfs: writeback: needs "
			"default_permissions with allow_other (drop "
			"no_default_permissions or writeback)\n");
		return -1;
	}
	return 0;
}

/*
 * The daemon holds the files its clients hold open, a cache of inode
 * descriptors sized from this limit (fd_cache), and a descriptor per
 * inode where a backing file system gives no handles.  Raise the limit to
 * fs.nr_open (a privileged daemon may raise the hard limit), else the
 * soft limit to the hard one.
 */
static void fp_raise_nofile(void)
{
	struct rlimit rl;
	unsigned long nr_open = 0;
	FILE *f;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	f = fopen("/proc/sys/fs/nr_open", "re");
	if (f != NULL) {
		if (fscanf(f, "%lu", &nr_open) != 1)
			nr_open = 0;
		fclose(f);
	}
	if (nr_open > rl.rlim_max) {
		struct rlimit want = { nr_open, nr_open };

		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			return;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The daemon's own groups, restored after each caller's */
static int fp_save_groups(struct fp_fs *fs)
{
	int n = getgroups(0, NULL);

	if (n < 0)
		return -errno;
	fs->groups = calloc(n + 1, sizeof(gid_t));
	if (fs->groups == NULL)
		return -ENOMEM;
	n = getgroups(n, fs->groups);
	if (n < 0)
		return -errno;
	fs->ngroups = n;
	return 0;
}

/* Add "-o NAME=VALUE" to args with VALUE escaped for libfuse */
static int fp_add_opt(struct fuse_args *args, const char *name,
		      const char *value)
{
	char *opt = NULL;
	char *kv;
	int ret;

	if (asprintf(&kv, "%s=%s", name, value) < 0)
		return -1;
	ret = fuse_opt_add_opt_escaped(&opt, kv);
	free(kv);
	if (ret == 0)
		ret = fuse_opt_add_arg(args, "-o");
	if (ret == 0)
		ret = fuse_opt_add_arg(args, opt);
	free(opt);
	return ret;
}

/*
 * The kernel caps a FUSE mount's readahead at its bdi's default (128 KiB),
 * whatever max_readahead says: set read_ahead_kb of the new mount's bdi
 * (named by its device number, read from mountinfo so that nothing asks
 * the file system before it answers INIT) to max_read.  Root only; a
 * failure just leaves the kernel's default.
 */
static void fp_tune_readahead(const char *mnt, uint64_t bytes)
{
	char line[4096], dev[64] = "", path[128];
	char mp[PATH_MAX];
	unsigned int maj, min;
	FILE *f;
	int fd;

	f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		return;
	/* "id parent maj:min root mountpoint ...": the last match is ours */
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%*d %*d %u:%u %*s %4095s", &maj, &min,
			   mp) == 3 && strcmp(mp, mnt) == 0)
			snprintf(dev, sizeof(dev), "%u:%u", maj, min);
	}
	fclose(f);
	if (dev[0] == '\0')
		return;
	snprintf(path, sizeof(path), "/sys/class/bdi/%s/read_ahead_kb", dev);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	dprintf(fd, "%" PRIu64 "\n", bytes >> 10);
	close(fd);
}

/* A loop result that means a normal end: signal, unmount, or none */
static bool fp_clean_exit(int ret)
{
	return ret == 0 || ret == SIGTERM || ret == SIGINT || ret == SIGHUP ||
	       ret == -ENODEV;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fp_fs *fs = &fp_fs;
	struct fp_args a;
	struct fuse_loop_config *lc;
	struct stat st;
	char *mnt = NULL;
	char *src = NULL;
	char num[32];
	int ret, status = 1;

	memset(&a, 0, sizeof(a));
	fn_log_set_prefix("fnpassfs");
	/* The defaults of chunk_size= and log_level= (fnpassfs(1)) */
	fn_env_apply("fnpassfs");
	fs->start_ns = fn_now_ns();
	if (fuse_opt_parse(&args, &a, fp_opt_table, fp_opt_proc) < 0) {
		/* libfuse said why */
		fuse_opt_free_args(&args);
		return 2;
	}
	if (a.help) {
		fp_usage(stdout);
		status = 0;
		goto out_args;
	}
	if (a.version) {
		printf("fnpassfs (fnaccel) %s\nlibfuse %s\n"
		       "kernel passthrough: %s\nO_TMPFILE: %s\n",
		       PACKAGE_VERSION, fuse_pkgversion(),
		       fp_passthrough_built() ? "yes" : "no (libfuse < 3.16)",
		       FP_HAVE_TMPFILE ? "yes" :
					 "no (libfuse < 3.17, EOPNOTSUPP)");
		status = 0;
		goto out_args;
	}
	if (a.source == NULL || a.mountpoint == NULL || a.nonopts > 2) {
		fprintf(stderr, "fnpassfs: %s\n",
			a.nonopts > 2 ? "too many arguments" :
					"SOURCE and MOUNTPOINT are needed");
		fp_usage(stderr);
		status = 2;
		goto out_args;
	}
	if (fp_config(&a, &fs->cfg) < 0)
		goto out_args;

	/* the source first: a mount over it hides it */
	fs->root.fd = open(a.source, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fs->root.fd < 0) {
		fprintf(stderr, "fnpassfs: %s: %s\n", a.source,
			strerror(errno));
		goto out_args;
	}
	if (fstat(fs->root.fd, &st) < 0) {
		fprintf(stderr, "fnpassfs: %s: %s\n", a.source,
			strerror(errno));
		goto out_close;
	}
	fs->root.dev = st.st_dev;
	fs->root.ino = st.st_ino;
	fs->root.nlookup = 1;
	fs->stats_inode.fd = -1;
	mnt = realpath(a.mountpoint, NULL);
	if (mnt == NULL || stat(mnt, &st) < 0) {
		fprintf(stderr, "fnpassfs: %s: %s\n", a.mountpoint,
			strerror(errno));
		goto out_close;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "fnpassfs: %s: %s\n", a.mountpoint,
			strerror(ENOTDIR));
		goto out_close;
	}
	src = realpath(a.source, NULL);
	fs->uid = geteuid();
	fs->gid = getegid();
	if (fp_itable_init(fs) < 0 || fp_save_groups(fs) < 0 ||
	    (fs->cfg.creds && fp_creds_init() < 0)) {
		fprintf(stderr, "fnpassfs: %s\n", strerror(ENOMEM));
		goto out_close;
	}
	fp_raise_nofile();
	if (fs->cfg.fd_cache == 0)
		fs->cfg.fd_cache = fp_fd_cache_default();
	/* each caller's umask is applied per request (creds.c), ours never */
	umask(0);

	snprintf(num, sizeof(num), "%" PRIu64, fs->cfg.max_read);
	if (fp_add_opt(&args, "fsname", src ? src : a.source) < 0 ||
	    fp_add_opt(&args, "subtype", "fnpassfs") < 0 ||
	    fp_add_opt(&args, "max_read", num) < 0 ||
	    (fs->cfg.default_permissions &&
	     fuse_opt_add_arg(&args, "-odefault_permissions") < 0)) {
		fprintf(stderr, "fnpassfs: %s\n", strerror(ENOMEM));
		goto out_close;
	}

	fs->se = fuse_session_new(&args, &fp_ops, sizeof(fp_ops), fs);
	if (fs->se == NULL)
		goto out_close;	/* libfuse printed why */
	/*
	 * libfuse leaves ignored signals alone, and a shell starts background
	 * jobs with SIGINT ignored: SIGINT and SIGTERM must always unmount.
	 */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (fuse_set_signal_handlers(fs->se) != 0) {
		fprintf(stderr, "fnpassfs: cannot set signal handlers\n");
		goto out_session;
	}
	if (fuse_session_mount(fs->se, mnt) != 0) {
		fprintf(stderr, "fnpassfs: %s: mount failed\n", mnt);
		goto out_signals;
	}
	fp_tune_readahead(mnt, fs->cfg.max_read);
	/* passthrough=always: fail here if the kernel cannot */
	if (fp_passthrough_mounted(fs->se) < 0)
		goto out_unmount;
	/* in the background only now: the mount is there when we return */
	fuse_daemonize(a.foreground);
	fs->daemonized = !a.foreground;

	if (a.singlethread) {
		ret = fuse_session_loop(fs->se);
	} else {
		lc = fuse_loop_cfg_create();
		if (lc == NULL) {
			ret = -ENOMEM;
		} else {
			fuse_loop_cfg_set_clone_fd(lc, 1);
			fuse_loop_cfg_set_max_threads(lc, fs->cfg.threads);
			fuse_loop_cfg_set_idle_threads(lc, fs->cfg.threads);
			ret = fuse_session_loop_mt(fs->se, lc);
			fuse_loop_cfg_destroy(lc);
		}
	}
	status = fp_clean_exit(ret) ? 0 : 1;
	if (status)
		fprintf(stderr, "fnpassfs: %s\n",
			strerror(ret < 0 ? -ret : ret));
out_unmount:
	fuse_session_unmount(fs->se);
out_signals:
	fuse_remove_signal_handlers(fs->se);
out_session:
	fuse_session_destroy(fs->se);
out_close:
	close(fs->root.fd);
out_args:
	free(mnt);
	free(src);
	free(a.source);
	free(a.mountpoint);
	fuse_opt_free_args(&args);
	return status;
}
