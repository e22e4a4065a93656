package profile

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestAddCounted: a syscall counted by a tracer (kernel buckets, exact
// total, min and max) makes the same row fields as events would, its
// percentiles from the buckets, and reads back as written.
func TestAddCounted(t *testing.T) {
	for _, tc := range []struct {
		name    string
		c       Counted
		p50     int64
		buckets int // pairs in the written histogram
	}{
		{
			"one call",
			Counted{Syscall: "execve", Calls: 1, Unfinished: 0, TotalNs: 900, MinNs: 900, MaxNs: 900, Durations: [][2]int64{{960, 1}}},
			900, 1,
		},
		{
			"few calls, min and max kept",
			Counted{Syscall: "openat", Calls: 10, Errors: 4, Errnos: map[string]int64{"ENOENT": 3, "EACCES": 1},
				TotalNs: 10000, MinNs: 700, MaxNs: 2100, Durations: [][2]int64{{704, 2}, {960, 6}, {1792, 1}, {2304, 1}}},
			960, 4,
		},
		{
			"many calls, bucketed",
			Counted{Syscall: "getppid", Calls: 1000, Unfinished: 0, TotalNs: 180000, MinNs: 150, MaxNs: 9000,
				Durations: [][2]int64{{160, 400}, {176, 500}, {208, 99}, {9216, 1}}},
			176, 4,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := New(BySyscall)
			if err := p.AddCounted(&tc.c); err != nil {
				t.Fatal(err)
			}
			rows := p.Rows()
			if len(rows) != 1 {
				t.Fatalf("%d rows, want 1", len(rows))
			}
			r := rows[0]
			if r.Name() != tc.c.Syscall || r.Calls != tc.c.Calls || r.Errors != tc.c.Errors || len(r.Errnos) != len(tc.c.Errnos) {
				t.Errorf("row %s %d calls %d errors %v; want %s %d %d %v", r.Name(), r.Calls, r.Errors, r.Errnos, tc.c.Syscall, tc.c.Calls, tc.c.Errors, tc.c.Errnos)
			}
			l := r.Latency
			if l == nil || l.TotalNs != tc.c.TotalNs || l.MinNs != tc.c.MinNs || l.MaxNs != tc.c.MaxNs || l.P50Ns < tc.p50*99/100 || l.P50Ns > tc.p50*101/100 {
				t.Fatalf("latency %+v; want total %d min %d max %d, p50 about %d", l, tc.c.TotalNs, tc.c.MinNs, tc.c.MaxNs, tc.p50)
			}
			if l.P99Ns > l.MaxNs || l.P50Ns < l.MinNs {
				t.Errorf("percentiles outside min and max: %+v", l)
			}
			if len(r.Histogram) < tc.buckets-1 || r.Histogram[0][0] > l.MinNs {
				t.Errorf("histogram %v", r.Histogram)
			}
			var out bytes.Buffer
			if err := WriteJSON(&out, rows); err != nil {
				t.Fatal(err)
			}
			var back Row
			if err := json.Unmarshal(out.Bytes(), &back); err != nil {
				t.Fatalf("the row does not read back: %v\n%s", err, out.Bytes())
			}
			if _, err := FromRows([]Row{back}); err != nil {
				t.Fatalf("the row does not make a profile again: %v\n%s", err, out.Bytes())
			}
		})
	}
}

func TestAddCountedRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		by   GroupBy
		c    Counted
	}{
		{"grouped by pid", ByPid, Counted{Syscall: "read", Calls: 1}},
		{"errors beyond calls", BySyscall, Counted{Syscall: "read", Calls: 1, Errors: 2}},
		{"durations of other calls", BySyscall, Counted{Syscall: "read", Calls: 2, TotalNs: 5, MinNs: 5, MaxNs: 5, Durations: [][2]int64{{5, 1}}}},
		{"max below min", BySyscall, Counted{Syscall: "read", Calls: 1, TotalNs: 5, MinNs: 5, MaxNs: 4, Durations: [][2]int64{{5, 1}}}},
		{"an empty bucket", BySyscall, Counted{Syscall: "read", Calls: 1, TotalNs: 5, MinNs: 5, MaxNs: 5, Durations: [][2]int64{{5, 0}, {6, 1}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := New(tc.by).AddCounted(&tc.c); err == nil {
				t.Error("accepted")
			}
		})
	}
}
