#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='engine: EXDEV between tmpfs and ext4 falls back, both ways'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root

fncp=$FN_BUILDDIR/tests/fncp

stat_is()
{
	grep -qx "$2 $3" "$1" || { echo "want $2 $3 in:"; cat "$1"; return 1; }
}

test_expect_success 'the trash directory is not a tmpfs' '
	test "$(stat -f -c %T .)" != tmpfs'

# in this shell, so the unmount registered by the helper stays
test_expect_setup 'mount a tmpfs in the trash directory' '
	fn_mount_tmpfs tmp 64m && fn_is_mounted tmp &&
	test "$(stat -f -c %T tmp)" = tmpfs'

test_expect_success 'tmpfs -> ext4: fallback, copy_fallback_exdev 1' '
	head -c 5000001 /dev/urandom >tmp/a &&
	"$fncp" --stats tmp/a b >out &&
	stat_is out copied 5000001 &&
	stat_is out copy_fallback_exdev 1 &&
	stat_is out copy_fallback_ops 1 &&
	stat_is out copy_fallback_bytes 5000001 &&
	stat_is out copy_kernel_bytes 0 &&
	stat_is out copy_errors 0 &&
	cmp tmp/a b'

test_expect_success 'ext4 -> tmpfs: fallback, copy_fallback_exdev 1' '
	"$fncp" --stats b tmp/c >out2 &&
	stat_is out2 copied 5000001 &&
	stat_is out2 copy_fallback_exdev 1 &&
	stat_is out2 copy_fallback_bytes 5000001 &&
	stat_is out2 copy_kernel_bytes 0 &&
	cmp b tmp/c'

test_expect_success 'within the tmpfs: the kernel path' '
	"$fncp" --stats tmp/a tmp/d >out3 &&
	stat_is out3 copy_kernel_bytes 5000001 &&
	stat_is out3 copy_fallback_ops 0 &&
	cmp tmp/a tmp/d'

test_done
