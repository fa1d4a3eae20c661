// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fp-ops.c: file operations the shell has no command for, for the
 * fnpassfs tests.  Each prints one line: the result (0, an offset or
 * the bytes read) or the errno's name (EEXIST), so a test compares the
 * exact outcome; the exit status is 0 unless the arguments were wrong.
 *
 *   fp-ops rename2 OLD NEW noreplace|exchange|none
 *   fp-ops tmpfile DIR [LINKNAME]   O_TMPFILE, write "tmp", link it
 *   fp-ops falloc FILE plain|keep|punch|zero|collapse OFF LEN
 *   fp-ops seek FILE data|hole OFF
 *   fp-ops pwrite FILE OFF TEXT     at any 64-bit offset
 *   fp-ops pread FILE OFF LEN
 *   fp-ops mmapw FILE OFF TEXT      through a shared writable mapping
 *   fp-ops mmapr FILE OFF LEN
 *   fp-ops utimens FILE ASEC ANSEC MSEC MNSEC  ("now"/"omit" as nsec)
 *   fp-ops lock FILE HOLD_SECONDS   F_SETLK write lock, hold, print 0
 *   fp-ops trylock FILE             F_SETLK write lock: 0 or EAGAIN
 *   fp-ops ofdtrylock FILE          F_OFD_SETLK write lock
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(int err)
{
	const char *name = strerrorname_np(err);

	printf("%s\n", name ? name : "EUNKNOWN");
	return 0;
}

static long long num(const char *s)
{
	return strtoll(s, NULL, 0);
}

static int usage(void)
{
	fprintf(stderr, "fp-ops: bad arguments (see fp-ops.c)\n");
	return 2;
}

static int do_rename2(char **av)
{
	unsigned int flags = 0;

	if (strcmp(av[2], "noreplace") == 0)
		flags = RENAME_NOREPLACE;
	else if (strcmp(av[2], "exchange") == 0)
		flags = RENAME_EXCHANGE;
	if (renameat2(AT_FDCWD, av[0], AT_FDCWD, av[1], flags) < 0)
		return fail(errno);
	return puts("0"), 0;
}

static int do_tmpfile(int ac, char **av)
{
	char path[64];
	int fd = open(av[0], O_TMPFILE | O_RDWR, 0640);

	if (fd < 0)
		return fail(errno);
	if (write(fd, "tmp", 3) != 3)
		return fail(errno);
	if (ac > 1) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (linkat(AT_FDCWD, path, AT_FDCWD, av[1],
			   AT_SYMLINK_FOLLOW) < 0)
			return fail(errno);
	}
	return puts("0"), 0;
}

static int do_falloc(char **av)
{
	int mode = 0;
	int fd = open(av[0], O_RDWR);

	if (strcmp(av[1], "keep") == 0)
		mode = FALLOC_FL_KEEP_SIZE;
	else if (strcmp(av[1], "punch") == 0)
		mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	else if (strcmp(av[1], "zero") == 0)
		mode = FALLOC_FL_ZERO_RANGE;
	else if (strcmp(av[1], "collapse") == 0)
		mode = FALLOC_FL_COLLAPSE_RANGE;
	if (fd < 0)
		return fail(errno);
	if (fallocate(fd, mode, num(av[2]), num(av[3])) < 0)
		return fail(errno);
	return puts("0"), 0;
}

static int do_seek(char **av)
{
	int fd = open(av[0], O_RDONLY);
	off_t r;

	if (fd < 0)
		return fail(errno);
	r = lseek(fd, num(av[2]), strcmp(av[1], "data") == 0 ? SEEK_DATA :
							      SEEK_HOLE);
	if (r < 0)
		return fail(errno);
	return printf("%lld\n", (long long)r), 0;
}

static int do_pwrite(char **av)
{
	int fd = open(av[0], O_WRONLY | O_CREAT, 0644);
	size_t len = strlen(av[2]);

	if (fd < 0)
		return fail(errno);
	if (pwrite(fd, av[2], len, num(av[1])) != (ssize_t)len)
		return fail(errno);
	return puts("0"), 0;
}

static int do_pread(char **av)
{
	size_t len = num(av[2]);
	char *buf = malloc(len + 1);
	int fd = open(av[0], O_RDONLY);
	ssize_t n;

	if (fd < 0 || buf == NULL)
		return fail(errno);
	n = pread(fd, buf, len, num(av[1]));
	if (n < 0)
		return fail(errno);
	fwrite(buf, 1, n, stdout);
	return puts(""), 0;
}

static int do_mmap(char **av, int writing)
{
	off_t off = num(av[1]);
	off_t base = off & ~(off_t)(sysconf(_SC_PAGESIZE) - 1);
	size_t len = writing ? strlen(av[2]) : (size_t)num(av[2]);
	size_t maplen = (off - base) + len;
	int fd = open(av[0], writing ? O_RDWR : O_RDONLY);
	char *p;

	if (fd < 0)
		return fail(errno);
	p = mmap(NULL, maplen, writing ? PROT_READ | PROT_WRITE : PROT_READ,
		 MAP_SHARED, fd, base);
	if (p == MAP_FAILED)
		return fail(errno);
	if (writing) {
		memcpy(p + (off - base), av[2], len);
		if (msync(p, maplen, MS_SYNC) < 0)
			return fail(errno);
		puts("0");
	} else {
		fwrite(p + (off - base), 1, len, stdout);
		puts("");
	}
	munmap(p, maplen);
	return 0;
}

static void ts(struct timespec *t, const char *sec, const char *nsec)
{
	t->tv_sec = num(sec);
	if (strcmp(nsec, "now") == 0)
		t->tv_nsec = UTIME_NOW;
	else if (strcmp(nsec, "omit") == 0)
		t->tv_nsec = UTIME_OMIT;
	else
		t->tv_nsec = num(nsec);
}

static int do_utimens(char **av)
{
	struct timespec t[2];

	ts(&t[0], av[1], av[2]);
	ts(&t[1], av[3], av[4]);
	if (utimensat(AT_FDCWD, av[0], t, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(errno);
	return puts("0"), 0;
}

static int do_lock(char **av, int cmd, int hold)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd = open(av[0], O_RDWR);

	if (fd < 0)
		return fail(errno);
	if (fcntl(fd, cmd, &fl) < 0)
		return fail(errno);
	puts("0");
	fflush(stdout);
	if (hold)
		sleep(num(av[1]));
	return 0;
}

int main(int argc, char **argv)
{
	const char *op;
	char **av = argv + 2;
	int ac = argc - 2;

	if (argc < 3)
		return usage();
	op = argv[1];
	if (strcmp(op, "rename2") == 0 && ac == 3)
		return do_rename2(av);
	if (strcmp(op, "tmpfile") == 0 && ac >= 1)
		return do_tmpfile(ac, av);
	if (strcmp(op, "falloc") == 0 && ac == 4)
		return do_falloc(av);
	if (strcmp(op, "seek") == 0 && ac == 3)
		return do_seek(av);
	if (strcmp(op, "pwrite") == 0 && ac == 3)
		return do_pwrite(av);
	if (strcmp(op, "pread") == 0 && ac == 3)
		return do_pread(av);
	if (strcmp(op, "mmapw") == 0 && ac == 3)
		return do_mmap(av, 1);
	if (strcmp(op, "mmapr") == 0 && ac == 3)
		return do_mmap(av, 0);
	if (strcmp(op, "utimens") == 0 && ac == 5)
		return do_utimens(av);
	if (strcmp(op, "lock") == 0 && ac == 2)
		return do_lock(av, F_SETLK, 1);
	if (strcmp(op, "trylock") == 0 && ac == 1)
		return do_lock(av, F_SETLK, 0);
	if (strcmp(op, "ofdtrylock") == 0 && ac == 1)
		return do_lock(av, F_OFD_SETLK, 0);
	return usage();
}
