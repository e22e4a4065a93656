package main

// End-to-end tests drive the real binary: TestMain builds stracectl once,
// and the C workload in testdata/workload.c when gcc is present, into a
// temporary directory shared by every test of this package. This file
// holds what the tests share: running the binary, skipping where a tool or
// the corpus is missing, decoding its events, reading strace -c's table,
// terminals and /proc.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// corpusDir holds real strace captures, each with strace -c's counts of the
// same run as an oracle (see its README.md). It lives in ../shared beside
// the checkout; a plain clone has none, and the tests that need it skip.
const corpusDir = "../shared/corpus"

var (
	// stracectlBin is the binary under test.
	stracectlBin string
	// workloadBin is testdata/workload.c compiled; "" when gcc is missing.
	workloadBin string
	// workloadSkip says why workloadBin is missing.
	workloadSkip string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "stracectl-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	stracectlBin = filepath.Join(dir, "stracectl")
	if out, err := exec.Command("go", "build", "-o", stracectlBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building stracectl: %v\n%s", err, out)
		os.Exit(1)
	}
	if gcc, err := exec.LookPath("gcc"); err != nil {
		workloadSkip = "gcc not found in PATH — install it with: apt install gcc"
	} else {
		bin := filepath.Join(dir, "workload")
		if out, err := exec.Command(gcc, "-O2", "-pthread", "-o", bin, "testdata/workload.c").CombinedOutput(); err != nil {
			workloadSkip = fmt.Sprintf("compiling testdata/workload.c: %v\n%s", err, out)
		} else {
			workloadBin = bin
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// needWorkload skips the test when the workload could not be built.
func needWorkload(t *testing.T) string {
	t.Helper()
	if workloadBin == "" {
		t.Skip(workloadSkip)
	}
	return workloadBin
}

// needStrace returns the strace binary, or skips the test.
func needStrace(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace not found in PATH — install it with: apt install strace")
	}
	return path
}

// needEBPF skips the test where the eBPF backend cannot load.
func needEBPF(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the eBPF backend needs root: run the tests as root (sudo go test ./...)")
	}
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("the kernel has no BTF (/sys/kernel/btf/vmlinux): the eBPF backend cannot load here")
	}
}

// slow skips a test that takes seconds when the tests run with -short.
func slow(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("slow: runs without -short")
	}
}

// corpusTraces returns every capture of the shared corpus, or skips the
// test in a checkout without ../shared.
func corpusTraces(t *testing.T) []string {
	t.Helper()
	traces, _ := filepath.Glob(filepath.Join(corpusDir, "*.trace"))
	if len(traces) == 0 {
		t.Skipf("no %s beside the checkout: this test needs its captures", corpusDir)
	}
	return traces
}

// corpusTrace returns the path of one capture of the shared corpus, or
// skips the test as corpusTraces does.
func corpusTrace(t *testing.T, name string) string {
	t.Helper()
	corpusTraces(t)
	path := filepath.Join(corpusDir, name+".trace")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the corpus has no %s: %v", name, err)
	}
	return path
}

// result is what one run of stracectl produced.
type result struct {
	stdout, stderr []byte
	code           int
}

// runStracectl runs the binary with stdin and args and waits for it.
func runStracectl(t *testing.T, stdin []byte, args ...string) result {
	t.Helper()
	return runStracectlIn(t, "", stdin, args...)
}

// runStracectlIn is runStracectl in working directory dir.
func runStracectlIn(t *testing.T, dir string, stdin []byte, args ...string) result {
	t.Helper()
	cmd := exec.Command(stracectlBin, args...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running stracectl %v: %v", args, err)
	}
	return result{out.Bytes(), errb.Bytes(), code}
}

// exitCode returns the exit status of a finished command.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

// forEachBackend runs test once per tracing backend that can run here, as
// a subtest named after it: run and attach must behave the same on both.
func forEachBackend(t *testing.T, test func(t *testing.T, backend string)) {
	for _, backend := range []string{"strace", "ebpf"} {
		t.Run(backend, func(t *testing.T) {
			if backend == "strace" {
				needStrace(t)
			} else {
				needEBPF(t)
			}
			test(t, backend)
		})
	}
}

// event is an event line as the tests read it, decoded independently of
// package parse: pointers are null or absent fields.
type event struct {
	Kind       string   `json:"kind"`
	Time       string   `json:"time"`
	Pid        int64    `json:"pid"`
	Tgid       int64    `json:"tgid"`
	Comm       string   `json:"comm"`
	Syscall    string   `json:"syscall"`
	Args       []string `json:"args"`
	Ret        *string  `json:"ret"`
	Retval     *int64   `json:"retval"`
	Errno      string   `json:"errno"`
	Errmsg     string   `json:"errmsg"`
	Note       string   `json:"note"`
	DurationNs *int64   `json:"duration_ns"`
	Signal     string   `json:"signal"`
	Siginfo    string   `json:"siginfo"`
	ExitCode   *int64   `json:"exit_code"`
	CoreDumped bool     `json:"core_dumped"`
	Raw        *string  `json:"raw"`
}

// decodeEvent decodes one line (without its newline) as an event.
func decodeEvent(line []byte) (event, error) {
	var ev event
	if err := json.Unmarshal(line, &ev); err != nil {
		return ev, err
	}
	if ev.Kind != "syscall" && ev.Kind != "signal" && ev.Kind != "exit" {
		return ev, fmt.Errorf("kind %q", ev.Kind)
	}
	return ev, nil
}

// decodeEventLines decodes JSON Lines output that must be events only,
// each line ended by a newline; source names it in errors.
func decodeEventLines(source string, out []byte) ([]event, error) {
	var evs []event
	for line := range bytes.Lines(out) {
		ev, err := decodeEvent(bytes.TrimSuffix(line, []byte("\n")))
		if err == nil && !bytes.HasSuffix(line, []byte("\n")) {
			err = fmt.Errorf("no newline at the end")
		}
		if err != nil {
			return nil, fmt.Errorf("%s: line %d is not an event (%v): %.80q", source, len(evs)+1, err, line)
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

// decodeEvents decodes output that must be events only, failing t if not.
func decodeEvents(t *testing.T, out []byte) []event {
	t.Helper()
	evs, err := decodeEventLines("stdout", out)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// checkTraced says what is wrong with an event of run or attach, which
// always have a pid and an absolute time.
func checkTraced(ev event) error {
	if ev.Pid <= 0 {
		return fmt.Errorf("pid %d", ev.Pid)
	}
	if _, err := time.Parse(time.RFC3339Nano, ev.Time); err != nil {
		return fmt.Errorf("time: %v", err)
	}
	return nil
}

// decodeTrace decodes the output of run or attach, failing t on any line
// that is not such an event.
func decodeTrace(t *testing.T, out []byte) []event {
	t.Helper()
	evs := decodeEvents(t, out)
	for i, ev := range evs {
		if err := checkTraced(ev); err != nil {
			t.Fatalf("line %d is not a traced event (%v): %+v", i+1, err, ev)
		}
	}
	return evs
}

// readUntil reads traced events from sc until one satisfies match and
// returns all read so far; it fails the test when the output ends first.
func readUntil(t *testing.T, sc *bufio.Scanner, match func(event) bool) []event {
	t.Helper()
	var events []event
	for sc.Scan() {
		ev, err := decodeEvent(sc.Bytes())
		if err == nil {
			err = checkTraced(ev)
		}
		if err != nil {
			t.Fatalf("stdout line is not an event (%v): %q", err, sc.Bytes())
		}
		events = append(events, ev)
		if match(ev) {
			return events
		}
	}
	t.Fatalf("output ended before the awaited event; read %d events", len(events))
	return nil
}

// countCalls counts syscall events by name under strace -c's rule: a call
// counts when it failed (errno set) or returned a result that is not "?";
// errors counts the failed ones.
func countCalls(evs []event) (calls, errors map[string]int) {
	calls, errors = map[string]int{}, map[string]int{}
	for _, ev := range evs {
		if ev.Kind != "syscall" || ev.Errno == "" && (ev.Ret == nil || *ev.Ret == "" || (*ev.Ret)[0] == '?') {
			continue
		}
		calls[ev.Syscall]++
		if ev.Errno != "" {
			errors[ev.Syscall]++
		}
	}
	return calls, errors
}

// straceTable reads the calls and errors per syscall from strace -c's
// table ("% time seconds usecs/call calls errors syscall"), wherever it
// stands in text; ok is false when text has none.
func straceTable(text []byte) (calls, errors map[string]int, ok bool) {
	calls, errors = map[string]int{}, map[string]int{}
	in := false
	for line := range strings.Lines(string(text)) {
		f := strings.Fields(line)
		if len(f) > 0 && f[0] == "%" {
			in = true
			continue
		}
		if !in || len(f) < 5 || strings.HasPrefix(f[0], "---") || f[len(f)-1] == "total" {
			continue
		}
		name := f[len(f)-1]
		n, err := strconv.Atoi(f[3])
		if err != nil {
			continue
		}
		calls[name] = n
		if len(f) == 6 {
			errors[name], _ = strconv.Atoi(f[4])
		}
	}
	return calls, errors, len(calls) > 0
}

// syncBuffer is a bytes.Buffer that a test may read while a command
// writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Bytes returns a copy of what was written so far.
func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// waitFor polls until cond holds, or fails the test after 10 s: a guard
// against a hang, not a measure of speed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// procStatus returns a field of /proc/PID/status; "" when it has none.
func procStatus(t *testing.T, pid int, field string) string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// openPTY returns the two ends of a new pseudo-terminal, or skips.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return master, slave
}

// startPiped starts stracectl with args, its stdin and stdout on pipes the
// test holds, its stderr kept; the test waits for it.
func startPiped(t *testing.T, args ...string) (cmd *exec.Cmd, stdin io.WriteCloser, stdout io.ReadCloser, stderr *bytes.Buffer) {
	t.Helper()
	cmd = exec.Command(stracectlBin, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if stdout, err = cmd.StdoutPipe(); err != nil {
		t.Fatal(err)
	}
	stderr = new(bytes.Buffer)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, stdin, stdout, stderr
}
