// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * real.c: finds libc's own read, write, sendfile ... behind our wrappers.
 *
 * dlsym(RTLD_NEXT) runs once in the constructor, and lazily in the first
 * wrapper called before it (another library's constructor may read a
 * file first).  dlsym itself may allocate or read files: while it runs,
 * the wrappers of the resolving thread use raw system calls (fa_call_*),
 * so nothing recurses.  The table is published by one atomic_bool with
 * release/acquire ordering; two threads resolving at once store the same
 * values.
 */
#include <config.h>

#include <dlfcn.h>
#include <errno.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fa.h"

struct fa_real fa_real;
atomic_bool fa_real_ready;

/* This thread is inside dlsym: its wrappers must not resolve again */
static FA_TLS bool fa_resolving;

static void *fa_sym(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

void fa_resolve(void)
{
	int saved_errno = errno;

	if (fa_resolving ||
	    atomic_load_explicit(&fa_real_ready, memory_order_acquire))
		return;
	fa_resolving = true;
	fa_real.read = fa_sym("read");
	fa_real.read_chk = fa_sym("__read_chk");
	fa_real.pread = fa_sym("pread64");
	fa_real.pread_chk = fa_sym("__pread64_chk");
	fa_real.write = fa_sym("write");
	fa_real.pwrite = fa_sym("pwrite64");
	fa_real.sendfile = fa_sym("sendfile64");
	fa_real.copy_file_range = fa_sym("copy_file_range");
	fa_real.close = fa_sym("close");
	fa_real.close_range = fa_sym("close_range");
	fa_real.closefrom = fa_sym("closefrom");
	fa_real.dup2 = fa_sym("dup2");
	fa_real.dup3 = fa_sym("dup3");
	fa_real.mmap = fa_sym("mmap64");
	fa_real.munmap = fa_sym("munmap");
	fa_real.mremap = fa_sym("mremap");
	fa_real.mprotect = fa_sym("mprotect");
	fa_real.pkey_mprotect = fa_sym("pkey_mprotect");
	fa_real.madvise = fa_sym("madvise");
	fa_real.fwrite = fa_sym("fwrite");
	fa_real.fwrite_unlocked = fa_sym("fwrite_unlocked");
	fa_real.fread = fa_sym("fread");
	fa_real.fread_unlocked = fa_sym("fread_unlocked");
	fa_resolving = false;
	atomic_store_explicit(&fa_real_ready, true, memory_order_release);
	errno = saved_errno;
}

__attribute__((constructor(101))) static void fa_real_init(void)
{
	fa_resolve();
}

/*
 * The calls the wrappers forward to: libc's function once resolved, the
 * system call before that (bootstrap only: no cancellation point there).
 */
ssize_t fa_call_read(int fd, void *buf, size_t n)
{
	if (fa_resolved() && fa_real.read)
		return fa_real.read(fd, buf, n);
	return syscall(SYS_read, fd, buf, n);
}

ssize_t fa_call_pread(int fd, void *buf, size_t n, off_t off)
{
	if (fa_resolved() && fa_real.pread)
		return fa_real.pread(fd, buf, n, off);
	return syscall(SYS_pread64, fd, buf, n, off);
}

ssize_t fa_call_write(int fd, const void *buf, size_t n)
{
	if (fa_resolved() && fa_real.write)
		return fa_real.write(fd, buf, n);
	return syscall(SYS_write, fd, buf, n);
}

ssize_t fa_call_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	if (fa_resolved() && fa_real.pwrite)
		return fa_real.pwrite(fd, buf, n, off);
	return syscall(SYS_pwrite64, fd, buf, n, off);
}

ssize_t fa_call_sendfile(int out, int in, off_t *off, size_t n)
{
	if (fa_resolved() && fa_real.sendfile)
		return fa_real.sendfile(out, in, off, n);
	return syscall(SYS_sendfile, out, in, off, n);
}
