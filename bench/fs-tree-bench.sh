#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# fs-tree-bench.sh: fnpassfs over a tree of a million files, under
# descriptor limits: what the daemon holds and what fails.
#
#	bench/fs-tree-bench.sh [--fs ext4|xfs]... [--files 1000000]
#		[--dirs 1000] [--subtree 100] [--nofile LIMIT]...
#		[--fnpassfs PATH] [--name NAME] [--opts MOUNTOPTS]
#		[--dir DIR] [--image-size SIZE] [--df-size 1G]
#		[--timeout 900]
#
# For each backing file system (--fs, default ext4 and xfs: a loop image
# of --image-size, sparse, in a work directory made in --dir, default
# /var/tmp; ext4 with room for the inodes, XFS with -m reflink=1) it
# creates --files empty files in --dirs directories natively (python,
# timed), runs the steps natively once, then for each --nofile LIMIT
# (default: "default", the daemon's own limit, and 1024) mounts fnpassfs
# (--fnpassfs, default fs/fnpassfs of the build tree, with -o --opts,
# called --name in the tables) and runs through the mount: find . | wc
# -l, ls -lR, du -s, tar cf - . | wc -c, cp -a of the first directories
# holding --subtree thousand files to a new directory in the mount, rm
# -rf of that copy.  A LIMIT other than "default" starts the daemon
# under prlimit --nofile=LIMIT:LIMIT, without CAP_SYS_RESOURCE (else a
# root daemon raises its limit to fs.nr_open).  Each step prints a row:
# seconds (and natively), exit status, stderr lines, its result, then
# the daemon's open descriptors, its RSS and /.stats keys ("-" where the
# daemon has no such key, "?" where /.stats could not be read); then the
# daemon's memory per known inode.  Last, unless --df-size 0: the
# backing file system's used space around writing, reading and removing
# a --df-size file of random bytes, natively and through the mount.
# A step taking more than --timeout seconds is stopped (exit 124).  Run
# as root from the top of a built tree (FN_BUILDDIR: another build
# tree).  Prints Markdown; progress goes to stderr.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${FN_BUILDDIR:-$top}
fs_list=()
files=1000000
dirs=1000
subtree=100
limits=()
fnpassfs=$build/fs/fnpassfs
name=fnpassfs
opts=
dir=/var/tmp
image_size=
df_size=1G
step_timeout=900
cmdline=$(printf '%q ' "$0" "$@" | sed 's/ $//')

usage()
{
	sed -n '5,11p' "$0" | sed 's/^# \{0,1\}//'
}

die() { echo "fs-tree-bench: $*" >&2; exit 1; }
bad() { echo "fs-tree-bench: $*" >&2; usage >&2; exit 2; }

while [ $# -gt 0 ]; do
	case $1 in
	--fs|--files|--dirs|--subtree|--nofile|--fnpassfs|--name|--opts|\
	--dir|--image-size|--df-size|--timeout)
		[ $# -ge 2 ] || bad "$1: needs a value" ;;
	esac
	case $1 in
	--fs) fs_list+=("$2"); shift ;;
	--files) files=$2; shift ;;
	--dirs) dirs=$2; shift ;;
	--subtree) subtree=$2; shift ;;
	--nofile) limits+=("$2"); shift ;;
	--fnpassfs) fnpassfs=$2; shift ;;
	--name) name=$2; shift ;;
	--opts) opts=$2; shift ;;
	--dir) dir=$2; shift ;;
	--image-size) image_size=$2; shift ;;
	--df-size) df_size=$2; shift ;;
	--timeout) step_timeout=$2; shift ;;
	-h|--help) sed -n '3,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) bad "$1: unknown option" ;;
	esac
	shift
done
[ ${#fs_list[@]} -gt 0 ] || fs_list=(ext4 xfs)
[ ${#limits[@]} -gt 0 ] || limits=(default 1024)
for f in "${fs_list[@]}"; do
	case $f in ext4|xfs) ;; *) bad "--fs=$f: ext4 or xfs" ;; esac
done
for l in "${limits[@]}"; do
	case $l in
	default) ;;
	''|*[!0-9]*) bad "--nofile=$l: a number or \"default\"" ;;
	*) [ "$l" -ge 16 ] || bad "--nofile=$l: at least 16" ;;
	esac
done
for v in "files=$files" "dirs=$dirs" "subtree=$subtree" "timeout=$step_timeout"; do
	case ${v#*=} in ''|*[!0-9]*) bad "--$v: not a count" ;; esac
done
if [ "$files" = 0 ] || [ "$dirs" = 0 ] || [ "$step_timeout" = 0 ]; then
	bad "--files, --dirs and --timeout must be above 0"
fi
[ "$dirs" -le "$files" ] || bad "--dirs=$dirs: more than --files=$files"
df_bytes=$(numfmt --from=iec "$df_size" 2>/dev/null) ||
	bad "--df-size=$df_size: not a size"

# Inodes the backing file system needs: the tree, the copy, a margin
per=$((files / dirs))
extra=$((files % dirs))
# the first directories holding at least --subtree thousand files
sub_dirs=0
sub_files=0
while [ "$sub_files" -lt $((subtree * 1000)) ] && [ "$sub_dirs" -lt "$dirs" ]; do
	sub_files=$((sub_files + per + (sub_dirs < extra ? 1 : 0)))
	sub_dirs=$((sub_dirs + 1))
done
inodes=$(( (files + sub_files + 2 * dirs) * 11 / 10 + 4096 ))
if [ -z "$image_size" ]; then
	# ext4 has at most one inode per 4 KiB block; then the --df-size
	# file, the journal and a margin; in whole GiB
	image_bytes=$(( inodes * 4096 * 5 / 4 + df_bytes * 2 + (1 << 30) ))
	image_size=$(( (image_bytes + (1 << 30) - 1) >> 30 ))G
fi
image_bytes=$(numfmt --from=iec "$image_size" 2>/dev/null) ||
	bad "--image-size=$image_size: not a size"
if [[ " ${fs_list[*]} " == *" ext4 "* ]] &&
   [ "$image_bytes" -lt $((inodes * 4096 + df_bytes + (256 << 20))) ]; then
	bad "--image-size=$image_size: too small for $inodes ext4 inodes" \
		"and --df-size=$df_size"
fi

[ "$(id -u)" = 0 ] || die "needs root (loop images, FUSE mounts)"
for c in python3 losetup fusermount3 prlimit timeout tar numfmt \
	"${fs_list[@]/#/mkfs.}"; do
	command -v "$c" >/dev/null || die "$c missing: run scripts/install-deps"
done
[ -x "$fnpassfs" ] || die "$fnpassfs: not built"
fnpassfs=$(readlink -f "$fnpassfs")
# a limit holds only for a daemon that may not raise its hard limit
setpriv=()
if command -v setpriv >/dev/null; then
	setpriv=(setpriv --bounding-set=-sys_resource)
fi

work=$(mktemp -d "$dir/fs-tree-bench.XXXXXX")
work=$(cd "$work" && pwd -P)
declare -A daemon_of	# FUSE mount point -> daemon PID (ours)
backing_mnts=()
loop_devs=()
step_pid=

# daemon_pid MNT: the PID of the fnpassfs serving MNT (an absolute
# physical path on its command line), as tests/test-lib.sh finds it
daemon_pid()
{
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2>/dev/null)" = "$fnpassfs" ] || continue
		tr '\0' '\n' <"$p/cmdline" 2>/dev/null | grep -qxF "$1" ||
			continue
		echo "${p#/proc/}"
		return 0
	done
	return 1
}

# is_our_daemon PID MNT: PID still is the fnpassfs we started on MNT
is_our_daemon()
{
	[ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$fnpassfs" ] &&
	tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | grep -qxF "$2"
}

is_fuse_mounted()
{
	awk -v d="$1" '$2 == d && $3 ~ /^fuse/ { f = 1 } END { exit !f }' \
		/proc/self/mounts
}

# wait_gone PID MNT TENTHS: wait until our daemon PID has exited
wait_gone()
{
	local i
	for ((i = 0; i < $3; i++)); do
		is_our_daemon "$1" "$2" || return 0
		sleep 0.1
	done
	return 1
}

# fuse_unmount MNT: unmount, wait for the daemon (closing a million
# descriptors takes a while), kill it by its PID if it stays
fuse_unmount()
{
	local m=$1 pid=${daemon_of[$1]:-}
	# interrupted between the mount and noting its daemon
	[ -n "$pid" ] || pid=$(daemon_pid "$m") || pid=''
	if is_fuse_mounted "$m"; then
		fusermount3 -u "$m" 2>/dev/null || fusermount3 -uz "$m"
	fi
	if [ -n "$pid" ] && ! wait_gone "$pid" "$m" 600; then
		echo "fs-tree-bench: fnpassfs $pid still runs: killing it" >&2
		kill "$pid" 2>/dev/null
		wait_gone "$pid" "$m" 50 || kill -9 "$pid" 2>/dev/null
		wait_gone "$pid" "$m" 50
	fi
	unset "daemon_of[$m]"
	return 0
}

# Stops a running step, unmounts the FUSE mounts, then the images, frees
# the loop devices and removes the work directory: on every exit path
cleanup()
{
	local m i d
	set +e
	trap - INT TERM HUP
	if [ -n "$step_pid" ]; then
		kill "$step_pid" 2>/dev/null
		wait "$step_pid" 2>/dev/null
	fi
	for m in "${!daemon_of[@]}"; do
		fuse_unmount "$m"
	done
	for m in "${backing_mnts[@]}"; do
		mountpoint -q "$m" 2>/dev/null || continue
		for i in $(seq 50); do
			umount "$m" 2>/dev/null && break
			sleep 0.1
		done
		mountpoint -q "$m" && umount -l "$m"
	done
	for d in "${loop_devs[@]}"; do
		losetup -d "$d" 2>/dev/null
	done
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", b - a }'; }
progress() { echo "fs-tree-bench: $(date +%T) $*" >&2; }

# used_mib DIR: the used space of DIR's file system, as df counts it
used_mib()
{
	stat -f -c '%b %f %S' "$1" |
	awk '{ printf "%.1f\n", ($1 - $2) * $3 / 1048576 }'
}

# run_step DIR CMD: CMD (bash, pipefail) in DIR, stopped after --timeout;
# sets step_s, step_rc, step_errs, step_out (its last line of stdout).
# It runs in the background so that a signal reaches our trap at once.
run_step()
{
	local t0 t1
	t0=$(now)
	timeout "$step_timeout" bash -o pipefail -c "cd \"\$1\" && $2" \
		step "$1" >"$work/out" 2>"$work/err" </dev/null &
	step_pid=$!
	step_rc=0
	wait "$step_pid" || step_rc=$?
	step_pid=
	t1=$(now)
	step_s=$(elapsed "$t0" "$t1")
	step_errs=$(wc -l <"$work/err")
	step_out=$(tail -n 1 "$work/out" | awk '{ print $1 }')
	[ -n "$step_out" ] || step_out=-
}

# The steps: what each row says, and the command (run at the mount's
# root, or natively at the tree's)
steps=(mount find ls du tar cp rm unmount)
declare -A step_label step_cmd
step_label[find]='`find . \| wc -l`'
step_cmd[find]='find . | wc -l'
step_label[ls]='`ls -lR >/dev/null`'
step_cmd[ls]='ls -lR >/dev/null'
step_label[du]='`du -s`'
step_cmd[du]='du -s .'
step_label[tar]='`tar cf - . \| wc -c`'
step_cmd[tar]='tar cf - . | wc -c'
sub_list=$(for ((i = 0; i < sub_dirs; i++)); do printf 'd%04d ' "$i"; done)
step_label[cp]="\`cp -a\` of $sub_dirs directories, $sub_files files, to a new directory"
step_cmd[cp]="mkdir copy && cp -a $sub_list copy/"
step_label[rm]='`rm -rf` of that copy'
step_cmd[rm]='rm -rf copy'
step_label[mount]='mount'
step_label[unmount]='unmount (until the daemon exited)'
[ "$subtree" -gt 0 ] || steps=(mount find ls du tar unmount)

# expected STEP: what the result column should say
expected()
{
	case $1 in
	find) echo $((files + dirs + 1)) ;;
	cp) echo $((sub_files + sub_dirs + 1)) ;;
	rm) echo 0 ;;
	*) echo - ;;
	esac
}

# native_result STEP SRC: cp and rm are counted natively, in the backing
native_result()
{
	case $1 in
	cp|rm) find "$2/copy" 2>/dev/null | wc -l || true ;;
	*) echo "$step_out" ;;
	esac
}

# err_summary LABEL: one list item: the step's error messages counted by
# their text after the last ": " (e.g. "Too many open files"), the
# commonest first, and the first message whole
err_summary()
{
	[ -s "$work/err" ] || return 0
	printf '  - %s: ' "$1"
	sed 's/.*: //' "$work/err" | sort | uniq -c | sort -rn | head -n 3 |
	awk '{ n = $1; sub(/^ *[0-9]+ /, "")
		printf "%s%d x \"%s\"", (NR > 1 ? ", " : ""), n, $0 }'
	printf '; first: `%s`\n' "$(head -n 1 "$work/err" | cut -c1-200)"
}

# Creates FILES empty files in DIRS directories d0000/f0000 ... of $1,
# in two processes (one per half of the directories)
create_tree()
{
	python3 - "$1" "$files" "$dirs" <<\EOF
import os, sys
root, files, dirs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
per, extra = divmod(files, dirs)
fw = max(4, len(str(per)))
flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC
rfd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
for d in range(dirs):
    os.mkdir("d%04d" % d, 0o755, dir_fd=rfd)
half = os.fork()
for d in range(1 if half else 0, dirs, 2):
    dfd = os.open("d%04d" % d, os.O_RDONLY | os.O_DIRECTORY, dir_fd=rfd)
    for i in range(per + (d < extra)):
        os.close(os.open("f%0*d" % (fw, i), flags, 0o644, dir_fd=dfd))
    os.close(dfd)
if not half:
    os._exit(0)
_, st = os.waitpid(half, 0)
sys.exit(1 if st else 0)
EOF
}

# mount_fnpassfs SRC MNT LIMIT: mount, find the daemon (daemon_of[MNT])
mount_fnpassfs()
{
	local src=$1 m=$2 limit=$3 pid='' i cmd=()
	if [ "$limit" != default ]; then
		cmd=("${setpriv[@]}" prlimit --nofile="$limit:$limit")
	fi
	cmd+=("$fnpassfs" "$src" "$m")
	[ -z "$opts" ] || cmd+=(-o "$opts")
	# noted first: the cleanup unmounts it, even if we stop right here
	daemon_of[$m]=
	"${cmd[@]}" || die "$name: the mount command failed: ${cmd[*]}"
	for i in $(seq 100); do
		is_fuse_mounted "$m" && pid=$(daemon_pid "$m") && break
		sleep 0.1
	done
	[ -n "$pid" ] || die "$name did not mount $m"
	daemon_of[$m]=$pid
}

# daemon_cols MNT: fds | RSS KiB | fs_inodes | fs_fd_cache_open |
# fs_fd_limit_errors of MNT's daemon
daemon_cols()
{
	local m=$1 pid=${daemon_of[$1]:-} fds=- rss=- st=$work/stats k line
	if [ -n "$pid" ] && [ -d "/proc/$pid" ]; then
		# unsorted: there may be a million
		# shellcheck disable=SC2012
		fds=$(ls -U "/proc/$pid/fd" 2>/dev/null | wc -l || true)
		rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status")
	else
		fds=gone
	fi
	line="$fds | ${rss:--}"
	if timeout 30 cat "$m/.stats" >"$st" 2>/dev/null; then
		for k in fs_inodes fs_fd_cache_open fs_fd_limit_errors; do
			line+=" | $(awk -v k=$k '$1 == k { v = $2 }
				END { print v == "" ? "-" : v }' "$st")"
		done
	else
		line+=" | ? | ? | ?"
	fi
	echo "$line"
}

stat_of() { awk -v k="$1" '$1 == k { print $2 }' "$work/stats"; }
rss_of() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null; }

# per_inode RSS0 RSS N: bytes of RSS per known inode
per_inode()
{
	case $3 in ''|0|*[!0-9]*) echo "-"; return ;; esac
	case $2 in ''|*[!0-9]*) echo "-"; return ;; esac
	awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN {
		printf "%.0f B (RSS +%d KiB, %d inodes)\n", (b - a) * 1024 / n, b - a, n }'
}

# step_cell: the last step's seconds, with its status and first error
# if it failed
step_cell()
{
	echo -n "$step_s"
	[ "$step_rc" = 0 ] ||
		echo -n " (exit $step_rc: $(head -n 1 "$work/err" | cut -c1-80))"
	echo
}

# deleted_fds WHERE PID: the daemon's descriptors on removed files
deleted_fds()
{
	if [ "$1" = native ]; then
		echo -
	else
		find "/proc/$2/fd" -lname '*(deleted)' 2>/dev/null | wc -l || true
	fi
}

# has_cap BIT: we have capability BIT (CapEff, capability.h numbers)
has_cap()
{
	local eff
	eff=$(awk '$1 == "CapEff:" { print $2 }' /proc/self/status)
	(( (0x$eff >> $1) & 1 ))
}

# ---- the header ---------------------------------------------------------
echo "# fs-tree-bench: $name over $files files in $dirs directories"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: Linux $(uname -r) $(uname -m), nproc $(nproc)," \
	"$(awk '$1 == "MemTotal:" { printf "%.1f GiB", $2 / 1048576 }' \
	/proc/meminfo) of memory, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- command: \`$cmdline\`"
echo "- fnpassfs: \`$fnpassfs\`, \`--version\`:"
"$fnpassfs" --version 2>&1 | sed 's/^\(.*\)$/  - `\1`/'
echo "- mount options: ${opts:-defaults}"
echo "- descriptor limits: ${limits[*]} (default: the daemon's own; N:" \
	"\`${setpriv[*]:+${setpriv[*]} }prlimit --nofile=N:N\`); our hard limit" \
	"$(ulimit -Hn), fs.nr_open $(cat /proc/sys/fs/nr_open)," \
	"CAP_SYS_RESOURCE $(has_cap 24 && echo yes || echo no)"
echo "- backing: loop images of $image_size (sparse) in $work;" \
	"the steps run at the mount's root, a fresh mount for each limit," \
	"backing caches warm"
echo "- columns: s = seconds (native: the same step on the backing" \
	"directory); stderr = lines the step wrote to stderr; result: find's" \
	"lines, du's KiB, tar's bytes, entries in the copy counted natively;" \
	"daemon fds and RSS after the step; /.stats keys after it (- no such" \
	"key, ? /.stats unreadable)"

declare -A native_s
for fs in "${fs_list[@]}"; do
	fsdir=$work/$fs
	mkdir -p "$fsdir/backing" "$fsdir/mnt"
	img=$fsdir/$fs.img
	backing=$fsdir/backing
	src=$backing/src
	mnt=$fsdir/mnt
	progress "$fs: making the image"
	truncate -s "$image_size" "$img"
	t0=$(now)
	case $fs in
	ext4)	# room for every inode; no lazy init: its zeroing in the
		# background would slow the steps
		mkfs_cmd="mkfs.ext4 -q -F -N $inodes -E lazy_itable_init=0,lazy_journal_init=0" ;;
	xfs)	mkfs_cmd="mkfs.xfs -q -f -m reflink=1" ;;
	esac
	$mkfs_cmd "$img"
	t1=$(now)
	mkfs_s=$(elapsed "$t0" "$t1")
	loop=$(losetup --find --show "$img")
	loop_devs=("$loop")
	backing_mnts=("$backing")
	mount "$loop" "$backing"
	mkdir "$src"

	progress "$fs: creating $files files in $dirs directories"
	t0=$(now)
	create_tree "$src"
	t1=$(now)
	create_s=$(elapsed "$t0" "$t1")
	sync -f "$backing"
	t2=$(now)
	sync_s=$(elapsed "$t1" "$t2")
	inodes_used=$(df --output=iused "$backing" | tail -n 1 | tr -d ' ')

	echo
	echo "## $fs: loop image of $image_size, \`$mkfs_cmd\`"
	echo
	echo "| preparation (native) | s | result |"
	echo "|---|---|---|"
	echo "| mkfs | $mkfs_s | - |"
	echo "| create $files empty files in $dirs directories (python, 2 processes) | $create_s | $inodes_used inodes used |"
	echo "| sync | $sync_s | - |"

	# the same steps natively, for scale
	progress "$fs: the steps natively"
	for s in "${steps[@]}"; do
		case $s in mount|unmount) continue ;; esac
		run_step "$src" "${step_cmd[$s]}"
		native_s[$s]=$step_s
		if [ "$step_rc" != 0 ] || [ "$step_errs" != 0 ]; then
			[ "$step_rc" = 124 ] && step_rc="124 (over --timeout)"
			die "$fs: natively, ${step_cmd[$s]}: exit $step_rc:" \
				"$(head -n 3 "$work/err")"
		fi
	done
	rm -rf "$src/copy"

	for limit in "${limits[@]}"; do
		progress "$fs: $name, nofile $limit: mounting"
		summary=
		t0=$(now)
		mount_fnpassfs "$src" "$mnt" "$limit"
		t1=$(now)
		pid=${daemon_of[$mnt]}
		lim=$(awk '/^Max open files/ { print $4 ":" $5 }' "/proc/$pid/limits")
		echo
		echo "### $fs, $name, nofile $limit (daemon: PID $pid, Max open files $lim soft:hard)"
		echo
		echo "| step | s | native s | exit | stderr | result (expected) | daemon fds | RSS KiB | fs_inodes | fs_fd_cache_open | fs_fd_limit_errors |"
		echo "|---|---|---|---|---|---|---|---|---|---|---|"
		cols=$(daemon_cols "$mnt")
		rss0=$(rss_of "$pid")
		echo "| mount | $(elapsed "$t0" "$t1") | - | 0 | 0 | - | $cols |"
		rss_find='' ino_find='' rss_ls='' ino_ls=''
		for s in "${steps[@]}"; do
			case $s in mount|unmount) continue ;; esac
			progress "$fs: $name, nofile $limit: ${step_cmd[$s]}"
			run_step "$mnt" "${step_cmd[$s]}"
			res=$(native_result "$s" "$src")
			cols=$(daemon_cols "$mnt")
			case $s in
			find) rss_find=$(rss_of "$pid"); ino_find=$(stat_of fs_inodes) ;;
			ls) rss_ls=$(rss_of "$pid"); ino_ls=$(stat_of fs_inodes) ;;
			esac
			echo "| ${step_label[$s]} | $step_s | ${native_s[$s]} | $step_rc | $step_errs | $res ($(expected "$s")) | $cols |"
			summary+=$(err_summary "${step_label[$s]}"; echo x)
			summary=${summary%x}
			# the next run starts without the copy, whatever rm did
			if [ "$s" = rm ]; then
				rm -rf "$src/copy"
			fi
		done
		progress "$fs: $name, nofile $limit: unmounting"
		t0=$(now)
		fuse_unmount "$mnt"
		t1=$(now)
		echo "| ${step_label[unmount]} | $(elapsed "$t0" "$t1") | - | - | - | - | - | - | - | - | - |"
		rm -rf "$src/copy"
		echo
		echo "- memory per known inode (daemon RSS after the step less" \
			"right after mount, over fs_inodes): after find" \
			"$(per_inode "$rss0" "$rss_find" "$ino_find"); after" \
			"ls -lR $(per_inode "$rss0" "$rss_ls" "$ino_ls")"
		if [ -n "$summary" ]; then
			echo "- errors:"
			printf '%s' "$summary"
		fi
	done

	[ "$df_bytes" -gt 0 ] || continue
	# ---- space: a file written, read and removed -------------------------
	progress "$fs: space around writing and removing $df_size"
	echo
	echo "### $fs: used space around a $df_size file of random bytes" \
		"(MiB used on the backing file system)"
	echo
	echo "| where | before | after write | after rm | after rm + 1 s | write s | cat s | rm s | daemon fds on deleted files after rm, + 1 s |"
	echo "|---|---|---|---|---|---|---|---|---|"
	# the bytes, made once, cached: the write is timed, not urandom
	[ -f "$work/random" ] || head -c "$df_bytes" /dev/urandom >"$work/random"
	mount_fnpassfs "$src" "$mnt" default
	pid=${daemon_of[$mnt]}
	for where in native "$name"; do
		if [ "$where" = native ]; then d=$src; else d=$mnt; fi
		sleep 1
		u0=$(used_mib "$backing")
		run_step "$d" "dd if=$work/random of=big bs=1M status=none"
		w_s=$(step_cell)
		u1=$(used_mib "$backing")
		run_step "$d" "cat big >/dev/null"
		c_s=$(step_cell)
		run_step "$d" "rm big"
		r_s=$(step_cell)
		u2=$(used_mib "$backing")
		del2=$(deleted_fds "$where" "$pid")
		sleep 1
		u3=$(used_mib "$backing")
		del3=$(deleted_fds "$where" "$pid")
		echo "| $where | $u0 | $u1 | $u2 | $u3 | $w_s | $c_s | $r_s | $del2, $del3 |"
	done
	fuse_unmount "$mnt"

	progress "$fs: removing the image"
	umount "$backing"
	backing_mnts=()
	losetup -d "$loop"
	# never detach it again: the device may be someone else's by then
	loop_devs=()
	rm -f "$img"
done
progress "done"
