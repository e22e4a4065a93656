package parse

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// recycleInput is every corpus trace and form, repeated to a few MB: long
// enough that blocks and arenas fill and are reused many times, with the
// 2>&1 captures whose first events wait for their task.
func recycleInput(t *testing.T) []byte {
	t.Helper()
	traces, _ := filepath.Glob(filepath.Join(corpusDir, "*.trace"))
	forms, _ := filepath.Glob(filepath.Join(formsDir, "*.trace"))
	var one []byte
	for _, name := range append(traces, forms...) {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		one = append(one, data...)
	}
	if len(one) == 0 {
		t.Skip("no traces in " + corpusDir + " or " + formsDir)
	}
	var all []byte
	for len(all) < 6<<20 {
		all = append(all, one...)
	}
	return all
}

// heldInput is a capture without pids (2>&1) whose task is never named:
// its first events wait (maxHeld of them) while blocks and arenas fill,
// then a traced program's usual trace follows.
func heldInput() []byte {
	var b bytes.Buffer
	for i := range maxHeld + 100 {
		fmt.Fprintf(&b, "openat(AT_FDCWD, \"/usr/lib/x86_64-linux-gnu/%0100d.so\", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)\n", i)
		fmt.Fprintf(&b, "read(3,  <unfinished ...>\n<... read resumed>\"%0200d\", 832) = 832\n", i)
	}
	return b.Bytes()
}

// deepCopy returns ev with strings and Args of its own, taken when a
// consumer handles it.
func deepCopy(ev Event) Event {
	c := ev
	for _, s := range []*string{&c.Time, &c.Rel, &c.Comm, &c.Secontext, &c.Syscall, &c.Ret, &c.Errno, &c.Errmsg,
		&c.Note, &c.Signal, &c.Siginfo, &c.Raw} {
		*s = strings.Clone(*s)
	}
	if ev.Args != nil {
		c.Args = make([]string, len(ev.Args))
		for i, a := range ev.Args {
			c.Args[i] = strings.Clone(a)
		}
	}
	return c
}

// readRecycled reads in as emit.Stream consumes: batches wait in order,
// depth of them in flight, and each one's slice goes back to ReadBatch
// once its events are handled (copied) and cleared.
func readRecycled(t *testing.T, in []byte, opts Options, depth int) []Event {
	t.Helper()
	opts.Recycle = true
	p := NewParser(bytes.NewReader(in), opts)
	var out []Event
	var inFlight, free [][]Event
	consume := func() {
		b := inFlight[0]
		inFlight = inFlight[1:]
		for _, ev := range b {
			out = append(out, deepCopy(ev))
		}
		clear(b)
		free = append(free, b[:0])
	}
	for {
		var batch []Event
		if len(free) > 0 {
			batch, free = free[0], free[1:]
		} else {
			batch = make([]Event, 0, BatchSize)
		}
		batch, err := p.ReadBatch(batch)
		if len(batch) > 0 {
			inFlight = append(inFlight, batch)
			if len(inFlight) > depth {
				consume()
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for len(inFlight) > 0 {
		consume()
	}
	return out
}

// TestRecycleSameEvents: with Options.Recycle and a consumer that keeps
// its promise, every event is what it is without recycling, however many
// batches are in flight; with and without raw lines.
func TestRecycleSameEvents(t *testing.T) {
	for _, in := range [][]byte{heldInput(), recycleInput(t)} {
		checkRecycle(t, in)
	}
}

// checkRecycle reads in with and without Options.Recycle, and fails on
// the first event that differs.
func checkRecycle(t *testing.T, in []byte) {
	t.Helper()
	for _, raw := range []bool{false, true} {
		want := parseAll(t, bytes.NewReader(in), Options{Raw: raw}).events
		for _, depth := range []int{0, 1, 5} {
			got := readRecycled(t, in, Options{Raw: raw}, depth)
			if len(got) != len(want) {
				t.Fatalf("raw %v, %d batches in flight: %d events, want %d", raw, depth, len(got), len(want))
			}
			for i := range want {
				if d := eventDiff(got[i], want[i]); d != nil {
					t.Fatalf("raw %v, %d batches in flight: event %d differs: %v", raw, depth, i, d)
				}
			}
		}
	}
}

// TestRecycleAllocates: with Options.Recycle, reading allocates less
// than a third of what it does without (where it is more than the input's
// size): what remains is mostly the calls waiting for their resumed line.
func TestRecycleAllocates(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a few MB several times")
	}
	in := recycleInput(t)
	allocated := func(recycle bool) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		p := NewParser(bytes.NewReader(in), Options{Recycle: recycle})
		batch := make([]Event, 0, BatchSize)
		for {
			var err error
			batch, err = p.ReadBatch(clear0(batch))
			if err == io.EOF {
				break
			}
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	without := allocated(false)
	if without < uint64(len(in)) {
		t.Errorf("without recycling, %d bytes allocated for %d of input: the test no longer measures", without, len(in))
	}
	if with := allocated(true); with > without/3 {
		t.Errorf("with recycling, %d bytes allocated for %d of input, want at most a third of the %d without", with, len(in), without)
	}
}

// clear0 clears b's events and returns it empty: a consumer done with it.
func clear0(b []Event) []Event {
	clear(b)
	return b[:0]
}
