/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fa.h: what the parts of libfnaccel.so share.
 *
 * real.c resolves libc's functions (real_<name>), init.c reads the
 * configuration, claims the statistics slot and dumps it at exit,
 * stats.c formats a slot (fnaccel reads them too), track.c remembers each
 * thread's last read and decides whether a write can become a
 * copy_file_range(2), match.c matches writes from other buffers by
 * content, interpose.c and stdio.c hold the libc-named wrappers.  Nothing
 * here is exported: the version script exports only the wrappers.
 */
#ifndef FA_H
#define FA_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "fn_frontend.h"

#define FA_EXPORT __attribute__((visibility("default")))
#define FA_TLS __thread __attribute__((tls_model("initial-exec")))

/* sendfile(2) moves at most MAX_RW_COUNT bytes per call */
#define FA_SENDFILE_MAX ((size_t)0x7ffff000)

/* ---- real.c: libc's functions ------------------------------------------ */

struct fa_real {
	ssize_t (*read)(int fd, void *buf, size_t n);
	ssize_t (*read_chk)(int fd, void *buf, size_t n, size_t buflen);
	ssize_t (*pread)(int fd, void *buf, size_t n, off_t off);
	ssize_t (*pread_chk)(int fd, void *buf, size_t n, off_t off,
			     size_t buflen);
	ssize_t (*write)(int fd, const void *buf, size_t n);
	ssize_t (*pwrite)(int fd, const void *buf, size_t n, off_t off);
	ssize_t (*sendfile)(int out, int in, off_t *off, size_t n);
	ssize_t (*copy_file_range)(int in, off_t *off_in, int out,
				   off_t *off_out, size_t n,
				   unsigned int flags);
	int (*close)(int fd);
	int (*close_range)(unsigned int first, unsigned int last, int flags);
	void (*closefrom)(int lowfd);
	int (*dup2)(int oldfd, int newfd);
	int (*dup3)(int oldfd, int newfd, int flags);
	void *(*mmap)(void *addr, size_t len, int prot, int flags, int fd,
		      off_t off);
	int (*munmap)(void *addr, size_t len);
	void *(*mremap)(void *old, size_t old_len, size_t new_len, int flags,
			...);
	int (*mprotect)(void *addr, size_t len, int prot);
	int (*pkey_mprotect)(void *addr, size_t len, int prot, int pkey);
	int (*madvise)(void *addr, size_t len, int advice);
	size_t (*fwrite)(const void *p, size_t size, size_t n, FILE *f);
	size_t (*fwrite_unlocked)(const void *p, size_t size, size_t n,
				  FILE *f);
	size_t (*fread)(void *p, size_t size, size_t n, FILE *f);
	size_t (*fread_unlocked)(void *p, size_t size, size_t n, FILE *f);
};

/* Filled once by fa_resolve(); valid after fa_resolved() */
extern struct fa_real fa_real;
extern atomic_bool fa_real_ready;

void fa_resolve(void);

static inline bool fa_resolved(void)
{
	if (atomic_load_explicit(&fa_real_ready, memory_order_acquire))
		return true;
	fa_resolve();
	return atomic_load_explicit(&fa_real_ready, memory_order_acquire);
}

/* ---- init.c: configuration and statistics ------------------------------ */

#define FA_FS_MAX 32

struct fa_config {
	bool disabled;		/* FNACCEL_DISABLE: only forward */
	bool hash_all;		/* FNACCEL_VERIFY=hash: XXH3 of every byte */
	bool cfr_fallback;	/* FNACCEL_CFR_FALLBACK=1 */
	bool data_copy;		/* FNACCEL_DATA_COPY (default: FNACCEL_FS) */
	uint64_t min_size;	/* FNACCEL_MIN_SIZE, default 64 KiB */
	bool min_size_set;	/* by the user: no file system's own size */
	bool fs_all;		/* FNACCEL_FS=all */
	unsigned int n_fs;
	uint64_t fs_magic[FA_FS_MAX];	/* FNACCEL_FS: statfs f_type */
};

/* The defaults, before the environment (env.c) */
#define FA_CONFIG_DEFAULT { .min_size = 64 * 1024 }

/* Written by the constructor before fa_ready is set, then read only */
extern struct fa_config fa_config;

/*
 * env.c: the FNACCEL_* variables of struct fa_config into c, each bad one
 * said once as "WHO: NAME=VALUE: why" and its default kept; with drop
 * (fnaccel, before it runs a command) a bad one is unset too, so the
 * processes of the command do not say it again
 */
void fa_env_config(struct fa_config *c, const char *who, bool drop);
void fa_complain(const char *who, const char *name, const char *value,
		 const char *why);
/* FNACCEL_LOG_FILE's descriptor, or -1; dropped if the program closes it */
extern atomic_int fa_log_fd;
extern atomic_bool fa_ready;

/* True when the wrappers may do more than forward */
static inline bool fa_active(void)
{
	return fa_resolved() &&
	       atomic_load_explicit(&fa_ready, memory_order_acquire) &&
	       !fa_config.disabled;
}

/*
 * Why a write went to the real write(2): one preload_skip_<reason> key
 * each, checked in this order.  busy: a wrapper already runs in the
 * thread (a signal handler); small: the read asked for less than
 * FNACCEL_MIN_SIZE; untracked: not the bytes of the thread's last read;
 * src_*: the read was not from a regular file, from an O_DIRECT one, at
 * an offset not certain, or the source changed during it; dst_*: the
 * destination is no regular file or has O_APPEND, O_DIRECT, O_SYNC,
 * O_DSYNC; same_file; fs: a file system not in FNACCEL_FS; data_copy:
 * copy_file_range would copy the data in the kernel there (dev.c), and
 * FNACCEL_DATA_COPY did not ask for it; slower: the read asked for (or
 * a matched write is) less than the size from which a copy on that file
 * system measured faster than the write (dev.c), FNACCEL_MIN_SIZE unset;
 * bad_pair:
 * copy_file_range failed between these devices before; fd_reused: the
 * source fd was closed since; src_changed: its identity, size, mtime or
 * ctime; mapping_changed: the program unmapped or reprotected memory
 * since the read (the buffer may fault now: the real write says EFAULT);
 * buffer_changed: the buffer's hash; copy_failed:
 * copy_file_range copied nothing.  A write not from the thread's last
 * read is matched by content (match.c): untracked then means no source
 * stream to match, src_* and fd_reused the stream's source, unmatched
 * that its bytes are not the source's at the destination's cursor (or
 * the buffer is not readable).  stdio: an fwrite(3) that stdio must do
 * itself (a line-buffered, wide or read-write stream).
 */
#define FA_SKIP_REASONS(X)						\
	X(busy)								\
	X(small)							\
	X(untracked)							\
	X(src_not_regular)						\
	X(src_flags)							\
	X(src_offset)							\
	X(src_changed_during_read)					\
	X(dst_not_regular)						\
	X(dst_flags)							\
	X(same_file)							\
	X(fs)								\
	X(data_copy)							\
	X(slower)							\
	X(bad_pair)							\
	X(fd_reused)							\
	X(src_changed)							\
	X(mapping_changed)						\
	X(buffer_changed)						\
	X(copy_failed)							\
	X(unmatched)							\
	X(stdio)

enum fa_skip {
	FA_SKIP_NONE,
#define FA_SKIP_ENUM(r) FA_SKIP_##r,
	FA_SKIP_REASONS(FA_SKIP_ENUM)
#undef FA_SKIP_ENUM
	FA_SKIP_COUNT
};

/*
 * The preload's counters: sendfiles done by the engine and passed on
 * (ops, and the bytes the real sendfile moved), reads tracked, writes
 * substituted (ops, bytes; those matched by content, match.c, counted
 * again in matched) and passed on (ops, and the bytes the real call
 * wrote), the substituted bytes, of writes and sendfiles, that stayed
 * on one device that remaps or offloads the copy (offload: dev.c's kinds
 * offload and offload within the mount), copies that came back short
 * (the rest written by write(2)), copies not proven right (repaired by
 * writing the buffer over them), copy_file_range calls and those the
 * engine completed (FNACCEL_CFR_FALLBACK), and the devices decided
 * (dev.c): not in FNACCEL_FS, data copy, offload, offload within the
 * mount.
 */
#define FA_STATS_FIELDS(X)						\
	X(preload_sendfile_ops)						\
	X(preload_sendfile_bytes)					\
	X(preload_sendfile_passthrough_ops)				\
	X(preload_sendfile_passthrough_bytes)				\
	X(preload_read_tracked_ops)					\
	X(preload_write_substituted_ops)				\
	X(preload_write_substituted_bytes)				\
	X(preload_write_matched_ops)					\
	X(preload_write_matched_bytes)					\
	X(preload_write_passthrough_ops)				\
	X(preload_write_passthrough_bytes)				\
	X(preload_offload_bytes)					\
	X(preload_write_short_copies)					\
	X(preload_verify_failures)					\
	X(preload_cfr_ops)						\
	X(preload_cfr_fallback_ops)					\
	X(preload_dev_unlisted)						\
	X(preload_dev_data_copy)					\
	X(preload_dev_offload)						\
	X(preload_dev_offload_mount)

struct fa_stats_live {
#define FA_STATS_ATOMIC(name) atomic_uint_fast64_t name;
	FA_STATS_FIELDS(FA_STATS_ATOMIC)
#undef FA_STATS_ATOMIC
	atomic_uint_fast64_t skip[FA_SKIP_COUNT];
};

/* This process's: in its slot (below), set before fa_ready */
extern struct fa_stats_live *fa_live;

static inline void fa_count_skip(enum fa_skip why)
{
	fn_stat_add(&fa_live->preload_write_passthrough_ops, 1);
	fn_stat_add(&fa_live->skip[why], 1);
}

/* What the real call wrote of a write counted by fa_count_skip() */
static inline void fa_count_passed(ssize_t written)
{
	if (written > 0)
		fn_stat_add(&fa_live->preload_write_passthrough_bytes,
			    (uint64_t)written);
}

/* bytes substituted from a file on src to dst's device (dst_fd): counted
 * as offload when both are one device that remaps or offloads (dev.c) */
void fa_count_offload(dev_t src, int dst_fd, dev_t dst, uint64_t bytes);

/*
 * The statistics of one program image: its preload counters and its
 * engine's (fn_stats_place()) live in its slot.  With FNACCEL_STATS_SHM
 * (fnaccel --stats) the slot is in a file fnaccel made and reads when
 * COMMAND has ended, so what a process counted stays there however it
 * ends (_exit, exec, a signal); a forked child and a new image claim
 * their own.  Without it, or with every slot taken, the slot is the
 * process's own.  The file: struct fa_slots_head, then slot i at
 * FA_SLOT_OFF(i), a multiple of FA_SLOT_SIZE, which divides every page
 * size: a slot is mapped by itself.
 */
#define FA_ARGV0_MAX 256
#define FA_SLOT_SIZE 1024
#define FA_SLOTS_START 65536
#define FA_SLOT_OFF(i) (FA_SLOTS_START + (off_t)(i) * FA_SLOT_SIZE)
#define FA_SLOTS_MAGIC UINT64_C(0x31737473616e66)	/* "fnasts1" */

/* The engine's gauges, set at the claim: fnaccel cannot ask the process */
struct fa_gauges {
#define FA_GAUGE_U64(name) uint64_t name;
#define FA_GAUGE_NONE(name)
	FN_STATS_FIELDS(FA_GAUGE_NONE, FA_GAUGE_U64)
#undef FA_GAUGE_U64
#undef FA_GAUGE_NONE
};

struct fa_slot {
	atomic_int pid;		/* stored last (release): 0 while unfilled */
	char argv0[FA_ARGV0_MAX];
	struct fa_gauges gauges;
	struct fn_stats_live engine;
	struct fa_stats_live preload;
};
_Static_assert(sizeof(struct fa_slot) <= FA_SLOT_SIZE, "FA_SLOT_SIZE");

struct fa_slots_head {
	uint64_t magic;
	uint32_t slot_size;	/* sizeof(struct fa_slot): the same build */
	uint32_t n_slots;	/* set by fnaccel */
	atomic_uint claimed;	/* slots asked for, beyond n_slots too */
};

/* The slot's block of the dump (init.c's rules), at *pos (stats.c) */
void fa_slot_text(const struct fa_slot *slot, char *buf, size_t len,
		  size_t *pos);

/* A file of slots, len bytes mapped at head, of this build (slots.c) */
bool fa_slots_valid(const struct fa_slots_head *head, size_t len);

/* The blocks of a file's slots, and who they count */
struct fa_slots_text {
	char *text;		/* malloc'd, one block per filled slot */
	size_t len;
	unsigned long procs;	/* processes: pids of filled slots */
	unsigned long lost;	/* claims beyond n_slots, or never filled */
};

/* The filled slots of head (len bytes mapped) into *out: 0 or -errno */
int fa_slots_read(const struct fa_slots_head *head, size_t len,
		  struct fa_slots_text *out);
/* The blocks summed into t (fn_keys_add_text()) without pid and argv0 */
int fa_slots_sum(const struct fa_slots_text *st, struct fn_keys *t);

/* The figures of fnaccel --progress, summed over the filled slots */
struct fa_progress {
	uint64_t substituted;	/* write substituted + sendfile bytes */
	uint64_t passed;	/* write + sendfile passthrough bytes */
	uint64_t offload;	/* preload_offload_bytes */
};

void fa_slots_progress(const struct fa_slots_head *head, size_t len,
		       struct fa_progress *out);

/*
 * fnaccel --progress (progress.c): wait for pid as waitpid(pid, status,
 * 0) does, writing the line on stderr each second from the slots at head
 * (len bytes), rewritten in place if tty; a last line when it has ended
 */
pid_t fa_progress_wait(pid_t pid, int *status, bool tty,
		       const struct fa_slots_head *head, size_t len);

/* Whether a file system (statfs f_type) is in FNACCEL_FS */
bool fa_fs_allowed(uint64_t magic);

/* ---- dev.c: where copy_file_range pays --------------------------------- */

/* What copy_file_range(2) does on a device's file system */
enum fa_dev_kind {
	FA_DEV_UNLISTED,	/* not in FNACCEL_FS: not asked */
	FA_DEV_DATA_COPY,	/* the kernel copies the data */
	FA_DEV_OFFLOAD,		/* a reflink or a server-side copy */
	FA_DEV_OFFLOAD_MOUNT,	/* offloads within its mount (fnpassfs) */
};

/*
 * The kind of fd's device dev, decided once per process (no lock); *pays
 * (unless NULL): the size from which a copy there pays, a default of its
 * file system or FNACCEL_MIN_SIZE
 */
enum fa_dev_kind fa_dev_kind(int fd, dev_t dev, uint64_t *pays);
/* FA_SKIP_NONE if copies may start on a device of kind, else FA_SKIP_fs
 * or FA_SKIP_data_copy */
enum fa_skip fa_kind_skip(enum fa_dev_kind kind);
/* The same for a copy from a device of src_kind to dst_fd's device */
enum fa_skip fa_pair_check(enum fa_dev_kind src_kind, dev_t src, int dst_fd,
			   dev_t dst);

/* ---- track.c: the read -> write tracking -------------------------------- */

/*
 * Bumped by the wrappers of munmap, mremap, mprotect, pkey_mprotect,
 * mmap with MAP_FIXED and madvise(MADV_GUARD_INSTALL) before the real
 * call: memory that was readable at a read may fault since.  A write
 * whose read saw another value does not touch the buffer.
 */
extern _Atomic uint32_t fa_map_gen;

static inline void fa_mappings_changing(void)
{
	atomic_fetch_add_explicit(&fa_map_gen, 1, memory_order_seq_cst);
}

/* A close, dup2 or dup3 over fd: state read through it is stale */
void fa_fd_closed(int fd);
void fa_fd_range_closed(unsigned int first, unsigned int last);
/* Forget this thread's state (after fork, in the child) */
void fa_track_reset(void);

/*
 * The read and write paths: has_off says whether off is a pread/pwrite
 * offset.  They return what the real call returns, errno included.
 */
ssize_t fa_read(int fd, void *buf, size_t n, off_t off, bool has_off);
ssize_t fa_write(int fd, const void *buf, size_t n, off_t off, bool has_off);

/*
 * A thread's busy flag for the stdio wrappers, which call the paths
 * above or match.c: false if a wrapper already runs in the thread.
 */
bool fa_busy_enter(void);
void fa_busy_leave(void);

/* The generation of fd's number: bumped by each close over it */
uint32_t fa_gen(int fd);
bool fa_is_bad_pair(dev_t src, dev_t dst);
bool fa_same_file_state(const struct stat *a, const struct stat *b);
/* Why a write to fd cannot be a copy from src (a file of src_kind) */
enum fa_skip fa_dst_check(int fd, const struct stat *src,
			  enum fa_dev_kind src_kind, struct stat *dst);

/*
 * 1 if fd holds exactly buf[0..len) at off now, 0 if not, -1 if buf is
 * not readable.  peek: buf may be unreadable (no read of it covers it):
 * it is read with process_vm_readv(2), which fails where a load faults.
 */
int fa_src_same(int fd, off_t off, const char *buf, size_t len, bool peek);

/* Where a substituted write copies from: buf[0] is at off in fd */
struct fa_src {
	int fd;
	uint32_t gen;		/* fa_gen(fd) when the bytes were proven */
	uint32_t map_gen;	/* fa_map_gen then (unless peek) */
	bool peek;		/* buf matched by content (match.c) */
	struct stat st;		/* the source when they were */
	off_t off;
};

/*
 * The write of buf[0..n) (at off if has_off) as copy_file_range(2) from
 * src, proven by a re-read after it.  Returns the count the write
 * returns, or -1 with *fallback set when the real write must do it all
 * (nothing was changed then).
 */
ssize_t fa_write_copy(const struct fa_src *src, int fd, const char *buf,
		      size_t n, off_t off, bool has_off,
		      const struct stat *dst, bool *fallback);

/* ---- match.c: writes matched by content with the stream read ----------- */

/* A read through fd returned n bytes from pos (-1: where the thread's
 * last read of fd ended, else fd's offset before the read) */
void fa_stream_read(int fd, off_t pos, size_t n);
/* True if fd is the thread's source stream (its reads continue it) */
bool fa_stream_is(int fd);
void fa_stream_reset(void);
/*
 * A write of at least FNACCEL_MIN_SIZE bytes not from the tracked read:
 * a copy if its bytes are the source stream's at the destination's
 * cursor.  Returns as fa_write_copy(); with *fallback set, *why says why
 * the real write must do it.
 */
ssize_t fa_stream_write(int fd, const char *buf, size_t n, off_t off,
			bool has_off, enum fa_skip *why, bool *fallback);

/* sendfile(2) between regular files as an engine copy */
ssize_t fa_sendfile(int out, int in, off_t *off, size_t n);

/* The raw fallbacks for bootstrap, before dlsym answered */
ssize_t fa_call_read(int fd, void *buf, size_t n);
ssize_t fa_call_pread(int fd, void *buf, size_t n, off_t off);
ssize_t fa_call_write(int fd, const void *buf, size_t n);
ssize_t fa_call_pwrite(int fd, const void *buf, size_t n, off_t off);
ssize_t fa_call_sendfile(int out, int in, off_t *off, size_t n);

#endif /* FA_H */
