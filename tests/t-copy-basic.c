// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t-copy-basic: fn_copy_range() on ext4 (the build tree): the kernel
 * path and its statistics, which offsets move (NULL and non-NULL, checked
 * with lseek), short counts at EOF, a zero length, and the zero-return
 * case of pseudo files (/proc/self/status and a sysfs file report size 0
 * and still hold text), in every mode of the engine.
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

/* One copy by the kernel, counted as such, bytes and offsets exact */
static void test_kernel_path(void)
{
	const uint64_t size = TF_MIB + 123;
	char *ps = tf_path(dir, "k-src");
	char *pd = tf_path(dir, "k-dst");
	int in = tf_make_file(ps, size, 1);
	int out = open(pd, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (out < 0 || lseek(in, 0, SEEK_SET) != 0)
		sysbail("open %s", pd);
	ok(fn_kernel_copy_supported(), "kernel: copy_file_range(2) exists");
	fn_stats_reset();
	n = fn_copy_range(in, NULL, out, NULL, size, 0);
	is_int((long)size, n, "kernel: whole file in one call");
	is_int((long)size, tf_pos(in), "kernel: source offset advanced");
	is_int((long)size, tf_pos(out), "kernel: destination offset advanced");
	ok(tf_same_file(in, out), "kernel: bytes identical");
	tf_is_stat(1, "copy_ops", "kernel");
	tf_is_stat(size, "copy_bytes", "kernel");
	tf_is_stat(1, "copy_kernel_ops", "kernel");
	tf_is_stat(size, "copy_kernel_bytes", "kernel");
	tf_is_stat(1, "copy_kernel_supported", "kernel");
	tf_others_zero("kernel", "copy_ops", "copy_bytes", "copy_kernel_ops",
		       "copy_kernel_bytes", NULL);
	ok(tf_stat("copy_ns") > 0, "kernel: copy_ns counts time");
	close(in);
	close(out);
	free(ps);
	free(pd);
}

/*
 * copy_file_range(2): a NULL offset uses and advances the file offset, a
 * non-NULL one is used and advanced and the file offset is left alone.
 */
static void test_offsets(unsigned int flags)
{
	const char *m = tf_mode_name(flags);
	char *ps = tf_path(dir, "o-src");
	char *pd = tf_path(dir, "o-dst");
	int in = tf_make_file(ps, 10000, 2);
	int out = tf_make_file(pd, 0, 0);
	off_t oi;
	off_t oo;
	ssize_t n;

	lseek(in, 100, SEEK_SET);
	lseek(out, 200, SEEK_SET);
	oi = 1000;
	n = fn_copy_range(in, &oi, out, NULL, 500, flags);
	is_int(500, n, "%s: off_in set, off_out NULL: count", m);
	is_int(1500, oi, "%s: *off_in advanced", m);
	is_int(100, tf_pos(in), "%s: source file offset untouched", m);
	is_int(700, tf_pos(out), "%s: destination file offset advanced", m);
	ok(tf_has_pattern(out, 200, 500, 1000, 2) && tf_is_zero(out, 0, 200),
	   "%s: bytes 1000..1500 landed at 200..700", m);

	oo = 5000;
	n = fn_copy_range(in, NULL, out, &oo, 300, flags);
	is_int(300, n, "%s: off_in NULL, off_out set: count", m);
	is_int(400, tf_pos(in), "%s: source file offset advanced", m);
	is_int(5300, oo, "%s: *off_out advanced", m);
	is_int(700, tf_pos(out), "%s: destination file offset untouched", m);
	ok(tf_has_pattern(out, 5000, 300, 100, 2) &&
	   tf_is_zero(out, 700, 4300) && tf_size(out) == 5300,
	   "%s: bytes 100..400 landed at 5000..5300", m);

	oi = 9000;
	oo = 0;
	n = fn_copy_range(in, &oi, out, &oo, 0, flags);
	is_int(0, n, "%s: len 0 copies nothing", m);
	ok(oi == 9000 && oo == 0 && tf_pos(in) == 400 && tf_pos(out) == 700,
	   "%s: len 0 moves no offset", m);
	close(in);
	close(out);
	free(ps);
	free(pd);
}

/* Asking for more than there is returns what there is, then 0 */
static void test_eof(unsigned int flags)
{
	const char *m = tf_mode_name(flags);
	char *ps = tf_path(dir, "e-src");
	char *pd = tf_path(dir, "e-dst");
	int in = tf_make_file(ps, 10000, 3);
	int out = tf_make_file(pd, 0, 0);
	off_t oi = 9000;
	off_t oo = 0;
	ssize_t n;

	fn_stats_reset();
	n = fn_copy_range(in, &oi, out, &oo, 5000, flags);
	is_int(1000, n, "%s: 5000 asked 1000 before EOF: 1000", m);
	ok(oi == 10000 && oo == 1000, "%s: offsets moved by 1000", m);
	n = fn_copy_range(in, &oi, out, &oo, 5000, flags);
	is_int(0, n, "%s: at EOF: 0", m);
	ok(oi == 10000 && oo == 1000, "%s: at EOF: offsets stay", m);
	oi = 20000;
	n = fn_copy_range(in, &oi, out, &oo, 5000, flags);
	is_int(0, n, "%s: beyond EOF: 0", m);
	ok(tf_size(out) == 1000 && tf_has_pattern(out, 0, 1000, 9000, 3),
	   "%s: the 1000 bytes and nothing else written", m);
	lseek(in, 0, SEEK_END);
	n = fn_copy_range(in, NULL, out, NULL, SSIZE_MAX, flags);
	is_int(0, n, "%s: file offset at EOF, len SSIZE_MAX: 0", m);
	tf_is_stat(4, "copy_ops", m);
	tf_is_stat(1000, "copy_bytes", m);
	/* Calls at EOF take no path: only the first call counts */
	if (flags & FN_COPY_NO_KERNEL) {
		tf_is_stat(1000, "copy_fallback_bytes", m);
		tf_is_stat(1, "copy_fallback_ops", m);
		tf_is_stat(1, "copy_fallback_forced", m);
		tf_others_zero(m, "copy_ops", "copy_bytes",
			       "copy_fallback_bytes", "copy_fallback_ops",
			       "copy_fallback_forced", NULL);
	} else {
		tf_is_stat(1000, "copy_kernel_bytes", m);
		tf_is_stat(1, "copy_kernel_ops", m);
		tf_others_zero(m, "copy_ops", "copy_bytes",
			       "copy_kernel_bytes", "copy_kernel_ops", NULL);
	}
	close(in);
	close(out);
	free(ps);
	free(pd);
}

/* Read the whole of a pseudo file with read(2) */
static size_t slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n;

	if (fd < 0)
		sysbail("open %s", path);
	while (got < len && (n = read(fd, buf + got, len - got)) > 0)
		got += (size_t)n;
	close(fd);
	return got;
}

/*
 * A pseudo file of size 0: the engine must copy its real content.  What
 * the kernel answers (0, or EXDEV across file systems since 5.19) decides
 * the key that counts the fallback; ask it first.
 */
static void test_pseudo(const char *path, const char *stable_end,
			unsigned int flags)
{
	const char *m = tf_mode_name(flags);
	char *pd = tf_path(dir, "p-dst");
	static char want[65536];
	static char got[65536];
	const char *key = "copy_fallback_forced";
	size_t wlen;
	ssize_t n;
	long raw;
	int in;
	int out;

	in = open(path, O_RDONLY | O_CLOEXEC);
	out = tf_make_file(pd, 0, 0);
	if (in < 0)
		sysbail("open %s", path);
	if (!(flags & FN_COPY_NO_KERNEL)) {
		raw = tf_sys_cfr(in, NULL, out, NULL, sizeof(got), 0);
		if (raw == 0)
			key = "copy_fallback_zero";
		else if (raw == -EXDEV)
			key = "copy_fallback_exdev";
		else if (raw == -EINVAL)
			key = "copy_fallback_einval";
		else
			key = "copy_kernel_bytes";
		diag("%s: copy_file_range(2) says %ld", path, raw);
		lseek(in, 0, SEEK_SET);
		lseek(out, 0, SEEK_SET);
		if (ftruncate(out, 0) < 0)
			sysbail("ftruncate");
	}
	fn_stats_reset();
	n = fn_copy_range(in, NULL, out, NULL, sizeof(got), flags);
	wlen = slurp(path, want, sizeof(want));
	ok(n > 0 && (size_t)n == (size_t)tf_size(out),
	   "%s %s: copied %zd bytes, the destination's size", m, path, n);
	is_int(n, tf_pos(in), "%s %s: file offset moved by the count", m,
	       path);
	memset(got, 0, sizeof(got));
	if (pread(out, got, sizeof(got) - 1, 0) != n)
		sysbail("pread");
	if (stable_end) {
		/* Counters further down change between two reads */
		char *we = strstr(want, stable_end);
		char *ge = strstr(got, stable_end);

		ok(we && ge && we - want == ge - got &&
		   memcmp(want, got, (size_t)(we - want)) == 0,
		   "%s %s: same text as read(2) up to %s", m, path,
		   stable_end);
	} else {
		ok((size_t)n == wlen && memcmp(want, got, wlen) == 0,
		   "%s %s: same text as read(2)", m, path);
	}
	tf_is_stat(1, key, m);
	tf_is_stat(n, "copy_bytes", m);
	close(in);
	close(out);
	free(pd);
}

int main(void)
{
	const char *sysfs = "/sys/kernel/mm/transparent_hugepage/enabled";
	size_t i;

	plan_lazy();
	dir = test_tmpdir();
	if (access(sysfs, R_OK) < 0)
		sysfs = "/sys/kernel/uevent_seqnum";
	test_kernel_path();
	for (i = 0; i < 4; i++)
		test_offsets(tf_modes[i]);
	for (i = 0; i < 4; i++)
		test_eof(tf_modes[i]);
	for (i = 0; i < 4; i++) {
		test_pseudo("/proc/self/status", "VmPeak:", tf_modes[i]);
		test_pseudo(sysfs, NULL, tf_modes[i]);
	}
	test_tmpdir_free(dir);
	return 0;
}
