#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# fpdiff.py: one script of file operations for the differential test
# (t2502).  It is run on a backing directory directly and through an
# fnpassfs mount of an identical tree, as root and as an unprivileged
# user; the outputs must be identical.
#
#	fpdiff.py setup DIR UID GID	as root: the fixture in empty DIR
#					(DIR owned by UID:GID, a root-owned
#					subtree fix/ with modes to be refused)
#	fpdiff.py run DIR		the operations, in DIR (umask 022)
#	fpdiff.py sec-setup DIR GID	as root: the security test's tree
#	fpdiff.py sec-run DIR PHASE OTHER_UID GID
#					the security test's operations: a1 as
#					user A, b1 as user B, a2 as A, dump
#
# "run" prints one line per operation: a number, what was done, and what
# came of it: the errno name, or the state it set (type, mode, owner,
# size, nlink, a content hash, exact nanosecond times where the operation
# set them).  Nothing that differs between two correct runs is printed:
# no inode or device numbers, no absolute paths, no times the operation
# did not set (only whether it changed them).  It ends with a dump of the
# whole tree and a line "# operations N".

import ctypes
import errno
import fcntl
import hashlib
import os
import socket
import stat
import sys
import time

libc = ctypes.CDLL("libc.so.6", use_errno=True)

AT_FDCWD = -100
AT_SYMLINK_NOFOLLOW = 0x100
UTIME_NOW = (1 << 30) - 1
UTIME_OMIT = (1 << 30) - 2
RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
FALLOC_FL_KEEP_SIZE = 0x01
FALLOC_FL_PUNCH_HOLE = 0x02
FALLOC_FL_ZERO_RANGE = 0x10
XATTR_CREATE = 1
XATTR_REPLACE = 2


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


libc.renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                           ctypes.c_char_p, ctypes.c_uint]
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64,
                           ctypes.c_int64]
libc.utimensat.argtypes = [ctypes.c_int, ctypes.c_char_p,
                           ctypes.POINTER(Timespec), ctypes.c_int]
libc.getxattr.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p,
                          ctypes.c_size_t]
libc.getxattr.restype = ctypes.c_ssize_t
libc.listxattr.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t]
libc.listxattr.restype = ctypes.c_ssize_t
libc.readlink.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t]
libc.readlink.restype = ctypes.c_ssize_t
libc.linkat.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                        ctypes.c_char_p, ctypes.c_int]
AT_SYMLINK_FOLLOW = 0x400
AT_EMPTY_PATH = 0x1000


def check(ret):
    """Raise OSError for a libc call that returned -1."""
    if ret < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return ret


def renameat2(old, new, flags):
    check(libc.renameat2(AT_FDCWD, old.encode(), AT_FDCWD, new.encode(),
                         flags))


def link_fd(fd, new):
    """linkat(2) of an open file (O_TMPFILE) through /proc/self/fd."""
    check(libc.linkat(AT_FDCWD, b"/proc/self/fd/%d" % fd, AT_FDCWD,
                      new.encode(), AT_SYMLINK_FOLLOW))


def link_empty(fd, new):
    """linkat(2) of an open file with AT_EMPTY_PATH (CAP_DAC_READ_SEARCH)."""
    check(libc.linkat(fd, b"", AT_FDCWD, new.encode(), AT_EMPTY_PATH))


def fallocate(fd, mode, off, length):
    check(libc.fallocate(fd, mode, off, length))


def utimensat(path, atime, mtime, flags=0):
    ts = (Timespec * 2)(Timespec(*atime), Timespec(*mtime))
    check(libc.utimensat(AT_FDCWD, path.encode(), ts, flags))


def getxattr_size(path, name, size):
    buf = ctypes.create_string_buffer(max(size, 1))
    n = check(libc.getxattr(path.encode(), name.encode(),
                            buf if size else None, size))
    return n if not size else buf.raw[:n]


def readlink_size(path, size):
    buf = ctypes.create_string_buffer(size)
    n = check(libc.readlink(path.encode(), buf, size))
    return buf.raw[:n]


def listxattr_size(path, size):
    buf = ctypes.create_string_buffer(max(size, 1))
    return check(libc.listxattr(path.encode(), buf if size else None, size))


count = 0


def ename(e):
    return errno.errorcode.get(e, "errno%d" % e)


def T(desc, fn):
    """Run one operation; print its result or its errno name."""
    global count
    count += 1
    try:
        r = fn()
        r = "ok" if r is None else r
    except OSError as e:
        r = ename(e.errno)
    print("%03d %s: %s" % (count, desc, r))


def typ(mode):
    for t, name in ((stat.S_ISREG, "reg"), (stat.S_ISDIR, "dir"),
                    (stat.S_ISLNK, "lnk"), (stat.S_ISFIFO, "fifo"),
                    (stat.S_ISSOCK, "sock"), (stat.S_ISCHR, "chr"),
                    (stat.S_ISBLK, "blk")):
        if t(mode):
            return name
    return "?"


def fmt_st(s):
    r = "%s %04o %d:%d" % (typ(s.st_mode), stat.S_IMODE(s.st_mode),
                           s.st_uid, s.st_gid)
    if stat.S_ISREG(s.st_mode) or stat.S_ISLNK(s.st_mode):
        r += " size=%d" % s.st_size
    if stat.S_ISCHR(s.st_mode) or stat.S_ISBLK(s.st_mode):
        r += " rdev=%d:%d" % (os.major(s.st_rdev), os.minor(s.st_rdev))
    return r + " nlink=%d" % s.st_nlink


def st(path, follow=False):
    return fmt_st(os.stat(path, follow_symlinks=follow))


def digest(data):
    return hashlib.sha256(data).hexdigest()[:16]


def readall(path):
    with open(path, "rb") as f:
        return f.read()


def content(path):
    d = readall(path)
    return "len=%d sha=%s" % (len(d), digest(d))


def full(path):
    return st(path) + " " + content(path)


def times(path, follow=False):
    s = os.stat(path, follow_symlinks=follow)
    return "atime=%d mtime=%d" % (s.st_atime_ns, s.st_mtime_ns)


def put(path, data, flags=os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
        mode=0o644):
    fd = os.open(path, flags, mode)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def fd_call(path, flags, fn, mode=0o644):
    """Open path, call fn(fd), close; fn's result."""
    fd = os.open(path, flags, mode)
    try:
        return fn(fd)
    finally:
        os.close(fd)


def changes_mtime(path, fn):
    """Set an old exact mtime, run fn, say whether mtime moved."""
    os.utime(path, ns=(1000000000, 1000000000), follow_symlinks=False)
    fn()
    m = os.stat(path, follow_symlinks=False).st_mtime_ns
    return "mtime %s" % ("changed" if m != 1000000000 else "kept")


def utime_now_check(path, setter):
    before = time.time_ns()
    setter()
    after = time.time_ns()
    s = os.stat(path)
    # the kernel's coarse clock may lag the fine one by a tick or two
    ok = lambda t: before - 10**9 <= t <= after + 10**9
    return "atime %s mtime %s" % ("now" if ok(s.st_atime_ns) else "other",
                                  "now" if ok(s.st_mtime_ns) else "other")


def setup(top, uid, gid):
    """The fixture, created as root before each run."""
    os.umask(0o022)
    os.chown(top, uid, gid)
    os.chmod(top, 0o755)
    os.chdir(top)
    os.mkdir("fix", 0o755)
    put("fix/r644", b"root file 644\n", mode=0o644)
    put("fix/r600", b"root file 600\n", mode=0o600)
    put("fix/r666", b"root file 666\n", mode=0o666)
    os.chmod("fix/r666", 0o666)
    os.mkdir("fix/rdir700", 0o700)
    put("fix/rdir700/f", b"hidden\n")
    os.mkdir("fix/rdir755", 0o755)
    put("fix/rdir755/f", b"visible\n")
    os.mkdir("fix/sticky", 0o755)
    os.chmod("fix/sticky", 0o1777)
    put("fix/sticky/rootfile", b"in sticky\n", mode=0o666)
    os.chmod("fix/sticky/rootfile", 0o666)
    os.symlink("r644", "fix/rsym")
    os.setxattr("fix/r644", "user.fix", b"abc")
    os.mkdir("fix/open", 0o777)
    os.chmod("fix/open", 0o777)
    os.mkdir("fix/sg")
    os.chown("fix/sg", 0, 4321)
    os.chmod("fix/sg", 0o2777)


def file_ops():
    T("create O_CREAT|O_EXCL a 0666",
      lambda: fd_call("a", os.O_CREAT | os.O_EXCL | os.O_WRONLY,
                      lambda fd: None, 0o666) or st("a"))
    T("O_CREAT|O_EXCL on existing a",
      lambda: fd_call("a", os.O_CREAT | os.O_EXCL | os.O_WRONLY,
                      lambda fd: None))
    T("O_CREAT without O_EXCL on existing a",
      lambda: fd_call("a", os.O_CREAT | os.O_WRONLY,
                      lambda fd: None) or st("a"))
    T("create with mode 0777 (umask 022)",
      lambda: fd_call("x777", os.O_CREAT | os.O_WRONLY, lambda fd: None,
                      0o777) or st("x777"))
    T("create with mode 06777",
      lambda: fd_call("x6777", os.O_CREAT | os.O_WRONLY, lambda fd: None,
                      0o6777) or st("x6777"))
    T("write a", lambda: put("a", b"hello world\n", os.O_WRONLY) or full("a"))
    T("read a", lambda: digest(readall("a")))
    T("read 5 at 6", lambda: fd_call("a", os.O_RDONLY,
                                     lambda fd: os.pread(fd, 5, 6)))
    T("read at 2M (past EOF)",
      lambda: len(fd_call("a", os.O_RDONLY,
                          lambda fd: os.pread(fd, 100, 2 << 20))))
    T("pwrite a at 100 (hole)",
      lambda: fd_call("a", os.O_WRONLY,
                      lambda fd: os.pwrite(fd, b"at100", 100)) and full("a"))
    T("pwrite a at 1M",
      lambda: fd_call("a", os.O_RDWR,
                      lambda fd: os.pwrite(fd, b"x" * 5000, 1 << 20)) and
      full("a"))
    T("pwrite 0 bytes at 3M (no size change)",
      lambda: fd_call("a", os.O_RDWR,
                      lambda fd: os.pwrite(fd, b"", 3 << 20)) or full("a"))
    T("write in the middle",
      lambda: fd_call("a", os.O_RDWR,
                      lambda fd: os.pwrite(fd, b"MID" * 1000, 4000)) and
      full("a"))
    T("write updates mtime",
      lambda: changes_mtime("a", lambda: fd_call(
          "a", os.O_WRONLY, lambda fd: os.pwrite(fd, b"m", 0))))
    T("O_TRUNC a", lambda: fd_call("a", os.O_WRONLY | os.O_TRUNC,
                                   lambda fd: None) or full("a"))
    T("O_TRUNC updates mtime",
      lambda: changes_mtime("a", lambda: fd_call(
          "a", os.O_WRONLY | os.O_TRUNC, lambda fd: None)))
    T("O_TRUNC on O_RDONLY", lambda: fd_call(
        "a", os.O_RDONLY | os.O_TRUNC, lambda fd: None) or full("a"))
    put("ap", b"first\n")
    T("O_APPEND write after lseek 0",
      lambda: fd_call("ap", os.O_WRONLY | os.O_APPEND,
                      lambda fd: os.lseek(fd, 0, os.SEEK_SET) or
                      os.write(fd, b"second\n")) and full("ap"))
    T("O_APPEND pwrite at 0 appends",
      lambda: fd_call("ap", os.O_WRONLY | os.O_APPEND,
                      lambda fd: os.pwrite(fd, b"third\n", 0)) and
      full("ap"))
    T("O_APPEND position after write",
      lambda: fd_call("ap", os.O_WRONLY | os.O_APPEND,
                      lambda fd: (os.write(fd, b"4\n"),
                                  os.lseek(fd, 0, os.SEEK_CUR))[1]))
    T("read of ap", lambda: readall("ap"))
    T("write to O_RDONLY fd",
      lambda: fd_call("ap", os.O_RDONLY, lambda fd: os.write(fd, b"z")))
    T("read from O_WRONLY fd",
      lambda: fd_call("ap", os.O_WRONLY, lambda fd: os.read(fd, 1)))
    T("read/write O_RDWR lseek",
      lambda: fd_call("ap", os.O_RDWR,
                      lambda fd: (os.write(fd, b"FIR"),
                                  os.lseek(fd, 0, os.SEEK_SET),
                                  os.read(fd, 8))[2]))
    T("lseek SEEK_END", lambda: fd_call(
        "ap", os.O_RDONLY, lambda fd: os.lseek(fd, -2, os.SEEK_END)))
    T("lseek negative", lambda: fd_call(
        "ap", os.O_RDONLY, lambda fd: os.lseek(fd, -1, os.SEEK_SET)))
    T("open missing", lambda: fd_call("missing", os.O_RDONLY,
                                      lambda fd: None))
    T("open missing/x", lambda: fd_call("missing/x", os.O_RDONLY | os.O_CREAT,
                                        lambda fd: None))
    T("open a/x (ENOTDIR)", lambda: fd_call("a/x", os.O_RDONLY,
                                            lambda fd: None))
    T("open O_DIRECTORY on file",
      lambda: fd_call("a", os.O_RDONLY | os.O_DIRECTORY, lambda fd: None))
    os.mkdir("od")
    T("open dir O_WRONLY", lambda: fd_call("od", os.O_WRONLY,
                                           lambda fd: None))
    T("open dir O_RDWR", lambda: fd_call("od", os.O_RDWR, lambda fd: None))
    T("open dir O_RDONLY", lambda: fd_call("od", os.O_RDONLY,
                                           lambda fd: None))
    T("open O_CREAT on dir", lambda: fd_call(
        "od", os.O_RDONLY | os.O_CREAT, lambda fd: None))
    T("open name of 256 bytes", lambda: fd_call(
        "n" * 256, os.O_RDONLY | os.O_CREAT, lambda fd: None))
    T("create name of 255 bytes", lambda: fd_call(
        "n" * 255, os.O_RDONLY | os.O_CREAT, lambda fd: None) or
      st("n" * 255))
    T("unlink name of 255 bytes", lambda: os.unlink("n" * 255))
    T("path longer than PATH_MAX", lambda: os.stat("x/" * 2100))
    os.symlink("loop1", "loop2")
    os.symlink("loop2", "loop1")
    T("open symlink loop", lambda: fd_call("loop1", os.O_RDONLY,
                                           lambda fd: None))
    T("stat symlink loop", lambda: st("loop1", True))
    os.symlink("a", "sa")
    T("open O_NOFOLLOW on symlink", lambda: fd_call(
        "sa", os.O_RDONLY | os.O_NOFOLLOW, lambda fd: None))
    T("O_PATH|O_NOFOLLOW on symlink, fstat", lambda: fd_call(
        "sa", os.O_PATH | os.O_NOFOLLOW, lambda fd: fmt_st(os.fstat(fd))))
    T("open through symlink", lambda: fd_call(
        "sa", os.O_RDONLY, lambda fd: fmt_st(os.fstat(fd))))
    T("st_blksize", lambda: os.stat("a").st_blksize)


def truncate_ops():
    put("t", b"0123456789" * 10)
    T("truncate grow t 5000", lambda: os.truncate("t", 5000) or full("t"))
    T("truncate shrink t 10", lambda: os.truncate("t", 10) or full("t"))
    T("truncate t 0", lambda: os.truncate("t", 0) or full("t"))
    T("truncate t to 1T (sparse)",
      lambda: os.truncate("t", 1 << 40) or st("t"))
    T("read at 1T-3", lambda: fd_call(
        "t", os.O_RDONLY, lambda fd: os.pread(fd, 10, (1 << 40) - 3)))
    T("pwrite at 2^41", lambda: fd_call(
        "t", os.O_WRONLY, lambda fd: os.pwrite(fd, b"far", 1 << 41)) and
      st("t"))
    T("read at 2^41", lambda: fd_call(
        "t", os.O_RDONLY, lambda fd: os.pread(fd, 10, 1 << 41)))
    T("truncate t 7", lambda: os.truncate("t", 7) or full("t"))
    T("ftruncate t 3", lambda: fd_call(
        "t", os.O_WRONLY, lambda fd: os.ftruncate(fd, 3)) or full("t"))
    T("ftruncate on O_RDONLY fd", lambda: fd_call(
        "t", os.O_RDONLY, lambda fd: os.ftruncate(fd, 1)))
    T("truncate negative", lambda: os.truncate("t", -1))
    T("truncate dir", lambda: os.truncate("od", 0))
    T("truncate missing", lambda: os.truncate("missing", 0))
    T("truncate updates mtime",
      lambda: changes_mtime("t", lambda: os.truncate("t", 100)))
    T("truncate to same size", lambda: os.truncate("t", 100) or full("t"))


def chmod_chown_ops():
    put("c", b"chmod me\n")
    for m in (0o600, 0o000, 0o4755, 0o2755, 0o1777, 0o7777, 0o644):
        T("chmod c %04o" % m, lambda m=m: os.chmod("c", m) or st("c"))
    T("read 0000 file", lambda: os.chmod("c", 0) or digest(readall("c")))
    os.chmod("c", 0o644)
    T("chmod missing", lambda: os.chmod("missing", 0o644))
    T("chmod dir 0700", lambda: os.chmod("od", 0o700) or st("od"))
    T("chmod dir 02755", lambda: os.chmod("od", 0o2755) or st("od"))
    T("chmod fix/r644", lambda: os.chmod("fix/r644", 0o644))
    T("chown c 1234:5678", lambda: os.chown("c", 1234, 5678) or st("c"))
    T("chown c -1:-1", lambda: os.chown("c", -1, -1) or st("c"))
    T("chown c back to me",
      lambda: os.chown("c", os.getuid(), os.getgid()) or st("c"))
    T("chown c to my uid, group 0", lambda: os.chown("c", -1, 0) or st("c"))
    T("chown fix/r644 to me", lambda: os.chown("fix/r644", os.getuid(), -1))
    T("chown symlink (lchown)",
      lambda: os.chown("sa", os.getuid(), os.getgid(),
                       follow_symlinks=False) or st("sa"))
    put("su", b"#!/bin/sh\n")
    T("chmod su 06755", lambda: os.chmod("su", 0o6755) or st("su"))
    T("chown su to same owner clears set-id",
      lambda: os.chown("su", os.getuid(), os.getgid()) or st("su"))
    T("chmod su 06755 again", lambda: os.chmod("su", 0o6755) or st("su"))
    T("write to set-id file",
      lambda: fd_call("su", os.O_WRONLY | os.O_APPEND,
                      lambda fd: os.write(fd, b"#\n")) and st("su"))
    T("chmod su 06755 once more", lambda: os.chmod("su", 0o6755) or st("su"))
    T("truncate set-id file", lambda: os.truncate("su", 2) or st("su"))


def utime_ops():
    put("u", b"times\n")
    a = (1000000000, 123456789)
    m = (1234567890, 987654321)
    T("utimensat exact ns",
      lambda: utimensat("u", a, m) or times("u"))
    T("utimensat UTIME_OMIT mtime",
      lambda: utimensat("u", (1111111111, 111), (0, UTIME_OMIT)) or
      times("u"))
    T("utimensat UTIME_OMIT atime",
      lambda: utimensat("u", (0, UTIME_OMIT), (2222222222, 999999999)) or
      times("u"))
    T("utimensat both UTIME_OMIT",
      lambda: utimensat("u", (0, UTIME_OMIT), (0, UTIME_OMIT)) or
      times("u"))
    T("utimensat UTIME_NOW",
      lambda: utime_now_check("u", lambda: utimensat(
          "u", (0, UTIME_NOW), (0, UTIME_NOW))))
    T("utimensat exact again",
      lambda: utimensat("u", a, m) or times("u"))
    T("utimensat atime NOW, mtime OMIT",
      lambda: utimensat("u", (0, UTIME_NOW), (0, UTIME_OMIT)) or
      "mtime=%d" % os.stat("u").st_mtime_ns)
    T("utime(NULL)", lambda: utime_now_check("u", lambda: os.utime("u")))
    T("utimensat before 1970",
      lambda: utimensat("u", (-1, 500), (-100, 999999999)) or times("u"))
    T("utimensat nsec out of range",
      lambda: utimensat("u", (0, 1000000000), (0, 0)))
    T("utimensat on dir exact",
      lambda: utimensat("od", a, m) or times("od"))
    T("utimensat on symlink, no follow",
      lambda: utimensat("sa", a, m, AT_SYMLINK_NOFOLLOW) or
      times("sa"))
    T("utimensat missing", lambda: utimensat("missing", a, m))
    T("utimensat exact on fix/r666", lambda: utimensat("fix/r666", a, m))
    T("utimensat NOW on fix/r666",
      lambda: utime_now_check("fix/r666", lambda: utimensat(
          "fix/r666", (0, UTIME_NOW), (0, UTIME_NOW))))
    T("utimensat NOW on fix/r644",
      lambda: utimensat("fix/r644", (0, UTIME_NOW), (0, UTIME_NOW)))


def dir_ops():
    T("mkdir d 0777", lambda: os.mkdir("d", 0o777) or st("d"))
    T("mkdir d again", lambda: os.mkdir("d"))
    T("mkdir d/sub", lambda: os.mkdir("d/sub", 0o700) or st("d/sub"))
    T("nlink of d", lambda: st("d"))
    T("rmdir nonempty d", lambda: os.rmdir("d"))
    T("rmdir file", lambda: os.rmdir("a"))
    T("rmdir d/sub", lambda: os.rmdir("d/sub") or st("d"))
    T("rmdir missing", lambda: os.rmdir("missing"))
    T("rmdir .", lambda: os.rmdir("d/."))
    T("unlink dir", lambda: os.unlink("d"))
    T("unlink missing", lambda: os.unlink("missing"))
    T("mkdir in missing", lambda: os.mkdir("missing/x"))
    T("mkdir under file", lambda: os.mkdir("a/x"))
    T("mkdir d/s1 d/s2 files",
      lambda: [os.mkdir("d/s1"), os.mkdir("d/s2"), put("d/f1", b"1"),
               os.symlink("f1", "d/l1"), os.mkfifo("d/p1")] and None)
    T("readdir d",
      lambda: " ".join(sorted("%s:%s" % (e.name, "dir" if e.is_dir(
          follow_symlinks=False) else "lnk" if e.is_symlink() else
          "reg" if e.is_file(follow_symlinks=False) else "other")
          for e in os.scandir("d"))))
    T("readdir d count", lambda: len(os.listdir("d")))
    T("nlink of d with 2 subdirs", lambda: st("d"))
    T("mkdir updates parent mtime",
      lambda: changes_mtime("d", lambda: os.mkdir("d/s3")))
    T("setgid dir: mkdir sg 02775",
      lambda: os.mkdir("sg") or os.chmod("sg", 0o2775) or st("sg"))
    T("chown sg group 4321", lambda: os.chown("sg", -1, 4321) or st("sg"))
    T("create in setgid dir", lambda: put("sg/f", b"") or st("sg/f"))
    T("mkdir in setgid dir", lambda: os.mkdir("sg/sub") or st("sg/sub"))
    T("many entries: create 300, readdir",
      lambda: [put("d/s2/e%03d" % i, b"") for i in range(300)] and
      digest(" ".join(sorted(os.listdir("d/s2"))).encode()))
    T("readdir after unlinking 150",
      lambda: [os.unlink("d/s2/e%03d" % i) for i in range(0, 300, 2)] and
      digest(" ".join(sorted(os.listdir("d/s2"))).encode()))


def rename_ops():
    put("r1", b"one\n")
    put("r2", b"two\n")
    T("rename r1 r3", lambda: os.rename("r1", "r3") or full("r3"))
    T("old name gone", lambda: os.stat("r1"))
    T("rename over existing with target open",
      lambda: fd_call("r2", os.O_RDONLY, lambda fd: (
          os.rename("r3", "r2"),
          "open target: %s nlink=%d" % (os.pread(fd, 100, 0),
                                         os.fstat(fd).st_nlink))[1]) +
      " now " + full("r2"))
    put("r4", b"four\n")
    T("rename with source open, write after",
      lambda: fd_call("r4", os.O_RDWR, lambda fd: (
          os.rename("r4", "r5"), os.pwrite(fd, b"FOUR", 0))[1]) and
      full("r5"))
    T("RENAME_NOREPLACE onto existing",
      lambda: renameat2("r5", "r2", RENAME_NOREPLACE))
    T("RENAME_NOREPLACE onto new",
      lambda: renameat2("r5", "r6", RENAME_NOREPLACE) or full("r6"))
    T("RENAME_EXCHANGE r2 r6",
      lambda: renameat2("r2", "r6", RENAME_EXCHANGE) or
      content("r2") + " / " + content("r6"))
    T("RENAME_EXCHANGE file and dir",
      lambda: renameat2("r2", "d", RENAME_EXCHANGE) or
      st("r2") + " / " + full("d"))
    T("RENAME_EXCHANGE back",
      lambda: renameat2("r2", "d", RENAME_EXCHANGE) or st("d"))
    T("RENAME_EXCHANGE with missing",
      lambda: renameat2("r2", "missing", RENAME_EXCHANGE))
    T("RENAME_EXCHANGE|RENAME_NOREPLACE",
      lambda: renameat2("r2", "r6", RENAME_EXCHANGE | RENAME_NOREPLACE))
    os.mkdir("ra")
    os.mkdir("rb")
    put("ra/f", b"moving\n")
    T("rename across dirs", lambda: os.rename("ra/f", "rb/g") or
      full("rb/g"))
    T("rename dir across dirs", lambda: os.mkdir("ra/sub") or
      os.rename("ra/sub", "rb/sub") or st("rb/sub") + " " + st("ra") +
      " " + st("rb"))
    T("rename dir over nonempty dir", lambda: os.rename("ra", "rb"))
    T("rename dir over empty dir",
      lambda: os.mkdir("re") or os.rename("ra", "re") or st("re"))
    T("rename file over dir", lambda: os.rename("r2", "rb"))
    T("rename dir over file", lambda: os.rename("rb", "r2"))
    T("rename dir into its subdir", lambda: os.rename("rb", "rb/sub/x"))
    T("rename missing", lambda: os.rename("missing", "r9"))
    T("rename to itself", lambda: os.rename("r2", "r2") or full("r2"))
    T("rename hard links of the same file",
      lambda: os.link("r2", "r2h") or os.rename("r2", "r2h") or
      st("r2") + " / " + st("r2h"))
    T("rename symlink", lambda: os.rename("sa", "sb") or
      os.readlink("sb"))
    T("rename updates dir mtime",
      lambda: changes_mtime("rb", lambda: os.rename("rb/g", "rb/g2")))
    T("rename fix/rdir755/f into my dir",
      lambda: os.rename("fix/rdir755/f", "mine") or full("mine"))


def link_symlink_ops():
    put("h", b"hard\n")
    T("link h hl", lambda: os.link("h", "hl") or st("h") + " same=%s" % (
        os.stat("h").st_ino == os.stat("hl").st_ino))
    T("link onto existing", lambda: os.link("h", "hl"))
    T("link dir", lambda: os.link("d", "dl"))
    T("link missing", lambda: os.link("missing", "ml"))
    T("write through link, read other",
      lambda: put("hl", b"HARD\n", os.O_WRONLY) or content("h"))
    T("unlink hl", lambda: os.unlink("hl") or st("h"))
    T("link fix/r644 (protected_hardlinks)",
      lambda: os.link("fix/r644", "r644link") or st("r644link"))
    T("symlink h sh", lambda: os.symlink("h", "sh") or st("sh") + " -> " +
      os.readlink("sh"))
    T("symlink long target",
      lambda: os.symlink("t" * 4000, "slong") or st("slong") +
      " " + digest(os.readlink("slong").encode()))
    T("symlink target too long", lambda: os.symlink("t" * 4096, "stoo"))
    T("symlink onto existing", lambda: os.symlink("h", "sh"))
    T("readlink regular file", lambda: os.readlink("h"))
    T("readlink missing", lambda: os.readlink("missing"))
    T("dangling symlink",
      lambda: os.symlink("nowhere", "sdang") or st("sdang"))
    T("stat dangling, following", lambda: st("sdang", True))
    T("open O_CREAT through dangling symlink",
      lambda: put("sdang", b"made\n") or full("nowhere"))
    T("symlink to dir, listdir",
      lambda: os.symlink("d", "sd") or len(os.listdir("sd")))
    T("unlink symlink keeps target",
      lambda: os.unlink("sh") or st("h"))


def special_ops():
    T("mkfifo p", lambda: os.mkfifo("p", 0o640) or st("p"))
    T("mkfifo existing", lambda: os.mkfifo("p"))
    T("open fifo O_RDONLY|O_NONBLOCK", lambda: fd_call(
        "p", os.O_RDONLY | os.O_NONBLOCK, lambda fd: fmt_st(os.fstat(fd))))
    T("open fifo O_WRONLY|O_NONBLOCK without reader", lambda: fd_call(
        "p", os.O_WRONLY | os.O_NONBLOCK, lambda fd: None))
    T("fifo write and read", lambda: fd_call(
        "p", os.O_RDONLY | os.O_NONBLOCK, lambda r: fd_call(
            "p", os.O_WRONLY, lambda w: (os.write(w, b"through fifo"),
                                         os.read(r, 100))[1])))
    T("mknod S_IFREG", lambda: os.mknod("mreg", 0o600 | stat.S_IFREG) or
      st("mreg"))
    T("mknod chr 1:3", lambda: os.mknod("cdev", 0o600 | stat.S_IFCHR,
                                        os.makedev(1, 3)) or st("cdev"))
    T("mknod blk 7:200", lambda: os.mknod("bdev", 0o600 | stat.S_IFBLK,
                                          os.makedev(7, 200)) or st("bdev"))

    def sock():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.bind("sock")
        finally:
            s.close()
        return st("sock")
    T("bind unix socket", sock)
    T("mknod S_IFSOCK", lambda: os.mknod("msock", 0o644 | stat.S_IFSOCK) or
      st("msock"))


def statfs_ops():
    def sfs(path):
        s = os.statvfs(path)
        return "bsize=%d frsize=%d blocks=%d files=%d namemax=%d" % (
            s.f_bsize, s.f_frsize, s.f_blocks, s.f_files, s.f_namemax)
    T("statvfs .", lambda: sfs("."))
    T("statvfs on a file", lambda: sfs("h"))
    T("statvfs missing", lambda: sfs("missing"))


def xattr_ops():
    put("x", b"xattrs\n")

    def lst(path, follow=True):
        return ",".join(sorted(os.listxattr(path, follow_symlinks=follow)))
    T("listxattr new file", lambda: lst("x"))
    T("setxattr user.a", lambda: os.setxattr("x", "user.a", b"va") or
      os.getxattr("x", "user.a"))
    T("getxattr missing", lambda: os.getxattr("x", "user.none"))
    T("XATTR_CREATE on existing",
      lambda: os.setxattr("x", "user.a", b"v2", XATTR_CREATE))
    T("XATTR_REPLACE on missing",
      lambda: os.setxattr("x", "user.b", b"v2", XATTR_REPLACE))
    T("XATTR_REPLACE on existing",
      lambda: os.setxattr("x", "user.a", b"value2", XATTR_REPLACE) or
      os.getxattr("x", "user.a"))
    T("XATTR_CREATE on new",
      lambda: os.setxattr("x", "user.b", b"", XATTR_CREATE) or
      os.getxattr("x", "user.b"))
    T("getxattr size query", lambda: getxattr_size("x", "user.a", 0))
    T("getxattr buffer too small", lambda: getxattr_size("x", "user.a", 2))
    T("getxattr exact buffer", lambda: getxattr_size("x", "user.a", 6))
    T("listxattr", lambda: lst("x"))
    T("listxattr size query", lambda: listxattr_size("x", 0))
    T("listxattr buffer too small", lambda: listxattr_size("x", 3))
    T("setxattr 4000-byte value",
      lambda: os.setxattr("x", "user.big", b"B" * 4000) or
      digest(os.getxattr("x", "user.big")))
    T("setxattr 65537-byte value",
      lambda: os.setxattr("x", "user.huge", b"H" * 65537))
    T("setxattr name of 256 bytes",
      lambda: os.setxattr("x", "user." + "n" * 251, b"v"))
    T("removexattr user.a", lambda: os.removexattr("x", "user.a") or
      lst("x"))
    T("removexattr missing", lambda: os.removexattr("x", "user.a"))
    T("setxattr unknown namespace",
      lambda: os.setxattr("x", "bogus.a", b"v"))
    T("setxattr trusted.t", lambda: os.setxattr("x", "trusted.t", b"tv") or
      os.getxattr("x", "trusted.t"))
    T("setxattr security.s", lambda: os.setxattr("x", "security.s", b"sv") or
      os.getxattr("x", "security.s"))
    T("listxattr with trusted and security", lambda: lst("x"))
    T("user xattr on dir", lambda: os.setxattr("d", "user.d", b"dir") or
      os.getxattr("d", "user.d"))
    T("user xattr on symlink (no follow)",
      lambda: os.setxattr("sdang", "user.l", b"l", follow_symlinks=False))
    T("user xattr on fifo", lambda: os.setxattr("p", "user.p", b"p"))
    T("getxattr fix/r644 user.fix", lambda: os.getxattr("fix/r644",
                                                        "user.fix"))
    T("setxattr on fix/r644", lambda: os.setxattr("fix/r644", "user.y",
                                                  b"y"))
    T("setxattr on fix/r666", lambda: os.setxattr("fix/r666", "user.y",
                                                  b"y") or lst("fix/r666"))
    T("setxattr on 0000 own file",
      lambda: os.chmod("c", 0) or os.setxattr("c", "user.z", b"z"))
    os.chmod("c", 0o644)
    T("system.posix_acl_access on file",
      lambda: os.getxattr("x", "system.posix_acl_access"))


def acl_xattr(entries):
    """The system.posix_acl_* value of [(tag, perm, id)]."""
    import struct
    ids = {0x01: 0xffffffff, 0x04: 0xffffffff, 0x10: 0xffffffff,
           0x20: 0xffffffff}
    return struct.pack("<I", 2) + b"".join(
        struct.pack("<HHI", tag, perm, ids.get(tag, i))
        for tag, perm, i in entries)


def acl_ops():
    """POSIX ACLs as xattrs: the mode they imply, default ACLs on create,
    and file capabilities that writes and chown remove."""
    import struct
    put("acl", b"acl\n")
    os.chmod("acl", 0o600)
    access = acl_xattr([(0x01, 6, 0), (0x02, 4, 1234), (0x04, 0, 0),
                        (0x10, 4, 0), (0x20, 0, 0)])
    T("set an access ACL (user 1234 r)", lambda: os.setxattr(
        "acl", "system.posix_acl_access", access) or st("acl") + " " +
      digest(os.getxattr("acl", "system.posix_acl_access")))
    T("chmod 0640 after the ACL", lambda: os.chmod("acl", 0o640) or
      st("acl") + " " + digest(os.getxattr(
          "acl", "system.posix_acl_access")))
    T("remove the access ACL", lambda: os.removexattr(
        "acl", "system.posix_acl_access") or st("acl"))
    os.mkdir("dacl")
    dflt = acl_xattr([(0x01, 7, 0), (0x02, 5, 1234), (0x04, 7, 0),
                      (0x10, 7, 0), (0x20, 5, 0)])
    T("set a default ACL on a dir", lambda: os.setxattr(
        "dacl", "system.posix_acl_default", dflt) or st("dacl"))
    T("create under a default ACL (umask ignored)", lambda: fd_call(
        "dacl/f", os.O_CREAT | os.O_WRONLY, lambda fd: None, 0o666) or
      st("dacl/f") + " " + digest(os.getxattr(
          "dacl/f", "system.posix_acl_access")))
    T("mkdir under a default ACL", lambda: os.mkdir("dacl/d", 0o777) or
      st("dacl/d") + " " + digest(os.getxattr(
          "dacl/d", "system.posix_acl_default")))
    T("ACL of a wrong format", lambda: os.setxattr(
        "acl", "system.posix_acl_access", b"\x02\x00\x00\x00\x01"))
    # a VFS_CAP_REVISION_2 capability set: cap_net_raw+ep
    cap = struct.pack("<IIIII", 0x02000001, 1 << 13, 0, 0, 0)
    put("capf", b"cap\n")
    T("set security.capability", lambda: os.setxattr(
        "capf", "security.capability", cap) or
      digest(os.getxattr("capf", "security.capability")))
    T("write removes the capability", lambda: put(
        "capf", b"w", os.O_WRONLY | os.O_APPEND) or ",".join(
        sorted(os.listxattr("capf"))))
    T("set it again, chown removes it", lambda: os.setxattr(
        "capf", "security.capability", cap) or os.chown(
        "capf", os.getuid(), os.getgid()) or ",".join(
        sorted(os.listxattr("capf"))))


def fallocate_ops():
    def alloc_state(path):
        s = os.stat(path)
        return "size=%d blocks=%d %s" % (s.st_size, s.st_blocks,
                                         content(path))
    put("fa", b"")
    T("posix_fallocate 0 64K", lambda: fd_call(
        "fa", os.O_RDWR, lambda fd: os.posix_fallocate(fd, 0, 65536)) or
      alloc_state("fa"))
    T("fallocate KEEP_SIZE beyond EOF", lambda: fd_call(
        "fa", os.O_RDWR, lambda fd: fallocate(fd, FALLOC_FL_KEEP_SIZE,
                                              65536, 65536)) or
      alloc_state("fa"))
    T("write data", lambda: fd_call(
        "fa", os.O_RDWR, lambda fd: os.pwrite(fd, b"D" * 65536, 0)) and
      alloc_state("fa"))
    T("PUNCH_HOLE|KEEP_SIZE 8K at 16K", lambda: fd_call(
        "fa", os.O_RDWR, lambda fd: fallocate(
            fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 16384, 8192)) or
      alloc_state("fa"))
    T("PUNCH_HOLE unaligned 100 at 5", lambda: fd_call(
        "fa", os.O_RDWR, lambda fd: fallocate(
            fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 5, 100)) or
      alloc_state("fa"))
    T("SEEK_HOLE/SEEK_DATA after punch", lambda: fd_call(
        "fa", os.O_RDONLY, lambda fd: "hole@%d data@%d" % (
            os.lseek(fd, 0, os.SEEK_HOLE),
            os.lseek(fd, 16384, os.SEEK_DATA))))
    T("ZERO_RANGE 1000 at 30000", lambda: fd_call(
        "fa", os.O_RDWR, lambda fd: fallocate(
            fd, FALLOC_FL_ZERO_RANGE, 30000, 1000)) or alloc_state("fa"))
    T("ZERO_RANGE extending", lambda: fd_call(
        "fa", os.O_RDWR, lambda fd: fallocate(
            fd, FALLOC_FL_ZERO_RANGE, 65536, 10000)) or alloc_state("fa"))
    T("ZERO_RANGE|KEEP_SIZE beyond EOF", lambda: fd_call(
        "fa", os.O_RDWR, lambda fd: fallocate(
            fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 80000, 5000)) or
      alloc_state("fa"))
    T("default mode extending", lambda: fd_call(
        "fa", os.O_RDWR, lambda fd: fallocate(fd, 0, 100000, 1000)) or
      alloc_state("fa"))
    T("PUNCH_HOLE without KEEP_SIZE", lambda: fd_call(
        "fa", os.O_RDWR, lambda fd: fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0,
                                              4096)))
    T("fallocate on O_RDONLY fd", lambda: fd_call(
        "fa", os.O_RDONLY, lambda fd: fallocate(fd, 0, 0, 4096)))
    T("fallocate length 0", lambda: fd_call(
        "fa", os.O_RDWR, lambda fd: fallocate(fd, 0, 0, 0)))
    T("fallocate negative offset", lambda: fd_call(
        "fa", os.O_RDWR, lambda fd: fallocate(fd, 0, -1, 10)))
    T("fallocate on O_APPEND fd, punch", lambda: fd_call(
        "fa", os.O_WRONLY | os.O_APPEND, lambda fd: fallocate(
            fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096)))
    T("fallocate on dir fd", lambda: fd_call(
        "d", os.O_RDONLY, lambda fd: fallocate(fd, 0, 0, 4096)))


def lseek_ops():
    def sparse(fd):
        os.pwrite(fd, b"A" * 4096, 0)
        os.pwrite(fd, b"B" * 4096, 1 << 20)
        os.ftruncate(fd, 2 << 20)
    fd_call("sp", os.O_RDWR | os.O_CREAT, sparse)

    def seeks(fd):
        r = []
        for whence, name in ((os.SEEK_DATA, "DATA"), (os.SEEK_HOLE, "HOLE")):
            for off in (0, 100, 4096, 8192, (1 << 20) + 10, (2 << 20) - 1,
                        2 << 20, 3 << 20):
                try:
                    r.append("%s(%d)=%d" % (name, off,
                                            os.lseek(fd, off, whence)))
                except OSError as e:
                    r.append("%s(%d)=%s" % (name, off, ename(e.errno)))
        return " ".join(r)
    T("SEEK_DATA/SEEK_HOLE on a sparse file", lambda: fd_call(
        "sp", os.O_RDONLY, seeks))
    T("SEEK_DATA on an empty file", lambda: fd_call(
        "empty", os.O_RDWR | os.O_CREAT, lambda fd: os.lseek(
            fd, 0, os.SEEK_DATA)))
    T("SEEK_HOLE on an empty file", lambda: fd_call(
        "empty", os.O_RDWR, lambda fd: os.lseek(fd, 0, os.SEEK_HOLE)))
    T("sparse file content", lambda: content("sp"))


def tmpfile_ops():
    def tmp_link(fd, name, link=link_fd):
        os.write(fd, b"anonymous\n")
        n = os.fstat(fd).st_nlink
        link(fd, name)
        return "nlink before=%d after=%d: %s" % (
            n, os.fstat(fd).st_nlink, full(name))

    def umask_call(mask, fn):
        old = os.umask(mask)
        try:
            return fn()
        finally:
            os.umask(old)

    def read_back(fd):
        os.write(fd, b"x" * 5000 + b"end")
        return "%s read=%s" % (fmt_st(os.fstat(fd)),
                               digest(os.pread(fd, 10000, 0)))
    T("O_TMPFILE write, linkat", lambda: fd_call(
        ".", os.O_TMPFILE | os.O_RDWR, lambda fd: tmp_link(fd, "tmp1"),
        0o640))
    T("O_TMPFILE|O_EXCL, linkat", lambda: fd_call(
        ".", os.O_TMPFILE | os.O_RDWR | os.O_EXCL,
        lambda fd: tmp_link(fd, "tmp2"), 0o640))
    T("O_TMPFILE write, linkat AT_EMPTY_PATH", lambda: fd_call(
        ".", os.O_TMPFILE | os.O_RDWR,
        lambda fd: tmp_link(fd, "tmp3", link_empty), 0o640))
    T("O_TMPFILE|O_EXCL, linkat AT_EMPTY_PATH", lambda: fd_call(
        ".", os.O_TMPFILE | os.O_RDWR | os.O_EXCL,
        lambda fd: tmp_link(fd, "tmp4", link_empty), 0o640))
    T("O_TMPFILE fstat", lambda: fd_call(
        "d", os.O_TMPFILE | os.O_WRONLY, lambda fd: fmt_st(os.fstat(fd)),
        0o600))
    T("O_TMPFILE mode 0777 under umask 027", lambda: umask_call(
        0o027, lambda: fd_call(".", os.O_TMPFILE | os.O_RDWR,
                               lambda fd: fmt_st(os.fstat(fd)), 0o777)))
    T("O_TMPFILE write, read back", lambda: fd_call(
        ".", os.O_TMPFILE | os.O_RDWR, read_back, 0o600))
    T("O_TMPFILE in fix/open", lambda: fd_call(
        "fix/open", os.O_TMPFILE | os.O_RDWR,
        lambda fd: fmt_st(os.fstat(fd)), 0o644))
    T("O_TMPFILE in setgid fix/sg", lambda: fd_call(
        "fix/sg", os.O_TMPFILE | os.O_RDWR,
        lambda fd: fmt_st(os.fstat(fd)), 0o2755))
    T("O_TMPFILE in a missing directory", lambda: fd_call(
        "nosuchdir", os.O_TMPFILE | os.O_RDWR, lambda fd: None, 0o600))
    T("O_TMPFILE on a file", lambda: fd_call(
        "h", os.O_TMPFILE | os.O_RDWR, lambda fd: None, 0o600))
    T("O_TMPFILE without write access mode", lambda: fd_call(
        ".", os.O_TMPFILE | os.O_RDONLY, lambda fd: None, 0o600))
    T("O_TMPFILE in fix/", lambda: fd_call(
        "fix", os.O_TMPFILE | os.O_RDWR, lambda fd: None, 0o600))

    def unlinked(fd):
        os.unlink("ul")
        os.pwrite(fd, b"still here", 0)
        return "%s nlink=%d read=%s stat=%s" % (
            typ(os.fstat(fd).st_mode), os.fstat(fd).st_nlink,
            os.pread(fd, 100, 0), os.path.exists("ul"))
    put("ul", b"")
    T("open-but-unlinked file", lambda: fd_call("ul", os.O_RDWR, unlinked))

    def unlinked_truncate(fd):
        os.unlink("ul2")
        os.ftruncate(fd, 10)
        fallocate(fd, 0, 0, 8192)
        return "size=%d" % os.fstat(fd).st_size
    put("ul2", b"")
    T("ftruncate, fallocate on unlinked", lambda: fd_call(
        "ul2", os.O_RDWR, unlinked_truncate))


def copy_range_ops():
    put("cs", bytes(range(256)) * 1000)
    put("cd", b"")
    T("copy_file_range whole", lambda: fd_call(
        "cs", os.O_RDONLY, lambda i: fd_call(
            "cd", os.O_WRONLY, lambda o: os.copy_file_range(
                i, o, 256000, 0, 0))) and full("cd"))
    T("copy_file_range at offsets", lambda: fd_call(
        "cs", os.O_RDONLY, lambda i: fd_call(
            "cd", os.O_WRONLY, lambda o: os.copy_file_range(
                i, o, 1000, 777, 300000))) and full("cd"))
    T("copy_file_range past source EOF", lambda: fd_call(
        "cs", os.O_RDONLY, lambda i: fd_call(
            "cd", os.O_WRONLY, lambda o: os.copy_file_range(
                i, o, 1000, 256000, 0))))
    T("copy_file_range within one file, overlapping", lambda: fd_call(
        "cd", os.O_RDWR, lambda f: os.copy_file_range(f, f, 1000, 0, 10)))
    T("copy_file_range within one file, apart", lambda: fd_call(
        "cd", os.O_RDWR, lambda f: os.copy_file_range(f, f, 1000, 0,
                                                      10000)) and
      full("cd"))
    T("copy_file_range to O_RDONLY", lambda: fd_call(
        "cs", os.O_RDONLY, lambda i: fd_call(
            "cd", os.O_RDONLY, lambda o: os.copy_file_range(i, o, 10, 0,
                                                            0))))
    T("copy_file_range to O_APPEND", lambda: fd_call(
        "cs", os.O_RDONLY, lambda i: fd_call(
            "cd", os.O_WRONLY | os.O_APPEND, lambda o: os.copy_file_range(
                i, o, 10, 0, 0))))
    T("copy_file_range from a dir", lambda: fd_call(
        "d", os.O_RDONLY, lambda i: fd_call(
            "cd", os.O_WRONLY, lambda o: os.copy_file_range(i, o, 10, 0,
                                                            0))))
    T("copy_file_range file position", lambda: str(fd_call(
        "cs", os.O_RDONLY, lambda i: fd_call(
            "cd", os.O_WRONLY, lambda o: (
                os.lseek(i, 5, os.SEEK_SET), os.lseek(o, 7, os.SEEK_SET),
                os.copy_file_range(i, o, 100),
                os.lseek(i, 0, os.SEEK_CUR), os.lseek(o, 0, os.SEEK_CUR))
            [2:]))) + " " + content("cd"))


def fd_ops():
    """Operations on descriptors: futimens, fchmod, fchown, fsetxattr,
    O_DIRECT, fsync of a directory, and on an open unlinked file."""
    import mmap
    put("fo", b"fd ops\n")
    T("futimens exact on O_RDONLY fd", lambda: fd_call(
        "fo", os.O_RDONLY, lambda fd: os.utime(
            fd, ns=(3000000000123, 4000000000456))) or times("fo"))
    T("fchmod 0600", lambda: fd_call(
        "fo", os.O_RDONLY, lambda fd: os.fchmod(fd, 0o600)) or st("fo"))
    T("fchown -1, my gid", lambda: fd_call(
        "fo", os.O_RDONLY, lambda fd: os.fchown(fd, -1, os.getgid())) or
      st("fo"))
    T("fsetxattr, fgetxattr", lambda: fd_call(
        "fo", os.O_RDONLY, lambda fd: os.setxattr(fd, "user.fd", b"f") or
        os.getxattr(fd, "user.fd")))
    T("fgetxattr on an O_PATH fd", lambda: fd_call(
        "fo", os.O_PATH, lambda fd: os.getxattr(fd, "user.fd")))
    T("fstat on an O_PATH fd", lambda: fd_call(
        "fo", os.O_PATH, lambda fd: fmt_st(os.fstat(fd))))
    T("read on an O_PATH fd", lambda: fd_call(
        "fo", os.O_PATH, lambda fd: os.read(fd, 1)))

    def unlinked(fd):
        os.unlink("fu")
        r = []
        for name, fn in (
                ("fchmod", lambda: os.fchmod(fd, 0o640)),
                ("fchown", lambda: os.fchown(fd, os.getuid(), -1)),
                ("fsetxattr", lambda: os.setxattr(fd, "user.u", b"u")),
                ("ftruncate", lambda: os.ftruncate(fd, 3)),
                ("link", lambda: link_fd(fd, "fu-back")),
                ("futimens", lambda: os.utime(fd, ns=(10**9, 2 * 10**9)))):
            try:
                fn()
                r.append(name + "=ok")
            except OSError as e:
                r.append(name + "=" + ename(e.errno))
        s = os.fstat(fd)
        return " ".join(r) + " %s mtime=%d" % (fmt_st(s), s.st_mtime_ns)
    put("fu", b"unlinked\n")
    T("fd operations on an unlinked file", lambda: fd_call(
        "fu", os.O_RDWR, unlinked))

    def direct(fd):
        buf = mmap.mmap(-1, 8192)
        buf.write(b"D" * 8192)
        n = os.pwrite(fd, buf, 4096)
        rbuf = mmap.mmap(-1, 4096)
        m = os.preadv(fd, [rbuf], 8192)
        return "wrote %d read %d %s" % (n, m, digest(rbuf[:]))
    T("O_DIRECT aligned write and read", lambda: fd_call(
        "odirect", os.O_RDWR | os.O_CREAT | os.O_DIRECT, direct) +
      " " + full("odirect"))
    T("fsync and fdatasync of a directory", lambda: fd_call(
        "d", os.O_RDONLY, lambda fd: os.fsync(fd) or os.fdatasync(fd)))
    T("syncfs", lambda: fd_call("fo", os.O_RDONLY, lambda fd: os.sync()))
    T("readlink with a 3-byte buffer", lambda: readlink_size("slong", 3))
    T("O_CREAT|O_EXCL on a dangling symlink", lambda: os.symlink(
        "nowhere2", "sdang2") or fd_call(
        "sdang2", os.O_CREAT | os.O_EXCL | os.O_WRONLY, lambda fd: None))
    T("O_NOATIME on own file", lambda: fd_call(
        "fo", os.O_RDONLY | os.O_NOATIME, lambda fd: None))
    T("O_NOATIME on fix/r644", lambda: fd_call(
        "fix/r644", os.O_RDONLY | os.O_NOATIME, lambda fd: None))
    T("create with mode 0, write", lambda: fd_call(
        "mode0", os.O_CREAT | os.O_WRONLY | os.O_EXCL,
        lambda fd: os.write(fd, b"zero mode\n"), 0) and st("mode0"))
    T("create with mode 0, O_RDWR read back", lambda: fd_call(
        "mode0b", os.O_CREAT | os.O_RDWR | os.O_EXCL,
        lambda fd: (os.write(fd, b"zero"), os.pread(fd, 10, 0))[1], 0))
    T("link across dirs, unlink the first", lambda: os.link(
        "fo", "d/fo-link") or os.unlink("fo") or full("d/fo-link"))
    T("many xattrs, listxattr", lambda: [
        os.setxattr("d/f1", "user.k%02d" % i, b"v" * i) for i in range(40)]
      and "%d names, %d bytes" % (len(os.listxattr("d/f1")),
                                   listxattr_size("d/f1", 0)))


def lock_ops():
    put("lk", b"locks\n")

    def flock_test(fd):
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd_call("lk", os.O_RDONLY, lambda fd2: fcntl.flock(
            fd2, fcntl.LOCK_EX | fcntl.LOCK_NB))
    T("flock EX, then EX|NB by another open", lambda: fd_call(
        "lk", os.O_RDONLY, flock_test))
    T("flock SH twice", lambda: fd_call(
        "lk", os.O_RDONLY, lambda fd: fcntl.flock(fd, fcntl.LOCK_SH) or
        fd_call("lk", os.O_RDONLY, lambda fd2: fcntl.flock(
            fd2, fcntl.LOCK_SH | fcntl.LOCK_NB))))

    def in_child(fn):
        """Run fn in a child process; its result string."""
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                res = str(fn())
            except OSError as e:
                res = ename(e.errno)
            os.write(w, res.encode())
            os._exit(0)
        os.close(w)
        res = os.read(r, 1000).decode()
        os.close(r)
        os.waitpid(pid, 0)
        return res

    def posix_lock(fd):
        fcntl.lockf(fd, fcntl.LOCK_EX, 3, 0)
        return in_child(lambda: fd_call(
            "lk", os.O_RDWR, lambda fd2: fcntl.lockf(
                fd2, fcntl.LOCK_EX | fcntl.LOCK_NB, 3, 0))) + \
            " other range: " + in_child(lambda: fd_call(
                "lk", os.O_RDWR, lambda fd2: fcntl.lockf(
                    fd2, fcntl.LOCK_EX | fcntl.LOCK_NB, 3, 3)))
    T("fcntl lock, child tries the same and another range", lambda: fd_call(
        "lk", os.O_RDWR, posix_lock))


def permission_ops():
    def access(path):
        return "".join(c if os.access(path, m) else "-" for c, m in (
            ("r", os.R_OK), ("w", os.W_OK), ("x", os.X_OK))) + (
            " exists" if os.access(path, os.F_OK) else " missing")
    for p in ("fix/r644", "fix/r600", "fix/r666", "fix/rdir700",
              "fix/rdir700/f", "fix/rdir755/f", "fix/sticky", "a"):
        T("access %s" % p, lambda p=p: access(p))
    T("read fix/r600", lambda: readall("fix/r600"))
    T("read fix/r644", lambda: readall("fix/r644"))
    T("open fix/r644 O_WRONLY", lambda: fd_call("fix/r644", os.O_WRONLY,
                                                lambda fd: None))
    T("write fix/r666", lambda: put("fix/r666", b"anyone\n", os.O_WRONLY) or
      full("fix/r666"))
    T("create in fix/", lambda: put("fix/new", b"no\n") or st("fix/new"))
    T("mkdir in fix/", lambda: os.mkdir("fix/newdir") or st("fix/newdir"))
    T("unlink fix/r600", lambda: os.unlink("fix/r600"))
    T("listdir fix/rdir700",
      lambda: " ".join(sorted(os.listdir("fix/rdir700"))))
    T("stat fix/rdir700/f", lambda: st("fix/rdir700/f"))
    T("listdir fix/rdir755",
      lambda: " ".join(sorted(os.listdir("fix/rdir755"))))
    T("truncate fix/r644", lambda: os.truncate("fix/r644", 0))
    T("truncate fix/r666", lambda: os.truncate("fix/r666", 3) or
      full("fix/r666"))
    T("rename fix/r666 to fix/r667", lambda: os.rename("fix/r666",
                                                        "fix/r667"))
    T("create in fix/open", lambda: put("fix/open/mine", b"m\n") or
      st("fix/open/mine"))
    T("create in fix/sticky", lambda: put("fix/sticky/mine", b"m\n") or
      st("fix/sticky/mine"))
    T("unlink own file in fix/sticky",
      lambda: os.unlink("fix/sticky/mine"))
    T("write root's 0666 file in fix/sticky",
      lambda: put("fix/sticky/rootfile", b"w\n", os.O_WRONLY) or
      full("fix/sticky/rootfile"))
    T("rename root's file in fix/sticky",
      lambda: os.rename("fix/sticky/rootfile", "fix/sticky/moved"))
    T("unlink root's file in fix/sticky",
      lambda: os.unlink("fix/sticky/rootfile"))
    T("chmod fix/sticky", lambda: os.chmod("fix/sticky", 0o777))
    T("setxattr trusted on own file",
      lambda: os.setxattr("a", "trusted.mine", b"t"))
    T("getxattr trusted.t on x", lambda: os.getxattr("x", "trusted.t"))
    T("create in setgid fix/sg", lambda: put("fix/sg/f", b"") or
      st("fix/sg/f"))
    T("chmod g+s there (group not mine unless root)",
      lambda: os.chmod("fix/sg/f", 0o2755) or st("fix/sg/f"))
    T("mkdir in setgid fix/sg", lambda: os.mkdir("fix/sg/d") or
      st("fix/sg/d"))
    T("execute a 0644 file", lambda: os.access("fix/r644", os.X_OK))
    put("wonly", b"")
    os.chmod("wonly", 0o200)
    T("O_WRONLY write to own 0200 file",
      lambda: put("wonly", b"write only\n", os.O_WRONLY))
    T("O_WRONLY|O_APPEND to own 0200 file",
      lambda: put("wonly", b"more\n", os.O_WRONLY | os.O_APPEND))
    T("O_RDONLY own 0200 file", lambda: readall("wonly"))
    T("0200 file content", lambda: os.chmod("wonly", 0o600) or
      full("wonly"))
    put("ronly", b"read only\n")
    os.chmod("ronly", 0o400)
    T("O_RDONLY own 0400 file", lambda: readall("ronly"))
    T("O_WRONLY own 0400 file", lambda: put("ronly", b"x", os.O_WRONLY))
    T("truncate own 0400 file", lambda: os.truncate("ronly", 0))


def dump(top):
    """Every entry under top, sorted: its state, content, xattrs."""
    for root, dirs, files in os.walk(top, onerror=lambda e: print(
            "dump %s: %s" % (os.path.relpath(e.filename, top),
                             ename(e.errno)))):
        dirs.sort()
        if len(dirs) + len(files) > 100:
            print("dump %s/*: %d entries, names %s" % (
                os.path.relpath(root, top), len(dirs) + len(files),
                digest(" ".join(sorted(dirs + files)).encode())))
            dirs[:] = []
            continue
        for name in sorted(dirs + files):
            p = os.path.join(root, name)
            rel = os.path.relpath(p, top)
            try:
                line = st(p)
                s = os.lstat(p)
                if stat.S_ISREG(s.st_mode):
                    try:
                        line += " " + content(p)
                    except OSError as e:
                        line += " " + ename(e.errno)
                if stat.S_ISLNK(s.st_mode):
                    line += " -> " + digest(os.readlink(p).encode())
                try:
                    x = sorted(os.listxattr(p, follow_symlinks=False))
                    if x:
                        line += " xattrs=" + ",".join(x)
                except OSError as e:
                    line += " xattrs " + ename(e.errno)
            except OSError as e:
                line = ename(e.errno)
            print("dump %s: %s" % (rel[:64], line))


def run(top):
    os.umask(0o022)
    os.chdir(top)
    file_ops()
    truncate_ops()
    chmod_chown_ops()
    utime_ops()
    dir_ops()
    rename_ops()
    link_symlink_ops()
    special_ops()
    statfs_ops()
    xattr_ops()
    acl_ops()
    fallocate_ops()
    lseek_ops()
    tmpfile_ops()
    copy_range_ops()
    fd_ops()
    lock_ops()
    permission_ops()
    sys.stdout.flush()
    os.sync()
    dump(".")
    print("# operations %d" % count)


def sec_setup(top, shared_gid):
    """The security test's tree (t2503): root's files and directories."""
    os.umask(0o022)
    os.chdir(top)
    os.chmod(".", 0o755)
    for name, mode, gid in (("r600", 0o600, 0), ("r640g", 0o640, shared_gid),
                            ("r644", 0o644, 0), ("r660g", 0o660, shared_gid),
                            ("r666", 0o666, 0)):
        put(name, ("root's %s\n" % name).encode())
        os.chown(name, 0, gid)
        os.chmod(name, mode)
    for name, mode, gid in (("d700", 0o700, 0), ("d755", 0o755, 0),
                            ("d770g", 0o770, shared_gid),
                            ("sticky", 0o1777, 0),
                            ("sgid", 0o2775, shared_gid)):
        os.mkdir(name)
        os.chown(name, 0, gid)
        os.chmod(name, mode)
        put(name + "/rootfile", b"root's file in " + name.encode() + b"\n")
        os.chmod(name + "/rootfile", 0o644)
    put("d770g/victim", b"deletable by the group\n")
    put("sticky/r666", b"root's 0666 in sticky\n")
    os.chmod("sticky/r666", 0o666)


def sec_user_common(me, other_uid, shared_gid):
    """What each user tries on root's tree; me is "a" or "b"."""
    def access(path):
        return "".join(c if os.access(path, m) else "-" for c, m in (
            ("r", os.R_OK), ("w", os.W_OK), ("x", os.X_OK)))
    for p in ("r600", "r640g", "r644", "r660g", "r666", "d700", "d755",
              "d770g", "sticky", "sgid", "d700/rootfile"):
        T("%s: access %s" % (me, p), lambda p=p: access(p))
    for p in ("r600", "r640g", "r644", "r660g", "r666", "d700/rootfile"):
        T("%s: read %s" % (me, p), lambda p=p: readall(p))
    for p in ("r600", "r640g", "r644"):
        T("%s: open %s O_WRONLY" % (me, p), lambda p=p: fd_call(
            p, os.O_WRONLY, lambda fd: None))
    T("%s: write r660g" % me, lambda: put(
        "r660g", ("%s was here\n" % me).encode(), os.O_WRONLY | os.O_APPEND)
      or full("r660g"))
    T("%s: write r666" % me, lambda: put(
        "r666", ("%s\n" % me).encode(), os.O_WRONLY | os.O_APPEND) or
      full("r666"))
    T("%s: truncate r644" % me, lambda: os.truncate("r644", 0))
    T("%s: O_TRUNC r644" % me, lambda: fd_call(
        "r644", os.O_WRONLY | os.O_TRUNC, lambda fd: None))
    T("%s: chmod r644" % me, lambda: os.chmod("r644", 0o666))
    T("%s: chown r644 to me" % me, lambda: os.chown("r644", os.getuid(), -1))
    T("%s: chgrp r644 to shared" % me, lambda: os.chown("r644", -1,
                                                         shared_gid))
    T("%s: utime NOW r666" % me, lambda: os.utime("r666"))
    T("%s: utime NOW r644" % me, lambda: os.utime("r644"))
    T("%s: utime exact r666" % me, lambda: os.utime(
        "r666", ns=(5 * 10**18, 5 * 10**18)))
    T("%s: setxattr user on r644" % me, lambda: os.setxattr(
        "r644", "user.%s" % me, b"x"))
    T("%s: setxattr user on r666" % me, lambda: os.setxattr(
        "r666", "user.%s" % me, b"x") or os.getxattr("r666",
                                                     "user.%s" % me))
    T("%s: setxattr trusted on r666" % me, lambda: os.setxattr(
        "r666", "trusted.%s" % me, b"x"))
    T("%s: link r600 (protected_hardlinks)" % me, lambda: os.link(
        "r600", "d770g/%s-link600" % me))
    T("%s: link r666" % me, lambda: os.link("r666", "d770g/%s-link666" % me)
      or st("r666"))
    T("%s: create in /" % me, lambda: put("%s-top" % me, b""))
    T("%s: mkdir in /" % me, lambda: os.mkdir("%s-topdir" % me))
    T("%s: unlink root's r644" % me, lambda: os.unlink("r644"))
    T("%s: rename root's r644" % me, lambda: os.rename("r644", "r644x"))
    T("%s: list d700" % me, lambda: os.listdir("d700"))
    T("%s: stat d700/rootfile" % me, lambda: st("d700/rootfile"))
    T("%s: create in d700" % me, lambda: put("d700/%s" % me, b""))
    T("%s: list d755" % me, lambda: sorted(os.listdir("d755")))
    T("%s: create in d755" % me, lambda: put("d755/%s" % me, b""))
    T("%s: unlink d755/rootfile" % me, lambda: os.unlink("d755/rootfile"))
    T("%s: create in d770g" % me, lambda: put(
        "d770g/%s" % me, me.encode()) or st("d770g/%s" % me))
    T("%s: mkdir in d770g" % me, lambda: os.mkdir("d770g/%sdir" % me) or
      st("d770g/%sdir" % me))
    T("%s: rename root's file in d770g" % me, lambda: os.rename(
        "d770g/rootfile", "d770g/rootfile.%s" % me))
    T("%s: create in sgid" % me, lambda: put("sgid/%s" % me, b"") or
      st("sgid/%s" % me))
    T("%s: mkdir in sgid" % me, lambda: os.mkdir("sgid/%sdir" % me) or
      st("sgid/%sdir" % me))
    T("%s: mknod fifo in sgid" % me, lambda: os.mkfifo(
        "sgid/%sfifo" % me) or st("sgid/%sfifo" % me))
    T("%s: symlink in sgid" % me, lambda: os.symlink(
        "x", "sgid/%slink" % me) or st("sgid/%slink" % me))
    T("%s: chgrp own sgid file to my group" % me, lambda: os.chown(
        "sgid/%s" % me, -1, os.getgid()) or st("sgid/%s" % me))
    T("%s: chgrp own file back to shared" % me, lambda: os.chown(
        "sgid/%s" % me, -1, shared_gid) or st("sgid/%s" % me))
    T("%s: chgrp own file to root's group" % me, lambda: os.chown(
        "sgid/%s" % me, -1, 0))
    T("%s: chown own file to the other user" % me, lambda: os.chown(
        "sgid/%s" % me, other_uid, -1))
    T("%s: chmod own file 02755" % me, lambda: os.chmod(
        "sgid/%s" % me, 0o2755) or st("sgid/%s" % me))
    T("%s: chmod own file 04755" % me, lambda: os.chmod(
        "sgid/%s" % me, 0o4755) or st("sgid/%s" % me))
    T("%s: create in sticky" % me, lambda: put(
        "sticky/%s" % me, b"mine\n", mode=0o644) or st("sticky/%s" % me))
    T("%s: create 0666 in sticky" % me, lambda: fd_call(
        "sticky/%s666" % me, os.O_CREAT | os.O_WRONLY,
        lambda fd: os.fchmod(fd, 0o666)) or st("sticky/%s666" % me))
    T("%s: chmod 0640 own, group mine" % me, lambda: put(
        "d770g/%s-private" % me, b"private\n") or
      os.chmod("d770g/%s-private" % me, 0o640) or
      st("d770g/%s-private" % me))
    T("%s: chmod 0640 own, group shared" % me, lambda: put(
        "d770g/%s-group" % me, b"group\n") or
      os.chown("d770g/%s-group" % me, -1, shared_gid) or
      os.chmod("d770g/%s-group" % me, 0o640) or st("d770g/%s-group" % me))
    T("%s: unlink root's file in sticky" % me, lambda: os.unlink(
        "sticky/rootfile"))
    T("%s: write root's 0666 in sticky" % me, lambda: put(
        "sticky/r666", me.encode(), os.O_WRONLY | os.O_APPEND) or
      full("sticky/r666"))
    T("%s: own dir 0700" % me, lambda: os.mkdir(
        "d770g/%s-700" % me, 0o700) or put(
        "d770g/%s-700/f" % me, b"") or st("d770g/%s-700" % me))


def sec_user_b():
    """B against what A left behind."""
    T("b: unlink a's file in sticky", lambda: os.unlink("sticky/a"))
    T("b: rename a's file in sticky", lambda: os.rename("sticky/a",
                                                         "sticky/a.b"))
    T("b: rename over a's file in sticky", lambda: os.rename(
        "sticky/b", "sticky/a"))
    T("b: write a's 0666 in sticky", lambda: put(
        "sticky/a666", b"b\n", os.O_WRONLY) or full("sticky/a666"))
    T("b: O_CREAT open a's 0666 in sticky", lambda: put(
        "sticky/a666", b"B\n", os.O_WRONLY | os.O_CREAT) or
      full("sticky/a666"))
    T("b: unlink own file in sticky", lambda: os.unlink("sticky/b"))
    T("b: read a's private file", lambda: readall("d770g/a-private"))
    T("b: read a's group file", lambda: readall("d770g/a-group"))
    T("b: write a's group file", lambda: put("d770g/a-group", b"x",
                                             os.O_WRONLY))
    T("b: unlink a's file in d770g (dir writable)", lambda: os.unlink(
        "d770g/a"))
    T("b: list a's 0700 dir", lambda: os.listdir("d770g/a-700"))
    T("b: rmdir a's 0700 dir", lambda: os.rmdir("d770g/a-700"))
    T("b: chmod a's file", lambda: os.chmod("sgid/a", 0o777))
    T("b: chown a's file to b", lambda: os.chown("sgid/a", os.getuid(), -1))
    T("b: utime NOW a's 0666 file", lambda: os.utime("sticky/a666"))
    T("b: utime exact a's 0666 file", lambda: os.utime(
        "sticky/a666", ns=(1, 1)))
    T("b: setxattr on a's 0666 file", lambda: os.setxattr(
        "sticky/a666", "user.b", b"b") or os.getxattr("sticky/a666",
                                                      "user.b"))
    T("b: read a's 0644 sgid file", lambda: readall("sgid/a"))
    T("b: write into a's dir in sgid", lambda: put("sgid/adir/b", b""))


def sec_user_a2():
    """A again: its own files still work, B's are refused."""
    T("a: unlink own file in sticky", lambda: os.unlink("sticky/a"))
    T("a: unlink b's 0666 in sticky", lambda: os.unlink("sticky/b666"))
    T("a: unlink own 0666 in sticky", lambda: os.unlink("sticky/a666"))
    T("a: rmdir own 0700 dir", lambda: os.unlink("d770g/a-700/f") or
      os.rmdir("d770g/a-700"))


def sec_run(top, phase, other_uid, shared_gid):
    os.umask(0o022)
    os.chdir(top)
    # what the last phase left in the page and inode caches is written
    # back now (with a writeback cache: data, mtime and ctime), so its
    # effects are seen the same way whatever the timing
    os.sync()
    if phase == "a1":
        sec_user_common("a", other_uid, shared_gid)
    elif phase == "b1":
        sec_user_common("b", other_uid, shared_gid)
        sec_user_b()
    elif phase == "a2":
        sec_user_a2()
    elif phase == "dump":
        dump(".")
    print("# operations %d" % count)


def main():
    a = sys.argv
    if len(a) == 5 and a[1] == "setup":
        setup(a[2], int(a[3]), int(a[4]))
    elif len(a) == 3 and a[1] == "run":
        run(a[2])
    elif len(a) == 4 and a[1] == "sec-setup":
        sec_setup(a[2], int(a[3]))
    elif len(a) == 6 and a[1] == "sec-run":
        sec_run(a[2], a[3], int(a[4]), int(a[5]))
    else:
        sys.stderr.write("usage: fpdiff.py setup DIR UID GID | run DIR |\n"
                         "       sec-setup DIR SHARED_GID |\n"
                         "       sec-run DIR a1|b1|a2|dump OTHER_UID "
                         "SHARED_GID\n")
        sys.exit(2)


main()
