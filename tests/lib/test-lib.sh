# SPDX-License-Identifier: LGPL-2.1-or-later
# test-lib.sh: the shell side of our TAP tests, sourced by tNNNN-*.sh.
#
# A test script sets test_description, sources this file, then runs
#	test_expect_success 'what it shows' 'commands chained with &&'
# and ends with test_done.  Each script works in trash.<name>/ in the
# build tree's tests/ (kept when a test fails), and everything it mounts
# or starts is undone by an EXIT trap, on every exit path.

set -u

FN_SRCDIR=${FN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
FN_BUILDDIR=${FN_BUILDDIR:-$(pwd)}
export FN_SRCDIR FN_BUILDDIR

fn_test_name=$(basename "$0" .sh)
fn_trash=$FN_BUILDDIR/tests/trash.$fn_test_name
fn_test_count=0
fn_test_failed=0
fn_cleanups=

# fn_at_exit 'command': run command at exit, last registered first
fn_at_exit()
{
	fn_cleanups="$1
$fn_cleanups"
}

fn_run_cleanups()
{
	local cmd
	local IFS='
'
	for cmd in $fn_cleanups; do
		eval "$cmd" >/dev/null 2>&1
	done
	fn_cleanups=
}

fn_exit_trap()
{
	local rc=$?
	fn_run_cleanups
	exit $rc
}
trap fn_exit_trap EXIT
# A signal ends the script through exit, so the EXIT trap cleans up
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

# fn_remove_dir DIR: rm -rf DIR, but never through a mount: what is
# mounted below DIR is unmounted first (lazily if busy), and DIR is kept,
# with a message, if something stays mounted there
fn_remove_dir()
{
	local d m
	[ -e "$1" ] || [ -L "$1" ] || return 0
	d=$(cd "$1" 2>/dev/null && pwd -P) || d=$1
	for m in $(awk -v d="$d/" 'index($2, d) == 1 { print $2 }' \
			/proc/self/mounts | sort -r); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	if awk -v d="$d/" 'index($2, d) == 1 { f = 1 } END { exit !f }' \
			/proc/self/mounts; then
		echo "# kept $1: a file system is still mounted below it"
		return 1
	fi
	rm -rf "$1"
}

# The work directory of an earlier run, and where it pointed to (see
# fn_users_trash)
fn_trash_link=
if [ -L "$fn_trash" ]; then
	case $(readlink "$fn_trash") in
	/tmp/fnaccel-"$fn_test_name".*)
		fn_remove_dir "$(readlink "$fn_trash")" || exit 1 ;;
	esac
	rm -f "$fn_trash"
fi
fn_remove_dir "$fn_trash" || exit 1
mkdir -p "$fn_trash" && cd "$fn_trash" || exit 1

skip_all()
{
	echo "1..0 # SKIP $*"
	trap - EXIT
	fn_run_cleanups
	[ -z "$fn_trash_link" ] || fn_users_trash_remove
	exit 0
}

# test_expect_success [PREREQ] 'what it shows' 'body': with PREREQ (one
# name, or several joined by commas), the test is skipped unless each
# was set with test_set_prereq (and each !NAME was not)
test_expect_success()
{
	if [ $# = 3 ]; then
		fn_prereq_or_skip "$1" "$2" || return 0
		shift
	fi
	local fn_desc=$1 fn_body=$2
	fn_test_count=$((fn_test_count + 1))
	(eval "$fn_body") >"$fn_trash/.out.$fn_test_count" 2>&1
	fn_test_result $? "$fn_desc"
}

# test_expect_setup [PREREQ] 'what' 'body': like test_expect_success,
# but the body runs in this shell, so the variables it sets stay for the
# tests after it (use for setup).  Its own names are fn_-prefixed, so a
# body may set any other variable (and its arguments, with set --).
test_expect_setup()
{
	if [ $# = 3 ]; then
		fn_prereq_or_skip "$1" "$2" || return 0
		shift
	fi
	local fn_desc=$1 fn_body=$2
	fn_test_count=$((fn_test_count + 1))
	eval "$fn_body" >"$fn_trash/.out.$fn_test_count" 2>&1
	fn_test_result $? "$fn_desc"
}

# fn_prereq_or_skip PREREQ DESC: PREREQ holds; else the test DESC says
# skip, and why: "missing NAME", or "only without NAME" for a !NAME
fn_prereq_or_skip()
{
	local IFS=, p why=
	for p in $1; do
		test_have_prereq "$p" && continue
		case $p in
		!*) why="$why${why:+, }only without ${p#!}" ;;
		*) why="$why${why:+, }missing $p" ;;
		esac
	done
	[ -z "$why" ] && return 0
	test_skip "$2" "$why"
	return 1
}

# fn_test_result STATUS DESC: the TAP line of the test just run, and its
# output as diagnostics when it failed
fn_test_result()
{
	if [ "$1" = 0 ]; then
		echo "ok $fn_test_count - $2"
		return 0
	fi
	fn_test_failed=$((fn_test_failed + 1))
	echo "not ok $fn_test_count - $2"
	sed -e 's/^/#	/' "$fn_trash/.out.$fn_test_count"
}

# test_set_prereq NAME: what tests named by NAME need is here
fn_prereqs=,
test_set_prereq()
{
	fn_prereqs="$fn_prereqs$1,"
}

# test_have_prereq NAME[,NAME...]: every one was set (!NAME: was not)
test_have_prereq()
{
	local IFS=, p
	for p in $1; do
		case $p,$fn_prereqs in
		!*",${p#!},"*) return 1 ;;
		!*) ;;
		*",$p,"*) ;;
		*) return 1 ;;
		esac
	done
}

# test_cmp EXPECT ACTUAL: the same bytes; else the difference is shown
test_cmp()
{
	diff -u "$1" "$2"
}

# test_must_fail CMD...: CMD exits non-zero, and not because a signal
# killed it (a crash is not the failure a test expects)
test_must_fail()
{
	local st=0
	"$@" || st=$?
	if [ $st = 0 ]; then
		echo "test_must_fail: $* succeeded"
		return 1
	fi
	if [ $st -gt 128 ]; then
		echo "test_must_fail: $* died of signal $((st - 128))"
		return 1
	fi
	return 0
}

# test_expect_code N CMD...: CMD exits with status N exactly
test_expect_code()
{
	local want=$1 st=0
	shift
	"$@" || st=$?
	[ $st = $want ] && return 0
	echo "test_expect_code: $*: exit status $st, expected $want"
	return 1
}

test_skip()
{
	fn_test_count=$((fn_test_count + 1))
	echo "ok $fn_test_count # skip $1: $2"
}

test_done()
{
	echo "1..$fn_test_count"
	fn_run_cleanups
	if [ "$fn_test_failed" -eq 0 ]; then
		cd "$FN_BUILDDIR" && fn_remove_dir "$fn_trash" &&
		{ [ -z "$fn_trash_link" ] || rm -f "$fn_trash_link"; }
		exit 0
	fi
	echo "# failed $fn_test_failed of $fn_test_count (kept $fn_trash)"
	exit 1
}

# ---- what a test needs ------------------------------------------------

fn_require_root()
{
	[ "$(id -u)" = 0 ] || skip_all "needs root (mounts)"
}

fn_require_cmd()
{
	local c
	for c; do
		command -v "$c" >/dev/null 2>&1 ||
			skip_all "$c not installed (scripts/install-deps)"
	done
}

fn_require_fuse()
{
	[ -c /dev/fuse ] || skip_all "no /dev/fuse"
	fn_require_cmd fusermount3
}

# ---- other users ---------------------------------------------------------

# A test that runs something as another user (setpriv, runuser) needs
# all that user reaches to be reachable, and a clone may sit under a home
# of mode 0700 (/root/project), where no other user can enter the build
# tree.  fn_users_trash, called before the first test, moves the work
# directory to a mktemp -d of mode 0755 under /tmp (tests/trash.NAME
# becomes a link to it; removed as the work directory is, kept with it
# when a test fails); fn_users_copy FILE copies a program or script of
# the tree into its bin/ and prints the copy's path.
fn_users_trash()
{
	local d
	d=$(mktemp -d "/tmp/fnaccel-$fn_test_name.XXXXXX") &&
	chmod 755 "$d" && d=$(cd "$d" && pwd -P) || return 1
	cd "$FN_BUILDDIR" && rmdir "$fn_trash" && ln -s "$d" "$fn_trash" &&
	fn_trash_link=$fn_trash && fn_trash=$d && cd "$fn_trash"
}

fn_users_trash_remove()
{
	cd "$FN_BUILDDIR" && fn_remove_dir "$fn_trash" && rm -f "$fn_trash_link"
}

fn_users_copy()
{
	mkdir -p "$fn_trash/bin" && chmod 755 "$fn_trash/bin" &&
	cp "$1" "$fn_trash/bin/" && chmod a+rX "$fn_trash/bin/${1##*/}" &&
	echo "$fn_trash/bin/${1##*/}"
}

# ---- file systems --------------------------------------------------------

# fn_mount_tmpfs DIR [SIZE]: a tmpfs of its own at DIR (cross-device copies)
fn_mount_tmpfs()
{
	mkdir -p "$1" &&
	mount -t tmpfs -o "size=${2:-256m}" fnaccel-test "$1" &&
	fn_at_exit "umount '$1' || umount -l '$1'"
}

# fn_mount_xfs DIR [SIZE [REFLINK]]: an XFS loop image at DIR, with
# reflinks unless REFLINK is 0
fn_mount_xfs()
{
	local img=$1.img
	truncate -s "${2:-2G}" "$img" &&
	mkfs.xfs -q -f -m "reflink=${3:-1}" "$img" &&
	mkdir -p "$1" &&
	mount -o loop "$img" "$1" &&
	fn_at_exit "umount '$1' || umount -l '$1'; rm -f '$img'"
}

# fn_mount_ext4 DIR [SIZE]: an ext4 loop image at DIR (small, for ENOSPC)
fn_mount_ext4()
{
	local img=$1.img
	truncate -s "${2:-64M}" "$img" &&
	mkfs.ext4 -q -F "$img" &&
	mkdir -p "$1" &&
	mount -o loop "$img" "$1" &&
	fn_at_exit "umount '$1' || umount -l '$1'; rm -f '$img'"
}

# fn_is_mounted DIR: DIR is a mount point in /proc/self/mounts
fn_is_mounted()
{
	local d
	d=$(cd "$1" 2>/dev/null && pwd -P) || return 1
	awk -v d="$d" '$2 == d { found = 1 } END { exit !found }' \
		/proc/self/mounts
}

# ---- fnpassfs helpers (fn_mount ...) --------------------------------------

# fn_mount SRC MNT [OPTIONS]: run fnpassfs -f SRC MNT -o OPTIONS in the
# background; waits (10 s at most) until MNT is in the mount table, fails
# at once if the daemon died.  Sets FN_MOUNT_PID; the EXIT trap unmounts
# (fusermount3 -u, then -uz) and kills the daemon.  Its stderr goes to
# fnpassfs.<basename of MNT>.log in the trash directory.  Call it from
# test_expect_setup so the cleanup runs in order with the others (from a
# subshell, a registry file still makes the EXIT trap undo it).
# FN_MOUNT_PREFIX, set for one call, is a command (split into words) that
# fnpassfs runs under and that execs it, so FN_MOUNT_PID is the daemon:
#	FN_MOUNT_PREFIX='prlimit --nofile=256:256' fn_mount src mnt
# Unset or empty, fnpassfs is started directly.
fn_mount()
{
	local src=$1 mnt=$2 opts=${3:-} log pid i abs
	local prefix=${FN_MOUNT_PREFIX:-}
	log=$fn_trash/fnpassfs.$(basename "$mnt").log
	abs=$(cd "$mnt" && pwd -P) || return 1
	# ($prefix unquoted: its words, or none at all)
	if [ -n "$opts" ]; then
		$prefix "$FN_BUILDDIR/fs/fnpassfs" -f "$src" "$mnt" -o "$opts" \
			>>"$log" 2>&1 &
	else
		$prefix "$FN_BUILDDIR/fs/fnpassfs" -f "$src" "$mnt" \
			>>"$log" 2>&1 &
	fi
	pid=$!
	FN_MOUNT_PID=$pid
	# test bodies run in subshells: the registry outlives them
	echo "$pid $abs" >>"$fn_trash/.fnpassfs-mounts"
	# at the top level (test_expect_setup), in order with other cleanups
	[ "${BASH_SUBSHELL:-0}" = 0 ] &&
		fn_at_exit "fn_unmount_pid '$abs' $pid"
	for i in $(seq 100); do
		fn_is_mounted "$mnt" && return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "fnpassfs died before mounting:" >&2
			cat "$log" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "fnpassfs did not mount $mnt within 10 s" >&2
	return 1
}

# fn_is_fnpassfs DIR: the top mount on DIR is a fnpassfs (not, e.g., the
# loop file system a test mounted fnpassfs over)
fn_is_fnpassfs()
{
	local d
	# a dead daemon leaves a mount that cannot be entered: take DIR as is
	d=$(cd "$1" 2>/dev/null && pwd -P) || d=$1
	awk -v d="$d" '$2 == d { t = $3 } END { exit t != "fuse.fnpassfs" }' \
		/proc/self/mounts
}

# fn_unmount_pid MNT PID: unmount MNT if it is mounted, then make sure
# PID (a daemon we started) is gone; waits for it, kills it if it stays
fn_unmount_pid()
{
	local mnt=$1 pid=$2 i
	if fn_is_fnpassfs "$mnt"; then
		fusermount3 -u "$mnt" 2>/dev/null ||
			fusermount3 -uz "$mnt" 2>/dev/null
	fi
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null
		sleep 0.2
		kill -9 "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

# Undo every fn_mount of this script (registered at the top level)
fn_mount_cleanup_all()
{
	local pid mnt
	[ -f "$fn_trash/.fnpassfs-mounts" ] || return 0
	# (fn_run_cleanups has IFS set to a newline)
	while IFS=' ' read -r pid mnt; do
		fn_unmount_pid "$mnt" "$pid"
	done <"$fn_trash/.fnpassfs-mounts"
	rm -f "$fn_trash/.fnpassfs-mounts"
}
fn_at_exit fn_mount_cleanup_all

# fn_daemon_pid MNT: the pid of our fnpassfs serving MNT (daemon mode;
# it must have been started with MNT as an absolute physical path)
fn_daemon_pid()
{
	local d p
	d=$(cd "$1" 2>/dev/null && pwd -P) || d=$1
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2>/dev/null)" = \
			"$(readlink -f "$FN_BUILDDIR/fs/fnpassfs")" ] || continue
		tr '\0' '\n' <"$p/cmdline" 2>/dev/null | grep -qxF "$d" ||
			continue
		echo "${p#/proc/}"
		return 0
	done
	return 1
}

# fn_register_mount PID MNT: have the EXIT trap undo a mount made another way
fn_register_mount()
{
	echo "$1 $(cd "$2" && pwd -P)" >>"$fn_trash/.fnpassfs-mounts"
}

# fn_umount MNT [PID]: fusermount3 -u MNT and wait (10 s at most) for the
# daemon to exit; with PID a child of this shell, its status must be 0
fn_umount()
{
	local mnt=$1 pid=${2:-$FN_MOUNT_PID} i st=0
	fusermount3 -u "$mnt" || return 1
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && { echo "fnpassfs $pid still runs" >&2; return 1; }
	wait "$pid" 2>/dev/null || st=$?
	# 127: not our child (mounted in another test body): status unknown
	[ "$st" = 0 ] || [ "$st" = 127 ] ||
		{ echo "fnpassfs exited $st" >&2; return 1; }
}

# fn_fs_stat KEY MNT [NAME]: the value of KEY in MNT/.stats (or MNT/NAME)
fn_fs_stat()
{
	awk -v k="$1" '$1 == k { print $2; found = 1 } END { exit !found }' \
		"$2/${3:-.stats}"
}


# fn_retry CMD...: useradd and friends fail while another test holds the
# lock on /etc/passwd or /etc/group: try again for a few seconds
fn_retry()
{
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		"$@" && return 0
		sleep 1
	done
	return 1
}


# ---- preload helpers -------------------------------------------------------

# The build tree's library and command; the variables a test may set are
# cleared so the caller's environment cannot change a result.
FN_PRELOAD_LIB=$FN_BUILDDIR/preload/.libs/libfnaccel.so
FN_FNACCEL=$FN_BUILDDIR/preload/fnaccel
FNACCEL_LIBRARY=$FN_PRELOAD_LIB
export FNACCEL_LIBRARY
unset FNACCEL_DISABLE FNACCEL_MIN_SIZE FNACCEL_FS FNACCEL_VERIFY \
	FNACCEL_STATS FNACCEL_CFR_FALLBACK FNACCEL_LOG FNACCEL_LOG_FILE \
	FNACCEL_CHUNK_SIZE FNACCEL_DATA_COPY FNACCEL_STATS_SHM \
	FNACCEL_STATS_SLOTS
# The tests of what a substitution does copy blocks of 64 KiB to 1 MiB,
# below the size from which a copy pays on XFS by default (2 MiB, dev.c):
# they ask for them as a user who wants the space would.  The defaults of
# each file system are tested with it unset (t1008).
FNACCEL_MIN_SIZE=64K
export FNACCEL_MIN_SIZE

# fn_require_preload: the library and fnaccel are built
fn_require_preload()
{
	[ -r "$FN_PRELOAD_LIB" ] || skip_all "libfnaccel.so not built"
	[ -x "$FN_FNACCEL" ] || skip_all "fnaccel not built"
}

# fn_python: Debian's python3 (/usr/bin), not a version manager's shim
FN_PYTHON=python3
[ -x /usr/bin/python3 ] && FN_PYTHON=/usr/bin/python3
fn_python()
{
	"$FN_PYTHON" "$@"
}

# fn_preload STATS COMMAND [ARG]...: COMMAND with the library preloaded,
# its statistics appended to the file STATS
fn_preload()
{
	local stats=$1
	shift
	case $stats in /*) ;; *) stats=$PWD/$stats ;; esac
	FNACCEL_STATS=$stats LD_PRELOAD=$FN_PRELOAD_LIB "$@"
}

# fn_stat KEY FILE: KEY's value summed over all blocks of FILE (0 if none);
# %.0f, as mawk's %d stops at 2^31 - 1
fn_stat()
{
	awk -v k="$1" '$1 == k { s += $2 } END { printf "%.0f\n", s }' "$2"
}

# fn_have_stat KEY FILE: FILE has a line of KEY, else it says so: a key
# renamed or gone is a failure, never a 0
fn_have_stat()
{
	awk -v k="$1" '$1 == k { found = 1; exit } END { exit !found }' \
		"$2" && return 0
	echo "stat $1: no such key in $2" >&2
	return 1
}

# fn_expect_stat KEY VALUE FILE: KEY is in FILE and sums to exactly VALUE
fn_expect_stat()
{
	local got
	fn_have_stat "$1" "$3" || return 1
	got=$(fn_stat "$1" "$3") || return 1
	[ "$got" = "$2" ] && return 0
	echo "stat $1: expected $2, got $got" >&2
	return 1
}

# fn_expect_stat_0_or_absent KEY FILE: KEY sums to 0 or FILE has no line
# of it, for a key that only some builds or some processes print
fn_expect_stat_0_or_absent()
{
	local got
	got=$(fn_stat "$1" "$2") || return 1
	[ "$got" = 0 ] && return 0
	echo "stat $1: expected 0 or no line, got $got" >&2
	return 1
}

# fn_expect_stats FILE KEY=VALUE...: each KEY sums to exactly VALUE in FILE
fn_expect_stats()
{
	local file=$1 kv
	shift
	for kv; do
		fn_expect_stat "${kv%%=*}" "${kv#*=}" "$file" || return 1
	done
}

# fn_random FILE SIZE: SIZE bytes (head -c syntax) of random data
fn_random()
{
	head -c "$2" /dev/urandom >"$1"
}

# fn_all_shared FILE: every extent of FILE is shared (reflinked), and
# there is at least one
fn_all_shared()
{
	filefrag -v "$1" | awk '
		/^ *[0-9]+:/ { n++; if ($0 !~ /shared/) bad++ }
		END { exit !(n > 0 && bad == 0) }'
}

# fn_none_shared FILE: no extent of FILE is shared
fn_none_shared()
{
	! filefrag -v "$1" | grep -q shared
}


# ---- engine helpers ------------------------------------------------------
