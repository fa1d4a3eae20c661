// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * stats.c: a statistics slot as text, the block the preload's dump
 * appends to FNACCEL_STATS and fnaccel writes for each slot it reads:
 * "pid N", "argv0 NAME", the engine's keys, the preload's keys, an empty
 * line.  Built into libfnaccel.so and into fnaccel, so both write the
 * same keys.
 */
#include <config.h>

#include <stdio.h>

#include "fa.h"

static const char *const fa_skip_names[FA_SKIP_COUNT] = {
	[FA_SKIP_NONE] = "none",
#define FA_SKIP_NAME(r) [FA_SKIP_##r] = #r,
	FA_SKIP_REASONS(FA_SKIP_NAME)
#undef FA_SKIP_NAME
};

/* The preload's keys of live, into buf at *pos (fn_stats_append's rules) */
static void fa_stats_text(const struct fa_stats_live *live, char *buf,
			  size_t len, size_t *pos)
{
	char key[64];

#define FA_APPEND(name) \
	fn_stats_append(buf, len, pos, #name, \
			atomic_load_explicit(&live->name, \
					     memory_order_relaxed));
	FA_STATS_FIELDS(FA_APPEND)
#undef FA_APPEND
	for (int i = FA_SKIP_NONE + 1; i < FA_SKIP_COUNT; i++) {
		snprintf(key, sizeof(key), "preload_skip_%s",
			 fa_skip_names[i]);
		fn_stats_append(buf, len, pos, key,
				atomic_load_explicit(&live->skip[i],
						     memory_order_relaxed));
	}
}

void fa_slot_text(const struct fa_slot *slot, char *buf, size_t len,
		  size_t *pos)
{
	struct fn_stats s;
	int pid = atomic_load_explicit(&slot->pid, memory_order_acquire);
	int n;

	n = snprintf(*pos < len ? buf + *pos : NULL,
		     *pos < len ? len - *pos : 0, "pid %d\nargv0 %.*s\n", pid,
		     FA_ARGV0_MAX, pid && slot->argv0[0] ? slot->argv0 : "?");
	if (n > 0)
		*pos += (size_t)n;
	fn_stats_load(&slot->engine, &s);
#define FA_GAUGE_SET(name) s.name = slot->gauges.name;
#define FA_GAUGE_NONE(name)
	FN_STATS_FIELDS(FA_GAUGE_NONE, FA_GAUGE_SET)
#undef FA_GAUGE_SET
#undef FA_GAUGE_NONE
	fn_stats_text(&s, buf, len, pos);
	fa_stats_text(&slot->preload, buf, len, pos);
	if (*pos < len)
		buf[*pos] = '\n';
	(*pos)++;
}
