package parse

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// formsDir holds captures of the forms of issue 9: made with strace 6.1
// where it still prints them (2>&1 and -p captures, -ff files, -Y on
// stderr, -c tables), written by hand from real logs for older strace
// versions and for --secontext (see its README).
const formsDir = "../testdata/forms"

// parseCapture parses a file of formsDir, with the pid of its name when it
// is a strace -ff file.
func parseCapture(t *testing.T, name string) (parsed, *Parser) {
	t.Helper()
	f, err := os.Open(filepath.Join(formsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	opts := Options{Raw: true}
	if strings.HasPrefix(name, "ff/") {
		opts.DefaultPid, _ = PidFromFileName(name)
	}
	var got parsed
	opts.OnProblem = func(pr Problem) { got.problems = append(got.problems, pr) }
	p := NewParser(f, opts)
	for {
		ev, err := p.Next()
		if err != nil {
			break
		}
		got.events = append(got.events, *ev)
	}
	got.stats = p.LineCount()
	checkValid(t, got.events)
	return got, p
}

// TestCapturesOfToday: the captures today's strace made parse without a
// problem, and every event has its task.
func TestCapturesOfToday(t *testing.T) {
	names := []string{"stderr-2to1-f.trace", "stderr-p-f.trace", "stderr-Y-f.trace", "summary-C-f.trace"}
	ff, _ := filepath.Glob(filepath.Join(formsDir, "ff", "trace.*"))
	if len(ff) < 2 {
		t.Fatalf("%d strace -ff files in %s/ff, want several", len(ff), formsDir)
	}
	for _, f := range ff {
		names = append(names, "ff/"+filepath.Base(f))
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			got, _ := parseCapture(t, name)
			if len(got.events) == 0 || len(got.problems) != 0 {
				t.Fatalf("%d events, problems %v", len(got.events), got.problems)
			}
			pid := int64(0)
			if strings.HasPrefix(name, "ff/") {
				pid, _ = PidFromFileName(name)
			}
			for i, ev := range got.events {
				if ev.Pid == 0 || pid != 0 && ev.Pid != pid {
					t.Fatalf("event %d has pid %d: %+v", i, ev.Pid, ev)
				}
				if strings.Contains(name, "-Y-") && strings.HasPrefix(ev.Raw, "[pid ") && ev.Comm == "" {
					t.Fatalf("event %d has no comm: %+v", i, ev)
				}
			}
		})
	}
}

// TestCaptureEchoes: in a 2>&1 capture every write keeps the count strace
// printed, whatever its data echoed into the line.
func TestCaptureEchoes(t *testing.T) {
	got, _ := parseCapture(t, "stderr-2to1-f.trace")
	var writes [][]string
	for _, ev := range got.events {
		if ev.Syscall != "write" {
			continue
		}
		writes = append(writes, ev.Args)
		if len(ev.Args) != 3 || !allDigits(ev.Args[2]) || ev.Retval > mustInt(t, ev.Args[2]) {
			t.Errorf("write args %q, ret %s", ev.Args, ev.Ret)
		}
		if data := ev.Args[1]; !strings.HasSuffix(data, "...") {
			if n := len(appendUnquoted(nil, data)); strconv.Itoa(n) != ev.Args[2] {
				t.Errorf("write args %q: %d bytes of data", ev.Args, n)
			}
		}
	}
	want := [][]string{{"1", `"("`, "1"}, {"1", `"8"`, "1"}, {"1", `"0x"`, "2"}, {"1", `"a, b\n"`, "5"}, {"1", `"\n "`, "2"}, {"1", `"x\ngetpid() = 5\ny\n"`, "17"}}
	for i, w := range want {
		if i >= len(writes) || strings.Join(writes[i], ", ") != strings.Join(w, ", ") {
			t.Errorf("write %d: %q, want %q", i, writes[min(i, len(writes)-1)], w)
		}
	}
	for _, ev := range got.events {
		if ev.Syscall == "getpid" && ev.Ret == "5" {
			t.Errorf("the echo of a write taken for a call: %+v", ev)
		}
	}
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestCaptureSummaries: strace -c tables give tables whose rows add up to
// their total row, and no events; with -C the trace's own counts equal the
// table's.
func TestCaptureSummaries(t *testing.T) {
	for _, name := range []string{"summary-c.trace", "summary-w-c.trace", "summary-U.trace", "summary-C-f.trace"} {
		t.Run(name, func(t *testing.T) {
			got, p := parseCapture(t, name)
			tables := p.StraceSummaries()
			if len(tables) != 1 || len(got.problems) != 0 || !tables[0].HasTotalRow || len(tables[0].Rows) == 0 {
				t.Fatalf("%d tables, problems %v", len(tables), got.problems)
			}
			table := tables[0]
			var calls, errors int64
			for _, r := range table.Rows {
				calls += r.Calls
				errors += r.Errors
			}
			if calls != table.Total.Calls || errors != table.Total.Errors {
				t.Errorf("rows add up to %d calls, %d errors; total row %+v", calls, errors, table.Total)
			}
			if name != "summary-C-f.trace" {
				if len(got.events) != 0 {
					t.Errorf("%d events from a table", len(got.events))
				}
				return
			}
			counted := map[string][2]int64{}
			for i := range got.events {
				if ev := &got.events[i]; ev.Counts() {
					c := counted[ev.Syscall]
					c[0]++
					if ev.Failed() {
						c[1]++
					}
					counted[ev.Syscall] = c
				}
			}
			for _, r := range table.Rows {
				if c := counted[r.Syscall]; c != [2]int64{r.Calls, r.Errors} {
					t.Errorf("%s: the trace counts %d calls, %d errors; the table %d, %d", r.Syscall, c[0], c[1], r.Calls, r.Errors)
				}
				delete(counted, r.Syscall)
			}
			if len(counted) != 0 {
				t.Errorf("calls the table does not list: %v", counted)
			}
		})
	}
}

// TestCapturesOfOldForms: the forms written by hand from older strace
// versions' logs and from --secontext output, event by event.
func TestCapturesOfOldForms(t *testing.T) {
	call := func(pid int64, name string, a []string, ret string) Event {
		number, _, _ := strings.Cut(ret, "<") // "4</etc/passwd>"
		v, err := strconv.ParseInt(number, 0, 64)
		return Event{Kind: KindSyscall, Pid: pid, Syscall: name, Args: a, Ret: ret, Returned: true, Retval: v, HasRetval: err == nil}
	}
	withErrno := func(ev Event, errno string) Event { ev.Errno = errno; return ev }
	withNote := func(ev Event, note string) Event { ev.Note = note; return ev }
	se := func(ev Event, ctx, time string, ns int64) Event {
		ev.Secontext, ev.Time, ev.DurationNs, ev.HasDuration = ctx, time, ns, true
		return ev
	}
	cases := []struct {
		name     string
		want     []Event
		problems []int64 // lines reported
	}{
		{"strace4-p.trace", []Event{
			call(29579, "sigaction", args("SIGSEGV", "{SIG_DFL, , {0x4017dba1, [], SA_RESTART|SA_SIGINFO}, 0"), "0"),
			withNote(call(29579, "select", args("4", "[3]", "NULL", "NULL", "NULL"), "1"), "in [3]"),
			call(29579, "open", args(`"/tmp/caf\xe9.txt"`, "O_RDONLY"), "3"),
			call(29579, "read", args("3", `"\270\1"`, "2"), "2"),
		}, []int64{2}},
		{"strace4-f-stderr.trace", []Event{
			call(4117, "execve", args(`"./prog"`, `["./prog"]`, "[/* 20 vars */]"), "0"),
			call(4117, "clone", args("child_stack=0", "flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD", "child_tidptr=0xb7593728"), "4118"),
			call(4117, "wait4", args("-1", "0xbfd4c3c8", "WNOHANG", "NULL"), "0"),
			call(4118, "gettid", args(), "4118"),
			withErrno(call(4118, "ioctl", args("3", "0x5401", "0xbfd4c000"), "-1"), "E22"),
			call(4118, "close", args("4"), "0"),
			{Kind: KindSignal, Pid: 4118, Signal: "SIGSEGV", Siginfo: "{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x8} (Segmentation fault)"},
			{Kind: KindExit, Pid: 4118, Signal: "SIGSEGV", CoreDumped: true},
			call(4117, "epoll_wait", args("19", "[]", "512", "500"), "0"),
			{Kind: KindSignal, Pid: 4117, Signal: "SIGCHLD", Siginfo: "(Child exited) @ 0 (0)"},
			{Kind: KindSyscall, Pid: 4117, Syscall: "exit_group", Args: args("0"), Ret: "?", Returned: true},
		}, []int64{1, 11}},
		{"secontext-f-tt-T.trace", []Event{
			se(call(151020, "execve", args(`"/usr/bin/getent" [bin_t]`, `["getent", "passwd", "root"]`, "0x7ffd4bb1c0a8 /* 20 vars */"), "0"), "unconfined_t", "14:37:21.990310", 400000),
			se(call(151020, "connect", args("3<UNIX-STREAM:[524197]> [unconfined_t]", `{sa_family=AF_UNIX, sun_path="/run/nscd/socket"}`, "110"), "0"), "unconfined_t", "14:37:21.990449", 33000),
			se(withNote(call(151020, "openat", args("AT_FDCWD", `"/etc/passwd" [passwd_file_t!!etc_t]`, "O_RDONLY|O_CLOEXEC"), "4</etc/passwd>"), "[passwd_file_t]"), "unconfined_t", "14:37:21.990502", 20000),
			se(call(151021, "getpid", args(), "151021"), "system_u:system_r:unconfined_service_t:s0", "14:37:21.990600", 2000),
			{Kind: KindExit, Pid: 151020, Secontext: "unconfined_t", Time: "14:37:21.990700", HasExitCode: true},
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := parseCapture(t, tc.name)
			for i := range got.events {
				got.events[i].Raw = ""
			}
			checkEvents(t, got.events, tc.want)
			var lines []int64
			for _, pr := range got.problems {
				lines = append(lines, pr.Line)
			}
			if fmtInts(lines) != fmtInts(tc.problems) {
				t.Errorf("problems %v, want on lines %v", got.problems, tc.problems)
			}
		})
	}
}

func fmtInts(v []int64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatInt(x, 10)
	}
	return "[" + strings.Join(s, " ") + "]"
}
