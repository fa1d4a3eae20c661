#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='fnpassfs: options, exit status, messages, signals, daemon mode'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_fuse

fp=$FN_BUILDDIR/fs/fnpassfs

# expect_fail STATUS 'MESSAGE' ARGS...: fnpassfs ARGS exits STATUS, prints
# exactly MESSAGE as its one stderr line, and leaves mnt unmounted
expect_fail()
{
	want=$1 msg=$2 st=0
	shift 2
	"$fp" "$@" >out 2>err || st=$?
	[ "$st" = "$want" ] || { echo "status $st, not $want"; cat err; return 1; }
	if [ -n "$msg" ]; then
		printf '%s\n' "$msg" >expect &&
		head -n 1 err >first &&
		cmp expect first || { cat err; return 1; }
	fi
	! test -s out && ! fn_is_mounted mnt
}

test_expect_success 'setup' 'mkdir src mnt && echo data >src/file'

test_expect_success '--help and -h: usage on stdout, status 0' '
	"$fp" --help >out && grep -q "^usage: fnpassfs SOURCE MOUNTPOINT" out &&
	grep -q "chunk_size=SIZE" out && "$fp" -h >out2 && cmp out out2'

test_expect_success '--version and -V: status 0' '
	"$fp" --version >out && grep -q "^fnpassfs (fnaccel) [0-9]" out &&
	grep -q "^libfuse 3\." out && "$fp" -V >out2 && cmp out out2'

test_expect_success 'no arguments: usage error, status 2' '
	expect_fail 2 "fnpassfs: SOURCE and MOUNTPOINT are needed"'

test_expect_success 'one argument: status 2' '
	expect_fail 2 "fnpassfs: SOURCE and MOUNTPOINT are needed" src'

test_expect_success 'three arguments: status 2' '
	expect_fail 2 "fnpassfs: too many arguments" src mnt src'

test_expect_success 'missing source: one line, status 1' '
	expect_fail 1 "fnpassfs: nosuch: No such file or directory" nosuch mnt &&
	test $(wc -l <err) = 1'

test_expect_success 'source not a directory: status 1' '
	expect_fail 1 "fnpassfs: src/file: Not a directory" src/file mnt &&
	test $(wc -l <err) = 1'

test_expect_success 'missing mount point: one line, status 1' '
	expect_fail 1 "fnpassfs: nomnt: No such file or directory" src nomnt &&
	test $(wc -l <err) = 1'

test_expect_success 'chunk_size=3K: one line, status 1, nothing mounted' '
	expect_fail 1 "fnpassfs: chunk_size=3K: out of range (64K..1G)" \
		src mnt -o chunk_size=3K && test $(wc -l <err) = 1'

test_expect_success 'every bad value: its one line, status 1' '
	expect_fail 1 "fnpassfs: chunk_size=2G: out of range (64K..1G)" src mnt -o chunk_size=2G &&
	expect_fail 1 "fnpassfs: chunk_size=lots: not a size (e.g. 64K, 4M, 1G)" src mnt -o chunk_size=lots &&
	expect_fail 1 "fnpassfs: splice_threshold=2G: out of range (0..1G)" src mnt -o splice_threshold=2G &&
	expect_fail 1 "fnpassfs: max_write=2M: out of range (4K..1M)" src mnt -o max_write=2M &&
	expect_fail 1 "fnpassfs: max_read=1K: out of range (4K..1M)" src mnt -o max_read=1K &&
	expect_fail 1 "fnpassfs: cache=sometimes: not never, auto, always or watch" src mnt -o cache=sometimes &&
	expect_fail 1 "fnpassfs: readdirplus=maybe: not yes, no or auto" src mnt -o readdirplus=maybe &&
	expect_fail 1 "fnpassfs: xattr=foo: not passthrough, noattr or nosys" src mnt -o xattr=foo &&
	expect_fail 1 "fnpassfs: threads=0: out of range (1..1024)" src mnt -o threads=0 &&
	expect_fail 1 "fnpassfs: threads=2K: out of range (1..1024)" src mnt -o threads=2K &&
	expect_fail 1 "fnpassfs: entry_timeout=-1: not a number of seconds (0..31536000)" src mnt -o entry_timeout=-1 &&
	expect_fail 1 "fnpassfs: attr_timeout=soon: not a number of seconds (0..31536000)" src mnt -o attr_timeout=soon &&
	expect_fail 1 "fnpassfs: stats_file=a/b: not a file name (no '"'/'"', not . or ..)" src mnt -o stats_file=a/b &&
	expect_fail 1 "fnpassfs: log_level=loud: not off, error, warn, info, debug or 0..4" src mnt -o log_level=loud'

# a value that parses but is too large is out of range, whatever its unit;
# one that does not parse says what it is not
test_expect_success 'chunk_size=1T: out of range; threads=abc: not a number' '
	expect_fail 1 "fnpassfs: chunk_size=1T: out of range (64K..1G)" src mnt -o chunk_size=1T &&
	expect_fail 1 "fnpassfs: threads=abc: not a number" src mnt -o threads=abc'

test_expect_success 'an unknown option: status 1, nothing mounted' '
	expect_fail 1 "" src mnt -o no_such_option && test -s err'

test_expect_setup 'foreground mount with fstab words' '
	fn_mount src mnt "_netdev,nofail,defaults,noauto" && pid1=$FN_MOUNT_PID'

test_expect_success 'the mount serves the source' '
	test "$(cat mnt/file)" = data && grep -q "^fs_lookup_ops " mnt/.stats'

# mounts on DIR: how many lines of /proc/self/mounts name it
mounts_on()
{
	awk -v d="$(cd "$1" && pwd -P)" '$2 == d { n++ } END { print n + 0 }' \
		/proc/self/mounts
}

test_expect_success 'a second fnpassfs on the mounted mnt: one line, status 1, nothing stacked' '
	here=$(pwd -P) && st=0 &&
	"$fp" "$here/src" "$here/mnt" >out 2>err || st=$? &&
	test $st = 1 && ! test -s out &&
	echo "fnpassfs: $here/mnt: a file system is mounted there already (-o overmount mounts over it)" >expect &&
	test_cmp expect err &&
	test "$(mounts_on mnt)" = 1 && test "$(cat mnt/file)" = data'

test_expect_success 'with -o overmount it mounts over the first; unmounted, the first serves again' '
	here=$(pwd -P) && mkdir src2 && echo other >src2/file &&
	{ "$fp" -f "$here/src2" "$here/mnt" -o overmount 2>err & opid=$!; } &&
	fn_register_mount $opid mnt &&
	for i in $(seq 100); do
		[ "$(mounts_on mnt)" = 2 ] && break; sleep 0.1
	done &&
	test "$(mounts_on mnt)" = 2 && test "$(cat mnt/file)" = other &&
	test "$(fn_fs_stat opt_overmount mnt)" = 1 &&
	fusermount3 -u mnt && wait $opid && ! test -s err &&
	test "$(mounts_on mnt)" = 1 && test "$(cat mnt/file)" = data'

# (wait needs the shell that started the daemon: test_expect_setup)
test_expect_setup 'SIGTERM: unmounted, status 0' '
	kill -TERM $pid1 && st=0 && { wait $pid1 || st=$?; } &&
	test $st = 0 && ! fn_is_mounted mnt'

test_expect_setup 'mount again' 'fn_mount src mnt && pid2=$FN_MOUNT_PID'

test_expect_setup 'SIGINT: unmounted, status 0' '
	kill -INT $pid2 && st=0 && { wait $pid2 || st=$?; } &&
	test $st = 0 && ! fn_is_mounted mnt'

test_expect_setup 'mount a third time' 'fn_mount src mnt && pid3=$FN_MOUNT_PID'

test_expect_setup 'fusermount3 -u: status 0' '
	fn_umount mnt $pid3 && ! fn_is_mounted mnt'

test_expect_setup 'daemon mode: mounted when fnpassfs returns' '
	here=$(pwd -P) && "$fp" "$here/src" "$here/mnt" && ls mnt >list &&
	dpid=$(fn_daemon_pid mnt) &&
	fn_register_mount $dpid mnt && test "$(cat list)" = file'

test_expect_success 'daemon mode: it runs detached in its own session' '
	test "$(ps -o sid= -p $dpid | tr -d " ")" = $dpid'

test_expect_success 'daemon mode: fusermount3 -u ends it' '
	fusermount3 -u mnt &&
	for i in $(seq 100); do kill -0 $dpid 2>/dev/null || break; sleep 0.1; done &&
	! kill -0 $dpid 2>/dev/null && ! fn_is_mounted mnt'

# one descriptor per inode the kernel holds: a daemon started with a soft
# limit of 64 and a hard one of 400 raises both to fs.nr_open where it may
# (CAP_SYS_RESOURCE), else the soft one to 400; 300 files fit either way
test_expect_setup 'started with a file limit of 64 (hard 400): raised' '
	mkdir src/many &&
	prlimit --nofile=64:400 "$fp" "$here/src" "$here/mnt" &&
	dpid=$(fn_daemon_pid mnt) && fn_register_mount $dpid mnt &&
	if prlimit --nofile=64:400 prlimit --nofile=401:401 true 2>/dev/null
	then want=$(cat /proc/sys/fs/nr_open); else want=400; fi &&
	grep "^Max open files" /proc/$dpid/limits >lim &&
	set -- $(cat lim) && test "$4 $5" = "$want $want"'

test_expect_success '300 files created and held through that mount' '
	i=0 && while [ $i -lt 300 ]; do : >mnt/many/f$i || exit 1; i=$((i + 1)); done &&
	test $(ls -U src/many | wc -l) = 300 &&
	test $(stat -c %i mnt/many/f* | sort -u | wc -l) = 300 &&
	test "$(grep "^fs_inodes " mnt/.stats)" = "fs_inodes 302"'

test_expect_success 'the raised mount: fusermount3 -u ends it' '
	fusermount3 -u mnt &&
	for i in $(seq 100); do kill -0 $dpid 2>/dev/null || break; sleep 0.1; done &&
	! kill -0 $dpid 2>/dev/null'

test_expect_success 'nothing is left mounted on mnt' '! fn_is_mounted mnt'

test_done
