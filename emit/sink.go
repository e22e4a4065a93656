// Package emit is the pipeline from readers of events to where they end:
// the sinks (JSON Lines and CSV writers, Output: a sink and the file it
// writes), Stream, which runs a sink on its own goroutine so that parsing
// and encoding use two cores and output is flushed promptly when the input
// pauses, and Pump, the one loop that reads inputs into a Stream. Commands
// only choose the reader and the sink.
package emit

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/stracectl/stracectl/parse"
)

// Sink consumes events. Write may buffer; Flush writes out what is buffered;
// Close flushes and finishes the output (a summary prints its table there).
type Sink interface {
	Write(ev *parse.Event) error
	Flush() error
	Close() error
}

// Output is a sink and the file it writes to, closed once, after the sink
// has written everything: the end of a command's pipeline.
type Output struct {
	Sink
	file *os.File // nil for stdout
}

// CreateOutput creates the file path, or takes stdout for "" and "-", and
// the sink newSink makes to write there.
func CreateOutput(path string, newSink func(io.Writer) Sink) (*Output, error) {
	if path == "" || path == "-" {
		return &Output{Sink: newSink(os.Stdout)}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &Output{Sink: newSink(f), file: f}, nil
}

// Close closes the sink, then the file; the first error is returned.
func (o *Output) Close() error {
	err := o.Sink.Close()
	if o.file != nil {
		if cerr := o.file.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("closing %s: %w", o.file.Name(), cerr)
		}
	}
	return err
}

// CreateEvents creates the output of events at path (stdout for "" and
// "-"): CSV, with the raw column if asked, or else JSON Lines.
func CreateEvents(path string, csv, raw bool) (*Output, error) {
	out, err := CreateOutput(path, func(w io.Writer) Sink {
		if csv {
			return NewCSV(w, raw)
		}
		return NewJSON(w)
	})
	if err != nil {
		return nil, fmt.Errorf("cannot write events: %w", err)
	}
	return out, nil
}

// TuneGCForStreaming is for the commands that turn input into events as
// fast as it comes (parse, run, attach): they allocate input blocks at the
// rate they read while the live heap stays small, so collecting less often
// saves a quarter of the GC work, and a soft limit keeps the peak well
// under 100 MB. stats and diff, whose memory is bounded by groups, keep
// the default.
func TuneGCForStreaming() {
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(64 << 20)
}

// LiveFlush is how long output may wait in a buffer once the input pauses:
// short enough that `strace ... | stracectl parse | jq` feels interactive.
const LiveFlush = 100 * time.Millisecond

// Stream runs a Sink on its own goroutine. Producers hand it whole batches
// of events (one per read of the input), so the hand-over costs nothing per
// event; the sink's buffer is flushed when it fills, and at most LiveFlush
// after the first event that has not been written yet.
type Stream struct {
	sink    Sink
	batches chan []parse.Event
	free    chan []parse.Event
	done    chan struct{}
	spare   int // batch slices not made yet; once all are, Send waits for a free one

	mu  sync.Mutex
	err error
}

// NewStream starts the goroutine that writes to sink.
func NewStream(sink Sink) *Stream {
	s := &Stream{
		sink:    sink,
		batches: make(chan []parse.Event, streamDepth),
		free:    make(chan []parse.Event, streamDepth+4), // room for every slice: the sink never waits
		done:    make(chan struct{}),
		spare:   streamDepth + 2,
	}
	go s.run()
	return s
}

// Send hands batch to the sink and returns an empty slice to fill next (the
// storage of an earlier batch, once written). It blocks while the sink is
// behind, and returns the sink's error once writing has failed (for
// example a closed pipe), after which the events are dropped.
func (s *Stream) Send(batch []parse.Event) ([]parse.Event, error) {
	if err := s.Err(); err != nil {
		return batch[:0], err
	}
	if len(batch) > 0 {
		s.batches <- batch
	}
	select {
	case b := <-s.free:
		return b, s.Err()
	default:
	}
	if s.spare > 0 {
		s.spare--
		return make([]parse.Event, 0, parse.BatchSize), s.Err()
	}
	return <-s.free, s.Err()
}

// streamDepth is how many batches may wait for the sink: enough to keep
// both goroutines busy, few enough to bound memory.
const streamDepth = 4

// Close waits until everything sent is written, closes the sink (also
// after it failed) and returns the first error met.
func (s *Stream) Close() error {
	close(s.batches)
	<-s.done
	return s.Err()
}

// Err returns the first error the sink returned, or nil.
func (s *Stream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *Stream) fail(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
}

func (s *Stream) run() {
	defer close(s.done)
	timer := time.NewTimer(LiveFlush)
	timer.Stop()
	armed := false
	failed := false
	for {
		select {
		case batch, ok := <-s.batches:
			if !ok {
				timer.Stop()
				// Closed even after a failure, so that an Output closes
				// its file; the first error stays the one reported.
				if err := s.sink.Close(); err != nil {
					s.fail(err)
				}
				return
			}
			if !failed {
				for i := range batch {
					if err := s.sink.Write(&batch[i]); err != nil {
						s.fail(err)
						failed = true
						break
					}
				}
			}
			clear(batch) // let the input blocks it points into go
			s.free <- batch[:0]
			if !armed && !failed {
				timer.Reset(LiveFlush)
				armed = true
			}
		case <-timer.C:
			armed = false
			if !failed {
				if err := s.sink.Flush(); err != nil {
					s.fail(err)
					failed = true
				}
			}
		}
	}
}
