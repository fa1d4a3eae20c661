// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t-header-c: fncopy.h compiles alone as strict C11 (-std=c11 -pedantic
 * -Werror, see tests/local.mk), as a program outside this tree would use
 * it: it is included first, before config.h or any system header, twice
 * (the guard), and the program links the installed library, not the
 * engine's objects.  So this file does not start with config.h.
 */
#include "fncopy.h"
#include "fncopy.h"

#include <errno.h>
#include <string.h>

#include "lib/tap.h"

int main(void)
{
	struct fn_range r = { 0, 0, 0 };
	struct fn_stats s;
	char buf[1];
	int n;

	plan(9);
	is_string(FN_EXPECTED_VERSION, fn_version(), "fn_version()");
	ok(FN_COPY_FLAGS_ALL == (FN_COPY_SPARSE | FN_COPY_NO_KERNEL),
	   "flags");
	ok(FN_CHUNK_MIN == 65536 && FN_CHUNK_MAX == 1073741824 &&
	   FN_CHUNK_DEFAULT == 4194304, "chunk limits");
	is_int(0, fn_copy_ranges(0, 1, &r, 0, 0), "fn_copy_ranges links");
	fn_stats_get(&s);
	is_int(4194304, (long)s.copy_chunk_size, "fn_stats_get links");
	n = fn_stats_format(buf, sizeof(buf));
	ok(n > 0 && buf[0] == '\0', "fn_stats_format links");
	is_int(-EINVAL, fn_set_log_level(FN_LOG_LEVEL_DEBUG + 1),
	       "fn_set_log_level refuses a level above debug");
	is_int(0, fn_set_log_level(FN_LOG_LEVEL_WARN), "fn_set_log_level");
	is_int(FN_LOG_LEVEL_WARN, fn_get_log_level(), "fn_get_log_level");
	return 0;
}
