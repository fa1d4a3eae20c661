/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ops.h: what the files of fnpassfs's request handlers share among
 * themselves: ops.c (the table and the small helpers), creds.c, entry.c,
 * file.c, dir.c, listing.c and xattr.c.  What the rest of fnpassfs uses of them is
 * in fp.h.
 */
#ifndef FP_OPS_H
#define FP_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "fp.h"

/* ops.c */
bool fp_is_stats_inode(const struct fp_inode *inode);
int fp_inode_fdname(struct fp_inode *in, struct fp_fdname *fn);
void fp_reply_err(fuse_req_t req, int err);

/* creds.c */
void fp_creds_enter(fuse_req_t req);
void fp_creds_leave(void);
void fp_umask_enter(fuse_req_t req, mode_t *mode);
void fp_umask_leave(void);

/* entry.c: entries and attributes */
void fp_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void fp_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void fp_forget_multi(fuse_req_t req, size_t count,
		     struct fuse_forget_data *forgets);
void fp_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fp_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int valid,
		struct fuse_file_info *fi);
void fp_readlink(fuse_req_t req, fuse_ino_t ino);
void fp_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	      dev_t rdev);
void fp_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
void fp_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		const char *name);
void fp_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t parent,
	     const char *name);
void fp_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void fp_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void fp_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
	       fuse_ino_t newparent, const char *newname, unsigned int flags);

/* file.c: open files */
void fp_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fp_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	       struct fuse_file_info *fi);
#if FP_HAVE_TMPFILE
void fp_tmpfile(fuse_req_t req, fuse_ino_t parent, mode_t mode,
		struct fuse_file_info *fi);
#endif
void fp_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	     struct fuse_file_info *fi);
void fp_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in_buf,
		  off_t off, struct fuse_file_info *fi);
void fp_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fp_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fp_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
	      struct fuse_file_info *fi);
void fp_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off,
		  off_t len, struct fuse_file_info *fi);
void fp_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
	      struct fuse_file_info *fi);
void fp_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
			struct fuse_file_info *fi_in, fuse_ino_t ino_out,
			off_t off_out, struct fuse_file_info *fi_out,
			size_t len, int flags);

/* dir.c: directories */
bool fp_opendir_skipped(void);
void fp_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fp_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
		struct fuse_file_info *fi);
void fp_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
		    struct fuse_file_info *fi);
void fp_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fp_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
		 struct fuse_file_info *fi);

/* listing.c: which listings the kernel keeps, with cache=auto */
bool fp_listing_open(fuse_req_t req, struct fp_inode *dir, int fd,
		     struct fuse_file_info *fi);
void fp_listing_read(struct fp_inode *dir, bool attrs);
void fp_listing_file_looked_up(fuse_req_t req, struct fp_inode *parent);

/* xattr.c: extended attributes */
void fp_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		 const char *value, size_t size, int flags);
void fp_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size);
void fp_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void fp_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);

#endif /* FP_OPS_H */
