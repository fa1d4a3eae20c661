/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fa_fs.h: the file system names FNACCEL_FS and `fnaccel --fs` accept,
 * with their statfs(2) f_type magic numbers (linux/magic.h and the file
 * systems' own sources).  Included by the preload and by the fnaccel
 * command, so both agree on the list.
 */
#ifndef FA_FS_H
#define FA_FS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

struct fa_fs_name {
	const char *name;
	uint64_t magic;
};

static const struct fa_fs_name fa_fs_names[] = {
	{ "xfs", 0x58465342 },
	{ "btrfs", 0x9123683e },
	{ "nfs", 0x6969 },
	{ "smb", 0x517b },
	{ "smb2", 0xfe534d42 },
	{ "cifs", 0xff534d42 },
	{ "ceph", 0x00c36400 },
	{ "fuse", 0x65735546 },
	{ "ext4", 0xef53 },	/* also ext2 and ext3 */
	{ "tmpfs", 0x01021994 },
	{ "overlay", 0x794c7630 },
	{ "f2fs", 0xf2f52010 },
	{ "bcachefs", 0xca451a4e },
	{ "zfs", 0x2fc12fc1 },
	{ "ocfs2", 0x7461636f },
	{ "gfs2", 0x01161970 },
	{ "lustre", 0x0bd00bd0 },
};

/*
 * The default list: where copy_file_range(2) can reflink or offload; the
 * preload checks each device of them (dev.c)
 */
#define FA_FS_DEFAULT "xfs,btrfs,bcachefs,nfs,smb,smb2,cifs,ceph,fuse"

/* The magic of a name, a hex "0x..." magic, or 0 if unknown */
static inline uint64_t fa_fs_lookup(const char *name, size_t len)
{
	unsigned int i;
	uint64_t v = 0;

	for (i = 0; i < sizeof(fa_fs_names) / sizeof(fa_fs_names[0]); i++)
		if (strlen(fa_fs_names[i].name) == len &&
		    strncasecmp(fa_fs_names[i].name, name, len) == 0)
			return fa_fs_names[i].magic;
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
