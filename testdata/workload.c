/*
 * workload: a deterministic system-call load for stracectl's tracer tests.
 * Every count is exact, so a test can demand exactly that many events.
 *
 *   workload [getppid=N] [openat=M] [write=W] [fork=K] [threads=T]
 *            [sleep=MS] [say=TEXT] [exit=S] [loop] [execthread] [killchild]
 *            [openclose=C] [loopthreads=L] [faultpath] [busythreads=B]
 *            [waitstdin]
 *
 * getppid=N   every process (the parent and each forked child) and every
 *             thread calls getppid N times
 * openat=M    the parent opens "/nonexistent/stracectl-workload" M times
 *             (each fails with ENOENT)
 * write=W     the parent writes one byte to /dev/null W times
 * fork=K      the parent forks K children (after its own calls) and reaps them
 * threads=T   the parent starts T threads that make their getppid calls
 * sleep=MS    sleep MS milliseconds after the calls above, before exiting
 * say=TEXT    write TEXT and a newline to stdout first
 * exit=S      exit with status S
 * loop        then loop forever: getppid, sleep 10 ms (for attach tests)
 * execthread  a non-leader thread execve's "workload getppid=1 exit=S"
 * killchild   fork a child that blocks in read(2) and SIGKILL it mid-call
 * openclose=C the parent opens "/dev/null" and closes it C times (after
 *             write=W; for benchmarks of a call with a path)
 * loopthreads=L  start L threads that loop forever like loop (for attach
 *             tests), before the calls above
 * faultpath   the parent opens "/nonexistent/stracectl-faulted" once, the
 *             path read from a file mapping not yet touched (a tracer that
 *             reads it at entry finds the page missing), after openclose=C
 * waitstdin   read stdin until its end, after the calls above and before
 *             sleep=MS (a test holds the workload there as long as it wants)
 * busythreads=B  start B threads that call getppid in a tight loop forever;
 *             once each has made a call, write "busy" and a newline to
 *             stdout and wait forever (for tests of stopping a tracer that
 *             the command outruns); instead of everything else
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MISSING_PATH "/nonexistent/stracectl-workload"

static long n_getppid, n_openat, n_write, n_fork, n_threads, n_sleep, n_openclose, n_loopthreads, status;
static int loop, execthread, killchild, faultpath, waitstdin;
static long n_busythreads;
static volatile long busy_started;
static const char *say;
static char self[4096];

static void getppids(void) {
	for (long i = 0; i < n_getppid; i++)
		syscall(SYS_getppid);
}

static void *thread_main(void *arg) {
	(void)arg;
	getppids();
	return NULL;
}

static void sleep_ms(long ms) {
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void *loop_thread(void *arg) {
	(void)arg;
	for (;;) {
		syscall(SYS_getppid);
		sleep_ms(10);
	}
	return NULL;
}

static void *busy_thread(void *arg) {
	(void)arg;
	syscall(SYS_getppid);
	__sync_fetch_and_add(&busy_started, 1);
	for (;;)
		syscall(SYS_getppid);
	return NULL;
}

static void *exec_thread(void *arg) {
	(void)arg;
	char exitarg[32];
	snprintf(exitarg, sizeof exitarg, "exit=%ld", status);
	char *argv[] = {self, "getppid=1", exitarg, NULL};
	execv(self, argv);
	_exit(127);
}

int main(int argc, char **argv) {
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0)
		self[n] = 0;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (!strncmp(a, "getppid=", 8)) n_getppid = atol(a + 8);
		else if (!strncmp(a, "openat=", 7)) n_openat = atol(a + 7);
		else if (!strncmp(a, "write=", 6)) n_write = atol(a + 6);
		else if (!strncmp(a, "fork=", 5)) n_fork = atol(a + 5);
		else if (!strncmp(a, "threads=", 8)) n_threads = atol(a + 8);
		else if (!strncmp(a, "sleep=", 6)) n_sleep = atol(a + 6);
		else if (!strncmp(a, "say=", 4)) say = a + 4;
		else if (!strncmp(a, "exit=", 5)) status = atol(a + 5);
		else if (!strcmp(a, "loop")) loop = 1;
		else if (!strcmp(a, "execthread")) execthread = 1;
		else if (!strcmp(a, "killchild")) killchild = 1;
		else if (!strncmp(a, "openclose=", 10)) n_openclose = atol(a + 10);
		else if (!strncmp(a, "loopthreads=", 12)) n_loopthreads = atol(a + 12);
		else if (!strcmp(a, "faultpath")) faultpath = 1;
		else if (!strcmp(a, "waitstdin")) waitstdin = 1;
		else if (!strncmp(a, "busythreads=", 12)) n_busythreads = atol(a + 12);
		else {
			fprintf(stderr, "workload: unknown argument %s\n", a);
			return 2;
		}
	}
	if (say) {
		dprintf(1, "%s\n", say);
	}
	if (n_busythreads > 0) {
		for (long i = 0; i < n_busythreads; i++) {
			pthread_t t;
			pthread_create(&t, NULL, busy_thread, NULL);
		}
		while (busy_started < n_busythreads)
			sched_yield();
		dprintf(1, "busy\n");
		for (;;)
			pause();
	}
	for (long i = 0; i < n_loopthreads; i++) {
		pthread_t t;
		pthread_create(&t, NULL, loop_thread, NULL);
	}
	getppids();
	for (long i = 0; i < n_openat; i++)
		syscall(SYS_openat, AT_FDCWD, MISSING_PATH, O_RDONLY);
	if (n_write > 0) {
		int fd = open("/dev/null", O_WRONLY);
		for (long i = 0; i < n_write; i++)
			syscall(SYS_write, fd, "x", 1);
		close(fd);
	}
	for (long i = 0; i < n_openclose; i++)
		close(syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY));
	if (faultpath) {
		static const char path[] = "/nonexistent/stracectl-faulted";
		char name[] = "/tmp/stracectl-workload-XXXXXX";
		int fd = mkstemp(name);
		if (fd >= 0 && write(fd, path, sizeof path) == sizeof path) {
			char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
			if (p != MAP_FAILED) {
				syscall(SYS_openat, AT_FDCWD, p, O_RDONLY);
				munmap(p, 4096);
			}
		}
		if (fd >= 0) {
			close(fd);
			unlink(name);
		}
	}
	pthread_t th[64];
	long nt = n_threads > 64 ? 64 : n_threads;
	for (long i = 0; i < nt; i++)
		pthread_create(&th[i], NULL, thread_main, NULL);
	for (long i = 0; i < nt; i++)
		pthread_join(th[i], NULL);
	for (long i = 0; i < n_fork; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			getppids();
			_exit(0);
		}
	}
	for (long i = 0; i < n_fork; i++)
		wait(NULL);
	if (killchild) {
		int p[2];
		if (pipe(p) == 0) {
			pid_t pid = fork();
			if (pid == 0) {
				char c;
				read(p[0], &c, 1);
				_exit(0);
			}
			sleep_ms(100);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
	}
	if (execthread) {
		pthread_t t;
		pthread_create(&t, NULL, exec_thread, NULL);
		pause();
	}
	if (waitstdin) {
		char buf[512];
		while (read(0, buf, sizeof buf) > 0)
			;
	}
	if (n_sleep > 0)
		sleep_ms(n_sleep);
	while (loop) {
		syscall(SYS_getppid);
		sleep_ms(10);
	}
	return (int)status;
}
