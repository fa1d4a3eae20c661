# SPDX-License-Identifier: LGPL-2.1-or-later
# doc/local.mk: hand-written man pages and the performance guide
dist_man_MANS += %reldir%/libfncopy.3
dist_man_MANS += %reldir%/fnpassfs.1
dist_man_MANS += %reldir%/fnaccel.1
# the design: what each part does and where it lives
EXTRA_DIST += %reldir%/design.md
