// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fn_copy.c: the copy engine.
 *
 * fn_copy_range() first checks what copy_file_range(2) would refuse, so a
 * refusal is the same errno with or without the kernel path.  It then
 * copies with copy_file_range(2), looping because the kernel copies at
 * most about 2 GiB per call and may copy less, and falls back to a
 * chunked pread/pwrite copy when the file systems refuse the call
 * (ENOSYS, EOPNOTSUPP, EXDEV, EINVAL) or return 0 before the source's
 * EOF (procfs files report a size of 0).  Every other error is the
 * caller's answer.  The decision is made per call: one file system's
 * refusal never turns the kernel path off for another.
 *
 * It runs inside the preload interposer too: no stdio, and raw system
 * calls for everything the preload wraps (fn_sys_* in fn_frontend.h).
 * It reads no environment: the front ends set the chunk size.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fn_internal.h"
#include "fn_log.h"

/* copy_file_range(2) copies at most MAX_RW_COUNT (INT_MAX & PAGE_MASK) */
#define FN_KERNEL_CALL_MAX	((size_t)0x7ffff000)
#define FN_OFF_MAX		((off_t)INT64_MAX)

static _Atomic uint64_t fn_chunk_size = FN_CHUNK_DEFAULT;
/* A quarter of MemAvailable when last looked at; 0 if unknown */
#define FN_MEM_CAP_UNREAD	UINT64_MAX	/* not looked at yet */
static _Atomic uint64_t fn_mem_cap = FN_MEM_CAP_UNREAD;
/* copy_file_range(2) probe: 0 not yet, 1 present, -1 ENOSYS */
static atomic_int fn_kernel_state;
static _Atomic(fn_cfr_fn) fn_cfr_hook;

/* Why a call left the kernel path; indexes the copy_fallback_* keys */
enum fn_fallback_reason {
	FN_FALLBACK_NONE,
	FN_FALLBACK_ENOSYS,
	FN_FALLBACK_EOPNOTSUPP,
	FN_FALLBACK_EXDEV,
	FN_FALLBACK_EINVAL,
	FN_FALLBACK_ZERO,
	FN_FALLBACK_FORCED,
};

/* One fn_copy_range() call: positions, path taken, the fallback buffer */
struct fn_copy {
	int in;
	int out;
	off_t pos_in;
	off_t pos_out;
	off_t size_in;		/* at the start of the call */
	unsigned int flags;
	bool kernel_ok;		/* the kernel path may still be tried */
	enum fn_fallback_reason reason;
	char *buf;		/* mmap'ed on first fallback, one per call */
	size_t buf_len;
	uint64_t kernel_bytes;
	uint64_t fallback_bytes;
	uint64_t hole_bytes;
};

void fn_test_set_copy_file_range(fn_cfr_fn fn)
{
	atomic_store(&fn_cfr_hook, fn);
}

static ssize_t fn_cfr(int in, off_t *off_in, int out, off_t *off_out,
		      size_t len)
{
	fn_cfr_fn hook = atomic_load_explicit(&fn_cfr_hook,
					      memory_order_relaxed);

	if (hook)
		return hook(in, off_in, out, off_out, len, 0);
	return fn_sys_copy_file_range(in, off_in, out, off_out, len, 0);
}

FN_API bool fn_kernel_copy_supported(void)
{
	int state = atomic_load_explicit(&fn_kernel_state,
					 memory_order_relaxed);
	int saved_errno = errno;

	if (state == 0) {
		/* Bad descriptors: EBADF if the call exists, else ENOSYS */
		if (fn_sys_copy_file_range(-1, NULL, -1, NULL, 1, 0) < 0 &&
		    errno == ENOSYS)
			state = -1;
		else
			state = 1;
		atomic_store_explicit(&fn_kernel_state, state,
				      memory_order_relaxed);
		errno = saved_errno;
	}
	return state > 0;
}

/* ---- chunk size ------------------------------------------------------ */

/* A quarter of MemAvailable from /proc/meminfo, or 0 if unreadable */
static uint64_t fn_read_mem_cap(void)
{
	char buf[4096];
	const char *p;
	uint64_t kib = 0;
	ssize_t n;
	int fd;

	fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/meminfo",
			  O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = syscall(SYS_read, fd, buf, sizeof(buf) - 1);
	syscall(SYS_close, fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "MemAvailable:");
	if (p == NULL)
		return 0;
	for (p += strlen("MemAvailable:"); *p == ' '; p++)
		;
	for (; *p >= '0' && *p <= '9'; p++)
		kib = kib * 10 + (uint64_t)(*p - '0');
	return kib * 1024 / 4;
}

uint64_t fn_effective_chunk_size(void)
{
	uint64_t chunk = atomic_load_explicit(&fn_chunk_size,
					      memory_order_relaxed);
	uint64_t cap = atomic_load_explicit(&fn_mem_cap,
					    memory_order_relaxed);

	/* Read on first use: the library does nothing when it is loaded */
	if (cap == FN_MEM_CAP_UNREAD) {
		cap = fn_read_mem_cap();
		atomic_store_explicit(&fn_mem_cap, cap, memory_order_relaxed);
	}
	if (cap && chunk > cap)
		chunk = MAX(cap, FN_CHUNK_MIN);
	return chunk;
}

FN_API int fn_set_chunk_size(uint64_t bytes)
{
	if (bytes < FN_CHUNK_MIN || bytes > FN_CHUNK_MAX)
		return -EINVAL;
	atomic_store(&fn_mem_cap, fn_read_mem_cap());
	atomic_store(&fn_chunk_size, bytes);
	return 0;
}

FN_API uint64_t fn_get_chunk_size(void)
{
	return atomic_load(&fn_chunk_size);
}

/* ---- the copy ------------------------------------------------------- */

/*
 * What copy_file_range(2) would refuse, with its errno and in its order,
 * so the fallback never copies what the kernel would not and an error is
 * the same with or without the kernel path: the descriptors (fdget), the
 * flags, then generic_file_rw_checks() (file types before access modes),
 * the wrap check, the overlap check on the count cut at EOF, and
 * rw_verify_area() (negative offsets), as in fs/read_write.c since 5.19.
 * Sets the positions; *len may be clamped.
 */
static int fn_copy_check(struct fn_copy *c, const off_t *off_in,
			 const off_t *off_out, size_t *len)
{
	struct stat st_in;
	struct stat st_out;
	int fl_in;
	int fl_out;
	uint64_t count;

	/* fdget() refuses O_PATH descriptors as it refuses closed ones */
	fl_in = fcntl(c->in, F_GETFL);
	if (fl_in < 0 || (fl_in & O_PATH))
		return -EBADF;
	fl_out = fcntl(c->out, F_GETFL);
	if (fl_out < 0 || (fl_out & O_PATH))
		return -EBADF;
	if (c->flags & ~FN_COPY_FLAGS_ALL)
		return -EINVAL;
	if (fstat(c->in, &st_in) < 0 || fstat(c->out, &st_out) < 0)
		return -errno;
	if (S_ISDIR(st_in.st_mode) || S_ISDIR(st_out.st_mode))
		return -EISDIR;
	if (!S_ISREG(st_in.st_mode) || !S_ISREG(st_out.st_mode))
		return -EINVAL;
	if ((fl_in & O_ACCMODE) == O_WRONLY ||
	    (fl_out & O_ACCMODE) == O_RDONLY || (fl_out & O_APPEND))
		return -EBADF;

	/* A NULL offset is the file offset, never negative */
	c->pos_in = off_in ? *off_in : lseek(c->in, 0, SEEK_CUR);
	c->pos_out = off_out ? *off_out : lseek(c->out, 0, SEEK_CUR);
	if ((!off_in && c->pos_in < 0) || (!off_out && c->pos_out < 0))
		return -errno;
	/* Ensure offsets don't wrap, as the kernel does (unsigned) */
	if ((uint64_t)c->pos_in + *len < (uint64_t)c->pos_in ||
	    (uint64_t)c->pos_out + *len < (uint64_t)c->pos_out)
		return -EOVERFLOW;

	c->size_in = st_in.st_size;
	/* The count cut at the source's EOF, as the kernel judges it */
	if (c->pos_in >= st_in.st_size)
		count = 0;
	else
		count = MIN(*len, (uint64_t)st_in.st_size -
				  (uint64_t)c->pos_in);
	/*
	 * generic_write_check_limits(): no byte fits at the largest offset.
	 * Clamping the length to 0 below would say "EOF" instead.
	 */
	if (c->pos_out >= FN_OFF_MAX)
		return -EFBIG;
	if (st_in.st_dev == st_out.st_dev && st_in.st_ino == st_out.st_ino &&
	    (uint64_t)c->pos_out + count > (uint64_t)c->pos_in &&
	    (uint64_t)c->pos_out < (uint64_t)c->pos_in + count)
		return -EINVAL;
	/* rw_verify_area(): negative offsets, even for a length of 0 */
	if (c->pos_in < 0 || c->pos_out < 0)
		return -EINVAL;

	/* Nothing goes beyond the largest off_t; a count fits ssize_t */
	*len = MIN(*len, (size_t)SSIZE_MAX);
	*len = MIN(*len, (size_t)(FN_OFF_MAX - c->pos_in));
	*len = MIN(*len, (size_t)(FN_OFF_MAX - c->pos_out));
	return 0;
}

/* Which errors of copy_file_range(2) still allow a copy */
static enum fn_fallback_reason fn_fallback_reason(int err)
{
	switch (err) {
	case ENOSYS:
		return FN_FALLBACK_ENOSYS;
	case EOPNOTSUPP:
		return FN_FALLBACK_EOPNOTSUPP;
	case EXDEV:
		return FN_FALLBACK_EXDEV;
	case EINVAL:
		/* fn_copy_check() ruled out the caller's mistakes */
		return FN_FALLBACK_EINVAL;
	default:
		return FN_FALLBACK_NONE;
	}
}

static void fn_leave_kernel(struct fn_copy *c, enum fn_fallback_reason why)
{
	/* Offsets, not addresses: fn_stats_place() may move the counters */
	static const size_t keys[] = {
		[FN_FALLBACK_ENOSYS] = offsetof(struct fn_stats_live,
						copy_fallback_enosys),
		[FN_FALLBACK_EOPNOTSUPP] = offsetof(struct fn_stats_live,
						    copy_fallback_eopnotsupp),
		[FN_FALLBACK_EXDEV] = offsetof(struct fn_stats_live,
					       copy_fallback_exdev),
		[FN_FALLBACK_EINVAL] = offsetof(struct fn_stats_live,
						copy_fallback_einval),
		[FN_FALLBACK_ZERO] = offsetof(struct fn_stats_live,
					      copy_fallback_zero),
		[FN_FALLBACK_FORCED] = offsetof(struct fn_stats_live,
						copy_fallback_forced),
	};

	c->kernel_ok = false;
	c->reason = why;
	fn_stat_add(fn_stat_at(fn_live, keys[why]), 1);
	FN_LOG_DEBUG("fd %d -> fd %d: fallback (reason %d)", c->in, c->out,
		     (int)why);
}

/* Write all n bytes at off; the bytes written, or -errno if none */
static ssize_t fn_pwrite_all(int fd, const char *buf, size_t n, off_t off)
{
	size_t done = 0;
	ssize_t w;

	while (done < n) {
		w = fn_sys_pwrite(fd, buf + done, n - done, off + done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return done ? (ssize_t)done : -errno;
		if (w == 0)
			return done ? (ssize_t)done : -EIO;
		done += (size_t)w;
	}
	return (ssize_t)done;
}

static int fn_buf_get(struct fn_copy *c, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t want = MIN(fn_effective_chunk_size(), len);
	void *p;

	if (c->buf)
		return 0;
	want = (want + page - 1) & ~(page - 1);
	/* mmap, not malloc: the preload may run us inside malloc's caller */
	p = fn_sys_mmap_anon(want);
	if (p == MAP_FAILED)
		return -ENOMEM;
	c->buf = p;
	c->buf_len = want;
	return 0;
}

/* Bytes copied by pread/pwrite (short only at EOF), or -errno if none */
static ssize_t fn_copy_chunked(struct fn_copy *c, size_t len)
{
	size_t copied = 0;
	ssize_t n;
	ssize_t ret;

	ret = fn_buf_get(c, len);
	if (ret < 0)
		return ret;
	while (copied < len) {
		n = fn_sys_pread(c->in, c->buf, MIN(c->buf_len, len - copied),
				 c->pos_in);
		if (n < 0 && errno == EINTR && copied)
			break;
		if (n <= 0) {
			ret = n < 0 ? -errno : 0;	/* 0 is EOF */
			break;
		}
		ret = fn_pwrite_all(c->out, c->buf, (size_t)n, c->pos_out);
		if (ret < 0)
			break;
		c->pos_in += ret;
		c->pos_out += ret;
		copied += (size_t)ret;
		c->fallback_bytes += (uint64_t)ret;
		if (ret < n) {
			/* Short write: report the progress now, the error
			 * comes with the next call */
			ret = 0;
			break;
		}
	}
	return copied ? (ssize_t)copied : ret;
}

/* True if the kernel's 0 is a real EOF, not a size-0 pseudo file */
static bool fn_at_eof(const struct fn_copy *c)
{
	struct stat st;

	if (fstat(c->in, &st) < 0)
		return false;
	return st.st_size > 0 && c->pos_in >= st.st_size;
}

/* Copy len bytes of data; bytes copied (short only at EOF) or -errno */
static ssize_t fn_copy_data(struct fn_copy *c, size_t len)
{
	size_t done = 0;
	ssize_t n;
	int err;

	while (c->kernel_ok && done < len) {
		n = fn_cfr(c->in, &c->pos_in, c->out, &c->pos_out,
			   MIN(len - done, FN_KERNEL_CALL_MAX));
		if (n > 0) {
			done += (size_t)n;
			c->kernel_bytes += (uint64_t)n;
			continue;
		}
		if (n == 0) {
			if (done || fn_at_eof(c))
				return (ssize_t)done;
			fn_leave_kernel(c, FN_FALLBACK_ZERO);
			break;
		}
		err = errno;
		if (fn_fallback_reason(err) == FN_FALLBACK_NONE)
			return done ? (ssize_t)done : -err;
		fn_leave_kernel(c, fn_fallback_reason(err));
	}
	if (done == len)
		return (ssize_t)done;
	n = fn_copy_chunked(c, len - done);
	if (n < 0)
		return done ? (ssize_t)done : n;
	return (ssize_t)(done + (size_t)n);
}

/*
 * A hole of the source: the destination range must read as zeros.  Past
 * the destination's EOF that costs nothing; over its data, punch a hole,
 * or write zeros where the file system cannot.  0 or -errno.
 */
static int fn_copy_hole(struct fn_copy *c, size_t len)
{
	struct stat st;
	off_t end = c->pos_out + (off_t)len;
	off_t over;
	ssize_t n;
	int ret;

	if (fstat(c->out, &st) < 0)
		return -errno;
	over = MIN(end, st.st_size) - c->pos_out;
	if (over > 0 && fallocate(c->out, FALLOC_FL_PUNCH_HOLE |
				  FALLOC_FL_KEEP_SIZE, c->pos_out, over) < 0) {
		if (errno != EOPNOTSUPP)
			return -errno;
		ret = fn_buf_get(c, (size_t)over);
		if (ret < 0)
			return ret;
		memset(c->buf, 0, c->buf_len);
		for (off_t o = 0; o < over; o += n) {
			n = fn_pwrite_all(c->out, c->buf,
					  MIN(c->buf_len, (size_t)(over - o)),
					  c->pos_out + o);
			if (n < 0)
				return (int)n;
		}
	}
	if (st.st_size < end && ftruncate(c->out, end) < 0)
		return -errno;
	c->pos_in += (off_t)len;
	c->pos_out = end;
	c->hole_bytes += len;
	return 0;
}

/* FN_COPY_SPARSE: copy the data extents, recreate the holes */
static ssize_t fn_copy_extents(struct fn_copy *c, int seek_fd, size_t len)
{
	off_t end;
	off_t data;
	off_t hole;
	size_t done = 0;
	ssize_t n;
	int ret;

	end = c->pos_in + (off_t)MIN(len, (uint64_t)MAX(c->size_in -
							 c->pos_in, 0));
	while (c->pos_in < end) {
		data = lseek(seek_fd, c->pos_in, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			data = end;		/* a hole up to EOF */
		else if (data < 0)
			data = c->pos_in;	/* no SEEK_DATA: all data */
		data = MIN(data, end);
		if (data > c->pos_in) {
			size_t hole_len = (size_t)(data - c->pos_in);

			ret = fn_copy_hole(c, hole_len);
			if (ret < 0)
				return done ? (ssize_t)done : ret;
			done += hole_len;
		}
		if (data >= end)
			break;
		hole = lseek(seek_fd, data, SEEK_HOLE);
		hole = hole < 0 ? end : MIN(hole, end);
		n = fn_copy_data(c, (size_t)(hole - data));
		if (n < 0)
			return done ? (ssize_t)done : n;
		done += (size_t)n;
		if (n < hole - data)
			break;		/* the source shrank under us */
	}
	return (ssize_t)done;
}

/*
 * SEEK_DATA and SEEK_HOLE move the file offset, which a non-NULL off_in
 * must leave alone (and a NULL one must keep on failure): seek on a
 * private open file description of the source, or, where it cannot be
 * reopened, put the offset back afterwards.
 */
static ssize_t fn_copy_sparse(struct fn_copy *c, size_t len)
{
	char path[64];
	off_t saved;
	ssize_t ret;
	int fd;

	/* Pseudo files report size 0: they have no holes to keep */
	if (c->size_in == 0)
		return fn_copy_data(c, len);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", c->in);
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ret = fn_copy_extents(c, fd, len);
		syscall(SYS_close, fd);
		return ret;
	}
	saved = lseek(c->in, 0, SEEK_CUR);
	ret = fn_copy_extents(c, c->in, len);
	if (saved >= 0)
		lseek(c->in, saved, SEEK_SET);
	return ret;
}

/* Put the positions back where copy_file_range(2) would leave them */
static void fn_copy_finish(struct fn_copy *c, off_t *off_in, off_t *off_out)
{
	if (off_in)
		*off_in = c->pos_in;
	else
		lseek(c->in, c->pos_in, SEEK_SET);
	if (off_out)
		*off_out = c->pos_out;
	else
		lseek(c->out, c->pos_out, SEEK_SET);
}

static void fn_copy_account(const struct fn_copy *c, ssize_t ret,
			    uint64_t t0)
{
	fn_stat_add(&fn_live->copy_ops, 1);
	if (ret < 0)
		fn_stat_add(&fn_live->copy_errors, 1);
	else
		fn_stat_add(&fn_live->copy_bytes, (uint64_t)ret);
	if (c->kernel_bytes) {
		fn_stat_add(&fn_live->copy_kernel_ops, 1);
		fn_stat_add(&fn_live->copy_kernel_bytes, c->kernel_bytes);
	}
	if (c->reason != FN_FALLBACK_NONE) {
		fn_stat_add(&fn_live->copy_fallback_ops, 1);
		fn_stat_add(&fn_live->copy_fallback_bytes, c->fallback_bytes);
	}
	if (c->hole_bytes)
		fn_stat_add(&fn_live->copy_sparse_hole_bytes, c->hole_bytes);
	fn_stat_add(&fn_live->copy_ns, fn_now_ns() - t0);
}

FN_API ssize_t fn_copy_range(int fd_in, off_t *off_in, int fd_out,
			     off_t *off_out, size_t len, unsigned int flags)
{
	struct fn_copy c = {
		.in = fd_in,
		.out = fd_out,
		.flags = flags,
		.kernel_ok = true,
	};
	uint64_t t0 = fn_now_ns();
	int saved_errno = errno;
	ssize_t ret;

	ret = fn_copy_check(&c, off_in, off_out, &len);
	if (ret < 0 || len == 0)
		goto out;
	/*
	 * At a regular file's EOF there is nothing to copy: no system call,
	 * no fallback counted for the last call of a cp-style loop (the
	 * kernel would say EXDEV across file systems before it says 0).
	 * A size of 0 may be a pseudo file: that one is read.
	 */
	if (c.size_in > 0 && c.pos_in >= c.size_in)
		goto out;
	if (flags & FN_COPY_NO_KERNEL)
		fn_leave_kernel(&c, FN_FALLBACK_FORCED);
	else if (!fn_kernel_copy_supported())
		fn_leave_kernel(&c, FN_FALLBACK_ENOSYS);
	if (flags & FN_COPY_SPARSE)
		ret = fn_copy_sparse(&c, len);
	else
		ret = fn_copy_data(&c, len);
	if (ret > 0)
		fn_copy_finish(&c, off_in, off_out);
	if (c.buf)
		fn_sys_munmap(c.buf, c.buf_len);
out:
	fn_copy_account(&c, ret, t0);
	if (ret < 0)
		FN_LOG_DEBUG("fd %d -> fd %d: %zd", fd_in, fd_out, ret);
	errno = saved_errno;
	return ret;
}

FN_API ssize_t fn_copy_ranges(int fd_in, int fd_out, const struct fn_range *r,
			      size_t n, unsigned int flags)
{
	size_t total = 0;
	size_t i = 0;
	size_t j;
	ssize_t ret;

	if (n && r == NULL)
		return -EINVAL;
	for (j = 0; j < n; j++) {
		if (r[j].len > (size_t)SSIZE_MAX - total)
			return -EINVAL;
		total += r[j].len;
	}
	total = 0;
	while (i < n) {
		off_t in = r[i].off_in;
		off_t out = r[i].off_out;
		size_t len = r[i].len;

		/*
		 * Merge the ranges that continue this one in both files;
		 * unsigned sums, so offsets near the limit cannot overflow
		 * (fn_copy_range() then refuses what does not fit).
		 */
		for (j = i + 1; j < n &&
		     (uint64_t)r[j].off_in == (uint64_t)in + len &&
		     (uint64_t)r[j].off_out == (uint64_t)out + len; j++)
			len += r[j].len;
		ret = fn_copy_range(fd_in, &in, fd_out, &out, len, flags);
		if (ret < 0)
			return total ? (ssize_t)total : ret;
		total += (size_t)ret;
		if ((size_t)ret < len)
			break;
		i = j;
	}
	return (ssize_t)total;
}

FN_API const char *fn_version(void)
{
	return PACKAGE_VERSION;
}
