// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fn_keys.c: statistics text read back.  The writers (fn_stats_append()
 * and its callers: /.stats, the preload's blocks) make "key value" lines;
 * fnaccel sums the blocks of its processes and fnstat compares two
 * samples of a mount or of fnaccel's slots, both through this table.  In
 * libfnfront: the installed library never reads statistics back.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fn_frontend.h"

/* The engine's gauges (G of FN_STATS_FIELDS) describe a state */
static const char *const fn_gauges[] = {
#define FN_NOT_GAUGE(name)
#define FN_GAUGE(name) #name,
	FN_STATS_FIELDS(FN_NOT_GAUGE, FN_GAUGE)
#undef FN_NOT_GAUGE
#undef FN_GAUGE
};

bool fn_stats_is_gauge(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(fn_gauges) / sizeof(fn_gauges[0]); i++)
		if (strcmp(key, fn_gauges[i]) == 0)
			return true;
	return false;
}

struct fn_key *fn_keys_find(const struct fn_keys *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->key[i].name, name) == 0)
			return &t->key[i];
	return NULL;
}

/* A new key at the end of t, value 0; NULL without memory */
static struct fn_key *fn_keys_new(struct fn_keys *t, const char *name,
				  size_t len)
{
	struct fn_key *k;

	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;

		k = realloc(t->key, cap * sizeof(*k));
		if (k == NULL)
			return NULL;
		t->key = k;
		t->cap = cap;
	}
	k = &t->key[t->n];
	k->name = strndup(name, len);
	if (k->name == NULL)
		return NULL;
	k->value = 0;
	t->n++;
	return k;
}

static bool fn_keys_skipped(const char *name, const char *const *skip)
{
	for (; skip && *skip; skip++)
		if (strcmp(name, *skip) == 0)
			return true;
	return false;
}

/* The value of a line: digits to its end, no sign, no overflow */
static bool fn_keys_value(const char *s, const char *end, uint64_t *v)
{
	uint64_t x = 0;

	if (s == end)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9' || x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return true;
}

int fn_keys_add_text(struct fn_keys *t, const char *text, size_t len,
		     const char *const *skip)
{
	const char *p = text, *end = text + len;
	char name[256];

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *sp = memchr(p, ' ', (size_t)(eol - p));
		struct fn_key *k;
		uint64_t v;

		if (sp && sp > p && (size_t)(sp - p) < sizeof(name) &&
		    fn_keys_value(sp + 1, eol, &v)) {
			memcpy(name, p, (size_t)(sp - p));
			name[sp - p] = '\0';
			if (!fn_keys_skipped(name, skip)) {
				k = fn_keys_find(t, name);
				if (k == NULL) {
					k = fn_keys_new(t, name, (size_t)(sp - p));
					if (k == NULL)
						return -ENOMEM;
				}
				if (fn_stats_is_gauge(name))
					k->value = MAX(k->value, v);
				else
					k->value += v;
			}
		}
		p = eol + 1;
	}
	return 0;
}

void fn_keys_clear(struct fn_keys *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->key[i].name);
	t->n = 0;
}

void fn_keys_free(struct fn_keys *t)
{
	fn_keys_clear(t);
	free(t->key);
	t->key = NULL;
	t->cap = 0;
}
