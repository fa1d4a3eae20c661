#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='fnpassfs: kernel FUSE passthrough of file data'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_fuse
fn_require_cmd python3 setpriv
# what the users run and reach is in a directory they can enter
fn_users_trash || exit 1

fp=$FN_BUILDDIR/fs/fnpassfs

st()
{
	fn_fs_stat "$1" mnt
}

# A build against libfuse < 3.16 cannot ask for passthrough: then the
# test asserts that always is refused and auto serves every byte itself.
# PT_BUILT: the build can ask for passthrough; PT_KERNEL: and the kernel
# takes it (the first mount with auto tells)
built=0
"$fp" --version | grep -qx 'kernel passthrough: yes' && built=1
if [ $built = 1 ]; then
	test_set_prereq PT_BUILT
fi

test_expect_setup "the build: kernel passthrough $built" '
	mkdir src mnt && head -c 4194304 /dev/urandom >src/big &&
	head -c 4194304 /dev/urandom >data &&
	"$fp" --version >version && grep -q "^libfuse 3\." version &&
	if [ -f "$FN_BUILDDIR/config.h" ]; then
		grep -c "^#define HAVE_FUSE_PASSTHROUGH 1" \
			"$FN_BUILDDIR/config.h" >have || :
		test "$(cat have)" = $built
	fi'

test_expect_success !PT_BUILT 'passthrough=always: refused before mounting, status 1' '
	st=0 && "$fp" -f src mnt -o passthrough=always 2>err || st=$? &&
	test $st = 1 && ! fn_is_mounted mnt &&
	grep -q "^fnpassfs: passthrough=always: built with libfuse 3\..*cannot request kernel passthrough" err'

test_expect_setup !PT_BUILT 'passthrough=auto mounts' 'fn_mount src mnt passthrough=auto'

test_expect_success !PT_BUILT 'auto: every byte through the daemon, counted' '
	test "$(st opt_passthrough)" = auto &&
	test "$(st fs_passthrough_active)" = 0 && echo reset >mnt/.stats &&
	cat mnt/big >copy && cmp src/big copy &&
	test "$(st fs_read_bytes)" = 4194304 &&
	test "$(st fs_passthrough_opens)" = 0 &&
	test "$(st fs_passthrough_fallbacks_unsupported)" = 1'

test_expect_success !PT_BUILT 'unmount' 'fn_umount mnt'

test_expect_setup PT_BUILT 'passthrough=auto: does the kernel take it?' '
	fn_mount src mnt && test "$(st opt_passthrough)" = auto &&
	kernel=$(st fs_passthrough_active) && fn_umount mnt'

if [ "${kernel:-0}" = 1 ]; then
	test_set_prereq PT_KERNEL
fi

test_expect_success PT_BUILT,!PT_KERNEL 'a kernel without passthrough: always fails the mount' '
	st=0 && "$fp" src mnt -o passthrough=always 2>err || st=$? &&
	test $st = 1 && ! fn_is_mounted mnt &&
	grep -q "^fnpassfs: passthrough=always: the kernel does not offer FUSE passthrough" err'

test_expect_setup PT_KERNEL 'passthrough=always' '
	fn_mount src mnt passthrough=always'

test_expect_success PT_KERNEL 'reads do not reach the daemon, the bytes are right' '
	test "$(st opt_passthrough)" = always &&
	test "$(st fs_passthrough_active)" = 1 && echo reset >mnt/.stats &&
	cat mnt/big >copy && cmp src/big copy &&
	test "$(st fs_read_ops)" = 0 && test "$(st fs_read_bytes)" = 0 &&
	test "$(st fs_passthrough_opens)" = 1 &&
	test "$(st fs_passthrough_files)" = 0'

test_expect_success PT_KERNEL 'nor do writes, appends and the new size' '
	echo reset >mnt/.stats &&
	dd if=data of=mnt/w bs=1M 2>/dev/null && cmp data src/w &&
	test "$(stat -c %s mnt/w)" = 4194304 &&
	printf abc >mnt/ap && printf def >>mnt/ap &&
	test "$(cat src/ap)" = abcdef && test "$(stat -c %s mnt/ap)" = 6 &&
	test "$(st fs_write_ops)" = 0 && test "$(st fs_write_bytes)" = 0 &&
	test "$(st fs_create_ops)" = 2 && test "$(st fs_passthrough_opens)" = 3'

# HANDLE_KILLPRIV_V2 makes the mount SB_NOSEC: the kernel asks for
# security.capability before the first write of a file, not before each
test_expect_success PT_KERNEL 'writes ask for no xattr each (256 writes: 1 getxattr)' '
	echo reset >mnt/.stats &&
	dd if=data of=mnt/nosec bs=16k 2>/dev/null && cmp data src/nosec &&
	test "$(st fs_write_ops)" = 0 && test "$(st fs_getxattr_ops)" = 1'

test_expect_success PT_KERNEL 'mmap of a passthrough file reads and writes the backing file' '
	echo reset >mnt/.stats && python3 -c "
import mmap, os
fd = os.open(\"mnt/w\", os.O_RDWR)
m = mmap.mmap(fd, 8192)
assert m[:4096] == open(\"data\", \"rb\").read(4096)
m[0:5] = b\"hello\"; m.flush(); m.close(); os.close(fd)
" && test "$(head -c 5 src/w)" = hello &&
	test "$(st fs_read_ops)" = 0 && test "$(st fs_write_ops)" = 0'

test_expect_success PT_KERNEL 'one backing file per inode while it is open' '
	exec 7<mnt/big 8<mnt/big && test "$(st fs_passthrough_files)" = 1 &&
	exec 9<mnt/w && test "$(st fs_passthrough_files)" = 2 &&
	exec 7<&- 8<&- 9<&- && test "$(st fs_passthrough_files)" = 0'

test_expect_success PT_KERNEL 'changes on the backing side are seen at once' '
	printf old >src/x && test "$(cat mnt/x)" = old &&
	printf new >src/x && test "$(cat mnt/x)" = new'

test_expect_success PT_KERNEL 'O_DIRECT opens stay with the daemon, unaligned lengths too' '
	echo reset >mnt/.stats && head -c 100000 data >src/d &&
	dd if=mnt/d of=mnt/d2 bs=64k iflag=direct oflag=direct 2>/dev/null &&
	cmp src/d src/d2 && test "$(st fs_read_bytes)" = 100000 &&
	test "$(st fs_write_bytes)" = 100000 &&
	test "$(st fs_passthrough_fallbacks_direct)" = 2 &&
	test "$(st fs_passthrough_opens)" = 0'

test_expect_success PT_KERNEL 'an open through the cache keeps the inode there' '
	echo reset >mnt/.stats && python3 -c "
import os, subprocess
fd = os.open(\"mnt/big\", os.O_RDONLY | os.O_DIRECT)
subprocess.check_call([\"cp\", \"mnt/big\", \"copy2\"])
os.close(fd)
" && cmp src/big copy2 && test "$(st fs_passthrough_fallbacks_direct)" = 1 &&
	test "$(st fs_passthrough_fallbacks_cached)" = 1 &&
	test "$(st fs_read_bytes)" = 4194304 &&
	test "$(st fs_passthrough_files)" = 0 &&
	cat mnt/big >copy3 && cmp src/big copy3 &&
	test "$(st fs_passthrough_opens)" = 1'

test_expect_success PT_KERNEL 'cp inside the mount is still one engine copy' '
	echo reset >mnt/.stats && cp mnt/big mnt/cp && cmp src/big src/cp &&
	test "$(st fs_copy_file_range_ops)" -ge 1 &&
	test "$(st copy_bytes)" = 4194304 && test "$(st fs_write_bytes)" = 0'

test_expect_success PT_KERNEL '/.stats is never passed through' '
	echo reset >mnt/.stats && cat mnt/.stats >/dev/null &&
	test "$(st fs_passthrough_opens)" = 0 && test "$(st fs_read_ops)" -ge 1'

test_expect_success PT_KERNEL 'unmount' 'fn_umount mnt'

# Set-id files are served by the daemon, which writes as the caller; a
# file made set-id while open through passthrough is written by the kernel
# with the daemon's credentials, which keep the bits, and the kernel asks
# the daemon to clear them (an empty setattr) for a writer without
# CAP_FSETID: both as the backing file system would natively
setid_modes="4777 2777 2767 6777 4757 0777"

# setid_run DIR: append to each file of DIR as nobody, in no group
setid_run()
{
	for m in $setid_modes; do
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			sh -c "echo y >>$1/f$m" || return 1
	done
}

test_expect_setup PT_KERNEL 'allow_other with passthrough=always' '
	mkdir -m 777 src/sid nat && chmod 755 . &&
	for m in $setid_modes; do
		echo x >src/sid/f$m && echo x >nat/f$m &&
		chmod $m src/sid/f$m nat/f$m || exit 1
	done &&
	fn_mount src mnt allow_other,passthrough=always'

test_expect_success PT_KERNEL 'non-owner writes clear setuid and setgid as natively' '
	echo reset >mnt/.stats &&
	setid_run nat && setid_run mnt/sid &&
	(cd nat && stat -c "%n %a" f*) >expect &&
	(cd src/sid && stat -c "%n %a" f*) >actual &&
	{ cmp expect actual || { diff expect actual; false; }; } &&
	grep -qx "f2767 767" actual && grep -qx "f4777 777" actual &&
	test "$(st fs_write_ops)" = 5 &&
	test "$(st fs_passthrough_fallbacks_setid)" = 5 &&
	test "$(st fs_passthrough_opens)" = 1'

test_expect_success PT_KERNEL 'made setuid while open for writing: cleared at the next write' '
	echo x >nat/o && echo x >src/sid/o && chmod 666 nat/o src/sid/o &&
	for f in nat/o mnt/sid/o; do
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			sh -c "exec 3>>$f; while ! test -u $f; do sleep 0.05; done; echo y >&3" &
		chmod 4777 $f && wait $! || exit 1
	done &&
	test "$(stat -c %a nat/o)" = 777 && test "$(stat -c %a src/sid/o)" = 777 &&
	test "$(cat src/sid/o)" = "$(printf "x\ny")"'

test_expect_success PT_KERNEL 'unmount' 'fn_umount mnt'

test_expect_success PT_KERNEL 'always without CAP_SYS_ADMIN: refused, status 1' '
	st=0 && setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin \
		"$fp" src mnt -o passthrough=always 2>err || st=$? &&
	test $st = 1 && ! fn_is_mounted mnt &&
	grep -q "^fnpassfs: passthrough=always: needs CAP_SYS_ADMIN" err'

test_expect_success PT_BUILT 'always with writeback: refused, status 1' '
	st=0 && "$fp" src mnt -o passthrough=always,writeback 2>err ||
	st=$? && test $st = 1 && ! fn_is_mounted mnt &&
	grep -q "^fnpassfs: passthrough=always: the kernel does not pass through with writeback" err'

test_expect_setup PT_BUILT 'auto with writeback' 'fn_mount src mnt writeback'

test_expect_success PT_BUILT 'auto with writeback: the daemon serves, counted' '
	test "$(st fs_passthrough_active)" = 0 && echo reset >mnt/.stats &&
	cat mnt/big >copy && cmp src/big copy &&
	test "$(st fs_read_bytes)" = 4194304 &&
	test "$(st fs_passthrough_fallbacks_writeback)" = $kernel'

test_expect_success PT_BUILT 'unmount' 'fn_umount mnt'

test_expect_success 'a bad value: usage error' '
	st=0 && "$fp" src mnt -o passthrough=maybe 2>err || st=$? &&
	test $st = 1 && ! fn_is_mounted mnt &&
	grep -q "^fnpassfs: passthrough=maybe: not auto, always or never" err'

test_expect_setup 'passthrough=never' '
	fn_mount src mnt passthrough=never && echo reset >mnt/.stats'

test_expect_success 'never: reads and writes reach the daemon, nothing counted' '
	test "$(st opt_passthrough)" = never &&
	test "$(st fs_passthrough_active)" = 0 &&
	cat mnt/big >copy && cmp src/big copy &&
	dd if=data of=mnt/nw bs=1M 2>/dev/null && cmp data src/nw &&
	test "$(st fs_read_ops)" -ge 4 && test "$(st fs_read_bytes)" = 4194304 &&
	test "$(st fs_write_bytes)" = 4194304 &&
	test "$(st fs_passthrough_opens)" = 0 &&
	test "$(sed -n "s/^fs_passthrough_fallbacks_[a-z]* //p" mnt/.stats |
		sort -u)" = 0'

test_expect_success 'unmount' 'fn_umount mnt'

test_done
