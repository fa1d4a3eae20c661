# SPDX-License-Identifier: LGPL-2.1-or-later
# doc/local.mk: hand-written man pages and the performance guide
dist_man_MANS += %reldir%/libfncopy.3
dist_man_MANS += %reldir%/fnpassfs.1
dist_man_MANS += %reldir%/fnaccel.1
# the design: what each part does and where it lives
EXTRA_DIST += %reldir%/design.md

# Link pages, made here, not kept: each is one .so line, so that `man
# mount.fnpassfs` shows fnpassfs(1), where the helper is documented
FN_MAN_LINKS_FNPASSFS = %reldir%/mount.fnpassfs.8
man_MANS += $(FN_MAN_LINKS_FNPASSFS)
CLEANFILES += $(FN_MAN_LINKS_FNPASSFS)
$(FN_MAN_LINKS_FNPASSFS):
	$(AM_V_GEN)$(MKDIR_P) %reldir% && echo '.so man1/fnpassfs.1' >$@
