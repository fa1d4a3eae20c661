// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fn_frontend.c: libfnfront, what the front ends share beyond the engine:
 * the engine's FNACCEL_* variables and size words.
 *
 * It is not part of the installed library, which reads no environment:
 * a program linking libfncopy behaves the same whatever its environment
 * holds.  The preload, fnpassfs and fnbench call fn_env_apply() once at
 * startup; fnaccel calls fn_env_check() before it runs a command, so a
 * bad value is said once, not once by each process of the command.  It
 * runs in the preload's constructor: no stdio, raw write(2).
 */
#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fn_frontend.h"

/*
 * Say once on stderr that a variable was wrong, even without logging;
 * with drop, unset it too, so that the programs a front end runs take
 * the default without saying it again
 */
static void fn_env_complain(const char *who, const char *name,
			    const char *value, const char *why,
			    const char *kept, bool drop)
{
	char line[512];
	int n;

	n = snprintf(line, sizeof(line), "%s: %s=%s: %s, using %s\n", who,
		     name, value, why, kept);
	if (n > 0)
		(void)!fn_sys_write(2, line, MIN((size_t)n, sizeof(line) - 1));
	if (drop)
		unsetenv(name);
}

static void fn_env_read(const char *who, bool drop)
{
	const char *s;
	uint64_t v;
	int lvl;

	s = getenv("FNACCEL_CHUNK_SIZE");
	if (s && *s) {
		if (fn_parse_size(s, &v) < 0)
			fn_env_complain(who, "FNACCEL_CHUNK_SIZE", s,
					"not a size", "4M", drop);
		else if (fn_set_chunk_size(v) < 0)
			fn_env_complain(who, "FNACCEL_CHUNK_SIZE", s,
					"out of range (64K..1G)", "4M", drop);
	}
	s = getenv("FNACCEL_LOG");
	if (s && *s) {
		lvl = fn_log_parse_level(s);
		if (lvl < 0 || fn_set_log_level(lvl) < 0)
			fn_env_complain(who, "FNACCEL_LOG", s,
					"not off, error, warn, info or debug",
					"the default level", drop);
	}
}

void fn_env_apply(const char *who)
{
	fn_env_read(who, false);
}

void fn_env_check(const char *who)
{
	fn_env_read(who, true);
}

int fn_parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned int shift = 0;
	const char *p = s;

	if (s == NULL || *s < '0' || *s > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	case 'b': case 'B': case '\0':
		break;
	default:
		return -EINVAL;
	}
	if (shift) {
		p++;
		if (*p == 'i')
			p++;
		if (*p == 'B')
			p++;
	} else if (*p) {
		p++;	/* a lone "B" */
	}
	if (*p != '\0')
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

void fn_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "GMK";
	unsigned int i;

	for (i = 0; i < 3; i++) {
		unsigned int shift = 30 - 10 * i;

		if (bytes && bytes % (UINT64_C(1) << shift) == 0) {
			snprintf(buf, len, "%llu%c",
				 (unsigned long long)(bytes >> shift),
				 units[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)bytes);
}
