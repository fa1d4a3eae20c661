#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t9010: fnbench runs, tiny, and prints the table doc/performance.md
# shows: its columns, one row per variant, the new space of a reflink
# (none, on an XFS image) and of a real copy (all, on an ext4 image); bad
# options exit 2 with a message.  It times nothing: no numbers are judged.
test_description='fnbench: table, rows, new space, options'
. "$(dirname "$0")/lib/test-lib.sh"

fn_require_root
fn_require_cmd mkfs.xfs mkfs.ext4 setpriv
# what the users run and reach is in a directory they can enter
fn_users_trash || exit 1

fnbench=$FN_BUILDDIR/bench/fnbench
header='| size | path | median s | min-max s | MB/s | ratio | new space '\
'| copy only s | copy cpu s |'

# bench_rows FILE: "SIZE PATH | RATIO | NEW SPACE" per table row, or
# "bad row" for a row without its 9 cells
bench_rows()
{
	sed -n -e '/^| size |/d' -e '/^|---/d' -e 's/^| \(.*\) |$/\1/p' \
		"$1" |
	awk -F' [|] ' 'NF != 9 { print "bad row: " $0; next }
		{ print $1 " " $2 " | " $6 " | " $7 }'
}

test_expect_setup 'fnbench is built (make bench)' '
	{ test -x "$fnbench" ||
	  make -C "$FN_BUILDDIR" bench/fnbench >/dev/null; } &&
	test -x "$fnbench" &&
	fnbench=$(fn_users_copy "$fnbench")
'

test_expect_success 'bad options exit 2 with a message' '
	for args in "--size 3X" "--size=3X" "--size 1M,,x" "--size 0" \
		    "--iterations 0" "--iterations -1" "--iterations x" \
		    "--sweep-size 1Q" "--dir /nonexistent/fnbench" \
		    "--bogus" "extra"; do
		rc=0
		"$fnbench" $args >out 2>err || rc=$?
		test "$rc" = 2 || { echo "$args: exit $rc"; exit 1; }
		test ! -s out || { echo "$args: wrote a table"; exit 1; }
		grep -q "^fnbench: " err ||
			{ echo "$args: no message"; exit 1; }
	done &&
	{ "$fnbench" --size 3X 2>err; test $? = 2; } &&
	echo "fnbench: --size=3X: not a size" >expect &&
	cmp expect err &&
	{ "$fnbench" --iterations 0 2>err; test $? = 2; } &&
	echo "fnbench: --iterations=0: not a number from 1 to 1000" >expect &&
	cmp expect err
'

test_expect_success '--help names every option, exits 0' '
	"$fnbench" --help >out &&
	for o in --size --iterations --grep --dir --sweep-size --cold --help
	do
		grep -q -e "^  $o " out || { echo "no $o"; exit 1; }
	done
'

test_expect_setup 'mount an ext4 and an XFS reflink image' '
	fn_mount_ext4 ext4 64M && fn_mount_xfs xfs 1G &&
	fn_is_mounted ext4 && fn_is_mounted xfs
'

test_expect_success 'ext4: header, machine line, the rows of the sweep' '
	"$fnbench" --size 1M --iterations 1 --dir ext4 >out 2>err &&
	test ! -s err &&
	grep -x -F "$header" out &&
	grep -x -F "|---|---|---|---|---|---|---|---|---|" out &&
	m="^- machine: nproc $(nproc), Linux $(uname -r) .*, --dir ext4" &&
	grep "$m on ext4, 20[0-9-]* [0-9:]* UTC, load average [0-9.]*$" out &&
	grep -x -F -e "- cache: warm (the source is in the page cache)" out &&
	bench_rows out >rows &&
	cat >expect <<-\EOF &&
	1M kernel | 1.00 | 1.0 MiB (100%)
	1M fallback 64K | * | 1.0 MiB (100%)
	1M fallback 256K | * | 1.0 MiB (100%)
	1M fallback 1M | * | 1.0 MiB (100%)
	1M fallback 4M | * | 1.0 MiB (100%)
	1M fallback 16M | * | 1.0 MiB (100%)
	1M fallback 64M | * | 1.0 MiB (100%)
	EOF
	sed "s/^\(.*fallback [0-9A-Z]*\) | [0-9.]* |/\1 | * |/" rows >got &&
	cmp expect got
'

test_expect_success 'ext4: no file left behind' '
	ls -A ext4 >got && echo lost+found >expect && cmp expect got
'

test_expect_success 'XFS: the kernel path is a reflink, no new space' '
	"$fnbench" --size 1M,2M --iterations 2 --sweep-size 0 --dir xfs \
		>out 2>err &&
	test ! -s err &&
	grep "^- machine: .*, --dir xfs on xfs, " out &&
	bench_rows out >rows &&
	cat >expect <<-\EOF &&
	1M kernel | 1.00 | 0.0 MiB (0%)
	1M fallback 4M | * | 1.0 MiB (100%)
	2M kernel | 1.00 | 0.0 MiB (0%)
	2M fallback 4M | * | 2.0 MiB (100%)
	EOF
	sed "s/^\(.*fallback [0-9A-Z]*\) | [0-9.]* |/\1 | * |/" rows >got &&
	cmp expect got &&
	test -z "$(ls -A xfs)"
'

test_expect_success '--grep runs only the matching rows' '
	"$fnbench" --size 1M --iterations 1 --grep "fallback 1M" \
		--dir ext4 >out &&
	bench_rows out >rows &&
	echo "1M fallback 1M | - | 1.0 MiB (100%)" >expect &&
	cmp expect rows &&
	"$fnbench" --size 1M --iterations 1 --grep nomatch --dir ext4 >out &&
	bench_rows out >rows && test ! -s rows
'

test_expect_success '--cold without root: posix_fadvise, said so' '
	mkdir ext4/cold && chmod 777 ext4/cold &&
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$fnbench" --size 1M --iterations 1 --sweep-size 0 --cold \
		--dir ext4/cold >out &&
	c="- cache: cold (posix_fadvise DONTNEED on both files" &&
	grep -x -F -e "$c before each run: drop_caches not allowed)" out &&
	bench_rows out >rows &&
	printf "%s\n" "1M kernel | 1.00 | 1.0 MiB (100%)" \
		"1M fallback 4M | * | 1.0 MiB (100%)" >expect &&
	sed "s/^\(.*fallback [0-9A-Z]*\) | [0-9.]* |/\1 | * |/" rows >got &&
	cmp expect got
'

test_done
