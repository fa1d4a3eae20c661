// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * entry.c: entries and attributes: lookup and forget, getattr and
 * setattr, and the calls that make, link, remove and rename names.
 *
 * Names are relative to the parent's O_PATH descriptor, borrowed from the
 * inode table before the handler takes the caller's credentials (opening
 * a handle needs the daemon's), and are made,
 * linked, removed and renamed as the caller (fp_creds_enter()); nodes and
 * directories are made under its umask (fp_umask_enter()).  A new name is
 * answered with its entry, which takes a lookup reference
 * (fp_reply_entry()).  /.stats cannot be made, linked, removed or
 * renamed, nor its attributes set.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fp.h"
#include "ops.h"

/* ---- inodes and names ------------------------------------------------ */

static void fp_reply_entry(fuse_req_t req, struct fp_inode *parent, int pfd,
			   const char *name, int ret)
{
	struct fuse_entry_param e;

	fp_watch_reply_begin();
	if (ret == 0)
		ret = fp_do_lookup(parent, pfd, name, &e);
	if (ret < 0)
		fp_reply_err(req, -ret);
	else if (fuse_reply_entry(req, &e) == -ENOENT)
		fp_inode_unref(fp_inode_of(e.ino), 1);	/* caller gone */
	fp_watch_reply_end();
}

/* The reply to a lookup of fp_do_lookup()'s result ret and entry e */
static void fp_lookup_reply(fuse_req_t req, struct fuse_entry_param *e,
			    int ret)
{
	if (ret == -ENOENT && fp_fs.cfg.negative_timeout > 0) {
		/*
		 * A negative entry (inode 0): the kernel answers the next
		 * lookups of name itself.  A create, mknod, mkdir, symlink,
		 * link or rename to name through the mount replaces it at
		 * once; one on the backing side is seen after the timeout,
		 * or when fnpassfs reads its event (cache=watch).
		 */
		memset(e, 0, sizeof(*e));
		e->entry_timeout = fp_timeout(fp_fs.cfg.negative_timeout);
		fuse_reply_entry(req, e);
		return;
	}
	if (ret < 0) {
		fp_reply_err(req, -ret);
		return;
	}
	if (fuse_reply_entry(req, e) == -ENOENT)
		fp_inode_unref(fp_inode_of(e->ino), 1);
}

void fp_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fp_inode *p = fp_inode_of(parent);
	struct fuse_entry_param e;
	int pfd, ret;

	pfd = fp_inode_fd(p);
	if (pfd < 0) {
		fp_reply_err(req, -pfd);
		return;
	}
	fp_watch_reply_begin();
	fp_creds_enter(req);
	ret = fp_do_lookup(p, pfd, name, &e);
	fp_creds_leave();
	fp_inode_fd_put(p);
	/* a caller that stats what it lists (listing.c) */
	if (ret == 0 && !S_ISDIR(e.attr.st_mode))
		fp_listing_file_looked_up(req, p);
	fp_lookup_reply(req, &e, ret);
	fp_watch_reply_end();
}

void fp_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	fp_inode_unref(fp_inode_of(ino), nlookup);
	fuse_reply_none(req);
}

void fp_forget_multi(fuse_req_t req, size_t count,
		     struct fuse_forget_data *forgets)
{
	size_t i;

	for (i = 0; i < count; i++)
		fp_inode_unref(fp_inode_of(forgets[i].ino), forgets[i].nlookup);
	fuse_reply_none(req);
}

void fp_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);
	struct stat st;
	int fd, ret = 0;

	if (fp_is_stats_inode(in)) {
		fp_stats_attr(&st);
		fuse_reply_attr(req, &st, 0);
		return;
	}
	/* an open file: its own descriptor, also when it was removed */
	if (fi != NULL) {
		if (fstat(fi->fh, &st) < 0)
			ret = -errno;
	} else {
		fd = fp_inode_fd(in);
		if (fd < 0) {
			fp_reply_err(req, -fd);
			return;
		}
		if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
			ret = -errno;
		else
			ret = fp_inode_check_removed(in, &st);
		fp_inode_fd_put(in);
	}
	if (ret != 0) {
		fp_reply_err(req, -ret);
		return;
	}
	fuse_reply_attr(req, &st, fp_timeout(fp_fs.cfg.attr_timeout));
}

/* The setattr work on fd, the inode's O_PATH descriptor; 0 or -errno */
static int fp_do_setattr(int fd, struct stat *attr, int valid,
			 struct fuse_file_info *fi)
{
	struct fp_fdname fn;
	int ret;

	fp_fdname(&fn, fd);
	if (valid & FUSE_SET_ATTR_MODE) {
		ret = fi ? fchmod(fi->fh, attr->st_mode) :
			   fchmodat(fn.dir, fn.name, attr->st_mode, 0);
		if (ret < 0)
			return -errno;
	}
	if (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
		uid_t uid = (valid & FUSE_SET_ATTR_UID) ? attr->st_uid :
							  (uid_t)-1;
		gid_t gid = (valid & FUSE_SET_ATTR_GID) ? attr->st_gid :
							  (gid_t)-1;

		if (fchownat(fd, "", uid, gid,
			     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	if (valid & FUSE_SET_ATTR_SIZE) {
		ret = fi ? ftruncate(fi->fh, attr->st_size) :
			   truncate(fn.path, attr->st_size);
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
			   utimensat(fn.dir, fn.name, tv, 0);
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
static bool fp_kills_suid(int fd, const struct stat *attr, int valid)
{
	mode_t kill = S_ISUID | S_ISGID;
	struct fp_fdname fn;
	struct stat st;

	if (!fp_fs.cfg.creds || !(valid & FUSE_SET_ATTR_MODE) ||
	    fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	if (!S_ISREG(st.st_mode) || !(st.st_mode & kill) ||
	    (attr->st_mode & ~kill) != (st.st_mode & ~kill) ||
	    (attr->st_mode & kill & ~st.st_mode) != 0)
		return false;
	fp_fdname(&fn, fd);
	return faccessat(fn.dir, fn.name, W_OK, AT_EACCESS) == 0;
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
static int fp_clear_setid(fuse_req_t req, int fd)
{
	struct fp_fdname fn;
	struct stat st;
	mode_t mode;

	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return 0;
	mode = st.st_mode & ~S_ISUID;
	if ((mode & S_ISGID) &&
	    ((mode & S_IXGRP) || !fp_caller_in_group(req, st.st_gid)))
		mode &= ~S_ISGID;
	if (mode == st.st_mode)
		return 0;
	fp_fdname(&fn, fd);
	return fchmodat(fn.dir, fn.name, mode & 07777, 0) < 0 ? -errno : 0;
}

void fp_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int valid,
		struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);
	struct stat st;
	bool kill = false;
	int fd, ret;

	if (fp_is_stats_inode(in)) {
		fp_reply_err(req, EPERM);
		return;
	}
	fd = fp_inode_fd(in);
	if (fd < 0) {
		fp_reply_err(req, -fd);
		return;
	}
	if (valid == 0) {
		ret = fp_clear_setid(req, fd);
		goto reply;
	}
	fp_creds_enter(req);
	kill = fp_kills_suid(fd, attr, valid);
	if (kill)
		valid &= ~FUSE_SET_ATTR_MODE;
	if (fp_times_as_daemon()) {
		ret = fp_do_setattr(fd, attr, valid & ~FP_SET_ATTR_TIMES, fi);
		fp_creds_leave();
		if (ret == 0)
			ret = fp_do_setattr(fd, attr,
					    valid & FP_SET_ATTR_TIMES, fi);
	} else {
		ret = fp_do_setattr(fd, attr, valid, fi);
		fp_creds_leave();
	}
reply:
	if (ret == 0 &&
	    fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
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
			ret = fp_do_setattr(fd, attr, FUSE_SET_ATTR_MODE, fi);
			if (ret == 0 &&
			    fstatat(fd, "", &st,
				    AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
				ret = -errno;
		}
	}
	fp_inode_fd_put(in);
	if (ret < 0) {
		fp_reply_err(req, -ret);
		return;
	}
	fuse_reply_attr(req, &st, fp_timeout(fp_fs.cfg.attr_timeout));
}

void fp_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct fp_inode *in = fp_inode_of(ino);
	char buf[PATH_MAX + 1];
	ssize_t n;
	int fd;

	if (fp_is_stats_inode(in)) {
		fp_reply_err(req, EINVAL);
		return;
	}
	fd = fp_inode_fd(in);
	if (fd < 0) {
		fp_reply_err(req, -fd);
		return;
	}
	n = readlinkat(fd, "", buf, sizeof(buf));
	if (n < 0)
		n = -errno;
	fp_inode_fd_put(in);
	if (n < 0) {
		fp_reply_err(req, (int)-n);
		return;
	}
	if (n == sizeof(buf)) {
		fp_reply_err(req, ENAMETOOLONG);
		return;
	}
	buf[n] = '\0';
	fuse_reply_readlink(req, buf);
}

void fp_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	      dev_t rdev)
{
	struct fp_inode *p = fp_inode_of(parent);
	int pfd, ret = 0;

	if (fp_is_stats_name(p, name)) {
		fp_reply_err(req, EEXIST);
		return;
	}
	pfd = fp_inode_fd(p);
	if (pfd < 0) {
		fp_reply_err(req, -pfd);
		return;
	}
	fp_creds_enter(req);
	fp_umask_enter(req, &mode);
	if (mknodat(pfd, name, mode, rdev) < 0)
		ret = -errno;
	fp_umask_leave();
	fp_reply_entry(req, p, pfd, name, ret);
	fp_creds_leave();
	fp_inode_fd_put(p);
}

void fp_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct fp_inode *p = fp_inode_of(parent);
	int pfd, ret = 0;

	if (fp_is_stats_name(p, name)) {
		fp_reply_err(req, EEXIST);
		return;
	}
	pfd = fp_inode_fd(p);
	if (pfd < 0) {
		fp_reply_err(req, -pfd);
		return;
	}
	fp_creds_enter(req);
	fp_umask_enter(req, &mode);
	if (mkdirat(pfd, name, mode) < 0)
		ret = -errno;
	fp_umask_leave();
	fp_reply_entry(req, p, pfd, name, ret);
	fp_creds_leave();
	fp_inode_fd_put(p);
}

void fp_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		const char *name)
{
	struct fp_inode *p = fp_inode_of(parent);
	int pfd, ret = 0;

	if (fp_is_stats_name(p, name)) {
		fp_reply_err(req, EEXIST);
		return;
	}
	pfd = fp_inode_fd(p);
	if (pfd < 0) {
		fp_reply_err(req, -pfd);
		return;
	}
	fp_creds_enter(req);
	if (symlinkat(link, pfd, name) < 0)
		ret = -errno;
	fp_reply_entry(req, p, pfd, name, ret);
	fp_creds_leave();
	fp_inode_fd_put(p);
}

void fp_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t parent,
	     const char *name)
{
	struct fp_inode *in = fp_inode_of(ino);
	struct fp_inode *p = fp_inode_of(parent);
	struct fp_fdname fn;
	int pfd, ret = 0;

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
	ret = fp_inode_fdname(in, &fn);
	if (ret < 0) {
		fp_reply_err(req, -ret);
		return;
	}
	pfd = fp_inode_fd(p);
	if (pfd < 0) {
		fp_inode_fd_put(in);
		fp_reply_err(req, -pfd);
		return;
	}
	fp_creds_enter(req);
	if (linkat(fn.dir, fn.name, pfd, name, AT_SYMLINK_FOLLOW) < 0)
		ret = -errno;
	fp_reply_entry(req, p, pfd, name, ret);
	fp_creds_leave();
	fp_inode_fd_put(p);
	fp_inode_fd_put(in);
}

/*
 * Whether name in pfd names a file, whose (st_dev, st_ino) are then in
 * *st: one about to be removed, or replaced by a rename, whose cached
 * descriptor fp_inode_unlinked() closes once it is.
 */
static bool fp_victim(int pfd, const char *name, struct stat *st)
{
	return fstatat(pfd, name, st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* unlink and rmdir: unlinkat() with flags, as the caller */
static void fp_remove(fuse_req_t req, fuse_ino_t parent, const char *name,
		      int flags)
{
	struct fp_inode *p = fp_inode_of(parent);
	struct stat st;
	bool victim;
	int pfd, ret = 0;

	if (fp_is_stats_name(p, name)) {
		fp_reply_err(req, EPERM);
		return;
	}
	pfd = fp_inode_fd(p);
	if (pfd < 0) {
		fp_reply_err(req, -pfd);
		return;
	}
	fp_creds_enter(req);
	victim = fp_victim(pfd, name, &st);
	if (unlinkat(pfd, name, flags) < 0)
		ret = -errno;
	fp_creds_leave();
	fp_inode_fd_put(p);
	if (ret == 0 && victim)
		fp_inode_unlinked(st.st_dev, st.st_ino);
	fp_reply_err(req, -ret);
}

void fp_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fp_remove(req, parent, name, 0);
}

void fp_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fp_remove(req, parent, name, AT_REMOVEDIR);
}

void fp_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
	       fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct fp_inode *p = fp_inode_of(parent);
	struct fp_inode *np = fp_inode_of(newparent);
	struct stat st;
	bool victim = false;
	int pfd, npfd, ret = 0;

	if (fp_is_stats_name(p, name) || fp_is_stats_name(np, newname)) {
		fp_reply_err(req, EPERM);
		return;
	}
	pfd = fp_inode_fd(p);
	if (pfd < 0) {
		fp_reply_err(req, -pfd);
		return;
	}
	npfd = fp_inode_fd(np);
	if (npfd < 0) {
		fp_inode_fd_put(p);
		fp_reply_err(req, -npfd);
		return;
	}
	fp_creds_enter(req);
	/* a file renamed over loses its name: as an unlink */
	if (!(flags & RENAME_EXCHANGE))
		victim = fp_victim(npfd, newname, &st);
	if (renameat2(pfd, name, npfd, newname, flags) < 0)
		ret = -errno;
	fp_creds_leave();
	fp_inode_fd_put(np);
	fp_inode_fd_put(p);
	if (ret == 0 && victim)
		fp_inode_unlinked(st.st_dev, st.st_ino);
	fp_reply_err(req, -ret);
}
