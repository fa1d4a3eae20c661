// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ops.c: fnpassfs's request handlers.
 *
 * Each handler works on the backing file: names relative to the parent's
 * O_PATH descriptor, open files through the descriptor in fi->fh, and the
 * few calls that need a real descriptor but have none (chmod, truncate,
 * utimens, xattrs of a file that is not open) through /proc/self/fd/N of
 * the O_PATH descriptor, which names the same inode and never a path that
 * may have changed.  The errno of the backing call is what the caller
 * gets.  Requests for /.stats go to stats.c.
 *
 * With fs->cfg.creds (root with allow_other), a handler that touches the
 * backing file system switches the calling thread to the caller's fsuid,
 * fsgid and groups first, and back to the daemon's after: these system
 * calls are per thread, unlike glibc's setgroups(), which is used never.
 */
#include <config.h>

#include <dirent.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fp.h"
#include "fn_log.h"

/* copy_file_range(2) caps one call at MAX_RW_COUNT; the reply is 32 bits */
#define FP_CFR_MAX	((size_t)0x7ffff000)

struct fp_dir {
	DIR *dp;
	off_t offset;
	struct dirent *entry;
};

bool fp_is_stats_inode(const struct fp_inode *inode)
{
	return inode == &fp_fs.stats_inode;
}

bool fp_is_stats_name(struct fp_inode *parent, const char *name)
{
	return parent == &fp_fs.root && fp_fs.cfg.stats_file != NULL &&
	       strcmp(name, fp_fs.cfg.stats_file) == 0;
}

static void fp_proc_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* ---- credentials ------------------------------------------------------ */

/* The daemon's capabilities, read once at start by fp_creds_init() */
static struct __user_cap_data_struct fp_caps[_LINUX_CAPABILITY_U32S_3];

static int fp_capset(const struct __user_cap_data_struct *data)
{
	/* pid 0: this thread only (capabilities are per thread) */
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};

	return (int)syscall(SYS_capset, &hdr, data);
}

/* Save the daemon's capabilities; 0 or -errno */
int fp_creds_init(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};

	if (syscall(SYS_capget, &hdr, fp_caps) < 0)
		return -errno;
	return 0;
}

/* Act with the caller's credentials (fs->cfg.creds only) */
static void fp_creds_enter(fuse_req_t req)
{
	const struct fuse_ctx *ctx;
	gid_t groups[256];
	int n;

	if (!fp_fs.cfg.creds)
		return;
	ctx = fuse_req_ctx(req);
	n = fuse_req_getgroups(req, 256, groups);
	if (n < 0 || n > 256) {
		/* the caller is gone, or has more groups: its gid alone */
		groups[0] = ctx->gid;
		n = 1;
	}
	/* raw calls: glibc's setgroups() would change every thread */
	syscall(SYS_setgroups, n, groups);
	setfsgid(ctx->gid);
	setfsuid(ctx->uid);
	if (ctx->uid != 0) {
		struct __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3];
		int i;

		/*
		 * A non-zero fsuid drops only the file system capabilities:
		 * drop the rest too (CAP_SYS_ADMIN reads and writes trusted.*
		 * xattrs, CAP_SETFCAP sets security.capability).
		 */
		for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
			none[i] = fp_caps[i];
			none[i].effective = 0;
		}
		fp_capset(none);
	}
}

static void fp_creds_leave(void)
{
	if (!fp_fs.cfg.creds)
		return;
	fp_capset(fp_caps);	/* the permitted set was never touched */
	setfsuid(fp_fs.uid);
	setfsgid(fp_fs.gid);
	syscall(SYS_setgroups, fp_fs.ngroups, fp_fs.groups);
}

/* ---- the caller's umask ----------------------------------------------- */

/*
 * The kernel leaves the umask to us (FUSE_CAP_DONT_MASK), since only the
 * backing file system knows whether a default ACL replaces it: the VFS
 * applies the umask for a directory without one, posix_acl_create() the
 * ACL for a directory with one.  Each serving thread therefore runs the
 * creating call under the caller's umask.  umask is per process, shared
 * by threads: a thread first unshares it (unshare(2) CLONE_FS, which also
 * gives it its own cwd and root, never used).  The daemon's umask is 0
 * (main.c), and a thread puts 0 back after the call.
 */
static __thread int fp_own_umask;	/* 1 unshared, -1 failed, 0 unknown */

/*
 * Set the umask for creating a node with *mode for req; 0 when the caller
 * gave none (the kernel applied it).  Without a umask of its own, the
 * thread applies it to *mode instead, as before: a default ACL then sees
 * the masked mode.
 */
static void fp_umask_enter(fuse_req_t req, mode_t *mode)
{
	mode_t mask = fuse_req_ctx(req)->umask;

	if (!fp_fs.dont_mask || mask == 0)
		return;
	if (fp_own_umask == 0)
		fp_own_umask = unshare(CLONE_FS) == 0 ? 1 : -1;
	if (fp_own_umask > 0)
		umask(mask);
	else
		*mode &= ~mask;
}

static void fp_umask_leave(void)
{
	if (fp_own_umask > 0)
		umask(0);
}

/* ---- replies that count --------------------------------------------- */

static void fp_enter(enum fp_op op)
{
	fp_count(&fp_fs.cnt.ops[op], 1);
}

/*
 * Reply err (positive errno, 0 for success without data) and count it;
 * a missing name or xattr is an answer, not an error (the kernel asks
 * for security.capability before every write).
 */
static void fp_reply_err(fuse_req_t req, int err)
{
	if (err != 0 && err != ENOENT && err != ENODATA)
		fp_count(&fp_fs.cnt.errors, 1);
	fuse_reply_err(req, err);
}

static void fp_reply_entry(fuse_req_t req, struct fp_inode *parent,
			   const char *name, int ret)
{
	struct fuse_entry_param e;

	if (ret == 0)
		ret = fp_do_lookup(parent, name, &e);
	if (ret < 0) {
		fp_reply_err(req, -ret);
		return;
	}
	if (fuse_reply_entry(req, &e) == -ENOENT)
		fp_inode_unref(fp_inode_of(e.ino), 1);	/* caller gone */
}

/* ---- inodes and names ------------------------------------------------ */

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
 * anyway, never under no_default_permissions or without allow_other.
 */
static void fp_init_acl(struct fuse_conn_info *conn)
{
	if (fp_fs.cfg.default_permissions &&
	    (conn->capable & FUSE_CAP_POSIX_ACL) &&
	    (conn->want & FUSE_CAP_DONT_MASK))
		conn->want |= FUSE_CAP_POSIX_ACL;
	else
		conn->want &= ~FUSE_CAP_POSIX_ACL;
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
	/* the umask is applied by the backing file system (fp_umask_enter) */
	if (conn->capable & FUSE_CAP_DONT_MASK) {
		conn->want |= FUSE_CAP_DONT_MASK;
		fp_fs.dont_mask = true;
	}
	fp_init_killpriv(conn);
	fp_init_acl(conn);
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

static void fp_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fp_inode *p = fp_inode_of(parent);
	struct fuse_entry_param e;
	int ret;

	fp_enter(FP_OP_lookup);
	fp_creds_enter(req);
	ret = fp_do_lookup(p, name, &e);
	fp_creds_leave();
	if (ret == -ENOENT && fp_fs.cfg.negative_timeout > 0) {
		/*
		 * A negative entry (inode 0): the kernel answers the next
		 * lookups of name itself.  A create, mknod, mkdir, symlink,
		 * link or rename to name through the mount replaces it at
		 * once; one on the backing side is seen after the timeout.
		 */
		memset(&e, 0, sizeof(e));
		e.entry_timeout = fp_fs.cfg.negative_timeout;
		fuse_reply_entry(req, &e);
		return;
	}
	if (ret < 0) {
		fp_reply_err(req, -ret);
		return;
	}
	if (fuse_reply_entry(req, &e) == -ENOENT)
		fp_inode_unref(fp_inode_of(e.ino), 1);
}

static void fp_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	fp_enter(FP_OP_forget);
	fp_inode_unref(fp_inode_of(ino), nlookup);
	fuse_reply_none(req);
}

static void fp_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	size_t i;

	fp_enter(FP_OP_forget_multi);
	for (i = 0; i < count; i++)
		fp_inode_unref(fp_inode_of(forgets[i].ino), forgets[i].nlookup);
	fuse_reply_none(req);
}

static void fp_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);
	struct stat st;

	fp_enter(FP_OP_getattr);
	if (fp_is_stats_inode(in)) {
		fp_stats_attr(&st);
		fuse_reply_attr(req, &st, 0);
		return;
	}
	if (fstatat(in->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) {
		fp_reply_err(req, errno);
		return;
	}
	fuse_reply_attr(req, &st, fp_fs.cfg.attr_timeout);
}

/* The setattr work; 0 or -errno */
static int fp_do_setattr(struct fp_inode *in, struct stat *attr, int valid,
			 struct fuse_file_info *fi)
{
	char path[64];
	int ret;

	fp_proc_path(path, sizeof(path), in->fd);
	if (valid & FUSE_SET_ATTR_MODE) {
		ret = fi ? fchmod(fi->fh, attr->st_mode) :
			   chmod(path, attr->st_mode);
		if (ret < 0)
			return -errno;
	}
	if (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
		uid_t uid = (valid & FUSE_SET_ATTR_UID) ? attr->st_uid :
							  (uid_t)-1;
		gid_t gid = (valid & FUSE_SET_ATTR_GID) ? attr->st_gid :
							  (gid_t)-1;

		if (fchownat(in->fd, "", uid, gid,
			     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	if (valid & FUSE_SET_ATTR_SIZE) {
		ret = fi ? ftruncate(fi->fh, attr->st_size) :
			   truncate(path, attr->st_size);
		if (ret < 0)
			return -errno;
	}
	if (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)) {
		struct timespec tv[2];

		tv[0].tv_sec = 0;
		tv[0].tv_nsec = UTIME_OMIT;
		tv[1] = tv[0];
		if (valid & FUSE_SET_ATTR_ATIME_NOW)
			tv[0].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_ATIME)
			tv[0] = attr->st_atim;
		if (valid & FUSE_SET_ATTR_MTIME_NOW)
			tv[1].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_MTIME)
			tv[1] = attr->st_mtim;
		ret = fi ? futimens(fi->fh, tv) :
			   utimensat(AT_FDCWD, path, tv, 0);
		if (ret < 0)
			return -errno;
	}
	return 0;
}

#define FP_SET_ATTR_TIMES						\
	(FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |			\
	 FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW |		\
	 FUSE_SET_ATTR_CTIME)

/*
 * Whether the time fields of a setattr are applied with the daemon's
 * credentials.  With the writeback cache the kernel keeps mtime and ctime
 * itself and sends them as explicit times: after writes (at close and
 * writeback), with truncates, after rename and link, and in place of a
 * caller's UTIME_NOW.  Applied as the caller, explicit times need the
 * owner (utimensat(2)), so a writer who is not the owner would see close()
 * fail.  Under default_permissions the kernel has already checked every
 * setattr as the caller would be checked (setattr_prepare(): explicit
 * times only for the owner, "now" for a writer), so the times are safe to
 * apply as root.  Without default_permissions a caller's explicit times
 * and the kernel's look the same: main.c refuses writeback then.
 */
static bool fp_times_as_daemon(void)
{
	return fp_fs.cfg.creds && fp_fs.cfg.writeback &&
	       fp_fs.cfg.default_permissions;
}

/*
 * Whether the mode change of a setattr only clears setuid or setgid: the
 * kernel's own clearing after a write or truncate by someone who is not
 * the owner (libfuse < 3.17, without HANDLE_KILLPRIV_V2; natively the
 * kernel does it with ATTR_FORCE).  As the caller it would fail with
 * EPERM, so the daemon does it with its own credentials if the caller may
 * write the file (who could then clear them by writing anyway).  Called
 * with the caller's credentials.
 */
static bool fp_kills_suid(struct fp_inode *in, const struct stat *attr,
			  int valid)
{
	mode_t kill = S_ISUID | S_ISGID;
	char path[64];
	struct stat st;

	if (!fp_fs.cfg.creds || !(valid & FUSE_SET_ATTR_MODE) ||
	    fstatat(in->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	if (!S_ISREG(st.st_mode) || !(st.st_mode & kill) ||
	    (attr->st_mode & ~kill) != (st.st_mode & ~kill) ||
	    (attr->st_mode & kill & ~st.st_mode) != 0)
		return false;
	fp_proc_path(path, sizeof(path), in->fd);
	return faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0;
}

/* Whether the caller is in group gid or may act as if (root) */
static bool fp_caller_in_group(fuse_req_t req, gid_t gid)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	gid_t groups[256];
	int i, n;

	if (ctx->uid == 0 || ctx->gid == gid)
		return true;
	n = fuse_req_getgroups(req, 256, groups);
	for (i = 0; i < n && i < 256; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/*
 * A setattr that sets nothing is the kernel clearing setuid and setgid
 * after a write it made itself (kernel passthrough) by a caller without
 * CAP_FSETID, or for chown(f, -1, -1): it strips ATTR_KILL_SUID and
 * ATTR_KILL_SGID, since the file system is to clear them, and sends what
 * is left.  Clear them as the backing file system would for the caller:
 * setuid always, setgid when group-executable or when the caller is not in
 * the file's group.  The daemon's credentials: the caller need not own it.
 */
static int fp_clear_setid(fuse_req_t req, struct fp_inode *in)
{
	char path[64];
	struct stat st;
	mode_t mode;

	if (fstatat(in->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return 0;
	mode = st.st_mode & ~S_ISUID;
	if ((mode & S_ISGID) &&
	    ((mode & S_IXGRP) || !fp_caller_in_group(req, st.st_gid)))
		mode &= ~S_ISGID;
	if (mode == st.st_mode)
		return 0;
	fp_proc_path(path, sizeof(path), in->fd);
	return chmod(path, mode & 07777) < 0 ? -errno : 0;
}

static void fp_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int valid, struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);
	struct stat st;
	bool kill = false;
	int ret;

	fp_enter(FP_OP_setattr);
	if (fp_is_stats_inode(in)) {
		fp_reply_err(req, EPERM);
		return;
	}
	if (valid == 0) {
		ret = fp_clear_setid(req, in);
		goto reply;
	}
	fp_creds_enter(req);
	kill = fp_kills_suid(in, attr, valid);
	if (kill)
		valid &= ~FUSE_SET_ATTR_MODE;
	if (fp_times_as_daemon()) {
		ret = fp_do_setattr(in, attr, valid & ~FP_SET_ATTR_TIMES, fi);
		fp_creds_leave();
		if (ret == 0)
			ret = fp_do_setattr(in, attr,
					    valid & FP_SET_ATTR_TIMES, fi);
	} else {
		ret = fp_do_setattr(in, attr, valid, fi);
		fp_creds_leave();
	}
reply:
	if (ret == 0 &&
	    fstatat(in->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		ret = -errno;
	/*
	 * The kernel computed the mode from its own copy: its rule keeps a
	 * setgid bit without group execute, and a truncate in the same call
	 * has already cleared bits as the caller on the backing file system
	 * (a 6767 file truncated by a non-member: 767 natively, where the
	 * kernel asks for 2767).  Only clear, never set a bit again.
	 */
	if (kill && ret == 0) {
		attr->st_mode &= st.st_mode | ~(mode_t)(S_ISUID | S_ISGID);
		if ((attr->st_mode & 07777) != (st.st_mode & 07777)) {
			ret = fp_do_setattr(in, attr, FUSE_SET_ATTR_MODE, fi);
			if (ret == 0 &&
			    fstatat(in->fd, "", &st,
				    AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
				ret = -errno;
		}
	}
	if (ret < 0) {
		fp_reply_err(req, -ret);
		return;
	}
	fuse_reply_attr(req, &st, fp_fs.cfg.attr_timeout);
}

static void fp_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct fp_inode *in = fp_inode_of(ino);
	char buf[PATH_MAX + 1];
	ssize_t n;

	fp_enter(FP_OP_readlink);
	if (fp_is_stats_inode(in)) {
		fp_reply_err(req, EINVAL);
		return;
	}
	n = readlinkat(in->fd, "", buf, sizeof(buf));
	if (n < 0) {
		fp_reply_err(req, errno);
		return;
	}
	if (n == sizeof(buf)) {
		fp_reply_err(req, ENAMETOOLONG);
		return;
	}
	buf[n] = '\0';
	fuse_reply_readlink(req, buf);
}

static void fp_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	struct fp_inode *p = fp_inode_of(parent);
	int ret = 0;

	fp_enter(FP_OP_mknod);
	if (fp_is_stats_name(p, name)) {
		fp_reply_err(req, EEXIST);
		return;
	}
	fp_creds_enter(req);
	fp_umask_enter(req, &mode);
	if (mknodat(p->fd, name, mode, rdev) < 0)
		ret = -errno;
	fp_umask_leave();
	fp_reply_entry(req, p, name, ret);
	fp_creds_leave();
}

static void fp_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	struct fp_inode *p = fp_inode_of(parent);
	int ret = 0;

	fp_enter(FP_OP_mkdir);
	if (fp_is_stats_name(p, name)) {
		fp_reply_err(req, EEXIST);
		return;
	}
	fp_creds_enter(req);
	fp_umask_enter(req, &mode);
	if (mkdirat(p->fd, name, mode) < 0)
		ret = -errno;
	fp_umask_leave();
	fp_reply_entry(req, p, name, ret);
	fp_creds_leave();
}

static void fp_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	struct fp_inode *p = fp_inode_of(parent);
	int ret = 0;

	fp_enter(FP_OP_symlink);
	if (fp_is_stats_name(p, name)) {
		fp_reply_err(req, EEXIST);
		return;
	}
	fp_creds_enter(req);
	if (symlinkat(link, p->fd, name) < 0)
		ret = -errno;
	fp_reply_entry(req, p, name, ret);
	fp_creds_leave();
}

static void fp_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t parent,
		    const char *name)
{
	struct fp_inode *in = fp_inode_of(ino);
	struct fp_inode *p = fp_inode_of(parent);
	char path[64];
	int ret = 0;

	fp_enter(FP_OP_link);
	if (fp_is_stats_inode(in)) {
		fp_reply_err(req, EPERM);
		return;
	}
	if (fp_is_stats_name(p, name)) {
		fp_reply_err(req, EEXIST);
		return;
	}
	/*
	 * Through /proc/self/fd/N of the O_PATH descriptor, which reaches an
	 * unnamed O_TMPFILE file too (linkable unless opened O_EXCL: ENOENT
	 * then, as natively); linkat(2) with AT_EMPTY_PATH would need
	 * CAP_DAC_READ_SEARCH, which a caller's credentials may lack.
	 */
	fp_proc_path(path, sizeof(path), in->fd);
	fp_creds_enter(req);
	if (linkat(AT_FDCWD, path, p->fd, name, AT_SYMLINK_FOLLOW) < 0)
		ret = -errno;
	fp_reply_entry(req, p, name, ret);
	fp_creds_leave();
}

/* unlink and rmdir: unlinkat() with flags, as the caller */
static void fp_remove(fuse_req_t req, fuse_ino_t parent, const char *name,
		      enum fp_op op, int flags)
{
	struct fp_inode *p = fp_inode_of(parent);
	int ret = 0;

	fp_enter(op);
	if (fp_is_stats_name(p, name)) {
		fp_reply_err(req, EPERM);
		return;
	}
	fp_creds_enter(req);
	if (unlinkat(p->fd, name, flags) < 0)
		ret = errno;
	fp_creds_leave();
	fp_reply_err(req, ret);
}

static void fp_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fp_remove(req, parent, name, FP_OP_unlink, 0);
}

static void fp_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fp_remove(req, parent, name, FP_OP_rmdir, AT_REMOVEDIR);
}

static void fp_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	struct fp_inode *p = fp_inode_of(parent);
	struct fp_inode *np = fp_inode_of(newparent);
	int ret = 0;

	fp_enter(FP_OP_rename);
	if (fp_is_stats_name(p, name) || fp_is_stats_name(np, newname)) {
		fp_reply_err(req, EPERM);
		return;
	}
	fp_creds_enter(req);
	if (renameat2(p->fd, name, np->fd, newname, flags) < 0)
		ret = errno;
	fp_creds_leave();
	fp_reply_err(req, ret);
}

/* ---- files ------------------------------------------------------------- */

/* The flags for the backing open: writeback caching reads and appends */
static int fp_open_flags(int flags)
{
	/*
	 * O_DIRECT stays on the mount's side: the buffers libfuse hands us
	 * (a request's data behind its header) are not aligned as the
	 * backing file system's direct I/O requires.
	 */
	flags &= ~(O_NOFOLLOW | O_DIRECT);
	if (fp_fs.cfg.writeback) {
		/* the kernel reads pages of files open for writing only */
		if ((flags & O_ACCMODE) == O_WRONLY)
			flags = (flags & ~O_ACCMODE) | O_RDWR;
		/* and sends appends at the offsets it chose */
		flags &= ~O_APPEND;
	}
	return flags | O_CLOEXEC;
}

/* Whether fp_open_flags() made a write-only open read-write */
static bool fp_open_upgraded(int flags, const struct fuse_file_info *fi)
{
	return (flags & O_ACCMODE) != (fi->flags & O_ACCMODE);
}

/* flags with the caller's own access mode again */
static int fp_open_unupgraded(int flags, const struct fuse_file_info *fi)
{
	return (flags & ~O_ACCMODE) | (fi->flags & O_ACCMODE);
}

/*
 * fd is the caller's write-only open of a file it may write but not read
 * (a mode 0200 file): the read-write open for the writeback cache failed
 * with EACCES, this one, as the caller, checked its right to write.  The
 * kernel reads pages through any open file to fill a partly written one:
 * the daemon reopens the file read-write with its own credentials (the
 * caller still cannot read: read(2) and mmap(2) need a file opened for
 * reading).  A daemon without them (not root) keeps fd and has the
 * kernel send this file's I/O uncached (direct_io), so no read comes
 * through it.  Returns the descriptor to use; fd is then closed or it.
 */
static int fp_open_for_cache(int fd, int flags, struct fuse_file_info *fi)
{
	char path[64];
	int rw;

	if (fp_fs.cfg.creds) {
		fp_proc_path(path, sizeof(path), fd);
		rw = open(path, (flags & ~(O_CREAT | O_EXCL | O_TRUNC)));
		if (rw >= 0) {
			close(fd);
			return rw;
		}
	}
	fi->direct_io = 1;
	return fd;
}

/*
 * Whether close(2) of a descriptor of fd's file system can only return 0:
 * those with no flush method (ext2/3/4, XFS, btrfs, tmpfs, f2fs; NFS, SMB,
 * Ceph, FUSE and overlayfs have one and report errors there).  Then the
 * kernel need not send FLUSH at each close of the mount's file (noflush):
 * a round trip saved on every close, and fp_flush() would only close a
 * duplicate.  The kernel still sends it with the writeback cache.
 */
static bool fp_close_is_silent(int fd)
{
	struct statfs sfs;

	if (fstatfs(fd, &sfs) < 0)
		return false;
	switch ((unsigned long)sfs.f_type) {
	case EXT4_SUPER_MAGIC:	/* also ext2 and ext3 */
	case XFS_SUPER_MAGIC:
	case BTRFS_SUPER_MAGIC:
	case TMPFS_MAGIC:
	case F2FS_SUPER_MAGIC:
		return true;
	default:
		return false;
	}
}

static void fp_open_reply_flags(int fd, struct fuse_file_info *fi)
{
	/* auto: auto_inval_data drops pages when size or mtime change */
	if (fp_fs.cfg.cache != FP_CACHE_NEVER)
		fi->keep_cache = 1;
	fi->noflush = fp_close_is_silent(fd);
	atomic_fetch_add(&fp_fs.open_files, 1);
}

/*
 * Whether a write, truncate, fallocate or copy into fd as the caller may
 * clear its setuid or setgid bit on the backing file system, so that the
 * kernel's copy of the mode must be dropped after it: the kernel's own
 * rule, which it applies before (fuse_setattr()), keeps a setgid bit
 * without group execute, and with HANDLE_KILLPRIV it clears nothing.
 */
static bool fp_may_kill_suid(fuse_req_t req, int fd)
{
	struct stat st;

	return fp_fs.cfg.creds && fuse_req_ctx(req)->uid != 0 &&
	       fstat(fd, &st) == 0 && (st.st_mode & (S_ISUID | S_ISGID));
}

static void fp_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);
	char path[64];
	int fd, flags;
	bool retry, suid;

	fp_enter(FP_OP_open);
	if (fp_is_stats_inode(in)) {
		fp_stats_open(req, fi);
		return;
	}
	fp_proc_path(path, sizeof(path), in->fd);
	flags = fp_open_flags(fi->flags);
	fp_creds_enter(req);
	suid = (flags & O_TRUNC) && fp_may_kill_suid(req, in->fd);
	fd = open(path, flags);
	retry = fd < 0 && errno == EACCES && fp_open_upgraded(flags, fi);
	if (retry)
		fd = open(path, fp_open_unupgraded(flags, fi));
	if (fd < 0)
		fd = -errno;
	fp_creds_leave();
	if (fd < 0) {
		fp_reply_err(req, -fd);
		return;
	}
	/* the truncate as the caller cleared them: as in fp_write_buf() */
	if (suid)
		fuse_lowlevel_notify_inval_inode(fp_fs.se, ino, -1, 0);
	if (retry)
		fd = fp_open_for_cache(fd, flags, fi);
	fi->fh = fd;
	fp_open_reply_flags(fd, fi);
	fp_passthrough_open(in, fd, fi);
	if (fuse_reply_open(req, fi) == -ENOENT) {
		fp_passthrough_release(in);
		close(fd);
		atomic_fetch_sub(&fp_fs.open_files, 1);
	}
}

/*
 * Reply to create or tmpfile: the new file is open as fd, e holds its
 * entry with one lookup reference.  Registers kernel passthrough for fd;
 * a caller gone before the reply undoes all, fd included.
 */
static void fp_reply_create(fuse_req_t req, struct fuse_entry_param *e,
			    int fd, struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(e->ino);

	fi->fh = fd;
	fp_open_reply_flags(fd, fi);
	fp_passthrough_open(in, fd, fi);
	if (fuse_reply_create(req, e, fi) == -ENOENT) {
		fp_passthrough_release(in);
		fp_inode_unref(in, 1);
		close(fd);
		atomic_fetch_sub(&fp_fs.open_files, 1);
	}
}

static void fp_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	struct fp_inode *p = fp_inode_of(parent);
	struct fuse_entry_param e;
	int fd, ret, flags;
	bool retry;

	fp_enter(FP_OP_create);
	if (fp_is_stats_name(p, name)) {
		if (fi->flags & O_EXCL) {
			fp_reply_err(req, EEXIST);
			return;
		}
		fp_stats_entry(&e);
		ret = fp_stats_may_open(req, fi);
		if (ret == 0)
			ret = fp_stats_prepare(fi);
		if (ret < 0)
			fp_reply_err(req, -ret);
		else if (fuse_reply_create(req, &e, fi) == -ENOENT)
			fp_stats_release(fi);
		return;
	}
	flags = fp_open_flags(fi->flags) | O_CREAT;
	fp_creds_enter(req);
	fp_umask_enter(req, &mode);
	fd = openat(p->fd, name, flags, mode);
	/* an existing file the caller may only write: fp_open_for_cache() */
	retry = fd < 0 && errno == EACCES && fp_open_upgraded(flags, fi);
	if (retry)
		fd = openat(p->fd, name, fp_open_unupgraded(flags, fi), mode);
	fp_umask_leave();
	if (fd < 0) {
		ret = -errno;
		fp_creds_leave();
		fp_reply_err(req, -ret);
		return;
	}
	ret = fp_do_lookup(p, name, &e);
	fp_creds_leave();
	if (ret < 0) {
		close(fd);
		fp_reply_err(req, -ret);
		return;
	}
	if (retry)
		fd = fp_open_for_cache(fd, flags, fi);
	fp_reply_create(req, &e, fd, fi);
}

#if FP_HAVE_TMPFILE
/*
 * O_TMPFILE in parent: an unnamed backing file, made as the caller under
 * its umask, so mode and owner are what they are natively.  fi->flags
 * carry O_TMPFILE and, with it, O_EXCL (the kernel then refuses a link
 * itself, ENOENT, and so would the backing file system).  The open
 * descriptor names the file's inode, which fp_do_lookup_fd() adds to the
 * table with an O_PATH reopen; its st_nlink is 0 until a link.  When the
 * file is closed unlinked the kernel forgets the inode, and closing the
 * O_PATH descriptor frees the backing one: nothing is left behind.
 */
static void fp_tmpfile(fuse_req_t req, fuse_ino_t parent, mode_t mode,
		       struct fuse_file_info *fi)
{
	struct fp_inode *p = fp_inode_of(parent);
	struct fuse_entry_param e;
	int fd, ret, flags;

	fp_enter(FP_OP_tmpfile);
	/* a new file: its creator may open it read-write (writeback) */
	flags = (fp_open_flags(fi->flags) & ~O_CREAT) | O_TMPFILE;
	fp_creds_enter(req);
	fp_umask_enter(req, &mode);
	fd = openat(p->fd, ".", flags, mode);
	if (fd < 0)
		fd = -errno;
	fp_umask_leave();
	ret = fd < 0 ? fd : fp_do_lookup_fd(fd, &e);
	fp_creds_leave();
	if (ret < 0) {
		if (fd >= 0)
			close(fd);
		fp_reply_err(req, -ret);
		return;
	}
	fp_reply_create(req, &e, fd, fi);
}
#endif

/*
 * Bytes a read of size at off will return, for the statistics of reads
 * answered with an fd-backed buffer (libfuse does not tell).
 */
static size_t fp_read_len(int fd, size_t size, off_t off)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return size;
	if (off >= st.st_size)
		return 0;
	if ((uint64_t)(st.st_size - off) < size)
		return (size_t)(st.st_size - off);
	return size;
}

static void fp_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size);
	char *buf;
	ssize_t n;

	fp_enter(FP_OP_read);
	if (fp_is_stats_inode(in)) {
		fp_stats_read(req, size, off, fi);
		return;
	}
	/* a reply that does not fit the pipe would be copied by libfuse */
	if (fp_fs.cfg.splice && size >= fp_fs.cfg.splice_threshold &&
	    size <= fp_fs.cfg.splice_read_max) {
		size_t len = fp_read_len(fi->fh, size, off);

		/* libfuse splices the backing file's pages to /dev/fuse */
		bv.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
		bv.buf[0].fd = fi->fh;
		bv.buf[0].pos = off;
		/*
		 * Count before the reply: once it is sent the reader may go
		 * on and read or reset /.stats before this thread runs again.
		 */
		fp_count(&fp_fs.cnt.read_bytes, len);
		fp_count(&fp_fs.cnt.read_splice_bytes, len);
		fuse_reply_data(req, &bv, FUSE_BUF_SPLICE_MOVE);
		return;
	}
	buf = malloc(size ? size : 1);
	if (buf == NULL) {
		fp_reply_err(req, ENOMEM);
		return;
	}
	n = pread(fi->fh, buf, size, off);
	if (n < 0) {
		fp_reply_err(req, errno);
	} else {
		fp_count(&fp_fs.cnt.read_bytes, n);
		fuse_reply_buf(req, buf, n);
	}
	free(buf);
}

static void fp_write_buf(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_bufvec *in_buf, off_t off,
			 struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);
	size_t size = fuse_buf_size(in_buf);
	struct fuse_bufvec out = FUSE_BUFVEC_INIT(size);
	enum fuse_buf_copy_flags flags = 0;
	bool spliced, suid;
	ssize_t n;

	fp_enter(FP_OP_write);
	if (fp_is_stats_inode(in)) {
		fp_stats_write(req, in_buf);
		return;
	}
	out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	out.buf[0].fd = fi->fh;
	out.buf[0].pos = off;
	/* splice(2) refuses O_APPEND outputs */
	if (!fp_fs.cfg.splice || (fi->flags & O_APPEND && !fp_fs.cfg.writeback))
		flags |= FUSE_BUF_NO_SPLICE;
	spliced = !(flags & FUSE_BUF_NO_SPLICE) && in_buf->count > 0 &&
		  (in_buf->buf[0].flags & FUSE_BUF_IS_FD);
	fp_creds_enter(req);
	suid = fp_may_kill_suid(req, fi->fh);
	n = fuse_buf_copy(&out, in_buf, flags);
	fp_creds_leave();
	/* the write may have cleared them: the kernel's mode is stale */
	if (suid && n > 0)
		fuse_lowlevel_notify_inval_inode(fp_fs.se, ino, -1, 0);
	if (n < 0) {
		fp_reply_err(req, (int)-n);
		return;
	}
	fp_count(&fp_fs.cnt.write_bytes, n);
	if (spliced)
		fp_count(&fp_fs.cnt.write_splice_bytes, n);
	fuse_reply_write(req, n);
}

static void fp_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);
	int fd, ret = 0;

	fp_enter(FP_OP_flush);
	if (fp_is_stats_inode(in)) {
		fuse_reply_err(req, 0);
		return;
	}
	/* close a duplicate: what close(2) does to the backing file (NFS) */
	fd = dup(fi->fh);
	if (fd < 0)
		ret = errno;
	else if (close(fd) < 0)
		ret = errno;
	fp_reply_err(req, ret);
}

static void fp_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);

	fp_enter(FP_OP_release);
	if (fp_is_stats_inode(in)) {
		fp_stats_release(fi);
	} else {
		fp_passthrough_release(in);
		close(fi->fh);
		atomic_fetch_sub(&fp_fs.open_files, 1);
	}
	fuse_reply_err(req, 0);
}

static void fp_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);
	int ret = 0;

	fp_enter(FP_OP_fsync);
	if (fp_is_stats_inode(in)) {
		fuse_reply_err(req, 0);
		return;
	}
	if ((datasync ? fdatasync(fi->fh) : fsync(fi->fh)) < 0)
		ret = errno;
	fp_reply_err(req, ret);
}

static void fp_fallocate(fuse_req_t req, fuse_ino_t ino, int mode,
			 off_t off, off_t len, struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);
	bool suid;
	int ret = 0;

	fp_enter(FP_OP_fallocate);
	if (fp_is_stats_inode(in)) {
		fp_reply_err(req, EPERM);
		return;
	}
	fp_creds_enter(req);
	suid = fp_may_kill_suid(req, fi->fh);
	if (fallocate(fi->fh, mode, off, len) < 0)
		ret = errno;
	fp_creds_leave();
	/* as the caller it may have cleared them, as in fp_write_buf() */
	if (suid && ret == 0)
		fuse_lowlevel_notify_inval_inode(fp_fs.se, ino, -1, 0);
	fp_reply_err(req, ret);
}

static void fp_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
		     struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);
	off_t res;

	fp_enter(FP_OP_lseek);
	if (fp_is_stats_inode(in)) {
		fp_reply_err(req, ESPIPE);
		return;
	}
	res = lseek(fi->fh, off, whence);
	if (res < 0) {
		fp_reply_err(req, errno);
		return;
	}
	fuse_reply_lseek(req, res);
}

/*
 * copy_file_range on the mount: one engine copy between the backing files.
 * Never ENOSYS: the kernel would turn the call off for the whole mount.
 */
static void fp_copy_file_range(fuse_req_t req, fuse_ino_t ino_in,
			       off_t off_in, struct fuse_file_info *fi_in,
			       fuse_ino_t ino_out, off_t off_out,
			       struct fuse_file_info *fi_out, size_t len,
			       int flags)
{
	ssize_t n;
	bool suid;

	fp_enter(FP_OP_copy_file_range);
	if (fp_is_stats_inode(fp_inode_of(ino_in)) ||
	    fp_is_stats_inode(fp_inode_of(ino_out))) {
		/* the caller falls back to read and write */
		fp_reply_err(req, EXDEV);
		return;
	}
	if (flags != 0) {
		fp_reply_err(req, EINVAL);
		return;
	}
	fp_creds_enter(req);
	suid = fp_may_kill_suid(req, fi_out->fh);
	n = fn_copy_range(fi_in->fh, &off_in, fi_out->fh, &off_out,
			  MIN(len, FP_CFR_MAX), 0);
	fp_creds_leave();
	/* the copy writes as the caller, as in fp_write_buf() */
	if (suid && n > 0)
		fuse_lowlevel_notify_inval_inode(fp_fs.se, ino_out, -1, 0);
	if (n < 0) {
		fp_reply_err(req, (int)-n);
		return;
	}
	fp_count(&fp_fs.cnt.copy_file_range_bytes, n);
	fuse_reply_write(req, n);
}

/* ---- directories ------------------------------------------------------- */

/*
 * With cache=always the kernel keeps the listing (cache_readdir) across
 * opens (keep_cache).  It drops it by itself when the directory changes
 * through the mount (fuse_dir_changed() after create, mknod, mkdir,
 * symlink, link, unlink, rmdir and rename bumps the directory's version,
 * which the cached listing is checked against), so no notify_inval_inode
 * is sent from here (inside the request that changed the directory it
 * could also deadlock on the directory's lock); t2201 checks it.  A
 * change on the backing side changes the directory's mtime, which the
 * kernel compares when a listing starts from offset 0, once the
 * directory's attributes have expired (attr_timeout).
 *
 * Not with cache=auto: a cached listing carries no attributes, so once
 * the 1 s entries expired, `ls -l` of 10,000 files cost 10,000 lookups
 * where an uncached listing costs 51 readdirplus requests (measured).
 */
static void fp_opendir_cache(struct fuse_file_info *fi)
{
	if (fp_fs.cfg.cache != FP_CACHE_ALWAYS)
		return;
	fi->cache_readdir = 1;
	fi->keep_cache = 1;
}

static void fp_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);
	struct fp_dir *d;
	int fd, ret;

	fp_enter(FP_OP_opendir);
	if (fp_is_stats_inode(in)) {
		fp_reply_err(req, ENOTDIR);
		return;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		fp_reply_err(req, ENOMEM);
		return;
	}
	fp_creds_enter(req);
	fd = openat(in->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ret = fd < 0 ? errno : 0;
	fp_creds_leave();
	if (fd < 0)
		goto out_free;
	d->dp = fdopendir(fd);
	if (d->dp == NULL) {
		ret = errno;
		close(fd);
		goto out_free;
	}
	fi->fh = (uintptr_t)d;
	fp_opendir_cache(fi);
	if (fuse_reply_open(req, fi) == -ENOENT) {
		closedir(d->dp);
		free(d);
	}
	return;
out_free:
	free(d);
	fp_reply_err(req, ret);
}

static bool fp_is_dot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

static void fp_do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			  off_t offset, struct fuse_file_info *fi, bool plus)
{
	struct fp_inode *dir = fp_inode_of(ino);
	struct fp_dir *d = (struct fp_dir *)(uintptr_t)fi->fh;
	char *buf, *p;
	size_t rem = size;
	int err = 0;

	buf = calloc(1, size ? size : 1);
	if (buf == NULL) {
		fp_reply_err(req, ENOMEM);
		return;
	}
	p = buf;
	if (offset != d->offset) {
		seekdir(d->dp, offset);
		d->entry = NULL;
		d->offset = offset;
	}
	fp_creds_enter(req);
	for (;;) {
		struct fuse_entry_param e;
		const char *name;
		size_t entsize;
		off_t next;
		int ret;

		if (d->entry == NULL) {
			errno = 0;
			d->entry = readdir(d->dp);
			if (d->entry == NULL) {
				err = errno;
				break;
			}
		}
		next = d->entry->d_off;
		name = d->entry->d_name;
		/* /.stats hides a backing file of its name, in readdir too */
		if (fp_is_stats_name(dir, name))
			goto next_entry;
		if (!plus) {
			struct stat st;

			memset(&st, 0, sizeof(st));
			st.st_ino = d->entry->d_ino;
			st.st_mode = (mode_t)d->entry->d_type << 12;
			entsize = fuse_add_direntry(req, p, rem, name, &st,
						    next);
			if (entsize > rem)
				break;
		} else if (fp_is_dot(name)) {
			/* the kernel takes no lookup reference for these */
			memset(&e, 0, sizeof(e));
			e.attr.st_ino = d->entry->d_ino;
			e.attr.st_mode = (mode_t)d->entry->d_type << 12;
			entsize = fuse_add_direntry_plus(req, p, rem, name, &e,
							 next);
			if (entsize > rem)
				break;
		} else {
			ret = fp_do_lookup(dir, name, &e);
			if (ret == -ENOENT)
				goto next_entry;	/* raced with unlink */
			if (ret < 0) {
				err = -ret;
				break;
			}
			entsize = fuse_add_direntry_plus(req, p, rem, name, &e,
							 next);
			if (entsize > rem) {
				/* did not fit: undo the lookup's +1 */
				fp_inode_unref(fp_inode_of(e.ino), 1);
				break;
			}
		}
		p += entsize;
		rem -= entsize;
next_entry:
		d->entry = NULL;
		d->offset = next;
	}
	fp_creds_leave();
	/* an error after some entries: return them, the next call sees it */
	if (err && rem == size)
		fp_reply_err(req, err);
	else
		fuse_reply_buf(req, buf, size - rem);
	free(buf);
}

static void fp_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
		       off_t offset, struct fuse_file_info *fi)
{
	fp_enter(FP_OP_readdir);
	fp_do_readdir(req, ino, size, offset, fi, false);
}

static void fp_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t offset, struct fuse_file_info *fi)
{
	fp_enter(FP_OP_readdirplus);
	fp_do_readdir(req, ino, size, offset, fi, true);
}

static void fp_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	struct fp_dir *d = (struct fp_dir *)(uintptr_t)fi->fh;

	fp_enter(FP_OP_releasedir);
	closedir(d->dp);
	free(d);
	fuse_reply_err(req, 0);
}

static void fp_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
			struct fuse_file_info *fi)
{
	struct fp_dir *d = (struct fp_dir *)(uintptr_t)fi->fh;
	int fd = dirfd(d->dp);
	int ret = 0;

	fp_enter(FP_OP_fsyncdir);
	if ((datasync ? fdatasync(fd) : fsync(fd)) < 0)
		ret = errno;
	fp_reply_err(req, ret);
}

static void fp_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct fp_inode *in = fp_inode_of(ino);
	struct statvfs sv;

	fp_enter(FP_OP_statfs);
	if (fp_is_stats_inode(in))
		in = &fp_fs.root;
	if (fstatvfs(in->fd, &sv) < 0) {
		fp_reply_err(req, errno);
		return;
	}
	fuse_reply_statfs(req, &sv);
}

static void fp_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	struct fp_inode *in = fp_inode_of(ino);
	char path[64];
	int ret = 0;

	fp_enter(FP_OP_access);
	if (fp_is_stats_inode(in)) {
		fp_reply_err(req, (mask & X_OK) ? EACCES : 0);
		return;
	}
	fp_proc_path(path, sizeof(path), in->fd);
	fp_creds_enter(req);
	/* AT_EACCESS: check the fsuid we switched to, not the real uid */
	if (faccessat(AT_FDCWD, path, mask, AT_EACCESS) < 0)
		ret = errno;
	fp_creds_leave();
	fp_reply_err(req, ret);
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

static void fp_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			const char *value, size_t size, int flags)
{
	struct fp_inode *in = fp_inode_of(ino);
	char path[64];
	int ret = 0;

	fp_enter(FP_OP_setxattr);
	if (fp_is_stats_inode(in)) {
		fp_reply_err(req, EPERM);
		return;
	}
	fp_proc_path(path, sizeof(path), in->fd);
	fp_creds_enter(req);
	if (setxattr(path, name, value, size, flags) < 0)
		ret = errno;
	fp_creds_leave();
	if (ret == 0)
		fp_acl_changed(ino, name);
	fp_reply_err(req, ret);
}

/*
 * getxattr (name) or listxattr (name NULL) of the backing file, as the
 * caller: size 0 asks for the length, else for the value in size bytes.
 */
static void fp_xattr_read(fuse_req_t req, struct fp_inode *in,
			  const char *name, size_t size)
{
	char path[64];
	char *buf = NULL;
	ssize_t n;

	if (size) {
		buf = malloc(size);
		if (buf == NULL) {
			fp_reply_err(req, ENOMEM);
			return;
		}
	}
	fp_proc_path(path, sizeof(path), in->fd);
	fp_creds_enter(req);
	n = name ? getxattr(path, name, buf, size) : listxattr(path, buf, size);
	if (n < 0)
		n = -errno;
	fp_creds_leave();
	if (n < 0)
		fp_reply_err(req, (int)-n);
	else if (size == 0)
		fuse_reply_xattr(req, n);
	else
		fuse_reply_buf(req, buf, n);
	free(buf);
}

static void fp_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	struct fp_inode *in = fp_inode_of(ino);

	fp_enter(FP_OP_getxattr);
	if (fp_is_stats_inode(in)) {
		fp_reply_err(req, ENODATA);
		return;
	}
	fp_xattr_read(req, in, name, size);
}

static void fp_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct fp_inode *in = fp_inode_of(ino);

	fp_enter(FP_OP_listxattr);
	if (fp_is_stats_inode(in)) {
		if (size == 0)
			fuse_reply_xattr(req, 0);
		else
			fuse_reply_buf(req, NULL, 0);
		return;
	}
	fp_xattr_read(req, in, NULL, size);
}

static void fp_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct fp_inode *in = fp_inode_of(ino);
	char path[64];
	int ret = 0;

	fp_enter(FP_OP_removexattr);
	if (fp_is_stats_inode(in)) {
		fp_reply_err(req, EPERM);
		return;
	}
	fp_proc_path(path, sizeof(path), in->fd);
	fp_creds_enter(req);
	if (removexattr(path, name) < 0)
		ret = errno;
	fp_creds_leave();
	if (ret == 0)
		fp_acl_changed(ino, name);
	fp_reply_err(req, ret);
}

const struct fuse_lowlevel_ops fp_ops = {
	.init = fp_init,
	.lookup = fp_lookup,
	.forget = fp_forget,
	.forget_multi = fp_forget_multi,
	.getattr = fp_getattr,
	.setattr = fp_setattr,
	.readlink = fp_readlink,
	.mknod = fp_mknod,
	.mkdir = fp_mkdir,
	.unlink = fp_unlink,
	.rmdir = fp_rmdir,
	.symlink = fp_symlink,
	.rename = fp_rename,
	.link = fp_link,
	.open = fp_open,
	.read = fp_read,
	.write_buf = fp_write_buf,
	.flush = fp_flush,
	.release = fp_release,
	.fsync = fp_fsync,
	.opendir = fp_opendir,
	.readdir = fp_readdir,
	.readdirplus = fp_readdirplus,
	.releasedir = fp_releasedir,
	.fsyncdir = fp_fsyncdir,
	.statfs = fp_statfs,
	.setxattr = fp_setxattr,
	.getxattr = fp_getxattr,
	.listxattr = fp_listxattr,
	.removexattr = fp_removexattr,
	.access = fp_access,
	.create = fp_create,
#if FP_HAVE_TMPFILE
	.tmpfile = fp_tmpfile,
#endif
	.fallocate = fp_fallocate,
	.lseek = fp_lseek,
	.copy_file_range = fp_copy_file_range,
};
