// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * passthrough.c: kernel FUSE passthrough of file data (Linux 6.9+).
 *
 * With -o passthrough=auto|always the daemon asks for FUSE_CAP_PASSTHROUGH
 * at INIT and, on each open or create of a regular file, registers the
 * backing descriptor with the kernel (FUSE_DEV_IOC_BACKING_OPEN) and
 * replies with the backing id: reads, writes and mmap of that open file
 * then go from the kernel straight to the backing file and never reach
 * the daemon.  fi->fh keeps the descriptor for everything else (flush,
 * fsync, fallocate, lseek, copy_file_range, setattr).
 *
 * The kernel allows one backing file per FUSE inode, and an inode is
 * either in passthrough mode or in caching mode while it is open: a
 * passthrough open of an inode open through the page cache (or the other
 * way round) fails the caller's open(2) with EIO (fs/fuse/iomode.c).  So
 * each struct fp_inode, which is one FUSE inode, counts its opens of
 * either kind and keeps its one backing id, closed at the last release,
 * under fp_pt.lock (innermost: see the lock order in fp.h).  Our counts
 * never fall below the kernel's (the kernel drops its own before it sends
 * RELEASE), so following them is safe; and the kernel forgets no inode
 * with open files, so the fields live as long as the opens.
 *
 * Where passthrough is not possible the open is served by the splice and
 * buffer paths of file.c and the reason is counted in /.stats.
 *
 * Files with a setuid or setgid bit are not passed through either.  The
 * kernel writes a passthrough file as the daemon, who keeps the bits
 * (CAP_FSETID); the daemon writes as the caller, so the backing file
 * system applies every rule as it does natively.  Read-only opens too:
 * one passthrough open would force every later open of the inode into
 * passthrough.  For a file that gets the bits while open through
 * passthrough, the kernel asks the daemon to clear them after each write
 * by a caller without CAP_FSETID (an empty setattr, fp_clear_setid() in
 * entry.c), which it does by the same rules.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/capability.h>

#include "fp.h"

/* Why an open was not passed through, in the order /.stats lists them */
#define FP_PT_REASONS(X)					\
	X(unsupported)	/* the kernel or libfuse cannot */	\
	X(writeback)	/* the kernel refuses both */		\
	X(cached)	/* the inode is open by the daemon */	\
	X(direct)	/* O_DIRECT: the daemon's relaxed one */	\
	X(stacking)	/* backing file system stacked too deep */ \
	X(perm)		/* no CAP_SYS_ADMIN */			\
	X(refused)	/* any other refusal of the backing file */ \
	X(setid)	/* setuid or setgid: the daemon clears them */

enum fp_pt_reason {
#define FP_PT_REASON_ENUM(name) FP_PT_##name,
	FP_PT_REASONS(FP_PT_REASON_ENUM)
#undef FP_PT_REASON_ENUM
	FP_PT_NREASONS
};

/* The mode is fp_fs.cfg.passthrough (-o passthrough=, options.c) */
static struct {
	bool offered;		/* the kernel offered it at INIT */
	bool got_init;
	pthread_mutex_t lock;	/* the passthrough fields of every inode */
	atomic_uint_fast64_t opens;
	atomic_uint_fast64_t fallbacks[FP_PT_NREASONS];
} fp_pt = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

static const char *const fp_pt_reason_keys[FP_PT_NREASONS] = {
#define FP_PT_REASON_KEY(name) [FP_PT_##name] = \
	"fs_passthrough_fallbacks_" #name,
	FP_PT_REASONS(FP_PT_REASON_KEY)
#undef FP_PT_REASON_KEY
};

bool fp_passthrough_built(void)
{
#ifdef HAVE_FUSE_PASSTHROUGH
	return true;
#else
	return false;
#endif
}

/* CAP_SYS_ADMIN in the effective set: the kernel's test for a backing id */
static bool fp_has_sys_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return false;
	return d[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32));
}

/* passthrough=always where it cannot be: 0, or -1 after one message */
int fp_passthrough_check(const struct fp_config *cfg)
{
	if (cfg->passthrough != FP_PT_ALWAYS)
		return 0;
	if (!fp_passthrough_built()) {
		fprintf(stderr, "fnpassfs: passthrough=always: built with "
			"libfuse %s, which cannot request kernel passthrough "
			"(needs 3.16; configure --with-libfuse=bundled)\n",
			fuse_pkgversion());
		return -1;
	}
	if (cfg->writeback) {
		fprintf(stderr, "fnpassfs: passthrough=always: the kernel "
			"does not pass through with writeback\n");
		return -1;
	}
	if (!fp_has_sys_admin()) {
		fprintf(stderr, "fnpassfs: passthrough=always: needs "
			"CAP_SYS_ADMIN\n");
		return -1;
	}
	return 0;
}

#ifdef HAVE_FUSE_PASSTHROUGH

/*
 * The kernel's ABI (include/uapi/linux/fuse.h, protocol 7.40); libfuse
 * does not install its copy, and fuse_passthrough_open() logs every
 * refusal and hides its errno.
 */
struct fp_backing_map {
	int32_t fd;
	uint32_t flags;
	uint64_t padding;
};

#define FP_DEV_IOC_BACKING_OPEN	_IOW(229, 1, struct fp_backing_map)
#define FP_DEV_IOC_BACKING_CLOSE _IOW(229, 2, uint32_t)

/*
 * The stacking depth of the backing files: 0 lets overlayfs stack over
 * the mount; a source on a stacking file system (overlayfs, eCryptfs,
 * another FUSE mount that may pass through: FN_FS_STACKING) needs 1, and
 * then nothing can stack on us.
 */
static unsigned int fp_pt_stack_depth(void)
{
	struct statfs sf;

	if (fstatfs(fp_fs.root.fd, &sf) < 0)
		return 0;
	if (fn_fs_types[fn_fs_of_magic((unsigned long)sf.f_type)].flags &
	    FN_FS_STACKING)
		return 1;
	return 0;
}

void fp_passthrough_init(struct fuse_conn_info *conn)
{
	fp_pt.got_init = true;
	fp_pt.offered = conn->capable & FUSE_CAP_PASSTHROUGH;
	/* the kernel turns passthrough off when writeback is on */
	if (fp_fs.cfg.passthrough == FP_PT_NEVER || !fp_pt.offered ||
	    (conn->want & FUSE_CAP_WRITEBACK_CACHE)) {
		conn->want &= ~FUSE_CAP_PASSTHROUGH;
		return;
	}
	conn->want |= FUSE_CAP_PASSTHROUGH;
	conn->max_backing_stack_depth = fp_pt_stack_depth();
	fp_fs.pt_active = true;
	FN_LOG_INFO("init: passthrough on, backing stack depth %u",
		    conn->max_backing_stack_depth);
}

/*
 * passthrough=always: answer the kernel's INIT here, before the daemon
 * leaves the foreground, so that a kernel without passthrough fails the
 * mount command itself.  0, or -1 after a message.
 */
int fp_passthrough_mounted(struct fuse_session *se)
{
	struct fuse_buf buf;
	int n;

	if (fp_fs.cfg.passthrough != FP_PT_ALWAYS)
		return 0;
	memset(&buf, 0, sizeof(buf));
	do {
		n = fuse_session_receive_buf(se, &buf);
	} while (n == -EINTR);
	if (n <= 0) {
		fprintf(stderr, "fnpassfs: no INIT from the kernel: %s\n",
			strerror(n < 0 ? -n : ENODEV));
		free(buf.mem);
		return -1;
	}
	fuse_session_process_buf(se, &buf);
	free(buf.mem);
	if (!fp_pt.got_init || fuse_session_exited(se)) {
		fprintf(stderr, "fnpassfs: the kernel's INIT failed\n");
		return -1;
	}
	if (!fp_fs.pt_active) {
		fprintf(stderr, "fnpassfs: passthrough=always: the kernel "
			"does not offer FUSE passthrough (needs Linux 6.9 "
			"with CONFIG_FUSE_PASSTHROUGH)\n");
		return -1;
	}
	return 0;
}

static enum fp_pt_reason fp_pt_reason_of(int err)
{
	switch (err) {
	case EPERM:
		return FP_PT_perm;
	case ELOOP:
		return FP_PT_stacking;
	default:
		return FP_PT_refused;
	}
}

static void fp_pt_fallback(enum fp_pt_reason r)
{
	fp_count(&fp_pt.fallbacks[r], 1);
}

/*
 * Pass the data of inode's file, open as fd, through the kernel where it
 * may (fi->backing_id), or leave it to the daemon and count why.  mode is
 * the file's as the open left it (the caller's stat of it: no fstat here).
 */
void fp_passthrough_open(struct fp_inode *inode, int fd, mode_t mode,
			 struct fuse_file_info *fi)
{
	struct fp_backing_map map = { .fd = fd };
	enum fp_pt_reason r;
	bool setid;
	int id;

	fi->backing_id = 0;
	if (fp_fs.cfg.passthrough == FP_PT_NEVER)
		return;
	if (!fp_fs.pt_active) {
		fp_pt_fallback(fp_pt.offered ? FP_PT_writeback :
					       FP_PT_unsupported);
		return;
	}
	setid = S_ISREG(mode) && (mode & (S_ISUID | S_ISGID));
	pthread_mutex_lock(&fp_pt.lock);
	if (inode->cached_opens > 0 || (fi->flags & O_DIRECT) ||
	    (inode->pt_opens == 0 && setid)) {
		/*
		 * One open through the page cache keeps the others there.
		 * The kernel would reopen the backing file with O_DIRECT
		 * and refuse what the backing file system refuses (lengths
		 * and buffers not aligned to its blocks), where the daemon
		 * drops O_DIRECT on its side: O_DIRECT opens keep that.
		 * A set-id file already open through passthrough (its bits
		 * set since) stays there: the kernel fails a cached open of
		 * it with EIO.
		 */
		r = fi->flags & O_DIRECT ? FP_PT_direct :
		    inode->pt_opens == 0 && setid ? FP_PT_setid :
						    FP_PT_cached;
		inode->cached_opens++;
		pthread_mutex_unlock(&fp_pt.lock);
		fp_pt_fallback(r);
		return;
	}
	if (inode->pt_opens == 0) {
		id = ioctl(fuse_session_fd(fp_fs.se), FP_DEV_IOC_BACKING_OPEN,
			   &map);
		if (id <= 0) {
			int err = id < 0 ? errno : EIO;

			inode->cached_opens++;
			pthread_mutex_unlock(&fp_pt.lock);
			FN_LOG_DEBUG("passthrough refused: %s", strerror(err));
			fp_pt_fallback(fp_pt_reason_of(err));
			return;
		}
		inode->backing_id = id;
		fp_count(&fp_fs.pt_files, 1);
	}
	inode->pt_opens++;
	fi->backing_id = inode->backing_id;
	pthread_mutex_unlock(&fp_pt.lock);
	/* the page cache of earlier cached opens is stale now */
	fi->keep_cache = 0;
	fp_count(&fp_pt.opens, 1);
}

void fp_passthrough_release(struct fp_inode *inode)
{
	uint32_t id;

	if (!fp_fs.pt_active)
		return;
	pthread_mutex_lock(&fp_pt.lock);
	if (inode->pt_opens > 0) {
		if (--inode->pt_opens == 0) {
			id = (uint32_t)inode->backing_id;
			if (ioctl(fuse_session_fd(fp_fs.se),
				  FP_DEV_IOC_BACKING_CLOSE, &id) < 0)
				FN_LOG_WARN("passthrough close %u: %s", id,
					    strerror(errno));
			inode->backing_id = 0;
			atomic_fetch_sub(&fp_fs.pt_files, 1);
		}
	} else if (inode->cached_opens > 0) {
		inode->cached_opens--;
	}
	pthread_mutex_unlock(&fp_pt.lock);
}

#else /* !HAVE_FUSE_PASSTHROUGH */

void fp_passthrough_init(struct fuse_conn_info *conn)
{
	(void)conn;
	fp_pt.got_init = true;
}

int fp_passthrough_mounted(struct fuse_session *se)
{
	(void)se;
	return 0;	/* always was refused before the mount */
}

void fp_passthrough_open(struct fp_inode *inode, int fd, mode_t mode,
			 struct fuse_file_info *fi)
{
	(void)inode;
	(void)fd;
	(void)mode;
	(void)fi;
	if (fp_fs.cfg.passthrough != FP_PT_NEVER)
		fp_count(&fp_pt.fallbacks[FP_PT_unsupported], 1);
}

void fp_passthrough_release(struct fp_inode *inode)
{
	(void)inode;
}

#endif /* HAVE_FUSE_PASSTHROUGH */

void fp_passthrough_stats(char *buf, size_t len, size_t *pos)
{
	int i;

	fn_stats_append(buf, len, pos, "fs_passthrough_opens",
			atomic_load_explicit(&fp_pt.opens,
					     memory_order_relaxed));
	fp_stats_gauges(buf, len, pos, FP_AFTER_pt_opens);
	for (i = 0; i < FP_PT_NREASONS; i++)
		fn_stats_append(buf, len, pos, fp_pt_reason_keys[i],
				atomic_load_explicit(&fp_pt.fallbacks[i],
						     memory_order_relaxed));
}

void fp_passthrough_stats_reset(void)
{
	int i;

	atomic_store_explicit(&fp_pt.opens, 0, memory_order_relaxed);
	for (i = 0; i < FP_PT_NREASONS; i++)
		atomic_store_explicit(&fp_pt.fallbacks[i], 0,
				      memory_order_relaxed);
}
