//go:build linux

package main

// run --summary end to end: its profile against strace -f -c's own table
// of the same programs, on both backends; the eBPF backend's kernel counts
// exact when the ring buffer loses records; and the ends of tasks never
// lost to a flood of calls.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// summaryRow is a row of run --summary --json, as the tests read it.
type summaryRow struct {
	Syscall    string         `json:"syscall"`
	Calls      int            `json:"calls"`
	Errors     int            `json:"errors"`
	Unfinished int            `json:"unfinished"`
	Errnos     map[string]int `json:"errnos"`
	MinNs      *int64         `json:"min_ns"`
	P50Ns      *int64         `json:"p50_ns"`
	MaxNs      *int64         `json:"max_ns"`
	Histogram  [][2]int64     `json:"histogram_ns"`
}

// summaryRows decodes the rows of run --summary --json, by syscall.
func summaryRows(t *testing.T, out []byte) map[string]summaryRow {
	t.Helper()
	rows := map[string]summaryRow{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var r summaryRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.Syscall == "" {
			t.Fatalf("not a profile row: %q (%v)", sc.Bytes(), err)
		}
		rows[r.Syscall] = r
	}
	return rows
}

// straceCounts runs argv under strace -f -c and returns its table's calls
// and errors per syscall, without exit and exit_group: they never return,
// and stats (by the corpus's counting rule) counts them as unfinished,
// not as calls.
func straceCounts(t *testing.T, argv ...string) (calls, errors map[string]int) {
	t.Helper()
	calls, errors = straceSummary(t, argv...)
	for _, m := range []map[string]int{calls, errors} {
		delete(m, "exit")
		delete(m, "exit_group")
	}
	return calls, errors
}

func TestSummaryCountsAsStraceC(t *testing.T) {
	workload := needWorkload(t)
	dir := t.TempDir()
	for _, name := range []string{"a", "b", "c"} {
		os.WriteFile(filepath.Join(dir, name), []byte(name), 0o644)
	}
	programs := []struct {
		name string
		argv []string
	}{
		{"ls -la DIR", []string{"ls", "-la", dir}},
		{"sh -c ls DIR; cat DIR/a DIR/missing", []string{"sh", "-c", "ls " + dir + " >/dev/null; cat " + dir + "/a " + dir + "/missing 2>/dev/null; true"}},
		{"workload getppid=500 openat=7 write=5 fork=3", []string{workload, "getppid=500", "openat=7", "write=5", "fork=3"}},
	}
	forEachBackend(t, func(t *testing.T, backend string) {
		for _, p := range programs {
			argv := p.argv
			t.Run(p.name, func(t *testing.T) {
				wantCalls, wantErrors := straceCounts(t, argv...)
				res := runStracectl(t, nil, append([]string{"run", "--backend", backend, "--summary", "--json"}, argv...)...)
				if res.code != 0 {
					t.Fatalf("exit status %d; stderr:\n%s", res.code, res.stderr)
				}
				rows := summaryRows(t, res.stdout)
				for name, n := range wantCalls {
					if rows[name].Calls != n || rows[name].Errors != wantErrors[name] {
						t.Errorf("%s: %d calls %d errors; strace -f -c counted %d and %d", name, rows[name].Calls, rows[name].Errors, n, wantErrors[name])
					}
				}
				for name, r := range rows {
					if _, ok := wantCalls[name]; !ok && r.Calls > 0 {
						t.Errorf("%s: %d calls that strace -f -c did not see", name, r.Calls)
					}
				}
			})
		}
	})
}

func TestSummaryTableByDefault(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		workload := needWorkload(t)
		res := runStracectl(t, nil, "run", "--backend", backend, "-c", "--sort", "calls", workload, "getppid=300", "openat=4", "say=hello")
		if res.code != 0 {
			t.Fatalf("exit status %d; stderr:\n%s", res.code, res.stderr)
		}
		lines := strings.Split(string(res.stdout), "\n")
		if len(lines) < 4 || !strings.HasPrefix(lines[0], "% time") || !strings.HasSuffix(strings.Fields(lines[2])[len(strings.Fields(lines[2]))-1], "getppid") {
			t.Fatalf("want strace -c's table, getppid first (--sort calls); got:\n%s", res.stdout)
		}
		if f := strings.Fields(lines[2]); f[3] != "300" {
			t.Errorf("getppid row %q: want 300 calls", lines[2])
		}
		if !strings.Contains(string(res.stderr), "hello") {
			t.Errorf("the command's stdout goes to stderr, beside the profile; stderr:\n%s", res.stderr)
		}
	})
}

// lostEventsRE finds the loss that run reports on stderr.
var lostEventsRE = regexp.MustCompile(`stracectl: (\d+) events lost`)

func TestSummaryExactWhenRecordsWouldBeLost(t *testing.T) {
	needEBPF(t)
	workload := needWorkload(t)
	const calls, missing = 200000, 50
	args := []string{"--backend", "ebpf", "--buffer-size", "4096", workload, fmt.Sprintf("getppid=%d", calls), fmt.Sprintf("openat=%d", missing)}
	// The same run streaming events loses most of them...
	streamed := runStracectl(t, nil, append([]string{"run", "-o", os.DevNull}, args...)...)
	if !lostEventsRE.Match(streamed.stderr) || !bytes.Contains(streamed.stderr, []byte("run --summary counts every call")) {
		t.Errorf("streaming at 4 KiB lost nothing, or did not say that stats would undercount; stderr:\n%s", streamed.stderr)
	}
	// ...and --summary writes no call records: it counts them all.
	res := runStracectl(t, nil, append([]string{"run", "--summary", "--json"}, args...)...)
	if res.code != 0 || len(res.stderr) != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", res.code, res.stderr)
	}
	rows := summaryRows(t, res.stdout)
	if r := rows["getppid"]; r.Calls != calls || r.Errors != 0 {
		t.Errorf("getppid: %d calls %d errors, want %d and 0", r.Calls, r.Errors, calls)
	}
	open := rows["openat"]
	if open.Errors < missing || open.Errnos["ENOENT"] != open.Errors {
		t.Errorf("openat: %d errors, errnos %v; want at least the workload's %d, all ENOENT", open.Errors, open.Errnos, missing)
	}
	if r := rows["exit_group"]; r.Unfinished != 1 || r.Calls != 0 {
		t.Errorf("exit_group: %d calls %d unfinished; want 0 and 1 (it never returns)", r.Calls, r.Unfinished)
	}
	// The kernel's durations: min <= p50 <= max, and the histogram holds
	// every call, its ends the exact min and max.
	r := rows["getppid"]
	if r.MinNs == nil || r.P50Ns == nil || r.MaxNs == nil || *r.MinNs > *r.P50Ns || *r.P50Ns > *r.MaxNs {
		t.Fatalf("getppid latency min %v p50 %v max %v", r.MinNs, r.P50Ns, r.MaxNs)
	}
	var n int64
	for _, p := range r.Histogram {
		n += p[1]
	}
	if n != calls || r.Histogram[0][0] > *r.MinNs || r.Histogram[len(r.Histogram)-1][0] > *r.MaxNs {
		t.Errorf("histogram of %d calls from %d to %d; want %d calls within min %d and max %d", n, r.Histogram[0][0], r.Histogram[len(r.Histogram)-1][0], calls, *r.MinNs, *r.MaxNs)
	}
}

func TestSummaryFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--sort", "calls", "true"}, "--sort orders the rows of --summary: add --summary"},
		{[]string{"run", "-c", "--sort", "speed", "true"}, "--sort speed: order by calls, errors, total, p95 or name"},
		{[]string{"run", "-c", "--raw", "true"}, "--raw adds strace's lines to events, and --summary writes none"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			res := runStracectl(t, nil, tc.args...)
			if res.code != 2 || !strings.Contains(string(res.stderr), tc.want) || len(res.stdout) != 0 {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing, %q", res.code, res.stdout, res.stderr, tc.want)
			}
		})
	}
}

func TestEBPFExitsNeverLost(t *testing.T) {
	needEBPF(t)
	workload := needWorkload(t)
	const threads, forks = 30, 60
	// Every task makes 20000 calls at a 64 KiB ring buffer: most call
	// records are lost, and the end of each task must arrive all the same
	// (the 60 children end at about the same time, while the reader gets
	// a share of the CPU among 60 busy processes: a quarter of the ring,
	// 113 exit records, is kept for them).
	res := runStracectl(t, nil, "run", "--backend", "ebpf", "--buffer-size", "64K", workload,
		"getppid=20000", "threads="+strconv.Itoa(threads), "fork="+strconv.Itoa(forks))
	if res.code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", res.code, res.stderr)
	}
	if !lostEventsRE.Match(res.stderr) {
		t.Fatalf("no call record was lost at 64 KiB: the test needs a flood; stderr:\n%s", res.stderr)
	}
	exits := map[int64]bool{}
	for _, ev := range decodeEvents(t, res.stdout) {
		if ev.Kind == "exit" {
			exits[ev.Pid] = true
		}
	}
	if want := 1 + threads + forks; len(exits) != want {
		t.Errorf("%d tasks ended, want %d: the workload, its %d threads and %d children; stderr:\n%s", len(exits), want, threads, forks, res.stderr)
	}
}
