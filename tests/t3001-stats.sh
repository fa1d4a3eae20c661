#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
test_description='fnpassfs: /.stats keys, values, reset, refusals, name options'
. "$(dirname "$0")/lib/test-lib.sh"
fn_require_root
fn_require_fuse
fn_require_cmd setfattr python3

ops=$FN_BUILDDIR/tests/helpers/fp-ops

st()
{
	fn_fs_stat "$1" mnt
}

# errno_of CMD...: the errno name CMD's python equivalent fails with
errno_of()
{
	python3 -c "
import errno, os, sys
op = sys.argv[1]; a = sys.argv[2:]
try:
    if op == 'chmod': os.chmod(a[0], 0o600)
    elif op == 'chown': os.chown(a[0], 1, 1)
    elif op == 'truncate': os.truncate(a[0], 0)
    elif op == 'utime': os.utime(a[0], (1, 1))
    elif op == 'unlink': os.unlink(a[0])
    elif op == 'rmdir': os.rmdir(a[0])
    elif op == 'mkdir': os.mkdir(a[0])
    elif op == 'rename': os.rename(a[0], a[1])
    elif op == 'link': os.link(a[0], a[1])
    elif op == 'symlink': os.symlink('x', a[0])
    elif op == 'mknod': os.mkfifo(a[0])
    elif op == 'setxattr': os.setxattr(a[0], 'user.x', b'1')
    elif op == 'getxattr': os.getxattr(a[0], 'user.x')
    elif op == 'removexattr': os.removexattr(a[0], 'user.x')
    elif op == 'listxattr': print(len(os.listxattr(a[0]))); sys.exit(0)
    elif op == 'excl': os.open(a[0], os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    elif op == 'write':
        fd = os.open(a[0], os.O_WRONLY); os.write(fd, a[1].encode())
    elif op == 'opendir': os.listdir(a[0])
    elif op == 'fallocate':
        fd = os.open(a[0], os.O_WRONLY); os.posix_fallocate(fd, 0, 10)
    else: sys.exit('unknown op')
    print(0)
except OSError as e:
    print(errno.errorcode[e.errno])
" "$@"
}

cat >keys.expected <<EOK
copy_ops
copy_bytes
copy_kernel_ops
copy_kernel_bytes
copy_fallback_ops
copy_fallback_bytes
copy_fallback_enosys
copy_fallback_eopnotsupp
copy_fallback_exdev
copy_fallback_einval
copy_fallback_zero
copy_fallback_forced
copy_sparse_hole_bytes
copy_errors
copy_ns
copy_chunk_size
copy_kernel_supported
uptime_s
fs_lookup_ops
fs_forget_ops
fs_forget_multi_ops
fs_getattr_ops
fs_setattr_ops
fs_readlink_ops
fs_mknod_ops
fs_mkdir_ops
fs_unlink_ops
fs_rmdir_ops
fs_symlink_ops
fs_rename_ops
fs_link_ops
fs_open_ops
fs_read_ops
fs_write_ops
fs_flush_ops
fs_release_ops
fs_fsync_ops
fs_opendir_ops
fs_readdir_ops
fs_readdirplus_ops
fs_releasedir_ops
fs_fsyncdir_ops
fs_statfs_ops
fs_setxattr_ops
fs_getxattr_ops
fs_listxattr_ops
fs_removexattr_ops
fs_access_ops
fs_create_ops
fs_tmpfile_ops
fs_fallocate_ops
fs_lseek_ops
fs_copy_file_range_ops
fs_lookup_ns
fs_forget_ns
fs_forget_multi_ns
fs_getattr_ns
fs_setattr_ns
fs_readlink_ns
fs_mknod_ns
fs_mkdir_ns
fs_unlink_ns
fs_rmdir_ns
fs_symlink_ns
fs_rename_ns
fs_link_ns
fs_open_ns
fs_read_ns
fs_write_ns
fs_flush_ns
fs_release_ns
fs_fsync_ns
fs_opendir_ns
fs_readdir_ns
fs_readdirplus_ns
fs_releasedir_ns
fs_fsyncdir_ns
fs_statfs_ns
fs_setxattr_ns
fs_getxattr_ns
fs_listxattr_ns
fs_removexattr_ns
fs_access_ns
fs_create_ns
fs_tmpfile_ns
fs_fallocate_ns
fs_lseek_ns
fs_copy_file_range_ns
fs_errors
fs_read_bytes
fs_read_splice_bytes
fs_write_bytes
fs_write_splice_bytes
fs_copy_file_range_bytes
fs_handle_fallbacks
fs_lookups_known
fs_lookups_by_handle
fs_fd_cache_hits
fs_fd_cache_misses
fs_fd_cache_evictions
fs_stale_handles
fs_fd_limit_errors
fs_watch_events
fs_watch_names
fs_watch_attrs
fs_listings_kept
fs_listings_read
fs_inodes
fs_open_files
fs_handles_capable
fs_inodes_handle
fs_inodes_fd
fs_fd_cache_open
opt_chunk_size
opt_splice_threshold
opt_splice
opt_cache
opt_writeback
opt_readdirplus
opt_xattr
opt_threads
opt_fd_cache
opt_max_write
opt_max_read
opt_entry_timeout
opt_attr_timeout
opt_negative_timeout
opt_stats_file
opt_log_level
opt_allow_other
opt_default_permissions
opt_overmount
opt_creds
opt_passthrough
fs_passthrough_active
fs_passthrough_opens
fs_passthrough_files
fs_passthrough_fallbacks_unsupported
fs_passthrough_fallbacks_writeback
fs_passthrough_fallbacks_cached
fs_passthrough_fallbacks_direct
fs_passthrough_fallbacks_stacking
fs_passthrough_fallbacks_perm
fs_passthrough_fallbacks_refused
fs_passthrough_fallbacks_setid
EOK

test_expect_setup 'mount, with a backing file named .stats' '
	mkdir src mnt && printf backing >src/.stats && fn_mount src mnt chunk_size=8M,passthrough=never'

test_expect_success 'every key, once, in order, "key value" lines' '
	cut -d" " -f1 mnt/.stats >keys && cmp keys.expected keys &&
	! grep -v "^[a-z_]* [0-9a-z.]*$" mnt/.stats'

test_expect_success 'the options in force' '
	test "$(st opt_chunk_size)" = 8388608 && test "$(st copy_chunk_size)" = 8388608 &&
	test "$(st opt_splice_threshold)" = 65536 && test "$(st opt_cache)" = auto &&
	test "$(st opt_readdirplus)" = auto && test "$(st opt_xattr)" = passthrough &&
	test "$(st opt_threads)" = 10 &&
	test "$(st opt_max_write)" = 1048576 && test "$(st opt_stats_file)" = .stats &&
	test "$(st opt_writeback)" = 0 && test "$(st opt_splice)" = 1 &&
	test "$(st opt_entry_timeout)" = 1 && test "$(st opt_attr_timeout)" = 1'

test_expect_success 'it shadows the backing .stats, is hidden from readdir' '
	grep -q "^fs_lookup_ops " mnt/.stats && test "$(cat src/.stats)" = backing &&
	test -z "$(ls -A mnt | grep -x .stats)" &&
	test "$(stat -c "%F %a %s" mnt/.stats)" = "regular empty file 644 0"'

test_expect_success 'cp of 64 MiB inside the mount: one engine copy of 64 MiB' '
	head -c 67108864 /dev/urandom >src/in && echo reset >mnt/.stats &&
	test "$(st copy_bytes)" = 0 && cp mnt/in mnt/out && cmp src/in src/out &&
	test "$(st fs_copy_file_range_ops)" -ge 1 &&
	test "$(st copy_bytes)" = 67108864 &&
	test "$(st fs_copy_file_range_bytes)" = 67108864 &&
	test "$(st fs_write_bytes)" = 0'

test_expect_success 'counts after known operations' '
	echo reset >mnt/.stats && printf 12345 >mnt/five && cat mnt/five >/dev/null &&
	mkdir mnt/dir && rmdir mnt/dir && rm mnt/five &&
	test "$(st fs_write_bytes)" = 5 && test "$(st fs_mkdir_ops)" = 1 &&
	test "$(st fs_rmdir_ops)" = 1 && test "$(st fs_unlink_ops)" = 1 &&
	test "$(st fs_create_ops)" = 1 && test "$(st fs_errors)" = 0'

test_expect_success 'time in the daemon: only for requests it answered' '
	test "$(st fs_mkdir_ns)" -gt 0 && test "$(st fs_rmdir_ns)" -gt 0 &&
	test "$(st fs_symlink_ns)" = 0 && test "$(st fs_symlink_ops)" = 0 &&
	test "$(st fs_fallocate_ns)" = 0 && echo reset >mnt/.stats &&
	test "$(st fs_mkdir_ns)" = 0 && test "$(st fs_rmdir_ns)" = 0'

test_expect_success 'fs_open_files counts open files; errors count' '
	exec 7<mnt/in && test "$(st fs_open_files)" = 1 && exec 7<&- &&
	test "$(st fs_open_files)" = 0 && echo reset >mnt/.stats &&
	! mkdir mnt/in 2>/dev/null && test "$(st fs_errors)" = 0 &&
	mkdir mnt/full && : >mnt/full/f && ! rmdir mnt/full 2>/dev/null &&
	test "$(st fs_errors)" = 1'

test_expect_success 'reset: "reset" with or without newline zeroes the counters' '
	cat mnt/in >/dev/null && test "$(st fs_read_ops)" -gt 0 &&
	printf reset >mnt/.stats && test "$(st fs_read_bytes)" = 0 &&
	test "$(st copy_ops)" = 0 && echo reset >mnt/.stats &&
	test "$(st fs_write_ops)" = 0'

test_expect_success 'each open reads a fresh, consistent snapshot' '
	python3 -c "
f = open(\"mnt/.stats\"); a = f.read(); f.seek(0); b = f.read()
assert a == b, \"one open, one snapshot\"
open(\"mnt/x\", \"w\").write(\"x\")
g = open(\"mnt/.stats\").read()
assert g != a
"'

test_expect_success 'refused operations and their errnos' '
	test "$(errno_of write mnt/.stats nonsense)" = EINVAL &&
	test "$(errno_of write mnt/.stats resets)" = EINVAL &&
	test "$(errno_of chmod mnt/.stats)" = EPERM &&
	test "$(errno_of chown mnt/.stats)" = EPERM &&
	test "$(errno_of truncate mnt/.stats)" = EPERM &&
	test "$(errno_of utime mnt/.stats)" = EPERM &&
	test "$(errno_of unlink mnt/.stats)" = EPERM &&
	test "$(errno_of rename mnt/.stats mnt/elsewhere)" = EPERM &&
	test "$(errno_of rename mnt/x mnt/.stats)" = EPERM &&
	test "$(errno_of link mnt/.stats mnt/hard)" = EPERM &&
	test "$(errno_of link mnt/x mnt/.stats)" = EEXIST &&
	test "$(errno_of rmdir mnt/.stats)" = ENOTDIR &&
	test "$(errno_of mkdir mnt/.stats)" = EEXIST &&
	test "$(errno_of symlink mnt/.stats)" = EEXIST &&
	test "$(errno_of mknod mnt/.stats)" = EEXIST &&
	test "$(errno_of excl mnt/.stats)" = EEXIST &&
	test "$(errno_of setxattr mnt/.stats)" = EPERM &&
	test "$(errno_of removexattr mnt/.stats)" = EPERM &&
	test "$(errno_of getxattr mnt/.stats)" = ENODATA &&
	test "$(errno_of listxattr mnt/.stats)" = 0 &&
	test "$(errno_of opendir mnt/.stats)" = ENOTDIR &&
	test "$(errno_of fallocate mnt/.stats)" = EPERM &&
	test "$(cat src/.stats)" = backing && test ! -e src/hard &&
	grep -q "^fs_lookup_ops " mnt/.stats'

test_expect_success 'cp from /.stats copies the text' '
	cp mnt/.stats saved && grep -q "^opt_cache auto$" saved'

test_expect_success 'unmount' 'fn_umount mnt'

test_expect_setup 'stats_file=st' 'fn_mount src mnt stats_file=st'

test_expect_success 'the file is /st, /.stats is the backing file' '
	fn_fs_stat opt_stats_file mnt st >v && test "$(cat v)" = st &&
	test "$(cat mnt/.stats)" = backing &&
	test -z "$(ls -A mnt | grep -x st)" && test ! -e src/st'

test_expect_success 'unmount' 'fn_umount mnt'

test_expect_setup 'nostats' 'fn_mount src mnt nostats'

test_expect_success 'no statistics file at all' '
	test "$(cat mnt/.stats)" = backing && test ! -e mnt/st &&
	printf changed >mnt/.stats && test "$(cat src/.stats)" = changed'

test_expect_success 'unmount' 'fn_umount mnt'

test_done
