/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fncopy.h: the public interface of libfncopy, fnaccel's copy engine.
 *
 * fn_copy_range() does what copy_file_range(2) promises and never fails
 * where a copy is still possible: it tries the kernel first, falls back to
 * a chunked pread/pwrite copy when the file systems refuse the call, and
 * counts what it did in process-wide, lock-free statistics.
 *
 * Functions that can fail return a negative errno (as the kernel and
 * libfuse do), a count or 0 on success.  See libfncopy(3).
 */
#ifndef FNCOPY_H
#define FNCOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#define FN_STATIC_ASSERT static_assert
#else
#define FN_STATIC_ASSERT _Static_assert
#endif

FN_STATIC_ASSERT(sizeof(off_t) == 8,
		 "fncopy.h needs a 64-bit off_t: build with _FILE_OFFSET_BITS=64");

#define FN_API __attribute__((visibility("default")))
#define FN_MUST_CHECK __attribute__((warn_unused_result))

/* fn_copy_range() flags */
#define FN_COPY_SPARSE		0x1u	/* keep the source's holes */
#define FN_COPY_NO_KERNEL	0x2u	/* skip copy_file_range(2) */
#define FN_COPY_FLAGS_ALL	(FN_COPY_SPARSE | FN_COPY_NO_KERNEL)

/* Fallback chunk size: default and accepted range, in bytes */
#define FN_CHUNK_DEFAULT	(UINT64_C(4) << 20)
#define FN_CHUNK_MIN		(UINT64_C(64) << 10)
#define FN_CHUNK_MAX		(UINT64_C(1) << 30)

/* One range for fn_copy_ranges() */
struct fn_range {
	off_t off_in;
	off_t off_out;
	size_t len;
};

/*
 * The statistics keys, in the order fn_stats_format() prints them.
 * C(name) is a counter that fn_stats_reset() zeroes; G(name) a gauge that
 * describes the engine's state and is never reset.
 */
#define FN_STATS_FIELDS(C, G)						\
	C(copy_ops)		/* fn_copy_range() calls */		\
	C(copy_bytes)		/* bytes copied, all paths */		\
	C(copy_kernel_ops)	/* calls that copied by the kernel */	\
	C(copy_kernel_bytes)						\
	C(copy_fallback_ops)	/* calls that used the fallback */	\
	C(copy_fallback_bytes)						\
	C(copy_fallback_enosys)	/* why the fallback was taken */	\
	C(copy_fallback_eopnotsupp)					\
	C(copy_fallback_exdev)						\
	C(copy_fallback_einval)						\
	C(copy_fallback_zero)	/* kernel copied 0 before EOF */	\
	C(copy_fallback_forced)	/* FN_COPY_NO_KERNEL */			\
	C(copy_sparse_hole_bytes) /* source holes not written */	\
	C(copy_errors)		/* calls that returned -errno */	\
	C(copy_ns)		/* time spent in the engine */		\
	G(copy_chunk_size)	/* effective fallback chunk size */	\
	G(copy_kernel_supported) /* 1 if copy_file_range(2) exists */

/* A snapshot of the statistics; fields are not atomic as a whole. */
struct fn_stats {
#define FN_STATS_U64(name) uint64_t name;
	FN_STATS_FIELDS(FN_STATS_U64, FN_STATS_U64)
#undef FN_STATS_U64
};

/*
 * Copy len bytes from fd_in to fd_out like copy_file_range(2): a NULL
 * offset pointer uses and advances the descriptor's file offset, a
 * non-NULL one is used and advanced and the file offset is left alone.
 * Returns the bytes copied (fewer than len only at the source's EOF, or
 * when an error stopped the copy after some bytes), or -errno if nothing
 * was copied.
 */
FN_API FN_MUST_CHECK ssize_t fn_copy_range(int fd_in, off_t *off_in,
					   int fd_out, off_t *off_out,
					   size_t len, unsigned int flags);

/*
 * Copy n ranges between two files, merging ranges that continue each
 * other in both files first.  Stops at the first range that comes back
 * short.  Returns the total bytes copied, or -errno if nothing was.
 */
FN_API FN_MUST_CHECK ssize_t fn_copy_ranges(int fd_in, int fd_out,
					    const struct fn_range *r, size_t n,
					    unsigned int flags);

/*
 * The library reads no environment: a program sets what it wants (the
 * front ends of fnaccel read FNACCEL_CHUNK_SIZE and FNACCEL_LOG).
 */

/* Fallback chunk size: 0, or -EINVAL outside FN_CHUNK_MIN..FN_CHUNK_MAX */
FN_API FN_MUST_CHECK int fn_set_chunk_size(uint64_t bytes);
/* The size set (default FN_CHUNK_DEFAULT); copy_chunk_size shows the cap */
FN_API uint64_t fn_get_chunk_size(void);

/* Log levels; lines are written only by a build with --enable-logging */
#define FN_LOG_LEVEL_OFF	0
#define FN_LOG_LEVEL_ERROR	1
#define FN_LOG_LEVEL_WARN	2
#define FN_LOG_LEVEL_INFO	3
#define FN_LOG_LEVEL_DEBUG	4

/* Set at startup, before copies run: 0, or -EINVAL outside OFF..DEBUG */
FN_API FN_MUST_CHECK int fn_set_log_level(int level);
/* The level set (default: the build's, FN_LOG_DEFAULT_LEVEL) */
FN_API int fn_get_log_level(void);

/* Whether the kernel has copy_file_range(2); probed once */
FN_API bool fn_kernel_copy_supported(void);

FN_API void fn_stats_get(struct fn_stats *out);
FN_API void fn_stats_reset(void);
/*
 * Write the statistics as "key value\n" lines into buf (NUL-terminated).
 * Returns the length the text needs (without the NUL), like snprintf, or
 * -errno; the text is complete only if the result is below len.
 */
FN_API FN_MUST_CHECK int fn_stats_format(char *buf, size_t len);

/* The library's version, e.g. "0.1.0" */
FN_API const char *fn_version(void);

#ifdef __cplusplus
}
#endif
#undef FN_STATIC_ASSERT

#endif /* FNCOPY_H */
