package profile

import (
	"errors"
	"fmt"
)

// Counted is one syscall as a tracer counted it itself, without events:
// the eBPF backend counts every call in the kernel (run --summary). Its
// fields are those of tracer.CallCounts, which converts to it.
type Counted struct {
	Syscall string
	// Calls, Errors and Unfinished are counted by strace -c's rule (see
	// Row).
	Calls, Errors, Unfinished int64
	// Errnos counts the failed calls by errno.
	Errnos map[string]int64
	// TotalNs, MinNs and MaxNs are exact, over the calls that returned.
	TotalNs, MinNs, MaxNs int64
	// Durations are the calls' durations in coarse buckets, each a pair of
	// the duration standing for the bucket and its count, ascending; the
	// counts add up to Calls.
	Durations [][2]int64
}

// AddCounted adds the counts of one syscall to a profile grouped by
// syscall. The latency's total, min and max stay exact; its percentiles
// are as precise as c.Durations' buckets.
func (p *Profile) AddCounted(c *Counted) error {
	if p.by != BySyscall {
		return fmt.Errorf("counts of calls make a profile by syscall, not by %s", p.by)
	}
	if c.Syscall == "" || c.Calls < 0 || c.Errors < 0 || c.Errors > c.Calls || c.Unfinished < 0 {
		return fmt.Errorf("counts of %q: errors > calls or negative counts", c.Syscall)
	}
	var h histogram
	if err := h.addCounted(c.Durations, c.TotalNs, c.MinNs, c.MaxNs); err != nil {
		return fmt.Errorf("counts of %s: %w", c.Syscall, err)
	}
	if h.n != 0 && h.n != c.Calls {
		return fmt.Errorf("counts of %s: %d durations for %d calls", c.Syscall, h.n, c.Calls)
	}
	g := p.group(groupKey{name: c.Syscall})
	g.calls += c.Calls
	g.errors += c.Errors
	g.unfinished += c.Unfinished
	for errno, n := range c.Errnos {
		p.count(g.detail, errno, n)
	}
	g.durations.merge(&h)
	return nil
}

// addCounted fills an empty histogram with durations counted in buckets:
// pairs of the value that stands for a bucket and its count, and the exact
// total, least and greatest of them. Every value is taken within [lo, hi],
// and the least and the greatest are placed as they are: percentiles then
// never fall outside them, and the histogram reads back as it was written.
func (h *histogram) addCounted(pairs [][2]int64, total, lo, hi int64) error {
	var n int64
	for _, p := range pairs {
		if p[1] <= 0 {
			return errors.New("a bucket of durations with no calls")
		}
		n += p[1]
	}
	if n == 0 {
		return nil
	}
	if lo < 0 || hi < lo || total < 0 {
		return errors.New("durations need 0 <= min <= max and a total of at least 0")
	}
	h.n, h.sum, h.min, h.max = n, total, lo, hi
	h.place(lo, 1)
	if n > 1 {
		h.place(hi, 1)
	}
	first, last := 0, len(pairs)-1
	for i, p := range pairs {
		k := p[1]
		if i == first {
			k-- // lo stands for one of them
		}
		if i == last && n > 1 {
			k-- // and hi for one of these
		}
		if k > 0 {
			h.place(min(max(p[0], lo), hi), k)
		}
	}
	return nil
}
