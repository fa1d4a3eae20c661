# SPDX-License-Identifier: LGPL-2.1-or-later
# tools/local.mk: fnstat, the statistics of a mount or of fnaccel as rates
#
# It reads the preload's slots with fnaccel's own code (preload/slots.c,
# preload/stats.c), so it is built from those files too, and takes the
# names of fnpassfs's gauges from fs/gauges.h.
bin_PROGRAMS += %reldir%/fnstat
%canon_reldir%_fnstat_SOURCES = %reldir%/fnstat.c preload/fa.h \
	preload/slots.c preload/stats.c fs/gauges.h
%canon_reldir%_fnstat_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/preload \
	-I$(top_srcdir)/fs
%canon_reldir%_fnstat_LDADD = lib/libfnfront.la lib/libfncore.la -lm
