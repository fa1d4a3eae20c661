// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fn_log.c: the log writer behind the FN_LOG_* macros.
 *
 * It runs inside the preload interposer, in any thread and possibly in a
 * signal handler's shadow: one write(2) of a line built in a stack buffer,
 * no allocation, no stdio, no locks, errno kept.
 */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fn_internal.h"
#include "fn_log.h"

int fn_log_level = FN_LOG_DEFAULT_LEVEL;
static int fn_log_fd = 2;
static const char *fn_log_prefix = "libfncopy";

static const char *const fn_log_names[] = {
	"off", "error", "warn", "info", "debug",
};

FN_API int fn_set_log_level(int level)
{
	if (level < FN_LOG_LEVEL_OFF || level > FN_LOG_LEVEL_DEBUG)
		return -EINVAL;
	fn_log_level = level;
	return 0;
}

FN_API int fn_get_log_level(void)
{
	return fn_log_level;
}

void fn_log_set_fd(int fd)
{
	fn_log_fd = fd;
}

void fn_log_set_prefix(const char *prefix)
{
	fn_log_prefix = prefix;
}

int fn_log_parse_level(const char *s)
{
	unsigned int i;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	for (i = 0; i < sizeof(fn_log_names) / sizeof(fn_log_names[0]); i++)
		if (strcasecmp(s, fn_log_names[i]) == 0)
			return (int)i;
	if (s[0] >= '0' && s[0] <= '4' && s[1] == '\0')
		return s[0] - '0';
	return -EINVAL;
}

void fn_log_write(int lvl, const char *func, const char *fmt, ...)
{
	int saved_errno = errno;
	char line[1024];
	va_list ap;
	int n;
	int m;

	if (lvl < FN_LOG_LEVEL_ERROR || lvl > FN_LOG_LEVEL_DEBUG)
		lvl = FN_LOG_LEVEL_DEBUG;
	n = snprintf(line, sizeof(line), "%s: %s: %s: ", fn_log_prefix,
		     fn_log_names[lvl], func);
	if (n < 0)
		goto out;
	if ((size_t)n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - 1 - n, fmt, ap);
	va_end(ap);
	if (m > 0)
		n += (m < (int)sizeof(line) - 2 - n ? m : (int)sizeof(line) - 2 - n);
	line[n++] = '\n';
	/* One write keeps lines whole; a failing log must not fail a copy */
	(void)!fn_sys_write(fn_log_fd, line, n);
out:
	errno = saved_errno;
}
