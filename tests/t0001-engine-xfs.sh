#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='engine: on an XFS reflink image the kernel path clones'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_cmd mkfs.xfs filefrag

fncp=$FN_BUILDDIR/tests/helpers/fncp

# in this shell, so the unmount registered by the helper stays
test_expect_setup 'mount an XFS image with reflink=1' '
	fn_mount_xfs xfs 1G && fn_is_mounted xfs'

test_expect_success '64 MiB copied by the kernel path' '
	head -c 64M /dev/urandom >xfs/a &&
	"$fncp" --stats xfs/a xfs/b >out &&
	fn_expect_stat copied 67108864 out &&
	fn_expect_stat copy_kernel_bytes 67108864 out &&
	fn_expect_stat copy_kernel_ops 1 out &&
	fn_expect_stat copy_fallback_ops 0 out &&
	fn_expect_stat copy_bytes 67108864 out'

test_expect_success 'bytes identical' 'cmp xfs/a xfs/b'

test_expect_success 'the copy shares its extents (filefrag: shared)' '
	fn_all_shared xfs/b'

test_expect_success 'the source shares them too' 'fn_all_shared xfs/a'

test_expect_success 'a 3 GiB sparse file: one call, kernel path' '
	truncate -s 3G xfs/big &&
	printf start | dd of=xfs/big conv=notrunc 2>/dev/null &&
	printf end | dd of=xfs/big bs=1 seek=3221225469 conv=notrunc \
		2>/dev/null &&
	"$fncp" --stats xfs/big xfs/big2 >out3 &&
	fn_expect_stat copied 3221225472 out3 &&
	fn_expect_stat copy_kernel_bytes 3221225472 out3 &&
	fn_expect_stat copy_kernel_ops 1 out3 &&
	fn_expect_stat copy_ops 2 out3 &&
	fn_expect_stat copy_fallback_ops 0 out3 &&
	test "$(stat -c %s xfs/big2)" = 3221225472 &&
	test "$(head -c 5 xfs/big2)" = start &&
	test "$(tail -c 3 xfs/big2)" = end'

test_done
