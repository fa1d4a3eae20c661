# SPDX-License-Identifier: MIT
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

rm -rf "$fn_trash" || exit 1
mkdir -p "$fn_trash" && cd "$fn_trash" || exit 1

skip_all()
{
	echo "1..0 # SKIP $*"
	trap - EXIT
	fn_run_cleanups
	exit 0
}

test_expect_success()
{
	local desc=$1 body=$2
	fn_test_count=$((fn_test_count + 1))
	if (eval "$body") >"$fn_trash/.out.$fn_test_count" 2>&1; then
		echo "ok $fn_test_count - $desc"
	else
		fn_test_failed=$((fn_test_failed + 1))
		echo "not ok $fn_test_count - $desc"
		sed -e 's/^/#	/' "$fn_trash/.out.$fn_test_count"
	fi
}

# Like test_expect_success, but the body runs in this shell, so the
# variables it sets stay for the tests after it (use for setup).
test_expect_setup()
{
	local desc=$1 body=$2
	fn_test_count=$((fn_test_count + 1))
	if eval "$body" >"$fn_trash/.out.$fn_test_count" 2>&1; then
		echo "ok $fn_test_count - $desc"
	else
		fn_test_failed=$((fn_test_failed + 1))
		echo "not ok $fn_test_count - $desc"
		sed -e 's/^/#	/' "$fn_trash/.out.$fn_test_count"
	fi
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
		cd "$FN_BUILDDIR" && rm -rf "$fn_trash"
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

# ---- file systems --------------------------------------------------------

# fn_mount_tmpfs DIR [SIZE]: a tmpfs of its own at DIR (cross-device copies)
fn_mount_tmpfs()
{
	mkdir -p "$1" &&
	mount -t tmpfs -o "size=${2:-256m}" fnaccel-test "$1" &&
	fn_at_exit "umount '$1' || umount -l '$1'"
}

# fn_mount_xfs DIR [SIZE]: an XFS loop image with reflinks at DIR
fn_mount_xfs()
{
	local img=$1.img
	truncate -s "${2:-2G}" "$img" &&
	mkfs.xfs -q -f -m reflink=1 "$img" &&
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


# ---- preload helpers -------------------------------------------------------


# ---- engine helpers ------------------------------------------------------
