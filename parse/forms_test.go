package parse

import "testing"

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
