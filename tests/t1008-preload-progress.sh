#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='fnaccel --progress: a line on stderr each second, COMMAND untouched'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_preload
fn_require_root
fn_require_cmd mkfs.xfs busybox dd

# SCRIPT: script(1) of util-linux, to run fnaccel on a pseudo-terminal
# (without it, that test says skip: missing SCRIPT)
if script -q -e -c true /dev/null >/dev/null 2>&1 </dev/null; then
	test_set_prereq SCRIPT
fi

# run_rc CMD...: CMD's exit status on stdout, its stdout/stderr in out/err
run_rc()
{
	"$@" >out 2>err
	echo $?
}

# figures ERR: the progress lines of ERR as "substituted passed saved",
# one a line; fails if a line of fnaccel is not a progress line (but for
# the first line of --stats)
figures()
{
	grep "^fnaccel: " "$1" | grep -v "^fnaccel: statistics of " >lines
	sed -n "s/^fnaccel: \([0-9]*\) bytes substituted, [0-9]*\.[0-9] MiB\/s, \([0-9]*\) passed through, \([0-9]*\) saved\$/\1 \2 \3/p" \
		lines >lines.figs &&
	test "$(wc -l <lines.figs)" = "$(wc -l <lines)" &&
	cat lines.figs
}

# never_less FIGS: no figure of a line is below the one of the line before
never_less()
{
	awk "NR > 1 && (\$1 < a || \$2 < b || \$3 < c) { exit 1 }
		{ a = \$1; b = \$2; c = \$3 }" "$1"
}

test_expect_setup 'setup: an XFS reflink image, a 4 MiB source' '
	fn_mount_xfs xfs 512M && fn_random xfs/a 4M
'

# The command: a dd copy (32 substitutions of 128 KiB), its own lines on
# stdout (6 bytes) and stderr (4 bytes), then 2.5 s more, and exit 3
test_expect_success '--progress=always: lines each second, exact, never less' '
	test $(run_rc "$FN_FNACCEL" --progress=always sh -c \
		"dd if=xfs/a of=xfs/b bs=128k status=none; echo hello; echo err >&2; sleep 2.5; exit 3") = 3 &&
	cmp xfs/a xfs/b && fn_all_shared xfs/b &&
	echo hello >expect && test_cmp expect out &&
	grep -c "^err\$" err >n && echo 1 >expect && test_cmp expect n &&
	figures err >figs &&
	test "$(wc -l <figs)" -ge 2 &&
	never_less figs &&
	tail -n 1 figs >last && echo "4194304 10 4194304" >expect &&
	test_cmp expect last &&
	test "$(grep -vc "^fnaccel: \|^err\$" err)" = 0
'

test_expect_success '--progress=never and no flag: nothing on stderr' '
	test $(run_rc "$FN_FNACCEL" --progress=never sh -c "sleep 1.5; exit 3") = 3 &&
	test ! -s err && test ! -s out &&
	test $(run_rc "$FN_FNACCEL" sh -c "sleep 1.5; exit 3") = 3 &&
	test ! -s err && test ! -s out &&
	test $(run_rc "$FN_FNACCEL" --progress=always --progress=never sh -c "sleep 1.5") = 0 &&
	test ! -s err
'

test_expect_success '--progress and --progress=auto into a file: nothing' '
	test $(run_rc "$FN_FNACCEL" --progress sh -c "sleep 1.5; exit 3") = 3 &&
	test ! -s err && test ! -s out &&
	test $(run_rc "$FN_FNACCEL" --progress=auto sh -c "sleep 1.5; exit 3") = 3 &&
	test ! -s err && test ! -s out
'

test_expect_success '--progress=bogus: 2, one line, COMMAND not run' '
	test $(run_rc "$FN_FNACCEL" --progress=bogus touch ran) = 2 &&
	echo "fnaccel: --progress=bogus: not always, auto or never" >expect &&
	test_cmp expect err && test ! -s out && test ! -e ran &&
	test $(run_rc "$FN_FNACCEL" --progress= touch ran) = 2 &&
	echo "fnaccel: --progress=: not always, auto or never" >expect &&
	test_cmp expect err && test ! -e ran
'

test_expect_success SCRIPT '--progress on a terminal: rewritten in place, then a newline' '
	script -q -e -c "\"$FN_FNACCEL\" --progress sh -c \"dd if=xfs/a of=xfs/c bs=128k status=none; sleep 1.5; exit 3\"" \
		typescript >/dev/null </dev/null; echo $? >rc &&
	echo 3 >expect && test_cmp expect rc && cmp xfs/a xfs/c &&
	tr "\r" "\n" <typescript >lines.tty &&
	grep "^fnaccel: 4194304 bytes substituted, [0-9.]* MiB/s, 0 passed through, 4194304 saved.\[K\$" \
		lines.tty &&
	esc=$(printf "\033") &&
	grep -c "^fnaccel: .*$esc\[K\$" lines.tty >n && test "$(cat n)" -ge 2
'

test_expect_success '--stats with --progress: the last line, then the statistics' '
	"$FN_FNACCEL" --stats --progress=always busybox cp xfs/a xfs/d >out 2>err &&
	cmp xfs/a xfs/d && fn_all_shared xfs/d && test ! -s out &&
	figures err >figs && test "$(wc -l <figs)" = 1 &&
	echo "4194304 0 4194304" >expect && test_cmp expect figs &&
	sed -n 2p err >second &&
	echo "fnaccel: statistics of 1 process" >expect && test_cmp expect second &&
	fn_expect_stat preload_sendfile_bytes 4194304 err &&
	fn_expect_stat preload_offload_bytes 4194304 err &&
	fn_expect_stat preload_write_passthrough_bytes 0 err
'

test_expect_success 'a killed COMMAND: 128+N, and the last line' '
	test $(run_rc "$FN_FNACCEL" --progress=always sh -c \
		"dd if=xfs/a of=xfs/e bs=128k status=none; kill -TERM \$\$") = 143 &&
	figures err >figs && echo "4194304 0 4194304" >expect &&
	test_cmp expect figs
'

# What COMMAND sees: the same descriptors, signal mask and dispositions
test_expect_success 'COMMAND has no other descriptor, mask or disposition' '
	cat >see.sh <<-\SH
	ls /proc/$$/fd
	grep "^Sig[BIC]" /proc/self/status
	SH
	"$FN_FNACCEL" sh see.sh >plain 2>/dev/null &&
	"$FN_FNACCEL" --progress=always sh see.sh >progress 2>err &&
	test_cmp plain progress &&
	"$FN_FNACCEL" --stats --progress=always sh see.sh >both 2>err &&
	test_cmp plain both
'

test_expect_success 'passed through: writes to a device, not substituted, counted' '
	"$FN_FNACCEL" --progress=always --stats dd if=xfs/a of=/dev/null bs=128k status=none 2>err &&
	figures err >figs && echo "0 4194304 0" >expect && test_cmp expect figs &&
	fn_expect_stat preload_write_passthrough_bytes 4194304 err &&
	fn_expect_stat preload_skip_dst_not_regular 32 err
'

test_done
