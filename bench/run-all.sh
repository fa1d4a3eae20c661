#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# run-all.sh: every benchmark of doc/performance.md, with the guide's
# commands, each table into bench-results/ of the build tree.
#
#	make bench			(builds what they need, runs this)
#	BENCH_SIZE=64M BENCH_RUNS=1 make bench	(a quick look)
#
# Environment: BENCH_SIZE (1G, the big file of every bench), BENCH_RUNS
# (3), BENCH_FILES (10000, the metadata rows), BENCH_RAND_SECONDS (5),
# BENCH_DIR (/var/tmp, where the work directories go), FN_BUILDDIR (the
# build tree, default the current directory), FN_LIBFUSE_DIR (where
# scripts/build-libfuse built libfuse; its prefix/passthrough_hp joins
# fs-bench as a peer when it is there; default FN_BUILDDIR/_libfuse),
# BENCH_TREE_FILES (unset: fs-tree-bench does not run; 1000000 is the
# guide's tree, 7 minutes or more).  Writes fnbench-ext4.md,
# fnbench-xfs.md, fs-bench.md, watch-cost.md and preload-bench.md, and
# fs-tree-bench.md when asked, each opening with the machine and the
# commands.  Runs as root (loop images, FUSE mounts, drop_caches); a
# bench that fails is marked in its file and the others still run; exit
# 1 if any failed.
set -u

srcdir=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${FN_BUILDDIR:-.}" && pwd)
size=${BENCH_SIZE:-1G}
runs=${BENCH_RUNS:-3}
files=${BENCH_FILES:-10000}
rand_seconds=${BENCH_RAND_SECONDS:-5}
bdir=${BENCH_DIR:-/var/tmp}
libfuse=${FN_LIBFUSE_DIR:-$build/_libfuse}
tree_files=${BENCH_TREE_FILES:-}
out=$build/bench-results
fnbench=$build/bench/fnbench
failed=

if [ "$(id -u)" != 0 ]; then
	echo "run-all: the benches mount loop images and FUSE file systems" \
		"and drop the page cache: run as root (sudo make bench)" >&2
	exit 1
fi
bytes=$(numfmt --from=iec "$size" 2>/dev/null) ||
	{ echo "run-all: BENCH_SIZE=$size: not a size" >&2; exit 2; }
case $tree_files in *[!0-9]*)
	echo "run-all: BENCH_TREE_FILES=$tree_files: not a count" >&2; exit 2 ;;
esac
for f in "$fnbench" "$build/fs/fnpassfs"; do
	[ -x "$f" ] || { echo "run-all: $f: not built (make bench)" >&2; exit 1; }
done
mkdir -p "$out"

# fnbench's sizes: the guide's 1M,10M,100M,1G up to BENCH_SIZE, and it
sizes=
for s in 1M 10M 100M 1G; do
	[ "$(numfmt --from=iec $s)" -lt "$bytes" ] && sizes+="$s,"
done
sizes+=$size
mib=$((bytes / 1048576))

machine()
{
	echo "- machine: Linux $(uname -r) $(uname -m), nproc $(nproc)," \
		"$(date -u '+%Y-%m-%d %H:%M UTC')," \
		"load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# run FILE CMD...: append "- command:" and CMD's output to FILE
run()
{
	local f=$1 rc=0
	shift
	# quoted as a shell would need it, so it can be run again
	{ echo; echo "- command: \`$(printf '%q ' "$@" | sed 's/ $//')\`"
	  echo; } >>"$f"
	"$@" >>"$f" || rc=$?
	if [ "$rc" != 0 ]; then
		echo "**FAILED** (exit $rc)" >>"$f"
		echo "run-all: failed (exit $rc): $*" >&2
		failed+=" ${f##*/}"
	fi
}

# start FILE TITLE: a new results file with its machine line
start()
{
	echo "run-all: $2 -> $1" >&2
	{ echo "# $2"; echo; machine; } >"$1"
}

cleanup()
{
	[ -n "${xfs_mnt:-}" ] && mountpoint -q "$xfs_mnt" &&
		{ umount "$xfs_mnt" || umount -l "$xfs_mnt"; }
	[ -n "${tmp:-}" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
tmp=$(mktemp -d "$bdir/fnaccel-bench.XXXXXX")

# fnbench on ext4: the directory BENCH_DIR is in
f=$out/fnbench-ext4.md
start "$f" "fnbench: copy engine on $(findmnt -no FSTYPE -T "$tmp")"
mkdir "$tmp/ext4"
run "$f" "$fnbench" --size "$sizes" --iterations "$runs" --dir "$tmp/ext4"
run "$f" "$fnbench" --size "$size" --sweep-size "$size" \
	--iterations "$runs" --dir "$tmp/ext4"
run "$f" "$fnbench" --size "$size" --sweep-size 0 --iterations "$runs" \
	--cold --dir "$tmp/ext4"

# fnbench on an XFS image with reflinks: room for the sweep's copies
f=$out/fnbench-xfs.md
start "$f" "fnbench: copy engine on XFS with reflinks (loop image)"
xfs_mnt=$tmp/xfs
mkdir "$xfs_mnt"
{ echo; echo "- image: \`truncate -s $((mib * 4 + 1024))M IMG;" \
	"mkfs.xfs -q -m reflink=1 IMG; mount -o loop IMG DIR\`"; } >>"$f"
if truncate -s $((mib * 4 + 1024))M "$tmp/xfs.img" &&
   mkfs.xfs -q -m reflink=1 "$tmp/xfs.img" &&
   mount -o loop "$tmp/xfs.img" "$xfs_mnt"; then
	run "$f" "$fnbench" --size "$sizes" --iterations "$runs" \
		--dir "$xfs_mnt"
	run "$f" "$fnbench" --size "$size" --sweep-size "$size" \
		--iterations "$runs" --dir "$xfs_mnt"
	umount "$xfs_mnt" || umount -l "$xfs_mnt"
else
	echo "**FAILED**: no XFS image" >>"$f"
	failed+=" ${f##*/}"
fi
rm -f "$tmp/xfs.img"

# fs-bench: fnpassfs with and without kernel passthrough, passthrough_hp
# likewise where it was built, on a journaled ext4 image with room for
# the big file and a copy, and for the tree rows' tree, its git pack and
# a copy per variant (about 340M each at the default 20000 files)
f=$out/fs-bench.md
start "$f" "fs-bench: fnpassfs against native and passthrough_hp"
args=(--dir "$bdir" --size "$size" --runs "$runs" --files "$files"
	--rand-seconds "$rand_seconds" --ext4 "$((mib * 2 + 3072))M" --ops)
if "$build/fs/fnpassfs" --version | grep -q '^kernel passthrough: yes'; then
	args+=(--name fnpassfs-pt
		--peer "fnpassfs-nopt=$build/fs/fnpassfs -o passthrough=never")
fi
hp=$libfuse/prefix/passthrough_hp
if [ -x "$hp" ]; then
	args+=(--peer "hp-pt=$hp" --peer "hp-nopt=$hp --nopassthrough")
	# passthrough_hp keeps a descriptor for every inode the kernel knows
	# and raises its limit only to the hard one: the tree rows' tree and
	# its copy, some 2.4 names a file, must fit (a container may have
	# 20000 that root cannot raise: 7000 files)
	lim=$(ulimit -Hn)
	if [ "$lim" != unlimited ] && [ $((lim * 10 / 26)) -lt 20000 ]; then
		n=$((lim * 10 / 26 / 1000 * 1000))
		echo "run-all: descriptor limit $lim: the tree rows on $n files" \
			"(passthrough_hp)" >&2
		args+=(--tree-files "$n")
		[ "$n" = 0 ] || args+=(--tree-dirs $((n / 10)))
	fi
else
	echo "run-all: no $hp (scripts/build-libfuse): no passthrough_hp" >&2
fi
run "$f" env FN_BUILDDIR="$build" "$srcdir/bench/fs-bench.sh" "${args[@]}"

# watch-cost: what cache=watch costs work beside the mount
f=$out/watch-cost.md
start "$f" "watch-cost: work beside a cache=watch mount"
run "$f" env FN_BUILDDIR="$build" "$srcdir/bench/watch-cost.sh" \
	--dir "$bdir" --size "$size" --files "$files" --runs "$runs"

# preload-bench: programs with and without libfnaccel.so, on ext4, XFS
# with and without reflinks, fnpassfs and bindfs (over ext4)
f=$out/preload-bench.md
start "$f" "preload-bench: programs with and without libfnaccel.so"
run "$f" env TMPDIR="$tmp" \
	FNACCEL_LIBRARY="$build/preload/.libs/libfnaccel.so" \
	FNPASSFS="$build/fs/fnpassfs" \
	"$srcdir/bench/preload-bench.sh" --size "$size" --runs "$runs"

# fs-tree-bench, when asked: a tree of BENCH_TREE_FILES files, 1000 a
# directory, the copy a tenth of it, under the daemon's own descriptor
# limit and 1024, on ext4 and XFS images
if [ -n "$tree_files" ] && [ "$tree_files" != 0 ]; then
	f=$out/fs-tree-bench.md
	start "$f" "fs-tree-bench: fnpassfs over $tree_files files"
	tree_dirs=$((tree_files / 1000))
	[ "$tree_dirs" -gt 0 ] || tree_dirs=1
	tree_sub=$((tree_files / 10000))
	[ "$tree_sub" -gt 0 ] || tree_sub=1
	run "$f" env FN_BUILDDIR="$build" "$srcdir/bench/fs-tree-bench.sh" \
		--dir "$bdir" --files "$tree_files" --dirs "$tree_dirs" \
		--subtree "$tree_sub" --df-size "$size"
else
	echo "run-all: fs-tree-bench skipped (BENCH_TREE_FILES=1000000 runs" \
		"it, 7 minutes or more)" >&2
fi

if [ -n "$failed" ]; then
	echo "run-all: failed:$failed (see $out)" >&2
	exit 1
fi
echo "run-all: tables in $out" >&2
