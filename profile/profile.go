// Package profile is the syscall profile behind `stracectl stats` and
// `stracectl diff`: calls, errors, errnos and latency percentiles per group
// (syscall, pid, comm or errno), counted by strace -c's rule. It aggregates
// events, reads recorded profiles back, prints them (a table like strace -c,
// JSON Lines, CSV) and compares two of them.
//
// It is a package of its own rather than part of emit or parse because it
// is both ends of a pipeline: it consumes events as a sink does, and it is
// read back as input, with its own row type (Row, one tagged struct for
// reading and writing), its own reader (telling a recorded profile from a
// trace, once) and its own report. Merging runs, severities and seccomp
// output build on the same Row.
package profile

import (
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
	// Latency is nil when the input had no durations (strace -T, eBPF give
	// them).
	*Latency
	// Errnos counts the failed calls by errno; a row grouped by errno has
	// Syscalls instead, counting them by syscall.
	Errnos   map[string]int64 `json:"errnos,omitzero"`
	Syscalls map[string]int64 `json:"syscalls,omitzero"`
}

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
	if r.Calls < 0 || r.Errors < 0 || r.Errors > r.Calls {
		return "stats row with errors > calls or negative counts"
	}
	return ""
}

// Profile aggregates events into per-group call and error counts, errnos
// and latency histograms. Calls are counted by strace -c's rule
// (Event.Counts, Event.Failed). Its memory grows with the number of
// groups, never with the number of events.
//
// A Profile is a sink of the event stream (Write, Flush, Close), so that
// a pipeline can end in it.
type Profile struct {
	by     GroupBy
	groups map[groupKey]*group
	events int64
}

// groupKey identifies a group: a name (syscall, comm, errno) or a pid.
type groupKey struct {
	name string
	pid  int64
}

type group struct {
	key           groupKey
	calls, errors int64
	durations     histogram
	// detail counts failed calls by errno, or by syscall when grouping by errno.
	detail map[string]int64
}

// New returns an empty profile grouped by by.
func New(by GroupBy) *Profile {
	return &Profile{by: by, groups: map[groupKey]*group{}}
}

// Add counts ev if it is a completed call; other events are ignored. With
// ByErrno only failed calls are counted.
func (p *Profile) Add(ev *parse.Event) {
	p.events++
	if !ev.Counts() {
		return
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
	g := p.groups[k]
	if g == nil {
		// Event strings may point into large input blocks: a key of our
		// own lets those go.
		k.name = strings.Clone(k.name)
		g = &group{key: k, detail: map[string]int64{}}
		p.groups[k] = g
	}
	g.calls++
	if failed {
		g.errors++
		if p.by == ByErrno {
			countIn(g.detail, ev.Syscall, 1)
		} else {
			countIn(g.detail, ev.Errno, 1)
		}
	}
	if ev.HasDuration {
		g.durations.add(ev.DurationNs)
	}
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

// countIn adds n to m[key], copying key when it is new.
func countIn(m map[string]int64, key string, n int64) {
	if v, ok := m[key]; ok {
		m[key] = v + n
		return
	}
	m[strings.Clone(key)] = n
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

// Total returns the row of all groups together, named "total".
func (p *Profile) Total() Row {
	all := &group{key: groupKey{name: "total"}, detail: map[string]int64{}}
	for _, g := range p.groups {
		all.calls += g.calls
		all.errors += g.errors
		all.durations.merge(&g.durations)
		for k, n := range g.detail {
			all.detail[k] += n
		}
	}
	r := p.row(all)
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
	r.Calls, r.Errors = g.calls, g.errors
	if p.by == ByErrno {
		r.Syscalls = g.detail
	} else {
		r.Errnos = g.detail
	}
	if h := &g.durations; h.n > 0 {
		q := h.quantiles(50, 95, 99)
		r.Latency = &Latency{TotalNs: h.sum, AvgNs: h.sum / h.n, MinNs: h.min, MaxNs: h.max, P50Ns: q[0], P95Ns: q[1], P99Ns: q[2]}
	}
	return r
}
