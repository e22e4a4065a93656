package profile

import (
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stracectl/stracectl/emit"
	"github.com/stracectl/stracectl/parse"
)

// rowsOf builds a profile by syscall from "name calls errors [ERRNO:n...]"
// specs; p95 (ns) is set when given as "p95=N".
func rowsOf(specs ...string) []Row {
	var rows []Row
	for _, s := range specs {
		f := strings.Fields(s)
		r := row(BySyscall, f[0], atoi(f[1]), atoi(f[2]), nil, map[string]int64{})
		for _, x := range f[3:] {
			k, v, _ := strings.Cut(x, ":")
			if p95, ok := strings.CutPrefix(x, "p95="); ok {
				r.Latency = &Latency{P95Ns: atoi(p95)}
				continue
			}
			r.Errnos[k] = atoi(v)
		}
		rows = append(rows, r)
	}
	return rows
}

func atoi(s string) int64 {
	var v int64
	for _, c := range s {
		v = 10*v + int64(c-'0')
	}
	return v
}

// defaultDiff is what stracectl diff gates by default: more than 10% and
// more than 5.
func defaultDiff() DiffOptions { return DiffOptions{TolerancePct: 10, MinDelta: 5} }

func TestDiff(t *testing.T) {
	base := rowsOf("openat 100 10 ENOENT:10", "read 50 0", "futex 3 0", "close 90 0")
	tests := []struct {
		name        string
		old, new    []Row
		opts        func(*DiffOptions)
		regressions []string
		changes     []string // syscall metric old new regression why
	}{
		{name: "identical", old: base, new: base},
		{name: "+400 openat calls",
			old: base, new: rowsOf("openat 500 10 ENOENT:10", "read 50 0", "futex 3 0", "close 90 0"),
			regressions: []string{"openat"},
			changes:     []string{"openat calls 100 500 fail changed by more than 10% and more than 5"}},
		{name: "vanished syscall warns",
			old: base, new: rowsOf("openat 100 10 ENOENT:10", "futex 3 0", "close 90 0"),
			changes: []string{"read calls 50 - warn vanished"}},
		{name: "new syscall",
			old: base, new: rowsOf("openat 100 10 ENOENT:10", "read 50 0", "futex 3 0", "close 90 0", "getrandom 1 0"),
			regressions: []string{"getrandom"},
			changes:     []string{"getrandom calls - 1 fail new syscall"}},
		{name: "new errno fails even for one call",
			old: base, new: rowsOf("openat 100 11 ENOENT:10 EACCES:1", "read 50 0", "futex 3 0", "close 90 0"),
			regressions: []string{"openat"},
			changes: []string{
				"openat errors 10 11 ok within tolerance",
				"openat EACCES - 1 fail new errno",
			}},
		{name: "more than 10% but not more than 5 calls",
			old: base, new: rowsOf("openat 100 10 ENOENT:10", "read 50 0", "futex 8 0", "close 90 0"),
			changes: []string{"futex calls 3 8 ok within tolerance"}},
		{name: "more than 5 calls but not more than 10%",
			old: base, new: rowsOf("openat 100 10 ENOENT:10", "read 50 0", "futex 3 0", "close 99 0"),
			changes: []string{"close calls 90 99 ok within tolerance"}},
		{name: "fewer calls beyond tolerance",
			old: base, new: rowsOf("openat 100 10 ENOENT:10", "read 50 0", "futex 3 0", "close 70 0"),
			regressions: []string{"close"},
			changes:     []string{"close calls 90 70 fail changed by more than 10% and more than 5"}},
		{name: "errors grow, calls do not",
			old: base, new: rowsOf("openat 100 40 ENOENT:40", "read 50 0", "futex 3 0", "close 90 0"),
			regressions: []string{"openat"},
			changes: []string{
				"openat errors 10 40 fail changed by more than 10% and more than 5",
				"openat ENOENT 10 40 fail changed by more than 10% and more than 5",
			}},
		{name: "--ignore suppresses",
			old: base, new: rowsOf("openat 500 10 ENOENT:10", "futex 3 0", "close 90 0", "getrandom 1 0"),
			opts: func(o *DiffOptions) { o.Ignore = []string{"openat", "read", "getrandom"} }},
		{name: "--only compares those alone",
			old: base, new: rowsOf("openat 500 10 ENOENT:10", "futex 3 0", "close 91 0"),
			opts:    func(o *DiffOptions) { o.Only = []string{"close", "futex"} },
			changes: []string{"close calls 90 91 ok within tolerance"}},
		{name: "--tolerance and --min-delta loosen",
			old: base, new: rowsOf("openat 140 10 ENOENT:10", "read 50 0", "futex 3 0", "close 90 0"),
			opts:    func(o *DiffOptions) { o.TolerancePct, o.MinDelta = 50, 100 },
			changes: []string{"openat calls 100 140 ok within tolerance"}},
		{name: "--min-delta 0 --tolerance 0 catch any change",
			old: base, new: rowsOf("openat 100 10 ENOENT:10", "read 50 0", "futex 4 0", "close 90 0"),
			opts:        func(o *DiffOptions) { o.TolerancePct, o.MinDelta = 0, 0 },
			regressions: []string{"futex"},
			changes:     []string{"futex calls 3 4 fail changed by more than 0% and more than 0"}},
		{name: "--latency gates p95 growth",
			old:         rowsOf("read 50 0 p95=10000", "write 50 0 p95=10000", "close 5 0 p95=1000"),
			new:         rowsOf("read 50 0 p95=13000", "write 50 0 p95=11000", "close 5 0 p95=500"),
			opts:        func(o *DiffOptions) { o.GateLatency, o.LatencyPct = true, 20 },
			regressions: []string{"read"},
			changes: []string{
				"close p95_ns 1000 500 ok p95 faster by more than 20%",
				"read p95_ns 10000 13000 fail p95 slower by more than 20%",
			}},
		{name: "latency is not gated without --latency",
			old: rowsOf("read 50 0 p95=10000"), new: rowsOf("read 50 0 p95=90000")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := defaultDiff()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			rep := Diff(tt.old, tt.new, opts)
			if got := rep.Regressions(); !slices.Equal(got, tt.regressions) {
				t.Errorf("regressions %v, want %v", got, tt.regressions)
			}
			var got []string
			for _, c := range rep.Changes {
				what := c.Metric
				if c.Metric == MetricErrno {
					what = c.Errno
				}
				got = append(got, strings.Join([]string{c.Syscall, what, optional(c.Old, c.HasOld), optional(c.New, c.HasNew),
					string(c.Verdict), c.Why}, " "))
			}
			if !slices.Equal(got, tt.changes) {
				t.Errorf("changes:\n got %q\nwant %q", got, tt.changes)
			}
		})
	}
}

func optional(v int64, ok bool) string {
	if !ok {
		return "-"
	}
	return itoa(v)
}

func TestDiffReportText(t *testing.T) {
	rep := Diff(rowsOf("openat 32 13 ENOENT:13", "futex 3 0", "mmap 23 0"),
		rowsOf("openat 432 413 ENOENT:413", "futex 4 0", "clone3 2 0"), defaultDiff())
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `syscall metric old new          change verdict
------- ------ --- --- --------------- ----------------------------------------------------
clone3  calls    -   2              +2 REGRESSION: new syscall
futex   calls    3   4     +1 (+33.3%) ok: within tolerance
mmap    calls   23   -   -23 (-100.0%) warning: vanished
openat  calls   32 432 +400 (+1250.0%) REGRESSION: changed by more than 10% and more than 5
openat  errors  13 413 +400 (+3076.9%) REGRESSION: changed by more than 10% and more than 5
openat  ENOENT  13 413 +400 (+3076.9%) REGRESSION: changed by more than 10% and more than 5
FAIL: 4 syscalls compared; changed beyond tolerance: clone3, openat; warnings: mmap
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	wantJSON := []string{
		`{"syscall":"clone3","metric":"calls","old":null,"new":2,"delta":2,"pct":null,"regression":true,"why":"new syscall","rule":"new-syscall","verdict":"fail"}`,
		`{"syscall":"futex","metric":"calls","old":3,"new":4,"delta":1,"pct":33.3,"regression":false,"why":"within tolerance","verdict":"ok"}`,
		`{"syscall":"mmap","metric":"calls","old":23,"new":null,"delta":-23,"pct":-100,"regression":false,"why":"vanished","rule":"vanished","verdict":"warn"}`,
	}
	if len(lines) != 6 || !slices.Equal(lines[:3], wantJSON) ||
		lines[5] != `{"syscall":"openat","metric":"errno","errno":"ENOENT","old":13,"new":413,"delta":400,"pct":3076.9,"regression":true,"why":"changed by more than 10% and more than 5","rule":"count","verdict":"fail"}` {
		t.Errorf("JSON:\n%s", b.String())
	}
}

func TestDiffReportNoChange(t *testing.T) {
	rows := rowsOf("read 1 0")
	rep := Diff(rows, rows, defaultDiff())
	var b bytes.Buffer
	rep.WriteText(&b)
	if b.String() != "OK: 1 syscall compared; no change\n" {
		t.Errorf("got %q", b.String())
	}
}

// readRows reads the profile diff compares from in.
func readRows(in []byte) ([]Row, error) {
	rd := NewReader(bytes.NewReader(in), parse.Options{})
	events := New(BySyscall)
	feedAll(rd, events)
	return rd.DiffRows(events)
}

// feedAll adds every event of rd to p, as the pipeline does.
func feedAll(rd parse.Reader, p *Profile) {
	var batch []parse.Event
	for {
		var err error
		batch, err = rd.ReadBatch(batch[:0])
		for i := range batch {
			p.Add(&batch[i])
		}
		if err != nil {
			return
		}
	}
}

// TestReadProfile reads the same capture as strace text, as JSON Lines
// events and as stats --json rows: the three profiles must be equal.
func TestReadProfile(t *testing.T) {
	text := corpusTrace(t, "cat-services-T")
	fromText, err := readRows(text)
	if err != nil {
		t.Fatal(err)
	}
	var events []byte
	p := parse.NewParser(bytes.NewReader(text), parse.Options{})
	for {
		ev, err := p.Next()
		if err != nil {
			break
		}
		events = emit.AppendJSON(events, ev)
	}
	var rows bytes.Buffer
	if err := WriteJSON(&rows, fromText); err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{"events": events, "stats rows": rows.Bytes()} {
		got, err := readRows(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// Zero tolerance, latency gated: any difference is a change.
		rep := Diff(fromText, got, DiffOptions{GateLatency: true})
		if len(rep.Changes) != 0 || len(got) != len(fromText) {
			t.Errorf("%s: profile differs from the text's: %+v", name, rep.Changes)
		}
	}
}

func TestReadProfileRejects(t *testing.T) {
	tests := []struct {
		name, in, err string
	}{
		{"empty", "", "the input is empty"},
		{"garbage", "hello\nworld\n", `no events or stats rows in 2 lines (first: line 1: not a strace line: "hello")`},
		{"rows by pid", `{"pid":1,"calls":1,"errors":0,"errnos":{}}` + "\n", "grouped by pid"},
		{"duplicate rows", `{"syscall":"read","calls":1,"errors":0}` + "\n" + `{"syscall":"read","calls":2,"errors":0}` + "\n", "read has two stats rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readRows([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("got %v, want %q", err, tt.err)
			}
		})
	}
}

// TestReadProfileOnlyUncounted accepts a trace whose calls never completed:
// an empty profile, not an unreadable input.
func TestReadProfileOnlyUncounted(t *testing.T) {
	rows, err := readRows([]byte("exit_group(0) = ?\n+++ exited with 0 +++\n"))
	if err != nil || len(rows) != 1 || rows[0].Name() != "exit_group" || rows[0].Calls != 0 || rows[0].Unfinished != 1 {
		t.Fatalf("got %+v, %v", rows, err)
	}
	if rep := Diff(rows, nil, defaultDiff()); rep.Compared != 0 || len(rep.Changes) != 0 {
		t.Errorf("a row without completed calls was compared: %+v", rep)
	}
}

// TestDiffIgnoresIncidentals rewrites a capture as another run of the same
// program would differ: other pids, other times, other addresses. diff
// must see no change at all.
func TestDiffIgnoresIncidentals(t *testing.T) {
	text := corpusTrace(t, "cp-tree-f-tt")
	pid := regexp.MustCompile(`(?m)^\d+`)
	clock := regexp.MustCompile(`\d\d:\d\d:\d\d\.\d{6}`)
	addr := regexp.MustCompile(`0x[0-9a-f]+`)
	other := pid.ReplaceAllFunc(text, func(b []byte) []byte { return []byte(strconv.Itoa(int(atoi(string(b))) + 1000)) })
	other = clock.ReplaceAll(other, []byte("23:59:59.999999"))
	other = addr.ReplaceAll(other, []byte("0x7ffd00001000"))
	if bytes.Equal(other, text) {
		t.Fatal("the rewrite changed nothing")
	}
	oldRows, err := readRows(text)
	if err != nil {
		t.Fatal(err)
	}
	newRows, err := readRows(other)
	if err != nil {
		t.Fatal(err)
	}
	if rep := Diff(oldRows, newRows, DiffOptions{}); len(rep.Changes) != 0 {
		t.Errorf("changes: %+v", rep.Changes)
	}
}

// bandRows is rowsOf for a profile of runs runs: "name calls lo..hi [ERRNO:n:lo..hi...]",
// errors being the sum of the errnos (each band also that of errors).
func bandRows(runs int64, specs ...string) []Row {
	parseBand := func(s string) Band {
		lo, hi, _ := strings.Cut(s, "..")
		return Band{atoi(lo), atoi(hi)}
	}
	var rows []Row
	for _, s := range specs {
		f := strings.Fields(s)
		r := row(BySyscall, f[0], atoi(f[1]), 0, nil, map[string]int64{})
		calls := parseBand(f[2])
		errs := Band{}
		r.Runs, r.CallsPerRun, r.ErrnosPerRun = runs, &calls, map[string]Band{}
		for _, x := range f[3:] {
			parts := strings.Split(x, ":")
			n, b := atoi(parts[1]), parseBand(parts[2])
			r.Errnos[parts[0]], r.ErrnosPerRun[parts[0]] = n, b
			r.Errors += n
			errs.Min, errs.Max = errs.Min+b.Min, errs.Max+b.Max
		}
		r.ErrorsPerRun = &errs
		rows = append(rows, r)
	}
	return rows
}

func TestDiffBands(t *testing.T) {
	// Three baseline runs: openat 100 to 120 calls, read in every run,
	// write in two of three (flaky), ENOENT in every run, EACCES in one.
	base := bandRows(3, "openat 330 100..120 ENOENT:30:10..10 EACCES:1:0..1", "read 150 50..50", "write 20 0..10")
	tests := []struct {
		name    string
		new     []Row
		opts    func(*DiffOptions)
		changes []string // syscall metric old new verdict why
	}{
		{name: "inside the band", new: rowsOf("openat 105 10 ENOENT:10", "read 50 0", "write 4 0")},
		{name: "within tolerance of the band's end",
			new:     rowsOf("openat 130 10 ENOENT:10", "read 50 0", "write 4 0"),
			changes: []string{"openat calls 120 130 ok within tolerance"}},
		{name: "beyond tolerance above",
			new:     rowsOf("openat 140 10 ENOENT:10", "read 50 0", "write 4 0"),
			changes: []string{"openat calls 120 140 fail changed by more than 10% and more than 5"}},
		{name: "beyond tolerance below",
			new:     rowsOf("openat 80 10 ENOENT:10", "read 50 0", "write 4 0"),
			changes: []string{"openat calls 100 80 fail changed by more than 10% and more than 5"}},
		{name: "a flaky syscall never fails",
			new:     rowsOf("openat 110 10 ENOENT:10", "read 50 0", "write 500 0"),
			changes: []string{"write calls 10 500 ok flaky: absent from some of the 3 baseline runs"}},
		{name: "a flaky syscall may vanish", new: rowsOf("openat 110 10 ENOENT:10", "read 50 0")},
		{name: "an errno seen in some runs is no new errno", new: rowsOf("openat 110 11 ENOENT:10 EACCES:1", "read 50 0")},
		{name: "an errno seen in some runs may grow",
			new:     rowsOf("openat 110 40 ENOENT:10 EACCES:30", "read 50 0"),
			changes: []string{"openat errors 11 40 fail changed by more than 10% and more than 5", "openat EACCES 1 30 ok flaky: absent from some of the 3 baseline runs"}},
		{name: "vanished warns",
			new:     rowsOf("openat 110 10 ENOENT:10"),
			changes: []string{"read calls 50 - warn vanished"}},
		{name: "--vanished fail",
			new:     rowsOf("openat 110 10 ENOENT:10"),
			opts:    func(o *DiffOptions) { o.Policy = Policy{RuleVanished: Fail} },
			changes: []string{"read calls 50 - fail vanished"}},
		{name: "--new-syscall ignore",
			new:     rowsOf("openat 110 10 ENOENT:10", "read 50 0", "mmap 3 0"),
			opts:    func(o *DiffOptions) { o.Policy = Policy{RuleNewSyscall: Ignore} },
			changes: []string{"mmap calls - 3 ignore new syscall"}},
		{name: "--count warn",
			new:     rowsOf("openat 200 10 ENOENT:10", "read 50 0"),
			opts:    func(o *DiffOptions) { o.Policy = Policy{RuleCount: Warn} },
			changes: []string{"openat calls 120 200 warn changed by more than 10% and more than 5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := defaultDiff()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			rep := Diff(base, tt.new, opts)
			var got []string
			for _, c := range rep.Changes {
				got = append(got, strings.Join([]string{c.Syscall, c.metricText(), optional(c.Old, c.HasOld), optional(c.New, c.HasNew),
					string(c.Verdict), c.Why}, " "))
			}
			if !slices.Equal(got, tt.changes) {
				t.Errorf("changes:\n got %q\nwant %q", got, tt.changes)
			}
		})
	}
}

// TestDiffTop judges counts only of the syscalls that make up the most
// calls, and the total.
func TestDiffTop(t *testing.T) {
	base := rowsOf("getppid 900 0", "read 60 0", "openat 30 0", "close 10 0")
	top95 := func(o *DiffOptions) { o.TopPct = 95 }
	tests := []struct {
		name    string
		new     []Row
		changes []string
		top     []string
	}{
		{"a small syscall grows", rowsOf("getppid 900 0", "read 60 0", "openat 30 0", "close 20 0"),
			[]string{"total calls 1000 1010 ok within tolerance"}, []string{"getppid", "read"}},
		{"a top syscall grows", rowsOf("getppid 1000 0", "read 60 0", "openat 30 0", "close 10 0"),
			[]string{"getppid calls 900 1000 fail changed by more than 10% and more than 5", "total calls 1000 1100 ok within tolerance"},
			[]string{"getppid", "read"}},
		{"the total grows", rowsOf("getppid 900 0", "read 60 0", "openat 230 0", "close 10 0"),
			[]string{"total calls 1000 1200 fail changed by more than 10% and more than 5"}, []string{"getppid", "read"}},
		{"new syscalls are judged all the same", rowsOf("getppid 900 0", "read 60 0", "openat 30 0", "close 10 0", "mmap 1 0"),
			[]string{"mmap calls - 1 fail new syscall", "total calls 1000 1001 ok within tolerance"}, []string{"getppid", "read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := defaultDiff()
			top95(&opts)
			rep := Diff(base, tt.new, opts)
			var got []string
			for _, c := range rep.Changes {
				got = append(got, strings.Join([]string{c.Syscall, c.metricText(), optional(c.Old, c.HasOld), optional(c.New, c.HasNew),
					string(c.Verdict), c.Why}, " "))
			}
			if !slices.Equal(got, tt.changes) || !slices.Equal(rep.Top, tt.top) {
				t.Errorf("changes:\n got %q\nwant %q\ntop %v, want %v", got, tt.changes, rep.Top, tt.top)
			}
		})
	}
}

func TestDiffAdvisory(t *testing.T) {
	opts := defaultDiff()
	opts.Advisory = true
	rep := Diff(rowsOf("read 10 0"), rowsOf("read 100 0"), opts)
	var b bytes.Buffer
	rep.WriteText(&b)
	if rep.Failed() || !slices.Equal(rep.Regressions(), []string{"read"}) || !strings.Contains(b.String(), "FAIL (advisory, not failing): 1 syscall compared; changed beyond tolerance: read\n") {
		t.Errorf("failed %t, regressions %v:\n%s", rep.Failed(), rep.Regressions(), b.String())
	}
}

func TestDiffMarkdown(t *testing.T) {
	rep := Diff(bandRows(2, "openat 64 30..34 ENOENT:26:13..13", "mmap 46 23..23", "futex 6 3..3"),
		rowsOf("openat 432 413 ENOENT:413", "futex 4 0", "clone3 2 0"), defaultDiff())
	var b bytes.Buffer
	if err := rep.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	want := "### Syscall profile: FAIL\n\n" +
		"FAIL: 4 syscalls compared (1 run against 2 baseline runs); changed beyond tolerance: clone3, openat; warnings: mmap\n\n" +
		"| syscall | metric | old | new | change | verdict |\n| --- | --- | ---: | ---: | ---: | --- |\n" +
		"| `clone3` | calls | - | 2 | +2 | **REGRESSION:** new syscall |\n" +
		"| `openat` | calls | 30..34 | 432 | +398 (+1170.6%) | **REGRESSION:** changed by more than 10% and more than 5 |\n" +
		"| `openat` | errors | 13 | 413 | +400 (+3076.9%) | **REGRESSION:** changed by more than 10% and more than 5 |\n" +
		"| `openat` | ENOENT | 13 | 413 | +400 (+3076.9%) | **REGRESSION:** changed by more than 10% and more than 5 |\n" +
		"| `mmap` | calls | 23 | - | -23 (-100.0%) | warning: vanished |\n" +
		"| `futex` | calls | 3 | 4 | +1 (+33.3%) | ok: within tolerance |\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	if got := markdownText("a|b\nc"); got != `a\|b c` {
		t.Errorf("markdownText: %q", got)
	}
}

func TestParsePolicy(t *testing.T) {
	p, err := ParsePolicy(strings.NewReader("# severities\nvanished: fail\n\n count = warn  # comment\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Of(RuleVanished) != Fail || p.Of(RuleCount) != Warn || p.Of(RuleNewSyscall) != Fail || p.Of(RuleSlower) != Fail {
		t.Errorf("policy %v", p)
	}
	for in, want := range map[string]string{
		"vanish: fail\n":                   `line 1: unknown rule "vanish" (rules: new-syscall, new-errno, count, vanished, slower)`,
		"\ncount: loud\n":                  `line 2: rule count: unknown severity "loud" (severities: fail, warn, ignore)`,
		"count fail\n":                     `line 1: expected "RULE: SEVERITY": "count fail"`,
		"count: fail\ncount: warn\n":       "line 2: rule count set twice",
		"new-errno: ignore\nslower: x\n\n": `line 2: rule slower: unknown severity "x"`,
	} {
		if _, err := ParsePolicy(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", in, err, want)
		}
	}
}
