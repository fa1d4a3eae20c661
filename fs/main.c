// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * main.c: fnpassfs's mount and request loop.
 *
 * fnpassfs SOURCE MOUNTPOINT [-o options]: parse and check our options
 * (options.c; what is left goes to libfuse) before touching anything, open
 * SOURCE before mounting (so a mount over SOURCE
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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fp.h"

struct fp_fs fp_fs;

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

static void fp_version(void)
{
	printf("fnpassfs (fnaccel) %s\nlibfuse %s\n"
	       "kernel passthrough: %s\nO_TMPFILE: %s\n",
	       PACKAGE_VERSION, fuse_pkgversion(),
	       fp_passthrough_built() ? "yes" : "no (libfuse < 3.16)",
	       FP_HAVE_TMPFILE ? "yes" : "no (libfuse < 3.17, EOPNOTSUPP)");
}

/* "fnpassfs: WHAT: strerror(err)" and -1 */
static int fp_fail(const char *what, int err)
{
	fprintf(stderr, "fnpassfs: %s: %s\n", what, strerror(err));
	return -1;
}

static int fp_no_memory(void)
{
	fprintf(stderr, "fnpassfs: %s\n", strerror(ENOMEM));
	return -1;
}

/*
 * Whether path is the root of a mount (statx(2) says so since Linux 5.8;
 * before, nothing is refused)
 */
static bool fp_is_mount_root(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx) < 0)
		return false;
	return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/*
 * Open SOURCE as the root, before the mount (which may hide it), and find
 * MOUNTPOINT's real path for *mnt (the caller frees it).  A mount point
 * where a file system is mounted already is refused, as bindfs and
 * mergerfs do (stacking hides the first and is seldom meant), unless it
 * is SOURCE itself (mounted over itself) or -o overmount.  0, or -1
 * after one message with nothing left open.
 */
static int fp_open_source(struct fp_fs *fs, const struct fp_args *a,
			  char **mnt)
{
	struct stat st;

	fs->root.fd = open(a->source, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fs->root.fd < 0)
		return fp_fail(a->source, errno);
	if (fstat(fs->root.fd, &st) < 0) {
		fp_fail(a->source, errno);
		goto out_close;
	}
	fs->root.dev = st.st_dev;
	fs->root.ino = st.st_ino;
	fs->root.nlookup = 1;
	fs->stats_inode.fd = -1;
	*mnt = realpath(a->mountpoint, NULL);
	if (*mnt == NULL || stat(*mnt, &st) < 0) {
		fp_fail(a->mountpoint, errno);
		goto out_free;
	}
	if (!S_ISDIR(st.st_mode)) {
		fp_fail(a->mountpoint, ENOTDIR);
		goto out_free;
	}
	if (!fs->cfg.overmount && fp_is_mount_root(*mnt) &&
	    (st.st_dev != fs->root.dev || st.st_ino != fs->root.ino)) {
		fprintf(stderr, "fnpassfs: %s: a file system is mounted there "
			"already (-o overmount mounts over it)\n", *mnt);
		goto out_free;
	}
	return 0;

out_free:
	free(*mnt);
	*mnt = NULL;
out_close:
	close(fs->root.fd);
	return -1;
}

/*
 * What the handlers need before the first request: the inode table, the
 * daemon's identity and groups, the descriptor limit and the cache sized
 * from it, no umask of our own (each caller's is applied per request,
 * creds.c), and with cache=watch the watch of the source's file system
 * (first: the inode table meets the other ones).  0 or -1 after one
 * message.
 */
static int fp_prepare(struct fp_fs *fs)
{
	fs->uid = geteuid();
	fs->gid = getegid();
	if (fs->cfg.cache == FP_CACHE_WATCH && fp_watch_init(fs->root.fd) < 0)
		return -1;
	if (fp_itable_init(fs) < 0 || fp_save_groups(fs) < 0 ||
	    (fs->cfg.creds && fp_creds_init() < 0))
		return fp_no_memory();
	if (fs->cfg.cache == FP_CACHE_WATCH && fp_watch_ready() < 0)
		return -1;
	fp_raise_nofile();
	if (fs->cfg.fd_cache == 0)
		fs->cfg.fd_cache = fp_fd_cache_default();
	umask(0);
	return 0;
}

/*
 * libfuse's options of the mount: fsname (SOURCE's real path), subtype,
 * max_read and default_permissions.  0 or -1 after one message.
 */
static int fp_mount_args(struct fuse_args *args, const struct fp_fs *fs,
			 const char *source)
{
	char *src = realpath(source, NULL);
	char num[32];
	int ret;

	snprintf(num, sizeof(num), "%" PRIu64, fs->cfg.max_read);
	ret = fp_add_opt(args, "fsname", src ? src : source);
	if (ret == 0)
		ret = fp_add_opt(args, "subtype", "fnpassfs");
	if (ret == 0)
		ret = fp_add_opt(args, "max_read", num);
	if (ret == 0 && fs->cfg.default_permissions)
		ret = fuse_opt_add_arg(args, "-odefault_permissions");
	free(src);
	return ret < 0 ? fp_no_memory() : 0;
}

/* Serve requests until unmounted or signalled; the loop's result */
static int fp_loop(struct fp_fs *fs, bool singlethread)
{
	struct fuse_loop_config *lc;
	int ret;

	if (singlethread)
		return fuse_session_loop(fs->se);
	lc = fuse_loop_cfg_create();
	if (lc == NULL)
		return -ENOMEM;
	fuse_loop_cfg_set_clone_fd(lc, 1);
	fuse_loop_cfg_set_max_threads(lc, fs->cfg.threads);
	fuse_loop_cfg_set_idle_threads(lc, fs->cfg.threads);
	ret = fuse_session_loop_mt(fs->se, lc);
	fuse_loop_cfg_destroy(lc);
	return ret;
}

/*
 * Mount at mnt, go to the background (unless foreground) only once the
 * mount is there, so `fnpassfs a b && ls b` sees it, and serve until the
 * end.  The exit status: 0 after a normal end, else 1 after one message.
 * The handlers reach the file system as fp_fs: no userdata.
 */
static int fp_serve(struct fp_fs *fs, struct fuse_args *args,
		    const char *mnt, const struct fp_args *a)
{
	int ret, status = 1;

	fs->se = fuse_session_new(args, &fp_ops, sizeof(fp_ops), NULL);
	if (fs->se == NULL)
		return 1;	/* libfuse printed why */
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
	fuse_daemonize(a->foreground);
	fs->daemonized = !a->foreground;
	fp_fdname_init();
	ret = fp_watch_start();
	if (ret < 0) {
		fprintf(stderr, "fnpassfs: cache=watch: %s\n", strerror(-ret));
		goto out_unmount;
	}

	ret = fp_loop(fs, a->singlethread);
	fp_watch_stop();
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
	return status;
}

/* What the command line asks for; the exit status */
static int fp_run(struct fuse_args *args, const struct fp_args *a)
{
	struct fp_fs *fs = &fp_fs;
	char *mnt = NULL;
	int status = 1;

	if (a->help) {
		fp_usage(stdout);
		return 0;
	}
	if (a->version) {
		fp_version();
		return 0;
	}
	if (a->source == NULL || a->mountpoint == NULL || a->nonopts > 2) {
		fprintf(stderr, "fnpassfs: %s\n",
			a->nonopts > 2 ? "too many arguments" :
					 "SOURCE and MOUNTPOINT are needed");
		fp_usage(stderr);
		return 2;
	}
	if (fp_config(a, &fs->cfg) < 0 || fp_open_source(fs, a, &mnt) < 0)
		return 1;
	if (fp_prepare(fs) == 0 && fp_mount_args(args, fs, a->source) == 0)
		status = fp_serve(fs, args, mnt, a);
	if (fs->proc_fd >= 0)
		close(fs->proc_fd);
	close(fs->root.fd);
	free(mnt);
	return status;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fp_args a;
	int status = 2;

	fn_log_set_prefix("fnpassfs");
	/* The defaults of chunk_size= and log_level= (fnpassfs(1)) */
	fn_env_apply("fnpassfs");
	fp_fs.start_ns = fn_now_ns();
	fp_fs.proc_fd = -1;
	/* on a parse error, libfuse said why */
	if (fp_args_parse(&args, &a) == 0)
		status = fp_run(&args, &a);
	fp_args_free(&a);
	fuse_opt_free_args(&args);
	return status;
}
