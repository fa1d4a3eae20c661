#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t9011: bench/fs-bench.sh runs, tiny, on a journaled ext4 image it makes
# (--ext4), with a peer that has no /.stats, and prints the tables
# doc/performance.md shows: every row in order with a ratio per variant,
# and the --ops table with the requests the rows must cause (20 creates,
# 20 unlinks, one copy_file_range) and "-" for the peer.  Nothing stays
# mounted, also when a mount fails half way.  It times nothing: no
# number is judged.  A row whose command fails stops the run.
test_description='fs-bench: rows, ratios, --ext4, --ops, cleanup'
. "$(dirname "$0")/test-lib.sh"

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
EOF

test_expect_success 'bad options exit 2 with a message' '
	for args in "--runs 0" "--files x" "--size 3Q" \
		    "--size 64M --ext4 100M" "--bogus"; do
		rc=0
		"$fsbench" --dir . $args >out 2>err || rc=$?
		test "$rc" = 2 || { echo "$args: exit $rc"; exit 1; }
		grep -q "^fs-bench: " err || { echo "$args: no message"; exit 1; }
	done &&
	no_leftovers
'

test_expect_success 'a tiny run on an ext4 image, with --ops' '
	"$fsbench" --dir . --size 8M --runs 1 --files 20 --rand-seconds 1 \
		--ext4 256M --ops \
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

test_expect_success 'every row, in order, a median and a ratio per variant' '
	h="| row | unit | native median (min-max)" &&
	h="$h | fnpassfs median (min-max) | fnpassfs ratio" &&
	grep -x -F "$h | nostats median (min-max) | nostats ratio |" out &&
	first_cells out "| row | unit |" >got &&
	cmp rows got &&
	n="[0-9][0-9.e+-]*" &&
	r="$n ($n-$n)" &&
	x="[0-9][0-9]*\.[0-9][0-9]x" &&
	grep -c "^| [^|]* | \(MB/s\|IOPS\|s\) | $r | $r | $x | $r | $x |$" \
		out >count &&
	echo 11 >expect && cmp expect count
'

test_expect_success 'the --ops table: the rows, counts, "-" without /.stats' '
	grep -x -F "| row | fnpassfs requests | nostats requests |" out &&
	first_cells out "| row | fnpassfs requests |" >got &&
	cmp rows got &&
	ops() { grep -F "| $1 |" out | tail -1; } &&
	ops "create 20 files" | grep "| [^|]*\<create 20\>[^|]* | - |$" &&
	ops "rm of 20 files (unlink)" |
		grep "| [^|]*\<unlink 20\>[^|]* | - |$" &&
	ops "cp of 8M inside the mount" |
		grep "| [^|]*\<copy_file_range 1\>[^|]* | - |$" &&
	c="less what resetting and reading /.stats costs (.*open 1.*)" &&
	grep "^# daemon requests per row: .*, $c; - = no /.stats$" out
'

test_expect_success 'a mount that fails: exit 1, everything undone' '
	rc=0 &&
	"$fsbench" --dir . --size 1M --runs 1 --files 2 --rand-seconds 1 \
		--ext4 128M --peer "bad=false" >out 2>err || rc=$? &&
	test "$rc" = 1 &&
	grep -x "fs-bench: bad: its mount command failed" err &&
	no_leftovers
'

test_expect_success 'a row whose command fails: exit 1, its message' '
	rc=0 &&
	"$fsbench" --dir . --size 1M --runs 1 --grep "cp of" \
		--peer "ro=$fnpassfs -o ro" >out 2>err || rc=$? &&
	test "$rc" = 1 &&
	grep "^fs-bench: cp: .*: Read-only file system$" err &&
	grep "^fs-bench: cp .*/mnt-ro/cp: exit 1$" err &&
	no_leftovers
'

test_done
