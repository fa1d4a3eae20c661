#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t2008: fnpassfs keeps inodes by file handle (issue 10, the interface in
# the spec: -o fd_cache=N and the fs_handle* / fs_fd_cache* keys of
# /.stats).  A daemon whose file limit is 256 and cannot be raised (no
# CAP_SYS_RESOURCE) serves a tree of 5,000 files: ls -lR, find, cp -a and
# rm -rf through the mount with no error, never more than 256 descriptors,
# the descriptor cache within opt_fd_cache.  The fd_cache option and its
# refusals; a file removed or replaced beside the mount while the kernel
# still names its old inode (ENOENT or the new file, never the old one,
# ESTALE or EIO); the space of a file removed through the mount back at
# once on ext4, as natively; the descriptor-per-inode fallback on a FUSE
# backing (a second fnpassfs over the first one's mount point).
#
# A daemon that holds one descriptor per inode fails the 256-descriptor
# listing and copy with EMFILE, still serves a removed or replaced file's
# old inode through its descriptor, and has none of the new keys.

test_description='fnpassfs: inodes by handle, a bounded descriptor cache, stale handles, fallback'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_fuse
fn_require_cmd prlimit setpriv python3 mkfs.ext4 diff

fp=$FN_BUILDDIR/fs/fnpassfs
# the system's python3, as in the other tests
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
# the daemon's file limit, soft and hard; without CAP_SYS_RESOURCE (also
# out of the bounding set, so root's exec keeps it out) it stays there
nofile=256
limited="setpriv --bounding-set=-sys_resource prlimit --nofile=$nofile:$nofile"
# the default cache: half the soft limit the daemon could not raise
cache_default=$((nofile / 2))
# bad values of fd_cache exit as every bad option value does (t2001): 1
bad_status=1
# the tree: 50 directories of 100 empty files; four files with content
# at the top, one of them in d07; a symbolic link
ndirs=50
nfiles=100
# find: the top, its directories, their files, the four files, the link
nfind=$((1 + ndirs + ndirs * nfiles + 4 + 1))
# ls -lR: "DIR:", "total N" and a line for each name at the top (50
# directories, 3 files, the link), then a blank line, "DIR:", "total N"
# and its names for each directory (d07 has one more)
nls=$((2 + ndirs + 3 + 1 + ndirs * (3 + nfiles) + 1))

# every key the spec names, and the two it keeps
keys='opt_fd_cache fs_handles_capable fs_inodes_handle fs_inodes_fd
fs_handle_fallbacks fs_fd_cache_open fs_fd_cache_hits fs_fd_cache_misses
fs_fd_cache_evictions fs_stale_handles fs_fd_limit_errors fs_inodes
fs_open_files'
counters='fs_handle_fallbacks fs_fd_cache_hits fs_fd_cache_misses
fs_fd_cache_evictions fs_stale_handles fs_fd_limit_errors'

# st KEY [MNT]: KEY's value in MNT/.stats (mnt by default)
st()
{
	fn_fs_stat "$1" "${2:-mnt}" 2>/dev/null && return 0
	echo "no $1 in ${2:-mnt}/.stats" >&2
	return 1
}

# is KEY VALUE [MNT]: KEY is exactly VALUE
is()
{
	local v
	v=$(st "$1" "${3:-mnt}") || return 1
	[ "$v" = "$2" ] && return 0
	echo "${3:-mnt}: $1 is $v, not $2"
	return 1
}

# handles N [MNT]: N inodes known by handle; fs_inodes (which counts the
# root, as it always has) is N + 1.  The spec leaves open whether the
# root, which always holds its descriptor, counts as known by handle: N or
# N + 1 (its fs_inodes_fd says "the root not counted").
handles()
{
	local v
	is fs_inodes $(($1 + 1)) "${2:-mnt}" || return 1
	v=$(st fs_inodes_handle "${2:-mnt}") || return 1
	[ "$v" = "$1" ] || [ "$v" = $(($1 + 1)) ] && return 0
	echo "${2:-mnt}: fs_inodes_handle is $v, not $1 (or $(($1 + 1)) with the root)"
	return 1
}

# atleast KEY N [MNT]: KEY is N or more
atleast()
{
	local v
	v=$(st "$1" "${3:-mnt}") || return 1
	[ "$v" -ge "$2" ] && return 0
	echo "${3:-mnt}: $1 is $v, less than $2"
	return 1
}

# bounded MNT PID: the daemon holds at most $nofile descriptors, met no
# EMFILE/ENFILE, and its cache is within fd_cache
bounded()
{
	local n open max
	n=$(ls "/proc/$2/fd" | wc -l) || return 1
	[ "$n" -le $nofile ] || { echo "the daemon holds $n descriptors"; return 1; }
	is fs_fd_limit_errors 0 "$1" &&
	open=$(st fs_fd_cache_open "$1") && max=$(st opt_fd_cache "$1") &&
	{ [ "$open" -le "$max" ] ||
	  { echo "fs_fd_cache_open $open > opt_fd_cache $max"; return 1; }; }
}

# same A B: the files A and B are the same, else the start of the diff
same()
{
	diff "$1" "$2" >same.diff && return 0
	echo "$1 and $2 differ:"
	head -n 20 same.diff
	return 1
}

# quiet OUT CMD...: CMD exits 0 and writes nothing on stderr; its stdout
# goes to OUT
quiet()
{
	local out=$1 st=0
	shift
	"$@" >"$out" 2>quiet.err || st=$?
	[ $st = 0 ] && ! [ -s quiet.err ] && return 0
	echo "$* exited $st, stderr (first lines):"
	head -n 5 quiet.err
	return 1
}

# expect_bad VALUE: fnpassfs -o fd_cache=VALUE exits $bad_status with one
# line on stderr naming the option, and mounts nothing
expect_bad()
{
	local st=0
	"$fp" back/tree bad -o "fd_cache=$1" >out 2>err || st=$?
	if fn_is_mounted bad; then
		fusermount3 -u bad
		echo "fd_cache=$1: mounted"
		return 1
	fi
	[ "$st" = $bad_status ] ||
		{ echo "fd_cache=$1: status $st, not $bad_status"; cat err; return 1; }
	[ "$(wc -l <err)" = 1 ] && grep -q "^fnpassfs: fd_cache=$1: " err &&
		! [ -s out ] || { echo "fd_cache=$1: stderr:"; cat err; return 1; }
}

# probe.py PATH...: for each PATH, what open(2)+read(2) give ("=CONTENT"
# or the errno name) and what statx(2) with AT_STATX_FORCE_SYNC gives
# ("size=N" or the errno name): the forced statx asks the daemon even
# while the kernel's attributes are fresh
cat >probe.py <<'EOF'
import ctypes, errno, os, sys

libc = ctypes.CDLL("libc.so.6", use_errno=True)
AT_FDCWD, AT_SYMLINK_NOFOLLOW, AT_STATX_FORCE_SYNC = -100, 0x100, 0x2000
STATX_BASIC_STATS = 0x7ff


def name(e):
    return errno.errorcode.get(e, str(e))


for p in sys.argv[1:]:
    try:
        fd = os.open(p, os.O_RDONLY)
        try:
            got = "=" + os.read(fd, 4096).decode()
        finally:
            os.close(fd)
    except OSError as e:
        got = name(e.errno)
    buf = ctypes.create_string_buffer(256)
    r = libc.statx(AT_FDCWD, p.encode(), AT_SYMLINK_NOFOLLOW |
                   AT_STATX_FORCE_SYNC, STATX_BASIC_STATS, buf)
    if r < 0:
        got += " " + name(ctypes.get_errno())
    else:
        got += " size=%d" % int.from_bytes(buf.raw[40:48], "little")
    print(got)
EOF

# space.py FILE FS: the KiB used on FS before, after writing 64 MiB to
# FILE, after reading FILE back and closing it, and at once after
# unlink(2): statvfs(2) in the same process, no fork, no sleep, no sync;
# then how many milliseconds later the space was back (-1: not in 2 s)
cat >space.py <<'EOF'
import os, sys, time


def used(d):
    s = os.statvfs(d)
    return (s.f_blocks - s.f_bfree) * s.f_frsize // 1024


f, fs = sys.argv[1], sys.argv[2]
before = used(fs)
with open(f, "wb") as o:
    for i in range(64):
        o.write(bytes(1 << 20))
written = used(fs)
with open(f, "rb") as i:
    while i.read(1 << 20):
        pass
read = used(fs)
os.unlink(f)
after = used(fs)
t0, ms = time.monotonic(), -1
while time.monotonic() - t0 < 2:
    if used(fs) - before <= 256:
        ms = int((time.monotonic() - t0) * 1000)
        break
    time.sleep(0.001)
print(before, written, read, after, ms)
EOF

# space_back FILE FS: 64 MiB counted as used once written and read,
# and within 256 KiB of the start right after the unlink
space_back()
{
	set -- $("$py" space.py "$1" "$2") &&
	[ $# = 5 ] && [ $(($2 - $1)) -ge 65536 ] && [ $(($3 - $1)) -ge 65536 ] &&
	[ $(($4 - $1)) -le 256 ] && return 0
	echo "KiB used: $1 before, $2 written, $3 read, $4 after unlink"
	if [ "$5" = -1 ]; then
		echo "not back 2 s later"
	else
		echo "back $5 ms after the unlink returned"
	fi
	return 1
}

test_expect_setup "a tmpfs with a tree of $((ndirs * nfiles + 4)) files, mounted by a daemon limited to $nofile descriptors" '
	fn_mount_tmpfs back 512m && mkdir mnt bad &&
	"$py" - back/tree $ndirs $nfiles <<-\EOF &&
	import os, sys
	top, ndirs, nfiles = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
	for d in range(ndirs):
	    os.makedirs("%s/d%02d" % (top, d))
	    for f in range(nfiles):
	        open("%s/d%02d/f%03d" % (top, d, f), "w").close()
	for n, size, mode in (("c1", 1, 0o600), ("c2", 4096, 0o640),
	                      ("c3", 100000, 0o755), ("d07/c4", 1048577, 0o444)):
	    with open("%s/%s" % (top, n), "wb") as f:
	        f.write(os.urandom(size))
	    os.chmod("%s/%s" % (top, n), mode)
	os.symlink("c1", top + "/link")
	EOF
	test "$(find back/tree | wc -l)" = $nfind &&
	FN_MOUNT_PREFIX=$limited fn_mount "$PWD/back" "$PWD/mnt" &&
	dpid=$FN_MOUNT_PID &&
	test "$(readlink /proc/$dpid/exe)" = "$(readlink -f "$fp")" &&
	set -- $(grep "^Max open files" /proc/$dpid/limits) &&
	test "$4 $5" = "$nofile $nofile"
'

test_expect_success 'every key of the spec, once' '
	for k in $keys; do
		n=$(grep -c "^$k " mnt/.stats)
		[ "$n" = 1 ] || { echo "$k: $n lines"; exit 1; }
	done'

test_expect_success "fs_handles_capable 1 (root); opt_fd_cache $cache_default (half of $nofile); nothing held yet" '
	is fs_handles_capable 1 && is opt_fd_cache $cache_default &&
	handles 0 && is fs_inodes_fd 0 && is fs_fd_limit_errors 0'

test_expect_success "ls -lR: exit 0, no stderr, $nls lines, as natively" '
	(cd back/tree && LC_ALL=C ls -lR) >native.ls &&
	quiet mnt.ls sh -c "cd mnt/tree && LC_ALL=C ls -lR" &&
	test "$(wc -l <mnt.ls)" = $nls && same native.ls mnt.ls &&
	bounded mnt $dpid'

test_expect_success "the tree is known by handle: fs_inodes_handle $nfind, none by descriptor" '
	handles $nfind && is fs_inodes_fd 0 && is fs_handle_fallbacks 0'

test_expect_success "find | wc -l: $nfind, no stderr" '
	quiet find.out find mnt/tree && test "$(wc -l <find.out)" = $nfind &&
	bounded mnt $dpid'

test_expect_success 'the files with content read back through the mount' '
	for f in c1 c2 c3 d07/c4 link; do
		cmp back/tree/$f mnt/tree/$f || exit 1
	done && bounded mnt $dpid'

test_expect_success 'cp -a of the tree inside the mount: exit 0, no stderr' '
	quiet cp.out cp -a mnt/tree mnt/copy && bounded mnt $dpid'

test_expect_success 'the copy on the backing side: same bytes, modes, types, sizes, times' '
	diff -r --no-dereference back/tree back/copy &&
	for t in tree copy; do
		(cd back/$t && find . -printf "%p %y %m %s %U:%G %l %T@\n") |
			sort >$t.list || exit 1
	done &&
	test "$(wc -l <copy.list)" = $nfind && same tree.list copy.list'

test_expect_success 'rm -rf of the copy through the mount: exit 0, no stderr, nothing left' '
	quiet rm.out rm -rf mnt/copy && test ! -e back/copy &&
	test ! -e mnt/copy && test "$(find back | wc -l)" = $((nfind + 1)) &&
	bounded mnt $dpid'

test_expect_success '"reset" zeroes the counters, not the gauges' '
	h=$(st fs_inodes_handle) && o=$(st fs_fd_cache_open) &&
	i=$(st fs_inodes) && echo reset >mnt/.stats &&
	for k in $counters; do is $k 0 || exit 1; done &&
	is fs_inodes_handle $h && is fs_fd_cache_open $o && is fs_inodes $i'

test_expect_setup 'fd_cache=16, under the same limit' '
	mkdir mnt16 mntmax && pid16= && pidmax= &&
	FN_MOUNT_PREFIX=$limited fn_mount "$PWD/back" "$PWD/mnt16" fd_cache=16 &&
	pid16=$FN_MOUNT_PID'

test_expect_success 'fd_cache=16: opt_fd_cache 16; ls -lR as natively, at most 16 cached' '
	is opt_fd_cache 16 mnt16 &&
	quiet mnt16.ls sh -c "cd mnt16/tree && LC_ALL=C ls -lR" &&
	same native.ls mnt16.ls && bounded mnt16 $pid16 &&
	handles $nfind mnt16 && is fs_inodes_fd 0 mnt16'

test_expect_success 'fd_cache=16: unmount, daemon exits 0' '
	{ [ -n "$pid16" ] || { echo "not mounted"; false; }; } &&
	fn_umount mnt16 $pid16'

test_expect_setup 'fd_cache=1048576, the largest' '
	fn_mount "$PWD/back" "$PWD/mntmax" fd_cache=1048576 && pidmax=$FN_MOUNT_PID'

test_expect_success 'fd_cache=1048576: opt_fd_cache 1048576' '
	{ [ -n "$pidmax" ] || { echo "not mounted"; false; }; } &&
	is opt_fd_cache 1048576 mntmax && fn_umount mntmax $pidmax'

test_expect_success "bad fd_cache values: status $bad_status, one line naming the option, nothing mounted" '
	expect_bad abc && expect_bad 3 && expect_bad 15 && expect_bad 1048577 &&
	expect_bad 99999999 && expect_bad "" && expect_bad -16'

test_expect_success 'the limited mount: unmount, daemon exits 0' 'fn_umount mnt $dpid'

# ---- removed or replaced beside the mount (ext4: numbers are reused) ------

test_expect_setup 'an ext4 image; a mount that trusts its caches for 60 s' '
	fn_mount_ext4 ext 256M && mkdir ext/side ext/nat ext/sp mnt60 mntsp &&
	fn_mount "$PWD/ext/side" "$PWD/mnt60" \
		entry_timeout=60,attr_timeout=60,readdirplus=yes &&
	pid60=$FN_MOUNT_PID'

test_expect_success 'files made through the mount, stat and read: the kernel holds them' '
	printf old >mnt60/f && printf gone >mnt60/g && printf kept >mnt60/k &&
	stat mnt60/f mnt60/g mnt60/k >/dev/null &&
	test "$(cat mnt60/f mnt60/g mnt60/k)" = oldgonekept &&
	test "$("$py" probe.py mnt60/f)" = "=old size=3"'

test_expect_success 'replaced and removed beside the mount' '
	echo reset >mnt60/.stats &&
	rm ext/side/f && printf new-content >ext/side/f && rm ext/side/g &&
	test "$(stat -c %s mnt60/f)" = 3'

test_expect_success 'the replaced file through its cached name: ENOENT or the new file, never the old one' '
	out=$("$py" probe.py mnt60/f) &&
	case $out in
	"ENOENT ENOENT" | "=new-content size=11" | \
	"ENOENT size=11" | "=new-content ENOENT") ;;
	*) echo "open, forced statx: $out"; false ;;
	esac'

test_expect_success 'the removed file through its cached name: ENOENT to open and to a forced statx' '
	out=$("$py" probe.py mnt60/g) &&
	test "$out" = "ENOENT ENOENT" || { echo "open, forced statx: $out"; false; }'

test_expect_success 'fs_stale_handles counts them; the file left alone still reads' '
	atleast fs_stale_handles 1 mnt60 &&
	test "$("$py" probe.py mnt60/k)" = "=kept size=4"'

test_expect_success 'a listing names the new inode: cat prints the new content' '
	ls -l mnt60 >/dev/null && test "$(cat mnt60/f)" = new-content &&
	test "$(ls mnt60)" = "f
k"'

test_expect_success 'entry_timeout=60 mount: unmount, daemon exits 0' 'fn_umount mnt60 $pid60'

test_expect_setup 'a mount that never caches names' '
	fn_mount "$PWD/ext/side" "$PWD/mnt60" cache=never && pid0=$FN_MOUNT_PID'

test_expect_success 'replaced beside the mount 20 times: each read through the mount is the new file' '
	i=0 && while [ $i -lt 20 ]; do
		cat mnt60/f >/dev/null && rm ext/side/f &&
		printf "content $i" >ext/side/f &&
		got=$(cat mnt60/f) && test "$got" = "content $i" ||
			{ echo "round $i: $got"; exit 1; }
		i=$((i + 1))
	done'

test_expect_success 'cache=never mount: unmount, daemon exits 0' 'fn_umount mnt60 $pid0'

# ---- the space of a file removed through the mount ---------------------

test_expect_success 'natively: a 64 MiB file written, read, removed: its space is back at once' '
	space_back ext/nat/big ext && test ! -e ext/nat/big &&
	space_back ext/nat/big ext'

test_expect_setup 'the space mount' '
	fn_mount "$PWD/ext/sp" "$PWD/mntsp" && pidsp=$FN_MOUNT_PID'

test_expect_success 'through the mount: the same, the space is back at once' '
	space_back mntsp/big ext && test ! -e ext/sp/big &&
	space_back mntsp/big ext'

test_expect_success 'the space mount: unmount, daemon exits 0' 'fn_umount mntsp $pidsp'

# ---- fallback: a FUSE backing ---------------------------------------------

test_expect_setup 'fnpassfs A over a tmpfs directory, fnpassfs B over A' '
	mkdir back/fa back/fa/s back/fa/t mnta mntb &&
	printf 1 >back/fa/s/x && printf 22 >back/fa/s/y && printf 333 >back/fa/s/z &&
	printf 4 >back/fa/t/u && printf 55 >back/fa/t/v &&
	fn_mount "$PWD/back/fa" "$PWD/mnta" && pida=$FN_MOUNT_PID &&
	fn_mount "$PWD/mnta" "$PWD/mntb" && pidb=$FN_MOUNT_PID'

test_expect_success 'ls -l of 3 files through B: as natively' '
	(cd back/fa/s && LC_ALL=C ls -l) >nat.s &&
	quiet b.s sh -c "cd mntb/s && LC_ALL=C ls -l" && same nat.s b.s'

test_expect_success 'B keeps a descriptor for each of its 4 inodes: fs_handle_fallbacks 4' '
	is fs_handles_capable 1 mntb && is fs_inodes 5 mntb &&
	is fs_inodes_fd 4 mntb && is fs_inodes_handle 0 mntb &&
	is fs_handle_fallbacks 4 mntb && is fs_fd_limit_errors 0 mntb'

test_expect_success 'A knows the same 4 inodes by handle, none by descriptor' '
	is fs_handles_capable 1 mnta && handles 4 mnta && is fs_inodes_fd 0 mnta &&
	is fs_handle_fallbacks 0 mnta'

test_expect_success 'a second directory through B: 3 more inodes by descriptor' '
	quiet b.t cat mntb/t/u mntb/t/v && test "$(cat b.t)" = 455 &&
	is fs_inodes 8 mntb && is fs_inodes_fd 7 mntb &&
	is fs_inodes_handle 0 mntb && is fs_handle_fallbacks 7 mntb &&
	handles 7 mnta && is fs_inodes_fd 0 mnta'

test_expect_success 'the fallback is said once in B'"'"'s log, nothing in A'"'"'s' '
	n=$(wc -l <fnpassfs.mntb.log) &&
	{ [ "$n" = 1 ] ||
	  { echo "B logged $n lines:"; cat fnpassfs.mntb.log; false; }; } &&
	{ ! [ -s fnpassfs.mnta.log ] ||
	  { echo "A logged:"; cat fnpassfs.mnta.log; false; }; }'

test_expect_success 'unmount B, then A; both daemons exit 0' '
	fn_umount mntb $pidb && fn_umount mnta $pida'

test_done
