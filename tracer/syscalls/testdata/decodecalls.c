/*
 * decodecalls: makes system calls with known arguments, for the decoder's
 * comparison with strace (tracer/decode_test.go). Every call goes through
 * syscall(2) so that its raw arguments and result are exactly known; each
 * is recorded in memory as
 *
 *     nr ret arg0 .. arg5 [s<hex bytes> ...]
 *
 * (numbers in hex, ret as -errno on failure, then the strings the eBPF
 * program would capture, in capture order) and the record is written to
 * argv[1] at the end, after the marker calls, so that no other syscall runs
 * between the first marker and the last recorded call.
 *
 * Usage: decodecalls LOG WORKDIR
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef AT_EACCESS
#define AT_EACCESS 0x200
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif

static char record[1 << 20];
static size_t used;

static void put(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	used += vsnprintf(record + used, sizeof(record) - used, fmt, ap);
	va_end(ap);
}

/* call makes syscall nr with six arguments and records it with the strings
 * listed after the arguments (NULL-terminated). */
static long call(long nr, long a0, long a1, long a2, long a3, long a4, long a5, ...)
{
	errno = 0;
	long r = syscall(nr, a0, a1, a2, a3, a4, a5);
	if (r == -1 && errno != 0)
		r = -errno;
	put("%lx %lx %lx %lx %lx %lx %lx %lx", nr, r, a0, a1, a2, a3, a4, a5);
	va_list ap;
	va_start(ap, a5);
	for (const char *s; (s = va_arg(ap, const char *)) != NULL;) {
		put(" s");
		for (const unsigned char *p = (const unsigned char *)s; *p; p++)
			put("%02x", *p);
	}
	va_end(ap);
	put("\n");
	return r;
}

#define S(x) ((long)(x))
#define END ((const char *)NULL)

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: decodecalls LOG WORKDIR\n");
		return 2;
	}
	char file[4096], file2[4096], dir[4096], dir2[4096], link1[4096], link2[4096], link3[4096], link4[4096];
	snprintf(file, sizeof file, "%s/file", argv[2]);
	snprintf(file2, sizeof file2, "%s/file two", argv[2]);
	snprintf(dir, sizeof dir, "%s/dir", argv[2]);
	snprintf(dir2, sizeof dir2, "%s/dir2", argv[2]);
	snprintf(link1, sizeof link1, "%s/symlink", argv[2]);
	snprintf(link2, sizeof link2, "%s/symlinkat", argv[2]);
	snprintf(link3, sizeof link3, "%s/link", argv[2]);
	snprintf(link4, sizeof link4, "%s/linkat", argv[2]);
	const char *missing = "/nonexistent/stracectl-decode";
	const char *odd = "/nonexistent/tab\there \"quoted\" back\\slash nl\n ctl\001 oct\0017 hi\377 del\177";
	const char *longpath = "/nonexistent/a-path-much-longer-than-the-thirty-two-byte-string-limit/of/strace";
	char buf[64];
	long fd, fd2;

	call(SYS_faccessat, AT_FDCWD, S("/stracectl-decode-marker"), F_OK, 0, 0, 0, "/stracectl-decode-marker", END);

	/* open family */
	call(SYS_openat, AT_FDCWD, S(missing), O_RDONLY | O_CLOEXEC, 0, 0, 0, missing, END);
	call(SYS_openat, AT_FDCWD, S(odd), O_RDONLY, 0, 0, 0, odd, END);
	call(SYS_openat, AT_FDCWD, S(longpath), O_RDONLY | O_NOFOLLOW, 0, 0, 0, longpath, END);
	fd = call(SYS_openat, AT_FDCWD, S(file), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644, 0, 0, file, END);
	fd2 = call(SYS_openat, AT_FDCWD, S(argv[2]), O_RDONLY | O_NONBLOCK | O_DIRECTORY | O_CLOEXEC, 0, 0, 0, argv[2], END);
	call(SYS_openat, fd2, S("file"), O_RDWR | O_APPEND | O_EXCL | O_CREAT, 0600, 0, 0, "file", END);
	call(SYS_openat, AT_FDCWD, S(argv[2]), O_RDWR | O_TMPFILE, 0600, 0, 0, argv[2], END);
#ifdef SYS_open
	call(SYS_open, S(file), O_RDONLY | O_NOCTTY | O_SYNC, 0, 0, 0, 0, file, END);
	call(SYS_creat, S(file2), 0640, 0, 0, 0, 0, file2, END);
#endif
	call(SYS_close, fd2, 0, 0, 0, 0, 0, END);
	call(SYS_close, -1, 0, 0, 0, 0, 0, END);

	/* stat family, failing so that strace prints the buffer as a pointer */
#ifdef SYS_stat
	call(SYS_stat, S(missing), S(buf), 0, 0, 0, 0, missing, END);
	call(SYS_lstat, S(missing), S(buf), 0, 0, 0, 0, missing, END);
#endif
	call(SYS_newfstatat, AT_FDCWD, S(missing), S(buf), 0, 0, 0, missing, END);
	call(SYS_newfstatat, AT_FDCWD, S(missing), S(buf), AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, 0, 0, missing, END);
	call(SYS_statx, AT_FDCWD, S(missing), AT_STATX_SYNC_AS_STAT | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_MNT_ID, S(buf), 0, missing, END);
	call(SYS_statx, AT_FDCWD, S(missing), AT_STATX_DONT_SYNC, STATX_ALL, S(buf), 0, missing, END);

	/* access */
#ifdef SYS_access
	call(SYS_access, S(missing), R_OK | W_OK, 0, 0, 0, 0, missing, END);
	call(SYS_access, S(file), F_OK, 0, 0, 0, 0, file, END);
#endif
	call(SYS_faccessat, AT_FDCWD, S(file), X_OK, 0, 0, 0, file, END);
	call(SYS_faccessat2, AT_FDCWD, S(file), R_OK, AT_EACCESS | AT_SYMLINK_NOFOLLOW, 0, 0, file, END);

	/* directories, names and links */
#ifdef SYS_mkdir
	call(SYS_mkdir, S(dir), 0755, 0, 0, 0, 0, dir, END);
	call(SYS_rmdir, S(dir), 0, 0, 0, 0, 0, dir, END);
#endif
	call(SYS_mkdirat, AT_FDCWD, S(dir2), 0700, 0, 0, 0, dir2, END);
	call(SYS_unlinkat, AT_FDCWD, S(dir2), AT_REMOVEDIR, 0, 0, 0, dir2, END);
	call(SYS_unlinkat, AT_FDCWD, S(missing), 0, 0, 0, 0, missing, END);
#ifdef SYS_rename
	call(SYS_rename, S(file), S(file2), 0, 0, 0, 0, file, file2, END);
#endif
	call(SYS_renameat, AT_FDCWD, S(file2), AT_FDCWD, S(file), 0, 0, file2, file, END);
	call(SYS_renameat2, AT_FDCWD, S(file), AT_FDCWD, S(file2), RENAME_NOREPLACE, 0, file, file2, END);
	call(SYS_renameat2, AT_FDCWD, S(file2), AT_FDCWD, S(file), 0, 0, file2, file, END);
#ifdef SYS_symlink
	call(SYS_symlink, S("file"), S(link1), 0, 0, 0, 0, "file", link1, END);
	call(SYS_link, S(file), S(link3), 0, 0, 0, 0, file, link3, END);
	call(SYS_readlink, S(missing), S(buf), sizeof buf, 0, 0, 0, missing, END);
	call(SYS_unlink, S(link1), 0, 0, 0, 0, 0, link1, END);
	call(SYS_chmod, S(file), 0600, 0, 0, 0, 0, file, END);
	call(SYS_truncate, S(missing), 4096, 0, 0, 0, 0, missing, END);
#endif
	call(SYS_symlinkat, S("file"), AT_FDCWD, S(link2), 0, 0, 0, "file", link2, END);
	call(SYS_linkat, AT_FDCWD, S(file), AT_FDCWD, S(link4), 0, 0, file, link4, END);
	call(SYS_linkat, AT_FDCWD, S(missing), AT_FDCWD, S(link4), AT_SYMLINK_FOLLOW, 0, missing, link4, END);
	call(SYS_readlinkat, AT_FDCWD, S(missing), S(buf), sizeof buf, 0, 0, missing, END);
	call(SYS_fchmodat, AT_FDCWD, S(file), 04755, 0, 0, 0, file, END);
	call(SYS_truncate, S(file), 10, 0, 0, 0, 0, file, END);
	call(SYS_chdir, S(missing), 0, 0, 0, 0, 0, missing, END);
	call(SYS_chdir, S(argv[2]), 0, 0, 0, 0, 0, argv[2], END);

	/* extended attributes: failing, so that strace prints the value as a pointer */
	const char *xname = "user.a-very-long-extended-attribute-name";
	call(SYS_getxattr, S(file), S("user.stracectl"), S(buf), sizeof buf, 0, 0, file, "user.stracectl", END);
	call(SYS_lgetxattr, S(missing), S("security.selinux"), 0, 0, 0, 0, missing, "security.selinux", END);
	call(SYS_listxattr, S(missing), 0, 0, 0, 0, 0, missing, END);
	call(SYS_removexattr, S(missing), S(xname), 0, 0, 0, 0, missing, xname, END);

	/* sockets */
	long sock = call(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, 0, 0, 0, END);
	call(SYS_close, sock, 0, 0, 0, 0, 0, END);
	sock = call(SYS_socket, AF_INET, SOCK_DGRAM, IPPROTO_UDP, 0, 0, 0, END);
	call(SYS_close, sock, 0, 0, 0, 0, 0, END);
	sock = call(SYS_socket, AF_INET6, SOCK_STREAM, 0, 0, 0, 0, END);
	call(SYS_close, sock, 0, 0, 0, 0, 0, END);
	sock = call(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE, 0, 0, 0, END);
	call(SYS_close, sock, 0, 0, 0, 0, 0, END);
	call(SYS_socket, 12345, SOCK_STREAM, 0, 0, 0, 0, END);
	call(SYS_socketpair, AF_INET, SOCK_STREAM, 0, S(buf), 0, 0, END);

	/* descriptors */
	call(SYS_lseek, fd, 0, SEEK_END, 0, 0, 0, END);
	call(SYS_lseek, fd, -1, SEEK_SET, 0, 0, 0, END);
	call(SYS_lseek, fd, 0, 7, 0, 0, 0, END);
	fd2 = call(SYS_dup, fd, 0, 0, 0, 0, 0, END);
	call(SYS_dup3, fd, 100, O_CLOEXEC, 0, 0, 0, END);
	call(SYS_close, fd2, 0, 0, 0, 0, 0, END);
	call(SYS_close, 100, 0, 0, 0, 0, 0, END);
	call(SYS_fcntl, fd, F_GETFD, 0, 0, 0, 0, END);
	call(SYS_fcntl, fd, F_SETFD, 0, 0, 0, 0, END);
	call(SYS_fcntl, fd, F_GETFD, 0, 0, 0, 0, END);
	call(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC, 0, 0, 0, END);
	call(SYS_fcntl, fd, F_GETFL, 0, 0, 0, 0, END);
	call(SYS_fcntl, fd, F_SETFL, O_NONBLOCK | O_APPEND, 0, 0, 0, END);
	call(SYS_fcntl, fd, F_GETFL, 0, 0, 0, 0, END);
	fd2 = call(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 10, 0, 0, 0, END);
	call(SYS_close, fd2, 0, 0, 0, 0, 0, END);
	call(SYS_fcntl, fd, F_SETLK, 0, 0, 0, 0, END);
	call(SYS_fcntl, fd, F_GETSIG, 0, 0, 0, 0, END);
	call(SYS_fcntl, fd, F_SETSIG, SIGUSR1, 0, 0, 0, END);
	call(SYS_fcntl, fd, F_GETSIG, 0, 0, 0, 0, END);
	call(SYS_fcntl, fd, 0x7777, 0x10, 0, 0, 0, END);
	call(SYS_fadvise64, fd, 0, 0, POSIX_FADV_SEQUENTIAL, 0, 0, END);
	call(SYS_fadvise64, fd, 4096, 8192, 99, 0, 0, END);
	call(SYS_ioctl, fd, TCGETS, S(buf), 0, 0, 0, END);
	call(SYS_ioctl, fd, TIOCGWINSZ, S(buf), 0, 0, 0, END);
	call(SYS_ioctl, -1, FIONREAD, S(buf), 0, 0, 0, END);
	call(SYS_ioctl, fd, _IOC(_IOC_READ, 0xfe, 0x12, 8), S(buf), 0, 0, 0, END);
	call(SYS_ioctl, fd, _IOC(_IOC_NONE, 0xfe, 0x13, 0), 0, 0, 0, 0, END);
	call(SYS_close, fd, 0, 0, 0, 0, 0, END);

	/* memory */
	long p = call(SYS_mmap, 0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, END);
	call(SYS_mprotect, p, 4096, PROT_NONE, 0, 0, 0, END);
	call(SYS_madvise, p, 8192, MADV_WILLNEED, 0, 0, 0, END);
	call(SYS_munmap, p, 8192, 0, 0, 0, 0, END);
	call(SYS_mmap, 0, 4096, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0, END);
	call(SYS_madvise, p, 4096, MADV_DONTNEED, 0, 0, 0, END);
	call(SYS_brk, 0, 0, 0, 0, 0, 0, END);
	call(SYS_umask, 022, 0, 0, 0, 0, 0, END);
	call(SYS_umask, 077, 0, 0, 0, 0, 0, END);

	/* processes, signals, clocks */
	call(SYS_getppid, 0, 0, 0, 0, 0, 0, END);
	long pid = call(SYS_getpid, 0, 0, 0, 0, 0, 0, END);
	call(SYS_kill, pid, 0, 0, 0, 0, 0, END);
	call(SYS_kill, 0x7ffffff0, SIGTERM, 0, 0, 0, 0, END);
	call(SYS_kill, 0x7ffffff0, 32 + 3, 0, 0, 0, 0, END);
	call(SYS_rt_sigprocmask, SIG_BLOCK, 0, 0, 8, 0, 0, END);
	call(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, 0, 0, 0, END);
	int word = 1;
	call(SYS_futex, S(&word), FUTEX_WAKE_PRIVATE, 1, 0, 0, 0, END);
	call(SYS_futex, S(&word), FUTEX_WAIT_PRIVATE, 2, 0, 0, 0, END);
	call(SYS_futex, S(&word), FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 2, 0, 0, FUTEX_BITSET_MATCH_ANY, END);
	call(SYS_futex, S(&word), FUTEX_WAKE_BITSET, 3, 0, 0, 0x10, END);
	call(SYS_futex, S(&word), FUTEX_CMP_REQUEUE_PRIVATE, 1, 2, S(buf), 5, END);
	call(SYS_futex, S(&word), FUTEX_UNLOCK_PI, 0, 0, 0, 0, END);
	call(SYS_futex, S(&word), 0x7f, 1, 0, 0, 0, END);
	call(SYS_getrandom, S(buf), 8, 0x80, 0, 0, 0, END);
	call(SYS_wait4, -1, 0, WNOHANG, 0, 0, 0, END);
	/* clone: the child leaves at once; its calls are under its own pid */
	int tid;
#ifdef __x86_64__
	long child = call(SYS_clone, CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, 0, 0, S(&tid), 0, 0, END);
#else
	long child = call(SYS_clone, CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, 0, 0, 0, S(&tid), 0, END);
#endif
	if (child == 0)
		syscall(SYS_exit_group, 0);
	call(SYS_wait4, child, 0, __WALL, 0, 0, 0, END);
	child = call(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0, END);
	if (child == 0)
		syscall(SYS_exit_group, 0);
	call(SYS_wait4, child, 0, 0, 0, 0, 0, END);
	call(SYS_clock_gettime, CLOCK_MONOTONIC, 0, 0, 0, 0, 0, END);
	call(1000, 1, 0, 0x7fff, 0, 0, 0, END);

	/* execve that fails: path and argv */
	const char *args[] = {"arg0", "a \"quoted\"\targ", "an-argument-longer-than-thirty-two-bytes", NULL};
	call(SYS_execve, S("/nonexistent/prog"), S(args), S(argv + argc), 0, 0, 0,
	     "/nonexistent/prog", args[0], args[1], args[2], END);

	call(SYS_faccessat, AT_FDCWD, S("/stracectl-decode-marker"), F_OK, 0, 0, 0, "/stracectl-decode-marker", END);

	FILE *f = fopen(argv[1], "w");
	if (f == NULL || fwrite(record, 1, used, f) != used || fclose(f) != 0) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
