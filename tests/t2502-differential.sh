#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t2502: the differential test.  tests/helpers/fpdiff.py is one script of file
# operations (open flags, read, write, truncate, chmod, chown, nanosecond
# utimensat, mkdir, rmdir, unlink, rename with its flags, link, symlink,
# mknod, statfs, xattrs, POSIX ACLs, file capabilities, fallocate modes,
# SEEK_DATA/SEEK_HOLE, O_TMPFILE, O_DIRECT, copy_file_range, locks,
# operations on descriptors and on open unlinked files, permission checks
# and their errno names), each printing one normalized line, then a dump
# of the tree.  It runs on a fresh tree natively and through fnpassfs
# mounts of identical fresh trees (-o allow_other, with and without
# writeback, and a mount over its own source), as root and as an
# unprivileged user made here; the outputs must be identical.
#
test_description='fnpassfs: the same file operations give the same results natively and through the mount'
. "$(dirname "$0")/lib/test-lib.sh"

fn_require_root
fn_require_fuse
fn_require_cmd useradd userdel setpriv
# what the users run and reach is in a directory they can enter
fn_users_trash || exit 1

# the system's python3: an unprivileged user must be able to run it
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || skip_all "python3 not installed"
ops=$(fn_users_copy "$FN_SRCDIR/tests/helpers/fpdiff.py") || exit 1
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

# compare NATIVE MOUNTED: same output, and say how many operations;
# the O_TMPFILE lines are compared apart (compare_tmpfile), against what
# the build supports, so that they show as one failure of their own
tmpfile_lines='O_TMPFILE|^dump tmp[0-9]:'
compare()
{
	grep -Ev "$tmpfile_lines" "$1" >"$1.main" &&
	grep -Ev "$tmpfile_lines" "$2" >"$2.main" &&
	diff -u "$1.main" "$2.main" &&
	grep '^# operations [0-9][0-9]*$' "$1"
}

# A build without O_TMPFILE (fnpassfs --version says so, and fnpassfs(1)
# documents it): each O_TMPFILE open that reaches the file system fails
# with EOPNOTSUPP (fpdiff.py names errno 95 ENOTSUP), and nothing is
# linked; the opens the VFS refuses first (ENOTDIR, EINVAL, EACCES, EPERM,
# and ENOENT for a missing directory) fail as natively.  With O_TMPFILE
# (libfuse >= 3.17), every result is the native one, exactly.
if "$FN_BUILDDIR/fs/fnpassfs" --version | grep -q '^O_TMPFILE: no'; then
	tmpfile_expect='/^dump tmp[0-9]:/d
/: (ENOTDIR|EINVAL|EACCES|EPERM)$|missing directory: ENOENT$/!s/^([0-9]+ [^:]*): .*/\1: ENOTSUP/'
else
	tmpfile_expect=
fi

compare_tmpfile()
{
	grep -E "$tmpfile_lines" "$1" | sed -E -e "$tmpfile_expect" \
		>"$1.tmpfile" &&
	grep -E "$tmpfile_lines" "$2" >"$2.tmpfile" &&
	grep -q '^[0-9]* O_TMPFILE' "$1.tmpfile" &&
	diff -u "$1.tmpfile" "$2.tmpfile"
}

test_expect_success 'root: the script is deterministic natively' '
	setup nat1 && run_ops "$PWD/nat1" nat1.out &&
	setup nat2 && run_ops "$PWD/nat2" nat2.out &&
	compare nat1.out nat2.out
'
grep '^# operations' nat1.out 2>/dev/null | sed -e 's/^# /# root: /'

# mount_and_compare WHO OPTS NATIVE_OUT [USER]: a fresh fixture in a
# backing directory, mounted with -o OPTS, the operations through the
# mount, as root or USER; the output must be the native one
mount_and_compare()
{
	local who=$1 opts=$2 native=$3 u=${4:-} name
	name=$who.$(echo "$opts" | tr ',=' '__')
	test_expect_setup "$who: mount fnpassfs -o $opts" "
		setup back.$name $u && mkdir mnt.$name &&
		fn_mount \"\$PWD/back.$name\" \"\$PWD/mnt.$name\" $opts
	"
	test_expect_success "$who: same results through -o $opts" "
		run_ops \"\$PWD/mnt.$name\" mnt.$name.out $u &&
		compare $native mnt.$name.out
	"
	test_expect_success "$who: O_TMPFILE as built, through -o $opts" "
		compare_tmpfile $native mnt.$name.out
	"
}

mount_and_compare root allow_other nat1.out
mount_and_compare root allow_other,writeback nat1.out

test_expect_setup 'root: mount fnpassfs over its own source' '
	setup self && fn_mount "$PWD/self" "$PWD/self" allow_other
'
test_expect_success 'root: same results through the mount over itself' '
	run_ops "$PWD/self" self.out && compare nat1.out self.out
'
test_expect_success 'root: O_TMPFILE as built, through the mount over itself' '
	compare_tmpfile nat1.out self.out
'

test_expect_setup "create the unprivileged user $user" '
	fn_at_exit "id $user && fn_retry userdel $user; groupdel $user" &&
	fn_retry useradd -M -U -s /bin/sh "$user" &&
	setup unat1 "$user" && setup unat2 "$user"
'

test_expect_success 'user: the script is deterministic natively' '
	run_ops "$PWD/unat1" unat1.out "$user" &&
	run_ops "$PWD/unat2" unat2.out "$user" &&
	compare unat1.out unat2.out
'
grep '^# operations' unat1.out 2>/dev/null | sed -e 's/^# /# user: /'

mount_and_compare user allow_other unat1.out "$user"
mount_and_compare user allow_other,writeback unat1.out "$user"

test_done
