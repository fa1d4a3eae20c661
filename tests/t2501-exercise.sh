#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t2501: fpexercise, the seeded random data-integrity exerciser, runs
# 100,000 operations (pwrite, pread, truncate, every fallocate mode,
# copy_file_range, mmap reads and shared writes, fsync, reopen) on the
# native directory and through fnpassfs mounts (default options, -o
# writeback, -o nosplice), with a fixed seed and a time-based one.  Every
# read is checked against an in-memory model; through a mount the backing
# files are compared too after each fsync'd whole-file check.  The seeds
# are printed so that a failure can be replayed:
#	tests/helpers/fpexercise --seed N --ops 100000 --size 1M DIR

test_description='fpexercise: 100,000 random operations per run, natively and through fnpassfs'
. "$(dirname "$0")/lib/test-lib.sh"

fpx=$FN_BUILDDIR/tests/helpers/fpexercise
[ -x "$fpx" ] || skip_all "tests/helpers/fpexercise not built (make check builds it)"
fn_require_root
fn_require_fuse

# FN_EXERCISE_OPS=N runs longer (or shorter, when debugging)
ops=${FN_EXERCISE_OPS:-100000}
size=1M
fixed_seed=2501
time_seed=$(date +%s)
echo "# fixed seed $fixed_seed, time-based seed $time_seed, $ops ops," \
	"size $size"

# fpx_run NAME SEED DIR [BACKING [BASE]]: run the exerciser, keep its log
# in fpx.NAME.log, show it only when it fails
fpx_run()
{
	local t0=$(date +%s)
	"$fpx" --seed "$2" --ops "$ops" --size "$size" ${4:+--backing "$4"} \
		${5:+--base "$5"} "$3" >"fpx.$1.log" 2>&1 ||
	{ cat "fpx.$1.log"; return 1; }
	echo "# $(($(date +%s) - t0)) s" >>"fpx.$1.log"
}

# fpx_summary NAME: the seed and the result of a run, as TAP comments
fpx_summary()
{
	[ -f "fpx.$1.log" ] &&
	grep -E '^# (seed|ok|FAIL|[0-9]+ s$)' "fpx.$1.log" |
	sed -e "s/^# /# $1: /"
	return 0
}

test_expect_success 'exerciser reports a mismatch (model vs a wrong backing)' '
	mkdir self wrong &&
	for i in 0 1 2; do echo other >wrong/fpx.$i || return 1; done &&
	! "$fpx" --seed 1 --ops 3000 --size 64K --verify-every 1000 \
		--backing wrong self >self.log 2>&1 &&
	grep "^# FAIL op 1000: verify all files" self.log &&
	grep "^# replay" self.log
'

test_expect_success "native ext4, fixed seed $fixed_seed" '
	mkdir native1 && fpx_run native1 $fixed_seed native1
'
fpx_summary native1

test_expect_success "native ext4, time seed $time_seed" '
	mkdir native2 && fpx_run native2 $time_seed native2
'
fpx_summary native2

# mnt_test NAME SEED BASE [MOUNT OPTIONS]: a fresh backing directory,
# mounted with fnpassfs (in this shell, so that the EXIT trap unmounts it),
# exercised through the mount at file offsets from BASE, then unmounted
# (the daemon must exit 0)
mnt_test()
{
	local name=$1 seed=$2 base=$3 opts=${4:-}
	test_expect_setup "mount fnpassfs${opts:+ -o $opts} for $name" "
		mkdir back.$name mnt.$name &&
		fn_mount back.$name mnt.$name $opts
	"
	test_expect_success "fnpassfs${opts:+ -o $opts}, seed $seed, base $base" "
		fpx_run $name $seed mnt.$name back.$name $base
	"
	fpx_summary $name
	test_expect_success "unmount $name" "fn_umount mnt.$name"
}

# offsets from 0, and from 5 GiB (sparse files over 4 GiB)
mnt_test mount1 $fixed_seed 0
mnt_test mount2 $time_seed 5G
mnt_test writeback $time_seed 0 writeback
mnt_test nosplice $fixed_seed 5G nosplice

# Four exercisers at once through one mount, each on its own files:
# the daemon's threads and inode table under concurrent load
par_ops=$((ops / 4))
test_expect_setup 'mount fnpassfs for the parallel run' '
	mkdir back.par mnt.par && fn_mount back.par mnt.par
'
test_expect_success "4 exercisers in parallel, $par_ops ops each, seeds 1-4" '
	pids= &&
	for i in 1 2 3 4; do
		mkdir mnt.par/p$i &&
		"$fpx" --seed $i --ops $par_ops --size 512K \
			--backing back.par/p$i mnt.par/p$i >fpx.par$i.log 2>&1 &
		pids="$pids $!"
	done &&
	rc=0 &&
	for p in $pids; do wait $p || rc=1; done &&
	if [ $rc != 0 ]; then cat fpx.par?.log; fi &&
	[ $rc = 0 ]
'
test_expect_success 'unmount the parallel run' 'fn_umount mnt.par'

test_done
