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
