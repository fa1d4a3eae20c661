// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xattr.c: extended attributes: setxattr, getxattr, listxattr and
 * removexattr of the backing file, as the caller, through
 * /proc/self/fd/N of its O_PATH descriptor (fp_fdname()), by the
 * *xattrat(2) calls of Linux 6.13 where the kernel has them: they look
 * up "N" in the directory alone.  /.stats has none and takes none.
 *
 * -o xattr= decides first, for every inode, /.stats too: passthrough
 * asks the backing file; noattr shows no attribute at all and changes
 * none; nosys answers ENOSYS, which the kernel remembers for the mount
 * (fs/fuse/xattr.c: fc->no_getxattr, no_listxattr, no_setxattr,
 * no_removexattr, one flag per request type), answering EOPNOTSUPP itself
 * from then on: `ls -l` then costs no round trip for its two xattrs a
 * file, nor a write for security.capability.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fp.h"
#include "ops.h"

/* ---- the modes (-o xattr=, options.c) ---------------------------------- */

/*
 * May init ask for FUSE_CAP_POSIX_ACL (ops.c decides when)?  Not under
 * nosys: the mount has no ACLs at all.  The kernel would ask for
 * system.posix_acl_access once, get ENOSYS and treat every ACL as absent
 * from then on, so the capability would only claim ACL support that
 * every setfacl refuses.  Under noattr, yes: every ACL reads as absent,
 * so the kernel checks the mode bits alone with or without it, but with
 * it caches the absent ACL of each inode instead of asking for it on
 * every `ls -l` and getfacl.
 */
bool fp_xattr_kernel_acls(void)
{
	return fp_fs.cfg.xattr != FP_XATTR_NOSYS;
}

/*
 * Answer req with ENOSYS under xattr=nosys; true if it did.  Not counted
 * in fs_errors: it is the answer the mode is for, not a failure, and the
 * kernel sends each type of request once, or a few times when several are
 * in flight before the first answer.
 */
static bool fp_xattr_nosys(fuse_req_t req)
{
	if (fp_fs.cfg.xattr != FP_XATTR_NOSYS)
		return false;
	fp_reply_err(req, ENOSYS);
	return true;
}

/* No attribute of in to show: /.stats has none, xattr=noattr shows none */
static bool fp_xattr_none(const struct fp_inode *in)
{
	return fp_fs.cfg.xattr == FP_XATTR_NOATTR || fp_is_stats_inode(in);
}

/*
 * Under xattr=noattr, answer a change (setxattr, removexattr) with err;
 * true if it did.  Nothing a caller writes may vanish: a setxattr that
 * succeeded would store a value that reads back as absent, or store
 * nothing.  So it fails with EOPNOTSUPP, as on a file system without
 * xattrs (setfattr and setfacl say "Operation not supported"; cp -a goes
 * on without them, cp --preserve=xattr fails).  A removexattr fails with
 * ENODATA, the answer for an attribute that is not there, which is what
 * getxattr said; the backing file keeps it.
 */
static bool fp_xattr_noattr_refuse(fuse_req_t req, int err)
{
	if (fp_fs.cfg.xattr != FP_XATTR_NOATTR)
		return false;
	fp_reply_err(req, err);
	return true;
}

/* ---- the calls: *xattrat(2) in /proc/self/fd, else by path ------------- */

/*
 * The numbers of Linux 6.13's *xattrat(2), which glibc 2.36's headers
 * lack: the same on the architectures listed, which share every number
 * from 424 (Linux 5.1) on; elsewhere -1, which fails with ENOSYS, so
 * the path is used.
 */
#if defined(SYS_getxattrat)
#define FP_SYS_setxattrat	SYS_setxattrat
#define FP_SYS_getxattrat	SYS_getxattrat
#define FP_SYS_listxattrat	SYS_listxattrat
#define FP_SYS_removexattrat	SYS_removexattrat
#elif (defined(__x86_64__) && !defined(__ILP32__)) || defined(__i386__) || \
	defined(__aarch64__) || defined(__arm__) || defined(__riscv) || \
	defined(__powerpc__) || defined(__s390__) || defined(__loongarch__)
#define FP_SYS_setxattrat	463
#define FP_SYS_getxattrat	464
#define FP_SYS_listxattrat	465
#define FP_SYS_removexattrat	466
#else
#define FP_SYS_setxattrat	(-1)
#define FP_SYS_getxattrat	(-1)
#define FP_SYS_listxattrat	(-1)
#define FP_SYS_removexattrat	(-1)
#endif

/* struct xattr_args of <linux/xattr.h> (6.13): the value of a get or set */
struct fp_xattr_args {
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};

/* Set once the kernel answered ENOSYS: every call by path from then on */
static atomic_bool fp_no_xattrat;

static bool fp_xattrat_usable(const struct fp_fdname *fn)
{
	return fn->dir != AT_FDCWD &&
	       !atomic_load_explicit(&fp_no_xattrat, memory_order_relaxed);
}

/*
 * After an *xattrat call failed: whether to make it again by path.  On
 * ENOSYS (a kernel before 6.13), and on EPERM, which a seccomp filter
 * that does not know the call may answer: the call by path then says
 * whether the attribute itself was refused.  errno is kept.
 */
static bool fp_xattrat_again(void)
{
	if (errno == ENOSYS)
		atomic_store_explicit(&fp_no_xattrat, true,
				      memory_order_relaxed);
	return errno == ENOSYS || errno == EPERM;
}

/* Each returns as its call by path does: -1 and errno on failure */
static ssize_t fp_xattr_get(const struct fp_fdname *fn, const char *name,
			    void *value, size_t size)
{
	struct fp_xattr_args args = {
		.value = (uintptr_t)value,
		.size = (uint32_t)size,
	};
	ssize_t n;

	if (fp_xattrat_usable(fn)) {
		n = syscall(FP_SYS_getxattrat, fn->dir, fn->name, 0, name,
			    &args, sizeof(args));
		if (n >= 0 || !fp_xattrat_again())
			return n;
	}
	return getxattr(fn->path, name, value, size);
}

static ssize_t fp_xattr_list(const struct fp_fdname *fn, char *list,
			     size_t size)
{
	ssize_t n;

	if (fp_xattrat_usable(fn)) {
		n = syscall(FP_SYS_listxattrat, fn->dir, fn->name, 0, list,
			    size);
		if (n >= 0 || !fp_xattrat_again())
			return n;
	}
	return listxattr(fn->path, list, size);
}

static int fp_xattr_set(const struct fp_fdname *fn, const char *name,
			const void *value, size_t size, int flags)
{
	struct fp_xattr_args args = {
		.value = (uintptr_t)value,
		.size = (uint32_t)size,
		.flags = (uint32_t)flags,
	};

	if (fp_xattrat_usable(fn)) {
		if (syscall(FP_SYS_setxattrat, fn->dir, fn->name, 0, name,
			    &args, sizeof(args)) == 0)
			return 0;
		if (!fp_xattrat_again())
			return -1;
	}
	return setxattr(fn->path, name, value, size, flags);
}

static int fp_xattr_remove(const struct fp_fdname *fn, const char *name)
{
	if (fp_xattrat_usable(fn)) {
		if (syscall(FP_SYS_removexattrat, fn->dir, fn->name, 0,
			    name) == 0)
			return 0;
		if (!fp_xattrat_again())
			return -1;
	}
	return removexattr(fn->path, name);
}

/* ---- extended attributes ---------------------------------------------- */

/*
 * A POSIX ACL that changed may have changed the mode (the access ACL's
 * mask is the group bits).  The kernel drops its cached attributes after
 * an ACL change only with FUSE_CAP_POSIX_ACL, and with the writeback cache
 * it keeps them even past a ctime change: make it ask again.  Called
 * before the reply, so the caller's next stat already asks.
 */
static void fp_acl_changed(fuse_ino_t ino, const char *name)
{
	if (strncmp(name, "system.posix_acl_", 17) != 0)
		return;
	/* a negative offset: the attributes only, not the page cache */
	fuse_lowlevel_notify_inval_inode(fp_fs.se, ino, -1, 0);
}

/*
 * setxattr (value not NULL) or removexattr (value NULL) of the backing
 * file of ino, as the caller, and the reply.
 */
static void fp_xattr_change(fuse_req_t req, fuse_ino_t ino, const char *name,
			    const char *value, size_t size, int flags)
{
	struct fp_inode *in = fp_inode_of(ino);
	struct fp_fdname fn;
	int ret;

	if (fp_is_stats_inode(in)) {
		fp_reply_err(req, EPERM);
		return;
	}
	ret = fp_inode_fdname(in, &fn);
	if (ret < 0) {
		fp_reply_err(req, -ret);
		return;
	}
	fp_creds_enter(req);
	ret = value ? fp_xattr_set(&fn, name, value, size, flags) :
		      fp_xattr_remove(&fn, name);
	if (ret < 0)
		ret = -errno;
	fp_creds_leave();
	fp_inode_fd_put(in);
	if (ret == 0)
		fp_acl_changed(ino, name);
	fp_reply_err(req, -ret);
}

void fp_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		 const char *value, size_t size, int flags)
{
	if (fp_xattr_nosys(req) || fp_xattr_noattr_refuse(req, EOPNOTSUPP))
		return;
	fp_xattr_change(req, ino, name, value, size, flags);
}

void fp_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	if (fp_xattr_nosys(req) || fp_xattr_noattr_refuse(req, ENODATA))
		return;
	fp_xattr_change(req, ino, name, NULL, 0, 0);
}

/*
 * getxattr (name) or listxattr (name NULL) of the backing file, as the
 * caller: size 0 asks for the length, else for the value in size bytes.
 */
static void fp_xattr_read(fuse_req_t req, struct fp_inode *in,
			  const char *name, size_t size)
{
	struct fp_fdname fn;
	char *buf = NULL;
	ssize_t n;

	if (size) {
		buf = malloc(size);
		if (buf == NULL) {
			fp_reply_err(req, ENOMEM);
			return;
		}
	}
	n = fp_inode_fdname(in, &fn);
	if (n == 0) {
		fp_creds_enter(req);
		n = name ? fp_xattr_get(&fn, name, buf, size) :
			   fp_xattr_list(&fn, buf, size);
		if (n < 0)
			n = -errno;
		fp_creds_leave();
		fp_inode_fd_put(in);
	}
	if (n < 0)
		fp_reply_err(req, (int)-n);
	else if (size == 0)
		fuse_reply_xattr(req, n);
	else
		fuse_reply_buf(req, buf, n);
	free(buf);
}

void fp_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct fp_inode *in = fp_inode_of(ino);

	if (fp_xattr_nosys(req))
		return;
	if (fp_xattr_none(in)) {
		fp_reply_err(req, ENODATA);
		return;
	}
	fp_xattr_read(req, in, name, size);
}

void fp_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct fp_inode *in = fp_inode_of(ino);

	if (fp_xattr_nosys(req))
		return;
	if (fp_xattr_none(in)) {
		/* an empty list: its length, or no bytes */
		if (size == 0)
			fuse_reply_xattr(req, 0);
		else
			fuse_reply_buf(req, NULL, 0);
		return;
	}
	fp_xattr_read(req, in, NULL, size);
}
