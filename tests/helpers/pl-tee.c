// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pl-tee: a tee-like copy loop for the preload's transparency matrix.
 *
 *	pl-tee BUFSIZE IN OUT1 OUT2
 *
 * Reads IN with read(2) into one buffer of BUFSIZE bytes and writes each
 * buffer, unchanged, to OUT1 and then to OUT2 (created or truncated).  The
 * second write of the same buffer is the case the preload must get right:
 * the bytes were read once, written twice, and both outputs must be the
 * source.  Prints "copied N" on stdout.  Exit 0 on success, 1 on an I/O
 * error (the failing call and its errno on stderr), 2 for usage.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HP_NAME "pl-tee"
#include "helper.h"

int main(int argc, char **argv)
{
	unsigned long long total = 0;
	size_t bufsize;
	char *end;
	char *buf;
	int in, out1, out2;
	ssize_t n;
	int ret;

	if (argc != 5) {
		fprintf(stderr, "usage: pl-tee BUFSIZE IN OUT1 OUT2\n");
		return 2;
	}
	bufsize = strtoul(argv[1], &end, 0);
	if (*end || !bufsize) {
		fprintf(stderr, "pl-tee: %s: not a buffer size\n", argv[1]);
		return 2;
	}
	buf = malloc(bufsize);
	if (!buf) {
		perror("pl-tee: malloc");
		return 1;
	}
	in = open(argv[2], O_RDONLY);
	if (in < 0) {
		fprintf(stderr, "pl-tee: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	out1 = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out1 < 0) {
		fprintf(stderr, "pl-tee: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	out2 = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out2 < 0) {
		fprintf(stderr, "pl-tee: %s: %s\n", argv[4], strerror(errno));
		return 1;
	}
	for (;;) {
		n = read(in, buf, bufsize);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "pl-tee: read: %s\n", strerror(errno));
			return 1;
		}
		if (n == 0)
			break;
		ret = hp_write_all(out1, buf, n);
		if (!ret)
			ret = hp_write_all(out2, buf, n);
		if (ret) {
			fprintf(stderr, "pl-tee: write: %s\n", strerror(-ret));
			return 1;
		}
		total += n;
	}
	if (close(out1) || close(out2)) {
		fprintf(stderr, "pl-tee: close: %s\n", strerror(errno));
		return 1;
	}
	close(in);
	free(buf);
	printf("copied %llu\n", total);
	return 0;
}
