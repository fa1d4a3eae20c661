#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t9011: bench/fs-bench.sh runs, tiny, on a journaled ext4 image it makes
# (--ext4), with a peer that has no /.stats, and prints the tables
# doc/performance.md shows: every row in order with its files and a ratio
# per variant, the tree rows on a tree of 200 files, and the --ops table
# with the requests the rows must cause (20 creates, 20 unlinks, one
# copy_file_range, a create per file of the tree for cp -a, an unlink for
# rm -rf), per file, and "-" for the peer.  Nothing stays mounted, also
# when a mount fails half way.  It times nothing: no number is judged.  A
# row whose command fails stops the run.
test_description='fs-bench: rows, tree rows, ratios, --ext4, --ops, cleanup'
. "$(dirname "$0")/lib/test-lib.sh"

fn_require_root
fn_require_fuse
fn_require_cmd fio python3 mkfs.ext4

fsbench=$FN_SRCDIR/bench/fs-bench.sh
fnpassfs=$FN_BUILDDIR/fs/fnpassfs

# first_cells FILE HEADER: the first cell of each row of the table that
# HEADER (its first cells) opens in FILE
first_cells()
{
	awk -v h="$2" '
		index($0, h) == 1 { on = 1; next }
		on && /^\|---/ { next }
		on && /^\| / { sub(/^\| /, ""); sub(/ \|.*/, ""); print; next }
		on { exit }' "$1"
}

# nothing of ours left: no mount under the trash directory, no work dir
no_leftovers()
{
	! grep -F " $fn_trash/" /proc/mounts &&
	test -z "$(find . -maxdepth 1 -name 'fs-bench.*')"
}

cat >rows <<\EOF
sequential read, backing warm, FUSE cache cold (1 MiB)
sequential read, caches warm (1 MiB)
4 KiB random read (1s)
sequential write, no fsync (1 MiB)
sequential write + fsync (1 MiB)
cp of 8M inside the mount
dd bs=128k of 8M inside the mount
create 20 files
ls -lU of 20 files, warm
ls -lU of 20 files, FUSE cache cold
rm of 20 files (unlink)
getxattr of a missing attribute, 20 calls
EOF
for what in "ls -l of its largest directory" "ls -lR" "find -type f" \
	    "find -ls" "du -s" "stat of every file" "git status" \
	    "make, nothing to do" "tar c" "cp -a inside the mount" \
	    "rsync -a to an identical copy" "rm -rf of a copy"; do
	printf 'tree: %s, warm\ntree: %s, FUSE cache cold\n' "$what" "$what"
done >>rows

test_expect_success 'bad options exit 2 with a message' '
	for args in "--runs 0" "--files x" "--size 3Q" \
		    "--size 64M --ext4 100M" "--tree-files x" "--tree-dirs 0" \
		    "--tree-size 3Q" "--size 1M --ext4 256M --tree-files 100000" \
		    "--bogus"; do
		rc=0
		"$fsbench" --dir . $args >out 2>err || rc=$?
		test "$rc" = 2 || { echo "$args: exit $rc"; exit 1; }
		grep -q "^fs-bench: " err || { echo "$args: no message"; exit 1; }
	done &&
	no_leftovers
'

test_expect_success 'a tiny run on an ext4 image, with --ops' '
	"$fsbench" --dir . --size 8M --runs 1 --files 20 --rand-seconds 1 \
		--tree-files 200 --tree-dirs 20 --ext4 256M --ops \
		--peer "nostats=$fnpassfs -o nostats" >out 2>err &&
	! grep "^fs-bench" err
'

test_expect_success 'nothing left mounted or on disk' '
	no_leftovers
'

test_expect_success 'the header names the journaled ext4 image' '
	b="backing ext4 loop image of 256M, journal" &&
	grep "^# fnpassfs vs native: .*, $b, 8M files, 1 runs, " out
'

test_expect_success 'the tree: its files, directories and largest one' '
	t="# tree: 200 files ([0-9.]*[KM]) in 20 directories, a symlink" &&
	t="$t per 200 files, a Makefile, git: [1-9][0-9]* names;" &&
	grep "^$t largest directory [^ ]* ([1-9][0-9]* names)$" out
'

test_expect_success 'every row, in order, files, a median and a ratio per variant' '
	h="| row | unit | files | native median (min-max)" &&
	h="$h | fnpassfs median (min-max) | fnpassfs ratio" &&
	grep -x -F "$h | nostats median (min-max) | nostats ratio |" out &&
	first_cells out "| row | unit |" >got &&
	cmp rows got &&
	n="[0-9][0-9.e+-]*" &&
	r="$n ($n-$n)" &&
	x="[0-9][0-9]*\.[0-9][0-9]x" &&
	f="\(-\|[1-9][0-9]*\)" &&
	grep -c "^| [^|]* | \(MB/s\|IOPS\|s\) | $f | $r | $r | $x | $r | $x |$" \
		out >count &&
	echo 36 >expect && cmp expect count &&
	grep -c "^| \(tree: \|create\|ls -lU\|rm of\|getxattr\)[^|]* | s | [1-9]" \
		out >count &&
	echo 29 >expect && cmp expect count
'

test_expect_success 'the --ops table: the rows, counts, "-" without /.stats' '
	grep -x -F "| row | fnpassfs requests | nostats requests |" out &&
	first_cells out "| row | fnpassfs requests |" >got &&
	cmp rows got &&
	ops() { grep -F "| $1 |" out | tail -1; } &&
	ops "create 20 files" | grep "| [^|]*\<create 20\>[^|]* | - |$" &&
	ops "rm of 20 files (unlink)" |
		grep "| [^|]*\<unlink 20\>[^|]* | - |$" &&
	# the round trip row: one getxattr a call, and the daemon time
	ops "getxattr of a missing attribute, 20 calls" |
		grep "| 1\.0[05] per file: daemon [0-9.]* us a request: getxattr 20\>[^|]* | - |$" &&
	ops "cp of 8M inside the mount" |
		grep "| [^|]*\<copy_file_range 1\>[^|]* | - |$" &&
	# the tree: a create per file, an unlink per file and symlink
	files=$(grep "^| tree: stat of every file, warm | s | " out |
		cut -d"|" -f4 | tr -d " ") &&
	p="[0-9][0-9]*\.[0-9][0-9] per file: " &&
	ops "tree: cp -a inside the mount, warm" |
		grep "| $p[^|]*\<create $files\>[^|]* | - |$" &&
	ops "tree: rm -rf of a copy, FUSE cache cold" |
		grep "| $p[^|]*\<unlink $((files + 1))\>[^|]* | - |$" &&
	test "$(grep -c "| $p" out)" = 29 &&
	c="less what resetting and reading /.stats costs (.*open 1.*)" &&
	e="- = no /.stats; per file = all of them over the row.s files; daemon us a request = .*(fs_<op>_ns)" &&
	grep "^# daemon requests per row: .*, $c; $e$" out
'

test_expect_success 'a mount that fails: exit 1, everything undone' '
	rc=0 &&
	"$fsbench" --dir . --size 1M --runs 1 --files 2 --rand-seconds 1 \
		--tree-files 0 --ext4 128M --peer "bad=false" >out 2>err ||
		rc=$? &&
	test "$rc" = 1 &&
	grep -x "fs-bench: bad: its mount command failed" err &&
	no_leftovers
'

test_expect_success 'a row whose command fails: exit 1, its message' '
	rc=0 &&
	"$fsbench" --dir . --size 1M --runs 1 --grep "cp of" --tree-files 0 \
		--peer "ro=$fnpassfs -o ro" >out 2>err || rc=$? &&
	test "$rc" = 1 &&
	grep "^fs-bench: cp: .*: Read-only file system$" err &&
	grep "^fs-bench: cp .*/mnt-ro/cp: exit 1$" err &&
	no_leftovers
'

test_done
