//go:build linux && (amd64 || arm64)

package ebpf

import (
	"errors"
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"

	"github.com/stracectl/stracectl/tracer"
	"github.com/stracectl/stracectl/tracer/syscalls"
)

// The kernel's counts of the calls (struct call_count and the errnos map
// of ebpf.c): every traced call, whether or not its record reached us.
// They tell what was lost, per syscall, and make the profile of --summary.

// The shape of the latency histograms of ebpf.c.
const (
	histSub     = int(tpBtfLimitsHIST_SUB)
	histBuckets = int(tpBtfLimitsHIST_BUCKETS)
	histBits    = int(tpBtfLimitsHIST_BITS)
	errnoShift  = int(tpBtfLimitsERRNO_SHIFT)
)

// histBucket is the bucket of a duration, as hist_bucket in ebpf.c finds
// it: 0 to 3 ns their own, then histSub buckets per bit length.
func histBucket(ns uint64) int {
	if ns < uint64(histSub) {
		return int(ns)
	}
	n := bits.Len64(ns)
	if n > histBits {
		return histBuckets - 1
	}
	return (n-2)*histSub + int(ns>>(n-3))&(histSub-1)
}

// histMid is the duration that stands for bucket b: the middle of its
// range (the least value of the last one, which has no end).
func histMid(b int) int64 {
	if b < histSub {
		return int64(b)
	}
	n, sub := b/histSub+2, b%histSub
	width := int64(1) << (n - 3)
	low := int64(histSub+sub) << (n - 3)
	if b == histBuckets-1 {
		return low
	}
	return low + width/2
}

// counted is the kernel's count of one syscall, summed over the CPUs.
type counted struct {
	calls, unfinished, errors, totalNs uint64
	minNs, maxNs                       uint64
	hist                               [tpBtfLimitsHIST_BUCKETS]uint64
}

// returned is how many of the calls returned.
func (c *counted) returned() uint64 { return c.calls - c.unfinished }

// add adds one CPU's count.
func (c *counted) add(cpu *callCount) {
	if r := cpu.Calls - cpu.Unfinished; r > 0 {
		if c.returned() == 0 || cpu.MinNs < c.minNs {
			c.minNs = cpu.MinNs
		}
		c.maxNs = max(c.maxNs, cpu.MaxNs)
	}
	c.calls += cpu.Calls
	c.unfinished += cpu.Unfinished
	c.errors += cpu.Errors
	c.totalNs += cpu.TotalNs
	for i, n := range cpu.Hist {
		c.hist[i] += n
	}
}

// kernelCounts reads the counts of every syscall that had a call, by
// number, summed over the CPUs.
func (b *ebpfBackend) kernelCounts() (map[uint32]*counted, error) {
	out := map[uint32]*counted{}
	var perCPU []callCount
	for nr := range b.objs.Counts.MaxEntries() {
		if err := b.objs.Counts.Lookup(nr, &perCPU); err != nil {
			return nil, fmt.Errorf("reading the kernel's count of syscall %d: %w", nr, err)
		}
		var c counted
		for i := range perCPU {
			c.add(&perCPU[i])
		}
		if c.calls > 0 {
			out[nr] = &c
		}
	}
	return out, nil
}

// kernelErrnos reads the failed calls counted by syscall number and errno.
func (b *ebpfBackend) kernelErrnos() (map[uint32]map[int]int64, error) {
	out := map[uint32]map[int]int64{}
	var key uint32
	var perCPU []uint64
	it := b.objs.Errnos.Iterate()
	for it.Next(&key, &perCPU) {
		nr, errno := key>>errnoShift, int(key&(1<<errnoShift-1))
		if out[nr] == nil {
			out[nr] = map[int]int64{}
		}
		for _, n := range perCPU {
			out[nr][errno] += int64(n)
		}
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("reading the kernel's count of errnos: %w", err)
	}
	return out, nil
}

// errnoName is the name of errno in a profile: its symbol, or "errno N"
// for a number without one.
func errnoName(errno int) string {
	if name := syscalls.ErrnoName(errno); name != "" {
		return name
	}
	return "errno " + strconv.Itoa(errno)
}

// callCounts turns the kernel's counts into the profile of --summary, one
// entry per syscall, by name. A syscall whose errnos fall short of its
// errors (the errnos map was full) is named in the error, after the
// counts, which are exact all the same.
func callCounts(counts map[uint32]*counted, errnos map[uint32]map[int]int64) ([]tracer.CallCounts, error) {
	var out []tracer.CallCounts
	var short []string
	for _, nr := range slices.Sorted(maps.Keys(counts)) {
		c := counts[nr]
		cc := tracer.CallCounts{
			Syscall:    syscalls.Name(nr),
			Calls:      int64(c.returned()),
			Errors:     int64(c.errors),
			Unfinished: int64(c.unfinished),
			Errnos:     map[string]int64{},
		}
		var failed int64
		for errno, n := range errnos[nr] {
			cc.Errnos[errnoName(errno)] += n
			failed += n
		}
		if failed != cc.Errors {
			short = append(short, fmt.Sprintf("%s (%d of %d)", cc.Syscall, failed, cc.Errors))
		}
		if c.returned() > 0 {
			cc.TotalNs, cc.MinNs, cc.MaxNs = int64(c.totalNs), int64(c.minNs), int64(c.maxNs)
			for i, n := range c.hist {
				if n > 0 {
					cc.Durations = append(cc.Durations, [2]int64{histMid(i), int64(n)})
				}
			}
		}
		out = append(out, cc)
	}
	if len(short) > 0 {
		return out, fmt.Errorf("the kernel could not count the errnos of every failed call (too many syscall and errno pairs): %s", strings.Join(short, ", "))
	}
	return out, nil
}

// deliverCounts hands the kernel's counts to out, which must take them
// (--summary).
func (b *ebpfBackend) deliverCounts(out tracer.Sink) error {
	cs, ok := out.(tracer.CountSink)
	if !ok {
		return errors.New("--summary: the output takes no counts")
	}
	counts, err := b.kernelCounts()
	if err != nil {
		return err
	}
	errnos, err := b.kernelErrnos()
	if err != nil {
		return err
	}
	list, incomplete := callCounts(counts, errnos)
	if err := cs.Counts(list); err != nil {
		return err
	}
	if incomplete != nil {
		fmt.Fprintln(b.opts.DiagWriter(), "stracectl:", incomplete)
	}
	return nil
}

// countsEntries is the size of the counts map: every syscall number of
// this architecture's table, with room for numbers newer than it (a
// power of two), at most maxSyscalls. Each entry holds a histogram per
// CPU: the map is no bigger than the syscalls need.
func countsEntries() uint32 {
	top := uint32(0)
	for nr := range uint32(maxSyscalls) {
		if !strings.HasPrefix(syscalls.Name(nr), "syscall_0x") {
			top = nr
		}
	}
	n := uint32(1)
	for n <= top {
		n <<= 1
	}
	return min(n, uint32(maxSyscalls))
}

// countsMapSpec sizes the counts map of spec (see countsEntries).
func countsMapSpec(spec *ebpf.CollectionSpec) {
	spec.Maps[tpBtfMapCounts].MaxEntries = countsEntries()
}
