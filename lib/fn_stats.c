// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fn_stats.c: the engine's process-wide statistics.
 *
 * Counters are C11 atomics updated with relaxed ordering: they order
 * nothing, and a data path never takes a lock for them.  A snapshot is
 * copied field by field, so it is not atomic across fields (documented in
 * libfncopy(3)).  FN_STATS_FIELDS is the one list of keys: the struct,
 * the snapshot, the reset and the text all come from it.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fn_internal.h"

static struct fn_stats_live fn_own_live;
struct fn_stats_live *fn_live = &fn_own_live;

uint64_t fn_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void fn_stats_place(struct fn_stats_live *live)
{
	fn_live = live ? live : &fn_own_live;
}

void fn_stats_count_copy(uint64_t bytes, uint64_t ns)
{
	fn_stat_add(&fn_live->copy_ops, 1);
	fn_stat_add(&fn_live->copy_bytes, bytes);
	fn_stat_add(&fn_live->copy_kernel_ops, 1);
	fn_stat_add(&fn_live->copy_kernel_bytes, bytes);
	fn_stat_add(&fn_live->copy_ns, ns);
}

void fn_stats_load(const struct fn_stats_live *live, struct fn_stats *out)
{
#define FN_SNAP_COUNTER(name) \
	out->name = atomic_load_explicit(&live->name, memory_order_relaxed);
#define FN_SNAP_NONE(name)
	FN_STATS_FIELDS(FN_SNAP_COUNTER, FN_SNAP_NONE)
#undef FN_SNAP_COUNTER
#undef FN_SNAP_NONE
}

FN_API void fn_stats_get(struct fn_stats *out)
{
	if (out == NULL)
		return;
	fn_stats_load(fn_live, out);
	out->copy_chunk_size = fn_effective_chunk_size();
	out->copy_kernel_supported = fn_kernel_copy_supported();
}

FN_API void fn_stats_reset(void)
{
#define FN_RESET_COUNTER(name) \
	atomic_store_explicit(&fn_live->name, 0, memory_order_relaxed);
#define FN_RESET_NONE(name)
	FN_STATS_FIELDS(FN_RESET_COUNTER, FN_RESET_NONE)
#undef FN_RESET_COUNTER
#undef FN_RESET_NONE
}

void fn_stats_append_str(char *buf, size_t len, size_t *pos,
			 const char *key, const char *value)
{
	int n;

	n = snprintf(*pos < len ? buf + *pos : NULL,
		     *pos < len ? len - *pos : 0, "%s %s\n", key, value);
	if (n > 0)
		*pos += (size_t)n;
}

void fn_stats_text(const struct fn_stats *s, char *buf, size_t len,
		   size_t *pos)
{
#define FN_FORMAT_FIELD(name) fn_stats_append(buf, len, pos, #name, s->name);
	FN_STATS_FIELDS(FN_FORMAT_FIELD, FN_FORMAT_FIELD)
#undef FN_FORMAT_FIELD
}

void fn_stats_append(char *buf, size_t len, size_t *pos, const char *key,
		     uint64_t value)
{
	char num[24];	/* 20 digits of UINT64_MAX */

	snprintf(num, sizeof(num), "%" PRIu64, value);
	fn_stats_append_str(buf, len, pos, key, num);
}

FN_API int fn_stats_format(char *buf, size_t len)
{
	struct fn_stats s;
	size_t pos = 0;

	if (buf == NULL && len != 0)
		return -EINVAL;
	if (len)
		buf[0] = '\0';
	fn_stats_get(&s);
	fn_stats_text(&s, buf, len, &pos);
	if (pos > INT32_MAX)
		return -EOVERFLOW;
	return (int)pos;
}
