package profile

import (
	"bytes"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/stracectl/stracectl/parse"
)

// readAll reads rd to its end and returns its events.
func readAll(rd parse.Reader) []parse.Event {
	var evs []parse.Event
	for {
		var err error
		if evs, err = rd.ReadBatch(evs); err != nil {
			return evs
		}
	}
}

func TestReaderRows(t *testing.T) {
	in := `{"syscall":"openat","calls":32,"errors":13,"total_ns":390000,"avg_ns":12187,"min_ns":5000,"p50_ns":10000,"p95_ns":16000,"p99_ns":59000,"max_ns":59000,"errnos":{"ENOENT":13}}
{"syscall":"close","calls":21,"errors":0,"errnos":{}}
{"pid":42,"calls":1,"errors":0,"errnos":{}}
{"syscall":"x","pid":42,"calls":1,"errors":0}
{"syscall":"y","calls":1,"errors":2}
{"kind":"syscall","pid":1,"syscall":"getpid","args":[],"ret":"1","retval":1,"errno":""}
`
	var problems []string
	rd := NewReader(strings.NewReader(in), parse.Options{OnProblem: func(p parse.Problem) { problems = append(problems, p.Error()) }})
	if evs := readAll(rd); len(evs) != 0 {
		t.Errorf("stats rows gave %d events", len(evs))
	}
	want := []Row{
		row(BySyscall, "openat", 32, 13, &Latency{TotalNs: 390000, AvgNs: 12187, MinNs: 5000,
			P50Ns: 10000, P95Ns: 16000, P99Ns: 59000, MaxNs: 59000}, map[string]int64{"ENOENT": 13}),
		row(BySyscall, "close", 21, 0, nil, map[string]int64{}),
	}
	if got := rd.Rows(); !rd.IsProfile() || !reflect.DeepEqual(got, want) {
		t.Errorf("rows\n got %+v\nwant %+v", got, want)
	}
	wantProblems := []string{
		"line 3: a row grouped by pid among rows grouped by syscall",
		`line 4: stats row needs exactly one of "syscall", "pid", "comm", "errno"`,
		"line 5: stats row with errors > calls or negative counts",
		"line 6: an event among stats rows",
	}
	if len(problems) != len(wantProblems) {
		t.Fatalf("problems %q", problems)
	}
	for i, w := range wantProblems {
		if !strings.HasPrefix(problems[i], w) {
			t.Errorf("problem %d: %q, want %q", i, problems[i], w)
		}
	}
}

// TestReaderBadLines feeds one bad line between two events: the bad line
// is reported with its number and a reason, and both events come through.
func TestReaderBadLines(t *testing.T) {
	const good = `{"kind":"syscall","pid":1,"syscall":"getpid","args":[],"ret":"1","retval":1,"errno":""}`
	for _, tt := range []struct{ line, reason string }{
		{`{"syscall":"openat","calls":3,"errors":0,"errnos":{}}`, "a stats row among events"},
		{`{"syscall":"openat","calls":"3"}`, `field "calls" has the wrong type (string)`},
		{`{"pid":1}`, `no "kind" field: neither an event nor a stats row`},
	} {
		t.Run(tt.line, func(t *testing.T) {
			var problems []parse.Problem
			in := good + "\n" + tt.line + "\n" + good + "\n"
			rd := NewReader(strings.NewReader(in), parse.Options{OnProblem: func(p parse.Problem) { problems = append(problems, p) }})
			if evs := readAll(rd); len(evs) != 2 || rd.IsProfile() {
				t.Errorf("got %d events, profile %v; want the 2 events", len(evs), rd.IsProfile())
			}
			if len(problems) != 1 || problems[0].Line != 2 || !strings.Contains(problems[0].Reason, tt.reason) {
				t.Errorf("problems %v, want line 2: %s", problems, tt.reason)
			}
		})
	}
}

// FuzzReader feeds arbitrary input: the reader must not panic, every row
// it keeps must be valid, and rebuilding, merging and printing the profile
// of the rows must not panic either.
func FuzzReader(f *testing.F) {
	f.Add([]byte(`{"syscall":"read","calls":3,"errors":1,"errnos":{"EINTR":1}}` + "\n"))
	f.Add([]byte(`{"errno":"ENOENT","calls":3,"errors":3,"total_ns":5,"syscalls":{"openat":3}}` + "\n" + `{"pid":3,"calls":1,"errors":0}`))
	f.Add([]byte(`{"kind":"exit","pid":1,"signal":"SIGKILL","core_dumped":false}`))
	f.Add([]byte(`{"syscall":"read","calls":4,"errors":1,"runs":2,"calls_per_run":[1,3],"errors_per_run":[0,1],"total_ns":10,"avg_ns":2,"min_ns":1,"p50_ns":2,"p95_ns":4,"p99_ns":4,"max_ns":4,"histogram_ns":[[1,1],[2,2],[4,1]],"errnos":{"EINTR":1},"errnos_per_run":{"EINTR":[0,1]}}` + "\n" +
		`{"syscall":"exit_group","calls":0,"errors":0,"unfinished":2,"runs":2,"calls_per_run":[0,0],"errors_per_run":[0,0]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		rd := NewReader(bytes.NewReader(in), parse.Options{})
		if evs := readAll(rd); len(evs) > 0 && rd.IsProfile() {
			t.Errorf("%d events and %d rows from one input", len(evs), len(rd.Rows()))
		}
		for _, r := range rd.Rows() {
			if r.check() != "" || r.By() != rd.Rows()[0].By() {
				t.Errorf("invalid row %+v", r)
			}
		}
		if !rd.IsProfile() {
			return
		}
		p, err := FromRows(rd.Rows())
		if err != nil {
			return
		}
		m := Merge(p.By(), p, p)
		for _, format := range []Format{Table, JSON, CSV} {
			if err := m.Print(io.Discard, SortP95, format); err != nil {
				t.Error(err)
			}
		}
	})
}
