// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t-threads: four threads copy at once, two through the kernel and two
 * through the forced fallback, sparse and not; afterwards every counter
 * is the exact sum of what each thread did, and every copy is right.
 * The counters are relaxed atomics: a lost update would show here.
 */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fn-test.h"

#define NTHREADS	4
#define ROUNDS		1000
#define SIZE		(64 * 1024 + 333)

static char *dir;

struct worker {
	pthread_t tid;
	unsigned int flags;
	int in;
	int out;
	uint64_t bytes;
	unsigned int errors;
	unsigned int bad_results;
};

static const unsigned int thread_flags[NTHREADS] = {
	0, FN_COPY_NO_KERNEL, FN_COPY_SPARSE,
	FN_COPY_SPARSE | FN_COPY_NO_KERNEL,
};

static void *work(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < ROUNDS; i++) {
		/* Each round: the whole file, a bad call, a call at EOF */
		off_t oi = 0;
		off_t oo = 0;
		ssize_t n = fn_copy_range(w->in, &oi, w->out, &oo, SIZE + 99,
					  w->flags);

		if (n != SIZE)
			w->bad_results++;
		else
			w->bytes += (uint64_t)n;
		if (fn_copy_range(w->in, &oi, w->out, &oo, 1,
				  w->flags | 0x100) != -EINVAL)
			w->bad_results++;
		else
			w->errors++;
		if (fn_copy_range(w->in, &oi, w->out, &oo, 1, w->flags) != 0)
			w->bad_results++;
	}
	return NULL;
}

int main(void)
{
	struct worker w[NTHREADS];
	uint64_t total = 0;
	unsigned int errors = 0;
	unsigned int bad = 0;
	bool same = true;
	struct fn_stats s;

	plan_lazy();
	dir = test_tmpdir();
	for (int i = 0; i < NTHREADS; i++) {
		char name[32];
		char *p;

		memset(&w[i], 0, sizeof(w[i]));
		w[i].flags = thread_flags[i];
		snprintf(name, sizeof(name), "src%d", i);
		p = tf_path(dir, name);
		w[i].in = tf_make_file(p, SIZE, (unsigned int)i);
		free(p);
		snprintf(name, sizeof(name), "dst%d", i);
		p = tf_path(dir, name);
		w[i].out = tf_make_file(p, 0, 0);
		free(p);
	}
	fn_stats_reset();
	for (int i = 0; i < NTHREADS; i++)
		if (pthread_create(&w[i].tid, NULL, work, &w[i]) != 0)
			bail("pthread_create");
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(w[i].tid, NULL);
		total += w[i].bytes;
		errors += w[i].errors;
		bad += w[i].bad_results;
		same = same && tf_same_file(w[i].in, w[i].out);
	}
	fn_stats_get(&s);
	is_int(0, bad, "every call returned what it should");
	ok(same, "every copy is right");
	is_int(NTHREADS * ROUNDS * 3, (long)s.copy_ops, "copy_ops");
	is_int((long)total, (long)s.copy_bytes, "copy_bytes");
	is_int((long)NTHREADS * ROUNDS * SIZE, (long)s.copy_bytes,
	       "copy_bytes: 4 x 1000 x %d", SIZE);
	is_int(errors, (long)s.copy_errors, "copy_errors");
	is_int(NTHREADS * ROUNDS, (long)s.copy_errors, "copy_errors: 4000");
	is_int(2 * ROUNDS, (long)s.copy_kernel_ops, "copy_kernel_ops");
	is_int(2L * ROUNDS * SIZE, (long)s.copy_kernel_bytes,
	       "copy_kernel_bytes");
	/* A call at EOF takes no path at all */
	is_int(2 * ROUNDS, (long)s.copy_fallback_ops, "copy_fallback_ops");
	is_int(2 * ROUNDS, (long)s.copy_fallback_forced,
	       "copy_fallback_forced");
	is_int(2L * ROUNDS * SIZE, (long)s.copy_fallback_bytes,
	       "copy_fallback_bytes");
	ok(s.copy_fallback_enosys == 0 && s.copy_fallback_eopnotsupp == 0 &&
	   s.copy_fallback_exdev == 0 && s.copy_fallback_einval == 0 &&
	   s.copy_fallback_zero == 0 && s.copy_sparse_hole_bytes == 0,
	   "no other fallback, no holes");
	test_tmpdir_free(dir);
	return 0;
}
