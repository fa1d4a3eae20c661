// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * match.c: writes whose bytes came through another buffer, matched by
 * content with the stream being read.
 *
 * track.c substitutes a write only when it is the buffer of the thread's
 * last read.  Buffered writers copy the bytes first: tee and stdio write
 * from the FILE's buffer (stdio.c hands those writes here), Perl's print
 * writes 8 KiB pieces of its PerlIO buffer, a Python BufferedWriter
 * writes its own buffer in sizes that are not the reads'.  So each thread
 * also keeps its source stream: the descriptor of its last read of at
 * least FA_STREAM_MIN_READ bytes from a regular file, where the stream
 * began, where its last read began and ended (continued without a system
 * call by later reads of the same descriptor), and per destination
 * descriptor a cursor: the source offset where the next write is expected
 * to continue, the stream's start for a new destination.
 *
 * A write that is not the tracked buffer, of at least FNACCEL_MIN_SIZE
 * bytes, to a destination that track.c's rules admit (dev.c decides
 * where it pays) is compared with the source at the cursor, then at the
 * start of the last read: its first and last page, pread(2) of the
 * source and memcmp, the program's buffer read with process_vm_readv(2)
 * so that a buffer that is not readable fails the match instead of
 * faulting (the real write then says EFAULT).  A match is copied, with
 * copy_file_range(2) from that offset, and proven by the same re-read of
 * every byte as any substituted write: a copy that differs anywhere is
 * repaired by writing the buffer over it.  The cursor then moves past
 * the copy.  A write whose ends do not match is written by the real
 * write (unmatched).
 *
 * The offsets are guesses (a read(2) is assumed to continue where the
 * last one ended, a program may lseek): the comparison, not the guess,
 * decides.  A stream costs no system call until a write may continue
 * it: its source is checked, and its offsets placed, then.  All of it
 * runs under track.c's busy flag.
 */
#include <config.h>

#include <fcntl.h>
#include <unistd.h>

#include "fa.h"

/* Smaller reads do not start a stream (they continue one) */
#define FA_STREAM_MIN_READ 4096
#define FA_CURSORS 4

struct fa_cursor {
	int fd;			/* a destination */
	uint32_t gen;		/* fa_gen(fd) when it was first written */
	off_t next;		/* the source offset its writes continue */
};

struct fa_stream {
	bool valid;
	bool checked;		/* why, st and kind are set */
	bool known;		/* the offsets below are the file's */
	enum fa_skip why;	/* why the source cannot be copied from */
	int fd;
	uint32_t gen;		/* fa_gen(fd) at the stream's start */
	struct stat st;		/* the source when checked */
	enum fa_dev_kind kind;	/* of st.st_dev */
	uint64_t pays;		/* the size from which copies pay there */
	/*
	 * Where the stream began, where its last read began and where it
	 * ended.  Until known, counted from the start; the first write that
	 * needs them makes them the file's, from fd's offset then
	 * (fa_stream_check()).
	 */
	off_t start;
	off_t last;
	off_t end;
	unsigned int n_cur;
	unsigned int victim;	/* the cursor replaced next when all are used */
	struct fa_cursor cur[FA_CURSORS];
};

static FA_TLS struct fa_stream fa_s;

void fa_stream_reset(void)
{
	fa_s.valid = false;
}

bool fa_stream_is(int fd)
{
	return fa_s.valid && fa_s.fd == fd && fa_s.gen == fa_gen(fd);
}

/* Move the stream's offsets and its cursors by delta: now the file's */
static void fa_stream_shift(struct fa_stream *s, off_t delta)
{
	unsigned int i;

	s->start += delta;
	s->last += delta;
	s->end += delta;
	for (i = 0; i < s->n_cur; i++)
		s->cur[i].next += delta;
	s->known = true;
}

void fa_stream_read(int fd, off_t pos, size_t n)
{
	struct fa_stream *s = &fa_s;

	if (fa_stream_is(fd)) {
		/* a pread names its offset: the counted ones get it too */
		if (pos >= 0 && !s->known)
			fa_stream_shift(s, pos - s->end);
		s->last = pos >= 0 ? pos : s->end;
		s->end = s->last + (off_t)n;
		return;
	}
	if (n < FA_STREAM_MIN_READ)
		return;
	s->valid = true;
	s->checked = false;
	s->known = pos >= 0;
	s->fd = fd;
	s->gen = fa_gen(fd);
	s->start = s->last = pos >= 0 ? pos : 0;
	s->end = s->start + (off_t)n;
	s->n_cur = 0;
	s->victim = 0;
}

/* Why the stream's source cannot be copied from, decided once */
static enum fa_skip fa_stream_check(struct fa_stream *s)
{
	enum fa_skip why = FA_SKIP_NONE;
	off_t pos;

	if (s->checked)
		return s->why;
	s->checked = true;
	s->kind = FA_DEV_UNLISTED;
	if (fstat(s->fd, &s->st) < 0 || !S_ISREG(s->st.st_mode)) {
		why = FA_SKIP_src_not_regular;
	} else {
		s->kind = fa_dev_kind(s->fd, s->st.st_dev, &s->pays);
		why = fa_kind_skip(s->kind);
	}
	if (why == FA_SKIP_NONE && (fcntl(s->fd, F_GETFL) & O_DIRECT))
		why = FA_SKIP_src_flags;
	if (why == FA_SKIP_NONE && !s->known) {
		/* the reads since the start end at fd's offset now */
		pos = lseek(s->fd, 0, SEEK_CUR);
		if (pos < s->end)
			why = FA_SKIP_src_offset;
		else
			fa_stream_shift(s, pos - s->end);
	}
	s->why = why;
	return why;
}

/* The cursor of destination fd, a new one at the stream's start */
static struct fa_cursor *fa_cursor_of(struct fa_stream *s, int fd)
{
	uint32_t gen = fa_gen(fd);
	unsigned int i;

	for (i = 0; i < s->n_cur; i++)
		if (s->cur[i].fd == fd && s->cur[i].gen == gen)
			return &s->cur[i];
	if (s->n_cur < FA_CURSORS)
		i = s->n_cur++;
	else
		i = s->victim++ % FA_CURSORS;
	s->cur[i].fd = fd;
	s->cur[i].gen = gen;
	s->cur[i].next = s->start;
	return &s->cur[i];
}

/*
 * The match before the copy: the first and the last page of the write
 * (where a buffered writer's other bytes, a header or the next piece,
 * would differ), as fa_src_same() says.  Every byte is compared after the
 * copy, by fa_write_copy()'s re-read: a write that differs only inside
 * is copied, then repaired by writing it (preload_verify_failures), and
 * comparing all of it twice cost more than the copy saved.
 */
#define FA_PROBE 4096

static int fa_src_ends_same(int fd, off_t off, const char *buf, size_t n)
{
	int same;

	if (n <= 2 * FA_PROBE)
		return fa_src_same(fd, off, buf, n, true);
	same = fa_src_same(fd, off, buf, FA_PROBE, true);
	if (same != 1)
		return same;
	return fa_src_same(fd, off + (off_t)(n - FA_PROBE),
			   buf + n - FA_PROBE, FA_PROBE, true);
}

ssize_t fa_stream_write(int fd, const char *buf, size_t n, off_t off,
			bool has_off, enum fa_skip *why, bool *fallback)
{
	struct fa_stream *s = &fa_s;
	struct fa_cursor *c;
	struct fa_src src;
	struct stat dst;
	off_t at[2];
	int same = 0;
	int n_at = 1;
	int i;
	ssize_t ret;

	*fallback = true;
	if (!s->valid) {
		*why = FA_SKIP_untracked;
		return -1;
	}
	if (fa_gen(s->fd) != s->gen) {
		*why = FA_SKIP_fd_reused;
		return -1;
	}
	*why = fa_stream_check(s);
	if (*why == FA_SKIP_NONE && n < s->pays)
		*why = FA_SKIP_slower;
	if (*why != FA_SKIP_NONE)
		return -1;
	*why = fa_dst_check(fd, &s->st, s->kind, &dst);
	if (*why != FA_SKIP_NONE)
		return -1;
	/* The state the re-read after the copy must find again */
	if (fstat(s->fd, &src.st) < 0 || src.st.st_dev != s->st.st_dev ||
	    src.st.st_ino != s->st.st_ino) {
		*why = FA_SKIP_src_changed;
		return -1;
	}
	c = fa_cursor_of(s, fd);
	at[0] = c->next;
	if (s->last != c->next)
		at[n_at++] = s->last;
	for (i = 0; i < n_at; i++) {
		same = fa_src_ends_same(s->fd, at[i], buf, n);
		if (same != 0)
			break;
	}
	if (same != 1) {
		*why = FA_SKIP_unmatched;
		return -1;
	}
	src.fd = s->fd;
	src.gen = s->gen;
	src.map_gen = 0;
	src.peek = true;
	src.off = at[i];
	ret = fa_write_copy(&src, fd, buf, n, off, has_off, &dst, fallback);
	if (*fallback) {
		*why = FA_SKIP_copy_failed;
		return -1;
	}
	*why = FA_SKIP_NONE;
	if (ret > 0)
		c->next = at[i] + ret;
	return ret;
}
