// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * helper.h: what the C programs of tests/helpers/ share, so that each
 * says its errors, writes and reads back its files the same way.  A program defines
 * HP_NAME, the word its messages start with, before it includes this.
 *
 * The reads stay in each program: a fortified build (pl-adv-fortify,
 * fa-check) must call read(2) on a buffer whose size the compiler sees
 * there, which makes it __read_chk.
 */
#ifndef HP_HELPER_H
#define HP_HELPER_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef HP_NAME
#error "define HP_NAME, the program's name in its messages"
#endif

/* "NAME: message: strerror(errno)" on stderr, after stdout; exit 1 */
static inline void __attribute__((noreturn, format(printf, 1, 2)))
hp_die(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	fflush(stdout);
	fputs(HP_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(e));
	exit(1);
}

/*
 * All n bytes of buf to fd, a partial write or EINTR continued: 0, or
 * -errno of the write that failed (EIO for one that wrote nothing).
 */
static inline int hp_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* hp_write_all(), a failure the end of the program */
static inline void hp_write_all_or_die(int fd, const void *buf, size_t n)
{
	if (hp_write_all(fd, buf, n) < 0)
		hp_die("write");
}

/* open(2) with mode 0644 for a new file, a failure the end */
static inline int hp_open(const char *path, int flags)
{
	int fd = open(path, flags, 0644);

	if (fd < 0)
		hp_die("open %s", path);
	return fd;
}

static inline off_t hp_file_size(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		hp_die("fstat");
	return st.st_size;
}

/* A whole file in a fresh buffer (malloc'd, a byte to spare), its size */
static inline char *hp_slurp(const char *path, size_t *len)
{
	int fd = hp_open(path, O_RDONLY);
	size_t size = (size_t)hp_file_size(fd);
	char *p = malloc(size + 1);
	size_t got = 0;
	ssize_t n;

	if (!p)
		hp_die("malloc");
	while (got < size) {
		n = pread(fd, p + got, size - got, (off_t)got);
		if (n <= 0)
			hp_die("pread %s", path);
		got += (size_t)n;
	}
	close(fd);
	*len = size;
	return p;
}

#ifdef FN_FRONTEND_H
/* An option's number, with the engine's size words: 0, or -1 said */
static inline int hp_parse_size(const char *what, const char *s, uint64_t *v)
{
	if (fn_parse_size(s, v) < 0) {
		fprintf(stderr, HP_NAME ": %s=%s: not a size\n", what, s);
		return -1;
	}
	return 0;
}
#endif

#endif /* HP_HELPER_H */
