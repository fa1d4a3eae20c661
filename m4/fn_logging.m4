# SPDX-License-Identifier: LGPL-2.1-or-later
# fn_logging.m4: --enable-logging and --with-log-level
#
# FN_LOG_ENABLED is always defined, 0 or 1, so that disabled FN_LOG_*
# calls still compile (formats checked) and then vanish.
AC_DEFUN([FN_LOGGING], [
	AC_ARG_ENABLE([logging],
		[AS_HELP_STRING([--enable-logging],
			[compile the FN_LOG_* calls in (default: off)])],
		[], [enable_logging=no])
	AS_CASE([$enable_logging],
		[yes], [fn_log_enabled=1],
		[no], [fn_log_enabled=0],
		[AC_MSG_ERROR([--enable-logging=$enable_logging: say yes or no])])
	AC_DEFINE_UNQUOTED([FN_LOG_ENABLED], [$fn_log_enabled],
		[1 if the FN_LOG_* calls are compiled in])

	AC_ARG_WITH([log-level],
		[AS_HELP_STRING([--with-log-level=LEVEL],
			[default log level: error, warn, info or debug (default: warn)])],
		[], [with_log_level=warn])
	AS_CASE([$with_log_level],
		[error], [fn_log_default=1],
		[warn], [fn_log_default=2],
		[info], [fn_log_default=3],
		[debug], [fn_log_default=4],
		[AC_MSG_ERROR([--with-log-level=$with_log_level: use error, warn, info or debug])])
	AC_DEFINE_UNQUOTED([FN_LOG_DEFAULT_LEVEL], [$fn_log_default],
		[log level before FNACCEL_LOG or -o log_level= (1 error .. 4 debug)])
	AM_CONDITIONAL([FN_LOGGING_ENABLED], [test $fn_log_enabled = 1])
])
