// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * listing.c: with cache=auto, whether an opendir lets the kernel answer
 * the listing from the one it keeps, or has it read the directory again.
 *
 * The kernel keeps a listing (cache_readdir) and checks it against the
 * directory's mtime whenever a listing starts after the directory's
 * attributes expired; a change through the mount drops it at once
 * (dir.c).  What a kept listing does not carry is its entries'
 * attributes.  Once those expired, a caller that stats every entry
 * (`ls -l`, du, `find -ls`) pays a lookup an entry, where the directory
 * read again (readdirplus) refreshes them all in one request a few
 * hundred entries.  A caller that wants only the names (`find -type f`,
 * a glob, git's search for new files) pays for that read a lookup in the
 * daemon per entry and two more requests per directory, where the kept
 * listing costs none.  Measured on 20,000 files in 2,000 directories,
 * entries expired, every listing read again against every one kept:
 * `find -type f` 447 against 131 ms, du -s 500 against 807 ms.
 *
 * So each opendir chooses, as the kernel's readdirplus_auto does within
 * one listing, by what the caller did before:
 *  - a listing read with its attributes less than the entries' timeout
 *    ago is kept: they are still the kernel's;
 *  - else, for a process seen to look up files in the last directory it
 *    was given names only, read again (it stats what it lists); for one
 *    whose first two such directories saw no lookup of a file, names
 *    only (it walks by name);
 *  - a process's first directory is read again, as every listing was
 *    before: `ls -l` lists only one.
 * Names only is the kept listing, or where the kernel keeps none yet (a
 * new mount), a readdirplus that looks up the directories in it and not
 * the files (dir.c): `find -type f` on a new mount then costs what a
 * plain readdir does, and no inode in the daemon or the kernel per file.
 * Processes are told apart by the requests' pid, forgotten after
 * FP_PID_IDLE_NS without a directory opened (the number may be another
 * process's by then).
 *
 * Only where the mtime tells every change: with multigrain timestamps
 * (Linux 6.13, on ext4, XFS, btrfs and tmpfs) a change after a stat gets
 * a newer time than the stat saw.  Elsewhere two changes within one
 * clock tick can share an mtime, and a listing kept across them would
 * miss the second; there every listing is read again, as before.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "fp.h"
#include "ops.h"

#define FP_PIDS		64
#define FP_PID_IDLE_NS	(5 * UINT64_C(1000000000))
/*
 * Directories given names only, with no lookup of a file in them, that
 * make a process a names walker
 */
#define FP_PROBES	2

enum fp_walker {
	FP_WALKER_NEW,		/* not told yet */
	FP_WALKER_STATS,	/* looks its listings' files up */
	FP_WALKER_NAMES,	/* does not */
};

struct fp_pid {
	pid_t pid;		/* 0: free (and never a caller's) */
	enum fp_walker kind;
	unsigned int opens;	/* directories opened */
	unsigned int probes;	/* names only while FP_WALKER_NEW */
	const struct fp_inode *names_dir; /* the last given names only */
	uint64_t seen_ns;	/* its last opendir */
};

static struct {
	pthread_mutex_t lock;
	struct fp_pid pids[FP_PIDS];
} fp_walkers = { .lock = PTHREAD_MUTEX_INITIALIZER };

static pthread_once_t fp_mgtime_once = PTHREAD_ONCE_INIT;
static bool fp_mgtime;

/* Whether the running kernel has multigrain timestamps (6.13 on) */
static void fp_mgtime_ask(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) == 0)
		sscanf(u.release, "%d.%d", &major, &minor);
	fp_mgtime = major > 6 || (major == 6 && minor >= 13);
}

/*
 * Whether a listing of dir (open as fd) may be kept at all: its file
 * system's kind is known once per backing mount (fp_inode_fs_flags())
 */
static bool fp_listing_keepable(const struct fp_inode *dir, int fd)
{
	if (fp_fs.cfg.cache != FP_CACHE_AUTO || !fp_fs.auto_inval_data)
		return false;
	pthread_once(&fp_mgtime_once, fp_mgtime_ask);
	return fp_mgtime && (fp_inode_fs_flags(dir, fd) & FN_FS_MGTIME);
}

/* pid's entry, made (or taken over from the longest idle) if need be */
static struct fp_pid *fp_pid_get(pid_t pid, uint64_t now)
{
	struct fp_pid *p, *oldest = &fp_walkers.pids[0];

	for (p = fp_walkers.pids; p < fp_walkers.pids + FP_PIDS; p++) {
		if (p->pid == pid && now - p->seen_ns < FP_PID_IDLE_NS)
			return p;
		if (p->seen_ns < oldest->seen_ns)
			oldest = p;
	}
	memset(oldest, 0, sizeof(*oldest));
	oldest->pid = pid;
	return oldest;
}

/*
 * Whether pid, opening dir whose listing was not read within the
 * timeouts, wants names only (keep the listing, or read it without
 * looking its files up) rather than their attributes too
 */
static bool fp_names_for(pid_t pid, const struct fp_inode *dir,
			 uint64_t now)
{
	struct fp_pid *p;
	bool names;

	pthread_mutex_lock(&fp_walkers.lock);
	p = fp_pid_get(pid, now);
	p->seen_ns = now;
	if (p->kind == FP_WALKER_NEW && p->probes >= FP_PROBES)
		p->kind = FP_WALKER_NAMES;
	switch (p->kind) {
	case FP_WALKER_STATS:
		names = false;
		break;
	case FP_WALKER_NAMES:
		names = true;
		break;
	default:
		/* its first directory as before: `ls -l` lists one */
		names = p->opens > 0;
		if (names)
			p->probes++;
		break;
	}
	p->opens++;
	if (names)
		p->names_dir = dir;
	pthread_mutex_unlock(&fp_walkers.lock);
	return names;
}

bool fp_listing_open(fuse_req_t req, struct fp_inode *dir, int fd,
		     struct fuse_file_info *fi)
{
	uint64_t now, fresh_ns;
	double fresh;
	bool listed, names;
	pid_t pid;

	if (!fp_listing_keepable(dir, fd))
		return false;
	now = fn_now_ns();
	fresh = fp_timeout(fp_fs.cfg.attr_timeout);
	if (fp_timeout(fp_fs.cfg.entry_timeout) < fresh)
		fresh = fp_timeout(fp_fs.cfg.entry_timeout);
	fresh_ns = (uint64_t)(fresh * 1e9);
	listed = atomic_load_explicit(&dir->listing_read_ns,
				      memory_order_relaxed) != 0;
	fi->cache_readdir = 1;
	if (listed &&
	    (now - atomic_load_explicit(&dir->attrs_read_ns,
					memory_order_relaxed) < fresh_ns ||
	     fp_fs.cfg.readdirplus == FP_RDPLUS_NO)) {
		/* a read would tell the kernel nothing new */
		fi->keep_cache = 1;
		fp_count(&fp_fs.cnt.listings_kept, 1);
		return false;
	}
	/* pid 0: a caller outside the daemon's pid namespace */
	pid = fuse_req_ctx(req)->pid;
	names = pid != 0 && fp_names_for(pid, dir, now);
	/* with nothing kept yet, the kernel reads it either way */
	fi->keep_cache = names && listed;
	fp_count(fi->keep_cache ? &fp_fs.cnt.listings_kept :
				  &fp_fs.cnt.listings_read, 1);
	return names;
}

/* The kernel read dir's listing from its start; attrs: with every entry's */
void fp_listing_read(struct fp_inode *dir, bool attrs)
{
	uint64_t now = fn_now_ns();

	atomic_store_explicit(&dir->listing_read_ns, now,
			      memory_order_relaxed);
	if (attrs)
		atomic_store_explicit(&dir->attrs_read_ns, now,
				      memory_order_relaxed);
}

void fp_listing_file_looked_up(fuse_req_t req, struct fp_inode *parent)
{
	pid_t pid = fuse_req_ctx(req)->pid;
	struct fp_pid *p;

	if (fp_fs.cfg.cache != FP_CACHE_AUTO || pid == 0)
		return;
	pthread_mutex_lock(&fp_walkers.lock);
	for (p = fp_walkers.pids; p < fp_walkers.pids + FP_PIDS; p++)
		if (p->pid == pid && p->names_dir == parent)
			p->kind = FP_WALKER_STATS;
	pthread_mutex_unlock(&fp_walkers.lock);
}
