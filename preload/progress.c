// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * progress.c: `fnaccel --progress`, one line on stderr while COMMAND
 * runs, as dd status=progress: the bytes substituted, the rate of the
 * last second, the bytes passed through and those saved (fa_progress),
 * summed over the statistics slots of every process of COMMAND.
 *
 * fnaccel waits here for COMMAND: a pidfd (pidfd_open(2), close-on-exec,
 * opened after the fork so COMMAND never has it) becomes readable when it
 * ends, and poll(2)'s timeout is the next second, when the slots are read
 * in place and the line written.  No signal is sent or caught, nothing
 * of COMMAND's is touched: it only writes to the shared slots, and stderr
 * is the one COMMAND has too.  Without pidfd_open (Linux before 5.3) the
 * wait is waitpid(WNOHANG) every 50 ms.
 *
 * On a terminal the line is rewritten in place ("\r", the line cut to the
 * terminal's width, then cleared to the end), else each update is a line
 * of its own, so that a log stays readable.  A last line, ending in a
 * newline, when COMMAND has ended: its rate is the average of the whole
 * run.  A write that fails (stderr closed, a pipe whose reader left)
 * ends the lines, not fnaccel, which ignores SIGPIPE while it waits.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fa.h"

#define FA_NS 1000000000ull
#define FA_MIB 1048576.0

struct fa_line {
	bool tty;
	bool broken;		/* a write failed: no more lines */
	uint64_t t0;
	uint64_t t_last;
	uint64_t sub_last;
};

/* buf[0..n) to stderr; false once a write has failed */
static bool fa_line_out(struct fa_line *l, const char *buf, size_t n)
{
	ssize_t w;

	while (!l->broken && n > 0) {
		w = write(STDERR_FILENO, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			l->broken = true;
		else {
			buf += w;
			n -= (size_t)w;
		}
	}
	return !l->broken;
}

/* The slots' figures now as the line, the rate since the last one (or
 * since the start, for the last line) */
static void fa_line_write(struct fa_line *l, const struct fa_slots_head *head,
			  size_t len, bool last)
{
	struct fa_progress p;
	struct winsize ws;
	uint64_t now = fn_now_ns();
	uint64_t t = last ? l->t0 : l->t_last;
	uint64_t sub = last ? 0 : l->sub_last;
	double rate = 0;
	char buf[256];
	int n;

	if (l->broken)
		return;
	fa_slots_progress(head, len, &p);
	if (now > t)
		rate = (double)(p.substituted - sub) / FA_MIB *
		       (double)FA_NS / (double)(now - t);
	n = snprintf(buf, sizeof(buf), "fnaccel: %" PRIu64 " bytes "
		     "substituted, %.1f MiB/s, %" PRIu64 " passed through, %"
		     PRIu64 " saved", p.substituted, rate, p.passed, p.offload);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	l->t_last = now;
	l->sub_last = p.substituted;
	if (!l->tty) {
		buf[n] = '\n';
		fa_line_out(l, buf, (size_t)n + 1);
		return;
	}
	/* Wider than the terminal, the line would wrap and \r miss its start */
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 &&
	    n > ws.ws_col - 1)
		n = ws.ws_col - 1;
	if (fa_line_out(l, "\r", 1) && fa_line_out(l, buf, (size_t)n))
		fa_line_out(l, last ? "\033[K\n" : "\033[K", last ? 4 : 3);
}

static int fa_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

/* Milliseconds from now to at (0 if past), for poll(2) */
static int fa_ms_until(uint64_t at)
{
	uint64_t now = fn_now_ns();

	return at > now ? (int)((at - now + 999999) / 1000000) : 0;
}

pid_t fa_progress_wait(pid_t pid, int *status, bool tty,
		       const struct fa_slots_head *head, size_t len)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct sigaction old_pipe;
	struct fa_line l = { .tty = tty };
	struct pollfd pfd;
	uint64_t next;
	pid_t w;
	int pidfd;
	int err;

	sigaction(SIGPIPE, &ign, &old_pipe);
	l.t0 = l.t_last = fn_now_ns();
	next = l.t0 + FA_NS;
	pidfd = fa_pidfd_open(pid);
	for (;;) {
		if (pidfd >= 0) {
			pfd.fd = pidfd;
			pfd.events = POLLIN;
			poll(&pfd, 1, fa_ms_until(next));
		} else {
			poll(NULL, 0, MIN(fa_ms_until(next), 50));
		}
		w = waitpid(pid, status, WNOHANG);
		if (w != 0 && !(w < 0 && errno == EINTR))
			break;
		if (fn_now_ns() >= next) {
			fa_line_write(&l, head, len, false);
			/* A second from now: a late tick does not bunch up */
			next = MAX(next + FA_NS, fn_now_ns() + FA_NS / 2);
		}
	}
	err = errno;
	if (w > 0)
		fa_line_write(&l, head, len, true);
	if (pidfd >= 0)
		close(pidfd);
	sigaction(SIGPIPE, &old_pipe, NULL);
	errno = err;
	return w;
}
