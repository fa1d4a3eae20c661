// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t-header-cxx: fncopy.h compiles alone as C++11 (-std=c++11 -pedantic
 * -Werror, see tests/local.mk), included first, and its functions link
 * from C++ (extern "C") against the installed library.
 */
#include "fncopy.h"

#include <cstring>

extern "C" {
#include "lib/tap.h"
}

int main()
{
	struct fn_stats s;
	struct fn_range r = { 0, 0, 0 };
	char buf[4096];

	plan(6);
	is_string(FN_EXPECTED_VERSION, fn_version(), "fn_version() from C++");
	ok(sizeof(s) == 17 * sizeof(uint64_t), "struct fn_stats from C++");
	fn_stats_reset();
	fn_stats_get(&s);
	is_int(0, (long)s.copy_ops, "fn_stats_get from C++");
	is_int(0, (long)fn_copy_ranges(0, 1, &r, 0, 0),
	       "fn_copy_ranges from C++");
	ok(fn_stats_format(buf, sizeof(buf)) > 0 &&
	   std::strncmp(buf, "copy_ops 0\n", 11) == 0,
	   "fn_stats_format from C++");
	is_int(0, fn_set_log_level(FN_LOG_LEVEL_OFF) + fn_get_log_level(),
	       "fn_set_log_level and fn_get_log_level from C++");
	return 0;
}
