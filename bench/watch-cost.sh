#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# watch-cost.sh: what fnpassfs -o cache=watch costs the rest of its
# backing file system.
#
#	bench/watch-cost.sh [--dir DIR] [--size 512M] [--files 20000]
#		[--runs 5] [--fnpassfs PATH]
#
# cache=watch marks the whole backing file system with fanotify, so every
# change on it, in the mounted tree or anywhere else, queues an event
# that the kernel builds (with a file handle) and fnpassfs reads.  This
# times work done beside the mount, on the same file system, with no
# fnpassfs mounted, with one mounted with cache=auto (no watch: the
# baseline a mount costs nobody) and with one mounted with cache=watch:
#   - dd bs=128k of --size into a file beside the mounted tree;
#   - --files small files each created, written (1 byte) and removed
#     beside the mounted tree (python);
#   - dd bs=128k of --size through the mount (its writes reach the
#     backing file in the writer's name, so the watch reads their events
#     too, and tells the kernel nothing).
# Everything runs on a journaled ext4 loop image (sparse, in a work
# directory made in --dir, default /var/tmp, removed at exit).  The
# variants are interleaved --runs times; each cell is the median with the
# min-max beside it, and the ratio to no mount (higher is better: time
# without / time with).  The last columns: the watching daemon's CPU time
# (user + system, median) and the events it read (/.stats
# fs_watch_events, median).  Run as root from the top of a built tree
# (FN_BUILDDIR: another build tree).  Prints a Markdown table.
set -eu

dir=/var/tmp
size=512M
files=20000
runs=5
fnpassfs=${FN_BUILDDIR:-.}/fs/fnpassfs

usage() { sed -n '4,/^[^#]/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; }
bad() { echo "watch-cost: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case $1 in
	--dir) dir=$2; shift ;;
	--size) size=$2; shift ;;
	--files) files=$2; shift ;;
	--runs) runs=$2; shift ;;
	--fnpassfs) fnpassfs=$2; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "watch-cost: $1: unknown option" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
bytes=$(numfmt --from=iec "$size" 2>/dev/null) || bad "--size=$size: not a size"
case $files$runs in *[!0-9]*|'') bad "--files and --runs take counts" ;; esac
[ "$runs" -ge 1 ] && [ "$files" -ge 1 ] || bad "--files and --runs: at least 1"
[ -x "$fnpassfs" ] || bad "$fnpassfs: not built (run from a build tree)"
[ "$(id -u)" = 0 ] || bad "run as root (loop image, fanotify)"

work=$(mktemp -d "$dir/watch-cost.XXXXXX")
pid=

# Unmounts fnpassfs, then the image, then removes the work directory
cleanup()
{
	set +e
	if mountpoint -q "$work/mnt" 2>/dev/null; then
		fusermount3 -u "$work/mnt" || fusermount3 -uz "$work/mnt"
	fi
	[ -z "$pid" ] || wait "$pid" 2>/dev/null
	mountpoint -q "$work/fs" 2>/dev/null && umount "$work/fs"
	mountpoint -q "$work/fs" 2>/dev/null && umount -l "$work/fs"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

truncate -s $((bytes * 3 + 512 * 1048576)) "$work/img"
mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$work/img"
mkdir "$work/fs" "$work/mnt"
mount -o loop "$work/img" "$work/fs"
mkdir "$work/fs/tree" "$work/fs/beside"
count=$((bytes / 131072))

# mount_variant V: fnpassfs with cache=V over the tree, in the
# foreground of a background job whose pid is $pid
mount_variant()
{
	local i
	"$fnpassfs" -f -o "cache=$1" "$work/fs/tree" "$work/mnt" &
	pid=$!
	for i in $(seq 100); do
		mountpoint -q "$work/mnt" && return 0
		sleep 0.1
	done
	echo "watch-cost: fnpassfs -o cache=$1 did not mount" >&2
	exit 1
}

umount_variant()
{
	fusermount3 -u "$work/mnt"
	wait "$pid" || true
	pid=
}

# cpu_ms: the daemon's user + system time so far, in ms
cpu_ms()
{
	awk -v hz="$(getconf CLK_TCK)" \
		'{ sub(/.*\) /, ""); printf "%d\n", ($12 + $13) * 1000 / hz }' \
		"/proc/$pid/stat"
}

# seconds CMD...: how long CMD took
seconds()
{
	local t0=$EPOCHREALTIME
	"$@" >/dev/null
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.4f\n", b - a }'
}

row_dd_beside()
{
	dd if=/dev/zero of="$work/fs/beside/big" bs=128k count=$count \
		status=none
	rm -f "$work/fs/beside/big"
}

row_churn_beside()
{
	python3 - "$work/fs/beside" "$files" <<-'EOF'
		import os, sys
		d, n = sys.argv[1], int(sys.argv[2])
		for i in range(n):
		    p = os.path.join(d, "f%d" % (i % 100))
		    with open(p, "w") as f:
		        f.write("x")
		    os.unlink(p)
	EOF
}

row_dd_through()
{
	dd if=/dev/zero of="$work/mnt/big" bs=128k count=$count status=none
	rm -f "$work/mnt/big"
}

rows=(dd_beside churn_beside dd_through)
declare -A title=(
	[dd_beside]="dd bs=128k of $size beside the mount"
	[churn_beside]="create, write, remove $files files beside the mount"
	[dd_through]="dd bs=128k of $size through the mount"
)
variants=(none auto watch)
declare -A t cpu events

for r in $(seq "$runs"); do
	for v in "${variants[@]}"; do
		for row in "${rows[@]}"; do
			# no mount: nothing to write through
			[ "$v" = none ] && [ "$row" = dd_through ] && continue
			[ "$v" = none ] || mount_variant "$v"
			[ "$v" = none ] || c0=$(cpu_ms)
			t[$row,$v]+="$(seconds "row_$row") "
			if [ "$v" = watch ]; then
				# the events still queued, read
				sleep 0.5
				cpu[$row]+="$(( $(cpu_ms) - c0 )) "
				events[$row]+="$(awk '$1 == "fs_watch_events" { print $2 }' "$work/mnt/.stats") "
			fi
			[ "$v" = none ] || umount_variant
		done
	done
done

# median VALUES...; spread VALUES...: min-max
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
spread() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }

echo "Backing: journaled ext4 loop image; $runs runs each, interleaved; kernel $(uname -r)"
echo
echo "| row | no mount (s) | cache=auto (s) | ratio | cache=watch (s) | ratio | watch daemon CPU (ms) | events |"
echo "|---|---|---|---|---|---|---|---|"
for row in "${rows[@]}"; do
	line="| ${title[$row]} |"
	# shellcheck disable=SC2086
	base=$(median ${t[$row,none]:-})
	if [ -n "$base" ]; then
		# shellcheck disable=SC2086
		line+=" $base ($(spread ${t[$row,none]})) |"
	else
		line+=" - |"
		# through the mount: auto is the baseline
		# shellcheck disable=SC2086
		base=$(median ${t[$row,auto]})
	fi
	for v in auto watch; do
		# shellcheck disable=SC2086
		m=$(median ${t[$row,$v]})
		# shellcheck disable=SC2086
		line+=" $m ($(spread ${t[$row,$v]})) | $(awk -v a="$base" -v b="$m" 'BEGIN { printf "%.2fx", a / b }') |"
	done
	# shellcheck disable=SC2086
	line+=" $(median ${cpu[$row]}) | $(median ${events[$row]}) |"
	echo "$line"
done
