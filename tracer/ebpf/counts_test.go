//go:build linux && (amd64 || arm64)

package ebpf

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/stracectl/stracectl/parse"
	"github.com/stracectl/stracectl/tracer"
)

// TestHistBuckets: the buckets of the kernel's histograms are in order of
// duration, and a bucket's middle is within an eighth of every duration
// in it: the precision the README states for --summary's percentiles.
func TestHistBuckets(t *testing.T) {
	prev := 0
	for v := uint64(0); v < 1<<histBits; v += max(1, v/997) {
		b := histBucket(v)
		if b < prev || b >= histBuckets {
			t.Fatalf("%d ns in bucket %d after bucket %d (of %d)", v, b, prev, histBuckets)
		}
		prev = b
		mid := histMid(b)
		if d := mid - int64(v); d > int64(v)/8 || -d > int64(v)/8 {
			t.Fatalf("%d ns stands as %d ns (bucket %d): beyond an eighth", v, mid, b)
		}
		if histBucket(uint64(mid)) != b {
			t.Fatalf("the middle %d of bucket %d is in bucket %d", mid, b, histBucket(uint64(mid)))
		}
	}
	if b := histBucket(1 << 62); b != histBuckets-1 {
		t.Errorf("2^62 ns in bucket %d, want the last, %d", b, histBuckets-1)
	}
}

func TestCallCountsFromKernel(t *testing.T) {
	c := &counted{calls: 6, unfinished: 1, errors: 3, totalNs: 5000, minNs: 100, maxNs: 3000}
	c.hist[histBucket(100)] += 4
	c.hist[histBucket(3000)]++
	exit := &counted{calls: 1, unfinished: 1}
	counts := map[uint32]*counted{unix.SYS_OPENAT: c, unix.SYS_EXIT_GROUP: exit}
	errnos := map[uint32]map[int]int64{unix.SYS_OPENAT: {int(unix.ENOENT): 2, 4000: 1}}
	list, err := callCounts(counts, errnos)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("%d syscalls, want 2: %+v", len(list), list)
	}
	var open, exitGroup = list[0], list[1]
	if open.Syscall != "openat" {
		open, exitGroup = exitGroup, open
	}
	if open.Calls != 5 || open.Unfinished != 1 || open.Errors != 3 || open.Errnos["ENOENT"] != 2 || open.Errnos["errno 4000"] != 1 {
		t.Errorf("openat %+v", open)
	}
	if open.MinNs != 100 || open.MaxNs != 3000 || open.TotalNs != 5000 || len(open.Durations) != 2 || open.Durations[0][1] != 4 {
		t.Errorf("openat durations %+v", open)
	}
	if exitGroup.Calls != 0 || exitGroup.Unfinished != 1 || exitGroup.Durations != nil {
		t.Errorf("exit_group %+v", exitGroup)
	}
	errnos[unix.SYS_OPENAT][int(unix.ENOENT)] = 1
	if _, err := callCounts(counts, errnos); err == nil || !strings.Contains(err.Error(), "openat (2 of 3)") {
		t.Errorf("errnos short of the errors: %v", err)
	}
}

// TestCountsEntries: the counts map holds every syscall number of the
// architecture's table.
func TestCountsEntries(t *testing.T) {
	n := countsEntries()
	if n <= unix.SYS_EXIT_GROUP || n <= unix.SYS_OPENAT || n > uint32(maxSyscalls) || n&(n-1) != 0 {
		t.Errorf("counts map of %d entries", n)
	}
}

// countCollector is a tracer.CountSink that keeps events and counts.
type countCollector struct {
	collector
	counts []tracer.CallCounts
}

func (c *countCollector) Counts(counts []tracer.CallCounts) error {
	c.counts = append(c.counts, counts...)
	return nil
}

// TestEBPFSummaryFlavors runs a command with --summary under each way of
// attaching the programs (the verifier checks the paths of the summary
// alone when it is on): no call is written, every call is counted.
func TestEBPFSummaryFlavors(t *testing.T) {
	needEBPF(t)
	for _, f := range flavours {
		t.Run(f.name, func(t *testing.T) {
			b := loadFlavour(t, f, tracer.Options{Summary: true})
			sink := &countCollector{}
			status, err := b.Run(context.Background(), []string{"sh", "-c", "(exit 4) & exit 3"}, sink)
			if err != nil || status != 3 {
				t.Fatalf("status %d, err %v; want 3 from the command", status, err)
			}
			for _, ev := range sink.events {
				if ev.Kind != parse.KindExit {
					t.Errorf("--summary wrote an event that is not a task's end: %+v", ev)
				}
			}
			if len(sink.events) != 2 {
				t.Errorf("%d exits, want 2 (sh and its subshell)", len(sink.events))
			}
			byName := map[string]tracer.CallCounts{}
			for _, c := range sink.counts {
				byName[c.Syscall] = c
			}
			if c := byName["execve"]; c.Calls != 1 || c.MinNs <= 0 || len(c.Durations) != 1 {
				t.Errorf("execve counted %+v; want 1 call with its duration", c)
			}
			if c := byName["exit_group"]; c.Unfinished != 2 || c.Calls != 0 {
				t.Errorf("exit_group counted %+v; want 2 that never returned", c)
			}
		})
	}
}
