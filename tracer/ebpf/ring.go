//go:build linux && (amd64 || arm64)

package ebpf

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/stracectl/stracectl/parse"
	"github.com/stracectl/stracectl/tracer"
)

// ringReader reads records in batches on a goroutine of its own and hands
// them to the stream as events, until it is told to stop.
type ringReader struct {
	ring  *ringMap
	fill  *eventFiller
	batch []parse.Event
	// add is r.add, made once: a method value made per read would be
	// allocated each time.
	add func(raw []byte) bool

	stop chan time.Time   // the deadline of the final drain
	done chan drainResult // what the reader ended with
}

// drainResult is how the reader ended: the output's error, or how many
// records it left unread at the drain's deadline.
type drainResult struct {
	err    error
	unread int64
}

func newRingReader(b *ebpfBackend) (*ringReader, error) {
	ring, err := openRingMap(b.objs.Events)
	if err != nil {
		return nil, err
	}
	r := &ringReader{
		ring:  ring,
		fill:  newEventFiller(b.opts.StringLimit, b.opts.DiagWriter()),
		batch: make([]parse.Event, 0, parse.BatchSize),
		stop:  make(chan time.Time, 1),
		done:  make(chan drainResult, 1),
	}
	r.add = r.addRecord
	return r, nil
}

func (r *ringReader) close() { r.ring.close() }

// start runs the reader. The channel it returns gets the output's error
// if writing fails before the reader is stopped.
func (r *ringReader) start(out tracer.Sink) <-chan error {
	failed := make(chan error, 1)
	go func() {
		for {
			select {
			case deadline := <-r.stop:
				r.done <- r.drain(out, deadline)
				return
			default:
			}
			if err := r.poll(out, pollInterval); err != nil {
				// Nothing more can be written: wait to be stopped (the
				// programs detached) and leave the rest unread.
				failed <- err
				<-r.stop
				r.done <- drainResult{err: err}
				return
			}
		}
	}()
	return failed
}

// stopped asks the reader to drain the ring buffer until deadline and
// returns where its result arrives. Call it once, after detaching the
// programs.
func (r *ringReader) stopped(deadline time.Time) <-chan drainResult {
	r.stop <- deadline
	r.ring.wake() // end a wait for records at once
	return r.done
}

// poll waits up to wait for records when none are queued (the kernel
// wakes it earlier once enough are), then reads what is there, one batch
// at the most.
func (r *ringReader) poll(out tracer.Sink, wait time.Duration) error {
	if wait > 0 && r.ring.available() == 0 {
		if err := r.ring.wait(wait); err != nil {
			return err
		}
	}
	r.ring.read(r.add)
	return r.send(out)
}

// addRecord adds the event of one record to the batch; false once the
// batch is full.
func (r *ringReader) addRecord(raw []byte) bool {
	r.batch = r.batch[:len(r.batch)+1]
	if !r.fill.event(&r.batch[len(r.batch)-1], raw) {
		r.batch = r.batch[:len(r.batch)-1]
	}
	return len(r.batch) < cap(r.batch)
}

// drain reads what is left in the ring buffer once the programs are
// detached, until deadline; the records still there then are counted.
func (r *ringReader) drain(out tracer.Sink, deadline time.Time) drainResult {
	for r.ring.available() > 0 && time.Now().Before(deadline) {
		if err := r.poll(out, 0); err != nil {
			return drainResult{err: err}
		}
	}
	return drainResult{unread: r.skip()}
}

// skip reads the records left in the ring buffer without decoding them,
// and counts them. The programs are detached: no record is still being
// written, so one pass reads them all.
func (r *ringReader) skip() int64 {
	var n int64
	r.ring.read(func(raw []byte) bool {
		if rec, ok := recordOf(raw); ok && rec.Flags&recordUntraced == 0 {
			n++
		}
		return true
	})
	return n
}

// send hands the batch to the stream and takes an empty one back.
func (r *ringReader) send(out tracer.Sink) error {
	if len(r.batch) == 0 {
		return nil
	}
	batch, err := out.Send(r.batch)
	if cap(batch) < parse.BatchSize {
		batch = make([]parse.Event, 0, parse.BatchSize)
	}
	r.batch = batch[:0]
	return err
}

// readerNiceBoost is how much the priority of stracectl's threads is
// raised while the ring buffer is read (in nice steps): enough that a
// program keeping every core busy cannot starve the reader. Here, 8
// threads in a getppid loop on 2 cores lost half of their 2M events at
// equal priority, and none with the reader 10 steps above them. strace is
// never outrun at all: its tracee waits for it at every call.
const readerNiceBoost = 10

// favourReader raises the priority of every thread of stracectl by
// readerNiceBoost, where the user may (CAP_SYS_NICE, or RLIMIT_NICE):
// the reader, the writer, and the threads the Go runtime starts later,
// which inherit it. Call it once the command has started: the traced
// programs keep the priority they were given. Refused, it says so with
// --debug only: the trace is the same, only more likely to lose events
// under load. With --summary no call is read: nothing changes.
func (b *ebpfBackend) favourReader() {
	if b.opts.Summary {
		return
	}
	prio, err := unix.Getpriority(unix.PRIO_PROCESS, 0) // 20 - nice
	if err != nil {
		return
	}
	nice := max(20-prio-readerNiceBoost, -20)
	// Twice: a thread started meanwhile by one not yet raised is caught
	// by the second pass.
	for range 2 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			if err := unix.Setpriority(unix.PRIO_PROCESS, tid, nice); err != nil && !errors.Is(err, unix.ESRCH) {
				if b.opts.Debug {
					fmt.Fprintf(b.opts.DiagWriter(), "stracectl: ebpf: the reader keeps its priority (setting nice %d: %v)\n", nice, err)
				}
				return
			}
		}
	}
}
