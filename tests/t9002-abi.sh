#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='ABI: libfncopy exports exactly fncopy.h; logging compiles out'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_cmd nm objdump

lib=$FN_BUILDDIR/lib/.libs/libfncopy.so
header=$FN_SRCDIR/lib/fncopy.h
preload=$FN_BUILDDIR/preload/.libs/libfnaccel.so
# PRELOAD: preload/ is built in this tree
if [ -f "$preload" ]; then
	test_set_prereq PRELOAD
fi

test_expect_success 'the library is built' 'test -f "$lib"'

test_expect_success 'nm -D: exactly the FN_API functions of fncopy.h' '
	grep "^FN_API" "$header" | sed "s/(.*//; s/.*[ *]//" |
		LC_ALL=C sort >want &&
	test "$(wc -l <want)" -ge 9 &&
	nm -D --defined-only "$lib" | awk "NF == 3 { print \$3 }" |
		sed "s/@.*//" | LC_ALL=C sort >got &&
	diff -u want got'

test_expect_success 'the exports are functions (T), no data' '
	nm -D --defined-only "$lib" | awk "NF == 3 && \$2 != \"T\"" >other &&
	test ! -s other'

test_expect_success 'the header check programs ran (C11 and C++11)' '
	test -x "$FN_BUILDDIR/tests/t-header-c" &&
	test -x "$FN_BUILDDIR/tests/t-header-cxx" &&
	"$FN_BUILDDIR/tests/t-header-c" >c.out &&
	"$FN_BUILDDIR/tests/t-header-cxx" >cxx.out &&
	! grep "^not ok" c.out cxx.out'

# FN_LOG_ENABLED decides: no call to fn_log_write without logging, calls
# with it (so this test fails either way the build is wrong).
test_expect_setup 'config.h says whether logging is compiled in' '
	log_enabled=$(sed -n "s/^#define FN_LOG_ENABLED \([01]\)$/\1/p" \
		"$FN_BUILDDIR/config.h") &&
	test -n "$log_enabled"'

test_expect_success 'fn_log_write is in the library (the check can see it)' '
	nm "$lib" | grep -q " [tT] fn_log_write$"'

test_expect_success "calls to fn_log_write: none iff FN_LOG_ENABLED is 0" '
	objdump -d "$lib" >dis &&
	calls=$(grep -cE "call.*<fn_log_write(@plt)?>" dis || :) &&
	echo "FN_LOG_ENABLED=$log_enabled calls=$calls" &&
	if [ "$log_enabled" = 1 ]; then
		test "$calls" -gt 0
	else
		test "$calls" = 0
	fi'

test_expect_success PRELOAD 'libfnaccel.so exports only names libc exports' '
	libc=$(ldd "$preload" | awk "/libc\\.so/ { print \$3 }") &&
	nm -D --defined-only "$libc" | awk "NF == 3 { print \$3 }" |
		sed "s/@.*//" | LC_ALL=C sort -u >libc.names &&
	nm -D --defined-only "$preload" | awk "NF == 3 { print \$3 }" |
		sed "s/@.*//" | LC_ALL=C sort -u >preload.names &&
	LC_ALL=C comm -23 preload.names libc.names >extra &&
	{ test ! -s extra || { cat extra; false; }; }'

test_done
