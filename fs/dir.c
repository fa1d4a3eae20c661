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
};

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

	return cfg->cache == FP_CACHE_ALWAYS &&
	       (cfg->default_permissions ||
		(!cfg->allow_other && fp_fs.uid == 0));
}

/*
 * Open in's backing directory as the caller into a new *dp: 0 or -errno.
 */
static int fp_dir_open(fuse_req_t req, struct fp_inode *in, DIR **dp)
{
	char path[64];
	int fd, ret;

	ret = fp_inode_path(in, path, sizeof(path));
	if (ret < 0)
		return ret;
	/*
	 * The directory itself through /proc/self/fd/N, as the caller: open
	 * checks its read permission only, as open(2) of it does natively;
	 * openat(fd, ".") would check search permission too, and a caller
	 * who may read but not search it (mode 0600 or 0444 for them) could
	 * not list its names.
	 */
	fp_creds_enter(req);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && fp_fd_exhausted(errno))
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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
	fp_opendir_cache(fi);
	if (fuse_reply_open(req, fi) == -ENOENT) {
		closedir(d->dp);
		free(d);
	}
}

static bool fp_is_dot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* A readdirplus entry without attributes: the kernel looks it up itself */
static void fp_entry_bare(struct fuse_entry_param *e, const struct dirent *de)
{
	memset(e, 0, sizeof(*e));
	e->attr.st_ino = de->d_ino;
	e->attr.st_mode = (mode_t)de->d_type << 12;
}

static void fp_do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			  off_t offset, struct fuse_file_info *fi, bool plus)
{
	struct fp_inode *dir = fp_inode_of(ino);
	struct fp_dir *d = (struct fp_dir *)(uintptr_t)fi->fh;
	struct fp_dir once = { .offset = 0 };
	char *buf, *p;
	size_t rem = size;
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
	buf = calloc(1, size ? size : 1);
	if (buf == NULL) {
		fp_reply_err(req, ENOMEM);
		goto out_close;
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
				err = -errno;
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
			fp_entry_bare(&e, d->entry);
			entsize = fuse_add_direntry_plus(req, p, rem, name, &e,
							 next);
			if (entsize > rem)
				break;
		} else {
			/* relative to the open directory: no descriptor lent */
			ret = fp_do_lookup(dir, dirfd(d->dp), name, &e);
			if (ret == -ENOENT)
				goto next_entry;	/* raced with unlink */
			/*
			 * A name that does not look up (EACCES: the caller
			 * may read the directory but not search it) is
			 * listed all the same, as getdents(2) lists it
			 * natively; a stat of it then fails as natively.
			 */
			if (ret < 0)
				fp_entry_bare(&e, d->entry);
			entsize = fuse_add_direntry_plus(req, p, rem, name, &e,
							 next);
			if (entsize > rem) {
				/* did not fit: undo the lookup's +1 */
				if (ret == 0)
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
		fp_reply_err(req, -err);
	else
		fuse_reply_buf(req, buf, size - rem);
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
