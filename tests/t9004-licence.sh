#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='licence: one SPDX line in every file, COPYING and NEWS shipped, the bug address'
. "$(dirname "$0")/lib/test-lib.sh"

# The files of the project as git tracks them, when the source tree is a
# clone (a dist tree, as make distcheck unpacks it, is none, even inside
# a clone).  Text that is documentation (Markdown, README, COPYING, NEWS)
# and debian/, whose licence debian/copyright states, carry no SPDX line.
if command -v git >/dev/null 2>&1 &&
   [ "$(git -C "$FN_SRCDIR" rev-parse --show-toplevel 2>/dev/null)" = \
     "$(cd "$FN_SRCDIR" && pwd -P)" ]; then
	test_set_prereq GIT
fi

# make's value of DISTFILES: what make dist puts in the tarball (the
# line marked: make run from make check may say more)
distfiles()
{
	printf "fn-distfiles:\n\t@echo \"fn-distfiles: \$(DISTFILES)\"\n" |
		make -s --no-print-directory -C "$FN_BUILDDIR" \
			-f Makefile -f - fn-distfiles 2>/dev/null |
		sed -n "s/^fn-distfiles: //p"
}

version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' \
	"$FN_BUILDDIR/config.h")
bugs=$(sed -n 's/^#define PACKAGE_BUGREPORT "\(.*\)"$/\1/p' \
	"$FN_BUILDDIR/config.h")

test_expect_success GIT 'git lists the tracked files' '
	git -C "$FN_SRCDIR" ls-files >files && test -s files'

test_expect_success GIT 'every source file has exactly one SPDX line, LGPL-2.1-or-later' '
	tag="SPDX-License""-Identifier:" &&
	n=0 &&
	while read -r f; do
		case $f in
		*.md|README|*/README|COPYING|NEWS|debian/*) continue ;;
		esac
		test -f "$FN_SRCDIR/$f" || continue
		n=$((n + 1))
		c=$(grep -c "$tag" "$FN_SRCDIR/$f")
		test "$c" = 1 || { echo "$f: $c SPDX lines"; exit 1; }
		grep -q "$tag LGPL-2\.1-or-later\( \*/\)\{0,1\}\$" \
			"$FN_SRCDIR/$f" || { echo "$f: not LGPL-2.1-or-later"; exit 1; }
	done <files &&
	test "$n" -ge 100'

test_expect_success 'COPYING is the text of the LGPL, version 2.1' '
	sed -n "1,2p" "$FN_SRCDIR/COPYING" | sed "s/^ *//" >head &&
	printf "%s\n" "GNU LESSER GENERAL PUBLIC LICENSE" \
		"Version 2.1, February 1999" >expect &&
	test_cmp expect head &&
	grep -q "^ *END OF TERMS AND CONDITIONS\$" "$FN_SRCDIR/COPYING"'

test_expect_success 'NEWS names this version' '
	test -n "$version" &&
	grep -q "^Version $version " "$FN_SRCDIR/NEWS"'

test_expect_success 'make dist ships COPYING and NEWS' '
	distfiles >dist && tr " " "\n" <dist >list &&
	grep -qx COPYING list && grep -qx NEWS list'

test_expect_success 'AC_INIT has the bug address, fncopy.pc the URL and the licence' '
	test "$bugs" = https://github.com/fnaccel/fnaccel/issues &&
	grep -qx "URL: https://github.com/fnaccel/fnaccel" \
		"$FN_BUILDDIR/lib/fncopy.pc" &&
	head -n 1 "$FN_BUILDDIR/lib/fncopy.pc" >first &&
	grep -q "LGPL-2\.1-or-later\$" first'

test_expect_success 'every man page names the bug address and the licence' '
	n=0 &&
	for page in "$FN_SRCDIR"/doc/*.[1-8]; do
		test -f "$page" && ! grep -q "^\.so " "$page" || continue
		n=$((n + 1))
		sed -n "/^\.SH REPORTING BUGS\$/,/^\.SH /p" "$page" >bugs &&
		grep -qx "\.UR $bugs" bugs &&
		sed -n "/^\.SH COPYRIGHT\$/,/^\.SH /p" "$page" >copy &&
		grep -q "^(SPDX: LGPL\\\\-2\.1\\\\-or\\\\-later)" copy ||
			{ echo "$page"; exit 1; }
	done &&
	test "$n" -ge 3'

test_expect_success 'README.md says the licence and the bug address' '
	grep -q "LGPL-2\.1-or-later" "$FN_SRCDIR/README.md" &&
	grep -qF "<$bugs>" "$FN_SRCDIR/README.md"'

test_done
