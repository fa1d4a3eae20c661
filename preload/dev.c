// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dev.c: where copy_file_range(2) pays: which devices remap or offload a
 * copy, and which only copy the data in the kernel.
 *
 * A substituted write pays only where copy_file_range does not move the
 * data through the page cache: a reflink (XFS with reflink, btrfs,
 * bcachefs), a server-side copy (NFS 4.2, SMB, Ceph), or one request to
 * fnpassfs, which copies on its backing file system.  Elsewhere the kernel
 * splices the data (ext4, tmpfs, XFS without reflink, a FUSE file system
 * without a copy_file_range handler, or whose handler answered ENOSYS once)
 * and the substitution measured slower than the program's own write.
 *
 * Each device is decided once, from what the kernel says of its file
 * system, with no copy made to find out:
 *  - not in FNACCEL_FS: unlisted;
 *  - XFS: the reflink flag of XFS_IOC_FSGEOMETRY;
 *  - btrfs, bcachefs, SMB, CIFS, Ceph: offload;
 *  - NFS: offload at vers=4.2 (the COPY operation), in /proc/self/mountinfo;
 *  - FUSE: the mount's subtype in /proc/self/mountinfo: fuse.fnpassfs
 *    offloads within the mount (across two mounts the kernel splices);
 *    any other subtype is a data copy;
 *  - anything else: a data copy.
 * A pair of devices pays when both offload, and for an offload within a
 * mount when they are one device.  FNACCEL_DATA_COPY asks for the data
 * copies too.
 *
 * The decisions are cached for the process in a small table of atomic
 * words, one device each, filled with compare-and-swap: no lock, safe in
 * a signal handler's thread and in every thread at once.  Two threads may
 * decide the same device at once; only the one whose entry lands counts
 * the decision.  A forked child keeps the table (its counters start from
 * zero, so it counts no decision its parent made).  A device number
 * reused by another mount during the process's life keeps its first
 * decision.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fa.h"

/* xfs/xfs_fs.h: struct xfs_fsop_geom_v1, the layout every kernel answers */
struct fa_xfs_geom {
	uint32_t blocksize;
	uint32_t rtextsize;
	uint32_t agblocks;
	uint32_t agcount;
	uint32_t logblocks;
	uint32_t sectsize;
	uint32_t inodesize;
	uint32_t imaxpct;
	uint64_t datablocks;
	uint64_t rtblocks;
	uint64_t rtextents;
	uint64_t logstart;
	unsigned char uuid[16];
	uint32_t sunit;
	uint32_t swidth;
	int32_t version;
	uint32_t flags;
	uint32_t logsectsize;
	uint32_t rtsectsize;
	uint32_t dirblocksize;
};

#define FA_XFS_IOC_FSGEOMETRY_V1 _IOR('X', 100, struct fa_xfs_geom)
#define FA_XFS_GEOM_FLAGS_REFLINK (1u << 20)

/*
 * ---- the cache: (dev << 8) | (shift << 3) | (kind << 1) | 1 per slot, 0
 * if free; shift: log2 of the size from which copies pay, 0 for
 * FNACCEL_MIN_SIZE (fa_dev_pays()) ------------------------------------------
 */

#define FA_DEV_SLOTS 64u
#define FA_DEV_MAX (UINT64_C(1) << 56)
static _Atomic uint64_t fa_dev_slots[FA_DEV_SLOTS];

static uint64_t fa_dev_entry(dev_t dev, enum fa_dev_kind kind,
			     unsigned int shift)
{
	return ((uint64_t)dev << 8) | ((uint64_t)shift << 3) |
	       ((uint64_t)kind << 1) | 1;
}

/* The cached entry of dev, or 0 */
static uint64_t fa_dev_cached(dev_t dev)
{
	unsigned int i;
	uint64_t v;

	if ((uint64_t)dev >= FA_DEV_MAX)
		return 0;
	for (i = 0; i < FA_DEV_SLOTS; i++) {
		v = atomic_load_explicit(&fa_dev_slots[i],
					 memory_order_relaxed);
		if (v == 0)
			return 0;	/* slots fill in order: no more */
		if (v >> 8 == (uint64_t)dev)
			return v;
	}
	return 0;
}

static enum fa_dev_kind fa_entry_kind(uint64_t v)
{
	return (enum fa_dev_kind)((v >> 1) & 0x3);
}

/*
 * Keep entry want for its device; returns the entry the table holds
 * (another thread's if it won the race), and whether this call's landed.
 */
static uint64_t fa_dev_keep(uint64_t want, bool *landed)
{
	unsigned int i;
	uint64_t v;

	*landed = false;
	if (want >> 8 >= FA_DEV_MAX) {
		*landed = true;	/* not kept: decided at each call */
		return want;
	}
	for (i = 0; i < FA_DEV_SLOTS; i++) {
		v = 0;
		if (atomic_compare_exchange_strong_explicit(
			    &fa_dev_slots[i], &v, want, memory_order_relaxed,
			    memory_order_relaxed)) {
			*landed = true;
			return want;
		}
		if (v >> 8 == want >> 8)
			return v;
	}
	*landed = true;		/* table full: decided each call */
	return want;
}

/* ---- /proc/self/mountinfo ------------------------------------------------ */

/*
 * From a mountinfo line, the fields of the mount of dev: "ID PARENT
 * MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - TYPE SOURCE SUPEROPTS".  True
 * if the line is dev's; type and superopts are copied, cut to their size.
 */
static bool fa_mountinfo_line(const char *line, dev_t dev, char *type,
			      size_t type_len, char *sopts, size_t sopts_len)
{
	unsigned long maj;
	unsigned long min;
	const char *p;
	const char *end;
	char *q;
	size_t n;

	p = strchr(line, ' ');
	if (p == NULL || (p = strchr(p + 1, ' ')) == NULL)
		return false;
	maj = strtoul(p + 1, &q, 10);
	if (*q != ':')
		return false;
	min = strtoul(q + 1, &q, 10);
	if (*q != ' ' || makedev(maj, min) != dev)
		return false;
	p = strstr(p, " - ");
	if (p == NULL)
		return false;
	p += 3;
	end = strchr(p, ' ');
	n = end ? (size_t)(end - p) : strlen(p);
	snprintf(type, type_len, "%.*s", (int)n, p);
	sopts[0] = '\0';
	if (end && (p = strchr(end + 1, ' ')) != NULL)
		snprintf(sopts, sopts_len, "%s", p + 1);
	return true;
}

/*
 * The file system type ("fuse.fnpassfs", "nfs4") and super options of
 * dev's mount, read with raw system calls (read(2) is ours) into a stack
 * buffer.  0, or -errno (-ENOENT: no such mount).
 */
static int fa_mountinfo(dev_t dev, char *type, size_t type_len, char *sopts,
			size_t sopts_len)
{
	char buf[8192];
	size_t have = 0;
	bool skip = false;	/* in a line longer than buf */
	char *line;
	char *nl;
	ssize_t n;
	int ret = -ENOENT;
	int fd;

	fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/mountinfo",
			  O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		n = syscall(SYS_read, fd, buf + have, sizeof(buf) - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		line = buf;
		while ((nl = strchr(line, '\n')) != NULL) {
			*nl = '\0';
			if (!skip && fa_mountinfo_line(line, dev, type,
						       type_len, sopts,
						       sopts_len)) {
				ret = 0;
				goto out_close_fd;
			}
			skip = false;
			line = nl + 1;
		}
		have = strlen(line);
		if (have == sizeof(buf) - 1) {
			skip = true;	/* too long: not a mount we know */
			have = 0;
		}
		memmove(buf, line, have);
	}
out_close_fd:
	syscall(SYS_close, fd);
	return ret;
}

/* True if the comma-separated list opts holds the word w */
static bool fa_has_opt(const char *opts, const char *w)
{
	size_t len = strlen(w);
	const char *p = opts;

	while (*p) {
		size_t n = strcspn(p, ", \n");

		if (n == len && strncmp(p, w, len) == 0)
			return true;
		p += n;
		if (*p)
			p++;
	}
	return false;
}

/* ---- the decision ------------------------------------------------------ */

static const char *const fa_dev_kind_names[] = {
	[FA_DEV_UNLISTED] = "unlisted",
	[FA_DEV_DATA_COPY] = "data copy",
	[FA_DEV_OFFLOAD] = "offload",
	[FA_DEV_OFFLOAD_MOUNT] = "offload within the mount",
};

/* Each decision counts once, in its kind's key (offsets: fa_live moves) */
static const size_t fa_dev_counters[] = {
	[FA_DEV_UNLISTED] = offsetof(struct fa_stats_live,
				     preload_dev_unlisted),
	[FA_DEV_DATA_COPY] = offsetof(struct fa_stats_live,
				      preload_dev_data_copy),
	[FA_DEV_OFFLOAD] = offsetof(struct fa_stats_live, preload_dev_offload),
	[FA_DEV_OFFLOAD_MOUNT] = offsetof(struct fa_stats_live,
					  preload_dev_offload_mount),
};

/*
 * The sizes from which a substituted write was measured faster than the
 * program's own write (doc/performance.md), as log2: XFS reflinks from
 * 2 MiB (a 1 MiB write: 0.20 s for 512 MiB against 0.17 s plainly);
 * btrfs and bcachefs take the figure of XFS (a reflink too, not
 * measured); fnpassfs within a mount only on request: without kernel
 * passthrough a copy from 128 KiB was a third faster than writing
 * through the daemon, but with it (libfuse 3.16+, Linux 6.9+, the
 * packaged build) the program's writes go straight to the backing file
 * and a copy was 2 to 5 times slower at every size up to 4 MiB, and the
 * library cannot see which the mount does (2^31: no read asks for that
 * much); network file systems from FNACCEL_MIN_SIZE (a server-side copy
 * saves the transfer).
 */
#define FA_PAYS_REFLINK 21
#define FA_PAYS_FNPASSFS 31

/* What copy_file_range(2) does on fd's file system (dev): see the top;
 * *shift: log2 of the size from which it pays, 0 for FNACCEL_MIN_SIZE */
static enum fa_dev_kind fa_dev_decide(int fd, dev_t dev, unsigned int *shift)
{
	struct fa_xfs_geom geo;
	struct statfs sfs;
	char sopts[512];
	char type[64];
	uint32_t magic;
	enum fn_fs_id fs;

	*shift = 0;
	if (fstatfs(fd, &sfs) < 0)
		return FA_DEV_UNLISTED;
	magic = (uint32_t)sfs.f_type;
	if (!fa_fs_allowed(magic))
		return FA_DEV_UNLISTED;
	fs = fn_fs_of_magic(magic);
	switch (fs) {
	case FN_FS_xfs:
		if (ioctl(fd, FA_XFS_IOC_FSGEOMETRY_V1, &geo) == 0 &&
		    (geo.flags & FA_XFS_GEOM_FLAGS_REFLINK)) {
			*shift = FA_PAYS_REFLINK;
			return FA_DEV_OFFLOAD;
		}
		return FA_DEV_DATA_COPY;
	case FN_FS_nfs:
		/* Only NFS 4.2 has COPY; below, the client copies the data */
		if (fa_mountinfo(dev, type, sizeof(type), sopts,
				 sizeof(sopts)) == 0 &&
		    fa_has_opt(sopts, "vers=4.2"))
			return FA_DEV_OFFLOAD;
		return FA_DEV_DATA_COPY;
	case FN_FS_fuse:
		/*
		 * fnpassfs answers with one copy on its backing file system;
		 * across two mounts the kernel splices (fuse_copy_file_range)
		 */
		if (fa_mountinfo(dev, type, sizeof(type), sopts,
				 sizeof(sopts)) == 0 &&
		    strcmp(type, "fuse.fnpassfs") == 0) {
			*shift = FA_PAYS_FNPASSFS;
			return FA_DEV_OFFLOAD_MOUNT;
		}
		return FA_DEV_DATA_COPY;
	default:
		/* btrfs, bcachefs, SMB, CIFS, Ceph: always */
		if (fs == FN_FS_btrfs || fs == FN_FS_bcachefs)
			*shift = FA_PAYS_REFLINK;
		if (fn_fs_types[fs].flags & FN_FS_OFFLOAD)
			return FA_DEV_OFFLOAD;
		return FA_DEV_DATA_COPY;
	}
}

/* The size from which copies pay, of an entry: see fa_dev_decide() */
static uint64_t fa_entry_pays(uint64_t v)
{
	unsigned int shift = (unsigned int)(v >> 3) & 0x1f;

	/* A size of the user's is for every file system */
	if (shift == 0 || fa_config.min_size_set)
		return fa_config.min_size;
	return MAX(UINT64_C(1) << shift, fa_config.min_size);
}

enum fa_dev_kind fa_dev_kind(int fd, dev_t dev, uint64_t *pays)
{
	enum fa_dev_kind kind;
	unsigned int shift;
	bool landed;
	uint64_t v;

	v = fa_dev_cached(dev);
	if (v == 0) {
		kind = fa_dev_decide(fd, dev, &shift);
		v = fa_dev_keep(fa_dev_entry(dev, kind, shift), &landed);
		if (landed) {
			fn_stat_add(fn_stat_at(fa_live, fa_dev_counters[kind]),
				    1);
			FN_LOG_DEBUG("device %u:%u: %s", major(dev), minor(dev),
				     fa_dev_kind_names[kind]);
		}
	}
	if (pays)
		*pays = fa_entry_pays(v);
	return fa_entry_kind(v);
}

enum fa_skip fa_kind_skip(enum fa_dev_kind kind)
{
	switch (kind) {
	case FA_DEV_UNLISTED:
		return FA_SKIP_fs;
	case FA_DEV_DATA_COPY:
		return fa_config.data_copy ? FA_SKIP_NONE : FA_SKIP_data_copy;
	default:
		return FA_SKIP_NONE;
	}
}

enum fa_skip fa_pair_check(enum fa_dev_kind src_kind, dev_t src, int dst_fd,
			   dev_t dst)
{
	enum fa_dev_kind kind;
	enum fa_skip why;

	kind = fa_dev_kind(dst_fd, dst, NULL);
	why = fa_kind_skip(kind);
	if (why != FA_SKIP_NONE || src == dst || fa_config.data_copy)
		return why;
	if (src_kind == FA_DEV_OFFLOAD_MOUNT || kind == FA_DEV_OFFLOAD_MOUNT)
		return FA_SKIP_data_copy;
	return FA_SKIP_NONE;
}

void fa_count_offload(dev_t src, int dst_fd, dev_t dst, uint64_t bytes)
{
	enum fa_dev_kind kind;

	/* across two devices the kernel splices, or refuses (EXDEV) */
	if (src != dst || bytes == 0)
		return;
	kind = fa_dev_kind(dst_fd, dst, NULL);
	if (kind == FA_DEV_OFFLOAD || kind == FA_DEV_OFFLOAD_MOUNT)
		fn_stat_add(&fa_live->preload_offload_bytes, bytes);
}
