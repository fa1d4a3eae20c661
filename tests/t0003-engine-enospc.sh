#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='engine: a copy into a full tmpfs stops with ENOSPC'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root

# Call by call (partial count, then -ENOSPC) is t-copy-enospc; this is
# what a program sees through fncp, which copies until EOF or an error.
fncp=$FN_BUILDDIR/tests/helpers/fncp

# in this shell, so the unmount registered by the helper stays
test_expect_setup 'mount a 1 MiB tmpfs' '
	fn_mount_tmpfs small 1m && fn_is_mounted small'

for mode in "" --no-kernel; do
	test_expect_success "3 MiB into it${mode:+ ($mode)}: ENOSPC, exit 1" '
		rm -f small/dst &&
		head -c 3M /dev/urandom >src &&
		test_must_fail=0 &&
		{ "$fncp" $mode src small/dst >out 2>err || test_must_fail=$?; } &&
		test "$test_must_fail" = 1 &&
		grep -q "No space left on device" err &&
		test ! -s out'

	test_expect_success "what was written is the source's first MiB" '
		test "$(stat -c %s small/dst)" = 1048576 &&
		head -c 1048576 src | cmp - small/dst'
done

test_done
