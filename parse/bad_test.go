package parse

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// badDir holds inputs a robust parser must survive (see its README.md).
const badDir = "../../shared/corpus/bad"

// readBad returns the content of a file of badDir.
func readBad(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(badDir, name))
	if err != nil {
		t.Skipf("bad inputs not available (%v); they live in ../shared/corpus/bad beside the project", err)
	}
	return data
}

// within runs fn and fails the test when it has not returned after d: the
// parser must never hang, and on these inputs linear time is milliseconds.
func within(t *testing.T, d time.Duration, fn func()) {
	t.Helper()
	done := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
		t.Logf("took %v", time.Since(start).Round(time.Millisecond))
	case <-time.After(d):
		t.Fatalf("still parsing after %v: not linear time", d)
	}
}

// checkProblems fails t unless every problem names a line of data by its
// number and quotes the start of that line.
func checkProblems(t *testing.T, data []byte, got parsed) {
	t.Helper()
	if int64(len(got.problems)) != got.stats.Problems {
		t.Errorf("%d problems passed to OnProblem, Stats.Problems = %d", len(got.problems), got.stats.Problems)
	}
	lines := strings.Split(string(data), "\n")
	for _, pr := range got.problems {
		if pr.Line < 1 || pr.Line > int64(len(lines)) || pr.Line > got.stats.Lines {
			t.Errorf("problem %v: line out of range (%d lines)", pr, got.stats.Lines)
			continue
		}
		line := escapedText(strings.TrimSuffix(lines[pr.Line-1], "\r"))
		if pr.Reason == "" || pr.Snippet == "" || len(pr.Snippet) > 80 || !strings.HasPrefix(line, pr.Snippet) {
			t.Errorf("problem %v: snippet is not the start of line %d %q", pr, pr.Line, line[:min(len(line), 80)])
		}
	}
}

// checkValid fails t for every event that breaks the schema's rules.
func checkValid(t *testing.T, events []Event) {
	t.Helper()
	for i := range events {
		if why := eventInvalid(&events[i]); why != "" {
			t.Errorf("event %d invalid (%s): %+v", i, why, events[i])
		}
	}
}

// problemLines returns the sorted line numbers of the problems.
func problemLines(got parsed) []int64 {
	var lines []int64
	for _, pr := range got.problems {
		lines = append(lines, pr.Line)
	}
	slices.Sort(lines)
	return lines
}

func TestBadInputs(t *testing.T) {
	cases := []struct {
		file  string
		check func(t *testing.T, data []byte, got parsed)
	}{
		{"empty.trace", func(t *testing.T, data []byte, got parsed) {
			if len(got.events) != 0 || got.stats.Problems != 0 || got.stats.Lines != 0 {
				t.Errorf("%d events, %+v; want nothing", len(got.events), got.stats)
			}
		}},
		{"only-newlines.trace", func(t *testing.T, data []byte, got parsed) {
			if len(got.events) != 0 || got.stats.Problems != 0 || got.stats.Lines != 100000 {
				t.Errorf("%d events, %+v; want 100000 blank lines and nothing else", len(got.events), got.stats)
			}
		}},
		{"no-trailing-newline.trace", func(t *testing.T, data []byte, got parsed) {
			if len(got.events) != 10 || got.stats.Problems != 0 {
				t.Fatalf("%d events, %d problems; want 10 and 0", len(got.events), got.stats.Problems)
			}
			checkEvents(t, got.events[9:], []Event{{Kind: KindExit, Pid: 4242, HasExitCode: true, Raw: "4242  +++ exited with 0 +++"}})
		}},
		{"truncated-midline.trace", func(t *testing.T, data []byte, got parsed) {
			// 99 complete lines, all events; the cut 100th is reported
			if len(got.events) != 95 {
				t.Errorf("%d events, want 95", len(got.events))
			}
			if l := problemLines(got); len(l) != 1 || l[0] != 100 {
				t.Errorf("problems on lines %v, want [100]", l)
			}
			for _, ev := range got.events {
				if ev.Syscall == "openat" && strings.Contains(strings.Join(ev.Args, ", "), `"/non`) && !strings.Contains(strings.Join(ev.Args, ", "), `"/non`+"existent") {
					t.Errorf("the cut line became an event: %+v", ev)
				}
			}
		}},
		{"crlf.trace", func(t *testing.T, data []byte, got parsed) {
			lf := parseAll(t, bytes.NewReader(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))), Options{Raw: true})
			if len(lf.events) == 0 {
				t.Fatal("no events from the LF version")
			}
			checkEvents(t, got.events, lf.events)
			if got.stats.Problems != lf.stats.Problems || got.stats.Lines != lf.stats.Lines {
				t.Errorf("stats %+v, with LF %+v", got.stats, lf.stats)
			}
			for _, ev := range got.events {
				if strings.Contains(ev.Raw, "\r") || strings.Contains(strings.Join(ev.Args, ""), "\r") || strings.Contains(ev.Ret, "\r") {
					t.Errorf("CR kept in %+v", ev)
				}
			}
		}},
		{"random-1mb.bin", func(t *testing.T, data []byte, got parsed) {
			if got.stats.Problems < 4000 || got.stats.Lines < 4000 {
				t.Errorf("%+v: want the ~4000 lines read and reported", got.stats)
			}
		}},
		{"single-3mb-line.trace", func(t *testing.T, data []byte, got parsed) {
			if len(got.events) != 2 || got.stats.Problems != 0 {
				t.Fatalf("%d events, %d problems; want write and exit", len(got.events), got.stats.Problems)
			}
			w := got.events[0]
			line := string(data[:bytes.IndexByte(data, '\n')])
			if w.Syscall != "write" || w.Retval != 2200000 || len(w.Args) != 3 || w.Raw != line ||
				"write("+strings.Join(w.Args, ", ")+") = 2200000" != line {
				t.Errorf("the 3.6 MB write is not rebuilt exactly: %s(%d args) = %s", w.Syscall, len(w.Args), w.Ret)
			}
		}},
		{"resumed-without-opening.trace", func(t *testing.T, data []byte, got parsed) {
			checkEvents(t, got.events, []Event{
				{Kind: KindSyscall, Pid: 4243, Syscall: "read", Args: args(`"hello\n"`, "4096"), Ret: "6", Returned: true, Retval: 6, HasRetval: true, Raw: `4243  <... read resumed>"hello\n", 4096) = 6`},
				{Kind: KindSyscall, Pid: 4243, Syscall: "futex", Args: args(), Ret: "0", Returned: true, HasRetval: true, Raw: `4243  <... futex resumed>)            = 0`},
				{Kind: KindSyscall, Syscall: "wait4", Args: args("[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]", "0", "NULL"), Ret: "4250", Returned: true, Retval: 4250, HasRetval: true, Raw: `<... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 4250`},
				{Kind: KindSyscall, Pid: 4243, Syscall: "write", Args: args("1", `"hello\n"`, "6"), Ret: "6", Returned: true, Retval: 6, HasRetval: true, Raw: `4243  write(1, "hello\n", 6)          = 6`},
				{Kind: KindSyscall, Pid: 4243, Syscall: "nosuchcall", Args: args(), Ret: "-1", Returned: true, Retval: -1, HasRetval: true, Errno: "ENOSYS", Errmsg: "Function not implemented", Raw: `4243  <... nosuchcall resumed>) = -1 ENOSYS (Function not implemented)`},
				{Kind: KindSyscall, Pid: 4243, Syscall: "exit_group", Args: args("0"), Ret: "?", Returned: true, Raw: `4243  exit_group(0)                     = ?`},
				{Kind: KindExit, Pid: 4243, HasExitCode: true, Raw: `4243  +++ exited with 0 +++`},
			})
			if l := problemLines(got); len(l) != 1 || l[0] != 6 {
				t.Errorf("problems on lines %v, want [6] (the cut resumed line)", l)
			}
		}},
		{"unfinished-never-resumed.trace", func(t *testing.T, data []byte, got parsed) {
			// 2003 openers and one complete write
			unreturned := 0
			for _, ev := range got.events {
				if ev.Kind == KindSyscall && !ev.Returned && !ev.Counts() {
					unreturned++
				}
			}
			if len(got.events) != 2004 || unreturned != 2003 || got.stats.Problems != 0 {
				t.Errorf("%d events, %d never returned, %d problems; want 2004, 2003, 0", len(got.events), unreturned, got.stats.Problems)
			}
		}},
		{"many-unfinished.trace", func(t *testing.T, data []byte, got parsed) {
			pids := map[int64]bool{}
			for _, ev := range got.events {
				if ev.Returned {
					t.Fatalf("a call that never resumed has a result: %+v", ev)
				}
				pids[ev.Pid] = true
			}
			if len(got.events) != 200000 || len(pids) != 200000 {
				t.Errorf("%d events of %d pids, want 200000 of 200000", len(got.events), len(pids))
			}
		}},
		{"unbalanced-quotes-braces.trace", func(t *testing.T, data []byte, got parsed) {
			// The ioctl with extra closing braces is tolerated. A call whose
			// brackets stay open but which ends with a clear result (strace's
			// own decoding slips so) is an event, and reported; every other
			// broken line is reported, and the parser resynchronises.
			var names []string
			for _, ev := range got.events {
				names = append(names, ev.Kind.String()+":"+ev.Syscall)
			}
			if want := "syscall:newfstatat syscall:ioctl syscall:mmap syscall:exit_group exit: syscall:ioctl"; strings.Join(names, " ") != want {
				t.Errorf("events %v, want %s", names, want)
			}
			want := []int64{1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 15, 16}
			if l := problemLines(got); fmt.Sprint(l) != fmt.Sprint(want) {
				t.Errorf("problems on lines %v, want %v", l, want)
			}
		}},
		{"nul-bytes.trace", func(t *testing.T, data []byte, got parsed) {
			var names []string
			for _, ev := range got.events {
				names = append(names, ev.Syscall)
			}
			if len(got.events) < 4 || len(got.events[0].Args) < 2 || len(got.events[1].Args) < 2 ||
				got.events[0].Args[1] != "\"/etc/\x00passwd\"" || got.events[1].Args[1] != "\"ab\x00\x00cd\"" {
				t.Errorf("NUL bytes not kept as ordinary bytes: %q", names)
			}
			if last := got.events[len(got.events)-1]; last.Kind != KindExit {
				t.Errorf("reading stopped before the exit line: %q", names)
			}
		}},
		{"invalid-utf8.trace", func(t *testing.T, data []byte, got parsed) {
			var names []string
			for _, ev := range got.events {
				names = append(names, ev.Syscall)
			}
			// A UTF-8 byte order mark before a line does not hide its call.
			if want := "openat write write getpid exit_group "; strings.Join(names, " ") != want {
				t.Errorf("events %q, want %q", strings.Join(names, " "), want)
			}
			// 0xe9 alone is no UTF-8: kept as strace -x writes a byte
			if len(got.events) == 0 || len(got.events[0].Args) < 2 || got.events[0].Args[1] != `"/tmp/caf\xe9.txt"` {
				t.Errorf("invalid UTF-8 not kept as \\x escapes: %q", got.events[0].Args[1])
			}
		}},
		{"other-tools-mixed.trace", func(t *testing.T, data []byte, got parsed) {
			var strace []Event
			for _, ev := range got.events {
				if ev.Syscall == "malloc" { // ltrace's line has strace's syntax: tolerated
					continue
				}
				ev.Raw = ""
				strace = append(strace, ev)
			}
			checkEvents(t, strace, []Event{
				{Kind: KindSyscall, Pid: 4251, Syscall: "getpid", Args: args(), Ret: "4251", Returned: true, Retval: 4251, HasRetval: true},
				{Kind: KindExit, Pid: 4251, HasExitCode: true},
			})
			if got.stats.Problems < 8 {
				t.Errorf("only %d lines reported: the other tools' lines are not strace's", got.stats.Problems)
			}
		}},
		{"numeric-overflow.trace", func(t *testing.T, data []byte, got parsed) {
			for i := range got.events {
				got.events[i].Raw = ""
			}
			checkEvents(t, got.events, []Event{
				{Kind: KindSyscall, Pid: 4254, Syscall: "lseek", Args: args("3", "0", "SEEK_END"), Ret: "99999999999999999999999999", Returned: true},
				{Kind: KindSyscall, Pid: 4254, Syscall: "mmap", Args: args("NULL", "4096", "PROT_READ", "MAP_PRIVATE", "3", "0"), Ret: "0xfffffffffffffffffffffffff", Returned: true},
				{Kind: KindSyscall, Pid: 4254, Syscall: "read", Args: args("3", `""`, "1"), Ret: "-99999999999999999999", Returned: true, Errno: "ENOENT", Errmsg: "No such file or directory"},
				{Kind: KindSyscall, Pid: 4254, Syscall: "write", Args: args("1", `"x"`, "1"), Ret: "1", Returned: true, Retval: 1, HasRetval: true},
				{Kind: KindSyscall, Pid: 4254, Syscall: "write", Args: args("1", `"x"`, "1"), Ret: "1", Returned: true, Retval: 1, HasRetval: true},
				{Kind: KindExit, Pid: 4254, ExitCode: -1, HasExitCode: true},
			})
			// every line but the last is out of range somewhere, and said so
			if l := problemLines(got); fmt.Sprint(l) != "[1 2 3 4 5 6 7 8]" {
				t.Errorf("problems on lines %v, want 1 to 8", l)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			data := readBad(t, tc.file)
			var got parsed
			within(t, 60*time.Second, func() { got = parseAll(t, bytes.NewReader(data), Options{Raw: true}) })
			checkValid(t, got.events)
			checkProblems(t, data, got)
			tc.check(t, data, got)
		})
	}
}

// repeatReader yields unit n times, then io.EOF, without holding the
// whole input in memory.
type repeatReader struct {
	unit string
	n    int
	off  int // bytes of the current unit already given
}

func (r *repeatReader) Read(p []byte) (int, error) {
	k := 0
	for k < len(p) && r.n > 0 {
		c := copy(p[k:], r.unit[r.off:])
		k += c
		r.off += c
		if r.off == len(r.unit) {
			r.off = 0
			r.n--
		}
	}
	if k == 0 {
		return 0, io.EOF
	}
	return k, nil
}

// heapProbe passes reads through and, every `every` bytes, measures the
// live heap after a collection, keeping the highest value.
type heapProbe struct {
	r     io.Reader
	every int
	since int
	peak  uint64
	eof   bool // the input is exhausted
}

func (h *heapProbe) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.since += n
	if h.since >= h.every {
		h.since = 0
		h.measure()
	}
	if err == io.EOF {
		h.eof = true
	}
	return n, err
}

func (h *heapProbe) measure() {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h.peak = max(h.peak, ms.HeapAlloc)
}

// streamCount parses r to the end without keeping events, and returns how
// many there were, how many of them came before the input was exhausted,
// and the parser's stats.
func streamCount(t *testing.T, h *heapProbe, opts Options) (events, beforeEOF int, st LineCount) {
	t.Helper()
	p := NewParser(h, opts)
	for {
		ev, err := p.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if why := eventInvalid(ev); why != "" {
			t.Fatalf("invalid event (%s): %+v", why, ev)
		}
		events++
		if !h.eof {
			beforeEOF++
		}
	}
	h.measure()
	return events, beforeEOF, p.LineCount()
}

// TestLongLines: a line of 16 MiB is parsed whole; a far longer one is
// reported and skipped without being held in memory, and the next line is
// parsed.
func TestLongLines(t *testing.T) {
	t.Run("16 MiB line parsed", func(t *testing.T) {
		head, tail := `write(1, "`, `", 16777216) = 16777216`
		fill := MaxLineBytes - len(head) - len(tail)
		r := io.MultiReader(strings.NewReader(head), &repeatReader{unit: "A", n: fill}, strings.NewReader(tail+"\n+++ exited with 0 +++\n"))
		got := parseAll(t, r, Options{})
		if len(got.events) != 2 || got.stats.Problems != 0 {
			t.Fatalf("%d events, %d problems (%v); want the write and the exit", len(got.events), got.stats.Problems, got.problems)
		}
		w := got.events[0]
		if w.Syscall != "write" || len(w.Args) != 3 || len(w.Args[1]) != fill+2 || w.Retval != 16777216 {
			t.Errorf("write with %d args, second of %d bytes, retval %d; want 3, %d, 16777216", len(w.Args), len(w.Args[1]), w.Retval, fill+2)
		}
	})
	t.Run("128 MiB line skipped", func(t *testing.T) {
		h := &heapProbe{every: 16 << 20, r: io.MultiReader(
			strings.NewReader("getpid() = 1\n"+`write(1, "`),
			&repeatReader{unit: "A", n: 128 << 20},
			strings.NewReader("\", 1) = 1\ngetpid() = 2\n"))}
		var problems []Problem
		n, _, st := streamCount(t, h, Options{OnProblem: func(pr Problem) { problems = append(problems, pr) }})
		if n != 2 {
			t.Errorf("%d events, want the two getpid", n)
		}
		if st.Lines != 3 || len(problems) != 1 || problems[0].Line != 2 || !strings.HasPrefix(problems[0].Snippet, `write(1, "AAA`) {
			t.Errorf("Stats %+v, problems %v: want line 2 reported with its start", st, problems)
		}
		if h.peak > 96<<20 {
			t.Errorf("live heap reached %d MiB reading a 128 MiB line", h.peak>>20)
		}
		t.Logf("peak live heap %d MiB", h.peak>>20)
	})
}

// TestPendingCap: calls that never resume are bounded in number and in
// bytes; past the cap the oldest are emitted as never returned, while the
// input is still being read.
func TestPendingCap(t *testing.T) {
	t.Run("600000 tasks", func(t *testing.T) {
		const tasks = 600000
		var b strings.Builder
		for pid := 1; pid <= tasks; pid++ {
			fmt.Fprintf(&b, "%d  futex(0x7f0000001000, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>\n", pid)
		}
		h := &heapProbe{every: 8 << 20, r: strings.NewReader(b.String())}
		n, early, _ := streamCount(t, h, Options{})
		if n != tasks {
			t.Errorf("%d events, want %d", n, tasks)
		}
		if early < tasks-maxPending {
			t.Errorf("only %d events before the end of input, want at least %d", early, tasks-maxPending)
		}
		input := uint64(b.Len())
		if h.peak > input+64<<20 {
			t.Errorf("live heap reached %d MiB (input %d MiB)", h.peak>>20, input>>20)
		}
		t.Logf("peak live heap %d MiB with %d MiB of input held", h.peak>>20, input>>20)
	})
	t.Run("oldest first", func(t *testing.T) {
		var b strings.Builder
		for pid := 1; pid <= maxPending+2; pid++ {
			fmt.Fprintf(&b, "%d  read(0,  <unfinished ...>\n", pid)
		}
		p := NewParser(strings.NewReader(b.String()), Options{})
		for want := int64(1); want <= 2; want++ {
			ev, err := p.Next()
			if err != nil || ev.Pid != want || ev.Returned {
				t.Fatalf("event %+v, %v; want pid %d's read, never returned", ev, err, want)
			}
		}
	})
	t.Run("64 calls of 1 MiB", func(t *testing.T) {
		big := strings.Repeat("x", 1<<20)
		var b strings.Builder
		for pid := 1; pid <= 64; pid++ {
			fmt.Fprintf(&b, "%d  write(1, \"%s\", 1048576 <unfinished ...>\n", pid, big)
		}
		h := &heapProbe{every: 1 << 30, r: strings.NewReader(b.String())}
		n, early, _ := streamCount(t, h, Options{})
		if n != 64 || early < 64-maxPendingBytes>>20 {
			t.Errorf("%d events, %d before the end of input; want 64, at least %d early", n, early, 64-maxPendingBytes>>20)
		}
	})
}

// TestLinearTime: garbage that makes a naive scanner quadratic. Each input
// is parsed at a quarter of its size and at its full size: the CPU time it
// takes must grow about as the input does (see linear), as it does when
// every byte is looked at a bounded number of times.
func TestLinearTime(t *testing.T) {
	execve := func(k int) string {
		var b strings.Builder
		for pid := 2; pid < 15000*k; pid++ {
			fmt.Fprintf(&b, "%d  read(0,  <unfinished ...>\n", pid)
		}
		b.WriteString(strings.Repeat("1  <... execve resumed>) = 0\n", 10000*k))
		return b.String()
	}
	cases := []struct {
		name  string
		input func(k int) string // the input at k quarters of its size
	}{
		{"200000-deep brace nest", func(k int) string { return "4247  ioctl(1, X, " + strings.Repeat("{", 50000*k) + ") = 0\n" }},
		{"100001 quotes", func(k int) string { return "4247  ioctl(1, X, " + strings.Repeat(`"`, 25000*k+1) + ") = 0\n" }},
		{"escaped quotes", func(k int) string { return "write(1, \"" + strings.Repeat(`\"`, 125000*k) + ", 1) = 1\n" }},
		{"open comments", func(k int) string { return "f(" + strings.Repeat("/* ", 75000*k) + ") = 0\n" }},
		{"'<' after a word, never closed", func(k int) string { return "f(" + strings.Repeat("a<", 150000*k) + ") = 0\n" }},
		{"'</' after a word, never closed", func(k int) string { return "f(" + strings.Repeat("a</", 100000*k) + ") = 0\n" }},
		{"decorated result, never closed", func(k int) string { return "f() = 1" + strings.Repeat("<1", 150000*k) + "\n" }},
		{"a cut line continued 60000 times", func(k int) string { return "write(1, \"x\n" + strings.Repeat(",\n", 15000*k) + ") = 1\n" }},
		{"40000 execve resumed with 60000 calls pending", execve},
		{"100000 summary rows", func(k int) string {
			return strings.Repeat(" 62.50    0.000010          10         1           getpid\n", 25000*k)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			linear(t, func(k int) {
				got := parseText(t, tc.input(k), Options{})
				checkValid(t, got.events)
			})
		})
	}
	// A pipe hands over a long line in pieces: each piece must not cost a
	// scan of the whole line again.
	t.Run("16 MiB line in 4 KiB pieces", func(t *testing.T) {
		linear(t, func(k int) {
			size := 4194250 * k
			head, tail := `write(1, "`, fmt.Sprintf(`", %d) = %[1]d`+"\n", size)
			line := head + strings.Repeat("A", size) + tail
			got := parseAll(t, &piecesReader{data: []byte(line), size: 4096}, Options{})
			if len(got.events) != 1 || got.events[0].Retval != int64(size) {
				t.Errorf("%d events; want the write", len(got.events))
			}
		})
	})
}

// linear runs parse(1) and parse(4), which parses an input 4 times as
// large, and fails t unless the second costs less than 10 times the CPU
// time of the first: linear work takes 4 times, quadratic 16. CPU time,
// unlike the clock, does not grow while other processes have the cores;
// each figure is the least of three runs without garbage collection, and
// a run still going after a minute is a hang. Runs that take under 20 ms are too short to compare,
// and too short to be quadratic at these sizes.
func linear(t *testing.T, parse func(k int)) {
	t.Helper()
	// The collector's work depends on when it happens to run: measure the
	// parser alone.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	cost := func(k int) time.Duration {
		best := time.Duration(1<<63 - 1)
		for range 3 {
			runtime.GC()
			start := cpuTime()
			within(t, time.Minute, func() { parse(k) })
			best = min(best, cpuTime()-start)
		}
		return best
	}
	quarter, full := cost(1), cost(4)
	t.Logf("CPU time %v at a quarter of the size, %v at the full size", quarter, full)
	if full > 20*time.Millisecond && full > 10*quarter {
		t.Errorf("CPU time grew %.1f times for 4 times the input: not linear", float64(full)/float64(quarter))
	}
}

// cpuTime returns the CPU time this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// piecesReader returns its input in pieces of at most size bytes, as a
// pipe does when the writer writes in pieces.
type piecesReader struct {
	data []byte
	size int
}

func (r *piecesReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), r.size)], r.data)
	r.data = r.data[k:]
	return k, nil
}
