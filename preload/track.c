// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * track.c: the read -> write tracking, and sendfile between files.
 *
 * Each thread remembers its last read() or pread() of at least
 * FNACCEL_MIN_SIZE requested bytes from a regular file: the buffer, the
 * count, the source offset (fd's offset after the read, less the count;
 * the re-read after the copy proves it), the source's identity, size,
 * mtime and ctime (equal before and after the read), and an XXH3 hash of
 * the bytes.  When
 * the same thread then writes exactly that buffer (or the unwritten tail
 * of it, for a partial-write loop) to another regular file, the write
 * becomes copy_file_range(2) from the source, but only if:
 *
 *  - the destination has none of O_APPEND, O_DIRECT, O_SYNC, O_DSYNC and
 *    both file systems are in FNACCEL_FS (XFS, btrfs, bcachefs, NFS, SMB,
 *    Ceph and FUSE by default) and the copy between their devices is a
 *    reflink or an offload, not the kernel copying the data (dev.c;
 *    FNACCEL_DATA_COPY asks for those too: on ext4 and tmpfs the copy
 *    measured slower);
 *  - the source descriptor was not closed since (a generation per fd
 *    number, bumped by our close, dup2, dup3 and close_range) and the
 *    source's identity, size, mtime and ctime are unchanged;
 *  - no memory was unmapped or reprotected since (fa_map_gen, bumped by
 *    our munmap, mprotect ... wrappers): the buffer may fault now, where
 *    the real write returns EFAULT;
 *  - the buffer's fingerprint is unchanged (fa_buf_hash()).
 *
 * After the copy the source is checked again and the copied range is read
 * back from the source and compared byte for byte with the buffer, in
 * every FNACCEL_VERIFY mode: a writer through a shared mmap changes no
 * timestamp.  A copy that cannot be proven right is repaired by writing
 * the buffer over the range.  A short copy is completed by the real
 * write; a copy that copies nothing becomes the real write, and its
 * device pair is remembered.  The program sees the count and errno the
 * real call would give.
 *
 * Signal safety: no malloc, lock or stdio.  A per-thread busy flag is set
 * before the state is touched: a signal handler's read or write during a
 * wrapper goes straight to libc.  The valid flag is cleared first and set
 * last, with signal fences between.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "fa.h"

#define FA_OFF_MAX ((off_t)INT64_MAX)

/* ---- descriptor and mapping generations -------------------------------- */

_Atomic uint32_t fa_map_gen;

static uint32_t fa_map_gen_now(void)
{
	return atomic_load_explicit(&fa_map_gen, memory_order_seq_cst);
}

#define FA_GEN_SLOTS 1024u
static _Atomic uint32_t fa_fd_gen[FA_GEN_SLOTS];

uint32_t fa_gen(int fd)
{
	return atomic_load_explicit(&fa_fd_gen[(unsigned int)fd % FA_GEN_SLOTS],
				    memory_order_acquire);
}

/* ---- per-thread state --------------------------------------------------- */

struct fa_track {
	volatile sig_atomic_t busy;	/* a wrapper runs in the thread */
	volatile sig_atomic_t valid;	/* the fields below are a read */
	enum fa_skip reason;	/* why these bytes cannot be copied */
	int fd;
	uint32_t gen;		/* fa_gen(fd) before the read */
	uint32_t map_gen;	/* fa_map_gen before the read */
	const char *buf;
	size_t len;		/* bytes the read returned */
	size_t done;		/* bytes of buf written since */
	off_t off;		/* source offset of buf[0] */
	struct stat st;		/* the source during the read */
	enum fa_dev_kind src_kind;	/* of st.st_dev */
	XXH64_hash_t hash;	/* of buf[0..len) after the read */
};

static FA_TLS struct fa_track fa_t;

static inline void fa_fence(void)
{
	atomic_signal_fence(memory_order_seq_cst);
}

void fa_track_reset(void)
{
	fa_t.valid = 0;
	fa_stream_reset();
	fa_fence();
	fa_t.busy = 0;
}

void fa_fd_closed(int fd)
{
	if (fd < 0)
		return;
	atomic_fetch_add_explicit(&fa_fd_gen[(unsigned int)fd % FA_GEN_SLOTS],
				  1, memory_order_release);
	if (fa_t.fd == fd)
		fa_t.valid = 0;
	/* The number may soon be one of the program's files: no more logs */
	if (fd == atomic_load_explicit(&fa_log_fd, memory_order_relaxed)) {
		fn_log_set_fd(-1);
		atomic_store(&fa_log_fd, -1);
	}
}

void fa_fd_range_closed(unsigned int first, unsigned int last)
{
	unsigned int fd;

	int lfd = atomic_load_explicit(&fa_log_fd, memory_order_relaxed);

	if (last < first)
		return;
	if (lfd >= 0 && (unsigned int)lfd >= first && (unsigned int)lfd <= last)
		fa_fd_closed(lfd);
	if (last - first >= FA_GEN_SLOTS - 1) {
		for (fd = 0; fd < FA_GEN_SLOTS; fd++)
			fa_fd_closed((int)fd);
		fa_t.valid = 0;
		return;
	}
	for (fd = first; fd <= last; fd++)
		fa_fd_closed((int)fd);
}

/* ---- device pairs where copy_file_range failed --------------------------- */

#define FA_BAD_PAIRS 16u
static _Atomic uint64_t fa_bad_pairs[FA_BAD_PAIRS];
static atomic_uint fa_bad_next;

static uint64_t fa_pair_key(dev_t src, dev_t dst)
{
	return fn_hash_pair(src, dst) | 1;	/* 0 is an empty slot */
}

bool fa_is_bad_pair(dev_t src, dev_t dst)
{
	uint64_t key = fa_pair_key(src, dst);
	unsigned int i;

	for (i = 0; i < FA_BAD_PAIRS; i++)
		if (atomic_load_explicit(&fa_bad_pairs[i],
					 memory_order_relaxed) == key)
			return true;
	return false;
}

static void fa_add_bad_pair(dev_t src, dev_t dst)
{
	unsigned int i;

	if (fa_is_bad_pair(src, dst))
		return;
	i = atomic_fetch_add_explicit(&fa_bad_next, 1, memory_order_relaxed);
	atomic_store_explicit(&fa_bad_pairs[i % FA_BAD_PAIRS],
			      fa_pair_key(src, dst), memory_order_relaxed);
}

/* ---- scratch buffers for the re-read ------------------------------------- */

#define FA_SCRATCH_SLOTS 8
#define FA_SCRATCH_SIZE ((size_t)256 << 10)
static _Atomic(char *) fa_scratch[FA_SCRATCH_SLOTS];
static atomic_bool fa_scratch_busy[FA_SCRATCH_SLOTS];

/* A buffer of FA_SCRATCH_SIZE from the pool (kept), else mapped for us */
static char *fa_scratch_get(int *slot)
{
	char *p;
	int i;

	for (i = 0; i < FA_SCRATCH_SLOTS; i++) {
		if (atomic_exchange(&fa_scratch_busy[i], true))
			continue;
		p = atomic_load(&fa_scratch[i]);
		if (p == NULL) {
			p = fn_sys_mmap_anon(FA_SCRATCH_SIZE);
			if (p == MAP_FAILED) {
				atomic_store(&fa_scratch_busy[i], false);
				return NULL;
			}
			atomic_store(&fa_scratch[i], p);
		}
		*slot = i;
		return p;
	}
	*slot = -1;
	p = fn_sys_mmap_anon(FA_SCRATCH_SIZE);
	return p == MAP_FAILED ? NULL : p;
}

static void fa_scratch_put(char *p, int slot)
{
	if (slot < 0)
		fn_sys_munmap(p, FA_SCRATCH_SIZE);
	else
		atomic_store(&fa_scratch_busy[slot], false);
}

/*
 * Copy n bytes of the program's memory at p to tmp with
 * process_vm_readv(2) on ourselves: a page that is not readable is an
 * error (EFAULT), not a fault of the program.  True if all came.
 */
static bool fa_peek(char *tmp, const char *p, size_t n)
{
	struct iovec local = { .iov_base = tmp, .iov_len = n };
	struct iovec remote = { .iov_base = (void *)p, .iov_len = n };
	ssize_t r;

	do
		r = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	while (r < 0 && errno == EINTR);
	return r == (ssize_t)n;
}

int fa_src_same(int fd, off_t off, const char *buf, size_t len, bool peek)
{
	size_t half = FA_SCRATCH_SIZE / 2;
	size_t done = 0;
	int same = 1;
	ssize_t n;
	char *tmp;
	int slot;

	tmp = fa_scratch_get(&slot);
	if (tmp == NULL)
		return 0;
	while (done < len) {
		/* One pread for all of a write up to the scratch's size */
		n = fn_sys_pread(fd, tmp, MIN(peek ? half : FA_SCRATCH_SIZE,
					      len - done),
				 off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			same = 0;
			break;
		}
		if (peek && !fa_peek(tmp + half, buf + done, (size_t)n)) {
			same = -1;
			break;
		}
		if (memcmp(tmp, peek ? tmp + half : buf + done,
			   (size_t)n) != 0) {
			same = 0;
			break;
		}
		done += (size_t)n;
	}
	fa_scratch_put(tmp, slot);
	return same;
}

/* RLIMIT_FSIZE now: RLIM_INFINITY where there is none (or no answer) */
static rlim_t fa_fsize_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_FSIZE, &rl) < 0)
		return RLIM_INFINITY;
	return rl.rlim_cur;
}

/*
 * True if writing n bytes at off stays within limit (fa_fsize_limit()):
 * past it the real call raises SIGXFSZ once; a copy that failed first
 * would raise it twice.
 */
static bool fa_within_fsize(rlim_t limit, off_t off, size_t n)
{
	return limit == RLIM_INFINITY || (uint64_t)off + n <= (uint64_t)limit;
}

/*
 * The buffer's fingerprint, taken at the read and before the copy.  The
 * re-read after the copy compares every byte of the buffer with the
 * source in both modes, so this only needs to catch the usual transforms
 * before a copy is wasted on them: XXH3 of 64 windows of 64 bytes spread
 * over the buffer (a changed byte it misses is caught by the re-read and
 * repaired).  FNACCEL_VERIFY=hash: XXH3 of all of it, which refuses every
 * edited buffer before the copy.  No hash proves the source unchanged: a
 * writer through a shared mapping changes no timestamp, so hash without
 * the re-read wrote bytes the program never wrote.
 */
#define FA_WINDOWS 64
#define FA_WINDOW 64

static XXH64_hash_t fa_buf_hash(const char *buf, size_t len)
{
	XXH64_hash_t h = 0;
	size_t step;
	size_t i;

	if (fa_config.hash_all || len <= FA_WINDOWS * FA_WINDOW * 2)
		return XXH3_64bits(buf, len);
	step = (len - FA_WINDOW) / (FA_WINDOWS - 1);
	for (i = 0; i < FA_WINDOWS; i++)
		h = XXH3_64bits_withSeed(buf + i * step, FA_WINDOW, h);
	return h;
}

/* ---- the read side ------------------------------------------------------- */

bool fa_same_file_state(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       (a->st_mode & S_IFMT) == (b->st_mode & S_IFMT) &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static ssize_t fa_do_read(int fd, void *buf, size_t n, off_t off,
			  bool has_off)
{
	return has_off ? fa_call_pread(fd, buf, n, off) :
			 fa_call_read(fd, buf, n);
}

/*
 * A read or pread: the real call, and around it what a later write needs
 * to prove that the buffer holds the source's bytes.  Returns what the
 * real call returned, with its errno (the caller's errno on success).
 */
ssize_t fa_read(int fd, void *buf, size_t n, off_t off, bool has_off)
{
	struct fa_track *t = &fa_t;
	enum fa_skip why = FA_SKIP_NONE;
	enum fa_dev_kind kind = FA_DEV_UNLISTED;
	int saved_errno = errno;
	struct stat before;
	struct stat after;
	uint64_t pays;
	off_t pos = off;
	off_t end;
	uint32_t map_gen;
	uint32_t gen;
	ssize_t ret;
	int err;

	if (t->busy)
		return fa_do_read(fd, buf, n, off, has_off);
	t->busy = 1;
	fa_fence();
	t->valid = 0;		/* only the last read counts */
	fa_fence();
	if (n < fa_config.min_size) {
		ret = fa_do_read(fd, buf, n, off, has_off);
		err = errno;
		goto out;
	}
	gen = fa_gen(fd);
	map_gen = fa_map_gen_now();
	if (fstat(fd, &before) < 0 || !S_ISREG(before.st_mode)) {
		why = FA_SKIP_src_not_regular;
	} else {
		kind = fa_dev_kind(fd, before.st_dev, &pays);
		why = fa_kind_skip(kind);
		/* Below what pays there: no more system calls for it */
		if (why == FA_SKIP_NONE && n < pays)
			why = FA_SKIP_slower;
	}
	if (why == FA_SKIP_NONE && (fcntl(fd, F_GETFL) & O_DIRECT)) {
		/* The re-read would need aligned buffers */
		why = FA_SKIP_src_flags;
	}
	ret = fa_do_read(fd, buf, n, off, has_off);
	err = errno;
	if (ret <= 0)
		goto out;
	if (why == FA_SKIP_NONE && !has_off) {
		/*
		 * The read ended at fd's offset.  Where another holder of
		 * the open file moved it meanwhile, the guess is wrong and
		 * the re-read after the copy finds other bytes: no lseek
		 * before the read is needed to prove it.
		 */
		end = lseek(fd, 0, SEEK_CUR);
		pos = end - ret;
		if (end < 0 || pos < 0)
			why = FA_SKIP_src_offset;
	}
	if (why == FA_SKIP_NONE &&
	    (fstat(fd, &after) < 0 || !fa_same_file_state(&before, &after)))
		why = FA_SKIP_src_changed_during_read;
	t->reason = why;
	t->fd = fd;
	t->gen = gen;
	t->map_gen = map_gen;
	t->buf = buf;
	t->len = (size_t)ret;
	t->done = 0;
	t->off = pos;
	if (why == FA_SKIP_NONE) {
		t->st = after;
		t->src_kind = kind;	/* after's device: the same file */
		t->hash = fa_buf_hash(buf, (size_t)ret);
		fn_stat_add(&fa_live->preload_read_tracked_ops, 1);
	}
	fa_fence();
	t->valid = 1;
out:
	if (ret > 0)
		fa_stream_read(fd, has_off ? off : -1, (size_t)ret);
	fa_fence();
	t->busy = 0;
	errno = ret < 0 ? err : saved_errno;
	return ret;
}

bool fa_busy_enter(void)
{
	if (fa_t.busy)
		return false;
	fa_t.busy = 1;
	fa_fence();
	return true;
}

void fa_busy_leave(void)
{
	fa_fence();
	fa_t.busy = 0;
}

/* ---- the write side ----------------------------------------------------- */

/* Where buf..buf+n lies in the tracked read: its start, or -1 */
static ssize_t fa_match(const struct fa_track *t, const char *buf, size_t n)
{
	if (!t->valid || n == 0)
		return -1;
	if (buf == t->buf + t->done && n == t->len - t->done)
		return (ssize_t)t->done;	/* the unwritten tail */
	if (buf == t->buf && n == t->len)
		return 0;			/* the same bytes again */
	return -1;
}

enum fa_skip fa_dst_check(int fd, const struct stat *src,
			  enum fa_dev_kind src_kind, struct stat *dst)
{
	enum fa_skip why;
	int fl;

	if (fstat(fd, dst) < 0 || !S_ISREG(dst->st_mode))
		return FA_SKIP_dst_not_regular;
	if (dst->st_dev == src->st_dev && dst->st_ino == src->st_ino)
		return FA_SKIP_same_file;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY ||
	    (fl & (O_APPEND | O_DIRECT | O_SYNC | O_DSYNC | O_PATH)))
		return FA_SKIP_dst_flags;
	why = fa_pair_check(src_kind, src->st_dev, fd, dst->st_dev);
	if (why != FA_SKIP_NONE)
		return why;
	if (fa_is_bad_pair(src->st_dev, dst->st_dev))
		return FA_SKIP_bad_pair;
	return FA_SKIP_NONE;
}

/* Why the write of the tracked bytes from start cannot be a copy */
static enum fa_skip fa_write_check(struct fa_track *t, int fd, size_t start,
				   size_t n, struct stat *dst)
{
	enum fa_skip why;
	struct stat now;

	if (t->reason != FA_SKIP_NONE)
		return t->reason;
	why = fa_dst_check(fd, &t->st, t->src_kind, dst);
	if (why != FA_SKIP_NONE)
		return why;
	if (fa_gen(t->fd) != t->gen)
		return FA_SKIP_fd_reused;
	if (fstat(t->fd, &now) < 0 || !fa_same_file_state(&t->st, &now))
		return FA_SKIP_src_changed;
	/* The buffer may fault since: only the real write may touch it */
	if (fa_map_gen_now() != t->map_gen)
		return FA_SKIP_mapping_changed;
	if (fa_buf_hash(t->buf, t->len) != t->hash)
		return FA_SKIP_buffer_changed;
	return FA_SKIP_NONE;
}

/* Write all of buf at off with raw pwrite; bytes written */
static size_t fa_pwrite_all(int fd, const char *buf, size_t n, off_t off)
{
	size_t done = 0;
	ssize_t w;

	while (done < n) {
		w = fn_sys_pwrite(fd, buf + done, n - done, off + (off_t)done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	return done;
}

ssize_t fa_write_copy(const struct fa_src *src, int fd, const char *buf,
		      size_t n, off_t off, bool has_off,
		      const struct stat *dst, bool *fallback)
{
	off_t doff = has_off ? off : -1;	/* -1: fd's offset, not asked */
	off_t so = src->off;
	off_t o = off;
	struct stat now;
	size_t total = 0;
	size_t fixed;
	rlim_t limit;
	uint64_t t0;
	ssize_t r;
	ssize_t w;
	int err = 0;

	*fallback = true;
	/*
	 * A write(2) copies at fd's offset and moves it: so does
	 * copy_file_range with no destination offset, without the lseek
	 * before and after.  The offset is asked for only where a limit
	 * on the file size needs it (and for a repair, below); past 2^63
	 * the kernel refuses the copy (EOVERFLOW, EFBIG), and the real
	 * write gives its own answer.
	 */
	limit = fa_fsize_limit();
	if (!has_off && limit != RLIM_INFINITY) {
		doff = lseek(fd, 0, SEEK_CUR);
		if (doff < 0)
			return -1;
	}
	if ((doff >= 0 && ((uint64_t)doff + n > (uint64_t)FA_OFF_MAX ||
			   !fa_within_fsize(limit, doff, n))) ||
	    (uint64_t)so + n > (uint64_t)FA_OFF_MAX)
		return -1;
	pthread_testcancel();	/* write(2) is a cancellation point */
	t0 = fn_now_ns();
	while (total < n) {
		r = fn_sys_copy_file_range(src->fd, &so, fd,
					   has_off ? &o : NULL, n - total, 0);
		if (r <= 0) {
			err = r < 0 ? errno : 0;
			break;
		}
		total += (size_t)r;
	}
	if (total == 0) {
		if (err == EXDEV || err == EOPNOTSUPP || err == ENOSYS ||
		    err == EINVAL)
			fa_add_bad_pair(src->st.st_dev, dst->st_dev);
		FN_LOG_DEBUG("fd %d -> fd %d: copy_file_range: %d", src->fd, fd,
			     err);
		return -1;
	}
	*fallback = false;

	/* Prove the copy right, else write the buffer over it */
	if (fa_gen(src->fd) != src->gen || fstat(src->fd, &now) < 0 ||
	    !fa_same_file_state(&src->st, &now) ||
	    (!src->peek && fa_map_gen_now() != src->map_gen) ||
	    fa_src_same(src->fd, src->off, buf, total, src->peek) != 1) {
		fn_stat_add(&fa_live->preload_verify_failures, 1);
		if (doff < 0)	/* the copy moved fd's offset by total */
			doff = lseek(fd, 0, SEEK_CUR) - (off_t)total;
		fixed = fa_pwrite_all(fd, buf, total, doff);
		FN_LOG_WARN("fd %d -> fd %d: copy not proven, rewrote %zu of "
			    "%zu bytes", src->fd, fd, fixed, total);
		if (fixed < total) {
			/* The range is not what the program wrote: say so */
			if (!has_off)
				lseek(fd, doff + (off_t)fixed, SEEK_SET);
			return fixed ? (ssize_t)fixed : -1;
		}
	} else {
		fn_stat_add(&fa_live->preload_write_substituted_ops, 1);
		fn_stat_add(&fa_live->preload_write_substituted_bytes, total);
		fa_count_offload(src->st.st_dev, fd, dst->st_dev, total);
		if (src->peek) {
			fn_stat_add(&fa_live->preload_write_matched_ops, 1);
			fn_stat_add(&fa_live->preload_write_matched_bytes,
				    total);
		}
		/* The engine's copy_* keys count every copy made */
		fn_stats_count_copy(total, fn_now_ns() - t0);
	}
	if (total < n) {
		/* A short copy: the real write does the rest */
		fn_stat_add(&fa_live->preload_write_short_copies, 1);
		if (has_off)
			w = fa_call_pwrite(fd, buf + total, n - total,
					   doff + (off_t)total);
		else
			w = fa_call_write(fd, buf + total, n - total);
		return (ssize_t)total + (w > 0 ? w : 0);
	}
	return (ssize_t)n;
}

static ssize_t fa_do_write(int fd, const void *buf, size_t n, off_t off,
			   bool has_off)
{
	return has_off ? fa_call_pwrite(fd, buf, n, off) :
			 fa_call_write(fd, buf, n);
}

ssize_t fa_write(int fd, const void *buf, size_t n, off_t off, bool has_off)
{
	struct fa_track *t = &fa_t;
	int saved_errno = errno;
	struct fa_src src;
	enum fa_skip why;
	struct stat dst;
	bool fallback = true;
	ssize_t start;
	ssize_t ret = -1;
	int err = saved_errno;

	if (t->busy) {
		fa_count_skip(FA_SKIP_busy);
		ret = fa_do_write(fd, buf, n, off, has_off);
		fa_count_passed(ret);
		return ret;
	}
	t->busy = 1;
	fa_fence();
	start = fa_match(t, buf, n);
	if (start < 0 && n < fa_config.min_size) {
		why = FA_SKIP_small;
	} else if (start < 0) {
		/* Not the read's buffer: maybe the source's bytes anyway */
		ret = fa_stream_write(fd, buf, n, off, has_off, &why,
				      &fallback);
	} else {
		why = fa_write_check(t, fd, (size_t)start, n, &dst);
	}
	if (start >= 0 && why == FA_SKIP_NONE) {
		src.fd = t->fd;
		src.gen = t->gen;
		src.map_gen = t->map_gen;
		src.peek = false;
		src.st = t->st;
		src.off = t->off + start;
		ret = fa_write_copy(&src, fd, buf, n, off, has_off, &dst,
				    &fallback);
		if (fallback)
			why = FA_SKIP_copy_failed;
	}
	if (fallback) {
		fa_count_skip(why);
		ret = fa_do_write(fd, buf, n, off, has_off);
		err = ret < 0 ? errno : saved_errno;
		fa_count_passed(ret);
	} else if (ret < 0) {
		err = errno;
	}
	if (start >= 0 && ret > 0) {
		t->done = (size_t)start + (size_t)ret;
		if (t->done > t->len)
			t->done = t->len;
	}
	fa_fence();
	t->busy = 0;
	errno = err;
	return ret;
}

/* ---- sendfile ---------------------------------------------------------- */

/*
 * True if sendfile(out, in, off, n) is a copy between two regular files
 * that copy_file_range(2) accepts.  A zero-length copy_file_range runs
 * the kernel's checks (EXDEV across file systems that cannot copy
 * between them) and copies nothing: where it fails, the real sendfile's
 * in-kernel splice beats the engine's user-space fallback.  Touches
 * neither off nor the files' offsets; *src and *dst: their devices.
 */
static bool fa_sendfile_ok(int out, int in, size_t n, dev_t *src, dev_t *dst)
{
	struct stat si;
	struct stat so;
	off_t o_in = 0;
	off_t o_out = 0;
	rlim_t limit;
	int fl_in;
	int fl_out;

	if (n == 0 || n > SSIZE_MAX)
		return false;
	if (fstat(in, &si) < 0 || fstat(out, &so) < 0 ||
	    !S_ISREG(si.st_mode) || !S_ISREG(so.st_mode))
		return false;
	if (si.st_dev == so.st_dev && si.st_ino == so.st_ino)
		return false;
	fl_in = fcntl(in, F_GETFL);
	fl_out = fcntl(out, F_GETFL);
	if (fl_in < 0 || fl_out < 0 || ((fl_in | fl_out) & O_PATH) ||
	    (fl_in & O_ACCMODE) == O_WRONLY ||
	    (fl_out & O_ACCMODE) == O_RDONLY || (fl_out & O_APPEND))
		return false;
	/* out's offset only where a limit needs it */
	limit = fa_fsize_limit();
	if (limit != RLIM_INFINITY &&
	    !fa_within_fsize(limit, lseek(out, 0, SEEK_CUR),
			     MIN(n, FA_SENDFILE_MAX)))
		return false;
	if (fa_is_bad_pair(si.st_dev, so.st_dev))
		return false;
	if (fn_sys_copy_file_range(in, &o_in, out, &o_out, 0, 0) < 0) {
		fa_add_bad_pair(si.st_dev, so.st_dev);
		return false;
	}
	*src = si.st_dev;
	*dst = so.st_dev;
	return true;
}

/*
 * The kernel's own argument checks: sendfile(2) with a count of 0 reads
 * and writes back *off (EFAULT), checks both descriptors (EBADF, EINVAL),
 * the source position (EINVAL when negative, EOVERFLOW at or past the
 * smaller file system's size limit) and copies nothing.  The count
 * matters once more: a position plus count beyond 2^63 - 1 is EINVAL.
 * True if the kernel would take the call, so the engine may do it.
 */
static bool fa_sendfile_probe(int out, int in, off_t *off, size_t n)
{
	off_t pos;

	if (syscall(SYS_sendfile, out, in, off, (size_t)0) != 0)
		return false;
	pos = off ? *off : lseek(in, 0, SEEK_CUR);
	return pos >= 0 && (uint64_t)pos + n <= (uint64_t)FA_OFF_MAX;
}

/*
 * sendfile(2) between regular files as fn_copy_range(): a NULL off uses
 * and advances in's file offset, else *off is used and advanced; out's
 * offset always advances; at most FA_SENDFILE_MAX bytes.  Anything else,
 * any call the kernel would refuse and any failure of the engine is the
 * real sendfile, which then gives the kernel's answer.
 */
ssize_t fa_sendfile(int out, int in, off_t *off, size_t n)
{
	struct fa_track *t = &fa_t;
	int saved_errno = errno;
	dev_t src;
	dev_t dst;
	ssize_t ret;

	if (t->busy)
		return fa_call_sendfile(out, in, off, n);
	t->busy = 1;
	fa_fence();
	if (fa_sendfile_ok(out, in, n, &src, &dst) &&
	    fa_sendfile_probe(out, in, off, n)) {
		pthread_testcancel();
		ret = fn_copy_range(in, off, out, NULL,
				    MIN(n, FA_SENDFILE_MAX), 0);
		if (ret >= 0) {
			fn_stat_add(&fa_live->preload_sendfile_ops, 1);
			fn_stat_add(&fa_live->preload_sendfile_bytes,
				    (uint64_t)ret);
			fa_count_offload(src, out, dst, (uint64_t)ret);
			fa_fence();
			t->busy = 0;
			errno = saved_errno;
			return ret;
		}
	}
	fn_stat_add(&fa_live->preload_sendfile_passthrough_ops, 1);
	fa_fence();
	t->busy = 0;
	errno = saved_errno;
	ret = fa_call_sendfile(out, in, off, n);
	if (ret > 0)
		fn_stat_add(&fa_live->preload_sendfile_passthrough_bytes,
			    (uint64_t)ret);
	return ret;
}
