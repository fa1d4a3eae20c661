// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * inode.c: fnpassfs's inode table.
 *
 * Every inode the kernel knows (but the root and /.stats) is a struct
 * fp_inode in a hash table keyed on the backing file's (st_dev, st_ino).
 * It holds an O_PATH descriptor, so the backing inode stays allocated and
 * its number cannot be reused while the kernel may still name it, and the
 * kernel's lookup count: +1 per entry replied, -n per forget(n); at 0 the
 * inode is closed and freed.  One mutex, fs->itable_lock, protects the
 * chains, the counts and the bucket array.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fp.h"

#define FP_ITABLE_MIN	1024

static size_t fp_hash(dev_t dev, ino_t ino, size_t nbuckets)
{
	uint64_t h = (uint64_t)ino * UINT64_C(0x9e3779b97f4a7c15);

	h ^= (uint64_t)dev * UINT64_C(0xc2b2ae3d27d4eb4f);
	h ^= h >> 29;
	return (size_t)(h & (nbuckets - 1));
}

int fp_itable_init(struct fp_fs *fs)
{
	fs->nbuckets = FP_ITABLE_MIN;
	fs->buckets = calloc(fs->nbuckets, sizeof(*fs->buckets));
	if (fs->buckets == NULL)
		return -ENOMEM;
	return -pthread_mutex_init(&fs->itable_lock, NULL);
}

/* Double the bucket array; a failed allocation just keeps chains longer */
static void fp_itable_grow(struct fp_fs *fs)
{
	size_t n = fs->nbuckets * 2;
	struct fp_inode **b = calloc(n, sizeof(*b));
	struct fp_inode *in, *next;
	size_t i, h;

	if (b == NULL)
		return;
	for (i = 0; i < fs->nbuckets; i++) {
		for (in = fs->buckets[i]; in != NULL; in = next) {
			next = in->next;
			h = fp_hash(in->dev, in->ino, n);
			in->next = b[h];
			b[h] = in;
		}
	}
	free(fs->buckets);
	fs->buckets = b;
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

void fp_entry_timeouts(struct fuse_entry_param *e)
{
	e->attr_timeout = fp_fs.cfg.attr_timeout;
	e->entry_timeout = fp_fs.cfg.entry_timeout;
}

/*
 * Find or add the inode of the backing file open as fd (O_PATH) with
 * attributes st, taking one lookup reference.  Takes ownership of fd (closed
 * when the inode was already known).  Returns the inode or NULL (ENOMEM).
 */
static struct fp_inode *fp_inode_get(int fd, const struct stat *st)
{
	struct fp_fs *fs = &fp_fs;
	struct fp_inode *in;
	size_t h;

	/* the root can come back through a bind mount or a hard link loop */
	if (st->st_dev == fs->root.dev && st->st_ino == fs->root.ino) {
		close(fd);
		return &fs->root;
	}
	pthread_mutex_lock(&fs->itable_lock);
	h = fp_hash(st->st_dev, st->st_ino, fs->nbuckets);
	for (in = fs->buckets[h]; in != NULL; in = in->next)
		if (in->dev == st->st_dev && in->ino == st->st_ino)
			break;
	if (in != NULL) {
		in->nlookup++;
		pthread_mutex_unlock(&fs->itable_lock);
		close(fd);
		return in;
	}
	in = calloc(1, sizeof(*in));
	if (in == NULL) {
		pthread_mutex_unlock(&fs->itable_lock);
		close(fd);
		return NULL;
	}
	in->fd = fd;
	in->dev = st->st_dev;
	in->ino = st->st_ino;
	in->nlookup = 1;
	in->next = fs->buckets[h];
	fs->buckets[h] = in;
	atomic_fetch_add(&fs->ninodes, 1);
	if (atomic_load(&fs->ninodes) > fs->nbuckets)
		fp_itable_grow(fs);
	pthread_mutex_unlock(&fs->itable_lock);
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
 * Look name up in parent on the backing file system and fill e, taking one
 * lookup reference on the inode.  0 or -errno.
 */
int fp_do_lookup(struct fp_inode *parent, const char *name,
		 struct fuse_entry_param *e)
{
	int fd;

	memset(e, 0, sizeof(*e));
	if (fp_is_stats_name(parent, name)) {
		fp_stats_entry(e);
		return 0;
	}
	fd = openat(parent->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return fp_entry_of(fd, e);
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
	char path[64];
	int pfd;

	memset(e, 0, sizeof(*e));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	return fp_entry_of(pfd, e);
}

/* Drop n lookup references; the last one closes and frees the inode */
void fp_inode_unref(struct fp_inode *inode, uint64_t n)
{
	struct fp_fs *fs = &fp_fs;
	struct fp_inode **pp;
	size_t h;

	if (inode == &fs->root || inode == &fs->stats_inode)
		return;
	pthread_mutex_lock(&fs->itable_lock);
	/* a kernel that forgets more than it was given: clamp, never wrap */
	inode->nlookup -= n < inode->nlookup ? n : inode->nlookup;
	if (inode->nlookup > 0) {
		pthread_mutex_unlock(&fs->itable_lock);
		return;
	}
	h = fp_hash(inode->dev, inode->ino, fs->nbuckets);
	for (pp = &fs->buckets[h]; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == inode) {
			*pp = inode->next;
			break;
		}
	}
	atomic_fetch_sub(&fs->ninodes, 1);
	pthread_mutex_unlock(&fs->itable_lock);
	close(inode->fd);
	free(inode);
}
