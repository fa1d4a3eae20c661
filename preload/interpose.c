// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * interpose.c: the libc-named wrappers of libfnaccel.so.
 *
 * These are the only symbols the library exports (exports.map): every
 * name that programs import for the calls we watch (nm -D --undefined-only
 * of cp, dd, busybox, perl, python3, node), the 64-bit aliases and the
 * fortified __*_chk entries included.  Each wrapper is thin: while the
 * library is not ready or FNACCEL_DISABLE is set it forwards to libc,
 * else it hands the call to track.c.  Closing calls bump the descriptor
 * generations first, so state read through a reused fd number is stale;
 * calls that can make memory unreadable bump the mapping generation
 * first, so a write after them does not read the buffer itself.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fa.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

/* glibc's fortify entries (bits/unistd.h declares them only with
 * _FORTIFY_SOURCE) and its failure, which never returns */
extern void __chk_fail(void) __attribute__((noreturn));
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen);
ssize_t __pread64_chk(int fd, void *buf, size_t n, off_t off,
		      size_t buflen);

/*
 * read and pread are aliases of local functions, which the fortified
 * entries call: a call to the exported name would go through the PLT,
 * to whatever another preloaded library binds there.
 */
static ssize_t fa_wrap_read(int fd, void *buf, size_t n)
{
	if (!fa_active())
		return fa_call_read(fd, buf, n);
	return fa_read(fd, buf, n, 0, false);
}

FA_EXPORT ssize_t read(int fd, void *buf, size_t n)
	__attribute__((alias("fa_wrap_read")));

FA_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	if (n > buflen)
		__chk_fail();
	return fa_wrap_read(fd, buf, n);
}

static ssize_t fa_wrap_pread(int fd, void *buf, size_t n, off_t off)
{
	if (!fa_active())
		return fa_call_pread(fd, buf, n, off);
	return fa_read(fd, buf, n, off, true);
}

FA_EXPORT ssize_t pread(int fd, void *buf, size_t n, off_t off)
	__attribute__((alias("fa_wrap_pread")));

FA_EXPORT ssize_t pread64(int fd, void *buf, size_t n, off_t off)
	__attribute__((alias("fa_wrap_pread")));

FA_EXPORT ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off,
			      size_t buflen)
{
	if (n > buflen)
		__chk_fail();
	return fa_wrap_pread(fd, buf, n, off);
}

FA_EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t n, off_t off,
				size_t buflen)
	__attribute__((alias("__pread_chk")));

FA_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	if (!fa_active())
		return fa_call_write(fd, buf, n);
	return fa_write(fd, buf, n, 0, false);
}

FA_EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	if (!fa_active())
		return fa_call_pwrite(fd, buf, n, off);
	return fa_write(fd, buf, n, off, true);
}

FA_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
	__attribute__((alias("pwrite")));

FA_EXPORT ssize_t sendfile(int out, int in, off_t *off, size_t n)
{
	if (!fa_active())
		return fa_call_sendfile(out, in, off, n);
	return fa_sendfile(out, in, off, n);
}

FA_EXPORT ssize_t sendfile64(int out, int in, off_t *off, size_t n)
	__attribute__((alias("sendfile")));

/*
 * copy_file_range(2) is the real call; the engine's fallback only with
 * FNACCEL_CFR_FALLBACK=1, since it changes what a program that handles
 * EXDEV or EOPNOTSUPP itself observes.
 */
FA_EXPORT ssize_t copy_file_range(int in, off_t *off_in, int out,
				  off_t *off_out, size_t n,
				  unsigned int flags)
{
	ssize_t ret;
	ssize_t alt;
	int err;

	if (fa_resolved() && fa_real.copy_file_range)
		ret = fa_real.copy_file_range(in, off_in, out, off_out, n,
					      flags);
	else
		ret = syscall(SYS_copy_file_range, in, off_in, out, off_out,
			      n, flags);
	if (!fa_active())
		return ret;
	err = errno;
	fn_stat_add(&fa_live->preload_cfr_ops, 1);
	if (ret >= 0 || !fa_config.cfr_fallback || flags != 0 ||
	    (err != EXDEV && err != ENOSYS && err != EOPNOTSUPP))
		return ret;
	alt = fn_copy_range(in, off_in, out, off_out, n, 0);
	if (alt < 0) {
		errno = err;
		return ret;
	}
	fn_stat_add(&fa_live->preload_cfr_fallback_ops, 1);
	return alt;
}

FA_EXPORT int close(int fd)
{
	fa_fd_closed(fd);
	if (fa_resolved() && fa_real.close)
		return fa_real.close(fd);
	return (int)syscall(SYS_close, fd);
}

FA_EXPORT int dup2(int oldfd, int newfd)
{
	if (oldfd != newfd)
		fa_fd_closed(newfd);
	if (fa_resolved() && fa_real.dup2)
		return fa_real.dup2(oldfd, newfd);
	return (int)syscall(SYS_dup2, oldfd, newfd);
}

FA_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	if (oldfd != newfd)
		fa_fd_closed(newfd);
	if (fa_resolved() && fa_real.dup3)
		return fa_real.dup3(oldfd, newfd, flags);
	return (int)syscall(SYS_dup3, oldfd, newfd, flags);
}

FA_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	if (!(flags & CLOSE_RANGE_CLOEXEC))
		fa_fd_range_closed(first, last);
	if (fa_resolved() && fa_real.close_range)
		return fa_real.close_range(first, last, flags);
	return (int)syscall(SYS_close_range, first, last, flags);
}

FA_EXPORT void closefrom(int lowfd)
{
	if (lowfd >= 0)
		fa_fd_range_closed((unsigned int)lowfd, ~0u);
	if (fa_resolved() && fa_real.closefrom) {
		fa_real.closefrom(lowfd);
		return;
	}
	syscall(SYS_close_range, lowfd < 0 ? 0 : lowfd, ~0u, 0);
}

/*
 * The calls after which memory read into may fault: the thinnest
 * wrappers (one atomic add, no lock), as signal safe as the call itself.
 * mmap only with MAP_FIXED, madvise only for guard pages: nothing else
 * takes readable memory away.
 */
FA_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd,
		     off_t off)
{
	if (flags & MAP_FIXED)
		fa_mappings_changing();
	if (fa_resolved() && fa_real.mmap)
		return fa_real.mmap(addr, len, prot, flags, fd, off);
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

FA_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
		       off_t off)
	__attribute__((alias("mmap")));

FA_EXPORT int munmap(void *addr, size_t len)
{
	fa_mappings_changing();
	if (fa_resolved() && fa_real.munmap)
		return fa_real.munmap(addr, len);
	return (int)syscall(SYS_munmap, addr, len);
}

FA_EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags,
		       ...)
{
	void *new_addr = NULL;
	va_list ap;

	/* glibc takes the fifth argument only with MREMAP_FIXED */
	if (flags & MREMAP_FIXED) {
		va_start(ap, flags);
		new_addr = va_arg(ap, void *);
		va_end(ap);
	}
	fa_mappings_changing();
	if (fa_resolved() && fa_real.mremap)
		return fa_real.mremap(old, old_len, new_len, flags, new_addr);
	return (void *)syscall(SYS_mremap, old, old_len, new_len, flags,
			       new_addr);
}

FA_EXPORT int mprotect(void *addr, size_t len, int prot)
{
	fa_mappings_changing();
	if (fa_resolved() && fa_real.mprotect)
		return fa_real.mprotect(addr, len, prot);
	return (int)syscall(SYS_mprotect, addr, len, prot);
}

FA_EXPORT int pkey_mprotect(void *addr, size_t len, int prot, int pkey)
{
	fa_mappings_changing();
	if (fa_resolved() && fa_real.pkey_mprotect)
		return fa_real.pkey_mprotect(addr, len, prot, pkey);
#ifdef SYS_pkey_mprotect
	return (int)syscall(SYS_pkey_mprotect, addr, len, prot, pkey);
#else
	errno = ENOSYS;
	return -1;
#endif
}

FA_EXPORT int madvise(void *addr, size_t len, int advice)
{
	if (advice == MADV_GUARD_INSTALL)
		fa_mappings_changing();
	if (fa_resolved() && fa_real.madvise)
		return fa_real.madvise(addr, len, advice);
	return (int)syscall(SYS_madvise, addr, len, advice);
}
