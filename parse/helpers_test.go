package parse

import (
	"fmt"
	"io"
	"reflect"
	"runtime/debug"
	"strings"
	"testing"
	"unicode/utf8"
)

// parsed is everything one run of the parser over an input produced.
type parsed struct {
	events   []Event
	problems []Problem
	stats    LineCount
}

// parseAll runs a parser over r to the end, keeping every event (a shallow
// copy is a full copy: the parser never reuses an event's strings or Args)
// and every problem reported. A panic fails the test, which goes on with
// what was parsed before it, so that one crash does not hide other results.
func parseAll(t testing.TB, r io.Reader, opts Options) (out parsed) {
	t.Helper()
	defer func() {
		if e := recover(); e != nil {
			t.Errorf("parser panicked: %v\n%s", e, debug.Stack())
		}
	}()
	opts.OnProblem = func(pr Problem) { out.problems = append(out.problems, pr) }
	p := NewParser(r, opts)
	for {
		ev, err := p.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Errorf("Next: %v", err)
			break
		}
		out.events = append(out.events, *ev)
	}
	out.stats = p.LineCount()
	return out
}

// parseText is parseAll over a string.
func parseText(t testing.TB, text string, opts Options) parsed {
	t.Helper()
	return parseAll(t, strings.NewReader(text), opts)
}

// escapedText is s with each byte that is not part of valid UTF-8 written
// as "\x" and two lowercase hex digits: what the parser makes of a line.
func escapedText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&b, "\\x%02x", s[i])
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// args builds an Event.Args value.
func args(a ...string) []string {
	if a == nil {
		return []string{}
	}
	return a
}

// eventDiff lists, field by field, how got differs from want; an empty
// Args and a nil one are the same (both are written as []).
func eventDiff(got, want Event) []string {
	var diffs []string
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < gv.NumField(); i++ {
		name := gv.Type().Field(i).Name
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if name == "Args" && len(got.Args) == 0 && len(want.Args) == 0 {
			continue
		}
		if !reflect.DeepEqual(g, w) {
			diffs = append(diffs, fmt.Sprintf("%s: got %#v, want %#v", name, g, w))
		}
	}
	return diffs
}

// checkEvents fails t unless got equals want, event by event and field by
// field.
func checkEvents(t *testing.T, got, want []Event) {
	t.Helper()
	for i := 0; i < len(got) || i < len(want); i++ {
		switch {
		case i >= len(got):
			t.Errorf("event %d missing: want %+v", i, want[i])
		case i >= len(want):
			t.Errorf("event %d unexpected: %+v", i, got[i])
		default:
			for _, d := range eventDiff(got[i], want[i]) {
				t.Errorf("event %d (%s %s): %s", i, got[i].Kind, got[i].Syscall, d)
			}
		}
	}
}

// eventInvalid returns why ev breaks the schema's rules, or "" when it
// keeps them: a known kind; for a syscall a name and consistent
// ret/retval; for a signal a SIG name; for an exit a status or a signal;
// no negative pid or duration.
func eventInvalid(ev *Event) string {
	if ev.Pid < 0 || ev.Tgid < 0 {
		return "negative pid or tgid"
	}
	if ev.HasDuration && ev.DurationNs < 0 {
		return "negative duration"
	}
	switch ev.Kind {
	case KindSyscall:
		if ev.Syscall == "" {
			return "syscall without a name"
		}
		if !ev.Returned && (ev.Ret != "" || ev.HasRetval || ev.Errno != "") {
			return "a call that never returned has a result"
		}
		if ev.Returned && ev.Ret == "" {
			return "a returned call with an empty ret"
		}
		if ev.Errno != "" && errnoLen(ev.Errno) != len(ev.Errno) {
			return "errno is not an error name: " + ev.Errno
		}
		if ev.Signal != "" || ev.HasExitCode || ev.CoreDumped {
			return "syscall with signal or exit fields"
		}
	case KindSignal:
		if !strings.HasPrefix(ev.Signal, "SIG") {
			return "signal without a SIG name"
		}
		if ev.Syscall != "" || ev.Returned || ev.HasExitCode {
			return "signal with syscall or exit fields"
		}
	case KindExit:
		if !ev.HasExitCode && !strings.HasPrefix(ev.Signal, "SIG") {
			return "exit without status or signal"
		}
		if ev.HasExitCode && ev.Signal != "" {
			return "exit with both status and signal"
		}
		if ev.Syscall != "" || ev.Returned {
			return "exit with syscall fields"
		}
	default:
		return "unknown kind"
	}
	return ""
}
