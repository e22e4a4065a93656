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
			changes:     []string{"openat calls 100 500 true changed by more than 10% and more than 5"}},
		{name: "vanished syscall",
			old: base, new: rowsOf("openat 100 10 ENOENT:10", "futex 3 0", "close 90 0"),
			regressions: []string{"read"},
			changes:     []string{"read calls 50 - true vanished"}},
		{name: "new syscall",
			old: base, new: rowsOf("openat 100 10 ENOENT:10", "read 50 0", "futex 3 0", "close 90 0", "getrandom 1 0"),
			regressions: []string{"getrandom"},
			changes:     []string{"getrandom calls - 1 true new syscall"}},
		{name: "new errno fails even for one call",
			old: base, new: rowsOf("openat 100 11 ENOENT:10 EACCES:1", "read 50 0", "futex 3 0", "close 90 0"),
			regressions: []string{"openat"},
			changes: []string{
				"openat errors 10 11 false within tolerance",
				"openat EACCES - 1 true new errno",
			}},
		{name: "more than 10% but not more than 5 calls",
			old: base, new: rowsOf("openat 100 10 ENOENT:10", "read 50 0", "futex 8 0", "close 90 0"),
			changes: []string{"futex calls 3 8 false within tolerance"}},
		{name: "more than 5 calls but not more than 10%",
			old: base, new: rowsOf("openat 100 10 ENOENT:10", "read 50 0", "futex 3 0", "close 99 0"),
			changes: []string{"close calls 90 99 false within tolerance"}},
		{name: "fewer calls beyond tolerance",
			old: base, new: rowsOf("openat 100 10 ENOENT:10", "read 50 0", "futex 3 0", "close 70 0"),
			regressions: []string{"close"},
			changes:     []string{"close calls 90 70 true changed by more than 10% and more than 5"}},
		{name: "errors grow, calls do not",
			old: base, new: rowsOf("openat 100 40 ENOENT:40", "read 50 0", "futex 3 0", "close 90 0"),
			regressions: []string{"openat"},
			changes: []string{
				"openat errors 10 40 true changed by more than 10% and more than 5",
				"openat ENOENT 10 40 true changed by more than 10% and more than 5",
			}},
		{name: "--ignore suppresses",
			old: base, new: rowsOf("openat 500 10 ENOENT:10", "futex 3 0", "close 90 0", "getrandom 1 0"),
			opts: func(o *DiffOptions) { o.Ignore = []string{"openat", "read", "getrandom"} }},
		{name: "--only compares those alone",
			old: base, new: rowsOf("openat 500 10 ENOENT:10", "futex 3 0", "close 91 0"),
			opts:    func(o *DiffOptions) { o.Only = []string{"close", "futex"} },
			changes: []string{"close calls 90 91 false within tolerance"}},
		{name: "--tolerance and --min-delta loosen",
			old: base, new: rowsOf("openat 140 10 ENOENT:10", "read 50 0", "futex 3 0", "close 90 0"),
			opts:    func(o *DiffOptions) { o.TolerancePct, o.MinDelta = 50, 100 },
			changes: []string{"openat calls 100 140 false within tolerance"}},
		{name: "--min-delta 0 --tolerance 0 catch any change",
			old: base, new: rowsOf("openat 100 10 ENOENT:10", "read 50 0", "futex 4 0", "close 90 0"),
			opts:        func(o *DiffOptions) { o.TolerancePct, o.MinDelta = 0, 0 },
			regressions: []string{"futex"},
			changes:     []string{"futex calls 3 4 true changed by more than 0% and more than 0"}},
		{name: "--latency gates p95 growth",
			old:         rowsOf("read 50 0 p95=10000", "write 50 0 p95=10000", "close 5 0 p95=1000"),
			new:         rowsOf("read 50 0 p95=13000", "write 50 0 p95=11000", "close 5 0 p95=500"),
			opts:        func(o *DiffOptions) { o.GateLatency, o.LatencyPct = true, 20 },
			regressions: []string{"read"},
			changes: []string{
				"close p95_ns 1000 500 false p95 faster by more than 20%",
				"read p95_ns 10000 13000 true p95 slower by more than 20%",
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
					boolText(c.Regression), c.Why}, " "))
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

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
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
mmap    calls   23   -   -23 (-100.0%) REGRESSION: vanished
openat  calls   32 432 +400 (+1250.0%) REGRESSION: changed by more than 10% and more than 5
openat  errors  13 413 +400 (+3076.9%) REGRESSION: changed by more than 10% and more than 5
openat  ENOENT  13 413 +400 (+3076.9%) REGRESSION: changed by more than 10% and more than 5
FAIL: 4 syscalls compared; changed beyond tolerance: clone3, mmap, openat
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
		`{"syscall":"clone3","metric":"calls","old":null,"new":2,"delta":2,"pct":null,"regression":true,"why":"new syscall"}`,
		`{"syscall":"futex","metric":"calls","old":3,"new":4,"delta":1,"pct":33.3,"regression":false,"why":"within tolerance"}`,
		`{"syscall":"mmap","metric":"calls","old":23,"new":null,"delta":-23,"pct":-100,"regression":true,"why":"vanished"}`,
	}
	if len(lines) != 6 || !slices.Equal(lines[:3], wantJSON) ||
		lines[5] != `{"syscall":"openat","metric":"errno","errno":"ENOENT","old":13,"new":413,"delta":400,"pct":3076.9,"regression":true,"why":"changed by more than 10% and more than 5"}` {
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
	if err != nil || len(rows) != 0 {
		t.Errorf("got %v, %v", rows, err)
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
