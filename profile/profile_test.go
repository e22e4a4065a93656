package profile

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stracectl/stracectl/emit"
	"github.com/stracectl/stracectl/parse"
)

// corpus holds real strace captures with an oracle: strace -c's own counts.
const corpus = "../../shared/corpus"

// oracle is the part of NAME.expect.json that a profile must reproduce.
type oracle struct {
	Calls  map[string]int64 `json:"calls"`
	Errors map[string]int64 `json:"errors"`
	Errnos map[string]int64 `json:"errnos"`
}

// corpusTrace returns the text of one capture, or skips as corpusCases.
func corpusTrace(t testing.TB, name string) []byte {
	corpusCases(t)
	text, err := os.ReadFile(filepath.Join(corpus, name+".trace"))
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// corpusCases returns the capture paths and their oracles.
func corpusCases(t testing.TB) map[string]oracle {
	traces, _ := filepath.Glob(filepath.Join(corpus, "*.trace"))
	if len(traces) == 0 {
		t.Skipf("no %s beside the checkout: this test needs its captures", corpus)
	}
	cases := map[string]oracle{}
	for _, tr := range traces {
		b, err := os.ReadFile(strings.TrimSuffix(tr, ".trace") + ".expect.json")
		if err != nil {
			t.Fatal(err)
		}
		var o oracle
		if err := json.Unmarshal(b, &o); err != nil {
			t.Fatal(err)
		}
		cases[tr] = o
	}
	return cases
}

// feed adds every event of rd to p.
func feed(t testing.TB, p *Profile, rd parse.Reader) {
	t.Helper()
	batch := make([]parse.Event, 0, 1024)
	for {
		var err error
		batch, err = rd.ReadBatch(batch[:0])
		for i := range batch {
			p.Add(&batch[i])
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// checkOracle compares a profile by syscall with strace -c's counts.
func checkOracle(t *testing.T, rows []Row, o oracle) {
	t.Helper()
	calls, errs, errnos := map[string]int64{}, map[string]int64{}, map[string]int64{}
	for _, r := range rows {
		if r.Calls == 0 {
			continue // calls that did not complete alone, which strace -c leaves out
		}
		calls[r.Name()] = r.Calls
		if r.Errors > 0 {
			errs[r.Name()] = r.Errors
		}
		for e, n := range r.Errnos {
			errnos[e] += n
		}
	}
	for _, c := range []struct {
		what      string
		got, want map[string]int64
	}{{"calls", calls, o.Calls}, {"errors", errs, o.Errors}, {"errnos", errnos, o.Errnos}} {
		if len(c.want) == 0 && len(c.got) == 0 {
			continue
		}
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s:\n got %v\nwant %v", c.what, c.got, c.want)
		}
	}
}

// TestProfileMatchesOracle counts every capture by syscall, from the strace
// text and from the JSON Lines of its events, and compares calls, errors
// and errnos with what strace -c counted.
func TestProfileMatchesOracle(t *testing.T) {
	for trace, o := range corpusCases(t) {
		t.Run(filepath.Base(trace), func(t *testing.T) {
			text, err := os.ReadFile(trace)
			if err != nil {
				t.Fatal(err)
			}
			fromText := New(BySyscall)
			rd := parse.NewReader(bytes.NewReader(text), parse.Options{}, nil)
			if _, ok := rd.(*parse.Parser); !ok {
				t.Fatalf("NewReader chose %T for strace text", rd)
			}
			feed(t, fromText, rd)
			checkOracle(t, fromText.Rows(), o)

			var jsonl []byte
			p := parse.NewParser(bytes.NewReader(text), parse.Options{})
			for {
				ev, err := p.Next()
				if err != nil {
					break
				}
				jsonl = emit.AppendJSON(jsonl, ev)
			}
			fromJSON := New(BySyscall)
			feed(t, fromJSON, parse.NewReader(bytes.NewReader(jsonl), parse.Options{}, nil))
			if !reflect.DeepEqual(fromJSON.Rows(), fromText.Rows()) {
				t.Errorf("profile from JSON Lines differs from the profile from text")
			}
		})
	}
}

// syscallEvent builds a completed call; errno "" is a success.
func syscallEvent(pid int64, name, errno string, durationNs int64) parse.Event {
	ev := parse.Event{Kind: parse.KindSyscall, Pid: pid, Syscall: name, Returned: true, Ret: "0", Errno: errno}
	if errno != "" {
		ev.Ret = "-1"
	}
	if durationNs >= 0 {
		ev.DurationNs, ev.HasDuration = durationNs, true
	}
	return ev
}

// sample is a small trace with durations: 3 openat (2 ENOENT), 2 read
// (one ERESTARTSYS, which counts), and calls that do not count.
func sample() []parse.Event {
	evs := []parse.Event{
		syscallEvent(10, "openat", "", 3000),
		syscallEvent(10, "openat", "ENOENT", 1000),
		syscallEvent(11, "openat", "ENOENT", 2000),
		syscallEvent(11, "read", "", 50_000),
		syscallEvent(10, "read", "ERESTARTSYS", 150_000),
		{Kind: parse.KindSyscall, Pid: 10, Syscall: "exit_group", Returned: true, Ret: "?"},
		{Kind: parse.KindSyscall, Pid: 11, Syscall: "futex"},
		{Kind: parse.KindSyscall, Pid: 11, Syscall: "syscall_0x3e8", Returned: true, Ret: "0"},
		{Kind: parse.KindSignal, Pid: 10, Signal: "SIGCHLD"},
		{Kind: parse.KindExit, Pid: 10, HasExitCode: true},
	}
	evs[0].Comm, evs[1].Comm, evs[4].Comm = "cat", "cat", "cat"
	return evs
}

func profileOf(by GroupBy, evs []parse.Event) *Profile {
	p := New(by)
	for i := range evs {
		p.Add(&evs[i])
	}
	return p
}

// row builds a row grouped by by; detail is its errnos, or its syscalls
// grouped by errno.
func row(by GroupBy, name string, calls, errors int64, lat *Latency, detail map[string]int64) Row {
	r := newRow(by, name)
	r.Calls, r.Errors, r.Latency = calls, errors, lat
	if by == ByErrno {
		r.Syscalls = detail
	} else {
		r.Errnos = detail
	}
	return r
}

// withHistogram sets the histogram of r: value, count, value, count...
func withHistogram(r Row, pairs ...int64) Row {
	for i := 0; i < len(pairs); i += 2 {
		r.Histogram = append(r.Histogram, [2]int64{pairs[i], pairs[i+1]})
	}
	return r
}

// unfinished is a row of calls that did not complete alone.
func unfinished(by GroupBy, name string, n int64) Row {
	r := row(by, name, 0, 0, nil, map[string]int64{})
	r.Unfinished = n
	return r
}

func TestProfileGroups(t *testing.T) {
	withUnfinished := func(r Row, n int64) Row { r.Unfinished = n; return r }
	tests := []struct {
		by   GroupBy
		want []Row
	}{
		{BySyscall, []Row{
			unfinished(BySyscall, "exit_group", 1),
			unfinished(BySyscall, "futex", 1),
			withHistogram(row(BySyscall, "openat", 3, 2, &Latency{TotalNs: 6000, AvgNs: 2000, MinNs: 1000,
				P50Ns: 2000, P95Ns: 3000, P99Ns: 3000, MaxNs: 3000}, map[string]int64{"ENOENT": 2}), 1000, 1, 2000, 1, 3000, 1),
			withHistogram(row(BySyscall, "read", 2, 1, &Latency{TotalNs: 200_000, AvgNs: 100_000, MinNs: 50_000,
				P50Ns: 50_000, P95Ns: 150_000, P99Ns: 150_000, MaxNs: 150_000}, map[string]int64{"ERESTARTSYS": 1}), 50_000, 1, 150_000, 1),
		}},
		{ByPid, []Row{
			withUnfinished(withHistogram(row(ByPid, "10", 3, 2, &Latency{TotalNs: 154_000, AvgNs: 51_333, MinNs: 1000,
				P50Ns: 3000, P95Ns: 150_000, P99Ns: 150_000, MaxNs: 150_000}, map[string]int64{"ENOENT": 1, "ERESTARTSYS": 1}), 1000, 1, 3000, 1, 150_000, 1), 1),
			withUnfinished(withHistogram(row(ByPid, "11", 2, 1, &Latency{TotalNs: 52_000, AvgNs: 26_000, MinNs: 2000,
				P50Ns: 2000, P95Ns: 50_000, P99Ns: 50_000, MaxNs: 50_000}, map[string]int64{"ENOENT": 1}), 2000, 1, 50_000, 1), 1),
		}},
		{ByComm, []Row{
			withUnfinished(withHistogram(row(ByComm, "", 2, 1, &Latency{TotalNs: 52_000, AvgNs: 26_000, MinNs: 2000,
				P50Ns: 2000, P95Ns: 50_000, P99Ns: 50_000, MaxNs: 50_000}, map[string]int64{"ENOENT": 1}), 2000, 1, 50_000, 1), 2),
			withHistogram(row(ByComm, "cat", 3, 2, &Latency{TotalNs: 154_000, AvgNs: 51_333, MinNs: 1000,
				P50Ns: 3000, P95Ns: 150_000, P99Ns: 150_000, MaxNs: 150_000}, map[string]int64{"ENOENT": 1, "ERESTARTSYS": 1}), 1000, 1, 3000, 1, 150_000, 1),
		}},
		{ByErrno, []Row{
			withHistogram(row(ByErrno, "ENOENT", 2, 2, &Latency{TotalNs: 3000, AvgNs: 1500, MinNs: 1000,
				P50Ns: 1000, P95Ns: 2000, P99Ns: 2000, MaxNs: 2000}, map[string]int64{"openat": 2}), 1000, 1, 2000, 1),
			withHistogram(row(ByErrno, "ERESTARTSYS", 1, 1, &Latency{TotalNs: 150_000, AvgNs: 150_000, MinNs: 150_000,
				P50Ns: 150_000, P95Ns: 150_000, P99Ns: 150_000, MaxNs: 150_000}, map[string]int64{"read": 1}), 150_000, 1),
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.by), func(t *testing.T) {
			got := profileOf(tt.by, sample()).Rows()
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestSortRows(t *testing.T) {
	rows := []Row{
		row(ByPid, "100", 5, 0, &Latency{TotalNs: 10, P95Ns: 9}, nil),
		row(ByPid, "9", 5, 2, &Latency{TotalNs: 30, P95Ns: 1}, nil),
		row(ByPid, "20", 7, 1, &Latency{TotalNs: 20, P95Ns: 5}, nil),
		row(ByPid, "3", 1, 0, &Latency{TotalNs: 20, P95Ns: 5}, nil),
	}
	tests := []struct {
		key  SortKey
		want []string
	}{
		{SortCalls, []string{"20", "9", "100", "3"}},
		{SortErrors, []string{"9", "20", "100", "3"}},
		{SortTotal, []string{"9", "20", "3", "100"}},
		{SortP95, []string{"100", "20", "3", "9"}},
		{SortName, []string{"3", "9", "20", "100"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.key), func(t *testing.T) {
			rs := slices.Clone(rows)
			SortRows(rs, tt.key)
			var got []string
			for _, r := range rs {
				got = append(got, r.Name())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSummaryTable(t *testing.T) {
	var b bytes.Buffer
	if err := profileOf(BySyscall, sample()).Print(&b, SortTotal, Table); err != nil {
		t.Fatal(err)
	}
	want := `% time  seconds usecs/call calls errors    p50    p95    p99    max syscall errnos
------ -------- ---------- ----- ------ ------ ------ ------ ------ ------- ----------------------
 97.09 0.000200        100     2      1 50.0us  150us  150us  150us read    ERESTARTSYS:1
  2.91 0.000006          2     3      2 2.00us 3.00us 3.00us 3.00us openat  ENOENT:2
------ -------- ---------- ----- ------ ------ ------ ------ ------ ------- ----------------------
100.00 0.000206         41     5      3 3.00us  150us  150us  150us total   ENOENT:2 ERESTARTSYS:1
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestSummaryTableWithoutDurations(t *testing.T) {
	evs := sample()
	for i := range evs {
		evs[i].HasDuration = false
	}
	var b bytes.Buffer
	if err := profileOf(ByErrno, evs).Print(&b, SortCalls, Table); err != nil {
		t.Fatal(err)
	}
	want := `calls errors errno       syscalls
----- ------ ----------- ---------------
    2      2 ENOENT      openat:2
    1      1 ERESTARTSYS read:1
----- ------ ----------- ---------------
    3      3 total       openat:2 read:1
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestSummaryJSONRoundTrip writes rows as stats --json does and reads them
// back with the Reader, as diff does.
func TestSummaryJSONRoundTrip(t *testing.T) {
	for _, by := range []GroupBy{BySyscall, ByPid, ByComm, ByErrno} {
		t.Run(string(by), func(t *testing.T) {
			evs := sample()
			if by == ByComm {
				for i := range evs {
					evs[i].HasDuration = false
				}
			}
			rows := profileOf(by, evs).Rows()
			var b bytes.Buffer
			if err := WriteJSON(&b, rows); err != nil {
				t.Fatal(err)
			}
			rd := NewReader(&b, parse.Options{})
			if _, err := rd.ReadBatch(nil); err != io.EOF {
				t.Fatalf("ReadBatch: %v", err)
			}
			if st := rd.LineCount(); st.Problems != 0 {
				t.Fatalf("problem: %v", st.First)
			}
			if got := rd.Rows(); !rd.IsProfile() || !reflect.DeepEqual(got, rows) {
				t.Errorf("\n got %+v\nwant %+v", got, rows)
			}
		})
	}
}

func TestSummaryJSONLine(t *testing.T) {
	rows := profileOf(BySyscall, sample()).Rows()
	var b bytes.Buffer
	if err := WriteJSON(&b, rows[2:3]); err != nil {
		t.Fatal(err)
	}
	want := `{"syscall":"openat","calls":3,"errors":2,"total_ns":6000,"avg_ns":2000,"min_ns":1000,"p50_ns":2000,"p95_ns":3000,"p99_ns":3000,"max_ns":3000,"histogram_ns":[[1000,1],[2000,1],[3000,1]],"errnos":{"ENOENT":2}}` + "\n"
	if got := b.String(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestSummaryCSV(t *testing.T) {
	evs := sample()
	evs[3].HasDuration = false
	evs[4].HasDuration = false
	var b bytes.Buffer
	if err := profileOf(BySyscall, evs).Print(&b, SortName, CSV); err != nil {
		t.Fatal(err)
	}
	want := `syscall,calls,errors,total_ns,avg_ns,min_ns,p50_ns,p95_ns,p99_ns,max_ns,errnos
openat,3,2,6000,2000,1000,2000,3000,3000,3000,"{""ENOENT"":2}"
read,2,1,,,,,,,,"{""ERESTARTSYS"":1}"
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// exactPercentile is the nearest-rank percentile of sorted values.
func exactPercentile(sorted []int64, pct int64) int64 {
	rank := (int64(len(sorted))*pct + 99) / 100
	return sorted[max(rank, 1)-1]
}

// TestHistogramAccuracy checks the percentiles against the exact ones on
// several distributions: equal up to exactSamples values, within 1% beyond
// (the bound the issue asks for; the buckets give 0.4%).
func TestHistogramAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dists := map[string]func() int64{
		"uniform 0-10ms":     func() int64 { return rng.Int64N(10_000_000) },
		"log-uniform 1ns-1s": func() int64 { return int64(math.Exp2(rng.Float64() * 30)) },
		"microseconds":       func() int64 { return 1000 * (1 + rng.Int64N(200)) },
		"constant":           func() int64 { return 123_457 },
		"small":              func() int64 { return rng.Int64N(300) },
		"huge":               func() int64 { return 1<<62 + rng.Int64N(1<<61) },
	}
	for name, draw := range dists {
		for _, n := range []int{1, 2, 63, 64, 65, 1000, 100_000} {
			var h histogram
			values := make([]int64, n)
			for i := range values {
				values[i] = draw()
				h.add(values[i])
			}
			slices.Sort(values)
			pcts := []int64{1, 50, 95, 99, 100}
			got := h.quantiles(pcts...)
			for i, p := range pcts {
				want := exactPercentile(values, p)
				diff := got[i] - want
				if n <= exactSamples && diff != 0 || float64(abs(diff)) > 0.01*float64(want) {
					t.Errorf("%s, n=%d: p%d = %d, exact %d", name, n, p, got[i], want)
				}
			}
			if h.min != values[0] || h.max != values[n-1] || h.n != int64(n) {
				t.Errorf("%s, n=%d: min %d max %d n %d", name, n, h.min, h.max, h.n)
			}
		}
	}
}

// TestHistogramMerge checks that merging gives the histogram of all values,
// whatever mix of exact and bucketed histograms is merged.
func TestHistogramMerge(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sizes := range [][]int{{10, 20}, {10, 100}, {100, 10}, {100, 1000}, {0, 5}, {64, 1}} {
		var all, merged histogram
		var values []int64
		for _, n := range sizes {
			var part histogram
			for range n {
				v := rng.Int64N(5_000_000)
				values = append(values, v)
				part.add(v)
				all.add(v)
			}
			merged.merge(&part)
		}
		if len(values) == 0 {
			continue
		}
		slices.Sort(values)
		if merged.n != all.n || merged.sum != all.sum || merged.min != all.min || merged.max != all.max {
			t.Errorf("%v: totals differ", sizes)
		}
		got, want := merged.quantiles(50, 95, 99), all.quantiles(50, 95, 99)
		if !slices.Equal(got, want) {
			t.Errorf("%v: merged percentiles %v, direct %v", sizes, got, want)
		}
	}
}

// TestProfileMemoryBounded adds a million events in a few groups and checks
// that the live heap does not grow with them: keeping each duration would
// take 8 MB more.
func TestProfileMemoryBounded(t *testing.T) {
	p := New(BySyscall)
	names := []string{"read", "write", "openat", "close", "futex"}
	rng := rand.New(rand.NewPCG(5, 6))
	add := func(n int) {
		for i := range n {
			ev := syscallEvent(int64(i), strings.Clone(names[i%len(names)]), "", rng.Int64N(1e9))
			if i%7 == 0 {
				ev.Errno = "EAGAIN"
			}
			p.Add(&ev)
		}
	}
	add(100_000) // every group and the buckets of most durations exist
	before := liveHeap()
	add(1_000_000)
	grown := int64(liveHeap()) - int64(before)
	if grown > 1<<20 {
		t.Errorf("the live heap grew by %d KB over a million events", grown>>10)
	}
	var size int
	for _, g := range p.groups {
		for _, c := range g.durations.chunks {
			if c != nil {
				size += len(c) * 8
			}
		}
	}
	if size > 5*histChunks*histSub*8 || len(p.groups) != len(names) {
		t.Errorf("%d groups hold %d bytes of buckets", len(p.groups), size)
	}
}

// liveHeap returns the bytes of live heap objects, after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func BenchmarkProfileAdd(b *testing.B) {
	text := corpusTrace(b, "threads-pipes-f-T")
	var evs []parse.Event
	p := parse.NewParser(bytes.NewReader(text), parse.Options{})
	for {
		ev, err := p.Next()
		if err != nil {
			break
		}
		evs = append(evs, *ev)
	}
	prof := New(BySyscall)
	b.ReportAllocs()
	for b.Loop() {
		for i := range evs {
			prof.Add(&evs[i])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
}
