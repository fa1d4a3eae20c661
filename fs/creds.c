// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * creds.c: acting with the caller's credentials and umask.
 *
 * With fs->cfg.creds (root with allow_other), a handler that touches the
 * backing file system switches the calling thread to the caller's fsuid,
 * fsgid and groups first, and back to the daemon's after: these system
 * calls are per thread, unlike glibc's setgroups(), which is used never.
 */
#include <config.h>

#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fp.h"
#include "ops.h"

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
void fp_creds_enter(fuse_req_t req)
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

void fp_creds_leave(void)
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
void fp_umask_enter(fuse_req_t req, mode_t *mode)
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

void fp_umask_leave(void)
{
	if (fp_own_umask > 0)
		umask(0);
}
