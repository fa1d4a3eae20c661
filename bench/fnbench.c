// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fnbench: times the copy engine, the kernel path (copy_file_range(2))
 * against the FN_COPY_NO_KERNEL fallback (chunked pread/pwrite), and the
 * fallback's chunk sizes against each other.
 *
 *	fnbench [--size S[,S...]] [--iterations N] [--grep PATTERN]
 *		[--dir DIR] [--sweep-size S] [--cold]
 *
 * For each size it writes a source file of random bytes once, then runs
 * every variant of that size in turn (kernel, fallback, kernel, fallback
 * ..., the order rotating each iteration) for N iterations, each into a
 * new destination file after a syncfs(2).  The clock runs over the copy
 * and the fsync(2) of the destination: a copy is done when it is on disk
 * (without the fsync the fallback measures a memcpy into the page
 * cache).  The copy alone is timed too, with its CPU time.
 * The result is a Markdown table as in doc/performance.md: median,
 * min-max, MB/s of the median, ratio to the kernel path, and the new
 * space the destination takes (unshared extents by FIEMAP: a reflink
 * takes none).
 *
 * Built by `make bench`, never run by make check (t9010 only checks
 * that it runs).  Exit 0 when every copy succeeded and compared equal,
 * 1 on failure, 2 for usage.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "fn_frontend.h"

#define FB_MAX_SIZES		16
#define FB_MAX_VARIANTS		8
#define FB_MAX_ITERATIONS	1000
#define FB_IO_BUF		(UINT64_C(1) << 20)

/* The fallback chunk sizes of the sweep: 64K to 64M, powers of 4 */
static const uint64_t fb_sweep_chunks[] = {
	UINT64_C(64) << 10, UINT64_C(256) << 10, UINT64_C(1) << 20,
	UINT64_C(4) << 20, UINT64_C(16) << 20, UINT64_C(64) << 20,
};

/* How --cold empties the page cache before each run */
enum fb_cache {
	FB_WARM,		/* no --cold: the source stays cached */
	FB_DROP_CACHES,		/* root: sync, then 3 > drop_caches */
	FB_FADVISE,		/* otherwise: POSIX_FADV_DONTNEED */
};

/* One row of the table: a path (and chunk size) at one size */
struct fb_variant {
	char path[48];		/* "kernel", "fallback 4M" */
	unsigned int flags;	/* fn_copy_range() flags */
	uint64_t chunk;		/* fallback chunk size; 0: kernel path */
	double *total;		/* seconds per iteration: copy + fsync */
	double *copy;		/* seconds per iteration: copy alone */
	double *cpu;		/* CPU seconds of the copy (user + sys) */
	uint64_t new_space;	/* bytes, of the last run */
	bool space_by_blocks;	/* st_blocks: no FIEMAP here */
	uint64_t fell_back;	/* kernel path: runs that left it */
	char why[64];		/* which copy_fallback_* keys, if so */
};

/* The run's options and state; one per process */
struct fb_bench {
	uint64_t sizes[FB_MAX_SIZES];
	size_t nsizes;
	uint64_t sweep_size;
	bool sweep_set;
	unsigned int iterations;
	const char *grep;
	const char *dir;
	bool cold;
	enum fb_cache cache;
	uint64_t default_chunk;
	char *buf_a;		/* FB_IO_BUF each: source data, verify */
	char *buf_b;
	struct fiemap *fiemap;
	size_t fiemap_extents;
};

/* Removed on every exit path, also from the signal handler */
static char fb_src_path[PATH_MAX];
static char fb_dst_path[PATH_MAX];

static void fb_remove_files(void)
{
	if (fb_src_path[0])
		unlink(fb_src_path);
	if (fb_dst_path[0])
		unlink(fb_dst_path);
}

static void fb_on_signal(int sig)
{
	fb_remove_files();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void fb_usage(FILE *f)
{
	fprintf(f,
"usage: fnbench [--size S[,S...]] [--iterations N] [--grep PATTERN]\n"
"               [--dir DIR] [--sweep-size S] [--cold] [--help]\n"
"\n"
"Times libfncopy's copy engine: the kernel path (copy_file_range) against\n"
"the FN_COPY_NO_KERNEL fallback (pread/pwrite), and the fallback's chunk\n"
"sizes (64K to 64M) at one size.  Prints a Markdown table.\n"
"\n"
"  --size S[,S...]   file sizes, K/M/G suffixes (default 1M,10M,100M,1G)\n"
"  --iterations N    runs of each row, interleaved (default 5)\n"
"  --grep PATTERN    only the rows whose name (\"SIZE PATH\", e.g.\n"
"                    \"1G kernel\", \"100M fallback 64K\") contains PATTERN\n"
"  --dir DIR         where the files go (default: the current directory)\n"
"  --sweep-size S    size of the chunk sweep (default 100M if it is one of\n"
"                    the sizes, else the largest; 0: no sweep)\n"
"  --cold            empty the page cache before each run: sync and\n"
"                    drop_caches as root, else posix_fadvise(DONTNEED)\n"
"  --help            this text\n"
"\n"
"The clock runs over the copy and the fsync of the destination; \"copy\n"
"only\" columns stop it before the fsync.  Needs twice the largest size\n"
"free in DIR.  Exit 0 ok, 1 failure, 2 usage.\n");
}

/* ---- options ---------------------------------------------------------- */

/* --size: one size or a comma list; 0 or -1 (message printed) */
static int fb_parse_sizes(struct fb_bench *b, const char *arg)
{
	char *copy = strdup(arg);
	char *save = NULL;
	char *tok;
	uint64_t v;
	int ret = 0;

	if (copy == NULL) {
		perror("fnbench");
		return -1;
	}
	b->nsizes = 0;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (fn_parse_size(tok, &v) < 0 || v == 0 ||
		    v > (uint64_t)SSIZE_MAX) {
			fprintf(stderr, "fnbench: --size=%s: not a size\n",
				arg);
			ret = -1;
			break;
		}
		if (b->nsizes == FB_MAX_SIZES) {
			fprintf(stderr, "fnbench: --size=%s: more than %d "
				"sizes\n", arg, FB_MAX_SIZES);
			ret = -1;
			break;
		}
		b->sizes[b->nsizes++] = v;
	}
	if (ret == 0 && b->nsizes == 0) {
		fprintf(stderr, "fnbench: --size=%s: not a size\n", arg);
		ret = -1;
	}
	free(copy);
	return ret;
}

/* 0, or -1 with a message: the caller exits 2 */
static int fb_parse_options(struct fb_bench *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "grep", required_argument, NULL, 'g' },
		{ "dir", required_argument, NULL, 'd' },
		{ "sweep-size", required_argument, NULL, 'w' },
		{ "cold", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct stat st;
	unsigned long n;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (fb_parse_sizes(b, optarg) < 0)
				return -1;
			break;
		case 'i':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || n == 0 ||
			    n > FB_MAX_ITERATIONS || optarg[0] == '-') {
				fprintf(stderr, "fnbench: --iterations=%s: "
					"not a number from 1 to %d\n", optarg,
					FB_MAX_ITERATIONS);
				return -1;
			}
			b->iterations = (unsigned int)n;
			break;
		case 'g':
			b->grep = optarg;
			break;
		case 'd':
			if (stat(optarg, &st) < 0) {
				fprintf(stderr, "fnbench: --dir=%s: %s\n",
					optarg, strerror(errno));
				return -1;
			}
			if (!S_ISDIR(st.st_mode)) {
				fprintf(stderr, "fnbench: --dir=%s: not a "
					"directory\n", optarg);
				return -1;
			}
			b->dir = optarg;
			break;
		case 'w':
			if (fn_parse_size(optarg, &b->sweep_size) < 0 ||
			    b->sweep_size > (uint64_t)SSIZE_MAX) {
				fprintf(stderr, "fnbench: --sweep-size=%s: "
					"not a size\n", optarg);
				return -1;
			}
			b->sweep_set = true;
			break;
		case 'c':
			b->cold = true;
			break;
		case 'h':
			fb_usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "fnbench: see fnbench --help\n");
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "fnbench: %s: unexpected argument (see "
			"fnbench --help)\n", argv[optind]);
		return -1;
	}
	return 0;
}

/* ---- the machine ------------------------------------------------------ */

/*
 * The file system type of dir by statfs(2)'s magic number (the engine's
 * list), NULL if unknown; ext2, ext3 and ext4 share theirs
 */
static const char *fb_fs_magic_name(long type)
{
	enum fn_fs_id fs = fn_fs_of_magic((unsigned long)type);

	return fs == FN_FS_ext4 ? "ext2/3/4" : fn_fs_types[fs].name;
}

/*
 * The type that /proc/self/mounts gives the mount holding dir (the
 * longest mount point that is a prefix of its real path): tells ext4 from
 * ext2, which share a magic number.  0 or -1.
 */
static int fb_mount_type(const char *dir, char *type, size_t len)
{
	char real[PATH_MAX];
	char line[4096];
	char mnt[PATH_MAX];
	char fstype[64];
	size_t best = 0;
	size_t m;
	FILE *f;

	if (realpath(dir, real) == NULL)
		return -1;
	f = fopen("/proc/self/mounts", "re");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* mount points with spaces are octal-escaped: never match */
		if (sscanf(line, "%*s %4095s %63s", mnt, fstype) != 2)
			continue;
		m = strlen(mnt);
		if (strncmp(real, mnt, m) != 0 ||
		    (m > 1 && real[m] != '/' && real[m] != '\0'))
			continue;
		if (m >= best) {
			best = m;
			snprintf(type, len, "%s", fstype);
		}
	}
	fclose(f);
	return best ? 0 : -1;
}

static void fb_print_machine(const struct fb_bench *b)
{
	char type[64] = "unknown";
	char when[64] = "?";
	char mounted[64];
	const char *name = NULL;
	struct utsname u;
	struct statfs sf;
	time_t now = time(NULL);
	double load[1] = { -1 };
	struct tm tm;

	if (statfs(b->dir, &sf) == 0) {
		name = fb_fs_magic_name((long)sf.f_type);
		if (name)
			snprintf(type, sizeof(type), "%s", name);
		else
			snprintf(type, sizeof(type), "magic 0x%lx",
				 (unsigned long)sf.f_type);
	}
	/* ext2/3/4 share their magic: the mount table tells them apart */
	if (fb_mount_type(b->dir, mounted, sizeof(mounted)) == 0 &&
	    (name == NULL || strcmp(name, "ext2/3/4") == 0))
		snprintf(type, sizeof(type), "%s", mounted);
	if (uname(&u) < 0)
		strcpy(u.release, "?");
	if (gmtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	printf("fnbench %s: copy engine, kernel path (copy_file_range) vs "
	       "fallback (pread/pwrite)\n\n", fn_version());
	/* A shared machine's load is part of what the numbers mean */
	if (getloadavg(load, 1) < 1)
		load[0] = -1;
	printf("- machine: nproc %ld, Linux %s %s, --dir %s on %s, %s, "
	       "load average %.2f\n", sysconf(_SC_NPROCESSORS_ONLN),
	       u.release, u.machine, b->dir, type, when, load[0]);
	printf("- timing: copy + fsync of the destination (median, min-max, "
	       "MB/s, ratio); \"copy only\" stops the clock before the "
	       "fsync; \"copy cpu\" is the CPU time (user + system) of that "
	       "part\n");
	printf("- runs: %u per row, rows of one size interleaved (the order "
	       "rotates each iteration), each into a new file after a "
	       "syncfs; ratio = median / the kernel path's median at that "
	       "size\n", b->iterations);
	switch (b->cache) {
	case FB_WARM:
		printf("- cache: warm (the source is in the page cache)\n");
		break;
	case FB_DROP_CACHES:
		printf("- cache: cold (sync and 3 > /proc/sys/vm/drop_caches "
		       "before each run)\n");
		break;
	case FB_FADVISE:
		printf("- cache: cold (posix_fadvise DONTNEED on both files "
		       "before each run: drop_caches not allowed)\n");
		break;
	}
	printf("- new space: destination extents not shared with another "
	       "file (FIEMAP), of the last run\n\n");
	printf("| size | path | median s | min-max s | MB/s | ratio "
	       "| new space | copy only s | copy cpu s |\n");
	printf("|---|---|---|---|---|---|---|---|---|\n");
	fflush(stdout);
}

/* ---- files -------------------------------------------------------------- */

/* splitmix64: fast, and random enough that nothing compresses it */
static uint64_t fb_random(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Write size random bytes to a new source file; its fd, or -errno */
static int fb_make_source(struct fb_bench *b, uint64_t size)
{
	uint64_t state = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	uint64_t done = 0;
	size_t n;
	size_t i;
	ssize_t w;
	int fd;
	int err;

	unlink(fb_src_path);
	fd = open(fb_src_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (done < size) {
		n = (size_t)MIN(FB_IO_BUF, size - done);
		for (i = 0; i < FB_IO_BUF / 8; i++) {
			uint64_t r = fb_random(&state);

			memcpy(b->buf_a + i * 8, &r, 8);
		}
		w = pwrite(fd, b->buf_a, n, (off_t)done);
		if (w <= 0) {
			err = w < 0 ? errno : EIO;
			close(fd);
			return -err;
		}
		done += (uint64_t)w;
	}
	/* On disk before any run, so its writeback times no copy */
	if (fsync(fd) < 0) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

/* Whether dst holds the same size bytes as src; 0, 1, or -errno */
static int fb_differs(struct fb_bench *b, int src, int dst, uint64_t size)
{
	uint64_t off = 0;
	ssize_t n;
	ssize_t m;

	while (off < size) {
		n = pread(src, b->buf_a, FB_IO_BUF, (off_t)off);
		m = pread(dst, b->buf_b, FB_IO_BUF, (off_t)off);
		if (n < 0 || m < 0)
			return -errno;
		if (n == 0 || n != m || memcmp(b->buf_a, b->buf_b, n) != 0)
			return 1;
		off += (uint64_t)n;
	}
	return pread(dst, b->buf_b, 1, (off_t)size) == 0 ? 0 : 1;
}

/*
 * The bytes of fd's first size bytes that take space of their own:
 * extents not shared with another file (FIEMAP_EXTENT_SHARED: a reflink
 * shares all of them).  Where FIEMAP is missing, st_blocks, which counts
 * shared blocks as the file's own.  0 or -errno.
 */
static int fb_new_space(struct fb_bench *b, int fd, uint64_t size,
			uint64_t *bytes, bool *by_blocks)
{
	struct fiemap *fm = b->fiemap;
	struct fiemap_extent *e = NULL;
	uint64_t start = 0;
	uint64_t total = 0;
	uint64_t end;
	struct stat st;
	unsigned int i;

	*by_blocks = false;
	for (;;) {
		memset(fm, 0, sizeof(*fm));
		fm->fm_start = start;
		fm->fm_length = FIEMAP_MAX_OFFSET - start;
		fm->fm_flags = FIEMAP_FLAG_SYNC;
		fm->fm_extent_count = (unsigned int)b->fiemap_extents;
		if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0)
			break;
		if (fm->fm_mapped_extents == 0) {
			*bytes = total;
			return 0;
		}
		for (i = 0; i < fm->fm_mapped_extents; i++) {
			e = &fm->fm_extents[i];
			/* post-EOF preallocation is not the copy's */
			end = MIN(e->fe_logical + e->fe_length, size);
			if (!(e->fe_flags & FIEMAP_EXTENT_SHARED) &&
			    end > e->fe_logical)
				total += end - e->fe_logical;
		}
		if ((e->fe_flags & FIEMAP_EXTENT_LAST) ||
		    e->fe_logical + e->fe_length >= size) {
			*bytes = total;
			return 0;
		}
		start = e->fe_logical + e->fe_length;
	}
	if (fstat(fd, &st) < 0)
		return -errno;
	*bytes = (uint64_t)st.st_blocks * 512;
	*by_blocks = true;
	return 0;
}

/*
 * CPU time of the calling thread in nanoseconds: user and system time,
 * and the kernel path's copying happens in the calling thread too.
 */
static uint64_t fb_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* --cold: empty the caches the next run would find the data in */
static void fb_cool(struct fb_bench *b, int src, int dst)
{
	int fd;

	if (b->cache == FB_WARM)
		return;
	if (b->cache == FB_DROP_CACHES) {
		sync();
		fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, "3\n", 2) != 2)
				b->cache = FB_FADVISE;
			close(fd);
		} else {
			b->cache = FB_FADVISE;
		}
	}
	posix_fadvise(src, 0, 0, POSIX_FADV_DONTNEED);
	posix_fadvise(dst, 0, 0, POSIX_FADV_DONTNEED);
}

/* Which copy_fallback_* counters a kernel-path run raised */
static void fb_note_fallback(struct fb_variant *v, const struct fn_stats *s)
{
	const char *why = s->copy_fallback_exdev ? "exdev" :
		s->copy_fallback_eopnotsupp ? "eopnotsupp" :
		s->copy_fallback_enosys ? "enosys" :
		s->copy_fallback_einval ? "einval" :
		s->copy_fallback_zero ? "zero" : "?";

	v->fell_back++;
	snprintf(v->why, sizeof(v->why), "%s", why);
}

/*
 * One timed copy of the source into a new destination; the times go to
 * iteration it of v.  The first iteration also compares the bytes.
 * 0, or -1 with a message.
 */
static int fb_run(struct fb_bench *b, struct fb_variant *v, int src,
		  uint64_t size, unsigned int it)
{
	struct fn_stats st;
	uint64_t t0;
	uint64_t t1;
	uint64_t t2;
	uint64_t c0;
	uint64_t c1;
	uint64_t done = 0;
	off_t oi = 0;
	off_t oo = 0;
	ssize_t n;
	int dst;
	int ret;

	if (unlink(fb_dst_path) < 0 && errno != ENOENT) {
		fprintf(stderr, "fnbench: %s: %s\n", fb_dst_path,
			strerror(errno));
		return -1;
	}
	dst = open(fb_dst_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
		   0600);
	if (dst < 0) {
		fprintf(stderr, "fnbench: %s: %s\n", fb_dst_path,
			strerror(errno));
		return -1;
	}
	if (fn_set_chunk_size(v->chunk ? v->chunk : b->default_chunk) < 0)
		abort();	/* the sweep's sizes are all in range */
	/*
	 * Start on a quiet file system: the last run's freed blocks (ext4
	 * with -o discard trims them at the journal commit) and any other
	 * writeback must not land in this run's fsync.
	 */
	syncfs(dst);
	fb_cool(b, src, dst);
	fn_stats_reset();

	c0 = fb_cpu_ns();
	t0 = fn_now_ns();
	while (done < size) {
		n = fn_copy_range(src, &oi, dst, &oo, (size_t)(size - done),
				  v->flags);
		if (n <= 0) {
			fprintf(stderr, "fnbench: %s: copy: %s\n", v->path,
				n ? strerror((int)-n) : "source shrank");
			close(dst);
			return -1;
		}
		done += (uint64_t)n;
	}
	t1 = fn_now_ns();
	c1 = fb_cpu_ns();
	if (fsync(dst) < 0) {
		fprintf(stderr, "fnbench: %s: fsync: %s\n", fb_dst_path,
			strerror(errno));
		close(dst);
		return -1;
	}
	t2 = fn_now_ns();

	v->copy[it] = (double)(t1 - t0) / 1e9;
	v->total[it] = (double)(t2 - t0) / 1e9;
	v->cpu[it] = (double)(c1 - c0) / 1e9;
	fn_stats_get(&st);
	if (!(v->flags & FN_COPY_NO_KERNEL) && st.copy_fallback_bytes)
		fb_note_fallback(v, &st);
	ret = fb_new_space(b, dst, size, &v->new_space, &v->space_by_blocks);
	if (ret < 0) {
		fprintf(stderr, "fnbench: %s: %s\n", fb_dst_path,
			strerror(-ret));
		close(dst);
		return -1;
	}
	if (it == 0) {
		ret = fb_differs(b, src, dst, size);
		if (ret != 0) {
			fprintf(stderr, "fnbench: %s: destination %s\n",
				v->path, ret < 0 ? strerror(-ret) :
				"differs from the source");
			close(dst);
			return -1;
		}
	}
	close(dst);
	return 0;
}

/* ---- the table ---------------------------------------------------------- */

static int fb_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median, min and max of n values (sorted in place) */
static double fb_median(double *v, unsigned int n, double *min, double *max)
{
	qsort(v, n, sizeof(*v), fb_cmp_double);
	*min = v[0];
	*max = v[n - 1];
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Seconds: six decimals below 0.1 s (reflinks), three above */
static void fb_secs(char *buf, size_t len, double s)
{
	snprintf(buf, len, s < 0.1 ? "%.6f" : "%.3f", s);
}

static void fb_ratio(char *buf, size_t len, double t, double kernel)
{
	double r;

	if (kernel <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	r = t / kernel;
	snprintf(buf, len, r < 10 ? "%.2f" : r < 100 ? "%.1f" : "%.0f", r);
}

static void fb_print_row(struct fb_bench *b, struct fb_variant *v,
			 uint64_t size, double kernel_total)
{
	char sz[32];
	char med[32];
	char lo[32];
	char hi[32];
	char ratio[32];
	char copy[32];
	char cpu[32];
	double total;
	double copy_med;
	double cpu_med;
	double min;
	double max;
	double dummy;

	fn_format_size(size, sz, sizeof(sz));
	total = fb_median(v->total, b->iterations, &min, &max);
	copy_med = fb_median(v->copy, b->iterations, &dummy, &dummy);
	cpu_med = fb_median(v->cpu, b->iterations, &dummy, &dummy);
	fb_secs(med, sizeof(med), total);
	fb_secs(lo, sizeof(lo), min);
	fb_secs(hi, sizeof(hi), max);
	fb_secs(copy, sizeof(copy), copy_med);
	fb_ratio(ratio, sizeof(ratio), total, kernel_total);
	fb_secs(cpu, sizeof(cpu), cpu_med);
	printf("| %s | %s", sz, v->path);
	if (v->fell_back)
		printf(" (fell back: %s, %" PRIu64 " of %u runs)", v->why,
		       v->fell_back, b->iterations);
	printf(" | %s | %s-%s | %.0f | %s | %.1f MiB (%.0f%%)%s | %s | %s |\n",
	       med, lo, hi, (double)size / 1e6 / total, ratio,
	       (double)v->new_space / 1048576.0,
	       100.0 * (double)v->new_space / (double)size,
	       v->space_by_blocks ? " st_blocks" : "", copy, cpu);
}

/* ---- sizes -------------------------------------------------------------- */

/* Whether row "SIZE PATH" is selected by --grep */
static bool fb_selected(const struct fb_bench *b, uint64_t size,
			const char *path)
{
	char name[96];
	char sz[32];

	if (b->grep == NULL)
		return true;
	fn_format_size(size, sz, sizeof(sz));
	snprintf(name, sizeof(name), "%s %s", sz, path);
	return strstr(name, b->grep) != NULL;
}

/* Add a row to vs[*n] unless --grep excludes it */
static void fb_add_variant(struct fb_bench *b, struct fb_variant *vs,
			   size_t *n, uint64_t size, uint64_t chunk)
{
	struct fb_variant *v = &vs[*n];
	char csz[32];

	memset(v, 0, sizeof(*v));
	if (chunk == 0) {
		snprintf(v->path, sizeof(v->path), "kernel");
	} else {
		fn_format_size(chunk, csz, sizeof(csz));
		snprintf(v->path, sizeof(v->path), "fallback %s", csz);
		v->flags = FN_COPY_NO_KERNEL;
		v->chunk = chunk;
	}
	if (fb_selected(b, size, v->path))
		(*n)++;
}

/* Enough free space for a source and a destination of size; 0 or -1 */
static int fb_check_space(const struct fb_bench *b, uint64_t size)
{
	struct statvfs sv;
	uint64_t avail;
	char sz[32];

	if (statvfs(b->dir, &sv) < 0)
		return 0;	/* the copies will tell */
	avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (avail / 2 > size)
		return 0;
	fn_format_size(size, sz, sizeof(sz));
	fprintf(stderr, "fnbench: %s: %" PRIu64 " MiB free, the %s rows need "
		"twice that size\n", b->dir, avail >> 20, sz);
	return -1;
}

/*
 * All rows of one size: kernel, the fallback at the default chunk size,
 * and at the sweep size every chunk of the sweep, in ascending order.
 * Runs them interleaved and prints them.  0, or -1 with a message.
 */
static int fb_bench_size(struct fb_bench *b, uint64_t size)
{
	struct fb_variant vs[FB_MAX_VARIANTS];
	bool sweep = size == b->sweep_size;
	bool default_done = false;
	double kernel_total = 0;
	double dummy;
	size_t n = 0;
	size_t i;
	unsigned int it;
	int src;
	int ret = 0;

	fb_add_variant(b, vs, &n, size, 0);
	for (i = 0; sweep && i < sizeof(fb_sweep_chunks) /
			       sizeof(fb_sweep_chunks[0]); i++) {
		if (!default_done && b->default_chunk <= fb_sweep_chunks[i]) {
			fb_add_variant(b, vs, &n, size, b->default_chunk);
			default_done = true;
		}
		if (fb_sweep_chunks[i] != b->default_chunk)
			fb_add_variant(b, vs, &n, size, fb_sweep_chunks[i]);
	}
	if (!default_done)
		fb_add_variant(b, vs, &n, size, b->default_chunk);
	if (n == 0)
		return 0;
	if (fb_check_space(b, size) < 0)
		return -1;

	for (i = 0; i < n; i++) {
		vs[i].total = calloc(b->iterations, sizeof(double));
		vs[i].copy = calloc(b->iterations, sizeof(double));
		vs[i].cpu = calloc(b->iterations, sizeof(double));
		if (vs[i].total == NULL || vs[i].copy == NULL ||
		    vs[i].cpu == NULL) {
			perror("fnbench");
			n = i + 1;
			ret = -1;
			goto out_free;
		}
	}
	src = fb_make_source(b, size);
	if (src < 0) {
		fprintf(stderr, "fnbench: %s: %s\n", fb_src_path,
			strerror(-src));
		ret = -1;
		goto out_free;
	}
	/* Interleaved, and each iteration starts one row later */
	for (it = 0; it < b->iterations && ret == 0; it++)
		for (i = 0; i < n && ret == 0; i++)
			ret = fb_run(b, &vs[(i + it) % n], src, size, it);
	close(src);
	unlink(fb_src_path);
	unlink(fb_dst_path);
	if (ret < 0)
		goto out_free;

	/* fb_median sorts, which the rows' printing repeats */
	if (vs[0].chunk == 0)
		kernel_total = fb_median(vs[0].total, b->iterations, &dummy,
					 &dummy);
	for (i = 0; i < n; i++)
		fb_print_row(b, &vs[i], size, kernel_total);
	fflush(stdout);
out_free:
	for (i = 0; i < n; i++) {
		free(vs[i].total);
		free(vs[i].copy);
		free(vs[i].cpu);
	}
	return ret;
}

int main(int argc, char **argv)
{
	static const uint64_t default_sizes[] = {
		UINT64_C(1) << 20, UINT64_C(10) << 20, UINT64_C(100) << 20,
		UINT64_C(1) << 30,
	};
	struct fb_bench b = {
		.iterations = 5,
		.dir = ".",
	};
	uint64_t largest = 0;
	bool have_sweep = false;
	bool have_100m = false;
	size_t i;
	int ret = 0;

	memcpy(b.sizes, default_sizes, sizeof(default_sizes));
	b.nsizes = sizeof(default_sizes) / sizeof(default_sizes[0]);
	if (fb_parse_options(&b, argc, argv) < 0)
		return 2;
	for (i = 0; i < b.nsizes; i++) {
		largest = MAX(largest, b.sizes[i]);
		have_sweep |= b.sizes[i] == b.sweep_size;
		have_100m |= b.sizes[i] == UINT64_C(100) << 20;
	}
	if (!b.sweep_set)
		b.sweep_size = have_100m ? UINT64_C(100) << 20 : largest;
	else if (b.sweep_size && !have_sweep) {
		if (b.nsizes == FB_MAX_SIZES) {
			fprintf(stderr, "fnbench: too many sizes\n");
			return 2;
		}
		b.sizes[b.nsizes++] = b.sweep_size;
	}
	/* The default row's chunk: FNACCEL_CHUNK_SIZE, as for the preload */
	fn_env_apply("fnbench");
	b.default_chunk = fn_get_chunk_size();
	if (b.cold)
		b.cache = geteuid() == 0 &&
			  access("/proc/sys/vm/drop_caches", W_OK) == 0 ?
			  FB_DROP_CACHES : FB_FADVISE;

	b.buf_a = malloc(FB_IO_BUF);
	b.buf_b = malloc(FB_IO_BUF);
	b.fiemap_extents = 256;
	b.fiemap = calloc(1, sizeof(struct fiemap) + b.fiemap_extents *
			  sizeof(struct fiemap_extent));
	if (b.buf_a == NULL || b.buf_b == NULL || b.fiemap == NULL) {
		perror("fnbench");
		return 1;
	}
	snprintf(fb_src_path, sizeof(fb_src_path), "%s/fnbench-src.%ld",
		 b.dir, (long)getpid());
	snprintf(fb_dst_path, sizeof(fb_dst_path), "%s/fnbench-dst.%ld",
		 b.dir, (long)getpid());
	signal(SIGINT, fb_on_signal);
	signal(SIGTERM, fb_on_signal);
	signal(SIGHUP, fb_on_signal);

	fb_print_machine(&b);
	for (i = 0; i < b.nsizes && ret == 0; i++)
		ret = fb_bench_size(&b, b.sizes[i]);
	fb_remove_files();
	free(b.buf_a);
	free(b.buf_b);
	free(b.fiemap);
	return ret ? 1 : 0;
}
