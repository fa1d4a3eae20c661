#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='engine: the library reads no environment; fn_env_apply() reads FNACCEL_CHUNK_SIZE and FNACCEL_LOG for the front ends'
. "$(dirname "$0")/lib/test-lib.sh"

fncp=$FN_BUILDDIR/tests/helpers/fncp

test_expect_success 'setup' 'head -c 300000 /dev/urandom >src'

test_expect_success 'no variable: 4M, nothing on stderr' '
	env -u FNACCEL_CHUNK_SIZE -u FNACCEL_LOG \
		"$fncp" --env --stats --no-kernel src dst >out 2>err &&
	fn_expect_stat copy_chunk_size 4194304 out && test ! -s err && cmp src dst'

test_expect_success 'a program that does not apply them: the variables change nothing' '
	FNACCEL_CHUNK_SIZE=1M FNACCEL_LOG=loud \
		"$fncp" --stats --no-kernel src dst >out 2>err &&
	fn_expect_stat copy_chunk_size 4194304 out && test ! -s err && cmp src dst'

test_expect_success 'nor in a program linking the installed library (t-header-c)' '
	FNACCEL_CHUNK_SIZE=1M FNACCEL_LOG=loud \
		"$FN_BUILDDIR/tests/t-header-c" >out 2>err &&
	grep -q "^ok .* fn_stats_get links" out && ! grep "^not ok" out &&
	test ! -s err'

test_expect_success 'FNACCEL_CHUNK_SIZE=1M is used' '
	FNACCEL_CHUNK_SIZE=1M "$fncp" --env --stats --no-kernel src dst >out 2>err &&
	fn_expect_stat copy_chunk_size 1048576 out && test ! -s err && cmp src dst'

test_expect_success 'FNACCEL_CHUNK_SIZE=64KiB is used' '
	FNACCEL_CHUNK_SIZE=64KiB "$fncp" --env --stats src dst >out 2>err &&
	fn_expect_stat copy_chunk_size 65536 out && test ! -s err'

test_expect_success 'FNACCEL_CHUNK_SIZE=3K: one line on stderr, 4M kept' '
	FNACCEL_CHUNK_SIZE=3K "$fncp" --env --stats --no-kernel src dst >out 2>err &&
	fn_expect_stat copy_chunk_size 4194304 out &&
	test "$(wc -l <err)" = 1 &&
	grep -qx "fncp: FNACCEL_CHUNK_SIZE=3K: out of range (64K..1G), using 4M" err &&
	cmp src dst'

test_expect_success 'FNACCEL_CHUNK_SIZE=2G: out of range too' '
	FNACCEL_CHUNK_SIZE=2G "$fncp" --env --stats src dst >out 2>err &&
	fn_expect_stat copy_chunk_size 4194304 out && test "$(wc -l <err)" = 1'

test_expect_success 'FNACCEL_CHUNK_SIZE=lots: not a size, 4M kept' '
	FNACCEL_CHUNK_SIZE=lots "$fncp" --env --stats src dst >out 2>err &&
	fn_expect_stat copy_chunk_size 4194304 out &&
	grep -qx "fncp: FNACCEL_CHUNK_SIZE=lots: not a size, using 4M" err'

test_expect_success 'FNACCEL_LOG=loud: one line on stderr, copy done' '
	FNACCEL_LOG=loud "$fncp" --env src dst >out 2>err &&
	test "$(wc -l <err)" = 1 && grep -q "^fncp: FNACCEL_LOG=loud: " err &&
	cmp src dst'

test_expect_success 'FNACCEL_LOG=debug: accepted silently when built without logging, debug lines with it' '
	FNACCEL_LOG=debug "$fncp" --env --no-kernel src dst >out 2>err &&
	if grep -q "define FN_LOG_ENABLED 1" "$FN_BUILDDIR/config.h"; then
		grep -q "^libfncopy: debug: " err
	else
		test ! -s err
	fi'

test_done
