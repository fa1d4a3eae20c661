#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t2503: credentials through fnpassfs.  Root mounts with -o allow_other a
# root-owned tree (files 0600, 0640, 0644, 0660, 0666; directories 0700,
# 0755, 0770, 1777 sticky, 2775 setgid); two unprivileged users A and B,
# made here with a shared group, read, write, create, chown, chmod and
# delete in it (tests/helpers/fpdiff.py sec-run: A, then B against A's files,
# then A again; root dumps the tree).  Each user must be able to do
# exactly what they can on the backing directory: the same operations run
# on a native copy of the tree are the expectation, so nothing is
# guessed.  Mounted with default_permissions (what allow_other turns on)
# and without it (only the daemon's per-request credentials protect), and
# with the writeback cache, which needs default_permissions.

test_description='fnpassfs: each user through the mount can do exactly what they can natively'
. "$(dirname "$0")/lib/test-lib.sh"

fn_require_root
fn_require_fuse
fn_require_cmd useradd userdel groupadd groupdel setpriv
# what the users run and reach is in a directory they can enter
fn_users_trash || exit 1

# the system's python3: unprivileged users must be able to run it
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || skip_all "python3 not installed"
ops=$(fn_users_copy "$FN_SRCDIR/tests/helpers/fpdiff.py") || exit 1
grp=fntg$$
ua=fnta$$
ub=fntb$$

# phase DIR PHASE OUT: one phase of the operations, as its user
phase()
{
	case $2 in
	a*)	setpriv --reuid="$ua" --regid="$ua" --init-groups \
			"$py" "$ops" sec-run "$1" "$2" "$uidb" "$gid" ;;
	b*)	setpriv --reuid="$ub" --regid="$ub" --init-groups \
			"$py" "$ops" sec-run "$1" "$2" "$uida" "$gid" ;;
	dump)	"$py" "$ops" sec-run "$1" dump 0 "$gid" ;;
	esac >"$3"
}

# all_phases DIR PREFIX: A, B, A again, root's dump: PREFIX.PHASE.out
all_phases()
{
	phase "$1" a1 "$2.a1.out" &&
	phase "$1" b1 "$2.b1.out" &&
	phase "$1" a2 "$2.a2.out" &&
	phase "$1" dump "$2.dump.out"
}

test_expect_setup 'create users A and B with a shared group' '
	fn_at_exit "groupdel $ua; groupdel $ub; groupdel $grp" &&
	fn_at_exit "id $ua && fn_retry userdel $ua; id $ub && fn_retry userdel $ub" &&
	fn_retry groupadd "$grp" &&
	fn_retry useradd -M -U -G "$grp" -s /bin/sh "$ua" &&
	fn_retry useradd -M -U -G "$grp" -s /bin/sh "$ub" &&
	gid=$(getent group "$grp" | cut -d: -f3) &&
	uida=$(id -u "$ua") && uidb=$(id -u "$ub") &&
	id "$ua" && id "$ub"
'

test_expect_success 'native: the operations are deterministic' '
	mkdir nat1 nat2 &&
	"$py" "$ops" sec-setup "$PWD/nat1" "$gid" &&
	"$py" "$ops" sec-setup "$PWD/nat2" "$gid" &&
	all_phases "$PWD/nat1" nat1 && all_phases "$PWD/nat2" nat2 &&
	for p in a1 b1 a2 dump; do
		diff -u nat1.$p.out nat2.$p.out || return 1
	done
'
for p in a1 b1 a2; do
	[ -f nat1.$p.out ] && sed -n -e "s/^# operations /# $p: operations /p" \
		nat1.$p.out
done

# mounted NAME OPTS: the tree in a fresh backing directory mounted with
# -o OPTS; each phase through the mount must print what it did natively
mounted()
{
	local name=$1 opts=$2 p
	test_expect_setup "$name: mount -o $opts" "
		mkdir back.$name mnt.$name &&
		\"\$py\" \"\$ops\" sec-setup \"\$PWD/back.$name\" \"\$gid\" &&
		fn_mount \"\$PWD/back.$name\" \"\$PWD/mnt.$name\" $opts
	"
	for p in a1 b1 a2 dump; do
		test_expect_success "$name: phase $p as native" "
			phase \"\$PWD/mnt.$name\" $p $name.$p.out &&
			diff -u nat1.$p.out $name.$p.out
		"
	done
	test_expect_success "$name: the backing tree as native" "
		phase \"\$PWD/back.$name\" dump $name.backdump.out &&
		diff -u nat1.dump.out $name.backdump.out
	"
}

mounted perm allow_other
mounted noperm allow_other,no_default_permissions
mounted writeback allow_other,writeback

# the writeback cache's own time updates are applied as root, which only
# the kernel's check of each caller makes safe
test_expect_success 'writeback without default_permissions: refused' '
	mkdir back.wbnoperm mnt.wbnoperm &&
	{
		"$FN_BUILDDIR/fs/fnpassfs" back.wbnoperm mnt.wbnoperm \
			-o allow_other,no_default_permissions,writeback \
			2>wbnoperm.err
		echo $? >wbnoperm.status
	} &&
	{ ! fn_is_mounted mnt.wbnoperm ||
	  { fusermount3 -u mnt.wbnoperm; false; }; } &&
	test "$(cat wbnoperm.status)" = 1 &&
	grep "^fnpassfs: writeback: needs default_permissions" wbnoperm.err
'

test_done
