package main

// End-to-end tests of `stracectl parse` and `stracectl schema`: the real
// binary, real strace captures from ../shared/corpus, real pipes.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func TestParseInputs(t *testing.T) {
	trace := corpusTrace(t, "cat-services-T")
	data, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	fromStdin := runStracectl(t, data, "parse")
	if fromStdin.code != 0 || len(fromStdin.stderr) != 0 {
		t.Fatalf("exit %d, stderr %q", fromStdin.code, fromStdin.stderr)
	}
	if n := len(decodeEvents(t, fromStdin.stdout)); n != 131 {
		t.Errorf("%d events, want 131", n)
	}
	for _, args := range [][]string{{"parse", trace}, {"parse", "-"}, {"parse", "--json"}, {"parse", "--format", "json"}} {
		got := runStracectl(t, data, args...)
		if got.code != 0 || !bytes.Equal(got.stdout, fromStdin.stdout) {
			t.Errorf("%v: exit %d, output differs from `parse < FILE`", args, got.code)
		}
	}
	twice := runStracectl(t, nil, "parse", trace, trace)
	if !bytes.Equal(twice.stdout, append(append([]byte(nil), fromStdin.stdout...), fromStdin.stdout...)) {
		t.Errorf("two files: not the events of each in turn")
	}
}

func TestParseOutputFile(t *testing.T) {
	trace := corpusTrace(t, "ls-nonexistent-fails-r")
	want := runStracectl(t, nil, "parse", trace).stdout
	out := filepath.Join(t.TempDir(), "events.jsonl")
	got := runStracectl(t, nil, "parse", "-o", out, trace)
	if got.code != 0 || len(got.stdout) != 0 || len(got.stderr) != 0 {
		t.Fatalf("exit %d, stdout %d bytes, stderr %q; want 0, nothing, nothing", got.code, len(got.stdout), got.stderr)
	}
	if written, _ := os.ReadFile(out); !bytes.Equal(written, want) {
		t.Errorf("-o FILE holds %d bytes, stdout would have %d", len(written), len(want))
	}
	bad := runStracectl(t, nil, "parse", "-o", filepath.Join(t.TempDir(), "no", "such", "dir"), trace)
	if bad.code != 1 || !strings.HasPrefix(string(bad.stderr), "stracectl: cannot write events: ") {
		t.Errorf("unwritable -o: exit %d, stderr %q", bad.code, bad.stderr)
	}
}

func TestParseCSV(t *testing.T) {
	trace := corpusTrace(t, "cat-services-T")
	csvOut := runStracectl(t, nil, "parse", "--csv", trace)
	if csvOut.code != 0 {
		t.Fatalf("exit %d: %s", csvOut.code, csvOut.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(string(csvOut.stdout), "\n"), "\n")
	if lines[0] != "kind,time,rel,pid,tgid,comm,syscall,args,ret,retval,errno,errmsg,note,duration_ns,signal,siginfo,exit_code,core_dumped,secontext" || len(lines) != 132 {
		t.Errorf("header %q and %d rows; want the documented header and 131 rows", lines[0], len(lines)-1)
	}
	if f := runStracectl(t, nil, "parse", "--format", "csv", trace); !bytes.Equal(f.stdout, csvOut.stdout) {
		t.Error("--format csv differs from --csv")
	}
	raw := runStracectl(t, nil, "parse", "--csv", "--raw", trace)
	if !strings.HasPrefix(string(raw.stdout), lines[0]+",raw\n") {
		t.Errorf("--csv --raw header: %q", strings.SplitN(string(raw.stdout), "\n", 2)[0])
	}
}

// TestParseUsageErrors: a mistake on the command line is status 2, with
// the message on stderr and nothing on stdout (it carries only events).
func TestParseUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"parse", "--csv", "--json"},
		{"parse", "--format", "xml"},
		{"parse", "--format", "json", "--csv"},
		{"parse", "--no-such-flag"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			got := runStracectl(t, []byte("getpid() = 1\n"), args...)
			if got.code != 2 || len(got.stdout) != 0 || !strings.Contains(string(got.stderr), "stracectl: ") {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing, a message", got.code, got.stdout, got.stderr)
			}
		})
	}
	missing := runStracectl(t, nil, "parse", "/no/such/trace")
	if missing.code != 1 || !strings.Contains(string(missing.stderr), "cannot read input: open /no/such/trace: no such file or directory") {
		t.Errorf("missing file: exit %d, stderr %q", missing.code, missing.stderr)
	}
}

func TestParseRaw(t *testing.T) {
	in := "4251  read(0,  <unfinished ...>\n4251  <... read resumed>\"x\", 1) = 1\n4251  +++ exited with 0 +++\n"
	got := runStracectl(t, []byte(in), "parse", "--raw")
	events := decodeEvents(t, got.stdout)
	if len(events) != 2 || orEmpty(events[0].Raw) != "4251  read(0,  <unfinished ...>\n4251  <... read resumed>\"x\", 1) = 1" || orEmpty(events[1].Raw) != "4251  +++ exited with 0 +++" {
		t.Errorf("raw fields: %+v", events)
	}
	if plain := decodeEvents(t, runStracectl(t, []byte(in), "parse").stdout); plain[0].Raw != nil {
		t.Errorf("raw without --raw: %+v", plain[0])
	}
}

// TestParseNotUnderstood: lines that are not strace's are counted in one
// message at the end; --strict makes them an error; --debug prints each.
func TestParseNotUnderstood(t *testing.T) {
	in := []byte("getpid() = 1\nhello world\n4251  write(1, \"x\", 1) = 1\n(gdb) run\n+++ exited with 0 +++\n")
	summary := regexp.MustCompile(`^stracectl: 2 of 5 lines not understood \(first: line 2: [a-z ]+: "hello world"\)\n$`)

	got := runStracectl(t, in, "parse")
	if got.code != 0 || len(decodeEvents(t, got.stdout)) != 3 || !summary.Match(got.stderr) {
		t.Errorf("exit %d, %d events, stderr %q; want 0, 3, the summary line", got.code, len(decodeEvents(t, got.stdout)), got.stderr)
	}
	strict := runStracectl(t, in, "parse", "--strict")
	if strict.code != 1 || len(decodeEvents(t, strict.stdout)) != 3 || !summary.Match(strict.stderr) {
		t.Errorf("--strict: exit %d, stderr %q; want 1 and the summary line", strict.code, strict.stderr)
	}
	clean := runStracectl(t, []byte("getpid() = 1\n"), "parse", "--strict")
	if clean.code != 0 || len(clean.stderr) != 0 {
		t.Errorf("--strict on a clean trace: exit %d, stderr %q", clean.code, clean.stderr)
	}
	debug := runStracectl(t, in, "--debug", "parse")
	lines := strings.Split(strings.TrimSuffix(string(debug.stderr), "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "stracectl: line 2: ") || !strings.HasSuffix(lines[0], `: "hello world"`) ||
		!strings.HasPrefix(lines[1], "stracectl: line 4: ") || !strings.HasSuffix(lines[1], `: "(gdb) run"`) || !summary.MatchString(lines[2]+"\n") {
		t.Errorf("--debug stderr:\n%s", debug.stderr)
	}

	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.trace"), filepath.Join(dir, "b.trace")
	os.WriteFile(a, []byte("getpid() = 1\n"), 0o644)
	os.WriteFile(b, in, 0o644)
	two := runStracectl(t, nil, "parse", a, b)
	want := regexp.MustCompile(`^stracectl: 2 of 6 lines not understood \(first: ` + regexp.QuoteMeta(b) + `: line 2: [a-z ]+: "hello world"\)\n$`)
	if !want.Match(two.stderr) {
		t.Errorf("two files: stderr %q; want the file named", two.stderr)
	}
}

// TestParseClosedStdout: `stracectl parse | head -1` ends quietly, status 0.
func TestParseClosedStdout(t *testing.T) {
	data, err := os.ReadFile(corpusTrace(t, "ls-la-usrbin"))
	if err != nil {
		t.Fatal(err)
	}
	input := bytes.Repeat(data, 20) // 20 MB: far more than a pipe holds
	for _, format := range []string{"--json", "--csv"} {
		t.Run(format, func(t *testing.T) {
			cmd := exec.Command(stracectlBin, "parse", format)
			cmd.Stdin = bytes.NewReader(input)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
				t.Fatal(err)
			}
			stdout.Close() // what head does after its line
			err = cmd.Wait()
			if err != nil || stderr.Len() != 0 {
				t.Errorf("after stdout closed: %v, stderr %q; want status 0 and silence", err, stderr.Bytes())
			}
		})
	}
}

// TestParseLive: events of a line written into a pipe that stays open
// come out while it stays open (within about LiveFlush, 100 ms), not when
// the input ends.
func TestParseLive(t *testing.T) {
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(stracectlBin, "parse")
	cmd.Stdin = inR
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inR.Close()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for i, in := range []string{"4251  getpid() = 4251\n", "4251  read(0,  <unfinished ...>\n4251  <... read resumed>\"x\", 1) = 1\n"} {
		start := time.Now()
		if _, err := io.WriteString(inW, in); err != nil {
			t.Fatal(err)
		}
		// The pipe stays open: the event can only come from the live flush
		// (after about LiveFlush), never from the end of the input. The
		// timer guards against a hang, it measures nothing.
		select {
		case line := <-lines:
			t.Logf("event %d after %v: %s", i, time.Since(start).Round(time.Millisecond), line)
		case <-time.After(time.Minute):
			t.Fatalf("no event a minute after writing line %d while the pipe stays open", i)
		}
	}
	inW.Close()
	if _, open := <-lines; open {
		t.Error("more output than the two events")
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("after the input ended: %v", err)
	}
}

func TestVersion(t *testing.T) {
	got := runStracectl(t, nil, "--version")
	if got.code != 0 || !regexp.MustCompile(`^\S+\n$`).Match(got.stdout) {
		t.Errorf("exit %d, stdout %q; want 0 and one word", got.code, got.stdout)
	}
}

// TestSchema: `stracectl schema` prints a valid JSON Schema, and every
// event parse writes for the corpus, with and without --raw, is valid
// under it; the fields it requires are the ones parse always writes.
func TestSchema(t *testing.T) {
	slow(t)
	got := runStracectl(t, nil, "schema")
	if got.code != 0 || !json.Valid(got.stdout) {
		t.Fatalf("exit %d, output valid JSON: %v", got.code, json.Valid(got.stdout))
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(got.stdout))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("event.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("event.schema.json")
	if err != nil {
		t.Fatalf("not a valid JSON Schema: %v", err)
	}
	var declared struct {
		Properties map[string]any `json:"properties"`
	}
	json.Unmarshal(got.stdout, &declared)

	traces := append(corpusTraces(t), "testdata/strace-Y-f-T.trace") // -Y: comm
	always := map[string][]string{
		"syscall": {"kind", "pid", "syscall", "args", "ret", "retval", "errno"},
		"signal":  {"kind", "pid", "signal"},
		"exit":    {"kind", "pid", "core_dumped"},
	}
	seen := map[string]bool{}
	for _, trace := range traces {
		for _, raw := range []bool{false, true} {
			args := []string{"parse", trace}
			if raw {
				args = append(args, "--raw")
			}
			out := runStracectl(t, nil, args...)
			for _, line := range bytes.Split(bytes.TrimSuffix(out.stdout, []byte("\n")), []byte("\n")) {
				inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
				if err != nil {
					t.Fatalf("%s: %v: %q", trace, err, line)
				}
				if err := schema.Validate(inst); err != nil {
					t.Fatalf("%s: event not valid under the schema: %v\n%s", trace, err, line)
				}
				ev := inst.(map[string]any)
				for k := range ev {
					seen[k] = true
					if declared.Properties[k] == nil {
						t.Fatalf("%s: field %q is not in the schema: %s", trace, k, line)
					}
				}
				for _, k := range always[ev["kind"].(string)] {
					if _, ok := ev[k]; !ok {
						t.Fatalf("%s: %s event without %q: %s", trace, ev["kind"], k, line)
					}
				}
			}
		}
	}
	for _, k := range []string{"time", "rel", "comm", "errmsg", "note", "duration_ns", "siginfo", "exit_code", "raw"} {
		if !seen[k] {
			t.Errorf("the corpus never produced field %q: the test does not cover it", k)
		}
	}
}

// TestParseStraceStderrCapture: a real strace -f -C run, written to the
// same pipe as the traced program's output (2>&1): "[pid N]" prefixes that
// come and go, program text inside strace lines, calls split across
// threads and forks. The events parse makes of it count exactly what
// strace's own summary counted.
func TestParseStraceStderrCapture(t *testing.T) {
	workload := needWorkload(t)
	straceBin := needStrace(t)
	for run := 1; run <= 3; run++ {
		cmd := exec.Command(straceBin, "-f", "-C", "-T", "--", workload,
			"say=hello from the workload", "getppid=50", "openat=20", "write=10", "fork=3", "threads=4")
		var capture bytes.Buffer
		cmd.Stdout, cmd.Stderr = &capture, &capture
		if err := cmd.Run(); err != nil {
			t.Fatalf("strace: %v\n%s", err, capture.Bytes())
		}
		wantCalls, wantErrors, ok := straceTable(capture.Bytes())
		if !ok {
			t.Fatalf("run %d: no strace -c table in the capture", run)
		}
		got := runStracectl(t, capture.Bytes(), "parse")
		calls, errs := countCalls(decodeEvents(t, got.stdout))
		if fmt.Sprint(calls) != fmt.Sprint(wantCalls) || fmt.Sprint(errs) != fmt.Sprint(wantErrors) {
			t.Errorf("run %d: calls %v\nerrors %v\nstrace counted calls %v\nerrors %v\nstderr: %s", run, calls, errs, wantCalls, wantErrors, got.stderr)
		}
		if calls["getppid"] != 50*(1+3+4) || errs["openat"] < 20 {
			t.Errorf("run %d: %d getppid, %d failed openat; the workload makes 400 and at least 20", run, calls["getppid"], errs["openat"])
		}
	}
}

// TestParseFormsInputs: strace -ff files give their pid from the file
// name, and a strace -c table is said to be a profile, not events.
func TestParseFormsInputs(t *testing.T) {
	ff, _ := filepath.Glob("testdata/forms/ff/*")
	if len(ff) == 0 {
		t.Fatal("no -ff captures in testdata/forms/ff")
	}
	res := runStracectl(t, nil, append([]string{"parse"}, ff...)...)
	for _, ev := range decodeEvents(t, res.stdout) {
		if ev.Pid == 0 {
			t.Fatalf("an event of a -ff file has pid 0: %+v", ev)
		}
	}
	res = runStracectl(t, nil, "parse", "testdata/forms/summary-c.trace")
	if res.code != 0 || len(res.stdout) != 0 || !bytes.Contains(res.stderr, []byte("strace -c summary table(s): a profile, not events")) {
		t.Errorf("a strace -c table: exit %d, stdout %q, stderr %q; want 0, no events and the notice", res.code, res.stdout, res.stderr)
	}
}
