#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='ABI: libfnaccel.so exports the interposed libc names only'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_preload
fn_require_cmd nm readelf

test_expect_success 'nm -D: exactly the libc names, nothing of the engine' '
	cat >expect <<-\EOF &&
	__pread64_chk
	__pread_chk
	__read_chk
	close
	close_range
	closefrom
	copy_file_range
	dup2
	dup3
	fread
	fread_unlocked
	fwrite
	fwrite_unlocked
	madvise
	mmap
	mmap64
	mprotect
	mremap
	munmap
	pkey_mprotect
	pread
	pread64
	pwrite
	pwrite64
	read
	sendfile
	sendfile64
	write
	EOF
	nm -D --defined-only "$FN_PRELOAD_LIB" | awk "{ print \$3 }" |
		LC_ALL=C sort >actual &&
	LC_ALL=C sort expect >expect.sorted &&
	diff -u expect.sorted actual
'

test_expect_success 'every export is a function of libc' '
	libc=$(ldd /bin/sh | awk "/libc\\.so/ { print \$3 }") &&
	nm -D --defined-only "$libc" | awk "{ print \$3 }" |
		sed -e "s/@.*//" | LC_ALL=C sort -u >libc.names &&
	LC_ALL=C comm -23 actual libc.names >extra &&
	test ! -s extra
'

test_expect_success 'no fn_ or fa_ symbol is dynamic' '
	! nm -D "$FN_PRELOAD_LIB" | grep -E " (fn|fa)_"
'

# A call of the library to one of its own exported names goes through
# the PLT to the wrapper: the engine's munmap then bumped the mapping
# generation (preload_skip_mapping_changed, t1003)
test_expect_success 'no PLT or GOT slot binds the library to its own wrappers' '
	nm -D --defined-only "$FN_PRELOAD_LIB" | awk "{ print \$3 }" |
		sed -e "s/@.*//" | LC_ALL=C sort -u >own &&
	readelf -rW "$FN_PRELOAD_LIB" |
		awk "/R_[A-Z0-9_]*(JUMP_SLOT|GLOB_DAT)/ { print \$5 }" |
		sed -e "s/@.*//" | LC_ALL=C sort -u >slots &&
	grep -qx syscall slots &&
	LC_ALL=C comm -12 own slots >self &&
	{ test ! -s self || { cat self; false; }; }
'

test_expect_success 'needs no libfncopy and no libxxhash at run time' '
	readelf -d "$FN_PRELOAD_LIB" | grep NEEDED >needed &&
	! grep -E "libfncopy|libxxhash" needed
'

test_expect_success 'the module has no soname version' '
	! readelf -d "$FN_PRELOAD_LIB" | grep SONAME | grep "\.so\.[0-9]"
'

test_done
