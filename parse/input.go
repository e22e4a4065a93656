package parse

import (
	"bytes"
	"io"
	"strings"
	"unsafe"
)

// lineInput is what the two readers of line-oriented text (the strace
// Parser and the JSONLReader) share: input read in blocks and cut into
// lines, the line count, and the problems met.
//
// A block is never written again once read into: when it is full, the
// incomplete last line moves to a new block. So a string that points into a
// line stays valid for as long as anyone holds it, and events can refer to
// their input instead of copying it.
type lineInput struct {
	r         io.Reader
	onProblem func(Problem)

	buf        []byte // the current block
	pos        int    // start of the first unconsumed line in buf
	scanned    int    // bytes after pos already known to hold no newline
	readErr    error  // sticky error from r (io.EOF at the end)
	discarding bool   // inside an over-long line, dropping bytes up to its newline

	line  int64 // number of the line last returned
	stats Stats
}

// Stats returns the counts so far; after the end of input they cover it all.
func (in *lineInput) Stats() Stats { return in.stats }

// next returns the next complete buffered line without its newline (and
// without a "\r" before it), counting it; ok is false when no complete line
// is buffered.
func (in *lineInput) next() (line []byte, ok bool) {
	for {
		k := bytes.IndexByte(in.buf[in.pos+in.scanned:], '\n')
		if k < 0 {
			// A long line arriving in pieces is searched once, not once
			// per piece.
			in.scanned = len(in.buf) - in.pos
			return nil, false
		}
		k += in.scanned
		in.scanned = 0
		line = in.buf[in.pos : in.pos+k]
		in.pos += k + 1
		if in.discarding {
			in.discarding = false
			continue
		}
		return in.counted(line), true
	}
}

// last returns the final line when the input ended without a newline,
// once.
func (in *lineInput) last() (line []byte, ok bool) {
	if in.pos == len(in.buf) || in.discarding {
		return nil, false
	}
	line = in.buf[in.pos:]
	in.pos, in.scanned = len(in.buf), 0
	return in.counted(line), true
}

func (in *lineInput) counted(line []byte) []byte {
	in.line++
	in.stats.Lines++
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

// fill reads more input. A line longer than MaxLineBytes is reported and
// dropped up to its newline.
func (in *lineInput) fill() {
	if len(in.buf) == cap(in.buf) {
		tail := in.buf[in.pos:]
		if in.discarding || len(tail) > MaxLineBytes {
			if !in.discarding {
				in.line++
				in.stats.Lines++
				in.problem("line longer than 16 MiB, skipped", view(tail[:snippetLen]))
				in.discarding = true
			}
			tail = nil
			in.scanned = 0
		}
		// A long line gets a block twice its size so far, but never more
		// than the longest accepted line and its newline: a full block
		// without a newline is then over the limit.
		size := blockSize
		for size < 2*len(tail) {
			size *= 2
		}
		size = min(size, max(blockSize, MaxLineBytes+1))
		nb := make([]byte, len(tail), size)
		copy(nb, tail)
		in.buf, in.pos = nb, 0
	}
	n, err := in.r.Read(in.buf[len(in.buf):cap(in.buf)])
	in.buf = in.buf[:len(in.buf)+n]
	if err != nil {
		in.readErr = err
	}
}

// view returns b as a string sharing its memory: safe for the bytes of an
// input block, which are never written again.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// problem records that the current line was not (fully) understood.
func (in *lineInput) problem(reason, line string) { in.problemAt(in.line, reason, line) }

// problemAt records a problem with line lineNo: counted, kept when it is
// the first, passed to the OnProblem callback.
func (in *lineInput) problemAt(lineNo int64, reason, line string) {
	in.stats.Problems++
	if len(line) > snippetLen {
		line = line[:snippetLen]
	}
	if in.stats.First == nil || in.onProblem != nil {
		pr := Problem{Line: lineNo, Reason: reason, Snippet: strings.Clone(line)}
		if in.stats.First == nil {
			in.stats.First = &pr
		}
		if in.onProblem != nil {
			in.onProblem(pr)
		}
	}
}

// eventQueue turns ReadBatch into Next, one event at a time.
type eventQueue struct {
	events []Event
	pos    int
}

// next returns the next event, reading a batch when the last one is used
// up; the Event is overwritten by a later batch.
func (q *eventQueue) next(readBatch func([]Event) ([]Event, error)) (*Event, error) {
	for q.pos >= len(q.events) {
		var err error
		q.events, err = readBatch(q.events[:0])
		q.pos = 0
		if err != nil && len(q.events) == 0 {
			return nil, err
		}
	}
	q.pos++
	return &q.events[q.pos-1], nil
}
