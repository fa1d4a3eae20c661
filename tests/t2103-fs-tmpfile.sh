#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t2103: O_TMPFILE through the mount.  Built with libfuse >= 3.17
# (fnpassfs --version: "O_TMPFILE: yes"), an unnamed file is made as the
# caller, reads back what was written, has st_nlink 0 until linkat(2)
# (AT_EMPTY_PATH, or /proc/self/fd/N with AT_SYMLINK_FOLLOW) gives it a
# name, refuses the link with O_EXCL, and leaves nothing behind when it is
# closed unlinked: each result is compared with the same call on the
# backing ext4 directory, and asserted exactly.  Built with libfuse 3.14,
# every open that reaches the file system fails with EOPNOTSUPP.
#
test_description='fnpassfs: O_TMPFILE through the mount, as natively'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_fuse
fn_require_cmd python3 setpriv
# what the users run and reach is in a directory they can enter
fn_users_trash || exit 1

fp=$FN_BUILDDIR/fs/fnpassfs
# the system's python3: the unprivileged user must be able to run it
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
user=4242	# an unprivileged uid and gid (no account needed)
# what tf prints for root's new file: 0666 under umask 027, 1 MiB + 3
new='0640 0:0 nlink=0 size=1048579 read=ok'

# TMPFILE: the build serves O_TMPFILE; PASSTHROUGH: the mount passes file
# data through the kernel (known once it is made)
built=0
"$fp" --version | grep -qx 'O_TMPFILE: yes' && built=1
if [ $built = 1 ]; then
	test_set_prereq TMPFILE
fi

st()
{
	fn_fs_stat "$1" mnt
}

# unlinked_fds: how many descriptors of the daemon hold a file with no
# name (st_nlink 0: an O_TMPFILE file open, or not forgotten yet).  A
# linked one keeps the name "(deleted)" in /proc, yet has st_nlink 1.
unlinked_fds()
{
	find -L "/proc/$FN_MOUNT_PID/fd" -mindepth 1 -links 0 2>/dev/null |
		wc -l
}

# wait_unlinked: until the daemon holds no unlinked file (5 s at most)
wait_unlinked()
{
	for i in $(seq 50); do
		test "$(unlinked_fds)" = 0 && return 0
		sleep 0.1
	done
	echo "the daemon holds $(unlinked_fds) unlinked files" >&2
	return 1
}

# wait_stat KEY VALUE: until /.stats says VALUE for KEY (5 s at most);
# forget and release reach the daemon after close(2) has returned
wait_stat()
{
	for i in $(seq 50); do
		test "$(st "$1")" = "$2" && return 0
		sleep 0.1
	done
	echo "$1 is $(st "$1"), not $2" >&2
	return 1
}

# tf DIR [rdonly] [excl] [empty:NAME|proc:NAME] [stats:MNT]: under umask
# 027, open DIR with O_TMPFILE (O_RDWR or O_RDONLY) and mode 0666, write
# the reference data, read it back; link it to NAME, and print counters
# of MNT/.stats while it is open.  One line: mode, owner, st_nlink, size,
# whether the bytes read back, then "link=ok nlink=N" or the errno of
# linkat, then the counters; or just the errno name of the open.
# tf ref FILE: the reference data in FILE.
cat >tf.py <<'EOF'
import ctypes, errno, os, stat, sys

libc = ctypes.CDLL("libc.so.6", use_errno=True)
AT_FDCWD, AT_EMPTY_PATH, AT_SYMLINK_FOLLOW = -100, 0x1000, 0x400
data = bytes(range(256)) * 4096 + b"end"
keys = ("fs_open_files", "fs_passthrough_opens", "fs_read_ops",
        "fs_write_ops")


def name(e):
    return "EOPNOTSUPP" if e == errno.EOPNOTSUPP else errno.errorcode[e]


def stats(mnt):
    v = dict(l.split() for l in open(mnt + "/.stats"))
    return " ".join("%s=%s" % (k, v[k]) for k in keys)


def tmpfile(d, opts):
    flags = os.O_TMPFILE | (os.O_RDONLY if "rdonly" in opts else os.O_RDWR)
    if "excl" in opts:
        flags |= os.O_EXCL
    os.umask(0o027)
    fd = os.open(d, flags, 0o666)
    try:
        os.write(fd, data)
        s = os.fstat(fd)
        out = "%04o %d:%d nlink=%d size=%d read=%s" % (
            stat.S_IMODE(s.st_mode), s.st_uid, s.st_gid, s.st_nlink,
            s.st_size, "ok" if os.pread(fd, len(data) + 1, 0) == data
            else "bad")
        for o in opts:
            how, _, arg = o.partition(":")
            if how == "empty":
                r = libc.linkat(fd, b"", AT_FDCWD, arg.encode(),
                                AT_EMPTY_PATH)
            elif how == "proc":
                r = libc.linkat(AT_FDCWD, b"/proc/self/fd/%d" % fd,
                                AT_FDCWD, arg.encode(), AT_SYMLINK_FOLLOW)
            elif how == "stats":
                out += " " + stats(arg)
                continue
            else:
                continue
            if r < 0:
                out += " link=" + name(ctypes.get_errno())
            else:
                out += " link=ok nlink=%d" % os.fstat(fd).st_nlink
        return out
    finally:
        os.close(fd)


if sys.argv[1] == "ref":
    open(sys.argv[2], "wb").write(data)
    sys.exit(0)
try:
    print(tmpfile(sys.argv[1], sys.argv[2:]))
except OSError as e:
    print(name(e.errno))
EOF

tf()
{
	"$py" tf.py "$@"
}

# tf_user ARGS: tf as uid and gid $user, no groups
tf_user()
{
	setpriv --reuid=$user --regid=$user --clear-groups "$py" - "$@" <tf.py
}

test_expect_setup "an ext4 backing directory and the mount (O_TMPFILE built: $built)" '
	fn_mount_ext4 back 64M && mkdir mnt back/d back/nat back/ro &&
	mkdir back/pub back/upub && chmod 1777 back/pub back/upub &&
	: >back/f && tf ref ref &&
	fn_mount back mnt allow_other &&
	pt=$(st fs_passthrough_active)
'
if [ "${pt:-0}" = 1 ]; then
	test_set_prereq PASSTHROUGH
fi

test_expect_success TMPFILE 'mode after the umask, owner, st_nlink 0, data read back' '
	out=$(tf mnt/d) && test "$out" = "$(tf back/nat)" &&
	test "$out" = "$new" &&
	test -z "$(ls -A back/d)"'

test_expect_success TMPFILE 'linkat AT_EMPTY_PATH: st_nlink 0, then 1; the data is in the backing file' '
	out=$(tf mnt/d empty:mnt/d/e1) &&
	test "$out" = "$(tf back/nat empty:back/nat/e1)" &&
	test "$out" = "$new link=ok nlink=1" &&
	cmp ref back/d/e1 && cmp ref mnt/d/e1 &&
	test "$(stat -c "%a %u:%g %h %s" back/d/e1)" = "640 0:0 1 1048579" &&
	test "$(stat -c "%i %h" mnt/d/e1)" = "$(stat -c "%i %h" back/d/e1)"'

test_expect_success TMPFILE 'linkat of /proc/self/fd/N, AT_SYMLINK_FOLLOW: the same' '
	out=$(tf mnt/d proc:mnt/d/p1) &&
	test "$out" = "$(tf back/nat proc:back/nat/p1)" &&
	test "$out" = "$new link=ok nlink=1" &&
	cmp ref back/d/p1 && cmp ref mnt/d/p1 &&
	test "$(stat -c "%a %h %s" back/d/p1)" = "640 1 1048579"'

test_expect_success TMPFILE 'O_TMPFILE|O_EXCL: either link is refused, ENOENT' '
	out=$(tf mnt/d excl empty:mnt/d/x1 proc:mnt/d/x2) &&
	test "$out" = "$(tf back/nat excl empty:back/nat/x1 proc:back/nat/x2)" &&
	test "$out" = "$new link=ENOENT link=ENOENT" &&
	test "$(ls -A back/d | sort | tr "\n" " ")" = "e1 p1 "'

test_expect_success TMPFILE "a user ($user) through allow_other: the file is the caller's" '
	out=$(tf_user mnt/pub proc:mnt/pub/u1) &&
	test "$out" = "$(tf_user back/upub proc:back/upub/u1)" &&
	test "$out" = "0640 $user:$user nlink=0 size=1048579 read=ok link=ok nlink=1" &&
	test "$(stat -c "%a %u:%g" back/pub/u1)" = "640 $user:$user" &&
	cmp ref back/pub/u1'

test_expect_success TMPFILE '/.stats: fs_tmpfile_ops counts each O_TMPFILE open' '
	echo reset >mnt/.stats && tf mnt/d >/dev/null &&
	tf mnt/d excl >/dev/null && tf mnt/f >/dev/null &&
	test "$(st fs_tmpfile_ops)" = 2 && test "$(st fs_create_ops)" = 0'

test_expect_success TMPFILE,PASSTHROUGH 'kernel passthrough: registered, data never reaches the daemon' '
	before=$(st fs_open_files) && echo reset >mnt/.stats &&
	test "$(tf mnt/d stats:mnt)" = \
	     "$new fs_open_files=$((before + 1)) fs_passthrough_opens=1 fs_read_ops=0 fs_write_ops=0" &&
	wait_stat fs_open_files $before'
test_expect_success TMPFILE,!PASSTHROUGH 'without kernel passthrough: the daemon serves the data' '
	before=$(st fs_open_files) && echo reset >mnt/.stats &&
	out=$(tf mnt/d stats:mnt) &&
	case $out in
	"$new fs_open_files=$((before + 1)) fs_passthrough_opens=0 fs_read_ops="*" fs_write_ops="[1-9]*) ;;
	*) echo "$out"; false ;;
	esac &&
	wait_stat fs_open_files $before'

test_expect_success TMPFILE 'closed unlinked: the inode is forgotten and freed, nothing is left' '
	wait_unlinked && inodes=$(st fs_inodes) && free=$(stat -f -c %d back) &&
	ls -A back/d >names && open=$(st fs_open_files) &&
	test "$(tf mnt/d)" = "$new" &&
	wait_unlinked && wait_stat fs_inodes $inodes &&
	wait_stat fs_open_files $open && test "$(stat -f -c %d back)" = $free &&
	ls -A back/d >names.after && cmp names names.after'

test_expect_success !TMPFILE 'O_TMPFILE: EOPNOTSUPP (libfuse < 3.17), also as a user' '
	test "$(tf mnt/d)" = EOPNOTSUPP &&
	test "$(tf mnt/d excl proc:mnt/d/x1)" = EOPNOTSUPP &&
	test "$(tf_user mnt/pub proc:mnt/pub/u1)" = EOPNOTSUPP &&
	test "$(tf back/nat)" = "$new" &&
	test -z "$(ls -A back/d)" && test -z "$(ls -A back/pub)"'

test_expect_success !TMPFILE '/.stats: fs_tmpfile_ops stays 0, nothing is open' '
	test "$(st fs_tmpfile_ops)" = 0 && test "$(st fs_open_files)" = 0'

# the VFS refuses these before any request, in every build
test_expect_success 'refused as natively: a file, a missing directory, O_RDONLY, no write access' '
	test "$(tf mnt/f)" = ENOTDIR && test "$(tf back/f)" = ENOTDIR &&
	test "$(tf mnt/nosuch)" = ENOENT && test "$(tf back/nosuch)" = ENOENT &&
	test "$(tf mnt/d rdonly)" = EINVAL && test "$(tf back/nat rdonly)" = EINVAL &&
	test "$(tf_user mnt/ro)" = EACCES && test "$(tf_user back/ro)" = EACCES'

test_expect_success 'unmount: daemon exits 0' 'fn_umount mnt'

test_done
