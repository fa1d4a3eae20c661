#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='fnpassfs: mounted over the directory it serves'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_fuse

test_expect_setup 'files, then fnpassfs d d' '
	mkdir d && printf before >d/old && mkdir d/sub && printf x >d/sub/f &&
	ino=$(stat -c %i d/old) && fn_mount d d'

test_expect_success 'the mount is on d and serves what it hides' '
	fn_is_mounted d && test "$(cat d/old)" = before &&
	test "$(stat -c %i d/old)" = $ino && test "$(cat d/sub/f)" = x &&
	test "$(ls d)" = "old
sub"'

test_expect_success 'changes through the mount' '
	printf new >d/created && printf more >>d/old && mv d/sub d/moved &&
	grep -q "^fs_create_ops 1$" d/.stats'

test_expect_success 'unmount: daemon exits 0' 'fn_umount d && ! fn_is_mounted d'

test_expect_success 'the changes are in the directory itself' '
	test "$(cat d/old)" = beforemore && test "$(cat d/created)" = new &&
	test "$(cat d/moved/f)" = x && test ! -e d/sub && test ! -e d/.stats'

test_expect_success 'daemon mode over itself' '
	here=$(pwd -P) && "$FN_BUILDDIR/fs/fnpassfs" "$here/d" "$here/d" &&
	pid=$(fn_daemon_pid d) && fn_register_mount $pid d &&
	test "$(cat d/created)" = new && fn_umount d $pid'

test_done
