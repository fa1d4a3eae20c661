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
FN_PRELOAD_TESTS = \
	%reldir%/t1001-preload-sendfile.sh \
	%reldir%/t1002-preload-substitution.sh \
	%reldir%/t1003-preload-config.sh \
	%reldir%/t1004-preload-fnaccel-cmd.sh \
	%reldir%/t1005-preload-adversary.sh
TESTS += $(FN_PRELOAD_TESTS)
EXTRA_DIST += $(FN_PRELOAD_TESTS)
# fa-check: copy loops that try to fool the tracking (t1005)
check_PROGRAMS += %reldir%/fa-check
%canon_reldir%_fa_check_SOURCES = %reldir%/fa-check.c
%canon_reldir%_fa_check_LDFLAGS = -no-install -pthread


# ---- preload transparency matrix and adversarial programs: t15xx --------
# Programs the shell tests run with and without libfnaccel.so: a tee-like
# loop, the adversarial copy loops, and the latter built fortified (it
# then imports __read_chk, which the preload must wrap too).
check_PROGRAMS += %reldir%/pl-tee %reldir%/pl-adv %reldir%/pl-adv-fortify
%canon_reldir%_pl_tee_SOURCES = %reldir%/pl-tee.c
%canon_reldir%_pl_tee_LDFLAGS = $(FN_TEST_LINKFLAGS)
%canon_reldir%_pl_adv_SOURCES = %reldir%/pl-adv.c
%canon_reldir%_pl_adv_LDFLAGS = $(FN_TEST_LINKFLAGS)
%canon_reldir%_pl_adv_fortify_SOURCES = %reldir%/pl-adv.c
%canon_reldir%_pl_adv_fortify_CPPFLAGS = $(AM_CPPFLAGS) \
	-U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2
%canon_reldir%_pl_adv_fortify_CFLAGS = $(AM_CFLAGS) -O2
%canon_reldir%_pl_adv_fortify_LDFLAGS = $(FN_TEST_LINKFLAGS)
TESTS += %reldir%/t1501-matrix.sh %reldir%/t1502-adversarial.sh
EXTRA_DIST += %reldir%/t1501-matrix.sh %reldir%/t1502-adversarial.sh \
	%reldir%/pl-lib.sh


# ---- fnpassfs tests: t2xxx, /.stats: t3xxx --------------------------------
# (add TESTS and check_PROGRAMS for fs/ here)


# ---- fnpassfs exerciser, differential and security tests: t25xx ---------
# (add them here)


# ---- docs, ABI and bench smoke: t9xxx ------------------------------------
# (add the t9xxx tests here)
TESTS += %reldir%/t9003-abi-preload.sh
EXTRA_DIST += %reldir%/t9003-abi-preload.sh
