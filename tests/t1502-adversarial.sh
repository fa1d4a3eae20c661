#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='preload: adversarial copy loops see what they see without it'
#
# Each mode of tests/helpers/pl-adv runs without and with libfnaccel.so, with
# FNACCEL_FS naming the file system under test so that the library
# attempts substitution; transcripts (stdout), stderr, exit status and
# output files must be equal, and the statistics must show that the
# substitution path was taken or refused for the expected reason.  Runs
# on the build tree (ext4, forced into FNACCEL_FS) and on an XFS reflink
# image (in the default list).

. "$(dirname "$0")/lib/test-lib.sh"
. "$FN_SRCDIR/tests/lib/pl-lib.sh"
fn_require_root
fn_require_cmd xfs_io mkfs.xfs strace nm

ADV=$PL_HELPERS/pl-adv
FORT=$PL_HELPERS/pl-adv-fortify
FS_ALL='FNACCEL_FS=ext4,xfs,tmpfs'
# 32 chunks of 128 KiB and one of 70000 bytes: every write is above
# FNACCEL_MIN_SIZE, so each of the 33 may be substituted
SIZE=$((32 * 131072 + 70000))
NCHUNK=33

test_expect_setup 'file systems and source files' '
	fn_mount_xfs xfs 1G &&
	mkdir ext4 &&
	for d in ext4 xfs; do
		head -c $SIZE /dev/urandom >$d/in &&
		head -c $SIZE /dev/urandom >$d/other &&
		head -c 131072 /dev/urandom >$d/small || return 1
	done &&
	stat -f -c %T ext4 | grep -q ext &&
	stat -f -c %T xfs | grep -q xfs
'

# adv NAME FS ARGS...: pl-adv ARGS (or $PL_PROG ARGS) in FS/w, compared;
# the stats dump in ${PL_CASE}stats
adv()
{
	local name=$1 fs=$2

	shift 2
	pl_case "$name-$fs" "$fn_trash/$fs/w" "$FS_ALL ${PL_ENV:-}" \
		"${PL_PROG:-$ADV} $*"
}

# at_cmp A B: the outputs of "pl-adv at": same size, same bytes in the
# range written (the rest is a hole in both).  Not the data/hole map: on
# XFS the reflinked copy keeps the source's hole where write(2) wrote
# zeros.
AT_OUT=$(((4 << 30) + 12345 * 4096))
at_cmp()
{
	[ "$(stat -c %s "$1")" = "$(stat -c %s "$2")" ] &&
	cmp -i $AT_OUT:$AT_OUT -n 262144 "$1" "$2"
}

for fs in ext4 xfs; do
	I=$fn_trash/$fs/in
	O=$fn_trash/$fs/other

	test_expect_success "$fs: plain read/write loop: every write substituted" "
		adv copy $fs copy $I out &&
		fn_expect_stat preload_write_substituted_ops $NCHUNK \${PL_CASE}stats &&
		fn_expect_stat preload_write_substituted_bytes $SIZE \${PL_CASE}stats &&
		fn_expect_stat preload_verify_failures 0 \${PL_CASE}stats
	"

	# reread (default) samples the buffer before the copy and compares
	# it after: an edit is refused or repaired; hash hashes it all
	test_expect_success "$fs: buffer edited between read and write" "
		adv edit $fs edit $I out &&
		pl_ge \${PL_CASE}stats preload_skip_buffer_changed 1 &&
		pl_sum_is \${PL_CASE}stats 20 preload_skip_buffer_changed \
			preload_verify_failures &&
		fn_expect_stat preload_write_substituted_ops 13 \${PL_CASE}stats
	"

	test_expect_success "$fs: buffer edited, FNACCEL_VERIFY=hash" "
		PL_ENV=FNACCEL_VERIFY=hash adv edithash $fs edit $I out &&
		fn_expect_stat preload_skip_buffer_changed 20 \${PL_CASE}stats &&
		fn_expect_stat preload_write_substituted_ops 13 \${PL_CASE}stats
	"

	for m in srcpwrite srctrunc; do
		test_expect_success "$fs: source changed by $m, FNACCEL_VERIFY=hash" "
			pl_case ${m}hash-$fs $fn_trash/$fs/w \
				'$FS_ALL FNACCEL_VERIFY=hash' \
				'$ADV $m ../victim out' 'cp $I ../victim' &&
			fn_expect_stat preload_skip_src_changed $NCHUNK \${PL_CASE}stats
		"
	done

	# A shared mapping changes the source with no timestamp: the
	# whole-buffer hash cannot see it, only the re-read, which hash
	# does too (it did not once, and wrote bytes the program never wrote)
	test_expect_success "$fs: source changed by srcmmap, FNACCEL_VERIFY=hash" "
		pl_case srcmmaphash-$fs $fn_trash/$fs/w \
			'$FS_ALL FNACCEL_VERIFY=hash' \
			'$ADV srcmmap ../victim out' 'cp $I ../victim' &&
		grep -q '^out: $SIZE bytes, match' \${PL_CASE}out.new &&
		cmp $fn_trash/$fs/w.ref/out $fn_trash/$fs/w/out &&
		pl_sum_is \${PL_CASE}stats $NCHUNK \
			preload_skip_src_changed preload_verify_failures &&
		fn_expect_stat preload_write_substituted_ops 0 \${PL_CASE}stats
	"

	for m in srcpwrite srctrunc srcmmap; do
		test_expect_success "$fs: source changed by $m after the read" "
			pl_case $m-$fs $fn_trash/$fs/w '$FS_ALL' \
				'$ADV $m ../victim out' 'cp $I ../victim' &&
			grep -q 'match' \${PL_CASE}out.new &&
			pl_sum_is \${PL_CASE}stats $NCHUNK \
				preload_skip_src_changed preload_verify_failures
		"
	done

	test_expect_success "$fs: source fd closed or dup2ed over before the write" "
		adv reusefd $fs reusefd $I $O out &&
		fn_expect_stat preload_write_substituted_ops 0 \${PL_CASE}stats &&
		pl_sum_is \${PL_CASE}stats $NCHUNK \
			preload_skip_fd_reused preload_skip_untracked
	"

	test_expect_success "$fs: source fd reused by fclose+fopen and freopen" "
		adv stdio $fs stdio $I $O out &&
		fn_expect_stat preload_write_substituted_ops 0 \${PL_CASE}stats &&
		pl_sum_is \${PL_CASE}stats $NCHUNK preload_skip_src_changed \
			preload_skip_fd_reused preload_skip_untracked
	"

	test_expect_success "$fs: dup'ed descriptors on both sides" "
		adv dup $fs dup $I out &&
		fn_expect_stat preload_write_substituted_ops $NCHUNK \${PL_CASE}stats &&
		fn_expect_stat preload_write_substituted_bytes $SIZE \${PL_CASE}stats
	"

	for shift in 0 65536 $SIZE; do
		test_expect_success "$fs: same file on both sides, shift $shift" "
			pl_case same$shift-$fs $fn_trash/$fs/w '$FS_ALL' \
				'cp $I out && $ADV samefile out $shift' &&
			fn_expect_stat preload_skip_same_file $NCHUNK \${PL_CASE}stats &&
			fn_expect_stat preload_write_substituted_ops 0 \${PL_CASE}stats
		"
	done

	test_expect_success "$fs: buffer written by a forked child" "
		adv fork $fs fork $I out &&
		pl_sum_is \${PL_CASE}stats $NCHUNK \
			preload_write_substituted_ops preload_skip_untracked
	"

	test_expect_success "$fs: buffer read by one thread, written by another" "
		adv thread $fs thread $I $O out &&
		pl_sum_is \${PL_CASE}stats $NCHUNK preload_skip_untracked \
			preload_skip_unmatched &&
		fn_expect_stat preload_write_substituted_ops 0 \${PL_CASE}stats
	"

	# FNACCEL_MIN_SIZE is checked against the count a read asks for,
	# not the bytes it returns (fnaccel(1)): the short last block of a
	# copy is substituted too, so the whole copy shares its extents
	test_expect_success "$fs: FNACCEL_MIN_SIZE: the count a read asks for" "
		head -c 131073 $I >$fn_trash/$fs/in.131073 &&
		head -c 1 $I >$fn_trash/$fs/in.1 &&
		adv min2 $fs copy $fn_trash/$fs/in.1 out &&
		fn_expect_stat preload_write_substituted_ops 1 \${PL_CASE}stats &&
		fn_expect_stat preload_write_substituted_bytes 1 \${PL_CASE}stats &&
		adv min3 $fs copy $fn_trash/$fs/in.131073 out &&
		fn_expect_stat preload_write_substituted_ops 2 \${PL_CASE}stats &&
		fn_expect_stat preload_write_substituted_bytes 131073 \${PL_CASE}stats &&
		adv min4 $fs copy $fn_trash/$fs/in.131073 out 65536 &&
		fn_expect_stat preload_write_substituted_ops 3 \${PL_CASE}stats &&
		fn_expect_stat preload_write_substituted_bytes 131073 \${PL_CASE}stats &&
		adv min5 $fs copy $fn_trash/$fs/in.131073 out 65535 &&
		fn_expect_stat preload_write_substituted_ops 0 \${PL_CASE}stats &&
		fn_expect_stat preload_skip_small 3 \${PL_CASE}stats
	"

	test_expect_success "$fs: copies beyond 4 GiB, to other offsets" "
		truncate -s \$((5 << 30)) $fn_trash/$fs/sparse &&
		head -c 200000 $I | dd of=$fn_trash/$fs/sparse bs=1M \
			seek=\$(((5 << 10) - 1)) conv=notrunc status=none &&
		PL_CMP=at_cmp adv at $fs at $fn_trash/$fs/sparse out \
			\$(((5 << 30) - 1048576)) \$AT_OUT &&
		fn_expect_stat preload_write_substituted_bytes 262144 \${PL_CASE}stats
	"

	test_expect_success "$fs: source read with O_DIRECT" "
		adv direct $fs direct $I out &&
		pl_sum_is \${PL_CASE}stats $NCHUNK \
			preload_write_substituted_ops preload_skip_src_flags
	"

	test_expect_success "$fs: O_APPEND set by fcntl, offset moved back to 0" "
		adv setfl $fs setfl $I out &&
		fn_expect_stat preload_write_substituted_ops 1 \${PL_CASE}stats &&
		fn_expect_stat preload_skip_dst_flags $((NCHUNK - 1)) \${PL_CASE}stats
	"

	# the prefix windows are the source bytes, matched by content
	# (match.c); a window that starts before or ends after them is not
	test_expect_success "$fs: windows of the buffer other than the bytes read" "
		adv window $fs window $I out &&
		fn_expect_stat preload_write_substituted_ops 17 \${PL_CASE}stats &&
		fn_expect_stat preload_write_matched_ops 9 \${PL_CASE}stats &&
		fn_expect_stat preload_skip_unmatched 16 \${PL_CASE}stats &&
		pl_sum_is \${PL_CASE}stats $NCHUNK \
			preload_write_substituted_ops preload_skip_unmatched
	"

	test_expect_success "$fs: buffer unreadable at write time: EFAULT" "
		adv efault $fs efault $I out &&
		grep -q 'write from PROT_NONE: -1 EFAULT' \${PL_CASE}out.new &&
		pl_ge \${PL_CASE}stats preload_read_tracked_ops 2 &&
		fn_expect_stat preload_skip_mapping_changed 4 \${PL_CASE}stats
	"

	test_expect_success "$fs: sendfile at the edges (EINVAL, EBADF, EFAULT)" "
		adv sfedge $fs sfedge $I out &&
		grep -q 'offset pointer 8: -1 EFAULT' \${PL_CASE}out.new
	"

	test_expect_success "$fs: RLIMIT_FSIZE: short write, then EFBIG" "
		adv fsize $fs fsize $I out &&
		grep -q 'pwrite: 37856' \${PL_CASE}out.new &&
		grep -q 'write: -1 EFBIG' \${PL_CASE}out.new &&
		fn_expect_stat preload_write_substituted_ops 2 \${PL_CASE}stats
	"

	test_expect_success "$fs: buffer written in two pwrites, tail first" "
		adv split $fs split $I out &&
		pl_breakdown \${PL_CASE}stats &&
		pl_ge \${PL_CASE}stats preload_write_passthrough_ops 1
	"

	test_expect_success "$fs: pread/pwrite to mirrored offsets" "
		adv reverse $fs reverse $I out &&
		fn_expect_stat preload_write_substituted_ops 32 \${PL_CASE}stats &&
		fn_expect_stat preload_write_substituted_bytes $((32 * 131072)) \
			\${PL_CASE}stats
	"

	test_expect_success "$fs: SIGALRM handler reads another file meanwhile" "
		adv sigread $fs sigread $I $fn_trash/$fs/small out &&
		pl_breakdown \${PL_CASE}stats &&
		pl_ge \${PL_CASE}stats preload_write_substituted_ops 1
	"

	test_expect_success "$fs: EINTR from a pipe read, with and without SA_RESTART" "
		adv eintr $fs eintr out &&
		grep -q 'no SA_RESTART read: -1 EINTR' \${PL_CASE}out.new &&
		grep -q 'SA_RESTART read: 4000' \${PL_CASE}out.new &&
		fn_expect_stat preload_write_substituted_ops 0 \${PL_CASE}stats &&
		pl_ge \${PL_CASE}stats preload_skip_src_not_regular 1
	"

	test_expect_success "$fs: sendfile loop becomes engine copies" "
		adv sendfile $fs sendfile $I out &&
		pl_ge \${PL_CASE}stats preload_sendfile_ops 1 &&
		fn_expect_stat preload_sendfile_bytes $SIZE \${PL_CASE}stats
	"

	test_expect_success "$fs: fortified build (__read_chk, __pread_chk)" "
		PL_PROG=$FORT adv fortify-copy $fs copy $I out &&
		fn_expect_stat preload_write_substituted_bytes $SIZE \${PL_CASE}stats &&
		PL_PROG=$FORT adv fortify-edit $fs edit $I out &&
		pl_sum_is \${PL_CASE}stats 20 preload_skip_buffer_changed \
			preload_verify_failures &&
		PL_PROG=$FORT adv fortify-reverse $fs reverse $I out &&
		fn_expect_stat preload_write_substituted_ops 32 \${PL_CASE}stats
	"
done

test_expect_success 'the fortified build imports the _chk functions' '
	nm -D --undefined-only "$FORT" >syms &&
	grep -q " __read_chk@" syms &&
	grep -q " __pread_chk@" syms &&
	nm -D --undefined-only "$ADV" >syms.plain &&
	grep -q " read@" syms.plain &&
	! grep -q "_chk@" syms.plain
'

test_expect_success 'ext4 by default: no write substituted (not in FNACCEL_FS)' '
	pl_case default-ext4 "$fn_trash/ext4/w" "" \
		"$ADV copy $fn_trash/ext4/in out" &&
	fn_expect_stat preload_skip_fs '$NCHUNK' ${PL_CASE}stats &&
	fn_expect_stat preload_write_substituted_ops 0 ${PL_CASE}stats
'

# ---- injected copy_file_range failures (strace -e inject) -------------

# inject NAME SPEC FS ARGS...: pl-adv under strace injecting SPEC into
# copy_file_range, in both runs
inject()
{
	local name=$1 spec=$2 fs=$3

	shift 3
	pl_case "$name-$fs" "$fn_trash/$fs/w" "$FS_ALL" \
		"strace -f -qq -o /dev/null --seccomp-bpf \
			-e trace=copy_file_range \
			-e inject=copy_file_range:$spec $ADV $*"
}

for fs in ext4 xfs; do
	I=$fn_trash/$fs/in
	for err in EXDEV EOPNOTSUPP EIO ENOSPC; do
		test_expect_success "$fs: copy_file_range fails with $err: writes still done" "
			inject cfr-$err error=$err $fs copy $I out &&
			fn_expect_stat preload_write_substituted_ops 0 \${PL_CASE}stats &&
			pl_ge \${PL_CASE}stats preload_skip_copy_failed 1 &&
			pl_sum_is \${PL_CASE}stats $NCHUNK \
				preload_skip_copy_failed preload_skip_bad_pair
		"
	done

	test_expect_success "$fs: copy_file_range fails from the 3rd call on" "
		inject cfr-late error=EIO:when=3+ $fs copy $I out &&
		pl_breakdown \${PL_CASE}stats &&
		pl_ge \${PL_CASE}stats preload_write_substituted_ops 1
	"

	test_expect_success "$fs: copy_file_range returns 0 (nothing done)" "
		inject cfr-zero retval=0 $fs copy $I out &&
		pl_breakdown \${PL_CASE}stats &&
		fn_expect_stat preload_write_substituted_ops 0 \${PL_CASE}stats
	"

	for err in EXDEV EOPNOTSUPP EIO; do
		test_expect_success "$fs: program's own copy_file_range sees $err" "
			inject own-$err error=$err $fs cfr $I out &&
			grep -q 'copy_file_range: -1 $err' \${PL_CASE}out.new &&
			pl_ge \${PL_CASE}stats preload_cfr_ops 1
		"
	done

	for err in EXDEV EIO; do
		test_expect_success "$fs: sendfile with copy_file_range failing ($err)" "
			inject sf-$err error=$err $fs sendfile $I out &&
			grep -q 'copied $SIZE' \${PL_CASE}out.new &&
			pl_breakdown \${PL_CASE}stats
		"
	done
done

# ---- ENOSPC: same short counts and errno ---------------------------------

# enospc FS CHUNK: fill FS (leaving FREE bytes), copy in -> out until the
# file system is full; the ref output moves off FS between the runs
enospc()
{
	PL_REFDIR=$fn_trash/ref.$1 pl_case "enospc-$1-$2" "$fn_trash/$1/w" \
		"$FS_ALL" "$ADV enospc ../in out $2" "sync -f ."
}

test_expect_setup 'small tmpfs and ext4 file systems, nearly full' '
	fn_mount_tmpfs tmpfs 4m &&
	fn_mount_ext4 smallext4 16M &&
	for d in tmpfs smallext4; do
		head -c $((1536 * 1024)) /dev/urandom >$d/in &&
		mkdir $d/w || return 1
	done &&
	for d in tmpfs smallext4; do
		! dd if=/dev/zero of=$d/filler bs=64k 2>/dev/null &&
		truncate -s -$((1048576 + 12288)) $d/filler || return 1
	done &&
	sync
'

for fs in tmpfs smallext4; do
	for c in 131072 65536; do
		test_expect_success "$fs: ENOSPC after short writes, chunk $c" "
			enospc $fs $c &&
			cat \${PL_CASE}out.new &&
			grep -q ENOSPC \${PL_CASE}out.new &&
			pl_ge \${PL_CASE}stats preload_write_substituted_ops 1
		"
	done
done

test_done
