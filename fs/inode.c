// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * inode.c: fnpassfs's inode table and its cache of descriptors.
 *
 * Every inode the kernel knows (but the root and /.stats) is a struct
 * fp_inode in a hash table keyed on the backing file's (st_dev, st_ino),
 * with the kernel's lookup count: +1 per entry replied, -n per forget(n);
 * at 0 the inode is freed.
 *
 * An inode is identified by its file handle (name_to_handle_at(2)), which
 * carries the inode's generation, and opened on demand with
 * open_by_handle_at(2) on a descriptor of its backing mount, as virtiofsd
 * does with --inode-file-handles.  A bounded cache of O_PATH descriptors,
 * least recently used out first, serves the hot inodes: the daemon holds
 * at most fd_cache of them however large the tree, and a file removed
 * through the mount loses its cached descriptor at once, so its space is
 * freed as natively.  A handler borrows an inode's descriptor with
 * fp_inode_fd() and gives it back with fp_inode_fd_put(); a borrowed
 * descriptor is never closed under it.
 *
 * A lookup opens nothing (fp_do_lookup()): fstatat(2) of the name gives
 * its number, which names a known inode surely when a descriptor of that
 * inode is open; else the name's handle (name_to_handle_at(2)) finds the
 * known inode or makes a new one, opened by handle at its first use.
 *
 * Where handles are not to be had, an inode keeps an O_PATH descriptor
 * for its whole life, as before: a daemon without CAP_DAC_READ_SEARCH
 * (open_by_handle_at(2) needs it), a FUSE backing (its handles stop
 * opening once its kernel forgets the inode, unless it exports them, which
 * we cannot see), a file system without export support (EOPNOTSUPP), or
 * a mount whose first handle did not open again.  The daemon says so once
 * per backing mount.
 *
 * Locking: fs->itable_lock protects the chains, the lookup counts, the
 * bucket array and everything about cached descriptors (fd of an inode
 * with a handle, its borrowers, the LRU list).  An inode without a handle
 * changes none of these after it is made.  No system call is made under
 * the lock but close(2) of nothing: descriptors to close are collected
 * and closed after it.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "fp.h"

#define FP_ITABLE_MIN	1024

/* Most descriptors closed by one call: more is left to the next ones */
#define FP_EVICT_BATCH	16

/* A struct file_handle with room for any handle */
union fp_handle_buf {
	struct file_handle fh;
	unsigned char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
};

/* The size of a handle as stored: its header and its bytes */
static size_t fp_handle_size(const struct file_handle *fh)
{
	return sizeof(*fh) + fh->handle_bytes;
}

static size_t fp_hash(dev_t dev, ino_t ino, size_t nbuckets)
{
	return (size_t)(fn_hash_pair(ino, dev) & (nbuckets - 1));
}

/*
 * The default of fd_cache: half the descriptor limit (the rest is for the
 * files that clients hold open, directories being listed, inodes without
 * handles), between 16 and 65536.  Called after main.c raised the limit.
 */
unsigned int fp_fd_cache_default(void)
{
	struct rlimit rl;
	rlim_t n;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return FP_FD_CACHE_MAX_DEFAULT;
	n = rl.rlim_cur / 2;
	if (n < FP_FD_CACHE_MIN)
		return FP_FD_CACHE_MIN;
	if (n > FP_FD_CACHE_MAX_DEFAULT)
		return FP_FD_CACHE_MAX_DEFAULT;
	return (unsigned int)n;
}

/*
 * The bucket of a stored handle (header and bytes, size bytes): its
 * 64-bit words, the last one padded with zeros, each folded in with
 * fn_hash_pair(), whose last step brings the high bits down for the
 * power-of-two table.  It starts from the size, so the padding does not
 * make a handle hash as a longer one ending in zeros does.
 */
static size_t fp_hash_handle(const unsigned char *h, size_t size,
			     size_t nbuckets)
{
	uint64_t x = size, w;
	size_t i;

	for (i = 0; i < size; i += sizeof(w)) {
		w = 0;
		memcpy(&w, h + i, MIN(sizeof(w), size - i));
		x = fn_hash_pair(x, w);
	}
	return (size_t)(x & (nbuckets - 1));
}

/*
 * Double the bucket arrays; a failed allocation just keeps chains longer.
 * The handle chains (cache=watch) hold the inodes with a handle.
 */
static void fp_itable_grow(struct fp_fs *fs)
{
	size_t n = fs->nbuckets * 2;
	struct fp_inode **b = calloc(n, sizeof(*b));
	struct fp_inode **hb = NULL;
	struct fp_inode *in, *next;
	size_t i, h;

	if (b != NULL && fs->hbuckets != NULL) {
		hb = calloc(n, sizeof(*hb));
		if (hb == NULL) {
			free(b);
			return;
		}
	}
	if (b == NULL)
		return;
	for (i = 0; i < fs->nbuckets; i++) {
		for (in = fs->buckets[i]; in != NULL; in = next) {
			next = in->next;
			h = fp_hash(in->dev, in->ino, n);
			in->next = b[h];
			b[h] = in;
		}
		for (in = hb ? fs->hbuckets[i] : NULL; in != NULL; in = next) {
			next = in->hnext;
			h = fp_hash_handle(in->handle, in->handle_size, n);
			in->hnext = hb[h];
			hb[h] = in;
		}
	}
	free(fs->buckets);
	fs->buckets = b;
	if (hb != NULL) {
		free(fs->hbuckets);
		fs->hbuckets = hb;
	}
	fs->nbuckets = n;
}

struct fp_inode *fp_inode_of(fuse_ino_t ino)
{
	if (ino == FUSE_ROOT_ID)
		return &fp_fs.root;
	return (struct fp_inode *)(uintptr_t)ino;
}

static fuse_ino_t fp_ino_of(struct fp_inode *inode)
{
	if (inode == &fp_fs.root)
		return FUSE_ROOT_ID;
	return (fuse_ino_t)(uintptr_t)inode;
}

/*
 * A timeout of a reply: as configured, but no longer than cache=auto's
 * second once cache=watch can no longer see every change (watch.c).
 */
double fp_timeout(double seconds)
{
	if (seconds > 1 && atomic_load(&fp_fs.watch_lost))
		return 1;
	return seconds;
}

void fp_entry_timeouts(struct fuse_entry_param *e)
{
	e->attr_timeout = fp_timeout(fp_fs.cfg.attr_timeout);
	e->entry_timeout = fp_timeout(fp_fs.cfg.entry_timeout);
}

/* ---- running out of descriptors ----------------------------------- */

static void fp_fd_cache_shrink(struct fp_fs *fs, size_t keep);

/*
 * err came from a call that makes a descriptor.  If it is EMFILE or
 * ENFILE, count it, say it once with the limit and what to change, and
 * close half the cached descriptors so that a retry may succeed.  Whether
 * it was (the caller retries once).
 */
bool fp_fd_exhausted(int err)
{
	static atomic_bool said;
	struct fp_fs *fs = &fp_fs;
	struct rlimit rl;

	if (err != EMFILE && err != ENFILE)
		return false;
	fp_count(&fs->cnt.fd_limit_errors, 1);
	if (!atomic_exchange(&said, true)) {
		if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
			rl.rlim_cur = 0;
		fp_notice("%s: the daemon reached %s (limit %llu, %u "
			  "descriptors cached, %lld files open): raise its "
			  "limit (ulimit -n, LimitNOFILE=) or lower "
			  "-o fd_cache=", strerror(err),
			  err == EMFILE ? "its descriptor limit" :
					  "the system's file limit",
			  (unsigned long long)rl.rlim_cur,
			  (unsigned int)atomic_load(&fs->fd_cached),
			  (long long)atomic_load(&fs->open_files));
	}
	fp_fd_cache_shrink(fs, atomic_load(&fs->fd_cached) / 2);
	return true;
}

/* ---- backing mounts ----------------------------------------------------- */

/*
 * The mount whose id name_to_handle_at(2) gave, or NULL.  The array only
 * grows and its entries do not change once published, so readers take no
 * lock.
 */
static const struct fp_mount *fp_mount_find(int mnt_id)
{
	struct fp_fs *fs = &fp_fs;
	size_t i, n = atomic_load_explicit(&fs->nmounts, memory_order_acquire);

	for (i = 0; i < n; i++)
		if (fs->mounts[i].mnt_id == mnt_id)
			return &fs->mounts[i];
	return NULL;
}

/*
 * Why inodes of the mount of fd (an O_PATH descriptor of the first inode
 * seen on it, with handle fh) cannot be known by handle, or NULL if they
 * can, with *mount_fd a descriptor of the mount for open_by_handle_at(2)
 * (which refuses O_PATH ones).  The first inode seen on a mount is its
 * root, a directory, as lookups go name by name.
 */
static const char *fp_mount_probe(int fd, const struct stat *st,
				  struct file_handle *fh, int *mount_fd)
{
	struct fp_fdname fn;
	struct statfs sf;
	struct stat st2;
	int mfd, hfd;

	*mount_fd = -1;
	if (!fp_fs.handles_capable)
		return "no CAP_DAC_READ_SEARCH";
	if (fstatfs(fd, &sf) == 0 &&
	    fn_fs_of_magic((unsigned long)sf.f_type) == FN_FS_fuse)
		return "a FUSE file system's handles stop opening once its "
		       "kernel forgets the inode";
	if (!S_ISDIR(st->st_mode))
		return "its root is not a directory";
	fp_fdname(&fn, fd);
	mfd = openat(fn.dir, fn.name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return "its root does not open";
	hfd = open_by_handle_at(mfd, fh, O_PATH | O_CLOEXEC);
	if (hfd < 0) {
		close(mfd);
		return "its handles do not open";
	}
	if (fstat(hfd, &st2) < 0 || st2.st_dev != st->st_dev ||
	    st2.st_ino != st->st_ino) {
		close(hfd);
		close(mfd);
		return "its handles open another file";
	}
	close(hfd);
	*mount_fd = mfd;
	return NULL;
}

/*
 * The mount of id mnt_id, added on first sight (probed with fd, the inode
 * of st, and its handle fh), or NULL when no more fit.
 */
static const struct fp_mount *fp_mount_get(int mnt_id, int fd,
					   const struct stat *st,
					   struct file_handle *fh)
{
	struct fp_fs *fs = &fp_fs;
	const struct fp_mount *m;
	struct fp_mount *nm;
	struct fp_fdname fn;
	char where[256];
	const char *why;
	ssize_t n;

	m = fp_mount_find(mnt_id);
	if (m != NULL)
		return m;
	pthread_mutex_lock(&fs->mounts_lock);
	m = fp_mount_find(mnt_id);	/* another thread may have added it */
	if (m != NULL || fs->nmounts == FP_MOUNTS_MAX) {
		pthread_mutex_unlock(&fs->mounts_lock);
		if (m == NULL && !atomic_exchange(&fs->mounts_full, true))
			fp_notice("more than %d backing mounts in the tree: "
				  "inodes on the others keep a descriptor "
				  "each", FP_MOUNTS_MAX);
		return m;
	}
	nm = &fs->mounts[fs->nmounts];
	nm->mnt_id = mnt_id;
	why = fp_mount_probe(fd, st, fh, &nm->fd);
	nm->handles = why == NULL;
	nm->fs_flags = fp_fs_flags(fd);
	fp_watch_add_later(fd, nm->handles);
	atomic_store_explicit(&fs->nmounts, fs->nmounts + 1,
			      memory_order_release);
	pthread_mutex_unlock(&fs->mounts_lock);
	if (why != NULL) {
		fp_fdname(&fn, fd);
		n = readlinkat(fn.dir, fn.name, where, sizeof(where) - 1);
		where[n > 0 ? n : 0] = '\0';
		fp_notice("%s: no file handles (%s): each of its inodes the "
			  "kernel knows keeps a descriptor open, so trees "
			  "there larger than the descriptor limit fail", where,
			  why);
	}
	return nm;
}

/*
 * fp_fs_flags() of in's file system, where fd is one of its descriptors
 * (the inode's, or a file open on it): asked once per backing mount (a
 * mount is one file system, of one type), else of fd.
 */
unsigned int fp_inode_fs_flags(const struct fp_inode *in, int fd)
{
	struct fp_fs *fs = &fp_fs;
	size_t i, n;

	if (in->handle_size > 0) {
		n = atomic_load_explicit(&fs->nmounts, memory_order_acquire);
		for (i = 0; i < n; i++)
			if (fs->mounts[i].fd == in->mount_fd)
				return fs->mounts[i].fs_flags;
	}
	return fp_fs_flags(fd);
}

/* ---- the cache of descriptors ------------------------------------------ */

/* Least recently used at the tail; called under itable_lock */
static void fp_lru_push(struct fp_fs *fs, struct fp_inode *in)
{
	in->lru_prev = NULL;
	in->lru_next = fs->lru_head;
	if (fs->lru_head != NULL)
		fs->lru_head->lru_prev = in;
	else
		fs->lru_tail = in;
	fs->lru_head = in;
}

static void fp_lru_del(struct fp_fs *fs, struct fp_inode *in)
{
	if (in->lru_prev != NULL)
		in->lru_prev->lru_next = in->lru_next;
	else
		fs->lru_head = in->lru_next;
	if (in->lru_next != NULL)
		in->lru_next->lru_prev = in->lru_prev;
	else
		fs->lru_tail = in->lru_prev;
	in->lru_prev = in->lru_next = NULL;
}

/*
 * Take the cached descriptor of in (not borrowed, so on the list) into
 * victims; called under itable_lock.
 */
static void fp_fd_uncache(struct fp_fs *fs, struct fp_inode *in,
			  int *victims, size_t *nvictims)
{
	fp_lru_del(fs, in);
	victims[(*nvictims)++] = in->fd;
	in->fd = -1;
	atomic_fetch_sub(&fs->fd_cached, 1);
}

/*
 * Take up to FP_EVICT_BATCH least recently used descriptors out while
 * more than keep are cached; borrowed ones are not on the list.  Called
 * under itable_lock; the caller closes the victims after it.
 */
static size_t fp_fd_evict(struct fp_fs *fs, size_t keep, int *victims)
{
	size_t n = 0;

	while (n < FP_EVICT_BATCH && fs->lru_tail != NULL &&
	       atomic_load(&fs->fd_cached) > keep)
		fp_fd_uncache(fs, fs->lru_tail, victims, &n);
	fp_count(&fs->cnt.fd_cache_evictions, n);
	return n;
}

static void fp_close_all(const int *fds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

/* Close cached descriptors until at most keep are left or all are lent */
static void fp_fd_cache_shrink(struct fp_fs *fs, size_t keep)
{
	int victims[FP_EVICT_BATCH];
	size_t n;

	do {
		pthread_mutex_lock(&fs->itable_lock);
		n = fp_fd_evict(fs, keep, victims);
		pthread_mutex_unlock(&fs->itable_lock);
		fp_close_all(victims, n);
	} while (n == FP_EVICT_BATCH);
}

/*
 * Cache fd as in's descriptor (in has a handle and none open), lent to
 * the caller if lend.  Called under itable_lock; fills victims.
 */
static size_t fp_fd_cache_add(struct fp_fs *fs, struct fp_inode *in, int fd,
			      bool lend, int *victims)
{
	in->fd = fd;
	atomic_fetch_add(&fs->fd_cached, 1);
	if (lend)
		in->fd_users++;
	else
		fp_lru_push(fs, in);
	return fp_fd_evict(fs, fs->cfg.fd_cache, victims);
}

/* Take in out of its hash chains; under itable_lock */
static void fp_itable_unhash(struct fp_fs *fs, struct fp_inode *in)
{
	struct fp_inode **pp;

	pp = &fs->buckets[fp_hash(in->dev, in->ino, fs->nbuckets)];
	for (; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == in) {
			*pp = in->next;
			break;
		}
	}
	if (fs->hbuckets == NULL || in->handle_size == 0)
		return;
	pp = &fs->hbuckets[fp_hash_handle(in->handle, in->handle_size,
					  fs->nbuckets)];
	for (; *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == in) {
			*pp = in->hnext;
			return;
		}
	}
}

/*
 * The inode's handle no longer opens, or its number now names another
 * file: its file was removed or replaced beside the mount.  Take it out
 * of the table, so that a new lookup makes a new inode, and count it; it
 * stays allocated until the kernel forgets it.  Under itable_lock.
 */
static void fp_inode_stale(struct fp_fs *fs, struct fp_inode *in)
{
	if (in->stale)
		return;
	in->stale = true;
	fp_itable_unhash(fs, in);
	fp_count(&fs->cnt.stale_handles, 1);
}

/*
 * A new O_PATH descriptor of in (which has a handle), or -errno; -ESTALE
 * too when the handle of an unverified inode opens a file of another
 * number (fp_inode_get_by_name()).
 */
static int fp_inode_reopen(struct fp_inode *in)
{
	union fp_handle_buf hb;
	struct stat st;
	int fd;

	memcpy(hb.buf, in->handle, in->handle_size);
	fd = open_by_handle_at(in->mount_fd, &hb.fh, O_PATH | O_CLOEXEC);
	if (fd < 0 && fp_fd_exhausted(errno))
		fd = open_by_handle_at(in->mount_fd, &hb.fh,
				       O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (atomic_load_explicit(&in->unverified, memory_order_acquire)) {
		if (fstat(fd, &st) < 0 || st.st_dev != in->dev ||
		    st.st_ino != in->ino) {
			close(fd);
			return -ESTALE;
		}
		atomic_store_explicit(&in->unverified, false,
				      memory_order_release);
	}
	return fd;
}

/*
 * An O_PATH descriptor of in's backing file, lent until
 * fp_inode_fd_put(in): from the cache, or opened by handle (as the
 * daemon: call it before fp_creds_enter()).  -ENOENT when the file is
 * gone (removed or replaced beside the mount: natively its name would
 * give ENOENT, never ESTALE), else -errno.
 */
int fp_inode_fd(struct fp_inode *in)
{
	struct fp_fs *fs = &fp_fs;
	int victims[FP_EVICT_BATCH];
	size_t n;
	int fd;

	if (in->handle_size == 0)
		return in->fd;	/* kept for the inode's life */
	pthread_mutex_lock(&fs->itable_lock);
	if (in->stale) {
		pthread_mutex_unlock(&fs->itable_lock);
		return -ENOENT;
	}
	if (in->fd >= 0) {
		if (in->fd_users++ == 0)
			fp_lru_del(fs, in);
		fd = in->fd;
		pthread_mutex_unlock(&fs->itable_lock);
		fp_count(&fs->cnt.fd_cache_hits, 1);
		return fd;
	}
	pthread_mutex_unlock(&fs->itable_lock);

	fd = fp_inode_reopen(in);
	if (fd == -ESTALE) {
		pthread_mutex_lock(&fs->itable_lock);
		fp_inode_stale(fs, in);
		pthread_mutex_unlock(&fs->itable_lock);
		return -ENOENT;
	}
	if (fd < 0)
		return fd;
	fp_count(&fs->cnt.fd_cache_misses, 1);
	pthread_mutex_lock(&fs->itable_lock);
	if (in->fd >= 0) {
		/* another thread opened it meanwhile: use that one */
		victims[0] = fd;
		n = 1;
		if (in->fd_users++ == 0)
			fp_lru_del(fs, in);
	} else {
		n = fp_fd_cache_add(fs, in, fd, true, victims);
	}
	fd = in->fd;
	pthread_mutex_unlock(&fs->itable_lock);
	fp_close_all(victims, n);
	return fd;
}

/* Give back the descriptor fp_inode_fd(in) lent */
void fp_inode_fd_put(struct fp_inode *in)
{
	struct fp_fs *fs = &fp_fs;
	int victims[FP_EVICT_BATCH];
	size_t n = 0;

	if (in->handle_size == 0)
		return;
	pthread_mutex_lock(&fs->itable_lock);
	if (--in->fd_users == 0) {
		if (in->drop_fd || in->stale) {
			/* unlinked or gone meanwhile: free its space now */
			in->drop_fd = false;
			victims[n++] = in->fd;
			in->fd = -1;
			atomic_fetch_sub(&fs->fd_cached, 1);
		} else {
			fp_lru_push(fs, in);
			n = fp_fd_evict(fs, fs->cfg.fd_cache, victims);
		}
	}
	pthread_mutex_unlock(&fs->itable_lock);
	fp_close_all(victims, n);
}

/* The table's inode of (dev, ino), or NULL; under itable_lock */
static struct fp_inode *fp_itable_find(struct fp_fs *fs, dev_t dev, ino_t ino)
{
	struct fp_inode *in;

	for (in = fs->buckets[fp_hash(dev, ino, fs->nbuckets)]; in != NULL;
	     in = in->next)
		if (in->dev == dev && in->ino == ino)
			return in;
	return NULL;
}

/* The root's handle, for fp_inode_ino_of_handle() */
static union fp_handle_buf fp_root_handle;

/*
 * The kernel's number of the inode the table knows with handle fh on the
 * file system of dev, or 0:
 * for telling the kernel that it changed (watch.c).  No system call: an
 * event of a file fnpassfs does not know costs one hash lookup.  The
 * number is only a name for the kernel, which ignores one it has
 * forgotten, so no reference is taken.
 */
fuse_ino_t fp_inode_ino_of_handle(dev_t dev, const struct file_handle *fh)
{
	struct fp_fs *fs = &fp_fs;
	size_t size = fp_handle_size(fh);
	struct fp_inode *in;
	fuse_ino_t ino = 0;

	if (dev == fs->root.dev &&
	    size == fp_handle_size(&fp_root_handle.fh) &&
	    memcmp(fh, fp_root_handle.buf, size) == 0)
		return FUSE_ROOT_ID;
	pthread_mutex_lock(&fs->itable_lock);
	if (fs->hbuckets != NULL)
		in = fs->hbuckets[fp_hash_handle((const unsigned char *)fh,
						 size, fs->nbuckets)];
	else
		in = NULL;
	for (; in != NULL; in = in->hnext) {
		if (in->dev == dev && in->handle_size == size &&
		    memcmp(in->handle, fh, size) == 0) {
			ino = fp_ino_of(in);
			break;
		}
	}
	pthread_mutex_unlock(&fs->itable_lock);
	return ino;
}

/*
 * The backing file of (dev, ino) was unlinked or renamed over through the
 * mount: close its cached descriptor now (or when its borrower gives it
 * back), so that its space is freed as natively, at the last close of the
 * file and not when the kernel forgets the inode.
 */
void fp_inode_unlinked(dev_t dev, ino_t ino)
{
	struct fp_fs *fs = &fp_fs;
	struct fp_inode *in;
	int fd = -1;
	size_t n = 0;

	pthread_mutex_lock(&fs->itable_lock);
	in = fp_itable_find(fs, dev, ino);
	if (in != NULL)
		in->unlinked_here = true;
	if (in != NULL && in->handle_size > 0 && in->fd >= 0) {
		if (in->fd_users > 0)
			in->drop_fd = true;
		else
			fp_fd_uncache(fs, in, &fd, &n);
	}
	pthread_mutex_unlock(&fs->itable_lock);
	fp_close_all(&fd, n);
}

/*
 * Whether the file of in (attributes st, read through its descriptor) was
 * removed beside the mount: a descriptor (cached, or the inode's own)
 * keeps a file that has lost its last name, where natively the name would
 * give ENOENT.  Not one that lost it through the mount (an open file
 * unlinked: the kernel no longer names it) nor an O_TMPFILE file, and
 * only for inodes known by handle (the file systems that count links
 * where handles are, ext4, XFS, btrfs, tmpfs, NFS).  Such an
 * inode is stale from now on, as if its handle no longer opened: -ENOENT,
 * else 0.
 */
int fp_inode_check_removed(struct fp_inode *in, const struct stat *st)
{
	struct fp_fs *fs = &fp_fs;
	int ret = 0;

	/* not without a handle: a FUSE backing may report no links at all */
	if (st->st_nlink > 0 || in->handle_size == 0 || in == &fs->root)
		return 0;
	pthread_mutex_lock(&fs->itable_lock);
	if (!in->unlinked_here) {
		fp_inode_stale(fs, in);
		ret = -ENOENT;
	}
	pthread_mutex_unlock(&fs->itable_lock);
	return ret;
}

/* ---- finding and adding inodes ----------------------------------------- */

/*
 * The known inode of (st_dev, st_ino) with one more lookup reference, if
 * a descriptor of it is open (the inode's own, or a cached one): then it
 * is surely the file whose attributes are st (from fstat(2) or
 * fstatat(2)), as that file lives, so no other has its number.  NULL when
 * the handle must decide.
 */
static struct fp_inode *fp_inode_find_open(const struct stat *st)
{
	struct fp_fs *fs = &fp_fs;
	struct fp_inode *in;

	pthread_mutex_lock(&fs->itable_lock);
	in = fp_itable_find(fs, st->st_dev, st->st_ino);
	if (in != NULL && (in->handle_size == 0 || in->fd >= 0))
		in->nlookup++;
	else
		in = NULL;
	pthread_mutex_unlock(&fs->itable_lock);
	return in;
}

/*
 * The handle of the backing file open as fd, in hb, and its mount if
 * inodes there are known by handle.  NULL: the inode keeps fd instead.
 */
static const struct fp_mount *fp_handle_of(int fd, const struct stat *st,
					   union fp_handle_buf *hb)
{
	const struct fp_mount *m;
	int mnt_id;

	hb->fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(fd, "", &hb->fh, &mnt_id, AT_EMPTY_PATH) < 0)
		return NULL;	/* EOPNOTSUPP: none on this file system */
	m = fp_mount_get(mnt_id, fd, st, &hb->fh);
	return m != NULL && m->handles ? m : NULL;
}

/* A new inode for the file open as fd, with handle hb on m or none */
static struct fp_inode *fp_inode_new(const struct stat *st,
				     const struct fp_mount *m,
				     const union fp_handle_buf *hb)
{
	size_t hsize = m != NULL ? fp_handle_size(&hb->fh) : 0;
	struct fp_inode *in;

	in = calloc(1, sizeof(*in) + hsize);
	if (in == NULL)
		return NULL;
	in->fd = -1;
	in->dev = st->st_dev;
	in->ino = st->st_ino;
	in->nlookup = 1;
	in->mount_fd = m != NULL ? m->fd : -1;
	/* an O_TMPFILE file, or an open one reached through /proc */
	in->unlinked_here = st->st_nlink == 0;
	in->handle_size = (unsigned char)hsize;
	memcpy(in->handle, hb->buf, hsize);
	return in;
}

/*
 * Add made (a new inode for the file of st) to the table, or take the
 * known inode of that file instead (one the table has with a descriptor
 * open, or with made's handle) and free made; either way with one lookup
 * reference.  fd is an O_PATH descriptor of the file, kept (cached, or
 * the inode's own without a handle) or closed; -1 for none, when made has
 * a handle.  An inode of the number with another handle is another
 * generation, stale from now on.
 */
static struct fp_inode *fp_itable_add(struct fp_inode *made, int fd)
{
	struct fp_fs *fs = &fp_fs;
	struct fp_inode *in, *old;
	int victims[FP_EVICT_BATCH + 1];
	size_t n = 0, h;

	pthread_mutex_lock(&fs->itable_lock);
	old = fp_itable_find(fs, made->dev, made->ino);
	if (old != NULL && (old->handle_size == 0 || old->fd >= 0 ||
			    (old->handle_size == made->handle_size &&
			     memcmp(old->handle, made->handle,
				    made->handle_size) == 0))) {
		/* the same file: known, or added by another thread */
		in = old;
		in->nlookup++;
		if (fd >= 0 && in->handle_size > 0 && in->fd < 0)
			n = fp_fd_cache_add(fs, in, fd, false, victims);
		else if (fd >= 0)
			victims[n++] = fd;
		pthread_mutex_unlock(&fs->itable_lock);
		fp_close_all(victims, n);
		free(made);
		return in;
	}
	/* its number now names another file (another generation) */
	if (old != NULL)
		fp_inode_stale(fs, old);
	in = made;
	h = fp_hash(in->dev, in->ino, fs->nbuckets);
	in->next = fs->buckets[h];
	fs->buckets[h] = in;
	if (fs->hbuckets != NULL && in->handle_size > 0) {
		h = fp_hash_handle(in->handle, in->handle_size, fs->nbuckets);
		in->hnext = fs->hbuckets[h];
		fs->hbuckets[h] = in;
	}
	atomic_fetch_add(&fs->ninodes, 1);
	if (in->handle_size > 0) {
		atomic_fetch_add(&fs->ninodes_handle, 1);
		if (fd >= 0)
			n = fp_fd_cache_add(fs, in, fd, false, victims);
	} else {
		in->fd = fd;
		atomic_fetch_add(&fs->ninodes_fd, 1);
		fp_count(&fs->cnt.handle_fallbacks, 1);
	}
	if (atomic_load(&fs->ninodes) > fs->nbuckets)
		fp_itable_grow(fs);
	pthread_mutex_unlock(&fs->itable_lock);
	fp_close_all(victims, n);
	return in;
}

/*
 * Find or add the inode of the backing file open as fd (O_PATH) with
 * attributes st, taking one lookup reference.  Takes ownership of fd:
 * kept as the inode's descriptor (cached, or for its life without a
 * handle) or closed.  Returns the inode or NULL (ENOMEM).
 */
static struct fp_inode *fp_inode_get(int fd, const struct stat *st)
{
	struct fp_fs *fs = &fp_fs;
	const struct fp_mount *m;
	union fp_handle_buf hb;
	struct fp_inode *in, *made;

	/* the root can come back through a bind mount or a hard link loop */
	if (st->st_dev == fs->root.dev && st->st_ino == fs->root.ino) {
		close(fd);
		return &fs->root;
	}
	in = fp_inode_find_open(st);
	if (in != NULL) {
		close(fd);
		return in;
	}
	m = fp_handle_of(fd, st, &hb);
	made = fp_inode_new(st, m, &hb);
	if (made == NULL) {
		close(fd);
		return NULL;
	}
	return fp_itable_add(made, fd);
}

/*
 * Find or add the inode of name in the directory open as pfd, whose
 * attributes fstatat(2) gave in st, by its handle alone: no descriptor is
 * opened, the first use of the inode opens it by handle.  The handle and
 * st come from two calls on the name, which a rename beside the mount may
 * separate: the inode is marked unverified, and its first reopen checks
 * that the handle's file has st's number (else the inode is stale, and
 * the kernel's next lookup finds the file the name has then).  NULL when
 * the name's mount is not known by handle yet (the caller opens the name:
 * its first file there probes the mount) or memory is short.
 */
static struct fp_inode *fp_inode_get_by_name(int pfd, const char *name,
					     const struct stat *st)
{
	const struct fp_mount *m;
	union fp_handle_buf hb;
	struct fp_inode *in, *made;
	int mnt_id;

	hb.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(pfd, name, &hb.fh, &mnt_id, 0) < 0)
		return NULL;
	m = fp_mount_find(mnt_id);
	if (m == NULL || !m->handles)
		return NULL;
	made = fp_inode_new(st, m, &hb);
	if (made == NULL)
		return NULL;
	atomic_store(&made->unverified, true);
	in = fp_itable_add(made, -1);
	if (in != made) {
		/* known with this handle (or opened by another thread) */
		fp_count(&fp_fs.cnt.lookups_known, 1);
		fp_count(&fp_fs.cnt.lookups_by_handle, 1);
	}
	return in;
}

/*
 * Fill e for the backing file open as fd (O_PATH), finding or adding its
 * inode with one lookup reference.  Takes ownership of fd.  0 or -errno.
 */
static int fp_entry_of(int fd, struct fuse_entry_param *e)
{
	struct fp_inode *in;
	int ret;

	ret = fstatat(fd, "", &e->attr, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
	if (ret < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	in = fp_inode_get(fd, &e->attr);
	if (in == NULL)
		return -ENOMEM;
	e->ino = fp_ino_of(in);
	fp_entry_timeouts(e);
	return 0;
}

/*
 * Look name up in parent (whose descriptor, from fp_inode_fd(), is pfd)
 * on the backing file system and fill e, taking one lookup reference on
 * the inode.  One fstatat(2) answers for an inode known with a descriptor
 * open; else the name's handle finds the known inode or makes a new one,
 * and neither is opened (its first use opens it by handle).  The name is
 * opened only on a mount met for the first time or without handles.  0 or
 * -errno.
 */
int fp_do_lookup(struct fp_inode *parent, int pfd, const char *name,
		 struct fuse_entry_param *e)
{
	struct fp_fs *fs = &fp_fs;
	struct stat *st = &e->attr;
	struct fp_inode *in;
	int fd;

	memset(e, 0, sizeof(*e));
	if (fp_is_stats_name(parent, name)) {
		fp_stats_entry(e);
		return 0;
	}
	if (fstatat(pfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	/* the root can come back through a bind mount or a hard link loop */
	if (st->st_dev == fs->root.dev && st->st_ino == fs->root.ino) {
		in = &fs->root;
	} else {
		in = fp_inode_find_open(st);
		if (in != NULL)
			fp_count(&fs->cnt.lookups_known, 1);
		else
			in = fp_inode_get_by_name(pfd, name, st);
	}
	if (in == NULL) {
		fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && fp_fd_exhausted(errno))
			fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		return fp_entry_of(fd, e);
	}
	e->ino = fp_ino_of(in);
	fp_entry_timeouts(e);
	return 0;
}

/*
 * Fill e for the backing file open as fd, which may have no name (an
 * O_TMPFILE file), taking one lookup reference on its inode; fd stays the
 * caller's.  The inode's O_PATH descriptor is a reopen through
 * /proc/self/fd/N, which reaches the inode itself, named or not; a link
 * made later through the mount (fp_link()) goes through it the same way.
 * 0 or -errno.
 */
int fp_do_lookup_fd(int fd, struct fuse_entry_param *e)
{
	struct fp_fdname fn;
	int pfd;

	memset(e, 0, sizeof(*e));
	fp_fdname(&fn, fd);
	pfd = openat(fn.dir, fn.name, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	return fp_entry_of(pfd, e);
}

/*
 * Drop n lookup references; the last one frees the inode and closes its
 * descriptor (the kernel sends no request for an inode it forgot, so
 * none is lent).
 */
void fp_inode_unref(struct fp_inode *inode, uint64_t n)
{
	struct fp_fs *fs = &fp_fs;
	int fd;

	if (inode == &fs->root || inode == &fs->stats_inode)
		return;
	pthread_mutex_lock(&fs->itable_lock);
	/* a kernel that forgets more than it was given: clamp, never wrap */
	inode->nlookup -= n < inode->nlookup ? n : inode->nlookup;
	if (inode->nlookup > 0) {
		pthread_mutex_unlock(&fs->itable_lock);
		return;
	}
	if (!inode->stale)
		fp_itable_unhash(fs, inode);
	if (inode->handle_size > 0) {
		if (inode->fd >= 0) {
			fp_lru_del(fs, inode);
			atomic_fetch_sub(&fs->fd_cached, 1);
		}
		atomic_fetch_sub(&fs->ninodes_handle, 1);
	} else {
		atomic_fetch_sub(&fs->ninodes_fd, 1);
	}
	fd = inode->fd;
	atomic_fetch_sub(&fs->ninodes, 1);
	pthread_mutex_unlock(&fs->itable_lock);
	if (fd >= 0)
		close(fd);
	free(inode);
}

/* Whether the daemon may open handles: CAP_DAC_READ_SEARCH, effective */
static bool fp_may_open_handles(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return data[CAP_TO_INDEX(CAP_DAC_READ_SEARCH)].effective &
	       CAP_TO_MASK(CAP_DAC_READ_SEARCH);
}

/*
 * Make the empty table; fs->root.fd is open.  The root's mount is probed
 * first, with the root (a directory): the first inode seen there
 * otherwise is any child.  0 or -errno.
 */
int fp_itable_init(struct fp_fs *fs)
{
	union fp_handle_buf hb;
	struct stat st;
	int ret;

	fs->nbuckets = FP_ITABLE_MIN;
	fs->buckets = calloc(fs->nbuckets, sizeof(*fs->buckets));
	if (fs->buckets == NULL)
		return -ENOMEM;
	if (fs->cfg.cache == FP_CACHE_WATCH) {
		fs->hbuckets = calloc(fs->nbuckets, sizeof(*fs->hbuckets));
		if (fs->hbuckets == NULL)
			return -ENOMEM;
	}
	ret = pthread_mutex_init(&fs->itable_lock, NULL);
	if (ret == 0)
		ret = pthread_mutex_init(&fs->mounts_lock, NULL);
	if (ret != 0)
		return -ret;
	fs->handles_capable = fp_may_open_handles();
	if (fstat(fs->root.fd, &st) == 0 &&
	    fp_handle_of(fs->root.fd, &st, &hb) != NULL)
		memcpy(&fp_root_handle, &hb, sizeof(hb));
	return 0;
}
