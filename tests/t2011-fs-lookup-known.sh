#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
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
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_fuse
fn_require_cmd mkfs.ext4 stat
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || skip_all "python3 not installed"

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
	test_cmp expect actual && snap &&
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
	test_cmp expect actual && snap &&
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
	test_cmp expect actual && snap &&
	is fs_stale_handles 1
'

test_expect_success 'a hard link made through the mount is the known inode: 2 links, one number' '
	inodes=$(fn_fs_stat fs_inodes mnt) &&
	ln mnt/d/f01 mnt/d/h &&
	stats_of mnt/d f01 h >actual &&
	stats_of ext/d f01 h >expect &&
	test_cmp expect actual &&
	test "$(stat -c %h mnt/d/h)" = 2 &&
	snap && is fs_inodes $inodes
'

test_expect_success 'a missing name: ENOENT, the same as natively' '
	test_must_fail stat mnt/d/none 2>err &&
	grep -q "No such file or directory" err
'

test_expect_success 'a name below a file: ENOTDIR' '
	test_must_fail stat mnt/d/f01/x 2>err &&
	grep -q "Not a directory" err
'

# swap.py DIR N: exchange DIR/a and DIR/b N times with renameat2(2)
# RENAME_EXCHANGE (natively a name is never missing)
cat >swap.py <<'EOF'
import ctypes, os, sys

libc = ctypes.CDLL(None, use_errno=True)
d, n = sys.argv[1].encode(), int(sys.argv[2])
AT_FDCWD, RENAME_EXCHANGE = -100, 2
for i in range(n):
    if libc.renameat2(AT_FDCWD, d + b"/a", AT_FDCWD, d + b"/b",
                      RENAME_EXCHANGE) != 0:
        sys.exit("renameat2: " + os.strerror(ctypes.get_errno()))
EOF

# check.py DIR IA IB N: open DIR/a N times; each file opened is A (inode
# IA, 4096 bytes of A) or B (IB, of B), never the number of one with the
# bytes of the other; prints "ok" and how many opens failed with ENOENT
# (the name swapped between the two calls of a lookup that makes an
# inode by name: its first open finds the handle's file has another
# number, fp_inode_reopen())
cat >check.py <<'EOF'
import errno, os, sys

top, ia, ib, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
want = {ia: b"A" * 4096, ib: b"B" * 4096}
missing = 0
for i in range(n):
    try:
        fd = os.open(top + "/a", os.O_RDONLY)
    except OSError as e:
        if e.errno != errno.ENOENT:
            raise
        missing += 1
        continue
    ino, data = os.fstat(fd).st_ino, os.read(fd, 8192)
    os.close(fd)
    if want.get(ino) != data:
        sys.exit("inode %d read %r..." % (ino, data[:8]))
print("ok", missing)
EOF

test_expect_success 'a and b swapped beside the mount while a is opened 2000 times: never the bytes of the other inode' '
	mkdir ext/s &&
	printf "%4096s" "" | tr " " A >ext/s/a &&
	printf "%4096s" "" | tr " " B >ext/s/b &&
	ia=$(stat -c %i ext/s/a) && ib=$(stat -c %i ext/s/b) &&
	"$py" check.py ext/s $ia $ib 100 >native &&
	test "$(cat native)" = "ok 0" &&
	{ "$py" swap.py ext/s 1000000 & spid=$!; } &&
	out=$("$py" check.py mnt/s $ia $ib 2000); st=$?;
	kill $spid; wait $spid;
	echo "$out" && test $st = 0 && test "${out%% *}" = ok
'

test_expect_success 'the swaps over: a and b through the mount are the files of those names' '
	for n in a b; do
		test "$(stat -c "%i %s" mnt/s/$n)" = "$(stat -c "%i %s" ext/s/$n)" &&
		cmp mnt/s/$n ext/s/$n || exit 1
	done
'

test_expect_success 'unmount, daemon exits 0' 'fn_umount mnt'

test_done
