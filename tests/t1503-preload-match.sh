#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='preload: writes from another buffer, matched by content'
#
# Buffered writers write bytes they copied: tee and C programs through
# stdio (fwrite, fread), Perl print through its PerlIO buffer, Python
# through a BufferedWriter.  The library matches such a write with the
# source stream read before it (preload/match.c) and substitutes it only
# when every byte is the source bytes at the destination cursor.  Each
# program runs without and with the library (pl_case): the same output
# files, stdout, stderr and status; then the exact counters.  On an XFS
# reflink image, where substitution pays; FNACCEL_MIN_SIZE=8192 where the
# program writes 8 KiB pieces (tee, Perl), as the default 64 KiB skips
# them as small.

. "$(dirname "$0")/lib/test-lib.sh"
. "$FN_SRCDIR/tests/lib/pl-lib.sh"
fn_require_root
fn_require_cmd xfs_io mkfs.xfs perl tee cmp

ADV=$PL_HELPERS/pl-adv
FCOPY=$PL_HELPERS/pl-fcopy
[ -x "$FCOPY" ] || skip_all "tests/helpers/pl-fcopy not built (make check)"
# 32 chunks of 128 KiB and one of 70000 bytes
SIZE=$((32 * 131072 + 70000))
NCHUNK=33
I=$fn_trash/xfs/in
W=$fn_trash/xfs/w
export I

test_expect_setup 'an XFS reflink image and the source' '
	fn_mount_xfs xfs 1G &&
	head -c $SIZE /dev/urandom >xfs/in &&
	stat -f -c %T xfs | grep -q xfs
'

# one NAME ENV CMD: pl_case in xfs/w, the source in $I
one()
{
	pl_case "$1" "$W" "$2" "$3"
}

# 4264304 bytes are 520 pieces of 8192 and one of 4464
test_expect_success 'GNU tee (fwrite, unbuffered): 8 KiB pieces substituted' '
	one tee FNACCEL_MIN_SIZE=8192 "tee out <\"\$I\" >/dev/null" &&
	cmp "$I" "$W/out" &&
	fn_expect_stat preload_write_substituted_ops 520 ${PL_CASE}stats &&
	fn_expect_stat preload_write_substituted_bytes 4259840 ${PL_CASE}stats &&
	fn_expect_stat preload_skip_dst_not_regular 520 ${PL_CASE}stats &&
	fn_expect_stat preload_skip_small 2 ${PL_CASE}stats &&
	fn_expect_stat preload_verify_failures 0 ${PL_CASE}stats
'

test_expect_success 'GNU tee, default FNACCEL_MIN_SIZE: every write says small' '
	one teedefault "" "tee out <\"\$I\" >/dev/null" &&
	fn_expect_stat preload_write_substituted_ops 0 ${PL_CASE}stats &&
	fn_expect_stat preload_skip_small 1042 ${PL_CASE}stats &&
	fn_expect_stat preload_write_passthrough_ops 1042 ${PL_CASE}stats
'

# 4 MiB in four writes of the 1 MiB buffer, 70000 bytes at close
test_expect_success 'python3 BufferedWriter of 1 MiB: matched, all shared' '
	one pybuf "" "$PL_PY -c \"
import sys
f = open(sys.argv[1], \\\"rb\\\")
g = open(\\\"out\\\", \\\"wb\\\", buffering=1 << 20)
while True:
    b = f.read(65536)
    if not b:
        break
    g.write(b)
g.close()
\" \"\$I\"" &&
	cmp "$I" "$W/out" &&
	fn_expect_stat preload_write_matched_ops 5 ${PL_CASE}stats &&
	fn_expect_stat preload_write_matched_bytes $SIZE ${PL_CASE}stats &&
	fn_expect_stat preload_write_substituted_bytes $SIZE ${PL_CASE}stats &&
	fn_expect_stat preload_write_passthrough_ops 0 ${PL_CASE}stats &&
	fn_all_shared "$W/out"
'

test_expect_success 'perl read and print loop: PerlIO pieces matched' '
	one perlprint FNACCEL_MIN_SIZE=8192 "perl -e \"
open(I, q(<), \\\$ARGV[0]) or die; open(O, q(>), q(out)) or die;
binmode I; binmode O;
while (read(I, my \\\$b, 65536)) { print O \\\$b or die }
close O or die\" \"\$I\"" &&
	cmp "$I" "$W/out" &&
	fn_expect_stat preload_write_matched_ops 520 ${PL_CASE}stats &&
	fn_expect_stat preload_write_matched_bytes 4259840 ${PL_CASE}stats &&
	fn_expect_stat preload_skip_small 1 ${PL_CASE}stats &&
	fn_expect_stat preload_write_passthrough_ops 1 ${PL_CASE}stats
'

# stdio writes the whole 4 KiB blocks of a write directly: 69632 of the
# last 70000 bytes, the rest at fclose (not seen)
test_expect_success 'C fread and fwrite, stdio default buffering' '
	one fcopy "" "$FCOPY 131072 default \"\$I\" out" &&
	cmp "$I" "$W/out" &&
	fn_expect_stat preload_write_matched_ops $NCHUNK ${PL_CASE}stats &&
	fn_expect_stat preload_write_matched_bytes 4263936 ${PL_CASE}stats &&
	fn_expect_stat preload_write_passthrough_ops 0 ${PL_CASE}stats
'

test_expect_success 'C fread and fwrite, unbuffered, full and unlocked' '
	one fcopynone "" "$FCOPY 131072 none \"\$I\" out" &&
	fn_expect_stat preload_write_matched_bytes $SIZE ${PL_CASE}stats &&
	fn_all_shared "$W/out" &&
	one fcopyfull "" "$FCOPY 131072 full \"\$I\" out" &&
	fn_expect_stat preload_write_matched_bytes 4263936 ${PL_CASE}stats &&
	one fcopyunl "" "$FCOPY 131072 unlocked \"\$I\" out" &&
	fn_expect_stat preload_write_matched_bytes 4263936 ${PL_CASE}stats
'

test_expect_success 'C fwrite smaller than FNACCEL_MIN_SIZE: small' '
	one fcopysmall "" "$FCOPY 8192 default \"\$I\" out" &&
	fn_expect_stat preload_write_substituted_ops 0 ${PL_CASE}stats &&
	fn_expect_stat preload_skip_small 521 ${PL_CASE}stats
'

test_expect_success 'a copy in a second buffer: matched, all shared' '
	one othercopy "" "$ADV other copy \"\$I\" out" &&
	grep -q "^out: $SIZE bytes, match" ${PL_CASE}out.new &&
	fn_expect_stat preload_write_matched_ops $NCHUNK ${PL_CASE}stats &&
	fn_expect_stat preload_write_matched_bytes $SIZE ${PL_CASE}stats &&
	fn_all_shared "$W/out"
'

test_expect_success 'written in halves: the cursor continues the stream' '
	one otherhalves FNACCEL_MIN_SIZE=4096 "$ADV other halves \"\$I\" out" &&
	fn_expect_stat preload_write_matched_ops $((2 * NCHUNK)) ${PL_CASE}stats &&
	fn_expect_stat preload_write_matched_bytes $SIZE ${PL_CASE}stats
'

# never substituted: bytes not the source, a first half that is and a
# second that is not, a source changed (pwrite, shared mapping) between
# the read and the write of the old bytes.  The first and last page are
# compared before the copy, every byte after it: a change inside (some
# of the pwrites) is copied, then repaired (preload_verify_failures)
for v in foreign half srcpwrite srcmmap; do
	test_expect_success "other buffer, $v: written as is, unmatched" "
		pl_case other$v \$W '' \"\$ADV other $v ../in.$v out\" \
			'cp \$I ../in.$v' &&
		grep -q '^out: $SIZE bytes, match' \${PL_CASE}out.new &&
		cmp \$W.ref/out \$W/out &&
		fn_expect_stat preload_write_substituted_ops 0 \${PL_CASE}stats &&
		pl_sum_is \${PL_CASE}stats $NCHUNK preload_skip_unmatched \
			preload_verify_failures &&
		case $v in
		srcpwrite) ;;
		*) fn_expect_stat preload_skip_unmatched $NCHUNK \${PL_CASE}stats ;;
		esac
	"
done

test_done
