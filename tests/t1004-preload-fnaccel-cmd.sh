#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='fnaccel COMMAND: options, exit status, --stats'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_preload
fn_require_cmd busybox cmp

# run_rc CMD...: CMD's exit status on stdout, its stdout/stderr in out/err
run_rc()
{
	"$@" >out 2>err
	echo $?
}

test_expect_success 'fnaccel true: 0, and false: 1' '
	test $(run_rc "$FN_FNACCEL" true) = 0 &&
	test ! -s out && test ! -s err &&
	test $(run_rc "$FN_FNACCEL" false) = 1 && test ! -s err
'

test_expect_success 'the exit status of COMMAND passes through' '
	test $(run_rc "$FN_FNACCEL" sh -c "exit 42") = 42 &&
	test $(run_rc "$FN_FNACCEL" --stats sh -c "exit 42") = 42
'

test_expect_success 'not found: 127 and a message' '
	test $(run_rc "$FN_FNACCEL" no-such-command-fnaccel) = 127 &&
	echo "fnaccel: no-such-command-fnaccel: No such file or directory" >expect &&
	cmp expect err &&
	test $(run_rc "$FN_FNACCEL" ./no/such/path) = 127 &&
	test $(run_rc "$FN_FNACCEL" --stats no-such-command-fnaccel) = 127
'

test_expect_success 'not executable: 126 and a message' '
	echo "echo hi" >notexec && chmod 644 notexec &&
	test $(run_rc "$FN_FNACCEL" ./notexec) = 126 &&
	echo "fnaccel: ./notexec: Permission denied" >expect &&
	cmp expect err &&
	mkdir adir && test $(run_rc "$FN_FNACCEL" ./adir) = 126
'

test_expect_success 'bad options: 2 and a message' '
	test $(run_rc "$FN_FNACCEL" --bogus true) = 2 &&
	grep "^fnaccel: unrecognized option .--bogus.$" err &&
	grep "^Try .fnaccel --help. for more information.$" err &&
	test $(run_rc "$FN_FNACCEL") = 2 && grep "missing COMMAND" err &&
	test $(run_rc "$FN_FNACCEL" --stats) = 2 &&
	test $(run_rc "$FN_FNACCEL" --verify=maybe true) = 2 &&
	grep "^fnaccel: --verify=maybe: use --verify=reread or --verify=hash$" err &&
	test $(run_rc "$FN_FNACCEL" --fs=xfs,nofs true) = 2 &&
	grep "^fnaccel: --fs: unknown file system .nofs.$" err &&
	test $(run_rc "$FN_FNACCEL" --stats= true) = 2 &&
	test ! -s out
'

test_expect_success '--help and --version: 0 on stdout' '
	test $(run_rc "$FN_FNACCEL" --help) = 0 && test ! -s err &&
	grep "^Usage: fnaccel \[OPTION\]... \[--\] COMMAND \[ARG\]...$" out &&
	for o in --stats --stats=FILE --verify=MODE --fs=LIST --data-copy \
		--no-data-copy --off --help --version
	do
		grep -e "^  $o " out || exit 1
	done &&
	test $(run_rc "$FN_FNACCEL" --version) = 0 &&
	grep "^fnaccel (fnaccel) [0-9][0-9.]*$" out
'

test_expect_success 'options after COMMAND belong to it; -- ends ours' '
	"$FN_FNACCEL" echo --off >out && echo "--off" >expect && cmp expect out &&
	"$FN_FNACCEL" -- echo x >out && echo x >expect && cmp expect out &&
	test $(run_rc "$FN_FNACCEL" -- --off) = 127
'

test_expect_success 'LD_PRELOAD: the library first, the old value kept' '
	LD_PRELOAD= "$FN_FNACCEL" sh -c "echo \$LD_PRELOAD" >out &&
	echo "$FN_PRELOAD_LIB" >expect && cmp expect out &&
	libc=$(ldd /bin/sh | awk "/libc\\.so/ { print \$3 }") &&
	test -r "$libc" &&
	LD_PRELOAD=$libc "$FN_FNACCEL" sh -c "echo \$LD_PRELOAD" >out &&
	echo "$FN_PRELOAD_LIB:$libc" >expect && cmp expect out
'

test_expect_success 'options become FNACCEL_* variables' '
	"$FN_FNACCEL" --verify=hash --fs=xfs,btrfs --off env >out &&
	grep "^FNACCEL_VERIFY=hash$" out && grep "^FNACCEL_FS=xfs,btrfs$" out &&
	grep "^FNACCEL_DISABLE=1$" out &&
	"$FN_FNACCEL" env >out && ! grep "^FNACCEL_DISABLE=" out &&
	! grep "^FNACCEL_DATA_COPY=" out &&
	"$FN_FNACCEL" --data-copy env >out && grep "^FNACCEL_DATA_COPY=1$" out &&
	"$FN_FNACCEL" --data-copy --no-data-copy env >out &&
	grep "^FNACCEL_DATA_COPY=0$" out
'

test_expect_success 'a missing library: 125 and a message' '
	test $(FNACCEL_LIBRARY=/no/such/libfnaccel.so run_rc "$FN_FNACCEL" true) = 125 &&
	grep "^fnaccel: /no/such/libfnaccel.so: No such file or directory$" err
'

test_expect_success 'setup: a 3 MiB source' 'fn_random src 3M'

test_expect_success '--stats: summed statistics on stderr, children included' '
	"$FN_FNACCEL" --stats sh -c "busybox cp src c1; busybox cp src c2; true" \
		>out 2>err &&
	cmp src c1 && cmp src c2 && test ! -s out &&
	grep "^fnaccel: statistics of [0-9]* processes$" err &&
	test $(fn_stat processes err) -ge 2 &&
	fn_expect_stat preload_sendfile_bytes 6291456 err &&
	fn_expect_stat copy_bytes 6291456 err &&
	fn_expect_stat copy_chunk_size 4194304 err &&
	fn_expect_stat copy_kernel_supported 1 err
'

test_expect_success '--stats with python3 shutil.copyfile' '
	"$FN_FNACCEL" --stats /bin/sh -c "exec $FN_PYTHON -c \"import shutil; shutil.copyfile(\\\"src\\\", \\\"c3\\\")\"" 2>err &&
	cmp src c3 && fn_expect_stat processes 1 err &&
	fn_expect_stat preload_sendfile_bytes 3145728 err
'

test_expect_success '--stats leaves no temporary file behind' '
	mkdir tmpd &&
	TMPDIR=$PWD/tmpd "$FN_FNACCEL" --stats busybox cp src c4 2>err &&
	test -z "$(ls tmpd)" && fn_expect_stat processes 1 err
'

test_expect_success '--stats: a signal is 128+N, the killed process counted' '
	test $(run_rc "$FN_FNACCEL" --stats sh -c "kill -TERM \$\$") = 143 &&
	grep "^processes 1$" err
'

test_expect_success '--stats=FILE: blocks appended to FILE, even after cd' '
	"$FN_FNACCEL" --stats=st.txt sh -c "cd / && busybox cp \"\$0\"/src \"\$0\"/c5" "$PWD" 2>err &&
	test ! -s err && cmp src c5 &&
	fn_expect_stat preload_sendfile_bytes 3145728 st.txt
'

test_expect_success '--off: the library only forwards' '
	"$FN_FNACCEL" --off --stats busybox cp src c6 2>err &&
	cmp src c6 && fn_expect_stat processes 1 err &&
	fn_expect_stat preload_sendfile_ops 0 err &&
	fn_expect_stat copy_ops 0 err
'

# A bad FNACCEL_ value is said once per fnaccel run, by fnaccel, not once
# by each process of the command; the processes take the default
test_expect_success 'bad FNACCEL_ values: one line each for a three-process command' '
	FNACCEL_MIN_SIZE=junk FNACCEL_CHUNK_SIZE=3K FNACCEL_LOG=loud \
	FNACCEL_FS=xfs,bogus FNACCEL_VERIFY=junk \
		"$FN_FNACCEL" --stats sh -c "busybox cp src c7; busybox cp src c8; true" \
		>out 2>err &&
	cmp src c7 && cmp src c8 && test $(fn_stat processes err) -ge 3 &&
	grep -v "^fnaccel: statistics of \|^[a-z_0-9]* [0-9]*\$" err >said &&
	sed "s/^fnaccel: FNACCEL_FS=xfs,bogus: unknown file system, using .*/FS/" \
		said >got &&
	{
	echo "fnaccel: FNACCEL_CHUNK_SIZE=3K: out of range (64K..1G), using 4M"
	echo "fnaccel: FNACCEL_LOG=loud: not off, error, warn, info or debug, using the default level"
	echo "fnaccel: FNACCEL_MIN_SIZE=junk: not a size, using 64K"
	echo FS
	echo "fnaccel: FNACCEL_VERIFY=junk: not reread or hash, using reread"
	} >expect &&
	test_cmp expect got &&
	fn_expect_stat copy_chunk_size 4194304 err
'

test_expect_success 'the processes do not see the bad values; good ones pass through' '
	FNACCEL_MIN_SIZE=junk FNACCEL_VERIFY=hash \
		"$FN_FNACCEL" sh -c "echo \${FNACCEL_MIN_SIZE-unset} \$FNACCEL_VERIFY" \
		>out 2>err &&
	echo "unset hash" >expect && test_cmp expect out &&
	test "$(wc -l <err)" = 1
'

test_expect_success 'a bad value set inside the command is still said, by the process' '
	"$FN_FNACCEL" sh -c "FNACCEL_MIN_SIZE=junk busybox cp src c9" 2>err &&
	cmp src c9 &&
	echo "libfnaccel: FNACCEL_MIN_SIZE=junk: not a size, using 64K" >expect &&
	test_cmp expect err
'

test_done
