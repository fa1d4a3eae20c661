#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='fnpassfs: mount -t fuse.fnpassfs, fnpassfs#SRC and fstab lines'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_fuse
fn_require_cmd mount.fuse3

# mount.fuse3 runs "fnpassfs" through sh -c with the PATH it was given;
# mount(8) gives its helpers a clean environment without PATH, so the
# fuse.fnpassfs type is tested through mount.fuse3 itself with our PATH,
# and through mount(8) in a private mount namespace where our fnpassfs
# is bind-mounted into the default PATH; the fnpassfs#SRC form names
# the program by its absolute path.
fp=$(readlink -f "$FN_BUILDDIR/fs/fnpassfs")

# mounted MNT: the EXIT trap undoes the mount that mount(8) made
mounted()
{
	fn_register_mount "$(fn_daemon_pid "$1")" "$1"
}

# gone PID: wait (10 s at most) for the daemon to exit
gone()
{
	for i in $(seq 100); do
		kill -0 $1 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

test_expect_setup 'setup' '
	mkdir src mnt && printf data >src/f && here=$(pwd -P)'

test_expect_setup 'mount.fuse3 SRC MNT -t fuse.fnpassfs with fnpassfs on PATH' '
	PATH=$FN_BUILDDIR/fs:$PATH mount.fuse3 "$here/src" "$here/mnt" \
		-t fuse.fnpassfs -o cache=always,_netdev && mounted "$here/mnt"'

test_expect_success 'it serves SRC with the options given' '
	grep -q "^$here/src $here/mnt fuse.fnpassfs " /proc/self/mounts &&
	test "$(cat mnt/f)" = data &&
	test "$(awk "\$1 == \"opt_cache\" { print \$2 }" mnt/.stats)" = always'

test_expect_success 'umount ends the daemon' '
	pid=$(fn_daemon_pid "$here/mnt") && umount "$here/mnt" && gone $pid &&
	! fn_is_mounted mnt'

test_expect_success 'mount -t fuse.fnpassfs (mount(8), PATH by bind mount)' '
	mkdir bin && ln -s "$fp" bin/fnpassfs &&
	unshare -m --propagation private sh -c "
		mount --bind $here/bin /usr/local/sbin &&
		mount -t fuse.fnpassfs -o stats_file=st $here/src $here/mnt &&
		grep -q \"^$here/src $here/mnt fuse.fnpassfs \" /proc/self/mounts &&
		test \"\$(cat $here/mnt/f)\" = data &&
		grep -q \"^opt_stats_file st\$\" $here/mnt/st &&
		umount $here/mnt" && ! fn_is_mounted mnt'

test_expect_setup 'the PROGRAM#SRC form with type fuse3' '
	for i in $(seq 100); do fn_daemon_pid "$here/mnt" >/dev/null || break; sleep 0.1; done &&
	mount -t fuse3 -o nostats "$fp#$here/src" "$here/mnt" &&
	mounted "$here/mnt"'

test_expect_success 'it serves SRC without /.stats' '
	test "$(cat mnt/f)" = data && test ! -e mnt/.stats &&
	pid=$(fn_daemon_pid "$here/mnt") && fusermount3 -u mnt && gone $pid'

test_expect_setup 'an fstab line (mount -T FILE MNT)' '
	echo "$fp#$here/src $here/mnt fuse3 defaults,_netdev,nofail,stats_file=st 0 0" >fstab &&
	mount -T "$here/fstab" "$here/mnt" && mounted "$here/mnt"'

test_expect_success 'it serves SRC with stats_file=st' '
	test "$(cat mnt/f)" = data && grep -q "^opt_stats_file st$" mnt/st &&
	pid=$(fn_daemon_pid "$here/mnt") && umount "$here/mnt" && gone $pid &&
	! fn_is_mounted mnt'

test_expect_success 'a bad option through mount(8) fails and mounts nothing' '
	! mount -t fuse3 -o chunk_size=3K "$fp#$here/src" "$here/mnt" 2>err &&
	grep -q "chunk_size=3K: out of range" err && ! fn_is_mounted mnt'

test_done
