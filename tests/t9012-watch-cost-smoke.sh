#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t9012: bench/watch-cost.sh runs, tiny, on the ext4 image it makes and
# prints the table doc/performance.md shows: its three rows in order, a
# median, a spread and a ratio for each variant, and for cache=watch the
# daemon's CPU time and the events it read, which must be at least one
# per file the churn row made beside the mount (each is created, written
# and removed: three changes the watch is told of).  Bad options exit 2
# with a message; nothing stays mounted or on disk.  It times nothing:
# no number but the events is judged.
test_description='watch-cost: the table, the events, options, cleanup'
. "$(dirname "$0")/lib/test-lib.sh"

fn_require_root
fn_require_fuse
fn_require_cmd python3 mkfs.ext4

bench=$FN_SRCDIR/bench/watch-cost.sh

no_leftovers()
{
	! grep -F " $fn_trash/" /proc/mounts &&
	test -z "$(find . -maxdepth 1 -name 'watch-cost.*')"
}

test_expect_success 'bad options exit 2 with a message' '
	for args in "--runs 0" "--files x" "--size 3Q" "--bogus"; do
		rc=0
		FN_BUILDDIR=$FN_BUILDDIR "$bench" --dir . $args >out 2>err ||
			rc=$?
		test "$rc" = 2 || { echo "$args: exit $rc"; exit 1; }
		grep -q "^watch-cost: " err || { echo "$args: no message"; exit 1; }
	done &&
	no_leftovers
'

test_expect_success 'a tiny run prints the table' '
	FN_BUILDDIR=$FN_BUILDDIR "$bench" --dir . --size 4M --files 200 \
		--runs 1 >out 2>err &&
	! test -s err &&
	no_leftovers
'

test_expect_success 'its rows in order, each with every cell' '
	cat >expect <<-\EOT &&
	dd bs=128k of 4M beside the mount
	create, write, remove 200 files beside the mount
	dd bs=128k of 4M through the mount
	EOT
	sed -n "s/^| \([^|]*[^ |]\) | .*/\1/p" out | sed 1d >got &&
	test_cmp expect got &&
	n="[0-9][0-9.]*" &&
	c="$n ($n-$n)" &&
	x="[0-9][0-9]*\.[0-9][0-9]x" &&
	grep -c "^| [^|]* | \($c\|-\) | $c | $x | $c | $x | [0-9][0-9]* | [0-9][0-9]* |$" \
		out >count &&
	echo 3 >expect &&
	test_cmp expect count
'

test_expect_success 'the watch read an event for every file made beside it' '
	events=$(grep "^| create, write, remove 200 files" out |
		awk -F" [|] " "{ print \$8 }" | tr -d " |") &&
	test "$events" -ge 200
'

test_done
