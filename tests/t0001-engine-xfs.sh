#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='engine: on an XFS reflink image the kernel path clones'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_cmd mkfs.xfs xfs_io filefrag

fncp=$FN_BUILDDIR/tests/fncp

# stat_is FILE KEY VALUE: the fncp --stats output has "KEY VALUE"
stat_is()
{
	grep -qx "$2 $3" "$1" || { echo "want $2 $3 in:"; cat "$1"; return 1; }
}

# in this shell, so the unmount registered by the helper stays
test_expect_setup 'mount an XFS image with reflink=1' '
	fn_mount_xfs xfs 1G && fn_is_mounted xfs'

test_expect_success '64 MiB copied by the kernel path' '
	head -c 64M /dev/urandom >xfs/a &&
	"$fncp" --stats xfs/a xfs/b >out &&
	stat_is out copied 67108864 &&
	stat_is out copy_kernel_bytes 67108864 &&
	stat_is out copy_kernel_ops 1 &&
	stat_is out copy_fallback_ops 0 &&
	stat_is out copy_bytes 67108864'

test_expect_success 'bytes identical' 'cmp xfs/a xfs/b'

test_expect_success 'the copy shares its extents (filefrag: shared)' '
	filefrag -v xfs/b >frag &&
	n=$(grep -cE "^ *[0-9]+:" frag) &&
	s=$(grep -E "^ *[0-9]+:" frag | grep -c shared) &&
	test "$n" -ge 1 && test "$n" = "$s"'

test_expect_success 'the copy shares its extents (fiemap flag 0x2000)' '
	xfs_io -c "fiemap -v" xfs/b >fiemap &&
	flags=$(awk "/^ *[0-9]+:/ { print \$NF }" fiemap) &&
	test -n "$flags" &&
	for f in $flags; do
		test $(( f & 0x2000 )) = 8192 || exit 1
	done'

test_expect_success 'the source shares them too' '
	xfs_io -c "fiemap -v" xfs/a >fiemap-a &&
	for f in $(awk "/^ *[0-9]+:/ { print \$NF }" fiemap-a); do
		test $(( f & 0x2000 )) = 8192 || exit 1
	done'

test_expect_success 'a 3 GiB sparse file: one call, kernel path' '
	truncate -s 3G xfs/big &&
	printf start | dd of=xfs/big conv=notrunc 2>/dev/null &&
	printf end | dd of=xfs/big bs=1 seek=3221225469 conv=notrunc \
		2>/dev/null &&
	"$fncp" --stats xfs/big xfs/big2 >out3 &&
	stat_is out3 copied 3221225472 &&
	stat_is out3 copy_kernel_bytes 3221225472 &&
	stat_is out3 copy_kernel_ops 1 &&
	stat_is out3 copy_ops 2 &&
	stat_is out3 copy_fallback_ops 0 &&
	test "$(stat -c %s xfs/big2)" = 3221225472 &&
	test "$(head -c 5 xfs/big2)" = start &&
	test "$(tail -c 3 xfs/big2)" = end'

test_done
