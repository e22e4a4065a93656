package main

// End-to-end tests of profiles a team gates on: stats merging runs, diff
// against a baseline of several runs with severities, --top, --advisory,
// --update and --markdown, on captures of the shared corpus and on traces
// of testdata/workload.c taken by the real strace.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// mergedRow is a line of stats --json of several runs, decoded
// independently of package profile.
type mergedRow struct {
	Syscall      string              `json:"syscall"`
	Calls        int64               `json:"calls"`
	Errors       int64               `json:"errors"`
	Unfinished   int64               `json:"unfinished"`
	Runs         int64               `json:"runs"`
	CallsPerRun  *[2]int64           `json:"calls_per_run"`
	ErrorsPerRun *[2]int64           `json:"errors_per_run"`
	TotalNs      *int64              `json:"total_ns"`
	AvgNs        *int64              `json:"avg_ns"`
	MinNs        *int64              `json:"min_ns"`
	P50Ns        *int64              `json:"p50_ns"`
	P95Ns        *int64              `json:"p95_ns"`
	P99Ns        *int64              `json:"p99_ns"`
	MaxNs        *int64              `json:"max_ns"`
	Histogram    [][2]int64          `json:"histogram_ns"`
	Errnos       map[string]int64    `json:"errnos"`
	ErrnosPerRun map[string][2]int64 `json:"errnos_per_run"`
}

// latencyText prints a row's latency fields, for comparing them.
func (r mergedRow) latencyText() string {
	b, _ := json.Marshal([]*int64{r.TotalNs, r.AvgNs, r.MinNs, r.P50Ns, r.P95Ns, r.P99Ns, r.MaxNs})
	return string(b)
}

// decodeMerged decodes stats --json output by syscall.
func decodeMerged(t *testing.T, out []byte) map[string]mergedRow {
	t.Helper()
	rows := map[string]mergedRow{}
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	for {
		var r mergedRow
		if err := dec.Decode(&r); err == io.EOF {
			return rows
		} else if err != nil {
			t.Fatalf("stats --json: %v\n%s", err, out)
		}
		rows[r.Syscall] = r
	}
}

// stracectlOK runs stracectl and fails the test unless it exits 0.
func stracectlOK(t *testing.T, stdin []byte, args ...string) []byte {
	t.Helper()
	res := runStracectl(t, stdin, args...)
	if res.code != 0 {
		t.Fatalf("stracectl %s: exit %d: %s", strings.Join(args, " "), res.code, res.stderr)
	}
	return res.stdout
}

// readOracle reads the counts strace -c gave for a capture.
func readOracle(t *testing.T, trace string) corpusOracle {
	t.Helper()
	b, err := os.ReadFile(strings.TrimSuffix(trace, ".trace") + ".expect.json")
	if err != nil {
		t.Fatal(err)
	}
	var o corpusOracle
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	return o
}

// TestStatsMergesRuns merges two real captures (two runs): the counts and
// bands per run follow strace -c's counts of each; the latency fields are
// those of one profile of both traces' calls together, exactly; merging
// the recorded profiles (stats --json of each) gives the same bytes as
// merging the traces, and so does re-reading the merged profile.
func TestStatsMergesRuns(t *testing.T) {
	a, b := corpusTrace(t, "cat-services-T"), corpusTrace(t, "sort-bigfile-T-s0")
	oa, ob := readOracle(t, a), readOracle(t, b)
	merged := stracectlOK(t, nil, "stats", "--json", a, b)
	rows := decodeMerged(t, merged)

	names := slices.Sorted(maps.Keys(oa.Calls))
	names = slices.Compact(slices.Sorted(slices.Values(append(names, slices.Collect(maps.Keys(ob.Calls))...))))
	for _, name := range names {
		r, ok := rows[name]
		ca, cb := oa.Calls[name], ob.Calls[name]
		ea, eb := oa.Errors[name], ob.Errors[name]
		want := mergedRow{Calls: ca + cb, Errors: ea + eb, Runs: 2,
			CallsPerRun: &[2]int64{min(ca, cb), max(ca, cb)}, ErrorsPerRun: &[2]int64{min(ea, eb), max(ea, eb)}}
		if !ok || r.Calls != want.Calls || r.Errors != want.Errors || r.Runs != 2 || *r.CallsPerRun != *want.CallsPerRun || *r.ErrorsPerRun != *want.ErrorsPerRun {
			t.Errorf("%s: got %+v, want calls %d errors %d runs 2 per run %v %v", name, r, want.Calls, want.Errors, *want.CallsPerRun, *want.ErrorsPerRun)
		}
	}
	if n := len(rows); n < len(names) {
		t.Errorf("%d rows for %d syscalls", n, len(names))
	}

	// Exact percentiles: one run of both traces' calls, through a pipe.
	textA, _ := os.ReadFile(a)
	textB, _ := os.ReadFile(b)
	together := decodeMerged(t, stracectlOK(t, append(textA, textB...), "stats", "--json"))
	bucketed := 0
	for name, r := range rows {
		o := together[name]
		if r.Calls != o.Calls || r.latencyText() != o.latencyText() || !slices.Equal(r.Histogram, o.Histogram) {
			t.Errorf("%s: merged %d calls %s, one profile of all calls %d %s", name, r.Calls, r.latencyText(), o.Calls, o.latencyText())
		}
		var n int64
		for _, p := range r.Histogram {
			n += p[1]
		}
		if n > 64 {
			bucketed++
		}
	}
	if bucketed == 0 {
		t.Error("no syscall has more than 64 durations: the buckets are not tested")
	}

	// Recorded profiles merge as the traces do.
	dir := t.TempDir()
	ja, jb, jab := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json"), filepath.Join(dir, "ab.json")
	stracectlOK(t, nil, "stats", "--json", "-o", ja, a)
	stracectlOK(t, nil, "stats", "--json", "-o", jb, b)
	stracectlOK(t, nil, "stats", "--json", "-o", jab, a, b)
	for _, inputs := range [][]string{{ja, jb}, {ja, b}, {jab}} {
		if got := stracectlOK(t, nil, append([]string{"stats", "--json"}, inputs...)...); !bytes.Equal(got, merged) {
			t.Errorf("stats --json %v differs from merging the traces:\n%s\nwant\n%s", inputs, got, merged)
		}
	}

	// The table shows the calls per run.
	table := string(stracectlOK(t, nil, "stats", "--sort", "name", jab))
	band := fmt.Sprintf(" %d..%d ", min(oa.Calls["write"], ob.Calls["write"]), max(oa.Calls["write"], ob.Calls["write"]))
	if !strings.Contains(table, " calls/run ") || !strings.Contains(table, band) {
		t.Errorf("table lacks the band%s of write:\n%s", band, table)
	}
}

// workloadRuns traces the workload once per argument list, with strace,
// into dir; the files are named name-1.trace, name-2.trace...
func workloadRuns(t *testing.T, dir, name string, runs ...[]string) []string {
	t.Helper()
	var files []string
	for i, args := range runs {
		files = append(files, straceWorkload(t, dir, name+"-"+string(rune('1'+i))+".trace", args...))
	}
	return files
}

// diffCase is one run of diff: its arguments, exit status and what its
// outputs must and must not hold.
type diffCase struct {
	name   string
	args   []string
	code   int
	stdout []string
	stderr []string
	absent []string // in neither output
}

func (tt diffCase) run(t *testing.T) {
	t.Helper()
	res := runStracectl(t, nil, append([]string{"diff"}, tt.args...)...)
	if res.code != tt.code {
		t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", res.code, tt.code, res.stdout, res.stderr)
	}
	for _, s := range tt.stdout {
		if !strings.Contains(string(res.stdout), s) {
			t.Errorf("stdout lacks %q:\n%s", s, res.stdout)
		}
	}
	for _, s := range tt.stderr {
		if !strings.Contains(string(res.stderr), s) {
			t.Errorf("stderr lacks %q:\n%s", s, res.stderr)
		}
	}
	for _, s := range tt.absent {
		if strings.Contains(string(res.stdout)+string(res.stderr), s) {
			t.Errorf("%q in the output:\n%s%s", s, res.stdout, res.stderr)
		}
	}
}

// TestDiffMultiRunBaseline gates runs of the workload on a baseline of
// three runs that differ as flaky tests do: openat 100 to 120 times, and
// write in two runs of three.
func TestDiffMultiRunBaseline(t *testing.T) {
	dir := t.TempDir()
	// The workload opens 2 files of its own, and /dev/null with write=W.
	common := []string{"getppid=20", "fork=2"}
	run := func(extra ...string) []string { return append(slices.Clone(common), extra...) }
	baseRuns := workloadRuns(t, dir, "base", run("openat=100", "write=10"), run("openat=110"), run("openat=120", "write=10"))
	base := filepath.Join(dir, "base.json")
	stracectlOK(t, nil, append([]string{"stats", "--json", "-o", base}, baseRuns...)...)
	runs := workloadRuns(t, dir, "new",
		run("openat=115", "write=10"),        // 1: inside the band
		run("openat=132"),                    // 2: 10% above the band: within tolerance
		run("openat=140", "write=10"),        // 3: beyond tolerance
		run("openat=85"),                     // 4: beyond tolerance below
		run("openat=110", "write=40"),        // 5: the flaky write quadruples
		[]string{"getppid=60", "openat=110"}, // 6: no fork: wait4 and clone vanish
		run("openat=110", "sleep=1"),         // 7: clock_nanosleep is new
	)
	policy := filepath.Join(dir, "syscalls.policy")
	if err := os.WriteFile(policy, []byte("# severities for this baseline\nvanished: fail\nnew-syscall: warn\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []diffCase{
		{"inside the band", []string{base, runs[0]}, 0, []string{"OK: ", "(1 run against 3 baseline runs); no change\n"}, nil, []string{"REGRESSION"}},
		{"within tolerance of the band", []string{base, runs[1]}, 0,
			[]string{"openat  calls  103..123 134  +11 (+8.9%) ok: within tolerance", "openat  ENOENT 100..120 132 +12 (+10.0%) ok: within tolerance"}, nil, []string{"REGRESSION"}},
		{"beyond tolerance above", []string{base, runs[2]}, 1,
			[]string{"openat  calls  103..123 143 +20 (+16.3%) REGRESSION: changed by more than 10% and more than 5"},
			[]string{"syscall profile changed beyond tolerance: openat\n"}, nil},
		{"beyond tolerance below", []string{base, runs[3]}, 1, []string{"openat  calls  103..123  87 -16 (-15.5%) REGRESSION", "openat  ENOENT 100..120  85 -15 (-15.0%) REGRESSION"}, []string{"openat"}, nil},
		{"a flaky syscall never fails", []string{base, runs[4]}, 0,
			[]string{"write   calls  0..10  40 +30 (+300.0%) ok: flaky: absent from some of the 3 baseline runs", "; 1 flaky change\n"}, nil, []string{"REGRESSION"}},
		{"a vanished syscall warns", []string{base, runs[5]}, 0, []string{"wait4           calls    2   -", "warning: vanished", "; warnings: clone, wait4\n"}, nil, []string{"REGRESSION"}},
		{"--vanished fail", []string{"--vanished", "fail", base, runs[5]}, 1, []string{"REGRESSION: vanished"}, []string{"wait4"}, nil},
		{"a new syscall fails", []string{base, runs[6]}, 1, []string{"REGRESSION: new syscall"}, []string{"clock_nanosleep"}, nil},
		{"--new-syscall warn", []string{"--new-syscall", "warn", base, runs[6]}, 0, []string{"warning: new syscall"}, nil, []string{"REGRESSION"}},
		{"a policy file", []string{"--policy", policy, base, runs[6]}, 0, []string{"warning: new syscall"}, nil, []string{"REGRESSION"}},
		{"a policy file for vanished", []string{"--policy", policy, base, runs[5]}, 1, []string{"REGRESSION: vanished"}, nil, nil},
		{"flags override the policy file", []string{"--policy", policy, "--vanished", "ignore", base, runs[5]}, 0, []string{"ignored: vanished"}, nil, []string{"REGRESSION", "warning"}},
		{"--advisory", []string{"--advisory", base, runs[2]}, 0, []string{"REGRESSION: changed", "FAIL (advisory, not failing): "},
			[]string{"stracectl: advisory: syscall profile changed beyond tolerance (not failing): openat"}, nil},
		{"--markdown", []string{"--markdown", base, runs[2]}, 1,
			[]string{"### Syscall profile: FAIL\n\nFAIL: ", "| syscall | metric | old | new | change | verdict |\n| --- |",
				"| `openat` | calls | 103..123 | 143 | +20 (+16.3%) | **REGRESSION:** changed by more than 10% and more than 5 |\n"}, []string{"openat"}, nil},
		{"--json shows the bands", []string{"--json", base, runs[2]}, 1,
			[]string{`{"syscall":"openat","metric":"calls","old":123,"new":143,"delta":20,"pct":16.3,"regression":true,"why":"changed by more than 10% and more than 5","rule":"count","verdict":"fail","old_band":[103,123]}`}, nil, nil},
		{"a bad policy file", []string{"--policy", runs[0], base, runs[0]}, 2, nil, []string{runs[0] + ": line 1: "}, nil},
		{"--markdown and --json", []string{"--markdown", "--json", base, runs[0]}, 2, nil, []string{"--json and --markdown can't be used together"}, nil},
		{"--top out of range", []string{"--top", "120", base, runs[0]}, 2, nil, []string{"--top must be a percentage"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

// TestDiffTop checks only the syscalls making up 95% of the calls, and the
// total, as BitKeeper's strace-cnt.pl does.
func TestDiffTop(t *testing.T) {
	dir := t.TempDir()
	runs := workloadRuns(t, dir, "top", []string{"getppid=2000", "openat=20"}, []string{"getppid=2000", "openat=40"}, []string{"getppid=2600", "openat=20"})
	tests := []diffCase{
		{"without --top a small syscall fails", []string{runs[0], runs[1]}, 1, []string{"REGRESSION"}, []string{"openat"}, nil},
		{"--top 95 leaves it out", []string{"--top", "95", runs[0], runs[1]}, 0,
			[]string{"total   calls", "ok: within tolerance", ", counts of the 1 syscall making up 95% of calls and the total"}, nil, []string{"openat  calls"}},
		{"--top 95 judges the top syscall and the total", []string{"--top", "95", runs[0], runs[2]}, 1,
			[]string{"getppid calls", "total   calls"}, []string{"syscall profile changed beyond tolerance: getppid, total\n"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

// TestDiffUpdate rewrites a baseline with --update: atomically (no file
// left beside it), only a recorded one, and creating a missing one.
func TestDiffUpdate(t *testing.T) {
	dir := t.TempDir()
	runs := workloadRuns(t, dir, "upd", []string{"getppid=20", "openat=100"}, []string{"getppid=20", "openat=300"})
	base := filepath.Join(dir, "base", "syscalls.json")
	os.Mkdir(filepath.Dir(base), 0o755)
	stracectlOK(t, nil, "stats", "--json", "-o", base, runs[0])
	if err := os.Chmod(base, 0o640); err != nil {
		t.Fatal(err)
	}
	diffCase{"the change fails", []string{base, runs[1]}, 1, nil, []string{"openat"}, nil}.run(t)
	diffCase{"--update reports it and rewrites", []string{"--update", base, runs[1]}, 0,
		[]string{"REGRESSION"}, []string{base + " rewritten with the profile of " + runs[1]}, nil}.run(t)
	got, _ := os.ReadFile(base)
	if want := stracectlOK(t, nil, "stats", "--json", "--sort", "name", runs[1]); !bytes.Equal(got, want) {
		t.Errorf("the baseline after --update:\n%s\nwant stats --json --sort name of the new run:\n%s", got, want)
	}
	if fi, err := os.Stat(base); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("the baseline's mode: %v %v", fi.Mode(), err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(base)); len(entries) != 1 {
		t.Errorf("files beside the baseline: %v", entries)
	}
	diffCase{"then it passes", []string{base, runs[1]}, 0, []string{"no change"}, nil, nil}.run(t)

	created := filepath.Join(dir, "base", "new.json")
	diffCase{"--update creates a missing baseline", []string{"--update", created, runs[0]}, 0, []string{"new syscall"}, []string{"rewritten"}, nil}.run(t)
	diffCase{"which then passes", []string{created, runs[0]}, 0, []string{"no change"}, nil, nil}.run(t)

	before, _ := os.ReadFile(runs[0])
	diffCase{"--update refuses to overwrite a trace", []string{"--update", runs[0], runs[1]}, 2, nil,
		[]string{runs[0] + " is a trace, not a recorded profile"}, nil}.run(t)
	if after, _ := os.ReadFile(runs[0]); !bytes.Equal(before, after) {
		t.Error("the trace was changed")
	}
}
