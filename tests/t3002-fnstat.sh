#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='fnstat: a mount and a running fnaccel sampled, exact deltas, columns, errors'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_fuse
fn_require_preload
fn_require_cmd mkfs.ext4 mkfs.xfs

FNSTAT=$FN_BUILDDIR/tools/fnstat
[ -x "$FNSTAT" ] || skip_all "fnstat not built"

# blocks FILE: the complete --raw blocks in FILE (each ends in an empty line)
blocks()
{
	grep -c '^$' "$1"
}

# wait_for WHAT COMMAND...: until COMMAND succeeds (10 s at most)
wait_for()
{
	local what=$1 i
	shift
	for i in $(seq 100); do
		"$@" && return 0
		sleep 0.1
	done
	echo "no $what after 10 s" >&2
	return 1
}

has_blocks()
{
	[ "$(blocks "$1")" -ge "$2" ]
}

has_lines()
{
	[ "$(wc -l <"$1")" -ge "$2" ]
}

# wait_blocks FILE N, wait_lines FILE N: until FILE has N blocks, lines
wait_blocks()
{
	wait_for "$2 blocks in $1" has_blocks "$1" "$2"
}

wait_lines()
{
	wait_for "$2 lines in $1" has_lines "$1" "$2"
}

# raw_sum KEY FILE [FIRST]: KEY summed over the --raw blocks of FILE from
# the FIRSTth on (default 2: the deltas, not the totals of the first)
raw_sum()
{
	awk -v k="$1" -v first="${3:-2}" '
		BEGIN { b = 1 }
		/^$/ { b++; next }
		b >= first && $1 == k { s += $2 }
		END { printf "%d\n", s }' "$2"
}

# expect_sum KEY VALUE FILE [FIRST]: raw_sum is exactly VALUE
expect_sum()
{
	local got
	got=$(raw_sum "$1" "$3" "${4:-2}")
	[ "$got" = "$2" ] && return 0
	echo "$1: expected $2, got $got" >&2
	return 1
}

# kept_keys BEFORE AFTER: the keys of two /.stats texts, one taken before
# a reset and one after, that the reset left alone (not 0, not lower):
# the gauges, once a workload has made every counter larger than reading
# and resetting /.stats adds to it.  The opt_ keys are not numbers; the
# fs_<op>_ns times are left out, as one slow request after the reset may
# take longer than the workload's twenty.
kept_keys()
{
	awk 'NR == FNR { v[$1] = $2; next }
	     $1 !~ /^opt_|^fs_.*_ns$/ && $2 > 0 && $2 >= v[$1] { print $1 }' \
		"$1" "$2"
}

# zeroed_keys BEFORE AFTER: the keys the reset set to 0: counters
zeroed_keys()
{
	awk 'NR == FNR { v[$1] = $2; next }
	     $1 !~ /^opt_/ && $2 == 0 && v[$1] > 0 { print $1 }' "$1" "$2"
}

# raw_keys FILE: the keys of the first --raw block of FILE
raw_keys()
{
	sed -n '2,/^$/s/ .*//p' "$1" | grep -v -x -e reset -e ''
}

# gauges_of MNT: /.stats of MNT before and after a reset into kept and
# zeroed, the keys fnstat --raw counts into counted; none kept is counted
# and every one zeroed is (a file held open through MNT keeps its gauges
# above 0)
gauges_of()
{
	printf 12345 >"$1/held" && cat "$1/held" >/dev/null &&
	exec 7<"$1/held" &&
	cat "$1/.stats" >before && echo reset >"$1/.stats" &&
	cat "$1/.stats" >after && "$FNSTAT" --raw "$1" >raw && exec 7<&- &&
	kept_keys before after >kept && zeroed_keys before after >zeroed &&
	raw_keys raw >counted &&
	for k in fs_inodes fs_open_files fs_inodes_handle copy_chunk_size; do
		grep -qx $k kept || { echo "$k not kept by the reset"; return 1; }
	done &&
	! grep -Fx -f kept counted && ! grep -Fvx -f counted zeroed
}

# numeric_columns FILE FIRST N: lines FIRST.. of FILE start with N numbers
numeric_columns()
{
	awk -v first="$2" -v n="$3" '
		NR >= first {
			for (i = 1; i <= n; i++)
				if ($i !~ /^[0-9]+(\.[0-9])?$/) { print; exit 1 }
			lines++
		}
		END { exit !(lines > 0) }' "$1"
}

# release PID: let copy.sh (under PID) end, and wait for PID; a writer
# that finds no reader gives up, so a test that failed early ends too
release()
{
	timeout 10 sh -c 'echo >fifo'
	wait "$1"
}

# fails N MESSAGE FNSTAT-ARGS...: fnstat exits N with the one line MESSAGE
fails()
{
	local want=$1 msg=$2
	shift 2
	test_expect_code "$want" "$FNSTAT" "$@" >out 2>err || return 1
	[ ! -s out ] || { echo "output:"; cat out; return 1; } >&2
	if [ "$want" = 2 ]; then
		printf '%s\n%s\n' "$msg" \
			"Try 'fnstat --help' for more information." >expect
	else
		printf '%s\n' "$msg" >expect
	fi
	test_cmp expect err
}

# comp LINE: what bash completes at the end of LINE with completion/fnstat
comp()
{
	bash -c '. "$FN_SRCDIR/completion/fnstat"
		read -ra COMP_WORDS <<<"$1"
		case $1 in *" ") COMP_WORDS+=("") ;; esac
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_fnstat
		[ ${#COMPREPLY[@]} = 0 ] || printf "%s\n" "${COMPREPLY[@]}"' \
		comp "$1"
}

# ---- a mount ----------------------------------------------------------------

test_expect_setup 'setup: fnpassfs over an ext4 image, data through the daemon' '
	fn_mount_ext4 ext4 128M && mkdir mnt &&
	fn_mount ext4 mnt passthrough=never && fn_random ext4/src 8M
'

cat >header.mount <<'EOF'
  kcopy/s kcopyMiB/s  fcopy/s fcopyMiB/s   read/s readMiB/s  write/s writeMiB/s ptopen/s    err/s   meta/s  top-meta/s
EOF
cat >header.fnaccel <<'EOF'
  subst/s substMiB/s  sendf/s sendfMiB/s  kcopy/s kcopyMiB/s  fcopy/s fcopyMiB/s   skip/s    procs  top-skips/s
EOF

test_expect_success 'no -i: the header and one line of totals, eleven numbers' '
	"$FNSTAT" mnt >out &&
	test "$(wc -l <out)" = 2 &&
	head -n 1 out >actual && test_cmp header.mount actual &&
	numeric_columns out 2 11
'

test_expect_success '-1 and -c 1 print the same one line; --help exits 0' '
	"$FNSTAT" -1 mnt >one && test "$(wc -l <one)" = 2 &&
	"$FNSTAT" -c 1 -i 5 mnt >c1 && test "$(wc -l <c1)" = 2 &&
	"$FNSTAT" --help >help && grep -q "^Usage: fnstat" help
'

test_expect_success '-i 0.2 -c 3: the header and three lines, then exit 0' '
	"$FNSTAT" -i 0.2 -c 3 mnt >out &&
	test "$(wc -l <out)" = 4 && numeric_columns out 2 11
'

test_expect_success 'the first --raw block: the totals of /.stats, counters only' '
	dd if=/dev/zero of=mnt/first bs=64k count=3 2>/dev/null &&
	"$FNSTAT" --raw mnt >raw &&
	test "$(blocks raw)" = 1 && head -n 1 raw | grep -q "^interval_ms [0-9]*\$" &&
	expect_sum fs_write_bytes "$(fn_fs_stat fs_write_bytes mnt)" raw 1 &&
	expect_sum copy_chunk_size 0 raw 1 && expect_sum uptime_s 0 raw 1 &&
	expect_sum fs_open_files 0 raw 1 && ! grep -q "^opt_" raw
'

test_expect_success '8 MiB written by dd: the deltas add up to exactly 8 MiB; SIGINT exits 0' '
	"$FNSTAT" --raw -i 0.2 mnt >raw & pid=$! &&
	wait_blocks raw 2 &&
	dd if=/dev/zero of=mnt/f bs=1M count=8 2>/dev/null &&
	n=$(blocks raw) && wait_blocks raw $((n + 2)) &&
	kill -INT $pid && wait $pid &&
	expect_sum fs_write_bytes 8388608 raw &&
	expect_sum fs_read_bytes 0 raw &&
	expect_sum copy_bytes 0 raw &&
	expect_sum fs_write_bytes "$(fn_fs_stat fs_write_bytes mnt)" raw 1 &&
	cmp -n 8388608 mnt/f /dev/zero
'

test_expect_success '8 MiB copied by cp: one engine copy of 8 MiB in the deltas' '
	"$FNSTAT" --raw -i 0.2 mnt >raw & pid=$! &&
	wait_blocks raw 2 &&
	cp mnt/src mnt/copy &&
	n=$(blocks raw) && wait_blocks raw $((n + 2)) &&
	kill -INT $pid && wait $pid &&
	cmp ext4/src ext4/copy &&
	expect_sum copy_bytes 8388608 raw &&
	expect_sum fs_copy_file_range_bytes 8388608 raw &&
	expect_sum fs_write_bytes 0 raw && expect_sum copy_errors 0 raw
'

test_expect_success '--json: one object a line, the same counters as --raw' '
	"$FNSTAT" --json mnt >json &&
	test "$(wc -l <json)" = 1 &&
	grep -q "^{\"interval_ms\":[0-9]*,\"reset\":0,\"copy_ops\":[0-9]*," json &&
	grep -q ",\"fs_lookup_ops\":[0-9]*," json && grep -q "}\$" json &&
	! grep -q "opt_" json
'

test_expect_success 'a key fnpassfs keeps through a reset is a gauge to fnstat, one it zeroes a counter' '
	gauges_of mnt &&
	grep -qx fs_write_bytes zeroed && grep -qx fs_write_bytes counted
'

# Through kernel passthrough the daemon sees no data: the workload is
# files made and read, and O_DIRECT writes (the daemon serves those), so
# that every counter the reset and the reads of /.stats touch goes down
test_expect_success 'the same with -o passthrough=auto: its gauges too, where the kernel passes through' '
	mkdir -p ext4/pt ptmnt && fn_mount ext4/pt ptmnt passthrough=auto &&
	for i in $(seq 20); do
		printf $i >ptmnt/f$i && cat ptmnt/f$i >/dev/null || exit 1
	done &&
	dd if=/dev/zero of=ptmnt/direct bs=4k count=20 oflag=direct 2>/dev/null &&
	gauges_of ptmnt &&
	grep -qx fs_create_ops zeroed && grep -qx fs_create_ops counted &&
	if test "$(fn_fs_stat fs_passthrough_active ptmnt)" = 1; then
		grep -qx fs_passthrough_active kept &&
		grep -qx fs_passthrough_files kept
	fi &&
	fn_umount ptmnt
'

test_expect_success 'columns while cp runs: the header once, lines of numbers' '
	"$FNSTAT" -i 0.2 mnt >cols & pid=$! &&
	wait_lines cols 2 &&
	cp mnt/src mnt/copy2 &&
	n=$(wc -l <cols) && wait_lines cols $((n + 2)) &&
	kill -INT $pid && wait $pid &&
	head -n 1 cols >actual && test_cmp header.mount actual &&
	test "$(grep -c kcopy cols)" = 1 && numeric_columns cols 2 11
'

test_expect_success 'echo reset: counters going back are a reset, no wrapped delta' '
	"$FNSTAT" --raw -i 0.2 mnt >raw 2>err & pid=$! &&
	wait_blocks raw 2 &&
	dd if=/dev/zero of=mnt/g bs=1M count=2 2>/dev/null &&
	n=$(blocks raw) && wait_blocks raw $((n + 2)) &&
	echo reset >mnt/.stats &&
	n=$(blocks raw) && wait_blocks raw $((n + 2)) &&
	kill -INT $pid && wait $pid &&
	test "$(grep -c "^reset 1\$" raw)" = 1 &&
	! grep -E " [0-9]{12,}\$" raw | grep -v "_ns " &&
	test ! -s err
'

test_expect_success 'a reset in columns: said on stderr, the line counts from 0' '
	"$FNSTAT" -i 0.2 mnt >cols 2>err & pid=$! &&
	wait_lines cols 2 &&
	dd if=/dev/zero of=mnt/h bs=1M count=2 2>/dev/null &&
	n=$(wc -l <cols) && wait_lines cols $((n + 2)) &&
	echo reset >mnt/.stats &&
	n=$(wc -l <cols) && wait_lines cols $((n + 2)) &&
	kill -INT $pid && wait $pid &&
	echo "fnstat: mnt: counters went back (reset, or a new daemon): this line counts from 0" >expect &&
	test_cmp expect err && numeric_columns cols 2 11
'

# ---- what is not a mount of fnpassfs, and bad arguments ---------------------

test_expect_setup 'setup: a tmpfs, a mount with -o nostats, one with stats_file=' '
	fn_mount_tmpfs tmp 16m &&
	mkdir nostats named && fn_mount ext4 nostats nostats &&
	fn_mount ext4 named stats_file=.fnstats && mkdir -p mnt/sub
'

test_expect_success 'not fnpassfs: a tmpfs, a directory in the mount, a file, nothing' '
	fails 1 "fnstat: tmp: not an fnpassfs mount (tmpfs)" tmp &&
	fails 1 "fnstat: mnt/sub: no mnt/sub/.stats: not the root of an fnpassfs mount, or one mounted with -o nostats" mnt/sub &&
	fails 1 "fnstat: mnt/f: neither the statistics of an fnpassfs mount nor fnaccel slots" mnt/f &&
	fails 1 "fnstat: nowhere: No such file or directory" nowhere &&
	fails 1 "fnstat: /dev/null: neither a mount point nor a statistics file" /dev/null
'

test_expect_success '-o nostats: refused; -o stats_file=NAME: MOUNTPOINT/NAME is read' '
	fails 1 "fnstat: nostats: no nostats/.stats: not the root of an fnpassfs mount, or one mounted with -o nostats" nostats &&
	fails 1 "fnstat: named: no named/.stats: not the root of an fnpassfs mount, or one mounted with -o nostats" named &&
	"$FNSTAT" --raw named/.fnstats >raw && grep -q "^fs_lookup_ops " raw
'

test_expect_success 'bad intervals and counts: usage, exit 2' '
	fails 2 "fnstat: -i 0: out of range (0.01..86400 seconds)" -i 0 mnt &&
	fails 2 "fnstat: -i -1: out of range (0.01..86400 seconds)" -i -1 mnt &&
	fails 2 "fnstat: -i 1e6: out of range (0.01..86400 seconds)" -i 1e6 mnt &&
	fails 2 "fnstat: -i abc: not a number of seconds" -i abc mnt &&
	fails 2 "fnstat: -i nan: not a number of seconds" -i nan mnt &&
	fails 2 "fnstat: -c 0: not a count of 1 or more" -c 0 mnt &&
	fails 2 "fnstat: -c -3: not a count of 1 or more" -c -3 mnt &&
	fails 2 "fnstat: -c 2x: not a count of 1 or more" -c 2x mnt &&
	fails 2 "fnstat: option -i needs an argument" mnt -i
'

test_expect_success 'bad targets and options: usage, exit 2' '
	fails 2 "fnstat: missing MOUNTPOINT, FILE or -p PID" &&
	fails 2 "fnstat: one MOUNTPOINT or FILE only: tmp" mnt tmp &&
	fails 2 "fnstat: -p PID and mnt: give one of them" -p 1 mnt &&
	fails 2 "fnstat: -p abc: not a process ID" -p abc &&
	fails 2 "fnstat: -p 0: not a process ID" -p 0 &&
	fails 2 "fnstat: unrecognized option --bogus" --bogus mnt &&
	fails 2 "fnstat: unrecognized option -x" -x mnt
'

test_expect_success 'bash completion: the options of --help, files, no word after -i' '
	comp "$FNSTAT --" >actual &&
	printf "%s\n" --interval --count --pid --raw --json --help --version >expect &&
	test_cmp expect actual &&
	comp "$FNSTAT -" >actual && grep -qx -- -1 actual && grep -qx -- -p actual &&
	comp "$FNSTAT mn" >actual && echo mnt >expect && test_cmp expect actual &&
	comp "$FNSTAT -i " >actual && test ! -s actual
'

# ---- the mount going away -------------------------------------------------

test_expect_setup 'setup: two more mounts, to unmount and to kill' '
	mkdir gone dead && fn_mount ext4 gone && fn_mount ext4 dead &&
	dead_pid=$FN_MOUNT_PID
'

test_expect_success 'unmounted while fnstat runs: the mount is gone, exit 1' '
	"$FNSTAT" -i 0.2 gone >out 2>err & pid=$! &&
	wait_lines out 2 &&
	fn_retry fusermount3 -u gone &&
	test_expect_code 1 wait $pid &&
	echo "fnstat: gone: the mount is gone (gone/.stats: No such file or directory)" >expect &&
	test_cmp expect err && numeric_columns out 2 11
'

test_expect_success 'the daemon killed while fnstat runs: the mount is gone, exit 1' '
	"$FNSTAT" --raw -i 0.2 dead >out 2>err & pid=$! &&
	wait_blocks out 1 &&
	kill -9 $dead_pid &&
	test_expect_code 1 wait $pid &&
	echo "fnstat: dead: the mount is gone (dead/.stats: Transport endpoint is not connected)" >expect &&
	test_cmp expect err
'

# ---- a running fnaccel --stats --------------------------------------------

test_expect_setup 'setup: an XFS reflink image, a 4 MiB source, the command' '
	fn_mount_xfs xfs 512M && fn_random xfs/a 4M && mkfifo fifo &&
	cat >copy.sh <<-\EOF
	dd if="$1" of="$2" bs=128k 2>/dev/null
	echo $$ >sh.pid
	read x <fifo
	EOF
'

test_expect_success 'fnaccel: dd has ended, sh waits: -p counts both, exactly' '
	rm -f sh.pid
	"$FN_FNACCEL" --stats sh copy.sh xfs/a xfs/b 2>fnaccel.err &
	fa=$!
	wait_for sh.pid test -e sh.pid && {
		"$FNSTAT" --raw -p $fa >raw &&
		expect_sum preload_write_substituted_ops 32 raw 1 &&
		expect_sum preload_write_substituted_bytes 4194304 raw 1 &&
		expect_sum copy_bytes 4194304 raw 1 &&
		expect_sum copy_kernel_bytes 4194304 raw 1 &&
		expect_sum preload_write_passthrough_ops 1 raw 1 &&
		expect_sum preload_skip_small 1 raw 1 &&
		! grep -q "^pid \|^argv0 \|^copy_chunk_size " raw &&
		"$FNSTAT" -p $fa >cols &&
		head -n 1 cols >actual && test_cmp header.fnaccel actual &&
		numeric_columns cols 2 10 &&
		sed -n "2s/.* \([0-9][0-9]*\)  small:[0-9.]*\$/\1/p" cols >procs &&
		echo 2 >expect && test_cmp expect procs &&
		"$FNSTAT" --raw -p "$(cat sh.pid)" >raw.sh &&
		expect_sum copy_bytes 4194304 raw.sh 1 &&
		slots=$(tr "\0" "\n" <"/proc/$(cat sh.pid)/environ" |
			sed -n "s/^FNACCEL_STATS_SHM=//p") &&
		test -f "$slots" &&
		"$FNSTAT" --raw "$slots" >raw.file &&
		expect_sum copy_bytes 4194304 raw.file 1
	}
	rc=$?; release $fa && test $rc = 0 && cmp xfs/a xfs/b &&
	fails 1 "fnstat: -p $fa: no such process" -p $fa
'

test_expect_success 'fnaccel: fnstat -p started with it runs to the end, exit 0' '
	rm -f sh.pid
	"$FN_FNACCEL" --stats sh copy.sh xfs/a xfs/c 2>fnaccel.err &
	fa=$!
	"$FNSTAT" --raw -i 0.2 -p $fa >raw 2>live.err &
	pid=$!
	wait_for sh.pid test -e sh.pid && wait_blocks raw 1
	rc=$?; release $fa && test $rc = 0 && wait $pid &&
	echo "fnstat: -p $fa: the fnaccel command has ended" >expect &&
	test_cmp expect live.err &&
	expect_sum preload_write_substituted_bytes 4194304 raw 1 &&
	expect_sum copy_bytes 4194304 raw 1 &&
	fn_expect_stat copy_bytes 4194304 fnaccel.err
'

test_expect_success 'fnaccel: not --stats, and no fnaccel at all: no slots, exit 1' '
	rm -f sh.pid
	"$FN_FNACCEL" sh copy.sh xfs/a xfs/d &
	fa=$!
	wait_for sh.pid test -e sh.pid &&
	fails 1 "fnstat: -p $fa: no statistics slots: not an fnaccel --stats command nor a process under one" -p $fa
	rc=$?; release $fa && test $rc = 0 &&
	fails 1 "fnstat: -p $$: no statistics slots: not an fnaccel --stats command nor a process under one" -p $$ &&
	fails 1 "fnstat: xfs/a: neither the statistics of an fnpassfs mount nor fnaccel slots" xfs/a
'

test_done
