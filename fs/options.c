// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * options.c: fnpassfs's command line and -o options.
 *
 * Every -o option is one row of FP_OPTIONS (fp.h); this file makes from
 * the table the fuse_opt entries, the --help text, the checks and
 * conversions into struct fp_config and the opt_<field> lines of /.stats,
 * so that none of them can miss an option.  Every value is checked before
 * anything is touched, and a bad one is refused with one line on stderr,
 * "fnpassfs: NAME=VALUE: WHY", in one style per kind: "not a size (...)",
 * "not a number", "out of range (MIN..MAX)", "not A, B or C".
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fp.h"

/* The words of each WORDS option, indexed by its enum, NULL-terminated */
#define FP_WORD_NAME(value, word) [value] = #word,
static const char *const fp_words_cache[] = {
	FP_CACHE_WORDS(FP_WORD_NAME) NULL
};
static const char *const fp_words_readdirplus[] = {
	FP_READDIRPLUS_WORDS(FP_WORD_NAME) NULL
};
static const char *const fp_words_xattr[] = {
	FP_XATTR_WORDS(FP_WORD_NAME) NULL
};
static const char *const fp_words_passthrough[] = {
	FP_PASSTHROUGH_WORDS(FP_WORD_NAME) NULL
};
#undef FP_WORD_NAME

/* ---- the command line ------------------------------------------------- */

#define FP_OPT(t, p, v) { t, offsetof(struct fp_args, p), v }

/* The fuse_opt entries of each kind: a value is kept as its string */
#define FP_FUSE_OPT_VALUE(name)	FP_OPT(#name "=%s", name, 0),
#define FP_FUSE_OPT_SIZE	FP_FUSE_OPT_VALUE
#define FP_FUSE_OPT_COUNT	FP_FUSE_OPT_VALUE
#define FP_FUSE_OPT_SECONDS	FP_FUSE_OPT_VALUE
#define FP_FUSE_OPT_WORDS	FP_FUSE_OPT_VALUE
#define FP_FUSE_OPT_NAME	FP_FUSE_OPT_VALUE
#define FP_FUSE_OPT_LEVEL	FP_FUSE_OPT_VALUE
#define FP_FUSE_OPT_FLAG(name)	FP_OPT(#name, name, 1),
/* fuse_opt_parse() applies every entry that matches: set, then pass on */
#define FP_FUSE_OPT_KEEP(name)						\
	FP_OPT(#name, name, 1), FUSE_OPT_KEY(#name, FUSE_OPT_KEY_KEEP),
#define FP_FUSE_OPT_NOFLAG	FP_FUSE_OPT_FLAG
#define FP_FUSE_OPT_CLEAR	FP_FUSE_OPT_FLAG
#define FP_FUSE_OPT_DERIVED(name)

enum {
	FP_KEY_DEBUG,
};

static const struct fuse_opt fp_opt_table[] = {
#define FP_FUSE_OPT(kind, name, field, def, min, max, shown, help)	\
	FP_FUSE_OPT_##kind(name)
	FP_OPTIONS(FP_FUSE_OPT)
#undef FP_FUSE_OPT
	FP_OPT("-f", foreground, 1),
	FP_OPT("-s", singlethread, 1),
	FP_OPT("-h", help, 1),
	FP_OPT("--help", help, 1),
	FP_OPT("-V", version, 1),
	FP_OPT("--version", version, 1),
	FUSE_OPT_KEY("-d", FP_KEY_DEBUG),
	FUSE_OPT_KEY("debug", FP_KEY_DEBUG),
	/* fstab and mount(8) words that are not for us */
	FUSE_OPT_KEY("_netdev", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("nofail", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("defaults", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("auto", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("noauto", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("user", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("users", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("nouser", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("comment=", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_END
};

static int fp_opt_proc(void *data, const char *arg, int key,
		       struct fuse_args *outargs)
{
	struct fp_args *a = data;

	(void)outargs;
	switch (key) {
	case FUSE_OPT_KEY_NONOPT:
		a->nonopts++;
		if (a->source == NULL) {
			a->source = strdup(arg);
			return 0;
		}
		if (a->mountpoint == NULL) {
			a->mountpoint = strdup(arg);
			return 0;
		}
		return 0;	/* counted: a usage error */
	case FP_KEY_DEBUG:
		a->foreground = 1;
		return 1;	/* libfuse's too */
	default:
		return 1;	/* libfuse's */
	}
}

/* Our options into a, the rest left in args for libfuse; 0 or -1 */
int fp_args_parse(struct fuse_args *args, struct fp_args *a)
{
	memset(a, 0, sizeof(*a));
	return fuse_opt_parse(args, a, fp_opt_table, fp_opt_proc);
}

void fp_args_free(struct fp_args *a)
{
	free(a->source);
	free(a->mountpoint);
}

/* ---- --help ------------------------------------------------------------ */

/* A size as --help and the messages write it: 64K, 1G, 0 */
static void fp_size_text(char *buf, size_t len, uint64_t v)
{
	static const char units[] = "GMK";
	int i;

	for (i = 0; v != 0 && i < 3; i++) {
		if (v % (UINT64_C(1) << (30 - 10 * i)) == 0) {
			snprintf(buf, len, "%" PRIu64 "%c", v >> (30 - 10 * i),
				 units[i]);
			return;
		}
	}
	snprintf(buf, len, "%" PRIu64, v);
}

#define FP_RANGE_LEN	64

static void fp_range(char *buf, uint64_t min, uint64_t max, bool size)
{
	char lo[24], hi[24];

	if (size) {
		fp_size_text(lo, sizeof(lo), min);
		fp_size_text(hi, sizeof(hi), max);
	} else {
		snprintf(lo, sizeof(lo), "%" PRIu64, min);
		snprintf(hi, sizeof(hi), "%" PRIu64, max);
	}
	snprintf(buf, FP_RANGE_LEN, "%s..%s", lo, hi);
}

/* "A|B|C", or "A, B or C" with sep ", " and last " or " */
static void fp_words_text(char *buf, size_t len, const char *const *words,
			  const char *sep, const char *last)
{
	size_t pos = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; words[i] != NULL && pos < len; i++)
		pos += snprintf(buf + pos, len - pos, "%s%s",
				i == 0 ? "" : words[i + 1] ? sep : last,
				words[i]);
}

#define FP_HELP_COL	26	/* where the help of an option starts */
#define FP_HELP_WIDTH	79

/* A new line of help, its first word to go at FP_HELP_COL */
static int fp_help_break(FILE *f)
{
	fprintf(f, "\n%*s", FP_HELP_COL - 1, "");
	return FP_HELP_COL - 1;
}

/*
 * Write the words of text after column col, each after a space, wrapped
 * at FP_HELP_WIDTH to FP_HELP_COL; returns the column where it ends.
 */
static int fp_help_words(FILE *f, int col, const char *text)
{
	const char *p = text + strspn(text, " ");
	int n;

	while (*p != '\0') {
		n = (int)strcspn(p, " ");
		if (col > FP_HELP_COL - 1 && col + 1 + n > FP_HELP_WIDTH)
			col = fp_help_break(f);
		col += fprintf(f, " %.*s", n, p);
		p += n;
		p += strspn(p, " ");
	}
	return col;
}

/*
 * One option's lines: "  name=METAVAR" and its help; then a WORDS option's
 * words, on a line of their own after a help, with the default word; else
 * "(shown; range)", or the range alone where no default is shown.
 */
static void fp_help_option(FILE *f, const char *name, const char *metavar,
			   const char *help, const char *const *words,
			   int def, const char *shown, const char *range)
{
	char text[160];
	int col;

	snprintf(text, sizeof(text), "%s%s%s", name, *metavar ? "=" : "",
		 metavar);
	col = fprintf(f, "  %-*s", FP_HELP_COL - 3, text);
	col = fp_help_words(f, col, help);
	if (words != NULL) {
		if (*help != '\0') {
			fputc(':', f);
			col = fp_help_break(f);
		}
		fp_words_text(text, sizeof(text), words, "|", "|");
		col = fp_help_words(f, col, text);
		snprintf(text, sizeof(text), "(%s)", words[def]);
		fp_help_words(f, col, text);
	} else if (*shown != '\0') {
		snprintf(text, sizeof(text), "(%s%s%s)", shown,
			 *range ? "; " : "", range);
		fp_help_words(f, col, text);
	} else {
		fp_help_words(f, col, range);
	}
	fputc('\n', f);
}

/* The lines of each kind of row; a DERIVED one is no option */
#define FP_HELP_RANGED(name, meta, min, max, size, shown, help)	\
	fp_range(range, min, max, size);				\
	fp_help_option(f, #name, meta, help, NULL, 0, shown, range);
#define FP_HELP_SIZE(name, field, def, min, max, shown, help)		\
	FP_HELP_RANGED(name, "SIZE", min, max, true, shown, help)
#define FP_HELP_COUNT(name, field, def, min, max, shown, help)		\
	FP_HELP_RANGED(name, "N", min, max, false, shown, help)
#define FP_HELP_SECONDS(name, field, def, min, max, shown, help)	\
	FP_HELP_RANGED(name, "SECONDS", min, max, false, shown, help)
#define FP_HELP_LEVEL(name, field, def, min, max, shown, help)		\
	FP_HELP_RANGED(name, "LEVEL", min, max, false, shown, help)
#define FP_HELP_WORDS(name, field, def, min, max, shown, help)		\
	fp_help_option(f, #name, "MODE", help, fp_words_##field, def, "", "");
#define FP_HELP_NAME(name, field, def, min, max, shown, help)		\
	fp_help_option(f, #name, "NAME", help, NULL, 0, shown, "");
#define FP_HELP_FLAG(name, field, def, min, max, shown, help)		\
	fp_help_option(f, #name, "", help, NULL, 0, shown, "");
#define FP_HELP_KEEP		FP_HELP_FLAG
#define FP_HELP_NOFLAG		FP_HELP_FLAG
#define FP_HELP_CLEAR		FP_HELP_FLAG
#define FP_HELP_DERIVED(name, field, def, min, max, shown, help)

void fp_usage(FILE *f)
{
	char range[FP_RANGE_LEN];

	fprintf(f,
"usage: fnpassfs SOURCE MOUNTPOINT [-f] [-d] [-s] [-o option[,option]...]\n"
"       fnpassfs --help | --version\n"
"\n"
"Mount SOURCE at MOUNTPOINT (they may be the same directory), passing\n"
"every operation through, with zero-copy reads, writes and copies and\n"
"live statistics in MOUNTPOINT/.stats.\n"
"\n"
"  -f                      stay in the foreground\n"
"  -d, -o debug            foreground, log every request (libfuse)\n"
"  -s                      one thread\n"
"  -h, --help              this help\n"
"  -V, --version           the version\n"
"\n"
"fnpassfs options (-o):\n");
#define FP_HELP(kind, name, field, def, min, max, shown, help)		\
	FP_HELP_##kind(name, field, def, min, max, shown, help)
	FP_OPTIONS(FP_HELP)
#undef FP_HELP
	fprintf(f,
"\n"
"Other -o options go to libfuse and the kernel (ro, default_permissions,\n"
"fsname=, ...); see mount.fuse3(8).\n");
}

/* ---- checks ------------------------------------------------------------ */

/* "fnpassfs: NAME=VALUE: WHY" and -1 */
static int fp_bad(const char *name, const char *value, const char *why)
{
	fprintf(stderr, "fnpassfs: %s=%s: %s\n", name, value, why);
	return -1;
}

static int fp_out_of_range(const char *name, const char *value,
			   uint64_t min, uint64_t max, bool size)
{
	char range[FP_RANGE_LEN], why[FP_RANGE_LEN + 16];

	fp_range(range, min, max, size);
	snprintf(why, sizeof(why), "out of range (%s)", range);
	return fp_bad(name, value, why);
}

/*
 * A size, but with a unit fn_parse_size() does not take, as no option
 * takes so much: "1T", "2PiB".  Nonzero digits, then T, P or E (any case),
 * then nothing, "B", "i" or "iB".
 */
static bool fp_size_too_big(const char *s)
{
	size_t n = strspn(s, "0123456789");
	const char *p = s + n;

	if (n == strspn(s, "0") || *p == '\0' || !strchr("TtPpEe", *p))
		return false;
	p++;
	return !strcmp(p, "") || !strcmp(p, "B") || !strcmp(p, "i") ||
	       !strcmp(p, "iB");
}

/*
 * A size in min..max into *v: 0, -ERANGE for one out of range (also one
 * too large to parse), -EINVAL for what is no size.
 */
static int fp_parse_in_range(const char *value, uint64_t min, uint64_t max,
			     uint64_t *v)
{
	int ret = fn_parse_size(value, v);

	if (ret == -ERANGE || (ret < 0 && fp_size_too_big(value)) ||
	    (ret == 0 && (*v < min || *v > max)))
		return -ERANGE;
	return ret;
}

/*
 * A size (count false) or a count in decimal digits (count true), in
 * min..max.  A count written as a size ("2K") is read only to say it is
 * out of range; in range, it is still not a number.
 */
static int fp_check_number(const char *name, const char *value,
			   uint64_t min, uint64_t max, bool count,
			   uint64_t *out)
{
	uint64_t v;
	int ret;

	if (value == NULL)
		return 0;
	ret = fp_parse_in_range(value, min, max, &v);
	if (ret == -ERANGE)
		return fp_out_of_range(name, value, min, max, !count);
	if (ret < 0 || (count && strspn(value, "0123456789") != strlen(value)))
		return fp_bad(name, value, count ? "not a number" :
					  "not a size (e.g. 64K, 4M, 1G)");
	*out = v;
	return 0;
}

/* Seconds, whole or not, between whole min and max */
static int fp_check_seconds(const char *name, const char *value,
			    uint64_t min, uint64_t max, double *out)
{
	char range[FP_RANGE_LEN], why[FP_RANGE_LEN + 32];
	char *end;
	double d;

	if (value == NULL)
		return 0;
	errno = 0;
	d = strtod(value, &end);
	if (errno || end == value || *end != '\0' || !isfinite(d) ||
	    d < (double)min || d > (double)max) {
		fp_range(range, min, max, false);
		snprintf(why, sizeof(why), "not a number of seconds (%s)",
			 range);
		return fp_bad(name, value, why);
	}
	*out = d;
	return 0;
}

/* One of words: its index, or -1 after "not A, B or C" */
static int fp_check_words(const char *name, const char *value,
			  const char *const *words, int def)
{
	char why[128] = "not ";
	int i;

	if (value == NULL)
		return def;
	for (i = 0; words[i] != NULL; i++) {
		if (strcmp(value, words[i]) == 0)
			return i;
	}
	fp_words_text(why + 4, sizeof(why) - 4, words, ", ", " or ");
	return fp_bad(name, value, why);
}

static int fp_check_name(const char *name, const char *value,
			 const char **out)
{
	if (value == NULL)
		return 0;
	if (*value == '\0' || strchr(value, '/') != NULL ||
	    strcmp(value, ".") == 0 || strcmp(value, "..") == 0 ||
	    strlen(value) > NAME_MAX)
		return fp_bad(name, value,
			      "not a file name (no '/', not . or ..)");
	*out = value;
	return 0;
}

static int fp_check_level(const char *name, const char *value, int min,
			  int max, int *out)
{
	char why[64];
	int lvl;

	if (value == NULL)
		return 0;
	lvl = fn_log_parse_level(value);
	if (lvl < min || lvl > max) {
		snprintf(why, sizeof(why),
			 "not off, error, warn, info, debug or %d..%d", min,
			 max);
		return fp_bad(name, value, why);
	}
	*out = lvl;
	return 0;
}

/* ---- defaults that depend on the system or on other options ------------- */

/* A pipe for a whole 1 MiB request and its headers; the slack of a reply */
#define FP_PIPE_WANT	(2u << 20)
#define FP_PIPE_SLACK	(16u << 10)

/*
 * The largest pipe this process can make: root with CAP_SYS_RESOURCE
 * grows one past fs.pipe-max-size, others up to it.  0 if none can be made.
 */
static uint64_t fp_pipe_max(void)
{
	int p[2];
	int n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return 0;
	n = fcntl(p[0], F_SETPIPE_SZ, FP_PIPE_WANT);
	if (n < 0) {
		FILE *f = fopen("/proc/sys/fs/pipe-max-size", "re");
		int max = 0;

		if (f != NULL) {
			if (fscanf(f, "%d", &max) != 1)
				max = 0;
			fclose(f);
		}
		n = max > 0 ? fcntl(p[0], F_SETPIPE_SZ, max) : -1;
		if (n < 0)
			n = fcntl(p[0], F_GETPIPE_SZ);
	}
	close(p[0]);
	close(p[1]);
	return n > 0 ? (uint64_t)n : 0;
}

/*
 * libfuse splices a read reply through a pipe that must hold the data, its
 * header and three pages more, and receives a write by splice only into a
 * pipe as large as its whole buffer (1 MiB and a page).  Without
 * CAP_SYS_RESOURCE, fs.pipe-max-size (1 MiB by default) caps pipes: then
 * read requests stay 16 KiB under it (max_read's default), since a read
 * that does not fit is copied through memory.
 */
static uint64_t fp_splice_read_max(uint64_t pipe_max)
{
	return pipe_max > FP_PIPE_SLACK ?
	       (pipe_max - FP_PIPE_SLACK) & ~UINT64_C(4095) : 0;
}

/* max_read's default: 1 MiB, or what a pipe carries where we splice */
static uint64_t fp_max_read_default(const struct fp_config *cfg)
{
	if (cfg->splice && cfg->splice_read_max >= 4096 &&
	    cfg->splice_read_max < (1 << 20))
		return cfg->splice_read_max;
	return 1 << 20;
}

/*
 * The timeouts' default, by cache=: never asks every time, auto sees
 * changes made on the backing side within a second, always trusts the
 * kernel's caches for a day, and so does watch, which drops what changes
 * (watch.c).
 */
static double fp_cache_timeout(enum fp_cache cache)
{
	switch (cache) {
	case FP_CACHE_NEVER:
		return 0;
	case FP_CACHE_ALWAYS:
	case FP_CACHE_WATCH:
		return 86400;
	case FP_CACHE_AUTO:
	default:
		return 1;
	}
}

/* ---- from the options to struct fp_config ------------------------------ */

/* Each kind's check: ret is 0, or -1 after the message */
#define FP_CHECK_SIZE(name, field, def, min, max)			\
	n = def;							\
	ret = fp_check_number(#name, a->name, min, max, false, &n);	\
	cfg->field = n;
#define FP_CHECK_COUNT(name, field, def, min, max)			\
	n = def;							\
	ret = fp_check_number(#name, a->name, min, max, true, &n);	\
	cfg->field = (unsigned int)n;
#define FP_CHECK_SECONDS(name, field, def, min, max)			\
	cfg->field = def;						\
	ret = fp_check_seconds(#name, a->name, min, max, &cfg->field);
#define FP_CHECK_WORDS(name, field, def, min, max)			\
	ret = fp_check_words(#name, a->name, fp_words_##field, def);	\
	cfg->field = ret;
#define FP_CHECK_NAME(name, field, def, min, max)			\
	cfg->field = def;						\
	ret = fp_check_name(#name, a->name, &cfg->field);
#define FP_CHECK_LEVEL(name, field, def, min, max)			\
	cfg->field = def;						\
	ret = fp_check_level(#name, a->name, min, max, &cfg->field);
#define FP_CHECK_FLAG(name, field, def, min, max)			\
	cfg->field = a->name ? !(def) : (def);				\
	ret = 0;
#define FP_CHECK_KEEP		FP_CHECK_FLAG
#define FP_CHECK_NOFLAG		FP_CHECK_FLAG
#define FP_CHECK_CLEAR(name, field, def, min, max)			\
	if (a->name)							\
		cfg->field = def;					\
	ret = 0;
#define FP_CHECK_DERIVED(name, field, def, min, max)			\
	cfg->field = def;						\
	ret = 0;

/* Every row of FP_OPTIONS, in order: its default, else its value */
static int fp_config_options(const struct fp_args *a, struct fp_config *cfg)
{
	uint64_t n;
	int ret;

#define FP_CHECK(kind, name, field, def, min, max, shown, help)	\
	FP_CHECK_##kind(name, field, def, min, max)			\
	if (ret < 0)							\
		return -1;
	FP_OPTIONS(FP_CHECK)
#undef FP_CHECK
	return 0;
}

/*
 * What options decide together, and what they set outside: the engine's
 * chunk size and the log level.  0 or -1 after one message.
 */
static int fp_config_derive(const struct fp_args *a, struct fp_config *cfg)
{
	if (fp_passthrough_check(cfg) < 0)
		return -1;
	if (fn_set_chunk_size(cfg->chunk_size) < 0)
		return fp_bad("chunk_size", a->chunk_size, "refused");
	if (fn_set_log_level(cfg->log_level) < 0)
		return fp_bad("log_level", a->log_level, "refused");
	cfg->default_permissions = cfg->allow_other &&
				   cfg->default_permissions;
	cfg->creds = cfg->allow_other && geteuid() == 0;
	/*
	 * The writeback cache sends the kernel's own mtime and ctime updates
	 * (after writes, truncates, renames) as explicit times, which only a
	 * file's owner may set: entry.c applies them as root, safe only where
	 * the kernel checked each caller's setattr (default_permissions).
	 */
	if (cfg->creds && cfg->writeback && !cfg->default_permissions) {
		fprintf(stderr, "fnpassfs: writeback: needs "
			"default_permissions with allow_other (drop "
			"no_default_permissions or writeback)\n");
		return -1;
	}
	return 0;
}

/* Check and convert every option; 0 or -1 after one message */
int fp_config(const struct fp_args *a, struct fp_config *cfg)
{
	uint64_t pipe_max = fp_pipe_max();

	/* the pipe first: max_read's default depends on it */
	cfg->splice_read_max = fp_splice_read_max(pipe_max);
	if (fp_config_options(a, cfg) < 0)
		return -1;
	cfg->splice_write = cfg->splice && pipe_max >= FP_PIPE_WANT;
	return fp_config_derive(a, cfg);
}

/* ---- /.stats ----------------------------------------------------------- */

#define FP_STAT_NUMBER(field)						\
	fn_stats_append(buf, len, pos, "opt_" #field, cfg->field);
#define FP_STAT_SIZE		FP_STAT_NUMBER
#define FP_STAT_COUNT		FP_STAT_NUMBER
#define FP_STAT_LEVEL		FP_STAT_NUMBER
#define FP_STAT_FLAG		FP_STAT_NUMBER
#define FP_STAT_KEEP		FP_STAT_NUMBER
#define FP_STAT_NOFLAG		FP_STAT_NUMBER
#define FP_STAT_DERIVED		FP_STAT_NUMBER
#define FP_STAT_SECONDS(field)						\
	snprintf(num, sizeof(num), "%g", cfg->field);			\
	fn_stats_append_str(buf, len, pos, "opt_" #field, num);
#define FP_STAT_WORDS(field)						\
	fn_stats_append_str(buf, len, pos, "opt_" #field,		\
			    fp_words_##field[cfg->field]);
#define FP_STAT_NAME(field)						\
	fn_stats_append_str(buf, len, pos, "opt_" #field, cfg->field);
#define FP_STAT_CLEAR(field)

/* The opt_<field> line of each row of FP_OPTIONS, in order */
void fp_options_stats(char *buf, size_t len, size_t *pos)
{
	const struct fp_config *cfg = &fp_fs.cfg;
	char num[64];

#define FP_STAT(kind, name, field, def, min, max, shown, help)		\
	FP_STAT_##kind(field)
	FP_OPTIONS(FP_STAT)
#undef FP_STAT
}
