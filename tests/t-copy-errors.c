// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t-copy-errors: bad input gets the errno copy_file_range(2) gives for
 * the very same input, with and without the kernel path, and nothing is
 * written: bad descriptors, unknown flags, negative offsets, O_APPEND,
 * read-only or O_PATH destinations, write-only sources, directories,
 * pipes, overlapping ranges of one file, offset + length overflow.  Each
 * case asks the real system call first, so the test follows the kernel it
 * runs on.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fn-test.h"

#define SRC_SIZE 8192

static char *dir;
static char *src_path;
static char *dst_path;
static int src;		/* SRC_SIZE bytes of pattern 5, O_RDWR */
static int dst;		/* empty, O_RDWR */

/* The source must still hold its pattern, the destination nothing */
static bool untouched(void)
{
	return tf_size(src) == SRC_SIZE &&
	       tf_has_pattern(src, 0, SRC_SIZE, 0, 5) && tf_size(dst) == 0 &&
	       tf_pos(src) == 0 && tf_pos(dst) == 0;
}

/*
 * One case: the system call's answer must be an error (or the case is
 * no case), the engine's the same in both modes, and nothing written.
 * off_in/off_out: NULL or the offset to pass.  kflags: for the kernel.
 */
static void check(const char *what, int in, const off_t *off_in, int out,
		  const off_t *off_out, size_t len, unsigned int kflags,
		  unsigned int flags, long want)
{
	static const unsigned int modes[] = { 0, FN_COPY_NO_KERNEL };
	off_t oi = off_in ? *off_in : 0;
	off_t oo = off_out ? *off_out : 0;
	long raw;

	raw = tf_sys_cfr(in, off_in ? &oi : NULL, out, off_out ? &oo : NULL,
			 len, kflags);
	if (!is_int(want, raw, "%s: copy_file_range(2) says %s", what,
		    strerror((int)-want)))
		diag("the kernel changed: the engine must follow it");
	for (size_t i = 0; i < 2; i++) {
		const char *m = i ? "no-kernel" : "kernel";
		ssize_t n;

		oi = off_in ? *off_in : 0;
		oo = off_out ? *off_out : 0;
		n = fn_copy_range(in, off_in ? &oi : NULL, out,
				  off_out ? &oo : NULL, len, flags | modes[i]);
		is_int(raw, n, "%s: %s: the engine says the same", what, m);
		ok(untouched() && (!off_in || oi == *off_in) &&
		   (!off_out || oo == *off_out),
		   "%s: %s: nothing written, no offset moved", what, m);
	}
}

static int open_or_bail(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0)
		sysbail("open %s", path);
	return fd;
}

int main(void)
{
	off_t zero = 0;
	off_t neg4k = -4096;
	off_t neg1 = -1;
	off_t t40 = (off_t)1 << 40;
	off_t o;
	int closed;
	int fd;
	int fd2;
	int pfd[2];

	plan_lazy();
	dir = test_tmpdir();
	src_path = tf_path(dir, "src");
	dst_path = tf_path(dir, "dst");
	src = tf_make_file(src_path, SRC_SIZE, 5);
	dst = tf_make_file(dst_path, 0, 0);
	if (lseek(src, 0, SEEK_SET) != 0)
		sysbail("lseek");
	closed = open_or_bail(src_path, O_RDONLY);
	close(closed);

	fn_stats_reset();
	check("bad source fd -1", -1, NULL, dst, NULL, 10, 0, 0, -EBADF);
	check("bad destination fd (closed)", src, NULL, closed, NULL, 10, 0,
	      0, -EBADF);
	tf_is_stat(4, "copy_errors", "bad fds");
	tf_is_stat(4, "copy_ops", "bad fds");
	tf_is_stat(0, "copy_bytes", "bad fds");
	check("bad fd and unknown flags", -1, NULL, dst, NULL, 10, 0x80,
	      0x80, -EBADF);
	check("unknown flag 0x4", src, NULL, dst, NULL, 10, 0x4, 0x4, -EINVAL);
	check("unknown flag 0x80000000", src, NULL, dst, NULL, 10, 0x80000000u,
	      0x80000000u, -EINVAL);

	/* Negative offsets: EINVAL, or EOVERFLOW once pos + len wraps */
	check("off_in -4096", src, &neg4k, dst, &zero, 10, 0, 0, -EINVAL);
	check("off_in -4096, len 0", src, &neg4k, dst, &zero, 0, 0, 0,
	      -EINVAL);
	check("off_in -1, len 10", src, &neg1, dst, &zero, 10, 0, 0,
	      -EOVERFLOW);
	check("off_out -4096", src, &zero, dst, &neg4k, 10, 0, 0, -EINVAL);
	check("off_out -1, len 10", src, &zero, dst, &neg1, 10, 0, 0,
	      -EOVERFLOW);
	o = 1 << 20;
	check("off_out -4096, source at EOF", src, &o, dst, &neg4k, 10, 0, 0,
	      -EINVAL);

	/* offset + len beyond 2^64 */
	check("off_in 2^40 + len 2^64-101", src, &t40, dst, &zero,
	      SIZE_MAX - 100, 0, 0, -EOVERFLOW);
	check("off_out 2^40 + len 2^64-101", src, &zero, dst, &t40,
	      SIZE_MAX - 100, 0, 0, -EOVERFLOW);

	/* The largest offset: no room for a byte, not "EOF" */
	o = INT64_MAX;
	check("off_out 2^63-1, len 2", src, &zero, dst, &o, 2, 0, 0, -EFBIG);
	o = INT64_MAX - 1;
	check("off_out 2^63-2, len 2", src, &zero, dst, &o, 2, 0, 0, -EFBIG);

	/* Access modes */
	fd = open_or_bail(dst_path, O_WRONLY | O_APPEND);
	check("O_APPEND destination", src, NULL, fd, NULL, 10, 0, 0, -EBADF);
	close(fd);
	fd = open_or_bail(dst_path, O_RDONLY);
	check("read-only destination", src, NULL, fd, NULL, 10, 0, 0, -EBADF);
	close(fd);
	fd = open_or_bail(dst_path, O_PATH);
	check("O_PATH destination", src, NULL, fd, NULL, 10, 0, 0, -EBADF);
	check("O_PATH destination, unknown flags", src, NULL, fd, NULL, 10,
	      0x4, 0x4, -EBADF);
	close(fd);
	fd = open_or_bail(src_path, O_WRONLY);
	check("write-only source", fd, NULL, dst, NULL, 10, 0, 0, -EBADF);
	close(fd);

	/* File types: checked before the access modes */
	fd = open_or_bail(dir, O_RDONLY | O_DIRECTORY);
	check("directory source", fd, NULL, dst, NULL, 10, 0, 0, -EISDIR);
	check("directory destination", src, NULL, fd, NULL, 10, 0, 0,
	      -EISDIR);
	fd2 = open_or_bail(dst_path, O_RDONLY);
	check("directory source, read-only destination", fd, NULL, fd2, NULL,
	      10, 0, 0, -EISDIR);
	close(fd2);
	close(fd);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		sysbail("pipe");
	check("pipe source", pfd[0], NULL, dst, NULL, 10, 0, 0, -EINVAL);
	check("pipe destination", src, NULL, pfd[1], NULL, 10, 0, 0, -EINVAL);
	check("pipe read end as destination", src, NULL, pfd[0], NULL, 10, 0,
	      0, -EINVAL);
	close(pfd[0]);
	close(pfd[1]);

	/* Same file, overlapping ranges: judged on the count cut at EOF */
	{
		off_t a = 0;
		off_t b = 100;
		off_t c = 4096;

		check("same file, 0..1000 -> 100..1100", src, &a, src, &b,
		      1000, 0, 0, -EINVAL);
		check("same file, 100..8192 -> 0..8092", src, &b, src, &a,
		      SSIZE_MAX, 0, 0, -EINVAL);
		check("same file, same range", src, &c, src, &c, 1, 0, 0,
		      -EINVAL);
	}

	/*
	 * Every one of them was an error and refused before any copy, but
	 * for off_out 2^63-2: pwrite(2) said EFBIG in the forced fallback.
	 */
	tf_is_stat(tf_stat("copy_ops"), "copy_errors", "all cases");
	tf_is_stat(1, "copy_fallback_forced", "all cases");
	tf_is_stat(1, "copy_fallback_ops", "all cases");
	tf_others_zero("all cases", "copy_ops", "copy_errors",
		       "copy_fallback_forced", "copy_fallback_ops", NULL);

	close(src);
	close(dst);
	free(src_path);
	free(dst_path);
	test_tmpdir_free(dir);
	return 0;
}
