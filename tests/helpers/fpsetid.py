#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""fpsetid.py: one write-like operation on a file, for t2102.

fpsetid.py OP FILE [SRC]: OP is one of write pwrite writev append otrunc
mmap truncate ftruncate fallocate cfr (copy_file_range from SRC).  Each
changes FILE the way a program would (the same calls, one each); the test
compares the set-id bits left behind natively and through the mount.
Prints nothing; exits 1 with the errno name on stderr if a call fails.
"""
import errno
import mmap
import os
import sys


def run(op, path, src):
    if op == 'truncate':
        os.truncate(path, 1)
        return
    flags = {'mmap': os.O_RDWR, 'append': os.O_WRONLY | os.O_APPEND,
             'otrunc': os.O_WRONLY | os.O_TRUNC}.get(op, os.O_WRONLY)
    fd = os.open(path, flags)
    try:
        if op in ('write', 'append'):
            os.write(fd, b'y')
        elif op == 'pwrite':
            os.pwrite(fd, b'y', 1)
        elif op == 'writev':
            os.writev(fd, [b'a', b'b'])
        elif op == 'mmap':
            m = mmap.mmap(fd, 2)
            m[0:1] = b'z'
            m.flush()	# msync(MS_SYNC)
            m.close()
        elif op == 'ftruncate':
            os.ftruncate(fd, 1)
        elif op == 'fallocate':
            os.posix_fallocate(fd, 0, 65536)
        elif op == 'cfr':
            s = os.open(src, os.O_RDONLY)
            try:
                os.copy_file_range(s, fd, 2, 0, 0)
            finally:
                os.close(s)
        elif op != 'otrunc':
            raise SystemExit('fpsetid.py: unknown operation ' + op)
    finally:
        os.close(fd)


def main():
    try:
        run(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3
            else None)
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e.errno)), file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
