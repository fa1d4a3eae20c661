#!/bin/sh
# SPDX-License-Identifier: MIT
# fs-bench.sh: fnpassfs against its own backing directory, in one run.
#
#   bench/fs-bench.sh [-n RUNS] [-s SIZE_MIB] [-d DIR] [-o FNPASSFS_OPTIONS]
#
# Each workload runs RUNS times on the native directory and through a
# fnpassfs mount of that same directory, interleaved (native, mount,
# native, mount ...), and prints a Markdown table of the medians with the
# ratio mount/native (for rates; native/mount for times, so above 1 is
# always "the mount is as fast").  Needs root (mounts), fio and python3.
# Environment: FN_BUILDDIR (the build tree, default: this script's ..).
set -eu

runs=5
size=1024
opts=
dir=
while getopts n:s:d:o: c; do
	case $c in
	n) runs=$OPTARG ;;
	s) size=$OPTARG ;;
	d) dir=$OPTARG ;;
	o) opts=$OPTARG ;;
	*) echo "usage: $0 [-n RUNS] [-s SIZE_MIB] [-d DIR] [-o OPTIONS]" >&2
	   exit 2 ;;
	esac
done

top=${FN_BUILDDIR:-$(cd "$(dirname "$0")/.." && pwd)}
fp=$top/fs/fnpassfs
[ -x "$fp" ] || { echo "fs-bench: build first: $fp missing" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "fs-bench: needs root (mounts)" >&2; exit 1; }
if ! command -v fio >/dev/null 2>&1; then
	apt-get install -y fio >/dev/null 2>&1 ||
		{ echo "fs-bench: fio missing (apt-get install fio)" >&2; exit 1; }
fi

work=$(mktemp -d "${dir:-/var/tmp}/fs-bench.XXXXXX")
back=$work/back
mnt=$work/mnt
mkdir "$back" "$mnt"
pid=

cleanup()
{
	if [ -n "$pid" ]; then
		fusermount3 -u "$mnt" 2>/dev/null || fusermount3 -uz "$mnt" 2>/dev/null
		kill "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mount_fp()
{
	if [ -n "$opts" ]; then
		"$fp" -f "$back" "$mnt" -o "$opts" 2>>"$work/fnpassfs.log" &
	else
		"$fp" -f "$back" "$mnt" 2>>"$work/fnpassfs.log" &
	fi
	pid=$!
	for j in $(seq 100); do
		grep -q " $mnt fuse" /proc/self/mounts && return 0
		sleep 0.1
	done
	echo "fs-bench: fnpassfs did not mount" >&2
	exit 1
}

umount_fp()
{
	fusermount3 -u "$mnt"
	wait "$pid" || true
	pid=
}

now() { date +%s.%N; }

# secs CMD...: run CMD, print its wall time in seconds
secs()
{
	t0=$(now)
	"$@" >/dev/null 2>&1
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}

median()
{
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

fio_bw() # fio_bw DIR NAME RW BS [extra]: MiB/s
{
	d=$1 name=$2 rw=$3 bs=$4
	shift 4
	fio --name="$name" --directory="$d" --filename=data --rw="$rw" \
		--bs="$bs" --size="${size}M" --ioengine=psync --numjobs=1 --invalidate=0 \
		--output-format=terse --terse-version=3 "$@" 2>/dev/null |
	awk -F';' -v rw="$rw" '{
		# terse v3: field 7 read bw KiB/s, field 48 write bw KiB/s
		bw = (rw ~ /write/) ? $48 : $7; printf "%.1f\n", bw / 1024 }'
}

meta() # meta DIR: seconds for create+stat+unlink of 10,000 files
{
	python3 - "$1" <<'EOF'
import os, sys, time
d = os.path.join(sys.argv[1], "meta")
os.mkdir(d)
t = time.perf_counter()
for i in range(10000):
    os.close(os.open(os.path.join(d, "f%d" % i), os.O_CREAT | os.O_WRONLY, 0o644))
for i in range(10000):
    os.stat(os.path.join(d, "f%d" % i))
for i in range(10000):
    os.unlink(os.path.join(d, "f%d" % i))
print(time.perf_counter() - t)
os.rmdir(d)
EOF
}

# the data: one file of SIZE MiB, in the backing page cache (fio runs
# with invalidate=0: the backing cache stays warm, a new mount is cold)
head -c "${size}M" /dev/urandom >"$back/data"
cat "$back/data" >/dev/null

results=$work/results
: >"$results"
rec() { echo "$1 $2 $3" >>"$results"; }	# workload side value

# (functions share the shell's variables: the run counter is "run")
run=0
while [ $run -lt "$runs" ]; do
	run=$((run + 1))
	# native
	rec seqread native "$(fio_bw "$back" r read 1M)"
	rec seqwrite native "$(fio_bw "$back" w write 1M --filename=wdata --end_fsync=1)"
	rec randread native "$(fio_bw "$back" rr randread 4k --runtime=5 --time_based)"
	rec meta native "$(meta "$back")"
	rec cp native "$(secs cp "$back/data" "$back/copy")"
	rm -f "$back/copy"
	rec dd native "$(secs dd if="$back/data" of="$back/copy" bs=128k)"
	rm -f "$back/copy" "$back/wdata"
	sync
	# through the mount; a fresh mount: the FUSE page cache is cold
	mount_fp
	rec seqread fnpassfs "$(fio_bw "$mnt" r read 1M)"
	rec seqread_warm fnpassfs "$(fio_bw "$mnt" r read 1M)"
	rec seqwrite fnpassfs "$(fio_bw "$mnt" w write 1M --filename=wdata --end_fsync=1)"
	# random reads on a fresh mount: every miss is a request
	umount_fp
	mount_fp
	rec randread fnpassfs "$(fio_bw "$mnt" rr randread 4k --runtime=5 --time_based)"
	rec meta fnpassfs "$(meta "$mnt")"
	rec cp fnpassfs "$(secs cp "$mnt/data" "$mnt/copy")"
	rm -f "$mnt/copy"
	rec dd fnpassfs "$(secs dd if="$mnt/data" of="$mnt/copy" bs=128k)"
	rm -f "$mnt/copy" "$mnt/wdata"
	umount_fp
	sync
	# the native warm read is the same as cold: the backing cache is warm
	rec seqread_warm native "$(fio_bw "$back" r read 1M)"
done

med() { awk -v w="$1" -v s="$2" '$1 == w && $2 == s { print $3 }' "$results" | median; }

echo "fnpassfs vs native, $runs runs, median, ${size} MiB, $(uname -r), options: ${opts:-default}"
echo
echo "| workload | native | fnpassfs | ratio |"
echo "|---|---:|---:|---:|"
row() # row WORKLOAD LABEL UNIT rate|time
{
	n=$(med "$1" native) f=$(med "$1" fnpassfs)
	if [ "$4" = rate ]; then
		r=$(echo "$f / $n" | bc -l)
	else
		r=$(echo "$n / $f" | bc -l)
	fi
	printf '| %s | %.2f %s | %.2f %s | %.2fx |\n' "$2" "$n" "$3" "$f" "$3" "$r"
}
row seqread "sequential read, 1 MiB, FUSE cache cold" MiB/s rate
row seqread_warm "sequential read, 1 MiB, FUSE cache warm" MiB/s rate
row seqwrite "sequential write, 1 MiB, fsync at end" MiB/s rate
row randread "random read, 4 KiB, 5 s, FUSE cache cold" MiB/s rate
row meta "create+stat+unlink 10,000 files" s time
row cp "cp ${size} MiB inside" s time
row dd "dd bs=128k ${size} MiB inside" s time
echo
echo "(ratio: above 1 means the mount is as fast as native or faster)"
