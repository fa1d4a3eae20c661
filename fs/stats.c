// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * stats.c: the virtual /.stats file of fnpassfs.
 *
 * /.stats is &fp_fs.stats_inode, outside the inode table and never
 * forgotten.  It is opened with direct I/O and each open formats one
 * snapshot into a buffer of its own (fi->fh points to it), so every read
 * of one open sees the same consistent text and every new open fresh
 * values.  Writing "reset" (with or without a newline) resets the
 * engine's and the file system's counters; anything else is EINVAL.  The
 * counters are relaxed atomics: a snapshot is not atomic across keys.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fp.h"
#include "ops.h"

/* An st_ino no backing file is likely to show next to it */
#define FP_STATS_INO	UINT64_C(0xfffffffffffffff0)

struct fp_snapshot {
	size_t len;
	char text[];
};

static const char *const fp_op_names[FP_OP_COUNT] = {
#define FP_OP_NAME(name) [FP_OP_##name] = "fs_" #name "_ops",
	FP_OPS(FP_OP_NAME)
#undef FP_OP_NAME
};

static const char *const fp_op_ns_names[FP_OP_COUNT] = {
#define FP_OP_NS_NAME(name) [FP_OP_##name] = "fs_" #name "_ns",
	FP_OPS(FP_OP_NS_NAME)
#undef FP_OP_NS_NAME
};

void fp_stats_attr(struct stat *st)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	memset(st, 0, sizeof(*st));
	st->st_ino = FP_STATS_INO;
	st->st_mode = S_IFREG | 0644;
	st->st_nlink = 1;
	st->st_uid = fp_fs.uid;
	st->st_gid = fp_fs.gid;
	st->st_size = 0;	/* direct I/O: readers read to EOF */
	st->st_blksize = 4096;
	st->st_atim = now;
	st->st_mtim = now;
	st->st_ctim = now;
}

/* The entry of /.stats: no timeouts, so a rename of the option is seen */
void fp_stats_entry(struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = (fuse_ino_t)(uintptr_t)&fp_fs.stats_inode;
	fp_stats_attr(&e->attr);
}

/* The gauges (gauges.h) /.stats prints after the keys of after */
void fp_stats_gauges(char *buf, size_t len, size_t *pos,
		     enum fp_gauge_after after)
{
#define FP_GAUGE_LINE(where, key, value)				\
	if (after == FP_AFTER_##where)					\
		fn_stats_append(buf, len, pos, #key, (value));
	FP_GAUGES(FP_GAUGE_LINE)
#undef FP_GAUGE_LINE
}

/* Format the whole text into buf; returns the length it needs */
static size_t fp_stats_text(char *buf, size_t len)
{
	struct fp_fs *fs = &fp_fs;
	size_t pos = 0;
	int n, i;

	n = fn_stats_format(buf, len);
	if (n > 0)
		pos = (size_t)n;
	fp_stats_gauges(buf, len, &pos, FP_AFTER_copy);
	for (i = 0; i < FP_OP_COUNT; i++)
		fn_stats_append(buf, len, &pos, fp_op_names[i],
				atomic_load_explicit(&fs->cnt.ops[i],
						     memory_order_relaxed));
	/* the daemon's own time in each kind of request (ops.c) */
	for (i = 0; i < FP_OP_COUNT; i++)
		fn_stats_append(buf, len, &pos, fp_op_ns_names[i],
				atomic_load_explicit(&fs->cnt.ns[i],
						     memory_order_relaxed));
#define FP_COUNTER_LINE(name)						\
	fn_stats_append(buf, len, &pos, "fs_" #name,			\
			atomic_load_explicit(&fs->cnt.name,		\
					     memory_order_relaxed));
	FP_COUNTERS(FP_COUNTER_LINE)
#undef FP_COUNTER_LINE
	fp_stats_gauges(buf, len, &pos, FP_AFTER_counters);
	fp_options_stats(buf, len, &pos);
	fp_stats_gauges(buf, len, &pos, FP_AFTER_opt);
	fp_passthrough_stats(buf, len, &pos);
	return pos;
}

/*
 * Writing (a reset) is for the daemon's user and root: the kernel checks
 * the mode (0644) only with default_permissions.  0 or -EACCES.
 */
int fp_stats_may_open(fuse_req_t req, struct fuse_file_info *fi)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	if ((fi->flags & O_ACCMODE) == O_RDONLY)
		return 0;
	if (ctx->uid == 0 || ctx->uid == fp_fs.uid)
		return 0;
	return -EACCES;
}

/* Take the snapshot of one open into fi; 0 or -ENOMEM */
int fp_stats_prepare(struct fuse_file_info *fi)
{
	struct fp_snapshot *s;
	size_t cap = 8192, need;

	for (;;) {
		s = malloc(sizeof(*s) + cap);
		if (s == NULL)
			return -ENOMEM;
		need = fp_stats_text(s->text, cap);
		if (need < cap)
			break;
		free(s);
		cap = need + 1;
	}
	s->len = need;
	fi->fh = (uintptr_t)s;
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->nonseekable = 0;
	fi->noflush = 1;	/* nothing to flush: no round trip at close */
	return 0;
}

void fp_stats_open(fuse_req_t req, struct fuse_file_info *fi)
{
	int ret = fp_stats_may_open(req, fi);

	if (ret == 0)
		ret = fp_stats_prepare(fi);
	if (ret < 0) {
		fp_reply_err(req, -ret);
		return;
	}
	if (fuse_reply_open(req, fi) == -ENOENT)
		fp_stats_release(fi);
}

void fp_stats_read(fuse_req_t req, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	struct fp_snapshot *s = (struct fp_snapshot *)(uintptr_t)fi->fh;

	if (off < 0 || (uint64_t)off >= s->len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	fuse_reply_buf(req, s->text + off, MIN(size, s->len - (size_t)off));
}

void fp_stats_reset(void)
{
	int i;

	fn_stats_reset();
	for (i = 0; i < FP_OP_COUNT; i++) {
		atomic_store_explicit(&fp_fs.cnt.ops[i], 0,
				      memory_order_relaxed);
		atomic_store_explicit(&fp_fs.cnt.ns[i], 0,
				      memory_order_relaxed);
	}
#define FP_COUNTER_RESET(name) \
	atomic_store_explicit(&fp_fs.cnt.name, 0, memory_order_relaxed);
	FP_COUNTERS(FP_COUNTER_RESET)
#undef FP_COUNTER_RESET
	fp_passthrough_stats_reset();
}

/* Only "reset" or "reset\n" is a valid write; it resets, others EINVAL */
void fp_stats_write(fuse_req_t req, struct fuse_bufvec *in)
{
	char word[8];
	size_t size = fuse_buf_size(in);
	struct fuse_bufvec out = FUSE_BUFVEC_INIT(sizeof(word));
	ssize_t n;

	if (size > sizeof(word)) {
		fp_reply_err(req, EINVAL);
		return;
	}
	out.buf[0].mem = word;
	n = fuse_buf_copy(&out, in, 0);
	if (n < 0) {
		fp_reply_err(req, (int)-n);
		return;
	}
	if ((n == 5 && memcmp(word, "reset", 5) == 0) ||
	    (n == 6 && memcmp(word, "reset\n", 6) == 0)) {
		fp_stats_reset();
		fuse_reply_write(req, n);
		return;
	}
	fp_reply_err(req, EINVAL);
}

void fp_stats_release(struct fuse_file_info *fi)
{
	free((void *)(uintptr_t)fi->fh);
}
