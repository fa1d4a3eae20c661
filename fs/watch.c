// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * watch.c: cache=watch: the kernel keeps names, attributes and listings as
 * long as with cache=always, and fnpassfs drops what changes beside the
 * mount, from fanotify(7) events of each backing file system.
 *
 * Each backing file system is marked whole (FAN_MARK_FILESYSTEM, which
 * needs CAP_SYS_ADMIN) for the changes that make a kernel cache wrong:
 * names made, removed or moved (reported as the directory's file handle
 * and the name) and attributes or data changed (the file's handle).  One
 * thread reads the events, finds the inode of each handle in the inode
 * table and tells the kernel: FUSE_NOTIFY_INVAL_ENTRY of the name and
 * FUSE_NOTIFY_INVAL_INODE of the directory (its attributes and its cached
 * listing) for a name, FUSE_NOTIFY_INVAL_INODE of the attributes for a
 * file (auto_inval_data then drops its pages when its size or mtime
 * changed).  An inode the kernel does not know has nothing to drop.
 *
 * A reply that tells the kernel what a worker saw (a lookup, an entry of
 * readdirplus) races with the event of a change made after the worker
 * looked: were the kernel told to drop the name before the reply came,
 * it would then keep the reply's old state for a day.  So such a reply,
 * from the moment its worker looks until it is written, holds reply_lock
 * shared (fp_watch_reply_begin(), fp_watch_reply_end()), and the thread
 * takes it exclusive once after reading events and before telling the
 * kernel: a reply is either written before that, and then dropped by
 * what the thread tells, or made after the change.  The thread never
 * tells the kernel while holding it: an invalidation waits for the
 * directory's lock, which a lookup waiting for a worker may hold.
 * Attributes need none of this: the kernel ignores those of a reply to a
 * request sent before an invalidation of the inode (attr_version).
 *
 * Events of fnpassfs's own calls are skipped: the kernel made those
 * changes through the mount and updated its caches itself.  What is left
 * is a short delay: a change beside the mount shows once its event is
 * read, not at once (fnpassfs(1) says so).  Where that cannot be kept
 * (a file system that cannot be marked, an event lost), the timeouts fall
 * back to cache=auto's for every reply from then on, with a notice.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "fp.h"
#include "ops.h"

#define FP_WATCH_EVENTS							\
	(FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO |	\
	 FAN_ATTRIB | FAN_MODIFY | FAN_ONDIR)
#define FP_WATCH_NAMES (FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO)

/*
 * A marked file system: its device and its fsid, which events name.  Two
 * file systems with one fsid (copies of one ext4 image) cannot both be
 * marked: the second fails, and the watch falls back.
 */
struct fp_watched {
	dev_t dev;
	fsid_t fsid;
};

static struct {
	int fan_fd;			/* -1: not watching */
	pthread_mutex_t lock;		/* for adding to fss */
	struct fp_watched fss[FP_MOUNTS_MAX];
	atomic_size_t nfss;		/* published with release */
	pthread_rwlock_t reply_lock;	/* see above */
	pthread_t thread;
	bool started;
	pid_t pid;			/* ours: our own events are skipped */
} fp_watch = { .fan_fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER };

void fp_watch_reply_begin(void)
{
	if (fp_watch.fan_fd >= 0)
		pthread_rwlock_rdlock(&fp_watch.reply_lock);
}

void fp_watch_reply_end(void)
{
	if (fp_watch.fan_fd >= 0)
		pthread_rwlock_unlock(&fp_watch.reply_lock);
}

/* Wait for the replies being made: they were made before the events */
static void fp_watch_replies_out(void)
{
	pthread_rwlock_wrlock(&fp_watch.reply_lock);
	pthread_rwlock_unlock(&fp_watch.reply_lock);
}

static const char *fp_watch_why;	/* why it was lost */

/*
 * From now on every reply has cache=auto's timeouts: said once, with why,
 * by the thread; before it runs, fp_watch_ready() refuses the mount.
 */
static void fp_watch_lose(const char *why)
{
	if (atomic_exchange(&fp_fs.watch_lost, true))
		return;
	fp_watch_why = why;
	if (fp_watch.started)
		fp_notice("cache=watch: %s: changes beside the mount now show "
			  "within the timeouts of cache=auto", why);
}

/*
 * Mark the file system of fd, a directory (O_PATH or not), unless it is
 * marked: 0, or -errno when it cannot be watched (said by the caller).
 */
int fp_watch_add(int fd)
{
	struct fp_watched *w;
	struct statfs sf;
	struct stat st;
	struct fp_fdname fn;
	size_t i, n;
	int mfd, ret = 0;

	if (fp_watch.fan_fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || fstatfs(fd, &sf) < 0)
		return -errno;
	pthread_mutex_lock(&fp_watch.lock);
	n = atomic_load(&fp_watch.nfss);
	for (i = 0; i < n; i++)
		if (fp_watch.fss[i].dev == st.st_dev)
			goto out;
	if (n == FP_MOUNTS_MAX) {
		ret = -EMFILE;
		goto out;
	}
	/* fanotify_mark(2) wants it opened, not O_PATH */
	fp_fdname(&fn, fd);
	mfd = openat(fn.dir, fn.name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0) {
		ret = -errno;
		goto out;
	}
	if (fanotify_mark(fp_watch.fan_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
			  FP_WATCH_EVENTS, mfd, NULL) < 0)
		ret = -errno;
	close(mfd);
	if (ret < 0)
		goto out;
	w = &fp_watch.fss[n];
	w->dev = st.st_dev;
	w->fsid = sf.f_fsid;
	atomic_store_explicit(&fp_watch.nfss, n + 1, memory_order_release);
out:
	pthread_mutex_unlock(&fp_watch.lock);
	return ret;
}

/*
 * fp_watch_add() of a backing mount met (the source's too, at the start),
 * whose inodes are known by their handles or not (handles): lost if it
 * cannot be watched, or if events could not name its inodes.
 */
void fp_watch_add_later(int fd, bool handles)
{
	if (fp_watch.fan_fd < 0 || atomic_load(&fp_fs.watch_lost))
		return;
	if (!handles)
		fp_watch_lose("a backing file system has no file handles");
	else if (fp_watch_add(fd) < 0)
		fp_watch_lose("a backing file system cannot be watched");
}

/* Before mounting, once the source's mount was met: 0, or -1 and why */
int fp_watch_ready(void)
{
	if (!atomic_load(&fp_fs.watch_lost))
		return 0;
	fprintf(stderr, "fnpassfs: cache=watch: %s\n", fp_watch_why);
	return -1;
}

/* The device of the marked file system of fsid, or 0 */
static dev_t fp_watch_dev_of(const fsid_t *fsid)
{
	size_t i, n;

	n = atomic_load_explicit(&fp_watch.nfss, memory_order_acquire);
	for (i = 0; i < n; i++)
		if (memcmp(&fp_watch.fss[i].fsid, fsid, sizeof(*fsid)) == 0)
			return fp_watch.fss[i].dev;
	return 0;
}

/* The kernel's number of the inode of an event's record, or 0 */
static fuse_ino_t fp_watch_ino(const struct fanotify_event_info_fid *fid)
{
	dev_t dev = fp_watch_dev_of((const fsid_t *)&fid->fsid);

	if (dev == 0)
		return 0;
	return fp_inode_ino_of_handle(dev,
				      (const struct file_handle *)fid->handle);
}

/* Tell the kernel what one event changed */
static void fp_watch_event(const struct fanotify_event_metadata *m)
{
	const char *end = (const char *)m + m->event_len;
	const char *p = (const char *)(m + 1);
	struct fuse_session *se = fp_fs.se;

	while (p + sizeof(struct fanotify_event_info_header) <= end) {
		const struct fanotify_event_info_header *h = (const void *)p;
		const struct fanotify_event_info_fid *fid = (const void *)p;
		const struct file_handle *fh;
		const char *name;
		fuse_ino_t ino;

		if (h->len == 0 || p + h->len > end)
			break;
		p += h->len;
		ino = fp_watch_ino(fid);
		if (ino == 0)
			continue;
		switch (h->info_type) {
		case FAN_EVENT_INFO_TYPE_DFID_NAME:
			if (!(m->mask & FP_WATCH_NAMES))
				break;
			/* a name made, removed or moved in directory ino */
			fh = (const struct file_handle *)fid->handle;
			name = (const char *)fh->f_handle + fh->handle_bytes;
			fuse_lowlevel_notify_inval_entry(se, ino, name,
							 strlen(name));
			/* and its listing with it (0, 0: every page) */
			fuse_lowlevel_notify_inval_inode(se, ino, 0, 0);
			fp_count(&fp_fs.cnt.watch_names, 1);
			break;
		case FAN_EVENT_INFO_TYPE_FID:
		case FAN_EVENT_INFO_TYPE_DFID:
			/* its attributes (-1: no pages) */
			fuse_lowlevel_notify_inval_inode(se, ino, -1, 0);
			fp_count(&fp_fs.cnt.watch_attrs, 1);
			break;
		}
	}
}

static void *fp_watch_run(void *arg)
{
	/* an event's records hold handles of up to MAX_HANDLE_SZ and a name */
	char buf[64 * 1024] __attribute__((aligned(8)));
	const struct fanotify_event_metadata *m;
	ssize_t n;

	(void)arg;
	for (;;) {
		/* cancelled (fp_watch_stop()) only while it waits here */
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
		n = read(fp_watch.fan_fd, buf, sizeof(buf));
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fp_watch_lose(n < 0 ? strerror(errno) : "no events");
			return NULL;
		}
		fp_watch_replies_out();
		for (m = (const void *)buf; FAN_EVENT_OK(m, n);
		     m = FAN_EVENT_NEXT(m, n)) {
			if (m->vers != FANOTIFY_METADATA_VERSION) {
				fp_watch_lose("events of another version");
				return NULL;
			}
			if (m->mask & FAN_Q_OVERFLOW) {
				fp_watch_lose("events were lost");
				return NULL;
			}
			fp_count(&fp_fs.cnt.watch_events, 1);
			if (m->pid == fp_watch.pid)
				continue;
			fp_watch_event(m);
		}
	}
}

/*
 * Before mounting: the watch of the source's file system (root_fd), or
 * -1 after one message saying why cache=watch cannot be kept.
 */
int fp_watch_init(int root_fd)
{
	pthread_rwlockattr_t attr;
	int ret;

	/* the thread must not starve behind a stream of lookups */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
			PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&fp_watch.reply_lock, &attr);
	pthread_rwlockattr_destroy(&attr);

	fp_watch.fan_fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC |
					FAN_UNLIMITED_QUEUE |
					FAN_REPORT_DFID_NAME | FAN_REPORT_FID,
					O_RDONLY | O_LARGEFILE);
	if (fp_watch.fan_fd < 0) {
		fprintf(stderr, "fnpassfs: cache=watch: fanotify: %s%s\n",
			strerror(errno), errno == EPERM ?
			" (it needs CAP_SYS_ADMIN: run as root)" : "");
		return -1;
	}
	ret = fp_watch_add(root_fd);
	if (ret < 0) {
		fprintf(stderr, "fnpassfs: cache=watch: the file system of "
			"the source cannot be watched: %s\n", strerror(-ret));
		close(fp_watch.fan_fd);
		fp_watch.fan_fd = -1;
		return -1;
	}
	return 0;
}

/* After daemonizing (a thread does not survive the fork): 0 or -errno */
int fp_watch_start(void)
{
	int ret;

	if (fp_watch.fan_fd < 0)
		return 0;
	fp_watch.pid = getpid();
	ret = pthread_create(&fp_watch.thread, NULL, fp_watch_run, NULL);
	if (ret != 0)
		return -ret;
	fp_watch.started = true;
	return 0;
}

void fp_watch_stop(void)
{
	if (!fp_watch.started)
		return;
	pthread_cancel(fp_watch.thread);
	pthread_join(fp_watch.thread, NULL);
	fp_watch.started = false;
}
