/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fa_fs.h: the words FNACCEL_FS and `fnaccel --fs` accept: the names of
 * the engine's list of file systems (FN_FS_TYPES in fn_frontend.h) or a
 * statfs(2) f_type in hex.  Included by the preload and by the fnaccel
 * command, so both agree on the words.
 */
#ifndef FA_FS_H
#define FA_FS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "fn_frontend.h"

/* Room for the default list, the words of FN_FS_OFFLOAD (fa_fs_default) */
#define FA_FS_LIST_LEN 128

/*
 * The default list: where copy_file_range(2) can reflink or offload; the
 * preload checks each device of them (dev.c)
 */
static inline void fa_fs_default(char *buf, size_t len)
{
	fn_fs_words(FN_FS_OFFLOAD, buf, len);
}

/* The magic of a name, a hex "0x..." magic, or 0 if unknown */
static inline uint64_t fa_fs_lookup(const char *name, size_t len)
{
	enum fn_fs_id id = fn_fs_of_word(name, len);
	unsigned int i;
	uint64_t v = 0;

	if (id != FN_FS_unknown)
		return fn_fs_types[id].magic;
	if (len < 3 || len > 18 || name[0] != '0' ||
	    (name[1] != 'x' && name[1] != 'X'))
		return 0;
	for (i = 2; i < len; i++) {
		char c = name[i];

		if (c >= '0' && c <= '9')
			v = v * 16 + (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (uint64_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v * 16 + (uint64_t)(c - 'A' + 10);
		else
			return 0;
	}
	return v;
}

/*
 * Parse a comma-separated list ("all", "none", or names): calls add() for
 * each magic.  0, or -1 with *bad at the first unknown word.
 */
static inline int fa_fs_parse(const char *s, void (*add)(uint64_t, void *),
			      void *arg, const char **bad)
{
	const char *p = s;

	while (*p) {
		size_t len = strcspn(p, ",");
		bool none = len == 4 && strncasecmp(p, "none", 4) == 0;
		uint64_t magic = 0;

		if (len == 3 && strncasecmp(p, "all", 3) == 0)
			magic = UINT64_MAX;
		else if (len && !none)
			magic = fa_fs_lookup(p, len);
		if (len && !none && magic == 0)
			goto bad;
		if (magic)
			add(magic, arg);
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
bad:
	if (bad)
		*bad = p;
	return -1;
}

#endif /* FA_FS_H */
