#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='fnpassfs: run by root with allow_other, acts as each caller'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_fuse
fn_require_cmd useradd userdel runuser
# what the users run and reach is in a directory they can enter
fn_users_trash || exit 1

user=fpcr$$
as_user()
{
	runuser -u "$user" -- sh -c "$1"
}

test_expect_setup 'a user, a backing tree, mounted with allow_other' '
	useradd -M -s /bin/sh "$user" && fn_at_exit "userdel $user" &&
	uid=$(id -u "$user") && gid=$(id -g "$user") &&
	mkdir src mnt && chmod 755 . src &&
	mkdir src/pub src/priv src/sgid && chmod 1777 src/pub &&
	chmod 700 src/priv && printf secret >src/priv/s &&
	chgrp "$gid" src/sgid && chmod 2777 src/sgid &&
	printf rootfile >src/rf && chmod 644 src/rf &&
	fn_mount src mnt allow_other'

test_expect_success 'it says so in /.stats' '
	test "$(fn_fs_stat opt_creds mnt)" = 1 &&
	test "$(fn_fs_stat opt_default_permissions mnt)" = 1'

test_expect_success 'new files and directories belong to the caller' '
	as_user "printf mine >mnt/pub/f && mkdir mnt/pub/d && ln -s f mnt/pub/l" &&
	test "$(stat -c %u:%g src/pub/f src/pub/d)" = "$uid:$gid
$uid:$gid" && test "$(stat -c %u src/pub/l)" = $uid'

test_expect_success 'a set-group-ID directory gives its group' '
	as_user "printf x >mnt/sgid/f && mkdir mnt/sgid/d" &&
	test "$(stat -c %g src/sgid/f)" = $gid &&
	test "$(stat -c %a src/sgid/d)" = 2755'

test_expect_success 'the caller cannot read, write, delete or chown what it may not' '
	! as_user "cat mnt/priv/s" 2>err && grep -q "Permission denied" err &&
	! as_user "printf x >>mnt/rf" 2>err && grep -q "Permission denied" err &&
	! as_user "rm -f mnt/rf" 2>err && grep -q "Permission denied" err &&
	! as_user "chown 0 mnt/pub/f" 2>err && grep -q "Operation not permitted" err &&
	! as_user "mknod mnt/pub/null c 1 3" 2>err &&
	! as_user "setfattr -n trusted.t -v 1 mnt/pub/f" 2>err &&
	grep -q "Operation not permitted" err &&
	! as_user "setfattr -n security.capability -v 0sAQAAAgAgAAAAAAAAAAAAAAAAAAA= mnt/pub/f" 2>err &&
	grep -q "Operation not permitted" err &&
	test -z "$(getfattr -m - -d src/pub/f 2>/dev/null)" &&
	test "$(cat src/rf)" = rootfile && test ! -e src/pub/null'

test_expect_success 'unmount' 'fn_umount mnt'

test_expect_setup 'allow_other,no_default_permissions' '
	fn_mount src mnt allow_other,no_default_permissions'

test_expect_success 'the backing file system alone still refuses' '
	test "$(fn_fs_stat opt_default_permissions mnt)" = 0 &&
	! as_user "cat mnt/priv/s" 2>err && grep -q "Permission denied" err &&
	! as_user "ls mnt/priv" 2>err && grep -q "Permission denied" err &&
	! as_user "printf x >>mnt/rf" 2>err && grep -q "Permission denied" err &&
	! as_user "rm -f mnt/rf" 2>err && grep -q "Permission denied" err &&
	! as_user "chmod 777 mnt/rf" 2>err && grep -q "Operation not permitted" err &&
	as_user "printf two >mnt/pub/g" && test "$(stat -c %u src/pub/g)" = $uid &&
	test "$(stat -c %a src/rf)" = 644'

test_expect_success 'only root resets /.stats; everybody reads it' '
	as_user "grep -q ^opt_creds mnt/.stats" &&
	! as_user "echo reset >mnt/.stats" 2>err && grep -q "Permission denied" err &&
	echo reset >mnt/.stats'

test_expect_success 'root is still root' '
	cat mnt/priv/s >/dev/null && printf more >>mnt/rf &&
	test "$(stat -c %u src/pub/g)" = $uid && chown 0 mnt/pub/g &&
	test "$(stat -c %u src/pub/g)" = 0'

test_expect_success 'unmount' 'fn_umount mnt'

test_done
