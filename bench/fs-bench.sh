#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# fs-bench.sh: fnpassfs against the native directory it serves, in one run.
#
#	bench/fs-bench.sh [--dir DIR] [--ext4 SIZE] [--size 1G] [--runs 3]
#		[--files 10000] [--rand-seconds 10] [--tree-files 20000]
#		[--tree-dirs 2000] [--tree-size SIZE] [--grep WORD]
#		[--name NAME] [--opts MOUNTOPTS] [--peer NAME=CMD]... [--ops]
#
# Every row runs on the same backing directory, natively and through each
# mount, interleaved (native, mount, native, mount ...), and reports the
# median of --runs repetitions with the min-max beside it and the ratio to
# native (higher is better: native time / mount time, or mount rate /
# native rate).  fnpassfs, mounted with --opts, is called --name in the
# table (default fnpassfs).  --peer adds another FUSE passthrough to
# compare with, as NAME=COMMAND where COMMAND is run as "COMMAND SOURCE
# MOUNTPOINT" and must mount in the background (e.g.
# "hp=_libfuse/prefix/passthrough_hp", "mfs=mergerfs -o
# minfreespace=0", "nordp=fs/fnpassfs -o readdirplus=no").  The work
# directory is made in DIR (default /var/tmp).  --ext4 SIZE backs every
# variant with a journaled ext4 loop image of SIZE (a sparse file in the
# work directory, mounted there, removed at exit) instead of DIR's file
# system.  The "tree:" rows work on a tree like a source checkout, made
# once natively: --tree-files files (0: no tree rows) in --tree-dirs
# directories, --tree-size in all (default 8K a file), a Makefile and a
# git repository; each command warm and just after a remount, checked
# against what it gives natively (counts, sums, a clean git status, an
# identical copy); cp -a, rsync -a and rm -rf work on a copy of the tree
# each variant has beside it.  The files column says how many files a
# row goes over.  --ops adds a second table: the requests each variant's
# daemon answered in the timed part of each row, read from its /.stats
# (variants without one show "-"), and per file.  Reads, writes and
# random reads use fio (scripts/install-deps).  --grep runs only the
# rows whose name has WORD ("tree": the tree rows).  Run as root from
# the top of a built tree (FN_BUILDDIR: another build tree).  Prints
# Markdown tables.
set -euo pipefail
# the rows run in command substitutions: without this a command failing
# inside one would be timed as if it had worked
shopt -s inherit_errexit
# the same messages and number formats for every variant and run
export LC_ALL=C
# the tree rows' make and git are not to take the flags (or the
# jobserver) of a make that runs us, nor a repository of the caller
unset MAKEFLAGS MFLAGS GNUMAKEFLAGS MAKELEVEL MAKEFILES
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY

top=$(cd "$(dirname "$0")/.." && pwd)
build=${FN_BUILDDIR:-$top}
dir=
ext4_size=
size=1G
runs=3
files=10000
rand_seconds=10
tree_files=20000
tree_dirs=2000
tree_size=
grep_pat=
opts=
name=fnpassfs
ops=
peers=()

usage()
{
	# the comment above, to the first line of code
	sed -n '4,/^[^#]/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'
}

# bad MESSAGE: a usage error, exit 2
bad() { echo "fs-bench: $*" >&2; exit 2; }

# count_arg OPTION VALUE MIN: VALUE is a whole number, MIN or more
count_arg()
{
	case $2 in ''|*[!0-9]*) bad "--$1=$2: not a count" ;; esac
	[ "$2" -ge "$3" ] || bad "--$1=$2: not a count (at least $3)"
}

# size_arg OPTION VALUE: VALUE (1G, 64M ...) in bytes
size_arg()
{
	numfmt --from=iec "$2" 2>/dev/null || bad "--$1=$2: not a size"
}

while [ $# -gt 0 ]; do
	case $1 in
	--dir) dir=$2; shift ;;
	--ext4) ext4_size=$2; shift ;;
	--size) size=$2; shift ;;
	--runs) runs=$2; shift ;;
	--files) files=$2; shift ;;
	--rand-seconds) rand_seconds=$2; shift ;;
	--tree-files) tree_files=$2; shift ;;
	--tree-dirs) tree_dirs=$2; shift ;;
	--tree-size) tree_size=$2; shift ;;
	--grep) grep_pat=$2; shift ;;
	--opts) opts=$2; shift ;;
	--name) name=$2; shift ;;
	--peer) peers+=("$2"); shift ;;
	--ops) ops=1 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "fs-bench: $1: unknown option" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
count_arg runs "$runs" 1
count_arg files "$files" 1
count_arg tree-files "$tree_files" 0
count_arg tree-dirs "$tree_dirs" 1
bytes=$(size_arg size "$size")
# the tree's file sizes add up to --tree-size, by default 8 KiB a file
tree_bytes=$(size_arg tree-size "${tree_size:-$((tree_files * 8))K}")

# Rows: each prints one number for variant V: seconds (lower is better)
# or a rate (MB/s, IOPS: higher is better), said by the row's unit.  A
# row that works on many files says how many (row_files), for figures
# per file.
row_units=()
row_names=()
declare -A results row_files

# add_row NAME UNIT [FILES]
add_row()
{
	row_names+=("$1")
	row_units+=("$2")
	[ -z "${3:-}" ] || row_files[$((${#row_names[@]} - 1))]=$3
}
add_row "sequential read, backing warm, FUSE cache cold (1 MiB)" MB/s
add_row "sequential read, caches warm (1 MiB)" MB/s
add_row "4 KiB random read (${rand_seconds}s)" IOPS
add_row "sequential write, no fsync (1 MiB)" MB/s
add_row "sequential write + fsync (1 MiB)" MB/s
add_row "cp of $size inside the mount" s
add_row "dd bs=128k of $size inside the mount" s
add_row "create $files files" s "$files"
add_row "ls -lU of $files files, warm" s "$files"
add_row "ls -lU of $files files, FUSE cache cold" s "$files"
add_row "rm of $files files (unlink)" s "$files"
# the round trip: a request no cache answers, the same file every time
add_row "getxattr of a missing attribute, $files calls" s "$files"

# Rows on a tree like a source checkout (make_tree), in pairs: warm (what
# the row reads was read through the mount just before) and FUSE cold
# (just after a remount).  row_tree[ROW] is KIND:warm or KIND:cold, KIND
# what tree_run runs; their files are counted once the tree is made.
declare -A row_tree tree_count tree_expect

# add_tree_rows KIND WHAT: the warm and the cold row of KIND
add_tree_rows()
{
	add_row "tree: $2, warm" s
	row_tree[$((${#row_names[@]} - 1))]=$1:warm
	add_row "tree: $2, FUSE cache cold" s
	row_tree[$((${#row_names[@]} - 1))]=$1:cold
}
if [ "$tree_files" -gt 0 ]; then
	add_tree_rows ls-l "ls -l of its largest directory"
	add_tree_rows ls-lR "ls -lR"
	add_tree_rows find "find -type f"
	add_tree_rows find-ls "find -ls"
	add_tree_rows du "du -s"
	add_tree_rows stat "stat of every file"
	add_tree_rows git "git status"
	add_tree_rows make "make, nothing to do"
	add_tree_rows tar "tar c"
	add_tree_rows cp "cp -a inside the mount"
	add_tree_rows rsync "rsync -a to an identical copy"
	add_tree_rows rm "rm -rf of a copy"
fi

# selected ROW: --grep lets ROW run
selected()
{
	[ -z "$grep_pat" ] || [[ ${row_names[$1]} == *"$grep_pat"* ]]
}

# what the selected rows need: the big file (the rows reading it), the
# tree
need_big=
need_tree=
for i in "${!row_names[@]}"; do
	selected "$i" || continue
	case $i in [0-2]|5|6) need_big=1 ;; esac
	[ -z "${row_tree[$i]:-}" ] || need_tree=1
done

# the variants: native, fnpassfs, the peers
nvariants=$((${#peers[@]} + 2))
if [ -n "$ext4_size" ]; then
	ext4_bytes=$(size_arg ext4 "$ext4_size")
	# the big file and one copy of it at a time, metadata, the journal;
	# the tree, its git pack (its text packs to about half) and a copy
	# of both per variant, every file, stamp and directory a block at
	# worst
	names=0
	[ -z "$need_tree" ] || names=$(( (tree_files + tree_dirs * 2) * 11 / 10 ))
	need=$((bytes * 2 + 64 * 1048576))
	[ -z "$need_tree" ] || need=$((need + (tree_bytes * 3 / 2 +
		names * 4096) * (nvariants + 1)))
	if [ "$ext4_bytes" -lt "$need" ]; then
		what="twice --size=$size and 64M"
		[ -z "$need_tree" ] ||
			what+=", the tree and a copy of it per variant"
		bad "--ext4=$ext4_size: too small: at least" \
			"$(numfmt --to=iec "$need") ($what)"
	fi
	# inodes: the tree and its copies, each variant's --files; mkfs.ext4
	# makes one per 16 KiB
	inodes=$((names * (nvariants + 1) + files * nvariants + 16384))
	[ "$inodes" -gt $((ext4_bytes / 16384)) ] || inodes=
fi
[ -z "$need_tree" ] || tree_cmds="git make rsync tar"
for c in fio python3 ${ext4_size:+mkfs.ext4} ${tree_cmds:-}; do
	command -v $c >/dev/null ||
		{ echo "fs-bench: $c missing: run scripts/install-deps" >&2; exit 1; }
done
fnpassfs=$build/fs/fnpassfs
[ -x "$fnpassfs" ] || { echo "fs-bench: $fnpassfs not built" >&2; exit 1; }
[ -z "$ext4_size" ] || [ "$(id -u)" = 0 ] ||
	{ echo "fs-bench: --ext4 needs root (a loop mount)" >&2; exit 1; }

# absolute: the tree rows run inside the tree
work=$(mktemp -d "$(realpath "${dir:-/var/tmp}")/fs-bench.XXXXXX")
backing=$work
ops_dir=$work/ops
declare -A mnt_of mount_cmd has_stats
variants=(native "$name")
mount_cmd[$name]="$fnpassfs ${opts:+-o $opts}"
for p in "${peers[@]}"; do
	variants+=("${p%%=*}")
	mount_cmd[${p%%=*}]=${p#*=}
done

# Unmounts the FUSE mounts, then the ext4 image (its daemons may still be
# closing backing files for a moment after fusermount3 returns), then
# removes the work directory: on every exit path
cleanup()
{
	local v i
	set +e	# undo all that can be undone
	for v in "${variants[@]}"; do
		[ "$v" = native ] && continue
		if mountpoint -q "$work/mnt-$v" 2>/dev/null; then
			fusermount3 -u "$work/mnt-$v" 2>/dev/null ||
				fusermount3 -uz "$work/mnt-$v"
		fi
	done
	if mountpoint -q "$work/ext4" 2>/dev/null; then
		for i in $(seq 50); do
			umount "$work/ext4" 2>/dev/null && break
			sleep 0.1
		done
		mountpoint -q "$work/ext4" && umount -l "$work/ext4"
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "$ext4_size" ]; then
	truncate -s "$ext4_size" "$work/ext4.img"
	# no lazy inode-table and journal init: its background zeroing
	# would slow whichever variant writes first
	mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 \
		${inodes:+-N "$inodes"} "$work/ext4.img"
	mkdir "$work/ext4"
	mount -o loop "$work/ext4.img" "$work/ext4"
	backing=$work/ext4
fi
src=$backing/src
mkdir -p "$src" "$ops_dir"

# describe_backing DIR: its file system type, and for ext4 whether it has
# a journal (jbd2 lists the devices whose journal it runs).  An ext4
# without one skips recently deleted inodes when it allocates
# (recently_deleted() in the kernel's fs/ext4/ialloc.c), so creating files
# right after removing others is slower there than where users run.
describe_backing()
{
	local fstype dev desc
	fstype=$(findmnt -no FSTYPE -T "$1")
	if [ -n "$ext4_size" ]; then
		desc="$fstype loop image of $ext4_size"
	else
		desc="$fstype directory $1"
	fi
	if [ "$fstype" = ext4 ]; then
		dev=$(findmnt -no MAJ:MIN -T "$1" | tr -d ' ')
		dev=$(readlink "/sys/dev/block/$dev")
		if compgen -G "/proc/fs/jbd2/${dev##*/}-*" >/dev/null; then
			desc+=", journal"
		else
			desc+=", no journal"
		fi
	fi
	echo "$desc"
}

# mount_variant V: (re)mount V over $src; its directory is ${mnt_of[V]}
mount_variant()
{
	local v=$1 m=$work/mnt-$1 i
	mnt_of[$v]=$m
	mkdir -p "$m"
	# shellcheck disable=SC2086
	${mount_cmd[$v]} "$src" "$m" ||
		{ echo "fs-bench: $v: its mount command failed" >&2; exit 1; }
	for i in $(seq 100); do
		mountpoint -q "$m" && return 0
		sleep 0.1
	done
	echo "fs-bench: $v did not mount" >&2
	exit 1
}

umount_variant()
{
	local m=$work/mnt-$1 i
	fusermount3 -u "$m"
	# the daemon may still be closing files; wait until it is gone
	for i in $(seq 100); do
		mountpoint -q "$m" || return 0
		sleep 0.1
	done
}

# fuse_cold V: V's kernel caches empty, the backing's still warm: a new
# mount knows no name and holds no page (native stays as it is)
fuse_cold()
{
	[ "$1" = native ] && return 0
	umount_variant "$1"
	mount_variant "$1"
}

# root_of V: the directory where V's rows work
root_of()
{
	if [ "$1" = native ]; then echo "$src"; else echo "${mnt_of[$1]}"; fi
}

# die MESSAGE: stop the run (the EXIT trap undoes the mounts)
die() { echo "fs-bench: $*" >&2; exit 1; }

# time_cmd [-o FILE] CMD...: seconds the command took (no process
# started for the clock: a fork is a millisecond, a row can be a few);
# its output goes to FILE (default none); a command that fails stops the
# run with its error output
time_cmd()
{
	local t0 t1 rc=0 out=/dev/null
	if [ "$1" = -o ]; then
		out=$2
		shift 2
	fi
	t0=$EPOCHREALTIME
	"$@" >"$out" 2>"$work/stderr" || rc=$?
	t1=$EPOCHREALTIME
	if [ "$rc" != 0 ]; then
		sed 's/^/fs-bench: /' "$work/stderr" >&2
		die "$*: exit $rc"
	fi
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
}

# fio_rate FILE RW BS [fio options]: MB/s (fio's bandwidth)
fio_rate()
{
	local f=$1 rw=$2 bs=$3
	shift 3
	# --invalidate=0: fio would drop the file's page cache before each
	# job, natively only (a FUSE file's cache is the mount's)
	fio --name=fsbench --filename="$f" --rw="$rw" --bs="$bs" \
		--size="$size" --ioengine=psync --invalidate=0 \
		--output-format=json "$@" |
	python3 -c 'import json,sys
j = json.load(sys.stdin)["jobs"][0]
rw = "write" if j["write"]["bw_bytes"] > 0 else "read"
print("%.1f" % (j[rw]["bw_bytes"] / 1e6))'
}

# Request counts (--ops).  /.stats has a "fs_<op>_ops N" line per FUSE
# request type; writing "reset" to it zeroes them.  The reset's own
# release and the read's lookup and open land in the counts: ops_base
# measures them once per variant (a reset and a read with nothing
# between) and the table subtracts them.

# ops_read V: "op count" of V's daemon, and "op@ns N": the nanoseconds
# it spent answering them (fs_<op>_ns, where the daemon has them)
ops_read()
{
	sed -n 's/^fs_\(.*\)_ops \([0-9]*\)$/\1 \2/p
		s/^fs_\(.*\)_ns \([0-9]*\)$/\1@ns \2/p' "${mnt_of[$1]}/.stats"
}

# ops_begin V: zero V's counters (nothing without --ops or /.stats)
ops_begin()
{
	[ -n "$ops" ] && [ -n "${has_stats[$1]:-}" ] || return 0
	echo reset >"${mnt_of[$1]}/.stats"
}

# ops_end V ROW RUN: V's counts since ops_begin into $ops_dir/ROW.V.RUN
ops_end()
{
	[ -n "$ops" ] && [ -n "${has_stats[$1]:-}" ] || return 0
	ops_read "$1" >"$ops_dir/$2.$1.$3"
}

# ops_base V: what a reset and a read cost, into $ops_dir/base.V
ops_base()
{
	local i
	for i in 1 2; do
		echo reset >"${mnt_of[$1]}/.stats"
		ops_read "$1" >"$ops_dir/base.$1"
	done
}

# tgit ARGS: git as make_tree and the git row run it: no user or system
# configuration (it could turn on an fsmonitor or an untracked cache), no
# automatic gc, fast compression for the one-time commit
tgit()
{
	GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git \
		-c user.name=fs-bench -c user.email=fs-bench@example.invalid \
		-c init.defaultBranch=main -c gc.auto=0 -c maintenance.auto=0 \
		-c core.looseCompression=1 -c pack.compression=1 "$@"
}

# make_tree: the tree of the tree rows, natively in $src/tree, the same
# for the same options (a seeded generator, fixed times): --tree-files
# files of text in --tree-dirs directories, a few of them holding many;
# the sizes of a source tree (by default half under 2.5 KiB, one in ten
# over 12 KiB, one in a thousand 1 to 6 MiB, one in a hundred empty:
# scaled to --tree-size); a symlink per 200 files; a Makefile with a
# target per directory that depends on its files, all up to date; a git
# repository with one commit of it all, packed as a clone is.  Counts
# what each row goes over and what each gives natively.
make_tree()
{
	local t=$src/tree out k i
	mkdir "$t"
	out=$(python3 -c 'import os, random, sys
root, nfiles, ndirs, total = sys.argv[1], *map(int, sys.argv[2:5])
rng = random.Random(1)
t0 = 1704067200		# 2024-01-01: older than the index and the stamps
syl = "ar bo ci de fu ga hi jo ka lu me no pi ra su te vi xo ze".split()
exts = [".c"] * 8 + [".h"] * 5 + [".py", ".py", ".md", ".txt", ".json",
	".S", ".sh"]
def word():
    return "".join(rng.choice(syl) for _ in range(rng.randint(1, 3)))
# each directory under an earlier one, a level down 0.6 times as likely:
# most 3 to 5 deep, a few 7, as in a kernel tree
dirs, depth, cum = [""], [0], [1.0]
for i in range(1, ndirs):
    p = rng.choices(range(i), cum_weights=cum)[0]
    dirs.append(os.path.join(dirs[p], "%s%d" % (word(), i)))
    depth.append(depth[p] + 1)
    cum.append(cum[-1] + 0.6 ** depth[-1])
    os.mkdir(os.path.join(root, dirs[-1]))
weights = [rng.lognormvariate(0, 1.5) for _ in dirs]
sizes = []
for i in range(nfiles):
    x = rng.random()
    if x < 0.001:
        sizes.append(rng.randint(1 << 20, 6 << 20))
    elif x < 0.011:
        sizes.append(0)
    else:
        sizes.append(min(int(rng.lognormvariate(7.8, 1.3)), 1 << 20))
scale = total / max(sum(sizes), 1)
words = " ".join(word() for _ in range(200000)).encode()
text = b"\n".join(words[i:i + 72] for i in range(0, len(words), 72))
per_dir = {}
for i, d in enumerate(rng.choices(dirs, weights=weights, k=nfiles)):
    ext = rng.choice(exts)
    name = "%s%d%s" % (word(), i, ext)
    path = os.path.join(root, d, name)
    n = int(sizes[i] * scale)
    off = rng.randrange(len(text))
    with open(path, "wb") as f:
        while n > 0:
            n -= f.write(text[off:off + n])
            off = 0
    os.chmod(path, 0o755 if ext == ".sh" else 0o644)
    os.utime(path, (t0, t0))
    per_dir.setdefault(d, []).append(name)
for i in range(nfiles // 200):
    d = rng.choice(list(per_dir))
    path = os.path.join(root, d, "ln%d" % i)
    os.symlink(rng.choice(per_dir[d]), path)
    os.utime(path, (t0, t0), follow_symlinks=False)
stamps = sorted(os.path.join(d, "built.stamp") for d in per_dir)
with open(os.path.join(root, "Makefile"), "w") as f:
    f.write("# fs-bench: every target is up to date\n"
            "# only the rules here: no built-in ones to try on each file\n"
            "MAKEFLAGS += -rR\n.PHONY: all\nall:")
    f.write("".join(" \\\n\t" + s for s in stamps) + "\n")
    for d, names in sorted(per_dir.items()):
        f.write("\n%s:" % os.path.join(d, "built.stamp"))
        f.write("".join(" \\\n\t" + os.path.join(d, n) for n in names))
        f.write("\n\ttouch $@\n")
for s in stamps:
    open(os.path.join(root, s), "w").close()
    os.utime(os.path.join(root, s), (t0 + 3600, t0 + 3600))
with open(os.path.join(root, ".gitignore"), "w") as f:
    f.write("built.stamp\n")
for s in ("Makefile", ".gitignore"):
    os.utime(os.path.join(root, s), (t0, t0))
big = max(per_dir, key=lambda d: len(per_dir[d]))
print(big or ".", nfiles + len(stamps), sum(int(s * scale) for s in sizes))' \
		"$t" "$tree_files" "$tree_dirs" "$tree_bytes")
	read -r tree_bigdir tree_count[make] tree_sum <<<"$out"
	tgit -C "$t" init -q
	tgit -C "$t" add -A
	GIT_AUTHOR_DATE=@1704067200 GIT_COMMITTER_DATE=@1704067200 \
		tgit -C "$t" commit -q -m "fs-bench tree"
	# one pack, as a clone has, not a loose object per file
	tgit -C "$t" repack -a -d -q --window=0
	tgit -C "$t" prune-packed
	# the git row's index is each variant's own (tree_setup)
	cp "$t/.git/index" "$src/git-index.native"
	(cd "$t" && find . -type f) >"$work/tree-files"
	tree_count[stat]=$(wc -l <"$work/tree-files")
	tree_count[git]=$(tgit -C "$t" ls-files | wc -l)
	tree_count[ls-l]=$(ls -A "$t/$tree_bigdir" | wc -l)
	tree_names=$(find "$t" -mindepth 1 | wc -l)
	for k in ls-lR find find-ls du tar cp rsync rm; do
		tree_count[$k]=$tree_names
	done
	for i in "${!row_tree[@]}"; do
		row_files[$i]=${tree_count[${row_tree[$i]%:*}]}
	done
	# what the read-only rows give natively, the figure every variant
	# must give; the copy rows print nothing, rsync no change
	for k in ls-l ls-lR find find-ls du stat git make tar; do
		tree_expect[$k]=$(cd "$t" && tree_run "$k" native "$src") ||
			die "the tree's $k fails natively"
	done
	tree_expect[cp]=
	tree_expect[rsync]=0
	tree_expect[rm]=
	[ -z "${tree_expect[git]}" ] ||
		die "the tree is not clean for git status: ${tree_expect[git]}"
	[[ ${tree_expect[make]} == *"Nothing to be done"* ]] ||
		die "make in the tree is not up to date: ${tree_expect[make]}"
}

# tree_setup V: V's own index of the tree, refreshed through V: git keeps
# the inode numbers and times it saw, which differ between mounts, so an
# index shared by the variants would be rewritten by each
tree_setup()
{
	local d out
	d=$(root_of "$1")
	cp "$src/git-index.native" "$src/git-index.$1"
	out=$(cd "$d/tree" && tree_run git "$1" "$d") ||
		die "$1: git status through the mount failed"
	[ -z "$out" ] || die "$1: git status through the mount: the tree" \
		"is not clean: $(head -3 <<<"$out")"
}

# tree_run KIND V DIR: tree row KIND's command in V's tree (the current
# directory; DIR is V's root), printing a short result to check
tree_run()
{
	case $1 in
	ls-l)	ls -l "$tree_bigdir" | wc -l ;;
	ls-lR)	ls -lR | wc -l ;;
	find)	find . -type f | wc -l ;;
	find-ls) find . -ls | wc -l ;;
	du)	du -s . ;;
	stat)	xargs -d '\n' -a "$work/tree-files" stat -c %s -- |
			awk '{ n++; s += $1 } END { print n, s }' ;;
	git)	GIT_INDEX_FILE=$3/git-index.$2 tgit status --porcelain ;;
	make)	make ;;
	tar)	tar -cf - . | wc -c ;;
	cp)	cp -a . "$3/copy-$2" ;;
	rsync)	rsync -a -i ./ "$3/copy-$2/" | wc -l ;;
	rm)	rm -rf "$3/copy-$2" ;;
	esac
}

# tree_check ROW V: what the row printed (in $work/result) is what its
# command gives natively; V's copy is the tree's twin after cp, gone
# after rm
tree_check()
{
	local kind=${row_tree[$1]%:*} v=$2 got diff
	got=$(cat "$work/result")
	[ "$got" = "${tree_expect[$kind]}" ] ||
		die "$v: ${row_names[$1]}: \"$got\", natively" \
			"\"${tree_expect[$kind]}\""
	case $kind in
	cp)	# written back (a writeback cache may hold some), then
		# compared natively: contents, modes, times, links
		sync
		diff=$(rsync -anci --delete "$src/tree/" "$src/copy-$v/")
		[ -z "$diff" ] ||
			die "$v: cp -a: the copy differs:" "$(head -5 <<<"$diff")" ;;
	rm)	[ ! -e "$src/copy-$v" ] || die "$v: rm -rf left copy-$v" ;;
	esac
}

# tree_row ROW V RUN: one run of a tree row.  cp, rsync and rm work on
# V's own copy of the tree, beside it: copy-V
tree_row()
{
	local i=$1 v=$2 r=$3 kind=${row_tree[$1]%:*} d c=copy-$2
	d=$(root_of "$v")
	if [ "${row_tree[$i]#*:}" = warm ]; then
		# what the row reads, read through the mount just before
		cd "$d/tree"
		case $kind in
		cp)	rm -rf "${d:?}/$c"
			tree_run tar "$v" "$d" >/dev/null ;;
		rm)	[ -d "$d/$c" ] || cp -a . "$d/$c"
			find "$d/$c" >/dev/null ;;
		rsync)	[ -d "$d/$c" ] || cp -a . "$d/$c"
			tree_run rsync "$v" "$d" >/dev/null ;;
		*)	tree_run "$kind" "$v" "$d" >/dev/null ;;
		esac
	else
		# the copy made or removed natively, then a mount that knows
		# neither it nor the tree
		case $kind in
		cp)	rm -rf "${src:?}/$c" ;;
		rsync|rm) [ -d "$src/$c" ] || cp -a "$src/tree" "$src/$c" ;;
		esac
		fuse_cold "$v"
		cd "$d/tree"
	fi
	# no write-back of an earlier row in the way
	sync
	ops_begin "$v"
	time_cmd -o "$work/result" tree_run "$kind" "$v" "$d"
	ops_end "$v" "$i" "$r"
	# out of the mount: the next cold row unmounts it
	cd /
	tree_check "$i" "$v"
}

# run_row ROW V RUN: one run of one row; only the part between ops_begin
# and ops_end is timed
run_row()
{
	local i=$1 v=$2 r=$3 d n
	if [ -n "${row_tree[$i]:-}" ]; then
		tree_row "$@"
		return 0
	fi
	d=$(root_of "$v")
	case $i in
	0)	# backing warm, FUSE cold: remount, warm the backing file
		fuse_cold "$v"
		cat "$src/big" >/dev/null
		ops_begin "$v"
		fio_rate "$d/big" read 1M ;;
	1)	cat "$d/big" >/dev/null
		ops_begin "$v"
		fio_rate "$d/big" read 1M ;;
	2)	ops_begin "$v"
		fio_rate "$d/big" randread 4k --runtime="$rand_seconds" \
			--time_based | awk -v s=4096 '{ printf "%.0f\n", $1 * 1e6 / s }' ;;
	3|4)	rm -f "$d/w"
		# start from no dirty data: the previous writer's write-back
		# would throttle this one
		sync
		ops_begin "$v"
		if [ "$i" = 3 ]; then
			fio_rate "$d/w" write 1M
		else
			fio_rate "$d/w" write 1M --end_fsync=1
		fi
		ops_end "$v" "$i" "$r"
		rm -f "$d/w" ;;
	5)	rm -f "$d/cp"
		ops_begin "$v"
		time_cmd cp "$d/big" "$d/cp"
		ops_end "$v" "$i" "$r"
		rm -f "$d/cp" ;;
	6)	rm -f "$d/dd"
		ops_begin "$v"
		time_cmd dd if="$d/big" of="$d/dd" bs=128k
		ops_end "$v" "$i" "$r"
		rm -f "$d/dd" ;;
	7)	# each variant its own directory: all share the backing one
		rm -rf "$d/meta-$v"; mkdir "$d/meta-$v"
		ops_begin "$v"
		time_cmd python3 -c 'import os,sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    os.close(os.open("%s/f%d" % (d, i), os.O_CREAT | os.O_WRONLY, 0o644))' \
			"$d/meta-$v" "$files" ;;
	8)	# warm: the same listing once, untimed, just before
		ls -lU "$d/meta-$v" >/dev/null
		ops_begin "$v"
		time_cmd ls -lU "$d/meta-$v" ;;
	9)	# FUSE cold, backing warm: a new mount knows no name
		fuse_cold "$v"
		ops_begin "$v"
		time_cmd ls -lU "$d/meta-$v" ;;
	10)	# what create made, untouched by the other variants
		n=$(ls -U "$src/meta-$v" | wc -l)
		[ "$n" = "$files" ] ||
			{ echo "fs-bench: $v: $n files to rm, not $files" >&2; exit 1; }
		ops_begin "$v"
		time_cmd python3 -c 'import os,sys
d = sys.argv[1]
for n in os.listdir(d):
    os.unlink(os.path.join(d, n))' "$d/meta-$v"
		[ -z "$(ls -A "$src/meta-$v")" ] ||
			{ echo "fs-bench: $v: rm left files" >&2; exit 1; } ;;
	11)	# ENODATA natively and through every passthrough; with
		# xattr=nosys the kernel answers (EOPNOTSUPP) after the first.
		# Timed inside python: its start would be most of the row.
		[ -e "$src/rtt" ] || : >"$src/rtt"
		ops_begin "$v"
		python3 -c 'import errno, os, sys, time
f, n = sys.argv[1], int(sys.argv[2])
t = time.perf_counter()
for i in range(n):
    try:
        os.getxattr(f, "user.fnaccel-none")
        sys.exit("user.fnaccel-none is there")
    except OSError as e:
        if e.errno not in (errno.ENODATA, errno.EOPNOTSUPP):
            raise
print("%.4g" % (time.perf_counter() - t))' "$d/rtt" "$files" ;;
	esac
	case $i in
	[0-2]|[7-9]|1[01]) ops_end "$v" "$i" "$r" ;;
	esac
}

# The file every data row reads: written once, natively
if [ -n "$need_big" ]; then
	head -c "$size" /dev/urandom >"$src/big" 2>/dev/null ||
		fio --name=mk --filename="$src/big" --rw=write --bs=1M \
			--size="$size" --output-format=terse >/dev/null
fi
[ -z "$need_tree" ] || make_tree
sync
for v in "${variants[@]}"; do
	[ "$v" = native ] && continue
	mount_variant "$v"
	# a lookup of a name that is not in the backing directory
	if [ -n "$ops" ] && [ ! -e "$src/.stats" ] &&
	   [ -f "${mnt_of[$v]}/.stats" ]; then
		has_stats[$v]=1
		ops_base "$v"
	fi
	[ -z "$need_tree" ] || tree_setup "$v"
done

for ((r = 0; r < runs; r++)); do
	for i in "${!row_names[@]}"; do
		selected "$i" || continue
		# alternate which variant goes first, so neither is always cold
		order=("${variants[@]}")
		((r % 2)) && order=($(printf '%s\n' "${variants[@]}" | tac))
		for v in "${order[@]}"; do
			results[$i,$v]+="$(run_row "$i" "$v" "$r") "
		done
	done
done

# median and min-max of a list of numbers, to 3 significant digits
# (whole numbers from 1000 on: no exponents in the table)
stats()
{
	tr ' ' '\n' | sed '/^$/d' | sort -g | awk '
	function f(x) { return x >= 1000 ? sprintf("%.0f", x) : sprintf("%.3g", x) }
	{ v[NR] = $1 }
	END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%s %s-%s\n", f(m), f(v[1]), f(v[NR])
	}'
}

echo "# fnpassfs vs native: $(uname -r), $(nproc) cores," \
	"backing $(describe_backing "$src"), $size files, $runs runs," \
	"$(date -u +%Y-%m-%d)"
echo "# mount options: ${opts:-defaults}; ratio = speed relative to native" \
	"(higher is better); files = what the row goes over"
if [ -n "$need_tree" ]; then
	echo "# tree: $tree_files files ($(numfmt --to=iec "$tree_sum")) in" \
		"$tree_dirs directories, a symlink per 200 files, a Makefile," \
		"git: $tree_names names; largest directory" \
		"$tree_bigdir (${tree_count[ls-l]} names)"
fi
echo
header="| row | unit | files | native median (min-max)"
sep="|---|---|---|---"
for v in "${variants[@]:1}"; do
	header+=" | $v median (min-max) | $v ratio"
	sep+="|---|---"
done
echo "$header |"
echo "$sep|"
for i in "${!row_names[@]}"; do
	[ -n "${results[$i,native]:-}" ] || continue
	read -r nmed nrange <<<"$(echo "${results[$i,native]}" | stats)"
	line="| ${row_names[$i]} | ${row_units[$i]} | ${row_files[$i]:--}"
	line+=" | $nmed ($nrange)"
	for v in "${variants[@]:1}"; do
		read -r med range <<<"$(echo "${results[$i,$v]}" | stats)"
		if [ "${row_units[$i]}" = s ]; then
			ratio=$(awk -v a="$nmed" -v b="$med" 'BEGIN { printf "%.2f", a / b }')
		else
			ratio=$(awk -v a="$med" -v b="$nmed" 'BEGIN { printf "%.2f", a / b }')
		fi
		line+=" | $med ($range) | ${ratio}x"
	done
	echo "$line |"
done

[ -n "$ops" ] || exit 0

# ops_cell ROW V: "op N, op N ..." of V in ROW, the median over the runs
# less the base, most frequent first; "none" if all are 0; "-" without
# /.stats; for a row of many files first their sum per file
ops_cell()
{
	local i=$1 v=$2 f n=0
	if [ -z "${has_stats[$v]:-}" ]; then
		echo -
		return 0
	fi
	for f in "$ops_dir/$i.$v".*; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		sed "s/^/$n /" "$f"
	done | awk -v basefile="$ops_dir/base.$v" '
	BEGIN {
		while ((getline l < basefile) > 0) {
			split(l, a, " ")
			base[a[1]] = a[2]
		}
	}
	{ c[$2, $1] = $3; keys[$2] = 1; runs = $1 }
	END {
		for (k in keys) {
			for (r = 1; r <= runs; r++) {
				x = c[k, r] - base[k]
				v[r] = x > 0 ? x : 0
			}
			# insertion sort: a handful of runs
			for (r = 2; r <= runs; r++)
				for (s = r; s > 1 && v[s - 1] > v[s]; s--) {
					t = v[s]; v[s] = v[s - 1]; v[s - 1] = t
				}
			m = runs % 2 ? v[(runs + 1) / 2] : \
				(v[runs / 2] + v[runs / 2 + 1]) / 2
			if (m > 0)
				printf "%g %s\n", m, k
		}
	}' | sort -k1,1gr -k2,2 |
	awk -v files="${row_files[$i]:-}" '
	$2 ~ /@ns$/ { ns += $1; next }
	{ list = list (n++ ? ", " : "") $2 " " $1; total += $1 }
	END {
		if (files != "")
			printf "%.2f per file: ", total / files
		if (n && ns > 0)
			printf "daemon %.1f us a request: ", ns / total / 1000
		print n ? list : "none"
	}'
}

base_desc=none
for v in "${variants[@]:1}"; do
	if [ -n "${has_stats[$v]:-}" ]; then
		base_desc=$(awk '$1 !~ /@ns$/ && $2 > 0 {
			printf "%s%s %s", (n++ ? ", " : ""),
			$1, $2 } END { if (!n) printf "none" }' "$ops_dir/base.$v")
		break
	fi
done
echo
echo "# daemon requests per row: FUSE requests answered in the timed part," \
	"median of $runs runs, from /.stats, less what resetting and reading" \
	"/.stats costs ($base_desc); - = no /.stats; per file = all of" \
	"them over the row's files; daemon us a request = the daemon's own" \
	"time per request, from handing it to its handler to the reply" \
	"written (fs_<op>_ns)"
echo
header="| row"
sep="|---"
for v in "${variants[@]:1}"; do
	header+=" | $v requests"
	sep+="|---"
done
echo "$header |"
echo "$sep|"
for i in "${!row_names[@]}"; do
	[ -n "${results[$i,native]:-}" ] || continue
	line="| ${row_names[$i]}"
	for v in "${variants[@]:1}"; do
		line+=" | $(ops_cell "$i" "$v")"
	done
	echo "$line |"
done
