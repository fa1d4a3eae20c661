// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t-copy-ranges: fn_copy_ranges() merges ranges that continue each other
 * in both files into one copy (copy_ops shows how many copies it made),
 * keeps the others apart, stops at the first range that comes back short
 * (the source's EOF), returns the bytes before an error, and refuses a
 * NULL list or a total that does not fit a count.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fn-test.h"

#define SIZE	(256 * 1024)

int main(void)
{
	char *dir;
	char *ps;
	char *pd;
	int in;
	int out;
	ssize_t n;

	plan_lazy();
	dir = test_tmpdir();
	ps = tf_path(dir, "src");
	pd = tf_path(dir, "dst");
	in = tf_make_file(ps, SIZE, 21);
	out = tf_make_file(pd, 0, 0);

	{
		/* Three contiguous ranges, then a jump, then two more */
		const struct fn_range r[] = {
			{ 0, 1000, 4096 },
			{ 4096, 5096, 4096 },
			{ 8192, 9192, 100 },
			{ 20000, 50000, 1000 },
			{ 21000, 51000, 2000 },
		};

		fn_stats_reset();
		n = fn_copy_ranges(in, out, r, 5, 0);
		is_int(4096 + 4096 + 100 + 1000 + 2000, n,
		       "merge: total bytes");
		tf_is_stat(2, "copy_ops", "merge: 5 ranges, 2 copies");
		ok(tf_has_pattern(out, 1000, 8292, 0, 21) &&
		   tf_has_pattern(out, 50000, 3000, 20000, 21) &&
		   tf_is_zero(out, 0, 1000) && tf_is_zero(out, 9292, 40708) &&
		   tf_size(out) == 53000, "merge: bytes where they belong");
		ok(tf_pos(in) == 0 && tf_pos(out) == 0,
		   "merge: file offsets untouched");
	}
	{
		/* Contiguous in the source only: two copies */
		const struct fn_range r[] = {
			{ 0, 0, 100 },
			{ 100, 200, 100 },
		};

		fn_stats_reset();
		n = fn_copy_ranges(in, out, r, 2, FN_COPY_NO_KERNEL);
		is_int(200, n, "source-contiguous only: 200");
		tf_is_stat(2, "copy_ops", "source-contiguous only: 2 copies");
	}
	{
		/* The second range reaches EOF: the third is not tried */
		const struct fn_range r[] = {
			{ 0, 0, 1000 },
			{ SIZE - 500, 70000, 1000 },
			{ 100, 90000, 1000 },
		};

		if (ftruncate(out, 0) < 0)
			sysbail("ftruncate");
		fn_stats_reset();
		n = fn_copy_ranges(in, out, r, 3, 0);
		is_int(1500, n, "short range: 1000 + the 500 to EOF");
		tf_is_stat(2, "copy_ops", "short range: stopped after it");
		ok(tf_size(out) == 70500 &&
		   tf_has_pattern(out, 70000, 500, SIZE - 500, 21),
		   "short range: nothing of the third written");
	}
	{
		/* An error after bytes: the bytes; before any: the error */
		const struct fn_range r[] = {
			{ 0, 0, 1000 },
			{ -4096, 5000, 1000 },
		};

		fn_stats_reset();
		n = fn_copy_ranges(in, out, r, 2, 0);
		is_int(1000, n, "error in the 2nd range: the 1000 before it");
		n = fn_copy_ranges(in, out, r + 1, 1, 0);
		is_int(-EINVAL, n, "error in the 1st range: -EINVAL");
		tf_is_stat(2, "copy_errors", "errors: one per failed copy");
		tf_is_stat(3, "copy_ops", "errors: 3 copies tried");
	}
	{
		const struct fn_range r[] = {
			{ 0, 0, SSIZE_MAX },
			{ 0, 0, 1 },
		};

		fn_stats_reset();
		is_int(0, fn_copy_ranges(in, out, r, 0, 0), "n = 0: 0");
		is_int(-EINVAL, fn_copy_ranges(in, out, NULL, 1, 0),
		       "NULL list: -EINVAL");
		is_int(-EINVAL, fn_copy_ranges(in, out, r, 2, 0),
		       "total over SSIZE_MAX: -EINVAL");
		tf_is_stat(0, "copy_ops", "refused lists copy nothing");
	}
	close(in);
	close(out);
	free(ps);
	free(pd);
	test_tmpdir_free(dir);
	return 0;
}
