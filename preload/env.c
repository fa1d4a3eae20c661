// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * env.c: the FNACCEL_* variables that make struct fa_config, read by the
 * preload's constructor (init.c) in each process, and checked by fnaccel
 * before it runs a command.
 *
 * A bad value is said on stderr, "WHO: NAME=VALUE: why", and the default
 * kept.  fnaccel (drop) also unsets it, so that the processes of its
 * command take that default without saying it again: one warning per
 * fnaccel run, not one per process of a shell line.  No stdio: it runs in
 * the preload's constructor, raw write(2).
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fa.h"
#include "fa_fs.h"

void fa_complain(const char *who, const char *name, const char *value,
		 const char *why)
{
	char line[512];
	int n;

	n = snprintf(line, sizeof(line), "%s: %s=%s: %s\n", who, name, value,
		     why);
	if (n > 0)
		(void)!fn_sys_write(2, line, MIN((size_t)n, sizeof(line) - 1));
}

static void fa_env_bad(const char *who, bool drop, const char *name,
		       const char *value, const char *why)
{
	fa_complain(who, name, value, why);
	if (drop)
		unsetenv(name);
}

static void fa_fs_add(uint64_t magic, void *arg)
{
	struct fa_config *c = arg;

	if (magic == UINT64_MAX)
		c->fs_all = true;
	else if (c->n_fs < FA_FS_MAX)
		c->fs_magic[c->n_fs++] = magic;
}

/* The list of file systems s into c: 0, or -EINVAL with c's list kept */
static int fa_read_fs(struct fa_config *c, const char *s)
{
	struct fa_config n = *c;
	const char *bad = NULL;

	n.n_fs = 0;
	n.fs_all = false;
	if (fa_fs_parse(s, fa_fs_add, &n, &bad) < 0)
		return -EINVAL;
	c->n_fs = n.n_fs;
	c->fs_all = n.fs_all;
	memcpy(c->fs_magic, n.fs_magic, sizeof(n.fs_magic));
	return 0;
}

static bool fa_env_true(const char *s)
{
	return s && *s && strcmp(s, "0") != 0 && strcasecmp(s, "no") != 0 &&
	       strcasecmp(s, "false") != 0 && strcasecmp(s, "off") != 0;
}

void fa_env_config(struct fa_config *c, const char *who, bool drop)
{
	char def[FA_FS_LIST_LEN];
	char why[FA_FS_LIST_LEN + 64];
	const char *s;
	uint64_t v;

	fa_fs_default(def, sizeof(def));
	(void)fa_read_fs(c, def);
	c->disabled = fa_env_true(getenv("FNACCEL_DISABLE"));
	c->cfr_fallback = fa_env_true(getenv("FNACCEL_CFR_FALLBACK"));
	s = getenv("FNACCEL_MIN_SIZE");
	if (s && *s) {
		if (fn_parse_size(s, &v) < 0)
			fa_env_bad(who, drop, "FNACCEL_MIN_SIZE", s,
				   "not a size, using 64K");
		else {
			c->min_size = v ? v : 1;
			c->min_size_set = true;
		}
	}
	/* A list of the user's asks for its data copies too */
	s = getenv("FNACCEL_FS");
	if (s && *s) {
		if (fa_read_fs(c, s) == 0) {
			c->data_copy = true;
		} else {
			snprintf(why, sizeof(why),
				 "unknown file system, using %s", def);
			fa_env_bad(who, drop, "FNACCEL_FS", s, why);
		}
	}
	s = getenv("FNACCEL_DATA_COPY");
	if (s && *s)
		c->data_copy = fa_env_true(s);
	s = getenv("FNACCEL_VERIFY");
	if (s && *s) {
		if (strcmp(s, "reread") == 0)
			c->hash_all = false;
		else if (strcmp(s, "hash") == 0)
			c->hash_all = true;
		else
			fa_env_bad(who, drop, "FNACCEL_VERIFY", s,
				   "not reread or hash, using reread");
	}
}
