package parse

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"os"
	"strings"
	"testing"
)

// testsuiteLogs is strace's own test-suite output: 1,279 logs, about
// 280,000 lines covering over a thousand syscall decoders.
const testsuiteLogs = "../../shared/corpus/strace-testsuite-logs.tar.gz"

// forEachLog calls fn with the name and text of every log in the archive.
func forEachLog(t testing.TB, fn func(name string, text []byte)) {
	f, err := os.Open(testsuiteLogs)
	if err != nil {
		t.Skipf("strace test-suite logs not available (%v); they live in ../shared/corpus beside the project", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		text, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		fn(h.Name, text)
	}
}

// TestTestsuiteLogs parses every line strace's test suite wrote and checks
// that (1) every line is understood and (2) every call printed on a single
// line is rebuilt exactly from its event: name(join(args, ", ")) = ret,
// then errno (errmsg), note and duration, modulo strace's alignment spaces.
func TestTestsuiteLogs(t *testing.T) {
	var lines, problems, calls, mismatches int64
	forEachLog(t, func(name string, text []byte) {
		var first []string
		p := NewParser(strings.NewReader(string(text)), Options{Raw: true, OnProblem: func(pr Problem) {
			if len(first) < 3 {
				first = append(first, pr.Error())
			}
		}})
		for {
			ev, err := p.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if ev.Kind != KindSyscall || !ev.Returned || strings.Contains(ev.Raw, "\n") {
				continue
			}
			calls++
			if why := rebuildMismatch(ev); why != "" {
				mismatches++
				if mismatches <= 20 {
					t.Errorf("%s: %s\n  line:    %q", name, why, ev.Raw)
				}
			}
		}
		st := p.LineCount()
		lines += st.Lines
		problems += st.Problems
		for _, f := range first {
			t.Errorf("%s: %s", name, f)
		}
	})
	t.Logf("%d lines, %d not understood; %d single-line calls, %d not rebuilt exactly", lines, problems, calls, mismatches)
	if problems != 0 || mismatches != 0 {
		t.Errorf("%d lines not understood, %d calls not rebuilt", problems, mismatches)
	}
}

// rebuildMismatch rebuilds the call text from ev and compares it with the
// line it came from; it returns "" when they agree.
func rebuildMismatch(ev *Event) string {
	line := ev.Raw
	call := ev.Syscall + "(" + strings.Join(ev.Args, ", ") + ")"
	k := strings.Index(line, call)
	if k < 0 {
		return "name(args) not found in the line: " + call
	}
	rest := strings.TrimLeft(line[k+len(call):], " ")
	want := "= " + ev.Ret
	if n := strings.TrimPrefix(ev.Errno, "E"); n != "" && allDigits(n) {
		want += " (errno " + n + ")" // an error strace has no name for
	} else if ev.Errno != "" {
		want += " " + ev.Errno
		if ev.Errmsg != "" {
			want += " (" + ev.Errmsg + ")"
		}
	}
	if ev.HasDuration {
		open := strings.LastIndex(rest, " <")
		if open < 0 || !strings.HasSuffix(rest, ">") {
			return "duration not at the end"
		}
		if got := secondsText(ev.DurationNs, len(rest)-open-len(" <>")); rest[open+2:len(rest)-1] != got {
			return "duration " + got + " != " + rest[open+2:len(rest)-1]
		}
		rest = rest[:open]
	}
	if ev.Note != "" {
		if rest != want+" ("+ev.Note+")" && rest != want+" "+ev.Note {
			return "result: rebuilt " + want + " with note " + ev.Note + ", line has " + rest
		}
		return ""
	}
	if rest != want {
		return "result: rebuilt " + want + ", line has " + rest
	}
	return ""
}

// secondsText prints ns as strace -T does, in a field of width characters
// ("0.000123" for microseconds, "0.000123456" for nanoseconds).
func secondsText(ns int64, width int) string {
	digits := []byte(itoa(ns % 1e9))
	for len(digits) < 9 {
		digits = append([]byte{'0'}, digits...)
	}
	sec := itoa(ns / 1e9)
	frac := width - len(sec) - 1
	if frac > 9 || frac < 1 {
		frac = 9
	}
	return sec + "." + string(digits[:frac])
}
