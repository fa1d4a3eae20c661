#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='preload: by default, substituted only from the size where a copy pays'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_preload
fn_require_root
fn_require_cmd mkfs.xfs filefrag cmp dd

# The harness asks for 64 KiB (FNACCEL_MIN_SIZE) for the other tests:
# here the defaults of each file system decide
unset FNACCEL_MIN_SIZE

if [ -c /dev/fuse ] && command -v fusermount3 >/dev/null 2>&1; then
	test_set_prereq FUSE
fi
if "$FN_PYTHON" -c "import io" 2>/dev/null; then
	test_set_prereq PYTHON
fi

# copy BS SRC DST [VAR=VALUE]...: dd bs=BS from SRC to DST with the
# library and the FNACCEL_* assignments, its statistics in a new st; the
# copy has SRC bytes
copy()
{
	local bs=$1 src=$2 dst=$3
	shift 3
	rm -f st &&
	FNACCEL_STATS=$PWD/st LD_PRELOAD=$FN_PRELOAD_LIB env "$@" \
		dd if="$src" of="$dst" bs="$bs" 2>/dev/null &&
	cmp "$src" "$dst"
}

test_expect_setup 'setup: an XFS reflink image' '
	fn_mount_xfs xfs 512M
'

# 6 MiB and 64 KiB: 48 blocks of 128 KiB and a half one, 3 of 2 MiB and
# a short one
test_expect_success 'setup: a source of 6 MiB and 64 KiB' '
	fn_random xfs/a 6356992
'

test_expect_success 'XFS, dd bs=128k: slower there, every write said, none copied' '
	copy 128k xfs/a xfs/d128k &&
	fn_expect_stats st preload_write_substituted_ops=0 \
		preload_read_tracked_ops=0 preload_write_passthrough_ops=49 \
		preload_skip_slower=49 preload_skip_small=0 \
		preload_dev_offload=1 &&
	fn_none_shared xfs/d128k
'

test_expect_success 'XFS, dd bs=1M: slower there too' '
	copy 1M xfs/a xfs/d1m &&
	fn_expect_stats st preload_write_substituted_ops=0 \
		preload_write_passthrough_ops=7 preload_skip_slower=7 &&
	fn_none_shared xfs/d1m
'

test_expect_success 'XFS, dd bs=2M: every write substituted, the short last one too' '
	copy 2M xfs/a xfs/d2m &&
	fn_expect_stats st preload_write_substituted_ops=4 \
		preload_write_substituted_bytes=6356992 \
		preload_write_passthrough_ops=0 preload_skip_slower=0 \
		preload_verify_failures=0 &&
	fn_all_shared xfs/d2m
'

test_expect_success 'FNACCEL_MIN_SIZE=128K: asked for, dd bs=128k substituted' '
	copy 128k xfs/a xfs/m128k FNACCEL_MIN_SIZE=128K &&
	fn_expect_stats st preload_write_substituted_ops=49 \
		preload_write_passthrough_ops=0 preload_skip_slower=0 &&
	fn_all_shared xfs/m128k
'

test_expect_success 'fnaccel with FNACCEL_MIN_SIZE=64K: dd bs=1M substituted' '
	rm -f st &&
	FNACCEL_MIN_SIZE=64K "$FN_FNACCEL" --stats=st \
		dd if=xfs/a of=xfs/m1m bs=1M 2>/dev/null &&
	cmp xfs/a xfs/m1m &&
	fn_expect_stats st preload_write_substituted_ops=7 preload_skip_slower=0
'

test_expect_success 'FNACCEL_MIN_SIZE=4M: dd bs=2M is small, not slower' '
	copy 2M xfs/a xfs/m4m FNACCEL_MIN_SIZE=4M &&
	fn_expect_stats st preload_write_substituted_ops=0 \
		preload_write_passthrough_ops=4 preload_skip_small=4 \
		preload_skip_slower=0 preload_dev_offload=0
'

# py_buffered BUFFER DST: a python3 BufferedWriter of BUFFER bytes copies
# xfs/a to DST from reads of 64 KiB, its statistics in a new st
py_buffered()
{
	rm -f st &&
	fn_preload st "$FN_PYTHON" -c "import sys
f = open(sys.argv[1], \"rb\")
g = open(sys.argv[2], \"wb\", buffering=int(sys.argv[3]))
for b in iter(lambda: f.read(65536), b\"\"):
    g.write(b)
g.close()" xfs/a "$2" "$1" &&
	cmp xfs/a "$2"
}

# A BufferedWriter of 1 MiB: its writes are matched by content (match.c),
# and below 2 MiB on XFS; of 4 MiB, above it (4 MiB, then the rest,
# 2 MiB and 64 KiB, at close)
test_expect_success PYTHON 'python3 BufferedWriter of 1 MiB: matched writes, slower' '
	py_buffered 1048576 xfs/py1m &&
	fn_expect_stats st preload_write_substituted_ops=0 \
		preload_write_matched_ops=0 preload_skip_slower=7 \
		preload_write_passthrough_ops=7
'

test_expect_success PYTHON 'python3 BufferedWriter of 4 MiB: matched, substituted' '
	py_buffered 4194304 xfs/py4m &&
	fn_expect_stats st preload_write_substituted_ops=2 \
		preload_write_matched_ops=2 preload_write_matched_bytes=6356992 \
		preload_skip_slower=0 preload_write_passthrough_ops=0
'

test_expect_setup FUSE 'setup: fnpassfs over the XFS image' '
	mkdir -p xfs/fp m && cp xfs/a xfs/fp/a && fn_mount xfs/fp m
'

test_expect_success FUSE 'fnpassfs: only on request, dd bs=128k and 4M left to libc' '
	copy 128k m/a m/d128k && cmp xfs/a xfs/fp/d128k &&
	fn_expect_stats st preload_write_substituted_ops=0 \
		preload_write_passthrough_ops=49 preload_skip_slower=49 \
		preload_dev_offload_mount=1 &&
	copy 4M m/a m/d4m && cmp xfs/a xfs/fp/d4m &&
	fn_expect_stats st preload_write_substituted_ops=0 \
		preload_skip_slower=2
'

test_expect_success FUSE 'fnpassfs: FNACCEL_MIN_SIZE=128K and 64K ask' '
	copy 128k m/a m/m128k FNACCEL_MIN_SIZE=128K &&
	cmp xfs/a xfs/fp/m128k &&
	fn_expect_stats st preload_write_substituted_ops=49 \
		preload_skip_slower=0 &&
	copy 64k m/a m/m64k FNACCEL_MIN_SIZE=64K && cmp xfs/a xfs/fp/m64k &&
	fn_expect_stats st preload_write_substituted_ops=97 \
		preload_skip_slower=0
'

test_done
