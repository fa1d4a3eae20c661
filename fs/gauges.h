// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gauges.h: fnpassfs's own gauges, the keys of /.stats that describe a
 * state, not a count: "reset" leaves them alone and they may go down.
 * fnpassfs prints them from this list (stats.c) and fnstat takes their
 * names from it (tools/fnstat.c), so that it never reads one as a rate:
 * a new gauge is one line here.  The engine's gauges are the G() rows
 * of FN_STATS_FIELDS; the opt_ keys are not counts either.
 *
 *	X(after, key, value)
 *
 * after: where /.stats prints it, after which keys (enum fp_gauge_after);
 * key: its name; value: how fnpassfs reads it, an expression of fp_fs
 * (compiled only in stats.c, so this header needs nothing of libfuse).
 */
#ifndef FP_GAUGES_H
#define FP_GAUGES_H

#define FP_GAUGES(X)							\
	X(copy, uptime_s, (fn_now_ns() - fp_fs.start_ns) / 1000000000u) \
	/* the table's inodes and the root */				\
	X(counters, fs_inodes, atomic_load(&fp_fs.ninodes) + 1)		\
	X(counters, fs_open_files, (uint64_t)atomic_load(&fp_fs.open_files)) \
	/* inode.c: handles, and the descriptors kept for them or not */ \
	X(counters, fs_handles_capable, fp_fs.handles_capable)		\
	X(counters, fs_inodes_handle, atomic_load(&fp_fs.ninodes_handle)) \
	X(counters, fs_inodes_fd, atomic_load(&fp_fs.ninodes_fd))	\
	X(counters, fs_fd_cache_open, atomic_load(&fp_fs.fd_cached))	\
	/* passthrough.c: negotiated at INIT; backing files registered */ \
	X(opt, fs_passthrough_active, fp_fs.pt_active)			\
	X(pt_opens, fs_passthrough_files, atomic_load(&fp_fs.pt_files))

/* The places of the gauges in /.stats: after the keys of ... */
enum fp_gauge_after {
	FP_AFTER_copy,		/* the engine (fn_stats_format()) */
	FP_AFTER_counters,	/* FP_COUNTERS */
	FP_AFTER_opt,		/* the options (fp_options_stats()) */
	FP_AFTER_pt_opens,	/* fs_passthrough_opens */
};

#endif /* FP_GAUGES_H */
