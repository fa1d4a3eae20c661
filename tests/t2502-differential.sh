#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t2502: the differential test.  tests/fpdiff.py is one script of file
# operations (open flags, read, write, truncate, chmod, chown, nanosecond
# utimensat, mkdir, rmdir, unlink, rename with its flags, link, symlink,
# mknod, statfs, xattrs, fallocate modes, SEEK_DATA/SEEK_HOLE, O_TMPFILE,
# copy_file_range, locks, permission checks and their errno names), each
# printing one normalized line.  It runs on a backing directory directly
# and then through an fnpassfs mount of an identical fresh tree, as root
# and as an unprivileged user made here; each pair of outputs must be
# identical.

test_description='fnpassfs: the same file operations give the same results natively and through the mount'
. "$(dirname "$0")/test-lib.sh"

fn_require_root
fn_require_fuse
fn_require_cmd useradd userdel setpriv

# the system's python3: an unprivileged user must be able to run it
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || skip_all "python3 not installed"
ops=$FN_SRCDIR/tests/fpdiff.py
user=fntest$$

# run_ops DIR OUT [USER]: the operations in DIR, as root or as USER
run_ops()
{
	if [ -n "${3:-}" ]; then
		setpriv --reuid="$3" --regid="$3" --init-groups \
			"$py" "$ops" run "$1" >"$2"
	else
		"$py" "$ops" run "$1" >"$2"
	fi
}

# setup DIR [USER]: the fixture in a fresh DIR, DIR owned by USER or root
setup()
{
	mkdir "$1" &&
	if [ -n "${2:-}" ]; then
		"$py" "$ops" setup "$1" "$(id -u "$2")" "$(id -g "$2")"
	else
		"$py" "$ops" setup "$1" 0 0
	fi
}

# compare NATIVE MOUNTED: same output, and say how many operations
compare()
{
	diff -u "$1" "$2" &&
	grep '^# operations [0-9][0-9]*$' "$1"
}

test_expect_success 'root: the script is deterministic on the native directory' '
	setup nat1 && run_ops "$PWD/nat1" nat1.out &&
	setup nat2 && run_ops "$PWD/nat2" nat2.out &&
	compare nat1.out nat2.out
'
grep '^# operations' nat1.out 2>/dev/null | sed -e 's/^# /# root: /'

test_expect_setup 'mount fnpassfs -o allow_other' '
	setup back && mkdir mnt &&
	fn_mount "$PWD/back" "$PWD/mnt" allow_other
'

test_expect_success 'root: same results through the mount' '
	run_ops "$PWD/mnt" mnt.out && compare nat1.out mnt.out
'

test_expect_setup "create the unprivileged user $user" '
	fn_at_exit "userdel $user; groupdel $user" &&
	useradd -M -U -s /bin/sh "$user" &&
	setup unat1 "$user" && setup unat2 "$user" &&
	setup uback "$user" && mkdir umnt
'

test_expect_success 'user: the script is deterministic on the native directory' '
	run_ops "$PWD/unat1" unat1.out "$user" &&
	run_ops "$PWD/unat2" unat2.out "$user" &&
	compare unat1.out unat2.out
'
grep '^# operations' unat1.out 2>/dev/null | sed -e 's/^# /# user: /'

test_expect_setup 'mount fnpassfs -o allow_other for the user tree' '
	fn_mount "$PWD/uback" "$PWD/umnt" allow_other
'

test_expect_success 'user: same results through the mount (EACCES, EPERM too)' '
	run_ops "$PWD/umnt" umnt.out "$user" && compare unat1.out umnt.out
'

test_done
