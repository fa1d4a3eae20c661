#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t2203: which listings cache=auto lets the kernel keep (fs/listing.c).
# A listing read again within the timeouts comes from the kernel; after
# them, a process that stats what it lists (du, ls -l) has the directory
# read again (readdirplus), one that does not (find -type f) is answered
# from the kept listing, or on a new mount from a readdirplus that looks
# up no file; a change made beside the mount shows once the
# directory's attributes expired, also right after a listing, 20 times
# in a row (the multigrain mtime the kept listing is checked against); a
# change through the mount shows at once.  On a file system without
# multigrain timestamps (ramfs) every listing reaches the daemon, as
# before.  The mounts use 0.3 s timeouts, each sleep outlasts them (no
# timing threshold), and what must happen within them has 60 s.

test_description='fnpassfs: listings cache=auto keeps, and which it reads again'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_fuse

# multigrain timestamps: Linux 6.13 on, on the work directory's file system
kernel=$(uname -r | awk -F. '{ print $1 * 1000 + $2 }')
case $(stat -f -c %T .) in
ext2/ext3|xfs|btrfs|tmpfs) [ "$kernel" -lt 6013 ] || test_set_prereq MGTIME ;;
esac

t=0.3
opts=entry_timeout=$t,attr_timeout=$t,negative_timeout=$t
expire() { sleep 0.5; }

# n MNT KEY: a counter of MNT's /.stats
n() { fn_fs_stat "$2" "$1"; }

# delta MNT KEY CMD...: how much KEY grew while CMD ran, less what reading
# /.stats itself adds (measured first)
delta()
{
	d_m=$1 d_k=$2 && shift 2 &&
	d_a=$(n $d_m $d_k) && d_b=$(n $d_m $d_k) && "$@" >/dev/null &&
	d_c=$(n $d_m $d_k) && echo $((d_c - d_b - (d_b - d_a)))
}

# same DIR: mnt/DIR lists what src/DIR holds
same()
{
	ls -a "src/$1" | sort >want && ls -a "mnt/$1" | sort >got &&
	test_cmp want got
}

test_expect_setup 'a tree: w/a, w/b, w/c of 10 files each; d of 10' '
	mkdir src mnt && mkdir -p src/w/a src/w/b src/w/c src/d &&
	for f in 0 1 2 3 4 5 6 7 8 9; do
		touch src/w/a/$f src/w/b/$f src/w/c/$f src/d/$f || return 1
	done && fn_mount src mnt "$opts"'

test_expect_success MGTIME 'the first listing is read, with every entry' '
	test "$(delta mnt fs_listings_read ls mnt/d)" = 1 &&
	test "$(n mnt fs_listings_kept)" = 0 && same d'

# (timeouts of 60 s: the second listing is well within them)
test_expect_success MGTIME 'a listing again within the timeouts: from the kernel' '
	mkdir mntl && fn_mount src mntl entry_timeout=60,attr_timeout=60 &&
	ls mntl/d >/dev/null &&
	test "$(delta mntl fs_readdirplus_ops ls -l mntl/d)" = 0 &&
	test "$(n mntl fs_listings_kept)" = 1 && fn_umount mntl'

# find reads w, its first directory, again (as ls -l reads its one); a
# and b show it looks no file up, and c is kept for it as well
test_expect_success MGTIME 'find -type f after the timeouts: kept, no readdir' '
	find mnt/w >/dev/null && expire &&
	k=$(n mnt fs_listings_kept) && r=$(n mnt fs_listings_read) &&
	test "$(delta mnt fs_readdirplus_ops find mnt/w -type f)" = 1 &&
	test $(($(n mnt fs_listings_kept) - k)) = 3 &&
	test $(($(n mnt fs_listings_read) - r)) = 1 &&
	test "$(find mnt/w -type f | wc -l)" = 30'

# w is looked up by the path, a, b and c by the readdirplus of w, the 30
# files by none: 5 inodes with the root
test_expect_setup MGTIME 'a new mount' 'mkdir mnt4 && fn_mount src mnt4 "$opts"'

test_expect_success MGTIME 'find -type f on a new mount: no file looked up' '
	test "$(find mnt4/w -type f | wc -l)" = 30 &&
	test "$(n mnt4 fs_inodes)" = 5 &&
	test "$(stat -c %s:%F mnt4/w/c/9)" = "0:regular empty file" &&
	test "$(n mnt4 fs_inodes)" = 6'

# du: w read again (its first directory; a lookup of w), a kept for it,
# where it looks the 10 files up, then b and c read again
test_expect_success MGTIME 'du after the timeouts: read again once it stats' '
	expire && r=$(n mnt fs_listings_read) && k=$(n mnt fs_listings_kept) &&
	test "$(delta mnt fs_lookup_ops du -a mnt/w)" -ge 11 &&
	test $(($(n mnt fs_listings_read) - r)) = 3 &&
	test $(($(n mnt fs_listings_kept) - k)) = 1'

# ls -l reads its one directory with the attributes: no lookup of its 10
# files (one of d itself)
test_expect_success MGTIME 'ls -l after the timeouts: read again' '
	expire && r=$(n mnt fs_listings_read) &&
	test "$(delta mnt fs_lookup_ops ls -l mnt/d)" -lt 10 &&
	test $(($(n mnt fs_listings_read) - r)) = 1'

test_expect_success 'a change beside the mount shows after the timeouts, 20 times' '
	for i in $(seq 20); do
		ls mnt/d >/dev/null && touch src/d/n$i && expire && same d &&
		ls mnt/d >/dev/null && rm src/d/n$i && expire && same d ||
		return 1
	done'

test_expect_success 'a change through the mount shows at once' '
	ls mnt/d >/dev/null && touch mnt/d/new && same d &&
	mv mnt/d/new mnt/d/new2 && same d && rm mnt/d/new2 && same d &&
	mkdir mnt/d/sub && same d && rmdir mnt/d/sub && same d'

test_expect_success 'cache=never and always: no choice counted' '
	mkdir mnt2 mnt3 && fn_mount src mnt2 cache=never &&
	fn_mount src mnt3 cache=always && ls mnt2/d mnt3/d >/dev/null &&
	test "$(n mnt2 fs_listings_kept) $(n mnt2 fs_listings_read)" = "0 0" &&
	test "$(n mnt3 fs_listings_kept) $(n mnt3 fs_listings_read)" = "0 0"'

# ramfs has no multigrain timestamps: two changes in one clock tick can
# share an mtime, so no listing is kept
test_expect_setup 'fnpassfs over ramfs' '
	mkdir rsrc rmnt && mount -t ramfs fnaccel-test rsrc &&
	fn_at_exit "umount -l $PWD/rsrc" && touch rsrc/x rsrc/y &&
	fn_mount rsrc rmnt "$opts"'

test_expect_success 'ramfs: every listing reaches the daemon' '
	ls rmnt >/dev/null &&
	test "$(delta rmnt fs_readdirplus_ops ls rmnt)" = 1 &&
	test "$(n rmnt fs_listings_kept) $(n rmnt fs_listings_read)" = "0 0"'

test_expect_success 'ramfs: unmounted' 'fn_umount rmnt'

test_done
