package emit

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/stracectl/stracectl/parse"
)

// Profile aggregates events into per-group call and error counts, errnos
// and latency histograms: the syscall profile behind stats and diff. Calls
// are counted by strace -c's rule (Event.Counts, Event.Failed). Its memory
// grows with the number of groups, never with the number of events.
type Profile struct {
	by     parse.GroupBy
	groups map[groupKey]*group
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

// NewProfile returns an empty profile grouped by by.
func NewProfile(by parse.GroupBy) *Profile {
	return &Profile{by: by, groups: map[groupKey]*group{}}
}

// Add counts ev if it is a completed call; other events are ignored. With
// ByErrno only failed calls are counted.
func (p *Profile) Add(ev *parse.Event) {
	if !ev.Counts() {
		return
	}
	failed := ev.Errno != ""
	var k groupKey
	switch p.by {
	case parse.ByPid:
		k.pid = ev.Pid
	case parse.ByComm:
		k.name = ev.Comm
	case parse.ByErrno:
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
		if p.by == parse.ByErrno {
			countIn(g.detail, ev.Syscall, 1)
		} else {
			countIn(g.detail, ev.Errno, 1)
		}
	}
	if ev.HasDuration {
		g.durations.add(ev.DurationNs)
	}
}

// countIn adds n to m[key], copying key when it is new.
func countIn(m map[string]int64, key string, n int64) {
	if v, ok := m[key]; ok {
		m[key] = v + n
		return
	}
	m[strings.Clone(key)] = n
}

// Rows returns one row per group, sorted by name.
func (p *Profile) Rows() []parse.SummaryRow {
	rows := make([]parse.SummaryRow, 0, len(p.groups))
	for _, g := range p.groups {
		rows = append(rows, p.row(g))
	}
	SortRows(rows, SortName)
	return rows
}

// Total returns the row of all groups together, named "total".
func (p *Profile) Total() parse.SummaryRow {
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
	r.Name = "total"
	return r
}

func (p *Profile) row(g *group) parse.SummaryRow {
	r := parse.SummaryRow{By: p.by, Name: g.key.name, Calls: g.calls, Errors: g.errors}
	if p.by == parse.ByPid {
		r.Name = strconv.FormatInt(g.key.pid, 10)
	}
	if p.by == parse.ByErrno {
		r.Syscalls = g.detail
	} else {
		r.Errnos = g.detail
	}
	if h := &g.durations; h.n > 0 {
		q := h.quantiles(50, 95, 99)
		r.HasDurations = true
		r.TotalNs, r.AvgNs, r.MinNs, r.MaxNs = h.sum, h.sum/h.n, h.min, h.max
		r.P50Ns, r.P95Ns, r.P99Ns = q[0], q[1], q[2]
	}
	return r
}

// SortKey orders the rows of a summary.
type SortKey string

// The orders of stracectl stats --sort. All but SortName put the largest
// first; ties go by calls, then by name.
const (
	SortCalls  SortKey = "calls"
	SortErrors SortKey = "errors"
	SortTotal  SortKey = "total" // total time; calls when there are no durations
	SortP95    SortKey = "p95"
	SortName   SortKey = "name" // pids numerically
)

// SortRows sorts rows in place by key.
func SortRows(rows []parse.SummaryRow, key SortKey) {
	metric := func(r *parse.SummaryRow) int64 {
		switch key {
		case SortCalls:
			return r.Calls
		case SortErrors:
			return r.Errors
		case SortTotal:
			return r.TotalNs
		case SortP95:
			return r.P95Ns
		}
		return 0
	}
	slices.SortStableFunc(rows, func(a, b parse.SummaryRow) int {
		if c := cmp.Compare(metric(&b), metric(&a)); c != 0 {
			return c
		}
		if key != SortName {
			if c := cmp.Compare(b.Calls, a.Calls); c != 0 {
				return c
			}
		}
		return compareNames(&a, &b)
	})
}

// compareNames orders rows by name, pids by value.
func compareNames(a, b *parse.SummaryRow) int {
	if a.By == parse.ByPid {
		x, _ := strconv.ParseInt(a.Name, 10, 64)
		y, _ := strconv.ParseInt(b.Name, 10, 64)
		return cmp.Compare(x, y)
	}
	return strings.Compare(a.Name, b.Name)
}

// SummaryFormat is how a Summary prints.
type SummaryFormat string

// The formats of stracectl stats.
const (
	SummaryTable SummaryFormat = "table" // aligned columns like strace -c, with a total line
	SummaryJSON  SummaryFormat = "json"  // one object per group per line, no total
	SummaryCSV   SummaryFormat = "csv"   // a header, then one record per group, no total
)

// Summary is the Sink behind stracectl stats: it aggregates every event
// into a Profile and prints the profile when closed.
type Summary struct {
	profile *Profile
	w       io.Writer
	sort    SortKey
	format  SummaryFormat
}

// NewSummary returns a Summary grouping by by and printing to w in format,
// sorted by sort.
func NewSummary(w io.Writer, by parse.GroupBy, sort SortKey, format SummaryFormat) *Summary {
	return &Summary{profile: NewProfile(by), w: w, sort: sort, format: format}
}

// Write counts ev.
func (s *Summary) Write(ev *parse.Event) error {
	s.profile.Add(ev)
	return nil
}

// Flush does nothing: a summary is printed once, by Close.
func (s *Summary) Flush() error { return nil }

// Close prints the summary.
func (s *Summary) Close() error {
	rows := s.profile.Rows()
	SortRows(rows, s.sort)
	switch s.format {
	case SummaryJSON:
		return WriteSummaryJSON(s.w, rows)
	case SummaryCSV:
		return WriteSummaryCSV(s.w, s.profile.by, rows)
	}
	return WriteSummaryTable(s.w, s.profile.by, rows, s.profile.Total())
}

// WriteSummaryJSON writes rows as JSON Lines, one object per row.
func WriteSummaryJSON(w io.Writer, rows []parse.SummaryRow) error {
	var b []byte
	for i := range rows {
		b = AppendSummaryJSON(b, &rows[i])
	}
	_, err := w.Write(b)
	return err
}

// AppendSummaryJSON appends r as one JSON object and a newline: the group
// key first ({"syscall":"openat"} or {"pid":42}), the counts, the latency
// fields only when r has durations, then errnos (or syscalls, grouped by
// errno) with sorted keys. parse.JSONLReader reads it back.
func AppendSummaryJSON(b []byte, r *parse.SummaryRow) []byte {
	b = append(b, '{')
	b = appendString(b, string(r.By))
	b = append(b, ':')
	if r.By == parse.ByPid {
		b = append(b, r.Name...)
	} else {
		b = appendString(b, r.Name)
	}
	b = append(b, `,"calls":`...)
	b = strconv.AppendInt(b, r.Calls, 10)
	b = append(b, `,"errors":`...)
	b = strconv.AppendInt(b, r.Errors, 10)
	if r.HasDurations {
		for _, f := range []struct {
			name string
			v    int64
		}{
			{"total_ns", r.TotalNs}, {"avg_ns", r.AvgNs}, {"min_ns", r.MinNs}, {"p50_ns", r.P50Ns},
			{"p95_ns", r.P95Ns}, {"p99_ns", r.P99Ns}, {"max_ns", r.MaxNs},
		} {
			b = append(b, ',', '"')
			b = append(b, f.name...)
			b = append(b, '"', ':')
			b = strconv.AppendInt(b, f.v, 10)
		}
	}
	name, detail := detailOf(r)
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	b = appendCounts(b, detail)
	return append(b, '}', '\n')
}

// detailOf returns the name and counts of a row's detail field: errnos, or
// syscalls for a row grouped by errno.
func detailOf(r *parse.SummaryRow) (string, map[string]int64) {
	if r.By == parse.ByErrno {
		return "syscalls", r.Syscalls
	}
	return "errnos", r.Errnos
}

// appendCounts appends m as a JSON object with sorted keys.
func appendCounts(b []byte, m map[string]int64) []byte {
	b = append(b, '{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = strconv.AppendInt(b, m[k], 10)
	}
	return append(b, '}')
}

// WriteSummaryCSV writes rows as CSV: a header (the group column is named
// by by), then one record per row. Latency fields are empty without
// durations; the errnos (or syscalls) column is a JSON object, which
// databases can cast (PostgreSQL ::jsonb).
func WriteSummaryCSV(w io.Writer, by parse.GroupBy, rows []parse.SummaryRow) error {
	cw := csv.NewWriter(w)
	detail := "errnos"
	if by == parse.ByErrno {
		detail = "syscalls"
	}
	cw.Write([]string{string(by), "calls", "errors", "total_ns", "avg_ns", "min_ns", "p50_ns", "p95_ns", "p99_ns", "max_ns", detail})
	rec := make([]string, 11)
	for i := range rows {
		r := &rows[i]
		clear(rec)
		rec[0], rec[1], rec[2] = CleanText(r.Name), itoa(r.Calls), itoa(r.Errors)
		if r.HasDurations {
			for j, v := range []int64{r.TotalNs, r.AvgNs, r.MinNs, r.P50Ns, r.P95Ns, r.P99Ns, r.MaxNs} {
				rec[3+j] = itoa(v)
			}
		}
		_, m := detailOf(r)
		rec[10] = string(appendCounts(nil, m))
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// WriteSummaryTable writes rows as an aligned table in the manner of strace
// -c: % time, seconds, usecs/call, calls, errors and the group, with the
// latency percentiles before the group and the errnos after it, a dashed
// line under the header and a total line. Without durations only calls,
// errors, the group and the errnos are shown.
func WriteSummaryTable(w io.Writer, by parse.GroupBy, rows []parse.SummaryRow, total parse.SummaryRow) error {
	detail := "errnos"
	if by == parse.ByErrno {
		detail = "syscalls"
	}
	timed := total.HasDurations
	t := table{}
	if timed {
		t.header("% time", "seconds", "usecs/call", "calls", "errors", "p50", "p95", "p99", "max", "-"+string(by), "-"+detail)
	} else {
		t.header("calls", "errors", "-"+string(by), "-"+detail)
	}
	line := func(r *parse.SummaryRow) {
		name := r.Name
		if name == "" {
			name = "?"
		}
		_, m := detailOf(r)
		errs := ""
		if r.Errors > 0 {
			errs = itoa(r.Errors)
		}
		if !timed {
			t.row(itoa(r.Calls), errs, name, countsText(m))
			return
		}
		pct := 0.0
		if total.TotalNs > 0 {
			pct = 100 * float64(r.TotalNs) / float64(total.TotalNs)
		}
		cells := []string{strconv.FormatFloat(pct, 'f', 2, 64), strconv.FormatFloat(float64(r.TotalNs)/1e9, 'f', 6, 64)}
		if r.HasDurations {
			cells = append(cells, itoa(r.AvgNs/1000), itoa(r.Calls), errs,
				durationText(r.P50Ns), durationText(r.P95Ns), durationText(r.P99Ns), durationText(r.MaxNs))
		} else {
			cells = append(cells, "", itoa(r.Calls), errs, "", "", "", "")
		}
		t.row(append(cells, name, countsText(m))...)
	}
	for i := range rows {
		line(&rows[i])
	}
	t.rule()
	line(&total)
	return t.write(w)
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// countsText prints counts as "ENOENT:13 EACCES:1", largest first.
func countsText(m map[string]int64) string {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if c := cmp.Compare(m[b], m[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	var sb strings.Builder
	for i, k := range keys {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(CleanText(k))
		sb.WriteByte(':')
		sb.WriteString(itoa(m[k]))
	}
	return sb.String()
}

// durationText prints nanoseconds with three significant digits and a unit
// ("850ns", "12.3us", "1.20ms", "2.50s"), short enough for a table column.
func durationText(ns int64) string {
	switch {
	case ns < 1000:
		return itoa(ns) + "ns"
	case ns < 1e6:
		return sig3(float64(ns)/1e3) + "us"
	case ns < 1e9:
		return sig3(float64(ns)/1e6) + "ms"
	}
	return sig3(float64(ns)/1e9) + "s"
}

func sig3(v float64) string {
	switch {
	case v < 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// table lays out text in columns separated by one space, each as wide as
// its widest cell: numbers right-aligned, columns whose header starts with
// "-" left-aligned (the "-" is not printed). A rule is a line of dashes per
// column, as strace -c draws them.
type table struct {
	left  []bool
	lines [][]string // nil is a rule
}

func (t *table) header(cols ...string) {
	h := make([]string, len(cols))
	t.left = make([]bool, len(cols))
	for i, c := range cols {
		t.left[i] = strings.HasPrefix(c, "-")
		h[i] = strings.TrimPrefix(c, "-")
	}
	t.lines = append(t.lines, h, nil)
}

func (t *table) row(cells ...string) { t.lines = append(t.lines, cells) }

func (t *table) rule() { t.lines = append(t.lines, nil) }

func (t *table) write(w io.Writer) error {
	width := make([]int, len(t.left))
	for _, l := range t.lines {
		for i, c := range l {
			width[i] = max(width[i], len(c))
		}
	}
	bw := bufio.NewWriter(w)
	for _, l := range t.lines {
		var sb strings.Builder
		for i := range width {
			if i > 0 {
				sb.WriteByte(' ')
			}
			switch {
			case l == nil:
				sb.WriteString(strings.Repeat("-", width[i]))
			case t.left[i]:
				fmt.Fprintf(&sb, "%-*s", width[i], l[i])
			default:
				fmt.Fprintf(&sb, "%*s", width[i], l[i])
			}
		}
		bw.WriteString(strings.TrimRight(sb.String(), " "))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
