package profile

import (
	"cmp"
	"io"
	"iter"
	"slices"
	"strconv"
)

// DiffOptions are the gates of stracectl diff. A count (calls, errors, or
// failures with one errno) is compared with the baseline's band: the
// least and most it reached in one baseline run (the count itself for a
// baseline of one run). It passes inside the band, and also outside it
// unless it is beyond the band's nearer end by more than TolerancePct
// percent of that end AND by more than MinDelta. What fails, warns or is
// ignored is the Policy's choice.
type DiffOptions struct {
	TolerancePct float64
	MinDelta     int64
	// Ignore leaves these syscalls out (e.g. futex, which varies run to
	// run); Only, when not empty, compares these syscalls alone.
	Ignore, Only []string
	// GateLatency also judges a p95 latency that grows by more than
	// LatencyPct percent (RuleSlower); a syscall without durations on
	// both sides is not judged (see HasDurations).
	GateLatency bool
	LatencyPct  float64
	// Policy gives each rule its severity; nil is DefaultPolicy.
	Policy Policy
	// TopPct, when above 0, applies the count rule only to the syscalls
	// that make up TopPct percent of the baseline's calls (the most called
	// first), and to the total of calls; the other rules apply to all.
	TopPct float64
	// Advisory reports as usual, but the gate never fails (Failed).
	Advisory bool
	// Update is for a comparison before rewriting OLD with NEW's profile
	// (WriteBaseline): Compare then takes an OLD that does not exist yet
	// as empty, and refuses an OLD that is a trace.
	Update bool
}

// The metrics a Change is about.
const (
	MetricCalls  = "calls"  // completed calls; also a syscall that appeared or vanished
	MetricErrors = "errors" // failed calls
	MetricErrno  = "errno"  // failed calls with one errno (Change.Errno)
	MetricP95    = "p95_ns" // p95 latency in nanoseconds
)

// TotalName is the Syscall of the change of the total of calls, judged
// with DiffOptions.TopPct.
const TotalName = "total"

// Change is one changed value of a syscall between two profiles.
type Change struct {
	Syscall string
	Metric  string // one of the Metric constants
	Errno   string // with MetricErrno
	// Old and New are the values compared: with profiles of several runs,
	// the ends of the bands nearest each other (see OldBand, NewBand).
	// HasOld and HasNew are false when the syscall (or the errno) is
	// absent on that side.
	Old, New       int64
	HasOld, HasNew bool
	// OldBand and NewBand are the least and most count in one run of each
	// side, over its OldRuns and NewRuns runs (zero for p95, and for an
	// absent side).
	OldBand, NewBand Band
	OldRuns, NewRuns int64
	// Rule is the rule that judged the change, "" for none; Verdict is
	// that rule's severity when it finds fault, else OK.
	Rule    Rule
	Verdict Severity
	// Regression is Verdict == Fail. Flaky is set on a change that passes
	// because the baseline runs disagree on it (absent from some).
	Regression bool
	Flaky      bool
	Why        string // why it regresses or passes: "new syscall", "within tolerance"...
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
	Changes  []Change // by syscall, then calls, errors, errnos, p95; the total last
	Compared int      // syscalls compared (present on either side, not ignored)
	// Unmatched lists the names of DiffOptions.Only found in neither
	// profile: most likely a typo, which would make the gate pass vacuously.
	Unmatched []string
	// OldRuns and NewRuns are the runs each side holds.
	OldRuns, NewRuns int64
	// Top lists the syscalls the count rule judged with DiffOptions.TopPct.
	Top     []string
	opts    DiffOptions
	newRows []Row
}

// Regressions returns the syscalls with a change that fails, in the
// report's order (by name, the total last).
func (r *DiffReport) Regressions() []string { return r.syscallsWith(Fail) }

// Warnings returns the syscalls with a change that warns, in the report's
// order.
func (r *DiffReport) Warnings() []string { return r.syscallsWith(Warn) }

// Failed reports whether the gate fails: a change fails, and the
// comparison is not advisory.
func (r *DiffReport) Failed() bool { return !r.opts.Advisory && len(r.Regressions()) > 0 }

func (r *DiffReport) syscallsWith(v Severity) []string {
	var names []string
	for _, c := range r.Changes {
		if c.Verdict == v && !slices.Contains(names, c.Syscall) {
			names = append(names, c.Syscall)
		}
	}
	return names
}

// WriteBaseline writes the new profile as stats --json does: the baseline
// that --update writes.
func (r *DiffReport) WriteBaseline(w io.Writer) error { return WriteJSON(w, r.newRows) }

// HasDurations reports whether any row has durations: --latency needs
// them on both sides.
func HasDurations(rows []Row) bool {
	return slices.ContainsFunc(rows, func(r Row) bool { return r.Latency != nil })
}

// Diff compares two profiles grouped by syscall (see Reader.DiffRows),
// each of one run or several. Rows without completed calls (calls that
// never returned alone) are not compared.
func Diff(oldRows, newRows []Row, opts DiffOptions) *DiffReport {
	if opts.Policy == nil {
		opts.Policy = DefaultPolicy()
	}
	index := func(rows []Row) map[string]*Row {
		m := make(map[string]*Row, len(rows))
		for i := range rows {
			if rows[i].Calls > 0 {
				m[rows[i].Name()] = &rows[i]
			}
		}
		return m
	}
	olds, news := index(oldRows), index(newRows)
	names := slices.DeleteFunc(slices.Sorted(keysOf(olds, news)), func(name string) bool { return !opts.selects(name) })
	rep := &DiffReport{Compared: len(names), OldRuns: runsOf(oldRows), NewRuns: runsOf(newRows), opts: opts, newRows: newRows}
	for _, name := range opts.Only {
		if olds[name] == nil && news[name] == nil {
			rep.Unmatched = append(rep.Unmatched, name)
		}
	}
	top := rep.top(names, olds)
	for _, name := range names {
		rep.compare(name, olds[name], news[name], top == nil || top[name])
	}
	if top != nil {
		rep.total(names, olds, news)
	}
	return rep
}

// runsOf is the number of runs of a profile's rows.
func runsOf(rows []Row) int64 {
	if len(rows) == 0 {
		return 1
	}
	return rows[0].runs()
}

func (o *DiffOptions) selects(name string) bool {
	if slices.Contains(o.Ignore, name) {
		return false
	}
	return len(o.Only) == 0 || slices.Contains(o.Only, name)
}

// top returns the syscalls that make up TopPct percent of the baseline's
// calls, the most called first; nil without TopPct.
func (r *DiffReport) top(names []string, olds map[string]*Row) map[string]bool {
	if r.opts.TopPct <= 0 {
		return nil
	}
	var total int64
	var called []*Row
	for _, name := range names {
		if o := olds[name]; o != nil {
			total += o.Calls
			called = append(called, o)
		}
	}
	slices.SortStableFunc(called, func(a, b *Row) int { return cmp.Compare(b.Calls, a.Calls) })
	top := map[string]bool{}
	var sum int64
	for _, o := range called {
		if 100*float64(sum) >= r.opts.TopPct*float64(total) {
			break
		}
		sum += o.Calls
		top[o.Name()] = true
		r.Top = append(r.Top, o.Name())
	}
	return top
}

// compare adds the changes of one syscall; either row may be nil. counted
// is false for a syscall the count rule leaves out (DiffOptions.TopPct).
func (r *DiffReport) compare(name string, o, n *Row, counted bool) {
	switch {
	case o == nil:
		band := n.callsPerRun()
		r.judge(Change{Syscall: name, Metric: MetricCalls, New: band.Max, HasNew: true, NewBand: band}, RuleNewSyscall, "new syscall")
		return
	case n == nil:
		if o.callsPerRun().Min == 0 {
			return // absent from some baseline run too: inside its band
		}
		band := o.callsPerRun()
		r.judge(Change{Syscall: name, Metric: MetricCalls, Old: band.Min, HasOld: true, OldBand: band}, RuleVanished, "vanished")
		return
	}
	// A syscall that some baseline runs did not make is flaky: reported,
	// never judged by a rule.
	flaky := o.callsPerRun().Min == 0
	both := Change{Syscall: name, HasOld: true, HasNew: true}
	if counted {
		calls, errs := both, both
		calls.Metric, calls.OldBand, calls.NewBand = MetricCalls, o.callsPerRun(), n.callsPerRun()
		errs.Metric, errs.OldBand, errs.NewBand = MetricErrors, o.errorsPerRun(), n.errorsPerRun()
		r.count(calls, flaky)
		r.count(errs, flaky)
	}
	for _, e := range slices.Sorted(keysOf(o.Errnos, n.Errnos)) {
		c := both
		c.Metric, c.Errno, c.OldBand, c.NewBand = MetricErrno, e, o.detailBand(e), n.detailBand(e)
		_, c.HasOld = o.Errnos[e]
		_, c.HasNew = n.Errnos[e]
		switch {
		case !c.HasOld:
			c.New = c.NewBand.Max
			if flaky {
				c.Flaky = true
				r.pass(c, "new errno of a "+r.flakyText())
			} else {
				r.judge(c, RuleNewErrno, "new errno")
			}
		case counted:
			// An errno some baseline runs did not meet is flaky too.
			r.count(c, flaky || c.OldBand.Min == 0)
		}
	}
	if r.opts.GateLatency && o.Latency != nil && n.Latency != nil {
		r.latency(Change{Syscall: name, Metric: MetricP95, Old: o.P95Ns, New: n.P95Ns, HasOld: true, HasNew: true}, flaky)
	}
}

// total judges the total of calls of the compared syscalls, with the
// count rule: its band is the sum of their bands.
func (r *DiffReport) total(names []string, olds, news map[string]*Row) {
	c := Change{Syscall: TotalName, Metric: MetricCalls, HasOld: true, HasNew: true}
	for _, name := range names {
		if o := olds[name]; o != nil {
			b := o.callsPerRun()
			c.OldBand.Min += b.Min
			c.OldBand.Max += b.Max
		}
		if n := news[name]; n != nil {
			b := n.callsPerRun()
			c.NewBand.Min += b.Min
			c.NewBand.Max += b.Max
		}
	}
	r.count(c, false)
}

// count judges a count by its bands: inside the old band it is not
// reported; beyond it, by the tolerance. A flaky count never fails.
func (r *DiffReport) count(c Change, flaky bool) {
	ob, nb := c.OldBand, c.NewBand
	var ends [][2]int64 // old and new ends that stick out
	if nb.Max > ob.Max {
		ends = append(ends, [2]int64{ob.Max, nb.Max})
	}
	if nb.Min < ob.Min {
		ends = append(ends, [2]int64{ob.Min, nb.Min})
	}
	if len(ends) == 0 {
		return
	}
	// The end beyond tolerance, else the one further out.
	slices.SortStableFunc(ends, func(a, b [2]int64) int {
		if ba, bb := r.beyond(a[0], a[1]), r.beyond(b[0], b[1]); ba != bb {
			if ba {
				return -1
			}
			return 1
		}
		return cmp.Compare(abs(b[1]-b[0]), abs(a[1]-a[0]))
	})
	c.Old, c.New = ends[0][0], ends[0][1]
	switch {
	case !r.beyond(c.Old, c.New):
		r.pass(c, "within tolerance")
	case flaky:
		c.Flaky = true
		r.pass(c, r.flakyText())
	default:
		r.judge(c, RuleCount, "changed by more than "+pctText(r.opts.TolerancePct)+" and more than "+strconv.FormatInt(r.opts.MinDelta, 10))
	}
}

// beyond reports whether new is beyond tolerance of old.
func (r *DiffReport) beyond(old, new int64) bool {
	d := abs(new - old)
	return d > r.opts.MinDelta && 100*float64(d) > r.opts.TolerancePct*float64(old)
}

func (r *DiffReport) flakyText() string {
	return "flaky: absent from some of the " + strconv.FormatInt(r.OldRuns, 10) + " baseline runs"
}

// latency reports a p95 that moved by more than the latency tolerance;
// only growth is judged (RuleSlower).
func (r *DiffReport) latency(c Change, flaky bool) {
	limit := float64(c.Old) * r.opts.LatencyPct / 100
	switch d := float64(c.Delta()); {
	case d > limit && flaky:
		c.Flaky = true
		r.pass(c, r.flakyText())
	case d > limit:
		r.judge(c, RuleSlower, "p95 slower by more than "+pctText(r.opts.LatencyPct))
	case -d > limit:
		r.pass(c, "p95 faster by more than "+pctText(r.opts.LatencyPct))
	}
}

// judge adds a change that rule finds fault with, with the rule's
// severity as its verdict.
func (r *DiffReport) judge(c Change, rule Rule, why string) {
	c.Rule, c.Why = rule, why
	c.Verdict = r.opts.Policy.Of(rule)
	c.Regression = c.Verdict == Fail
	r.add(c)
}

// pass adds a change that passes.
func (r *DiffReport) pass(c Change, why string) {
	c.Verdict, c.Why = OK, why
	r.add(c)
}

func (r *DiffReport) add(c Change) {
	c.OldRuns, c.NewRuns = r.OldRuns, r.NewRuns
	r.Changes = append(r.Changes, c)
}

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
