#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='fnpassfs: large reads and writes move by splice; nosplice'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_fuse

st()
{
	fn_fs_stat "$1" mnt
}

# libfuse receives a write by splice only into a pipe of 2 MiB (a 1 MiB
# request and its header): root needs CAP_SYS_RESOURCE or
# fs.pipe-max-size >= 2 MiB, else every write comes by read(2)
write_splice=0
cap=$(awk '$1 == "CapEff:" { print $2 }' /proc/self/status)
if [ $(( (0x$cap >> 24) & 1 )) = 1 ] ||
   [ "$(cat /proc/sys/fs/pipe-max-size)" -ge 2097152 ]; then
	write_splice=1
fi

test_expect_setup 'a 16 MiB file, mounted' '
	mkdir src mnt && head -c 16777216 /dev/urandom >src/big &&
	fn_mount src mnt passthrough=never && echo reset >mnt/.stats'

# (requests are max_read long: only a tail under splice_threshold, 64K,
# may go through a buffer)
test_expect_success 'cat reads it whole, by splice but a short tail' '
	cat mnt/big >copy && cmp src/big copy &&
	test "$(st fs_read_bytes)" = 16777216 &&
	test "$(st fs_read_splice_bytes)" -gt $((16777216 - 65536)) &&
	test "$(st fs_read_splice_bytes)" -le 16777216'

test_expect_success 'small reads use plain buffers' '
	echo reset >mnt/.stats && printf 0123456789 >src/small &&
	dd if=mnt/small bs=4k iflag=direct 2>/dev/null >copy &&
	test "$(cat copy)" = 0123456789 &&
	test "$(st fs_read_bytes)" = 10 && test "$(st fs_read_splice_bytes)" = 0'

test_expect_success "1 MiB writes (by splice: $write_splice)" '
	echo reset >mnt/.stats &&
	dd if=src/big of=mnt/w bs=1M 2>/dev/null && cmp src/big src/w &&
	test "$(st fs_write_bytes)" = 16777216 &&
	test "$(st fs_write_splice_bytes)" = $((write_splice * 16777216))'

test_expect_success 'unmount' 'fn_umount mnt'

test_expect_setup 'mounted with -o nosplice' '
	fn_mount src mnt nosplice,passthrough=never && echo reset >mnt/.stats'

test_expect_success 'nosplice: the same bytes, none by splice' '
	cat mnt/big >copy && cmp src/big copy &&
	dd if=src/big of=mnt/w2 bs=1M 2>/dev/null && cmp src/big src/w2 &&
	test "$(st fs_read_bytes)" = 16777216 &&
	test "$(st fs_read_splice_bytes)" = 0 &&
	test "$(st fs_write_bytes)" = 16777216 &&
	test "$(st fs_write_splice_bytes)" = 0 && test "$(st opt_splice)" = 0'

test_expect_success 'unmount' 'fn_umount mnt'

test_expect_setup 'mounted with splice_threshold=1M' '
	fn_mount src mnt splice_threshold=1M,max_read=256K,passthrough=never && echo reset >mnt/.stats'

test_expect_success 'reads under the threshold use buffers' '
	cat mnt/big >copy && cmp src/big copy &&
	test "$(st fs_read_bytes)" = 16777216 &&
	test "$(st fs_read_splice_bytes)" = 0 &&
	test "$(st opt_splice_threshold)" = 1048576 &&
	test "$(st opt_max_read)" = 262144'

test_expect_success 'unmount' 'fn_umount mnt'

test_done
