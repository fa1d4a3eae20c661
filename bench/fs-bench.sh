#!/bin/bash
# SPDX-License-Identifier: MIT
# fs-bench.sh: fnpassfs against the native directory it serves, in one run.
#
#	bench/fs-bench.sh [--dir DIR] [--size 1G] [--runs 3] [--files 10000]
#		[--rand-seconds 10] [--grep WORD] [--opts MOUNTOPTS]
#		[--peer NAME=CMD]...
#
# Every row runs on the same backing directory, natively and through each
# mount, interleaved (native, mount, native, mount ...), and reports the
# median of --runs repetitions with the min-max beside it and the ratio to
# native (higher is better: native time / mount time, or mount rate /
# native rate).  --peer adds another FUSE passthrough to compare with, as
# NAME=COMMAND where COMMAND is run as "COMMAND SOURCE MOUNTPOINT" and must
# mount in the background (e.g. "hp=_libfuse/prefix/passthrough_hp").
# Reads, writes and random reads use fio (installed by scripts/install-deps).
# Run as root from the top of a built tree.  Prints a Markdown table.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dir=
size=1G
runs=3
files=10000
rand_seconds=10
grep_pat=
opts=
peers=()

usage()
{
	sed -n '4,18p' "$0" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
	case $1 in
	--dir) dir=$2; shift ;;
	--size) size=$2; shift ;;
	--runs) runs=$2; shift ;;
	--files) files=$2; shift ;;
	--rand-seconds) rand_seconds=$2; shift ;;
	--grep) grep_pat=$2; shift ;;
	--opts) opts=$2; shift ;;
	--peer) peers+=("$2"); shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "fs-bench: $1: unknown option" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
case $runs in ''|*[!0-9]*|0) echo "fs-bench: --runs=$runs: not a count" >&2; exit 2 ;; esac
for c in fio python3; do
	command -v $c >/dev/null || { echo "fs-bench: $c missing: run scripts/install-deps" >&2; exit 1; }
done
fnpassfs=$top/fs/fnpassfs
[ -x "$fnpassfs" ] || { echo "fs-bench: $fnpassfs not built" >&2; exit 1; }

work=$(mktemp -d "${dir:-/var/tmp}/fs-bench.XXXXXX")
src=$work/src
mkdir -p "$src"
declare -A mnt_of mount_cmd
variants=(native fnpassfs)
mount_cmd[fnpassfs]="$fnpassfs ${opts:+-o $opts}"
for p in "${peers[@]}"; do
	variants+=("${p%%=*}")
	mount_cmd[${p%%=*}]=${p#*=}
done

cleanup()
{
	local v
	for v in "${variants[@]}"; do
		[ "$v" = native ] && continue
		if mountpoint -q "$work/mnt-$v" 2>/dev/null; then
			fusermount3 -u "$work/mnt-$v" 2>/dev/null ||
				fusermount3 -uz "$work/mnt-$v"
		fi
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# mount_variant V: (re)mount V over $src; its directory is ${mnt_of[V]}
mount_variant()
{
	local v=$1 m=$work/mnt-$1 i
	mnt_of[$v]=$m
	mkdir -p "$m"
	# shellcheck disable=SC2086
	${mount_cmd[$v]} "$src" "$m"
	for i in $(seq 100); do
		mountpoint -q "$m" && return 0
		sleep 0.1
	done
	echo "fs-bench: $v did not mount" >&2
	exit 1
}

umount_variant()
{
	local m=$work/mnt-$1 i
	fusermount3 -u "$m"
	# the daemon may still be closing files; wait until it is gone
	for i in $(seq 100); do
		mountpoint -q "$m" || return 0
		sleep 0.1
	done
}

# root_of V: the directory where V's rows work
root_of()
{
	if [ "$1" = native ]; then echo "$src"; else echo "${mnt_of[$1]}"; fi
}

drop_caches()
{
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

now() { date +%s.%N; }

# time_cmd CMD...: seconds the command took
time_cmd()
{
	local t0 t1
	t0=$(now)
	"$@" >/dev/null 2>&1
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }' 
}

# fio_rate FILE RW BS [fio options]: MB/s (fio's bandwidth)
fio_rate()
{
	local f=$1 rw=$2 bs=$3
	shift 3
	# --invalidate=0: fio would drop the file's page cache before each
	# job, natively only (a FUSE file's cache is the mount's)
	fio --name=fsbench --filename="$f" --rw="$rw" --bs="$bs" \
		--size="$size" --ioengine=psync --invalidate=0 \
		--output-format=json "$@" |
	python3 -c 'import json,sys
j = json.load(sys.stdin)["jobs"][0]
rw = "write" if j["write"]["bw_bytes"] > 0 else "read"
print("%.1f" % (j[rw]["bw_bytes"] / 1e6))'
}

# Rows: each prints one number for variant V: seconds (lower is better)
# or a rate (MB/s, IOPS: higher is better), said by the row's unit.
row_units=()
row_names=()
declare -A results

add_row() { row_names+=("$1"); row_units+=("$2"); }
add_row "sequential read, backing warm, FUSE cache cold (1 MiB)" MB/s
add_row "sequential read, caches warm (1 MiB)" MB/s
add_row "4 KiB random read (${rand_seconds}s)" IOPS
add_row "sequential write + fsync (1 MiB)" MB/s
add_row "cp of $size inside the mount" s
add_row "dd bs=128k of $size inside the mount" s
add_row "create $files files" s
add_row "stat $files files (ls -lU)" s
add_row "unlink $files files" s

run_row()
{
	local i=$1 v=$2 d
	d=$(root_of "$v")
	case $i in
	0)	# backing warm, FUSE cold: remount, warm the backing file
		[ "$v" != native ] && { umount_variant "$v"; mount_variant "$v"; }
		cat "$src/big" >/dev/null
		fio_rate "$d/big" read 1M ;;
	1)	cat "$d/big" >/dev/null
		fio_rate "$d/big" read 1M ;;
	2)	fio_rate "$d/big" randread 4k --runtime="$rand_seconds" \
			--time_based | awk -v s=4096 '{ printf "%.0f\n", $1 * 1e6 / s }' ;;
	3)	rm -f "$d/w"
		fio_rate "$d/w" write 1M --end_fsync=1
		rm -f "$d/w" ;;
	4)	rm -f "$d/cp"
		time_cmd cp "$d/big" "$d/cp"
		rm -f "$d/cp" ;;
	5)	rm -f "$d/dd"
		time_cmd dd if="$d/big" of="$d/dd" bs=128k
		rm -f "$d/dd" ;;
	6)	rm -rf "$d/meta"; mkdir "$d/meta"
		time_cmd python3 -c 'import os,sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    os.close(os.open("%s/f%d" % (d, i), os.O_CREAT | os.O_WRONLY, 0o644))' "$d/meta" "$files" ;;
	7)	[ "$v" != native ] && { umount_variant "$v"; mount_variant "$v"; }
		time_cmd ls -lU "$d/meta" ;;
	8)	time_cmd python3 -c 'import os,sys
d = sys.argv[1]
for n in os.listdir(d):
    os.unlink(os.path.join(d, n))' "$d/meta" ;;
	esac
}

# The file every data row reads: written once, natively
head -c "$size" /dev/urandom >"$src/big" 2>/dev/null ||
	fio --name=mk --filename="$src/big" --rw=write --bs=1M --size="$size" \
		--output-format=terse >/dev/null
sync
for v in "${variants[@]}"; do
	[ "$v" = native ] || mount_variant "$v"
done

for ((r = 0; r < runs; r++)); do
	for i in "${!row_names[@]}"; do
		[ -n "$grep_pat" ] && [[ ${row_names[$i]} != *"$grep_pat"* ]] && continue
		# alternate which variant goes first, so neither is always cold
		order=("${variants[@]}")
		((r % 2)) && order=($(printf '%s\n' "${variants[@]}" | tac))
		for v in "${order[@]}"; do
			results[$i,$v]+="$(run_row "$i" "$v") "
		done
	done
done

# median and min-max of a list of numbers
stats()
{
	tr ' ' '\n' | sed '/^$/d' | sort -g | awk '
	{ v[NR] = $1 }
	END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3g %.3g-%.3g\n", m, v[1], v[NR]
	}'
}

fstype=$(findmnt -no FSTYPE -T "$src")
echo "# fnpassfs vs native: $(uname -r), $(nproc) cores, backing $fstype," \
	"$size files, $runs runs, $(date -u +%Y-%m-%d)"
echo "# mount options: ${opts:-defaults}; ratio = speed relative to native" \
	"(higher is better)"
echo
header="| row | unit | native median (min-max)"
sep="|---|---|---"
for v in "${variants[@]:1}"; do
	header+=" | $v median (min-max) | $v ratio"
	sep+="|---|---"
done
echo "$header |"
echo "$sep|"
for i in "${!row_names[@]}"; do
	[ -n "${results[$i,native]:-}" ] || continue
	read -r nmed nrange <<<"$(echo "${results[$i,native]}" | stats)"
	line="| ${row_names[$i]} | ${row_units[$i]} | $nmed ($nrange)"
	for v in "${variants[@]:1}"; do
		read -r med range <<<"$(echo "${results[$i,$v]}" | stats)"
		if [ "${row_units[$i]}" = s ]; then
			ratio=$(awk -v a="$nmed" -v b="$med" 'BEGIN { printf "%.2f", a / b }')
		else
			ratio=$(awk -v a="$med" -v b="$nmed" 'BEGIN { printf "%.2f", a / b }')
		fi
		line+=" | $med ($range) | ${ratio}x"
	done
	echo "$line |"
done
