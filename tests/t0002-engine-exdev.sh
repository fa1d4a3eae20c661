#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='engine: EXDEV between tmpfs and ext4 falls back, both ways'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root

fncp=$FN_BUILDDIR/tests/helpers/fncp

test_expect_success 'the trash directory is not a tmpfs' '
	test "$(stat -f -c %T .)" != tmpfs'

# in this shell, so the unmount registered by the helper stays
test_expect_setup 'mount a tmpfs in the trash directory' '
	fn_mount_tmpfs tmp 64m && fn_is_mounted tmp &&
	test "$(stat -f -c %T tmp)" = tmpfs'

test_expect_success 'tmpfs -> ext4: fallback, copy_fallback_exdev 1' '
	head -c 5000001 /dev/urandom >tmp/a &&
	"$fncp" --stats tmp/a b >out &&
	fn_expect_stat copied 5000001 out &&
	fn_expect_stat copy_fallback_exdev 1 out &&
	fn_expect_stat copy_fallback_ops 1 out &&
	fn_expect_stat copy_fallback_bytes 5000001 out &&
	fn_expect_stat copy_kernel_bytes 0 out &&
	fn_expect_stat copy_errors 0 out &&
	cmp tmp/a b'

test_expect_success 'ext4 -> tmpfs: fallback, copy_fallback_exdev 1' '
	"$fncp" --stats b tmp/c >out2 &&
	fn_expect_stat copied 5000001 out2 &&
	fn_expect_stat copy_fallback_exdev 1 out2 &&
	fn_expect_stat copy_fallback_bytes 5000001 out2 &&
	fn_expect_stat copy_kernel_bytes 0 out2 &&
	cmp b tmp/c'

test_expect_success 'within the tmpfs: the kernel path' '
	"$fncp" --stats tmp/a tmp/d >out3 &&
	fn_expect_stat copy_kernel_bytes 5000001 out3 &&
	fn_expect_stat copy_fallback_ops 0 out3 &&
	cmp tmp/a tmp/d'

test_done
