//go:build linux

package main

// The backend comparison of issue 10: the same deterministic program is
// traced by the strace backend (twice) and by the eBPF backend, every event
// is rendered as strace's text and normalised (what differs from one run to
// the next even under strace alone), and the share of strace's events that
// the eBPF backend reproduces textually is measured, per program. The
// strace-against-strace share proves the normaliser hides nothing but run to
// run noise; the eBPF share must not fall below the floor measured today.
// scripts/compare-backends runs this test and prints its report.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// compareReportEnv names the environment variable that asks
// TestCompareBackends to write its report (the table and the differing
// calls) to a file; scripts/compare-backends sets it.
const compareReportEnv = "STRACECTL_COMPARE_REPORT"

// compareTarget is issue 10's goal for every program, in percent: shown in the
// report, not enforced until decoding reaches it.
const compareTarget = 95.0

// straceSelfAgreement is the share, in percent, of a strace run's events that
// a second strace run of the same program must reproduce after
// normalisation: below it the normaliser misses some run-to-run noise and
// the eBPF share would measure that noise.
const straceSelfAgreement = 99.0

// compareProgram is one deterministic program traced by both backends.
type compareProgram struct {
	name string   // subtest name, also the row of the report
	argv []string // the command; argv[0] is looked up in PATH
	// pipeTo, when set, reads the command's stdout through a pipe,
	// untraced: `argv | pipeTo`.
	pipeTo []string
	// floor is the lowest eBPF share, in percent, accepted today: the share
	// measured when it was set, less a margin for run-to-run variation.
	// Raise it as decoding improves.
	floor float64
}

// comparePrograms are issue 10's programs. Of `tar cf - /usr/share/doc/bash
// | wc -c` only tar is traced, writing into a pipe that an untraced wc
// reads: traced whole, the pipeline is not deterministic (how much of
// tar's output each of wc's reads gets, and so how many reads there are,
// depends on scheduling; two strace runs agreed on 99.2% of its events).
//
// The floors are the target, 95% per program. Measured on
// 2026-12-05 (Debian 12, Python 3.11, kernel 6.18): before the eBPF
// backend read structs and buffers, ls 55.6%, cat 75.2%, python3 47.8%,
// sh 72.9%, tar 48.0%, git 60.8%; after, 98.6% to 100% (scripts/compare-backends).
var comparePrograms = []compareProgram{
	{name: "ls", argv: []string{"ls", "-la", "/usr/bin"}, floor: 95},
	{name: "cat", argv: []string{"cat", "/etc/services"}, floor: 95},
	{name: "python3", argv: []string{"python3", "-c", "import json; print(1)"}, floor: 95},
	{name: "sh", argv: []string{"sh", "-c", "echo hi; cat /etc/hostname; ls /nonexistent"}, floor: 95},
	{name: "tar", argv: []string{"tar", "cf", "-", "/usr/share/doc/bash"}, pipeTo: []string{"wc", "-c"}, floor: 95},
	{name: "git", argv: []string{"git", "init"}, floor: 95},
}

// String is the command as a shell would read it.
func (p compareProgram) String() string {
	s := shellWords(p.argv)
	if p.pipeTo != nil {
		s += " | " + shellWords(p.pipeTo)
	}
	return s
}

// shellWords joins words with spaces, quoting those a shell would split.
func shellWords(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		if w == "" || strings.ContainsAny(w, " \t\n'\"\\;|&$*?()<>") {
			w = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
		}
		quoted[i] = w
	}
	return strings.Join(quoted, " ")
}

// comparedEvent is one event as compared: the call's name (or "--- signal"
// and "+++ exit" for the other kinds), used to group differences, and its
// normalised strace text.
type comparedEvent struct {
	group, text string
}

// readCompareEvents decodes a JSON Lines file of events.
func readCompareEvents(path string) ([]event, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decodeEventLines(path, data)
}

// Patterns of the normaliser.
var (
	// addressPattern matches hexadecimal numbers of 7 digits or more: user
	// space addresses (heap, stack, mappings) that change with ASLR. Shorter
	// ones are flags, ioctl numbers and device numbers, and are kept.
	addressPattern = regexp.MustCompile(`0x[0-9a-f]{7,}`)
	// timePattern matches the fields of timespecs and timevals.
	timePattern = regexp.MustCompile(`\b(tv_sec|tv_nsec|tv_usec)=\d+`)
	// inodePattern matches inode numbers and device ids of stat structs,
	// which differ for the files a program creates afresh on each run.
	inodePattern = regexp.MustCompile(`\b(st_ino|stx_ino|d_ino|st_dev|stx_dev_major|stx_dev_minor)=(makedev\([^)]*\)|\d+)`)
	// siginfoPidPattern matches the pid in a siginfo (SIGCHLD, waitid).
	siginfoPidPattern = regexp.MustCompile(`\bsi_pid=\d+`)
	// procPidPattern matches a pid in a /proc path.
	procPidPattern = regexp.MustCompile(`/proc/\d+/`)
	// numberPattern matches the numbers of sysinfo's struct: uptime, loads,
	// free memory and the process count change from one run to the next.
	numberPattern = regexp.MustCompile(`\d+`)
	// mkstempPattern matches the last path component of a file created with
	// O_EXCL whose name ends in six letters or digits: a name mkstemp (and
	// git's odb_mkstemp) picked at random from a template ending in XXXXXX.
	// Lock files ("config.lock") end otherwise and are kept.
	mkstempPattern = regexp.MustCompile(`([^/"]*[A-Za-z0-9]{6})"$`)
)

// pidReturning are the calls whose result is a process or thread id.
var pidReturning = map[string]bool{
	"clone": true, "clone3": true, "fork": true, "vfork": true, "wait4": true,
	"getpid": true, "getppid": true, "gettid": true, "getpgid": true,
	"getpgrp": true, "getsid": true, "set_tid_address": true,
}

// pidArguments lists, for the calls that take process or thread ids, the
// positions of those arguments.
var pidArguments = map[string][]int{
	"wait4": {0}, "waitid": {1}, "kill": {0}, "tkill": {0}, "tgkill": {0, 1},
	"getpgid": {0}, "setpgid": {0, 1}, "getsid": {0}, "prlimit64": {0},
	"pidfd_open": {0}, "sched_getaffinity": {0}, "sched_setaffinity": {0},
}

// isPid reports whether s is a positive decimal number: the pid arguments
// 0 and -1 mean "self" and "any" and are kept.
func isPid(s string) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && n > 0
}

// normaliseTrace renders every event of a trace as strace's text with what
// differs from one run to the next replaced by placeholders: addresses,
// timespecs, pids and tids (results of fork/clone/wait4/getpid..., pid
// arguments, si_pid, /proc paths), inode numbers and device ids,
// getrandom's random bytes, sysinfo's counters, the register rt_sigreturn
// restores (the result of whatever call the signal interrupted) and the
// names mkstemp picks at random, wherever they appear in the trace. Times,
// durations, pids and command names of the events are not part of the
// text. File descriptor numbers are kept: a deterministic program gets the
// same ones on every run and under both backends, which start it with the
// same open files.
func normaliseTrace(evs []event) []comparedEvent {
	var random []string
	for _, ev := range evs {
		if ev.Kind == "syscall" && ev.Syscall == "openat" && len(ev.Args) > 2 && strings.Contains(ev.Args[2], "O_EXCL") {
			if m := mkstempPattern.FindStringSubmatch(ev.Args[1]); m != nil {
				random = append(random, m[1])
			}
		}
	}
	out := make([]comparedEvent, len(evs))
	for i, ev := range evs {
		out[i] = normaliseEvent(ev)
		for _, name := range random {
			out[i].text = strings.ReplaceAll(out[i].text, name, "MKSTEMP")
		}
	}
	return out
}

// normaliseEvent renders one event for normaliseTrace.
func normaliseEvent(ev event) comparedEvent {
	var b strings.Builder
	var group string
	switch ev.Kind {
	case "syscall":
		group = ev.Syscall
		args := append([]string(nil), ev.Args...)
		for _, i := range pidArguments[ev.Syscall] {
			if i < len(args) && isPid(args[i]) {
				args[i] = "PID"
			}
		}
		switch {
		case ev.Syscall == "getrandom" && len(args) > 0:
			args[0] = "RANDOM"
		case ev.Syscall == "sysinfo" && len(args) > 0 && strings.HasPrefix(args[0], "{"):
			args[0] = numberPattern.ReplaceAllString(args[0], "N")
		}
		b.WriteString(ev.Syscall)
		b.WriteByte('(')
		b.WriteString(strings.Join(args, ", "))
		b.WriteByte(')')
		switch {
		case ev.Ret == nil:
			b.WriteString(" <unfinished ...>")
		case pidReturning[ev.Syscall] && isPid(*ev.Ret):
			b.WriteString(" = PID")
		case ev.Syscall == "rt_sigreturn":
			b.WriteString(" = RESTORED")
		default:
			b.WriteString(" = ")
			b.WriteString(*ev.Ret)
		}
		if ev.Errno != "" {
			fmt.Fprintf(&b, " %s (%s)", ev.Errno, ev.Errmsg)
		}
		if ev.Note != "" {
			fmt.Fprintf(&b, " (%s)", ev.Note)
		}
	case "signal":
		group = "--- signal"
		fmt.Fprintf(&b, "--- %s %s ---", ev.Signal, ev.Siginfo)
	case "exit":
		group = "+++ exit"
		switch {
		case ev.ExitCode != nil:
			fmt.Fprintf(&b, "+++ exited with %d +++", *ev.ExitCode)
		case ev.CoreDumped:
			fmt.Fprintf(&b, "+++ killed by %s (core dumped) +++", ev.Signal)
		default:
			fmt.Fprintf(&b, "+++ killed by %s +++", ev.Signal)
		}
	default:
		group = "kind " + ev.Kind
		fmt.Fprintf(&b, "kind %q", ev.Kind)
	}
	text := addressPattern.ReplaceAllString(b.String(), "0xADDR")
	text = timePattern.ReplaceAllString(text, "$1=T")
	text = inodePattern.ReplaceAllString(text, "$1=ID")
	text = siginfoPidPattern.ReplaceAllString(text, "si_pid=PID")
	text = procPidPattern.ReplaceAllString(text, "/proc/PID/")
	return comparedEvent{group, text}
}

// comparison is how well one trace (got) reproduces another (want).
type comparison struct {
	want, got  int // events in each trace
	reproduced int // events of want found in got (multiset match)
	// missed are want's events that got lacks, extra got's that want lacks.
	missed, extra []comparedEvent
}

// share is the percentage of want's events that got reproduces.
func (c comparison) share() float64 {
	if c.want == 0 {
		return 0
	}
	return 100 * float64(c.reproduced) / float64(c.want)
}

// compareTraces matches the normalised texts of two traces as multisets:
// order is left out, as the eBPF backend orders events of different tasks
// by their completion on different CPUs.
func compareTraces(want, got []comparedEvent) comparison {
	c := comparison{want: len(want), got: len(got)}
	left := map[string]int{}
	for _, ev := range got {
		left[ev.text]++
	}
	for _, ev := range want {
		if left[ev.text] > 0 {
			left[ev.text]--
			c.reproduced++
		} else {
			c.missed = append(c.missed, ev)
		}
	}
	for _, ev := range got {
		if left[ev.text] > 0 {
			left[ev.text]--
			c.extra = append(c.extra, ev)
		}
	}
	return c
}

// difference is one call whose events the eBPF backend did not reproduce:
// how many, and a sample pair (strace's text and the closest eBPF text of
// the same call, "" when eBPF has no unmatched one).
type difference struct {
	group        string
	count        int
	strace, ebpf string
	// programs counts the events by program, in the report's totals.
	programs map[string]int
}

// differences groups the missed events of c by call, most frequent first.
func differences(c comparison) []*difference {
	byGroup := map[string]*difference{}
	extra := map[string][]string{}
	for _, ev := range c.extra {
		extra[ev.group] = append(extra[ev.group], ev.text)
	}
	for _, ev := range c.missed {
		d := byGroup[ev.group]
		if d == nil {
			d = &difference{group: ev.group, strace: ev.text, ebpf: closest(ev.text, extra[ev.group])}
			byGroup[ev.group] = d
		}
		d.count++
	}
	var ds []*difference
	for _, d := range byGroup {
		ds = append(ds, d)
	}
	sortDifferences(ds)
	return ds
}

// sortDifferences orders by count, then name, for a stable report.
func sortDifferences(ds []*difference) {
	sort.Slice(ds, func(i, j int) bool {
		if ds[i].count != ds[j].count {
			return ds[i].count > ds[j].count
		}
		return ds[i].group < ds[j].group
	})
}

// closest returns the candidate sharing the longest prefix with text.
func closest(text string, candidates []string) string {
	best, bestLen := "", -1
	for _, c := range candidates {
		n := 0
		for n < len(c) && n < len(text) && c[n] == text[n] {
			n++
		}
		if n > bestLen {
			best, bestLen = c, n
		}
	}
	return best
}

// compareRun is one traced run of a program.
type compareRun struct {
	events []comparedEvent
	code   int
}

// compareRunner runs the programs of the comparison in the same fresh
// working directory, at the same path, with the same environment and the
// same kind of stdout and stderr, so that a deterministic program makes the
// same calls every time.
type compareRunner struct {
	dir    string // holds work/, the outputs and the traces
	argv   []string
	pipeTo []string // when set, the program's stdout is piped into this, untraced
}

// workDir empties and recreates the working directory.
func (r compareRunner) workDir(t *testing.T) string {
	t.Helper()
	work := filepath.Join(r.dir, "work")
	if err := os.RemoveAll(work); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	return work
}

// run runs argv in a fresh working directory, its stdout and stderr going
// to files named after tag (stdout through r.pipeTo when set), and returns
// its exit status.
func (r compareRunner) run(t *testing.T, tag string, argv ...string) int {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = r.workDir(t)
	stdout, err := os.Create(filepath.Join(r.dir, tag+".stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	stderr, err := os.Create(filepath.Join(r.dir, tag+".stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	var reader *exec.Cmd
	if r.pipeTo != nil {
		reader = exec.Command(r.pipeTo[0], r.pipeTo[1:]...)
		reader.Stdout, reader.Stderr = stdout, stderr
		if cmd.Stdout, err = reader.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		if err := reader.Start(); err != nil {
			t.Fatalf("starting %q: %v", r.pipeTo, err)
		}
	}
	err = cmd.Run()
	if reader != nil {
		cmd.Stdout.(io.Closer).Close()
		if err := reader.Wait(); err != nil {
			t.Fatalf("%q reading the output of %q: %v", r.pipeTo, argv, err)
		}
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %q: %v", argv, err)
	}
	return 0
}

// untraced runs the program once without tracing, which also warms the
// caches it fills on a first run (Python's bytecode, the page cache), and
// returns its exit status.
func (r compareRunner) untraced(t *testing.T) int {
	t.Helper()
	return r.run(t, "untraced", r.argv...)
}

// traced runs the program under stracectl with backend and returns its
// normalised events.
func (r compareRunner) traced(t *testing.T, backend, tag string) compareRun {
	t.Helper()
	trace := filepath.Join(r.dir, tag+".json")
	code := r.run(t, tag, append([]string{stracectlBin, "run", "--backend", backend, "-o", trace, "--"}, r.argv...)...)
	evs, err := readCompareEvents(trace)
	if err != nil {
		stderr, _ := os.ReadFile(filepath.Join(r.dir, tag+".stderr"))
		t.Fatalf("stracectl --backend %s: %v; stderr:\n%s", backend, err, stderr)
	}
	return compareRun{normaliseTrace(evs), code}
}

// resolveCompareArgv skips the test when the program (or the reader of its
// output) is missing from PATH, or a file it reads is missing. python3 is
// replaced by its own interpreter, so that a wrapper (a pyenv shim, a bash
// script running more programs) is not traced in its place; the other
// programs are run by name, as the issue writes them.
func resolveCompareArgv(t *testing.T, p compareProgram) []string {
	t.Helper()
	names := []string{p.argv[0]}
	if p.pipeTo != nil {
		names = append(names, p.pipeTo[0])
	}
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			t.Skipf("%s not found in PATH: %q is left out of the comparison", name, p.String())
		}
	}
	for _, a := range p.argv {
		if strings.HasPrefix(a, "/") {
			if _, err := os.Stat(a); err != nil {
				t.Skipf("%s is missing: %q is left out of the comparison", a, p.String())
			}
		}
	}
	argv := append([]string(nil), p.argv...)
	if argv[0] == "python3" {
		out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
		if err != nil {
			t.Skipf("python3 cannot tell its interpreter: %v", err)
		}
		argv[0] = strings.TrimSpace(string(out))
	}
	return argv
}

// programResult is one row of the report.
type programResult struct {
	name        string
	command     string
	ebpf, self  comparison
	floor       float64
	differences []*difference
	failedFloor bool
	noisy       bool
}

func TestCompareBackends(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: traces six programs three times each; run without -short")
	}
	needStrace(t)
	needEBPF(t)
	var results []*programResult
	for _, p := range comparePrograms {
		t.Run(p.name, func(t *testing.T) {
			argv := resolveCompareArgv(t, p)
			r := compareRunner{dir: t.TempDir(), argv: argv, pipeTo: p.pipeTo}
			code := r.untraced(t)
			a := r.traced(t, "strace", "strace-1")
			a2 := r.traced(t, "strace", "strace-2")
			b := r.traced(t, "ebpf", "ebpf")
			for _, run := range []struct {
				name string
				code int
			}{{"strace", a.code}, {"strace (second run)", a2.code}, {"ebpf", b.code}} {
				if run.code != code {
					t.Errorf("%s: stracectl --backend %s exited %d, the untraced program %d", p, run.name, run.code, code)
				}
			}
			res := &programResult{name: p.name, command: p.String(), floor: p.floor}
			res.self = compareTraces(a.events, a2.events)
			res.ebpf = compareTraces(a.events, b.events)
			res.differences = differences(res.ebpf)
			results = append(results, res)
			t.Logf("%s: eBPF reproduces %d of strace's %d events (%.1f%%, floor %.1f%%, target %.0f%%); a second strace run %.1f%%",
				p, res.ebpf.reproduced, res.ebpf.want, res.ebpf.share(), p.floor, compareTarget, res.self.share())
			for i, d := range res.differences {
				if i == 10 {
					break
				}
				t.Logf("  %5d %s\n        strace: %s\n        ebpf:   %s", d.count, d.group, d.strace, d.ebpf)
			}
			if s := res.self.share(); s < straceSelfAgreement {
				res.noisy = true
				t.Errorf("%s: two strace runs agree on %.1f%% of the events, want ≥ %.0f%%: the normaliser misses run-to-run noise; first differences:\n%s",
					p, s, straceSelfAgreement, sampleMissed(res.self, 5))
			}
			if s := res.ebpf.share(); s < p.floor {
				res.failedFloor = true
				t.Errorf("%s: eBPF reproduces %.1f%% of strace's events, below the floor %.1f%%", p, s, p.floor)
			}
		})
	}
	if path := os.Getenv(compareReportEnv); path != "" && len(results) > 0 {
		if err := os.WriteFile(path, []byte(compareReport(results)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// sampleMissed lists up to n events of want that got lacks, each with the
// closest of got's unmatched ones.
func sampleMissed(c comparison, n int) string {
	var b strings.Builder
	extra := map[string][]string{}
	for _, ev := range c.extra {
		extra[ev.group] = append(extra[ev.group], ev.text)
	}
	for i, ev := range c.missed {
		if i == n {
			break
		}
		fmt.Fprintf(&b, "  first:  %s\n  second: %s\n", ev.text, closest(ev.text, extra[ev.group]))
	}
	return b.String()
}

// compareReport is the table of shares per program and the calls that
// differ most over all programs, each with a sample pair.
func compareReport(results []*programResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s %8s %8s %10s %8s %8s %8s  %s\n", "program", "strace", "ebpf", "reproduced", "share", "floor", "strace2", "command")
	total := map[string]*difference{}
	var want, reproduced int
	for _, r := range results {
		mark := ""
		if r.failedFloor {
			mark = " BELOW FLOOR"
		}
		if r.noisy {
			mark += " NOISY"
		}
		fmt.Fprintf(&b, "%-8s %8d %8d %10d %7.1f%% %7.1f%% %7.1f%%  %s%s\n", r.name, r.ebpf.want, r.ebpf.got, r.ebpf.reproduced,
			r.ebpf.share(), r.floor, r.self.share(), r.command, mark)
		want += r.ebpf.want
		reproduced += r.ebpf.reproduced
		for _, d := range r.differences {
			td := total[d.group]
			if td == nil {
				td = &difference{group: d.group, strace: d.strace, ebpf: d.ebpf, programs: map[string]int{}}
				total[d.group] = td
			}
			td.count += d.count
			td.programs[r.name] += d.count
		}
	}
	if want > 0 {
		fmt.Fprintf(&b, "%-8s %8d %8s %10d %7.1f%%\n", "all", want, "", reproduced, 100*float64(reproduced)/float64(want))
	}
	fmt.Fprintf(&b, "share: strace's events the eBPF backend reproduces (target %.0f%% per program); strace2: those a second strace run reproduces\n", compareTarget)
	var ds []*difference
	for _, d := range total {
		ds = append(ds, d)
	}
	sortDifferences(ds)
	fmt.Fprintf(&b, "\nCalls whose strace text eBPF does not reproduce, most first (count: per program):\n")
	for i, d := range ds {
		if i == 10 {
			var rest []string
			for _, d := range ds[i:] {
				rest = append(rest, fmt.Sprintf("%s %d", d.group, d.count))
			}
			fmt.Fprintf(&b, "and: %s\n", strings.Join(rest, ", "))
			break
		}
		var per []string
		for _, r := range results {
			if n := d.programs[r.name]; n > 0 {
				per = append(per, fmt.Sprintf("%s %d", r.name, n))
			}
		}
		fmt.Fprintf(&b, "%5d %-16s (%s)\n      strace: %s\n      ebpf:   %s\n", d.count, d.group, strings.Join(per, ", "), d.strace, d.ebpf)
	}
	return b.String()
}

func TestNormaliseTrace(t *testing.T) {
	for _, tc := range []struct {
		trace string // strace lines, parsed by stracectl parse
		want  []string
	}{
		{`brk(NULL) = 0x55c2c38bc000`, []string{`brk(NULL) = 0xADDR`}},
		{`mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7fb6f3f84000`,
			[]string{`mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0xADDR`}},
		{`ioctl(0, 0x5401, 0x7ffe3b2c1d40) = -1 ENOTTY (Inappropriate ioctl for device)`,
			[]string{`ioctl(0, 0x5401, 0xADDR) = -1 ENOTTY (Inappropriate ioctl for device)`}},
		{`read(3, "\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\3\0>\0\1\0\0\0\0\0\0\0\0\0\0\0"..., 832) = 832`,
			[]string{`read(3, "\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\3\0>\0\1\0\0\0\0\0\0\0\0\0\0\0"..., 832) = 832`}},
		{`write(1, "26377\n", 6) = 6`, []string{`write(1, "26377\n", 6) = 6`}},
		{`clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f3c9a5b0a10) = 26377`,
			[]string{`clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0xADDR) = PID`}},
		{`clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7f2a1c5ff000, stack_size=0x9000}, 88) = 26380`,
			[]string{`clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0xADDR, stack_size=0x9000}, 88) = PID`}},
		{`wait4(26377, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 26377`,
			[]string{`wait4(PID, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = PID`}},
		{`wait4(-1, 0x7ffc5a1e2b3c, WNOHANG, NULL) = -1 ECHILD (No child processes)`,
			[]string{`wait4(-1, 0xADDR, WNOHANG, NULL) = -1 ECHILD (No child processes)`}},
		{`getppid() = 26370`, []string{`getppid() = PID`}},
		{`set_tid_address(0x7f3c9a5b0a10) = 26377`, []string{`set_tid_address(0xADDR) = PID`}},
		{`kill(26377, SIGTERM) = 0`, []string{`kill(PID, SIGTERM) = 0`}},
		{`kill(0, SIGTERM) = 0`, []string{`kill(0, SIGTERM) = 0`}},
		{`tgkill(26377, 26378, SIGABRT) = 0`, []string{`tgkill(PID, PID, SIGABRT) = 0`}},
		{`--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=26377, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---`,
			[]string{`--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=PID, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---`}},
		{`rt_sigreturn({mask=[]}) = 26377`, []string{`rt_sigreturn({mask=[]}) = RESTORED`}},
		{`openat(AT_FDCWD, "/proc/26377/status", O_RDONLY) = 3`, []string{`openat(AT_FDCWD, "/proc/PID/status", O_RDONLY) = 3`}},
		{`openat(AT_FDCWD, "/proc/self/status", O_RDONLY) = 3`, []string{`openat(AT_FDCWD, "/proc/self/status", O_RDONLY) = 3`}},
		{`getrandom("\x5c\x9a\x1d\x8e\x33\x41\x02\x7b", 8, GRND_NONBLOCK) = 8`, []string{`getrandom(RANDOM, 8, GRND_NONBLOCK) = 8`}},
		{`clock_gettime(CLOCK_MONOTONIC, {tv_sec=1234, tv_nsec=567890}) = 0`, []string{`clock_gettime(CLOCK_MONOTONIC, {tv_sec=T, tv_nsec=T}) = 0`}},
		{`gettimeofday({tv_sec=1733357000, tv_usec=123456}, NULL) = 0`, []string{`gettimeofday({tv_sec=T, tv_usec=T}, NULL) = 0`}},
		{`newfstatat(AT_FDCWD, "a", {st_dev=makedev(0x8, 0x1), st_ino=1234567, st_mode=S_IFREG|0644, st_nlink=1, st_size=5, ...}, 0) = 0`,
			[]string{`newfstatat(AT_FDCWD, "a", {st_dev=ID, st_ino=ID, st_mode=S_IFREG|0644, st_nlink=1, st_size=5, ...}, 0) = 0`}},
		{`statx(AT_FDCWD, "a", AT_STATX_SYNC_AS_STAT, STATX_ALL, {stx_mask=STATX_BASIC_STATS, stx_ino=98765, stx_dev_major=8, stx_dev_minor=1, stx_size=5, ...}) = 0`,
			[]string{`statx(AT_FDCWD, "a", AT_STATX_SYNC_AS_STAT, STATX_ALL, {stx_mask=STATX_BASIC_STATS, stx_ino=ID, stx_dev_major=ID, stx_dev_minor=ID, stx_size=5, ...}) = 0`}},
		{`sysinfo({uptime=846, loads=[155488, 153952, 90464], totalram=25276194816, freeram=23169093632, sharedram=10465280, bufferram=14897152, totalswap=0, freeswap=0, procs=166, totalhigh=0, freehigh=0, mem_unit=1}) = 0`,
			[]string{`sysinfo({uptime=N, loads=[N, N, N], totalram=N, freeram=N, sharedram=N, bufferram=N, totalswap=N, freeswap=N, procs=N, totalhigh=N, freehigh=N, mem_unit=N}) = 0`}},
		{"openat(AT_FDCWD, \"/w/.git/tTCvYxw\", O_RDWR|O_CREAT|O_EXCL, 0600) = 3\nunlink(\"/w/.git/tTCvYxw\") = 0\nopenat(AT_FDCWD, \"/w/.git/config.lock\", O_RDWR|O_CREAT|O_EXCL, 0666) = 3",
			[]string{`openat(AT_FDCWD, "/w/.git/MKSTEMP", O_RDWR|O_CREAT|O_EXCL, 0600) = 3`, `unlink("/w/.git/MKSTEMP") = 0`,
				`openat(AT_FDCWD, "/w/.git/config.lock", O_RDWR|O_CREAT|O_EXCL, 0666) = 3`}},
		{"exit_group(0) = ?\n+++ exited with 0 +++", []string{`exit_group(0) = ?`, `+++ exited with 0 +++`}},
		{"+++ killed by SIGKILL +++", []string{`+++ killed by SIGKILL +++`}},
		{"+++ killed by SIGSEGV (core dumped) +++", []string{`+++ killed by SIGSEGV (core dumped) +++`}},
	} {
		t.Run(tc.trace, func(t *testing.T) {
			res := runStracectl(t, []byte(tc.trace+"\n"), "parse")
			if res.code != 0 {
				t.Fatalf("stracectl parse exited %d: %s", res.code, res.stderr)
			}
			evs, err := decodeEventLines("stracectl parse", res.stdout)
			if err != nil {
				t.Fatal(err)
			}
			got := normaliseTrace(evs)
			if len(got) != len(tc.want) {
				t.Fatalf("%d events, want %d: %q", len(got), len(tc.want), got)
			}
			for i, ev := range got {
				if ev.text != tc.want[i] {
					t.Errorf("event %d normalised to\n%s\nwant\n%s", i+1, ev.text, tc.want[i])
				}
			}
		})
	}
}

func TestCompareTracesMatchesMultisets(t *testing.T) {
	events := func(texts ...string) []comparedEvent {
		evs := make([]comparedEvent, len(texts))
		for i, s := range texts {
			evs[i] = comparedEvent{group: strings.SplitN(s, "(", 2)[0], text: s}
		}
		return evs
	}
	c := compareTraces(events("close(3) = 0", "close(3) = 0", "read(3, 0xADDR, 1) = 1", "getpid() = PID"),
		events("getpid() = PID", "close(3) = 0", `read(3, "x", 1) = 1`, `read(3, "y", 1) = 1`))
	if c.want != 4 || c.got != 4 || c.reproduced != 2 || c.share() != 50 {
		t.Errorf("want %d got %d reproduced %d share %.1f; want 4, 4, 2 and 50%%", c.want, c.got, c.reproduced, c.share())
	}
	if len(c.missed) != 2 || c.missed[0].text != "close(3) = 0" || c.missed[1].text != "read(3, 0xADDR, 1) = 1" {
		t.Errorf("missed %q, want the second close and the read", c.missed)
	}
	if len(c.extra) != 2 {
		t.Errorf("extra %q, want both reads of the second trace", c.extra)
	}
	ds := differences(c)
	if len(ds) != 2 || ds[0].group != "close" || ds[0].ebpf != "" || ds[1].group != "read" || ds[1].ebpf != `read(3, "x", 1) = 1` {
		t.Errorf("differences %+v: want close (no counterpart) then read paired with its closest text", ds)
	}
}
