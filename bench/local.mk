# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/local.mk: benchmarks, built and run by `make bench`, never by make
# check
#
#	sudo make bench
#	BENCH_SIZE=64M BENCH_RUNS=1 BENCH_FILES=500 sudo -E make bench
#	./bench/fnbench --size 1M,10M,100M,1G --iterations 5 --dir DIR
#
# fnbench times the engine (kernel path vs fallback, fallback chunk sweep)
# and prints a Markdown table; doc/performance.md says how to read it.
# It is an EXTRA_PROGRAM: `make` and `make install` leave it alone; make
# check builds it only because tests/t9010-bench-smoke.sh runs it once,
# tiny, to check its options and its table.  `make bench` builds it and
# runs bench/run-all.sh: fnbench on ext4 and on an XFS image, fs-bench
# and preload-bench, as doc/performance.md runs them, each table into
# bench-results/ here (sizes by BENCH_SIZE, BENCH_RUNS, BENCH_FILES);
# fs-tree-bench too when BENCH_TREE_FILES is set (minutes, so opt-in).
EXTRA_PROGRAMS += %reldir%/fnbench
%canon_reldir%_fnbench_SOURCES = %reldir%/fnbench.c
%canon_reldir%_fnbench_LDADD = lib/libfnfront.la lib/libfncore.la
CLEANFILES += %reldir%/fnbench$(EXEEXT)
dist_noinst_SCRIPTS += %reldir%/run-all.sh

bench: %reldir%/fnbench$(EXEEXT) fs/fnpassfs$(EXEEXT) \
		preload/libfnaccel.la
	FN_BUILDDIR='$(abs_top_builddir)' FN_LIBFUSE_DIR='$(FN_LIBFUSE_DIR)' \
		bash '$(abs_top_srcdir)/%reldir%/run-all.sh'
.PHONY: bench

# the tables of the last `make bench`
clean-local: clean-local-bench
clean-local-bench:
	-rm -rf bench-results
.PHONY: clean-local-bench

# The performance guide holds fnbench's tables
EXTRA_DIST += doc/performance.md
