// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * notice.c: messages a user of fnpassfs must read whatever the build's
 * logging (the FN_LOG_* calls compile to nothing by default): that a
 * backing file system gives no file handles, that the descriptor limit
 * was reached.  Each is said once by its caller.  They go to standard
 * error in the foreground and to syslog (daemon facility) once the daemon
 * has left its terminal, where standard error is /dev/null.
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "fp.h"

void fp_notice(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (fp_fs.daemonized)
		syslog(LOG_DAEMON | LOG_WARNING, "fnpassfs: %s", msg);
	else
		fprintf(stderr, "fnpassfs: %s\n", msg);
}
