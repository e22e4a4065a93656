package parse

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// corpusDir holds real strace captures, each with an expect.json made from
// strace's own -c summary of the same run (see its README.md).
const corpusDir = "../../shared/corpus"

// corpusExpect is the part of NAME.expect.json the counting rule checks.
type corpusExpect struct {
	StraceFlags string         `json:"strace_flags"`
	Capture     string         `json:"capture"`
	Calls       map[string]int `json:"calls"`
	Errors      map[string]int `json:"errors"`
	Errnos      map[string]int `json:"errnos"`
	Signals     int            `json:"signals"`
	Exits       int            `json:"exits"`
	Pids        []int64        `json:"pids"`
	Durations   *int           `json:"durations"`
}

// corpusCounts is what the counting rule measures in a stream of events.
type corpusCounts struct {
	calls, errors, errnos map[string]int
	signals, exits        int
	pids                  []int64
	durations             int
}

// countsAsCall is the corpus README's rule, written from its text rather
// than taken from Event.Counts: a syscall counts when errno is set, or when
// ret is a string whose first token is not "?"; syscall_0x... never counts.
func countsAsCall(ev *Event) bool {
	if ev.Kind != KindSyscall || strings.HasPrefix(ev.Syscall, "syscall_0x") {
		return false
	}
	if ev.Errno != "" {
		return true
	}
	if !ev.Returned {
		return false
	}
	first, _, _ := strings.Cut(ev.Ret, " ")
	return first != "" && first != "?"
}

// countCorpus applies the rule to events, checking Event.Counts and
// Event.Failed against it on the way.
func countCorpus(t *testing.T, events []Event) corpusCounts {
	t.Helper()
	c := corpusCounts{calls: map[string]int{}, errors: map[string]int{}, errnos: map[string]int{}}
	pids := map[int64]bool{}
	for i := range events {
		ev := &events[i]
		if ev.Pid != 0 {
			pids[ev.Pid] = true
		}
		switch ev.Kind {
		case KindSignal:
			c.signals++
		case KindExit:
			c.exits++
		}
		counts := countsAsCall(ev)
		failed := counts && ev.Errno != ""
		if ev.Counts() != counts || ev.Failed() != failed {
			t.Errorf("Counts()=%v Failed()=%v, the rule says %v %v: %+v", ev.Counts(), ev.Failed(), counts, failed, *ev)
		}
		if !counts {
			continue
		}
		c.calls[ev.Syscall]++
		if failed {
			c.errors[ev.Syscall]++
			c.errnos[ev.Errno]++
		}
		if ev.HasDuration {
			c.durations++
		}
	}
	for pid := range pids {
		c.pids = append(c.pids, pid)
	}
	sort.Slice(c.pids, func(i, j int) bool { return c.pids[i] < c.pids[j] })
	return c
}

// diffCounts lists the keys whose counts differ.
func diffCounts(what string, got, want map[string]int) []string {
	var diffs []string
	for k, w := range want {
		if got[k] != w {
			diffs = append(diffs, fmt.Sprintf("%s[%s] = %d, want %d", what, k, got[k], w))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s[%s] = %d, want none", what, k, g))
		}
	}
	sort.Strings(diffs)
	return diffs
}

// TestCorpus parses every capture of the corpus and compares the counts
// with strace's own -c summary, by the rule of the corpus README.
func TestCorpus(t *testing.T) {
	traces, _ := filepath.Glob(filepath.Join(corpusDir, "*.trace"))
	if len(traces) == 0 {
		t.Skipf("no corpus in %s; it lives in ../shared/corpus beside the project", corpusDir)
	}
	if len(traces) != 21 {
		t.Errorf("%d traces in the corpus, want 21", len(traces))
	}
	for _, trace := range traces {
		name := strings.TrimSuffix(filepath.Base(trace), ".trace")
		t.Run(name, func(t *testing.T) {
			var want corpusExpect
			raw, err := os.ReadFile(strings.TrimSuffix(trace, ".trace") + ".expect.json")
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(trace)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got := parseAll(t, f, Options{})
			if len(got.events) == 0 {
				t.Fatal("no events")
			}
			checkValid(t, got.events)
			c := countCorpus(t, got.events)
			var diffs []string
			diffs = append(diffs, diffCounts("calls", c.calls, want.Calls)...)
			diffs = append(diffs, diffCounts("errors", c.errors, want.Errors)...)
			diffs = append(diffs, diffCounts("errnos", c.errnos, want.Errnos)...)
			for _, d := range diffs {
				t.Error(d)
			}
			if c.signals != want.Signals || c.exits != want.Exits {
				t.Errorf("%d signals, %d exits; want %d, %d", c.signals, c.exits, want.Signals, want.Exits)
			}
			if len(want.Pids) == 0 {
				want.Pids = nil
			}
			if !reflect.DeepEqual(c.pids, want.Pids) {
				t.Errorf("pids %v, want %v", c.pids, want.Pids)
			}
			if want.Durations != nil && c.durations != *want.Durations {
				t.Errorf("%d counted calls with a duration, want %d", c.durations, *want.Durations)
			}
			// Written with -o, a capture holds nothing but strace's lines.
			if strings.Contains(want.Capture, "-o FILE") && got.stats.Problems != 0 {
				t.Errorf("%d lines not understood, first %v", got.stats.Problems, got.stats.First)
			}
			t.Logf("%d lines, %d events, %d lines not understood", got.stats.Lines, len(got.events), got.stats.Problems)
		})
	}
}
