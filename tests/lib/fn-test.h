/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fn-test.h: helpers shared by the engine's C unit tests (t-copy-*.c):
 * files filled with a pattern that depends on the absolute offset, so any
 * range of a copy can be checked where it landed; whole-file comparison;
 * paths in the test's trash directory; the stats counters by name.
 *
 * Everything is static: each test program includes it once.  Setup
 * failures bail out (they are not what a test asserts).
 */
#ifndef FN_TEST_H
#define FN_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fn_internal.h"
#include "tap.h"

#define TF_KIB	(UINT64_C(1) << 10)
#define TF_MIB	(UINT64_C(1) << 20)
#define TF_GIB	(UINT64_C(1) << 30)

/* The four ways of calling the engine that most tests repeat */
__attribute__((unused)) static const unsigned int tf_modes[] = {
	0,
	FN_COPY_NO_KERNEL,
	FN_COPY_SPARSE,
	FN_COPY_SPARSE | FN_COPY_NO_KERNEL,
};

__attribute__((unused)) static const char *tf_mode_name(unsigned int flags)
{
	switch (flags) {
	case 0:
		return "kernel";
	case FN_COPY_NO_KERNEL:
		return "no-kernel";
	case FN_COPY_SPARSE:
		return "sparse";
	default:
		return "sparse+no-kernel";
	}
}

/* The pattern byte at offset off of a file made with seed */
static inline unsigned char tf_byte(uint64_t off, unsigned int seed)
{
	return (unsigned char)((off >> 9) * 7 + off * 13 + seed);
}

static void tf_fill(unsigned char *buf, size_t n, uint64_t off,
		    unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = tf_byte(off + i, seed);
}

/* "dir/name" in a buffer the caller frees */
__attribute__((unused)) static char *tf_path(const char *dir,
					     const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		sysbail("asprintf");
	return p;
}

/* Write the pattern over [off, off + len) of fd */
static void tf_write_pattern(int fd, uint64_t off, uint64_t len,
			     unsigned int seed)
{
	static unsigned char buf[1 << 16];

	while (len) {
		size_t n = len < sizeof(buf) ? (size_t)len : sizeof(buf);

		tf_fill(buf, n, off, seed);
		if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n)
			sysbail("pwrite at %llu", (unsigned long long)off);
		off += n;
		len -= n;
	}
}

/* Create (truncate) path, O_RDWR, holding size bytes of the pattern */
__attribute__((unused)) static int tf_make_file(const char *path,
						uint64_t size,
						unsigned int seed)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		sysbail("open %s", path);
	tf_write_pattern(fd, 0, size, seed);
	return fd;
}

/*
 * True if [off, off + len) of fd holds the pattern of a file made with
 * seed, as it was at src_off (where the bytes were copied from).
 */
__attribute__((unused)) static bool tf_has_pattern(int fd, uint64_t off,
						   uint64_t len,
						   uint64_t src_off,
						   unsigned int seed)
{
	static unsigned char got[1 << 16];
	static unsigned char want[1 << 16];

	while (len) {
		size_t n = len < sizeof(got) ? (size_t)len : sizeof(got);

		if (pread(fd, got, n, (off_t)off) != (ssize_t)n)
			return false;
		tf_fill(want, n, src_off, seed);
		if (memcmp(got, want, n) != 0)
			return false;
		off += n;
		src_off += n;
		len -= n;
	}
	return true;
}

/* True if [off, off + len) of fd reads as zeros */
__attribute__((unused)) static bool tf_is_zero(int fd, uint64_t off,
					       uint64_t len)
{
	static unsigned char got[1 << 16];

	while (len) {
		size_t n = len < sizeof(got) ? (size_t)len : sizeof(got);

		if (pread(fd, got, n, (off_t)off) != (ssize_t)n)
			return false;
		for (size_t i = 0; i < n; i++)
			if (got[i])
				return false;
		off += n;
		len -= n;
	}
	return true;
}

/* True if the two files have the same size and bytes */
__attribute__((unused)) static bool tf_same_file(int a, int b)
{
	static unsigned char ba[1 << 16];
	static unsigned char bb[1 << 16];
	struct stat sa;
	struct stat sb;
	off_t off = 0;

	if (fstat(a, &sa) < 0 || fstat(b, &sb) < 0)
		sysbail("fstat");
	if (sa.st_size != sb.st_size) {
		diag("sizes differ: %lld and %lld", (long long)sa.st_size,
		     (long long)sb.st_size);
		return false;
	}
	while (off < sa.st_size) {
		ssize_t na = pread(a, ba, sizeof(ba), off);
		ssize_t nb = pread(b, bb, sizeof(bb), off);

		if (na <= 0 || na != nb || memcmp(ba, bb, (size_t)na) != 0) {
			diag("files differ in the 64K at %lld",
			     (long long)off);
			return false;
		}
		off += na;
	}
	return true;
}

__attribute__((unused)) static off_t tf_size(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		sysbail("fstat");
	return st.st_size;
}

__attribute__((unused)) static blkcnt_t tf_blocks(int fd)
{
	struct stat st;

	if (fsync(fd) < 0 || fstat(fd, &st) < 0)
		sysbail("fsync/fstat");
	return st.st_blocks;
}

/* The descriptor's file offset */
__attribute__((unused)) static off_t tf_pos(int fd)
{
	return lseek(fd, 0, SEEK_CUR);
}

/* The statistics counter or gauge called name, or UINT64_MAX */
__attribute__((unused)) static uint64_t tf_stat(const char *name)
{
	struct fn_stats s;

	fn_stats_get(&s);
#define TF_STAT_FIELD(f)			\
	if (strcmp(name, #f) == 0)		\
		return s.f;
	FN_STATS_FIELDS(TF_STAT_FIELD, TF_STAT_FIELD)
#undef TF_STAT_FIELD
	bail("no stats key %s", name);
}

/* is_int() on a stats key: "<what>: <key>" */
#define tf_is_stat(want, key, what)					\
	is_int((long)(want), (long)tf_stat(key), "%s: %s", (what), (key))

/*
 * Every counter but the ones listed (NULL-terminated) must be 0: a copy
 * took no path it should not have.  One test.
 */
__attribute__((unused)) static bool tf_others_zero(const char *what, ...)
	__attribute__((sentinel));
__attribute__((unused)) static bool tf_others_zero(const char *what, ...)
{
	static const char *const counters[] = {
#define TF_COUNTER_NAME(f) #f,
#define TF_GAUGE_NONE(f)
		FN_STATS_FIELDS(TF_COUNTER_NAME, TF_GAUGE_NONE)
#undef TF_COUNTER_NAME
#undef TF_GAUGE_NONE
	};
	char bad[512] = "";
	va_list ap;

	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		const char *k;
		bool listed = false;

		if (strcmp(counters[i], "copy_ns") == 0)
			continue;
		va_start(ap, what);
		while ((k = va_arg(ap, const char *)) != NULL)
			if (strcmp(k, counters[i]) == 0)
				listed = true;
		va_end(ap);
		if (!listed && tf_stat(counters[i]) != 0)
			snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad),
				 " %s=%llu", counters[i],
				 (unsigned long long)tf_stat(counters[i]));
	}
	if (bad[0])
		diag("unexpected counters:%s", bad);
	return ok(bad[0] == '\0', "%s: no other counter moved", what);
}

/* The raw system call, for comparing the engine's errors with it */
__attribute__((unused)) static long tf_sys_cfr(int in, off_t *off_in, int out,
					       off_t *off_out, size_t len,
					       unsigned int flags)
{
	off_t oi = off_in ? *off_in : 0;
	off_t oo = off_out ? *off_out : 0;
	ssize_t n;

	/* On copies of the offsets: the caller's stay for the engine */
	n = fn_sys_copy_file_range(in, off_in ? &oi : NULL, out,
				   off_out ? &oo : NULL, len, flags);
	return n < 0 ? -errno : n;
}

#endif /* FN_TEST_H */
