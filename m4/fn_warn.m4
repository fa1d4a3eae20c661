# SPDX-License-Identifier: LGPL-2.1-or-later
# fn_warn.m4: FN_WARNINGS sets FN_WARN_CFLAGS, the warnings our code builds with
#
# Each flag is kept only if the compiler accepts it with -Werror, so an
# older or different compiler still builds the tree.

# FN_CHECK_CFLAG(FLAG): append FLAG to FN_WARN_CFLAGS if $CC takes it
AC_DEFUN([FN_CHECK_CFLAG], [
	AC_MSG_CHECKING([whether $CC accepts $1])
	fn_save_CFLAGS=$CFLAGS
	CFLAGS="$CFLAGS -Werror $1"
	AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
		[AC_MSG_RESULT([yes]); FN_WARN_CFLAGS="$FN_WARN_CFLAGS $1"],
		[AC_MSG_RESULT([no])])
	CFLAGS=$fn_save_CFLAGS
])

AC_DEFUN([FN_WARNINGS], [
	FN_WARN_CFLAGS=
	AC_LANG_PUSH([C])
	for fn_flag in -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith \
		-Wmissing-prototypes -Wstrict-prototypes -Wvla \
		-Wno-unused-parameter -Wno-sign-compare \
		-Wno-missing-field-initializers; do
		FN_CHECK_CFLAG([$fn_flag])
	done
	AC_LANG_POP([C])
	AC_ARG_ENABLE([werror],
		[AS_HELP_STRING([--enable-werror], [turn warnings into errors])],
		[AS_IF([test "x$enableval" = xyes],
			[FN_WARN_CFLAGS="$FN_WARN_CFLAGS -Werror"])])
	AC_SUBST([FN_WARN_CFLAGS])
])
