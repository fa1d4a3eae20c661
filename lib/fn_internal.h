/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fn_internal.h: what the engine's files in lib/ share, and what its
 * unit tests reach into: the live counters, the effective chunk size,
 * the test seam.  No front end includes it: they include fn_frontend.h,
 * which this header extends.  Everything here has hidden visibility.
 */
#ifndef FN_INTERNAL_H
#define FN_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "fn_frontend.h"

/* Where the counters are: the process's own, or fn_stats_place()'s */
extern struct fn_stats_live *fn_live;

/* The chunk size the fallback uses: the set size, capped by memory */
uint64_t fn_effective_chunk_size(void);

/*
 * Test seam: the function the kernel path calls instead of
 * copy_file_range(2), so tests can make it fail with any errno.  NULL
 * restores the real call.
 */
typedef ssize_t (*fn_cfr_fn)(int fd_in, off_t *off_in, int fd_out,
			     off_t *off_out, size_t len, unsigned int flags);
void fn_test_set_copy_file_range(fn_cfr_fn fn);

#endif /* FN_INTERNAL_H */
