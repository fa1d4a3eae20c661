# SPDX-License-Identifier: LGPL-2.1-or-later
# fs/local.mk: fnpassfs, the passthrough file system daemon
bin_PROGRAMS += %reldir%/fnpassfs
%canon_reldir%_fnpassfs_SOURCES = \
	%reldir%/fp.h \
	%reldir%/main.c \
	%reldir%/options.c \
	%reldir%/inode.c \
	%reldir%/notice.c \
	%reldir%/ops.h \
	%reldir%/ops.c \
	%reldir%/creds.c \
	%reldir%/entry.c \
	%reldir%/file.c \
	%reldir%/dir.c \
	%reldir%/xattr.c \
	%reldir%/passthrough.c \
	%reldir%/stats.c
%canon_reldir%_fnpassfs_CFLAGS = $(AM_CFLAGS) $(FUSE3_CFLAGS)
%canon_reldir%_fnpassfs_LDADD = lib/libfnfront.la lib/libfncore.la \
	$(FUSE3_LIBS) -lm

# the end-to-end benchmark: native directory vs fnpassfs (not run by make)
EXTRA_DIST += bench/fs-bench.sh
# fnpassfs over a tree of a million files under descriptor limits (make
# bench runs it only with BENCH_TREE_FILES set)
EXTRA_DIST += bench/fs-tree-bench.sh
