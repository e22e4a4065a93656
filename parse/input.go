package parse

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"unsafe"
)

// blocks reads input a block at a time and cuts it into lines. A block is
// never written again once read into: when it is full, the incomplete last
// line moves to a new block. So a string that points into a line stays
// valid for as long as anyone holds it, and events can refer to their input
// instead of copying it.
type blocks struct {
	r          io.Reader
	buf        []byte // the current block
	pos        int    // start of the first unconsumed line in buf
	scanned    int    // bytes after pos already known to hold no newline
	readErr    error  // sticky error from r (io.EOF at the end)
	discarding bool   // inside an over-long line, dropping bytes up to its newline
	readFull   bool   // the last read filled the block, and was no small one

	// high is 1 + the index in buf of the first byte >= 0x80 at or after
	// pos, 0 when none is buffered; lineHigh tells whether the line last
	// returned holds one. Found a block at a time, so that the lines of
	// plain ASCII input (nearly all strace output) need no UTF-8 check.
	high     int
	lineHigh bool

	recycle *recycler // the blocks to reuse (Options.Recycle); nil: none
}

// indexHigh returns the index of the first byte >= 0x80 in b, or -1,
// 32 bytes at a time (tens of GB/s).
func indexHigh(b []byte) int {
	i := 0
	for ; i+32 <= len(b); i += 32 {
		c := b[i : i+32 : i+32]
		w := binary.LittleEndian.Uint64(c[0:8]) | binary.LittleEndian.Uint64(c[8:16]) |
			binary.LittleEndian.Uint64(c[16:24]) | binary.LittleEndian.Uint64(c[24:32])
		if w&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if b[i] >= 0x80 {
			return i
		}
	}
	return -1
}

// findHigh sets high from the bytes of buf at or after from.
func (b *blocks) findHigh(from int) {
	b.high = 0
	if k := indexHigh(b.buf[from:]); k >= 0 {
		b.high = from + k + 1
	}
}

// next returns the next complete buffered line without its newline; ok is
// false when no complete line is buffered.
func (b *blocks) next() (line []byte, ok bool) {
	for {
		k := bytes.IndexByte(b.buf[b.pos+b.scanned:], '\n')
		if k < 0 {
			// A long line arriving in pieces is searched once, not once
			// per piece.
			b.scanned = len(b.buf) - b.pos
			return nil, false
		}
		k += b.scanned
		b.scanned = 0
		line = b.buf[b.pos : b.pos+k]
		b.pos += k + 1
		b.lineHigh = b.high != 0 && b.high <= b.pos
		if b.lineHigh {
			b.findHigh(b.pos)
		}
		if b.discarding {
			b.discarding = false
			continue
		}
		return line, true
	}
}

// last returns the final line when the input ended without a newline,
// once.
func (b *blocks) last() (line []byte, ok bool) {
	if b.pos == len(b.buf) || b.discarding {
		return nil, false
	}
	line = b.buf[b.pos:]
	b.pos, b.scanned = len(b.buf), 0
	b.lineHigh, b.high = b.high != 0, 0
	return line, true
}

// fill reads more input. A line longer than MaxLineBytes is dropped up to
// its newline: dropped then holds its start, for the caller to report.
func (b *blocks) fill() (dropped string) {
	if len(b.buf) == cap(b.buf) {
		tail := b.buf[b.pos:]
		if b.discarding || len(tail) > MaxLineBytes {
			if !b.discarding {
				dropped = strings.Clone(aliasString(tail[:snippetLen]))
				b.discarding = true
			}
			tail = nil
			b.scanned = 0
		}
		// The first block is small, so that a short input costs little.
		// The next is full-size when one read filled the last (a file, a
		// busy pipe: more is waiting), else twice as big. A long line gets
		// a block twice its size so far, but never more than the longest
		// accepted line and its newline: a full block without a newline is
		// then over the limit.
		size := nextSize(cap(b.buf), firstBlockSize, blockSize)
		if b.readFull {
			size = blockSize
		}
		for size < 2*len(tail) {
			size *= 2
		}
		size = min(size, max(blockSize, MaxLineBytes+1))
		var nb []byte
		if size == blockSize {
			nb = b.recycle.block()
		}
		if nb == nil {
			nb = make([]byte, 0, size)
		}
		nb = append(nb, tail...)
		b.recycle.retireBlock(b.buf)
		b.buf, b.pos = nb, 0
		b.findHigh(0)
	}
	want := cap(b.buf) - len(b.buf)
	n, err := b.r.Read(b.buf[len(b.buf):cap(b.buf)])
	b.readFull = n == want && n >= firstBlockSize/2
	b.buf = b.buf[:len(b.buf)+n]
	if b.high == 0 {
		b.findHigh(len(b.buf) - n)
	}
	if err != nil {
		b.readErr = err
	}
	return dropped
}

// nextSize returns the size of a buffer replacing one of size last: twice
// as big, from first up to limit. Buffers that start small keep a short
// input cheap (a fuzzer runs millions).
func nextSize(last, first, limit int) int { return min(limit, max(first, 2*last)) }

// arenaNext returns the size of an arena replacing one of size last: first
// for the first, then full: a short input costs little, and a long one
// wastes no more than the first arena on the way to full size.
func arenaNext(last, first, full int) int {
	if last == 0 {
		return first
	}
	return full
}

// tooLong is the reason given for a line over MaxLineBytes.
const tooLong = "line longer than 16 MiB, skipped"

// lineLog counts lines and logs the problems met in them, by line number.
type lineLog struct {
	onProblem func(Problem)
	line      int64 // number of the line last counted
	stats     LineCount
}

// LineCount returns the counts so far; after the end of input they cover it all.
func (l *lineLog) LineCount() LineCount { return l.stats }

// count counts one more line and returns it without a trailing "\r".
func (l *lineLog) count(line []byte) []byte {
	l.line++
	l.stats.Lines++
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

// lineInput is what the two readers of line-oriented text (the strace
// Parser and the JSONLReader) share: blocks of input cut into lines, each
// counted, and a log of the problems met.
type lineInput struct {
	blocks
	lineLog
}

// next returns the next complete buffered line, counted, without its
// newline or a "\r" before it; ok is false when none is buffered.
func (in *lineInput) next() ([]byte, bool) {
	line, ok := in.blocks.next()
	if !ok {
		return nil, false
	}
	return in.count(line), true
}

// last returns the final line, counted, when the input ended without a
// newline, once.
func (in *lineInput) last() ([]byte, bool) {
	line, ok := in.blocks.last()
	if !ok {
		return nil, false
	}
	return in.count(line), true
}

// fill reads more input, reporting a line dropped for its length.
func (in *lineInput) fill() {
	if dropped := in.blocks.fill(); dropped != "" {
		in.count(nil)
		in.problem(tooLong, dropped)
	}
}

// aliasString returns b as a string sharing its memory: safe for the bytes of an
// input block, which are never written again.
func aliasString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// problem records that the current line was not (fully) understood.
func (l *lineLog) problem(reason, line string) { l.problemAt(l.line, reason, line) }

// problemAt records a problem with line lineNo: counted, kept when it is
// the first, passed to the OnProblem callback.
func (l *lineLog) problemAt(lineNo int64, reason, line string) {
	l.stats.Problems++
	if len(line) > snippetLen {
		line = line[:snippetLen]
	}
	if l.stats.First == nil || l.onProblem != nil {
		pr := Problem{Line: lineNo, Reason: reason, Snippet: strings.Clone(line)}
		if l.stats.First == nil {
			l.stats.First = &pr
		}
		if l.onProblem != nil {
			l.onProblem(pr)
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
