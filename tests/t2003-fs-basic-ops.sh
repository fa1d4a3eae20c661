#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='fnpassfs: every operation passes through, exactly'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_fuse
fn_require_cmd setfattr getfattr flock mkfifo python3

ops=$FN_BUILDDIR/tests/helpers/fp-ops

# wait_for FILE: until FILE is not empty (5 s at most)
wait_for()
{
	for i in $(seq 50); do
		test -s "$1" && return 0
		sleep 0.1
	done
	return 1
}

test_expect_setup 'an ext4 backing directory and the mount' '
	fn_mount_ext4 back 256M && mkdir mnt && fn_mount back mnt'

test_expect_success 'content written through the mount is on the backing file' '
	printf "hello\n" >mnt/a && test "$(cat back/a)" = hello &&
	head -c 1000000 /dev/urandom >mnt/r && cmp mnt/r back/r'

# close(2) on ext4 cannot fail: the kernel is told not to send FLUSH; on
# a backing FUSE file system (a second fnpassfs over the first) it can.
# The opens counted: the file's and the one reading /.stats.
test_expect_success 'no FLUSH at close on ext4 (noflush)' '
	printf fl >mnt/fl && echo reset >mnt/.stats &&
	cat mnt/fl >/dev/null && printf x >>mnt/fl &&
	test "$(fn_fs_stat fs_open_ops mnt)" = 3 &&
	test "$(fn_fs_stat fs_flush_ops mnt)" = 0 && test "$(cat back/fl)" = flx'

test_expect_setup 'a second mount over the first' '
	pid1=$FN_MOUNT_PID && mkdir mnt2 && fn_mount mnt mnt2 &&
	pid2=$FN_MOUNT_PID && FN_MOUNT_PID=$pid1'

test_expect_success 'FLUSH at each close on a FUSE backing file' '
	echo reset >mnt2/.stats && cat mnt2/fl >/dev/null &&
	test "$(fn_fs_stat fs_open_ops mnt2)" = 2 &&
	test "$(fn_fs_stat fs_flush_ops mnt2)" = 1 && fn_umount mnt2 $pid2'

test_expect_success 'content written on the backing file reads through the mount' '
	printf "fresh\n" >back/b && test "$(cat mnt/b)" = fresh'

test_expect_success 'modes: create, mkdir with the caller umask; chmod incl. setuid' '
	(umask 027 && : >mnt/m && mkdir mnt/md) &&
	test "$(stat -c %a back/m back/md)" = "640
750" &&
	chmod 4751 mnt/m && test "$(stat -c %a back/m)" = 4751 &&
	test "$(stat -c %a mnt/m)" = 4751 && chmod 1777 mnt/md &&
	test "$(stat -c %a back/md)" = 1777'

test_expect_success 'owners: chown and chown -h of a symlink' '
	: >mnt/o && chown 1234:5678 mnt/o && test "$(stat -c %u:%g back/o)" = 1234:5678 &&
	test "$(stat -c %u:%g mnt/o)" = 1234:5678 &&
	ln -s o mnt/ol && chown -h 4321:8765 mnt/ol &&
	test "$(stat -c %u:%g back/ol)" = 4321:8765 &&
	test "$(stat -c %u:%g back/o)" = 1234:5678'

test_expect_success 'nanosecond times survive exactly' '
	: >mnt/t && test "$($ops utimens mnt/t 1234567890 123456789 1000000000 987654321)" = 0 &&
	test "$(python3 -c "import os; s=os.stat(\"back/t\"); print(s.st_atime_ns, s.st_mtime_ns)")" = "1234567890123456789 1000000000987654321" &&
	test "$(python3 -c "import os; s=os.stat(\"mnt/t\"); print(s.st_atime_ns, s.st_mtime_ns)")" = "1234567890123456789 1000000000987654321"'

test_expect_success 'UTIME_OMIT keeps, UTIME_NOW sets' '
	test "$($ops utimens mnt/t 0 omit 0 now)" = 0 &&
	python3 -c "
import os, time
s = os.stat(\"back/t\")
assert s.st_atime_ns == 1234567890123456789, s.st_atime_ns
assert abs(s.st_mtime_ns - time.time_ns()) < 60 * 10**9, s.st_mtime_ns
m = os.stat(\"mnt/t\")
assert (m.st_atime_ns, m.st_mtime_ns) == (s.st_atime_ns, s.st_mtime_ns)
"'

test_expect_success 'stat matches the backing file (ino, nlink, size, blksize, ns times)' '
	for f in a r m o t; do
		test "$(stat -c "%i %h %s %o %b %f %X %Y %Z" mnt/$f)" = \
		     "$(stat -c "%i %h %s %o %b %f %X %Y %Z" back/$f)" || return 1
	done'

test_expect_success 'hard links' '
	printf one >mnt/h1 && ln mnt/h1 mnt/h2 &&
	test "$(stat -c %h back/h1)" = 2 && test "$(stat -c %h mnt/h1)" = 2 &&
	test "$(stat -c %i mnt/h1)" = "$(stat -c %i mnt/h2)" &&
	printf two >>mnt/h2 && test "$(cat mnt/h1)" = onetwo &&
	rm mnt/h1 && test "$(stat -c %h mnt/h2)" = 1 && test ! -e back/h1'

test_expect_success 'symlinks' '
	ln -s a mnt/sl && test "$(readlink back/sl)" = a &&
	test "$(readlink mnt/sl)" = a && test "$(cat mnt/sl)" = hello &&
	ln -s /nowhere/x mnt/dangling && test "$(readlink mnt/dangling)" = /nowhere/x &&
	! cat mnt/dangling 2>err && grep -q "No such file or directory" err'

test_expect_success 'fifos and sockets' '
	mkfifo mnt/fifo && test "$(stat -c %F back/fifo)" = fifo &&
	test "$(stat -c %F mnt/fifo)" = fifo &&
	( echo through >mnt/fifo & ) && test "$(cat mnt/fifo)" = through &&
	python3 -c "import socket; s=socket.socket(socket.AF_UNIX); s.bind(\"mnt/sock\")" &&
	test "$(stat -c %F back/sock)" = socket'

test_expect_success 'mknod devices (root)' '
	mknod mnt/null c 1 3 && test "$(stat -c "%F %t %T" back/null)" = "character special file 1 3" &&
	mknod mnt/blk b 7 200 && test "$(stat -c "%F %t %T" mnt/blk)" = "block special file 7 c8"'

test_expect_success 'xattrs: user, trusted, security; list; remove; missing' '
	: >mnt/x && setfattr -n user.color -v blue mnt/x &&
	test "$(getfattr --only-values -n user.color back/x)" = blue &&
	setfattr -n trusted.t -v tv mnt/x && setfattr -n security.s -v sv mnt/x &&
	test "$(getfattr --only-values -n trusted.t back/x)" = tv &&
	test "$(getfattr --only-values -n security.s mnt/x)" = sv &&
	getfattr -m - -d mnt/x | grep -v "^#" | sort >got &&
	getfattr -m - -d back/x | grep -v "^#" | sort >want && cmp want got &&
	setfattr -x user.color mnt/x && ! getfattr -n user.color back/x 2>err &&
	grep -q "No such attribute" err &&
	! getfattr -n user.none mnt/x 2>err && grep -q "No such attribute" err'

test_expect_success 'rename, RENAME_NOREPLACE, RENAME_EXCHANGE' '
	printf 1 >mnt/r1 && printf 2 >mnt/r2 &&
	test "$($ops rename2 mnt/r1 mnt/r2 noreplace)" = EEXIST &&
	test "$($ops rename2 mnt/r1 mnt/r2 exchange)" = 0 &&
	test "$(cat back/r1)$(cat back/r2)" = 21 &&
	test "$($ops rename2 mnt/r1 mnt/r3 noreplace)" = 0 &&
	test "$(cat mnt/r3)" = 2 && test ! -e back/r1 &&
	test "$($ops rename2 mnt/r3 mnt/r2 none)" = 0 && test "$(cat back/r2)" = 2 &&
	test "$($ops rename2 mnt/nosuch mnt/r9 none)" = ENOENT'

test_expect_success 'rename over an open file; an open but unlinked file' '
	python3 -c "
import os
f = open(\"mnt/victim\", \"w+\"); f.write(\"old\"); f.flush()
open(\"mnt/new\", \"w\").write(\"new\")
os.rename(\"mnt/new\", \"mnt/victim\")
f.seek(0); assert f.read() == \"old\"
assert open(\"mnt/victim\").read() == \"new\"
g = open(\"mnt/gone\", \"w+\"); os.unlink(\"mnt/gone\")
g.write(\"still here\"); g.flush(); g.seek(0)
assert g.read() == \"still here\"
assert os.fstat(g.fileno()).st_nlink == 0
assert not os.path.exists(\"back/gone\")
"'

# O_TMPFILE as fnpassfs --version says: built with libfuse >= 3.17, an
# unnamed file linked by /proc/self/fd (more in t2103); with libfuse 3.14,
# which has no tmpfile handler, the kernel answers EOPNOTSUPP, which
# open(2) documents for file systems without O_TMPFILE
"$FN_BUILDDIR/fs/fnpassfs" --version | grep -qx 'O_TMPFILE: yes' &&
	test_set_prereq TMPFILE
test_expect_success TMPFILE 'O_TMPFILE: written, then linked (libfuse >= 3.17)' '
	mkdir mnt/tmpd && test "$($ops tmpfile mnt/tmpd)" = 0 &&
	test -z "$(ls -A back/tmpd)" &&
	test "$($ops tmpfile mnt/tmpd mnt/tmpd/linked)" = 0 &&
	test "$(ls -A back/tmpd)" = linked && test "$(cat back/tmpd/linked)" = tmp &&
	test "$(stat -c "%a %h %s" back/tmpd/linked)" = "640 1 3" &&
	test "$(stat -c "%a %h %s %i" mnt/tmpd/linked)" = \
	     "640 1 3 $(stat -c %i back/tmpd/linked)"'
test_expect_success !TMPFILE 'O_TMPFILE: EOPNOTSUPP (libfuse < 3.17), nothing created' '
	mkdir mnt/tmpd && test "$($ops tmpfile mnt/tmpd mnt/tmpd/linked)" = EOPNOTSUPP &&
	test -z "$(ls -A back/tmpd)"'


# (the kernel's FUSE client passes only keep size, punch hole and zero
# range: other modes are EOPNOTSUPP before they reach fnpassfs)
test_expect_success 'fallocate: plain, keep size, punch hole, zero range' '
	: >mnt/fa && test "$($ops falloc mnt/fa plain 0 65536)" = 0 &&
	test "$(stat -c %s back/fa)" = 65536 &&
	test "$($ops falloc mnt/fa keep 65536 65536)" = 0 &&
	test "$(stat -c "%s %b" back/fa)" = "65536 256" &&
	head -c 65536 /dev/urandom >mnt/fb &&
	test "$($ops falloc mnt/fb punch 4096 8192)" = 0 &&
	test "$(stat -c %b back/fb)" = 112 &&
	cmp -s -n 8192 -i 4096:0 mnt/fb /dev/zero &&
	test "$($ops falloc mnt/fb zero 32768 4096)" = 0 &&
	cmp -s -n 4096 -i 32768:0 back/fb /dev/zero &&
	test "$(stat -c %s mnt/fb)" = 65536 &&
	test "$($ops falloc mnt/fb collapse 1 3)" = EOPNOTSUPP'

test_expect_success 'SEEK_DATA and SEEK_HOLE' '
	truncate -s 4M mnt/sp && test "$($ops pwrite mnt/sp 1048576 data)" = 0 &&
	test "$($ops seek mnt/sp data 0)" = 1048576 &&
	test "$($ops seek mnt/sp hole 1048576)" = $((1048576 + $(stat -f -c %S back))) &&
	test "$($ops seek mnt/sp hole 0)" = 0 &&
	test "$($ops seek mnt/sp data 2097152)" = ENXIO &&
	test "$($ops seek mnt/sp data 5000000)" = ENXIO'

test_expect_success 'flock(1) between two processes on the mount' '
	: >mnt/lk && rm -f held &&
	{ flock mnt/lk sh -c "echo held >held; sleep 3" & } &&
	wait_for held && ! flock -n mnt/lk true && wait && flock -n mnt/lk true'

test_expect_success 'fcntl locks (POSIX and OFD) between two processes' '
	: >mnt/pl && rm -f held &&
	{ $ops lock mnt/pl 3 >held & } && wait_for held &&
	test "$(cat held)" = 0 &&
	test "$($ops trylock mnt/pl)" = EAGAIN &&
	python3 -c "
import fcntl, errno
f = open(\"mnt/pl\", \"r+\")
try:
    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    raise SystemExit(\"lockf should have failed\")
except OSError as e:
    assert e.errno in (errno.EAGAIN, errno.EACCES), e
" && wait && test "$($ops trylock mnt/pl)" = 0'

test_expect_success 'mmap: shared writable mappings reach the backing file' '
	printf "0123456789" >mnt/mm && test "$($ops mmapw mnt/mm 3 abc)" = 0 &&
	test "$(cat back/mm)" = 012abc6789 && test "$($ops mmapr mnt/mm 2 4)" = 2abc'

test_expect_success 'a sparse file over 4 GiB' '
	test "$($ops pwrite mnt/big 5368709120 tail)" = 0 &&
	test "$(stat -c %s back/big)" = 5368709124 &&
	test "$(stat -c %s mnt/big)" = 5368709124 &&
	test "$($ops pread mnt/big 5368709118 6)" = "$(printf "\0\0tail" | tr "\0" "\0")" &&
	test "$($ops pread mnt/big 5368709120 4)" = tail &&
	test "$($ops seek mnt/big data 0)" = 5368709120'

test_expect_success 'offsets beyond 2^40' '
	test "$($ops pwrite mnt/huge 1099511640000 far)" = 0 &&
	test "$(stat -c %s back/huge)" = 1099511640003 &&
	test "$($ops pread mnt/huge 1099511640000 10)" = far &&
	test "$($ops pread back/huge 1099511640000 3)" = far &&
	test "$(stat -c %b mnt/huge)" -le 64'

test_expect_success 'O_DIRECT reads and writes' '
	dd if=mnt/r of=mnt/direct bs=64k iflag=direct oflag=direct 2>/dev/null &&
	cmp mnt/r back/direct'

test_expect_success 'truncate grows and shrinks' '
	printf 0123456789 >mnt/tr && truncate -s 4 mnt/tr && test "$(cat back/tr)" = 0123 &&
	truncate -s 100000 mnt/tr && test "$(stat -c %s back/tr)" = 100000'

test_expect_success 'statfs is the backing file system s' '
	test "$(stat -f -c "%b %S %c" mnt)" = "$(stat -f -c "%b %S %c" back)"'

test_expect_success 'errors are the backing errnos' '
	! mkdir mnt/md 2>err && grep -q "File exists" err &&
	mkdir mnt/full && : >mnt/full/f && ! rmdir mnt/full 2>err &&
	grep -q "Directory not empty" err &&
	! rm mnt/nosuch 2>err && grep -q "No such file or directory" err &&
	! sh -c ": >mnt/md" 2>err && grep -q "Is a directory" err &&
	! ln mnt/a mnt/b 2>err && grep -q "File exists" err &&
	! rmdir mnt/a 2>err && grep -q "Not a directory" err'

test_expect_success 'readdir lists what the backing directory has' '
	ls -a back | grep -v "^lost+found$" | sort >want &&
	ls -a mnt | grep -v "^lost+found$" | sort >got && cmp want got &&
	mkdir mnt/many && for i in $(seq 300); do : >mnt/many/file-with-a-long-name-$i; done &&
	test "$(ls mnt/many | wc -l)" = 300 && test "$(find mnt/many -type f | wc -l)" = 300'

test_expect_success 'unmount: daemon exits 0' 'fn_umount mnt'

test_done
