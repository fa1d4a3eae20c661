#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='fnaccel --stats: counted however a process ends'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_preload
fn_require_root
fn_require_cmd mkfs.xfs busybox

test_expect_setup 'setup: an XFS reflink image, a 4 MiB source' '
	fn_mount_xfs xfs 512M && fn_random xfs/a 4M
'

# copy.py SRC DST HOW: a 128 KiB read/write loop (32 substitutions of
# 4 MiB), then it ends by HOW: _exit, a SIGTERM, a SIGKILL, or exec of
# itself copying to DST.2, which then ends by _exit
test_expect_success 'setup: copy.py' '
	cat >copy.py <<-\PY
	import os, signal, sys
	src = os.open(sys.argv[1], os.O_RDONLY)
	dst = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
	while True:
	    b = os.read(src, 131072)
	    if not b:
	        break
	    os.write(dst, b)
	how = sys.argv[3]
	if how == "term":
	    os.kill(os.getpid(), signal.SIGTERM)
	if how == "kill":
	    os.kill(os.getpid(), signal.SIGKILL)
	if how == "exec":
	    os.execv(sys.executable, [sys.executable, sys.argv[0], sys.argv[1],
	                              sys.argv[2] + ".2", "exit"])
	os._exit(0)
	PY
'

# expect_copied N ERR: N substituted writes of 128 KiB in ERR, the engine
# keys counting them too
expect_copied()
{
	fn_expect_stat preload_write_substituted_ops $1 "$2" &&
	fn_expect_stat preload_write_substituted_bytes $(($1 * 131072)) "$2" &&
	fn_expect_stat copy_ops $1 "$2" &&
	fn_expect_stat copy_bytes $(($1 * 131072)) "$2" &&
	fn_expect_stat copy_kernel_ops $1 "$2" &&
	fn_expect_stat copy_kernel_bytes $(($1 * 131072)) "$2" &&
	fn_expect_stat copy_fallback_bytes 0 "$2" &&
	fn_expect_stat preload_verify_failures 0 "$2"
}

test_expect_success '_exit after a substituted copy: counted, engine keys agree' '
	"$FN_FNACCEL" --stats "$FN_PYTHON" copy.py xfs/a xfs/b1 exit 2>err &&
	cmp xfs/a xfs/b1 &&
	echo "fnaccel: statistics of 1 process" >expect &&
	head -n 1 err >actual && test_cmp expect actual &&
	fn_expect_stat processes 1 err && expect_copied 32 err
'

test_expect_success 'killed by SIGTERM after a substituted copy: counted' '
	test_expect_code 143 "$FN_FNACCEL" --stats \
		"$FN_PYTHON" copy.py xfs/a xfs/b2 term 2>err &&
	cmp xfs/a xfs/b2 && fn_expect_stat processes 1 err &&
	expect_copied 32 err
'

test_expect_success 'killed by SIGKILL after a substituted copy: counted' '
	test_expect_code 137 "$FN_FNACCEL" --stats \
		"$FN_PYTHON" copy.py xfs/a xfs/b3 kill 2>err &&
	cmp xfs/a xfs/b3 && fn_expect_stat processes 1 err &&
	expect_copied 32 err
'

test_expect_success 'exec after a substituted copy: both images counted, one process' '
	"$FN_FNACCEL" --stats "$FN_PYTHON" copy.py xfs/a xfs/b4 exec 2>err &&
	cmp xfs/a xfs/b4 && cmp xfs/a xfs/b4.2 &&
	fn_expect_stat processes 1 err && expect_copied 64 err
'

test_expect_success 'sh -c "cp; exec cp": both copies counted' '
	"$FN_FNACCEL" --stats sh -c \
		"busybox cp xfs/a xfs/b5; exec busybox cp xfs/a xfs/b6" 2>err &&
	cmp xfs/a xfs/b5 && cmp xfs/a xfs/b6 &&
	fn_expect_stat processes 2 err &&
	fn_expect_stat copy_ops 4 err &&
	fn_expect_stat preload_sendfile_bytes 8388608 err &&
	fn_expect_stat copy_bytes 8388608 err
'

test_expect_success '--stats=FILE: one block per image, written by fnaccel' '
	"$FN_FNACCEL" --stats=st "$FN_PYTHON" copy.py xfs/a xfs/b7 exec 2>err &&
	test ! -s err && cmp xfs/a xfs/b7.2 &&
	test $(grep -c "^pid " st) = 2 &&
	test $(grep "^pid " st | sort -u | wc -l) = 1 &&
	expect_copied 64 st
'

test_expect_success 'an unwritable --stats=FILE: exit 2, one line, COMMAND not run' '
	test_expect_code 2 "$FN_FNACCEL" --stats=no/such/f touch marker \
		>out 2>err &&
	echo "fnaccel: --stats=no/such/f: No such file or directory" >expect &&
	test_cmp expect err && test ! -s out && test ! -e marker &&
	test_expect_code 2 "$FN_FNACCEL" --stats=. touch marker 2>err &&
	echo "fnaccel: --stats=.: Is a directory" >expect &&
	test_cmp expect err && test ! -e marker
'

test_expect_success 'every slot taken: the processes left out are said' '
	FNACCEL_STATS_SLOTS=1 "$FN_FNACCEL" --stats \
		sh -c "exec sh -c \"exec sh -c true\"" 2>err &&
	echo "fnaccel: 2 processes not counted: no statistics slot left (FNACCEL_STATS_SLOTS=1)" >expect &&
	head -n 1 err >actual && test_cmp expect actual &&
	fn_expect_stat processes 1 err &&
	test_expect_code 2 env FNACCEL_STATS_SLOTS=0 "$FN_FNACCEL" --stats \
		touch marker 2>err && test ! -e marker
'

test_expect_success 'FNACCEL_STATS of the caller: no dump under fnaccel --stats' '
	FNACCEL_STATS=$PWD/user.st "$FN_FNACCEL" --stats \
		busybox cp xfs/a xfs/b8 2>err &&
	test ! -e user.st && fn_expect_stat preload_sendfile_bytes 4194304 err
'

test_expect_success '--stats leaves no slot file behind' '
	mkdir tmpd &&
	TMPDIR=$PWD/tmpd "$FN_FNACCEL" --stats "$FN_PYTHON" copy.py \
		xfs/a xfs/b9 kill 2>err;
	test -z "$(ls tmpd)" && expect_copied 32 err
'

test_expect_success 'fn_expect_stat: a key the dump lacks fails, by its name, not as 0' '
	printf "copy_ops 3\ncopy_bytes 0\n" >dump &&
	fn_expect_stat copy_ops 3 dump && fn_expect_stat copy_bytes 0 dump &&
	test_must_fail fn_expect_stat copy_renamed 0 dump 2>err &&
	echo "stat copy_renamed: no such key in dump" >expect &&
	test_cmp expect err &&
	fn_expect_stat_0_or_absent copy_renamed dump &&
	fn_expect_stat_0_or_absent copy_bytes dump &&
	test_must_fail fn_expect_stat_0_or_absent copy_ops dump 2>err &&
	echo "stat copy_ops: expected 0 or no line, got 3" >expect &&
	test_cmp expect err
'

test_done
