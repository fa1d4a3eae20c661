#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='man pages: groff finds nothing to warn about; libfncopy(3) is complete'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_cmd groff

man3=$FN_SRCDIR/doc/libfncopy.3
man1fs=$FN_SRCDIR/doc/fnpassfs.1

# Every man page in doc/, also the ones other parts add (fnpassfs.1 ...)
test_expect_success 'groff -man -ww -z: no warnings on any doc/*.[1-8]' '
	n=0 &&
	for page in "$FN_SRCDIR"/doc/*.[1-8]; do
		test -f "$page" || continue
		head -n 1 "$page" | grep -q "^\.so " && continue
		n=$((n + 1))
		groff -man -ww -z "$page" >out 2>&1 || { cat out; exit 1; }
		if test -s out; then echo "$page:"; cat out; exit 1; fi
	done &&
	test "$n" -ge 1'

test_expect_success 'libfncopy.3 is not empty: the sections are there' '
	for s in NAME SYNOPSIS DESCRIPTION "RETURN VALUE" ERRORS \
		ENVIRONMENT STATISTICS NOTES EXAMPLES "SEE ALSO"; do
		grep -q "^\.SH \"*$s\"*\$" "$man3" || { echo "no .SH $s"; exit 1; }
	done'

# The names as groff prints them, so a name split by markup still counts
test_expect_setup 'render libfncopy.3 as text' '
	groff -man -Tascii -P-cbou -rLL=200n -rHY=0 "$man3" >page.txt \
		2>/dev/null && test -s page.txt'

test_expect_success 'every function of fncopy.h is documented' '
	grep "^FN_API" "$FN_SRCDIR/lib/fncopy.h" |
		sed "s/(.*//; s/.*[ *]//" >functions &&
	test "$(wc -l <functions)" -ge 9 &&
	for f in $(cat functions); do
		grep -q "$f" page.txt || { echo "missing $f"; exit 1; }
	done'

test_expect_success 'every flag, struct and limit of fncopy.h is documented' '
	for f in FN_COPY_SPARSE FN_COPY_NO_KERNEL "struct fn_range" \
		"struct fn_stats" FN_CHUNK_MIN FN_CHUNK_MAX FN_CHUNK_DEFAULT \
		FN_STATS_FIELDS; do
		grep -q "$f" page.txt || { echo "missing $f"; exit 1; }
	done'

test_expect_success 'every stats key has its entry in STATISTICS' '
	sed -n "/^#define FN_STATS_FIELDS/,/^\$/p" "$FN_SRCDIR/lib/fncopy.h" |
		grep -oE "[CG]\([a-z_]+\)" | sed "s/^..//; s/)\$//" >keys &&
	test "$(wc -l <keys)" -ge 15 &&
	sed -n "/^\.SH STATISTICS/,/^\.SH NOTES/p" "$man3" |
		grep -A1 "^\.TP" | sed -n "s/^\.B //p" >described &&
	for k in $(cat keys); do
		grep -qx "$k" described || { echo "no .TP for $k"; exit 1; }
	done &&
	test "$(wc -l <described)" = "$(wc -l <keys)"'

test_expect_success 'every FNACCEL_ variable of lib/*.c has its entry in ENVIRONMENT' '
	cat "$FN_SRCDIR"/lib/*.c | grep -oE "FNACCEL_[A-Z_]+" | sort -u >vars &&
	test -s vars &&
	sed -n "/^\.SH ENVIRONMENT/,/^\.SH STATISTICS/p" "$man3" |
		grep -A1 "^\.TP" | sed -n "s/^\.B //p" >env &&
	for v in $(cat vars); do
		grep -qx "$v" env || { echo "no .TP for $v"; exit 1; }
	done'

test_expect_success 'every errno the engine returns is in ERRORS' '
	sed -n "/^ERRORS/,/^ENVIRONMENT/p" page.txt >errors &&
	for e in EBADF EINVAL EISDIR EOVERFLOW EFBIG ENOSPC EIO ENOMEM EINTR; do
		grep -qw "$e" errors || { echo "missing $e"; exit 1; }
	done'

# The options as fnpassfs --help lists them, made from its option table:
# "name=METAVAR" or "name", each to have its .TP in OPTIONS of fnpassfs.1
test_expect_success 'every -o option of fnpassfs --help has its entry in fnpassfs.1' '
	"$FN_BUILDDIR/fs/fnpassfs" --help >help &&
	sed -n "/^fnpassfs options (-o):\$/,/^\$/p" help |
		sed -n "s/^  \([a-z_][a-z_]*\)\(=[A-Z]*\)\{0,1\} .*/\1\2/p" >opts &&
	test "$(wc -l <opts)" -ge 20 &&
	sed -n "/^\.SH OPTIONS/,/^\.SH FILES/p" "$man1fs" >options &&
	while read -r o; do
		case $o in
		*=*) want=".BI ${o%%=*}= ${o#*=}" ;;
		*) want=".B $o" ;;
		esac
		grep -qxF "$want" options || { echo "no .TP for $o"; exit 1; }
	done <opts'

# doc/design.md is the map of the tree: a new source file is named there
# The pages as installed: man1/ man3/ man8/ ..., the link pages of the
# build tree beside the written ones
test_expect_setup 'the pages in the layout of an install' '
	for page in "$FN_SRCDIR"/doc/*.[1-8] "$FN_BUILDDIR"/doc/*.[1-8]; do
		test -f "$page" || continue
		s=${page##*.} && mkdir -p "man/man$s" &&
		cp "$page" "man/man$s/" || break
	done &&
	test -f man/man1/fnpassfs.1'

test_expect_success 'man fn_copy_range: every function of fncopy.h has its link page' '
	test "$(wc -l <functions)" -ge 9 &&
	for f in $(cat functions); do
		echo ".so man3/libfncopy.3" >expect &&
		test_cmp expect "man/man3/$f.3" &&
		(cd man && groff -s -man -Tascii -P-cbou "man3/$f.3") >out &&
		grep -q "^LIBFNCOPY(3)" out || { echo "no page for $f"; exit 1; }
	done'

test_expect_success 'man mount.fnpassfs and man mount.fuse.fnpassfs show fnpassfs(1)' '
	for p in mount.fnpassfs mount.fuse.fnpassfs; do
		(cd man && groff -s -man -Tascii -P-cbou man8/$p.8) >out &&
		grep -q "^FNPASSFS(1)" out &&
		grep -q "^ *mount(8), fstab and systemd" out || exit 1
	done'

test_expect_success 'SEE ALSO names only pages of ours that are installed' '
	for page in man/man*/*; do
		sed -n "/^\.SH \"*SEE ALSO/,/^\.SH /p" "$page" |
			sed -n "s/^\.BR \([^ ]*\) (\([1-8]\)).*/\1 \2/p"
	done | sed "s/\\-/-/g" >refs &&
	test "$(wc -l <refs)" -ge 10 &&
	while read -r name s; do
		case $name in
		fnaccel|fnpassfs|fnstat|libfncopy|libfnaccel|fn_*|mount.fnpassfs)
			test -f "man/man$s/$name.$s" ||
				{ echo "no $name($s)"; exit 1; } ;;
		esac
	done <refs'

test_expect_success 'doc/design.md names every source file of lib/, preload/, fs/ and tools/' '
	ls "$FN_SRCDIR"/lib/*.[ch] "$FN_SRCDIR"/preload/*.[ch] \
		"$FN_SRCDIR"/fs/*.[ch] "$FN_SRCDIR"/tools/*.[ch] >sources &&
	test "$(wc -l <sources)" -ge 20 &&
	while read -r f; do
		grep -qF "\`${f##*/}\`" "$FN_SRCDIR/doc/design.md" ||
			{ echo "doc/design.md does not name ${f##*/}"; exit 1; }
	done <sources'

test_done
