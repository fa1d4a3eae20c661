#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# preload-bench.sh: real copy programs with and without libfnaccel.so.
#
# For each file system (loop images made here: ext4, XFS with and
# without reflinks, fnpassfs over ext4, bindfs over ext4) and each program
# (dd bs=128k, 1M and 4M, perl File::Copy, python3 shutil.copyfile and
# copyfileobj, busybox cp, cat >, cp; and on request the buffered
# writers: tee, a perl read/print loop, a python3 BufferedWriter
# of 1 MiB, tee8k and perl-print8k with FNACCEL_MIN_SIZE=8192), copies one
# SIZE file RUNS times without and with the library, interleaved, and
# prints a Markdown table: the medians of the command's time, of the time
# with its data on disk (the command's, plus that of a sync of the file
# system after it), of its CPU time (user+sys), and the new space the
# copy takes (df after sync), with the ratios preload/plain.  Needs root
# (loop and FUSE mounts).  Not a test: nothing is asserted, the numbers are for
# doc/performance.md and the reports.
#
# Usage: bench/preload-bench.sh [--size SIZE] [--runs N] [--fs LIST]
#        [--programs LIST]
# SIZE as head -c takes it (default 1G), RUNS default 5, --fs a list of
# ext4,xfs,xfs0,fnpassfs,fusenocfr (default all; xfs0: XFS without
# reflink, where copy_file_range copies the data; fnpassfs: copies within
# an fnpassfs mount over an ext4 image; fusenocfr: within a bindfs mount
# over an ext4 image, a FUSE file system without a copy_file_range
# handler, where the kernel copies the data), --programs a comma-separated
# subset of the program names in the table.  FNACCEL_LIBRARY picks the
# library (default the build tree's preload/.libs/libfnaccel.so), FNPASSFS
# the daemon (default the build tree's fs/fnpassfs).
set -eu

size=1G
runs=5
fs_list=ext4,xfs,xfs0,fnpassfs,fusenocfr
programs=dd128k,dd1m,dd4m,perl,py-copyfile,py-copyfileobj,busybox-cp,cat,cp
here=$(cd "$(dirname "$0")/.." && pwd)
lib=${FNACCEL_LIBRARY:-$here/preload/.libs/libfnaccel.so}
fnpassfs=${FNPASSFS:-$here/fs/fnpassfs}
python=python3
[ -x /usr/bin/python3 ] && python=/usr/bin/python3
export python

while [ $# -gt 0 ]; do
	case $1 in
	--size) size=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--fs) fs_list=$2; shift 2 ;;
	--programs) programs=$2; shift 2 ;;
	-h|--help) sed -n '3,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "preload-bench.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[ -r "$lib" ] || { echo "preload-bench.sh: $lib: not built" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "preload-bench.sh: needs root" >&2; exit 1; }

for fs in ${fs_list//,/ }; do
	case $fs in
	ext4|xfs|xfs0) ;;
	fnpassfs) [ -x "$fnpassfs" ] ||
		{ echo "preload-bench.sh: $fnpassfs: not built" >&2; exit 1; } ;;
	fusenocfr) command -v bindfs >/dev/null ||
		{ echo "preload-bench.sh: bindfs: not installed (scripts/install-deps)" >&2; exit 1; } ;;
	*) echo "preload-bench.sh: $fs: use ext4, xfs, xfs0, fnpassfs or fusenocfr" >&2
	   exit 2 ;;
	esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/fnaccel-pbench.XXXXXX")
loops=		# loop mounts, the last made first
fuses=		# FUSE mount points, the last made first
pids=		# the FUSE daemons started here
# Unmount the FUSE mounts, stop their daemons (only ours, by PID), then
# the loop mounts, then remove the work directory: on every exit path
cleanup()
{
	local m p i
	set +e
	for m in $fuses; do
		mountpoint -q "$m" && { fusermount3 -u "$m" 2>/dev/null ||
			fusermount3 -uz "$m"; }
	done
	for p in $pids; do
		for i in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill "$p" 2>/dev/null
	done
	for m in $loops; do
		for i in $(seq 50); do
			mountpoint -q "$m" || break
			umount "$m" 2>/dev/null && break
			sleep 0.1
		done
		mountpoint -q "$m" && umount -l "$m"
	done
	# nothing may be mounted below the work directory now
	if findmnt -rno TARGET | grep -q "^$work/"; then
		echo "preload-bench.sh: $work: still mounted, kept" >&2
		return
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The image: room for the source and two copies, whatever the size
bytes=$(numfmt --from=iec "$size")
img_mib=$(( bytes * 3 / 1048576 + 512 ))

# wait_mount DIR: DIR is a mount point within 10 s
wait_mount()
{
	local i
	for i in $(seq 100); do
		mountpoint -q "$1" && return 0
		sleep 0.1
	done
	echo "preload-bench.sh: $1: did not mount" >&2
	exit 1
}

# mount_fs FS: its directory in $dir, where the copies are made, and in
# $back the file system that holds their blocks (df, sync)
mount_fs()
{
	local fs=$1 img=$work/$1.img
	dir=$work/$1
	back=$dir
	case $fs in
	fnpassfs|fusenocfr) back=$work/$fs-back ;;
	esac
	mkdir -p "$dir" "$back"
	truncate -s "${img_mib}M" "$img"
	case $fs in
	xfs) mkfs.xfs -q -f -m reflink=1 "$img" ;;
	xfs0) mkfs.xfs -q -f -m reflink=0 "$img" ;;
	*) mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$img" ;;
	esac
	mount -o loop "$img" "$back"
	loops="$back $loops"
	case $fs in
	fnpassfs)
		"$fnpassfs" -f "$back" "$dir" >"$work/$fs.log" 2>&1 &
		pids="$! $pids"
		fuses="$dir $fuses"
		wait_mount "$dir" ;;
	fusenocfr)
		bindfs -f "$back" "$dir" >"$work/$fs.log" 2>&1 &
		pids="$! $pids"
		fuses="$dir $fuses"
		wait_mount "$dir" ;;
	esac
}

# umount_fs FS: undo mount_fs (the next file system gets the memory)
umount_fs()
{
	local m p
	for m in $fuses; do
		fusermount3 -u "$m"
	done
	fuses=
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	pids=
	for m in $loops; do
		umount "$m" 2>/dev/null || { sleep 1; umount "$m"; }
	done
	loops=
	rm -f "$work/$1.img"
}

# copy PROGRAM SRC DST: one copy the way PROGRAM does it
copy()
{
	case $1 in
	dd128k) dd if="$2" of="$3" bs=128k status=none ;;
	dd1m) dd if="$2" of="$3" bs=1M status=none ;;
	dd4m) dd if="$2" of="$3" bs=4M status=none ;;
	perl) perl -MFile::Copy -e 'copy(@ARGV) or die "copy: $!"' "$2" "$3" ;;
	py-copyfile) "$python" -c 'import shutil, sys
shutil.copyfile(sys.argv[1], sys.argv[2])' "$2" "$3" ;;
	py-copyfileobj) "$python" -c 'import shutil, sys
with open(sys.argv[1], "rb") as f, open(sys.argv[2], "wb") as g:
    shutil.copyfileobj(f, g)' "$2" "$3" ;;
	busybox-cp) busybox cp "$2" "$3" ;;
	cat) cat "$2" >"$3" ;;
	cp) cp "$2" "$3" ;;
	tee) tee "$3" <"$2" >/dev/null ;;
	tee8k) FNACCEL_MIN_SIZE=8192 tee "$3" <"$2" >/dev/null ;;
	perl-print) perl -e 'open(I, "<", $ARGV[0]) or die; open(O, ">", $ARGV[1]) or die;
binmode I; binmode O; while (read(I, my $b, 65536)) { print O $b or die } close O or die' "$2" "$3" ;;
	perl-print8k) FNACCEL_MIN_SIZE=8192 perl -e 'open(I, "<", $ARGV[0]) or die; open(O, ">", $ARGV[1]) or die;
binmode I; binmode O; while (read(I, my $b, 65536)) { print O $b or die } close O or die' "$2" "$3" ;;
	py-buffered) "$python" -c 'import sys
f = open(sys.argv[1], "rb")
g = open(sys.argv[2], "wb", buffering=1 << 20)
for b in iter(lambda: f.read(65536), b""):
    g.write(b)
g.close()' "$2" "$3" ;;
	*) echo "preload-bench.sh: $1: unknown program" >&2; exit 2 ;;
	esac
}

# used_kib DIR: the space used on DIR's file system, once it is stable
# (XFS frees the blocks of a removed file in the background)
used_kib()
{
	local a b i
	sync -f "$1"
	b=$(df -k --output=used "$1" | tail -1 | tr -d ' ')
	for i in $(seq 50); do
		sleep 0.1
		sync -f "$1"
		a=$(df -k --output=used "$1" | tail -1 | tr -d ' ')
		[ "$a" = "$b" ] && break
		b=$a
	done
	echo "$b"
}

# one MODE PROGRAM: "command cpu command+sync new_kib" of one copy in
# $dir; the sync is of $back, where the blocks are (a FUSE file system
# passes no syncfs on)
one()
{
	local mode=$1 prog=$2 before after t s
	rm -f "$dir/dst"
	before=$(used_kib "$back")
	if [ "$mode" = preload ]; then
		export LD_PRELOAD=$lib
	fi
	t=$( { /usr/bin/time -f '%e %U %S' bash -c "$(declare -f copy)
		copy \"\$@\"" copy "$prog" "$dir/src" "$dir/dst" ; } \
		2>&1 >/dev/null | tail -1)
	unset LD_PRELOAD
	s=$( { /usr/bin/time -f '%e' sync -f "$back"; } 2>&1 | tail -1)
	cmp -s "$dir/src" "$dir/dst" || { echo "preload-bench.sh: $prog: copy differs" >&2; exit 1; }
	after=$(used_kib "$back")
	echo "$t $s" | awk -v n=$((after - before)) \
		'{ printf "%s %.2f %.2f %d\n", $1, $2 + $3, $1 + $4, n }'
}

median()
{
	sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# med FILE COLUMN: the median of a column of one()'s lines
med()
{
	awk -v c="$2" '{ print $c }' "$1" | median
}

echo "# libfnaccel.so: $size copies, median of $runs runs, interleaved"
echo
echo "command: the program's own time; +sync: that and the time of a sync of"
echo "the file system after it (its data on disk)."
echo
echo "| fs | program | command plain s | command preload s | ratio | +sync plain s | +sync preload s | ratio | CPU plain s | CPU preload s | new space plain MiB | new space preload MiB |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for fs in ${fs_list//,/ }; do
	mount_fs "$fs"
	head -c "$size" /dev/urandom >"$dir/src"
	sync -f "$back"
	for prog in ${programs//,/ }; do
		: >"$work/plain" && : >"$work/preload"
		for _ in $(seq "$runs"); do
			one plain "$prog" >>"$work/plain"
			one preload "$prog" >>"$work/preload"
		done
		awk -v fs="$fs" -v p="$prog" \
			-v pw="$(med "$work/plain" 1)" -v lw="$(med "$work/preload" 1)" \
			-v pc="$(med "$work/plain" 2)" -v lc="$(med "$work/preload" 2)" \
			-v py="$(med "$work/plain" 3)" -v ly="$(med "$work/preload" 3)" \
			-v ps="$(med "$work/plain" 4)" -v ls="$(med "$work/preload" 4)" 'BEGIN {
			printf "| %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f | %.0f |\n",
				fs, p, pw, lw, (pw > 0 ? lw / pw : 0),
				py, ly, (py > 0 ? ly / py : 0), pc, lc,
				ps / 1024, ls / 1024 }'
		rm -f "$dir/dst"
	done
	rm -f "$dir/src"
	umount_fs "$fs"
done
