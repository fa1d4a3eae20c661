#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='preload: FNACCEL_* configuration and the statistics dump'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_preload
fn_require_root
fn_require_cmd mkfs.xfs mkfs.ext4 busybox cmp dd

test_expect_setup 'setup: XFS, ext4 and tmpfs' '
	fn_mount_xfs xfs 512M && fn_mount_ext4 ext4 64M &&
	fn_mount_tmpfs tmp 64m
'

test_expect_success 'setup: 4 MiB source (32 blocks of 128 KiB)' '
	fn_random xfs/a 4M && cp xfs/a tmp/a && cp xfs/a ext4/a
'

test_expect_success 'FNACCEL_DISABLE=1: only forwards, still dumps' '
	rm -f st &&
	FNACCEL_DISABLE=1 fn_preload st dd if=xfs/a of=xfs/off bs=128k 2>/dev/null &&
	FNACCEL_DISABLE=1 fn_preload st busybox cp xfs/a xfs/off2 &&
	cmp xfs/a xfs/off && cmp xfs/a xfs/off2 &&
	test $(grep -c "^pid " st) = 2 &&
	fn_expect_stat preload_write_substituted_ops 0 st &&
	fn_expect_stat preload_write_passthrough_ops 0 st &&
	fn_expect_stat preload_read_tracked_ops 0 st &&
	fn_expect_stat preload_sendfile_ops 0 st &&
	fn_expect_stat copy_ops 0 st
'

test_expect_success 'FNACCEL_DISABLE=0 is not off' '
	rm -f st &&
	FNACCEL_DISABLE=0 fn_preload st dd if=xfs/a of=xfs/on bs=128k 2>/dev/null &&
	fn_expect_stat preload_write_substituted_ops 32 st
'

test_expect_success 'FNACCEL_MIN_SIZE=256K: 128 KiB reads are not tracked' '
	rm -f st &&
	FNACCEL_MIN_SIZE=256K fn_preload st dd if=xfs/a of=xfs/m1 bs=128k 2>/dev/null &&
	cmp xfs/a xfs/m1 &&
	fn_expect_stat preload_write_substituted_ops 0 st &&
	fn_expect_stat preload_skip_small 32 st
'

test_expect_success 'FNACCEL_MIN_SIZE=128K: 128 KiB reads are' '
	rm -f st &&
	FNACCEL_MIN_SIZE=128K fn_preload st dd if=xfs/a of=xfs/m2 bs=128k 2>/dev/null &&
	cmp xfs/a xfs/m2 &&
	fn_expect_stat preload_write_substituted_ops 32 st
'

test_expect_success 'default 64 KiB: bs=32k is not substituted, bs=64k is' '
	rm -f st &&
	fn_preload st dd if=xfs/a of=xfs/m3 bs=32k 2>/dev/null &&
	fn_expect_stat preload_write_substituted_ops 0 st &&
	fn_expect_stat preload_skip_small 128 st &&
	rm -f st &&
	fn_preload st dd if=xfs/a of=xfs/m4 bs=64k 2>/dev/null &&
	fn_expect_stat preload_write_substituted_ops 64 st &&
	cmp xfs/a xfs/m3 && cmp xfs/a xfs/m4
'

# The default kept is the file system's own: 2 MiB on XFS (t1008)
test_expect_success 'FNACCEL_MIN_SIZE=junk: a message, the default kept' '
	rm -f st &&
	FNACCEL_MIN_SIZE=junk fn_preload st dd if=xfs/a of=xfs/m5 bs=128k 2>err &&
	grep "^libfnaccel: FNACCEL_MIN_SIZE=junk: not a size, using 64K$" err &&
	fn_expect_stat preload_write_substituted_ops 0 st &&
	fn_expect_stat preload_skip_slower 32 st
'

# The library reads no environment: the preload applies the engine's
# variables for it (fn_env_apply)
test_expect_success 'FNACCEL_CHUNK_SIZE=1M: the engine of the preload uses it' '
	rm -f st &&
	FNACCEL_CHUNK_SIZE=1M fn_preload st cat /dev/null 2>err &&
	test ! -s err &&
	fn_expect_stat copy_chunk_size 1048576 st
'

test_expect_success 'FNACCEL_CHUNK_SIZE=3K and FNACCEL_LOG=loud: a message each, the defaults kept' '
	rm -f st &&
	FNACCEL_CHUNK_SIZE=3K FNACCEL_LOG=loud fn_preload st cat /dev/null 2>err &&
	grep -x "libfnaccel: FNACCEL_CHUNK_SIZE=3K: out of range (64K..1G), using 4M" err &&
	grep "^libfnaccel: FNACCEL_LOG=loud: " err &&
	test "$(wc -l <err)" = 2 &&
	fn_expect_stat copy_chunk_size 4194304 st
'

test_expect_success 'FNACCEL_FS=none on XFS: nothing substituted' '
	rm -f st &&
	FNACCEL_FS=none fn_preload st dd if=xfs/a of=xfs/f1 bs=128k 2>/dev/null &&
	cmp xfs/a xfs/f1 &&
	fn_expect_stat preload_write_substituted_ops 0 st &&
	fn_expect_stat preload_skip_fs 32 st
'

test_expect_success 'FNACCEL_FS=tmpfs,ext4 (names) and 0xef53 (a magic)' '
	rm -f st &&
	FNACCEL_FS=tmpfs,ext4 fn_preload st dd if=tmp/a of=tmp/f2 bs=128k 2>/dev/null &&
	FNACCEL_FS=0xef53 fn_preload st dd if=ext4/a of=ext4/f3 bs=128k 2>/dev/null &&
	cmp xfs/a tmp/f2 && cmp xfs/a ext4/f3 &&
	fn_expect_stat preload_write_substituted_ops 64 st
'

test_expect_success 'FNACCEL_FS=bogus: a message, the default list kept' '
	rm -f st &&
	FNACCEL_FS=xfs,bogus fn_preload st dd if=xfs/a of=xfs/f4 bs=128k 2>err &&
	grep "^libfnaccel: FNACCEL_FS=xfs,bogus: unknown file system" err &&
	fn_expect_stat preload_write_substituted_ops 32 st &&
	rm -f st &&
	FNACCEL_FS=bogus fn_preload st dd if=ext4/a of=ext4/f5 bs=128k 2>/dev/null &&
	fn_expect_stat preload_write_substituted_ops 0 st
'

test_expect_success 'FNACCEL_FS=tmpfs,ext4 FNACCEL_DATA_COPY=no: data copies skipped' '
	rm -f st &&
	FNACCEL_FS=tmpfs,ext4 FNACCEL_DATA_COPY=no fn_preload st dd if=tmp/a of=tmp/f6 bs=128k 2>/dev/null &&
	cmp xfs/a tmp/f6 &&
	fn_expect_stat preload_write_substituted_ops 0 st &&
	fn_expect_stat preload_skip_data_copy 32 st &&
	fn_expect_stat preload_dev_data_copy 1 st &&
	rm -f st &&
	FNACCEL_FS=xfs,bogus FNACCEL_DATA_COPY= fn_preload st dd if=xfs/a of=xfs/f7 bs=128k 2>/dev/null &&
	fn_expect_stat preload_write_substituted_ops 32 st &&
	fn_expect_stat preload_dev_offload 1 st
'

test_expect_success 'FNACCEL_VERIFY=junk: a message, reread kept' '
	rm -f st &&
	FNACCEL_VERIFY=junk fn_preload st dd if=xfs/a of=xfs/v1 bs=128k 2>err &&
	grep "^libfnaccel: FNACCEL_VERIFY=junk: not reread or hash, using reread$" err &&
	cmp xfs/a xfs/v1 &&
	fn_expect_stat preload_write_substituted_ops 32 st
'

test_expect_success 'copy_file_range is the real call: EXDEV stays EXDEV' '
	rm -f st &&
	cat >cfr.py <<-\PY &&
	import os, sys
	i = os.open(sys.argv[1], os.O_RDONLY)
	o = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
	try:
	    n = os.copy_file_range(i, o, 1 << 30)
	    while n:
	        n = os.copy_file_range(i, o, 1 << 30)
	    print("ok")
	except OSError as e:
	    print("error", e.errno)
	PY
	fn_python cfr.py tmp/a ext4/c.ref >ref.txt &&
	fn_preload st fn_python cfr.py tmp/a ext4/c >out.txt &&
	echo "error 18" >exdev.txt &&
	cmp exdev.txt ref.txt && cmp ref.txt out.txt &&
	fn_expect_stat preload_cfr_ops 1 st &&
	fn_expect_stat preload_cfr_fallback_ops 0 st
'

test_expect_success 'FNACCEL_CFR_FALLBACK=1: the engine copies across' '
	rm -f st &&
	FNACCEL_CFR_FALLBACK=1 fn_preload st fn_python cfr.py tmp/a ext4/c2 >out.txt &&
	echo ok >ok.txt && cmp ok.txt out.txt && cmp tmp/a ext4/c2 &&
	fn_expect_stat preload_cfr_ops 2 st &&
	fn_expect_stat preload_cfr_fallback_ops 2 st
'

# The engine maps and unmaps a buffer of its own for the fallback: that
# is no unmapping of the program, after which a tracked read may not be
# copied (preload_skip_mapping_changed)
test_expect_success 'FNACCEL_CFR_FALLBACK=1: a fallback between a read and its write cancels no copy' '
	rm -f st &&
	cat >between.py <<-\PY &&
	import os, sys
	src = os.open(sys.argv[1], os.O_RDONLY)
	dst = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
	cin = os.open(sys.argv[3], os.O_RDONLY)
	cout = os.open(sys.argv[4], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
	b = os.read(src, 131072)
	print(os.copy_file_range(cin, cout, 1 << 20))
	print(os.write(dst, b))
	PY
	FNACCEL_CFR_FALLBACK=1 fn_preload st \
		fn_python between.py xfs/a xfs/between tmp/a ext4/between >out.txt &&
	printf "1048576\n131072\n" >want.txt && cmp want.txt out.txt &&
	cmp -n 131072 xfs/a xfs/between && cmp -n 1048576 tmp/a ext4/between &&
	fn_expect_stat preload_cfr_fallback_ops 1 st &&
	fn_expect_stat copy_fallback_exdev 1 st &&
	fn_expect_stat preload_skip_mapping_changed 0 st &&
	fn_expect_stat preload_read_tracked_ops 1 st &&
	fn_expect_stat preload_write_substituted_ops 1 st
'

test_expect_success 'FNACCEL_STATS: one block per process, whole, in order' '
	rm -f st &&
	{
		fn_preload st dd if=xfs/a of=xfs/s1 bs=128k 2>/dev/null &
		fn_preload st busybox cp xfs/a xfs/s2 &
		wait
	} &&
	cmp xfs/a xfs/s1 && cmp xfs/a xfs/s2 &&
	test $(grep -c "^pid " st) = 2 &&
	test $(grep "^pid " st | sort -u | wc -l) = 2 &&
	grep "^argv0 dd$" st && grep "^argv0 busybox$" st &&
	awk "
		BEGIN { state = 0; blocks = 0 }
		state == 0 && /^pid [0-9]+\$/ { state = 1; next }
		state == 1 && /^argv0 / { state = 2; keys = 0; next }
		state == 2 && /^[a-z0-9_]+ [0-9]+\$/ { keys++; next }
		state == 2 && /^\$/ { state = 0; blocks++; if (keys != k) exit 1; next }
		{ exit 1 }
		END { if (state != 0 || blocks != 2) exit 1 }
	" k=$(awk "/^pid /{n++} n==1 && /^[a-z_0-9]+ [0-9]+\$/ && !/^pid /{c++} END {print c}" st) st &&
	for key in copy_ops copy_bytes copy_kernel_bytes copy_chunk_size \
		preload_sendfile_ops preload_write_substituted_ops \
		preload_write_substituted_bytes preload_write_passthrough_ops \
		preload_verify_failures preload_cfr_ops preload_cfr_fallback_ops \
		preload_skip_fs preload_skip_small preload_skip_untracked \
		preload_skip_buffer_changed preload_skip_src_changed \
		preload_skip_data_copy preload_dev_unlisted preload_dev_data_copy \
		preload_dev_offload preload_dev_offload_mount \
		preload_write_passthrough_bytes preload_sendfile_passthrough_bytes \
		preload_offload_bytes
	do
		test $(grep -c "^$key [0-9]*\$" st) = 2 || { echo "no $key"; exit 1; }
	done
'

test_expect_success 'FNACCEL_STATS: a forked child counts its own work only' '
	rm -f st &&
	fn_preload st perl -e "
		use File::Copy;
		my \$pid = fork() // die;
		if (!\$pid) { copy(\"xfs/a\", \"xfs/child\") or die; exit 0 }
		waitpid(\$pid, 0); exit \$?
	" &&
	cmp xfs/a xfs/child &&
	test $(grep -c "^pid " st) = 2 &&
	fn_expect_stat preload_write_substituted_bytes 4194304 st
'

test_expect_success 'FNACCEL_STATS relative: to the directory the process started in' '
	rm -f rel.st &&
	FNACCEL_STATS=rel.st LD_PRELOAD=$FN_PRELOAD_LIB \
		fn_python -c "import os; os.chdir(\"/\")" &&
	test $(grep -c "^pid " rel.st) = 1
'

test_expect_success 'FNACCEL_LOG_FILE and FNACCEL_LOG: nothing on stderr' '
	rm -f st log &&
	FNACCEL_LOG=debug FNACCEL_LOG_FILE=$PWD/log \
		fn_preload st dd if=xfs/a of=xfs/l1 bs=128k 2>err &&
	! grep libfnaccel err && cmp xfs/a xfs/l1 && test -e log
'

test_done
