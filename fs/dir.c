// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dir.c: directories: opendir, readdir and readdirplus, releasedir and
 * fsyncdir.
 *
 * An open directory is a struct fp_dir in fi->fh: the backing directory,
 * opened as the caller, and where readdir stands in it.  readdirplus
 * answers each entry with its attributes and takes a lookup reference for
 * each but . and ..; /.stats hides a backing file of its name.  With
 * cache=always the kernel opens directories without asking
 * (fp_opendir_skipped()), and each readdir opens the directory for itself.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fp.h"
#include "ops.h"

struct fp_dir {
	DIR *dp;
	off_t offset;
	struct dirent *entry;
	bool names_only;	/* readdirplus looks up directories only */
};

/* ---- directories ------------------------------------------------------- */

/*
 * With cache=always and cache=watch the kernel keeps the listing
 * (cache_readdir) across opens (keep_cache).  It drops it by itself when
 * the directory changes through the mount (fuse_dir_changed() after
 * create, mknod, mkdir, symlink, link, unlink, rmdir and rename bumps the
 * directory's version, which the cached listing is checked against), so
 * no notify_inval_inode is sent from here (inside the request that
 * changed the directory it could also deadlock on the directory's lock);
 * t2201 checks it.  A change on the backing side changes the directory's
 * mtime, which the kernel compares when a listing starts from offset 0,
 * once the directory's attributes have expired (attr_timeout); with
 * cache=watch fnpassfs drops the listing when it is told of the change
 * (watch.c).
 *
 * With cache=auto each opendir chooses whether the kernel keeps the
 * listing or reads it again (listing.c): a kept listing carries no
 * attributes, so once the 1 s entries expired, `ls -l` of 10,000 files
 * costs 10,000 lookups where a listing read again costs 51 readdirplus
 * requests (measured).
 */
static bool fp_cache_listings(void)
{
	return fp_fs.cfg.cache == FP_CACHE_ALWAYS ||
	       fp_fs.cfg.cache == FP_CACHE_WATCH;
}

/*
 * Whether opendir answers ENOSYS, so that the kernel stops sending
 * OPENDIR and RELEASEDIR (FUSE_CAP_NO_OPENDIR_SUPPORT): two requests per
 * directory, one its opener waits for (find of 2,000 directories: 2,000
 * round trips).  The kernel then keeps every listing as cache_readdir
 * with keep_cache does, which is what cache=always asks for anyway, and
 * not what cache=auto may do (above).  Only where nothing is lost: the
 * open as the caller below is the check of the permission to read a
 * directory, unless the kernel checks it itself (default_permissions),
 * or only root comes (a root daemon without allow_other), whose open
 * fnpassfs makes with its own capabilities and never fails for want of
 * permission.
 */
bool fp_opendir_skipped(void)
{
	const struct fp_config *cfg = &fp_fs.cfg;

	return fp_cache_listings() &&
	       (cfg->default_permissions ||
		(!cfg->allow_other && fp_fs.uid == 0));
}

/*
 * Open in's backing directory as the caller into a new *dp: 0 or -errno.
 */
static int fp_dir_open(fuse_req_t req, struct fp_inode *in, DIR **dp)
{
	struct fp_fdname fn;
	int pfd, fd, ret;

	pfd = fp_inode_fd(in);
	if (pfd < 0)
		return pfd;
	/*
	 * The directory itself, as the caller.  openat(pfd, ".") is the
	 * cheap way (procfs costs three lookups and the magic link's walk:
	 * 7 to 10% of the daemon's time in a cold find), but it checks
	 * search permission as well as read: a caller who may read the
	 * directory but not search it (mode 0444 or 0600 for them) is
	 * refused there, and only there does /proc/self/fd/N, which checks
	 * read permission alone, as open(2) of the name does natively,
	 * decide.
	 */
	fp_creds_enter(req);
	fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && fp_fd_exhausted(errno))
		fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == EACCES) {
		fp_fdname(&fn, pfd);
		fd = openat(fn.dir, fn.name,
			    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	ret = fd < 0 ? -errno : 0;
	fp_creds_leave();
	fp_inode_fd_put(in);
	if (fd < 0)
		return ret;
	*dp = fdopendir(fd);
	if (*dp == NULL) {
		ret = -errno;
		close(fd);
	}
	return ret;
}

void fp_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);
	struct fp_dir *d;
	int ret;

	if (fp_is_stats_inode(in)) {
		fp_reply_err(req, ENOTDIR);
		return;
	}
	if (fp_fs.no_opendir) {
		/* not an error: the kernel's cue (fp_opendir_skipped()) */
		fp_reply_err(req, ENOSYS);
		return;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		fp_reply_err(req, ENOMEM);
		return;
	}
	ret = fp_dir_open(req, in, &d->dp);
	if (ret != 0) {
		free(d);
		fp_reply_err(req, -ret);
		return;
	}
	fi->fh = (uintptr_t)d;
	if (fp_cache_listings()) {
		fi->cache_readdir = 1;
		fi->keep_cache = 1;
	} else {
		d->names_only = fp_listing_open(req, in, dirfd(d->dp), fi);
	}
	if (fuse_reply_open(req, fi) == -ENOENT) {
		closedir(d->dp);
		free(d);
	}
}

static bool fp_is_dot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/*
 * Whether readdirplus looks d's current entry up.  Not . and .., nor a
 * file for a caller that wants names only (listing.c): no lookup in the
 * daemon, nor a new inode in the kernel.  A directory is, which a walk
 * into it would otherwise ask for.
 */
static bool fp_entry_looked_up(const struct fp_dir *d, const struct dirent *de)
{
	if (fp_is_dot(de->d_name))
		return false;
	return !d->names_only || de->d_type == DT_DIR ||
	       de->d_type == DT_UNKNOWN;
}

/* A readdirplus entry without attributes: the kernel looks it up itself */
static void fp_entry_bare(struct fuse_entry_param *e, const struct dirent *de)
{
	memset(e, 0, sizeof(*e));
	e->attr.st_ino = de->d_ino;
	e->attr.st_mode = (mode_t)de->d_type << 12;
}

/*
 * Add d's current entry to the reply at p, which has rem bytes left: its
 * size, or more than rem where it did not fit (and nothing was taken), or
 * 0 where it is not listed (the /.stats name, a name removed since).
 */
static size_t fp_dir_add_entry(fuse_req_t req, struct fp_inode *dir,
			       const struct fp_dir *d, char *p, size_t rem,
			       bool plus)
{
	const struct dirent *de = d->entry;
	struct fuse_entry_param e;
	size_t entsize;
	int ret;

	/* /.stats hides a backing file of its name, in readdir too */
	if (fp_is_stats_name(dir, de->d_name))
		return 0;
	if (!plus) {
		struct stat st;

		memset(&st, 0, sizeof(st));
		st.st_ino = de->d_ino;
		st.st_mode = (mode_t)de->d_type << 12;
		return fuse_add_direntry(req, p, rem, de->d_name, &st,
					 de->d_off);
	}
	if (!fp_entry_looked_up(d, de)) {
		/* the kernel takes no lookup reference for these */
		fp_entry_bare(&e, de);
		return fuse_add_direntry_plus(req, p, rem, de->d_name, &e,
					      de->d_off);
	}
	/* relative to the open directory: no descriptor lent */
	ret = fp_do_lookup(dir, dirfd(d->dp), de->d_name, &e);
	if (ret == -ENOENT)
		return 0;	/* raced with unlink */
	/*
	 * A name that does not look up (EACCES: the caller may read the
	 * directory but not search it) is listed all the same, as
	 * getdents(2) lists it natively; a stat of it then fails as
	 * natively.
	 */
	if (ret < 0)
		fp_entry_bare(&e, de);
	entsize = fuse_add_direntry_plus(req, p, rem, de->d_name, &e,
					 de->d_off);
	/* did not fit: undo the lookup's +1 */
	if (entsize > rem && ret == 0)
		fp_inode_unref(fp_inode_of(e.ino), 1);
	return entsize;
}

/*
 * readdir and readdirplus: the entries of d from offset that fit in size
 * bytes.  An entry read but not sent stays in d->entry for the next call.
 */
static void fp_do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			  off_t offset, struct fuse_file_info *fi, bool plus)
{
	struct fp_inode *dir = fp_inode_of(ino);
	struct fp_dir *d = (struct fp_dir *)(uintptr_t)fi->fh;
	struct fp_dir once = { .offset = 0 };
	size_t rem = size, entsize;
	char *buf, *p;
	int err = 0;

	/*
	 * Not opened (fp_opendir_skipped()): open it for this request and
	 * seek to offset, a telldir(3) position of an earlier open, which
	 * the file systems that can be exported over NFS keep valid.
	 */
	if (d == NULL) {
		err = fp_dir_open(req, dir, &once.dp);
		if (err != 0) {
			fp_reply_err(req, -err);
			return;
		}
		d = &once;
	}
	/* every byte sent is written by fuse_add_direntry[_plus]() */
	buf = malloc(size ? size : 1);
	if (buf == NULL) {
		fp_reply_err(req, ENOMEM);
		goto out_close;
	}
	p = buf;
	if (offset == 0)
		fp_listing_read(dir, plus && !d->names_only);
	if (offset != d->offset) {
		seekdir(d->dp, offset);
		d->entry = NULL;
		d->offset = offset;
	}
	/* the entries of readdirplus are what the kernel keeps (watch.c) */
	if (plus)
		fp_watch_reply_begin();
	fp_creds_enter(req);
	for (;;) {
		if (d->entry == NULL) {
			errno = 0;
			d->entry = readdir(d->dp);
			if (d->entry == NULL) {
				err = -errno;
				break;
			}
		}
		entsize = fp_dir_add_entry(req, dir, d, p, rem, plus);
		if (entsize > rem)
			break;
		p += entsize;
		rem -= entsize;
		d->offset = d->entry->d_off;
		d->entry = NULL;
	}
	fp_creds_leave();
	/* an error after some entries: return them, the next call sees it */
	if (err && rem == size)
		fp_reply_err(req, -err);
	else
		fuse_reply_buf(req, buf, size - rem);
	if (plus)
		fp_watch_reply_end();
	free(buf);
out_close:
	if (d == &once)
		closedir(once.dp);
}

void fp_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
		struct fuse_file_info *fi)
{
	fp_do_readdir(req, ino, size, offset, fi, false);
}

void fp_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
		    struct fuse_file_info *fi)
{
	fp_do_readdir(req, ino, size, offset, fi, true);
}

void fp_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fp_dir *d = (struct fp_dir *)(uintptr_t)fi->fh;

	closedir(d->dp);
	free(d);
	fp_reply_err(req, 0);
}

void fp_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
		 struct fuse_file_info *fi)
{
	struct fp_dir *d = (struct fp_dir *)(uintptr_t)fi->fh;
	DIR *once = NULL;
	int fd, ret = 0;

	if (d == NULL) {
		/* not opened: fp_opendir_skipped() */
		ret = fp_dir_open(req, fp_inode_of(ino), &once);
		if (ret != 0) {
			fp_reply_err(req, -ret);
			return;
		}
	}
	fd = dirfd(d != NULL ? d->dp : once);
	if ((datasync ? fdatasync(fd) : fsync(fd)) < 0)
		ret = -errno;
	if (once != NULL)
		closedir(once);
	fp_reply_err(req, -ret);
}
