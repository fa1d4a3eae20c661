/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fp.h: what the parts of fnpassfs share.
 *
 * fnpassfs is a libfuse3 low-level passthrough file system.  A fuse_ino_t
 * is the address of a struct fp_inode: the root is &fs->root, the virtual
 * statistics file is &fs->stats_inode, and every other inode lives in a
 * hash table keyed on the backing file's (st_dev, st_ino), holding its
 * file handle and the kernel's lookup count; a handler borrows an O_PATH
 * descriptor of it from a bounded cache (inode.c).  Open files keep their
 * backing descriptor in fi->fh; every operation on an open file works on
 * that descriptor.
 */
#ifndef FP_H
#define FP_H

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "fn_frontend.h"
#include "gauges.h"

_Static_assert(sizeof(fuse_ino_t) >= sizeof(void *),
	       "fuse_ino_t must hold a pointer");

/*
 * O_TMPFILE through the mount needs a tmpfile handler, which libfuse has
 * only since 3.17 (the kernel sends FUSE_TMPFILE since 6.1): fp_tmpfile()
 * is built with libfuse 3.17 or newer; with an older one the kernel
 * answers EOPNOTSUPP.  --version tells.
 */
#if FUSE_MAJOR_VERSION > 3 || FUSE_MINOR_VERSION >= 17
#define FP_HAVE_TMPFILE 1
#else
#define FP_HAVE_TMPFILE 0
#endif

/*
 * Every request handler, in the order /.stats lists fs_<op>_ops; every
 * build lists tmpfile, which stays 0 without FP_HAVE_TMPFILE.
 */
#define FP_OPS(X)							\
	X(lookup) X(forget) X(forget_multi) X(getattr) X(setattr)	\
	X(readlink) X(mknod) X(mkdir) X(unlink) X(rmdir) X(symlink)	\
	X(rename) X(link) X(open) X(read) X(write) X(flush) X(release)	\
	X(fsync) X(opendir) X(readdir) X(readdirplus) X(releasedir)	\
	X(fsyncdir) X(statfs) X(setxattr) X(getxattr) X(listxattr)	\
	X(removexattr) X(access) X(create) X(tmpfile) X(fallocate)	\
	X(lseek) X(copy_file_range)

enum fp_op {
#define FP_OP_ENUM(name) FP_OP_##name,
	FP_OPS(FP_OP_ENUM)
#undef FP_OP_ENUM
	FP_OP_COUNT
};

/* The byte and error counters of /.stats, after the per-op counts */
#define FP_COUNTERS(X)							\
	X(errors)		/* errors but ENOENT, ENODATA */	\
	X(read_bytes)		/* all bytes read, both paths */	\
	X(read_splice_bytes)	/* of those, sent by splice */	\
	X(write_bytes)		/* all bytes written */		\
	X(write_splice_bytes)	/* of those, received by splice */	\
	X(copy_file_range_bytes)					\
	X(handle_fallbacks)	/* inodes added with a descriptor */	\
	X(lookups_known)	/* names of known inodes, not opened */ \
	X(lookups_by_handle)	/* of those, told by their handle */	\
	X(fd_cache_hits)	/* descriptor found in the cache */	\
	X(fd_cache_misses)	/* reopened by handle */		\
	X(fd_cache_evictions)	/* closed to stay within fd_cache */	\
	X(stale_handles)	/* file gone beside the mount: ENOENT */ \
	X(fd_limit_errors)	/* EMFILE or ENFILE met */	\
	X(watch_events)		/* fanotify events read (watch.c) */	\
	X(watch_names)		/* names dropped from the kernel */	\
	X(watch_attrs)		/* attributes dropped from the kernel */ \
	X(listings_kept)	/* opendir: the kernel's kept (listing.c) */ \
	X(listings_read)	/* opendir: read again, attributes too */

struct fp_counters {
	atomic_uint_fast64_t ops[FP_OP_COUNT];
	atomic_uint_fast64_t ns[FP_OP_COUNT];	/* handler to reply sent */
#define FP_COUNTER_FIELD(name) atomic_uint_fast64_t name;
	FP_COUNTERS(FP_COUNTER_FIELD)
#undef FP_COUNTER_FIELD
};

/*
 * An inode the kernel knows.  With a handle (handle_size > 0), fd is a
 * cached O_PATH descriptor or -1, and everything about it is protected by
 * fs->itable_lock; without one, fd is the inode's own for its life (the
 * root, and where handles are not to be had), and never changes.
 */
struct fp_inode {
	dev_t dev;
	ino_t ino;
	uint64_t nlookup;	/* protected by fs->itable_lock */
	struct fp_inode *next;	/* hash chain, protected by itable_lock */
	struct fp_inode *hnext;	/* chain by handle (cache=watch), the same */
	struct fp_inode *lru_prev;	/* cached and not lent: itable_lock */
	struct fp_inode *lru_next;
	int fd;			/* O_PATH, see above; -1 for /.stats */
	int mount_fd;		/* for open_by_handle_at(2), not ours */
	unsigned int fd_users;	/* borrowers of fd, itable_lock */
	bool drop_fd;		/* unlinked: close fd when given back */
	bool stale;		/* handle gone, out of the table */
	bool unlinked_here;	/* a name removed through the mount */
	atomic_bool unverified;	/* handle and number not seen to match */
	/*
	 * Its open files, for kernel passthrough (passthrough.c), protected
	 * by fp_pt.lock there; an inode with open files is not forgotten.
	 */
	int backing_id;		/* > 0 while pt_opens > 0 */
	unsigned int pt_opens;	/* passed through */
	unsigned int cached_opens;	/* served by the daemon */
	/* cache=auto's listings (listing.c) */
	_Atomic uint64_t listing_read_ns;	/* its last read from 0 */
	_Atomic uint64_t attrs_read_ns;	/* the last with every entry's */
	unsigned char handle_size;	/* 0: no handle */
	unsigned char handle[];	/* a struct file_handle, handle_size */
};

/* A backing mount met in the tree; never changes once published */
struct fp_mount {
	int mnt_id;		/* of name_to_handle_at(2) */
	int fd;			/* a directory on it, not O_PATH; or -1 */
	bool handles;		/* its inodes are known by handle */
	unsigned int fs_flags;	/* FN_FS_* of its file system, fp_fs_flags() */
};

#define FP_MOUNTS_MAX		256
#define FP_FD_CACHE_MIN		16
#define FP_FD_CACHE_MAX		1048576
#define FP_FD_CACHE_MAX_DEFAULT	65536

/*
 * The words of each -o option that takes one, in the order --help and its
 * error message list them: X(value, word).  Each list makes its enum and
 * the names options.c parses and /.stats shows.
 */
#define FP_CACHE_WORDS(X)						\
	X(FP_CACHE_NEVER, never) X(FP_CACHE_AUTO, auto)		\
	X(FP_CACHE_ALWAYS, always) X(FP_CACHE_WATCH, watch)
#define FP_READDIRPLUS_WORDS(X)						\
	X(FP_RDPLUS_YES, yes) X(FP_RDPLUS_NO, no) X(FP_RDPLUS_AUTO, auto)
/* -o xattr=: what extended attribute requests get (xattr.c) */
#define FP_XATTR_WORDS(X)						\
	X(FP_XATTR_PASSTHROUGH, passthrough) X(FP_XATTR_NOATTR, noattr)	\
	X(FP_XATTR_NOSYS, nosys)
/* -o passthrough=: kernel passthrough of file data (passthrough.c) */
#define FP_PASSTHROUGH_WORDS(X)						\
	X(FP_PT_AUTO, auto) X(FP_PT_ALWAYS, always) X(FP_PT_NEVER, never)

#define FP_WORD_ENUM(value, word) value,
enum fp_cache { FP_CACHE_WORDS(FP_WORD_ENUM) };
enum fp_readdirplus { FP_READDIRPLUS_WORDS(FP_WORD_ENUM) };
enum fp_xattr { FP_XATTR_WORDS(FP_WORD_ENUM) };
enum fp_passthrough { FP_PASSTHROUGH_WORDS(FP_WORD_ENUM) };
#undef FP_WORD_ENUM

#define FP_SECONDS_MAX	31536000	/* a year */

/*
 * Every -o option of fnpassfs, in the order --help lists them and /.stats
 * shows their opt_<field> lines:
 *	X(kind, name, field, default, min, max, shown default, help)
 * The kind says how options.c parses and checks the value and how /.stats
 * shows it:
 *	SIZE	name=SIZE, uint64_t, min..max
 *	COUNT	name=N, unsigned int, min..max
 *	SECONDS	name=SECONDS, double, min..max
 *	WORDS	name=MODE, enum fp_<field>, one of FP_<FIELD>_WORDS
 *	NAME	name=NAME, a file name, const char *
 *	LEVEL	name=LEVEL, a log level, int, min..max
 *	FLAG	name sets field, a bool (false by default)
 *	KEEP	as FLAG, and the option goes on to libfuse too
 *	NOFLAG	name clears field, a bool (true by default)
 *	CLEAR	name clears field, another option's: no line of its own
 *	DERIVED	no option: fp_config() derives the field from others
 * The default is an expression evaluated in order, so it may use the
 * options above it (cfg); the shown default is what --help says of it.
 * A new option is one line here, its effect and its entry in fnpassfs(1).
 */
#define FP_OPTIONS(X)							\
	X(SIZE, chunk_size, chunk_size, fn_get_chunk_size(),		\
	  FN_CHUNK_MIN, FN_CHUNK_MAX, "4M", "engine fallback chunk size") \
	X(SIZE, splice_threshold, splice_threshold, 64 << 10, 0, 1 << 30, \
	  "64K", "reads of this size and more by splice")		\
	X(NOFLAG, nosplice, splice, true, 0, 0, "",			\
	  "never splice reads or writes")				\
	X(WORDS, cache, cache, FP_CACHE_AUTO, 0, 0, "", "")		\
	X(FLAG, writeback, writeback, false, 0, 0, "",			\
	  "kernel writeback cache")					\
	X(WORDS, readdirplus, readdirplus, FP_RDPLUS_AUTO, 0, 0, "", "") \
	X(WORDS, xattr, xattr, FP_XATTR_PASSTHROUGH, 0, 0, "",		\
	  "extended attributes and ACLs")				\
	X(COUNT, threads, threads, 10, 1, 1024, "10",			\
	  "most threads serving requests")				\
	X(COUNT, fd_cache, fd_cache, 0, FP_FD_CACHE_MIN, FP_FD_CACHE_MAX, \
	  "half the descriptor limit, at most 65536",			\
	  "most descriptors kept open for inodes known by file handle")	\
	X(SIZE, max_write, max_write, 1 << 20, 4096, 1 << 20, "1M",	\
	  "largest write request")					\
	X(SIZE, max_read, max_read, fp_max_read_default(cfg), 4096,	\
	  1 << 20, "1M, or what a pipe holds", "largest read request")	\
	X(SECONDS, entry_timeout, entry_timeout,			\
	  fp_cache_timeout(cfg->cache), 0, FP_SECONDS_MAX,		\
	  "by cache=: 0, 1, 86400", "name cache time")			\
	X(SECONDS, attr_timeout, attr_timeout,				\
	  fp_cache_timeout(cfg->cache), 0, FP_SECONDS_MAX,		\
	  "by cache=: 0, 1, 86400", "attribute cache time")		\
	X(SECONDS, negative_timeout, negative_timeout,			\
	  fp_cache_timeout(cfg->cache), 0, FP_SECONDS_MAX,		\
	  "by cache=: 0, 1, 86400", "missing-name cache time")		\
	X(NAME, stats_file, stats_file, ".stats", 0, 0, ".stats",	\
	  "name of the statistics file")				\
	X(CLEAR, nostats, stats_file, NULL, 0, 0, "", "no statistics file") \
	X(LEVEL, log_level, log_level, fn_get_log_level(),		\
	  FN_LOG_LEVEL_OFF, FN_LOG_LEVEL_DEBUG, "",			\
	  "off|error|warn|info|debug or")				\
	X(KEEP, allow_other, allow_other, false, 0, 0, "",		\
	  "let every user in (root: acts as each caller; turns on "	\
	  "default_permissions)")					\
	X(NOFLAG, no_default_permissions, default_permissions, true, 0, 0, \
	  "", "with allow_other: permissions by the backing file system " \
	  "only")							\
	X(FLAG, overmount, overmount, false, 0, 0, "",			\
	  "mount even where another file system is mounted")		\
	X(DERIVED, creds, creds, false, 0, 0, "", "")			\
	X(WORDS, passthrough, passthrough, FP_PT_AUTO, 0, 0, "", \
	  "kernel passthrough of file data")

/* The C type of a field of each kind; CLEAR's field is another row's */
#define FP_TYPE_SIZE(f)		uint64_t f;
#define FP_TYPE_COUNT(f)	unsigned int f;
#define FP_TYPE_SECONDS(f)	double f;
#define FP_TYPE_WORDS(f)	enum fp_##f f;
#define FP_TYPE_NAME(f)		const char *f;
#define FP_TYPE_LEVEL(f)	int f;
#define FP_TYPE_FLAG(f)		bool f;
#define FP_TYPE_KEEP(f)		bool f;
#define FP_TYPE_NOFLAG(f)	bool f;
#define FP_TYPE_CLEAR(f)
#define FP_TYPE_DERIVED(f)	bool f;

/*
 * The mount's options, checked and converted by options.c: one field per
 * row of FP_OPTIONS (stats_file is NULL with nostats, fd_cache 0 until
 * main.c knows the descriptor limit, creds: act with each caller's
 * credentials), then what options.c derives from the system.
 */
struct fp_config {
#define FP_CONFIG_FIELD(kind, name, field, def, min, max, shown, help)	\
	FP_TYPE_##kind(field)
	FP_OPTIONS(FP_CONFIG_FIELD)
#undef FP_CONFIG_FIELD
	uint64_t splice_read_max; /* largest read a pipe can carry */
	bool splice_write;	/* a pipe holds a whole write request */
};

struct fp_fs {
	struct fp_config cfg;
	struct fp_inode root;		/* FUSE_ROOT_ID, never freed */
	struct fp_inode stats_inode;	/* /.stats, outside the table */

	/*
	 * Lock order: itable_lock before passthrough.c's fp_pt.lock (the
	 * passthrough fields of every inode), which is innermost: nothing
	 * else is taken while it is held.  Today no path holds both.
	 */
	pthread_mutex_t itable_lock;
	struct fp_inode **buckets;	/* protected by itable_lock */
	size_t nbuckets;		/* protected by itable_lock */
	/* by handle, nbuckets too; only with cache=watch (watch.c) */
	struct fp_inode **hbuckets;	/* protected by itable_lock */
	atomic_size_t ninodes;		/* written under itable_lock */
	atomic_size_t ninodes_handle;	/* of those, known by handle */
	atomic_size_t ninodes_fd;	/* of those, keeping a descriptor */
	struct fp_inode *lru_head;	/* cached, not lent: itable_lock */
	struct fp_inode *lru_tail;
	atomic_size_t fd_cached;	/* written under itable_lock */

	bool handles_capable;		/* CAP_DAC_READ_SEARCH */
	pthread_mutex_t mounts_lock;	/* for adding to mounts */
	struct fp_mount mounts[FP_MOUNTS_MAX];
	atomic_size_t nmounts;		/* published with release */
	atomic_bool mounts_full;	/* said so once */

	atomic_int_fast64_t open_files;
	struct fp_counters cnt;
	/* passthrough.c's gauges, here for gauges.h to read */
	bool pt_active;			/* negotiated at INIT, before opens */
	atomic_uint_fast64_t pt_files;	/* backing ids registered now */
	uint64_t start_ns;		/* CLOCK_MONOTONIC at start */
	uid_t uid;			/* the daemon's, for /.stats */
	gid_t gid;
	int ngroups;			/* the daemon's groups, restored */
	gid_t *groups;
	struct fuse_session *se;
	bool dont_mask;			/* FUSE_CAP_DONT_MASK, set by init */
	bool auto_inval_data;		/* FUSE_CAP_AUTO_INVAL_DATA, by init */
	bool no_opendir;		/* opendir answers ENOSYS (dir.c) */
	bool daemonized;		/* stderr is gone: notices to syslog */
	int proc_fd;			/* /proc/self/fd, or -1 (ops.c) */
	atomic_bool watch_lost;		/* cache=watch fell back (watch.c) */
};

extern struct fp_fs fp_fs;

static inline void fp_count(atomic_uint_fast64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* inode.c */
int fp_itable_init(struct fp_fs *fs);
unsigned int fp_fd_cache_default(void);
struct fp_inode *fp_inode_of(fuse_ino_t ino);
fuse_ino_t fp_inode_ino_of_handle(dev_t dev, const struct file_handle *fh);
double fp_timeout(double seconds);
int fp_inode_fd(struct fp_inode *in);
void fp_inode_fd_put(struct fp_inode *in);
void fp_inode_unlinked(dev_t dev, ino_t ino);
int fp_inode_check_removed(struct fp_inode *in, const struct stat *st);
bool fp_fd_exhausted(int err);
unsigned int fp_inode_fs_flags(const struct fp_inode *in, int fd);
int fp_do_lookup(struct fp_inode *parent, int pfd, const char *name,
		 struct fuse_entry_param *e);
int fp_do_lookup_fd(int fd, struct fuse_entry_param *e);
void fp_inode_unref(struct fp_inode *inode, uint64_t n);
void fp_entry_timeouts(struct fuse_entry_param *e);

/* file.c */
unsigned int fp_fs_flags(int fd);

/* notice.c: what a user must read, whatever the build's logging */
/* watch.c: cache=watch */
int fp_watch_init(int root_fd);
int fp_watch_add(int fd);
void fp_watch_add_later(int fd, bool handles);
int fp_watch_ready(void);
void fp_watch_reply_begin(void);
void fp_watch_reply_end(void);
int fp_watch_start(void);
void fp_watch_stop(void);

void fp_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * options.c: the command line and the -o options of FP_OPTIONS, as given:
 * a string for a value, a flag for a word
 */
#define FP_ARG_SIZE(name)	char *name;
#define FP_ARG_COUNT(name)	char *name;
#define FP_ARG_SECONDS(name)	char *name;
#define FP_ARG_WORDS(name)	char *name;
#define FP_ARG_NAME(name)	char *name;
#define FP_ARG_LEVEL(name)	char *name;
#define FP_ARG_FLAG(name)	int name;
#define FP_ARG_KEEP(name)	int name;
#define FP_ARG_NOFLAG(name)	int name;
#define FP_ARG_CLEAR(name)	int name;
#define FP_ARG_DERIVED(name)

struct fp_args {
#define FP_ARG_FIELD(kind, name, field, def, min, max, shown, help)	\
	FP_ARG_##kind(name)
	FP_OPTIONS(FP_ARG_FIELD)
#undef FP_ARG_FIELD
	int foreground;
	int singlethread;
	int help;
	int version;
	char *source;		/* strdup()ed, freed by fp_args_free() */
	char *mountpoint;
	int nonopts;
};

int fp_args_parse(struct fuse_args *args, struct fp_args *a);
void fp_args_free(struct fp_args *a);
void fp_usage(FILE *f);
int fp_config(const struct fp_args *a, struct fp_config *cfg);
void fp_options_stats(char *buf, size_t len, size_t *pos);

/* ops.c */
extern const struct fuse_lowlevel_ops fp_ops;

/*
 * A descriptor's file by name, for a call that takes a name: "N" in the
 * directory /proc/self/fd for an *at(2) call, or the whole path
 */
struct fp_fdname {
	int dir;		/* /proc/self/fd, else AT_FDCWD */
	const char *name;	/* in dir: "N", else the path */
	char path[32];		/* "/proc/self/fd/N" */
};

void fp_fdname(struct fp_fdname *fn, int fd);
void fp_fdname_init(void);

bool fp_is_stats_name(struct fp_inode *parent, const char *name);
int fp_creds_init(void);	/* creds.c */

/* stats.c */
void fp_stats_attr(struct stat *st);
void fp_stats_entry(struct fuse_entry_param *e);
int fp_stats_may_open(fuse_req_t req, struct fuse_file_info *fi);
int fp_stats_prepare(struct fuse_file_info *fi);
void fp_stats_open(fuse_req_t req, struct fuse_file_info *fi);
void fp_stats_read(fuse_req_t req, size_t size, off_t off,
		   struct fuse_file_info *fi);
void fp_stats_write(fuse_req_t req, struct fuse_bufvec *in);
void fp_stats_release(struct fuse_file_info *fi);
void fp_stats_reset(void);
void fp_stats_gauges(char *buf, size_t len, size_t *pos,
		     enum fp_gauge_after after);

/* xattr.c: the -o xattr= modes */
bool fp_xattr_kernel_acls(void);

/* passthrough.c: kernel FUSE passthrough of file data */
int fp_passthrough_check(const struct fp_config *cfg);
bool fp_passthrough_built(void);
void fp_passthrough_init(struct fuse_conn_info *conn);
int fp_passthrough_mounted(struct fuse_session *se);
void fp_passthrough_open(struct fp_inode *inode, int fd, mode_t mode,
			 struct fuse_file_info *fi);
void fp_passthrough_release(struct fp_inode *inode);
void fp_passthrough_stats(char *buf, size_t len, size_t *pos);
void fp_passthrough_stats_reset(void);

#endif /* FP_H */
