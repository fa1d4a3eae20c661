#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='preload: sendfile between files is an engine copy'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_preload
fn_require_cmd busybox cmp

# sf.py: os.sendfile with an offset and without, printing what a program
# can observe: return values, both file positions, errors
cat >sf.py <<'PY'
import os, sys
src, dst, mode = sys.argv[1], sys.argv[2], sys.argv[3]
i = os.open(src, os.O_RDONLY)
flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
if mode == "append":
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
o = os.open(dst, flags, 0o644)
os.lseek(i, 1000, os.SEEK_SET)
os.lseek(o, 0 if mode == "big" else 7, os.SEEK_SET)
try:
    if mode == "offset":
        n = os.sendfile(o, i, 5, 100000)
    elif mode == "big":
        n = os.sendfile(o, i, 0, 3 << 30)
    else:
        n = os.sendfile(o, i, None, 100000)
        n2 = os.sendfile(o, i, None, 1 << 20)
        n3 = os.sendfile(o, i, None, 1 << 20)
        print("more", n2, n3)
    print("sent", n)
except OSError as e:
    print("error", e.errno)
print("in_pos", os.lseek(i, 0, os.SEEK_CUR))
print("out_pos", os.lseek(o, 0, os.SEEK_CUR))
PY

test_expect_success 'setup: sources of 0, 1, 65537 bytes and 5 MiB + 3' '
	: >s0 && fn_random s1 1 && fn_random s65537 65537 &&
	fn_random s5m 5242883
'

for f in s0 s1 s65537 s5m; do
	test_expect_success "python3 shutil.copyfile $f: same bytes, sendfile counted" "
		rm -f st &&
		fn_python -c 'import shutil,sys; shutil.copyfile(sys.argv[1], sys.argv[2])' $f ref.$f &&
		fn_preload st fn_python -c 'import shutil,sys; shutil.copyfile(sys.argv[1], sys.argv[2])' $f py.$f &&
		cmp ref.$f py.$f && cmp $f py.$f &&
		test \$(fn_stat preload_sendfile_ops st) -ge 1 &&
		fn_expect_stat preload_sendfile_bytes \$(stat -c %s $f) st &&
		fn_expect_stat preload_sendfile_passthrough_ops 0 st &&
		fn_expect_stat copy_bytes \$(stat -c %s $f) st
	"
	test_expect_success "busybox cp $f: same bytes, sendfile counted" "
		rm -f st &&
		busybox cp $f bref.$f &&
		fn_preload st busybox cp $f bb.$f &&
		cmp bref.$f bb.$f && cmp $f bb.$f &&
		fn_expect_stat preload_sendfile_bytes \$(stat -c %s $f) st
	"
done

test_expect_success 'busybox cat file >file goes through sendfile too' '
	rm -f st &&
	fn_preload st busybox cat s5m >cat.out && cmp s5m cat.out &&
	fn_expect_stat preload_sendfile_bytes 5242883 st
'

test_expect_success 'without the library nothing is counted (no dump)' '
	rm -f st && busybox cp s5m nolib && test ! -e st
'

for mode in offset nooffset append; do
	test_expect_success "sendfile $mode: same results and positions" "
		rm -f st &&
		fn_python sf.py s5m ref.$mode $mode >ref.$mode.txt &&
		fn_preload st fn_python sf.py s5m out.$mode $mode >out.$mode.txt &&
		cat out.$mode.txt &&
		diff -u ref.$mode.txt out.$mode.txt &&
		cmp ref.$mode out.$mode
	"
done

test_expect_success 'sendfile with an offset was an engine copy' '
	rm -f st && fn_preload st fn_python sf.py s5m o2 offset >/dev/null &&
	fn_expect_stat preload_sendfile_ops 1 st &&
	fn_expect_stat preload_sendfile_bytes 100000 st
'

test_expect_success 'sendfile to an O_APPEND file is the real call (EINVAL)' '
	grep "^error 22$" out.append.txt &&
	rm -f st && fn_preload st fn_python sf.py s5m o3 append >/dev/null &&
	fn_expect_stat preload_sendfile_ops 0 st &&
	fn_expect_stat preload_sendfile_passthrough_ops 1 st
'

test_expect_success 'sendfile to a pipe is the real call' '
	rm -f st &&
	fn_preload st busybox cat s5m | cmp s5m - &&
	fn_expect_stat preload_sendfile_ops 0 st &&
	test $(fn_stat preload_sendfile_passthrough_ops st) -ge 1
'

test_expect_success 'from a pipe: real call, same bytes' '
	rm -f st &&
	cat s5m | fn_preload st busybox cp /dev/stdin frompipe &&
	cmp s5m frompipe &&
	fn_expect_stat preload_sendfile_ops 0 st
'

test_expect_setup 'setup: an XFS image and a tmpfs' '
	fn_mount_xfs xfs 1G && fn_mount_tmpfs tmp 64m
'

test_expect_success 'on XFS: busybox cp and shutil.copyfile share all extents' '
	fn_random xfs/src 8M && rm -f st &&
	fn_preload st busybox cp xfs/src xfs/bb && cmp xfs/src xfs/bb &&
	fn_preload st fn_python -c "import shutil; shutil.copyfile(\"xfs/src\", \"xfs/py\")" &&
	cmp xfs/src xfs/py &&
	fn_all_shared xfs/bb && fn_all_shared xfs/py &&
	fn_expect_stat preload_sendfile_bytes 16777216 st &&
	busybox cp xfs/src xfs/bb.ref && fn_none_shared xfs/bb.ref
'

test_expect_success 'across file systems (XFS to tmpfs): the real sendfile' '
	cp s5m xfs/s5m && rm -f st &&
	fn_preload st busybox cp xfs/s5m tmp/x && cmp s5m tmp/x &&
	fn_preload st fn_python -c "import shutil; shutil.copyfile(\"xfs/s5m\", \"tmp/y\")" &&
	cmp s5m tmp/y &&
	fn_expect_stat preload_sendfile_ops 0 st &&
	test $(fn_stat preload_sendfile_passthrough_ops st) -ge 2 &&
	fn_expect_stat copy_ops 0 st
'

test_expect_success 'a sendfile moves at most 0x7ffff000 bytes (XFS, sparse 3 GiB)' '
	truncate -s 3G xfs/sparse &&
	rm -f st && fn_preload st fn_python sf.py xfs/sparse xfs/big big >big.txt &&
	grep "^sent 2147479552$" big.txt &&
	grep "^out_pos 2147479552$" big.txt &&
	grep "^in_pos 1000$" big.txt &&
	test $(stat -c %s xfs/big) = 2147479552 &&
	fn_expect_stat preload_sendfile_bytes 2147479552 st
'

test_done
