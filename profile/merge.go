package profile

import (
	"errors"
	"fmt"
	"maps"

	"github.com/stracectl/stracectl/emit"
)

// Collect reads the inputs names (strace text, JSON Lines events or
// recorded profiles, the output of stats --json; "-" is stdin, and none
// means stdin), each through p, and merges them into one profile grouped
// by by: each trace is one run, a recorded profile brings the runs it
// holds. An interrupt (see emit.Pump) stops the reading; what was read is
// kept.
func Collect(p *emit.Pump, names []string, by GroupBy) (*Profile, error) {
	if len(names) == 0 {
		names = []string{"-"}
	}
	var runs []*Profile
	for _, name := range names {
		if p.Interrupted {
			break
		}
		q, err := readProfile(p, name, by)
		if err != nil {
			return nil, err
		}
		runs = append(runs, q)
	}
	p.Report()
	return Merge(by, runs...), nil
}

// readProfile reads one input of Collect into a profile.
func readProfile(p *emit.Pump, name string, by GroupBy) (*Profile, error) {
	events := New(by)
	stream := emit.NewStream(events)
	rd, err := emit.Read(p, name, stream, NewReader)
	stream.Close() // a Profile does not fail, and has all events once closed
	if err != nil {
		return nil, err
	}
	if !rd.IsProfile() {
		return events, nil
	}
	rows := rd.Rows()
	if got := rows[0].By(); got != by {
		return nil, fmt.Errorf("%s holds stats rows grouped by %s, which cannot be regrouped by %s: profile the trace itself, or record it with --by %s", name, got, by, by)
	}
	q, err := FromRows(rows)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return q, nil
}

// FromRows rebuilds the profile that wrote rows (stats --json output, one
// grouping), so that it can be merged with others: a row with durations
// needs its histogram, which must agree with its latency fields.
func FromRows(rows []Row) (*Profile, error) {
	if len(rows) == 0 {
		return nil, errors.New("no stats rows")
	}
	p := &Profile{by: rows[0].By(), groups: make(map[groupKey]*group, len(rows)), runs: rows[0].runs()}
	for i := range rows {
		r := &rows[i]
		g, err := p.groupOf(r)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", r.By(), r.Name(), err)
		}
		if p.groups[g.key] != nil {
			return nil, fmt.Errorf("%s %s has two stats rows", r.By(), r.Name())
		}
		p.groups[g.key] = g
	}
	return p, nil
}

// groupOf rebuilds the group a row of p was written from.
func (p *Profile) groupOf(r *Row) (*group, error) {
	if r.By() != p.by {
		return nil, fmt.Errorf("a row grouped by %s among rows grouped by %s", r.By(), p.by)
	}
	if r.runs() != p.runs {
		return nil, fmt.Errorf("a row of %d runs among rows of %d", r.runs(), p.runs)
	}
	var k groupKey
	if p.by == ByPid {
		k.pid = *r.Pid
	} else {
		k.name = r.Name()
	}
	_, detail := r.detail()
	g := &group{key: k, calls: r.Calls, errors: r.Errors, unfinished: r.Unfinished, detail: maps.Clone(detail)}
	if g.detail == nil {
		g.detail = map[string]int64{}
	}
	for key, n := range g.detail {
		if n < 0 {
			return nil, fmt.Errorf("%s has a negative count", key)
		}
	}
	if r.Latency != nil {
		if r.Histogram == nil {
			return nil, errors.New(`latency without "histogram_ns" (recorded by an older stracectl?): record the profile again to merge it`)
		}
		h, err := histogramOf(r.Histogram, r.Latency)
		if err != nil {
			return nil, err
		}
		if h.n > r.Calls {
			return nil, fmt.Errorf(`"histogram_ns" holds %d durations for %d calls`, h.n, r.Calls)
		}
		g.durations = h
		if again := p.row(g).Latency; *again != *r.Latency {
			return nil, fmt.Errorf("the latency fields disagree with \"histogram_ns\", which gives %+v", *again)
		}
	}
	if p.runs > 1 {
		b := &bands{calls: r.callsPerRun(), errors: r.errorsPerRun(), detail: maps.Clone(r.detailPerRun())}
		if b.detail == nil {
			b.detail = map[string]Band{}
		}
		if err := b.check(g, p.runs); err != nil {
			return nil, err
		}
		g.perRun = b
	}
	return g, nil
}

// check says what is wrong with bands read back for g in a profile of
// runs runs: each total must lie within runs times its band, and every
// detail count needs its band.
func (b *bands) check(g *group, runs int64) error {
	within := func(n int64, b Band) bool { return b.Min*runs <= n && n <= b.Max*runs }
	if !within(g.calls, b.calls) || !within(g.errors, b.errors) {
		return fmt.Errorf("calls or errors outside %d runs of their per-run bands", runs)
	}
	if len(b.detail) != len(g.detail) {
		return errors.New("per-run bands and counts name different keys")
	}
	for k, n := range g.detail {
		band, ok := b.detail[k]
		if !ok || !within(n, band) {
			return fmt.Errorf("%s: count outside %d runs of its per-run band", k, runs)
		}
	}
	return nil
}

// Merge joins profiles grouped by by into one that holds all their runs:
// counts and histograms add up, and the band of each count per run spans
// the bands of all, a profile without the group (or the errno) counting
// 0 in each of its runs. With no profile, the result is one empty run.
func Merge(by GroupBy, ps ...*Profile) *Profile {
	switch len(ps) {
	case 0:
		return New(by)
	case 1:
		return ps[0]
	}
	out := &Profile{by: by, groups: map[groupKey]*group{}}
	for _, q := range ps {
		out.runs += q.runs
		out.events += q.events
		for k := range q.groups {
			if out.groups[k] == nil {
				out.groups[k] = &group{key: k, detail: map[string]int64{}}
			}
		}
	}
	for k, g := range out.groups {
		var acc *bands
		for _, q := range ps {
			qg := q.groups[k]
			var qb bands
			if qg != nil {
				g.calls += qg.calls
				g.errors += qg.errors
				g.unfinished += qg.unfinished
				g.durations.merge(&qg.durations)
				for key, n := range qg.detail {
					g.detail[key] += n
				}
				qb = qg.bands()
			}
			if acc == nil {
				acc = &bands{calls: qb.calls, errors: qb.errors, detail: map[string]Band{}}
			} else {
				acc.calls, acc.errors = acc.calls.widen(qb.calls), acc.errors.widen(qb.errors)
			}
		}
		// The bands of the detail counts, once every key is known.
		for key := range g.detail {
			var band *Band
			for _, q := range ps {
				var qb Band
				if qg := q.groups[k]; qg != nil {
					if qg.perRun != nil {
						qb = qg.perRun.detail[key]
					} else {
						qb = one(qg.detail[key])
					}
				}
				if band == nil {
					band = &qb
				} else {
					*band = band.widen(qb)
				}
			}
			acc.detail[key] = *band
		}
		g.perRun = acc
	}
	return out
}
