// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pl-fcopy: a stdio copy loop for the preload's tests.
 *
 *	pl-fcopy CHUNK MODE IN OUT
 *
 * Copies IN to OUT (created or truncated) with fread(3) and fwrite(3) of
 * CHUNK bytes, OUT's stream set by MODE: full (setvbuf _IOFBF, 4 KiB),
 * none (_IONBF, as tee does), default (stdio's own) or unlocked
 * (fread_unlocked and fwrite_unlocked, stdio's own buffering).  After each
 * fwrite it checks that ftello(OUT) is the bytes written so far, the
 * stream's position the preload must keep.  Prints "copied N" on stdout.
 * Exit 0 on success, 1 on an I/O error or a wrong position, 2 for usage.
 */
#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

int main(int argc, char **argv)
{
	size_t chunk;
	size_t total = 0;
	size_t n;
	bool unlocked;
	FILE *in;
	FILE *out;
	char *buf;

	if (argc != 5 || (chunk = strtoul(argv[1], NULL, 0)) == 0) {
		fprintf(stderr, "usage: pl-fcopy CHUNK full|none|default|"
				"unlocked IN OUT\n");
		return 2;
	}
	unlocked = strcmp(argv[2], "unlocked") == 0;
	buf = malloc(chunk);
	in = fopen(argv[3], "rb");
	out = fopen(argv[4], "wb");
	if (!buf || !in || !out) {
		perror("pl-fcopy: open");
		return 1;
	}
	if (strcmp(argv[2], "full") == 0)
		setvbuf(out, NULL, _IOFBF, 4096);
	else if (strcmp(argv[2], "none") == 0)
		setvbuf(out, NULL, _IONBF, 0);
	for (;;) {
		n = unlocked ? fread_unlocked(buf, 1, chunk, in) :
			       fread(buf, 1, chunk, in);
		if (n == 0)
			break;
		if ((unlocked ? fwrite_unlocked(buf, 1, n, out) :
				fwrite(buf, 1, n, out)) != n) {
			perror("pl-fcopy: fwrite");
			return 1;
		}
		total += n;
		if (ftello(out) != (off_t)total) {
			fprintf(stderr, "pl-fcopy: ftello %lld, want %zu\n",
				(long long)ftello(out), total);
			return 1;
		}
	}
	if (ferror(in) || fclose(out) != 0) {
		perror("pl-fcopy: read or close");
		return 1;
	}
	fclose(in);
	free(buf);
	printf("copied %zu\n", total);
	return 0;
}
