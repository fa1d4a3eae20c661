# bench/local.mk: benchmarks, built by `make bench`, never run by make check
#
#	make bench
#	./bench/fnbench --size 1M,10M,100M,1G --iterations 5 --dir DIR
#
# fnbench times the engine (kernel path vs fallback, fallback chunk sweep)
# and prints a Markdown table; doc/performance.md says how to read it.
# It is an EXTRA_PROGRAM: `make` and `make install` leave it alone; make
# check builds it only because tests/t9010-bench-smoke.sh runs it once,
# tiny, to check its options and its table.
EXTRA_PROGRAMS += %reldir%/fnbench
%canon_reldir%_fnbench_SOURCES = %reldir%/fnbench.c
%canon_reldir%_fnbench_LDADD = lib/libfncore.la
CLEANFILES += %reldir%/fnbench$(EXEEXT)

bench: %reldir%/fnbench$(EXEEXT)
.PHONY: bench

# The performance guide holds fnbench's tables
EXTRA_DIST += doc/performance.md
