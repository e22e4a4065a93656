// Package profile is the syscall profile behind `stracectl stats`,
// `stracectl diff` and `stracectl seccomp`: calls, errors, errnos and latency
// percentiles per group (syscall, pid, comm or errno), counted by strace
// -c's rule. It aggregates events, reads recorded profiles back, merges
// several runs into one (keeping each count's band over the runs and the
// latency histogram itself, so that percentiles stay exact), prints them (a
// table like strace -c, JSON Lines, CSV), compares two of them under a
// policy of severities (text, JSON or Markdown reports), and turns them into
// seccomp profiles.
//
// It is a package of its own rather than part of emit or parse because it
// is both ends of a pipeline: it consumes events as a sink does, and it is
// read back as input, with its own row type (Row, one tagged struct for
// reading and writing), its own reader (telling a recorded profile from a
// trace, once) and its own reports.
package profile

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/stracectl/stracectl/parse"
)

// GroupBy names what a syscall profile is grouped by; it is also the key
// field of a row ({"syscall":"openat",...}, {"pid":42,...}).
type GroupBy string

// The groupings of stracectl stats --by.
const (
	BySyscall GroupBy = "syscall" // one group per syscall name
	ByPid     GroupBy = "pid"     // one group per pid column value (a task id)
	ByComm    GroupBy = "comm"    // one group per command name (strace -Y, eBPF)
	ByErrno   GroupBy = "errno"   // one group per errno; failed calls only
)

// Row is one group of a syscall profile and one line of `stracectl stats
// --json`: encoding/json writes it and reads it back, so that diff can
// compare a recorded profile with a new trace without keeping the trace.
type Row struct {
	// The group: exactly one of Syscall, Pid, Comm and Errno is set, the
	// one By names.
	Syscall *string `json:"syscall,omitzero"`
	Pid     *int64  `json:"pid,omitzero"`
	Comm    *string `json:"comm,omitzero"`
	Errno   *string `json:"errno,omitzero"`
	// Calls and Errors count calls by strace -c's rule (Event.Counts,
	// Event.Failed).
	Calls  int64 `json:"calls"`
	Errors int64 `json:"errors"`
	// Unfinished counts the calls made that did not complete, which strace
	// -c leaves out: a call that never returned (exit_group, a task killed
	// inside a call) or was cut off by detaching. A seccomp profile must
	// allow them all the same. A row may have them and no calls.
	Unfinished int64 `json:"unfinished,omitzero"`
	// Runs is the number of runs a merged profile holds, when more than
	// one; every row of a profile has the same. The per-run fields are
	// then set: the least and the most of a count in one run, a run
	// without the group counting 0.
	Runs         int64 `json:"runs,omitzero"`
	CallsPerRun  *Band `json:"calls_per_run,omitzero"`
	ErrorsPerRun *Band `json:"errors_per_run,omitzero"`
	// Latency is nil when the input had no durations (strace -T, eBPF give
	// them).
	*Latency
	// Histogram is the durations behind Latency, so that merged profiles
	// keep exact percentiles: pairs of nanoseconds and a count, ascending.
	// While a group has at most 64 durations they are its durations;
	// beyond, each is the lower bound of a bucket (see histogram).
	Histogram [][2]int64 `json:"histogram_ns,omitzero"`
	// Errnos counts the failed calls by errno; a row grouped by errno has
	// Syscalls instead, counting them by syscall. The PerRun maps hold
	// their bands when Runs is set.
	Errnos         map[string]int64 `json:"errnos,omitzero"`
	Syscalls       map[string]int64 `json:"syscalls,omitzero"`
	ErrnosPerRun   map[string]Band  `json:"errnos_per_run,omitzero"`
	SyscallsPerRun map[string]Band  `json:"syscalls_per_run,omitzero"`
}

// Band is the least and the most a count reached in one run, over the
// runs of a profile; it is written as [min,max].
type Band struct{ Min, Max int64 }

// MarshalJSON writes [min,max].
func (b Band) MarshalJSON() ([]byte, error) {
	return []byte("[" + itoa(b.Min) + "," + itoa(b.Max) + "]"), nil
}

// UnmarshalJSON reads [min,max], with 0 <= min <= max.
func (b *Band) UnmarshalJSON(data []byte) error {
	var pair []int64
	if err := json.Unmarshal(data, &pair); err != nil || len(pair) != 2 {
		return errors.New("a band must be [min,max]")
	}
	if pair[0] < 0 || pair[0] > pair[1] {
		return fmt.Errorf("band [%d,%d] needs 0 <= min <= max", pair[0], pair[1])
	}
	b.Min, b.Max = pair[0], pair[1]
	return nil
}

// widen returns the band that holds both b and o.
func (b Band) widen(o Band) Band { return Band{min(b.Min, o.Min), max(b.Max, o.Max)} }

// one is the band of a single run that counted n.
func one(n int64) Band { return Band{n, n} }

// Latency holds a group's call durations in nanoseconds. Total, average,
// min and max are exact; the percentiles are exact for groups of up to 64
// calls and within 0.4% beyond (see histogram).
type Latency struct {
	TotalNs int64 `json:"total_ns"`
	AvgNs   int64 `json:"avg_ns"`
	MinNs   int64 `json:"min_ns"`
	P50Ns   int64 `json:"p50_ns"`
	P95Ns   int64 `json:"p95_ns"`
	P99Ns   int64 `json:"p99_ns"`
	MaxNs   int64 `json:"max_ns"`
}

// newRow returns a row for the group name (a pid in decimal with ByPid).
func newRow(by GroupBy, name string) Row {
	var r Row
	switch by {
	case ByPid:
		pid, _ := strconv.ParseInt(name, 10, 64)
		r.Pid = &pid
	case ByComm:
		r.Comm = &name
	case ByErrno:
		r.Errno = &name
	default:
		r.Syscall = &name
	}
	return r
}

// By says what the row is grouped by.
func (r *Row) By() GroupBy {
	switch {
	case r.Pid != nil:
		return ByPid
	case r.Comm != nil:
		return ByComm
	case r.Errno != nil:
		return ByErrno
	}
	return BySyscall
}

// Name is the row's group: the syscall, comm or errno, or the pid in
// decimal.
func (r *Row) Name() string {
	switch {
	case r.Syscall != nil:
		return *r.Syscall
	case r.Pid != nil:
		return strconv.FormatInt(*r.Pid, 10)
	case r.Comm != nil:
		return *r.Comm
	case r.Errno != nil:
		return *r.Errno
	}
	return ""
}

// latency returns the row's durations, zero when it has none.
func (r *Row) latency() Latency {
	if r.Latency == nil {
		return Latency{}
	}
	return *r.Latency
}

// detail returns the name and counts of the row's detail field: errnos, or
// syscalls for a row grouped by errno.
func (r *Row) detail() (string, map[string]int64) {
	if r.By() == ByErrno {
		return "syscalls", r.Syscalls
	}
	return "errnos", r.Errnos
}

// detailPerRun returns the bands of the detail counts; nil for a row of
// one run.
func (r *Row) detailPerRun() map[string]Band {
	if r.By() == ByErrno {
		return r.SyscallsPerRun
	}
	return r.ErrnosPerRun
}

// runs is the number of runs the row's profile holds.
func (r *Row) runs() int64 { return max(r.Runs, 1) }

// callsPerRun is the band of the row's calls per run.
func (r *Row) callsPerRun() Band {
	if r.CallsPerRun != nil {
		return *r.CallsPerRun
	}
	return one(r.Calls)
}

// errorsPerRun is the band of the row's errors per run.
func (r *Row) errorsPerRun() Band {
	if r.ErrorsPerRun != nil {
		return *r.ErrorsPerRun
	}
	return one(r.Errors)
}

// detailBand is the band of one detail count (an errno's failures) per
// run: 0 to 0 when the row has no such count.
func (r *Row) detailBand(key string) Band {
	if b, ok := r.detailPerRun()[key]; ok {
		return b
	}
	_, m := r.detail()
	return one(m[key])
}

// check says what is wrong with a row read back, "" when nothing is.
func (r *Row) check() string {
	keys := 0
	for _, set := range []bool{r.Syscall != nil, r.Pid != nil, r.Comm != nil, r.Errno != nil} {
		if set {
			keys++
		}
	}
	if keys != 1 {
		return `stats row needs exactly one of "syscall", "pid", "comm", "errno"`
	}
	if r.Calls < 0 || r.Errors < 0 || r.Errors > r.Calls || r.Unfinished < 0 {
		return "stats row with errors > calls or negative counts"
	}
	if r.Runs == 1 || r.Runs < 0 {
		return `"runs" must be 2 or more (a row of one run leaves it out)`
	}
	multi := r.Runs > 1
	if multi != (r.CallsPerRun != nil) || multi != (r.ErrorsPerRun != nil) {
		return `"runs", "calls_per_run" and "errors_per_run" go together`
	}
	if r.detailPerRun() != nil && !multi {
		return `per-run bands without "runs"`
	}
	if r.Latency == nil && r.Histogram != nil {
		return `"histogram_ns" without the latency fields`
	}
	return ""
}

// Profile aggregates events into per-group call and error counts, errnos
// and latency histograms. Calls are counted by strace -c's rule
// (Event.Counts, Event.Failed). Its memory grows with the number of
// groups, never with the number of events.
//
// A profile fed events is one run; Merge joins profiles into one of
// several runs, which keeps for each count its band over the runs.
//
// A Profile is a sink of the event stream (Write, Flush, Close), so that
// a pipeline can end in it.
type Profile struct {
	by     GroupBy
	groups map[groupKey]*group
	events int64
	runs   int64 // 1, or the sum of the runs merged
	// names are the profile's own copies of the errno and syscall names it
	// counts failed calls by, each under its own text (see count).
	names map[string]string
}

// groupKey identifies a group: a name (syscall, comm, errno) or a pid.
type groupKey struct {
	name string
	pid  int64
}

type group struct {
	key           groupKey
	calls, errors int64
	unfinished    int64
	durations     histogram
	// detail counts failed calls by errno, or by syscall when grouping by errno.
	detail map[string]int64
	// perRun holds the bands of the counts in a profile of several runs;
	// nil in a profile of one run, where each band is the count itself.
	perRun *bands
}

// bands are a group's counts per run: the least and the most in one run.
type bands struct {
	calls, errors Band
	detail        map[string]Band
}

// bands returns the group's bands per run.
func (g *group) bands() bands {
	if g.perRun != nil {
		return *g.perRun
	}
	b := bands{calls: one(g.calls), errors: one(g.errors), detail: make(map[string]Band, len(g.detail))}
	for k, n := range g.detail {
		b.detail[k] = one(n)
	}
	return b
}

// New returns an empty profile of one run, grouped by by.
func New(by GroupBy) *Profile {
	return &Profile{by: by, groups: map[groupKey]*group{}, runs: 1}
}

// By returns what the profile is grouped by.
func (p *Profile) By() GroupBy { return p.by }

// Runs returns how many runs the profile holds.
func (p *Profile) Runs() int64 { return p.runs }

// Add counts ev if it is a call; other events are ignored. With ByErrno
// only failed calls are counted.
func (p *Profile) Add(ev *parse.Event) {
	p.events++
	unfinished := false
	if !ev.Counts() {
		if !ev.Unfinished() || p.by == ByErrno {
			return
		}
		unfinished = true
	}
	failed := ev.Errno != ""
	var k groupKey
	switch p.by {
	case ByPid:
		k.pid = ev.Pid
	case ByComm:
		k.name = ev.Comm
	case ByErrno:
		if !failed {
			return
		}
		k.name = ev.Errno
	default:
		k.name = ev.Syscall
	}
	g := p.group(k)
	if unfinished {
		g.unfinished++
		return
	}
	g.calls++
	if failed {
		g.errors++
		if p.by == ByErrno {
			p.count(g.detail, ev.Syscall, 1)
		} else {
			p.count(g.detail, ev.Errno, 1)
		}
	}
	if ev.HasDuration {
		g.durations.add(ev.DurationNs)
	}
}

// group returns the group k, made when new.
func (p *Profile) group(k groupKey) *group {
	g := p.groups[k]
	if g == nil {
		// Event strings may point into large input blocks: a key of our
		// own lets those go.
		k.name = strings.Clone(k.name)
		g = &group{key: k, detail: map[string]int64{}}
		p.groups[k] = g
	}
	return g
}

// Events returns how many events were added, counted as calls or not.
func (p *Profile) Events() int64 { return p.events }

// Write adds ev: a Profile is the end of a pipeline.
func (p *Profile) Write(ev *parse.Event) error {
	p.Add(ev)
	return nil
}

// Flush does nothing: a profile holds no output.
func (p *Profile) Flush() error { return nil }

// Close does nothing: the rows are read with Rows.
func (p *Profile) Close() error { return nil }

// count adds n to m[key], under the profile's own copy of key. Not
// under key itself: assigning to a map stores the key given, also over an
// equal one, and an event's strings point into the parser's input blocks,
// which that would keep alive, or see reused (parse.Options.Recycle).
func (p *Profile) count(m map[string]int64, key string, n int64) {
	own, ok := p.names[key]
	if !ok {
		if p.names == nil {
			p.names = map[string]string{}
		}
		own = strings.Clone(key)
		p.names[own] = own
	}
	m[own] += n
}

// Rows returns one row per group, sorted by name.
func (p *Profile) Rows() []Row {
	rows := make([]Row, 0, len(p.groups))
	for _, g := range p.groups {
		rows = append(rows, p.row(g))
	}
	SortRows(rows, SortName)
	return rows
}

// Total returns the row of all groups together, named "total". Its
// counts per run are not known and not set.
func (p *Profile) Total() Row {
	all := &group{key: groupKey{name: "total"}, detail: map[string]int64{}}
	for _, g := range p.groups {
		all.calls += g.calls
		all.errors += g.errors
		all.unfinished += g.unfinished
		all.durations.merge(&g.durations)
		for k, n := range g.detail {
			all.detail[k] += n
		}
	}
	r := p.row(all)
	r.Runs, r.CallsPerRun, r.ErrorsPerRun, r.ErrnosPerRun, r.SyscallsPerRun = 0, nil, nil, nil, nil
	if p.by == ByPid {
		// "total" is not a pid: name the row as a group of names is.
		r.Pid, r.Syscall = nil, &all.key.name
	}
	return r
}

func (p *Profile) row(g *group) Row {
	name := g.key.name
	if p.by == ByPid {
		name = strconv.FormatInt(g.key.pid, 10)
	}
	r := newRow(p.by, name)
	r.Calls, r.Errors, r.Unfinished = g.calls, g.errors, g.unfinished
	if p.by == ByErrno {
		r.Syscalls = g.detail
	} else {
		r.Errnos = g.detail
	}
	if p.runs > 1 {
		b := g.bands()
		r.Runs, r.CallsPerRun, r.ErrorsPerRun = p.runs, &b.calls, &b.errors
		if p.by == ByErrno {
			r.SyscallsPerRun = b.detail
		} else {
			r.ErrnosPerRun = b.detail
		}
	}
	if h := &g.durations; h.n > 0 {
		q := h.quantiles(50, 95, 99)
		r.Latency = &Latency{TotalNs: h.sum, AvgNs: h.sum / h.n, MinNs: h.min, MaxNs: h.max, P50Ns: q[0], P95Ns: q[1], P99Ns: q[2]}
		r.Histogram = h.pairs()
	}
	return r
}
