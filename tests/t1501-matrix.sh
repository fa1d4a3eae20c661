#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='preload: transparency matrix, programs x file systems x sizes'
#
# Every program copies every source size on every file system twice, once
# plainly and once with LD_PRELOAD=libfnaccel.so; output files (bytes,
# sizes, modes), stdout, stderr (dd's timing removed) and exit status must
# be equal.  The statistics dump tells which cases the library
# accelerated.  The file system configurations:
#
#	ext4	 the build tree, FNACCEL_FS default (writes pass through)
#	ext4f	 the build tree, FNACCEL_FS=ext4,xfs,tmpfs (substitution)
#	xfs	 an XFS reflink loop image, default FNACCEL_FS
#	tmpext4f source on a tmpfs, destination on ext4 (cross device),
#		 FNACCEL_FS=ext4,xfs,tmpfs (with the default list it would
#		 only repeat ext4's passthrough: sendfile is taken over on
#		 every file system)
#	ext4fp	 source on ext4, destination in an fnpassfs mount of a
#		 directory of the build tree, default FNACCEL_FS (FUSE is in
#		 it)
#	fpfp	 source and destination in that mount: substituted writes
#		 and sendfile reach fnpassfs's copy_file_range handler, one
#		 engine copy between the backing files
#
# The fnpassfs configurations run the programs in FPPROGS with the small
# sizes only; the mount has -o passthrough=never.
# Sizes 0 1 4095 4096 65535 65536 131073 run everywhere; 64 MiB runs for
# the programs in BIGPROGS on ext4, ext4f and xfs (and BIGXFS on xfs); a
# sparse 5 GiB file only for cp (ext4, xfs: cp keeps holes itself, fast
# both ways) and, with the library only, python3 shutil.copyfile on xfs
# (reflinked by the library; without it sendfile would read and write
# 5 GiB of zeros).  dd with conv=sparse and every other program would read
# 5 GiB of holes (about 10 s each here): left out.

. "$(dirname "$0")/lib/test-lib.sh"
. "$FN_SRCDIR/tests/lib/pl-lib.sh"
fn_require_root
fn_require_cmd xfs_io mkfs.xfs filefrag busybox perl node rsync gzip tar cmp
fn_require_fuse

SIZES='0 1 4095 4096 65535 65536 131073'
BIG=$((64 * 1048576))
FS_ALL='FNACCEL_FS=ext4,xfs,tmpfs'
TEE=$PL_HELPERS/pl-tee
FCOPY=$PL_HELPERS/pl-fcopy
export TEE FCOPY

# name@command (sh -c in the output directory, the source in $IN)@prep
PROGRAMS='dd@dd if="$IN" of=out@
dd128k@dd if="$IN" of=out bs=128k@
dd1m@dd if="$IN" of=out bs=1M@
ddskip@dd if="$IN" of=out bs=4096 skip=3 seek=5 count=40@
ddnotrunc@dd if="$IN" of=out bs=64k skip=1 seek=2 count=3 conv=notrunc@head -c 300000 /dev/zero | tr "\\0" x >out
ddsparse@dd if="$IN" of=out bs=64k conv=sparse@
ddlcase@dd if="$IN" of=out bs=128k conv=ucase@
ddappend@dd if="$IN" of=out bs=128k oflag=append conv=notrunc@echo old >out
dddirect@dd if="$IN" of=out bs=128k oflag=direct@
dddsync@dd if="$IN" of=out bs=128k oflag=dsync@
bbcp@busybox cp "$IN" out@
bbcat@busybox cat "$IN" >out@
bbdd@busybox dd if="$IN" of=out bs=128k@
perlcopy@perl -MFile::Copy -e "copy(\$ARGV[0], q(out)) or die qq(copy: \$!)" "$IN"@
perlloop@perl -e "open(I, q(<), \$ARGV[0]) or die; open(O, q(>), q(out)) or die; while (my \$n = sysread(I, my \$b, 131072)) { syswrite(O, \$b) == \$n or die }" "$IN"@
perltr@perl -e "open(I, q(<), \$ARGV[0]) or die; open(O, q(>), q(out)) or die; while (my \$n = sysread(I, my \$b, 131072)) { \$b =~ tr/a-z/A-Z/; syswrite(O, \$b) == \$n or die }" "$IN"@
pycopyfile@$PL_PY -c "import shutil, sys; shutil.copyfile(sys.argv[1], \"out\")" "$IN"@
pycopy2@$PL_PY -c "import shutil, sys; shutil.copy2(sys.argv[1], \"out\")" "$IN"@
pycopyfileobj@$PL_PY -c "import shutil, sys; shutil.copyfileobj(open(sys.argv[1], \"rb\"), open(\"out\", \"wb\"))" "$IN"@
nodecopy@node -e "require(\"fs\").copyFileSync(process.argv[1], \"out\")" "$IN"@
nodestream@node -e "const fs = require(\"fs\"); fs.createReadStream(process.argv[1]).pipe(fs.createWriteStream(\"out\"))" "$IN"@
cp@cp "$IN" out@
cat@cat "$IN" >out@
catappend@cat "$IN" >>out@echo old >out
tar@mkdir out && tar cf - -C "${IN%/*}" "${IN##*/}" | tar xf - -C out@
rsync@rsync "$IN" out@
gzip@gzip -c "$IN" >out.gz && gzip -dc out.gz >out@
tee@"$TEE" 131072 "$IN" out out2@
gnutee@tee out out2 <"$IN" >/dev/null@
gnutee8k@FNACCEL_MIN_SIZE=8192 tee out <"$IN"@
perlprint@perl -e "open(I, q(<), \$ARGV[0]) or die; open(O, q(>), q(out)) or die; binmode I; binmode O; while (read(I, my \$b, 65536)) { print O \$b or die } close O or die" "$IN"@
perlprint8k@FNACCEL_MIN_SIZE=8192 perl -e "open(I, q(<), \$ARGV[0]) or die; open(O, q(>), q(out)) or die; while (read(I, my \$b, 4096)) { print O \$b or die } close O or die" "$IN"@
pybuffered@$PL_PY -c "import sys; f = open(sys.argv[1], \"rb\"); g = open(\"out\", \"wb\", buffering=1 << 20); [g.write(b) for b in iter(lambda: f.read(65536), b\"\")]; g.close()" "$IN"@
pysmall@FNACCEL_MIN_SIZE=4000 $PL_PY -c "import sys; f = open(sys.argv[1], \"rb\"); g = open(\"out\", \"wb\"); [g.write(b) for b in iter(lambda: f.read(1000), b\"\")]; g.close()" "$IN"@
cfwrite@"$FCOPY" 131072 default "$IN" out@
cfwritenobuf@"$FCOPY" 65536 none "$IN" out@'
BIGPROGS=' dd dd128k dd1m bbcp perlcopy perlloop pycopyfile cp cat tee gnutee8k perlprint8k pybuffered cfwrite '
# node's startup and copy of 64 MiB take seconds here: on xfs only
BIGXFS=' nodecopy '
# the programs of ext4fp and fpfp
FPPROGS=' dd128k bbcp perlcopy pycopyfile pycopyfileobj cp cat tee gnutee8k pybuffered cfwrite '

test_expect_setup 'file systems and sources' '
	fn_mount_xfs xfs 1G &&
	fn_mount_tmpfs tmp 64m &&
	mkdir -p ext4/src xfs/src tmp/src &&
	for s in $SIZES; do
		head -c $s /dev/urandom >ext4/src/in.$s &&
		cp ext4/src/in.$s xfs/src/in.$s &&
		cp ext4/src/in.$s tmp/src/in.$s || return 1
	done &&
	head -c $BIG /dev/urandom >ext4/src/in.$BIG &&
	cp ext4/src/in.$BIG xfs/src/in.$BIG &&
	: >results
'

test_expect_setup 'an fnpassfs mount of an ext4 directory' '
	mkdir -p fpback/src fp &&
	fn_mount fpback fp passthrough=never &&
	for s in $SIZES $BIG; do
		cp ext4/src/in.$s fpback/src/in.$s || return 1
	done
'

# one_case CONFIG SRCDIR DSTDIR ENV PROG SIZE: run, record the result in
# results (unless PL_NORECORD is set)
one_case()
{
	local cfg=$1 src=$2 dst=$3 envs=$4 prog=$5 size=$6 line cmd prep
	local acc=0

	line=$(printf '%s\n' "$PROGRAMS" | grep "^$prog@") &&
	cmd=${line#*@} && prep=${cmd#*@} && cmd=${cmd%%@*} || return 1
	# ONE_PREP: more shell commands run before each of the two runs
	prep="$prep${ONE_PREP:+
$ONE_PREP}"
	IN=$src/in.$size
	export IN
	if pl_case "$cfg-$prog-$size" "$dst/w" "$envs" "$cmd" "$prep"; then
		pl_accelerated "${PL_CASE}stats" && acc=1
		[ -n "${PL_NORECORD:-}" ] ||
			echo "$cfg $prog $size same $acc" >>"$fn_trash/results"
	else
		[ -n "${PL_NORECORD:-}" ] ||
			echo "$cfg $prog $size DIFFERENT 0" >>"$fn_trash/results"
		return 1
	fi
}

# configuration|source dir|destination dir|FNACCEL_* for the library run
CONFIGS="ext4|ext4/src|ext4||
ext4f|ext4/src|ext4|$FS_ALL
xfs|xfs/src|xfs||
tmpext4f|tmp/src|ext4|$FS_ALL
ext4fp|ext4/src|fp|
fpfp|fp/src|fp|"

for c in $(printf '%s\n' "$CONFIGS" | cut -d'|' -f1); do
	for prog in $(printf '%s\n' "$PROGRAMS" | cut -d@ -f1); do
		# FN_PL_ONLY=REGEX: only the CONFIG:PROGRAM pairs it matches
		if [ -n "${FN_PL_ONLY:-}" ] &&
		   ! echo "$c:$prog" | grep -qE "$FN_PL_ONLY"; then
			continue
		fi
		case "$c:$FPPROGS" in
		*fp:*" $prog "*) ;;
		*fp:*) continue ;;
		esac
		sizes=$SIZES
		case "$c:$BIGPROGS" in
		ext4:*" $prog "* | ext4f:*" $prog "* | xfs:*" $prog "*)
			sizes="$sizes $BIG" ;;
		xfs:*)
			case "$BIGXFS" in *" $prog "*) sizes="$sizes $BIG" ;; esac ;;
		esac
		test_expect_success "$c: $prog, sizes $(echo $sizes)" "
			line=\$(printf '%s\n' \"\$CONFIGS\" | grep '^$c|') &&
			src=\$(echo \"\$line\" | cut -d'|' -f2) &&
			dst=\$(echo \"\$line\" | cut -d'|' -f3) &&
			envs=\$(echo \"\$line\" | cut -d'|' -f4) &&
			bad=0 &&
			for s in $sizes; do
				one_case $c \$fn_trash/\$src \$fn_trash/\$dst \
					\"\$envs\" $prog \$s || bad=1
			done &&
			test \$bad = 0
		"
	done
done

# ---- where acceleration must happen ---------------------------------------

# big PROG CONFIG: the 64 MiB case again (not counted twice), for its
# stats and output
big()
{
	PL_NORECORD=1 one_case "$2" "$fn_trash/${2%f}/src" "$fn_trash/${2%f}" \
		"$(test "${2%f}" = "$2" || echo "$FS_ALL")" "$1" $BIG
}

for prog in dd128k perlcopy; do
	test_expect_success "xfs: $prog, 64 MiB: every write substituted, all extents shared" "
		big $prog xfs &&
		fn_expect_stat preload_write_substituted_bytes $BIG \${PL_CASE}stats &&
		fn_expect_stat preload_verify_failures 0 \${PL_CASE}stats &&
		fn_all_shared xfs/w/out
	"
done

for prog in pycopyfile bbcp; do
	test_expect_success "xfs: $prog, 64 MiB: sendfile as one engine copy, reflinked" "
		big $prog xfs &&
		fn_expect_stat preload_sendfile_bytes $BIG \${PL_CASE}stats &&
		pl_ge \${PL_CASE}stats copy_kernel_bytes $BIG &&
		fn_all_shared xfs/w/out
	"
done

# writes from another buffer, matched by content (preload/match.c); tee
# writes the buffer it read (fwrite, unbuffered): tracked as it is
for prog in gnutee8k perlprint8k pybuffered cfwrite; do
	test_expect_success "xfs: $prog, 64 MiB: every write substituted, all extents shared" "
		big $prog xfs &&
		fn_expect_stat preload_write_substituted_bytes $BIG \${PL_CASE}stats &&
		fn_expect_stat preload_verify_failures 0 \${PL_CASE}stats &&
		fn_all_shared xfs/w/out &&
		case $prog in
		gnutee8k) ;;
		*) fn_expect_stat preload_write_matched_bytes $BIG \${PL_CASE}stats ;;
		esac
	"
done

# dd turns O_DIRECT off before it writes a partial block: the direct
# case copies whole blocks only (64 MiB), the others one partial block
for prog in ddappend:65536 dddirect:$BIG dddsync:65536; do
	test_expect_success "xfs: ${prog%:*}: destination flags keep write(2)" "
		PL_NORECORD=1 one_case xfs $fn_trash/xfs/src $fn_trash/xfs '' \
			${prog%:*} ${prog#*:} &&
		fn_expect_stat preload_write_substituted_ops 0 \${PL_CASE}stats &&
		pl_ge \${PL_CASE}stats preload_skip_dst_flags 1
	"
done

test_expect_success 'tmpfs to ext4: dd bs=128k: cross-device copy refused' '
	PL_NORECORD=1 one_case tmpext4f $fn_trash/tmp/src $fn_trash/ext4 \
		"$FS_ALL" dd128k 65536 &&
	fn_expect_stat preload_write_substituted_ops 0 ${PL_CASE}stats &&
	fn_expect_stat preload_skip_copy_failed 1 ${PL_CASE}stats
'

test_expect_success 'ext4 forced: dd bs=128k, 64 MiB: every write substituted' '
	big dd128k ext4f &&
	fn_expect_stat preload_write_substituted_bytes $BIG ${PL_CASE}stats
'

test_expect_success 'ext4 default: dd bs=128k, 64 MiB: nothing substituted' '
	big dd128k ext4 &&
	fn_expect_stat preload_write_substituted_ops 0 ${PL_CASE}stats &&
	pl_ge ${PL_CASE}stats preload_skip_fs 512
'

# Inside the fnpassfs mount: each run starts from reset statistics of the
# mount, so /.stats counts the run with the library only
fp_big()
{
	ONE_PREP='echo reset >"$fn_trash/fp/.stats"' PL_NORECORD=1 \
		one_case fpfp "$fn_trash/fp/src" "$fn_trash/fp" '' "$1" $BIG
}

# fp_fs_is KEY WANT: KEY in the mount's /.stats is WANT
fp_fs_is()
{
	local got

	got=$(fn_fs_stat "$1" "$fn_trash/fp") && [ "$got" = "$2" ] && return 0
	echo "$1 = $got, want $2"
	return 1
}

test_expect_success 'fnpassfs: dd bs=128k, 64 MiB: every write a copy_file_range in the mount' '
	fp_big dd128k &&
	fn_expect_stat preload_write_substituted_bytes $BIG ${PL_CASE}stats &&
	fn_expect_stat preload_verify_failures 0 ${PL_CASE}stats &&
	fp_fs_is fs_copy_file_range_ops 512 &&
	fp_fs_is fs_copy_file_range_bytes $BIG
'

test_expect_success 'fnpassfs: python3 shutil.copyfile, 64 MiB: sendfile as one copy_file_range in the mount' '
	fp_big pycopyfile &&
	fn_expect_stat preload_sendfile_bytes $BIG ${PL_CASE}stats &&
	fp_fs_is fs_copy_file_range_ops 1 &&
	fp_fs_is fs_copy_file_range_bytes $BIG
'

# ---- a sparse 5 GiB file ------------------------------------------------

test_expect_setup 'sparse 5 GiB sources (1 MiB of data at 0, 2 GiB, the end)' '
	for d in ext4 xfs; do
		truncate -s 5G $d/src/sparse &&
		for o in 0 2048 5119; do
			head -c 1048576 /dev/urandom |
			dd of=$d/src/sparse bs=1M seek=$o conv=notrunc \
				status=none || return 1
		done
	done
'

for fs in ext4 xfs; do
	test_expect_success "$fs: cp of a sparse 5 GiB file: same bytes and st_blocks" "
		PL_BLOCKS=1 PL_CMP=pl_sparse_cmp \
			pl_case $fs-cp-sparse $fn_trash/$fs/w '' \
			'cp $fn_trash/$fs/src/sparse out' &&
		pl_sparse_cmp $fs/src/sparse $fs/w/out &&
		echo '$fs cp sparse5G same 0' >>results
	"
done

test_expect_success 'xfs: python3 shutil.copyfile of a sparse 5 GiB file (library only)' '
	rm -rf xfs/w && mkdir xfs/w &&
	(cd xfs/w && pl_with FNACCEL_STATS="$fn_trash/sparse.stats" $PL_PY -c \
		"import shutil; shutil.copyfile(\"../src/sparse\", \"out\")") &&
	pl_sparse_cmp xfs/src/sparse xfs/w/out &&
	fn_expect_stat preload_sendfile_bytes $((5 << 30)) sparse.stats &&
	test $(stat -c %b xfs/w/out) = $(stat -c %b xfs/src/sparse) &&
	fn_all_shared xfs/w/out
'

# A small sparse source (data, a 640 KiB hole, data): bytes must be equal;
# st_blocks is reported, not compared.  The programs that read the hole
# write its zeros themselves, but a substituted write (or sendfile) is a
# copy_file_range that shares the source's extents and keeps its holes,
# so on XFS the copy has fewer st_blocks than the plain one: by design
# (fnaccel(1), "Sparse files"), the bytes are the same.
test_expect_setup 'a small sparse source' '
	for d in ext4 xfs; do
		truncate -s 1M $d/src/in.holes &&
		head -c 131072 ext4/src/in.$BIG |
		dd of=$d/src/in.holes conv=notrunc status=none &&
		head -c 262144 ext4/src/in.$BIG |
		dd of=$d/src/in.holes bs=256k seek=3 conv=notrunc status=none ||
		return 1
	done
'

for c in ext4f xfs; do
	for prog in dd128k perlcopy pycopyfile cp; do
		test_expect_success "$c: $prog of a sparse 1 MiB file" "
			line=\$(printf '%s\n' \"\$CONFIGS\" | grep '^$c|') &&
			dst=\$(echo \"\$line\" | cut -d'|' -f3) &&
			envs=\$(echo \"\$line\" | cut -d'|' -f4) &&
			one_case $c $fn_trash/\$dst/src $fn_trash/\$dst \"\$envs\" \
				$prog holes &&
			echo \"$c $prog st_blocks without\" \
				\$(stat -c %b $fn_trash/\$dst/w.ref/out) \
				with \$(stat -c %b $fn_trash/\$dst/w/out) >>blocks
		"
	done
done

test_expect_success 'matrix summary: no differences' '
	cases=$(wc -l <results) &&
	diffs=$(grep -c " DIFFERENT " results) ;
	acc=$(awk "\$5 == 1" results | wc -l) &&
	progs=$(printf "%s\n" "$PROGRAMS" | wc -l) &&
	cfgs=$(printf "%s\n" "$CONFIGS" | grep -vc "^[a-z0-9]*fp|") &&
	fpprogs=$(echo $FPPROGS | wc -w) &&
	echo "matrix: $progs programs x $cfgs configurations +" \
		"$fpprogs programs x 2 fnpassfs configurations, x sizes:" \
		"$cases cases, $diffs differences, $acc accelerated" &&
	awk "\$5 == 1 { n[\$1]++ } END { for (c in n) print c, n[c] }" \
		results | sort | sed "s/^/accelerated in /" &&
	test "$diffs" = 0
'
# the summary as diag lines, also when everything passed
if [ -s "$fn_trash/blocks" ]; then
	sed 's/^/# sparse 1 MiB: /' "$fn_trash/blocks"
fi
if [ -s "$fn_trash/results" ]; then
	echo "# matrix: $(wc -l <"$fn_trash/results") cases," \
		"$(grep -c ' DIFFERENT ' "$fn_trash/results") differences," \
		"$(awk '$5 == 1' "$fn_trash/results" | wc -l) accelerated"
	awk '{ n[$1]++; a[$1] += $5 }
		END { for (c in n) printf "# %s: %d cases, %d accelerated\n",
			c, n[c], a[c] }' "$fn_trash/results" | sort
fi

test_done
