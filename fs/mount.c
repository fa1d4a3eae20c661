// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * mount.c: mount.fnpassfs, the helper mount(8) runs for the types
 * fnpassfs and (installed also as mount.fuse.fnpassfs) fuse.fnpassfs,
 * from the command line, fstab lines and systemd .mount units:
 *
 *	mount.fnpassfs SOURCE MOUNTPOINT [-sfnv] [-N NS] [-o OPTIONS] [-t TYPE]
 *
 * It runs fnpassfs by the absolute path it was installed at
 * (FP_FNPASSFS, $(bindir)/fnpassfs), as mount(8) gives its helpers no
 * PATH and mount.fuse3 looks the program up through sh(1):
 *
 *	fnpassfs SOURCE MOUNTPOINT -o OPTIONS
 *
 * in the background once mounted, and its exit status is fnpassfs's
 * (exec).  OPTIONS lose what only mount(8) and systemd read (x-*, X-*)
 * and what a user mount adds (user=NAME, owner, group); fstab's other
 * words (defaults, noauto, nofail, _netdev, comment=, ...) fnpassfs
 * itself takes and ignores, so that fnpassfs#SOURCE through mount.fuse3
 * takes them too.  -f (fake) runs nothing, -v says the command on stderr,
 * -n (no mtab) and -s (sloppy) change nothing, as fnpassfs refuses an
 * unknown option either way; -N enters the mount namespace NS (a PID or
 * a namespace file) first.  Exit 2: a usage error; 1: -N or the exec
 * failed.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef FP_FNPASSFS
#define FP_FNPASSFS "/usr/bin/fnpassfs"
#endif

#define FP_HELPER	"mount.fnpassfs"

static void fp_usage(FILE *f)
{
	fprintf(f,
"usage: " FP_HELPER " SOURCE MOUNTPOINT [-sfnv] [-N NS] [-o OPTIONS] [-t TYPE]\n"
"Run by mount(8) for the types fnpassfs and fuse.fnpassfs: runs\n"
"  " FP_FNPASSFS " SOURCE MOUNTPOINT -o OPTIONS\n"
"(fnpassfs --help lists the options).\n");
}

static int fp_usage_error(const char *why, const char *what)
{
	fprintf(stderr, FP_HELPER ": %s%s\n", why, what);
	fp_usage(stderr);
	return 2;
}

/* An option of the list that is not for fnpassfs */
static bool fp_dropped(const char *opt, size_t len)
{
	static const char *const words[] = { "owner", "group", NULL };
	int i;

	if (len >= 2 && (opt[0] == 'x' || opt[0] == 'X') && opt[1] == '-')
		return true;
	if (len >= 5 && strncmp(opt, "user=", 5) == 0)
		return true;
	for (i = 0; words[i] != NULL; i++) {
		if (strlen(words[i]) == len && strncmp(opt, words[i], len) == 0)
			return true;
	}
	return false;
}

/*
 * Append to out the options of list that are for fnpassfs, comma
 * separated.  A comma inside double quotes (libmount quotes a value
 * with commas: fsname="a,b") does not separate.
 */
static void fp_filter_options(char *out, const char *list)
{
	const char *p = list;
	bool quoted = false;
	size_t len;

	while (*p != '\0') {
		for (len = 0; p[len] != '\0' && (quoted || p[len] != ','); len++)
			if (p[len] == '"')
				quoted = !quoted;
		if (len > 0 && !fp_dropped(p, len)) {
			if (*out != '\0')
				strcat(out, ",");
			strncat(out, p, len);
		}
		p += len;
		if (*p == ',')
			p++;
	}
}

/* Enter the mount namespace ns: a PID, or a file such as /proc/PID/ns/mnt */
static int fp_enter_ns(const char *ns)
{
	char path[64];
	int fd;

	if (ns[0] != '\0' && strspn(ns, "0123456789") == strlen(ns)) {
		snprintf(path, sizeof(path), "/proc/%.20s/ns/mnt", ns);
		ns = path;
	}
	fd = open(ns, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNS) < 0) {
		fprintf(stderr, FP_HELPER ": -N %s: %s\n", ns, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *source = NULL, *mountpoint = NULL, *ns = NULL;
	bool fake = false, verbose = false;
	char *opts, *args[6];
	size_t len = 1;
	int i, n = 0;

	for (i = 1; i < argc; i++)
		len += strlen(argv[i]) + 1;
	opts = calloc(1, len);
	if (opts == NULL) {
		perror(FP_HELPER);
		return 1;
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fp_usage(stdout);
			return 0;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (source == NULL)
				source = a;
			else if (mountpoint == NULL)
				mountpoint = a;
			else
				return fp_usage_error("too many arguments: ", a);
			continue;
		}
		/* -o OPTIONS or -oOPTIONS, and so -N and -t */
		if (strchr("oNt", a[1]) != NULL) {
			const char *v = a[2] != '\0' ? a + 2 : argv[++i];

			if (v == NULL)
				return fp_usage_error("missing value of ", a);
			if (a[1] == 'o')
				fp_filter_options(opts, v);
			else if (a[1] == 'N')
				ns = v;
			else if (strcmp(v, "fnpassfs") != 0 &&
				 strcmp(v, "fuse.fnpassfs") != 0)
				return fp_usage_error("not fnpassfs: -t ", v);
			continue;
		}
		/* -sfnv, one letter each or together */
		if (strspn(a + 1, "sfnv") != strlen(a + 1))
			return fp_usage_error("unknown option ", a);
		fake |= strchr(a, 'f') != NULL;
		verbose |= strchr(a, 'v') != NULL;
	}
	if (source == NULL || mountpoint == NULL)
		return fp_usage_error("SOURCE and MOUNTPOINT are needed", "");

	args[n++] = (char *)FP_FNPASSFS;
	args[n++] = (char *)source;
	args[n++] = (char *)mountpoint;
	if (*opts != '\0') {
		args[n++] = (char *)"-o";
		args[n++] = opts;
	}
	args[n] = NULL;
	if (verbose) {
		fprintf(stderr, FP_HELPER ":");
		for (i = 0; i < n; i++)
			fprintf(stderr, " %s", args[i]);
		fputc('\n', stderr);
	}
	if (fake)
		return 0;
	if (ns != NULL && fp_enter_ns(ns) < 0)
		return 1;
	execv(args[0], args);
	fprintf(stderr, FP_HELPER ": %s: %s\n", args[0], strerror(errno));
	return 1;
}
