// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fa-check.c: copy patterns that try to fool libfnaccel.so's read/write
 * tracking, for t1005.  `fa-check SCENARIO SRC DST [OTHER]` copies SRC to
 * DST with a read/write loop of 128 KiB blocks while doing what SCENARIO
 * says between the read and the write, then checks that DST holds exactly
 * the bytes the program wrote (the buffers as they were at write time).
 * Exit 0 if it does, 1 if not (with a message), 2 on a usage error.
 * It runs the same with and without the library.
 */
#include <config.h>

/* Built fortified where it can be, as distributions build programs: its
 * reads then go through __read_chk and __pread_chk */
#if defined(__OPTIMIZE__) && !defined(_FORTIFY_SOURCE)
#define _FORTIFY_SOURCE 2
#endif

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define HP_NAME "fa-check"
#include "helper.h"

#define BLK (128 * 1024)

/* Not a constant to the compiler: fortified reads check it at run time */
static volatile size_t blk_len = BLK;

/* DST must equal the expected bytes in exp (len) */
static int check(const char *dst, const char *exp, size_t len)
{
	size_t size;
	char *got = hp_slurp(dst, &size);
	int bad = size != len || memcmp(got, exp, len) != 0;

	if (bad)
		fprintf(stderr, "fa-check: %s: not the bytes written "
			"(%zu of %zu)\n", dst, size, len);
	free(got);
	return bad;
}

/*
 * One block through a shared mapping of the source: the pages are dirtied
 * first (that updates mtime), then read, then changed again through the
 * mapping (dirty pages fault no more: no new timestamp), then written.
 */
static int scenario_mmap(const char *src, const char *dst)
{
	static char buf[BLK];
	int in = open(src, O_RDWR);
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	char *map;

	if (in < 0 || out < 0)
		hp_die("open");
	map = mmap(NULL, BLK, PROT_READ | PROT_WRITE, MAP_SHARED, in, 0);
	if (map == MAP_FAILED)
		hp_die("mmap");
	for (size_t i = 0; i < BLK; i += 4096)
		map[i] ^= 0x55;
	if (read(in, buf, BLK) != BLK)
		hp_die("read");
	memset(map, 'M', BLK);
	hp_write_all_or_die(out, buf, BLK);
	munmap(map, BLK);
	close(in);
	close(out);
	return check(dst, buf, BLK);
}

/* Blocks copied with something done to them between read and write */
static int scenario_loop(const char *how, const char *src, const char *dst,
			 const char *other)
{
	static char buf[BLK];
	size_t len = 0;
	char *all = NULL;
	ssize_t n;
	int in = open(src, O_RDWR);
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int blk = 0;

	if (in < 0 || out < 0)
		hp_die("open");
	for (;;) {
		n = read(in, buf, blk_len);
		if (n < 0)
			hp_die("read");
		if (n == 0)
			break;
		if (strcmp(how, "edit") == 0) {
			buf[n / 2] ^= 1;
		} else if (strcmp(how, "pwrite") == 0 && blk % 2 == 0) {
			/* Another writer changes what was just read */
			int w = open(src, O_WRONLY);

			if (w < 0 || pwrite(w, "XYZ", 3,
					    lseek(in, 0, SEEK_CUR) - n) != 3)
				hp_die("pwrite");
			close(w);
		} else if (strcmp(how, "truncate") == 0 && blk == 3) {
			if (truncate(src, BLK * 2) < 0)
				hp_die("truncate");
		} else if (strcmp(how, "reuse") == 0 && blk == 1) {
			/* Same fd number, another file, same offset */
			off_t pos = lseek(in, 0, SEEK_CUR);
			int fd;

			close(in);
			fd = open(other, O_RDONLY);
			if (fd != in)
				hp_die("reopen got another number");
			lseek(fd, pos, SEEK_SET);
		} else if (strcmp(how, "dup2") == 0 && blk == 1) {
			off_t pos = lseek(in, 0, SEEK_CUR);
			int fd = open(other, O_RDONLY);

			if (fd < 0 || dup2(fd, in) != in)
				hp_die("dup2");
			close(fd);
			lseek(in, pos, SEEK_SET);
		}
		all = realloc(all, len + (size_t)n);
		if (all == NULL)
			hp_die("realloc");
		memcpy(all + len, buf, (size_t)n);
		len += (size_t)n;
		hp_write_all_or_die(out, buf, (size_t)n);
		blk++;
	}
	close(in);
	close(out);
	return check(dst, all, len);
}

/* The same buffer to two files, as tee does */
static int scenario_tee(const char *src, const char *dst, const char *dst2)
{
	static char buf[BLK];
	int in = open(src, O_RDONLY);
	int o1 = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int o2 = open(dst2, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (in < 0 || o1 < 0 || o2 < 0)
		hp_die("open");
	while ((n = read(in, buf, BLK)) > 0) {
		hp_write_all_or_die(o1, buf, (size_t)n);
		hp_write_all_or_die(o2, buf, (size_t)n);
	}
	close(in);
	close(o1);
	close(o2);
	return 0;
}

/* pread/pwrite at offsets, backwards */
static int scenario_pread(const char *src, const char *dst)
{
	static char buf[BLK];
	struct stat st;
	int in = open(src, O_RDONLY);
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	off_t off;
	ssize_t n;

	if (in < 0 || out < 0 || fstat(in, &st) < 0)
		hp_die("open");
	for (off = (st.st_size - 1) / BLK * BLK; off >= 0; off -= BLK) {
		n = pread(in, buf, blk_len, off);
		if (n <= 0 || pwrite(out, buf, (size_t)n, off) != n)
			hp_die("pread/pwrite");
	}
	close(in);
	close(out);
	return 0;
}

/* A timer's handler reads and writes 128 KiB blocks during the copy */
static int sig_in = -1;
static int sig_out = -1;
static void on_alarm(int sig)
{
	static char hbuf[BLK];
	int saved = errno;
	ssize_t n = pread(sig_in, hbuf, BLK, 0);

	if (n > 0 && pwrite(sig_out, hbuf, (size_t)n, 0) != n)
		abort();
	errno = saved;
}

static int scenario_signal(const char *src, const char *dst,
			   const char *other)
{
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	struct sigaction sa = { .sa_handler = on_alarm };
	static char buf[BLK];
	int in = open(src, O_RDONLY);
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	sig_in = open(src, O_RDONLY);
	sig_out = open(other, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (in < 0 || out < 0 || sig_in < 0 || sig_out < 0)
		hp_die("open");
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (;;) {
		n = read(in, buf, BLK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			hp_die("read");
		if (n == 0)
			break;
		hp_write_all_or_die(out, buf, (size_t)n);
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	close(in);
	close(out);
	return 0;
}

/* Four threads, each its own copy */
struct job {
	char src[4096];
	char dst[4096];
	int ret;
};

static void *copy_thread(void *arg)
{
	struct job *j = arg;
	char *buf = malloc(BLK);
	int in = open(j->src, O_RDONLY);
	int out = open(j->dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (buf == NULL || in < 0 || out < 0)
		hp_die("open");
	while ((n = read(in, buf, BLK)) > 0)
		hp_write_all_or_die(out, buf, (size_t)n);
	j->ret = n < 0;
	close(in);
	close(out);
	free(buf);
	return NULL;
}

static int scenario_threads(const char *src, const char *dst)
{
	struct job jobs[4];
	pthread_t th[4];
	int ret = 0;
	int i;

	for (i = 0; i < 4; i++) {
		snprintf(jobs[i].src, sizeof(jobs[i].src), "%s", src);
		snprintf(jobs[i].dst, sizeof(jobs[i].dst), "%s.%d", dst, i);
		if (pthread_create(&th[i], NULL, copy_thread, &jobs[i]))
			hp_die("pthread_create");
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		ret |= jobs[i].ret;
	}
	return ret;
}

/*
 * The buffer made unreadable between the read and the write, in each way
 * the library watches: the write and a pwrite must fail with EFAULT (and
 * the library must not crash reading the buffer itself).  A guard page
 * needs Linux 6.13: where madvise refuses it, that way is left out.
 * Prints the number of ways tried.
 */
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

static void *unmap_thread(void *p)
{
	return (void *)(long)munmap(p, BLK);
}

static int unreadable(int how, char *p)
{
	pthread_t th;
	void *ret;
	char *q;

	switch (how) {
	case 0:
		return mprotect(p, BLK, PROT_NONE);
	case 1:
		return munmap(p, BLK);
	case 2:
		q = mmap(p, BLK, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
			 MAP_FIXED, -1, 0);
		return q == p ? 0 : -1;
	case 3:
		q = mmap(NULL, BLK, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		if (q == MAP_FAILED)
			return -1;
		q = mremap(p, BLK, BLK, MREMAP_MAYMOVE | MREMAP_FIXED, q);
		return q == MAP_FAILED ? -1 : 0;
	case 4:
		if (pthread_create(&th, NULL, unmap_thread, p) ||
		    pthread_join(th, &ret))
			return -1;
		return (int)(long)ret;
	default:
		return madvise(p, BLK, MADV_GUARD_INSTALL) ? 1 : 0;
	}
}

static int scenario_efault(const char *src, const char *dst)
{
	static const char *const ways[] = {
		"mprotect", "munmap", "mmap MAP_FIXED", "mremap", "thread",
		"guard page"
	};
	int in = open(src, O_RDONLY);
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t w, pw;
	int tried = 0;
	int ret = 0;
	char *p;
	int r;

	if (in < 0 || out < 0)
		hp_die("open");
	for (int i = 0; i < 6; i++) {
		p = mmap(NULL, BLK, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			hp_die("mmap");
		if (pread(in, p, blk_len, 0) != BLK)
			hp_die("pread");
		r = unreadable(i, p);
		if (r > 0)
			continue;	/* no guard pages here */
		if (r < 0)
			hp_die("%s", ways[i]);
		tried++;
		errno = 0;
		w = write(out, p, BLK);
		if (w != -1 || errno != EFAULT) {
			fprintf(stderr, "fa-check: %s: write %zd, %s\n",
				ways[i], w, strerror(errno));
			ret = 1;
		}
		errno = 0;
		pw = pwrite(out, p, BLK, 0);
		if (pw != -1 || errno != EFAULT) {
			fprintf(stderr, "fa-check: %s: pwrite %zd, %s\n",
				ways[i], pw, strerror(errno));
			ret = 1;
		}
	}
	close(in);
	close(out);
	printf("%d\n", tried);
	return ret;
}

int main(int argc, char **argv)
{
	const char *how;

	if (argc < 4) {
		fprintf(stderr, "usage: fa-check SCENARIO SRC DST [OTHER]\n");
		return 2;
	}
	how = argv[1];
	if (strcmp(how, "mmap") == 0)
		return scenario_mmap(argv[2], argv[3]);
	if (strcmp(how, "tee") == 0 && argc > 4)
		return scenario_tee(argv[2], argv[3], argv[4]);
	if (strcmp(how, "pread") == 0)
		return scenario_pread(argv[2], argv[3]);
	if (strcmp(how, "signal") == 0 && argc > 4)
		return scenario_signal(argv[2], argv[3], argv[4]);
	if (strcmp(how, "threads") == 0)
		return scenario_threads(argv[2], argv[3]);
	if (strcmp(how, "efault") == 0)
		return scenario_efault(argv[2], argv[3]);
	if (strcmp(how, "edit") == 0 || strcmp(how, "pwrite") == 0 ||
	    strcmp(how, "truncate") == 0 || strcmp(how, "plain") == 0 ||
	    ((strcmp(how, "reuse") == 0 || strcmp(how, "dup2") == 0) &&
	     argc > 4))
		return scenario_loop(how, argv[2], argv[3],
				     argc > 4 ? argv[4] : NULL);
	fprintf(stderr, "fa-check: %s: unknown scenario\n", how);
	return 2;
}
