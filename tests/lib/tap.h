/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tap.h: a small TAP producer for our C tests.  The names and argument
 * order follow c-tap-harness's basic.h, so its basic.c could replace
 * tap.c unchanged.
 */
#ifndef TAP_H
#define TAP_H

#include <stdbool.h>

void plan(unsigned long count);
void plan_lazy(void);
void skip_all(const char *format, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
bool ok(int success, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
void skip(const char *reason, ...) __attribute__((format(printf, 1, 2)));
bool is_int(long wanted, long seen, const char *format, ...)
	__attribute__((format(printf, 3, 4)));
bool is_string(const char *wanted, const char *seen, const char *format, ...)
	__attribute__((format(printf, 3, 4)));
void diag(const char *format, ...) __attribute__((format(printf, 1, 2)));
void bail(const char *format, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
void sysbail(const char *format, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
/* A fresh directory for this test, in the build tree: trash.<name>/ */
char *test_tmpdir(void);
void test_tmpdir_free(char *path);

#endif /* TAP_H */
