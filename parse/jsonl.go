package parse

import (
	"errors"
	"io"
)

// Reader is a source of events that never fails on bad input: the strace
// text Parser and the JSONLReader of our own output. Commands that accept
// either (stats, diff) read through it.
type Reader interface {
	// ReadBatch appends the events available now to dst; io.EOF, with no
	// events, once the input is exhausted.
	ReadBatch(dst []Event) ([]Event, error)
	// LineCount counts the lines read and those not understood.
	LineCount() LineCount
}

// detectWindow is how far NewReader looks for the first non-blank byte.
const detectWindow = 64 << 10

// NewReader reads r as stracectl JSON Lines when its first non-blank byte
// is '{' (a JSONLReader, given other), and as strace text otherwise (a
// Parser): strace lines never start with '{', and our lines always do. It
// blocks until that byte arrives or the input ends. Input blank for its
// first 64 KiB is read as text, which skips blank lines.
func NewReader(r io.Reader, opts Options, other OtherLines) Reader {
	head := make([]byte, 0, detectWindow)
	var err error
	for len(head) < cap(head) && err == nil {
		var n int
		n, err = r.Read(head[len(head):cap(head)])
		for _, c := range head[len(head) : len(head)+n] {
			if !isBlankByte(c) {
				rest := &replayReader{head: head[:len(head)+n], r: r}
				if c == '{' {
					return NewJSONLReader(rest, opts, other)
				}
				return NewParser(rest, opts)
			}
		}
		head = head[:len(head)+n]
	}
	return NewParser(&replayReader{head: head, r: r, err: err}, opts)
}

func isBlankByte(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// replayReader gives back the bytes NewReader looked at, then the rest of
// the input, then the error the look ended on, if any.
type replayReader struct {
	head []byte
	r    io.Reader
	err  error
}

func (rr *replayReader) Read(p []byte) (int, error) {
	if len(rr.head) > 0 {
		n := copy(p, rr.head)
		rr.head = rr.head[n:]
		return n, nil
	}
	if rr.err != nil {
		return 0, rr.err
	}
	return rr.r.Read(p)
}

// JSONLReader reads stracectl's own JSON Lines back: the events of parse,
// run and attach, one per line, decoded as Fields describes them. Like the
// Parser it never fails on bad input: a line that is not a valid event is
// counted in LineCount, passed to Options.OnProblem with its line number,
// and skipped.
//
// Given OtherLines, it also takes lines of another sort, told apart from
// events by having no "kind": the rows of a recorded syscall profile. The
// first valid line decides which sort the input holds; a line of the other
// sort is a problem.
//
// Events share no mutable memory with the reader: their strings point into
// input blocks that are never rewritten.
type JSONLReader struct {
	lineInput
	done bool

	dec   eventDecoder
	other OtherLines
	holds holding

	queue eventQueue // for Next
}

// OtherLines reads the lines of a JSON Lines input that are objects without
// "kind" (package profile reads the rows of `stats --json` through it), so
// that one reader tells them from events.
type OtherLines interface {
	// Noun names one such line in problems: "stats row".
	Noun() string
	// Decode decodes a line without "kind". mine is false when the line is
	// not of this sort at all; reason, when not empty, says what is wrong
	// with one that is.
	Decode(line []byte) (mine bool, reason string)
	// Keep keeps the line Decode accepted last: the input holds this sort.
	Keep()
}

// holding is what a JSON Lines input holds, known from its first valid
// line: events, or the lines OtherLines reads.
type holding uint8

const (
	holdsUnknown holding = iota
	holdsEvents
	holdsOther
)

// NewJSONLReader returns a reader of JSON Lines from r; other, when not
// nil, takes the lines without "kind".
func NewJSONLReader(r io.Reader, opts Options, other OtherLines) *JSONLReader {
	return &JSONLReader{lineInput: lineInput{blocks: blocks{r: r}, lineLog: lineLog{onProblem: opts.OnProblem}}, other: other}
}

// Next returns the next event, or io.EOF after the last one. The Event is
// overwritten by the following call to Next; a shallow copy keeps it.
func (j *JSONLReader) Next() (*Event, error) { return j.queue.next(j.ReadBatch) }

// ReadBatch appends to dst the events of every complete line already read;
// it blocks until there is at least one or the input ends, and returns
// io.EOF, with no events, once the input is exhausted. An input of other
// lines is read to its end in one call that returns io.EOF.
func (j *JSONLReader) ReadBatch(dst []Event) ([]Event, error) {
	n0 := len(dst)
	for {
		dst = j.parseBuffered(dst)
		if len(dst) > n0 {
			return dst, nil
		}
		if j.done {
			return dst, io.EOF
		}
		if j.readErr != nil {
			j.done = true
			if !errors.Is(j.readErr, io.EOF) {
				return dst, j.readErr
			}
			if line, ok := j.last(); ok {
				dst = j.parseLine(dst, line)
			}
			if len(dst) > n0 {
				return dst, nil
			}
			return dst, io.EOF
		}
		j.fill()
	}
}

func (j *JSONLReader) parseBuffered(dst []Event) []Event {
	for {
		line, ok := j.next()
		if !ok {
			return dst
		}
		dst = j.parseLine(dst, line)
	}
}

// parseLine decodes one line (without its newline) and appends its event, if any.
func (j *JSONLReader) parseLine(dst []Event, line []byte) []Event {
	for n := len(line); n > 0 && isBlankByte(line[n-1]); n-- {
		line = line[:n-1]
	}
	for len(line) > 0 && isBlankByte(line[0]) {
		line = line[1:]
	}
	if len(line) == 0 {
		return dst
	}
	dst = append(dst, Event{})
	ev := &dst[len(dst)-1]
	noKind, reason := j.dec.decode(line, ev)
	switch {
	case reason != "":
		j.problemBytes(reason, line)
	case noKind:
		j.otherLine(line)
	case j.holdsOnly(holdsEvents, line):
		return dst
	}
	return dst[:len(dst)-1]
}

// otherLine hands a line without "kind" to the reader of other lines.
func (j *JSONLReader) otherLine(line []byte) {
	if j.other == nil {
		j.problemBytes(`no "kind" field: not an event`, line)
		return
	}
	mine, reason := j.other.Decode(line)
	switch {
	case !mine:
		j.problemBytes(`no "kind" field: neither an event nor a `+j.other.Noun(), line)
	case reason != "":
		j.problemBytes(reason, line)
	case j.holdsOnly(holdsOther, line):
		j.other.Keep()
	}
}

// holdsOnly records that the input holds events or other lines, from the
// first valid line, and reports whether a line of sort h fits; one of the
// other sort is a problem.
func (j *JSONLReader) holdsOnly(h holding, line []byte) bool {
	if j.holds == holdsUnknown {
		j.holds = h
	}
	if j.holds == h {
		return true
	}
	if h == holdsOther {
		j.problemBytes("a "+j.other.Noun()+" among events", line)
	} else {
		j.problemBytes("an event among "+j.other.Noun()+"s", line)
	}
	return false
}

// problemBytes records a problem with the current line, quoting its bytes.
func (j *JSONLReader) problemBytes(reason string, line []byte) { j.problem(reason, aliasString(line)) }
