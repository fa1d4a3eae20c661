#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t2010: -o xattr=passthrough|noattr|nosys (issue 11).  For each mode,
# root mounts with allow_other (default_permissions, each request as the
# caller) a backing tree under /tmp, made fresh for the mode, and checks
# exactly: what getxattr, listxattr, setxattr and removexattr answer (the
# value or the errno, through Python, and getfattr/setfattr's messages),
# for a file and for /.stats; getfacl, setfacl and ls -l on a file with an
# ACL; whether init asked for FUSE_CAP_POSIX_ACL (the INIT reply's flags
# in libfuse's debug log) and so whether the kernel caches absent ACLs;
# the getxattr requests that reach the daemon for `ls -l` of 100 files
# and for 256 writes; getcap/setcap, and a write clearing a backing
# file's capability; cp, rsync and tar copies into and out of the mount;
# and what users get of an ACL that denies (user:M:--- with the mask rw-:
# mode 0660) and one that grants (user:X:r-- on 0600: mode 0640).  Then
# nosys with no_default_permissions, and a daemon run by a user who is not
# root with allow_other, which acts as itself for everyone: it needs
# user_allow_other in /etc/fuse.conf and a /dev/fuse that user may open,
# so it runs in a private mount namespace with both bound over them.
# Bad values of the option are refused.

test_description='fnpassfs: -o xattr=passthrough|noattr|nosys: answers, requests, ACLs, permissions, programs'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_fuse
fn_require_cmd getfattr setfattr getfacl setfacl getcap setcap setpriv \
	mktemp cmp
# what the users run and reach is in a directory they can enter
fn_users_trash || exit 1

# the messages of cp, getfattr and the others, quotes included; the
# modes of the files made here, and so the masks of their ACLs
LC_ALL=C
export LC_ALL
umask 022
fp=$FN_BUILDDIR/fs/fnpassfs
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || skip_all "python3 not installed"
# numeric ids, no accounts needed: the group G of the ACL files, M in
# it, X in no group of theirs, and the files' owner O
gid_g=61000
uid_m=61001
uid_o=61002
uid_x=61003
# RSYNC_TAR: the copies by rsync -X and tar --xattrs can be made
if command -v rsync >/dev/null && command -v tar >/dev/null; then
	test_set_prereq RSYNC_TAR
fi

# FUSE_POSIX_ACL in the INIT reply's flags (include/fuse_kernel.h)
posix_acl_flag=$((1 << 20))

# xop OP FILE [NAME [VALUE]]: one xattr call; prints the value (of a
# user.* name; "value" for others), the sorted names of a list joined by
# commas, "ok" for a change, or the errno's name
cat >xop.py <<'EOF'
import errno, os, sys

op, path, args = sys.argv[1], sys.argv[2], sys.argv[3:]
try:
    if op == "get":
        v = os.getxattr(path, args[0])
        print(v.decode() if args[0].startswith("user.") else "value")
    elif op == "list":
        print(",".join(sorted(os.listxattr(path))))
    elif op == "set":
        os.setxattr(path, args[0], args[1].encode())
        print("ok")
    elif op == "remove":
        os.removexattr(path, args[0])
        print("ok")
    elif op == "acls":
        # system.posix_acl_access of DIR/g1..gN: each must be absent
        for i in range(1, int(args[0]) + 1):
            try:
                os.getxattr("%s/g%d" % (path, i), "system.posix_acl_access")
                sys.exit("g%d has an ACL" % i)
            except OSError as e:
                if e.errno != errno.ENODATA:
                    raise
        print("absent")
    else:
        sys.exit("unknown op " + op)
except OSError as e:
    # 95 is both; the kernel's name for it
    print("EOPNOTSUPP" if e.errno == errno.EOPNOTSUPP else
          errno.errorcode[e.errno])
EOF

xop()
{
	"$py" -I "$fn_trash/xop.py" "$@"
}

# st KEY MNT: KEY's value in MNT/.stats
st()
{
	fn_fs_stat "$1" "$2"
}

# is WANT GOT WHAT: WANT and GOT are the same, else say both
is()
{
	[ "$1" = "$2" ] && return 0
	echo "$3: got '$2', want '$1'"
	return 1
}

# xa MNT: getxattr requests that reached the daemon of MNT
xa()
{
	st fs_getxattr_ops "$1"
}

# M (in G) and X, as callers
as_m()
{
	setpriv --reuid=$uid_m --regid=$uid_m --groups=$gid_g "$@"
}
as_x()
{
	setpriv --reuid=$uid_x --regid=$uid_x --clear-groups "$@"
}

# read_as m|x FILE: what cat FILE prints as M or X, else its error
read_as()
{
	local who=$1
	shift
	as_$who cat "$@" 2>&1 | sed 's/^cat: .*: //'
}

# access_as m|x FILE: 1 if access(2) says M or X may read FILE
access_as()
{
	if as_$1 test -r "$2"; then echo 1; else echo 0; fi
}

# acl_of FILE: FILE's ACL in one line, entries joined by commas
acl_of()
{
	getfacl -cn "$1" | grep . | paste -sd,
}

# init_flags LOG: the flags of the INIT reply in libfuse's debug log
init_flags()
{
	awk '/^   INIT: / { f = 1 } f && /^   flags=/ {
		sub(/^   flags=/, ""); print; exit }' "$1"
}

# tree DIR: the backing tree: d/ with 100 empty files for ls -l, e/
# with 100 more never listed, x (user.a=1 and an ACL granting X) and
# y and z like it for changes, w to write to, cap and capw with a file
# capability and cap2 without, the permission files deny and grant, and
# dd with a default ACL granting X
tree()
{
	local i f
	mkdir "$1" "$1/d" "$1/e" "$1/dd" && chmod 755 "$1" &&
	setfacl -d -m u:$uid_x:r "$1/dd" &&
	for i in $(seq 100); do
		: >"$1/d/f$i" && : >"$1/e/g$i" || return 1
	done &&
	for f in x y z; do
		echo "$f" >"$1/$f" && setfattr -n user.a -v 1 "$1/$f" &&
		setfacl -m u:$uid_x:r "$1/$f" || return 1
	done &&
	head -c 1048576 /dev/zero >"$1/w" &&
	cp /bin/true "$1/cap" && setcap cap_net_raw+ep "$1/cap" &&
	echo data >"$1/capw" && setcap cap_net_raw+ep "$1/capw" &&
	cp /bin/true "$1/cap2" &&
	echo secret >"$1/deny" && chown $uid_o:$gid_g "$1/deny" &&
	chmod 640 "$1/deny" && setfacl -m u:$uid_m:---,m::rw- "$1/deny" &&
	echo secret >"$1/grant" && chown $uid_o:$gid_g "$1/grant" &&
	chmod 600 "$1/grant" && setfacl -m u:$uid_x:r "$1/grant" &&
	test "$(stat -c %a "$1/deny") $(stat -c %a "$1/grant")" = "660 640"
}

test_expect_setup 'a directory under /tmp that the callers can reach; native files with an xattr, with an ACL' '
	tmp=$(mktemp -d /tmp/fnaccel-t2010.XXXXXX) &&
	fn_at_exit "rm -rf --one-file-system $tmp" && chmod 755 "$tmp" &&
	mkdir "$tmp/nat" && echo xa >"$tmp/nat/xa" &&
	setfattr -n user.a -v 1 "$tmp/nat/xa" &&
	echo xacl >"$tmp/nat/xacl" && setfattr -n user.a -v 1 "$tmp/nat/xacl" &&
	setfacl -m u:$uid_x:r "$tmp/nat/xacl" &&
	tree "$tmp/nat/t" &&
	test "$(read_as m "$tmp/nat/t/deny")" = "Permission denied" &&
	test "$(read_as x "$tmp/nat/t/grant")" = secret'

# ---- bad values -------------------------------------------------------------

test_expect_success 'bad xattr= values: one line, status 1 (as every bad value), nothing mounted' '
	mkdir src bad &&
	for v in foo "" NOSYS no; do
		rc=0 && "$fp" -f src bad -o "xattr=$v" >out 2>err || rc=$?
		is 1 $rc "status of xattr=$v" &&
		is "fnpassfs: xattr=$v: not passthrough, noattr or nosys" \
			"$(cat err)" "message of xattr=$v" &&
		! test -s out && ! fn_is_mounted bad || exit 1
	done'

test_expect_success '--help names the option and its modes' '
	"$fp" --help >help && grep -q "^  xattr=MODE  *extended attributes" help &&
	grep -q "passthrough|noattr|nosys (passthrough)" help'

# ---- each mode --------------------------------------------------------------

# mode_tests MODE: mount a fresh tree with -o allow_other,xattr=MODE and
# check it all.  cache=always: attributes, and with FUSE_CAP_POSIX_ACL the
# ACLs, stay cached for a day, so what the kernel asks again does not
# depend on how fast the tests run; libfuse's debug log for the INIT
# reply.  The test bodies see m, mnt and back; they run in $tmp.
mode_tests()
{
	m=$1
	mnt=mnt-$m
	back=back-$m

	test_expect_setup "$m: mount a fresh tree with allow_other,cache=always,xattr=$m" '
		tree "$tmp/$back" && mkdir "$tmp/$mnt" &&
		fn_mount "$tmp/$back" "$tmp/$mnt" \
			allow_other,cache=always,debug,xattr=$m &&
		pid=$FN_MOUNT_PID'

	test_expect_success "$m: opt_xattr; FUSE_CAP_POSIX_ACL asked for, but not under nosys" '
		cd "$tmp" && is $m "$(st opt_xattr $mnt)" opt_xattr &&
		flags=$(init_flags "$fn_trash/fnpassfs.$mnt.log") &&
		[ -n "$flags" ] && acl=$(( (flags & posix_acl_flag) != 0 )) &&
		case $m in
		nosys) is 0 $acl "POSIX ACL in the INIT flags $flags" ;;
		*) is 1 $acl "POSIX ACL in the INIT flags $flags" ;;
		esac'

	# ls -l asks for security.selinux and system.posix_acl_access of
	# each file, and of the directory also system.posix_acl_default: 203
	# requests for 100 files.  Again: the kernel has kept the absent ACLs
	# (FUSE_CAP_POSIX_ACL) but never keeps security.*: 101.  nosys: the
	# first request tells the kernel, for the whole mount.
	test_expect_success "$m: ls -l of 100 files on a new mount, twice: getxattr requests" '
		cd "$tmp" && is 0 "$(xa $mnt)" "before" &&
		ls -l $mnt/d >ls1 && a=$(xa $mnt) &&
		ls -l $mnt/d >ls2 && b=$(xa $mnt) &&
		is 100 $(grep -c "^-rw-r--r-- " ls1) "files listed" && cmp ls1 ls2 &&
		is 0 "$(st fs_listxattr_ops $mnt)" listxattr &&
		is 0 "$(st fs_errors $mnt)" fs_errors &&
		case $m in
		nosys) is "1 0" "$a $((b - a))" "first, second listing" ;;
		*) is "203 101" "$a $((b - a))" "first, second listing" ;;
		esac'

	test_expect_success "$m: getxattr of user.a, security.selinux and the ACL" '
		cd "$tmp" && g=$(xop get $mnt/x user.a) &&
		s=$(xop get $mnt/x security.selinux) &&
		a=$(xop get $mnt/x system.posix_acl_access) &&
		rc=0 && getfattr --only-values -n user.a $mnt/x >out 2>err || rc=$?
		case $m in
		passthrough)
			is "1 ENODATA value" "$g $s $a" "user.a, selinux, ACL" &&
			is "0 1" "$rc $(cat out)" "getfattr" ;;
		noattr)
			is "ENODATA ENODATA ENODATA" "$g $s $a" "user.a, selinux, ACL" &&
			is 1 $rc "getfattr status" &&
			is "$mnt/x: user.a: No such attribute" "$(cat err)" getfattr ;;
		nosys)
			is "EOPNOTSUPP EOPNOTSUPP ENODATA" "$g $s $a" "user.a, selinux, ACL" &&
			is 1 $rc "getfattr status" &&
			is "$mnt/x: user.a: Operation not supported" "$(cat err)" getfattr ;;
		esac'

	test_expect_success "$m: listxattr; getfattr -d" '
		cd "$tmp" && l=$(xop list $mnt/x) &&
		rc=0 && getfattr -d -m - $mnt/x >out 2>err || rc=$?
		case $m in
		passthrough)
			is "system.posix_acl_access,user.a" "$l" listxattr &&
			is 0 $rc "getfattr status" && grep -qx "user.a=\"1\"" out ;;
		noattr)
			is "" "$l" listxattr && is 0 $rc "getfattr status" &&
			! test -s out && ! test -s err ;;
		nosys)
			is EOPNOTSUPP "$l" listxattr && is 1 $rc "getfattr status" &&
			is "getfattr: $mnt/x: Operation not supported" "$(cat err)" getfattr ;;
		esac'

	# nothing written is lost: refused, and the backing file keeps all
	test_expect_success "$m: setxattr, removexattr; setfattr; the backing file" '
		cd "$tmp" && s=$(xop set $mnt/y user.b 2) &&
		r=$(xop remove $mnt/y user.a) &&
		b=$(xop get $back/y user.b) && a=$(xop get $back/y user.a) &&
		rc=0 && setfattr -n user.c -v 3 $mnt/y 2>err1 || rc=$?
		rx=0 && setfattr -x user.c $mnt/y 2>err2 || rx=$?
		case $m in
		passthrough)
			is "ok ok 2 ENODATA" "$s $r $b $a" "set, remove, backing" &&
			is "0 0" "$rc $rx" "setfattr -n, -x" ;;
		noattr)
			is "EOPNOTSUPP ENODATA ENODATA 1" "$s $r $b $a" "set, remove, backing" &&
			is "1 1" "$rc $rx" "setfattr -n, -x" &&
			is "setfattr: $mnt/y: Operation not supported" "$(cat err1)" "setfattr -n" &&
			is "setfattr: $mnt/y: No such attribute" "$(cat err2)" "setfattr -x" ;;
		nosys)
			is "EOPNOTSUPP EOPNOTSUPP ENODATA 1" "$s $r $b $a" "set, remove, backing" &&
			is "1 1" "$rc $rx" "setfattr -n, -x" &&
			is "setfattr: $mnt/y: Operation not supported" "$(cat err1)" "setfattr -n" &&
			is "setfattr: $mnt/y: Operation not supported" "$(cat err2)" "setfattr -x" ;;
		esac'

	# the group bits of a file with an ACL are its mask; the backing file
	# system applies a default ACL to what is made through the mount
	test_expect_success "$m: getfacl, ls -l, setfacl -m, setfacl -b; a default ACL applies" '
		cd "$tmp" && acl=$(acl_of $mnt/x) &&
		: >$mnt/dd/new && is "user::rw-,user:$uid_x:r--,group::r-x	#effective:r--,mask::r--,other::r--" \
			"$(acl_of $back/dd/new)" "ACL of a file made in dd" &&
		ls=$(ls -l $mnt/x | cut -c1-11) &&
		rc=0 && setfacl -m u:$uid_m:r $mnt/z 2>err || rc=$?
		rb=0 && setfacl -b $mnt/z || rb=$?
		after=$(acl_of $back/z) &&
		case $m in
		passthrough)
			is "user::rw-,user:$uid_x:r--,group::r--,mask::r--,other::r--" "$acl" getfacl &&
			is "-rw-r--r--+" "$ls" "ls -l" && is "0 0" "$rc $rb" "setfacl -m, -b" &&
			is "user::rw-,group::r--,other::r--" "$after" "backing ACL" ;;
		*)
			is "user::rw-,group::r--,other::r--" "$acl" getfacl &&
			is "-rw-r--r-- " "$ls" "ls -l" && is "1 0" "$rc $rb" "setfacl -m, -b" &&
			is "setfacl: $mnt/z: Operation not supported" "$(cat err)" "setfacl -m" &&
			is "user::rw-,user:$uid_x:r--,group::r--,mask::r--,other::r--" "$after" "backing ACL" ;;
		esac'

	test_expect_success "$m: /.stats: getxattr, listxattr, setxattr, removexattr" '
		cd "$tmp" && r=$(for op in get list set remove; do
			xop $op $mnt/.stats user.a 1; done | paste -sd,) &&
		case $m in
		passthrough) is "ENODATA,,EPERM,EPERM" "$r" "/.stats" ;;
		noattr) is "ENODATA,,EOPNOTSUPP,ENODATA" "$r" "/.stats" ;;
		nosys) is "EOPNOTSUPP,EOPNOTSUPP,EOPNOTSUPP,EOPNOTSUPP" "$r" "/.stats" ;;
		esac &&
		grep -q "^fs_lookup_ops " $mnt/.stats'

	# the absent ACLs of 100 files never listed, read twice
	test_expect_success "$m: absent ACLs kept by the kernel with FUSE_CAP_POSIX_ACL" '
		cd "$tmp" && a=$(xa $mnt) && xop acls $mnt/e 100 >/dev/null &&
		b=$(xa $mnt) && xop acls $mnt/e 100 >/dev/null && c=$(xa $mnt) &&
		case $m in
		nosys) is "0 0" "$((b - a)) $((c - b))" "first, second reading" ;;
		*) is "100 0" "$((b - a)) $((c - b))" "first, second reading" ;;
		esac'

	test_expect_success "$m: getcap, setcap; a write clears a backing capability in every mode" '
		cd "$tmp" && g=$(getcap $mnt/cap) &&
		rc=0 && setcap cap_net_raw+ep $mnt/cap2 2>err || rc=$?
		b=$(getcap $back/cap2) &&
		echo more >>$mnt/capw && is "" "$(getcap $back/capw)" "capw after a write" &&
		case $m in
		passthrough)
			is "$mnt/cap cap_net_raw=ep" "$g" getcap && is 0 $rc "setcap" &&
			is "$back/cap2 cap_net_raw=ep" "$b" "backing cap2" ;;
		*)
			is "" "$g" getcap && is 1 $rc "setcap" &&
			is "Failed to set capabilities on file '"'$mnt/cap2'"': Operation not supported" \
				"$(head -n 1 err)" "setcap" &&
			is "" "$b" "backing cap2" ;;
		esac'

	# before each write the kernel asks for security.capability, unless
	# the mount is SB_NOSEC (libfuse 3.17's HANDLE_KILLPRIV_V2) or the
	# file's answer is cached; noattr asks as passthrough does
	test_expect_success "$m: 256 writes: getxattr requests" '
		cd "$tmp" && a=$(xa $mnt) &&
		dd if=/dev/zero of=$mnt/w bs=4k count=256 conv=notrunc 2>/dev/null &&
		n=$(($(xa $mnt) - a)) && echo "$n" >"$fn_trash/writes.$m" &&
		echo "256 writes: $n getxattr" &&
		case $m in
		passthrough) : ;;
		noattr) is "$(cat "$fn_trash/writes.passthrough")" $n "as passthrough" ;;
		nosys) is 0 $n "nosys" ;;
		esac'

	test_expect_success "$m: cp --preserve=xattr and cp -a into the mount" '
		cd "$tmp" &&
		r1=0 && cp --preserve=xattr nat/xa $mnt/c1 2>err1 || r1=$?
		r2=0 && cp -a nat/xa $mnt/c2 2>err2 || r2=$?
		r3=0 && cp -a nat/xacl $mnt/c3 2>err3 || r3=$?
		cmp nat/xa $back/c1 && cmp nat/xa $back/c2 && cmp nat/xacl $back/c3 &&
		x=$(for c in c1 c2 c3; do xop get $back/$c user.a; done | paste -sd,) &&
		is "" "$(cat err2)" "cp -a of a file with an xattr" &&
		case $m in
		passthrough)
			is "0 0 0 1,1,1" "$r1 $r2 $r3 $x" "status, backing user.a" &&
			! test -s err1 && ! test -s err3 &&
			getfacl -cn $back/c3 | grep -qx "user:$uid_x:r--" ;;
		*)
			is "1 0 1 ENODATA,ENODATA,ENODATA" "$r1 $r2 $r3 $x" "status, backing user.a" &&
			is "cp: setting attributes for '"'$mnt/c1'"': Operation not supported" \
				"$(cat err1)" "cp --preserve=xattr" &&
			is "cp: preserving permissions for '"'$mnt/c3'"': Operation not supported" \
				"$(cat err3)" "cp -a of a file with an ACL" ;;
		esac'

	test_expect_success "$m: cp -a and cp --preserve=xattr out of the mount" '
		cd "$tmp" && mkdir out-$m &&
		cp -a $mnt/x out-$m/a 2>err && ! test -s err &&
		cp --preserve=xattr $mnt/x out-$m/b 2>err && ! test -s err &&
		x=$(xop get out-$m/a user.a),$(xop get out-$m/b user.a) &&
		acl=$(acl_of out-$m/a) &&
		case $m in
		passthrough)
			is "1,1" "$x" "user.a of the copies" &&
			is "user::rw-,user:$uid_x:r--,group::r--,mask::r--,other::r--" "$acl" "ACL of cp -a" ;;
		*)
			is "ENODATA,ENODATA" "$x" "user.a of the copies" &&
			is "user::rw-,group::r--,other::r--" "$acl" "ACL of cp -a" ;;
		esac'

	test_expect_success RSYNC_TAR "$m: rsync -X and tar --xattrs into the mount; tar --xattrs out of it" '
		cd "$tmp" && mkdir $mnt/tx &&
		rs=0 && rsync -X nat/xa $mnt/r1 2>rerr || rs=$?
		tar --xattrs --acls -cf nat.tar -C nat xacl &&
		tx=0 && tar --xattrs --acls -xf nat.tar -C $mnt/tx 2>xerr || tx=$?
		tc=0 && tar --xattrs -cf out-$m.tar -C $mnt x 2>cerr || tc=$?
		cmp nat/xa $back/r1 && cmp nat/xacl $back/tx/xacl &&
		is "0 0" "$tx $tc" "tar -x, tar -c" &&
		case $m in
		passthrough)
			is 0 $rs "rsync -X" && ! test -s rerr && ! test -s xerr &&
			! test -s cerr && is 1 "$(xop get $back/tx/xacl user.a)" "tar -x" ;;
		noattr)
			is 23 $rs "rsync -X" && grep -q "Operation not supported (95)" rerr &&
			is 2 "$(grep -c "Operation not supported" xerr)" "tar -x warnings" &&
			! test -s cerr ;;
		nosys)
			is 23 $rs "rsync -X" && grep -q "Operation not supported (95)" rerr &&
			is 2 "$(grep -c "Operation not supported" xerr)" "tar -x warnings" &&
			is "tar: x: Warning: Cannot flistxattr: Operation not supported" \
				"$(cat cerr)" "tar -c" ;;
		esac'

	# Each request is made as the caller, so the backing file system
	# still refuses what an ACL denies; with default_permissions the
	# kernel first checks the mode bits, which without ACLs refuse what an
	# ACL grants beyond them, and access(2) is the kernel's check alone
	test_expect_success "$m: an ACL that denies M, one that grants X: what they get" '
		cd "$tmp" && is "660,640" "$(stat -c %a $mnt/deny $mnt/grant | paste -sd,)" modes &&
		is "Permission denied" "$(read_as m $mnt/deny)" "M reads deny" &&
		! as_m sh -c "echo m >>$mnt/deny" 2>/dev/null &&
		is secret "$(cat $back/deny)" "deny after M wrote" &&
		r=$(access_as m $mnt/deny),$(read_as x $mnt/grant),$(access_as x $mnt/grant) &&
		case $m in
		passthrough) is "0,secret,1" "$r" "M access deny, X reads and accesses grant" ;;
		*) is "1,Permission denied,0" "$r" "M access deny, X reads and accesses grant" ;;
		esac'

	if [ $m = nosys ]; then
		test_expect_success "nosys: each type of request reached the daemon once" '
			cd "$tmp" && r=$(for op in get list set remove; do
				st fs_${op}xattr_ops $mnt; done | paste -sd,) &&
			is "1,1,1,1" "$r" "getxattr, listxattr, setxattr, removexattr"'
	fi

	test_expect_success "$m: unmount, daemon exits 0" 'fn_umount "$tmp/$mnt" $pid'
}

mode_tests passthrough
mode_tests noattr
mode_tests nosys

# ---- no_default_permissions ----------------------------------------------------

# Only the backing file system checks, as each caller, ACLs included:
# everything as natively, access(2) too (the daemon answers it)
for m in noattr nosys; do
	mnt=ndp-$m
	test_expect_setup "$m,no_default_permissions: mount a fresh tree" '
		tree "$tmp/back-$mnt" && mkdir "$tmp/$mnt" &&
		fn_mount "$tmp/back-$mnt" "$tmp/$mnt" \
			allow_other,no_default_permissions,xattr=$m &&
		pid=$FN_MOUNT_PID'

	test_expect_success "$m,no_default_permissions: the ACLs that deny M and grant X: as natively" '
		cd "$tmp" && is 0 "$(st opt_default_permissions $mnt)" default_permissions &&
		for f in deny grant; do
			for who in m x; do
				echo "$who $f $(read_as $who nat/t/$f) $(access_as $who nat/t/$f)" >>nat.$m &&
				echo "$who $f $(read_as $who $mnt/$f) $(access_as $who $mnt/$f)" >>mnt.$m ||
				exit 1
			done
		done &&
		cat mnt.$m && cmp nat.$m mnt.$m'

	test_expect_success "$m,no_default_permissions: unmount, daemon exits 0" '
		fn_umount "$tmp/$mnt" $pid'
done

# ---- a daemon that is not root ------------------------------------------------

# Run by a user with allow_other, fnpassfs acts as that user for every
# caller: the kernel's check (default_permissions) is the only one made
# as the caller, and without ACLs it lets M read what the ACL denies M.
# fusermount3 allows allow_other to a user only with user_allow_other in
# /etc/fuse.conf, and the user must be able to open /dev/fuse: a private
# mount namespace binds a fuse.conf and a /dev/fuse node of mode 0666 over
# them; nothing outside it changes.  A daemon it leaves running (its pid
# is in ns/pid until it exited) is killed at exit, which ends the
# namespace and its mounts.
cat >ns-inner.sh <<'EOF'
# ns-inner.sh USER FNPASSFS DIR UID_M UID_X GID_G: in DIR, mount back on
# mnt as USER with allow_other,xattr=MODE for each MODE; one line each:
# "MODE <what M reads of deny>,<what X reads of grant>"
set -u
user=$1 fp=$2 dir=$3 uid_m=$4 uid_x=$5 gid_g=$6
pid=
trap '[ -z "$pid" ] || { fusermount3 -u mnt; kill $pid; wait $pid; }' EXIT
cd "$dir" && mount --bind fuse.conf /etc/fuse.conf &&
	mount --bind fuse /dev/fuse || exit 1
for m in passthrough noattr nosys; do
	setpriv --reuid="$user" --regid="$user" --init-groups \
		"$fp" -f back mnt -o allow_other,xattr=$m 2>>daemon.log &
	pid=$!
	echo $pid >pid
	i=0
	until awk -v d="$dir/mnt" '$2 == d { f = 1 } END { exit !f }' \
		/proc/self/mounts; do
		i=$((i + 1))
		[ $i -lt 100 ] && kill -0 $pid || exit 1
		sleep 0.1
	done
	d=$(setpriv --reuid=$uid_m --regid=$uid_m --groups=$gid_g \
		cat mnt/deny 2>&1 | sed 's/^cat: .*: //')
	g=$(setpriv --reuid=$uid_x --regid=$uid_x --clear-groups \
		cat mnt/grant 2>&1 | sed 's/^cat: .*: //')
	echo "$m $d,$g"
	fusermount3 -u mnt && wait $pid || exit 1
	rm -f pid
	pid=
done
EOF

# USERNS: the commands a user, a namespace and a /dev/fuse node need
if command -v useradd >/dev/null && command -v unshare >/dev/null &&
   command -v mknod >/dev/null; then
	test_set_prereq USERNS
fi

test_expect_setup USERNS 'a user O, a tree of its own, a fuse.conf and a /dev/fuse for a namespace' '
	uo=fpxo$$ && ns=$tmp/ns &&
	fn_at_exit "groupdel $uo" &&
	fn_at_exit "id $uo && fn_retry userdel $uo" &&
	fn_retry useradd -M -U -s /bin/sh "$uo" && id "$uo" &&
	mkdir "$ns" "$ns/back" "$ns/mnt" && chmod 755 "$ns" &&
	fn_at_exit "[ ! -f $ns/pid ] || kill \$(cat $ns/pid)" &&
	echo secret >"$ns/back/deny" && echo secret >"$ns/back/grant" &&
	chown -R "$uo:$gid_g" "$ns/back" && chown "$uo" "$ns/mnt" &&
	chmod 640 "$ns/back/deny" && chmod 600 "$ns/back/grant" &&
	setfacl -m u:$uid_m:---,m::rw- "$ns/back/deny" &&
	setfacl -m u:$uid_x:r "$ns/back/grant" &&
	echo user_allow_other >"$ns/fuse.conf" &&
	mknod "$ns/fuse" c 10 229 && chmod 666 "$ns/fuse" &&
	cp ns-inner.sh "$ns/" && fp_user=$(fn_users_copy "$fp")'

test_expect_success USERNS 'a daemon not run by root: noattr and nosys lose what an ACL denies, and grants' '
	unshare --mount --propagation private \
		sh "$ns/ns-inner.sh" "$uo" "$fp_user" "$ns" $uid_m $uid_x $gid_g >ns.out &&
	cat ns.out && is "passthrough Permission denied,secret
noattr secret,Permission denied
nosys secret,Permission denied" "$(cat ns.out)" "M reads deny, X reads grant" &&
	! grep -q " $ns/mnt " /proc/self/mounts'

test_done
