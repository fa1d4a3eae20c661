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
%canon_reldir%_libtap_la_SOURCES = %reldir%/tap.c %reldir%/tap.h

# C unit tests link the engine's objects (they reach hidden internals)
FN_TEST_LIBS = %reldir%/libtap.la lib/libfncore.la
FN_TEST_LINKFLAGS = -no-install

EXTRA_DIST += %reldir%/test-lib.sh

clean-local: clean-local-tests
clean-local-tests:
	-rm -rf tests/trash.*
.PHONY: clean-local-tests

# fncp: the engine on the command line, for the demo and shell tests
noinst_PROGRAMS += %reldir%/fncp
%canon_reldir%_fncp_SOURCES = %reldir%/fncp.c
%canon_reldir%_fncp_LDADD = lib/libfncore.la

# ---- engine tests (lib/): t-*.c unit tests, t0xxx end to end ----------
# (add TESTS and check_PROGRAMS for the engine here)


# ---- preload tests: t1xxx ------------------------------------------------
# (add TESTS and check_PROGRAMS for preload/ here)


# ---- preload transparency matrix and adversarial programs: t15xx --------
# (add them here)


# ---- fnpassfs tests: t2xxx, /.stats: t3xxx --------------------------------
# (add TESTS and check_PROGRAMS for fs/ here)
FP_TESTS = \
	%reldir%/t2001-fs-lifecycle.sh \
	%reldir%/t2002-fs-over-itself.sh \
	%reldir%/t2003-fs-basic-ops.sh \
	%reldir%/t2004-fs-fstab.sh \
	%reldir%/t2005-fs-splice.sh \
	%reldir%/t2006-fs-options.sh \
	%reldir%/t2007-fs-creds.sh \
	%reldir%/t3001-stats.sh
TESTS += $(FP_TESTS)
EXTRA_DIST += $(FP_TESTS)
# t2003's helper: renameat2, O_TMPFILE, fallocate, SEEK_DATA, mmap, locks
check_PROGRAMS += %reldir%/fp-ops
%canon_reldir%_fp_ops_SOURCES = %reldir%/fp-ops.c
%canon_reldir%_fp_ops_LDFLAGS = $(FN_TEST_LINKFLAGS)


# ---- fnpassfs exerciser, differential and security tests: t25xx ---------
# fpexercise: seeded random data-integrity exerciser (t2501)
check_PROGRAMS += %reldir%/fpexercise
%canon_reldir%_fpexercise_SOURCES = %reldir%/fpexercise.c
%canon_reldir%_fpexercise_LDADD = lib/libfncore.la
%canon_reldir%_fpexercise_LDFLAGS = $(FN_TEST_LINKFLAGS)
TESTS += %reldir%/t2501-exercise.sh
EXTRA_DIST += %reldir%/t2501-exercise.sh
# fpdiff.py: the operations of the differential test, one line each
TESTS += %reldir%/t2502-differential.sh
EXTRA_DIST += %reldir%/t2502-differential.sh %reldir%/fpdiff.py
TESTS += %reldir%/t2503-security.sh
EXTRA_DIST += %reldir%/t2503-security.sh


# ---- docs, ABI and bench smoke: t9xxx ------------------------------------
# (add the t9xxx tests here)
