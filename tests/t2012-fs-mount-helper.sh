#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='mount.fnpassfs: mount -t fnpassfs and fuse.fnpassfs, fstab lines, no PATH, options and refusals through mount(8)'

# mount(8) runs /sbin/mount.TYPE.  The whole script runs again in a
# private mount namespace, where an overlay on /sbin (Debian: /usr/sbin)
# adds tests/mount.fnpassfs, the helper built to run the build tree's
# fnpassfs: what the script writes there goes to a tmpfs of its own, the
# real directory is only ever read.  Every mount it makes is in that
# namespace, and its EXIT trap unmounts them, so each daemon ends.
if [ "${FN_T2012_NAMESPACE:-}" != 1 ] && [ "$(id -u)" = 0 ] &&
   unshare -m --propagation private true 2>/dev/null; then
	FN_T2012_NAMESPACE=1 exec unshare -m --propagation private \
		sh "$0" "$@"
fi
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_fuse
fn_require_cmd unshare mount umount
[ "${FN_T2012_NAMESPACE:-}" = 1 ] ||
	skip_all "unshare -m fails here: no private mount namespace"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
	skip_all "no overlayfs to add mount.fnpassfs to /sbin"

helper=$FN_BUILDDIR/tests/mount.fnpassfs
sbin=$(readlink -f /sbin)

# mounted MNT: the EXIT trap undoes the mount that mount(8) made
mounted()
{
	fn_register_mount "$(fn_daemon_pid "$1")" "$1"
}

# unmounted MNT: umount(8) MNT and its daemon ends (10 s at most)
unmounted()
{
	local pid i
	pid=$(fn_daemon_pid "$1") && umount "$1" || return 1
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || { ! fn_is_mounted "$1"; return; }
		sleep 0.1
	done
	return 1
}

# make's value of VARIABLE in the build tree (the line marked: make run
# from make check may say more)
make_value()
{
	printf "fn-value:\n\t@echo \"fn-value: \$(%s)\"\n" "$1" |
		make -s --no-print-directory -C "$FN_BUILDDIR" \
			-f Makefile -f - fn-value 2>/dev/null |
		sed -n "s/^fn-value: //p"
}

test_expect_setup 'in this namespace, /sbin has the mount.fnpassfs of the build tree' '
	here=$(pwd -P) &&
	mkdir over src mnt mnt2 mnt3 && printf data >src/f &&
	mount -t tmpfs -o size=16m fnaccel-test over &&
	fn_at_exit "umount \"$here/over\"" &&
	mkdir over/upper over/work &&
	cp "$helper" over/upper/mount.fnpassfs &&
	ln -s mount.fnpassfs over/upper/mount.fuse.fnpassfs &&
	mount -t overlay -o "lowerdir=$sbin,upperdir=$here/over/upper,workdir=$here/over/work" \
		fnaccel-test "$sbin" &&
	fn_at_exit "umount \"$sbin\"" &&
	cmp "$helper" /sbin/mount.fnpassfs && test -x /sbin/mkfs'

test_expect_success 'the installed helper runs fnpassfs from $(bindir), -f runs nothing' '
	bindir=$(make_value bindir) && test -n "$bindir" &&
	"$FN_BUILDDIR/fs/mount.fnpassfs" /a /b -f -v -o ro,x-systemd.automount \
		2>err &&
	echo "mount.fnpassfs: $bindir/fnpassfs /a /b -o ro" >expect &&
	test_cmp expect err'

test_expect_success 'mount -t fnpassfs SRC MNT' '
	mount -t fnpassfs "$here/src" "$here/mnt" && mounted "$here/mnt" &&
	grep -q "^$here/src $here/mnt fuse.fnpassfs rw," /proc/self/mounts &&
	test "$(cat mnt/f)" = data &&
	test "$(fn_fs_stat opt_cache mnt)" = auto &&
	unmounted "$here/mnt"'

test_expect_success 'mount -t fuse.fnpassfs with -o, fstab and systemd words dropped' '
	mount -t fuse.fnpassfs -o cache=always,_netdev,nofail,x-systemd.automount \
		"$here/src" "$here/mnt" && mounted "$here/mnt" &&
	grep -q "^$here/src $here/mnt fuse.fnpassfs " /proc/self/mounts &&
	test "$(cat mnt/f)" = data &&
	test "$(fn_fs_stat opt_cache mnt)" = always &&
	unmounted "$here/mnt"'

test_expect_success 'fstab lines of both types: mount -a -T FSTAB' '
	{
	echo "# fnpassfs"
	echo "$here/src $here/mnt fnpassfs defaults,nofail,_netdev,comment=x,x-systemd.requires=a.mount,stats_file=st 0 0"
	echo "$here/src $here/mnt2 fuse.fnpassfs cache=never 0 0"
	echo "$here/src $here/mnt3 fnpassfs noauto 0 0"
	} >fstab &&
	mount -a -T "$here/fstab" && mounted "$here/mnt" && mounted "$here/mnt2" &&
	test "$(cat mnt/f)" = data && test "$(cat mnt2/f)" = data &&
	test "$(fn_fs_stat opt_stats_file mnt st)" = st &&
	test "$(fn_fs_stat opt_cache mnt2)" = never &&
	! fn_is_mounted mnt3 &&
	unmounted "$here/mnt" && unmounted "$here/mnt2"'

test_expect_success 'mount with no PATH at all (env -i), -o ro' '
	env -i /bin/mount -t fnpassfs -o ro "$here/src" "$here/mnt" &&
	mounted "$here/mnt" &&
	grep -q "^$here/src $here/mnt fuse.fnpassfs ro," /proc/self/mounts &&
	test "$(cat mnt/f)" = data && test_must_fail touch mnt/new &&
	test ! -e src/new && unmounted "$here/mnt"'

test_expect_success 'mount -f (fake) mounts nothing and says what it would run' '
	mount -f -v -t fnpassfs "$here/src" "$here/mnt" && ! fn_is_mounted mnt'

test_expect_success 'a bad option: fnpassfs says why in one line, mount fails with its status' '
	st=0 &&
	mount -t fnpassfs -o chunk_size=3K "$here/src" "$here/mnt" 2>err ||
		st=$? &&
	test "$st" = 1 &&
	echo "fnpassfs: chunk_size=3K: out of range (64K..1G)" >expect &&
	test_cmp expect err && ! fn_is_mounted mnt'

test_expect_success 'an unknown option: libfuse says so, nothing is mounted' '
	test_must_fail mount -t fuse.fnpassfs -o bogus \
		"$here/src" "$here/mnt" 2>err &&
	grep -q "unknown option.*bogus" err && ! fn_is_mounted mnt'

test_expect_success 'a busy mount point is refused through mount(8) too' '
	fn_mount_tmpfs "$here/mnt2" 1m &&
	st=0 &&
	mount -t fnpassfs "$here/src" "$here/mnt2" 2>err || st=$? &&
	test "$st" = 1 &&
	echo "fnpassfs: $here/mnt2: a file system is mounted there already (-o overmount mounts over it)" >expect &&
	test_cmp expect err &&
	! fn_is_fnpassfs mnt2 && test ! -e mnt2/f &&
	umount "$here/mnt2"'

test_expect_success 'the helper: a usage error exits 2 with one line and the usage' '
	test_must_fail "$helper" "$here/src" 2>err &&
	head -n 1 err >first &&
	echo "mount.fnpassfs: SOURCE and MOUNTPOINT are needed" >expect &&
	test_cmp expect first &&
	st=0 && "$helper" a b -t ext4 2>err || st=$? &&
	test "$st" = 2 && grep -qx "mount.fnpassfs: not fnpassfs: -t ext4" err'

test_done
