/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fn_frontend.h: what the engine lends its front ends (the preload,
 * fnpassfs, fnbench, the test programs) beyond fncopy.h: the FNACCEL_*
 * variables the library itself never reads, size words, raw system
 * calls, the statistics text and the clock, and logging (fn_log.h).  A
 * front end includes fncopy.h's interface through this header and no
 * other of lib/.  Everything here has hidden visibility; fn_env_apply()
 * and the size words are in libfnfront, the rest in the engine's core.
 */
#ifndef FN_FRONTEND_H
#define FN_FRONTEND_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "fncopy.h"
#include "fn_log.h"

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

/* A counter of the process's statistics; relaxed, they order nothing */
static inline void fn_stat_add(atomic_uint_fast64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* The live counters behind struct fn_stats; relaxed, they order nothing */
struct fn_stats_live {
#define FN_STATS_ATOMIC(name) atomic_uint_fast64_t name;
#define FN_STATS_NONE(name)
	FN_STATS_FIELDS(FN_STATS_ATOMIC, FN_STATS_NONE)
#undef FN_STATS_ATOMIC
#undef FN_STATS_NONE
};

/*
 * Count the engine's statistics in *live from now on, NULL in the
 * process's own (the preload: a slot of memory fnaccel reads, so they
 * outlive the process).  *live keeps what it holds.  Call it where no
 * copy runs in another thread (a constructor, the child of fork()).
 */
void fn_stats_place(struct fn_stats_live *live);
/* The counters of *live into *out; its gauges are left alone */
void fn_stats_load(const struct fn_stats_live *live, struct fn_stats *out);
/* *s as fn_stats_format()'s "key value" lines, at *pos as below */
void fn_stats_text(const struct fn_stats *s, char *buf, size_t len,
		   size_t *pos);
/*
 * A copy_file_range(2) a front end made itself, not through the engine
 * (the preload's substituted writes): counted as one kernel copy of
 * bytes, which took ns, so that the copy_* keys count every copy.
 */
void fn_stats_count_copy(uint64_t bytes, uint64_t ns);

/*
 * The counter at offset off (offsetof) in the counters at live: a table
 * of counters by offset, as they move (fn_stats_place()).
 */
static inline atomic_uint_fast64_t *fn_stat_at(void *live, size_t off)
{
	return (atomic_uint_fast64_t *)((char *)live + off);
}

/*
 * A hash of a pair of numbers (st_dev and st_ino, two devices): each
 * times an odd constant of well-spread bits (the golden ratio's, and
 * murmur3's finalizer's), then the high half folded down, so that a
 * power-of-two table may take the low bits.
 */
static inline uint64_t fn_hash_pair(uint64_t a, uint64_t b)
{
	uint64_t h = a * UINT64_C(0x9e3779b97f4a7c15);

	h ^= b * UINT64_C(0xc2b2ae3d27d4eb4f);
	return h ^ (h >> 29);
}

/*
 * FNACCEL_CHUNK_SIZE and FNACCEL_LOG, for a front end at startup: each
 * valid one is set (fn_set_chunk_size(), fn_set_log_level()); a bad one
 * is said once on stderr ("WHO: NAME=VALUE: why, using DEFAULT") and the
 * setting left alone.  The library never calls it.
 */
void fn_env_apply(const char *who);

/*
 * The same for a front end that runs other programs under the preload
 * (fnaccel): a bad variable is said once and then unset, so that those
 * programs take the default without saying it again.
 */
void fn_env_check(const char *who);

/*
 * Parse a size: digits with an optional K, M or G suffix (powers of 1024,
 * either case, an optional "iB"/"B" after it).  0 or -EINVAL; never
 * wraps (-ERANGE when the value does not fit in 64 bits).
 */
int fn_parse_size(const char *s, uint64_t *out);
/* "64K", "4M", "1G" or plain bytes when not a whole multiple: into buf */
void fn_format_size(uint64_t bytes, char *buf, size_t len);

/*
 * Append "key value\n" to buf at *pos (snprintf rules: *pos grows by the
 * full length even when buf is too small): the one writer of statistics
 * text, for the engine's keys, the preload's dump and /.stats.  _str for
 * a value that is not a count (an option's word or seconds).
 */
void fn_stats_append(char *buf, size_t len, size_t *pos, const char *key,
		     uint64_t value);
void fn_stats_append_str(char *buf, size_t len, size_t *pos,
			 const char *key, const char *value);

/*
 * Statistics text read back (fn_keys.c): a table of keys in the order
 * first met, for fnaccel's sums and fnstat's samples.
 */
struct fn_key {
	char *name;
	uint64_t value;
};

struct fn_keys {
	struct fn_key *key;
	size_t n;
	size_t cap;
};

/* Whether key is one of the engine's gauges (G of FN_STATS_FIELDS) */
bool fn_stats_is_gauge(const char *key);
/*
 * The "key value" lines of text (len bytes) into t: a key met again is
 * summed, a gauge keeps the largest (the blocks of many processes).
 * Lines whose value is not a number, and the keys of skip (NULL, or a
 * NULL-terminated list), are passed over.  0 or -ENOMEM.
 */
int fn_keys_add_text(struct fn_keys *t, const char *text, size_t len,
		     const char *const *skip);
/* The entry of name, or NULL */
struct fn_key *fn_keys_find(const struct fn_keys *t, const char *name);
/* Empty t, keeping its room; fn_keys_free() gives the room back too */
void fn_keys_clear(struct fn_keys *t);
void fn_keys_free(struct fn_keys *t);

/*
 * Raw system calls for what the preload interposes: the engine and the
 * log writer run inside libfnaccel.so, where calling the libc names would
 * call our own wrappers.  They return -1 and set errno like libc.
 */
static inline ssize_t fn_sys_pread(int fd, void *buf, size_t n, off_t off)
{
	return syscall(SYS_pread64, fd, buf, n, off);
}

static inline ssize_t fn_sys_pwrite(int fd, const void *buf, size_t n,
				    off_t off)
{
	return syscall(SYS_pwrite64, fd, buf, n, off);
}

static inline ssize_t fn_sys_write(int fd, const void *buf, size_t n)
{
	return syscall(SYS_write, fd, buf, n);
}

static inline ssize_t fn_sys_copy_file_range(int fd_in, off_t *off_in,
					     int fd_out, off_t *off_out,
					     size_t len, unsigned int flags)
{
	return syscall(SYS_copy_file_range, fd_in, off_in, fd_out, off_out,
		       len, flags);
}

/*
 * A read-write mapping of len bytes of fd at off (MAP_FAILED and errno
 * on failure); an anonymous private one; their unmapping.  Inside
 * libfnaccel.so munmap() is the preload's wrapper, which bumps the
 * mapping generation and so cancels every thread's tracked read: a
 * mapping of our own must not.
 */
static inline void *fn_sys_mmap(size_t len, int flags, int fd, off_t off)
{
#ifdef SYS_mmap2
	/* 32-bit ABIs, where SYS_mmap takes its arguments in memory */
	return (void *)syscall(SYS_mmap2, NULL, len, PROT_READ | PROT_WRITE,
			       flags, fd, off / 4096);
#else
	return (void *)syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE,
			       flags, fd, off);
#endif
}

static inline void *fn_sys_mmap_anon(size_t len)
{
	return fn_sys_mmap(len, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static inline int fn_sys_munmap(void *addr, size_t len)
{
	return (int)syscall(SYS_munmap, addr, len);
}

/*
 * The file systems the front ends tell apart by statfs(2)'s f_type
 * (linux/magic.h and the file systems' own sources), the one list:
 * X(name, magic, flags).  The name is the word of FNACCEL_FS and
 * `fnaccel --fs` and what fnbench prints.  The first rows, those where
 * copy_file_range(2) may reflink or offload, make the preload's default
 * list in this order.
 */
#define FN_FS_TYPES(X)							\
	X(xfs,		0x58465342, FN_FS_OFFLOAD | FN_FS_CLOSE_SILENT |	\
			    FN_FS_MGTIME)				\
	X(btrfs,	0x9123683e, FN_FS_OFFLOAD | FN_FS_CLOSE_SILENT |	\
			    FN_FS_MGTIME)				\
	X(bcachefs,	0xca451a4e, FN_FS_OFFLOAD)			\
	X(nfs,		0x00006969, FN_FS_OFFLOAD)			\
	X(smb,		0x0000517b, FN_FS_OFFLOAD)			\
	X(smb2,		0xfe534d42, FN_FS_OFFLOAD)			\
	X(cifs,		0xff534d42, FN_FS_OFFLOAD)			\
	X(ceph,		0x00c36400, FN_FS_OFFLOAD)			\
	X(fuse,		0x65735546, FN_FS_OFFLOAD | FN_FS_STACKING)	\
	X(ext4,		0x0000ef53, FN_FS_CLOSE_SILENT | FN_FS_MGTIME)	\
			    /* ext2/3 too */				\
	X(tmpfs,	0x01021994, FN_FS_CLOSE_SILENT | FN_FS_MGTIME)	\
	X(overlay,	0x794c7630, FN_FS_STACKING)			\
	X(f2fs,		0xf2f52010, FN_FS_CLOSE_SILENT)			\
	X(zfs,		0x2fc12fc1, 0)					\
	X(ocfs2,	0x7461636f, 0)					\
	X(gfs2,		0x01161970, 0)					\
	X(lustre,	0x0bd00bd0, 0)					\
	X(ecryptfs,	0x0000f15f, FN_FS_STACKING | FN_FS_NO_WORD)

/*
 * copy_file_range(2) may reflink or offload there rather than copy the
 * data (on XFS with reflink, NFS 4.2, fnpassfs: the preload asks, dev.c)
 */
#define FN_FS_OFFLOAD		0x1u
/* close(2) returns only 0 (no flush method): fnpassfs's noflush */
#define FN_FS_CLOSE_SILENT	0x2u
/* stacks on other file systems: fnpassfs's passthrough stacking depth */
#define FN_FS_STACKING		0x4u
/* known by its magic only, not a word of FNACCEL_FS (never was one) */
#define FN_FS_NO_WORD		0x8u
/*
 * multigrain timestamps from Linux 6.13: a change after a stat gets a
 * newer mtime than the stat saw, even within one clock tick (fnpassfs
 * keeps listings only there: fs/listing.c)
 */
#define FN_FS_MGTIME		0x10u

/* FN_FS_unknown (0), the row of no file system listed, then one a row */
enum fn_fs_id {
	FN_FS_unknown,
#define FN_FS_ID(name, magic, flags) FN_FS_##name,
	FN_FS_TYPES(FN_FS_ID)
#undef FN_FS_ID
	FN_FS_COUNT
};

struct fn_fs {
	const char *name;	/* NULL for FN_FS_unknown */
	uint64_t magic;
	unsigned int flags;	/* FN_FS_* */
};

extern const struct fn_fs fn_fs_types[FN_FS_COUNT];

/* The row of a statfs(2) f_type (as unsigned long), or FN_FS_unknown */
enum fn_fs_id fn_fs_of_magic(uint64_t magic);
/* The row of a word of len bytes, any case, or FN_FS_unknown */
enum fn_fs_id fn_fs_of_word(const char *word, size_t len);
/* The words of the rows with all of flags, as "xfs,btrfs": into buf */
void fn_fs_words(unsigned int flags, char *buf, size_t len);

/* Nanoseconds on CLOCK_MONOTONIC */
uint64_t fn_now_ns(void);

#endif /* FN_FRONTEND_H */
