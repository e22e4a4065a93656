package parse

import (
	"reflect"
	"strings"
	"testing"
)

// The forms of issue 9: strace logs as people have them (old strace
// versions, 2>&1 captures, -ff files, -c tables), each case named by its
// strace line(s).

// TestArgsSeparatorSpaces: an argument never starts or ends with blanks
// and is never empty unless strace printed an empty one; a call without
// arguments has none. Joined with ", ", the arguments give back the
// printed ones with the <unfinished ...>/<... resumed> markers, the spaces
// around them and a separator left dangling at the cut removed.
func TestArgsSeparatorSpaces(t *testing.T) {
	runForms(t, []formCase{
		// strace 4.x puts a space after "resumed>"
		{lines: []string{`epoll_wait(19,  <unfinished ...>`, `<... epoll_wait resumed> [], 512, 500) = 0`},
			want: []Event{{Kind: KindSyscall, Syscall: "epoll_wait", Args: args("19", "[]", "512", "500"), Ret: "0", Returned: true, HasRetval: true}}},
		{lines: []string{`13368 gettid( <unfinished ...>`, `13368 <... gettid resumed> ) = 13368`},
			want: []Event{{Kind: KindSyscall, Pid: 13368, Syscall: "gettid", Args: args(), Ret: "13368", Returned: true, Retval: 13368, HasRetval: true}}},
		{lines: []string{`<... epoll_wait resumed> [], 512, 500) = 0`},
			want: []Event{{Kind: KindSyscall, Syscall: "epoll_wait", Args: args("[]", "512", "500"), Ret: "0", Returned: true, HasRetval: true}}},
		// never resumed: no empty last argument
		{lines: []string{`epoll_wait(19,  <unfinished ...>`},
			want: []Event{{Kind: KindSyscall, Syscall: "epoll_wait", Args: args("19")}}},
		{lines: []string{`1 select(4, [3], NULL, NULL, NULL <unfinished ...>`, `1 <... select resumed> ) = 1 (in [3])`},
			want: []Event{{Kind: KindSyscall, Pid: 1, Syscall: "select", Args: args("4", "[3]", "NULL", "NULL", "NULL"), Ret: "1", Returned: true, Retval: 1, HasRetval: true, Note: "in [3]"}}},
		// the task died in the call after strace printed a separator
		{lines: []string{`7 read(0,  <unfinished ...>`, `7 <... read resumed> <unfinished ...>) = ?`},
			want: []Event{{Kind: KindSyscall, Pid: 7, Syscall: "read", Args: args("0"), Ret: "?", Returned: true}}},
		// strace 6: the separator before the marker, nothing after resumed>
		{lines: []string{`4251  read(0,  <unfinished ...>`, `4251  <... read resumed>"hi\n", 4096) = 3`},
			want: []Event{{Kind: KindSyscall, Pid: 4251, Syscall: "read", Args: args("0", `"hi\n"`, "4096"), Ret: "3", Returned: true, Retval: 3, HasRetval: true}}},
	})
}

// TestErrnoWithoutName: strace prints "(errno N)" for an error it has no
// name for. It is an error all the same: Errno is "E" and the number, no
// Errmsg.
func TestErrnoWithoutName(t *testing.T) {
	runForms(t, []formCase{
		{lines: []string{`ioctl(3, 0x5401, 0x7ffc) = -1 (errno 22)`},
			want: []Event{{Kind: KindSyscall, Syscall: "ioctl", Args: args("3", "0x5401", "0x7ffc"), Ret: "-1", Returned: true, Retval: -1, HasRetval: true, Errno: "E22"}}},
		{lines: []string{`1234  open("/x", O_RDONLY) = -1 (errno 531) <0.000012>`},
			want: []Event{{Kind: KindSyscall, Pid: 1234, Syscall: "open", Args: args(`"/x"`, "O_RDONLY"), Ret: "-1", Returned: true, Retval: -1, HasRetval: true, Errno: "E531", DurationNs: 12000, HasDuration: true}}},
		{lines: []string{`chdir(".") = -1 (errno 95) (INJECTED)`},
			want: []Event{{Kind: KindSyscall, Syscall: "chdir", Args: args(`"."`), Ret: "-1", Returned: true, Retval: -1, HasRetval: true, Errno: "E95", Note: "INJECTED"}}},
		// not an errno: a note
		{lines: []string{`read(3, "", 1) = 0 (errno x)`},
			want: []Event{{Kind: KindSyscall, Syscall: "read", Args: args("3", `""`, "1"), Ret: "0", Returned: true, HasRetval: true, Note: "errno x"}}},
	})
}

// TestInvalidUTF8: bytes that are not UTF-8 (old strace versions print
// them raw) are kept as the escapes strace -x prints, "\xe9", so that the
// JSON output, which must be UTF-8, still holds them; valid UTF-8 is kept
// as it is.
func TestInvalidUTF8(t *testing.T) {
	runForms(t, []formCase{
		{lines: []string{"openat(AT_FDCWD, \"/tmp/caf\xe9.txt\", O_RDONLY) = 3"},
			want: []Event{{Kind: KindSyscall, Syscall: "openat", Args: args("AT_FDCWD", `"/tmp/caf\xe9.txt"`, "O_RDONLY"), Ret: "3", Returned: true, Retval: 3, HasRetval: true}}},
		{lines: []string{"4711<ab\xb8> write(1, \"\xff\xfe\", 2) = 2"},
			want: []Event{{Kind: KindSyscall, Pid: 4711, Comm: `ab\xb8`, Syscall: "write", Args: args("1", `"\xff\xfe"`, "2"), Ret: "2", Returned: true, Retval: 2, HasRetval: true}}},
		{lines: []string{`openat(AT_FDCWD, "/tmp/café", O_RDONLY) = 3`},
			want: []Event{{Kind: KindSyscall, Syscall: "openat", Args: args("AT_FDCWD", `"/tmp/café"`, "O_RDONLY"), Ret: "3", Returned: true, Retval: 3, HasRetval: true}}},
	})
}

// TestBracketPidWithComm: strace -f -Y writing to stderr puts the command
// name inside the "[pid N]" prefix.
func TestBracketPidWithComm(t *testing.T) {
	runForms(t, []formCase{
		{lines: []string{`[pid  4118<sh>] close(4) = 0`},
			want: []Event{{Kind: KindSyscall, Pid: 4118, Comm: "sh", Syscall: "close", Args: args("4"), Ret: "0", Returned: true, HasRetval: true}}},
		{lines: []string{`[pid 4119<my prog\76x>] +++ exited with 1 +++`},
			want: []Event{{Kind: KindExit, Pid: 4119, Comm: `my prog\76x`, ExitCode: 1, HasExitCode: true}}},
		{lines: []string{`[pid  4118<sh] close(4) = 0`}, problems: 1},
	})
}

// TestSecontext: strace --secontext prints the task's SELinux context
// after the pid column (kept in Secontext), and a file's after the
// argument that names it (kept in the argument) or after a returned fd
// (kept in Note); =full prints whole contexts, =mismatch adds "!!" and the
// expected one.
func TestSecontext(t *testing.T) {
	runForms(t, []formCase{
		{lines: []string{`151020 [unconfined_t] 14:37:21.990449 connect(3<UNIX-STREAM:[524197]> [unconfined_t], {sa_family=AF_UNIX, sun_path="/run/nscd/socket"}, 110) = 0 <0.000033>`},
			want: []Event{{Kind: KindSyscall, Pid: 151020, Secontext: "unconfined_t", Time: "14:37:21.990449", Syscall: "connect", Args: args("3<UNIX-STREAM:[524197]> [unconfined_t]", `{sa_family=AF_UNIX, sun_path="/run/nscd/socket"}`, "110"), Ret: "0", Returned: true, HasRetval: true, DurationNs: 33000, HasDuration: true}}},
		{lines: []string{`[system_u:system_r:unconfined_t:s0-s0:c0.c1023] openat(AT_FDCWD, "/etc/passwd" [system_u:object_r:passwd_file_t:s0], O_RDONLY) = 3</etc/passwd> [system_u:object_r:passwd_file_t:s0]`},
			want: []Event{{Kind: KindSyscall, Secontext: "system_u:system_r:unconfined_t:s0-s0:c0.c1023", Syscall: "openat", Args: args("AT_FDCWD", `"/etc/passwd" [system_u:object_r:passwd_file_t:s0]`, "O_RDONLY"), Ret: "3</etc/passwd>", Returned: true, Retval: 3, HasRetval: true, Note: "[system_u:object_r:passwd_file_t:s0]"}}},
		{lines: []string{`4242  [unconfined_t] chmod("f" [tmp_t!!user_home_t], 0600) = 0`},
			want: []Event{{Kind: KindSyscall, Pid: 4242, Secontext: "unconfined_t", Syscall: "chmod", Args: args(`"f" [tmp_t!!user_home_t]`, "0600"), Ret: "0", Returned: true, HasRetval: true}}},
		{lines: []string{`[pid  4118<sh>] [unconfined_t] [  3] close(4) = 0`},
			want: []Event{{Kind: KindSyscall, Pid: 4118, Comm: "sh", Secontext: "unconfined_t", Syscall: "close", Args: args("4"), Ret: "0", Returned: true, HasRetval: true}}},
		{lines: []string{`151020 [unconfined_t] +++ exited with 0 +++`},
			want: []Event{{Kind: KindExit, Pid: 151020, Secontext: "unconfined_t", HasExitCode: true}}},
		// the resumed line's context, else the opener's
		{lines: []string{`7 [unconfined_t] read(0,  <unfinished ...>`, `7 <... read resumed>"x", 1) = 1`},
			want: []Event{{Kind: KindSyscall, Pid: 7, Secontext: "unconfined_t", Syscall: "read", Args: args("0", `"x"`, "1"), Ret: "1", Returned: true, Retval: 1, HasRetval: true}}},
		// program text in brackets is no context
		{lines: []string{`[INFO] close(4) = 0`}, problems: 1},
	})
}

// TestWriteEcho: in a 2>&1 capture the data a write writes lands between
// its count and its ")" (see closeEcho): it is taken out, whatever it
// holds, and the count is kept as strace printed it.
func TestWriteEcho(t *testing.T) {
	write := func(fd, data, count string, ret int64) Event {
		return Event{Kind: KindSyscall, Syscall: "write", Args: args(fd, data, count), Ret: itoa(ret), Returned: true, Retval: ret, HasRetval: true}
	}
	withPid := func(ev Event, pid int64, ns int64) Event {
		ev.Pid, ev.DurationNs, ev.HasDuration = pid, ns, ns != 0
		return ev
	}
	runForms(t, []formCase{
		{lines: []string{`write(2, "8", 18) = 1`}, want: []Event{write("2", `"8"`, "1", 1)}},
		{lines: []string{`write(2, "0x", 20x) = 2`}, want: []Event{write("2", `"0x"`, "2", 2)}},
		{lines: []string{`write(1, "a, b", 4a, b) = 4`}, want: []Event{write("1", `"a, b"`, "4", 4)}},
		{lines: []string{`write(2, "(", 1()   = 1`}, want: []Event{write("2", `"("`, "1", 1)}},
		{lines: []string{`write(1, ")", 1))  = 1`}, want: []Event{write("1", `")"`, "1", 1)}},
		{lines: []string{`write(1, "\"", 1")  = 1`}, want: []Event{write("1", `"\""`, "1", 1)}},
		{lines: []string{`write(2, "[{", 2[{) = 2`}, want: []Event{write("2", `"[{"`, "2", 2)}},
		{lines: []string{`write(1, "abc", 3ab) = 2`}, want: []Event{write("1", `"abc"`, "3", 2)}},
		{lines: []string{`write(1, "caf\303\251", 5café) = 5`}, want: []Event{write("1", `"caf\303\251"`, "5", 5)}},
		{lines: []string{`write(1, 0x7ffd12345678, 5hello) = 5`}, want: []Event{write("1", "0x7ffd12345678", "5", 5)}},
		{lines: []string{`write(1</dev/pts/0<char 136:0>>, "hi", 2hi) = 2`}, want: []Event{write("1</dev/pts/0<char 136:0>>", `"hi"`, "2", 2)}},
		{lines: []string{`[pid  3260] write(2, "x", 1x) = 1 <0.000015>`}, want: []Event{withPid(write("2", `"x"`, "1", 1), 3260, 15000)}},
		// cut at -s: the echo is as long as the result, and starts with the data printed
		{lines: []string{`write(1, "0123456789"..., 200123456789abcdefghij) = 20`}, want: []Event{write("1", `"0123456789"...`, "20", 20)}},
		// not echoed: written elsewhere
		{lines: []string{`write(3, "abc", 3) = 3`}, want: []Event{write("3", `"abc"`, "3", 3)}},
		{lines: []string{`write(3, "0123456789"..., 100) = 100`}, want: []Event{write("3", `"0123456789"...`, "100", 100)}},
		{lines: []string{`write(1, "abc", 3) = -1 EPIPE (Broken pipe)`},
			want: []Event{{Kind: KindSyscall, Syscall: "write", Args: args("1", `"abc"`, "3"), Ret: "-1", Returned: true, Retval: -1, HasRetval: true, Errno: "EPIPE", Errmsg: "Broken pipe"}}},
		// the echo breaks the line at each newline of the data
		{lines: []string{`write(2, "\n ", 2`, ` )    = 2`}, want: []Event{write("2", `"\n "`, "2", 2)}},
		{lines: []string{`write(1, "done\n", 5done`, `)                   = 5 <0.000015>`}, want: []Event{withPid(write("1", `"done\n"`, "5", 5), 0, 15000)}},
		{lines: []string{`write(1, "a\nb", 3a`, `b)   = 3`}, want: []Event{write("1", `"a\nb"`, "3", 3)}},
		{lines: []string{`write(1, "\nb", 2`, `b) = 2`}, want: []Event{write("1", `"\nb"`, "2", 2)}},
		{lines: []string{`write(1, "a\n\nb", 4a`, ``, `b) = 4`}, want: []Event{write("1", `"a\n\nb"`, "4", 4)}},
		{lines: []string{`write(1, "x\ngetpid() = 5\ny", 16x`, `getpid() = 5`, `y) = 16`}, want: []Event{write("1", `"x\ngetpid() = 5\ny"`, "16", 16)}},
		{lines: []string{`writev(1, [{iov_base="ab", iov_len=2}, {iov_base="\n", iov_len=1}], 2ab`, `) = 3`},
			want: []Event{{Kind: KindSyscall, Syscall: "writev", Args: args("1", `[{iov_base="ab", iov_len=2}, {iov_base="\n", iov_len=1}]`, "2"), Ret: "3", Returned: true, Retval: 3, HasRetval: true}}},
	})
}

// TestCutLines: program output lands inside a call line of a 2>&1
// capture and its newline breaks the line; the rest may start with
// anything. Program output before the rest is reported.
func TestCutLines(t *testing.T) {
	wait4 := Event{Kind: KindSyscall, Syscall: "wait4", Args: args("-1", "[{WIFEXITED(s) && WEXITSTATUS(s) == 1}]", "0", "NULL"), Ret: "70160", Returned: true, Retval: 70160, HasRetval: true}
	runForms(t, []formCase{
		{lines: []string{`wait4(-1, mkdir: cannot create directory 'x': File exists`, `[{WIFEXITED(s) && WEXITSTATUS(s) == 1}], 0, NULL) = 70160`},
			want: []Event{wait4}, problems: 1},
		{lines: []string{`wait4(-1, mkdir: cannot create directory 'x': File exists`, `more output`, `[{WIFEXITED(s) && WEXITSTATUS(s) == 1}], 0, NULL) = 70160`},
			want: []Event{wait4}, problems: 2},
		{lines: []string{`rt_sigaction(SIGINT, hello world`, `{sa_handler=SIG_IGN, sa_mask=[], sa_flags=0}, NULL, 8) = 0`},
			want: []Event{{Kind: KindSyscall, Syscall: "rt_sigaction", Args: args("SIGINT", "{sa_handler=SIG_IGN, sa_mask=[], sa_flags=0}", "NULL", "8"), Ret: "0", Returned: true, HasRetval: true}}, problems: 1},
		// the program's spaces before strace's ")"
		{lines: []string{`close(3`, `  ) = 0`},
			want: []Event{{Kind: KindSyscall, Syscall: "close", Args: args("3"), Ret: "0", Returned: true, HasRetval: true}}},
		{lines: []string{`[pid  7] read(0, `, `"abc", 3) = 3`},
			want: []Event{{Kind: KindSyscall, Pid: 7, Syscall: "read", Args: args("0", `"abc"`, "3"), Ret: "3", Returned: true, Retval: 3, HasRetval: true}}},
	})
}

// TestBracketsLeftOpen: strace's own decoding sometimes leaves a bracket
// open; with a clear result at the end of the line it is an event, and the
// line is reported.
func TestBracketsLeftOpen(t *testing.T) {
	runForms(t, []formCase{
		{lines: []string{`sigaction(SIGSEGV, {SIG_DFL, , {0x4017dba1, [], SA_RESTART|SA_SIGINFO}, 0) = 0`},
			want:     []Event{{Kind: KindSyscall, Syscall: "sigaction", Args: args("SIGSEGV", "{SIG_DFL, , {0x4017dba1, [], SA_RESTART|SA_SIGINFO}, 0"), Ret: "0", Returned: true, HasRetval: true}},
			problems: 1},
		// an unterminated string is no decoding slip
		{lines: []string{`openat(AT_FDCWD, "/etc/passwd, O_RDONLY) = 3`}, problems: 1},
	})
}

// TestTaskOfUnprefixedLines: a line without a pid is given its task from
// what the input says elsewhere (see tasks).
func TestTaskOfUnprefixedLines(t *testing.T) {
	getpid := func(pid int64) Event {
		return Event{Kind: KindSyscall, Pid: pid, Syscall: "getpid", Args: args(), Ret: itoa(pid), Returned: true, Retval: pid, HasRetval: true}
	}
	exit := func(pid int64) Event { return Event{Kind: KindExit, Pid: pid, HasExitCode: true} }
	runForms(t, []formCase{
		// strace -p: the attach message comes before any call
		{lines: []string{`strace: Process 25920 attached`, `getpid() = 25920`, `+++ exited with 0 +++`},
			want: []Event{getpid(25920), exit(25920)}},
		{lines: []string{`strace: Process 25920 attached with 3 threads`, `getpid() = 25920`},
			want: []Event{getpid(25920)}},
		// old strace's messages
		{lines: []string{`Process 29579 attached - interrupt to quit`, `getpid() = 29579`, `Process 29579 detached`},
			want: []Event{getpid(29579)}},
		{lines: []string{`Process 29579 attached with 2 threads - interrupt to quit`, `getpid() = 29579`},
			want: []Event{getpid(29579)}},
		{lines: []string{`Process 29580 attached`, `Process 29580 resumed (parent 29579 ready)`, `Process 29580 suspended`}},
		// strace -f 2>&1: the first "[pid N]" no message announced is the
		// first task, whose earlier lines had no pid
		{lines: []string{`getpid() = 8`, `clone(child_stack=NULL, flags=SIGCHLD) = 9`, `strace: Process 9 attached`, `[pid     9] getpid() = 9`, `[pid     8] getpid() = 8`, `[pid     9] +++ exited with 0 +++`, `getpid() = 8`},
			want: []Event{getpid(8),
				{Kind: KindSyscall, Pid: 8, Syscall: "clone", Args: args("child_stack=NULL", "flags=SIGCHLD"), Ret: "9", Returned: true, Retval: 9, HasRetval: true},
				getpid(9), getpid(8), exit(9), getpid(8)}},
		// -q: no messages; the child is the one clone returned
		{lines: []string{`getpid() = 8`, `clone(child_stack=NULL, flags=SIGCHLD) = 9`, `[pid     9] getpid() = 9`, `[pid     8] getpid() = 8`},
			want: []Event{getpid(8),
				{Kind: KindSyscall, Pid: 8, Syscall: "clone", Args: args("child_stack=NULL", "flags=SIGCHLD"), Ret: "9", Returned: true, Retval: 9, HasRetval: true},
				getpid(9), getpid(8)}},
		// -q: a vfork's child prints before the vfork returns; the task
		// that resumes the vfork is the first one
		{lines: []string{`getpid() = 3256`, `vfork( <unfinished ...>`, `[pid  3260] getpid() = 3260`, `[pid  3256] <... vfork resumed>) = 3260`},
			want: []Event{getpid(3256), getpid(3260),
				{Kind: KindSyscall, Pid: 3256, Syscall: "vfork", Args: args(), Ret: "3260", Returned: true, Retval: 3260, HasRetval: true}}},
		// strace -ff -o PREFIX: the caller gives the pid of PREFIX.PID
		{lines: []string{`getpid() = 4251`, `+++ exited with 0 +++`}, defaultPid: 4251,
			want: []Event{getpid(4251), exit(4251)}},
		{lines: []string{`4252  getpid() = 4252`}, defaultPid: 4251,
			want: []Event{getpid(4252)}},
		// nothing says the pid
		{lines: []string{`getpid() = 8`}, want: []Event{{Kind: KindSyscall, Syscall: "getpid", Args: args(), Ret: "8", Returned: true, Retval: 8, HasRetval: true}}},
	})
}

// TestFirstTaskHeldAtMost: the events waiting for the first task's pid
// are held at most maxHeld; past it they go with pid 0.
func TestFirstTaskHeldAtMost(t *testing.T) {
	var b strings.Builder
	for i := 0; i < maxHeld+10; i++ {
		b.WriteString("getpid() = 8\n")
	}
	b.WriteString("strace: Process 9 attached\n[pid     8] getpid() = 8\n")
	got := parseText(t, b.String(), Options{})
	if len(got.events) != maxHeld+11 {
		t.Fatalf("%d events, want %d", len(got.events), maxHeld+11)
	}
	for i, ev := range got.events {
		if want := map[bool]int64{true: 8, false: 0}[i == maxHeld+10]; ev.Pid != want {
			t.Fatalf("event %d: pid %d, want %d", i, ev.Pid, want)
		}
	}
}

// TestPidFromFileName: strace -ff -o PREFIX names each task's file
// PREFIX.PID.
func TestPidFromFileName(t *testing.T) {
	for name, want := range map[string]int64{
		"trace.4251": 4251, "/tmp/out.d/x.trace.17": 17, "trace.4251.gz": 0, "trace": 0, "trace.": 0,
		".4251": 0, "trace.0": 0, "trace.99999999999": 0, "trace.-1": 0, "a.b/trace": 0,
	} {
		t.Run(name, func(t *testing.T) {
			pid, ok := PidFromFileName(name)
			if pid != want || ok != (want != 0) {
				t.Errorf("PidFromFileName(%q) = %d, %v; want %d", name, pid, ok, want)
			}
		})
	}
}

// TestOtherLines: program text glued before a strace line, strace 4.x
// signal lines without a name, and what only looks like strace's.
func TestOtherLines(t *testing.T) {
	runForms(t, []formCase{
		{lines: []string{`[INFO] [pid 837231] <... prctl resumed>) = 0`}, problems: 1,
			want: []Event{{Kind: KindSyscall, Pid: 837231, Syscall: "prctl", Args: args(), Ret: "0", Returned: true, HasRetval: true}}},
		{lines: []string{`--- {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x8} (Segmentation fault) ---`},
			want: []Event{{Kind: KindSignal, Signal: "SIGSEGV", Siginfo: "{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x8} (Segmentation fault)"}}},
		{lines: []string{`--- SIGCHLD (Child exited) @ 0 (0) ---`},
			want: []Event{{Kind: KindSignal, Signal: "SIGCHLD", Siginfo: "(Child exited) @ 0 (0)"}}},
		{lines: []string{`--- {si_signo=45, si_code=SI_USER} ---`}, problems: 1},
		// a pasted prompt is no -k frame: those start with " > "
		{lines: []string{`> strace -f ./prog`}, problems: 1},
		{lines: []string{`$ strace -f ./prog`}, problems: 1},
	})
}

// TestStraceSummaries: strace -c tables (-c, -C, -w, -S, -U) are read and
// kept as tables, not events; a row outside a table is not understood.
func TestStraceSummaries(t *testing.T) {
	ms := func(us int64) int64 { return us * 1000 }
	cases := []struct {
		lines    []string
		events   int
		want     []StraceSummary
		problems int
	}{
		{lines: []string{
			`% time     seconds  usecs/call     calls    errors syscall`,
			`------ ----------- ----------- --------- --------- ----------------`,
			` 45.57    0.045257          21      2080      1024 chdir`,
			` 27.69    0.027499        2115        13           wait4`,
			`------ ----------- ----------- --------- --------- ----------------`,
			`100.00    0.072756          34      2093      1024 total`,
		}, want: []StraceSummary{{
			Columns: []string{"% time", "seconds", "usecs/call", "calls", "errors", "syscall"},
			Rows: []StraceSummaryRow{
				{Syscall: "chdir", Calls: 2080, Errors: 1024, TotalNs: ms(45257), HasTotal: true, UsecsPerCall: 21, HasAvg: true},
				{Syscall: "wait4", Calls: 13, TotalNs: ms(27499), HasTotal: true, UsecsPerCall: 2115, HasAvg: true},
			},
			Total:       StraceSummaryRow{Syscall: "total", Calls: 2093, Errors: 1024, TotalNs: ms(72756), HasTotal: true, UsecsPerCall: 34, HasAvg: true},
			HasTotalRow: true,
		}}},
		// strace 6 -U, the name first
		{lines: []string{
			`syscall              calls    errors     seconds  usecs/call shortest  longest % time`,
			`---------------- --------- --------- ----------- ----------- -------- -------- ------`,
			`mmap                     8              0.000334          41 0.000033 0.000061  27.64`,
			`---------------- --------- --------- ----------- ----------- -------- -------- ------`,
			`total                    8              0.000334          41 0.000033 0.000061 100.00`,
		}, want: []StraceSummary{{
			Columns:     []string{"syscall", "calls", "errors", "seconds", "usecs/call", "shortest", "longest", "% time"},
			Rows:        []StraceSummaryRow{{Syscall: "mmap", Calls: 8, TotalNs: ms(334), HasTotal: true, UsecsPerCall: 41, HasAvg: true, MinNs: ms(33), HasMin: true, MaxNs: ms(61), HasMax: true}},
			Total:       StraceSummaryRow{Syscall: "total", Calls: 8, TotalNs: ms(334), HasTotal: true, UsecsPerCall: 41, HasAvg: true, MinNs: ms(33), HasMin: true, MaxNs: ms(61), HasMax: true},
			HasTotalRow: true,
		}}},
		// strace 7 -w, and a second personality's table
		{lines: []string{
			`% time  wall-total wall-min wall-max    wall-avg     calls    errors syscall`,
			`------ ----------- -------- -------- ----------- --------- --------- ----------------`,
			`  0.00    0.000016 0.000008 0.000009           8         2         2 syscall_0x1d8`,
			`------ ----------- -------- -------- ----------- --------- --------- ----------------`,
			`100.00    0.000016 0.000008 0.000009           8         2         2 total`,
			`System call usage summary for 32 bit mode:`,
			`    calls syscall`,
			`--------- ----------------`,
			`        3 getpid`,
			`--------- ----------------`,
			`        3 total`,
		}, want: []StraceSummary{{
			Columns:     []string{"% time", "wall-total", "wall-min", "wall-max", "wall-avg", "calls", "errors", "syscall"},
			Rows:        []StraceSummaryRow{{Syscall: "syscall_0x1d8", Calls: 2, Errors: 2, TotalNs: ms(16), HasTotal: true, MinNs: ms(8), HasMin: true, MaxNs: ms(9), HasMax: true, UsecsPerCall: 8, HasAvg: true}},
			Total:       StraceSummaryRow{Syscall: "total", Calls: 2, Errors: 2, TotalNs: ms(16), HasTotal: true, MinNs: ms(8), HasMin: true, MaxNs: ms(9), HasMax: true, UsecsPerCall: 8, HasAvg: true},
			HasTotalRow: true,
		}, {
			Personality: "32 bit",
			Columns:     []string{"calls", "syscall"},
			Rows:        []StraceSummaryRow{{Syscall: "getpid", Calls: 3}},
			Total:       StraceSummaryRow{Syscall: "total", Calls: 3},
			HasTotalRow: true,
		}}},
		// -C: the trace, then the table
		{lines: []string{
			`4251  getpid() = 4251`,
			`4251  +++ exited with 0 +++`,
			`% time shortest syscall`,
			`------ -------- ----------------`,
			`100.00 0.000011 getpid`,
			`------ -------- ----------------`,
			`100.00 0.000011 total`,
		}, events: 2, want: []StraceSummary{{
			Columns:     []string{"% time", "shortest", "syscall"},
			Rows:        []StraceSummaryRow{{Syscall: "getpid", MinNs: ms(11), HasMin: true}},
			Total:       StraceSummaryRow{Syscall: "total", MinNs: ms(11), HasMin: true},
			HasTotalRow: true,
		}}},
		// rows without their header are no table
		{lines: []string{` 45.57    0.045257          21      2080      1024 chdir`, `100.00    0.072756          34      2093      1024 total`}, problems: 2},
		// a header, then something else: the table ends
		{lines: []string{`    calls syscall`, `--------- ----------------`, `        3 getpid`, `hello`}, problems: 1,
			want: []StraceSummary{{Columns: []string{"calls", "syscall"}, Rows: []StraceSummaryRow{{Syscall: "getpid", Calls: 3}}}}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.lines, "⏎"), func(t *testing.T) {
			p := NewParser(strings.NewReader(strings.Join(tc.lines, "\n")+"\n"), Options{})
			events := 0
			for {
				if _, err := p.Next(); err != nil {
					break
				}
				events++
			}
			if events != tc.events || p.LineCount().Problems != int64(tc.problems) {
				t.Errorf("%d events, %d problems; want %d, %d", events, p.LineCount().Problems, tc.events, tc.problems)
			}
			if got := p.StraceSummaries(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("tables\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestCutLineTriesBounded: a cut line is tried as the start of at most
// maxJoins later lines, so that a long one followed by much program
// output costs a few times its length, not its length per line.
func TestCutLineTriesBounded(t *testing.T) {
	lines := []string{`wait4(-1, ` + strings.Repeat("x", 1000)}
	for i := 0; i < maxJoins; i++ {
		lines = append(lines, "program output")
	}
	rest := `[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 9`
	got := parseText(t, strings.Join(append(lines, rest), "\n")+"\n", Options{})
	if len(got.events) != 0 || got.stats.Problems != int64(maxJoins+2) {
		t.Errorf("after %d lines of output: %d events, %d problems; want the rest no longer joined", maxJoins, len(got.events), got.stats.Problems)
	}
	got = parseText(t, strings.Join(append(lines[:maxJoins], rest), "\n")+"\n", Options{})
	if len(got.events) != 1 {
		t.Errorf("after %d lines of output: %d events, want the call", maxJoins-1, len(got.events))
	}
}
