// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * no-xattrat ERRNO PROGRAM [ARG...]: run PROGRAM, and all it starts,
 * where the *xattrat(2) calls of Linux 6.13 (setxattrat, getxattrat,
 * listxattrat, removexattrat: 463 to 466) fail with ERRNO, ENOSYS or
 * EPERM, and every other call runs.  ENOSYS is what a kernel before 6.13
 * answers, EPERM what a seccomp filter that does not know them may (a
 * container's).  A seccomp filter, which PROGRAM inherits through exec
 * and fork.  Exits 77 where the numbers are not those (t2013 skips).
 */
#define HP_NAME "no-xattrat"
#include "helper.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>

#if defined(__x86_64__) && !defined(__ILP32__)
#define HP_AUDIT_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define HP_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#endif

#define HP_SETXATTRAT		463
#define HP_REMOVEXATTRAT	466

int main(int argc, char *argv[])
{
#ifdef HP_AUDIT_ARCH
	unsigned int err;

	if (argc < 3 || (strcmp(argv[1], "ENOSYS") != 0 &&
			 strcmp(argv[1], "EPERM") != 0)) {
		fprintf(stderr, "usage: no-xattrat ENOSYS|EPERM PROGRAM "
			"[ARG...]\n");
		return 2;
	}
	err = strcmp(argv[1], "ENOSYS") == 0 ? ENOSYS : EPERM;

	struct sock_filter insns[] = {
		/* another architecture's calls (i386 on x86_64): let run */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, HP_AUDIT_ARCH, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, HP_SETXATTRAT, 0, 2),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, HP_REMOVEXATTRAT, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(insns) / sizeof(insns[0]),
		.filter = insns,
	};

	/* root may install a filter without no_new_privs */
	if (geteuid() != 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		hp_die("PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		hp_die("PR_SET_SECCOMP");
	execvp(argv[2], argv + 2);
	hp_die("%s", argv[2]);
#else
	(void)argc;
	(void)argv;
	fprintf(stderr, "no-xattrat: not built for this architecture\n");
	return 77;
#endif
}
