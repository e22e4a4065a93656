/*
 * seccomp-run: run a program under a seccomp allow-list, built and loaded
 * by libseccomp as the OCI runtimes (runc, crun) apply a profile whose
 * defaultAction is SCMP_ACT_ERRNO and whose one rule allows NAMES:
 *
 *   seccomp-run ERRNO ARCHES NAMES -- PROGRAM [ARGS...]
 *
 * ERRNO   what every other call returns (the profile's defaultErrnoRet)
 * ARCHES  the profile's architectures, comma-separated, as profiles name
 *         them (SCMP_ARCH_X86_64)
 * NAMES   the syscalls allowed, comma-separated; libseccomp resolves each
 *         name itself, and one it does not know is an error (status 125)
 *
 * The filter is loaded (with no_new_privs, libseccomp's default), then
 * PROGRAM is executed under it: execve must be among NAMES. Failures of
 * seccomp-run itself exit 125 with a message.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what, const char *name, int rc) {
	fprintf(stderr, "seccomp-run: %s %s: %s\n", what, name, strerror(rc < 0 ? -rc : rc));
	exit(125);
}

int main(int argc, char **argv) {
	if (argc < 6 || strcmp(argv[4], "--") != 0) {
		fprintf(stderr, "usage: seccomp-run ERRNO ARCHES NAMES -- PROGRAM [ARGS...]\n");
		return 125;
	}
	int errno_ret = atoi(argv[1]);
	if (errno_ret <= 0) {
		fprintf(stderr, "seccomp-run: bad errno %s\n", argv[1]);
		return 125;
	}
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(errno_ret));
	if (!ctx) {
		fprintf(stderr, "seccomp-run: seccomp_init failed\n");
		return 125;
	}
	for (char *arch = strtok(argv[2], ","); arch; arch = strtok(NULL, ",")) {
		/* SCMP_ARCH_X86_64 is libseccomp's "x86_64". */
		char name[64];
		const char *p = strncmp(arch, "SCMP_ARCH_", 10) == 0 ? arch + 10 : arch;
		size_t i = 0;
		for (; p[i] && i < sizeof name - 1; i++)
			name[i] = (char)tolower((unsigned char)p[i]);
		name[i] = 0;
		uint32_t token = seccomp_arch_resolve_name(name);
		if (token == 0)
			die("unknown architecture", arch, EINVAL);
		int rc = seccomp_arch_add(ctx, token);
		if (rc < 0 && rc != -EEXIST)
			die("cannot add architecture", arch, rc);
	}
	for (char *sys = strtok(argv[3], ","); sys; sys = strtok(NULL, ",")) {
		int nr = seccomp_syscall_resolve_name(sys);
		if (nr == __NR_SCMP_ERROR)
			die("unknown syscall", sys, EINVAL);
		int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (rc < 0)
			die("cannot allow", sys, rc);
	}
	int rc = seccomp_load(ctx);
	if (rc < 0)
		die("cannot load the filter for", argv[5], rc);
	execv(argv[5], argv + 5);
	_exit(126); /* execve denied or failed; writing a message may be denied too */
}
