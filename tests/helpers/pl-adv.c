// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pl-adv: adversarial copy loops for the preload (libfnaccel.so) tests.
 *
 *	pl-adv MODE ARGS...
 *
 * Each mode is a small program that copies with read(2)/write(2) (or
 * pread/pwrite, sendfile, copy_file_range) and does between the read and
 * the write something that makes substituting the write with a copy from
 * the source wrong: it edits the buffer, changes the source behind the
 * buffer's back (pwrite, truncate, a shared mmap), swaps the file behind
 * the source descriptor, reads another file from a signal handler ...
 * The program keeps, next to the file, the bytes a plain read/write copy
 * must produce (what its reads returned, after its own edits), and checks
 * the output file against them at the end.
 *
 * It prints a transcript on stdout: return values and errno names of the
 * calls whose results the preload must not change, and "match" or the
 * first differing offset.  t1502 runs each mode with and without the
 * preload and compares transcripts, output files and exit status.
 * Exit 0 when the output is what plain calls give, 1 otherwise or on an
 * unexpected error, 2 for usage.
 *
 * Built twice: pl-adv and pl-adv-fortify (-O2 -D_FORTIFY_SOURCE=2), which
 * imports __read_chk and __pread64_chk instead of read and pread.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define HP_NAME "pl-adv"
#include "helper.h"

#define PL_CHUNK	(128 * 1024)	/* above FNACCEL_MIN_SIZE (64K) */

/* the one copy buffer: a known size, so fortified builds use __read_chk */
static char buf[PL_CHUNK] __attribute__((aligned(4096)));
static size_t chunk = PL_CHUNK;

/* What a plain copy writes: the bytes the reads returned, after edits */
static char *expect;
static size_t expect_len;
static size_t expect_cap;

static const char *ename(int e)
{
	const char *s = strerrorname_np(e);

	return s ? s : "E?";
}

static void expect_add(const char *p, size_t n)
{
	if (expect_len + n > expect_cap) {
		expect_cap = (expect_len + n) * 2;
		expect = realloc(expect, expect_cap);
		if (!expect)
			hp_die("realloc");
	}
	memcpy(expect + expect_len, p, n);
	expect_len += n;
}

/* Successful calls that changed errno (libc's never do) */
static unsigned long errno_changed;

/* Write all n bytes (partial writes continued), or die */
static void write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		errno = EDOM;
		w = write(fd, p, n);
		if (w >= 0 && errno != EDOM)
			errno_changed++;
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			hp_die("write");
		p += w;
		n -= w;
	}
}

/* Compare a file with want[0..len); print the verdict; true on a match */
static bool check_file(const char *what, const char *path, const char *want,
		       size_t len, bool quiet)
{
	size_t size;
	size_t i;
	char *got = hp_slurp(path, &size);
	bool match = size == len && !memcmp(got, want, len);

	if (match) {
		if (!quiet)
			printf("%s: %zu bytes, match\n", what, size);
	} else {
		for (i = 0; i < size && i < len && got[i] == want[i]; i++)
			;
		printf("%s: %zu bytes (want %zu), MISMATCH at %zu\n", what,
		       size, len, i);
	}
	free(got);
	return match;
}

static int finish(const char *out)
{
	bool ok = check_file("out", out, expect, expect_len, false);

	if (errno_changed)
		printf("successful calls that changed errno: %lu\n",
		       errno_changed);

	fflush(stdout);
	return ok ? 0 : 1;
}

/*
 * The copy loop most modes share: read a chunk from in, call hook (which
 * may change buf, the source or the descriptors), remember buf as the
 * expected output, write it to out.  Returns the bytes copied.
 */
typedef void (*pl_hook)(int in, size_t n, off_t off, unsigned long i);

static size_t copy_loop(int in, int out, pl_hook hook)
{
	unsigned long i = 0;
	size_t total = 0;
	off_t off = 0;
	ssize_t n;

	for (;;) {
		errno = EDOM;
		n = read(in, buf, chunk);
		if (n >= 0 && errno != EDOM)
			errno_changed++;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			hp_die("read");
		if (n == 0)
			break;
		if (hook)
			hook(in, n, off, i);
		expect_add(buf, n);
		write_all(out, buf, n);
		off += n;
		total += n;
		i++;
	}
	return total;
}

static int mode_copy(int argc, char **argv)
{
	int in, out;
	size_t n;

	if (argc > 2)
		chunk = strtoul(argv[2], NULL, 0);
	if (!chunk || chunk > PL_CHUNK) {
		fprintf(stderr, "pl-adv: chunk 1..%d\n", PL_CHUNK);
		return 2;
	}
	in = hp_open(argv[0], O_RDONLY);
	out = hp_open(argv[1], O_WRONLY | O_CREAT | O_TRUNC);
	n = copy_loop(in, out, NULL);
	printf("copied %zu\n", n);
	if (close(out))
		hp_die("close");
	return finish(argv[1]);
}

/* edit: change the buffer between read and write, in every way */
static void edit_hook(int in, size_t n, off_t off, unsigned long i)
{
	switch (i % 5) {
	case 0:
		buf[0] ^= 0xff;			/* first byte */
		break;
	case 1:
		buf[n - 1] ^= 0x01;		/* last byte, one bit */
		break;
	case 2:
		buf[n / 2] ^= 0x80;		/* changed and changed back */
		buf[n / 2] ^= 0x80;
		break;
	case 3:
		memmove(buf + 1, buf, n - 1);	/* shifted by one */
		break;
	default:
		break;				/* unchanged */
	}
}

/* the source's second descriptor, for the modes that modify it */
static int src_rw = -1;
static char *src_map;

/* srcpwrite: overwrite the bytes just read, in the source file */
static void pwrite_hook(int in, size_t n, off_t off, unsigned long i)
{
	char x[16];
	size_t j;

	for (j = 0; j < sizeof(x); j++)
		x[j] = buf[(i * 4099 + j) % n] ^ 0x5a;
	if (pwrite(src_rw, x, sizeof(x), off + (i * 4099) % (n - 16)) < 0)
		hp_die("pwrite source");
}

/* srctrunc: cut the source inside the range just read, then regrow it */
static void trunc_hook(int in, size_t n, off_t off, unsigned long i)
{
	off_t size = hp_file_size(src_rw);

	if (ftruncate(src_rw, off + n / 2) || ftruncate(src_rw, size))
		hp_die("ftruncate source");
}

/* Map the source shared and writable, for mmap_hook */
static void map_source(off_t size)
{
	off_t o;

	src_map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       src_rw, 0);
	if (src_map == MAP_FAILED)
		hp_die("mmap");
	/* fault every page writable now: later stores change no time */
	for (o = 0; o < size; o += 4096)
		src_map[o] = src_map[o];
}

/* srcmmap: change the range just read through a shared mapping */
static void mmap_hook(int in, size_t n, off_t off, unsigned long i)
{
	src_map[off + (i * 8191) % n] ^= 0x33;
	src_map[off + n - 1] ^= 0x10;
}

static int mode_src(int argc, char **argv, pl_hook hook)
{
	int in, out;
	size_t n;
	off_t size;

	in = hp_open(argv[0], O_RDONLY);
	src_rw = hp_open(argv[0], O_RDWR);
	size = hp_file_size(in);
	if (hook == mmap_hook)
		map_source(size);
	out = hp_open(argv[1], O_WRONLY | O_CREAT | O_TRUNC);
	n = copy_loop(in, out, hook);
	printf("copied %zu\n", n);
	if (close(out))
		hp_die("close");
	return finish(argv[1]);
}

/*
 * other VARIANT IN OUT: each chunk read is copied to a second buffer and
 * written from there, as buffered writers do, so the preload can only
 * match it by content.  copy: unchanged; halves: in two writes; foreign:
 * bytes that are not the source's; half: the first half the source's,
 * the second not; srcpwrite, srcmmap: the source changed (by pwrite, by
 * a shared mapping) between the read and the write of the old bytes.
 */
static char buf2[PL_CHUNK];

static int mode_other(int argc, char **argv)
{
	const char *v = argv[0];
	unsigned long i = 0;
	size_t total = 0;
	off_t off = 0;
	size_t j;
	ssize_t n;
	int in, out;

	in = hp_open(argv[1], O_RDONLY);
	src_rw = hp_open(argv[1], O_RDWR);
	if (!strcmp(v, "srcmmap"))
		map_source(hp_file_size(in));
	out = hp_open(argv[2], O_WRONLY | O_CREAT | O_TRUNC);
	for (;; i++) {
		n = read(in, buf, chunk);
		if (n < 0)
			hp_die("read");
		if (n == 0)
			break;
		memcpy(buf2, buf, n);
		for (j = 0; j < (size_t)n; j++) {
			if (!strcmp(v, "foreign") ||
			    (!strcmp(v, "half") && j >= (size_t)n / 2))
				buf2[j] ^= 0x5a;
		}
		if (!strcmp(v, "srcpwrite"))
			pwrite_hook(in, n, off, i);
		else if (!strcmp(v, "srcmmap"))
			mmap_hook(in, n, off, i);
		expect_add(buf2, n);
		if (!strcmp(v, "halves")) {
			write_all(out, buf2, n / 2);
			write_all(out, buf2 + n / 2, n - n / 2);
		} else {
			write_all(out, buf2, n);
		}
		off += n;
		total += n;
	}
	printf("copied %zu\n", total);
	if (close(out))
		hp_die("close");
	return finish(argv[2]);
}

/* reusefd: the source descriptor names another file at write time */
static int reuse_other = -1;
static int reuse_saved = -1;
static const char *reuse_other_path;

static void reuse_hook(int in, size_t n, off_t off, unsigned long i)
{
	int fd;

	if (i % 2) {
		if (dup2(reuse_other, in) != in)
			hp_die("dup2");
		return;
	}
	/* closed and opened again: open takes the lowest free number */
	close(in);
	fd = open(reuse_other_path, O_RDONLY);
	if (fd < 0)
		hp_die("open %s", reuse_other_path);
	if (fd != in) {
		if (dup2(fd, in) != in)
			hp_die("dup2");
		close(fd);
	}
	if (lseek(in, off, SEEK_SET) != off)
		hp_die("lseek");
}

static int mode_reusefd(int argc, char **argv)
{
	unsigned long i = 0;
	size_t total = 0;
	off_t off = 0;
	int in, out;
	ssize_t n;

	in = hp_open(argv[0], O_RDONLY);
	reuse_saved = dup(in);
	reuse_other = hp_open(argv[1], O_RDONLY);
	reuse_other_path = argv[1];
	out = hp_open(argv[2], O_WRONLY | O_CREAT | O_TRUNC);
	for (;;) {
		/* the source back on in, at the offset where it was */
		if (dup2(reuse_saved, in) != in)
			hp_die("dup2");
		n = read(in, buf, chunk);
		if (n < 0)
			hp_die("read");
		if (n == 0)
			break;
		reuse_hook(in, n, off, i);
		expect_add(buf, n);
		write_all(out, buf, n);
		off += n;
		total += n;
		i++;
	}
	printf("copied %zu\n", total);
	if (close(out))
		hp_die("close");
	return finish(argv[2]);
}

/* dup: reads and writes alternate between duplicated descriptors */
static int mode_dup(int argc, char **argv)
{
	int in[3], out[3];
	unsigned long i = 0;
	size_t total = 0;
	ssize_t n;

	in[0] = hp_open(argv[0], O_RDONLY);
	in[1] = dup(in[0]);
	in[2] = fcntl(in[0], F_DUPFD_CLOEXEC, 100);
	out[0] = hp_open(argv[1], O_WRONLY | O_CREAT | O_TRUNC);
	out[1] = fcntl(out[0], F_DUPFD, 50);
	out[2] = dup(out[0]);
	if (in[1] < 0 || in[2] < 0 || out[1] < 0 || out[2] < 0)
		hp_die("dup");
	for (;; i++) {
		n = read(in[i % 3], buf, chunk);
		if (n < 0)
			hp_die("read");
		if (n == 0)
			break;
		expect_add(buf, n);
		write_all(out[(i / 2) % 3], buf, n);
		total += n;
		if (i % 4 == 3) {
			/* closed and duplicated again: a new number */
			close(out[0]);
			out[0] = dup(out[1]);
		}
	}
	printf("copied %zu\n", total);
	return finish(argv[1]);
}

/*
 * samefile: both sides are one file.  Copies [0, size) to [shift,
 * shift + size) chunk by chunk, reading through one descriptor and writing
 * through another; with shift < size the writes overwrite bytes not yet
 * read, which the later reads must see.  The expected result is the same
 * algorithm run on memory.
 */
static int mode_samefile(int argc, char **argv)
{
	size_t shift = strtoul(argv[1], NULL, 0);
	size_t size, done = 0;
	int r, w, d;
	char *mem;
	ssize_t n;

	mem = hp_slurp(argv[0], &size);
	mem = realloc(mem, size + shift + 1);
	if (!mem)
		hp_die("realloc");
	r = hp_open(argv[0], O_RDONLY);
	w = hp_open(argv[0], O_WRONLY);
	d = dup(r);
	while (done < size) {
		/* never past the old size: the copy grows the file */
		n = read(done % 2 ? d : r, buf,
			 size - done < chunk ? size - done : chunk);
		if (n < 0)
			hp_die("read");
		if (n == 0)
			break;
		memmove(mem + shift + done, mem + done, n);
		if (pwrite(w, buf, n, shift + done) != n)
			hp_die("pwrite");
		done += n;
	}
	printf("copied %zu\n", done);
	expect = mem;
	expect_len = size > shift + done ? size : shift + done;
	close(w);
	return finish(argv[0]);
}

/* split: each buffer written in two parts, tail first, with pwrite */
static int mode_split(int argc, char **argv)
{
	size_t total = 0, h;
	int in, out;
	ssize_t n;

	in = hp_open(argv[0], O_RDONLY);
	out = hp_open(argv[1], O_WRONLY | O_CREAT | O_TRUNC);
	for (;;) {
		n = read(in, buf, chunk);
		if (n < 0)
			hp_die("read");
		if (n == 0)
			break;
		h = n / 3;
		expect_add(buf, n);
		if (pwrite(out, buf + h, n - h, total + h) != n - (ssize_t)h ||
		    pwrite(out, buf, h, total) != (ssize_t)h)
			hp_die("pwrite");
		total += n;
	}
	printf("copied %zu\n", total);
	return finish(argv[1]);
}

/* reverse: pread chunk i, pwrite it where chunk (last - i) goes */
static int mode_reverse(int argc, char **argv)
{
	size_t size, nchunks, i, len;
	int in, out;
	ssize_t n;

	in = hp_open(argv[0], O_RDONLY);
	out = hp_open(argv[1], O_WRONLY | O_CREAT | O_TRUNC);
	size = hp_file_size(in);
	nchunks = size / chunk;		/* the tail is left out */
	expect = calloc(1, nchunks * chunk + 1);
	if (!expect)
		hp_die("calloc");
	expect_len = nchunks * chunk;
	for (i = 0; i < nchunks; i++) {
		len = chunk;
		n = pread(in, buf, len, i * chunk);
		if (n != (ssize_t)len)
			hp_die("pread");
		memcpy(expect + (nchunks - 1 - i) * chunk, buf, len);
		if (pwrite(out, buf, len, (nchunks - 1 - i) * chunk) != n)
			hp_die("pwrite");
	}
	printf("copied %zu\n", nchunks * chunk);
	return finish(argv[1]);
}

/*
 * sigread: SIGALRM at a high rate; the handler reads another file with
 * read(2) (through the same preload wrapper) while the main loop copies.
 */
static int sig_fd = -1;
static char sig_buf[PL_CHUNK];
static char *sig_want;
static size_t sig_want_len;
static volatile sig_atomic_t sig_runs;
static volatile sig_atomic_t sig_bad;

static void sig_handler(int sig)
{
	int e = errno;
	ssize_t n;

	if (lseek(sig_fd, 0, SEEK_SET) != 0) {
		sig_bad = 1;
	} else {
		n = read(sig_fd, sig_buf, sizeof(sig_buf));
		if (n != (ssize_t)(sig_want_len < sizeof(sig_buf) ?
				   sig_want_len : sizeof(sig_buf)) ||
		    memcmp(sig_buf, sig_want, n))
			sig_bad = 1;
	}
	sig_runs++;
	errno = e;
}

static int mode_sigread(int argc, char **argv)
{
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	struct sigaction sa = { .sa_handler = sig_handler };
	unsigned long rounds = 0;
	bool ok = true;
	int in, out;

	sig_want = hp_slurp(argv[1], &sig_want_len);
	sig_fd = hp_open(argv[1], O_RDONLY);
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) || setitimer(ITIMER_REAL, &it, NULL))
		hp_die("sigaction");
	/* copy again and again until the handler ran often */
	while (ok && (sig_runs < 200 || rounds < 3) && rounds < 200) {
		in = hp_open(argv[0], O_RDONLY);
		out = hp_open(argv[2], O_WRONLY | O_CREAT | O_TRUNC);
		expect_len = 0;
		copy_loop(in, out, NULL);
		close(in);
		if (close(out) && errno != EINTR)
			hp_die("close");
		rounds++;
		ok = check_file("out", argv[2], expect, expect_len, true);
	}
	it.it_value.tv_usec = it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	printf("handler ran: %s, its reads: %s\n",
	       sig_runs >= 200 ? "often" : "rarely",
	       sig_bad ? "WRONG" : "right");
	if (ok)
		printf("out: %zu bytes, match in every round\n", expect_len);
	fflush(stdout);
	return ok && !sig_bad && sig_runs >= 200 ? 0 : 1;
}

/*
 * eintr: reads from a pipe interrupted by a signal, with and without
 * SA_RESTART; the data read from the pipe goes to a regular file.
 */
static int notify[2] = { -1, -1 };

static void eintr_handler(int sig)
{
	int e = errno;

	if (write(notify[1], "n", 1) != 1)
		_exit(3);
	errno = e;
}

static void eintr_round(int out, bool restart)
{
	struct itimerval it = { { 0, 0 }, { 0, 100000 } };
	struct sigaction sa = { .sa_handler = eintr_handler };
	int data[2];
	pid_t pid;
	ssize_t n;
	int st;
	char c;

	if (pipe(data) || pipe(notify))
		hp_die("pipe");
	pid = fork();
	if (pid < 0)
		hp_die("fork");
	if (pid == 0) {
		/* writes the data only after the parent took the signal */
		close(data[0]);
		if (read(notify[0], &c, 1) != 1)
			_exit(1);
		memset(buf, restart ? 'R' : 'I', sizeof(buf));
		/* at most PIPE_BUF first: one read gets all of it */
		if (write(data[1], buf, 4000) != 4000)
			_exit(1);
		if (read(notify[0], &c, 1) != 1)
			_exit(1);
		_exit(write(data[1], buf, sizeof(buf)) == sizeof(buf) ? 0 : 1);
	}
	close(data[1]);
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) || setitimer(ITIMER_REAL, &it, NULL))
		hp_die("sigaction");
	errno = 0;
	n = read(data[0], buf, chunk);
	printf("%s read: %zd %s\n", restart ? "SA_RESTART" : "no SA_RESTART",
	       n, n < 0 ? ename(errno) : "");
	if (n < 0) {
		if (errno != EINTR)
			hp_die("read pipe");
		n = read(data[0], buf, chunk);
		printf("read again: %zd\n", n);
	}
	/* the rest (the child's second write) after a second notice */
	if (write(notify[1], "m", 1) != 1)
		hp_die("write notify");
	while (n > 0) {
		expect_add(buf, n);
		write_all(out, buf, n);
		n = read(data[0], buf, chunk);
	}
	if (n < 0)
		hp_die("read pipe");
	if (waitpid(pid, &st, 0) != pid || st)
		hp_die("child");
	close(data[0]);
	close(notify[0]);
	close(notify[1]);
}

static int mode_eintr(int argc, char **argv)
{
	int out = hp_open(argv[0], O_WRONLY | O_CREAT | O_TRUNC);

	eintr_round(out, false);
	eintr_round(out, true);
	close(out);
	return finish(argv[0]);
}

/* enospc: copy until the destination is full; print every write */
static int mode_enospc(int argc, char **argv)
{
	unsigned long long total = 0;
	ssize_t n, w, rest;
	int in, out;

	if (argc > 2)
		chunk = strtoul(argv[2], NULL, 0);
	in = hp_open(argv[0], O_RDONLY);
	out = hp_open(argv[1], O_WRONLY | O_CREAT | O_TRUNC);
	for (;;) {
		n = read(in, buf, chunk);
		if (n <= 0)
			break;
		errno = 0;
		w = write(out, buf, n);
		if (w < 0) {
			printf("write %zd: -1 %s\n", n, ename(errno));
			break;
		}
		expect_add(buf, w);
		total += w;
		if (w == n)
			continue;
		/* short: what a partial-write loop does next */
		printf("write %zd: %zd (short)\n", n, w);
		errno = 0;
		rest = n - w;
		w = write(out, buf + (n - rest), rest);
		printf("write rest %zd: %zd %s\n", rest, w,
		       w < 0 ? ename(errno) : "");
		if (w < 0)
			break;
		expect_add(buf + (n - rest), w);
		total += w;
	}
	printf("written %llu\n", total);
	errno = 0;
	w = fsync(out);
	printf("fsync: %zd %s\n", w, w ? ename(errno) : "");
	errno = 0;
	w = close(out);
	printf("close: %zd %s\n", w, w ? ename(errno) : "");
	return finish(argv[1]);
}

/* cfr: the program calls copy_file_range itself and reports each result */
static int mode_cfr(int argc, char **argv)
{
	unsigned long long total = 0;
	int in, out;
	ssize_t n;

	in = hp_open(argv[0], O_RDONLY);
	out = hp_open(argv[1], O_WRONLY | O_CREAT | O_TRUNC);
	for (;;) {
		errno = 0;
		n = copy_file_range(in, NULL, out, NULL, 1 << 20, 0);
		if (n < 0) {
			printf("copy_file_range: -1 %s\n", ename(errno));
			break;
		}
		if (n == 0)
			break;
		total += n;
	}
	printf("copied %llu, offsets %lld %lld\n", total,
	       (long long)lseek(in, 0, SEEK_CUR),
	       (long long)lseek(out, 0, SEEK_CUR));
	close(out);
	return 0;
}

/* sendfile: a sendfile(2) loop between two regular files */
static int mode_sendfile(int argc, char **argv)
{
	unsigned long long total = 0;
	off_t *offp = NULL;
	off_t off = 0;
	int in, out;
	ssize_t n;

	in = hp_open(argv[0], O_RDONLY);
	out = hp_open(argv[1], O_WRONLY | O_CREAT | O_TRUNC);
	/* the first MiB with the file offset, the rest with a pointer */
	for (;;) {
		if (!offp && total >= (1 << 20)) {
			off = lseek(in, 0, SEEK_CUR);
			offp = &off;
		}
		errno = 0;
		n = sendfile(out, in, offp, 1 << 20);
		if (n < 0) {
			printf("sendfile: -1 %s\n", ename(errno));
			break;
		}
		if (n == 0)
			break;
		total += n;
	}
	printf("copied %llu, offsets in %lld ptr %lld out %lld\n", total,
	       (long long)lseek(in, 0, SEEK_CUR), (long long)off,
	       (long long)lseek(out, 0, SEEK_CUR));
	close(out);
	return 0;
}

/*
 * fork: after each read, a child process writes the buffer (pwrite at the
 * offset the bytes came from) and exits (its preload dumps statistics);
 * the parent writes nothing.
 */
static int mode_fork(int argc, char **argv)
{
	size_t total = 0;
	int in, out, st;
	pid_t pid;
	ssize_t n;

	in = hp_open(argv[0], O_RDONLY);
	out = hp_open(argv[1], O_WRONLY | O_CREAT | O_TRUNC);
	for (;;) {
		n = read(in, buf, chunk);
		if (n < 0)
			hp_die("read");
		if (n == 0)
			break;
		expect_add(buf, n);
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			hp_die("fork");
		if (pid == 0)
			exit(pwrite(out, buf, n, total) == n ? 0 : 1);
		if (waitpid(pid, &st, 0) != pid || st)
			hp_die("child");
		total += n;
	}
	printf("copied %zu\n", total);
	return finish(argv[1]);
}

/*
 * thread: one thread reads, another writes the buffer: the writer's own
 * last read (of another file, into another buffer) is not this one.
 */
struct pl_handoff {
	int in, other, out;
	ssize_t n;
	int turn;		/* 0: reader's, 1: writer's; under lock */
	bool done;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void *writer_thread(void *arg)
{
	struct pl_handoff *h = arg;
	static char mine[PL_CHUNK];

	for (;;) {
		pthread_mutex_lock(&h->lock);
		while (h->turn != 1)
			pthread_cond_wait(&h->cond, &h->lock);
		pthread_mutex_unlock(&h->lock);
		if (h->done)
			return NULL;
		/* a read of its own first: the buffer is not its last read */
		if (pread(h->other, mine, sizeof(mine), 0) < 0)
			hp_die("pread other");
		write_all(h->out, buf, h->n);
		pthread_mutex_lock(&h->lock);
		h->turn = 0;
		pthread_cond_broadcast(&h->cond);
		pthread_mutex_unlock(&h->lock);
	}
}

static int mode_thread(int argc, char **argv)
{
	struct pl_handoff h = {
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER,
	};
	size_t total = 0;
	pthread_t t;

	h.in = hp_open(argv[0], O_RDONLY);
	h.other = hp_open(argv[1], O_RDONLY);
	h.out = hp_open(argv[2], O_WRONLY | O_CREAT | O_TRUNC);
	if (pthread_create(&t, NULL, writer_thread, &h))
		hp_die("pthread_create");
	for (;;) {
		h.n = read(h.in, buf, chunk);
		if (h.n < 0)
			hp_die("read");
		if (h.n > 0)
			expect_add(buf, h.n);
		total += h.n;
		pthread_mutex_lock(&h.lock);
		h.done = h.n == 0;
		h.turn = 1;
		pthread_cond_broadcast(&h.cond);
		while (h.turn != 0 && !h.done)
			pthread_cond_wait(&h.cond, &h.lock);
		pthread_mutex_unlock(&h.lock);
		if (h.done)
			break;
	}
	pthread_join(t, NULL);
	printf("copied %zu\n", total);
	return finish(argv[2]);
}

/*
 * at: copies at large offsets (a sparse file's end): one chunk with
 * pread/pwrite, the next with lseek and read/write; checks only the range.
 */
static int mode_at(int argc, char **argv)
{
	off_t off_in = strtoll(argv[2], NULL, 0);
	off_t off_out = strtoll(argv[3], NULL, 0);
	static char got[2 * PL_CHUNK];
	int in, out;
	ssize_t n, m;

	in = hp_open(argv[0], O_RDONLY);
	out = hp_open(argv[1], O_WRONLY | O_CREAT);
	n = pread(in, buf, chunk, off_in);
	if (n < 0)
		hp_die("pread");
	expect_add(buf, n);
	if (pwrite(out, buf, n, off_out) != n)
		hp_die("pwrite");
	if (lseek(in, off_in + n, SEEK_SET) < 0 ||
	    lseek(out, off_out + n, SEEK_SET) < 0)
		hp_die("lseek");
	m = read(in, buf, chunk);
	if (m < 0)
		hp_die("read");
	expect_add(buf, m);
	write_all(out, buf, m);
	printf("copied %zd + %zd, offsets %lld %lld\n", n, m,
	       (long long)lseek(in, 0, SEEK_CUR),
	       (long long)lseek(out, 0, SEEK_CUR));
	close(out);
	out = hp_open(argv[1], O_RDONLY);
	if (pread(out, got, n + m, off_out) != n + m)
		hp_die("pread out");
	if (memcmp(got, expect, n + m)) {
		printf("out at %lld: MISMATCH\n", (long long)off_out);
		return 1;
	}
	printf("out at %lld: %zd bytes, match\n", (long long)off_out, n + m);
	return 0;
}

/* direct: the source is read with O_DIRECT (aligned buffer) */
static int mode_direct(int argc, char **argv)
{
	int in, out;
	size_t n;

	if ((uintptr_t)buf % 4096)
		hp_die("buffer not aligned");
	in = hp_open(argv[0], O_RDONLY | O_DIRECT);
	out = hp_open(argv[1], O_WRONLY | O_CREAT | O_TRUNC);
	n = copy_loop(in, out, NULL);
	printf("copied %zu\n", n);
	if (close(out))
		hp_die("close");
	return finish(argv[1]);
}

/*
 * setfl: O_APPEND set with fcntl after the first write, then the file
 * offset moved to 0: every later write must still land at the end.
 */
static int mode_setfl(int argc, char **argv)
{
	bool first = true;
	int in, out;
	ssize_t n;

	in = hp_open(argv[0], O_RDONLY);
	out = hp_open(argv[1], O_WRONLY | O_CREAT | O_TRUNC);
	for (;;) {
		n = read(in, buf, chunk);
		if (n < 0)
			hp_die("read");
		if (n == 0)
			break;
		expect_add(buf, n);
		write_all(out, buf, n);
		if (first && fcntl(out, F_SETFL, O_APPEND) < 0)
			hp_die("F_SETFL");
		first = false;
		if (lseek(out, 0, SEEK_SET) != 0)
			hp_die("lseek");
	}
	printf("copied %zu, flags %#x\n", expect_len,
	       fcntl(out, F_GETFL) & (O_APPEND | O_ACCMODE));
	return finish(argv[1]);
}

/*
 * window: reads into the middle of a bigger buffer and writes windows
 * that are not the bytes read: a prefix, a range that starts before
 * them, one that ends after them, and exactly them.
 */
static int mode_window(int argc, char **argv)
{
	static char big[3 * PL_CHUNK];
	char *mid = big + PL_CHUNK;
	unsigned long i = 0;
	int in, out;
	ssize_t n;
	size_t len;
	char *p;

	memset(big, 'w', sizeof(big));
	in = hp_open(argv[0], O_RDONLY);
	out = hp_open(argv[1], O_WRONLY | O_CREAT | O_TRUNC);
	for (;; i++) {
		n = read(in, mid, PL_CHUNK);
		if (n < 0)
			hp_die("read");
		if (n == 0)
			break;
		switch (i % 4) {
		case 0:
			p = mid;		/* prefix */
			len = n > 4096 ? n - 4096 : n;
			break;
		case 1:
			p = mid - 4096;		/* starts before */
			len = n;
			break;
		case 2:
			p = mid;		/* ends after */
			len = n + 4096;
			break;
		default:
			p = mid;		/* exactly */
			len = n;
			break;
		}
		expect_add(p, len);
		write_all(out, p, len);
	}
	printf("written %zu\n", expect_len);
	return finish(argv[1]);
}

/* say what a call returned: "what: ret" or "what: -1 ENAME" */
static void report(const char *what, ssize_t ret, int err)
{
	if (ret < 0)
		printf("%s: -1 %s\n", what, ename(err));
	else
		printf("%s: %zd\n", what, ret);
}

/*
 * efault: the buffer is made unreadable (PROT_NONE, then unmapped)
 * between the read and the write: write(2) fails with EFAULT, and a
 * library that looked at the buffer would crash instead.
 */
static int mode_efault(int argc, char **argv)
{
	int in, out, i;
	ssize_t n, w;
	char *p;

	in = hp_open(argv[0], O_RDONLY);
	out = hp_open(argv[1], O_WRONLY | O_CREAT | O_TRUNC);
	for (i = 0; i < 2; i++) {
		p = mmap(NULL, PL_CHUNK, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			hp_die("mmap");
		n = read(in, p, PL_CHUNK);
		report("read", n, errno);
		fflush(stdout);
		if (i == 0 ? mprotect(p, PL_CHUNK, PROT_NONE) :
			     munmap(p, PL_CHUNK))
			hp_die("mprotect");
		errno = 0;
		w = write(out, p, n);
		report(i == 0 ? "write from PROT_NONE" : "write from unmapped",
		       w, errno);
		errno = 0;
		w = pwrite(out, p, n, 0);
		report("pwrite", w, errno);
	}
	printf("out size %lld\n", (long long)hp_file_size(out));
	return 0;
}

/*
 * sfedge: sendfile(2) calls at the edges of what the kernel accepts,
 * each result printed.
 */
static int mode_sfedge(int argc, char **argv)
{
	int in, out, app, rdonly, wronly;
	off_t off;
	ssize_t n;

	in = hp_open(argv[0], O_RDONLY);
	out = hp_open(argv[1], O_WRONLY | O_CREAT | O_TRUNC);
	app = hp_open(argv[1], O_WRONLY | O_APPEND);
	rdonly = hp_open(argv[1], O_RDONLY);
	wronly = hp_open(argv[0], O_WRONLY);

	errno = 0;
	n = sendfile(app, in, NULL, PL_CHUNK);
	report("to O_APPEND", n, errno);
	off = -1;
	n = sendfile(out, in, &off, PL_CHUNK);
	report("offset -1", n, errno);
	off = hp_file_size(in) + 4096;
	n = sendfile(out, in, &off, PL_CHUNK);
	report("offset past EOF", n, errno);
	n = sendfile(out, in, NULL, 0);
	report("count 0", n, errno);
	off = INT64_MAX - 10;
	n = sendfile(out, in, &off, PL_CHUNK);
	report("offset near the limit", n, errno);
	off = (off_t)1 << 62;
	n = sendfile(out, in, &off, PL_CHUNK);
	report("offset 2^62", n, errno);
	n = sendfile(out, in, NULL, (size_t)INT64_MAX + 1);
	report("count 2^63", n, errno);
	n = sendfile(out, wronly, NULL, PL_CHUNK);
	report("from O_WRONLY", n, errno);
	n = sendfile(rdonly, in, NULL, PL_CHUNK);
	report("to O_RDONLY", n, errno);
	n = sendfile(out, -1, NULL, PL_CHUNK);
	report("from -1", n, errno);
	off = 1000;
	n = sendfile(out, in, &off, (size_t)-1);
	report("count SIZE_MAX", n, errno);
	printf("offset %lld, in at %lld, out at %lld\n", (long long)off,
	       (long long)lseek(in, 0, SEEK_CUR),
	       (long long)lseek(out, 0, SEEK_CUR));
	/* the same file on both sides, after a fresh start */
	if (ftruncate(out, 0) || lseek(out, 0, SEEK_SET) != 0 ||
	    lseek(in, 0, SEEK_SET) != 0)
		hp_die("reset");
	n = sendfile(out, in, NULL, 300000);
	report("300000 from the source", n, errno);
	off = 0;
	n = sendfile(out, rdonly, &off, 300000);
	report("same file, after the end", n, errno);
	off = 100000;
	lseek(out, 200000, SEEK_SET);
	n = sendfile(out, rdonly, &off, 300000);
	report("same file, overlapping", n, errno);
	printf("offset %lld, out at %lld, size %lld\n", (long long)off,
	       (long long)lseek(out, 0, SEEK_CUR), (long long)hp_file_size(out));
	/* last: a bad offset pointer is EFAULT, not a crash */
	fflush(stdout);
	n = sendfile(out, in, (off_t *)8, PL_CHUNK);
	report("offset pointer 8", n, errno);
	return 0;
}

/*
 * fsize: RLIMIT_FSIZE below the file's size, SIGXFSZ ignored: the write
 * that crosses the limit is short, the next fails with EFBIG.
 */
static int mode_fsize(int argc, char **argv)
{
	struct rlimit rl = { 300000, RLIM_INFINITY };
	unsigned long i = 0;
	int in, out;
	ssize_t n, w;
	off_t off;

	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &rl))
		hp_die("setrlimit");
	in = hp_open(argv[0], O_RDONLY);
	out = hp_open(argv[1], O_WRONLY | O_CREAT | O_TRUNC);
	for (;; i++) {
		n = read(in, buf, chunk);
		if (n <= 0)
			break;
		errno = 0;
		off = lseek(in, 0, SEEK_CUR) - n;
		w = i % 2 ? write(out, buf, n) : pwrite(out, buf, n, off);
		report(i % 2 ? "write" : "pwrite", w, errno);
		if (!(i % 2) && w > 0)
			lseek(out, off + w, SEEK_SET);
		if (w < 0)
			break;
		expect_add(buf, w);
	}
	errno = 0;
	off = 0;
	n = sendfile(out, in, &off, chunk);
	report("sendfile", n, errno);
	rl.rlim_cur = RLIM_INFINITY;
	setrlimit(RLIMIT_FSIZE, &rl);
	return finish(argv[1]);
}

/*
 * stdio: the source's descriptor is closed and reused by libc's own
 * calls (fclose then fopen; freopen, which dup3s internally), which the
 * preload cannot see as close or dup2 calls.
 */
static int mode_stdio(int argc, char **argv)
{
	unsigned long i = 0;
	size_t total = 0;
	off_t off = 0;
	FILE *f, *g;
	int out, fd;
	ssize_t n;

	f = fopen(argv[0], "r");
	out = hp_open(argv[2], O_WRONLY | O_CREAT | O_TRUNC);
	if (!f)
		hp_die("fopen");
	fd = fileno(f);
	for (;; i++) {
		n = read(fileno(f), buf, chunk);
		if (n < 0)
			hp_die("read");
		if (n == 0)
			break;
		if (i % 2) {
			f = freopen(argv[1], "r", f);
		} else {
			fclose(f);
			f = fopen(argv[1], "r");
		}
		if (!f || fileno(f) != fd)
			hp_die("the descriptor was not reused");
		expect_add(buf, n);
		write_all(out, buf, n);
		off += n;
		total += n;
		/* back to the source, at the offset the copy is at */
		g = freopen(argv[0], "r", f);
		if (!g || fileno(g) != fd || lseek(fd, off, SEEK_SET) != off)
			hp_die("freopen");
		f = g;
	}
	printf("copied %zu\n", total);
	return finish(argv[2]);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: pl-adv MODE ARGS...\n"
		"  copy IN OUT [CHUNK]   edit IN OUT        srcpwrite IN OUT\n"
		"  srctrunc IN OUT       srcmmap IN OUT     reusefd IN OTHER OUT\n"
		"  dup IN OUT            samefile F SHIFT   split IN OUT\n"
		"  reverse IN OUT        sigread IN OTHER OUT\n"
		"  eintr OUT             enospc IN OUT [CHUNK]\n"
		"  cfr IN OUT            sendfile IN OUT    fork IN OUT\n"
		"  thread IN OTHER OUT   at IN OUT OFF_IN OFF_OUT\n"
		"  direct IN OUT         setfl IN OUT       window IN OUT\n"
		"  efault IN OUT         sfedge IN OUT      fsize IN OUT\n"
		"  stdio IN OTHER OUT\n"
		"  other copy|halves|foreign|half|srcpwrite|srcmmap IN OUT\n");
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int nargs;
		int (*fn)(int argc, char **argv);
		pl_hook hook;
	} modes[] = {
		{ "copy", 2, mode_copy, NULL },
		{ "edit", 2, NULL, edit_hook },
		{ "srcpwrite", 2, NULL, pwrite_hook },
		{ "srctrunc", 2, NULL, trunc_hook },
		{ "srcmmap", 2, NULL, mmap_hook },
		{ "reusefd", 3, mode_reusefd, NULL },
		{ "dup", 2, mode_dup, NULL },
		{ "samefile", 2, mode_samefile, NULL },
		{ "split", 2, mode_split, NULL },
		{ "reverse", 2, mode_reverse, NULL },
		{ "sigread", 3, mode_sigread, NULL },
		{ "eintr", 1, mode_eintr, NULL },
		{ "enospc", 2, mode_enospc, NULL },
		{ "cfr", 2, mode_cfr, NULL },
		{ "sendfile", 2, mode_sendfile, NULL },
		{ "fork", 2, mode_fork, NULL },
		{ "thread", 3, mode_thread, NULL },
		{ "at", 4, mode_at, NULL },
		{ "direct", 2, mode_direct, NULL },
		{ "setfl", 2, mode_setfl, NULL },
		{ "window", 2, mode_window, NULL },
		{ "efault", 2, mode_efault, NULL },
		{ "sfedge", 2, mode_sfedge, NULL },
		{ "fsize", 2, mode_fsize, NULL },
		{ "stdio", 3, mode_stdio, NULL },
		{ "other", 3, mode_other, NULL },
	};
	size_t i;

	if (argc < 2) {
		usage();
		return 2;
	}
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(argv[1], modes[i].name))
			continue;
		if (argc - 2 < modes[i].nargs) {
			usage();
			return 2;
		}
		if (modes[i].fn)
			return modes[i].fn(argc - 2, argv + 2);
		return mode_src(argc - 2, argv + 2, modes[i].hook);
	}
	usage();
	return 2;
}
