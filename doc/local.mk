# SPDX-License-Identifier: LGPL-2.1-or-later
# doc/local.mk: hand-written man pages and the performance guide
dist_man_MANS += %reldir%/libfncopy.3
dist_man_MANS += %reldir%/fnpassfs.1
dist_man_MANS += %reldir%/fnaccel.1
dist_man_MANS += %reldir%/fnstat.1
# the design: what each part does and where it lives
EXTRA_DIST += %reldir%/design.md

# Link pages, made here, not kept: each is one .so line, so that `man
# mount.fnpassfs` (and its other name, mount.fuse.fnpassfs) shows
# fnpassfs(1), where the helper is documented
FN_MAN_LINKS_FNPASSFS = %reldir%/mount.fnpassfs.8 \
	%reldir%/mount.fuse.fnpassfs.8
man_MANS += $(FN_MAN_LINKS_FNPASSFS)
CLEANFILES += $(FN_MAN_LINKS_FNPASSFS)
$(FN_MAN_LINKS_FNPASSFS):
	$(AM_V_GEN)$(MKDIR_P) %reldir% && echo '.so man1/fnpassfs.1' >$@

# `man fn_copy_range`: a link page for each function of fncopy.h, all
# documented in libfncopy(3) (t9001 checks that none is missing)
FN_MAN_LINKS_LIBFNCOPY = \
	%reldir%/fn_copy_range.3 \
	%reldir%/fn_copy_ranges.3 \
	%reldir%/fn_set_chunk_size.3 \
	%reldir%/fn_get_chunk_size.3 \
	%reldir%/fn_set_log_level.3 \
	%reldir%/fn_get_log_level.3 \
	%reldir%/fn_kernel_copy_supported.3 \
	%reldir%/fn_stats_get.3 \
	%reldir%/fn_stats_reset.3 \
	%reldir%/fn_stats_format.3 \
	%reldir%/fn_version.3
man_MANS += $(FN_MAN_LINKS_LIBFNCOPY)
CLEANFILES += $(FN_MAN_LINKS_LIBFNCOPY)
$(FN_MAN_LINKS_LIBFNCOPY):
	$(AM_V_GEN)$(MKDIR_P) %reldir% && echo '.so man3/libfncopy.3' >$@
