#!/bin/bash
# SPDX-License-Identifier: MIT
# fs-bench.sh: fnpassfs against the native directory it serves, in one run.
#
#	bench/fs-bench.sh [--dir DIR] [--ext4 SIZE] [--size 1G] [--runs 3]
#		[--files 10000] [--rand-seconds 10] [--grep WORD]
#		[--name NAME] [--opts MOUNTOPTS] [--peer NAME=CMD]... [--ops]
#
# Every row runs on the same backing directory, natively and through each
# mount, interleaved (native, mount, native, mount ...), and reports the
# median of --runs repetitions with the min-max beside it and the ratio to
# native (higher is better: native time / mount time, or mount rate /
# native rate).  fnpassfs, mounted with --opts, is called --name in the
# table (default fnpassfs).  --peer adds another FUSE passthrough to
# compare with, as NAME=COMMAND where COMMAND is run as "COMMAND SOURCE
# MOUNTPOINT" and must mount in the background (e.g.
# "hp=_libfuse/prefix/passthrough_hp").  The work directory is made in DIR
# (default /var/tmp).  --ext4 SIZE backs every variant with a journaled
# ext4 loop image of SIZE (a sparse file in the work directory, mounted
# there, removed at exit) instead of DIR's file system.  --ops adds a
# second table: the requests each variant's daemon answered in the timed
# part of each row, read from its /.stats (variants without one show
# "-").  Reads, writes and random reads use fio (scripts/install-deps).
# Run as root from the top of a built tree (FN_BUILDDIR: another build
# tree).  Prints Markdown tables.
set -euo pipefail
# the rows run in command substitutions: without this a command failing
# inside one would be timed as if it had worked
shopt -s inherit_errexit
# the same messages and number formats for every variant and run
export LC_ALL=C

top=$(cd "$(dirname "$0")/.." && pwd)
build=${FN_BUILDDIR:-$top}
dir=
ext4_size=
size=1G
runs=3
files=10000
rand_seconds=10
grep_pat=
opts=
name=fnpassfs
ops=
peers=()

usage()
{
	sed -n '4,25p' "$0" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
	case $1 in
	--dir) dir=$2; shift ;;
	--ext4) ext4_size=$2; shift ;;
	--size) size=$2; shift ;;
	--runs) runs=$2; shift ;;
	--files) files=$2; shift ;;
	--rand-seconds) rand_seconds=$2; shift ;;
	--grep) grep_pat=$2; shift ;;
	--opts) opts=$2; shift ;;
	--name) name=$2; shift ;;
	--peer) peers+=("$2"); shift ;;
	--ops) ops=1 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "fs-bench: $1: unknown option" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
case $runs in ''|*[!0-9]*|0)
	echo "fs-bench: --runs=$runs: not a count" >&2; exit 2 ;;
esac
case $files in ''|*[!0-9]*|0)
	echo "fs-bench: --files=$files: not a count" >&2; exit 2 ;;
esac
bytes=$(numfmt --from=iec "$size" 2>/dev/null) ||
	{ echo "fs-bench: --size=$size: not a size" >&2; exit 2; }
if [ -n "$ext4_size" ]; then
	ext4_bytes=$(numfmt --from=iec "$ext4_size" 2>/dev/null) ||
		{ echo "fs-bench: --ext4=$ext4_size: not a size" >&2; exit 2; }
	# the big file and one copy of it at a time, metadata, the journal
	if [ "$ext4_bytes" -lt $((bytes * 2 + 64 * 1048576)) ]; then
		echo "fs-bench: --ext4=$ext4_size: too small for --size=$size" \
			"(at least twice it and 64M)" >&2
		exit 2
	fi
fi
for c in fio python3 ${ext4_size:+mkfs.ext4}; do
	command -v $c >/dev/null ||
		{ echo "fs-bench: $c missing: run scripts/install-deps" >&2; exit 1; }
done
fnpassfs=$build/fs/fnpassfs
[ -x "$fnpassfs" ] || { echo "fs-bench: $fnpassfs not built" >&2; exit 1; }
[ -z "$ext4_size" ] || [ "$(id -u)" = 0 ] ||
	{ echo "fs-bench: --ext4 needs root (a loop mount)" >&2; exit 1; }

work=$(mktemp -d "${dir:-/var/tmp}/fs-bench.XXXXXX")
backing=$work
ops_dir=$work/ops
declare -A mnt_of mount_cmd has_stats
variants=(native "$name")
mount_cmd[$name]="$fnpassfs ${opts:+-o $opts}"
for p in "${peers[@]}"; do
	variants+=("${p%%=*}")
	mount_cmd[${p%%=*}]=${p#*=}
done

# Unmounts the FUSE mounts, then the ext4 image (its daemons may still be
# closing backing files for a moment after fusermount3 returns), then
# removes the work directory: on every exit path
cleanup()
{
	local v i
	set +e	# undo all that can be undone
	for v in "${variants[@]}"; do
		[ "$v" = native ] && continue
		if mountpoint -q "$work/mnt-$v" 2>/dev/null; then
			fusermount3 -u "$work/mnt-$v" 2>/dev/null ||
				fusermount3 -uz "$work/mnt-$v"
		fi
	done
	if mountpoint -q "$work/ext4" 2>/dev/null; then
		for i in $(seq 50); do
			umount "$work/ext4" 2>/dev/null && break
			sleep 0.1
		done
		mountpoint -q "$work/ext4" && umount -l "$work/ext4"
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "$ext4_size" ]; then
	truncate -s "$ext4_size" "$work/ext4.img"
	# no lazy inode-table and journal init: its background zeroing
	# would slow whichever variant writes first
	mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 \
		"$work/ext4.img"
	mkdir "$work/ext4"
	mount -o loop "$work/ext4.img" "$work/ext4"
	backing=$work/ext4
fi
src=$backing/src
mkdir -p "$src" "$ops_dir"

# describe_backing DIR: its file system type, and for ext4 whether it has
# a journal (jbd2 lists the devices whose journal it runs).  An ext4
# without one skips recently deleted inodes when it allocates
# (recently_deleted() in the kernel's fs/ext4/ialloc.c), so creating files
# right after removing others is slower there than where users run.
describe_backing()
{
	local fstype dev desc
	fstype=$(findmnt -no FSTYPE -T "$1")
	if [ -n "$ext4_size" ]; then
		desc="$fstype loop image of $ext4_size"
	else
		desc="$fstype directory $1"
	fi
	if [ "$fstype" = ext4 ]; then
		dev=$(findmnt -no MAJ:MIN -T "$1" | tr -d ' ')
		dev=$(readlink "/sys/dev/block/$dev")
		if compgen -G "/proc/fs/jbd2/${dev##*/}-*" >/dev/null; then
			desc+=", journal"
		else
			desc+=", no journal"
		fi
	fi
	echo "$desc"
}

# mount_variant V: (re)mount V over $src; its directory is ${mnt_of[V]}
mount_variant()
{
	local v=$1 m=$work/mnt-$1 i
	mnt_of[$v]=$m
	mkdir -p "$m"
	# shellcheck disable=SC2086
	${mount_cmd[$v]} "$src" "$m" ||
		{ echo "fs-bench: $v: its mount command failed" >&2; exit 1; }
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

# die MESSAGE: stop the run (the EXIT trap undoes the mounts)
die() { echo "fs-bench: $*" >&2; exit 1; }

# time_cmd CMD...: seconds the command took (no process started for the
# clock: a fork is a millisecond, a row can be a few); a command that
# fails stops the run with its error output
time_cmd()
{
	local t0 t1 rc=0
	t0=$EPOCHREALTIME
	"$@" >/dev/null 2>"$work/stderr" || rc=$?
	t1=$EPOCHREALTIME
	if [ "$rc" != 0 ]; then
		sed 's/^/fs-bench: /' "$work/stderr" >&2
		die "$*: exit $rc"
	fi
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

# Request counts (--ops).  /.stats has a "fs_<op>_ops N" line per FUSE
# request type; writing "reset" to it zeroes them.  The reset's own
# release and the read's lookup and open land in the counts: ops_base
# measures them once per variant (a reset and a read with nothing
# between) and the table subtracts them.

# ops_read V: "op count" of V's daemon
ops_read()
{
	sed -n 's/^fs_\(.*\)_ops \([0-9]*\)$/\1 \2/p' "${mnt_of[$1]}/.stats"
}

# ops_begin V: zero V's counters (nothing without --ops or /.stats)
ops_begin()
{
	[ -n "$ops" ] && [ -n "${has_stats[$1]:-}" ] || return 0
	echo reset >"${mnt_of[$1]}/.stats"
}

# ops_end V ROW RUN: V's counts since ops_begin into $ops_dir/ROW.V.RUN
ops_end()
{
	[ -n "$ops" ] && [ -n "${has_stats[$1]:-}" ] || return 0
	ops_read "$1" >"$ops_dir/$2.$1.$3"
}

# ops_base V: what a reset and a read cost, into $ops_dir/base.V
ops_base()
{
	local i
	for i in 1 2; do
		echo reset >"${mnt_of[$1]}/.stats"
		ops_read "$1" >"$ops_dir/base.$1"
	done
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
add_row "sequential write, no fsync (1 MiB)" MB/s
add_row "sequential write + fsync (1 MiB)" MB/s
add_row "cp of $size inside the mount" s
add_row "dd bs=128k of $size inside the mount" s
add_row "create $files files" s
add_row "ls -lU of $files files, warm" s
add_row "ls -lU of $files files, FUSE cache cold" s
add_row "rm of $files files (unlink)" s

# run_row ROW V RUN: one run of one row; only the part between ops_begin
# and ops_end is timed
run_row()
{
	local i=$1 v=$2 r=$3 d n
	d=$(root_of "$v")
	case $i in
	0)	# backing warm, FUSE cold: remount, warm the backing file
		[ "$v" != native ] && { umount_variant "$v"; mount_variant "$v"; }
		cat "$src/big" >/dev/null
		ops_begin "$v"
		fio_rate "$d/big" read 1M ;;
	1)	cat "$d/big" >/dev/null
		ops_begin "$v"
		fio_rate "$d/big" read 1M ;;
	2)	ops_begin "$v"
		fio_rate "$d/big" randread 4k --runtime="$rand_seconds" \
			--time_based | awk -v s=4096 '{ printf "%.0f\n", $1 * 1e6 / s }' ;;
	3|4)	rm -f "$d/w"
		# start from no dirty data: the previous writer's write-back
		# would throttle this one
		sync
		ops_begin "$v"
		if [ "$i" = 3 ]; then
			fio_rate "$d/w" write 1M
		else
			fio_rate "$d/w" write 1M --end_fsync=1
		fi
		ops_end "$v" "$i" "$r"
		rm -f "$d/w" ;;
	5)	rm -f "$d/cp"
		ops_begin "$v"
		time_cmd cp "$d/big" "$d/cp"
		ops_end "$v" "$i" "$r"
		rm -f "$d/cp" ;;
	6)	rm -f "$d/dd"
		ops_begin "$v"
		time_cmd dd if="$d/big" of="$d/dd" bs=128k
		ops_end "$v" "$i" "$r"
		rm -f "$d/dd" ;;
	7)	# each variant its own directory: all share the backing one
		rm -rf "$d/meta-$v"; mkdir "$d/meta-$v"
		ops_begin "$v"
		time_cmd python3 -c 'import os,sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    os.close(os.open("%s/f%d" % (d, i), os.O_CREAT | os.O_WRONLY, 0o644))' \
			"$d/meta-$v" "$files" ;;
	8)	# warm: the same listing once, untimed, just before
		ls -lU "$d/meta-$v" >/dev/null
		ops_begin "$v"
		time_cmd ls -lU "$d/meta-$v" ;;
	9)	# FUSE cold, backing warm: a new mount knows no name
		[ "$v" != native ] && { umount_variant "$v"; mount_variant "$v"; }
		ops_begin "$v"
		time_cmd ls -lU "$d/meta-$v" ;;
	10)	# what create made, untouched by the other variants
		n=$(ls -U "$src/meta-$v" | wc -l)
		[ "$n" = "$files" ] ||
			{ echo "fs-bench: $v: $n files to rm, not $files" >&2; exit 1; }
		ops_begin "$v"
		time_cmd python3 -c 'import os,sys
d = sys.argv[1]
for n in os.listdir(d):
    os.unlink(os.path.join(d, n))' "$d/meta-$v"
		[ -z "$(ls -A "$src/meta-$v")" ] ||
			{ echo "fs-bench: $v: rm left files" >&2; exit 1; } ;;
	esac
	case $i in
	[0-2]|[7-9]|10) ops_end "$v" "$i" "$r" ;;
	esac
}

# The file every data row reads: written once, natively
head -c "$size" /dev/urandom >"$src/big" 2>/dev/null ||
	fio --name=mk --filename="$src/big" --rw=write --bs=1M --size="$size" \
		--output-format=terse >/dev/null
sync
for v in "${variants[@]}"; do
	[ "$v" = native ] && continue
	mount_variant "$v"
	# a lookup of a name that is not in the backing directory
	if [ -n "$ops" ] && [ ! -e "$src/.stats" ] &&
	   [ -f "${mnt_of[$v]}/.stats" ]; then
		has_stats[$v]=1
		ops_base "$v"
	fi
done

for ((r = 0; r < runs; r++)); do
	for i in "${!row_names[@]}"; do
		[ -n "$grep_pat" ] && [[ ${row_names[$i]} != *"$grep_pat"* ]] && continue
		# alternate which variant goes first, so neither is always cold
		order=("${variants[@]}")
		((r % 2)) && order=($(printf '%s\n' "${variants[@]}" | tac))
		for v in "${order[@]}"; do
			results[$i,$v]+="$(run_row "$i" "$v" "$r") "
		done
	done
done

# median and min-max of a list of numbers, to 3 significant digits
# (whole numbers from 1000 on: no exponents in the table)
stats()
{
	tr ' ' '\n' | sed '/^$/d' | sort -g | awk '
	function f(x) { return x >= 1000 ? sprintf("%.0f", x) : sprintf("%.3g", x) }
	{ v[NR] = $1 }
	END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%s %s-%s\n", f(m), f(v[1]), f(v[NR])
	}'
}

echo "# fnpassfs vs native: $(uname -r), $(nproc) cores," \
	"backing $(describe_backing "$src"), $size files, $runs runs," \
	"$(date -u +%Y-%m-%d)"
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

[ -n "$ops" ] || exit 0

# ops_cell ROW V: "op N, op N ..." of V in ROW, the median over the runs
# less the base, most frequent first; "none" if all are 0; "-" without
# /.stats
ops_cell()
{
	local i=$1 v=$2 f n=0
	if [ -z "${has_stats[$v]:-}" ]; then
		echo -
		return 0
	fi
	for f in "$ops_dir/$i.$v".*; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		sed "s/^/$n /" "$f"
	done | awk -v basefile="$ops_dir/base.$v" '
	BEGIN {
		while ((getline l < basefile) > 0) {
			split(l, a, " ")
			base[a[1]] = a[2]
		}
	}
	{ c[$2, $1] = $3; keys[$2] = 1; runs = $1 }
	END {
		for (k in keys) {
			for (r = 1; r <= runs; r++) {
				x = c[k, r] - base[k]
				v[r] = x > 0 ? x : 0
			}
			# insertion sort: a handful of runs
			for (r = 2; r <= runs; r++)
				for (s = r; s > 1 && v[s - 1] > v[s]; s--) {
					t = v[s]; v[s] = v[s - 1]; v[s - 1] = t
				}
			m = runs % 2 ? v[(runs + 1) / 2] : \
				(v[runs / 2] + v[runs / 2 + 1]) / 2
			if (m > 0)
				printf "%g %s\n", m, k
		}
	}' | sort -k1,1gr -k2,2 |
	awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }
		END { if (NR == 0) printf "none"; print "" }'
}

base_desc=none
for v in "${variants[@]:1}"; do
	if [ -n "${has_stats[$v]:-}" ]; then
		base_desc=$(awk '$2 > 0 { printf "%s%s %s", (n++ ? ", " : ""),
			$1, $2 } END { if (!n) printf "none" }' "$ops_dir/base.$v")
		break
	fi
done
echo
echo "# daemon requests per row: FUSE requests answered in the timed part," \
	"median of $runs runs, from /.stats, less what resetting and reading" \
	"/.stats costs ($base_desc); - = no /.stats"
echo
header="| row"
sep="|---"
for v in "${variants[@]:1}"; do
	header+=" | $v requests"
	sep+="|---"
done
echo "$header |"
echo "$sep|"
for i in "${!row_names[@]}"; do
	[ -n "${results[$i,native]:-}" ] || continue
	line="| ${row_names[$i]}"
	for v in "${variants[@]:1}"; do
		line+=" | $(ops_cell "$i" "$v")"
	done
	echo "$line |"
done
