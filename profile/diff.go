package profile

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
)

// DiffOptions are the gates of stracectl diff. A count (calls, errors, or
// failures with one errno) regresses when it changes by more than
// TolerancePct percent of the old count AND by more than MinDelta; a
// syscall that appears or vanishes, and a new errno on a syscall, always
// regress.
type DiffOptions struct {
	TolerancePct float64
	MinDelta     int64
	// Ignore leaves these syscalls out (e.g. futex, which varies run to
	// run); Only, when not empty, compares these syscalls alone.
	Ignore, Only []string
	// GateLatency also fails a p95 latency that grows by more than
	// LatencyPct percent; a syscall without durations on both sides is
	// not gated (see HasDurations).
	GateLatency bool
	LatencyPct  float64
}

// The metrics a Change is about.
const (
	MetricCalls  = "calls"  // completed calls; also a syscall that appeared or vanished
	MetricErrors = "errors" // failed calls
	MetricErrno  = "errno"  // failed calls with one errno (Change.Errno)
	MetricP95    = "p95_ns" // p95 latency in nanoseconds
)

// Change is one changed value of a syscall between two profiles.
type Change struct {
	Syscall string
	Metric  string // one of the Metric constants
	Errno   string // with MetricErrno
	// Old and New are the values; HasOld and HasNew are false when the
	// syscall (or the errno) is absent on that side.
	Old, New       int64
	HasOld, HasNew bool
	Regression     bool
	Why            string // why it regresses or passes: "new syscall", "within tolerance"...
}

// Delta is New minus Old, absent values counting as 0.
func (c *Change) Delta() int64 { return c.New - c.Old }

// Pct is the change relative to Old in percent; ok is false when Old is
// absent or 0.
func (c *Change) Pct() (pct float64, ok bool) {
	if !c.HasOld || c.Old == 0 {
		return 0, false
	}
	return 100 * float64(c.Delta()) / float64(c.Old), true
}

// DiffReport is the result of comparing two profiles.
type DiffReport struct {
	Changes  []Change // by syscall, then calls, errors, errnos, p95
	Compared int      // syscalls compared (present on either side, not ignored)
	// Unmatched lists the names of DiffOptions.Only found in neither
	// profile: most likely a typo, which would make the gate pass vacuously.
	Unmatched []string
	opts      DiffOptions
}

// Regressions returns the syscalls with a change beyond tolerance, sorted.
func (r *DiffReport) Regressions() []string {
	var names []string
	for _, c := range r.Changes {
		if c.Regression && (len(names) == 0 || names[len(names)-1] != c.Syscall) {
			names = append(names, c.Syscall)
		}
	}
	return names
}

// HasDurations reports whether any row has durations: --latency needs
// them on both sides.
func HasDurations(rows []Row) bool {
	return slices.ContainsFunc(rows, func(r Row) bool { return r.Latency != nil })
}

// Diff compares two profiles grouped by syscall (see Reader.DiffRows).
func Diff(oldRows, newRows []Row, opts DiffOptions) *DiffReport {
	index := func(rows []Row) map[string]*Row {
		m := make(map[string]*Row, len(rows))
		for i := range rows {
			m[rows[i].Name()] = &rows[i]
		}
		return m
	}
	olds, news := index(oldRows), index(newRows)
	names := slices.DeleteFunc(slices.Sorted(keysOf(olds, news)), func(name string) bool { return !opts.selects(name) })
	rep := &DiffReport{Compared: len(names), opts: opts}
	for _, name := range opts.Only {
		if olds[name] == nil && news[name] == nil {
			rep.Unmatched = append(rep.Unmatched, name)
		}
	}
	for _, name := range names {
		rep.compare(name, olds[name], news[name])
	}
	return rep
}

func (o *DiffOptions) selects(name string) bool {
	if slices.Contains(o.Ignore, name) {
		return false
	}
	return len(o.Only) == 0 || slices.Contains(o.Only, name)
}

// compare adds the changes of one syscall; either row may be nil.
func (r *DiffReport) compare(name string, o, n *Row) {
	switch {
	case o == nil:
		r.add(Change{Syscall: name, Metric: MetricCalls, New: n.Calls, HasNew: true, Regression: true, Why: "new syscall"})
		return
	case n == nil:
		r.add(Change{Syscall: name, Metric: MetricCalls, Old: o.Calls, HasOld: true, Regression: true, Why: "vanished"})
		return
	}
	r.count(Change{Syscall: name, Metric: MetricCalls, Old: o.Calls, New: n.Calls, HasOld: true, HasNew: true})
	r.count(Change{Syscall: name, Metric: MetricErrors, Old: o.Errors, New: n.Errors, HasOld: true, HasNew: true})
	errnos := slices.Sorted(keysOf(o.Errnos, n.Errnos))
	for _, e := range errnos {
		ov, inOld := o.Errnos[e]
		nv, inNew := n.Errnos[e]
		c := Change{Syscall: name, Metric: MetricErrno, Errno: e, Old: ov, New: nv, HasOld: inOld, HasNew: inNew}
		if !inOld {
			c.Regression, c.Why = true, "new errno"
			r.add(c)
			continue
		}
		r.count(c)
	}
	if r.opts.GateLatency && o.Latency != nil && n.Latency != nil {
		r.latency(Change{Syscall: name, Metric: MetricP95, Old: o.P95Ns, New: n.P95Ns, HasOld: true, HasNew: true})
	}
}

// count judges a changed count by the tolerance; an unchanged one is not
// reported.
func (r *DiffReport) count(c Change) {
	d := c.Delta()
	if d == 0 {
		return
	}
	if abs(d) > r.opts.MinDelta && 100*float64(abs(d)) > r.opts.TolerancePct*float64(c.Old) {
		c.Regression = true
		c.Why = "changed by more than " + pctText(r.opts.TolerancePct) + " and more than " + strconv.FormatInt(r.opts.MinDelta, 10)
	} else {
		c.Why = "within tolerance"
	}
	r.add(c)
}

// latency reports a p95 that moved by more than the latency tolerance;
// only growth regresses.
func (r *DiffReport) latency(c Change) {
	limit := float64(c.Old) * r.opts.LatencyPct / 100
	switch d := float64(c.Delta()); {
	case d > limit:
		c.Regression, c.Why = true, "p95 slower by more than "+pctText(r.opts.LatencyPct)
	case -d > limit:
		c.Why = "p95 faster by more than " + pctText(r.opts.LatencyPct)
	default:
		return
	}
	r.add(c)
}

func (r *DiffReport) add(c Change) { r.Changes = append(r.Changes, c) }

// keysOf yields each key of the maps once.
func keysOf[V any](ms ...map[string]V) iter.Seq[string] {
	return func(yield func(string) bool) {
		seen := map[string]bool{}
		for _, m := range ms {
			for k := range m {
				if !seen[k] {
					seen[k] = true
					if !yield(k) {
						return
					}
				}
			}
		}
	}
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func pctText(p float64) string { return strconv.FormatFloat(p, 'f', -1, 64) + "%" }

// WriteText writes the report as an aligned table of the changed values,
// then one line with the verdict, naming each offending syscall.
func (r *DiffReport) WriteText(w io.Writer) error {
	t := table{}
	t.header(left("syscall"), left("metric"), right("old"), right("new"), right("change"), left("verdict"))
	for i := range r.Changes {
		c := &r.Changes[i]
		verdict := "ok: " + c.Why
		if c.Regression {
			verdict = "REGRESSION: " + c.Why
		}
		metric := c.Metric
		if c.Metric == MetricErrno {
			metric = c.Errno
		}
		t.row(c.Syscall, metric, c.valueText(c.Old, c.HasOld), c.valueText(c.New, c.HasNew), c.changeText(), verdict)
	}
	var err error
	if len(r.Changes) > 0 {
		err = t.write(w)
	}
	if _, werr := io.WriteString(w, r.verdict()+"\n"); err == nil {
		err = werr
	}
	return err
}

func (c *Change) valueText(v int64, present bool) string {
	switch {
	case !present:
		return "-"
	case c.Metric == MetricP95:
		return durationText(v)
	}
	return strconv.FormatInt(v, 10)
}

func (c *Change) changeText() string {
	var s string
	if c.Metric != MetricP95 {
		s = fmt.Sprintf("%+d", c.Delta())
	}
	if pct, ok := c.Pct(); ok {
		p := fmt.Sprintf("%+.1f%%", pct)
		if s == "" {
			return p
		}
		return s + " (" + p + ")"
	}
	return s
}

// verdict is the last line of the text report.
func (r *DiffReport) verdict() string {
	within := 0
	for _, c := range r.Changes {
		if !c.Regression {
			within++
		}
	}
	compared := plural(r.Compared, "syscall") + " compared"
	if regs := r.Regressions(); len(regs) > 0 {
		return fmt.Sprintf("FAIL: %s; changed beyond tolerance: %s", compared, strings.Join(regs, ", "))
	}
	if within > 0 {
		return fmt.Sprintf("OK: %s; %s within tolerance", compared, plural(within, "change"))
	}
	return "OK: " + compared + "; no change"
}

// plural prints n and the noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// WriteJSON writes one JSON object per change:
// {"syscall":"openat","metric":"calls","old":32,"new":432,"delta":400,
// "pct":1250,"regression":true,"why":"changed by more than 10% and more than 5"}; "errno" is
// added for metric errno; "old"/"new" are null when absent and "pct" is
// null when the old value is absent or 0.
func (r *DiffReport) WriteJSON(w io.Writer) error {
	type changeJSON struct {
		Syscall    string   `json:"syscall"`
		Metric     string   `json:"metric"`
		Errno      string   `json:"errno,omitempty"`
		Old        *int64   `json:"old"`
		New        *int64   `json:"new"`
		Delta      int64    `json:"delta"`
		Pct        *float64 `json:"pct"`
		Regression bool     `json:"regression"`
		Why        string   `json:"why"`
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := range r.Changes {
		c := &r.Changes[i]
		out := changeJSON{Syscall: c.Syscall, Metric: c.Metric, Errno: c.Errno, Delta: c.Delta(), Regression: c.Regression, Why: c.Why}
		if c.HasOld {
			out.Old = &c.Old
		}
		if c.HasNew {
			out.New = &c.New
		}
		if pct, ok := c.Pct(); ok {
			rounded := math.Round(pct*10) / 10
			out.Pct = &rounded
		}
		if err := enc.Encode(&out); err != nil {
			return err
		}
	}
	return bw.Flush()
}
