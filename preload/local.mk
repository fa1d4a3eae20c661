# SPDX-License-Identifier: LGPL-2.1-or-later
# preload/local.mk: libfnaccel.so, the LD_PRELOAD interposer, and fnaccel
#
# An LD_PRELOAD module, no soname version.  The engine's objects come in
# from the convenience library; the version script keeps its FN_API
# functions (and everything else) from being exported: only the libc
# names in exports.map are.  XXH3 is compiled in (XXH_INLINE_ALL), so
# programs do not load libxxhash.  It goes in $(preloaddir), by default
# $(libdir) (./configure --with-preloaddir=DIR).
preload_LTLIBRARIES = %reldir%/libfnaccel.la
%canon_reldir%_libfnaccel_la_SOURCES = \
	%reldir%/fa.h \
	%reldir%/fa_fs.h \
	%reldir%/dev.c \
	%reldir%/env.c \
	%reldir%/init.c \
	%reldir%/interpose.c \
	%reldir%/match.c \
	%reldir%/real.c \
	%reldir%/stats.c \
	%reldir%/stdio.c \
	%reldir%/track.c
%canon_reldir%_libfnaccel_la_LIBADD = lib/libfnfront.la lib/libfncore.la
%canon_reldir%_libfnaccel_la_LDFLAGS = -module -avoid-version -shared \
	-no-undefined \
	-Wl,--version-script=$(srcdir)/%reldir%/exports.map
EXTRA_%canon_reldir%_libfnaccel_la_DEPENDENCIES = %reldir%/exports.map
EXTRA_DIST += %reldir%/exports.map

# fnaccel COMMAND: runs COMMAND with the installed library preloaded
bin_PROGRAMS += %reldir%/fnaccel
%canon_reldir%_fnaccel_SOURCES = %reldir%/fnaccel.c %reldir%/fa_fs.h \
	%reldir%/fa.h %reldir%/stats.c %reldir%/env.c %reldir%/slots.c \
	%reldir%/progress.c
%canon_reldir%_fnaccel_LDADD = lib/libfnfront.la lib/libfncore.la
%canon_reldir%_fnaccel_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFA_LIBRARY_PATH='"$(preloaddir)/libfnaccel.so"'

# The benchmark of programs with and without the library (not built, not
# run by make check): bench/preload-bench.sh --size 1G
EXTRA_DIST += bench/preload-bench.sh
