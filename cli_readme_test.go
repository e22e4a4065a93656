package main

// The README's examples work as written: every ```sh block, and every "$ "
// line of a ```console block, runs in order in a directory holding the
// files they name, with stracectl on PATH; the SQLite recipe's queries give
// the answers the events give.

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// readmeBlock is a fenced code block of README.md.
type readmeBlock struct {
	line int // of the opening fence
	lang string
	text string
}

// readmeBlocks returns the fenced blocks of README.md, in order.
func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []readmeBlock
	var cur *readmeBlock
	for i, line := range strings.Split(string(data), "\n") {
		fence, ok := strings.CutPrefix(strings.TrimSpace(line), "```")
		switch {
		case ok && cur == nil:
			cur = &readmeBlock{line: i + 1, lang: fence}
		case ok:
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
	}
	if cur != nil {
		t.Fatalf("README.md: the block opened on line %d is not closed", cur.line)
	}
	return blocks
}

// readmeNotRun are the README's commands that the examples test leaves
// out, each with the reason; each must still be in the README, so that the
// list stays true.
var readmeNotRun = map[string]string{
	"stracectl attach 1234":                              "needs a process the reader chooses; attach is tested by TestAttachSeveralPIDs and others",
	"go build -o stracectl .":                            "TestMain builds the binary under test the same way",
	"install -m 755 stracectl /usr/local/bin/":           "would change the system",
	"go install .":                                       "would write into the GOPATH of whoever runs the tests",
	`gh pr comment "$PR_NUMBER" --body-file syscalls.md`: "posts to GitHub; the report it posts is written by the diff before it",
}

// command is a line of shell without its comment.
func command(line string) string {
	if i := strings.Index(line, " #"); i >= 0 {
		line = line[:i]
	}
	return strings.TrimSpace(line)
}

// script returns the shell a block runs: an sh block whole, the "$ "
// lines of a console block, without the commands of readmeNotRun; seen
// records which of those it met.
func (b readmeBlock) script(seen map[string]bool) string {
	var out strings.Builder
	for line := range strings.Lines(b.text) {
		if b.lang == "console" {
			var ok bool
			if line, ok = strings.CutPrefix(line, "$ "); !ok {
				continue
			}
		}
		if _, skip := readmeNotRun[command(line)]; skip {
			seen[command(line)] = true
			continue
		}
		out.WriteString(line)
	}
	return out.String()
}

// readmeSandbox makes a directory holding what the examples name:
// trace.txt (an strace -f -T -Y capture), events.jsonl, OLD and NEW, a
// Makefile, ./integration-test, testdata/ in a git repository, and bin/
// with stracectl, for PATH.
func readmeSandbox(t *testing.T) (dir, path string) {
	t.Helper()
	for _, tool := range []string{"jq", "make", "git", "sqlite3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found in PATH — install it with: apt install %s", tool, tool)
		}
	}
	needStrace(t)
	dir = t.TempDir()
	trace, err := os.ReadFile("testdata/strace-Y-f-T.trace")
	if err != nil {
		t.Fatal(err)
	}
	events := runStracectl(t, trace, "parse")
	files := map[string]string{
		"trace.txt": string(trace), "OLD": string(trace), "NEW": string(trace), "events.jsonl": string(events.stdout),
		"Makefile":         "all test:\n\t@ls / >/dev/null\n",
		"integration-test": "#!/bin/sh\nls / >/dev/null\ncat /etc/hostname >/dev/null\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, sub := range []string{"bin", "testdata"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(stracectlBin, filepath.Join(dir, "bin", "stracectl")); err != nil {
		t.Fatal(err)
	}
	git := exec.Command("git", "init", "-q")
	git.Dir = dir
	if out, err := git.CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	return dir, filepath.Join(dir, "bin") + ":" + os.Getenv("PATH")
}

// runReadmeScript runs script with bash in dir, with path as PATH, and
// returns its stdout; it fails t when the script fails.
func runReadmeScript(t *testing.T, dir, path string, b readmeBlock, script string) []byte {
	t.Helper()
	cmd := exec.Command("bash", "-e", "-o", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+path)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("README.md line %d: the %s block fails (%v):\n%s\nstderr:\n%s", b.line, b.lang, err, script, stderr.Bytes())
	}
	return stdout.Bytes()
}

// TestREADMEExamples runs every shell example of the README in order, in
// one sandbox, each block failing the test when a command fails.
func TestREADMEExamples(t *testing.T) {
	slow(t)
	dir, path := readmeSandbox(t)
	seen := map[string]bool{}
	ran := 0
	for _, b := range readmeBlocks(t) {
		if b.lang != "sh" && b.lang != "console" {
			continue
		}
		if script := b.script(seen); strings.TrimSpace(script) != "" {
			runReadmeScript(t, dir, path, b, script)
			ran++
		}
	}
	for cmd, why := range readmeNotRun {
		if !seen[cmd] {
			t.Errorf("README.md no longer has %q, which this test leaves out (%s): update readmeNotRun", cmd, why)
		}
	}
	if ran < 6 {
		t.Errorf("only %d blocks of README.md ran: were the fences renamed?", ran)
	}
}

// TestSQLiteRecipe runs the README's SQLite recipe on a capture and checks
// the answers of its two queries against the events: failed calls per
// syscall (retval < 0, most first) and the slowest calls (ORDER BY
// duration_ns), which need the typed columns.
func TestSQLiteRecipe(t *testing.T) {
	dir, path := readmeSandbox(t)
	var recipe *readmeBlock
	for _, b := range readmeBlocks(t) {
		if b.lang == "sh" && strings.Contains(b.text, "sqlite3 trace.db") {
			recipe = &b
		}
	}
	if recipe == nil {
		t.Fatal("README.md has no sh block with the SQLite recipe (sqlite3 trace.db)")
	}
	out := runReadmeScript(t, dir, path, *recipe, recipe.script(map[string]bool{}))

	evs := decodeEvents(t, runStracectl(t, nil, "parse", filepath.Join(dir, "trace.txt")).stdout)
	failed := map[string]int{}
	var durations []int64
	for _, ev := range evs {
		if ev.Retval != nil && *ev.Retval < 0 {
			failed[ev.Syscall]++
		}
		if ev.DurationNs != nil {
			durations = append(durations, *ev.DurationNs)
		}
	}
	var want []string
	for name, n := range failed {
		want = append(want, fmt.Sprintf("%s|%d", name, n))
	}
	slices.SortFunc(want, func(a, b string) int {
		na, _ := strconv.Atoi(a[strings.IndexByte(a, '|')+1:])
		nb, _ := strconv.Atoi(b[strings.IndexByte(b, '|')+1:])
		return cmp.Or(cmp.Compare(nb, na), strings.Compare(a, b))
	})
	slices.SortFunc(durations, func(a, b int64) int { return cmp.Compare(b, a) })
	if len(want) < 3 || len(durations) < 5 {
		t.Fatalf("the capture has %d failing syscalls and %d durations: too few to check the queries", len(want), len(durations))
	}

	var lines []string
	for sc := bufio.NewScanner(bytes.NewReader(out)); sc.Scan(); {
		lines = append(lines, sc.Text())
	}
	if len(lines) != len(want)+5 {
		t.Fatalf("the recipe printed %d lines, want %d (failures per syscall) + 5 (slowest calls):\n%s", len(lines), len(want), out)
	}
	if got := lines[:len(want)]; !slices.Equal(got, want) {
		t.Errorf("failed calls per syscall (retval < 0):\n got %q\nwant %q", got, want)
	}
	for i, line := range lines[len(want):] {
		_, d, _ := strings.Cut(line, "|")
		if d != strconv.FormatInt(durations[i], 10) {
			t.Errorf("slowest call %d: %q, want duration %d (the slowest calls: %v)", i+1, line, durations[i], durations[:5])
		}
	}
}

// TestScriptsRunUsesTheCallersDirectory: scripts/run builds stracectl in
// the checkout but runs it in the caller's directory, so a relative path
// in its arguments is the caller's.
func TestScriptsRunUsesTheCallersDirectory(t *testing.T) {
	slow(t)
	needStrace(t) // else scripts/run would install it
	script, err := filepath.Abs("scripts/run")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mine.trace"), []byte("getpid() = 42\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(script, "parse", "mine.trace")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("scripts/run parse mine.trace, from %s: %v\n%s", dir, err, stderr.Bytes())
	}
	if evs := decodeEvents(t, out); len(evs) != 1 || evs[0].Syscall != "getpid" || *evs[0].Ret != "42" {
		t.Errorf("events %+v, want the getpid of mine.trace", evs)
	}
}
