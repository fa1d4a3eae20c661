// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fpexercise: a seeded random data-integrity exerciser for a directory.
 *
 *	fpexercise [--seed N] [--ops N] [--size MAX] [--files N]
 *		   [--verify-every N] [--backing BDIR] [--base OFFSET] DIR
 *
 * Creates a few files in DIR and runs random operations on them: pwrite,
 * pread (also through a second descriptor), appends through an O_APPEND
 * descriptor, ftruncate and truncate (grow and shrink), fallocate in every mode
 * (default, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE, ZERO_RANGE), copy_file_range
 * between two files and within one file at ranges that do not overlap,
 * reads through a shared mapping and writes through a MAP_SHARED mapping
 * (msync), fsync, fdatasync, fstat, close and reopen.  Each file has an
 * in-memory model (its bytes and size); every read is compared with the
 * model, and every --verify-every operations and at the end the whole of
 * each file (size and bytes) is compared twice: through the open
 * descriptor and through a fresh open of its path.  With --backing (DIR
 * is a passthrough mount of BDIR), each whole-file check first fsyncs the
 * file and then also compares BDIR's copy, so data that only the mount's
 * page cache holds is caught.  With --base, every file offset is OFFSET
 * more (a multiple of 64 KiB, e.g. 5G): the files are sparse below it, so
 * offsets beyond 4 GiB are exercised with a model of --size bytes.
 *
 * The seed is printed first ("# seed N") so that a failure can be
 * replayed with --seed.  All output lines start with '#' (the shell tests
 * that run it are TAP).  On a mismatch it prints the operation number,
 * the operation, its offsets, the first differing byte and the last
 * operations before it, and exits 1.  A fallocate mode the file system
 * refuses with EOPNOTSUPP is counted and skipped; any other failure of a
 * call exits 1.  Exit 0 when every check passed, 2 for usage.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fn_frontend.h"

#define HP_NAME "fpexercise"
#include "helper.h"

#define FP_MAX_FILES	8
#define FP_HISTORY	16
#define FP_DESC_LEN	160

/* The operations, with the name printed in counts and messages. */
#define FP_OPS(X)							\
	X(pwrite) X(pread) X(ftruncate) X(truncate)			\
	X(falloc) X(falloc_keep) X(falloc_punch) X(falloc_zero)		\
	X(copy_range) X(copy_self) X(mmap_read) X(mmap_write)		\
	X(fsync) X(fdatasync) X(fstat) X(reopen) X(append) X(pread_fd2)

#define X(name) FP_OP_##name,
enum fp_op { FP_OPS(X) FP_OP_COUNT };
#undef X

#define X(name) #name,
static const char *const fp_op_names[] = { FP_OPS(X) };
#undef X

/*
 * How often each operation is picked, out of the sum of the weights.
 * Through a FUSE mount truncate, msync and fsync cost ten times a read
 * or a write (they wait for the backing file system), so they are rarer.
 */
static const unsigned int fp_op_weights[FP_OP_COUNT] = {
	[FP_OP_pwrite] = 60,	 [FP_OP_pread] = 60,
	[FP_OP_ftruncate] = 1,	 [FP_OP_truncate] = 1,
	[FP_OP_falloc] = 3,	 [FP_OP_falloc_keep] = 3,
	[FP_OP_falloc_punch] = 3, [FP_OP_falloc_zero] = 3,
	[FP_OP_copy_range] = 12, [FP_OP_copy_self] = 8,
	[FP_OP_mmap_read] = 10,	 [FP_OP_mmap_write] = 6,
	[FP_OP_fsync] = 1,	 [FP_OP_fdatasync] = 1,
	[FP_OP_fstat] = 14,	 [FP_OP_reopen] = 6,
	[FP_OP_append] = 6,	 [FP_OP_pread_fd2] = 6,
};

struct fp_file {
	char path[PATH_MAX];
	char backing[PATH_MAX];	/* "" without --backing */
	int fd;
	size_t size;		/* the model's size */
	unsigned char *data;	/* the model's bytes; zero beyond size */
};

static struct fp_file files[FP_MAX_FILES];
static unsigned int nfiles = 3;
static size_t max_size = 1 << 20;
static uint64_t base;		/* added to every file offset (--base) */
static uint64_t seed;
static uint64_t rng_state;
static uint64_t op_no;
static uint64_t counts[FP_OP_COUNT];
static uint64_t unsupported[FP_OP_COUNT];
static uint64_t verifies;
static unsigned char *scratch;	/* max_size bytes for reads and data */
static char history[FP_HISTORY][FP_DESC_LEN];
static char cur_desc[FP_DESC_LEN];

/* splitmix64: small, fast, and the same sequence on every machine */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in [0, n); n > 0. */
static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

static void rnd_fill(unsigned char *buf, size_t len)
{
	uint64_t v;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		v = rnd();
		memcpy(buf + i, &v, 8);
	}
	if (i < len) {
		v = rnd();
		memcpy(buf + i, &v, len - i);
	}
}

/*
 * A length in [1, limit]: mostly small, sometimes up to 64 KiB, rarely
 * as large as allowed, so both many small and a few big requests happen.
 */
static size_t rnd_len(size_t limit)
{
	uint64_t r = rnd_below(100);
	size_t cap;

	if (r < 50)
		cap = 4096;
	else if (r < 90)
		cap = 65536;
	else
		cap = limit;
	if (cap > limit)
		cap = limit;
	return 1 + rnd_below(cap);
}

/* An offset in [0, limit]: a quarter of them page aligned. */
static size_t rnd_off(size_t limit)
{
	size_t off = rnd_below(limit + 1);

	if (rnd_below(4) == 0)
		off &= ~(size_t)4095;
	return off;
}

static void describe(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Set the current operation's description and push it on the history. */
static void describe(const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(cur_desc, sizeof(cur_desc), "op %" PRIu64 ": ", op_no);
	va_start(ap, fmt);
	vsnprintf(cur_desc + n, sizeof(cur_desc) - n, fmt, ap);
	va_end(ap);
	memcpy(history[op_no % FP_HISTORY], cur_desc, FP_DESC_LEN);
}

static void print_history(void)
{
	uint64_t first = op_no >= FP_HISTORY ? op_no - FP_HISTORY + 1 : 0;
	uint64_t i;

	printf("# last operations:\n");
	for (i = first; i <= op_no; i++)
		printf("#   %s\n", history[i % FP_HISTORY]);
}

static void fail(const char *fmt, ...) __attribute__((noreturn,
						      format(printf, 1, 2)));

static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("# FAIL %s\n# ", cur_desc);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	print_history();
	printf("# replay: fpexercise --seed %" PRIu64 " with the same "
	       "options\n", seed);
	fflush(stdout);
	exit(1);
}

static void fail_errno(const char *call, int err)
{
	fail("%s: %s (errno %d)", call, strerror(err), err);
}

/* Compare got with the model at off; fail at the first differing byte. */
static void check_bytes(const struct fp_file *f, const unsigned char *got,
			size_t off, size_t len, const char *how)
{
	size_t i;

	if (memcmp(got, f->data + off, len) == 0)
		return;
	for (i = 0; i < len; i++)
		if (got[i] != f->data[off + i])
			break;
	fail("%s of %s: first differing byte at offset %zu: got 0x%02x, "
	     "want 0x%02x (checked range %zu+%zu, model size %zu)", how,
	     f->path, off + i, got[i], f->data[off + i], off, len, f->size);
}

/* pread until len bytes or EOF; bytes read, or fails the run. */
static size_t read_full(int fd, unsigned char *buf, size_t len, size_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, buf + done, len - done, base + off + done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail_errno("pread", errno);
		}
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

static void write_full(int fd, const unsigned char *buf, size_t len,
		       size_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pwrite(fd, buf + done, len - done, base + off + done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail_errno("pwrite", errno);
		}
		if (n == 0)
			fail("pwrite returned 0 at %zu of %zu", done, len);
		done += n;
	}
}

/* Model: set the size, zeroing what a shrink cut off. */
static void model_resize(struct fp_file *f, size_t size)
{
	if (size < f->size)
		memset(f->data + size, 0, f->size - size);
	f->size = size;
}

static void model_write(struct fp_file *f, const unsigned char *buf,
			size_t off, size_t len)
{
	memmove(f->data + off, buf, len);
	if (len && off + len > f->size)
		f->size = off + len;
}

static void check_size(const struct fp_file *f, int fd, const char *how)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		fail_errno("fstat", errno);
	if ((uint64_t)st.st_size != base + f->size)
		fail("%s of %s: size %jd, want %" PRIu64 " + %zu", how, f->path,
		     (intmax_t)st.st_size, base, f->size);
}

static void open_file(struct fp_file *f, int flags)
{
	f->fd = open(f->path, O_RDWR | O_CLOEXEC | flags, 0644);
	if (f->fd < 0)
		fail_errno("open", errno);
}

/* The whole file at path, through a fresh open. */
static void verify_path(struct fp_file *f, const char *path, const char *how)
{
	size_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail_errno("open (fresh)", errno);
	check_size(f, fd, how);
	n = read_full(fd, scratch, max_size, 0);
	if (n != f->size)
		fail("%s: read %zu bytes of %s, want %zu", how, n, path,
		     f->size);
	check_bytes(f, scratch, 0, n, how);
	close(fd);
}

/*
 * The whole file, through its descriptor and through a fresh open, and
 * with --backing its backing file after an fsync.
 */
static void verify_file(struct fp_file *f)
{
	size_t n;

	check_size(f, f->fd, "fstat");
	n = read_full(f->fd, scratch, max_size, 0);
	if (n != f->size)
		fail("read of whole %s: %zu bytes, want %zu", f->path, n,
		     f->size);
	check_bytes(f, scratch, 0, n, "read of whole file");
	verify_path(f, f->path, "whole file (fresh open)");
	if (f->backing[0]) {
		if (fsync(f->fd) < 0)
			fail_errno("fsync", errno);
		verify_path(f, f->backing, "backing file after fsync");
	}
}

static void verify_all(const char *when)
{
	unsigned int i;

	describe("verify all files (%s)", when);
	for (i = 0; i < nfiles; i++)
		verify_file(&files[i]);
	verifies++;
}

static void do_pwrite(struct fp_file *f)
{
	size_t off = rnd_off(max_size - 1);
	size_t len = rnd_len(max_size - off);

	describe("pwrite %s off=%zu len=%zu", f->path, off, len);
	rnd_fill(scratch, len);
	write_full(f->fd, scratch, len, off);
	model_write(f, scratch, off, len);
}

/* A random read through fd (the file's own or a second descriptor) */
static void do_pread(struct fp_file *f, int fd)
{
	/* Sometimes start at or beyond EOF to check short reads. */
	size_t off = rnd_off(f->size + 4096 < max_size ? f->size + 4096 :
			     max_size - 1);
	size_t len = rnd_len(max_size - off);
	size_t want = off < f->size ? f->size - off : 0;
	size_t n;

	if (want > len)
		want = len;
	describe("pread%s %s off=%zu len=%zu (size %zu)",
		 fd == f->fd ? "" : " (second fd)", f->path, off, len, f->size);
	n = read_full(fd, scratch, len, off);
	if (n != want)
		fail("pread returned %zu bytes, want %zu", n, want);
	check_bytes(f, scratch, off, n, "pread");
}

/* write(2) through a second descriptor opened with O_APPEND */
static void do_append(struct fp_file *f)
{
	size_t len, done = 0;
	ssize_t n;
	int fd;

	if (f->size == max_size) {
		describe("append to %s: full, skipped", f->path);
		counts[FP_OP_append]--;
		return;
	}
	len = rnd_len(max_size - f->size);
	describe("append %s len=%zu (size %zu)", f->path, len, f->size);
	rnd_fill(scratch, len);
	fd = open(f->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		fail_errno("open O_APPEND", errno);
	while (done < len) {
		n = write(fd, scratch + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail_errno("write O_APPEND", errno);
		}
		done += n;
	}
	if (close(fd) < 0)
		fail_errno("close O_APPEND", errno);
	model_write(f, scratch, f->size, len);
	check_size(f, f->fd, "fstat after append");
}

static void do_truncate(struct fp_file *f, bool by_path)
{
	size_t size;
	int ret;

	/* Half the time shrink (or keep), half the time grow. */
	if (rnd_below(2) == 0 || f->size == max_size)
		size = rnd_off(f->size);
	else
		size = f->size + rnd_below(max_size - f->size + 1);
	describe("%s %s %zu -> %zu", by_path ? "truncate" : "ftruncate",
		 f->path, f->size, size);
	if (by_path)
		ret = truncate(f->path, base + size);
	else
		ret = ftruncate(f->fd, base + size);
	if (ret < 0)
		fail_errno(by_path ? "truncate" : "ftruncate", errno);
	model_resize(f, size);
	check_size(f, f->fd, "fstat after truncate");
}

static void do_fallocate(struct fp_file *f, enum fp_op op)
{
	static const int modes[FP_OP_COUNT] = {
		[FP_OP_falloc] = 0,
		[FP_OP_falloc_keep] = FALLOC_FL_KEEP_SIZE,
		[FP_OP_falloc_punch] = FALLOC_FL_PUNCH_HOLE |
				       FALLOC_FL_KEEP_SIZE,
		[FP_OP_falloc_zero] = FALLOC_FL_ZERO_RANGE,
	};
	int mode = modes[op];
	size_t off = rnd_off(max_size - 1);
	size_t len = rnd_len(max_size - off);
	size_t end = off + len;

	describe("fallocate(%s) %s off=%zu len=%zu (size %zu)",
		 fp_op_names[op], f->path, off, len, f->size);
	if (fallocate(f->fd, mode, base + off, len) < 0) {
		if (errno == EOPNOTSUPP) {
			unsupported[op]++;
			counts[op]--;
			return;
		}
		fail_errno("fallocate", errno);
	}
	switch (op) {
	case FP_OP_falloc:
		if (end > f->size)
			f->size = end;
		break;
	case FP_OP_falloc_keep:
		break;
	case FP_OP_falloc_punch:
		if (off < f->size)
			memset(f->data + off, 0,
			       (end < f->size ? end : f->size) - off);
		break;
	case FP_OP_falloc_zero:
		memset(f->data + off, 0, len);
		if (end > f->size)
			f->size = end;
		break;
	default:
		abort();
	}
	check_size(f, f->fd, "fstat after fallocate");
}

/* Copy n bytes with copy_file_range, looping over short copies. */
static size_t copy_full(struct fp_file *src, size_t soff, struct fp_file *dst,
			size_t doff, size_t len)
{
	loff_t in = base + soff;
	loff_t out = base + doff;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = copy_file_range(src->fd, &in, dst->fd, &out, len - done,
				    0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail_errno("copy_file_range", errno);
		}
		if (n == 0)
			break;
		done += n;
	}
	if ((uint64_t)in != base + soff + done ||
	    (uint64_t)out != base + doff + done)
		fail("copy_file_range: offsets advanced to %jd and %jd after "
		     "%zu bytes from %zu and %zu", (intmax_t)in,
		     (intmax_t)out, done, soff, doff);
	return done;
}

static void do_copy_range(struct fp_file *src, struct fp_file *dst)
{
	size_t soff, doff, len, want, n;

	soff = src->size ? rnd_off(src->size - 1) : 0;
	len = rnd_len(src->size > soff ? src->size - soff + 512 : 4096);
	if (len > max_size)
		len = max_size;
	doff = rnd_off(max_size - len);
	want = soff < src->size ? src->size - soff : 0;
	if (want > len)
		want = len;
	describe("copy_file_range %s off=%zu -> %s off=%zu len=%zu "
		 "(sizes %zu, %zu)", src->path, soff, dst->path, doff, len,
		 src->size, dst->size);
	memcpy(scratch, src->data + soff, want);
	n = copy_full(src, soff, dst, doff, len);
	if (n != want)
		fail("copy_file_range copied %zu bytes, want %zu", n, want);
	model_write(dst, scratch, doff, n);
	check_size(dst, dst->fd, "fstat after copy_file_range");
}

/* Within one file: two ranges that do not overlap (else EINVAL). */
static void do_copy_self(struct fp_file *f)
{
	size_t soff, doff, len, n;

	if (f->size < 2) {
		describe("copy_file_range within %s: too small, skipped",
			 f->path);
		counts[FP_OP_copy_self]--;
		return;
	}
	len = rnd_len(f->size / 2);
	soff = rnd_below(f->size - len + 1);
	/* room after the source for the copy, else start it at 0 */
	if (soff < len && soff + 2 * len > max_size)
		soff = 0;
	/* a destination before the source or after it, maybe past EOF */
	if (soff >= len && (rnd_below(2) == 0 || soff + 2 * len > max_size))
		doff = rnd_below(soff - len + 1);
	else
		doff = soff + len + rnd_below(max_size - soff - 2 * len + 1);
	describe("copy_file_range within %s off=%zu -> off=%zu len=%zu "
		 "(size %zu)", f->path, soff, doff, len, f->size);
	memcpy(scratch, f->data + soff, len);
	n = copy_full(f, soff, f, doff, len);
	if (n != len)
		fail("copy_file_range copied %zu bytes, want %zu", n, len);
	model_write(f, scratch, doff, n);
	check_size(f, f->fd, "fstat after copy_file_range");
}

static void do_mmap(struct fp_file *f, bool write)
{
	size_t off, len;
	unsigned char *map;
	bool sync;

	if (f->size == 0) {
		describe("mmap %s: empty, skipped", f->path);
		counts[write ? FP_OP_mmap_write : FP_OP_mmap_read]--;
		return;
	}
	off = rnd_off(f->size - 1);
	len = rnd_len(f->size - off);
	/*
	 * One write in four is synced at once; the others reach the file by
	 * writeback, or at the next fsync or whole-file check.
	 */
	sync = write && rnd_below(4) == 0;
	describe("mmap %s %s off=%zu len=%zu (size %zu)",
		 write ? (sync ? "write+msync" : "write") : "read", f->path,
		 off, len, f->size);
	map = mmap(NULL, f->size, PROT_READ | (write ? PROT_WRITE : 0),
		   MAP_SHARED, f->fd, base);
	if (map == MAP_FAILED)
		fail_errno("mmap", errno);
	if (write) {
		rnd_fill(scratch, len);
		memcpy(map + off, scratch, len);
		if (sync && msync(map, f->size, MS_SYNC) < 0)
			fail_errno("msync", errno);
		model_write(f, scratch, off, len);
	} else {
		check_bytes(f, map + off, off, len, "read through mmap");
	}
	if (munmap(map, f->size) < 0)
		fail_errno("munmap", errno);
}

static void do_op(enum fp_op op)
{
	struct fp_file *f = &files[rnd_below(nfiles)];
	struct fp_file *g;
	int fd;

	counts[op]++;
	switch (op) {
	case FP_OP_pwrite:
		do_pwrite(f);
		break;
	case FP_OP_pread:
		do_pread(f, f->fd);
		break;
	case FP_OP_pread_fd2:
		fd = open(f->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fail_errno("open O_RDONLY", errno);
		do_pread(f, fd);
		if (close(fd) < 0)
			fail_errno("close", errno);
		break;
	case FP_OP_append:
		do_append(f);
		break;
	case FP_OP_ftruncate:
	case FP_OP_truncate:
		do_truncate(f, op == FP_OP_truncate);
		break;
	case FP_OP_falloc:
	case FP_OP_falloc_keep:
	case FP_OP_falloc_punch:
	case FP_OP_falloc_zero:
		do_fallocate(f, op);
		break;
	case FP_OP_copy_range:
		g = &files[(f - files + 1 + rnd_below(nfiles - 1)) % nfiles];
		do_copy_range(f, g);
		break;
	case FP_OP_copy_self:
		do_copy_self(f);
		break;
	case FP_OP_mmap_read:
	case FP_OP_mmap_write:
		do_mmap(f, op == FP_OP_mmap_write);
		break;
	case FP_OP_fsync:
		describe("fsync %s", f->path);
		if (fsync(f->fd) < 0)
			fail_errno("fsync", errno);
		break;
	case FP_OP_fdatasync:
		describe("fdatasync %s", f->path);
		if (fdatasync(f->fd) < 0)
			fail_errno("fdatasync", errno);
		break;
	case FP_OP_fstat:
		describe("fstat %s (size %zu)", f->path, f->size);
		check_size(f, f->fd, "fstat");
		break;
	case FP_OP_reopen:
		describe("close and reopen %s", f->path);
		if (close(f->fd) < 0)
			fail_errno("close", errno);
		open_file(f, 0);
		check_size(f, f->fd, "fstat after reopen");
		break;
	default:
		abort();
	}
}

static enum fp_op pick_op(void)
{
	unsigned int total = 0;
	unsigned int r;
	int i;

	for (i = 0; i < FP_OP_COUNT; i++)
		total += fp_op_weights[i];
	r = rnd_below(total);
	for (i = 0; i < FP_OP_COUNT; i++) {
		if (r < fp_op_weights[i])
			return i;
		r -= fp_op_weights[i];
	}
	abort();
}

static void usage(FILE *f)
{
	fprintf(f, "usage: fpexercise [--seed N] [--ops N] [--size MAX] "
		   "[--files N] [--verify-every N] [--backing BDIR]\n"
		   "                  [--base OFFSET] DIR\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "ops", required_argument, NULL, 'o' },
		{ "size", required_argument, NULL, 'S' },
		{ "files", required_argument, NULL, 'f' },
		{ "verify-every", required_argument, NULL, 'v' },
		{ "backing", required_argument, NULL, 'b' },
		{ "base", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t ops = 100000;
	uint64_t verify_every = 2000;
	const char *backing = NULL;
	uint64_t v;
	unsigned int i;
	int c;

	seed = fn_now_ns() ^ ((uint64_t)getpid() << 32);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (hp_parse_size("seed", optarg, &seed) < 0)
				return 2;
			break;
		case 'o':
			if (hp_parse_size("ops", optarg, &ops) < 0)
				return 2;
			break;
		case 'S':
			if (hp_parse_size("size", optarg, &v) < 0)
				return 2;
			if (v < 4096 || v > (1 << 30)) {
				fprintf(stderr, "fpexercise: size=%s: out of "
					"range (4K..1G)\n", optarg);
				return 2;
			}
			max_size = v;
			break;
		case 'f':
			if (hp_parse_size("files", optarg, &v) < 0)
				return 2;
			if (v < 2 || v > FP_MAX_FILES) {
				fprintf(stderr, "fpexercise: files=%s: out of "
					"range (2..%d)\n", optarg,
					FP_MAX_FILES);
				return 2;
			}
			nfiles = v;
			break;
		case 'v':
			if (hp_parse_size("verify-every", optarg, &verify_every) <
			    0)
				return 2;
			break;
		case 'b':
			backing = optarg;
			break;
		case 'B':
			if (hp_parse_size("base", optarg, &base) < 0)
				return 2;
			if (base % 65536 || base > (1ULL << 50)) {
				fprintf(stderr, "fpexercise: base=%s: not a "
					"multiple of 64K up to 1P\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# seed %" PRIu64 "\n", seed);
	printf("# ops %" PRIu64 " size %zu files %u verify-every %" PRIu64
	       " base %" PRIu64 " dir %s\n", ops, max_size, nfiles,
	       verify_every, base, argv[optind]);
	rng_state = seed;

	scratch = malloc(max_size);
	if (!scratch) {
		perror("fpexercise: malloc");
		return 1;
	}
	for (i = 0; i < nfiles; i++) {
		struct fp_file *f = &files[i];

		snprintf(f->path, sizeof(f->path), "%s/fpx.%u", argv[optind],
			 i);
		if (backing)
			snprintf(f->backing, sizeof(f->backing), "%s/fpx.%u",
				 backing, i);
		f->data = calloc(1, max_size);
		if (!f->data) {
			perror("fpexercise: calloc");
			return 1;
		}
		describe("create %s", f->path);
		open_file(f, O_CREAT | O_TRUNC);
		if (base && ftruncate(f->fd, base) < 0)
			fail_errno("ftruncate to --base", errno);
	}

	for (op_no = 1; op_no <= ops; op_no++) {
		do_op(pick_op());
		if (verify_every && op_no % verify_every == 0)
			verify_all("periodic");
	}
	op_no = ops;
	verify_all("final");
	for (i = 0; i < nfiles; i++) {
		if (close(files[i].fd) < 0)
			fail_errno("close", errno);
		files[i].fd = -1;
	}

	for (i = 0; i < FP_OP_COUNT; i++) {
		printf("# %-13s %" PRIu64, fp_op_names[i], counts[i]);
		if (unsupported[i])
			printf(" (EOPNOTSUPP %" PRIu64 ")", unsupported[i]);
		printf("\n");
	}
	printf("# verifies %" PRIu64 "\n", verifies);
	printf("# ok seed %" PRIu64 " ops %" PRIu64 "\n", seed, ops);
	for (i = 0; i < nfiles; i++)
		free(files[i].data);
	free(scratch);
	return 0;
}
