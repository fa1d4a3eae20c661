#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='preload: read/write copy loops become copy_file_range on XFS'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_preload
fn_require_root
fn_require_cmd mkfs.xfs mkfs.ext4 filefrag perl cmp dd

test_expect_setup 'setup: an XFS reflink image, ext4, tmpfs' '
	fn_mount_xfs xfs 1G && fn_mount_ext4 ext4 256M &&
	fn_mount_tmpfs tmp 128m
'

# 32 MiB = 256 blocks of 128 KiB; and a size that is no multiple of it
test_expect_success 'setup: sources' '
	fn_random xfs/a 32M && fn_random xfs/odd 33567890 &&
	cp xfs/a ext4/a && cp xfs/a tmp/a
'

test_expect_success 'dd bs=128k on XFS: every write substituted, extents shared' '
	rm -f st &&
	fn_preload st dd if=xfs/a of=xfs/dd bs=128k 2>dd.err &&
	cmp xfs/a xfs/dd &&
	fn_expect_stat preload_read_tracked_ops 256 st &&
	fn_expect_stat preload_write_substituted_ops 256 st &&
	fn_expect_stat preload_write_substituted_bytes 33554432 st &&
	fn_expect_stat preload_write_passthrough_ops 0 st &&
	fn_expect_stat preload_verify_failures 0 st &&
	fn_all_shared xfs/dd
'

test_expect_success 'dd bs=128k without the library: same bytes and output, no sharing' '
	dd if=xfs/a of=xfs/dd.ref bs=128k 2>ref.err &&
	cmp xfs/dd.ref xfs/dd &&
	sed -e "s/copied.*//" dd.err >dd.err.1 &&
	sed -e "s/copied.*//" ref.err >ref.err.1 &&
	cmp ref.err.1 dd.err.1 &&
	fn_none_shared xfs/dd.ref
'

test_expect_success 'dd bs=128k of an odd size: the short last block too' '
	rm -f st &&
	fn_preload st dd if=xfs/odd of=xfs/dd.odd bs=128k 2>/dev/null &&
	cmp xfs/odd xfs/dd.odd &&
	fn_expect_stat preload_write_substituted_ops 257 st &&
	fn_expect_stat preload_write_substituted_bytes 33567890 st &&
	fn_expect_stat preload_write_passthrough_ops 0 st
'

test_expect_success 'dd skip= seek= count= conv=notrunc: same bytes as without' '
	rm -f st &&
	fn_random xfs/base 8M && cp xfs/base xfs/n1 && cp xfs/base xfs/n2 &&
	dd if=xfs/a of=xfs/n1 bs=128k skip=3 seek=5 count=20 conv=notrunc 2>/dev/null &&
	fn_preload st dd if=xfs/a of=xfs/n2 bs=128k skip=3 seek=5 count=20 conv=notrunc 2>/dev/null &&
	cmp xfs/n1 xfs/n2 &&
	fn_expect_stat preload_write_substituted_ops 20 st
'

test_expect_success 'dd bs=1M and FNACCEL_VERIFY=hash: substituted, same bytes' '
	rm -f st &&
	FNACCEL_VERIFY=hash fn_preload st dd if=xfs/a of=xfs/dd1m bs=1M 2>/dev/null &&
	cmp xfs/a xfs/dd1m &&
	fn_expect_stat preload_write_substituted_ops 32 st &&
	fn_all_shared xfs/dd1m
'

test_expect_success 'perl File::Copy on XFS: every write substituted, extents shared' '
	rm -f st &&
	fn_preload st perl -MFile::Copy -e "copy(@ARGV) or die \"copy: \$!\"" xfs/a xfs/pl &&
	cmp xfs/a xfs/pl &&
	test $(fn_stat preload_write_substituted_ops st) -ge 1 &&
	fn_expect_stat preload_write_substituted_bytes 33554432 st &&
	fn_expect_stat preload_write_passthrough_ops 0 st &&
	fn_all_shared xfs/pl
'

test_expect_success 'python3 copyfileobj (read/write 64 KiB) on XFS: substituted' '
	rm -f st &&
	fn_preload st fn_python -c "
import shutil, sys
with open(sys.argv[1], \"rb\") as f, open(sys.argv[2], \"wb\") as g:
    shutil.copyfileobj(f, g)" xfs/a xfs/py &&
	cmp xfs/a xfs/py &&
	fn_expect_stat preload_write_substituted_bytes 33554432 st &&
	fn_all_shared xfs/py
'

test_expect_success 'a perl loop that changes the buffer: never substituted' '
	rm -f st &&
	cat >ucase.pl <<-\PL &&
	open(my $i, "<", $ARGV[0]) or die; open(my $o, ">", $ARGV[1]) or die;
	while ((my $n = sysread($i, my $b, 131072)) > 0) {
		$b =~ tr/a-z/A-Z/; syswrite($o, $b, $n) == $n or die;
	}
	PL
	perl ucase.pl xfs/a xfs/uc.ref &&
	fn_preload st perl ucase.pl xfs/a xfs/uc &&
	cmp xfs/uc.ref xfs/uc &&
	fn_expect_stat preload_write_substituted_ops 0 st &&
	fn_expect_stat preload_skip_buffer_changed 256 st &&
	fn_none_shared xfs/uc
'

test_expect_success 'dd conv=ucase: same bytes, nothing substituted' '
	rm -f st &&
	dd if=xfs/a of=xfs/cu.ref bs=128k conv=ucase 2>/dev/null &&
	fn_preload st dd if=xfs/a of=xfs/cu bs=128k conv=ucase 2>/dev/null &&
	cmp xfs/cu.ref xfs/cu &&
	fn_expect_stat preload_write_substituted_ops 0 st
'

test_expect_success 'dd oflag=append: O_APPEND destinations never' '
	rm -f st && fn_random xfs/ap 100000 && cp xfs/ap xfs/ap.ref &&
	dd if=xfs/a of=xfs/ap.ref bs=128k oflag=append conv=notrunc 2>/dev/null &&
	fn_preload st dd if=xfs/a of=xfs/ap bs=128k oflag=append conv=notrunc 2>/dev/null &&
	cmp xfs/ap.ref xfs/ap &&
	fn_expect_stat preload_write_substituted_ops 0 st &&
	fn_expect_stat preload_skip_dst_flags 256 st
'

test_expect_success 'dd oflag=direct and oflag=dsync: never substituted' '
	rm -f st &&
	fn_preload st dd if=xfs/a of=xfs/direct bs=128k oflag=direct 2>/dev/null &&
	fn_preload st dd if=xfs/a of=xfs/dsync bs=128k count=16 oflag=dsync 2>/dev/null &&
	cmp xfs/a xfs/direct && cmp -n 2097152 xfs/a xfs/dsync &&
	fn_expect_stat preload_write_substituted_ops 0 st &&
	fn_expect_stat preload_skip_dst_flags 272 st
'

test_expect_success 'dd iflag=direct: O_DIRECT sources never' '
	rm -f st &&
	fn_preload st dd if=xfs/a of=xfs/idirect bs=128k iflag=direct 2>/dev/null &&
	cmp xfs/a xfs/idirect &&
	fn_expect_stat preload_write_substituted_ops 0 st &&
	fn_expect_stat preload_skip_src_flags 256 st
'

test_expect_success 'dd to the same file (in place): never substituted' '
	rm -f st && cp xfs/a xfs/same && cp xfs/a xfs/same.ref &&
	dd if=xfs/same.ref of=xfs/same.ref bs=128k skip=1 seek=0 count=8 conv=notrunc 2>/dev/null &&
	fn_preload st dd if=xfs/same of=xfs/same bs=128k skip=1 seek=0 count=8 conv=notrunc 2>/dev/null &&
	cmp xfs/same.ref xfs/same &&
	fn_expect_stat preload_write_substituted_ops 0 st &&
	fn_expect_stat preload_skip_same_file 8 st
'

test_expect_success 'dd from a pipe: never substituted, same bytes' '
	rm -f st &&
	cat xfs/a | fn_preload st dd of=xfs/pipe bs=128k iflag=fullblock 2>/dev/null &&
	cmp xfs/a xfs/pipe &&
	fn_expect_stat preload_write_substituted_ops 0 st
'

test_expect_success 'ext4 by default: nothing substituted, same bytes' '
	rm -f st &&
	fn_preload st dd if=ext4/a of=ext4/dd bs=128k 2>/dev/null &&
	cmp ext4/a ext4/dd &&
	fn_expect_stat preload_write_substituted_ops 0 st &&
	fn_expect_stat preload_read_tracked_ops 0 st &&
	fn_expect_stat preload_skip_fs 256 st
'

test_expect_success 'tmpfs to XFS by default: nothing substituted' '
	rm -f st &&
	fn_preload st dd if=tmp/a of=xfs/fromtmp bs=128k 2>/dev/null &&
	cmp tmp/a xfs/fromtmp &&
	fn_expect_stat preload_write_substituted_ops 0 st &&
	fn_expect_stat preload_skip_fs 256 st
'

test_expect_success 'XFS to ext4: not substituted (the destination decides too)' '
	rm -f st &&
	fn_preload st dd if=xfs/a of=ext4/fromxfs bs=128k 2>/dev/null &&
	cmp xfs/a ext4/fromxfs &&
	fn_expect_stat preload_write_substituted_ops 0 st &&
	fn_expect_stat preload_skip_fs 256 st
'

test_expect_success 'FNACCEL_FS=all, XFS to tmpfs: EXDEV once, then remembered' '
	rm -f st &&
	FNACCEL_FS=all fn_preload st dd if=xfs/a of=tmp/fromxfs bs=128k 2>/dev/null &&
	cmp xfs/a tmp/fromxfs &&
	fn_expect_stat preload_write_substituted_ops 0 st &&
	fn_expect_stat preload_skip_copy_failed 1 st &&
	fn_expect_stat preload_skip_bad_pair 255 st
'

test_expect_success 'FNACCEL_FS=ext4: substituted on ext4, same bytes' '
	rm -f st &&
	FNACCEL_FS=ext4 fn_preload st dd if=ext4/a of=ext4/dd2 bs=128k 2>/dev/null &&
	cmp ext4/a ext4/dd2 &&
	fn_expect_stat preload_write_substituted_ops 256 st
'

test_done
