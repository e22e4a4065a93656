package profile

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stracectl/stracectl/parse"
)

// runOf is one run: calls of name, each "name" or "name:ERRNO", with a
// duration drawn by dur (none when dur is nil).
func runOf(dur func() int64, calls ...string) *Profile {
	var evs []parse.Event
	for _, c := range calls {
		name, errno, _ := strings.Cut(c, ":")
		d := int64(-1)
		if dur != nil {
			d = dur()
		}
		evs = append(evs, syscallEvent(1, name, errno, d))
	}
	return profileOf(BySyscall, evs)
}

// repeat returns n copies of call.
func repeat(call string, n int) []string { return slices.Repeat([]string{call}, n) }

// TestMergeBands merges three runs: counts add up, and each count's band
// spans the runs, a run without the syscall or the errno counting 0.
func TestMergeBands(t *testing.T) {
	runs := []*Profile{
		runOf(nil, slices.Concat(repeat("openat", 10), repeat("openat:ENOENT", 2), repeat("read", 5))...),
		runOf(nil, slices.Concat(repeat("openat", 12), repeat("read", 5), repeat("write", 1))...),
		runOf(nil, slices.Concat(repeat("openat", 9), repeat("openat:ENOENT", 4), repeat("read", 5))...),
	}
	m := Merge(BySyscall, runs...)
	if m.Runs() != 3 {
		t.Fatalf("runs %d", m.Runs())
	}
	band := func(lo, hi int64) *Band { return &Band{lo, hi} }
	want := map[string]Row{
		"openat": {Calls: 37, Errors: 6, Runs: 3, CallsPerRun: band(12, 13), ErrorsPerRun: band(0, 4),
			Errnos: map[string]int64{"ENOENT": 6}, ErrnosPerRun: map[string]Band{"ENOENT": {0, 4}}},
		"read":  {Calls: 15, Runs: 3, CallsPerRun: band(5, 5), ErrorsPerRun: band(0, 0), Errnos: map[string]int64{}, ErrnosPerRun: map[string]Band{}},
		"write": {Calls: 1, Runs: 3, CallsPerRun: band(0, 1), ErrorsPerRun: band(0, 0), Errnos: map[string]int64{}, ErrnosPerRun: map[string]Band{}},
	}
	rows := m.Rows()
	if len(rows) != len(want) {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		w := want[r.Name()]
		w.Syscall = r.Syscall
		if !reflect.DeepEqual(r, w) {
			t.Errorf("%s:\n got %+v\nwant %+v", r.Name(), r, w)
		}
	}
	// Merging merged profiles is merging their runs.
	again := Merge(BySyscall, Merge(BySyscall, runs[0], runs[1]), runs[2])
	if !reflect.DeepEqual(again.Rows(), rows) {
		t.Errorf("merging in two steps differs:\n%+v\n%+v", again.Rows(), rows)
	}
}

// TestMergeExactPercentiles: the percentiles of merged runs are those of
// one profile of all their calls, whether the runs are merged as they are
// or read back from their written rows, on either side of the 64 values
// kept exactly.
func TestMergeExactPercentiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, sizes := range [][]int{{3, 4}, {30, 40}, {64, 1}, {100, 3}, {1000, 2000, 50}} {
		var runs []*Profile
		all := New(BySyscall)
		for _, n := range sizes {
			run := New(BySyscall)
			for range n {
				ev := syscallEvent(1, "read", "", rng.Int64N(3_000_000))
				run.Add(&ev)
				all.Add(&ev)
			}
			runs = append(runs, run)
		}
		var recorded []*Profile
		for _, run := range runs {
			var b bytes.Buffer
			if err := WriteJSON(&b, run.Rows()); err != nil {
				t.Fatal(err)
			}
			rows, err := readRows(b.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			p, err := FromRows(rows)
			if err != nil {
				t.Fatalf("%v: %v", sizes, err)
			}
			recorded = append(recorded, p)
		}
		want := *all.Rows()[0].Latency
		for name, m := range map[string]*Profile{"merged": Merge(BySyscall, runs...), "merged from rows": Merge(BySyscall, recorded...)} {
			if got := *m.Rows()[0].Latency; got != want {
				t.Errorf("%v %s: latency %+v, one profile of all calls %+v", sizes, name, got, want)
			}
		}
	}
}

// TestFromRowsRoundTrip writes a merged profile and reads it back.
func TestFromRowsRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	dur := func() int64 { return rng.Int64N(1_000_000) }
	m := Merge(BySyscall, runOf(dur, slices.Concat(repeat("read", 100), repeat("openat:EACCES", 3))...),
		runOf(dur, slices.Concat(repeat("read", 80), repeat("close", 2))...))
	var b bytes.Buffer
	if err := WriteJSON(&b, m.Rows()); err != nil {
		t.Fatal(err)
	}
	rows, err := readRows(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	p, err := FromRows(rows)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Rows(), m.Rows()) || p.Runs() != 2 {
		t.Errorf("read back:\n%+v\nwritten:\n%+v", p.Rows(), m.Rows())
	}
}

func TestFromRowsRejects(t *testing.T) {
	tests := []struct{ name, in, err string }{
		{"latency without histogram",
			`{"syscall":"read","calls":1,"errors":0,"total_ns":5,"avg_ns":5,"min_ns":5,"p50_ns":5,"p95_ns":5,"p99_ns":5,"max_ns":5}`,
			`latency without "histogram_ns"`},
		{"histogram disagrees with p95",
			`{"syscall":"read","calls":2,"errors":0,"total_ns":10,"avg_ns":5,"min_ns":4,"p50_ns":4,"p95_ns":5,"p99_ns":6,"max_ns":6,"histogram_ns":[[4,1],[6,1]]}`,
			"latency fields disagree"},
		{"more durations than calls",
			`{"syscall":"read","calls":1,"errors":0,"total_ns":10,"avg_ns":5,"min_ns":4,"p50_ns":4,"p95_ns":6,"p99_ns":6,"max_ns":6,"histogram_ns":[[4,1],[6,1]]}`,
			"2 durations for 1 calls"},
		{"not a bucket",
			`{"syscall":"read","calls":65,"errors":0,"total_ns":65000,"avg_ns":1000,"min_ns":1000,"p50_ns":1000,"p95_ns":1000,"p99_ns":1000,"max_ns":1000,"histogram_ns":[[1001,65]]}`,
			"disagrees with min_ns"},
		{"rows of different runs",
			`{"syscall":"read","calls":2,"errors":0,"runs":2,"calls_per_run":[1,1],"errors_per_run":[0,0]}` + "\n" + `{"syscall":"write","calls":1,"errors":0}`,
			"a row of 1 runs among rows of 2"},
		{"calls outside the band",
			`{"syscall":"read","calls":9,"errors":0,"runs":2,"calls_per_run":[1,2],"errors_per_run":[0,0]}`,
			"outside 2 runs"},
		{"errno without band",
			`{"syscall":"read","calls":2,"errors":1,"runs":2,"calls_per_run":[1,1],"errors_per_run":[0,1],"errnos":{"EINTR":1}}`,
			"name different keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd := NewReader(strings.NewReader(tt.in+"\n"), parse.Options{})
			readAll(rd)
			if st := rd.LineCount(); st.Problems != 0 {
				t.Fatalf("the reader refused the row: %v", st.First)
			}
			_, err := FromRows(rd.Rows())
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("got %v, want %q", err, tt.err)
			}
		})
	}
}

// TestRowRejectsBadRuns: the reader refuses per-run fields that do not go
// together, as a problem with the line's position.
func TestRowRejectsBadRuns(t *testing.T) {
	for _, in := range []string{
		`{"syscall":"read","calls":2,"errors":0,"runs":1,"calls_per_run":[1,1],"errors_per_run":[0,0]}`,
		`{"syscall":"read","calls":2,"errors":0,"runs":2}`,
		`{"syscall":"read","calls":2,"errors":0,"runs":2,"calls_per_run":[2,1],"errors_per_run":[0,0]}`,
		`{"syscall":"read","calls":2,"errors":0,"errnos_per_run":{"EINTR":[0,1]}}`,
		`{"syscall":"read","calls":2,"errors":0,"histogram_ns":[[1,1]]}`,
	} {
		rd := NewReader(strings.NewReader(in+"\n"), parse.Options{})
		readAll(rd)
		if st := rd.LineCount(); st.Problems != 1 || len(rd.Rows()) != 0 {
			t.Errorf("%s: %d problems, %d rows", in, st.Problems, len(rd.Rows()))
		}
	}
}

// TestPrintManyRuns shows the calls per run in the table and the CSV.
func TestPrintManyRuns(t *testing.T) {
	m := Merge(BySyscall, runOf(nil, slices.Concat(repeat("read", 3), repeat("write", 1))...), runOf(nil, repeat("read", 5)...))
	var b bytes.Buffer
	if err := m.Print(&b, SortName, Table); err != nil {
		t.Fatal(err)
	}
	want := `calls calls/run errors syscall errnos
----- --------- ------ ------- ------
    8      3..5        read
    1      0..1        write
----- --------- ------ ------- ------
    9                  total
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := m.Print(&b, SortName, CSV); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "syscall,calls,errors,total_ns,avg_ns,min_ns,p50_ns,p95_ns,p99_ns,max_ns,errnos,runs,min_calls,max_calls\nread,8,0,,,,,,,,{},2,3,5\n") {
		t.Errorf("CSV:\n%s", b.String())
	}
}

// TestWriteOutput replaces a file at once, keeps its mode, leaves nothing
// beside it, writes nothing when the writer fails, and follows a symbolic
// link to the file it names.
func TestWriteOutput(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "base.json")
	if err := os.WriteFile(path, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("base.json", link); err != nil {
		t.Fatal(err)
	}
	if err := WriteOutput(link, func(w io.Writer) error { _, err := io.WriteString(w, "new\n"); return err }); err != nil {
		t.Fatal(err)
	}
	if err := WriteOutput(path, func(w io.Writer) error { io.WriteString(w, "partial"); return errors.New("input failed") }); err == nil {
		t.Error("a failed write succeeded")
	}
	got, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	entries, _ := os.ReadDir(dir)
	if lfi, err := os.Lstat(link); string(got) != "new\n" || fi.Mode().Perm() != 0o600 || len(entries) != 2 || err != nil || lfi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("content %q, mode %v, %d entries, link %v %v", got, fi.Mode(), len(entries), lfi, err)
	}
}
