# SPDX-License-Identifier: LGPL-2.1-or-later
# fs/local.mk: fnpassfs, the passthrough file system daemon
bin_PROGRAMS += %reldir%/fnpassfs
%canon_reldir%_fnpassfs_SOURCES = \
	%reldir%/fp.h \
	%reldir%/gauges.h \
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
	%reldir%/listing.c \
	%reldir%/xattr.c \
	%reldir%/passthrough.c \
	%reldir%/stats.c \
	%reldir%/watch.c
%canon_reldir%_fnpassfs_CFLAGS = $(AM_CFLAGS) $(FUSE3_CFLAGS)
%canon_reldir%_fnpassfs_LDADD = lib/libfnfront.la lib/libfncore.la \
	$(FUSE3_LIBS) -lm

# the end-to-end benchmark: native directory vs fnpassfs (not run by make)
EXTRA_DIST += bench/fs-bench.sh
# fnpassfs over a tree of a million files under descriptor limits (make
# bench runs it only with BENCH_TREE_FILES set)
EXTRA_DIST += bench/fs-tree-bench.sh
# what cache=watch costs the rest of its backing file system
EXTRA_DIST += bench/watch-cost.sh

# mount.fnpassfs: what mount(8) runs for -t fnpassfs and, by the link
# mount.fuse.fnpassfs, -t fuse.fnpassfs; it runs fnpassfs by the path it
# is installed at, as mount(8) gives it no PATH
sbin_PROGRAMS += %reldir%/mount.fnpassfs
%canon_reldir%_mount_fnpassfs_SOURCES = %reldir%/mount.c
%canon_reldir%_mount_fnpassfs_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFP_FNPASSFS='"$(bindir)/fnpassfs"'

install-exec-hook: install-exec-hook-mount-fuse
install-exec-hook-mount-fuse:
	cd '$(DESTDIR)$(sbindir)' && \
		rm -f mount.fuse.fnpassfs && \
		$(LN_S) mount.fnpassfs mount.fuse.fnpassfs
uninstall-hook: uninstall-hook-mount-fuse
uninstall-hook-mount-fuse:
	rm -f '$(DESTDIR)$(sbindir)/mount.fuse.fnpassfs'
.PHONY: install-exec-hook-mount-fuse uninstall-hook-mount-fuse
