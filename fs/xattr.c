// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xattr.c: extended attributes: setxattr, getxattr, listxattr and
 * removexattr of the backing file, as the caller, through
 * /proc/self/fd/N of its O_PATH descriptor (fp_inode_path()).  /.stats
 * has none and takes none.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "fp.h"
#include "ops.h"

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

void fp_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		 const char *value, size_t size, int flags)
{
	struct fp_inode *in = fp_inode_of(ino);
	char path[64];
	int ret = 0;

	if (fp_is_stats_inode(in)) {
		fp_reply_err(req, EPERM);
		return;
	}
	ret = fp_inode_path(in, path, sizeof(path));
	if (ret < 0) {
		fp_reply_err(req, -ret);
		return;
	}
	fp_creds_enter(req);
	if (setxattr(path, name, value, size, flags) < 0)
		ret = errno;
	fp_creds_leave();
	fp_inode_fd_put(in);
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
	n = fp_inode_path(in, path, sizeof(path));
	if (n == 0) {
		fp_creds_enter(req);
		n = name ? getxattr(path, name, buf, size) :
			   listxattr(path, buf, size);
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

	if (fp_is_stats_inode(in)) {
		fp_reply_err(req, ENODATA);
		return;
	}
	fp_xattr_read(req, in, name, size);
}

void fp_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct fp_inode *in = fp_inode_of(ino);

	if (fp_is_stats_inode(in)) {
		if (size == 0)
			fuse_reply_xattr(req, 0);
		else
			fuse_reply_buf(req, NULL, 0);
		return;
	}
	fp_xattr_read(req, in, NULL, size);
}

void fp_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct fp_inode *in = fp_inode_of(ino);
	char path[64];
	int ret = 0;

	if (fp_is_stats_inode(in)) {
		fp_reply_err(req, EPERM);
		return;
	}
	ret = fp_inode_path(in, path, sizeof(path));
	if (ret < 0) {
		fp_reply_err(req, -ret);
		return;
	}
	fp_creds_enter(req);
	if (removexattr(path, name) < 0)
		ret = errno;
	fp_creds_leave();
	fp_inode_fd_put(in);
	if (ret == 0)
		fp_acl_changed(ino, name);
	fp_reply_err(req, ret);
}
