/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fn_log.h: logging gated at compile time.
 *
 * FN_LOG_ENABLED (configure --enable-logging) is always defined, 0 or 1:
 * with 0 the calls still compile, so their formats are checked, and the
 * optimizer removes them, even at -O0 (the condition is a constant 0).
 * The run-time level comes from FN_LOG_DEFAULT_LEVEL, then what a front
 * end sets once at startup (FNACCEL_LOG, a mount option) with
 * fn_set_log_level().
 */
#ifndef FN_LOG_H
#define FN_LOG_H

#include <stdbool.h>

#include "fncopy.h"

/*
 * The run-time level (FN_LOG_LEVEL_* in fncopy.h); set once at startup by
 * fn_set_log_level(), read without a lock
 */
extern int fn_log_level;

#define FN_LOG(lvl, fmt, ...)						\
	do {								\
		if (FN_LOG_ENABLED && (lvl) <= fn_log_level)		\
			fn_log_write((lvl), __func__, fmt, ##__VA_ARGS__); \
	} while (0)
#define FN_LOG_ERROR(...)	FN_LOG(FN_LOG_LEVEL_ERROR, __VA_ARGS__)
#define FN_LOG_WARN(...)	FN_LOG(FN_LOG_LEVEL_WARN, __VA_ARGS__)
#define FN_LOG_INFO(...)	FN_LOG(FN_LOG_LEVEL_INFO, __VA_ARGS__)
#define FN_LOG_DEBUG(...)	FN_LOG(FN_LOG_LEVEL_DEBUG, __VA_ARGS__)

/*
 * One line "PREFIX: LEVEL: FUNC: MESSAGE\n" written with one write(2)
 * from a stack buffer: no allocation, no stdio, errno kept.
 */
void fn_log_write(int lvl, const char *func, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "off", "error", "warn", "info", "debug" or 0..4: the level or -EINVAL */
int fn_log_parse_level(const char *s);
/* Where log lines go (default 2) and the word they start with */
void fn_log_set_fd(int fd);
void fn_log_set_prefix(const char *prefix);

#endif /* FN_LOG_H */
