package parse

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// formCase is one strace form: its line(s), exactly as strace writes them,
// and every event the parser must make of them.
type formCase struct {
	lines      []string
	want       []Event
	problems   int   // lines the parser must report as not understood
	defaultPid int64 // Options.DefaultPid
}

// runForms runs each case as a subtest named after its strace line(s).
func runForms(t *testing.T, cases []formCase) {
	t.Helper()
	for _, tc := range cases {
		text := strings.Join(tc.lines, "\n") + "\n"
		t.Run(strings.Join(tc.lines, "⏎"), func(t *testing.T) {
			got := parseText(t, text, Options{DefaultPid: tc.defaultPid})
			checkEvents(t, got.events, tc.want)
			if int(got.stats.Problems) != tc.problems || len(got.problems) != tc.problems {
				t.Errorf("%d problems reported (%d to OnProblem), want %d: %v", got.stats.Problems, len(got.problems), tc.problems, got.problems)
			}
			if got.stats.Lines != int64(len(tc.lines)) {
				t.Errorf("Stats.Lines = %d, want %d", got.stats.Lines, len(tc.lines))
			}
		})
	}
}

func TestPidColumns(t *testing.T) {
	runForms(t, []formCase{
		{lines: []string{`getpid()                                = 4251`},
			want: []Event{{Kind: KindSyscall, Syscall: "getpid", Args: args(), Ret: "4251", Returned: true, Retval: 4251, HasRetval: true}}},
		{lines: []string{`4251  openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3`},
			want: []Event{{Kind: KindSyscall, Pid: 4251, Syscall: "openat", Args: args("AT_FDCWD", `"/etc/passwd"`, "O_RDONLY|O_CLOEXEC"), Ret: "3", Returned: true, Retval: 3, HasRetval: true}}},
		{lines: []string{`4     prctl(PR_SET_PTRACER, 0) = 0 (INJECTED)`},
			want: []Event{{Kind: KindSyscall, Pid: 4, Syscall: "prctl", Args: args("PR_SET_PTRACER", "0"), Ret: "0", Returned: true, HasRetval: true, Note: "INJECTED"}}},
		{lines: []string{`[pid  4252] close(3)                    = 0`},
			want: []Event{{Kind: KindSyscall, Pid: 4252, Syscall: "close", Args: args("3"), Ret: "0", Returned: true, HasRetval: true}}},
		{lines: []string{`[pid 24252] set_robust_list(0x7f2303d79a20, 24) = 0`},
			want: []Event{{Kind: KindSyscall, Pid: 24252, Syscall: "set_robust_list", Args: args("0x7f2303d79a20", "24"), Ret: "0", Returned: true, HasRetval: true}}},
		{lines: []string{`2435<sh> brk(NULL)                      = 0x5627bd927000`},
			want: []Event{{Kind: KindSyscall, Pid: 2435, Comm: "sh", Syscall: "brk", Args: args("NULL"), Ret: "0x5627bd927000", Returned: true, Retval: 0x5627bd927000, HasRetval: true}}},
		{lines: []string{`14040<foo\74bar\76> getppid() = 14038<strace-Y-012345>`},
			want: []Event{{Kind: KindSyscall, Pid: 14040, Comm: `foo\74bar\76`, Syscall: "getppid", Args: args(), Ret: "14038<strace-Y-012345>", Returned: true, Retval: 14038, HasRetval: true}}},
		{lines: []string{`14040<foo\74bar\76> tgkill(14040<foo\74bar\76>, 14040<foo\74bar\76>, SIGCONT) = 0`},
			want: []Event{{Kind: KindSyscall, Pid: 14040, Comm: `foo\74bar\76`, Syscall: "tgkill", Args: args(`14040<foo\74bar\76>`, `14040<foo\74bar\76>`, "SIGCONT"), Ret: "0", Returned: true, HasRetval: true}}},
		{lines: []string{`4711<my prog (x)> getpid() = 4711<my prog (x)>`},
			want: []Event{{Kind: KindSyscall, Pid: 4711, Comm: "my prog (x)", Syscall: "getpid", Args: args(), Ret: "4711<my prog (x)>", Returned: true, Retval: 4711, HasRetval: true}}},
		{lines: []string{`4711<a\074b> getpid() = 4711`},
			want: []Event{{Kind: KindSyscall, Pid: 4711, Comm: `a\074b`, Syscall: "getpid", Args: args(), Ret: "4711", Returned: true, Retval: 4711, HasRetval: true}}},
	})
}

// TestBracketPidOnlyWhileSeveralTasksLive: written to stderr, strace
// prefixes "[pid N] " only while more than one task is alive, so once the
// child is gone the parent's lines carry no pid and are given the one task
// left; lines from before any prefix are the first task's, which the first
// "[pid N]" no message announced names.
func TestBracketPidOnlyWhileSeveralTasksLive(t *testing.T) {
	runForms(t, []formCase{{
		lines: []string{
			`execve("/bin/sh", ["sh", "-c", "true"], 0x7ffd12345678 /* 1 var */) = 0`,
			`clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f42d3102a10) = 9`,
			`strace: Process 9 attached`,
			`[pid     8] wait4(-1,  <unfinished ...>`,
			`[pid     9] getpid()                   = 9`,
			`[pid     9] +++ exited with 0 +++`,
			`<... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 9`,
			`--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=9, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---`,
			`exit_group(0)                           = ?`,
			`+++ exited with 0 +++`,
		},
		want: []Event{
			{Kind: KindSyscall, Pid: 8, Syscall: "execve", Args: args(`"/bin/sh"`, `["sh", "-c", "true"]`, "0x7ffd12345678 /* 1 var */"), Ret: "0", Returned: true, HasRetval: true},
			{Kind: KindSyscall, Pid: 8, Syscall: "clone", Args: args("child_stack=NULL", "flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD", "child_tidptr=0x7f42d3102a10"), Ret: "9", Returned: true, Retval: 9, HasRetval: true},
			{Kind: KindSyscall, Pid: 9, Syscall: "getpid", Args: args(), Ret: "9", Returned: true, Retval: 9, HasRetval: true},
			{Kind: KindExit, Pid: 9, HasExitCode: true},
			{Kind: KindSyscall, Pid: 8, Syscall: "wait4", Args: args("-1", "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]", "0", "NULL"), Ret: "9", Returned: true, Retval: 9, HasRetval: true},
			{Kind: KindSignal, Pid: 8, Signal: "SIGCHLD", Siginfo: "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=9, si_uid=0, si_status=0, si_utime=0, si_stime=0}"},
			{Kind: KindSyscall, Pid: 8, Syscall: "exit_group", Args: args("0"), Ret: "?", Returned: true},
			{Kind: KindExit, Pid: 8, HasExitCode: true},
		},
	}})
}

func TestTimestamps(t *testing.T) {
	runForms(t, []formCase{
		// -t
		{lines: []string{`13:54:56 execve("/usr/bin/true", ["true"], 0x7fff405e2338 /* 39 vars */) = 0`},
			want: []Event{{Kind: KindSyscall, Time: "13:54:56", Syscall: "execve", Args: args(`"/usr/bin/true"`, `["true"]`, "0x7fff405e2338 /* 39 vars */"), Ret: "0", Returned: true, HasRetval: true}}},
		// -tt with a pid column
		{lines: []string{`3239  13:39:10.488293 close(3)           = 0`},
			want: []Event{{Kind: KindSyscall, Time: "13:39:10.488293", Pid: 3239, Syscall: "close", Args: args("3"), Ret: "0", Returned: true, HasRetval: true}}},
		// -ttt: absolute, so RFC 3339 UTC keeping the printed precision
		{lines: []string{`3176  1795697509.953848 fcntl(3, F_GETFD) = 0x1 (flags FD_CLOEXEC)`},
			want: []Event{{Kind: KindSyscall, Time: "2026-11-26T12:51:49.953848Z", Pid: 3176, Syscall: "fcntl", Args: args("3", "F_GETFD"), Ret: "0x1", Returned: true, Retval: 1, HasRetval: true, Note: "flags FD_CLOEXEC"}}},
		// --timestamps=unix,ns with -T in ns (--syscall-times=ns)
		{lines: []string{`1795701296.108261893 execve("/usr/bin/true", ["true"], 0x7ffc80451958 /* 39 vars */) = 0 <0.001438521>`},
			want: []Event{{Kind: KindSyscall, Time: "2026-11-26T13:54:56.108261893Z", Syscall: "execve", Args: args(`"/usr/bin/true"`, `["true"]`, "0x7ffc80451958 /* 39 vars */"), Ret: "0", Returned: true, HasRetval: true, DurationNs: 1438521, HasDuration: true}}},
		// --timestamps=unix,s: whole seconds, not to be taken for a pid
		{lines: []string{`1795701296 brk(NULL)                    = 0x555d6e2f7000`},
			want: []Event{{Kind: KindSyscall, Time: "2026-11-26T13:54:56Z", Syscall: "brk", Args: args("NULL"), Ret: "0x555d6e2f7000", Returned: true, Retval: 0x555d6e2f7000, HasRetval: true}}},
		{lines: []string{`2455  1795701296 getpid() = 2455`},
			want: []Event{{Kind: KindSyscall, Time: "2026-11-26T13:54:56Z", Pid: 2455, Syscall: "getpid", Args: args(), Ret: "2455", Returned: true, Retval: 2455, HasRetval: true}}},
		// lines of the same second share its date; each keeps its precision
		{lines: []string{`1795697509.953848 getpid() = 7`, `1795697509.9 getpid() = 7`, `1795697509 getpid() = 7`, `1795697509.1234567890 getpid() = 7`, `1795697509. getpid() = 7`, `1795697510.000001 getpid() = 7`},
			problems: 2, want: []Event{
				{Kind: KindSyscall, Time: "2026-11-26T12:51:49.953848Z", Syscall: "getpid", Args: args(), Ret: "7", Returned: true, Retval: 7, HasRetval: true},
				{Kind: KindSyscall, Time: "2026-11-26T12:51:49.9Z", Syscall: "getpid", Args: args(), Ret: "7", Returned: true, Retval: 7, HasRetval: true},
				{Kind: KindSyscall, Time: "2026-11-26T12:51:49Z", Syscall: "getpid", Args: args(), Ret: "7", Returned: true, Retval: 7, HasRetval: true},
				{Kind: KindSyscall, Time: "2026-11-26T12:51:50.000001Z", Syscall: "getpid", Args: args(), Ret: "7", Returned: true, Retval: 7, HasRetval: true},
			}},
		// -r
		{lines: []string{`     0.000284 brk(NULL)                 = 0x55bf59f7e000`},
			want: []Event{{Kind: KindSyscall, Rel: "0.000284", Syscall: "brk", Args: args("NULL"), Ret: "0x55bf59f7e000", Returned: true, Retval: 0x55bf59f7e000, HasRetval: true}}},
		{lines: []string{`3168       0.000120 getpid()            = 3168`},
			want: []Event{{Kind: KindSyscall, Rel: "0.000120", Pid: 3168, Syscall: "getpid", Args: args(), Ret: "3168", Returned: true, Retval: 3168, HasRetval: true}}},
		// -tt -r together
		{lines: []string{`13:54:56.074293 (+     0.003058) brk(NULL) = 0x5569c62fa000`},
			want: []Event{{Kind: KindSyscall, Time: "13:54:56.074293", Rel: "0.003058", Syscall: "brk", Args: args("NULL"), Ret: "0x5569c62fa000", Returned: true, Retval: 0x5569c62fa000, HasRetval: true}}},
	})
}

func TestDurations(t *testing.T) {
	runForms(t, []formCase{
		{lines: []string{`read(3, "abc", 3)                       = 3 <0.000123>`},
			want: []Event{{Kind: KindSyscall, Syscall: "read", Args: args("3", `"abc"`, "3"), Ret: "3", Returned: true, Retval: 3, HasRetval: true, DurationNs: 123000, HasDuration: true}}},
		{lines: []string{`1795701296.110492653 brk(NULL)          = 0x56439d351000 <0.000059012>`},
			want: []Event{{Kind: KindSyscall, Time: "2026-11-26T13:54:56.110492653Z", Syscall: "brk", Args: args("NULL"), Ret: "0x56439d351000", Returned: true, Retval: 0x56439d351000, HasRetval: true, DurationNs: 59012, HasDuration: true}}},
		{lines: []string{`3160  openat(AT_FDCWD, "/x", O_RDONLY) = -1 ENOENT (No such file or directory) <1.500000>`},
			want: []Event{{Kind: KindSyscall, Pid: 3160, Syscall: "openat", Args: args("AT_FDCWD", `"/x"`, "O_RDONLY"), Ret: "-1", Returned: true, Retval: -1, HasRetval: true, Errno: "ENOENT", Errmsg: "No such file or directory", DurationNs: 1500000000, HasDuration: true}}},
		{lines: []string{`3160  <... poll resumed>)               = 1 ([{fd=4, revents=POLLIN}]) <0.000017>`},
			want: []Event{{Kind: KindSyscall, Pid: 3160, Syscall: "poll", Args: args(), Ret: "1", Returned: true, Retval: 1, HasRetval: true, Note: "[{fd=4, revents=POLLIN}]", DurationNs: 17000, HasDuration: true}}},
	})
}

func TestSyscallNumberAndInstructionPointer(t *testing.T) {
	runForms(t, []formCase{
		// -n
		{lines: []string{`[  39] getpid()                        = 4251`},
			want: []Event{{Kind: KindSyscall, Syscall: "getpid", Args: args(), Ret: "4251", Returned: true, Retval: 4251, HasRetval: true}}},
		// -n -i with a pid column
		{lines: []string{`2455  [  59] [00007f1d01563ad7] execve("/usr/bin/sh", ["sh", "-c", "exit 3"], 0x7fffee919068 /* 39 vars */) = 0`},
			want: []Event{{Kind: KindSyscall, Pid: 2455, Syscall: "execve", Args: args(`"/usr/bin/sh"`, `["sh", "-c", "exit 3"]`, "0x7fffee919068 /* 39 vars */"), Ret: "0", Returned: true, HasRetval: true}}},
		{lines: []string{`2455  [ 231] [????????????????] +++ exited with 3 +++`},
			want: []Event{{Kind: KindExit, Pid: 2455, ExitCode: 3, HasExitCode: true}}},
		// -i with [pid N]
		{lines: []string{`[pid 24252] [00007f2303e8545d] prctl(PR_SET_DUMPABLE, SUID_DUMP_DISABLE) = 0`},
			want: []Event{{Kind: KindSyscall, Pid: 24252, Syscall: "prctl", Args: args("PR_SET_DUMPABLE", "SUID_DUMP_DISABLE"), Ret: "0", Returned: true, HasRetval: true}}},
		{lines: []string{`[00007f2303e5038d] --- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=3168, si_uid=0} ---`},
			want: []Event{{Kind: KindSignal, Signal: "SIGUSR1", Siginfo: "{si_signo=SIGUSR1, si_code=SI_USER, si_pid=3168, si_uid=0}"}}},
		// -tt -n -i
		{lines: []string{`3239  13:39:10.488293 [   3] [00007f1d01563ad7] close(3) = 0`},
			want: []Event{{Kind: KindSyscall, Pid: 3239, Time: "13:39:10.488293", Syscall: "close", Args: args("3"), Ret: "0", Returned: true, HasRetval: true}}},
	})
}

func TestResults(t *testing.T) {
	runForms(t, []formCase{
		{lines: []string{`exit_group(0)                     = ?`},
			want: []Event{{Kind: KindSyscall, Syscall: "exit_group", Args: args("0"), Ret: "?", Returned: true}}},
		{lines: []string{`3168  pause()                           = ? ERESTARTNOHAND (To be restarted if no handler)`},
			want: []Event{{Kind: KindSyscall, Pid: 3168, Syscall: "pause", Args: args(), Ret: "?", Returned: true, Errno: "ERESTARTNOHAND", Errmsg: "To be restarted if no handler"}}},
		{lines: []string{`recvfrom(3, 0x55c38bce50b4, 4, 0, NULL, NULL) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)`},
			want: []Event{{Kind: KindSyscall, Syscall: "recvfrom", Args: args("3", "0x55c38bce50b4", "4", "0", "NULL", "NULL"), Ret: "?", Returned: true, Errno: "ERESTARTSYS", Errmsg: "To be restarted if SA_RESTART is set"}}},
		{lines: []string{`openat(AT_FDCWD, "/nonexistent", O_RDONLY) = -1 ENOENT (No such file or directory)`},
			want: []Event{{Kind: KindSyscall, Syscall: "openat", Args: args("AT_FDCWD", `"/nonexistent"`, "O_RDONLY"), Ret: "-1", Returned: true, Retval: -1, HasRetval: true, Errno: "ENOENT", Errmsg: "No such file or directory"}}},
		{lines: []string{`ppoll([{fd=42, events=POLLIN|POLLPRI|POLLRDNORM|POLLRDBAND}], 1, {tv_sec=0, tv_nsec=1}, ~[HUP KILL STOP], 8) = 0 (Timeout)`},
			want: []Event{{Kind: KindSyscall, Syscall: "ppoll", Args: args("[{fd=42, events=POLLIN|POLLPRI|POLLRDNORM|POLLRDBAND}]", "1", "{tv_sec=0, tv_nsec=1}", "~[HUP KILL STOP]", "8"), Ret: "0", Returned: true, HasRetval: true, Note: "Timeout"}}},
		{lines: []string{`chdir(".")  = -1 ENOENT (No such file or directory) (INJECTED)`},
			want: []Event{{Kind: KindSyscall, Syscall: "chdir", Args: args(`"."`), Ret: "-1", Returned: true, Retval: -1, HasRetval: true, Errno: "ENOENT", Errmsg: "No such file or directory", Note: "INJECTED"}}},
		{lines: []string{`ioctl(-1, VIDIOC_QUERYCAP, NULL) = 42 (INJECTED)`},
			want: []Event{{Kind: KindSyscall, Syscall: "ioctl", Args: args("-1", "VIDIOC_QUERYCAP", "NULL"), Ret: "42", Returned: true, Retval: 42, HasRetval: true, Note: "INJECTED"}}},
		{lines: []string{`prctl(0x3f /* PR_SME_SET_VL */, 0) = 0xdec0ded (PR_SME_SET_VL_ONEXEC|0xde80000|0xded) (INJECTED)`},
			want: []Event{{Kind: KindSyscall, Syscall: "prctl", Args: args("0x3f /* PR_SME_SET_VL */", "0"), Ret: "0xdec0ded", Returned: true, Retval: 0xdec0ded, HasRetval: true, Note: "(PR_SME_SET_VL_ONEXEC|0xde80000|0xded) (INJECTED)"}}},
		{lines: []string{`umask(022) = 022`},
			want: []Event{{Kind: KindSyscall, Syscall: "umask", Args: args("022"), Ret: "022", Returned: true, Retval: 0o22, HasRetval: true}}},
		{lines: []string{`umask(006) = 000`},
			want: []Event{{Kind: KindSyscall, Syscall: "umask", Args: args("006"), Ret: "000", Returned: true, Retval: 0, HasRetval: true}}},
		{lines: []string{`fcntl(3, F_GETFL)                       = 0x8002 (flags O_RDWR|O_LARGEFILE)`},
			want: []Event{{Kind: KindSyscall, Syscall: "fcntl", Args: args("3", "F_GETFL"), Ret: "0x8002", Returned: true, Retval: 0x8002, HasRetval: true, Note: "flags O_RDWR|O_LARGEFILE"}}},
		{lines: []string{`rt_sigtimedwait([RTMIN RT_3], NULL, NULL, 8) = 35 (SIGRT_3)`},
			want: []Event{{Kind: KindSyscall, Syscall: "rt_sigtimedwait", Args: args("[RTMIN RT_3]", "NULL", "NULL", "8"), Ret: "35", Returned: true, Retval: 35, HasRetval: true, Note: "SIGRT_3"}}},
		{lines: []string{`3176  poll([{fd=5, events=POLLIN}], 1, -1) = 1 ([{fd=5, revents=POLLIN}])`},
			want: []Event{{Kind: KindSyscall, Pid: 3176, Syscall: "poll", Args: args("[{fd=5, events=POLLIN}]", "1", "-1"), Ret: "1", Returned: true, Retval: 1, HasRetval: true, Note: "[{fd=5, revents=POLLIN}]"}}},
		{lines: []string{`restart_syscall(<... resuming interrupted nanosleep ...>) = 0`},
			want: []Event{{Kind: KindSyscall, Syscall: "restart_syscall", Args: args("<... resuming interrupted nanosleep ...>"), Ret: "0", Returned: true, HasRetval: true}}},
		{lines: []string{`lseek(3, 0, SEEK_END)                   = 18446744073709551615`},
			want: []Event{{Kind: KindSyscall, Syscall: "lseek", Args: args("3", "0", "SEEK_END"), Ret: "18446744073709551615", Returned: true}}},
		{lines: []string{`syscall_0x3e8(0x1, 0x2, 0x3, 0x4, 0x5, 0x6) = -1 ENOSYS (Function not implemented)`},
			want: []Event{{Kind: KindSyscall, Syscall: "syscall_0x3e8", Args: args("0x1", "0x2", "0x3", "0x4", "0x5", "0x6"), Ret: "-1", Returned: true, Retval: -1, HasRetval: true, Errno: "ENOSYS", Errmsg: "Function not implemented"}}},
		{lines: []string{`write(1, "a\"b\\", 4) = 4`},
			want: []Event{{Kind: KindSyscall, Syscall: "write", Args: args("1", `"a\"b\\"`, "4"), Ret: "4", Returned: true, Retval: 4, HasRetval: true}}},
		{lines: []string{`read(3, ""..., 4096) = 4096`},
			want: []Event{{Kind: KindSyscall, Syscall: "read", Args: args("3", `""...`, "4096"), Ret: "4096", Returned: true, Retval: 4096, HasRetval: true}}},
		{lines: []string{`fcntl(0x7 /* QCMD(0xbadc0d /* Q_??? */, USRQUOTA) */, F_GETFD) = 0`},
			want: []Event{{Kind: KindSyscall, Syscall: "fcntl", Args: args("0x7 /* QCMD(0xbadc0d /* Q_??? */, USRQUOTA) */", "F_GETFD"), Ret: "0", Returned: true, HasRetval: true}}},
		{lines: []string{`ioctl(0, TIOCSTI, "(")              = 0`},
			want: []Event{{Kind: KindSyscall, Syscall: "ioctl", Args: args("0", "TIOCSTI", `"("`), Ret: "0", Returned: true, HasRetval: true}}},
		{lines: []string{`prctl(PR_SET_NAME, '(', ',') = 0`},
			want: []Event{{Kind: KindSyscall, Syscall: "prctl", Args: args("PR_SET_NAME", "'('", "','"), Ret: "0", Returned: true, HasRetval: true}}},
	})
}

// TestFdDecorations: -y/-yy decorations are not bracket-balanced; inside a
// path only < > " \ are escaped.
func TestFdDecorations(t *testing.T) {
	runForms(t, []formCase{
		{lines: []string{`read(3</a,b>, "x", 1) = 1`},
			want: []Event{{Kind: KindSyscall, Syscall: "read", Args: args("3</a,b>", `"x"`, "1"), Ret: "1", Returned: true, Retval: 1, HasRetval: true}}},
		{lines: []string{`close(3</tmp/a) = 0 (x>) = 0`},
			want: []Event{{Kind: KindSyscall, Syscall: "close", Args: args("3</tmp/a) = 0 (x>"), Ret: "0", Returned: true, HasRetval: true}}},
		{lines: []string{`fstat(3</tmp/brace{[(>, {st_mode=S_IFREG|0644, st_size=0, ...}) = 0`},
			want: []Event{{Kind: KindSyscall, Syscall: "fstat", Args: args("3</tmp/brace{[(>", "{st_mode=S_IFREG|0644, st_size=0, ...}"), Ret: "0", Returned: true, HasRetval: true}}},
		{lines: []string{`fchdir(3</dir/dash->) = 0`},
			want: []Event{{Kind: KindSyscall, Syscall: "fchdir", Args: args("3</dir/dash->"), Ret: "0", Returned: true, HasRetval: true}}},
		{lines: []string{`3340  getsockname(5<TCP:[127.0.0.1:45733->127.0.0.1:53372]>, {sa_family=AF_INET, sin_port=htons(45733), sin_addr=inet_addr("127.0.0.1")}, [16]) = 0`},
			want: []Event{{Kind: KindSyscall, Pid: 3340, Syscall: "getsockname", Args: args("5<TCP:[127.0.0.1:45733->127.0.0.1:53372]>", `{sa_family=AF_INET, sin_port=htons(45733), sin_addr=inet_addr("127.0.0.1")}`, "[16]"), Ret: "0", Returned: true, HasRetval: true}}},
		{lines: []string{`dup2(3</dev/null<char 1:3>>, 1</dev/pts/0<char 136:0>>) = 1</dev/null<char 1:3>>`},
			want: []Event{{Kind: KindSyscall, Syscall: "dup2", Args: args("3</dev/null<char 1:3>>", "1</dev/pts/0<char 136:0>>"), Ret: "1</dev/null<char 1:3>>", Returned: true, Retval: 1, HasRetval: true}}},
		{lines: []string{`openat(AT_FDCWD</tmp>, "a b", O_RDONLY) = 3</tmp/a b>`},
			want: []Event{{Kind: KindSyscall, Syscall: "openat", Args: args("AT_FDCWD</tmp>", `"a b"`, "O_RDONLY"), Ret: "3</tmp/a b>", Returned: true, Retval: 3, HasRetval: true}}},
		{lines: []string{`openat(AT_FDCWD, "q\"", O_RDONLY) = 3</tmp/q\">`},
			want: []Event{{Kind: KindSyscall, Syscall: "openat", Args: args("AT_FDCWD", `"q\""`, "O_RDONLY"), Ret: `3</tmp/q\">`, Returned: true, Retval: 3, HasRetval: true}}},
		{lines: []string{`pipe2([3<pipe:[41250]>, 4<pipe:[41250]>], 0) = 0`},
			want: []Event{{Kind: KindSyscall, Syscall: "pipe2", Args: args("[3<pipe:[41250]>, 4<pipe:[41250]>]", "0"), Ret: "0", Returned: true, HasRetval: true}}},
		{lines: []string{`setrlimit(RLIMIT_STACK, {rlim_cur=1<<20, rlim_max=RLIM64_INFINITY}) = 0`},
			want: []Event{{Kind: KindSyscall, Syscall: "setrlimit", Args: args("RLIMIT_STACK", "{rlim_cur=1<<20, rlim_max=RLIM64_INFINITY}"), Ret: "0", Returned: true, HasRetval: true}}},
	})
}

func TestSignalsAndExits(t *testing.T) {
	runForms(t, []formCase{
		{lines: []string{`--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=3260, si_uid=0, si_status=2, si_utime=0, si_stime=0} ---`},
			want: []Event{{Kind: KindSignal, Signal: "SIGCHLD", Siginfo: "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=3260, si_uid=0, si_status=2, si_utime=0, si_stime=0}"}}},
		{lines: []string{`3220  --- SIGURG {si_signo=SIGURG, si_code=SI_TKILL, si_pid=3220, si_uid=0} ---`},
			want: []Event{{Kind: KindSignal, Pid: 3220, Signal: "SIGURG", Siginfo: "{si_signo=SIGURG, si_code=SI_TKILL, si_pid=3220, si_uid=0}"}}},
		{lines: []string{`3176  1795697509.953848 --- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=3176, si_uid=0} ---`},
			want: []Event{{Kind: KindSignal, Pid: 3176, Time: "2026-11-26T12:51:49.953848Z", Signal: "SIGTERM", Siginfo: "{si_signo=SIGTERM, si_code=SI_USER, si_pid=3176, si_uid=0}"}}},
		{lines: []string{`4242  +++ exited with 0 +++`},
			want: []Event{{Kind: KindExit, Pid: 4242, HasExitCode: true}}},
		{lines: []string{`[pid  3260] +++ exited with 2 +++`},
			want: []Event{{Kind: KindExit, Pid: 3260, ExitCode: 2, HasExitCode: true}}},
		{lines: []string{`+++ exited with 255 +++`},
			want: []Event{{Kind: KindExit, ExitCode: 255, HasExitCode: true}}},
		{lines: []string{`3268  +++ killed by SIGKILL +++`},
			want: []Event{{Kind: KindExit, Pid: 3268, Signal: "SIGKILL"}}},
		{lines: []string{`+++ killed by SIGSEGV (core dumped) +++`},
			want: []Event{{Kind: KindExit, Signal: "SIGSEGV", CoreDumped: true}}},
		{lines: []string{`3239  13:39:10.488293 +++ killed by SIGABRT (core dumped) +++`},
			want: []Event{{Kind: KindExit, Pid: 3239, Time: "13:39:10.488293", Signal: "SIGABRT", CoreDumped: true}}},
	})
}

// TestNotEvents: lines strace writes that are no event, all understood
// (none reported), and program text (reported, no event).
func TestNotEvents(t *testing.T) {
	runForms(t, []formCase{
		{lines: []string{` > /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2(_dl_catch_error+0x26f0) [0x1ab70]`}},
		{lines: []string{` > /usr/lib/x86_64-linux-gnu/libc.so.6(__libc_start_main+0x85) [0x271c5]`, ` > unexpected_backtracing_error [0x7f2303e5038d]`}},
		{lines: []string{` | 00000  30 31 32                                          012              |`}},
		{lines: []string{` * 3 bytes in buffer 0`}},
		{lines: []string{`--- stopped by SIGSTOP ---`}},
		{lines: []string{`4251  --- stopped by SIGTSTP ---`}},
		{lines: []string{`1731  +++ superseded by execve in pid 1732 +++`}},
		{lines: []string{`strace: Process 4251 attached`}},
		{lines: []string{`/usr/bin/strace: Process 4251 detached`}},
		{lines: []string{`strace: Process attached`}},
		{lines: []string{`[ Process PID=4251 runs in x32 mode. ]`}},
		{lines: []string{
			`% time     seconds  usecs/call     calls    errors syscall`,
			`------ ----------- ----------- --------- --------- ----------------`,
			` 62.50    0.000010          10         1           getpid`,
			` 37.50    0.000006           3         2         1 openat`,
			`------ ----------- ----------- --------- --------- ----------------`,
			`100.00    0.000016           5         3         1 total`,
		}},
		{lines: []string{`System call usage summary for 32 bit mode:`}},
		{lines: []string{``, `   	  `}},
		{lines: []string{`hello world`}, problems: 1},
		{lines: []string{`result = 42`}, problems: 1},
		// no pid after "in pid": it once sliced past the line's end (a panic)
		{lines: []string{`1234  +++ superseded by execve in pid +++`}, problems: 1},
		{lines: []string{`+++ superseded by execve in pid +++`}, problems: 1},
	})
}

// TestUnfinishedResumed: a call strace split over "<unfinished ...>" and
// "<... NAME resumed>" is one event per call per pid, emitted when it
// completes, with the opener's time and the resumed line's result.
func TestUnfinishedResumed(t *testing.T) {
	runForms(t, []formCase{
		{lines: []string{
			`4251  read(0,  <unfinished ...>`,
			`4252  write(1, "x", 1)                  = 1`,
			`4251  <... read resumed>"hello\n", 4096) = 6`,
		}, want: []Event{
			{Kind: KindSyscall, Pid: 4252, Syscall: "write", Args: args("1", `"x"`, "1"), Ret: "1", Returned: true, Retval: 1, HasRetval: true},
			{Kind: KindSyscall, Pid: 4251, Syscall: "read", Args: args("0", `"hello\n"`, "4096"), Ret: "6", Returned: true, Retval: 6, HasRetval: true},
		}},
		// two pids with the same call pending: each resumes its own
		{lines: []string{
			`3197  futex(0xc000100148, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>`,
			`3198  futex(0xc000100950, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>`,
			`3198  <... futex resumed>)             = -1 EAGAIN (Resource temporarily unavailable)`,
			`3197  <... futex resumed>)             = 0`,
		}, want: []Event{
			{Kind: KindSyscall, Pid: 3198, Syscall: "futex", Args: args("0xc000100950", "FUTEX_WAIT_PRIVATE", "0", "NULL"), Ret: "-1", Returned: true, Retval: -1, HasRetval: true, Errno: "EAGAIN", Errmsg: "Resource temporarily unavailable"},
			{Kind: KindSyscall, Pid: 3197, Syscall: "futex", Args: args("0xc000100148", "FUTEX_WAIT_PRIVATE", "0", "NULL"), Ret: "0", Returned: true, HasRetval: true},
		}},
		// -tt -T: the time is when the call began, the duration on the resumed line
		{lines: []string{
			`3239  13:39:10.000001 read(0,  <unfinished ...>`,
			`3239  13:39:10.000500 <... read resumed>"x", 1) = 1 <0.000479>`,
		}, want: []Event{
			{Kind: KindSyscall, Pid: 3239, Time: "13:39:10.000001", Syscall: "read", Args: args("0", `"x"`, "1"), Ret: "1", Returned: true, Retval: 1, HasRetval: true, DurationNs: 479000, HasDuration: true},
		}},
		// resumed with no opener: args are what follows
		{lines: []string{`4243  <... read resumed>"hello\n", 4096) = 6`},
			want: []Event{{Kind: KindSyscall, Pid: 4243, Syscall: "read", Args: args(`"hello\n"`, "4096"), Ret: "6", Returned: true, Retval: 6, HasRetval: true}}},
		{lines: []string{`<... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 4250`},
			want: []Event{{Kind: KindSyscall, Syscall: "wait4", Args: args("[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]", "0", "NULL"), Ret: "4250", Returned: true, Retval: 4250, HasRetval: true}}},
		{lines: []string{`4243  <... nosuchcall resumed>) = -1 ENOSYS (Function not implemented)`},
			want: []Event{{Kind: KindSyscall, Pid: 4243, Syscall: "nosuchcall", Args: args(), Ret: "-1", Returned: true, Retval: -1, HasRetval: true, Errno: "ENOSYS", Errmsg: "Function not implemented"}}},
		// opener never resumed: emitted at the end with ret null
		{lines: []string{`4251  nanosleep({tv_sec=123, tv_nsec=0}, NULL <unfinished ...>`},
			want: []Event{{Kind: KindSyscall, Pid: 4251, Syscall: "nanosleep", Args: args("{tv_sec=123, tv_nsec=0}", "NULL")}}},
		// the task died inside the call
		{lines: []string{
			`3266  read(0, "", 1 <unfinished ...>`,
			`3266  <... read resumed> <unfinished ...>) = ?`,
			`3266  +++ killed by SIGKILL +++`,
		}, want: []Event{
			{Kind: KindSyscall, Pid: 3266, Syscall: "read", Args: args("0", `""`, "1"), Ret: "?", Returned: true},
			{Kind: KindExit, Pid: 3266, Signal: "SIGKILL"},
		}},
		// strace let go of the task inside the call (strace -p, then Ctrl-C)
		{lines: []string{`3462  clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=50000000}, NULL <detached ...>`},
			want: []Event{{Kind: KindSyscall, Pid: 3462, Syscall: "clock_nanosleep", Args: args("CLOCK_REALTIME", "0", "{tv_sec=0, tv_nsec=50000000}", "NULL")}}},
		// a second opener of the same task: the first can never resume
		{lines: []string{
			`4251  read(0, "", 1 <unfinished ...>`,
			`4251  write(1, "x", 1 <unfinished ...>`,
			`4251  <... write resumed>)             = 1`,
		}, want: []Event{
			{Kind: KindSyscall, Pid: 4251, Syscall: "read", Args: args("0", `""`, "1")},
			{Kind: KindSyscall, Pid: 4251, Syscall: "write", Args: args("1", `"x"`, "1"), Ret: "1", Returned: true, Retval: 1, HasRetval: true},
		}},
	})
}

// TestUnfinishedArgsOpen: strace cuts an opener after an argument's ", ";
// joining Args with ", " gives back the printed text without the marker,
// the spaces before it and the dangling separator: no empty last argument.
func TestUnfinishedArgsOpen(t *testing.T) {
	for _, line := range []string{
		`4251  read(0,  <unfinished ...>`,
		`3462  clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=50000000},  <detached ...>`,
		`[pid  3256] rt_sigprocmask(SIG_SETMASK, [],  <unfinished ...>`,
	} {
		t.Run(line, func(t *testing.T) {
			got := parseText(t, line+"\n", Options{})
			if len(got.events) != 1 || got.stats.Problems != 0 {
				t.Fatalf("got %d events, %d problems, want 1 and 0", len(got.events), got.stats.Problems)
			}
			ev := got.events[0]
			open := strings.IndexByte(line, '(')
			printed := strings.TrimSuffix(strings.TrimRight(line[open+1:strings.LastIndex(line, "<")], " "), ",")
			if j := strings.Join(ev.Args, ", "); j != printed {
				t.Errorf("args %q joined = %q, printed %q", ev.Args, j, printed)
			}
			if ev.Returned || ev.HasRetval || ev.Counts() {
				t.Errorf("a call that never returned: Returned=%v HasRetval=%v Counts=%v", ev.Returned, ev.HasRetval, ev.Counts())
			}
		})
	}
}

// TestExecveByThread: a non-leader thread's execve is resumed under the
// leader's pid; it is one event, counted once.
func TestExecveByThread(t *testing.T) {
	execveArgs := args(`"../threads-execve"`, `["../threads-execve", "8", "1"]`, "0x7ffc74ca2a38 /* 49 vars */")
	runForms(t, []formCase{
		// strace 7: "<pid changed to N ...>" and "superseded"
		{lines: []string{
			`1732  execve("../threads-execve", ["../threads-execve", "8", "1"], 0x7ffc74ca2a38 /* 49 vars */ <pid changed to 1731 ...>`,
			`1731  +++ superseded by execve in pid 1732 +++`,
			`1731  <... execve resumed>) = 0`,
		}, want: []Event{
			{Kind: KindSyscall, Pid: 1731, Syscall: "execve", Args: execveArgs, Ret: "0", Returned: true, HasRetval: true},
		}},
		// strace 7 without "pid changed": the leader's own call dies, then superseded
		{lines: []string{
			`1731  rt_sigsuspend([], 8 <unfinished ...>`,
			`1739  execve("../threads-execve", ["../threads-execve", "8", "1"], 0x7ffc74ca2a38 /* 49 vars */ <unfinished ...>`,
			`1731  <... rt_sigsuspend resumed>) = ?`,
			`1731  +++ superseded by execve in pid 1739 +++`,
			`1731  <... execve resumed>) = 0`,
			`1731  +++ exited with 0 +++`,
		}, want: []Event{
			{Kind: KindSyscall, Pid: 1731, Syscall: "rt_sigsuspend", Args: args("[]", "8"), Ret: "?", Returned: true},
			{Kind: KindSyscall, Pid: 1731, Syscall: "execve", Args: execveArgs, Ret: "0", Returned: true, HasRetval: true},
			{Kind: KindExit, Pid: 1731, HasExitCode: true},
		}},
		// strace 6.1: no superseded line; the opener waits under the thread's pid
		{lines: []string{
			`3301  execve("../threads-execve", ["../threads-execve", "8", "1"], 0x7ffc74ca2a38 /* 49 vars */ <unfinished ...>`,
			`3300  <... execve resumed>)             = 0`,
		}, want: []Event{
			{Kind: KindSyscall, Pid: 3300, Syscall: "execve", Args: execveArgs, Ret: "0", Returned: true, HasRetval: true},
		}},
	})
}

// TestSplitLines: in 2>&1 captures program output or "strace: Process N
// attached" lands inside a strace line, and the rest of the line continues
// on the next one.
func TestSplitLines(t *testing.T) {
	runForms(t, []formCase{
		{lines: []string{`write(1, "\n", 1`, `)                       = 1 <0.000015>`},
			want: []Event{{Kind: KindSyscall, Syscall: "write", Args: args("1", `"\n"`, "1"), Ret: "1", Returned: true, Retval: 1, HasRetval: true, DurationNs: 15000, HasDuration: true}}},
		// the program's text after a write's count is cut off: the count is
		// a plain decimal, so what follows it cannot be strace's
		{lines: []string{`write(1, "done\n", 5done`, `)                   = 5 <0.000015>`},
			want: []Event{{Kind: KindSyscall, Syscall: "write", Args: args("1", `"done\n"`, "5"), Ret: "5", Returned: true, Retval: 5, HasRetval: true, DurationNs: 15000, HasDuration: true}}},
		{lines: []string{`[pid  3260] write(2, "\n", 1`, `)           = 1 <0.000015>`},
			want: []Event{{Kind: KindSyscall, Pid: 3260, Syscall: "write", Args: args("2", `"\n"`, "1"), Ret: "1", Returned: true, Retval: 1, HasRetval: true, DurationNs: 15000, HasDuration: true}}},
		{lines: []string{
			`vfork(/usr/bin/strace: Process 3260 attached`,
			` <unfinished ...>`,
			`[pid  3260] getpid()                   = 3260`,
			`[pid  3256] <... vfork resumed>)        = 3260 <0.000469>`,
		}, want: []Event{
			{Kind: KindSyscall, Pid: 3260, Syscall: "getpid", Args: args(), Ret: "3260", Returned: true, Retval: 3260, HasRetval: true},
			{Kind: KindSyscall, Pid: 3256, Syscall: "vfork", Args: args(), Ret: "3260", Returned: true, Retval: 3260, HasRetval: true, DurationNs: 469000, HasDuration: true},
		}},
		{lines: []string{
			`clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD/usr/bin/strace: Process 9 attached`,
			`, child_tidptr=0x7f42d3102a10) = 9<sh>`,
		}, want: []Event{
			{Kind: KindSyscall, Syscall: "clone", Args: args("child_stack=NULL", "flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD", "child_tidptr=0x7f42d3102a10"), Ret: "9<sh>", Returned: true, Retval: 9, HasRetval: true},
		}},
		{lines: []string{
			`clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f3c1a2b3990, parent_tid=0x7f3c1a2b3990, exit_signal=0, stack=0x7f3c19aa3000, stack_size=0x7ffb80, tls=0x7f3c1a2b36c0}/usr/bin/strace: Process 9 attached`,
			` => {parent_tid=[9]}, 88) = 9`,
		}, want: []Event{
			{Kind: KindSyscall, Syscall: "clone3", Args: args("{flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f3c1a2b3990, parent_tid=0x7f3c1a2b3990, exit_signal=0, stack=0x7f3c19aa3000, stack_size=0x7ffb80, tls=0x7f3c1a2b36c0} => {parent_tid=[9]}", "88"), Ret: "9", Returned: true, Retval: 9, HasRetval: true},
		}},
		// strace's message cut the line right after an argument: the rest
		// starts with the next argument
		{lines: []string{
			`[pid 15861] rt_sigprocmask(SIG_SETMASK, [], strace: Process 15859 attached`,
			`NULL, 8) = 0 <0.000126>`,
		}, want: []Event{
			{Kind: KindSyscall, Pid: 15861, Syscall: "rt_sigprocmask", Args: args("SIG_SETMASK", "[]", "NULL", "8"), Ret: "0", Returned: true, HasRetval: true, DurationNs: 126000, HasDuration: true},
		}},
		// strace -p, Ctrl-C: the detach message inside the line, then the marker
		{lines: []string{
			`wait4(-1, strace: Process 7457 detached`,
			` <detached ...>`,
		}, want: []Event{
			{Kind: KindSyscall, Syscall: "wait4", Args: args("-1")},
		}},
		// program output on a line of its own between the halves
		{lines: []string{
			`write(1, "a\n", 2a`,
			`)       = 2`,
			`hello from the program`,
			`getpid() = 8`,
		}, problems: 1, want: []Event{
			{Kind: KindSyscall, Syscall: "write", Args: args("1", `"a\n"`, "2"), Ret: "2", Returned: true, Retval: 2, HasRetval: true},
			{Kind: KindSyscall, Syscall: "getpid", Args: args(), Ret: "8", Returned: true, Retval: 8, HasRetval: true},
		}},
	})
}

// TestRaw: with Options.Raw each event carries its line(s); a call strace
// split carries both, joined by a newline.
func TestRaw(t *testing.T) {
	cases := []struct {
		lines []string
		raws  []string
	}{
		{lines: []string{`4251  openat(AT_FDCWD, "/etc/passwd", O_RDONLY) = 3`},
			raws: []string{`4251  openat(AT_FDCWD, "/etc/passwd", O_RDONLY) = 3`}},
		{lines: []string{`4251  read(0,  <unfinished ...>`, `4251  <... read resumed>"x", 1) = 1`},
			raws: []string{"4251  read(0,  <unfinished ...>\n4251  <... read resumed>\"x\", 1) = 1"}},
		{lines: []string{`write(1, "\n", 1`, `)                       = 1`},
			raws: []string{"write(1, \"\\n\", 1\n)                       = 1"}},
		{lines: []string{`4251  nanosleep({tv_sec=1, tv_nsec=0}, NULL <unfinished ...>`},
			raws: []string{`4251  nanosleep({tv_sec=1, tv_nsec=0}, NULL <unfinished ...>`}},
		{lines: []string{`--- SIGCHLD {si_signo=SIGCHLD} ---`, `+++ exited with 0 +++`},
			raws: []string{`--- SIGCHLD {si_signo=SIGCHLD} ---`, `+++ exited with 0 +++`}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.lines, "⏎"), func(t *testing.T) {
			got := parseText(t, strings.Join(tc.lines, "\r\n")+"\r\n", Options{Raw: true})
			if len(got.events) != len(tc.raws) {
				t.Fatalf("%d events, want %d", len(got.events), len(tc.raws))
			}
			for i, ev := range got.events {
				if ev.Raw != tc.raws[i] {
					t.Errorf("event %d Raw = %q, want %q", i, ev.Raw, tc.raws[i])
				}
			}
			plain := parseText(t, strings.Join(tc.lines, "\n")+"\n", Options{})
			for i := range plain.events {
				if plain.events[i].Raw != "" {
					t.Errorf("event %d has Raw %q without Options.Raw", i, plain.events[i].Raw)
				}
			}
		})
	}
}

// TestProblemPosition: a problem names its 1-based line number and the
// start of the line.
func TestProblemPosition(t *testing.T) {
	text := "getpid() = 1\n\nthis is no strace line\n" + strings.Repeat("x", 200) + "\n+++ exited with 0 +++\n"
	got := parseText(t, text, Options{})
	if len(got.events) != 2 {
		t.Errorf("%d events, want 2", len(got.events))
	}
	if len(got.problems) != 2 {
		t.Fatalf("problems %v, want 2", got.problems)
	}
	if p := got.problems[0]; p.Line != 3 || p.Snippet != "this is no strace line" || p.Reason == "" {
		t.Errorf("first problem %+v, want line 3 with its text", p)
	}
	if p := got.problems[1]; p.Line != 4 || p.Snippet != strings.Repeat("x", 80) {
		t.Errorf("second problem %+v, want line 4 with its first 80 bytes", p)
	}
	if f := got.stats.First; f == nil || *f != got.problems[0] {
		t.Errorf("Stats.First = %v, want the first problem", f)
	}
	if got.stats.Lines != 5 || got.stats.Problems != 2 {
		t.Errorf("Stats = %+v, want 5 lines, 2 problems", got.stats)
	}
	want := `line 3: ` + got.problems[0].Reason + `: "this is no strace line"`
	if s := got.problems[0].Error(); s != want {
		t.Errorf("Error() = %q, want %q", s, want)
	}
}

// TestReadBatchLive: ReadBatch returns the events of the lines available
// now, without waiting for more input, so that a pipe's events flow live.
func TestReadBatchLive(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p := NewParser(r, Options{})
	go w.WriteString("4251  getpid() = 4251\n4251  read(0,  <unfinished ...>\n")
	batch, err := p.ReadBatch(nil)
	if err != nil || len(batch) != 1 || batch[0].Syscall != "getpid" {
		t.Fatalf("first batch %+v, %v: want the getpid event alone", batch, err)
	}
	go func() {
		w.WriteString("4251  <... read resumed>\"\", 1) = 0\n")
		w.Close()
	}()
	batch, err = p.ReadBatch(batch[:0])
	if err != nil || len(batch) != 1 || batch[0].Syscall != "read" || batch[0].Ret != "0" {
		t.Fatalf("second batch %+v, %v: want the read event", batch, err)
	}
	if batch, err = p.ReadBatch(batch[:0]); len(batch) != 0 || err == nil {
		t.Fatalf("at the end: %+v, %v; want no event and io.EOF", batch, err)
	}
}

// chunkReader returns its input in pieces of varying size, so that lines
// straddle the parser's block boundaries at every offset.
type chunkReader struct {
	data []byte
	n    int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	r.n = (r.n*7 + 13) % 4099 // 13, 104, 741... a fixed walk over 1..4098
	k := min(len(p), len(r.data), r.n+1)
	copy(p, r.data[:k])
	r.data = r.data[k:]
	return k, nil
}

// TestStreamingBlocks: events kept from the start of a long input (several
// of the parser's blocks, read in odd-sized pieces) still hold their text
// at the end: the parser never reuses memory an event points into. Every
// capture of the corpus, one after another, gives what each gives alone.
func TestStreamingBlocks(t *testing.T) {
	traces, _ := filepath.Glob(filepath.Join(corpusDir, "*.trace"))
	if len(traces) == 0 {
		t.Skipf("no corpus in %s; it lives in ../shared/corpus beside the project", corpusDir)
	}
	var all []byte
	var want []Event
	for _, trace := range traces {
		data, err := os.ReadFile(trace)
		if err != nil {
			t.Fatal(err)
		}
		// a capture that leaves calls unfinished would have them resumed by
		// the next one's lines of the same pids, and one whose lines have no
		// pid learns its first task only when nothing before said there is
		// a pid column: those are left out
		alone := parseText(t, string(data), Options{Raw: true})
		if slices.ContainsFunc(alone.events, func(ev Event) bool { return ev.Kind == KindSyscall && !ev.Returned }) {
			continue
		}
		if after := parseText(t, "1  getpid() = 1\n"+string(data), Options{Raw: true}); len(after.events) > 1 &&
			eventDiff(after.events[1], alone.events[0]) != nil {
			continue
		}
		for rep := 0; rep < 4; rep++ {
			want = append(want, alone.events...)
			all = append(all, data...)
			all = append(all, "+++ exited with 0 +++\n"...)
			want = append(want, Event{Kind: KindExit, HasExitCode: true, Raw: "+++ exited with 0 +++"})
		}
	}
	if len(all) < 2<<20 {
		t.Fatalf("only %d bytes of captures that end their calls; want several blocks", len(all))
	}
	got := parseAll(t, &chunkReader{data: all}, Options{Raw: true})
	if len(got.events) != len(want) {
		t.Fatalf("%d events from %d bytes, want %d", len(got.events), len(all), len(want))
	}
	bad := 0
	for i := range want {
		if d := eventDiff(got.events[i], want[i]); d != nil && bad < 5 {
			bad++
			t.Errorf("event %d: %v", i, d)
		}
	}
}

// TestNoRawUnlessAsked: a call resumed and then detached keeps no raw
// text unless Options.Raw asks for it, like every other event.
func TestNoRawUnlessAsked(t *testing.T) {
	in := "5  wait4(-1,  <unfinished ...>\n5  <... wait4 resumed> <detached ...>\n"
	for _, raw := range []bool{false, true} {
		p := NewParser(strings.NewReader(in), Options{Raw: raw})
		ev, err := p.Next()
		if err != nil {
			t.Fatal(err)
		}
		if (ev.Raw != "") != raw {
			t.Errorf("Options.Raw %v: event Raw %q", raw, ev.Raw)
		}
	}
}
