// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t-copy-enospc: a copy that runs out of space, call by call.  On a tmpfs
 * of 1 MiB mounted in the test's directory, copying 3 MiB returns the
 * bytes that fit first (like write(2)), then -ENOSPC on the next call,
 * and the bytes written are the source's: through the fallback (from
 * ext4, EXDEV), through the kernel (within the tmpfs) and forced.
 *
 * Needs root for mount(2); the tmpfs is unmounted on every way out (exit,
 * bail, fatal signals).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "lib/fn-test.h"

#define BIG	(3 * TF_MIB)

static char *mnt;
static volatile sig_atomic_t mounted;

static void unmount_at_exit(void)
{
	if (mounted && umount2(mnt, 0) < 0)
		umount2(mnt, MNT_DETACH);
	mounted = 0;
}

static void unmount_on_signal(int sig)
{
	if (mounted)
		umount2(mnt, MNT_DETACH);
	mounted = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Free bytes of the tmpfs: what a copy can still write */
static uint64_t free_bytes(void)
{
	struct statvfs sv;

	if (statvfs(mnt, &sv) < 0)
		sysbail("statvfs");
	return (uint64_t)sv.f_bavail * sv.f_frsize;
}

/*
 * in: BIG bytes whose first `data` bytes have pattern 17 (the rest a
 * hole); out: empty, on the small tmpfs.  Two calls from offset 0.
 */
static void test_fill(const char *what, int in, int out, uint64_t data,
		      unsigned int flags, const char *key)
{
	uint64_t room = free_bytes();
	off_t oi = 0;
	off_t oo = 0;
	ssize_t n;

	diag("%s: %llu bytes free", what, (unsigned long long)room);
	fn_stats_reset();
	n = fn_copy_range(in, &oi, out, &oo, BIG, flags);
	is_int((long)room, n, "%s: first call: the bytes that fit", what);
	ok(oi == (off_t)room && oo == (off_t)room,
	   "%s: offsets advanced by them", what);
	ok(tf_size(out) == (off_t)room &&
	   tf_has_pattern(out, 0, MIN(room, data), 0, 17) &&
	   (room <= data || tf_is_zero(out, data, room - data)),
	   "%s: the bytes written are the source's", what);
	tf_is_stat(room, key, what);
	n = fn_copy_range(in, &oi, out, &oo, BIG, flags);
	is_int(-ENOSPC, n, "%s: second call: -ENOSPC", what);
	ok(oi == (off_t)room && oo == (off_t)room &&
	   tf_size(out) == (off_t)room, "%s: second call moved nothing",
	   what);
	tf_is_stat(2, "copy_ops", what);
	tf_is_stat(1, "copy_errors", what);
	tf_is_stat(room, "copy_bytes", what);
}

int main(void)
{
	char *dir;
	char *ps;
	char *pd;
	int in;
	int out;

	plan_lazy();
	if (geteuid() != 0)
		skip_all("needs root to mount a tmpfs");
	dir = test_tmpdir();
	mnt = tf_path(dir, "small");
	if (mkdir(mnt, 0755) < 0)
		sysbail("mkdir %s", mnt);
	atexit(unmount_at_exit);
	signal(SIGINT, unmount_on_signal);
	signal(SIGTERM, unmount_on_signal);
	signal(SIGSEGV, unmount_on_signal);
	signal(SIGABRT, unmount_on_signal);
	signal(SIGBUS, unmount_on_signal);
	if (mount("fnaccel-test", mnt, "tmpfs", 0, "size=1m,mode=0755") < 0)
		sysbail("mount tmpfs on %s", mnt);
	mounted = 1;

	/* ext4 -> tmpfs: the kernel says EXDEV, the fallback fills it */
	ps = tf_path(dir, "src");
	pd = tf_path(mnt, "dst");
	in = tf_make_file(ps, BIG, 17);
	out = tf_make_file(pd, 0, 0);
	test_fill("ext4 -> tmpfs", in, out, BIG, 0, "copy_fallback_bytes");
	close(in);
	close(out);
	unlink(pd);
	free(ps);
	free(pd);

	/*
	 * Within the tmpfs the kernel copies: a 3 MiB source that holds
	 * 256K of data (the rest a hole) fits beside the copy.
	 */
	ps = tf_path(mnt, "src");
	pd = tf_path(mnt, "dst");
	in = tf_make_file(ps, 256 * TF_KIB, 17);
	if (ftruncate(in, (off_t)BIG) < 0)
		sysbail("ftruncate");
	out = tf_make_file(pd, 0, 0);
	test_fill("tmpfs -> tmpfs", in, out, 256 * TF_KIB, 0,
		  "copy_kernel_bytes");
	close(out);
	unlink(pd);
	out = tf_make_file(pd, 0, 0);
	test_fill("tmpfs -> tmpfs, no-kernel", in, out, 256 * TF_KIB,
		  FN_COPY_NO_KERNEL, "copy_fallback_bytes");
	close(in);
	close(out);
	free(ps);
	free(pd);

	ok(umount2(mnt, 0) == 0, "tmpfs unmounted");
	mounted = 0;
	free(mnt);
	test_tmpdir_free(dir);
	return 0;
}
