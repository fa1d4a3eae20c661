#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='fnpassfs: cached listings, negative entries, setuid on write,
ACLs in the kernel'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_fuse
fn_require_cmd setpriv truncate setfacl python3
# what the users run and reach is in a directory they can enter
fn_users_trash || exit 1

# rd MNT: readdir requests that reached the daemon of MNT
rd()
{
	echo $(($(fn_fs_stat fs_readdir_ops "$1") + \
		$(fn_fs_stat fs_readdirplus_ops "$1")))
}

# same DIR: mnta/DIR lists what src/DIR holds
same()
{
	ls -a "src/$1" | sort >want && ls -a "mnta/$1" | sort >got &&
	cmp want got
}

# lk MNT CMD...: lookups of MNT's daemon while CMD runs (less those of
# reading /.stats itself, measured first)
lk()
{
	l_m=$1 && shift &&
	l_a=$(fn_fs_stat fs_lookup_ops $l_m) &&
	l_b=$(fn_fs_stat fs_lookup_ops $l_m) && "$@" &&
	l_c=$(fn_fs_stat fs_lookup_ops $l_m) &&
	echo $((l_c - l_b - (l_b - l_a)))
}

# miss2 MNT: look a missing name up twice (in the root: no parent lookups)
miss2()
{
	! test -e $1/nx$$ && ! test -e $1/nx$$
}

nobody()
{
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

test_expect_setup 'mount cache=auto, allow_other, passthrough=never' '
	chmod 755 . && mkdir src mnt mnta mnt2 mnt3 &&
	mkdir src/d && chmod 777 src src/d && touch src/d/a src/d/b &&
	fn_mount src mnt allow_other,passthrough=never'

test_expect_setup 'mount cache=always,attr_timeout=1' '
	fn_mount src mnta cache=always,attr_timeout=1'

test_expect_success 'cache=always: a second listing comes from the kernel' '
	same d && n=$(rd mnta) && same d && test "$(rd mnta)" = $n &&
	test $n -ge 1'

# (which listings cache=auto keeps: t2203)

# od MNT: opendir and releasedir requests that reached the daemon of MNT
od()
{
	echo "$(fn_fs_stat fs_opendir_ops "$1") $(fn_fs_stat fs_releasedir_ops "$1")"
}

test_expect_success 'cache=always: no opendir, no releasedir after the first' '
	mkdir src/o1 src/o2 && touch src/o1/x src/o2/y && same o1 && same o2 &&
	same d && test "$(od mnta)" = "1 0" &&
	ls mnt/o1 mnt/o2 >/dev/null && test "$(od mnt | cut -d" " -f1)" -ge 2'

test_expect_success 'cache=always: a listing of many requests, each its own open' '
	mkdir src/big && python3 -c "import sys
for i in range(3000):
    open(\"src/big/%s%04d\" % (\"n\" * 100, i), \"w\").close()" &&
	n=$(rd mnta) && same big && test $(($(rd mnta) - n)) -ge 3 &&
	test "$(ls mnta/big | wc -l)" = 3000 && test "$(od mnta)" = "1 0"'

test_expect_success 'cache=always: telldir and seekdir, rewinddir' '
	perl -e "opendir(D, \"mnta/big\") or die; my @a;
		push @a, scalar readdir D for 1..1000; my \$t = telldir D;
		my @r = readdir D; seekdir D, \$t; my @s = readdir D;
		rewinddir D; my @w = readdir D;
		die \"seekdir\" unless join(q(,), @r) eq join(q(,), @s);
		die \"rewinddir\" unless @w == 3002 && @a + @r == 3002" &&
	rm -r src/big'

test_expect_success 'cache=always: fsync of an unopened directory' '
	python3 -c "import os
fd = os.open(\"mnta/d\", os.O_RDONLY); os.fsync(fd); os.close(fd)"'

# (in a directory of its own: mnta's cached listing of d would not show a
# symlink made beside the mount for attr_timeout)
test_expect_success 'symlink targets: asked once (cache=auto), always (never)' '
	mkdir src/sl && ln -s target-of-sym src/sl/sym1 &&
	test "$(readlink mnt/sl/sym1)" = target-of-sym &&
	n=$(fn_fs_stat fs_readlink_ops mnt) && readlink mnt/sl/sym1 >/dev/null &&
	readlink mnt/sl/sym1 >/dev/null &&
	test "$(fn_fs_stat fs_readlink_ops mnt)" = $n'

test_expect_success 'the listing follows every change through the mount' '
	same d && touch mnta/d/new && same d &&
	rm mnta/d/a && same d && mv mnta/d/b mnta/d/c && same d &&
	mkdir mnta/d/sub && same d && ln -s c mnta/d/sym && same d &&
	ln mnta/d/c mnta/d/hard && same d && mkfifo mnta/d/fifo && same d &&
	rmdir mnta/d/sub && same d && mv mnta/d/c mnta/c2 && same d &&
	same . && mv mnta/c2 mnta/d/c3 && same d && same .'

test_expect_success 'a backing-side change shows after attr_timeout (1 s)' '
	same d && touch src/d/outside && sleep 1.5 && same d &&
	rm src/d/outside && sleep 1.5 && same d'

test_expect_success 'a missing name reaches the daemon once' '
	test "$(lk mnt miss2 mnt)" = 1'

test_expect_success 'a file created after a negative lookup is there at once' '
	! test -e mnt/d/late && echo x >mnt/d/late && test -s mnt/d/late &&
	test "$(cat src/d/late)" = x && ! test -e mnt/d/late2 &&
	mkdir mnt/d/late2 && test -d mnt/d/late2'

# privs DIR: the modes after a write and a truncate by nobody, a chown by
# root and a write by root, of files with setuid/setgid bits
privs()
{
	for m in 4777 2777 6777 2767 4755; do
		f=$1/w$m && echo x >$f && chmod $m $f &&
		{ nobody sh -c "echo y >>$f" 2>/dev/null || :; } &&
		g=$1/t$m && echo x >$g && chmod $m $g &&
		{ nobody truncate -s 1 $g 2>/dev/null || :; } &&
		h=$1/c$m && echo x >$h && chmod $m $h && chown 1:1 $h &&
		r=$1/r$m && echo x >$r && chmod $m $r && echo z >>$r &&
		echo "$m $(stat -c "%a %s" $f $g $h $r | tr "\n" " ")" ||
		return 1
	done
}

test_expect_success 'set-id bits cleared on write, truncate, chown as natively' '
	mkdir src/native src/k && chmod 777 src/native src/k &&
	privs src/native >native && privs mnt/k >mounted &&
	cat mounted && cmp native mounted &&
	grep -q "^4777 777 4 777 1 777 2 4777 4 $" native'

test_expect_success 'the backing files agree with what the mount showed' '
	privs src/native >/dev/null && for f in src/native/*; do
		b=$(basename $f) &&
		test "$(stat -c %a src/k/$b)" = "$(stat -c %a $f)" || exit 1
	done'

test_expect_setup 'mount cache=never' 'fn_mount src mnt2 cache=never'

test_expect_success 'cache=never: listings and names always from the daemon' '
	test "$(fn_fs_stat opt_negative_timeout mnt2)" = 0 &&
	ls mnt2/d >/dev/null && n=$(rd mnt2) && ls mnt2/d >/dev/null &&
	test "$(rd mnt2)" -gt $n &&
	touch src/d/now && test -e mnt2/d/now && ls mnt2/d | grep -qx now &&
	rm src/d/now && ! test -e mnt2/d/now &&
	n=$(lk mnt2 miss2 mnt2) && test $n = 2 &&
	n=$(fn_fs_stat fs_readlink_ops mnt2) && readlink mnt2/sl/sym1 >/dev/null &&
	readlink mnt2/sl/sym1 >/dev/null &&
	test "$(fn_fs_stat fs_readlink_ops mnt2)" = $((n + 2)) &&
	od1=$(fn_fs_stat fs_opendir_ops mnt2) && ls mnt2/d >/dev/null &&
	test "$(fn_fs_stat fs_opendir_ops mnt2)" = $((od1 + 1))'

test_expect_setup 'mount negative_timeout=0, entry_timeout=5' '
	fn_mount src mnt3 negative_timeout=0,entry_timeout=5'

test_expect_success 'negative_timeout=0: every miss asks; the options show' '
	test "$(fn_fs_stat opt_negative_timeout mnt3)" = 0 &&
	test "$(fn_fs_stat opt_entry_timeout mnt3)" = 5 &&
	test "$(fn_fs_stat opt_attr_timeout mnt3)" = 1 &&
	n=$(lk mnt3 miss2 mnt3) && test $n = 2'

test_expect_success 'negative_timeout: a bad value is refused' '
	st=0 && "$FN_BUILDDIR/fs/fnpassfs" -f src mnt3 -o negative_timeout=-1 \
		2>err || st=$? && test $st != 0 && grep -q negative_timeout err'


# xa MNT: getxattr requests that reached the daemon of MNT
xa()
{
	fn_fs_stat fs_getxattr_ops "$1"
}

# acls DIR N: read system.posix_acl_access of DIR/f1..fN (none set)
acls()
{
	python3 -c 'import errno, os, sys
for i in range(1, int(sys.argv[2]) + 1):
    try:
        os.getxattr("%s/f%d" % (sys.argv[1], i), "system.posix_acl_access")
        sys.exit("f%d has an ACL" % i)
    except OSError as e:
        if e.errno != errno.ENODATA:
            raise' "$1" "$2"
}

test_expect_setup 'mount allow_other,cache=always: ACLs in the kernel' '
	mkdir src/x mnt4 && (cd src/x && for i in $(seq 1 100); do
		: >f$i || exit 1; done) &&
	fn_mount src mnt4 allow_other,cache=always'

# The kernel caches each inode's ACLs, an absent one too
# (FUSE_CAP_POSIX_ACL, with default_permissions): the first reading of
# 100 files asks the daemon 100 times, the next ones never.  `ls -l`
# asks for system.posix_acl_access of every file (and, here, for
# security.selinux, which the kernel does not cache), and of the
# directory too: a warm listing of the 100 files used to cost 203 getxattr
# requests, now at most 101, one for each inode.
test_expect_success 'allow_other: absent ACLs asked for once, then cached' '
	a=$(xa mnt4) && acls mnt4/x 100 && b=$(xa mnt4) &&
	test $((b - a)) = 100 && acls mnt4/x 100 && acls mnt4/x 100 &&
	test "$(xa mnt4)" = $b &&
	ls -lU mnt4/x >/dev/null && c=$(xa mnt4) && ls -lU mnt4/x >/dev/null &&
	d=$(xa mnt4) && echo "warm ls -lU: $((d - c)) getxattr" &&
	test $((d - c)) -le 101'

test_expect_success 'allow_other: the kernel grants what an ACL grants' '
	echo secret >src/x/acl && chmod 600 src/x/acl &&
	setfacl -m u:65534:r src/x/acl && chmod 755 src/x &&
	test "$(nobody cat src/x/acl)" = secret &&
	test "$(nobody cat mnt4/x/acl)" = secret &&
	! nobody sh -c ": >>mnt4/x/acl" 2>/dev/null &&
	setfacl -m u:65534:- mnt4/x/acl && ! nobody cat mnt4/x/acl &&
	getfacl -c src/x/acl | grep -qx "user:nobody:---"'

test_expect_success 'allow_other,cache=always: no opendir; read permission kept' '
	mkdir src/x/closed && touch src/x/closed/f && chmod 711 src/x/closed &&
	! nobody ls src/x/closed 2>native.err && ! nobody ls mnt4/x/closed 2>mnt.err &&
	sed "s|src/|mnt4/|" native.err >want.err && cmp want.err mnt.err &&
	ls mnt4/x/closed >/dev/null && test "$(od mnt4)" = "1 0"'

test_done
