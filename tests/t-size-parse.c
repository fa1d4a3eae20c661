// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t-size-parse: the fallback chunk size and the size syntax.
 * fn_set_chunk_size() takes 64 KiB .. 1 GiB and refuses the rest with
 * -EINVAL, keeping the size it had; copy_chunk_size shows the effective
 * size (capped at a quarter of MemAvailable); fn_parse_size() reads K, M,
 * G suffixes (either case, optional "B" or "iB"), refuses junk, and
 * never wraps; fn_format_size() writes the short form back.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fn-test.h"

/* A quarter of MemAvailable now, in bytes */
static uint64_t mem_quarter(void)
{
	char line[256];
	unsigned long long kib = 0;
	FILE *f = fopen("/proc/meminfo", "re");

	if (f == NULL)
		sysbail("/proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
			break;
	fclose(f);
	return (uint64_t)kib * 1024 / 4;
}

static void parse_ok(const char *s, uint64_t want)
{
	uint64_t v = 12345;
	int ret = fn_parse_size(s, &v);

	ok(ret == 0 && v == want, "parse \"%s\" = %llu (got %d, %llu)", s,
	   (unsigned long long)want, ret, (unsigned long long)v);
}

static void parse_bad(const char *s, int err)
{
	uint64_t v = 12345;
	int ret = fn_parse_size(s, &v);

	ok(ret == err && v == 12345, "parse \"%s\": %s, value untouched", s,
	   strerror(-err));
}

static void format_is(uint64_t bytes, const char *want)
{
	char buf[32];

	fn_format_size(bytes, buf, sizeof(buf));
	is_string(want, buf, "format %llu", (unsigned long long)bytes);
}

int main(void)
{
	static const uint64_t bad[] = {
		0, 1, FN_CHUNK_MIN - 1, FN_CHUNK_MAX + 1, UINT64_MAX,
	};
	struct fn_stats s;

	plan_lazy();

	/* Bounds */
	is_int((long)(4 * TF_MIB), (long)fn_get_chunk_size(), "default 4M");
	is_int(0, fn_set_chunk_size(FN_CHUNK_MIN), "64K accepted");
	is_int((long)FN_CHUNK_MIN, (long)fn_get_chunk_size(), "get says 64K");
	is_int(0, fn_set_chunk_size(FN_CHUNK_MAX), "1G accepted");
	is_int((long)FN_CHUNK_MAX, (long)fn_get_chunk_size(), "get says 1G");
	fn_stats_get(&s);
	if (mem_quarter() > FN_CHUNK_MAX + FN_CHUNK_MAX / 8)
		is_int((long)FN_CHUNK_MAX, (long)s.copy_chunk_size,
		       "copy_chunk_size 1G (a quarter of memory is more)");
	else
		ok(s.copy_chunk_size < FN_CHUNK_MAX &&
		   s.copy_chunk_size >= FN_CHUNK_MIN,
		   "copy_chunk_size capped below 1G by memory: %llu",
		   (unsigned long long)s.copy_chunk_size);
	is_int(0, fn_set_chunk_size(TF_MIB), "1M accepted");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		is_int(-EINVAL, fn_set_chunk_size(bad[i]), "%llu refused",
		       (unsigned long long)bad[i]);
		is_int((long)TF_MIB, (long)fn_get_chunk_size(),
		       "%llu refused: still 1M", (unsigned long long)bad[i]);
	}
	fn_stats_get(&s);
	is_int((long)TF_MIB, (long)s.copy_chunk_size, "copy_chunk_size 1M");

	/* Sizes */
	parse_ok("0", 0);
	parse_ok("100", 100);
	parse_ok("100B", 100);
	parse_ok("64K", 65536);
	parse_ok("64k", 65536);
	parse_ok("64KB", 65536);
	parse_ok("64KiB", 65536);
	parse_ok("4M", 4 * TF_MIB);
	parse_ok("4m", 4 * TF_MIB);
	parse_ok("4MiB", 4 * TF_MIB);
	parse_ok("1G", TF_GIB);
	parse_ok("1g", TF_GIB);
	parse_ok("1GB", TF_GIB);
	parse_ok("3G", 3 * TF_GIB);
	parse_ok("18446744073709551615", UINT64_MAX);
	parse_ok("17179869183G", UINT64_C(17179869183) << 30);
	parse_bad("", -EINVAL);
	parse_bad("K", -EINVAL);
	parse_bad("-1", -EINVAL);
	parse_bad(" 4M", -EINVAL);
	parse_bad("4M ", -EINVAL);
	parse_bad("4X", -EINVAL);
	parse_bad("4T", -EINVAL);
	parse_bad("4MM", -EINVAL);
	parse_bad("4.5M", -EINVAL);
	parse_bad("0x10", -EINVAL);
	parse_bad("18446744073709551616", -ERANGE);
	parse_bad("17179869184G", -ERANGE);
	parse_bad("99999999999999999999999", -ERANGE);
	parse_bad(NULL, -EINVAL);

	format_is(65536, "64K");
	format_is(4 * TF_MIB, "4M");
	format_is(TF_GIB, "1G");
	format_is(3 * TF_GIB, "3G");
	format_is(1536 * TF_KIB, "1536K");
	format_is(100, "100");
	format_is(0, "0");
	return 0;
}
