#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='fnpassfs: set-id bits after a write by a user who is not
the owner, natively and through the mount, with kernel passthrough'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_fuse
fn_require_cmd useradd userdel groupdel setpriv chgrp timeout
# what the users run and reach is in a directory they can enter
fn_users_trash || exit 1

py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || skip_all "python3 not installed"
ops=$(fn_users_copy "$FN_SRCDIR/tests/helpers/fpsetid.py") || exit 1
u=fnsid$$

# The kernel's rules (setattr_should_drop_suidgid(), Linux 6.18), for a
# writer who is neither the owner nor in the file's group and has no
# CAP_FSETID: setuid goes, setgid goes with or without group execute; a
# member of the file's group (the g columns) keeps a setgid bit without
# group execute.  mmap writes clear nothing (msync runs no write(2)).
modes='4777 2777 6777 2767 6767 2767g 6767g 0777'
cat >want <<'EOT'
write 777 777 777 767 767 2767 2767 777
pwrite 777 777 777 767 767 2767 2767 777
writev 777 777 777 767 767 2767 2767 777
append 777 777 777 767 767 2767 2767 777
otrunc 777 777 777 767 767 2767 2767 777
mmap 4777 2777 6777 2767 6767 2767 6767 777
truncate 777 777 777 767 767 2767 2767 777
ftruncate 777 777 777 767 767 2767 2767 777
fallocate 777 777 777 767 767 2767 2767 777
cfr 777 777 777 767 767 2767 2767 777
root 4777 2777 6777 2767 6767 2767 6767 777
EOT
# (root: a write by root, who has CAP_FSETID, clears nothing)

as_u()
{
	setpriv --reuid="$uid" --regid="$ugid" --init-groups "$@"
}

# table DIR: for each operation, the mode each file is left with after
# the user (root on the last line) did it once on a fresh file of each
# mode, owned by root, of group root (g: the user's group)
table()
{
	for op in write pwrite writev append otrunc mmap truncate ftruncate \
		fallocate cfr root; do
		line=$op
		for m in $modes; do
			f=$1/$op.$m && echo xx >$f && rm -f $1/$op.$m.err &&
			case $m in
			*g)	chgrp "$ugid" $f && chmod ${m%g} $f ;;
			*)	chmod $m $f ;;
			esac &&
			if [ $op = root ]; then
				"$py" "$ops" write $f
			else
				as_u "$py" "$ops" $op $f $1/cfr.src
			fi 2>$f.err && line="$line $(stat -c %a $f)" &&
			rm $f.err || return 1
		done
		echo "$line"
	done
}

# held DIR MODE: the user opens DIR/held (mode 777) for writing; while it
# is open, root gives it MODE; then the user writes through that open.
# Prints the mode left.
held()
{
	rm -f go ready $1/held && mkfifo go ready && chmod 666 go ready &&
	echo xx >$1/held && chmod 777 $1/held || return 1
	setpriv --reuid="$uid" --regid="$ugid" --init-groups sh -c '
		exec 3<>"$1" && echo >ready && read x <go && printf y >&3
		' sh $1/held &
	h_pid=$!
	if timeout 10 sh -c 'read x <ready' && chmod $2 $1/held &&
	   timeout 10 sh -c 'echo >go'; then
		wait $h_pid && stat -c %a $1/held
	else
		kill $h_pid
		return 1
	fi
}

# shared DIR MODE: root holds DIR/shared (mode 777) open for reading and
# gives it MODE; then the user opens it for writing and writes.  Prints
# the mode left.
shared()
{
	rm -f $1/shared && echo xx >$1/shared && chmod 777 $1/shared &&
	exec 5<$1/shared && chmod $2 $1/shared &&
	as_u "$py" "$ops" write $1/shared && exec 5<&- &&
	stat -c %a $1/shared
}

st()
{
	fn_fs_stat "$1" mnt
}

test_expect_setup 'create a user, not in group root' '
	fn_at_exit "id $u && fn_retry userdel $u; groupdel $u" &&
	fn_retry useradd -M -U -s /bin/sh "$u" &&
	uid=$(id -u "$u") && ugid=$(id -g "$u") && test "$uid" != 0 &&
	! id -G "$u" | grep -qw 0'

test_expect_setup 'directories the user may write' '
	chmod 755 . && mkdir src mnt mnt2 && chmod 777 src &&
	mkdir src/nat src/pt src/nv && chmod 777 src/nat src/pt src/nv &&
	for d in nat pt nv; do
		echo xx >src/$d/cfr.src && chmod 644 src/$d/cfr.src || exit 1
	done'

test_expect_success 'native: the bits left are the kernel rules above' '
	table src/nat >nat && diff -u want nat'

test_expect_setup 'mount with default options (and allow_other)' '
	fn_mount src mnt allow_other &&
	pt=$(st fs_passthrough_active)'

test_expect_success 'through the mount: the same bits as natively' '
	echo reset >mnt/.stats && table mnt/pt >pt && diff -u nat pt'

test_expect_success 'the backing files agree' '
	for f in src/pt/*.[0-9]*[0-9g]; do
		b=$(basename $f) &&
		test "$(stat -c %a $f)" = "$(stat -c %a src/nat/$b)" || exit 1
	done'

# Opens of set-id files: 7 modes x 10 operations (truncate by name opens
# nothing, root writes once), less the 5 whose O_TRUNC cleared the bits
# first: 65, all served by the daemon.  It sees their 42 writes (35 write
# calls and 7 msyncs), none of the 88 `echo xx >file` that made the files.
test_expect_success "set-id files are not passed through (active: $pt), counted" '
	if [ "$pt" = 1 ]; then
		test "$(st fs_passthrough_fallbacks_setid)" = 65 &&
		test "$(st fs_passthrough_fallbacks_cached)" = 0 &&
		test "$(st fs_write_ops)" = 42
	else
		test "$(st fs_passthrough_fallbacks_setid)" = 0
	fi'

test_expect_success 'ordinary files still are' '
	echo reset >mnt/.stats &&
	echo xx >mnt/pt/plain && chmod 777 mnt/pt/plain &&
	as_u "$py" "$ops" write mnt/pt/plain &&
	test "$(stat -c %a mnt/pt/plain)" = 777 &&
	if [ "$pt" = 1 ]; then
		test "$(st fs_passthrough_opens)" = 2 &&
		test "$(st fs_write_ops)" = 0
	else
		test "$(st fs_passthrough_opens)" = 0
	fi &&
	test "$(st fs_passthrough_fallbacks_setid)" = 0'

# Bits set while the file is open through passthrough: the kernel writes
# it and asks fnpassfs to clear the bits (an empty setattr as the writer),
# which clears them by the backing file system's rules, as natively.
test_expect_success 'native: bits set while open for writing' '
	test "$(held src/nat 4777)" = 777 && test "$(held src/nat 2777)" = 777 &&
	test "$(held src/nat 2767)" = 767'

test_expect_success 'mount: bits set while open, passed through, for writing' '
	echo reset >mnt/.stats &&
	test "$(held mnt/pt 4777)" = 777 && test "$(held mnt/pt 2777)" = 777 &&
	test "$(held mnt/pt 2767)" = 767 &&
	if [ "$pt" = 1 ]; then test "$(st fs_passthrough_opens)" = 6; fi &&
	test "$(st fs_passthrough_fallbacks_setid)" = 0'

test_expect_success 'native: a write open while a reader holds it' '
	test "$(shared src/nat 4777)" = 777 &&
	test "$(shared src/nat 2767)" = 767'

test_expect_success 'mount: a set-id file open through passthrough opens so' '
	echo reset >mnt/.stats &&
	test "$(shared mnt/pt 4777)" = 777 && test "$(shared mnt/pt 2767)" = 767 &&
	if [ "$pt" = 1 ]; then
		test "$(st fs_passthrough_opens)" = 6 &&
		test "$(st fs_passthrough_fallbacks_setid)" = 0
	fi'

test_expect_success 'unmount' 'fn_umount mnt'

test_expect_setup 'mount passthrough=never (and allow_other)' '
	fn_mount src mnt2 allow_other,passthrough=never'

test_expect_success 'passthrough=never: the same bits as natively' '
	table mnt2/nv >nv && diff -u nat nv &&
	test "$(held mnt2/nv 2767)" = 767 &&
	test "$(shared mnt2/nv 2767)" = 767'

test_expect_success 'unmount' 'fn_umount mnt2'

test_done
