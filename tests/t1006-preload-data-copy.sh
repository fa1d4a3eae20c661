#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='preload: substituted only where copy_file_range reflinks or offloads'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_preload
fn_require_root
fn_require_cmd mkfs.xfs mkfs.ext4 filefrag cmp dd

# libfuse's passthrough_hp (scripts/build-libfuse): a FUSE file system of
# another subtype than fnpassfs
FN_HP=${FN_LIBFUSE_DIR:-$FN_BUILDDIR/_libfuse}/prefix/passthrough_hp

# FUSE: /dev/fuse and fusermount3, for fnpassfs; PASSTHROUGH_HP: and
# passthrough_hp built (scripts/build-libfuse)
if [ -c /dev/fuse ] && command -v fusermount3 >/dev/null 2>&1; then
	test_set_prereq FUSE
fi
if [ -c /dev/fuse ] && [ -x "$FN_HP" ]; then
	test_set_prereq PASSTHROUGH_HP
fi

# copy_128k SRC DST [VAR=VALUE]...: dd bs=128k from SRC to DST with the
# library and the FNACCEL_* assignments, its statistics in a new st; the
# copy has SRC's bytes
copy_128k()
{
	local src=$1 dst=$2
	shift 2
	rm -f st &&
	FNACCEL_STATS=$PWD/st LD_PRELOAD=$FN_PRELOAD_LIB env "$@" \
		dd if="$src" of="$dst" bs=128k 2>/dev/null &&
	cmp "$src" "$dst"
}

# fn_mount_hp SRC MNT SUBTYPE: passthrough_hp in the background; the EXIT
# trap unmounts it and waits for it
fn_mount_hp()
{
	local i pid
	mkdir -p "$2" &&
	"$FN_HP" --foreground -o "subtype=$3" "$1" "$2" \
		>"$fn_trash/hp.log" 2>&1 &
	pid=$!
	fn_at_exit "fusermount3 -u '$2' || fusermount3 -uz '$2'; wait $pid"
	for i in $(seq 100); do
		fn_is_mounted "$2" && return 0
		kill -0 "$pid" 2>/dev/null || { cat "$fn_trash/hp.log"; return 1; }
		sleep 0.1
	done
	return 1
}

test_expect_setup 'setup: XFS with and without reflink, ext4' '
	fn_mount_xfs xfs 512M && fn_mount_xfs xfs0 512M 0 &&
	fn_mount_ext4 ext4 64M
'

test_expect_success 'setup: 4 MiB sources (32 blocks of 128 KiB)' '
	fn_random xfs/a 4M && cp xfs/a xfs0/a && cp xfs/a ext4/a
'

test_expect_success 'XFS with reflink: substituted, extents shared, one offload device' '
	copy_128k xfs/a xfs/dd &&
	fn_expect_stats st preload_write_substituted_ops=32 preload_skip_data_copy=0 \
		preload_dev_offload=1 preload_dev_data_copy=0 &&
	fn_all_shared xfs/dd
'

test_expect_success 'XFS without reflink: a data copy, not substituted, counted' '
	copy_128k xfs0/a xfs0/dd &&
	fn_expect_stats st preload_write_substituted_ops=0 \
		preload_read_tracked_ops=0 preload_write_passthrough_ops=32 \
		preload_skip_data_copy=32 preload_skip_fs=0 \
		preload_dev_data_copy=1 preload_dev_offload=0
'

test_expect_success 'XFS without reflink, FNACCEL_DATA_COPY=1: substituted' '
	copy_128k xfs0/a xfs0/dd1 FNACCEL_DATA_COPY=1 &&
	fn_expect_stats st preload_write_substituted_ops=32 preload_skip_data_copy=0 \
		preload_dev_data_copy=1
'

test_expect_success 'fnaccel --data-copy and --no-data-copy' '
	rm -f st &&
	"$FN_FNACCEL" --stats=st --data-copy dd if=xfs0/a of=xfs0/dd2 bs=128k 2>/dev/null &&
	cmp xfs0/a xfs0/dd2 &&
	fn_expect_stats st preload_write_substituted_ops=32 &&
	rm -f st &&
	"$FN_FNACCEL" --stats=st --fs=xfs --no-data-copy dd if=xfs0/a of=xfs0/dd3 bs=128k 2>/dev/null &&
	cmp xfs0/a xfs0/dd3 &&
	fn_expect_stats st preload_write_substituted_ops=0 preload_skip_data_copy=32
'

test_expect_success 'XFS with reflink to XFS without: the destination decides' '
	copy_128k xfs/a xfs0/fromxfs &&
	fn_expect_stats st preload_write_substituted_ops=0 preload_skip_data_copy=32 \
		preload_dev_offload=1 preload_dev_data_copy=1
'

test_expect_success 'ext4 by default: not substituted, not in FNACCEL_FS' '
	copy_128k ext4/a ext4/dd &&
	fn_expect_stats st preload_write_substituted_ops=0 preload_skip_fs=32 \
		preload_dev_unlisted=1
'

test_expect_success 'ext4 named in FNACCEL_FS (fnaccel --fs): asked for, substituted' '
	rm -f st &&
	"$FN_FNACCEL" --stats=st --fs=ext4 dd if=ext4/a of=ext4/dd1 bs=128k 2>/dev/null &&
	cmp ext4/a ext4/dd1 &&
	fn_expect_stats st preload_write_substituted_ops=32 preload_dev_data_copy=1
'

test_expect_success 'ext4 named, FNACCEL_DATA_COPY=0: a data copy, counted' '
	copy_128k ext4/a ext4/dd2 FNACCEL_FS=ext4 FNACCEL_DATA_COPY=0 &&
	fn_expect_stats st preload_write_substituted_ops=0 preload_skip_data_copy=32 \
		preload_dev_data_copy=1
'

test_expect_setup FUSE 'setup: two fnpassfs mounts of the XFS with reflink' '
	mkdir -p xfs/fp m1 m2 && cp xfs/a xfs/fp/a &&
	fn_mount xfs/fp m1 && fn_mount xfs/fp m2
'

test_expect_success FUSE 'fnpassfs: admitted by its subtype, substituted, shared below' '
	copy_128k m1/a m1/dd && cmp xfs/a xfs/fp/dd &&
	fn_expect_stats st preload_write_substituted_ops=32 \
		preload_dev_offload_mount=1 preload_dev_data_copy=0 &&
	fn_all_shared xfs/fp/dd
'

test_expect_success FUSE 'fnpassfs to another fnpassfs mount: a data copy' '
	copy_128k m1/a m2/dd2 && cmp xfs/a xfs/fp/dd2 &&
	fn_expect_stats st preload_write_substituted_ops=0 \
		preload_skip_data_copy=32 preload_dev_offload_mount=2
'

test_expect_setup PASSTHROUGH_HP 'setup: passthrough_hp as fuse.hp over the XFS with reflink' '
	mkdir -p xfs/hp && cp xfs/a xfs/hp/a && fn_mount_hp xfs/hp hp hp &&
	grep " - fuse.hp " /proc/self/mountinfo
'

test_expect_success PASSTHROUGH_HP 'FUSE of another subtype: a data copy by default' '
	copy_128k hp/a hp/dd && cmp xfs/a xfs/hp/dd &&
	fn_expect_stats st preload_write_substituted_ops=0 \
		preload_skip_data_copy=32 preload_dev_data_copy=1 \
		preload_dev_offload_mount=0
'

test_expect_success PASSTHROUGH_HP 'FUSE of another subtype, FNACCEL_FS=fuse: asked for' '
	copy_128k hp/a hp/dd1 FNACCEL_FS=fuse && cmp xfs/a xfs/hp/dd1 &&
	fn_expect_stats st preload_write_substituted_ops=32
'

test_done
