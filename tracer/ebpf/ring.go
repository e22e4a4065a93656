//go:build linux && (amd64 || arm64)

package ebpf

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/cilium/ebpf/ringbuf"

	"github.com/stracectl/stracectl/parse"
	"github.com/stracectl/stracectl/tracer"
)

// ringReader reads records in batches on a goroutine of its own and hands
// them to the stream as events, until it is told to stop.
type ringReader struct {
	rd    *ringbuf.Reader
	rec   ringbuf.Record
	fill  *eventFiller
	batch []parse.Event

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
	rd, err := ringbuf.NewReader(b.objs.Events)
	if err != nil {
		return nil, fmt.Errorf("opening the ring buffer: %w", err)
	}
	return &ringReader{
		rd:    rd,
		fill:  newEventFiller(b.opts.StringLimit, b.opts.DiagWriter()),
		batch: make([]parse.Event, 0, parse.BatchSize),
		stop:  make(chan time.Time, 1),
		done:  make(chan drainResult, 1),
	}, nil
}

func (r *ringReader) close() { r.rd.Close() }

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
	r.rd.Flush() // end a wait for records at once
	return r.done
}

// poll waits up to wait for records (the kernel wakes it earlier once
// enough are queued), then reads what is there, one batch at the most.
func (r *ringReader) poll(out tracer.Sink, wait time.Duration) error {
	r.rd.SetDeadline(time.Now().Add(wait))
	for {
		err := r.rd.ReadInto(&r.rec)
		if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, ringbuf.ErrFlushed) {
			return r.send(out)
		}
		if err != nil {
			return fmt.Errorf("reading the ring buffer: %w", err)
		}
		r.batch = r.batch[:len(r.batch)+1]
		if !r.fill.event(&r.batch[len(r.batch)-1], r.rec.RawSample) {
			r.batch = r.batch[:len(r.batch)-1]
		}
		if len(r.batch) == cap(r.batch) || r.rec.Remaining == 0 {
			return r.send(out)
		}
	}
}

// drain reads what is left in the ring buffer once the programs are
// detached, until deadline; the records still there then are counted.
func (r *ringReader) drain(out tracer.Sink, deadline time.Time) drainResult {
	for r.rd.AvailableBytes() > 0 && time.Now().Before(deadline) {
		if err := r.poll(out, 0); err != nil {
			return drainResult{err: err}
		}
	}
	return drainResult{unread: r.skip()}
}

// skip reads the records left in the ring buffer without decoding them,
// and counts them.
func (r *ringReader) skip() int64 {
	var n int64
	r.rd.SetDeadline(time.Now())
	for r.rd.AvailableBytes() > 0 {
		if err := r.rd.ReadInto(&r.rec); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, ringbuf.ErrFlushed) {
				continue
			}
			break
		}
		if rec, ok := recordOf(r.rec.RawSample); ok && rec.Flags&recordUntraced == 0 {
			n++
		}
	}
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
