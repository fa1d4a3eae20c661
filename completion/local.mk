# SPDX-License-Identifier: LGPL-2.1-or-later
# completion/local.mk: bash completion of fnaccel, fnpassfs and fnstat, installed
# where bash-completion loads a command's file when it is first completed
# (configure --with-bash-completion-dir=DIR|no)
EXTRA_DIST += %reldir%/fnaccel %reldir%/fnpassfs %reldir%/fnstat
if FN_BASH_COMPLETION
bashcompletion_DATA = %reldir%/fnaccel %reldir%/fnpassfs %reldir%/fnstat
endif
