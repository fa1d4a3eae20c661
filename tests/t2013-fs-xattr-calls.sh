#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t2013: the calls that reach a backing file's extended attributes (issue
# 11).  fnpassfs makes them in /proc/self/fd by the *xattrat(2) calls of
# Linux 6.13, and by the path /proc/self/fd/N where the kernel has none
# (ENOSYS: every call by path from then on) or a seccomp filter refuses
# them (EPERM: that call again by path).  Three daemons, each traced by
# strace from its start: as it is, and under tests/helpers/no-xattrat
# answering ENOSYS, then EPERM.  Each must give exactly the same answers
# on an ext4 image: values (one of 900 bytes), lengths asked with size
# 0, ERANGE for a short buffer, XATTR_CREATE and XATTR_REPLACE, lists,
# removals, ENODATA, an ACL through setfacl and getfacl, and an attribute
# set beside the mount; then the trace shows which calls it made.

test_description='fnpassfs: xattrs by *xattrat(2), and by path without them'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_fuse
fn_require_cmd mkfs.ext4 strace setfattr getfattr setfacl getfacl
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || skip_all "python3 not installed"
noat=$FN_BUILDDIR/tests/helpers/no-xattrat

LC_ALL=C
export LC_ALL

# x OP FILE [NAME [VALUE|SIZE]]: one call through libc, as a program
# makes it; prints the value, the length, the sorted list joined by
# commas or "ok", else the errno's name.  get NAME SIZE asks with a
# buffer of SIZE bytes (0: the length alone); set NAME VALUE[:create|
# :replace]; "big" is 900 bytes of a repeated pattern (a 64 MiB
# image has 1 KiB blocks, which hold all of a file's attributes).
cat >x.py <<'EOF'
import ctypes, errno, os, sys

libc = ctypes.CDLL(None, use_errno=True)
op, path, args = sys.argv[1], sys.argv[2].encode(), sys.argv[3:]
big = (b"0123456789abcdef" * 60)[:900]

def value(v):
    return big if v == "big" else v.encode()

def fail():
    e = ctypes.get_errno()
    print("EOPNOTSUPP" if e == errno.EOPNOTSUPP else errno.errorcode[e])
    sys.exit(0)

if op == "get":
    size = int(args[1])
    buf = ctypes.create_string_buffer(max(size, 1))
    n = libc.getxattr(path, args[0].encode(), buf if size else None,
                      ctypes.c_size_t(size))
    if n < 0:
        fail()
    if size == 0:
        print(n)
    else:
        v = buf.raw[:n]
        print("big" if v == big else v.decode())
elif op == "list":
    buf = ctypes.create_string_buffer(4096)
    n = libc.listxattr(path, buf, ctypes.c_size_t(4096))
    if n < 0:
        fail()
    names = [s.decode() for s in buf.raw[:n].split(b"\0") if s]
    print(",".join(sorted(n for n in names if n.startswith("user."))))
elif op == "set":
    v, _, how = args[1].partition(":")
    flags = {"": 0, "create": os.XATTR_CREATE,
             "replace": os.XATTR_REPLACE}[how]
    v = value(v)
    if libc.setxattr(path, args[0].encode(), v, ctypes.c_size_t(len(v)),
                     flags) < 0:
        fail()
    print("ok")
elif op == "remove":
    if libc.removexattr(path, args[0].encode()) < 0:
        fail()
    print("ok")
else:
    sys.exit("unknown op " + op)
EOF

x()
{
	"$py" -I x.py "$@"
}

# is WANT CMD...: CMD prints exactly WANT, else say both
is()
{
	local want=$1 got
	shift
	got=$("$@") || { echo "$*: failed"; return 1; }
	[ "$got" = "$want" ] && return 0
	echo "$*: got '$got', want '$want'"
	return 1
}

# calls NAME KIND: how many xattr calls of KIND the daemon NAME made, in
# its traces (one a thread: no call split over two lines): at (by
# *xattrat, which an older strace names syscall_0x1cf to 0x1d2), path (by
# /proc/self/fd/N), at_refused ERRNO (the *xattrat ones that failed so)
calls()
{
	local at='(setxattrat|getxattrat|listxattrat|removexattrat|syscall_0x1cf|syscall_0x1d[012])\('
	case $2 in
	at)	cat trace.$1.* | grep -cE "$at" ;;
	path)	cat trace.$1.* |
		grep -cE '(set|get|list|remove)xattr\("/proc/self/fd/' ;;
	at_refused) cat trace.$1.* | grep -E "$at" | grep -c "= -1 $3 " ;;
	esac
	return 0
}

# XATTRAT: this kernel has getxattrat(2) (Linux 6.13)
if "$py" -I -c '
import ctypes, errno, sys
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(464, -100, b"/", 0, b"user.t2013", None, 0)
sys.exit(r < 0 and ctypes.get_errno() == errno.ENOSYS)' 2>/dev/null &&
	[ "$(uname -m)" = x86_64 ]; then
	test_set_prereq XATTRAT
fi
# NOXATTRAT: the helper can refuse the calls on this architecture
"$noat" ENOSYS true 2>/dev/null && test_set_prereq NOXATTRAT

test_expect_setup 'an ext4 image with a file, one attribute set beside' '
	fn_mount_ext4 ext 64M && mkdir mnt &&
	printf data >ext/f && setfattr -n user.beside -v b ext/f
'

# answers NAME TRACE PREREQ [WRAPPER...]: mount ext on mnt by a daemon
# run through WRAPPER and traced into trace.TRACE.* from its start; the
# same answers; unmount
answers()
{
	local name=$1 trace=$2 prereq=$3
	shift 3
	FN_MOUNT_PREFIX="strace -ff -qq -o $PWD/trace.$trace $*"
	test_expect_setup "$prereq" "$name: mounted" '
		fn_mount "$PWD/ext" "$PWD/mnt"
	'

	test_expect_success "$prereq" "$name: values, lengths, ERANGE, flags, lists, removal" '
		is b x get mnt/f user.beside 16 &&
		is ok x set mnt/f user.a one &&
		is one x get mnt/f user.a 16 &&
		is 3 x get mnt/f user.a 0 &&
		is ERANGE x get mnt/f user.a 2 &&
		is EEXIST x set mnt/f user.a two:create &&
		is ok x set mnt/f user.a two:replace &&
		is two x get mnt/f user.a 16 &&
		is ENODATA x set mnt/f user.none v:replace &&
		is ok x set mnt/f user.big big &&
		is big x get mnt/f user.big 4096 &&
		is 900 x get mnt/f user.big 0 &&
		is ERANGE x get mnt/f user.big 899 &&
		is user.a,user.beside,user.big x list mnt/f &&
		is ok x remove mnt/f user.a &&
		is ENODATA x get mnt/f user.a 16 &&
		is ENODATA x remove mnt/f user.a &&
		is ok x remove mnt/f user.big &&
		is user.beside x list mnt/f &&
		is user.beside x list ext/f &&
		is b x get ext/f user.beside 16
	'

	test_expect_success "$prereq" "$name: an ACL set and read through the mount" '
		setfacl -m u:4321:r mnt/f &&
		getfacl -cpn mnt/f >through &&
		getfacl -cpn ext/f >beside &&
		test_cmp beside through &&
		grep -qx "user:4321:r--" through &&
		setfacl -b mnt/f &&
		is ENODATA x get ext/f system.posix_acl_access 256
	'

	test_expect_success "$prereq" "$name: unmounted" '
		fn_umount mnt
	'
}

# count TRACE [ERRNO]: at, path and refused (the *xattrat calls that
# failed with ERRNO) of the daemon traced into trace.TRACE.*, said
count()
{
	at=$(calls $1 at) && path=$(calls $1 path) &&
	refused=$(calls $1 at_refused ${2:-none}) &&
	echo "by *xattrat: $at ($refused refused), by path: $path"
}

answers 'as it is' plain ''

test_expect_success XATTRAT 'as it is, Linux 6.13: every call by *xattrat, none by path' '
	count plain && [ "$at" -ge 20 ] && [ "$path" = 0 ]
'

answers ENOSYS enosys NOXATTRAT "$noat" ENOSYS

test_expect_success NOXATTRAT 'ENOSYS: one *xattrat call, refused; every other by path' '
	count enosys ENOSYS &&
	[ "$at" = 1 ] && [ "$refused" = 1 ] && [ "$path" -ge 20 ]
'

answers EPERM eperm NOXATTRAT "$noat" EPERM

test_expect_success NOXATTRAT 'EPERM: each *xattrat call refused, then made by path' '
	count eperm EPERM &&
	[ "$at" -ge 20 ] && [ "$refused" = "$at" ] && [ "$path" = "$at" ]
'

test_done
