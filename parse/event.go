// Package parse defines the SyscallEvent every stracectl command produces and
// consumes, and the streaming parser that turns strace's text output into it.
//
// The flow is one way: a source (strace text, the strace subprocess, the eBPF
// ring buffer) fills Events; a sink (package emit) writes them. Nothing in this
// package does I/O beyond reading the io.Reader it is given.
package parse

import _ "embed"

// SchemaVersion names the version of the event schema documented in
// event.schema.json. It changes only when a field changes meaning.
const SchemaVersion = 1

// Schema is the JSON Schema (draft 2020-12) of one event line, printed by
// `stracectl schema` so that consumers can validate what we emit.
//
//go:embed event.schema.json
var Schema []byte

// Kind says what an Event records.
type Kind uint8

// The kinds of event. The zero Kind is invalid so that an Event left
// unfilled is never mistaken for a syscall.
const (
	KindSyscall Kind = iota + 1 // a system call (one event per call, even when strace split it)
	KindSignal                  // a signal delivered to a task: --- SIGCHLD {...} ---
	KindExit                    // a task ended: +++ exited with 0 +++ / +++ killed by SIGKILL +++
)

// String returns the kind as it appears in the "kind" field.
func (k Kind) String() string {
	switch k {
	case KindSyscall:
		return "syscall"
	case KindSignal:
		return "signal"
	case KindExit:
		return "exit"
	}
	return "invalid"
}

// ParseKind is the inverse of Kind.String; ok is false for an unknown name.
func ParseKind(s string) (k Kind, ok bool) {
	switch s {
	case "syscall":
		return KindSyscall, true
	case "signal":
		return KindSignal, true
	case "exit":
		return KindExit, true
	}
	return 0, false
}

// Event is one SyscallEvent (schema v1): a system call, a signal or a task
// exit. Every backend fills it and every sink reads it, so the meaning of each
// field is the same whatever produced it.
//
// Events returned by the parser never share mutable memory with the parser:
// their strings and Args may be kept after the next call.
type Event struct {
	Kind Kind

	// Time is the timestamp: RFC 3339 UTC when the source gives an absolute
	// time (strace -ttt, eBPF), else the time of day exactly as strace printed
	// it (-t, -tt). Empty when the trace has none.
	Time string
	// Rel is the relative timestamp of strace -r, in seconds, exactly as
	// printed ("0.000284"); written as a JSON number. Empty when none.
	Rel string

	// Pid is the id in strace's pid column (a task id); 0 when the line has none.
	Pid int64
	// Tgid and Comm are the process id and command name when the source knows
	// them (strace -Y gives Comm, eBPF both); 0 and "" when unknown.
	Tgid int64
	Comm string
	// Secontext is the task's SELinux context as strace --secontext prints
	// it before the call ("unconfined_t", or the full context); "" when
	// not printed. Contexts of files strace prints after arguments stay in
	// those arguments ("\"/etc/passwd\" [etc_t]"), of a returned fd in Note.
	Secontext string

	// Syscall is the call's name as printed ("openat", "syscall_0x3e8").
	Syscall string
	// Args are the top-level arguments exactly as printed; joining them with
	// ", " gives back the printed argument text.
	Args []string
	// Ret is the result as printed ("3", "-1", "?", "0x7f1a...",
	// "3</etc/passwd>"); meaningful only when Returned.
	Ret string
	// Returned is false when the call never returned (strace printed no
	// result at all): Ret is then written as null.
	Returned bool
	// Retval is the numeric value of Ret (decimal, hex or octal, decoration
	// stripped); meaningful only when HasRetval. It is absent for "?" and for
	// numbers beyond int64.
	Retval    int64
	HasRetval bool
	// Errno is the error name ("ENOENT", "ERESTARTSYS"); empty when none.
	Errno string
	// Errmsg is strace's text for Errno ("No such file or directory").
	Errmsg string
	// Note is any other annotation after the result ("Timeout",
	// "flags O_RDONLY|O_LARGEFILE", "INJECTED").
	Note string
	// DurationNs is the time spent in the call (strace -T, eBPF); meaningful
	// only when HasDuration.
	DurationNs  int64
	HasDuration bool

	// Signal is the delivered signal (KindSignal) or the signal that killed
	// the task (KindExit).
	Signal string
	// Siginfo is the {si_signo=...} text of a KindSignal event, when printed.
	Siginfo string
	// ExitCode is the exit status of a KindExit event; meaningful only when
	// HasExitCode (a task killed by a signal has none).
	ExitCode    int64
	HasExitCode bool
	// CoreDumped is set on a KindExit event when the killing signal dumped core.
	CoreDumped bool

	// Raw holds the original line, or the lines joined by "\n" when strace
	// split the call; filled only when the parser is asked to keep it.
	Raw string
}

// Counts reports whether the event counts as a completed call under strace
// -c's rule: it failed (Errno set, including ERESTART*), or it returned a
// result that is not "?". Calls strace could not name (syscall_0x...) never
// count, as strace -c does not count them.
func (e *Event) Counts() bool {
	if e.Kind != KindSyscall || isUnknownSyscallName(e.Syscall) {
		return false
	}
	if e.Errno != "" {
		return true
	}
	return e.Returned && e.Ret != "" && e.Ret[0] != '?'
}

// Failed reports whether the event counts as a call and failed.
func (e *Event) Failed() bool { return e.Errno != "" && e.Counts() }

// isUnknownSyscallName reports a name of the form syscall_0x3e8, which strace
// prints for numbers it has no name for.
func isUnknownSyscallName(name string) bool {
	const prefix = "syscall_0x"
	if len(name) <= len(prefix) || name[:len(prefix)] != prefix {
		return false
	}
	for i := len(prefix); i < len(name); i++ {
		if !isHexDigit(name[i]) {
			return false
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
