// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fncp: copy one file with the engine and print what it did.
 *
 *	fncp [--sparse] [--no-kernel] [--chunk SIZE] [--env] [--stats]
 *	     [--offsets IN OUT] [--len N] SRC DST
 *
 * --env reads FNACCEL_CHUNK_SIZE and FNACCEL_LOG as fnaccel's front ends
 * do (fn_env_apply()); without it the environment changes nothing, as
 * for any program linking the library.
 * DST is created (mode 0644) or truncated unless --offsets is given, in
 * which case it is opened without truncation and the range is copied in
 * place.  Prints "copied N" and, with --stats, the engine's statistics.
 * Used by the README's demo and by the end-to-end tests.  Exit 0 when
 * the copy succeeded, 1 when it failed, 2 for usage.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fn_frontend.h"

#define HP_NAME "fncp"
#include "helper.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: fncp [--sparse] [--no-kernel] [--chunk SIZE] "
		   "[--env] [--stats] [--offsets IN OUT] [--len N] SRC DST\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sparse", no_argument, NULL, 's' },
		{ "no-kernel", no_argument, NULL, 'n' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "env", no_argument, NULL, 'e' },
		{ "stats", no_argument, NULL, 'S' },
		{ "offsets", required_argument, NULL, 'o' },
		{ "len", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int flags = 0;
	bool stats = false;
	bool ranged = false;
	uint64_t chunk = 0;
	uint64_t off_in = 0;
	uint64_t off_out = 0;
	uint64_t len = SSIZE_MAX;
	off_t oi;
	off_t oo;
	char text[4096];
	ssize_t n;
	int in;
	int out;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			flags |= FN_COPY_SPARSE;
			break;
		case 'n':
			flags |= FN_COPY_NO_KERNEL;
			break;
		case 'e':
			fn_env_apply("fncp");
			break;
		case 'S':
			stats = true;
			break;
		case 'c':
			if (hp_parse_size("chunk", optarg, &chunk) < 0)
				return 2;
			if (fn_set_chunk_size(chunk) < 0) {
				fprintf(stderr, "fncp: chunk=%s: out of range "
					"(64K..1G)\n", optarg);
				return 2;
			}
			break;
		case 'o':
			if (optind >= argc ||
			    hp_parse_size("offsets", optarg, &off_in) < 0 ||
			    hp_parse_size("offsets", argv[optind], &off_out) < 0)
				return 2;
			optind++;
			ranged = true;
			break;
		case 'l':
			if (hp_parse_size("len", optarg, &len) < 0)
				return 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	in = open(argv[optind], O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		fprintf(stderr, "fncp: %s: %s\n", argv[optind],
			strerror(errno));
		return 1;
	}
	out = open(argv[optind + 1], O_WRONLY | O_CREAT | O_CLOEXEC |
		   (ranged ? 0 : O_TRUNC), 0644);
	if (out < 0) {
		fprintf(stderr, "fncp: %s: %s\n", argv[optind + 1],
			strerror(errno));
		return 1;
	}
	oi = (off_t)off_in;
	oo = (off_t)off_out;
	n = fn_copy_range(in, &oi, out, &oo, len, flags);
	if (n < 0) {
		fprintf(stderr, "fncp: %s -> %s: %s\n", argv[optind],
			argv[optind + 1], strerror((int)-n));
		return 1;
	}
	/* A whole-file copy goes on until EOF, as cp does */
	while (!ranged && n > 0) {
		ssize_t m = fn_copy_range(in, &oi, out, &oo, SSIZE_MAX, flags);

		if (m < 0) {
			fprintf(stderr, "fncp: %s: %s\n", argv[optind + 1],
				strerror((int)-m));
			return 1;
		}
		if (m == 0)
			break;
		n += m;
	}
	if (close(out) < 0) {
		fprintf(stderr, "fncp: %s: %s\n", argv[optind + 1],
			strerror(errno));
		return 1;
	}
	printf("copied %zd\n", n);
	if (stats && fn_stats_format(text, sizeof(text)) > 0)
		fputs(text, stdout);
	return 0;
}
