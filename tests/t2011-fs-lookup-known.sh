#!/bin/sh
# SPDX-License-Identifier: MIT
#
# t2011: a lookup of a name whose inode fnpassfs already knows is answered
# with one fstatat(2), without opening the file (issue 11).  On an ext4
# image, through a mount that caches nothing (every stat is a LOOKUP) and
# keeps at most 16 descriptors: the first lookups add inodes, the next
# ones of the same names add none and count fs_lookups_known (those whose
# descriptor was closed, fs_lookups_by_handle too); readdirplus looks up
# known entries the same way and opens only new ones; a name removed and
# made again beside the mount, with the same inode number, is the new file
# (its old inode stale), never the old one; a hard link made through the
# mount is the known inode; errors are those of the name.

test_description='fnpassfs: lookups of known inodes, without opening them'
. "$(dirname "$0")/test-lib.sh"
fn_require_root
fn_require_fuse
fn_require_cmd mkfs.ext4 stat

nfiles=40
names=$(seq -f "f%02g" 0 $((nfiles - 1)))
first=$(seq -f "f%02g" 0 9)
rest=$(seq -f "f%02g" 10 $((nfiles - 1)))

# snap: mnt/.stats now, in the file stats, read once (one lookup of it)
snap()
{
	cat mnt/.stats >stats
}

# is KEY VALUE: KEY of the last snap is exactly VALUE
is()
{
	local v
	v=$(fn_fs_stat "$1" . stats) || { echo "no $1 in mnt/.stats"; return 1; }
	[ "$v" = "$2" ] && return 0
	echo "$1 is $v, not $2"
	return 1
}

# lookups N K: N names looked up by a command that cd-ed into mnt/d, K of
# them known; plus the lookups of d (known) and of .stats (by snap)
lookups()
{
	is fs_lookup_ops $(($1 + 2)) && is fs_lookups_known $(($2 + 1))
}

# stats_of DIR NAME...: "name inode size links" of each name in DIR,
# looked up from DIR itself (no lookup of DIR)
stats_of()
{
	local dir=$1
	shift
	(cd "$dir" && stat -c "%n %i %s %h" "$@")
}

test_expect_setup "an ext4 image with $nfiles files in d; a mount that caches nothing, fd_cache=16" '
	fn_mount_ext4 ext 64M && mkdir ext/d mnt &&
	for n in $names; do printf "%s" "$n" >ext/d/$n || exit 1; done &&
	fn_mount "$PWD/ext" "$PWD/mnt" cache=never,readdirplus=yes,fd_cache=16 &&
	test -d mnt/d
'

# stat_first NEW KNOWN BY_HANDLE: stat of f00..f09 through the mount is
# as natively, adds NEW inodes, and finds KNOWN of them known, BY_HANDLE
# of those by handle
stat_first()
{
	local inodes
	inodes=$(fn_fs_stat fs_inodes mnt) &&
	echo reset >mnt/.stats &&
	stats_of mnt/d $first >actual &&
	stats_of ext/d $first >expect &&
	diff -u expect actual && snap &&
	lookups 10 $2 && is fs_lookups_by_handle $3 &&
	is fs_inodes $((inodes + $1))
}

test_expect_success 'first stat of f00..f09: 10 lookups, 10 new inodes, none known' '
	stat_first 10 0 0
'

test_expect_success 'second stat of f00..f09: 10 lookups, all known, no new inode, as natively' '
	stat_first 0 10 0
'

test_expect_success 'their descriptors closed (30 more files read): known by handle, no new inode' '
	(cd mnt/d && cat $rest) >/dev/null &&
	stat_first 0 10 10
'

test_expect_success "readdirplus of d ($nfiles known files, one new): $nfiles known, one inode added" '
	printf new >ext/d/n1 &&
	inodes=$(fn_fs_stat fs_inodes mnt) &&
	echo reset >mnt/.stats &&
	(cd mnt/d && ls -f .) | LC_ALL=C sort >actual &&
	(cd ext/d && ls -f .) | LC_ALL=C sort >expect &&
	diff -u expect actual && snap &&
	is fs_readdirplus_ops 2 && lookups 0 $nfiles &&
	is fs_inodes $((inodes + 1))
'

test_expect_success 'f00 removed and made again beside the mount: the same inode number' '
	(cd mnt/d && cat $rest) >/dev/null &&
	old=$(stat -c %i ext/d/f00) &&
	rm ext/d/f00 && printf again >ext/d/f00 &&
	new=$(stat -c %i ext/d/f00) &&
	{ test "$old" = "$new" || { echo "ext4 gave $new, not $old"; false; }; }
'

test_expect_success 'through the mount it is the new file; the old inode is stale' '
	echo reset >mnt/.stats &&
	test "$(cat mnt/d/f00)" = again &&
	stats_of mnt/d f00 >actual &&
	stats_of ext/d f00 >expect &&
	diff -u expect actual && snap &&
	is fs_stale_handles 1 && is fs_lookups_by_handle 0
'

test_expect_success 'a hard link made through the mount is the known inode: 2 links, one number' '
	inodes=$(fn_fs_stat fs_inodes mnt) &&
	ln mnt/d/f01 mnt/d/h &&
	stats_of mnt/d f01 h >actual &&
	stats_of ext/d f01 h >expect &&
	diff -u expect actual &&
	test "$(stat -c %h mnt/d/h)" = 2 &&
	snap && is fs_inodes $inodes
'

test_expect_success 'a missing name: ENOENT, the same as natively' '
	! stat mnt/d/none 2>err &&
	grep -q "No such file or directory" err
'

test_expect_success 'a name below a file: ENOTDIR' '
	! stat mnt/d/f01/x 2>err &&
	grep -q "Not a directory" err
'

test_expect_success 'unmount, daemon exits 0' 'fn_umount mnt'

test_done
