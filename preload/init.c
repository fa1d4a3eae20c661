// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * init.c: the preload's configuration, statistics and exit dump.
 *
 * The constructor reads the FNACCEL_* variables once, the engine's
 * FNACCEL_CHUNK_SIZE and FNACCEL_LOG included (the library itself reads
 * no environment); until it has run the wrappers only forward.  A bad
 * value is reported once on stderr and the default kept.
 *
 * The counters are in a slot (fa.h).  With FNACCEL_STATS_SHM=PATH, the
 * file fnaccel made, the constructor and a forked child claim one there
 * (one atomic add), so fnaccel reads them however the process ends.
 * Otherwise, or when every slot is taken, the slot is the process's own,
 * and with FNACCEL_STATS=PATH the destructor appends its block of "key
 * value" lines (stats.c) with a single O_APPEND write(2), so blocks of
 * concurrent processes never interleave.  A forked child starts with
 * zeroed counters, so each block counts one process only.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fa.h"
#include "fa_fs.h"

struct fa_config fa_config = {
	.min_size = 64 * 1024,
};
atomic_bool fa_ready;
atomic_int fa_log_fd = -1;

/* The counters: the process's own slot, or one mapped from fa_shm_path */
static struct fa_slot fa_own_slot;
static struct fa_slot *fa_slot = &fa_own_slot;
struct fa_stats_live *fa_live = &fa_own_slot.preload;
static void *fa_slot_map;	/* the pages of a mapped slot, or NULL */
static size_t fa_slot_map_len;

/* FNACCEL_STATS, FNACCEL_STATS_SHM, and argv[0] as the process started */
static char fa_stats_path[4096];
static char fa_shm_path[4096];
static char fa_argv0[FA_ARGV0_MAX];

bool fa_fs_allowed(uint64_t magic)
{
	unsigned int i;

	if (fa_config.fs_all)
		return true;
	for (i = 0; i < fa_config.n_fs; i++)
		if (fa_config.fs_magic[i] == magic)
			return true;
	return false;
}

static void fa_complain(const char *name, const char *value, const char *why)
{
	char line[512];
	int n;

	n = snprintf(line, sizeof(line), "libfnaccel: %s=%s: %s\n", name,
		     value, why);
	if (n > 0)
		(void)!fn_sys_write(2, line, MIN((size_t)n, sizeof(line) - 1));
}

static void fa_fs_add(uint64_t magic, void *arg)
{
	struct fa_config *c = arg;

	if (magic == UINT64_MAX)
		c->fs_all = true;
	else if (c->n_fs < FA_FS_MAX)
		c->fs_magic[c->n_fs++] = magic;
}

/* FNACCEL_FS: 0, or -EINVAL with the list kept */
static int fa_read_fs(const char *s)
{
	struct fa_config c = fa_config;
	char def[FA_FS_LIST_LEN];
	char why[FA_FS_LIST_LEN + 64];
	const char *bad = NULL;

	c.n_fs = 0;
	c.fs_all = false;
	if (fa_fs_parse(s, fa_fs_add, &c, &bad) < 0) {
		fa_fs_default(def, sizeof(def));
		snprintf(why, sizeof(why), "unknown file system, using %s",
			 def);
		fa_complain("FNACCEL_FS", s, why);
		return -EINVAL;
	}
	fa_config.n_fs = c.n_fs;
	fa_config.fs_all = c.fs_all;
	memcpy(fa_config.fs_magic, c.fs_magic, sizeof(c.fs_magic));
	return 0;
}

/* FNACCEL_STATS, made absolute now: the program may change directory */
static void fa_set_stats_path(const char *s)
{
	char cwd[sizeof(fa_stats_path)];
	int n;

	if (s[0] == '/') {
		n = snprintf(fa_stats_path, sizeof(fa_stats_path), "%s", s);
	} else if (getcwd(cwd, sizeof(cwd)) == NULL) {
		fa_complain("FNACCEL_STATS", s, "no current directory");
		return;
	} else {
		n = snprintf(fa_stats_path, sizeof(fa_stats_path), "%s/%s",
			     cwd, s);
	}
	if (n < 0 || (size_t)n >= sizeof(fa_stats_path)) {
		fa_stats_path[0] = '\0';
		fa_complain("FNACCEL_STATS", s, "path too long");
	}
}

static bool fa_env_true(const char *s)
{
	return s && *s && strcmp(s, "0") != 0 && strcasecmp(s, "no") != 0 &&
	       strcasecmp(s, "false") != 0 && strcasecmp(s, "off") != 0;
}

static void fa_read_env(void)
{
	char def[FA_FS_LIST_LEN];
	const char *s;
	uint64_t v;
	int fd;

	fn_env_apply("libfnaccel");
	fa_fs_default(def, sizeof(def));
	(void)fa_read_fs(def);
	fa_config.disabled = fa_env_true(getenv("FNACCEL_DISABLE"));
	fa_config.cfr_fallback = fa_env_true(getenv("FNACCEL_CFR_FALLBACK"));
	s = getenv("FNACCEL_MIN_SIZE");
	if (s && *s) {
		if (fn_parse_size(s, &v) < 0)
			fa_complain("FNACCEL_MIN_SIZE", s,
				    "not a size, using 64K");
		else
			fa_config.min_size = v ? v : 1;
	}
	/* A list of the user's asks for its data copies too */
	s = getenv("FNACCEL_FS");
	if (s && *s && fa_read_fs(s) == 0)
		fa_config.data_copy = true;
	s = getenv("FNACCEL_DATA_COPY");
	if (s && *s)
		fa_config.data_copy = fa_env_true(s);
	s = getenv("FNACCEL_VERIFY");
	if (s && *s) {
		if (strcmp(s, "reread") == 0)
			fa_config.hash_all = false;
		else if (strcmp(s, "hash") == 0)
			fa_config.hash_all = true;
		else
			fa_complain("FNACCEL_VERIFY", s,
				    "not reread or hash, using reread");
	}
	s = getenv("FNACCEL_LOG_FILE");
	if (s && *s) {
		/* Far above the program's own descriptors */
		fd = (int)syscall(SYS_openat, AT_FDCWD, s,
				  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
				  0644);
		if (fd < 0) {
			fa_complain("FNACCEL_LOG_FILE", s, strerror(errno));
		} else {
			int hi = fcntl(fd, F_DUPFD_CLOEXEC, 900);

			if (hi >= 0) {
				syscall(SYS_close, fd);
				fd = hi;
			}
			fn_log_set_fd(fd);
			atomic_store(&fa_log_fd, fd);
		}
	}
	s = getenv("FNACCEL_STATS");
	if (s && *s)
		fa_set_stats_path(s);
	/* Absolute, made by fnaccel; longer it would not be */
	s = getenv("FNACCEL_STATS_SHM");
	if (s && *s)
		snprintf(fa_shm_path, sizeof(fa_shm_path), "%s", s);
}

static void fa_stats_reset(void)
{
	fn_stats_reset();
#define FA_RESET(name) \
	atomic_store_explicit(&fa_live->name, 0, memory_order_relaxed);
	FA_STATS_FIELDS(FA_RESET)
#undef FA_RESET
	for (int i = 0; i < FA_SKIP_COUNT; i++)
		atomic_store_explicit(&fa_live->skip[i], 0,
				      memory_order_relaxed);
}

/* Count in slot from now on, the preload and the engine */
static void fa_slot_use(struct fa_slot *slot)
{
	fa_slot = slot;
	fa_live = &slot->preload;
	fn_stats_place(&slot->engine);
}

/* The process's argv0, gauges and pid into its slot */
static void fa_slot_fill(struct fa_slot *slot)
{
	struct fn_stats s;

	memcpy(slot->argv0, fa_argv0, sizeof(slot->argv0));
	fn_stats_get(&s);
#define FA_GAUGE_SET(name) slot->gauges.name = s.name;
#define FA_GAUGE_NONE(name)
	FN_STATS_FIELDS(FA_GAUGE_NONE, FA_GAUGE_SET)
#undef FA_GAUGE_SET
#undef FA_GAUGE_NONE
	atomic_store_explicit(&slot->pid, (int)getpid(),
			      memory_order_release);
}

/*
 * Claim a slot of FNACCEL_STATS_SHM and count there: 0, or -errno with
 * the process's own slot in use (-ENOSPC: every slot taken; fnaccel
 * counts those processes from the head).  Raw system calls only: it
 * runs in the constructor and in fork()'s child.
 */
static int fa_slot_claim(void)
{
	long page = sysconf(_SC_PAGESIZE);
	struct fa_slots_head *head;
	unsigned int i = 0;
	off_t off = 0;
	void *old = fa_slot_map;
	size_t old_len = fa_slot_map_len;
	void *p = MAP_FAILED;
	int ret = 0;
	int fd;

	fa_slot_use(&fa_own_slot);
	fa_slot_map = NULL;
	fd = (int)syscall(SYS_openat, AT_FDCWD, fa_shm_path,
			  O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out_unmap_old;
	}
	head = fn_sys_mmap((size_t)page, MAP_SHARED, fd, 0);
	if (head == MAP_FAILED) {
		ret = -errno;
		goto out_close_fd;
	}
	if (head->magic != FA_SLOTS_MAGIC ||
	    head->slot_size != sizeof(struct fa_slot)) {
		ret = -EPROTO;
		goto out_unmap_head;
	}
	i = atomic_fetch_add_explicit(&head->claimed, 1, memory_order_relaxed);
	if (i >= head->n_slots) {
		ret = -ENOSPC;
		goto out_unmap_head;
	}
	off = FA_SLOT_OFF(i) & ~(off_t)(page - 1);
	/* The file is sparse: a page not allocated now may be a SIGBUS */
	if (syscall(SYS_fallocate, fd, 0, off, (off_t)page) < 0 &&
	    errno != EOPNOTSUPP) {
		ret = -errno;
		goto out_unmap_head;
	}
	p = fn_sys_mmap((size_t)page, MAP_SHARED, fd, off);
	if (p == MAP_FAILED)
		ret = -errno;
out_unmap_head:
	fn_sys_munmap(head, (size_t)page);
out_close_fd:
	syscall(SYS_close, fd);
out_unmap_old:
	if (old)
		fn_sys_munmap(old, old_len);	/* the parent's, after fork */
	if (ret < 0)
		return ret;
	fa_slot_map = p;
	fa_slot_map_len = (size_t)page;
	fa_slot_use((struct fa_slot *)((char *)p + (FA_SLOT_OFF(i) - off)));
	fa_slot_fill(fa_slot);
	return 0;
}

/* In the child of fork(): its own counters, no state of the parent's */
static void fa_atfork_child(void)
{
	if (fa_shm_path[0] == '\0' || fa_slot_claim() < 0)
		fa_stats_reset();
	fa_track_reset();
}

/* Append this process's block to FNACCEL_STATS with one write(2) */
static void fa_stats_dump(void)
{
	static char buf[16384];
	size_t pos = 0;
	int saved_errno = errno;
	int fd;

	if (fa_stats_path[0] == '\0')
		return;
	if (fa_slot == &fa_own_slot)
		fa_slot_fill(fa_slot);
	fa_slot_text(fa_slot, buf, sizeof(buf), &pos);
	if (pos > sizeof(buf))
		goto out;
	fd = (int)syscall(SYS_openat, AT_FDCWD, fa_stats_path,
			  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		goto out;
	(void)!fn_sys_write(fd, buf, pos);
	syscall(SYS_close, fd);
out:
	errno = saved_errno;
}

/* glibc passes argc, argv and envp to the constructors of a library */
__attribute__((constructor(102))) static void fa_init(int argc, char **argv,
						      char **envp)
{
	size_t i;
	int ret;

	fn_log_set_prefix("libfnaccel");
	if (argc > 0 && argv && argv[0]) {
		snprintf(fa_argv0, sizeof(fa_argv0), "%s", argv[0]);
		for (i = 0; fa_argv0[i]; i++)
			if (fa_argv0[i] == '\n')
				fa_argv0[i] = '?';
	}
	fa_read_env();
	fa_slot_use(&fa_own_slot);
	if (fa_shm_path[0]) {
		ret = fa_slot_claim();
		if (ret < 0 && ret != -ENOSPC)
			fa_complain("FNACCEL_STATS_SHM", fa_shm_path,
				    strerror(-ret));
	}
	pthread_atfork(NULL, NULL, fa_atfork_child);
	atomic_store_explicit(&fa_ready, true, memory_order_release);
}

__attribute__((destructor)) static void fa_fini(void)
{
	fa_stats_dump();
}
