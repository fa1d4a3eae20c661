# lib/local.mk: libfncopy, the installed engine library
#
# The engine's objects are built once, into the convenience library
# libfncore.la, which libfncopy.la wraps and the preload, fnpassfs and the
# tests link directly (they use hidden internals such as fn_log_write).
noinst_LTLIBRARIES += %reldir%/libfncore.la
%canon_reldir%_libfncore_la_SOURCES = \
	%reldir%/fn_copy.c \
	%reldir%/fn_stats.c \
	%reldir%/fn_log.c \
	%reldir%/fn_log.h \
	%reldir%/fn_internal.h \
	%reldir%/fncopy.h

lib_LTLIBRARIES += %reldir%/libfncopy.la
%canon_reldir%_libfncopy_la_SOURCES =
%canon_reldir%_libfncopy_la_LIBADD = %reldir%/libfncore.la
%canon_reldir%_libfncopy_la_LDFLAGS = -version-info 0:0:0 -no-undefined

include_HEADERS += %reldir%/fncopy.h
pkgconfig_DATA += %reldir%/fncopy.pc
EXTRA_DIST += %reldir%/fncopy.pc.in
DISTCLEANFILES += %reldir%/fncopy.pc
