// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * file.c: open files: open, create and tmpfile, then read, write, flush,
 * release, fsync, fallocate, lseek and copy_file_range.
 *
 * The backing file is opened as the caller, with the flags the writeback
 * cache needs (fp_open_flags()), and its descriptor is kept in fi->fh,
 * which every later request on the open file uses.  Where the kernel
 * passes the file's data through (passthrough.c), its reads and writes
 * never come here.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "fp.h"
#include "ops.h"

/* copy_file_range(2) caps one call at MAX_RW_COUNT; the reply is 32 bits */
#define FP_CFR_MAX	((size_t)0x7ffff000)

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
	struct fp_fdname fn;
	int rw;

	if (fp_fs.cfg.creds) {
		fp_fdname(&fn, fd);
		rw = openat(fn.dir, fn.name,
			    flags & ~(O_CREAT | O_EXCL | O_TRUNC));
		if (rw >= 0) {
			close(fd);
			return rw;
		}
	}
	fi->direct_io = 1;
	return fd;
}

/*
 * The FN_FS_* flags of fd's file system (0 where unknown).  Among them
 * FN_FS_CLOSE_SILENT: close(2) of a descriptor there can only return 0,
 * for those with no flush method (ext2/3/4, XFS, btrfs, tmpfs, f2fs; NFS,
 * SMB, Ceph, FUSE and overlayfs have one and report errors there).  Then
 * the kernel need not send FLUSH at each close of the mount's file
 * (noflush): a round trip saved on every close, and fp_flush() would only
 * close a duplicate.  The kernel still sends it with the writeback cache.
 * Asked once per backing mount: fp_inode_fs_flags().
 */
unsigned int fp_fs_flags(int fd)
{
	struct statfs sfs;

	if (fstatfs(fd, &sfs) < 0)
		return 0;
	return fn_fs_types[fn_fs_of_magic((unsigned long)sfs.f_type)].flags;
}

static void fp_open_reply_flags(struct fp_inode *in, int fd,
				struct fuse_file_info *fi)
{
	/* auto: auto_inval_data drops pages when size or mtime change */
	if (fp_fs.cfg.cache != FP_CACHE_NEVER)
		fi->keep_cache = 1;
	fi->noflush = (fp_inode_fs_flags(in, fd) & FN_FS_CLOSE_SILENT) != 0;
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

/*
 * openat(2) of fn with flags, once more if the daemon was out of
 * descriptors (fp_fd_exhausted() made room): a descriptor or -1, errno.
 */
static int fp_open_retry(const struct fp_fdname *fn, int flags)
{
	int fd = openat(fn->dir, fn->name, flags);

	if (fd < 0 && fp_fd_exhausted(errno))
		fd = openat(fn->dir, fn->name, flags);
	return fd;
}

void fp_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);
	struct fp_fdname fn;
	struct stat st;
	int fd, pfd, flags;
	bool retry, suid;

	if (fp_is_stats_inode(in)) {
		fp_stats_open(req, fi);
		return;
	}
	pfd = fp_inode_fd(in);
	if (pfd < 0) {
		fp_reply_err(req, -pfd);
		return;
	}
	/* a file removed beside the mount does not open, as natively */
	fd = fstat(pfd, &st) < 0 ? -errno : fp_inode_check_removed(in, &st);
	if (fd < 0) {
		fp_inode_fd_put(in);
		fp_reply_err(req, -fd);
		return;
	}
	fp_fdname(&fn, pfd);
	flags = fp_open_flags(fi->flags);
	fp_creds_enter(req);
	suid = (flags & O_TRUNC) && fp_may_kill_suid(req, pfd);
	fd = fp_open_retry(&fn, flags);
	retry = fd < 0 && errno == EACCES && fp_open_upgraded(flags, fi);
	if (retry)
		fd = fp_open_retry(&fn, fp_open_unupgraded(flags, fi));
	if (fd < 0)
		fd = -errno;
	fp_creds_leave();
	fp_inode_fd_put(in);
	if (fd < 0) {
		fp_reply_err(req, -fd);
		return;
	}
	/*
	 * The truncate as the caller cleared them: as in fp_write_buf(); the
	 * mode for fp_passthrough_open() is then the one after it.
	 */
	if (suid) {
		fuse_lowlevel_notify_inval_inode(fp_fs.se, ino, -1, 0);
		/* a mode it cannot see: not passed through, as set-id */
		if (fstat(fd, &st) < 0)
			st.st_mode = S_IFREG | S_ISUID;
	}
	if (retry)
		fd = fp_open_for_cache(fd, flags, fi);
	fi->fh = fd;
	fp_open_reply_flags(in, fd, fi);
	fp_passthrough_open(in, fd, st.st_mode, fi);
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
	fp_open_reply_flags(in, fd, fi);
	fp_passthrough_open(in, fd, e->attr.st_mode, fi);
	if (fuse_reply_create(req, e, fi) == -ENOENT) {
		fp_passthrough_release(in);
		fp_inode_unref(in, 1);
		close(fd);
		atomic_fetch_sub(&fp_fs.open_files, 1);
	}
}

void fp_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	       struct fuse_file_info *fi)
{
	struct fp_inode *p = fp_inode_of(parent);
	struct fuse_entry_param e;
	int fd, pfd, ret, flags;
	bool retry;

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
	pfd = fp_inode_fd(p);
	if (pfd < 0) {
		fp_reply_err(req, -pfd);
		return;
	}
	fp_creds_enter(req);
	fp_umask_enter(req, &mode);
	fd = openat(pfd, name, flags, mode);
	if (fd < 0 && fp_fd_exhausted(errno))
		fd = openat(pfd, name, flags, mode);
	/* an existing file the caller may only write: fp_open_for_cache() */
	retry = fd < 0 && errno == EACCES && fp_open_upgraded(flags, fi);
	if (retry)
		fd = openat(pfd, name, fp_open_unupgraded(flags, fi), mode);
	fp_umask_leave();
	if (fd < 0) {
		ret = -errno;
		fp_creds_leave();
		fp_inode_fd_put(p);
		fp_reply_err(req, -ret);
		return;
	}
	ret = fp_do_lookup(p, pfd, name, &e);
	fp_creds_leave();
	fp_inode_fd_put(p);
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
void fp_tmpfile(fuse_req_t req, fuse_ino_t parent, mode_t mode,
		struct fuse_file_info *fi)
{
	struct fp_inode *p = fp_inode_of(parent);
	struct fuse_entry_param e;
	int fd, pfd, ret, flags;

	/* a new file: its creator may open it read-write (writeback) */
	flags = (fp_open_flags(fi->flags) & ~O_CREAT) | O_TMPFILE;
	pfd = fp_inode_fd(p);
	if (pfd < 0) {
		fp_reply_err(req, -pfd);
		return;
	}
	fp_creds_enter(req);
	fp_umask_enter(req, &mode);
	fd = openat(pfd, ".", flags, mode);
	if (fd < 0)
		fd = -errno;
	fp_umask_leave();
	ret = fd < 0 ? fd : fp_do_lookup_fd(fd, &e);
	fp_creds_leave();
	fp_inode_fd_put(p);
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

void fp_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	     struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size);
	char *buf;
	ssize_t n;

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

void fp_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in_buf,
		  off_t off, struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);
	size_t size = fuse_buf_size(in_buf);
	struct fuse_bufvec out = FUSE_BUFVEC_INIT(size);
	enum fuse_buf_copy_flags flags = 0;
	bool spliced, suid;
	ssize_t n;

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

void fp_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);
	int fd, ret = 0;

	if (fp_is_stats_inode(in)) {
		fp_reply_err(req, 0);
		return;
	}
	/* close a duplicate: what close(2) does to the backing file (NFS) */
	fd = dup(fi->fh);
	if (fd < 0)
		ret = -errno;
	else if (close(fd) < 0)
		ret = -errno;
	fp_reply_err(req, -ret);
}

void fp_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);

	if (fp_is_stats_inode(in)) {
		fp_stats_release(fi);
	} else {
		fp_passthrough_release(in);
		close(fi->fh);
		atomic_fetch_sub(&fp_fs.open_files, 1);
	}
	fp_reply_err(req, 0);
}

void fp_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
	      struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);
	int ret = 0;

	if (fp_is_stats_inode(in)) {
		fp_reply_err(req, 0);
		return;
	}
	if ((datasync ? fdatasync(fi->fh) : fsync(fi->fh)) < 0)
		ret = -errno;
	fp_reply_err(req, -ret);
}

void fp_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off,
		  off_t len, struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);
	bool suid;
	int ret = 0;

	if (fp_is_stats_inode(in)) {
		fp_reply_err(req, EPERM);
		return;
	}
	fp_creds_enter(req);
	suid = fp_may_kill_suid(req, fi->fh);
	if (fallocate(fi->fh, mode, off, len) < 0)
		ret = -errno;
	fp_creds_leave();
	/* as the caller it may have cleared them, as in fp_write_buf() */
	if (suid && ret == 0)
		fuse_lowlevel_notify_inval_inode(fp_fs.se, ino, -1, 0);
	fp_reply_err(req, -ret);
}

void fp_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
	      struct fuse_file_info *fi)
{
	struct fp_inode *in = fp_inode_of(ino);
	off_t res;

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
void fp_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
			struct fuse_file_info *fi_in, fuse_ino_t ino_out,
			off_t off_out, struct fuse_file_info *fi_out,
			size_t len, int flags)
{
	ssize_t n;
	bool suid;

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
