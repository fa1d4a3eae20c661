#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t2202: cache=watch.  The kernel keeps names, attributes and listings as
# long as with cache=always (a second walk sends no request), and every
# change made beside the mount shows through it once fnpassfs has read
# its fanotify event: new, removed and renamed names (a cached negative
# entry included), sizes, modes, file contents in the page cache, a
# directory's listing, and a file system mounted below the source, also
# for names made while they are looked up through the mount.  The
# daemon's own calls make no notification.  Without CAP_SYS_ADMIN the
# mount is refused with one line; a FUSE file system met below the source
# turns every later reply to the timeouts of cache=auto, with one notice;
# and it works as a daemon (the watching thread starts after the fork).
#
# A change reaches the kernel asynchronously: each check waits for it
# (seen, or 10 s without: a failure), which is no timing threshold.

test_description='fnpassfs: cache=watch keeps the kernel caches and drops what changes beside the mount'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_fuse
fn_require_cmd setpriv python3

# eventually CMD...: CMD succeeds within 10 s (retried every 20 ms)
eventually()
{
	local i
	for i in $(seq 500); do
		"$@" && return 0
		sleep 0.02
	done
	"$@"
}

# reqs MNT: the name and listing requests MNT's daemon answered (not
# getattr: before a cached listing the kernel asks for the directory's
# mtime, with cache=always too)
reqs()
{
	awk '$1 ~ /^fs_(lookup|opendir|readdir|readdirplus)_ops$/ {
		n += $2 } END { print n }' "$1/.stats"
}

# walk_reqs MNT: those requests of `ls -lR MNT`, less those of reading
# /.stats itself (measured first)
walk_reqs()
{
	w_a=$(reqs $1) && w_b=$(reqs $1) && ls -lR $1 >/dev/null &&
	w_c=$(reqs $1) && echo $((w_c - w_b - (w_b - w_a)))
}

# stat_is FMT FILE VALUE: stat -c FMT of mnt/FILE prints VALUE (a command of
# its own, so that eventually stats again at each try)
stat_is() { test "$(stat -c "$1" "mnt/$2")" = "$3"; }
same_ls() { ls -la --time-style=+%s "src/$1" | sed 1d >want && ls -la --time-style=+%s "mnt/$1" | sed 1d >got && test_cmp want got; }
same_bytes() { cmp "src/$1" "mnt/$1"; }
missing() { ! test -e "mnt/$1"; }

# where the work directory's file system has no file handles for fanotify
# (an overlay without nfs_export, say), cache=watch refuses the mount
mkdir probe probe.mnt
if ! "$FN_BUILDDIR/fs/fnpassfs" -o cache=watch probe probe.mnt 2>probe.err; then
	grep -q "cannot be watched" probe.err &&
		skip_all "$(pwd) cannot be watched: $(cat probe.err)"
else
	fusermount3 -u probe.mnt
fi

test_expect_setup 'a tree, mounted -o cache=watch,passthrough=never' '
	mkdir src mnt mnt2 && mkdir src/d src/e &&
	echo one >src/d/f && echo two >src/d/g && echo three >src/e/h &&
	fn_mount src mnt cache=watch,passthrough=never'

test_expect_success 'the mount says cache watch' '
	test "$(fn_fs_stat opt_cache mnt)" = watch'

test_expect_success 'a second walk of the tree sends no lookup and no listing' '
	test "$(walk_reqs mnt)" -gt 0 && test "$(walk_reqs mnt)" = 0 &&
	(cd mnt && ls -lR) >walk1 && (cd src && ls -lR) >walk2 &&
	test_cmp walk2 walk1'

test_expect_success 'a name made beside the mount, once looked up as missing, shows' '
	missing d/new && missing d/new && echo made >src/d/new &&
	eventually same_bytes d/new && same_ls d'

test_expect_success 'a name removed beside the mount is gone from it and from its listing' '
	cat mnt/d/g >/dev/null && rm src/d/g && eventually missing d/g &&
	same_ls d'

test_expect_success 'a rename beside the mount: the old name gone, the new one there' '
	ls mnt/d mnt/e >/dev/null && mv src/d/f src/e/f2 &&
	eventually missing d/f && eventually same_bytes e/f2 &&
	same_ls d && same_ls e'

test_expect_success 'a size and contents changed beside the mount (cached pages dropped)' '
	cat mnt/e/h >/dev/null && stat -c %s mnt/e/h >/dev/null &&
	echo "three and more" >src/e/h &&
	eventually stat_is %s e/h 15 && same_bytes e/h'

test_expect_success 'the same size, new bytes: contents follow the mtime' '
	cat mnt/e/h >/dev/null &&
	printf "THREE AND MORE\n" >src/e/h && touch -d @1700000000 src/e/h &&
	eventually stat_is %Y e/h 1700000000 &&
	same_bytes e/h'

test_expect_success 'a mode and an owner changed beside the mount' '
	stat mnt/e/h >/dev/null && chmod 640 src/e/h && chown 1:2 src/e/h &&
	eventually stat_is %a.%u.%g e/h 640.1.2'

test_expect_success 'a directory made and removed beside the mount' '
	ls mnt >/dev/null && mkdir src/n && echo x >src/n/x &&
	eventually same_bytes n/x && same_ls . &&
	rm -r src/n && eventually missing n && same_ls .'

test_expect_success 'the daemon makes no notification for changes through the mount' '
	a=$(fn_fs_stat fs_watch_names mnt) && b=$(fn_fs_stat fs_watch_attrs mnt) &&
	mkdir mnt/m && echo y >mnt/m/y && mv mnt/m/y mnt/m/z && chmod 600 mnt/m/z &&
	rm -r mnt/m && sync &&
	test "$(fn_fs_stat fs_watch_names mnt)" = "$a" &&
	test "$(fn_fs_stat fs_watch_attrs mnt)" = "$b" &&
	test "$(fn_fs_stat fs_watch_events mnt)" -gt 0'

# race.py SRC MNT N: make N names in SRC/r, one by one, while two threads
# look each next name up through MNT/r (cached missing, until told);
# then print how many of the N are missing through MNT after 10 s
cat >race.py <<'EOF'
import os, sys, threading, time
src, mnt, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.mkdir(src + "/r")
os.listdir(mnt + "/r")
done = False
cur = [0]
def prober():
    while not done:
        for j in range(cur[0], cur[0] + 3):
            try:
                os.stat("%s/r/n%d" % (mnt, j))
            except FileNotFoundError:
                pass
threads = [threading.Thread(target=prober) for _ in range(2)]
for t in threads:
    t.start()
for i in range(n):
    cur[0] = i
    open("%s/r/n%d" % (src, i), "w").close()
done = True
for t in threads:
    t.join()
deadline = time.time() + 10
while True:
    missing = sum(not os.path.exists("%s/r/n%d" % (mnt, i)) for i in range(n))
    if missing == 0 or time.time() > deadline:
        break
    time.sleep(0.05)
print(missing)
EOF

test_expect_success '3000 names made beside the mount while looked up through it: all show' '
	test "$(python3 race.py src mnt 3000)" = 0 &&
	test "$(ls mnt/r | wc -l)" = 3000'

test_expect_setup 'a tmpfs mounted below the source, looked at through the mount' '
	mkdir src/t && fn_mount_tmpfs src/t 16m && echo four >src/t/i &&
	same_bytes t/i && ls mnt/t >/dev/null'

test_expect_success 'a change in the file system below the source shows too' '
	echo five >src/t/j && rm src/t/i && eventually same_bytes t/j &&
	eventually missing t/i && same_ls t'

test_expect_setup 'an fnpassfs mounted below the source (FUSE: no file handles)' '
	outer_pid=$FN_MOUNT_PID && mkdir inner src/fz && echo in >inner/x &&
	fn_mount inner src/fz && inner_pid=$FN_MOUNT_PID &&
	FN_MOUNT_PID=$outer_pid'

test_expect_success 'met through the mount, it turns the watch to the timeouts of auto, said once' '
	test "$(cat mnt/fz/x)" = in && ls mnt/fz >/dev/null &&
	echo "fnpassfs: cache=watch: a backing file system has no file handles: changes beside the mount now show within the timeouts of cache=auto" >want &&
	grep "cache=watch" fnpassfs.mnt.log >got && test_cmp want got &&
	missing d/late2 && echo x >src/d/late2 && eventually same_bytes d/late2'

test_expect_success 'unmount, daemon exits 0' '
	fn_umount mnt && fn_umount src/fz $inner_pid'

test_expect_success 'without CAP_SYS_ADMIN: refused with one line, nothing mounted' '
	test_must_fail setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin \
		"$FN_BUILDDIR/fs/fnpassfs" -f -o cache=watch src mnt2 2>err &&
	echo "fnpassfs: cache=watch: fanotify: Operation not permitted (it needs CAP_SYS_ADMIN: run as root)" >want &&
	test_cmp want err && ! mountpoint -q mnt2'

test_expect_success 'a source on a FUSE file system: refused with one line, nothing mounted' '
	mkdir fuse.src fuse.mnt && fn_mount fuse.src fuse.mnt && fuse_pid=$FN_MOUNT_PID &&
	test_must_fail "$FN_BUILDDIR/fs/fnpassfs" -f -o cache=watch fuse.mnt mnt2 2>err &&
	echo "fnpassfs: cache=watch: the file system of the source cannot be watched: No such device" >want &&
	test_cmp want err && ! mountpoint -q mnt2 && fn_umount fuse.mnt $fuse_pid'

test_expect_success 'as a daemon: changes beside the mount show' '
	"$FN_BUILDDIR/fs/fnpassfs" -o cache=watch src mnt2 &&
	fn_at_exit "fusermount3 -u mnt2 2>/dev/null" &&
	cat mnt2/e/h >/dev/null && missing2() { ! test -e mnt2/d/late; } &&
	missing2 && echo late >src/d/late &&
	eventually cmp src/d/late mnt2/d/late && fusermount3 -u mnt2'

test_done
