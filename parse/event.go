// Package parse defines the SyscallEvent every stracectl command produces and
// consumes, with Fields, the one description of its fields; the streaming
// parser that turns strace's text output into events; and the reader of
// stracectl's own JSON Lines.
//
// The flow is one way: a source (strace text, the strace subprocess, the eBPF
// ring buffer) fills Events; a sink (package emit) writes them. Nothing in this
// package does I/O beyond reading the io.Reader it is given.
package parse

import (
	_ "embed"
	"unsafe"
)

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

// Kinds is a set of event kinds.
type Kinds uint8

// AllKinds holds every kind.
const AllKinds = Kinds(1<<KindSyscall | 1<<KindSignal | 1<<KindExit)

// Has reports whether k is in the set.
func (s Kinds) Has(k Kind) bool { return s&(1<<k) != 0 }

// kindsOf returns the set of ks.
func kindsOf(ks ...Kind) Kinds {
	var s Kinds
	for _, k := range ks {
		s |= 1 << k
	}
	return s
}

// Type is the JSON type of a field's value, and so the Go type that holds
// it in an Event.
type Type uint8

// The types of the schema's fields.
const (
	Enum    Type = iota + 1 // the kind: a string, one of the Kind names (a Kind)
	String                  // a JSON string (a string)
	Number                  // a JSON number, kept as printed (a string: rel)
	Integer                 // a JSON integer within int64 (an int64)
	Boolean                 // true or false (a bool)
	Strings                 // an array of strings (a []string: args)
)

// Field describes one field of the event schema (v1). Fields lists them
// all: it is the one description of an event's fields, from which the CSV
// columns and the JSON Lines reader are derived, and against which tests
// check the JSON writer, event.schema.json and the README's table.
type Field struct {
	// Name is the field's name in JSON and in the CSV header.
	Name string
	Type Type
	// Kinds are the kinds of event that have the field; Always those whose
	// events always carry it (the schema's "required"). Otherwise it is
	// left out of JSON (an empty CSV field) when the source did not say.
	Kinds, Always Kinds
	// Identifies marks the kinds whose events mean nothing without this
	// field, or without one of the fields marked for the same kind: a
	// syscall's name, a signal's signal, an exit's exit_code or signal. A
	// JSON line that lacks them is not read as an event.
	Identifies Kinds
	// Nullable fields are written as null when unknown (ret, retval).
	Nullable bool
	// NonNegative fields never hold a negative number.
	NonNegative bool
	// OnRequest fields are written only when asked for (raw: --raw).
	OnRequest bool

	// at is where the value is in an Event, known where the flag saying
	// that it is known is (noFlag when a zero value means unknown). Offsets
	// rather than functions keep the encoders' loops over Fields as fast as
	// code written field by field; a test checks each against Type.
	at, known uintptr
}

// noFlag is Field.known for fields whose zero value means unknown.
const noFlag = ^uintptr(0)

// ev0 is only for unsafe.Offsetof.
var ev0 Event

func (f *Field) ptr(ev *Event) unsafe.Pointer { return unsafe.Add(unsafe.Pointer(ev), f.at) }

// Kind returns the value of the Enum field ("kind").
func (f *Field) Kind(ev *Event) Kind { return *(*Kind)(f.ptr(ev)) }

// Text returns the value of a String or Number field.
func (f *Field) Text(ev *Event) string { return *(*string)(f.ptr(ev)) }

// Int returns the value of an Integer field.
func (f *Field) Int(ev *Event) int64 { return *(*int64)(f.ptr(ev)) }

// Bool returns the value of a Boolean field.
func (f *Field) Bool(ev *Event) bool { return *(*bool)(f.ptr(ev)) }

// List returns the value of a Strings field.
func (f *Field) List(ev *Event) []string { return *(*[]string)(f.ptr(ev)) }

// Known reports whether ev has a value for f: its flag (Returned,
// HasRetval...) says so, or, for fields without one, its value is not zero.
func (f *Field) Known(ev *Event) bool {
	if f.known != noFlag {
		return *(*bool)(unsafe.Add(unsafe.Pointer(ev), f.known))
	}
	return f.nonZero(ev)
}

// nonZero reports whether f's value in ev is not the zero value.
func (f *Field) nonZero(ev *Event) bool {
	switch f.Type {
	case Enum:
		return f.Kind(ev) != 0
	case String, Number:
		return f.Text(ev) != ""
	case Integer:
		return f.Int(ev) != 0
	case Boolean:
		return f.Bool(ev)
	}
	return len(f.List(ev)) > 0
}

// Written reports whether ev carries f: it has the field, and requires it
// or knows its value. A Nullable field written while not Known is null.
func (f *Field) Written(ev *Event) bool {
	return f.Kinds.Has(ev.Kind) && (f.Always.Has(ev.Kind) || f.Known(ev))
}

// markKnown sets the flag that says ev knows f's value, if f has one.
func (f *Field) markKnown(ev *Event) {
	if f.known != noFlag {
		*(*bool)(unsafe.Add(unsafe.Pointer(ev), f.known)) = true
	}
}

// clear forgets the value of f in ev.
func (f *Field) clear(ev *Event) {
	switch f.Type {
	case Enum:
		*(*Kind)(f.ptr(ev)) = 0
	case String, Number:
		*(*string)(f.ptr(ev)) = ""
	case Integer:
		*(*int64)(f.ptr(ev)) = 0
	case Boolean:
		*(*bool)(f.ptr(ev)) = false
	case Strings:
		*(*[]string)(f.ptr(ev)) = nil
	}
	if f.known != noFlag {
		*(*bool)(unsafe.Add(unsafe.Pointer(ev), f.known)) = false
	}
}

var (
	syscallOnly = kindsOf(KindSyscall)
	signalOnly  = kindsOf(KindSignal)
	exitOnly    = kindsOf(KindExit)
)

// Fields are the fields of the event schema, in the order of the schema,
// the CSV columns and the README. It must not be modified.
var Fields = []Field{
	{Name: "kind", Type: Enum, Kinds: AllKinds, Always: AllKinds, at: unsafe.Offsetof(ev0.Kind), known: noFlag},
	{Name: "time", Type: String, Kinds: AllKinds, at: unsafe.Offsetof(ev0.Time), known: noFlag},
	{Name: "rel", Type: Number, Kinds: AllKinds, at: unsafe.Offsetof(ev0.Rel), known: noFlag},
	{Name: "pid", Type: Integer, Kinds: AllKinds, Always: AllKinds, NonNegative: true, at: unsafe.Offsetof(ev0.Pid), known: noFlag},
	{Name: "tgid", Type: Integer, Kinds: AllKinds, NonNegative: true, at: unsafe.Offsetof(ev0.Tgid), known: noFlag},
	{Name: "comm", Type: String, Kinds: AllKinds, at: unsafe.Offsetof(ev0.Comm), known: noFlag},
	{Name: "syscall", Type: String, Kinds: syscallOnly, Always: syscallOnly, Identifies: syscallOnly,
		at: unsafe.Offsetof(ev0.Syscall), known: noFlag},
	{Name: "args", Type: Strings, Kinds: syscallOnly, Always: syscallOnly, at: unsafe.Offsetof(ev0.Args), known: noFlag},
	{Name: "ret", Type: String, Kinds: syscallOnly, Always: syscallOnly, Nullable: true,
		at: unsafe.Offsetof(ev0.Ret), known: unsafe.Offsetof(ev0.Returned)},
	{Name: "retval", Type: Integer, Kinds: syscallOnly, Always: syscallOnly, Nullable: true,
		at: unsafe.Offsetof(ev0.Retval), known: unsafe.Offsetof(ev0.HasRetval)},
	{Name: "errno", Type: String, Kinds: syscallOnly, Always: syscallOnly, at: unsafe.Offsetof(ev0.Errno), known: noFlag},
	{Name: "errmsg", Type: String, Kinds: syscallOnly, at: unsafe.Offsetof(ev0.Errmsg), known: noFlag},
	{Name: "note", Type: String, Kinds: syscallOnly, at: unsafe.Offsetof(ev0.Note), known: noFlag},
	{Name: "duration_ns", Type: Integer, Kinds: syscallOnly, NonNegative: true,
		at: unsafe.Offsetof(ev0.DurationNs), known: unsafe.Offsetof(ev0.HasDuration)},
	{Name: "signal", Type: String, Kinds: signalOnly | exitOnly, Always: signalOnly, Identifies: signalOnly | exitOnly,
		at: unsafe.Offsetof(ev0.Signal), known: noFlag},
	{Name: "siginfo", Type: String, Kinds: signalOnly, at: unsafe.Offsetof(ev0.Siginfo), known: noFlag},
	{Name: "exit_code", Type: Integer, Kinds: exitOnly, Identifies: exitOnly,
		at: unsafe.Offsetof(ev0.ExitCode), known: unsafe.Offsetof(ev0.HasExitCode)},
	{Name: "core_dumped", Type: Boolean, Kinds: exitOnly, Always: exitOnly, at: unsafe.Offsetof(ev0.CoreDumped), known: noFlag},
	{Name: "secontext", Type: String, Kinds: AllKinds, at: unsafe.Offsetof(ev0.Secontext), known: noFlag},
	{Name: "raw", Type: String, Kinds: AllKinds, OnRequest: true, at: unsafe.Offsetof(ev0.Raw), known: noFlag},
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

// Unfinished reports whether the event is a call that was made but did not
// complete (it never returned, or returned "?"): strace -c does not count
// it, but a seccomp allow-list must allow it. Calls strace could not name
// are neither counted nor unfinished.
func (e *Event) Unfinished() bool {
	return e.Kind == KindSyscall && e.Syscall != "" && !isUnknownSyscallName(e.Syscall) && !e.Counts()
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
