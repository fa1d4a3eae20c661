#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='preload: programs that change what was read are never fooled'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_preload
fn_require_root
fn_require_cmd mkfs.xfs cmp
FA_CHECK=$FN_BUILDDIR/tests/helpers/fa-check
[ -x "$FA_CHECK" ] || skip_all "tests/helpers/fa-check not built (make check)"

test_expect_setup 'setup: an XFS reflink image' 'fn_mount_xfs xfs 512M'

test_expect_success 'setup: sources' '
	fn_random xfs/a 4M && fn_random xfs/b 4M && fn_random xfs/odd 1234567
'

# run SCENARIO ARGS...: without, then with the library (stats in st)
run()
{
	"$FA_CHECK" "$@" && rm -f st && fn_preload st "$FA_CHECK" "$@"
}

test_expect_success 'plain loop: all substituted (the control case)' '
	run plain xfs/a xfs/p &&
	cmp xfs/a xfs/p &&
	fn_expect_stat preload_write_substituted_ops 32 st &&
	fn_expect_stat preload_verify_failures 0 st
'

# FORTIFIED: fa-check calls __read_chk (built with optimization)
nm -D --undefined-only "$FA_CHECK" 2>/dev/null | grep -q " __read_chk@" &&
	test_set_prereq FORTIFIED
test_expect_success FORTIFIED 'fortified build: __read_chk and __pread_chk are wrapped' '
	nm -D --undefined-only "$FA_CHECK" | grep " __pread_chk@" &&
	run pread xfs/odd xfs/fpr && cmp xfs/odd xfs/fpr &&
	fn_expect_stat preload_write_substituted_ops 10 st
'

# munmap, mprotect, mmap MAP_FIXED, mremap, another thread's munmap, a
# guard page: the library must not read the buffer, the write says EFAULT
test_expect_success 'buffer unreadable at the write: EFAULT, no crash' '
	"$FA_CHECK" efault xfs/a xfs/ef >ways.ref &&
	rm -f st && fn_preload st "$FA_CHECK" efault xfs/a xfs/ef >ways &&
	cmp ways.ref ways && test "$(cat ways)" -ge 5 &&
	fn_expect_stat preload_skip_mapping_changed $((2 * $(cat ways))) st &&
	fn_expect_stat preload_write_substituted_ops 0 st
'

test_expect_success 'source changed through a shared mmap: caught by the re-read, repaired' '
	cp xfs/a xfs/m1 && cp xfs/a xfs/m2 &&
	"$FA_CHECK" mmap xfs/m1 xfs/mm.ref &&
	rm -f st && fn_preload st "$FA_CHECK" mmap xfs/m2 xfs/mm &&
	cmp xfs/mm.ref xfs/mm &&
	fn_expect_stat preload_write_substituted_ops 0 st &&
	fn_expect_stat preload_verify_failures 1 st
'

test_expect_success 'one byte edited between read and write: never a wrong copy' '
	run edit xfs/a xfs/e &&
	fn_expect_stat preload_write_substituted_ops 0 st &&
	test $(( $(fn_stat preload_skip_buffer_changed st) +
		$(fn_stat preload_verify_failures st) )) = 32 &&
	rm -f st && FNACCEL_VERIFY=hash fn_preload st "$FA_CHECK" edit xfs/a xfs/e2 &&
	cmp xfs/e xfs/e2 &&
	fn_expect_stat preload_write_substituted_ops 0 st &&
	fn_expect_stat preload_skip_buffer_changed 32 st
'

test_expect_success 'source rewritten by pwrite after the read: not substituted there' '
	cp xfs/a xfs/pw1 && cp xfs/a xfs/pw2 &&
	"$FA_CHECK" pwrite xfs/pw1 xfs/pw.ref &&
	rm -f st && fn_preload st "$FA_CHECK" pwrite xfs/pw2 xfs/pw &&
	cmp xfs/pw.ref xfs/pw &&
	fn_expect_stat preload_skip_src_changed 16 st &&
	fn_expect_stat preload_write_substituted_ops 16 st
'

test_expect_success 'source truncated after the read: not substituted' '
	cp xfs/a xfs/t1 && cp xfs/a xfs/t2 &&
	"$FA_CHECK" truncate xfs/t1 xfs/tr.ref &&
	rm -f st && fn_preload st "$FA_CHECK" truncate xfs/t2 xfs/tr &&
	cmp xfs/tr.ref xfs/tr &&
	test $(stat -c %s xfs/tr) = 524288 &&
	fn_expect_stat preload_skip_src_changed 1 st &&
	fn_expect_stat preload_write_substituted_ops 3 st
'

test_expect_success 'fd closed and reused for another file: not substituted' '
	run reuse xfs/a xfs/r xfs/b &&
	fn_expect_stat preload_write_passthrough_ops 1 st &&
	fn_expect_stat preload_write_substituted_ops 31 st
'

test_expect_success 'fd replaced by dup2: not substituted' '
	run dup2 xfs/a xfs/d xfs/b &&
	fn_expect_stat preload_write_passthrough_ops 1 st &&
	fn_expect_stat preload_write_substituted_ops 31 st
'

test_expect_success 'the same buffer to two files (tee): both substituted' '
	rm -f st && fn_preload st "$FA_CHECK" tee xfs/odd xfs/t1 xfs/t2 &&
	cmp xfs/odd xfs/t1 && cmp xfs/odd xfs/t2 &&
	fn_expect_stat preload_write_substituted_ops 20 st &&
	fn_all_shared xfs/t1
'

test_expect_success 'pread/pwrite backwards: substituted at the right offsets' '
	rm -f st && fn_preload st "$FA_CHECK" pread xfs/odd xfs/pr &&
	cmp xfs/odd xfs/pr &&
	fn_expect_stat preload_write_substituted_ops 10 st
'

test_expect_success 'a signal handler that reads and writes during the copy' '
	rm -f st && fn_preload st "$FA_CHECK" signal xfs/a xfs/sg xfs/sg2 &&
	cmp xfs/a xfs/sg && cmp -n 131072 xfs/a xfs/sg2 &&
	test $(fn_stat preload_write_substituted_ops st) -ge 32
'

test_expect_success 'four threads copying at once' '
	rm -f st && fn_preload st "$FA_CHECK" threads xfs/a xfs/th &&
	for i in 0 1 2 3; do cmp xfs/a xfs/th.$i || exit 1; done &&
	fn_expect_stat preload_write_substituted_ops 128 st
'

test_expect_success 'FNACCEL_VERIFY=hash: same bytes where the hash suffices' '
	cp xfs/a xfs/h1 &&
	rm -f st && FNACCEL_VERIFY=hash fn_preload st "$FA_CHECK" pwrite xfs/h1 xfs/h &&
	cmp xfs/pw.ref xfs/h &&
	fn_expect_stat preload_skip_src_changed 16 st
'

test_done
