#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# preload-bench.sh: real copy programs with and without libfnaccel.so.
#
# For each file system (an ext4 and an XFS reflink loop image made here)
# and each program (dd bs=128k and bs=1M, perl File::Copy, python3
# shutil.copyfile and copyfileobj, busybox cp, cat >, cp; and on request
# the buffered writers: tee, a perl read/print loop, a python3
# BufferedWriter of 1 MiB, tee8k and perl-print8k with
# FNACCEL_MIN_SIZE=8192), copies one
# SIZE file RUNS times without and with the library, interleaved, and
# prints a Markdown table: median wall time, median CPU time (user+sys)
# and the new space the copy takes (df after sync), with the ratio
# preload/plain.  Needs root (loop mounts).  Not a test: nothing is
# asserted, the numbers are for doc/performance.md and the reports.
#
# Usage: bench/preload-bench.sh [--size SIZE] [--runs N] [--fs LIST]
#        [--programs LIST] [--sync]
# SIZE as head -c takes it (default 1G), RUNS default 5, --fs a list of
# ext4,xfs,xfs0 (default ext4,xfs; xfs0: XFS without reflink, where
# copy_file_range copies the data), --programs a comma-separated subset of
# the program names in the table; --sync times a sync of the copy too (the
# data written back, which a reflink does not need).  FNACCEL_LIBRARY
# picks the library (default the build tree's preload/.libs/libfnaccel.so).
set -eu

size=1G
runs=5
fs_list=ext4,xfs
programs=dd128k,dd1m,perl,py-copyfile,py-copyfileobj,busybox-cp,cat,cp
sync_copy=
here=$(cd "$(dirname "$0")/.." && pwd)
lib=${FNACCEL_LIBRARY:-$here/preload/.libs/libfnaccel.so}
python=python3
[ -x /usr/bin/python3 ] && python=/usr/bin/python3
export python

while [ $# -gt 0 ]; do
	case $1 in
	--size) size=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--fs) fs_list=$2; shift 2 ;;
	--programs) programs=$2; shift 2 ;;
	--sync) sync_copy=1; shift ;;
	-h|--help) sed -n '3,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "preload-bench.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[ -r "$lib" ] || { echo "preload-bench.sh: $lib: not built" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "preload-bench.sh: needs root" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/fnaccel-pbench.XXXXXX")
mounted=
cleanup()
{
	local m
	for m in $mounted; do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The image: room for the source and two copies, whatever the size
bytes=$(numfmt --from=iec "$size")
img_mib=$(( bytes * 3 / 1048576 + 512 ))

mount_fs()
{
	local fs=$1 dir=$work/$1
	mkdir -p "$dir"
	truncate -s "${img_mib}M" "$work/$fs.img"
	case $fs in
	xfs) mkfs.xfs -q -f -m reflink=1 "$work/$fs.img" ;;
	xfs0) mkfs.xfs -q -f -m reflink=0 "$work/$fs.img" ;;
	ext4) mkfs.ext4 -q -F "$work/$fs.img" ;;
	*) echo "preload-bench.sh: $fs: use ext4, xfs or xfs0" >&2; exit 2 ;;
	esac
	mount -o loop "$work/$fs.img" "$dir"
	mounted="$dir $mounted"
}

# copy PROGRAM SRC DST: one copy the way PROGRAM does it
copy()
{
	case $1 in
	dd128k) dd if="$2" of="$3" bs=128k status=none ;;
	dd1m) dd if="$2" of="$3" bs=1M status=none ;;
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

# one MODE PROGRAM DIR: "wall cpu new_kib" of one copy
one()
{
	local mode=$1 prog=$2 dir=$3 before after t
	rm -f "$dir/dst"
	before=$(used_kib "$dir")
	if [ "$mode" = preload ]; then
		export LD_PRELOAD=$lib
	fi
	t=$( { /usr/bin/time -f '%e %U %S' bash -c "$(declare -f copy)
		copy \"\$@\" && { [ -z \"$sync_copy\" ] || sync -f \"\$3\"; }" \
		copy "$prog" "$dir/src" "$dir/dst" ; } 2>&1 >/dev/null | tail -1)
	unset LD_PRELOAD
	cmp -s "$dir/src" "$dir/dst" || { echo "preload-bench.sh: $prog: copy differs" >&2; exit 1; }
	after=$(used_kib "$dir")
	echo "$t" | awk -v n=$((after - before)) '{ printf "%s %.2f %d\n", $1, $2 + $3, n }'
}

median()
{
	sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "# libfnaccel.so: $size copies, median of $runs runs, interleaved${sync_copy:+, sync of the copy included}"
echo
echo "| fs | program | wall plain s | wall preload s | wall ratio | CPU plain s | CPU preload s | new space plain MiB | new space preload MiB |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for fs in ${fs_list//,/ }; do
	mount_fs "$fs"
	dir=$work/$fs
	head -c "$size" /dev/urandom >"$dir/src"
	sync -f "$dir"
	for prog in ${programs//,/ }; do
		: >"$work/plain" && : >"$work/preload"
		for _ in $(seq "$runs"); do
			one plain "$prog" "$dir" >>"$work/plain"
			one preload "$prog" "$dir" >>"$work/preload"
		done
		pw=$(awk '{ print $1 }' "$work/plain" | median)
		lw=$(awk '{ print $1 }' "$work/preload" | median)
		pc=$(awk '{ print $2 }' "$work/plain" | median)
		lc=$(awk '{ print $2 }' "$work/preload" | median)
		ps=$(awk '{ print $3 }' "$work/plain" | median)
		ls=$(awk '{ print $3 }' "$work/preload" | median)
		awk -v fs="$fs" -v p="$prog" -v pw="$pw" -v lw="$lw" \
			-v pc="$pc" -v lc="$lc" -v ps="$ps" -v ls="$ls" 'BEGIN {
			printf "| %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f | %.0f |\n",
				fs, p, pw, lw, (pw > 0 ? lw / pw : 0), pc, lc,
				ps / 1024, ls / 1024 }'
		rm -f "$dir/dst"
	done
done
