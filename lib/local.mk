# SPDX-License-Identifier: LGPL-2.1-or-later
# lib/local.mk: libfncopy, the installed engine library
#
# The engine's objects are built once, into the convenience library
# libfncore.la, which libfncopy.la wraps and the preload, fnpassfs, fnbench
# and the tests link directly (they use hidden internals such as
# fn_log_write, declared in fn_frontend.h).  libfnfront.la holds what only
# the front ends use: reading FNACCEL_CHUNK_SIZE and FNACCEL_LOG, which
# the installed library never does, size words, the table of file
# systems (fn_fs.c) and statistics text read back (fn_keys.c).
noinst_LTLIBRARIES += %reldir%/libfncore.la
%canon_reldir%_libfncore_la_SOURCES = \
	%reldir%/fn_copy.c \
	%reldir%/fn_stats.c \
	%reldir%/fn_log.c \
	%reldir%/fn_log.h \
	%reldir%/fn_frontend.h \
	%reldir%/fn_internal.h \
	%reldir%/fncopy.h

noinst_LTLIBRARIES += %reldir%/libfnfront.la
%canon_reldir%_libfnfront_la_SOURCES = \
	%reldir%/fn_frontend.c \
	%reldir%/fn_frontend.h \
	%reldir%/fn_fs.c \
	%reldir%/fn_keys.c

lib_LTLIBRARIES += %reldir%/libfncopy.la
%canon_reldir%_libfncopy_la_SOURCES =
%canon_reldir%_libfncopy_la_LIBADD = %reldir%/libfncore.la
# 1:0:1: fn_set_log_level() and fn_get_log_level() added to 0:0:0, which
# stays compatible (soname libfncopy.so.0)
%canon_reldir%_libfncopy_la_LDFLAGS = -version-info 1:0:1 -no-undefined

include_HEADERS += %reldir%/fncopy.h
pkgconfig_DATA += %reldir%/fncopy.pc
EXTRA_DIST += %reldir%/fncopy.pc.in
DISTCLEANFILES += %reldir%/fncopy.pc
