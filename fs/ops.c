// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ops.c: fnpassfs's request handlers: their table, init, statfs and
 * access, and the helpers they all share.
 *
 * Each handler works on the backing file: names relative to the parent's
 * O_PATH descriptor, open files through the descriptor in fi->fh, and the
 * few calls that need a real descriptor but have none (chmod, truncate,
 * utimens, xattrs of a file that is not open) through /proc/self/fd/N of
 * the O_PATH descriptor (fp_fdname()), which names the same inode and
 * never a path that may have changed.  The errno of the backing call is
 * what the caller gets.  Requests for /.stats go to stats.c.
 *
 * The handlers live by concern: entry.c (entries and attributes), file.c
 * (open files), dir.c (directories) and xattr.c (extended attributes);
 * creds.c acts with the caller's credentials and umask.  ops.h declares
 * what these files share, fp.h what the rest of fnpassfs uses.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fp.h"
#include "ops.h"

bool fp_is_stats_inode(const struct fp_inode *inode)
{
	return inode == &fp_fs.stats_inode;
}

bool fp_is_stats_name(struct fp_inode *parent, const char *name)
{
	return parent == &fp_fs.root && fp_fs.cfg.stats_file != NULL &&
	       strcmp(name, fp_fs.cfg.stats_file) == 0;
}

/* ---- a descriptor's file by name: /proc/self/fd/N ---------------------- */

/*
 * "/proc/self/fd/N" names the file of descriptor N itself, never a name
 * that may have changed since, and reaches an O_PATH descriptor's file
 * for the calls that refuse such a descriptor.  Its walk looks up
 * "proc", "self" (a link to the pid), the pid and "fd" before "N"; the
 * directory's descriptor, opened once, leaves the *at calls the lookup
 * of "N" alone: a getxattr of a descriptor new to procfs takes 5 us
 * instead of 9, an open 6.6 instead of 8.6 (Linux 6.18).
 */
void fp_fdname(struct fp_fdname *fn, int fd)
{
	static const char dir[] = "/proc/self/fd/";

	snprintf(fn->path, sizeof(fn->path), "%s%d", dir, fd);
	fn->dir = fp_fs.proc_fd >= 0 ? fp_fs.proc_fd : AT_FDCWD;
	fn->name = fp_fs.proc_fd >= 0 ? fn->path + sizeof(dir) - 1 : fn->path;
}

/*
 * Open /proc/self/fd for fp_fdname(): after fuse_daemonize(), whose fork
 * leaves the server another pid.  Without it (no /proc mounted yet at
 * the open), every call walks the whole path.
 */
void fp_fdname_init(void)
{
	fp_fs.proc_fd = open("/proc/self/fd",
			     O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/*
 * fp_fdname() of a descriptor of in's backing file, lent until
 * fp_inode_fd_put(in).  0 or -errno (-ENOENT: the file is gone).
 */
int fp_inode_fdname(struct fp_inode *in, struct fp_fdname *fn)
{
	int fd = fp_inode_fd(in);

	if (fd < 0)
		return fd;
	fp_fdname(fn, fd);
	return 0;
}

/* ---- replies that count --------------------------------------------- */

/*
 * Every reply of an errno, and of 0 for success without data, goes out
 * here, to be counted in fs_errors: err is a positive errno, as for
 * fuse_reply_err(); the handlers keep 0 or -errno and flip the sign here,
 * once: fp_reply_err(req, -ret).  A missing name or xattr is an answer,
 * not an error (the kernel asks for security.capability before every
 * write); so is ENOSYS, which no backing call returns and fnpassfs
 * answers only as the kernel's cue (opendir under cache=always,
 * xattr=nosys), once per mount.
 */
void fp_reply_err(fuse_req_t req, int err)
{
	if (err != 0 && err != ENOENT && err != ENODATA && err != ENOSYS)
		fp_count(&fp_fs.cnt.errors, 1);
	fuse_reply_err(req, err);
}

/*
 * The file system clears setuid, setgid and security.capability on write,
 * truncate and chown, not the kernel.  fnpassfs does these as the caller
 * (fp_creds_enter()), so the backing file system clears them exactly as it
 * would natively: a caller without CAP_FSETID loses them on write and
 * truncate, chown always (and a daemon that is not root serves only its
 * own user, whose calls are the same natively).  Without it the kernel
 * clears them itself with a chmod as the caller, which a writer who is not
 * the owner may not do: the write failed with EIO.
 *
 * Version 2 (libfuse >= 3.17 here) also marks the mount SB_NOSEC: the
 * kernel stops asking for security.capability (getxattr) before every
 * write of a file that has no setuid or setgid bit (a round trip per
 * write: dd bs=128k ran at 0.4x native with it), and no longer drops its
 * cached mode after such a write: fp_write_buf() does.  Writes through
 * kernel passthrough never reach us and are made with the daemon's
 * credentials, which keep the bits; for those the kernel still sends an
 * empty setattr as the writer, and fp_clear_setid() clears them.
 */
static void fp_init_killpriv(struct fuse_conn_info *conn)
{
#if FUSE_MAJOR_VERSION > 3 || FUSE_MINOR_VERSION >= 17
	if (!fuse_set_feature_flag(conn, FUSE_CAP_HANDLE_KILLPRIV_V2))
		conn->want |= conn->capable & FUSE_CAP_HANDLE_KILLPRIV;
#else
	conn->want |= conn->capable & FUSE_CAP_HANDLE_KILLPRIV;
#endif
}

/*
 * POSIX ACLs in the kernel (FUSE_CAP_POSIX_ACL), only where the kernel
 * checks permissions anyway (default_permissions): it then caches each
 * inode's ACLs, an absent one too, so `ls -l` asks us for
 * system.posix_acl_access once per inode instead of on every listing, and
 * it checks the ACLs along with the mode.  Creation is unchanged: the
 * kernel still leaves the umask to us (FUSE_CAP_DONT_MASK), the backing
 * file system applies it or the directory's default ACL.  The kernel
 * turns default_permissions on along with it: ask only where it is on
 * anyway, never under no_default_permissions or without allow_other;
 * and never under -o xattr=nosys (fp_xattr_kernel_acls()).
 */
static void fp_init_acl(struct fuse_conn_info *conn)
{
	if (fp_fs.cfg.default_permissions && fp_xattr_kernel_acls() &&
	    (conn->capable & FUSE_CAP_POSIX_ACL) &&
	    (conn->want & FUSE_CAP_DONT_MASK))
		conn->want |= FUSE_CAP_POSIX_ACL;
	else
		conn->want &= ~FUSE_CAP_POSIX_ACL;
}

/*
 * What the kernel may keep beyond attributes and names, by cache=:
 * symlink targets in its page cache (FUSE_CAP_CACHE_SYMLINKS), which
 * never go stale: a symlink's target cannot change, and a new symlink
 * under the same name or the same inode number is another inode to the
 * kernel (another handle: inode.c).  With cache=always, listings too:
 * no OPENDIR and RELEASEDIR (dir.c, fp_opendir_skipped()).
 */
static void fp_init_cache(struct fuse_conn_info *conn)
{
	if (fp_fs.cfg.cache != FP_CACHE_NEVER)
		conn->want |= conn->capable & FUSE_CAP_CACHE_SYMLINKS;
	else
		conn->want &= ~FUSE_CAP_CACHE_SYMLINKS;
	fp_fs.no_opendir = fp_opendir_skipped() &&
			   (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT);
}

static void fp_init(void *userdata, struct fuse_conn_info *conn)
{
	struct fp_config *cfg = &fp_fs.cfg;

	if (cfg->splice) {
		conn->want |= conn->capable & FUSE_CAP_SPLICE_WRITE;
		/* a receive into a pipe too small would fail every time */
		if (cfg->splice_write)
			conn->want |= conn->capable & FUSE_CAP_SPLICE_READ;
		else
			conn->want &= ~FUSE_CAP_SPLICE_READ;
	} else {
		conn->want &= ~(FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_READ |
				FUSE_CAP_SPLICE_MOVE);
	}
	if (cfg->writeback && (conn->capable & FUSE_CAP_WRITEBACK_CACHE))
		conn->want |= FUSE_CAP_WRITEBACK_CACHE;
	else
		conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	switch (cfg->readdirplus) {
	case FP_RDPLUS_NO:
		conn->want &= ~(FUSE_CAP_READDIRPLUS |
				FUSE_CAP_READDIRPLUS_AUTO);
		break;
	case FP_RDPLUS_YES:
		conn->want |= conn->capable & FUSE_CAP_READDIRPLUS;
		conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
		break;
	case FP_RDPLUS_AUTO:
		conn->want |= conn->capable & (FUSE_CAP_READDIRPLUS |
					       FUSE_CAP_READDIRPLUS_AUTO);
		break;
	}
	/* O_TRUNC arrives with open: `echo reset >.stats` needs no setattr */
	conn->want |= conn->capable & (FUSE_CAP_ATOMIC_O_TRUNC |
				       FUSE_CAP_PARALLEL_DIROPS |
				       FUSE_CAP_ASYNC_READ |
				       FUSE_CAP_ASYNC_DIO);
	if (cfg->cache == FP_CACHE_NEVER)
		conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
	else
		conn->want |= conn->capable & FUSE_CAP_AUTO_INVAL_DATA;
	fp_fs.auto_inval_data = conn->want & FUSE_CAP_AUTO_INVAL_DATA;
	/* the umask is applied by the backing file system (fp_umask_enter) */
	if (conn->capable & FUSE_CAP_DONT_MASK) {
		conn->want |= FUSE_CAP_DONT_MASK;
		fp_fs.dont_mask = true;
	}
	fp_init_killpriv(conn);
	fp_init_acl(conn);
	fp_init_cache(conn);
	/* locks stay in the kernel: coherent for every process on the mount */
	conn->want &= ~(FUSE_CAP_POSIX_LOCKS | FUSE_CAP_FLOCK_LOCKS);
	conn->max_write = cfg->max_write;
	conn->max_read = cfg->max_read;
	/*
	 * The kernel offered the bdi's readahead as it was at mount time;
	 * main.c has raised the bdi's since, and the kernel keeps the
	 * smaller of the two: ask for max_read.
	 */
	conn->max_readahead = cfg->max_read;
	fp_passthrough_init(conn);	/* after writeback is decided */
	FN_LOG_INFO("init: capable %#x want %#x max_write %u", conn->capable,
		    conn->want, conn->max_write);
}

static void fp_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct fp_inode *in = fp_inode_of(ino);
	struct statvfs sv;
	int fd, ret = 0;

	if (fp_is_stats_inode(in))
		in = &fp_fs.root;
	fd = fp_inode_fd(in);
	if (fd < 0) {
		fp_reply_err(req, -fd);
		return;
	}
	if (fstatvfs(fd, &sv) < 0)
		ret = -errno;
	fp_inode_fd_put(in);
	if (ret != 0) {
		fp_reply_err(req, -ret);
		return;
	}
	fuse_reply_statfs(req, &sv);
}

static void fp_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	struct fp_inode *in = fp_inode_of(ino);
	struct fp_fdname fn;
	int ret = 0;

	if (fp_is_stats_inode(in)) {
		fp_reply_err(req, (mask & X_OK) ? EACCES : 0);
		return;
	}
	ret = fp_inode_fdname(in, &fn);
	if (ret < 0) {
		fp_reply_err(req, -ret);
		return;
	}
	fp_creds_enter(req);
	/* AT_EACCESS: check the fsuid we switched to, not the real uid */
	if (faccessat(fn.dir, fn.name, mask, AT_EACCESS) < 0)
		ret = -errno;
	fp_creds_leave();
	fp_inode_fd_put(in);
	fp_reply_err(req, -ret);
}

/* ---- the table: every request counted and timed ------------------------ */

/*
 * The kernel calls each handler through fp_timed_<op>(), which counts the
 * request before it runs (a read of /.stats counts itself) and adds the
 * time from its call to its return to fs_<op>_ns.  Every handler has
 * written its reply to /dev/fuse before it returns, so that is the
 * daemon's own time per request, from the request in hand to the reply
 * sent; what a round trip costs beyond it is the kernel's and the
 * scheduler's.  Two clock reads (vDSO, about 30 ns here) per request.
 */
#define FP_TIMED(name, op, params, args)				\
	static void fp_timed_##name params				\
	{								\
		uint64_t t0 = fn_now_ns();				\
									\
		fp_count(&fp_fs.cnt.ops[FP_OP_##op], 1);		\
		fp_##name args;						\
		fp_count(&fp_fs.cnt.ns[FP_OP_##op], fn_now_ns() - t0);	\
	}

#define FP_REQ		fuse_req_t req
#define FP_FI		struct fuse_file_info *fi

FP_TIMED(lookup, lookup, (FP_REQ, fuse_ino_t p, const char *name),
	 (req, p, name))
FP_TIMED(forget, forget, (FP_REQ, fuse_ino_t ino, uint64_t n), (req, ino, n))
FP_TIMED(forget_multi, forget_multi,
	 (FP_REQ, size_t count, struct fuse_forget_data *forgets),
	 (req, count, forgets))
FP_TIMED(getattr, getattr, (FP_REQ, fuse_ino_t ino, FP_FI), (req, ino, fi))
FP_TIMED(setattr, setattr,
	 (FP_REQ, fuse_ino_t ino, struct stat *attr, int valid, FP_FI),
	 (req, ino, attr, valid, fi))
FP_TIMED(readlink, readlink, (FP_REQ, fuse_ino_t ino), (req, ino))
FP_TIMED(mknod, mknod,
	 (FP_REQ, fuse_ino_t p, const char *name, mode_t mode, dev_t rdev),
	 (req, p, name, mode, rdev))
FP_TIMED(mkdir, mkdir, (FP_REQ, fuse_ino_t p, const char *name, mode_t mode),
	 (req, p, name, mode))
FP_TIMED(unlink, unlink, (FP_REQ, fuse_ino_t p, const char *name),
	 (req, p, name))
FP_TIMED(rmdir, rmdir, (FP_REQ, fuse_ino_t p, const char *name),
	 (req, p, name))
FP_TIMED(symlink, symlink,
	 (FP_REQ, const char *link, fuse_ino_t p, const char *name),
	 (req, link, p, name))
FP_TIMED(rename, rename,
	 (FP_REQ, fuse_ino_t p, const char *name, fuse_ino_t np,
	  const char *nname, unsigned int flags),
	 (req, p, name, np, nname, flags))
FP_TIMED(link, link, (FP_REQ, fuse_ino_t ino, fuse_ino_t p, const char *name),
	 (req, ino, p, name))
FP_TIMED(open, open, (FP_REQ, fuse_ino_t ino, FP_FI), (req, ino, fi))
FP_TIMED(read, read, (FP_REQ, fuse_ino_t ino, size_t size, off_t off, FP_FI),
	 (req, ino, size, off, fi))
FP_TIMED(write_buf, write,
	 (FP_REQ, fuse_ino_t ino, struct fuse_bufvec *in, off_t off, FP_FI),
	 (req, ino, in, off, fi))
FP_TIMED(flush, flush, (FP_REQ, fuse_ino_t ino, FP_FI), (req, ino, fi))
FP_TIMED(release, release, (FP_REQ, fuse_ino_t ino, FP_FI), (req, ino, fi))
FP_TIMED(fsync, fsync, (FP_REQ, fuse_ino_t ino, int datasync, FP_FI),
	 (req, ino, datasync, fi))
FP_TIMED(opendir, opendir, (FP_REQ, fuse_ino_t ino, FP_FI), (req, ino, fi))
FP_TIMED(readdir, readdir,
	 (FP_REQ, fuse_ino_t ino, size_t size, off_t off, FP_FI),
	 (req, ino, size, off, fi))
FP_TIMED(readdirplus, readdirplus,
	 (FP_REQ, fuse_ino_t ino, size_t size, off_t off, FP_FI),
	 (req, ino, size, off, fi))
FP_TIMED(releasedir, releasedir, (FP_REQ, fuse_ino_t ino, FP_FI),
	 (req, ino, fi))
FP_TIMED(fsyncdir, fsyncdir, (FP_REQ, fuse_ino_t ino, int datasync, FP_FI),
	 (req, ino, datasync, fi))
FP_TIMED(statfs, statfs, (FP_REQ, fuse_ino_t ino), (req, ino))
FP_TIMED(setxattr, setxattr,
	 (FP_REQ, fuse_ino_t ino, const char *name, const char *value,
	  size_t size, int flags),
	 (req, ino, name, value, size, flags))
FP_TIMED(getxattr, getxattr,
	 (FP_REQ, fuse_ino_t ino, const char *name, size_t size),
	 (req, ino, name, size))
FP_TIMED(listxattr, listxattr, (FP_REQ, fuse_ino_t ino, size_t size),
	 (req, ino, size))
FP_TIMED(removexattr, removexattr,
	 (FP_REQ, fuse_ino_t ino, const char *name), (req, ino, name))
FP_TIMED(access, access, (FP_REQ, fuse_ino_t ino, int mask), (req, ino, mask))
FP_TIMED(create, create,
	 (FP_REQ, fuse_ino_t p, const char *name, mode_t mode, FP_FI),
	 (req, p, name, mode, fi))
#if FP_HAVE_TMPFILE
FP_TIMED(tmpfile, tmpfile, (FP_REQ, fuse_ino_t p, mode_t mode, FP_FI),
	 (req, p, mode, fi))
#endif
FP_TIMED(fallocate, fallocate,
	 (FP_REQ, fuse_ino_t ino, int mode, off_t off, off_t len, FP_FI),
	 (req, ino, mode, off, len, fi))
FP_TIMED(lseek, lseek, (FP_REQ, fuse_ino_t ino, off_t off, int whence, FP_FI),
	 (req, ino, off, whence, fi))
FP_TIMED(copy_file_range, copy_file_range,
	 (FP_REQ, fuse_ino_t ino_in, off_t off_in,
	  struct fuse_file_info *fi_in, fuse_ino_t ino_out, off_t off_out,
	  struct fuse_file_info *fi_out, size_t len, int flags),
	 (req, ino_in, off_in, fi_in, ino_out, off_out, fi_out, len, flags))

#undef FP_FI
#undef FP_REQ
#undef FP_TIMED

const struct fuse_lowlevel_ops fp_ops = {
	.init = fp_init,
	.lookup = fp_timed_lookup,
	.forget = fp_timed_forget,
	.forget_multi = fp_timed_forget_multi,
	.getattr = fp_timed_getattr,
	.setattr = fp_timed_setattr,
	.readlink = fp_timed_readlink,
	.mknod = fp_timed_mknod,
	.mkdir = fp_timed_mkdir,
	.unlink = fp_timed_unlink,
	.rmdir = fp_timed_rmdir,
	.symlink = fp_timed_symlink,
	.rename = fp_timed_rename,
	.link = fp_timed_link,
	.open = fp_timed_open,
	.read = fp_timed_read,
	.write_buf = fp_timed_write_buf,
	.flush = fp_timed_flush,
	.release = fp_timed_release,
	.fsync = fp_timed_fsync,
	.opendir = fp_timed_opendir,
	.readdir = fp_timed_readdir,
	.readdirplus = fp_timed_readdirplus,
	.releasedir = fp_timed_releasedir,
	.fsyncdir = fp_timed_fsyncdir,
	.statfs = fp_timed_statfs,
	.setxattr = fp_timed_setxattr,
	.getxattr = fp_timed_getxattr,
	.listxattr = fp_timed_listxattr,
	.removexattr = fp_timed_removexattr,
	.access = fp_timed_access,
	.create = fp_timed_create,
#if FP_HAVE_TMPFILE
	.tmpfile = fp_timed_tmpfile,
#endif
	.fallocate = fp_timed_fallocate,
	.lseek = fp_timed_lseek,
	.copy_file_range = fp_timed_copy_file_range,
};
