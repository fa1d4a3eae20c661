#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t2009: a directory opens by its own permissions through fnpassfs (issue
# 10).  Root mounts with -o allow_other (the daemon acts as each caller)
# a tree of six directories, modes 0600, 0060, 0006, 0477, 0747 and 0774,
# each owned by user O and group G and holding two files, in a 0755
# parent.  Three users, O, M (a member of G) and X (neither), list each
# directory natively and through the mount: ls (status and names), ls -l
# (status: it stats the entries, which needs search permission), Python's
# os.listdir (names or errno), open(2) O_RDONLY|O_DIRECTORY (ok or errno)
# and access(2) X_OK (os.access, test -x).  Each (mode, user) is one
# line comparing the two exactly, with default_permissions (the kernel
# checks, what allow_other turns on) and without (the daemon's per-request
# credentials alone).  In each mode one of the three has read without
# search permission: natively that user opens and lists the directory.
#
# The tree lives in a mktemp -d directory under /tmp, where the users
# reach it, with the helper they run; the users and the group are made
# here and removed at exit.

test_description='fnpassfs: a directory opens by its own permissions, as natively, for each user'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_fuse
fn_require_cmd useradd userdel groupadd groupdel setpriv mktemp

# the system's python3: unprivileged users must be able to run it
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || skip_all "python3 not installed"
grp=fpqg$$
uo=fpqo$$
um=fpqm$$
ux=fpqx$$
modes='0600 0060 0006 0477 0747 0774'

# dirops TOP MODE...: as the calling user, one line on each TOP/mMODE:
# "MODE ls=STATUS:NAMES ls-l=STATUS listdir=NAMES|ERRNO open=ok|ERRNO
# access_x=0|1 test_x=STATUS"
cat >dirops.py <<'EOF'
import errno, os, subprocess, sys

env = dict(os.environ, LC_ALL="C")


def name(e):
    return errno.errorcode.get(e, str(e))


def run(*cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, env=env)


def dirops(d):
    out = []
    r = run("ls", d)
    out.append("ls=%d:%s" % (r.returncode,
                              ",".join(r.stdout.decode().split())))
    out.append("ls-l=%d" % run("ls", "-l", d).returncode)
    try:
        out.append("listdir=" + ",".join(sorted(os.listdir(d))))
    except OSError as e:
        out.append("listdir=" + name(e.errno))
    try:
        os.close(os.open(d, os.O_RDONLY | os.O_DIRECTORY))
        out.append("open=ok")
    except OSError as e:
        out.append("open=" + name(e.errno))
    out.append("access_x=%d" % os.access(d, os.X_OK))
    out.append("test_x=%d" % run("test", "-x", d).returncode)
    return " ".join(out)


for m in sys.argv[2:]:
    print(m, dirops("%s/m%s" % (sys.argv[1], m)))
EOF

# as_user USER TOP OUT: dirops.py on every directory of TOP as USER, with
# USER's groups, into OUT
as_user()
{
	(cd "$tmp" && setpriv --reuid="$1" --regid="$1" --init-groups \
		"$py" -I "$tmp/dirops.py" "$2" $modes) >"$3"
}

# result MODE OUT: the line on directory mMODE in OUT, without the mode
result()
{
	sed -n "s/^$1 //p" "$2"
}

# expect MODE USER: what dirops.py prints natively by the bits of MODE
# for USER's class: read permission lists the names (ls -l then stats
# them, status 1 without search permission), else EACCES and ls's status
# 2; search permission is access(X_OK)
expect()
{
	local bits r x
	case $2 in
	"$uo") bits=${1#?} ;;
	"$um") bits=${1#??} ;;
	*) bits=${1#???} ;;
	esac
	bits=${bits%"${bits#?}"}
	r=$((bits & 4)) x=$((bits & 1))
	if [ $r != 0 ]; then
		printf "ls=0:a,b ls-l=%d listdir=a,b open=ok" $((x ? 0 : 1))
	else
		printf "ls=2: ls-l=2 listdir=EACCES open=EACCES"
	fi
	printf " access_x=%d test_x=%d\n" $x $((x ? 0 : 1))
}

test_expect_setup 'users O, M (in group G) and X' '
	fn_at_exit "groupdel $uo; groupdel $um; groupdel $ux; groupdel $grp" &&
	for u in $uo $um $ux; do
		fn_at_exit "id $u && fn_retry userdel $u"
	done &&
	fn_retry groupadd "$grp" &&
	fn_retry useradd -M -U -s /bin/sh "$uo" &&
	fn_retry useradd -M -U -G "$grp" -s /bin/sh "$um" &&
	fn_retry useradd -M -U -s /bin/sh "$ux" &&
	id "$uo" && id "$um" && id "$ux" &&
	! id -nG "$uo" | grep -qw "$grp" && ! id -nG "$ux" | grep -qw "$grp"
'

test_expect_setup "the directories, native and backing, in a 0755 directory under /tmp" '
	tmp=$(mktemp -d /tmp/fnaccel-t2009.XXXXXX) &&
	fn_at_exit "rm -rf --one-file-system $tmp" &&
	cp dirops.py "$tmp/" && chmod 644 "$tmp/dirops.py" &&
	mkdir "$tmp/nat" "$tmp/back" "$tmp/mnt" &&
	chmod 755 "$tmp" "$tmp/nat" "$tmp/back" "$tmp/mnt" &&
	(
		for top in "$tmp/nat" "$tmp/back"; do
			for m in $modes; do
				d=$top/m$m
				mkdir "$d" && printf a >"$d/a" && printf b >"$d/b" &&
				chmod 644 "$d/a" "$d/b" && chown -R "$uo:$grp" "$d" &&
				chmod "$m" "$d" || exit 1
			done
		done
	) &&
	test "$(stat -c "%a %U %G" "$tmp/back/m0747")" = "747 $uo $grp"
'

test_expect_success 'natively, each user gets what the mode bits say (one read without search per mode)' '
	for u in $uo $um $ux; do
		as_user $u "$tmp/nat" nat.$u.out &&
		for m in $modes; do
			got=$(result $m nat.$u.out) && want=$(expect $m $u) &&
			[ "$got" = "$want" ] ||
				{ echo "$m as $u: $got, not $want"; exit 1; }
		done
	done'

# compare OPTS: mount the backing tree with -o OPTS, each user lists
# every directory through it; one line for each (mode, user)
compare()
{
	local opts=$1 m u who
	test_expect_setup "mount -o $opts; each user lists the directories" "
		fn_mount \"\$tmp/back\" \"\$tmp/mnt\" $opts && pid=\$FN_MOUNT_PID &&
		test \"\$(fn_fs_stat opt_creds \"\$tmp/mnt\")\" = 1 &&
		listed=0 &&
		for who in \$uo \$um \$ux; do
			as_user \$who \"\$tmp/mnt\" $opts.\$who.out &&
			listed=\$((listed + 1))
		done &&
		test \$listed = 3
	"
	for m in $modes; do
		for u in uo um ux; do
			case $u in
			uo) who=owner ;;
			um) who='group member' ;;
			ux) who=other ;;
			esac
			test_expect_success "-o $opts: $m as $who: as natively" "
				nat=\$(result $m nat.\$$u.out) &&
				mnt=\$(result $m $opts.\$$u.out) &&
				[ -n \"\$nat\" ] && [ \"\$nat\" = \"\$mnt\" ] ||
				{ echo \"native: \$nat\"; echo \"mount:  \$mnt\"; false; }
			"
		done
	done
	test_expect_success "-o $opts: unmount, daemon exits 0" '
		fn_umount "$tmp/mnt" $pid'
}

compare allow_other
# Without default_permissions the kernel checks no search permission on a
# name it has cached: one looked up by the owner a moment before would be
# served to the others too (fnpassfs(1) says so).  cache=never makes
# every name reach the daemon, whose checks are what is tested here.
compare allow_other,no_default_permissions,cache=never

test_done
