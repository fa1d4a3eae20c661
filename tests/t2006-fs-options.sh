#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='fnpassfs: what each mount option changes'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_fuse
fn_require_cmd python3

st()
{
	fn_fs_stat "$1" mnt
}

test_expect_setup 'writeback' 'mkdir src mnt && fn_mount src mnt writeback'

test_expect_success 'writeback: gathered writes, exact bytes' '
	test "$(st opt_writeback)" = 1 && echo reset >mnt/.stats &&
	head -c 16777216 /dev/urandom >data &&
	dd if=data of=mnt/wb bs=4k 2>/dev/null && sync mnt/wb && cmp data src/wb &&
	test "$(st fs_write_bytes)" = 16777216 && test "$(st fs_write_ops)" -lt 4096'

test_expect_success 'writeback: O_APPEND and O_WRONLY files' '
	python3 -c "
import os
fd = os.open(\"mnt/wo\", os.O_WRONLY | os.O_CREAT, 0o600)
os.write(fd, b\"x\" * 5000); os.pwrite(fd, b\"yy\", 100); os.close(fd)
d = open(\"src/wo\", \"rb\").read()
assert len(d) == 5000 and d[100:102] == b\"yy\" and d[:100] == b\"x\" * 100
open(\"mnt/ap\", \"w\").write(\"abc\")
fd = os.open(\"mnt/ap\", os.O_WRONLY | os.O_APPEND)
os.write(fd, b\"def\"); os.lseek(fd, 0, 0); os.write(fd, b\"ghi\"); os.close(fd)
assert open(\"src/ap\").read() == \"abcdefghi\"
" && test "$(stat -c %a src/wo)" = 600'

test_expect_success 'unmount' 'fn_umount mnt'

test_expect_setup 'cache=never' 'fn_mount src mnt cache=never'

test_expect_success 'cache=never: changes on the backing side show at once' '
	test "$(st opt_cache)" = never && test "$(st opt_attr_timeout)" = 0 &&
	printf 12345 >src/n && test "$(stat -c %s mnt/n)" = 5 && cat mnt/n >/dev/null &&
	printf 1234567 >src/n && test "$(stat -c %s mnt/n)" = 7 &&
	test "$(cat mnt/n)" = 1234567 && test ! -e mnt/later &&
	: >src/later && test -e mnt/later'

test_expect_success 'unmount' 'fn_umount mnt'

test_expect_setup 'cache=always' 'fn_mount src mnt cache=always'

test_expect_success 'cache=always: names, absent names too, are cached' '
	test "$(st opt_cache)" = always && test "$(st opt_entry_timeout)" = 86400 &&
	test ! -e mnt/notyet && : >src/notyet && test ! -e mnt/notyet &&
	: >mnt/made && test -e src/made && test -e mnt/made'

test_expect_success 'unmount' 'fn_umount mnt'

test_expect_setup 'readdirplus=no' 'fn_mount src mnt readdirplus=no'

test_expect_success 'readdirplus=no: plain readdir only' '
	echo reset >mnt/.stats && ls -l mnt >/dev/null &&
	test "$(st fs_readdirplus_ops)" = 0 && test "$(st fs_readdir_ops)" -gt 0 &&
	test "$(st opt_readdirplus)" = no'

test_expect_success 'unmount' 'fn_umount mnt'

test_expect_setup 'readdirplus=yes' 'fn_mount src mnt readdirplus=yes'

test_expect_success 'readdirplus=yes: readdirplus only; entries right' '
	echo reset >mnt/.stats && ls -l mnt >/dev/null &&
	test "$(st fs_readdir_ops)" = 0 && test "$(st fs_readdirplus_ops)" -gt 0 &&
	ls -a src | grep -vx .stats >want && ls -a mnt >got && cmp want got'

test_expect_success 'unmount' 'fn_umount mnt'

test_expect_setup 'threads=1,max_write=128K,entry_timeout=0,attr_timeout=0,log_level=debug' '
	fn_mount src mnt threads=1,max_write=128K,entry_timeout=0,attr_timeout=0,log_level=debug,passthrough=never'

test_expect_success 'max_write=128K: a 1 MiB write is 8 requests' '
	test "$(st opt_threads)" = 1 && test "$(st opt_max_write)" = 131072 &&
	test "$(st opt_entry_timeout)" = 0 && test "$(st opt_log_level)" = 4 &&
	echo reset >mnt/.stats && dd if=data of=mnt/mw bs=1M count=4 2>/dev/null &&
	test "$(st fs_write_ops)" = 32 && cmp -n 4194304 data src/mw'

test_expect_success 'unmount' 'fn_umount mnt'

test_done
