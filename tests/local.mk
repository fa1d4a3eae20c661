# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/local.mk: TAP tests, run by make check (tap-driver.sh) and prove
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) \
	$(top_srcdir)/build-aux/tap-driver.sh
TEST_EXTENSIONS = .sh
SH_LOG_DRIVER = $(LOG_DRIVER)
AM_TESTS_ENVIRONMENT = \
	FN_SRCDIR='$(abs_top_srcdir)'; FN_BUILDDIR='$(abs_top_builddir)'; \
	FN_TRASH_DIR='$(abs_top_builddir)/tests'; \
	export FN_SRCDIR FN_BUILDDIR FN_TRASH_DIR;

check_LTLIBRARIES += %reldir%/libtap.la
%canon_reldir%_libtap_la_SOURCES = %reldir%/lib/tap.c %reldir%/lib/tap.h

# C unit tests link the engine's objects (they reach hidden internals)
FN_TEST_LIBS = %reldir%/libtap.la lib/libfnfront.la lib/libfncore.la
FN_TEST_LINKFLAGS = -no-install

EXTRA_DIST += %reldir%/lib/test-lib.sh %reldir%/README

clean-local: clean-local-tests
clean-local-tests:
	-rm -rf tests/trash.*
.PHONY: clean-local-tests

# fncp: the engine on the command line, for the demo and shell tests
noinst_PROGRAMS += %reldir%/helpers/fncp
%canon_reldir%_helpers_fncp_SOURCES = %reldir%/helpers/fncp.c \
	%reldir%/helpers/helper.h
%canon_reldir%_helpers_fncp_LDADD = lib/libfnfront.la lib/libfncore.la

# ---- engine tests (lib/): t-*.c unit tests, t0xxx end to end ----------
# (add TESTS and check_PROGRAMS for the engine here)
FN_ENGINE_TESTS = \
	%reldir%/t-copy-basic \
	%reldir%/t-copy-errors \
	%reldir%/t-copy-fallback \
	%reldir%/t-copy-sparse \
	%reldir%/t-copy-stats \
	%reldir%/t-size-parse \
	%reldir%/t-threads \
	%reldir%/t-copy-ranges \
	%reldir%/t-copy-enospc
check_PROGRAMS += $(FN_ENGINE_TESTS)
TESTS += $(FN_ENGINE_TESTS)
EXTRA_DIST += %reldir%/lib/fn-test.h
FN_ENGINE_SH = \
	%reldir%/t0001-engine-xfs.sh \
	%reldir%/t0002-engine-exdev.sh \
	%reldir%/t0003-engine-enospc.sh \
	%reldir%/t0004-engine-env.sh
TESTS += $(FN_ENGINE_SH)
EXTRA_DIST += $(FN_ENGINE_SH)
%canon_reldir%_t_copy_basic_LDADD = $(FN_TEST_LIBS)
%canon_reldir%_t_copy_basic_LDFLAGS = $(FN_TEST_LINKFLAGS)
%canon_reldir%_t_copy_errors_LDADD = $(FN_TEST_LIBS)
%canon_reldir%_t_copy_errors_LDFLAGS = $(FN_TEST_LINKFLAGS)
%canon_reldir%_t_copy_fallback_LDADD = $(FN_TEST_LIBS)
%canon_reldir%_t_copy_fallback_LDFLAGS = $(FN_TEST_LINKFLAGS)
%canon_reldir%_t_copy_sparse_LDADD = $(FN_TEST_LIBS)
%canon_reldir%_t_copy_sparse_LDFLAGS = $(FN_TEST_LINKFLAGS)
%canon_reldir%_t_copy_stats_LDADD = $(FN_TEST_LIBS)
%canon_reldir%_t_copy_stats_LDFLAGS = $(FN_TEST_LINKFLAGS)
%canon_reldir%_t_size_parse_LDADD = $(FN_TEST_LIBS)
%canon_reldir%_t_size_parse_LDFLAGS = $(FN_TEST_LINKFLAGS)
%canon_reldir%_t_threads_LDADD = $(FN_TEST_LIBS) -lpthread
%canon_reldir%_t_threads_LDFLAGS = $(FN_TEST_LINKFLAGS)
%canon_reldir%_t_copy_ranges_LDADD = $(FN_TEST_LIBS)
%canon_reldir%_t_copy_ranges_LDFLAGS = $(FN_TEST_LINKFLAGS)
%canon_reldir%_t_copy_enospc_LDADD = $(FN_TEST_LIBS)
%canon_reldir%_t_copy_enospc_LDFLAGS = $(FN_TEST_LINKFLAGS)


# ---- preload tests: t1xxx ------------------------------------------------
# (add TESTS and check_PROGRAMS for preload/ here)
FN_PRELOAD_TESTS = \
	%reldir%/t1001-preload-sendfile.sh \
	%reldir%/t1002-preload-substitution.sh \
	%reldir%/t1003-preload-config.sh \
	%reldir%/t1004-preload-fnaccel-cmd.sh \
	%reldir%/t1005-preload-adversary.sh \
	%reldir%/t1006-preload-data-copy.sh \
	%reldir%/t1007-preload-stats.sh \
	%reldir%/t1008-preload-progress.sh
	%reldir%/t1009-preload-pays.sh
TESTS += $(FN_PRELOAD_TESTS)
EXTRA_DIST += $(FN_PRELOAD_TESTS)
# fa-check: copy loops that try to fool the tracking (t1005)
check_PROGRAMS += %reldir%/helpers/fa-check
%canon_reldir%_helpers_fa_check_SOURCES = %reldir%/helpers/fa-check.c \
	%reldir%/helpers/helper.h
%canon_reldir%_helpers_fa_check_LDFLAGS = -no-install -pthread


# ---- preload transparency matrix and adversarial programs: t15xx --------
# Programs the shell tests run with and without libfnaccel.so: a tee-like
# loop, the adversarial copy loops, and the latter built fortified (it
# then imports __read_chk, which the preload must wrap too).
check_PROGRAMS += %reldir%/helpers/pl-tee %reldir%/helpers/pl-adv \
	%reldir%/helpers/pl-adv-fortify %reldir%/helpers/pl-fcopy
%canon_reldir%_helpers_pl_tee_SOURCES = %reldir%/helpers/pl-tee.c \
	%reldir%/helpers/helper.h
%canon_reldir%_helpers_pl_tee_LDFLAGS = $(FN_TEST_LINKFLAGS)
%canon_reldir%_helpers_pl_fcopy_SOURCES = %reldir%/helpers/pl-fcopy.c
%canon_reldir%_helpers_pl_fcopy_LDFLAGS = $(FN_TEST_LINKFLAGS)
%canon_reldir%_helpers_pl_adv_SOURCES = %reldir%/helpers/pl-adv.c \
	%reldir%/helpers/helper.h
%canon_reldir%_helpers_pl_adv_LDFLAGS = $(FN_TEST_LINKFLAGS)
%canon_reldir%_helpers_pl_adv_fortify_SOURCES = %reldir%/helpers/pl-adv.c \
	%reldir%/helpers/helper.h
%canon_reldir%_helpers_pl_adv_fortify_CPPFLAGS = $(AM_CPPFLAGS) \
	-U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2
%canon_reldir%_helpers_pl_adv_fortify_CFLAGS = $(AM_CFLAGS) -O2
%canon_reldir%_helpers_pl_adv_fortify_LDFLAGS = $(FN_TEST_LINKFLAGS)
TESTS += %reldir%/t1501-matrix.sh %reldir%/t1502-adversarial.sh \
	%reldir%/t1503-preload-match.sh
EXTRA_DIST += %reldir%/t1501-matrix.sh %reldir%/t1502-adversarial.sh \
	%reldir%/t1503-preload-match.sh \
	%reldir%/lib/pl-lib.sh


# ---- fnpassfs tests: t2xxx, /.stats: t3xxx --------------------------------
# (add TESTS and check_PROGRAMS for fs/ here)
FP_TESTS = \
	%reldir%/t2001-fs-lifecycle.sh \
	%reldir%/t2002-fs-over-itself.sh \
	%reldir%/t2003-fs-basic-ops.sh \
	%reldir%/t2004-fs-fstab.sh \
	%reldir%/t2005-fs-splice.sh \
	%reldir%/t2006-fs-options.sh \
	%reldir%/t2101-passthrough.sh \
	%reldir%/t2103-fs-tmpfile.sh \
	%reldir%/t2102-passthrough-setid.sh \
	%reldir%/t2201-fs-metadata.sh \
	%reldir%/t2202-fs-cache-watch.sh \
	%reldir%/t2203-fs-listings.sh \
	%reldir%/t2007-fs-creds.sh \
	%reldir%/t2008-fs-handles.sh \
	%reldir%/t2009-fs-dir-perms.sh \
	%reldir%/t2010-fs-xattr-modes.sh \
	%reldir%/t2011-fs-lookup-known.sh \
	%reldir%/t2012-fs-mount-helper.sh \
	%reldir%/t2013-fs-xattr-calls.sh \
	%reldir%/t3001-stats.sh \
	%reldir%/t3002-fnstat.sh
TESTS += $(FP_TESTS)
EXTRA_DIST += $(FP_TESTS)
# t2012's mount.fnpassfs: the helper, running the build tree's fnpassfs
check_PROGRAMS += %reldir%/mount.fnpassfs
%canon_reldir%_mount_fnpassfs_SOURCES = fs/mount.c
%canon_reldir%_mount_fnpassfs_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFP_FNPASSFS='"$(abs_top_builddir)/fs/fnpassfs"'
# t2102's helper: one write-like operation as a user
EXTRA_DIST += %reldir%/helpers/fpsetid.py
# t2003's helper: renameat2, O_TMPFILE, fallocate, SEEK_DATA, mmap, locks
check_PROGRAMS += %reldir%/helpers/fp-ops
%canon_reldir%_helpers_fp_ops_SOURCES = %reldir%/helpers/fp-ops.c
%canon_reldir%_helpers_fp_ops_LDFLAGS = $(FN_TEST_LINKFLAGS)
# t2013's helper: the *xattrat(2) calls refused, as by an older kernel
check_PROGRAMS += %reldir%/helpers/no-xattrat
%canon_reldir%_helpers_no_xattrat_SOURCES = %reldir%/helpers/no-xattrat.c \
	%reldir%/helpers/helper.h
%canon_reldir%_helpers_no_xattrat_LDFLAGS = $(FN_TEST_LINKFLAGS)


# ---- fnpassfs exerciser, differential and security tests: t25xx ---------
# fpexercise: seeded random data-integrity exerciser (t2501)
check_PROGRAMS += %reldir%/helpers/fpexercise
%canon_reldir%_helpers_fpexercise_SOURCES = %reldir%/helpers/fpexercise.c \
	%reldir%/helpers/helper.h
%canon_reldir%_helpers_fpexercise_LDADD = lib/libfnfront.la lib/libfncore.la
%canon_reldir%_helpers_fpexercise_LDFLAGS = $(FN_TEST_LINKFLAGS)
TESTS += %reldir%/t2501-exercise.sh
EXTRA_DIST += %reldir%/t2501-exercise.sh
# fpdiff.py: the operations of the differential test, one line each
TESTS += %reldir%/t2502-differential.sh
EXTRA_DIST += %reldir%/t2502-differential.sh %reldir%/helpers/fpdiff.py
TESTS += %reldir%/t2503-security.sh
EXTRA_DIST += %reldir%/t2503-security.sh


# ---- docs, ABI and bench smoke: t9xxx ------------------------------------
# (add the t9xxx tests here)
# fncopy.h alone, strict C11 and C++11, linked to the installed library
FN_HEADER_FLAGS = -Wall -Wextra -pedantic -Werror \
	-DFN_EXPECTED_VERSION='"$(PACKAGE_VERSION)"'
check_PROGRAMS += %reldir%/t-header-c %reldir%/t-header-cxx
TESTS += %reldir%/t-header-c %reldir%/t-header-cxx
%canon_reldir%_t_header_c_SOURCES = %reldir%/t-header-c.c
%canon_reldir%_t_header_c_CFLAGS = -std=c11 $(FN_HEADER_FLAGS)
%canon_reldir%_t_header_c_LDADD = %reldir%/libtap.la lib/libfncopy.la
%canon_reldir%_t_header_c_LDFLAGS = $(FN_TEST_LINKFLAGS)
%canon_reldir%_t_header_cxx_SOURCES = %reldir%/t-header-cxx.cc
%canon_reldir%_t_header_cxx_CXXFLAGS = -std=c++11 $(FN_HEADER_FLAGS)
%canon_reldir%_t_header_cxx_LDADD = %reldir%/libtap.la lib/libfncopy.la
%canon_reldir%_t_header_cxx_LDFLAGS = $(FN_TEST_LINKFLAGS)
FN_DOC_ABI_SH = %reldir%/t9001-man.sh %reldir%/t9002-abi.sh
TESTS += $(FN_DOC_ABI_SH)
EXTRA_DIST += $(FN_DOC_ABI_SH)

# t9010 runs bench/fnbench, which otherwise only `make bench` builds
TESTS += %reldir%/t9010-bench-smoke.sh
EXTRA_DIST += %reldir%/t9010-bench-smoke.sh
%reldir%/t9010-bench-smoke.log: bench/fnbench$(EXEEXT)
# t9011 runs bench/fs-bench.sh tiny: fnpassfs on an ext4 image, --ops
TESTS += %reldir%/t9011-fs-bench-smoke.sh
EXTRA_DIST += %reldir%/t9011-fs-bench-smoke.sh
# t9012 runs bench/watch-cost.sh tiny: what cache=watch costs beside it
TESTS += %reldir%/t9012-watch-cost-smoke.sh
EXTRA_DIST += %reldir%/t9012-watch-cost-smoke.sh
TESTS += %reldir%/t9003-abi-preload.sh
EXTRA_DIST += %reldir%/t9003-abi-preload.sh
# t9004: one licence in every file; COPYING and NEWS in the tarball
TESTS += %reldir%/t9004-licence.sh
EXTRA_DIST += %reldir%/t9004-licence.sh
# t9005: the bash completion of fnpassfs and fnaccel against their options
TESTS += %reldir%/t9005-completion.sh
EXTRA_DIST += %reldir%/t9005-completion.sh
