// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t-copy-stats: the statistics as text.  fn_stats_format() prints exactly
 * the keys of issue 3 plus the extra ones of fncopy.h, in that order, one
 * "key value\n" each, with the values fn_stats_get() gives; it returns
 * the length it needs like snprintf, truncating into a small buffer;
 * fn_stats_reset() zeroes the counters and leaves the gauges.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fn-test.h"

/* Issue 3's list, then what fncopy.h adds, in fncopy.h's order */
static const char *const keys[] = {
	"copy_ops", "copy_bytes", "copy_kernel_ops", "copy_kernel_bytes",
	"copy_fallback_ops", "copy_fallback_bytes", "copy_fallback_enosys",
	"copy_fallback_eopnotsupp", "copy_fallback_exdev",
	"copy_fallback_einval", "copy_fallback_zero",
	"copy_fallback_forced", "copy_sparse_hole_bytes",
	"copy_errors", "copy_ns", "copy_chunk_size", "copy_kernel_supported",
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* The text for a snapshot, built here independently */
static void expected_text(const struct fn_stats *s, char *buf, size_t len)
{
	const uint64_t v[] = {
		s->copy_ops, s->copy_bytes, s->copy_kernel_ops,
		s->copy_kernel_bytes, s->copy_fallback_ops,
		s->copy_fallback_bytes, s->copy_fallback_enosys,
		s->copy_fallback_eopnotsupp, s->copy_fallback_exdev,
		s->copy_fallback_einval, s->copy_fallback_zero,
		s->copy_fallback_forced, s->copy_sparse_hole_bytes,
		s->copy_errors, s->copy_ns, s->copy_chunk_size,
		s->copy_kernel_supported,
	};
	size_t pos = 0;

	for (size_t i = 0; i < NKEYS; i++)
		pos += (size_t)snprintf(buf + pos, len - pos,
					"%s %" PRIu64 "\n", keys[i], v[i]);
}

int main(void)
{
	static char text[4096];
	static char want[4096];
	char small[16];
	char *dir;
	char *ps;
	char *pd;
	struct fn_stats s;
	size_t nlines = 0;
	int in;
	int out;
	int len;
	int n;

	plan_lazy();
	dir = test_tmpdir();
	is_int(NKEYS * 8, sizeof(struct fn_stats),
	       "struct fn_stats: one uint64_t per key");

	/* Some activity: a kernel copy, a forced one, an error */
	ps = tf_path(dir, "src");
	pd = tf_path(dir, "dst");
	in = tf_make_file(ps, 100000, 1);
	out = tf_make_file(pd, 0, 0);
	fn_stats_reset();
	{
		off_t oi = 0;
		off_t oo = 0;

		if (fn_copy_range(in, &oi, out, &oo, 60000, 0) != 60000 ||
		    fn_copy_range(in, &oi, out, &oo, 60000,
				  FN_COPY_NO_KERNEL) != 40000 ||
		    fn_copy_range(-1, NULL, out, NULL, 1, 0) != -EBADF)
			bail("setup copies failed");
	}

	/* Only counters between get and format are the copies above */
	len = fn_stats_format(text, sizeof(text));
	fn_stats_get(&s);
	ok(len > 0 && (size_t)len == strlen(text), "returns strlen: %d", len);
	expected_text(&s, want, sizeof(want));
	is_string(want, text,
		  "every key, in order, with fn_stats_get()'s values");
	for (char *p = text; (p = strchr(p, '\n')) != NULL; p++)
		nlines++;
	is_int(NKEYS, nlines, "one line per key, nothing else");
	ok(s.copy_ops == 3 && s.copy_bytes == 100000 &&
	   s.copy_kernel_ops == 1 && s.copy_kernel_bytes == 60000 &&
	   s.copy_fallback_ops == 1 && s.copy_fallback_bytes == 40000 &&
	   s.copy_fallback_forced == 1 && s.copy_errors == 1,
	   "values: 3 ops, 100000 bytes, 60000 kernel, 40000 forced, 1 error");
	is_int((long)fn_get_chunk_size(), (long)s.copy_chunk_size,
	       "copy_chunk_size: the chunk size (4M is far below the cap)");
	is_int(1, (long)s.copy_kernel_supported, "copy_kernel_supported 1");

	/* snprintf rules */
	is_int(len, fn_stats_format(NULL, 0), "NULL, 0: the length needed");
	memset(small, 'x', sizeof(small));
	is_int(len, fn_stats_format(small, sizeof(small)),
	       "16-byte buffer: still the full length");
	ok(memcmp(small, text, sizeof(small) - 1) == 0 &&
	   small[sizeof(small) - 1] == '\0',
	   "16-byte buffer: 15 bytes of the text and a NUL");
	memset(want, 'x', sizeof(want));
	n = fn_stats_format(want, (size_t)len);
	ok(n == len && strlen(want) == (size_t)len - 1 &&
	   strncmp(want, text, (size_t)len - 1) == 0,
	   "buffer of exactly len: truncated by one, NUL-terminated");
	n = fn_stats_format(want, (size_t)len + 1);
	ok(n == len && strcmp(want, text) == 0, "buffer of len + 1: complete");
	is_int(-EINVAL, fn_stats_format(NULL, 10),
	       "NULL with a length: -EINVAL");
	memset(small, 'x', sizeof(small));
	is_int(len, fn_stats_format(small, 1), "1-byte buffer: the length");
	is_int(0, small[0], "1-byte buffer: just the NUL");

	/* Reset zeroes counters, keeps gauges */
	if (fn_set_chunk_size(TF_MIB) < 0)
		bail("fn_set_chunk_size");
	fn_stats_reset();
	fn_stats_get(&s);
	ok(s.copy_ops == 0 && s.copy_bytes == 0 && s.copy_ns == 0 &&
	   s.copy_errors == 0 && s.copy_kernel_bytes == 0 &&
	   s.copy_fallback_forced == 0, "reset zeroes the counters");
	ok(s.copy_chunk_size == TF_MIB && s.copy_kernel_supported == 1,
	   "reset keeps the gauges");
	n = fn_stats_format(text, sizeof(text));
	ok(n > 0 && strstr(text, "copy_chunk_size 1048576\n") &&
	   strstr(text, "copy_ops 0\n") && strstr(text, "copy_ns 0\n"),
	   "the text after reset: zeros, chunk 1048576");
	fn_stats_get(NULL);	/* must not crash */
	ok(strcmp(fn_version(), PACKAGE_VERSION) == 0, "fn_version: %s",
	   fn_version());

	close(in);
	close(out);
	free(ps);
	free(pd);
	test_tmpdir_free(dir);
	return 0;
}
