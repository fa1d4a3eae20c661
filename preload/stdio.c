// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * stdio.c: the fwrite(3) and fread(3) wrappers.
 *
 * glibc's stdio calls its own read and write, inside libc: a program
 * that copies with fread and fwrite (tee, many C programs) makes no call
 * that the read and write wrappers see.  So:
 *
 *  - fread and fread_unlocked tell match.c how many bytes came through
 *    which descriptor, from where (ftello(3), only when a new stream
 *    starts), so that the stream's writes can be matched with them;
 *  - fwrite and fwrite_unlocked of at least FNACCEL_MIN_SIZE bytes to a
 *    write-only, fully buffered or unbuffered stream on a file do what
 *    glibc does for a large fwrite, with our write: the stream's pending
 *    bytes are flushed, the whole blocks of the request (all of it when
 *    unbuffered) go to write(2) straight from the caller's buffer
 *    through track.c's fa_write(), where they may become a copy, and the rest goes into
 *    the stream's buffer through libc's fwrite.  The file's bytes and
 *    offset, the return value, errno and the error indicator are what
 *    glibc gives; the stream's cached offset moves as glibc moves it.
 *
 * A line-buffered, wide-oriented or read-write stream is libc's alone
 * (counted as stdio), as is a stream with no descriptor (fmemopen).
 */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <sys/stat.h>
#include <wchar.h>

#include "fa.h"

/* bits/stdio.h makes these macros when optimizing: we define them */
#undef fread_unlocked
#undef fwrite_unlocked

/* glibc's own names of the locking calls, for the bootstrap */
size_t _IO_fwrite(const void *p, size_t size, size_t n, FILE *f);
size_t _IO_fread(void *p, size_t size, size_t n, FILE *f);

static size_t fa_call_fwrite(const void *p, size_t size, size_t n, FILE *f,
			     bool unlocked)
{
	if (unlocked && fa_resolved() && fa_real.fwrite_unlocked)
		return fa_real.fwrite_unlocked(p, size, n, f);
	if (!unlocked && fa_resolved() && fa_real.fwrite)
		return fa_real.fwrite(p, size, n, f);
	return _IO_fwrite(p, size, n, f);
}

/* An fwrite for libc alone, counted: why, and the bytes libc took */
static size_t fa_fwrite_passed(enum fa_skip why, const void *p, size_t size,
			       size_t n, FILE *f, bool unlocked)
{
	size_t ret;

	fa_count_skip(why);
	ret = fa_call_fwrite(p, size, n, f, unlocked);
	fa_count_passed((ssize_t)(ret * size));
	return ret;
}

static size_t fa_call_fread(void *p, size_t size, size_t n, FILE *f,
			    bool unlocked)
{
	if (unlocked && fa_resolved() && fa_real.fread_unlocked)
		return fa_real.fread_unlocked(p, size, n, f);
	if (!unlocked && fa_resolved() && fa_real.fread)
		return fa_real.fread(p, size, n, f);
	return _IO_fread(p, size, n, f);
}

/* The stream's block: its buffer's size, else what glibc will allocate */
static size_t fa_block(FILE *f, int fd)
{
	struct stat st;
	size_t bs = __fbufsize(f);

	if (bs == 0)
		bs = fstat(fd, &st) == 0 && st.st_blksize > 0 ?
			     (size_t)st.st_blksize : BUFSIZ;
	return bs;
}

/* fwrite with f locked by the caller: see the top */
static size_t fa_fwrite(const char *p, size_t size, size_t n, FILE *f)
{
	size_t total = size * n;
	size_t direct;
	size_t done = 0;
	size_t bs;
	ssize_t w;
	int fd = fileno_unlocked(f);

	if (fd < 0)
		return fa_call_fwrite(p, size, n, f, true);
	if (total < fa_config.min_size)
		return fa_fwrite_passed(FA_SKIP_small, p, size, n, f, true);
	if (__freadable(f) || !__fwritable(f) || __flbf(f) ||
	    fwide(f, 0) > 0)
		return fa_fwrite_passed(FA_SKIP_stdio, p, size, n, f, true);
	/* glibc writes whole blocks directly, all of it when unbuffered */
	bs = fa_block(f, fd);
	direct = bs >= 128 ? total - total % bs : total;
	if (direct < fa_config.min_size)
		return fa_fwrite_passed(FA_SKIP_small, p, size, n, f, true);
	if (__fpending(f) > 0 && fflush_unlocked(f) != 0)
		return 0;	/* glibc's error indicator and errno are set */
	while (done < direct) {
		w = fa_write(fd, p + done, direct - done, 0, false);
		if (w <= 0) {
			f->_flags |= _IO_ERR_SEEN;
			break;
		}
		done += (size_t)w;
	}
	if (f->_offset >= 0)
		f->_offset += (off_t)done;
	if (done == direct && total > direct)
		done += fa_call_fwrite(p + direct, 1, total - direct, f, true);
	return done / size;
}

static void fa_unlock(void *f)
{
	funlockfile(f);
}

FA_EXPORT size_t fwrite(const void *p, size_t size, size_t n, FILE *f)
{
	size_t ret;

	if (!fa_active() || size == 0 || n == 0 || n > SIZE_MAX / size)
		return fa_call_fwrite(p, size, n, f, false);
	/*
	 * The usual small fwrite is libc's alone, as fa_fwrite() would
	 * decide: counted here, without locking the stream a second time
	 */
	if (size * n < fa_config.min_size && fileno_unlocked(f) >= 0)
		return fa_fwrite_passed(FA_SKIP_small, p, size, n, f, false);
	flockfile(f);
	/* write(2) is a cancellation point: never leave the stream locked */
	pthread_cleanup_push(fa_unlock, f);
	ret = fa_fwrite(p, size, n, f);
	pthread_cleanup_pop(1);
	return ret;
}

FA_EXPORT size_t fwrite_unlocked(const void *p, size_t size, size_t n,
				 FILE *f)
{
	if (!fa_active() || size == 0 || n == 0 || n > SIZE_MAX / size)
		return fa_call_fwrite(p, size, n, f, true);
	return fa_fwrite(p, size, n, f);
}

/* bytes came from f: where they start, for match.c's stream */
static void fa_fread_seen(FILE *f, size_t bytes)
{
	int saved_errno = errno;
	int fd = fileno_unlocked(f);
	off_t pos;

	if (fd < 0 || !fa_busy_enter())
		return;
	if (fa_stream_is(fd)) {
		fa_stream_read(fd, -1, bytes);
	} else {
		pos = ftello(f);
		if (pos >= (off_t)bytes)
			fa_stream_read(fd, pos - (off_t)bytes, bytes);
	}
	fa_busy_leave();
	errno = saved_errno;
}

FA_EXPORT size_t fread(void *p, size_t size, size_t n, FILE *f)
{
	size_t ret = fa_call_fread(p, size, n, f, false);

	if (ret > 0 && fa_active())
		fa_fread_seen(f, ret * size);
	return ret;
}

FA_EXPORT size_t fread_unlocked(void *p, size_t size, size_t n, FILE *f)
{
	size_t ret = fa_call_fread(p, size, n, f, true);

	if (ret > 0 && fa_active())
		fa_fread_seen(f, ret * size);
	return ret;
}
