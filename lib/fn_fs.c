// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fn_fs.c: the file systems the front ends know by their statfs(2) magic
 * number, made from FN_FS_TYPES (fn_frontend.h): the words and default
 * list of the preload's file-system variable and its per-device
 * decisions, fnpassfs's noflush and passthrough stacking depth, fnbench's
 * names.  In libfnfront: the installed library has no use for it.
 */
#include <config.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fn_frontend.h"

const struct fn_fs fn_fs_types[FN_FS_COUNT] = {
	[FN_FS_unknown] = { NULL, 0, 0 },
#define FN_FS_ROW(name, magic, flags) \
	[FN_FS_##name] = { #name, magic, flags },
	FN_FS_TYPES(FN_FS_ROW)
#undef FN_FS_ROW
};

enum fn_fs_id fn_fs_of_magic(uint64_t magic)
{
	int i;

	for (i = FN_FS_unknown + 1; i < FN_FS_COUNT; i++)
		if (fn_fs_types[i].magic == magic)
			return (enum fn_fs_id)i;
	return FN_FS_unknown;
}

enum fn_fs_id fn_fs_of_word(const char *word, size_t len)
{
	const struct fn_fs *fs;
	int i;

	for (i = FN_FS_unknown + 1; i < FN_FS_COUNT; i++) {
		fs = &fn_fs_types[i];
		if (!(fs->flags & FN_FS_NO_WORD) && strlen(fs->name) == len &&
		    strncasecmp(fs->name, word, len) == 0)
			return (enum fn_fs_id)i;
	}
	return FN_FS_unknown;
}

void fn_fs_words(unsigned int flags, char *buf, size_t len)
{
	size_t pos = 0;
	int i, n;

	if (len)
		buf[0] = '\0';
	for (i = FN_FS_unknown + 1; i < FN_FS_COUNT; i++) {
		if ((fn_fs_types[i].flags & flags) != flags || pos >= len)
			continue;
		n = snprintf(buf + pos, len - pos, "%s%s", pos ? "," : "",
			     fn_fs_types[i].name);
		if (n > 0)
			pos += (size_t)n;
	}
}
