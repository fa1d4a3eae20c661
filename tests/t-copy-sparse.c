// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t-copy-sparse: sparse files on ext4.  FN_COPY_SPARSE keeps the source's
 * holes (same st_blocks, same bytes) with and without the kernel path,
 * also over a destination that had data where the source has holes;
 * offsets at and beyond 2^32 and 2^40 land where they should; a 3 GiB
 * sparse file is copied in one call; offset + length overflow is refused
 * with nothing written.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fn-test.h"

static char *dir;

/* 8 MiB: data at 0..64K, 1M..1M+128K, 5M..5M+4K; a hole to the end */
#define SP_SIZE		(8 * TF_MIB)
#define SP_DATA		(64 * TF_KIB + 128 * TF_KIB + 4 * TF_KIB)

static int make_sparse(const char *path)
{
	int fd = tf_make_file(path, 0, 0);

	tf_write_pattern(fd, 0, 64 * TF_KIB, 9);
	tf_write_pattern(fd, TF_MIB, 128 * TF_KIB, 9);
	tf_write_pattern(fd, 5 * TF_MIB, 4 * TF_KIB, 9);
	if (ftruncate(fd, (off_t)SP_SIZE) < 0)
		sysbail("ftruncate");
	return fd;
}

static void test_holes(unsigned int flags, bool dst_full)
{
	const char *m = tf_mode_name(flags);
	char *ps = tf_path(dir, "sp-src");
	char *pd = tf_path(dir, "sp-dst");
	char what[64];
	int in = make_sparse(ps);
	int out;
	off_t oi = 0;
	off_t oo = 0;
	ssize_t n;

	snprintf(what, sizeof(what), "%s%s", m,
		 dst_full ? ", over data" : "");
	out = tf_make_file(pd, dst_full ? SP_SIZE : 0, 4);
	fn_stats_reset();
	n = fn_copy_range(in, &oi, out, &oo, SP_SIZE, flags);
	is_int((long)SP_SIZE, n, "%s: 8 MiB copied", what);
	ok(tf_same_file(in, out), "%s: bytes identical", what);
	if (flags & FN_COPY_SPARSE) {
		is_int(tf_blocks(in), tf_blocks(out),
		       "%s: holes kept: st_blocks as the source's", what);
		tf_is_stat(SP_SIZE - SP_DATA, "copy_sparse_hole_bytes", what);
	} else {
		ok(tf_blocks(out) * 512 >= (blkcnt_t)SP_SIZE,
		   "%s: without FN_COPY_SPARSE the holes are filled", what);
		tf_is_stat(0, "copy_sparse_hole_bytes", what);
	}
	if (flags & FN_COPY_NO_KERNEL)
		tf_is_stat(SP_SIZE - (flags & FN_COPY_SPARSE ?
				      SP_SIZE - SP_DATA : 0),
			   "copy_fallback_bytes", what);
	else
		tf_is_stat(SP_SIZE - (flags & FN_COPY_SPARSE ?
				      SP_SIZE - SP_DATA : 0),
			   "copy_kernel_bytes", what);
	close(in);
	close(out);
	unlink(ps);
	unlink(pd);
	free(ps);
	free(pd);
}

/*
 * Data around 2^32 and at 2^40 of sparse files: copy across both
 * boundaries, with explicit offsets and with the file offsets.
 */
static void test_big_offsets(unsigned int flags)
{
	const char *m = tf_mode_name(flags);
	const off_t t32 = (off_t)1 << 32;
	const off_t t40 = (off_t)1 << 40;
	char *ps = tf_path(dir, "bo-src");
	char *pd = tf_path(dir, "bo-dst");
	int in = tf_make_file(ps, 0, 0);
	int out = tf_make_file(pd, 0, 0);
	off_t oi;
	off_t oo;
	ssize_t n;

	tf_write_pattern(in, (uint64_t)t32 - 8192, 16384, 11);
	tf_write_pattern(in, (uint64_t)t40, 65536, 11);

	oi = t32 - 4096;
	oo = t40 + 12345;
	n = fn_copy_range(in, &oi, out, &oo, 8192, flags);
	is_int(8192, n, "%s: 2^32-4K -> 2^40+12345: 8K", m);
	ok(oi == t32 + 4096 && oo == t40 + 12345 + 8192,
	   "%s: offsets advanced across 2^32 and beyond 2^40", m);
	ok(tf_size(out) == t40 + 12345 + 8192 &&
	   tf_has_pattern(out, (uint64_t)t40 + 12345, 8192,
			  (uint64_t)t32 - 4096, 11) &&
	   tf_is_zero(out, (uint64_t)t40, 12345),
	   "%s: the bytes at 2^40+12345", m);

	if (lseek(in, t40, SEEK_SET) != t40 ||
	    lseek(out, t32 + 1, SEEK_SET) != t32 + 1)
		sysbail("lseek");
	n = fn_copy_range(in, NULL, out, NULL, 1 << 20, flags);
	is_int(65536, n, "%s: file offset 2^40, 1M asked: 64K to EOF", m);
	ok(tf_pos(in) == t40 + 65536 && tf_pos(out) == t32 + 1 + 65536,
	   "%s: file offsets advanced exactly", m);
	ok(tf_has_pattern(out, (uint64_t)t32 + 1, 65536, (uint64_t)t40, 11),
	   "%s: the bytes at 2^32+1", m);
	close(in);
	close(out);
	unlink(ps);
	unlink(pd);
	free(ps);
	free(pd);
}

/* 3 GiB, data at the start, the middle and the end: one call */
static void test_3g(unsigned int flags)
{
	const char *m = tf_mode_name(flags);
	const uint64_t size = 3 * TF_GIB;
	const uint64_t mid = 3 * TF_GIB / 2;
	char *ps = tf_path(dir, "3g-src");
	char *pd = tf_path(dir, "3g-dst");
	int in = tf_make_file(ps, 0, 0);
	int out = tf_make_file(pd, 0, 0);
	off_t oi = 0;
	off_t oo = 0;
	ssize_t n;

	tf_write_pattern(in, 0, 4096, 13);
	tf_write_pattern(in, mid, 4096, 13);
	tf_write_pattern(in, size - 4096, 4096, 13);
	fn_stats_reset();
	n = fn_copy_range(in, &oi, out, &oo, SSIZE_MAX, flags);
	is_int((long)size, n, "%s: 3 GiB sparse in one call", m);
	ok(oi == (off_t)size && oo == (off_t)size, "%s: offsets at 3 GiB", m);
	ok(tf_size(out) == (off_t)size &&
	   tf_has_pattern(out, 0, 4096, 0, 13) &&
	   tf_has_pattern(out, mid, 4096, mid, 13) &&
	   tf_has_pattern(out, size - 4096, 4096, size - 4096, 13) &&
	   tf_is_zero(out, 4096, 1 << 20) && tf_is_zero(out, mid - 65536,
							65536),
	   "%s: size, data and holes", m);
	is_int(tf_blocks(in), tf_blocks(out), "%s: holes kept", m);
	tf_is_stat(size - 3 * 4096, "copy_sparse_hole_bytes", m);
	tf_is_stat(1, "copy_ops", m);
	close(in);
	close(out);
	unlink(ps);
	unlink(pd);
	free(ps);
	free(pd);
}

/* offset + len past 2^64: -EOVERFLOW, nothing written */
static void test_overflow(unsigned int flags)
{
	const char *m = tf_mode_name(flags);
	char *ps = tf_path(dir, "ov-src");
	char *pd = tf_path(dir, "ov-dst");
	int in = tf_make_file(ps, 4096, 3);
	int out = tf_make_file(pd, 4096, 4);
	off_t oi = (off_t)1 << 40;
	off_t oo = 0;
	ssize_t n;

	n = fn_copy_range(in, &oi, out, &oo, SIZE_MAX - 100, flags);
	is_int(-EOVERFLOW, n, "%s: off_in 2^40 + len 2^64-101", m);
	oi = 0;
	oo = (off_t)1 << 40;
	n = fn_copy_range(in, &oi, out, &oo, SIZE_MAX - 100, flags);
	is_int(-EOVERFLOW, n, "%s: off_out 2^40 + len 2^64-101", m);
	ok(oi == 0 && oo == (off_t)1 << 40 && tf_size(out) == 4096 &&
	   tf_has_pattern(out, 0, 4096, 0, 4),
	   "%s: nothing written, offsets unchanged", m);
	close(in);
	close(out);
	free(ps);
	free(pd);
}

int main(void)
{
	size_t i;

	plan_lazy();
	dir = test_tmpdir();
	for (i = 0; i < 4; i++) {
		test_holes(tf_modes[i], false);
		test_holes(tf_modes[i], true);
	}
	for (i = 0; i < 4; i++)
		test_big_offsets(tf_modes[i]);
	test_3g(FN_COPY_SPARSE);
	test_3g(FN_COPY_SPARSE | FN_COPY_NO_KERNEL);
	for (i = 0; i < 4; i++)
		test_overflow(tf_modes[i]);
	test_tmpdir_free(dir);
	return 0;
}
