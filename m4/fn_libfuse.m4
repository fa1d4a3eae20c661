# SPDX-License-Identifier: LGPL-2.1-or-later
# fn_libfuse.m4: FN_CHECK_LIBFUSE, which libfuse3 fnpassfs builds against
#
#   --with-libfuse=system   the system's libfuse3 (>= 3.14)
#   --with-libfuse=bundled  the static build of scripts/build-libfuse in
#                           _libfuse/prefix of the build tree, or in
#                           $FN_LIBFUSE_DIR/prefix (an absolute path: a VPATH
#                           or distcheck build uses the source tree's)
#   --with-libfuse=auto     system if >= 3.16, else bundled when built,
#                           else system 3.14 (kernel passthrough off)
#
# Sets FUSE3_CFLAGS, FUSE3_LIBS, and HAVE_FUSE_PASSTHROUGH when the
# library can request the kernel's FUSE passthrough (libfuse >= 3.16).
AC_DEFUN([FN_CHECK_LIBFUSE], [
	AC_REQUIRE([PKG_PROG_PKG_CONFIG])
	AC_ARG_WITH([libfuse],
		[AS_HELP_STRING([--with-libfuse=auto|system|bundled],
			[which libfuse3 to use (default: auto)])],
		[], [with_libfuse=auto])
	AC_ARG_VAR([FN_LIBFUSE_DIR], [the directory scripts/build-libfuse built
		libfuse in (default: _libfuse in the build tree)])
	fn_libfuse_dir=${FN_LIBFUSE_DIR:-$ac_pwd/_libfuse}
	fn_bundled_pc=$fn_libfuse_dir/prefix/lib/pkgconfig
	fn_fuse_source=
	AS_CASE([$with_libfuse],
		[system], [fn_fuse_source=system],
		[bundled], [fn_fuse_source=bundled],
		[auto], [
			AS_IF([$PKG_CONFIG --atleast-version=3.16 fuse3],
				[fn_fuse_source=system],
				[test -f "$fn_bundled_pc/fuse3.pc"],
				[fn_fuse_source=bundled],
				[fn_fuse_source=system])],
		[AC_MSG_ERROR([--with-libfuse=$with_libfuse: use auto, system or bundled])])

	AS_IF([test $fn_fuse_source = bundled], [
		AS_IF([test -f "$fn_bundled_pc/fuse3.pc"], [],
			[AC_MSG_ERROR([no bundled libfuse in $fn_libfuse_dir: run scripts/build-libfuse first])])
		fn_fuse_pc="env PKG_CONFIG_PATH=$fn_bundled_pc $PKG_CONFIG --static"
	], [
		fn_fuse_pc=$PKG_CONFIG
	])
	AC_MSG_CHECKING([for libfuse3 >= 3.14 ($fn_fuse_source)])
	AS_IF([$fn_fuse_pc --atleast-version=3.14 fuse3], [
		FN_FUSE_VERSION=`$fn_fuse_pc --modversion fuse3`
		FUSE3_CFLAGS=`$fn_fuse_pc --cflags fuse3`
		FUSE3_LIBS=`$fn_fuse_pc --libs fuse3`
		AC_MSG_RESULT([$FN_FUSE_VERSION])
	], [
		AC_MSG_RESULT([no])
		AC_MSG_ERROR([libfuse3 >= 3.14 not found: install the Debian packages libfuse3-dev and fuse3])
	])
	AS_IF([$fn_fuse_pc --atleast-version=3.16 fuse3], [
		AC_DEFINE([HAVE_FUSE_PASSTHROUGH], [1],
			[Define if libfuse can request kernel FUSE passthrough])
		fn_fuse_passthrough=yes
	], [
		fn_fuse_passthrough=no
		AC_MSG_NOTICE([libfuse $FN_FUSE_VERSION: fnpassfs without kernel passthrough (needs 3.16; see scripts/build-libfuse)])
	])
	AC_SUBST([FUSE3_CFLAGS])
	AC_SUBST([FUSE3_LIBS])
	AC_SUBST([FN_FUSE_VERSION])
	AM_CONDITIONAL([FN_FUSE_BUNDLED], [test $fn_fuse_source = bundled])
])
