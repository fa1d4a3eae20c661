#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='bash completion of fnpassfs and fnaccel: registered, and the options offered are those of the option tables'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_cmd bash awk

fp=$FN_BUILDDIR/fs/fnpassfs
fa=$FN_BUILDDIR/preload/fnaccel
[ -x "$fp" ] && [ -x "$fa" ] || skip_all "fnpassfs or fnaccel not built"

# comp.bash LINE: the completions of LINE, the cursor at its end, as bash
# gives them (the words split at = too), one a line
cat >comp.bash <<'SH'
. "$FN_SRCDIR/completion/fnpassfs"
. "$FN_SRCDIR/completion/fnaccel"
COMP_LINE=$1
COMP_POINT=${#1}
read -ra COMP_WORDS <<<"${1//=/ = }"
case $1 in *" "|*=) COMP_WORDS+=("") ;; esac
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMPREPLY=()
case ${COMP_WORDS[0]} in
*fnpassfs) _fnpassfs ;;
*fnaccel) _fnaccel ;;
esac
[ ${#COMPREPLY[@]} = 0 ] || printf "%s\n" "${COMPREPLY[@]}"
SH

comp()
{
	bash comp.bash "$1"
}

# The -o options of FP_OPTIONS in fs/fp.h (a DERIVED row is no option)
sed -n '/^#define FP_OPTIONS(X)/,/^$/p' "$FN_SRCDIR/fs/fp.h" |
	grep -o 'X([A-Z]*, [a-z_]*' | grep -v '^X(DERIVED,' |
	sed 's/.*, //' | sort >table-options

# fp_words NAME: the words of FP_NAME_WORDS in fs/fp.h, one a line
fp_words()
{
	awk -v d="#define FP_$1_WORDS(X)" '
		index($0, d) == 1 { on = 1 }
		on { print; if ($0 !~ /\\$/) exit }' "$FN_SRCDIR/fs/fp.h" |
		grep -o 'X(FP_[A-Z_]*, [a-z]*)' | sed 's/.*, //; s/)//' | sort
}

test_expect_success 'sourced, each file registers its commands' '
	bash -c ". \"$FN_SRCDIR/completion/fnpassfs\" &&
		. \"$FN_SRCDIR/completion/fnaccel\" &&
		complete -p fnpassfs mount.fnpassfs fnaccel" >out &&
	{
	echo "complete -F _fnpassfs fnpassfs"
	echo "complete -F _fnpassfs mount.fnpassfs"
	echo "complete -F _fnaccel fnaccel"
	} >expect &&
	test_cmp expect out'

test_expect_success 'fnpassfs -o offers every option of FP_OPTIONS, and no other' '
	test "$(wc -l <table-options)" -ge 20 &&
	comp "$fp src mnt -o " | sed "s/=\$//" | sort >offered &&
	test_cmp table-options offered'

test_expect_success 'after a comma too, with the value options ending in =' '
	comp "$fp src mnt -o writeback,ch" >out &&
	echo writeback,chunk_size= >expect && test_cmp expect out &&
	comp "$fp src mnt -o nostats,o" >out &&
	echo nostats,overmount >expect && test_cmp expect out'

test_expect_success 'the words of each word option are those of fs/fp.h' '
	for o in cache readdirplus xattr passthrough; do
		fp_words $(echo $o | tr a-z A-Z) >expect &&
		test -s expect &&
		comp "$fp src mnt -o writeback,$o=" | sort >out &&
		test_cmp expect out || exit 1
	done'

test_expect_success 'fnpassfs: its flags, and directories for SOURCE and MOUNTPOINT' '
	comp "$fp -" >out &&
	printf "%s\n" -f -d -s -o -h --help -V --version >expect &&
	test_cmp expect out &&
	mkdir dir1 dir2 && : >file1 &&
	comp "$fp di" | sort >out && printf "%s\n" dir1 dir2 >expect &&
	test_cmp expect out && comp "$fp fil" >out && test ! -s out'

test_expect_success 'fnaccel offers every option of its --help, and no other' '
	"$fa" --help | sed -n "s/^  \(--[a-z-]*=\{0,1\}\).*/\1/p" | sort >expect &&
	test "$(wc -l <expect)" -ge 9 &&
	comp "$fa --" | sort >out &&
	test_cmp expect out'

test_expect_success 'the values of --fs=, --verify= and --progress= it offers, fnaccel takes' '
	comp "$fa --fs=" >fs && test "$(wc -l <fs)" -ge 5 &&
	grep -qx all fs && grep -qx none fs &&
	for w in $(cat fs); do
		"$fa" --fs=$w true || { echo "--fs=$w refused"; exit 1; }
	done &&
	comp "$fa --verify=" >verify &&
	printf "%s\n" reread hash >expect && test_cmp expect verify &&
	for w in $(cat verify); do
		"$fa" --verify=$w true || exit 1
	done &&
	comp "$fa --progress=" >progress &&
	printf "%s\n" always auto never >expect && test_cmp expect progress &&
	for w in $(cat progress); do
		"$fa" --progress=$w true 2>/dev/null || exit 1
	done'

test_expect_success 'fnaccel: then COMMAND, then what COMMAND takes' '
	comp "$fa --stats ech" >out && grep -qx echo out &&
	comp "$fa --fs=xfs ech" >out && grep -qx echo out &&
	: >afile && comp "$fa cp afi" >out &&
	echo afile >expect && test_cmp expect out'

test_done
