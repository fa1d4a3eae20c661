// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t-copy-fallback: the kernel path's answers, injected through the test
 * seam fn_test_set_copy_file_range(): the fallback triggers (ENOSYS,
 * EOPNOTSUPP, EXDEV, EINVAL, a 0 before EOF) each counted in its key with
 * exact bytes, also after the kernel copied part; errors that are no
 * trigger (EIO, ENOSPC, EBADF, EFBIG, EINTR) returned as they are, or as
 * a short count when bytes were copied; FN_COPY_NO_KERNEL never calling
 * the kernel; one call's refusal not sticking to the next; and the 2 GiB
 * per-call cap of the kernel looped over in one engine call.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fn-test.h"

#define SIZE	(300 * 1024 + 7)

static char *dir;

/* What the injected copy_file_range(2) does */
static int hook_errno;		/* fail with this... */
static size_t hook_real_bytes;	/* ...after really copying this much */
static bool hook_zero;		/* or return 0 */
static bool hook_fake;		/* or pretend to copy, up to EOF */
static off_t hook_fake_size;
static unsigned int hook_calls;
static size_t hook_lens[8];

static ssize_t hook(int in, off_t *off_in, int out, off_t *off_out,
		    size_t len, unsigned int flags)
{
	size_t n;

	if (hook_calls < 8)
		hook_lens[hook_calls] = len;
	hook_calls++;
	if (hook_fake) {
		n = *off_in >= hook_fake_size ? 0 :
		    MIN(len, (size_t)(hook_fake_size - *off_in));
		*off_in += (off_t)n;
		*off_out += (off_t)n;
		return (ssize_t)n;
	}
	if (hook_zero)
		return 0;
	if (hook_real_bytes) {
		ssize_t r = fn_sys_copy_file_range(in, off_in, out, off_out,
						   MIN(len, hook_real_bytes),
						   flags);
		if (r > 0)
			hook_real_bytes -= (size_t)r;
		return r;
	}
	errno = hook_errno;
	return -1;
}

static void hook_set(int err, size_t real, bool zero)
{
	hook_errno = err;
	hook_real_bytes = real;
	hook_zero = zero;
	hook_fake = false;
	hook_calls = 0;
	fn_test_set_copy_file_range(hook);
}

struct pair {
	int in;
	int out;
};

static struct pair pair_new(void)
{
	char *ps = tf_path(dir, "src");
	char *pd = tf_path(dir, "dst");
	struct pair p;

	p.in = tf_make_file(ps, SIZE, 7);
	p.out = tf_make_file(pd, 0, 0);
	if (lseek(p.in, 0, SEEK_SET) != 0)
		sysbail("lseek");
	free(ps);
	free(pd);
	fn_stats_reset();
	return p;
}

static void pair_close(struct pair p)
{
	close(p.in);
	close(p.out);
}

/* A trigger from the first call: all bytes by the fallback */
static void test_trigger(int err, const char *key)
{
	struct pair p = pair_new();
	const char *e = strerror(err);
	ssize_t n;

	hook_set(err, 0, false);
	n = fn_copy_range(p.in, NULL, p.out, NULL, SIZE, 0);
	is_int(SIZE, n, "%s: all bytes copied", e);
	ok(tf_pos(p.in) == SIZE && tf_pos(p.out) == SIZE,
	   "%s: file offsets advanced by the count", e);
	ok(tf_same_file(p.in, p.out), "%s: bytes identical", e);
	is_int(1, hook_calls, "%s: the kernel was asked once", e);
	tf_is_stat(1, key, e);
	tf_is_stat(1, "copy_fallback_ops", e);
	tf_is_stat(SIZE, "copy_fallback_bytes", e);
	tf_is_stat(SIZE, "copy_bytes", e);
	tf_others_zero(e, key, "copy_ops", "copy_bytes", "copy_fallback_ops",
		       "copy_fallback_bytes", NULL);
	pair_close(p);
}

/* The kernel copies 100K, then refuses: the rest by the fallback */
static void test_trigger_after_part(int err, const char *key)
{
	struct pair p = pair_new();
	const char *e = strerror(err);
	off_t oi = 0;
	off_t oo = 0;
	ssize_t n;

	hook_set(err, 100 * 1024, false);
	n = fn_copy_range(p.in, &oi, p.out, &oo, SIZE, 0);
	is_int(SIZE, n, "100K then %s: all bytes copied", e);
	ok(oi == SIZE && oo == SIZE && tf_pos(p.in) == 0 &&
	   tf_pos(p.out) == 0, "100K then %s: offsets exact", e);
	ok(tf_same_file(p.in, p.out), "100K then %s: bytes identical", e);
	tf_is_stat(1, key, e);
	tf_is_stat(1, "copy_kernel_ops", e);
	tf_is_stat(100 * 1024, "copy_kernel_bytes", e);
	tf_is_stat(1, "copy_fallback_ops", e);
	tf_is_stat(SIZE - 100 * 1024, "copy_fallback_bytes", e);
	tf_others_zero(e, key, "copy_ops", "copy_bytes", "copy_kernel_ops",
		       "copy_kernel_bytes", "copy_fallback_ops",
		       "copy_fallback_bytes", NULL);
	pair_close(p);
}

/* An error that says the copy is impossible is the answer */
static void test_error(int err)
{
	struct pair p = pair_new();
	const char *e = strerror(err);
	ssize_t n;

	hook_set(err, 0, false);
	n = fn_copy_range(p.in, NULL, p.out, NULL, SIZE, 0);
	is_int(-err, n, "%s: returned as it is", e);
	ok(tf_pos(p.in) == 0 && tf_pos(p.out) == 0 && tf_size(p.out) == 0,
	   "%s: nothing written, no offset moved", e);
	is_int(1, hook_calls, "%s: not retried", e);
	tf_is_stat(1, "copy_errors", e);
	tf_others_zero(e, "copy_ops", "copy_errors", NULL);

	/* After 100K: a short count, then the error on the next call */
	if (ftruncate(p.out, 0) < 0)
		sysbail("ftruncate");
	hook_set(err, 100 * 1024, false);
	fn_stats_reset();
	n = fn_copy_range(p.in, NULL, p.out, NULL, SIZE, 0);
	is_int(100 * 1024, n, "100K then %s: the 100K", e);
	ok(tf_pos(p.in) == 100 * 1024 && tf_pos(p.out) == 100 * 1024 &&
	   tf_size(p.out) == 100 * 1024 &&
	   tf_has_pattern(p.out, 0, 100 * 1024, 0, 7),
	   "100K then %s: offsets and bytes of the 100K", e);
	n = fn_copy_range(p.in, NULL, p.out, NULL, SIZE, 0);
	is_int(-err, n, "100K then %s: the next call: the error", e);
	ok(tf_pos(p.in) == 100 * 1024 && tf_size(p.out) == 100 * 1024,
	   "100K then %s: the failed call moved nothing", e);
	tf_is_stat(2, "copy_ops", e);
	tf_is_stat(1, "copy_errors", e);
	tf_is_stat(100 * 1024, "copy_bytes", e);
	tf_is_stat(100 * 1024, "copy_kernel_bytes", e);
	tf_others_zero(e, "copy_ops", "copy_errors", "copy_bytes",
		       "copy_kernel_ops", "copy_kernel_bytes", NULL);
	pair_close(p);
}

/* 0 before EOF (a size-0 pseudo file, or a lying file system) */
static void test_zero(void)
{
	struct pair p = pair_new();
	off_t oi = SIZE;
	off_t oo = 0;
	ssize_t n;

	hook_set(0, 0, true);
	n = fn_copy_range(p.in, NULL, p.out, NULL, SIZE, 0);
	is_int(SIZE, n, "0 before EOF: all bytes by the fallback");
	ok(tf_same_file(p.in, p.out), "0 before EOF: bytes identical");
	tf_is_stat(1, "copy_fallback_zero", "0 before EOF");
	tf_is_stat(SIZE, "copy_fallback_bytes", "0 before EOF");
	tf_others_zero("0 before EOF", "copy_ops", "copy_bytes",
		       "copy_fallback_ops", "copy_fallback_bytes",
		       "copy_fallback_zero", NULL);

	fn_stats_reset();
	n = fn_copy_range(p.in, &oi, p.out, &oo, SIZE, 0);
	is_int(0, n, "0 at EOF: 0, no fallback");
	tf_others_zero("0 at EOF", "copy_ops", NULL);
	pair_close(p);
}

/* FN_COPY_NO_KERNEL: the kernel is not asked at all */
static void test_forced(void)
{
	struct pair p = pair_new();
	ssize_t n;

	hook_set(EIO, 0, false);
	n = fn_copy_range(p.in, NULL, p.out, NULL, SIZE, FN_COPY_NO_KERNEL);
	is_int(SIZE, n, "no-kernel: all bytes");
	is_int(0, hook_calls, "no-kernel: the kernel was not asked");
	ok(tf_same_file(p.in, p.out), "no-kernel: bytes identical");
	tf_is_stat(1, "copy_fallback_forced", "no-kernel");
	tf_is_stat(SIZE, "copy_fallback_bytes", "no-kernel");
	tf_others_zero("no-kernel", "copy_ops", "copy_bytes",
		       "copy_fallback_ops", "copy_fallback_bytes",
		       "copy_fallback_forced", NULL);
	pair_close(p);
}

/* A refusal is for that call only: the next one tries the kernel */
static void test_per_call(void)
{
	struct pair p = pair_new();
	off_t oi = 0;
	off_t oo = 0;
	ssize_t n;

	hook_set(EXDEV, 0, false);
	n = fn_copy_range(p.in, &oi, p.out, &oo, 1000, 0);
	is_int(1000, n, "per call: EXDEV call copies by the fallback");
	hook_set(0, SIZE, false);
	n = fn_copy_range(p.in, &oi, p.out, &oo, SIZE, 0);
	is_int(SIZE - 1000, n, "per call: the next call copies the rest");
	is_int(2, hook_calls,
	       "per call: ...through the kernel (2nd call at EOF)");
	ok(tf_same_file(p.in, p.out), "per call: bytes identical");
	tf_is_stat(1, "copy_fallback_exdev", "per call");
	tf_is_stat(1, "copy_kernel_ops", "per call");
	tf_is_stat(SIZE - 1000, "copy_kernel_bytes", "per call");
	tf_is_stat(1000, "copy_fallback_bytes", "per call");
	pair_close(p);
}

/*
 * The kernel copies at most 0x7ffff000 bytes a call: a 3 GiB copy (cp
 * asks for SSIZE_MAX) is one engine call of several kernel calls.  The
 * hook pretends, so no 3 GiB are written.
 */
static void test_cap(void)
{
	const uint64_t size = 3 * TF_GIB;
	char *ps = tf_path(dir, "big");
	struct pair p;
	off_t oi = 0;
	off_t oo = 0;
	ssize_t n;

	p = pair_new();
	close(p.in);
	p.in = tf_make_file(ps, 0, 0);
	if (ftruncate(p.in, (off_t)size) < 0)
		sysbail("ftruncate");
	hook_set(0, 0, false);
	hook_fake = true;
	hook_fake_size = (off_t)size;
	n = fn_copy_range(p.in, &oi, p.out, &oo, SSIZE_MAX, 0);
	is_int((long)size, n, "cap: 3 GiB in one engine call");
	ok(oi == (off_t)size && oo == (off_t)size, "cap: offsets at 3 GiB");
	is_int(3, hook_calls, "cap: three kernel calls (the last one at EOF)");
	ok(hook_lens[0] == 0x7ffff000 && hook_lens[1] == 0x7ffff000,
	   "cap: each asks for the kernel's maximum, 0x7ffff000");
	tf_is_stat(size, "copy_kernel_bytes", "cap");
	tf_is_stat(1, "copy_kernel_ops", "cap");
	tf_others_zero("cap", "copy_ops", "copy_bytes", "copy_kernel_ops",
		       "copy_kernel_bytes", NULL);
	pair_close(p);
	unlink(ps);
	free(ps);
}

/* VmSize of /proc/self/status in kB (read(2), no stdio, no malloc) */
static long vm_size(void)
{
	static char buf[8192];
	ssize_t n;
	char *p;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		sysbail("/proc/self/status");
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		sysbail("read /proc/self/status");
	buf[n] = '\0';
	p = strstr(buf, "VmSize:");
	if (p == NULL)
		bail("no VmSize");
	return strtol(p + strlen("VmSize:"), NULL, 10);
}

/* The fallback's buffer is unmapped before each call returns */
static void test_buffer_freed(void)
{
	struct pair p = pair_new();
	long before;
	long after;
	int bad = 0;

	fn_test_set_copy_file_range(NULL);
	before = vm_size();
	for (int i = 0; i < 50; i++) {
		off_t oi = 0;
		off_t oo = 0;

		if (fn_copy_range(p.in, &oi, p.out, &oo, SIZE,
				  i % 2 ? FN_COPY_NO_KERNEL :
				  FN_COPY_NO_KERNEL | FN_COPY_SPARSE) != SIZE)
			bad++;
	}
	after = vm_size();
	is_int(0, bad, "buffer: 50 fallback copies");
	is_int(before, after, "buffer: VmSize unchanged, nothing left mapped");
	pair_close(p);
}

int main(void)
{
	plan_lazy();
	dir = test_tmpdir();
	test_trigger(ENOSYS, "copy_fallback_enosys");
	test_trigger(EOPNOTSUPP, "copy_fallback_eopnotsupp");
	test_trigger(EXDEV, "copy_fallback_exdev");
	test_trigger(EINVAL, "copy_fallback_einval");
	test_trigger_after_part(EXDEV, "copy_fallback_exdev");
	test_trigger_after_part(EINVAL, "copy_fallback_einval");
	test_error(EIO);
	test_error(ENOSPC);
	test_error(EBADF);
	test_error(EFBIG);
	test_error(EINTR);
	test_zero();
	test_forced();
	test_per_call();
	test_cap();
	test_buffer_freed();
	fn_test_set_copy_file_range(NULL);
	test_tmpdir_free(dir);
	return 0;
}
