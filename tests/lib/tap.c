/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tap.c: the TAP producer behind tap.h.  Counts tests, checks the plan at
 * exit, and exits non-zero when a test failed or the count is off.
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

static unsigned long tap_planned;
static unsigned long tap_run;
static unsigned long tap_failed;
static bool tap_lazy;

static void tap_finish(void)
{
	if (tap_lazy)
		printf("1..%lu\n", tap_run);
	fflush(stdout);
	if (tap_planned && tap_run != tap_planned) {
		fprintf(stderr, "# planned %lu tests but ran %lu\n",
			tap_planned, tap_run);
		_exit(255);
	}
	if (tap_failed)
		_exit(tap_failed > 254 ? 254 : (int)tap_failed);
}

void plan(unsigned long count)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_planned = count;
	printf("1..%lu\n", count);
	atexit(tap_finish);
}

void plan_lazy(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_lazy = true;
	atexit(tap_finish);
}

void skip_all(const char *format, ...)
{
	va_list ap;

	printf("1..0 # SKIP ");
	va_start(ap, format);
	vprintf(format, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	_exit(0);
}

static bool tap_vok(int success, const char *format, va_list ap)
{
	tap_run++;
	if (!success)
		tap_failed++;
	printf("%sok %lu - ", success ? "" : "not ", tap_run);
	vprintf(format, ap);
	printf("\n");
	return success;
}

bool ok(int success, const char *format, ...)
{
	va_list ap;
	bool ret;

	va_start(ap, format);
	ret = tap_vok(success, format, ap);
	va_end(ap);
	return ret;
}

void skip(const char *reason, ...)
{
	va_list ap;

	tap_run++;
	printf("ok %lu # skip ", tap_run);
	va_start(ap, reason);
	vprintf(reason, ap);
	va_end(ap);
	printf("\n");
}

bool is_int(long wanted, long seen, const char *format, ...)
{
	va_list ap;
	bool ret;

	va_start(ap, format);
	ret = tap_vok(wanted == seen, format, ap);
	va_end(ap);
	if (!ret)
		printf("# wanted: %ld\n#   seen: %ld\n", wanted, seen);
	return ret;
}

bool is_string(const char *wanted, const char *seen, const char *format, ...)
{
	va_list ap;
	bool ret;

	if (wanted == NULL)
		wanted = "(null)";
	if (seen == NULL)
		seen = "(null)";
	va_start(ap, format);
	ret = tap_vok(strcmp(wanted, seen) == 0, format, ap);
	va_end(ap);
	if (!ret)
		printf("# wanted: %s\n#   seen: %s\n", wanted, seen);
	return ret;
}

void diag(const char *format, ...)
{
	va_list ap;

	fflush(stdout);
	printf("# ");
	va_start(ap, format);
	vprintf(format, ap);
	va_end(ap);
	printf("\n");
}

void bail(const char *format, ...)
{
	va_list ap;

	fflush(stdout);
	printf("Bail out! ");
	va_start(ap, format);
	vprintf(format, ap);
	va_end(ap);
	printf("\n");
	exit(255);
}

void sysbail(const char *format, ...)
{
	int err = errno;
	va_list ap;

	fflush(stdout);
	printf("Bail out! ");
	va_start(ap, format);
	vprintf(format, ap);
	va_end(ap);
	printf(": %s\n", strerror(err));
	exit(255);
}

/*
 * trash.<program name>/ in $FN_TRASH_DIR (make check sets it), else in
 * tests/ below the current directory (prove from the top of the build
 * tree), else here; emptied first so every run starts clean.
 */
char *test_tmpdir(void)
{
	extern char *program_invocation_short_name;
	char *path;
	char cmd[PATH_MAX + 32];

	const char *dir = getenv("FN_TRASH_DIR");
	struct stat st;

	/* prove runs from the top of the tree: keep trash under tests/ */
	if (dir == NULL)
		dir = stat("tests", &st) == 0 && S_ISDIR(st.st_mode) ?
		      "tests" : ".";
	if (asprintf(&path, "%s/trash.%s", dir,
		     program_invocation_short_name) < 0)
		sysbail("asprintf");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		bail("cannot empty %s", path);
	if (mkdir(path, 0755) < 0)
		sysbail("mkdir %s", path);
	return path;
}

void test_tmpdir_free(char *path)
{
	free(path);
}
