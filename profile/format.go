package profile

import (
	"bufio"
	"cmp"
	"encoding/json"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/stracectl/stracectl/emit"
)

// SortKey orders the rows of a profile.
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
func SortRows(rows []Row, key SortKey) {
	metric := func(r *Row) int64 {
		switch key {
		case SortCalls:
			return r.Calls
		case SortErrors:
			return r.Errors
		case SortTotal:
			return r.latency().TotalNs
		case SortP95:
			return r.latency().P95Ns
		}
		return 0
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
		if c := cmp.Compare(metric(&b), metric(&a)); c != 0 {
			return c
		}
		if key != SortName {
			if c := cmp.Compare(b.Calls, a.Calls); c != 0 {
				return c
			}
		}
		if a.Pid != nil && b.Pid != nil {
			return cmp.Compare(*a.Pid, *b.Pid)
		}
		return strings.Compare(a.Name(), b.Name())
	})
}

// Format is how Print writes a profile.
type Format string

// The formats of stracectl stats.
const (
	Table Format = "table" // aligned columns like strace -c, with a total line
	JSON  Format = "json"  // one object per group per line, no total
	CSV   Format = "csv"   // a header, then one record per group, no total
)

// Print writes the profile's rows, sorted by sort, in format: a table
// with a total line, JSON Lines (every row: stats --json, which Reader
// reads back) or CSV. The table and the CSV, like strace -c, show only
// the groups with completed calls.
func (p *Profile) Print(w io.Writer, sort SortKey, format Format) error {
	rows := p.Rows()
	SortRows(rows, sort)
	if format == JSON {
		return WriteJSON(w, rows)
	}
	rows = slices.DeleteFunc(rows, func(r Row) bool { return r.Calls == 0 })
	if format == CSV {
		return WriteCSV(w, p.by, rows)
	}
	return WriteTable(w, p.by, rows, p.Total())
}

// WriteJSON writes rows as JSON Lines, one object per row: the group key
// first ({"syscall":"openat"} or {"pid":42}), the counts, the runs and
// per-run bands of a profile of several runs, the latency fields and
// histogram only when the row has durations, then errnos (or syscalls,
// grouped by errno) with sorted keys. Reader reads them back.
func WriteJSON(w io.Writer, rows []Row) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := range rows {
		if err := enc.Encode(&rows[i]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteCSV writes rows as CSV: a header (the group column is named by by),
// then one record per row. Latency fields are empty without durations; the
// errnos (or syscalls) column is a JSON object, which databases can cast
// (PostgreSQL ::jsonb). Rows of several runs add the columns runs,
// min_calls and max_calls (calls per run).
func WriteCSV(w io.Writer, by GroupBy, rows []Row) error {
	detail := "errnos"
	if by == ByErrno {
		detail = "syscalls"
	}
	multi := manyRuns(rows)
	header := string(by) + ",calls,errors,total_ns,avg_ns,min_ns,p50_ns,p95_ns,p99_ns,max_ns," + detail
	if multi {
		header += ",runs,min_calls,max_calls"
	}
	b := []byte(header + "\n")
	for i := range rows {
		r := &rows[i]
		b = emit.AppendCSVField(b, r.Name())
		for _, v := range []int64{r.Calls, r.Errors} {
			b = strconv.AppendInt(append(b, ','), v, 10)
		}
		l := r.latency()
		for _, v := range []int64{l.TotalNs, l.AvgNs, l.MinNs, l.P50Ns, l.P95Ns, l.P99Ns, l.MaxNs} {
			b = append(b, ',')
			if r.Latency != nil {
				b = strconv.AppendInt(b, v, 10)
			}
		}
		_, m := r.detail()
		counts, err := json.Marshal(m)
		if err != nil {
			return err
		}
		if m == nil {
			counts = []byte("{}")
		}
		b = emit.AppendCSVField(append(b, ','), string(counts))
		if multi {
			band := r.callsPerRun()
			for _, v := range []int64{r.runs(), band.Min, band.Max} {
				b = strconv.AppendInt(append(b, ','), v, 10)
			}
		}
		b = append(b, '\n')
	}
	_, err := w.Write(b)
	return err
}

// WriteTable writes rows as an aligned table in the manner of strace -c:
// % time, seconds, usecs/call, calls, errors and the group, with the
// latency percentiles before the group and the errnos after it, a dashed
// line under the header and a total line. Without durations only calls,
// errors, the group and the errnos are shown. Rows of several runs add,
// after the calls, the least and most calls in one run ("calls/run").
func WriteTable(w io.Writer, by GroupBy, rows []Row, total Row) error {
	detail := "errnos"
	if by == ByErrno {
		detail = "syscalls"
	}
	timed := total.Latency != nil
	multi := manyRuns(rows)
	counts := []column{right("calls")}
	if multi {
		counts = append(counts, right("calls/run"))
	}
	counts = append(counts, right("errors"))
	t := table{}
	if timed {
		t.header(slices.Concat([]column{right("% time"), right("seconds"), right("usecs/call")}, counts,
			[]column{right("p50"), right("p95"), right("p99"), right("max"), left(string(by)), left(detail)})...)
	} else {
		t.header(slices.Concat(counts, []column{left(string(by)), left(detail)})...)
	}
	// countCells are the calls, their band per run and the errors.
	countCells := func(r *Row, errs string) []string {
		cells := []string{itoa(r.Calls)}
		if multi {
			band := ""
			if r.CallsPerRun != nil {
				band = bandText(*r.CallsPerRun)
			}
			cells = append(cells, band)
		}
		return append(cells, errs)
	}
	line := func(r *Row) {
		name := r.Name()
		if name == "" {
			name = "?"
		}
		_, m := r.detail()
		errs := ""
		if r.Errors > 0 {
			errs = itoa(r.Errors)
		}
		if !timed {
			t.row(slices.Concat(countCells(r, errs), []string{name, countsText(m)})...)
			return
		}
		l := r.latency()
		pct := 0.0
		if total.TotalNs > 0 {
			pct = 100 * float64(l.TotalNs) / float64(total.TotalNs)
		}
		cells := []string{strconv.FormatFloat(pct, 'f', 2, 64), strconv.FormatFloat(float64(l.TotalNs)/1e9, 'f', 6, 64)}
		if r.Latency != nil {
			cells = append(append(cells, itoa(l.AvgNs/1000)), countCells(r, errs)...)
			cells = append(cells, durationText(l.P50Ns), durationText(l.P95Ns), durationText(l.P99Ns), durationText(l.MaxNs))
		} else {
			cells = append(append(cells, ""), countCells(r, errs)...)
			cells = append(cells, "", "", "", "")
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

// manyRuns reports whether rows are of a profile of several runs.
func manyRuns(rows []Row) bool {
	return slices.ContainsFunc(rows, func(r Row) bool { return r.Runs > 1 })
}

// bandText prints a band as "min..max", or one number when min is max.
func bandText(b Band) string {
	if b.Min == b.Max {
		return itoa(b.Min)
	}
	return itoa(b.Min) + ".." + itoa(b.Max)
}

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
		sb.WriteString(emit.CleanText(k))
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

// column is a table column's heading and alignment.
type column struct {
	heading string
	left    bool // text columns are left-aligned, numbers right-aligned
}

func left(heading string) column  { return column{heading, true} }
func right(heading string) column { return column{heading, false} }

// table lays out text in columns separated by one space, each as wide as
// its widest cell. A rule is a line of dashes per column, as strace -c
// draws them.
type table struct {
	columns []column
	lines   [][]string // nil is a rule
}

func (t *table) header(cols ...column) {
	t.columns = cols
	h := make([]string, len(cols))
	for i, c := range cols {
		h[i] = c.heading
	}
	t.lines = append(t.lines, h, nil)
}

func (t *table) row(cells ...string) { t.lines = append(t.lines, cells) }

func (t *table) rule() { t.lines = append(t.lines, nil) }

func (t *table) write(w io.Writer) error {
	width := make([]int, len(t.columns))
	for _, l := range t.lines {
		for i, c := range l {
			width[i] = max(width[i], len(c))
		}
	}
	bw := bufio.NewWriter(w)
	for _, l := range t.lines {
		var sb strings.Builder
		for i, col := range t.columns {
			if i > 0 {
				sb.WriteByte(' ')
			}
			cell := strings.Repeat("-", width[i])
			if l != nil {
				cell = l[i]
			}
			pad := strings.Repeat(" ", width[i]-len(cell))
			if col.left {
				sb.WriteString(cell + pad)
			} else {
				sb.WriteString(pad + cell)
			}
		}
		bw.WriteString(strings.TrimRight(sb.String(), " "))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// Ensure that a Profile ends a pipeline.
var _ emit.Sink = (*Profile)(nil)
