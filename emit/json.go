package emit

import (
	"io"
	"math/bits"
	"unicode/utf8"

	"github.com/stracectl/stracectl/parse"
)

// flushSize is how much encoded output a writer gathers before writing it:
// large writes under load, few system calls per megabyte.
const flushSize = 256 << 10

// JSONWriter writes events as JSON Lines, one object per line, in the
// schema of parse/event.schema.json. It encodes with an appender written for
// the fixed schema: no reflection and no allocation per event.
type JSONWriter struct {
	w   io.Writer
	buf []byte
	err error
}

// NewJSON returns a JSONWriter writing to w.
func NewJSON(w io.Writer) *JSONWriter {
	return &JSONWriter{w: w, buf: make([]byte, 0, flushSize+flushSize/4)}
}

// Write encodes ev; the output is buffered until Flush or until enough has
// gathered.
func (j *JSONWriter) Write(ev *parse.Event) error {
	if j.err != nil {
		return j.err
	}
	j.buf = AppendJSON(j.buf, ev)
	if len(j.buf) >= flushSize {
		return j.Flush()
	}
	return nil
}

// Flush writes out what is buffered.
func (j *JSONWriter) Flush() error {
	if j.err != nil {
		return j.err
	}
	if len(j.buf) > 0 {
		_, j.err = j.w.Write(j.buf)
		j.buf = j.buf[:0]
	}
	return j.err
}

// Close flushes; it does not close the underlying writer.
func (j *JSONWriter) Close() error { return j.Flush() }

// AppendJSON appends ev as one JSON object and a newline. Field order is the
// schema's; optional fields are omitted when unknown, so that a line holds
// only what the source said.
func AppendJSON(b []byte, ev *parse.Event) []byte {
	b = append(b, `{"kind":"`...)
	b = append(b, ev.Kind.String()...)
	b = append(b, '"')
	if ev.Time != "" {
		b = append(b, `,"time":`...)
		b = appendString(b, ev.Time)
	}
	if ev.Rel != "" && isJSONNumber(ev.Rel) { // text that is no number is left out, as unknown
		b = append(b, `,"rel":`...)
		b = append(b, ev.Rel...)
	}
	b = append(b, `,"pid":`...)
	b = appendInt(b, ev.Pid)
	if ev.Tgid != 0 {
		b = append(b, `,"tgid":`...)
		b = appendInt(b, ev.Tgid)
	}
	if ev.Comm != "" {
		b = append(b, `,"comm":`...)
		b = appendString(b, ev.Comm)
	}
	switch ev.Kind {
	case parse.KindSyscall:
		b = append(b, `,"syscall":`...)
		b = appendString(b, ev.Syscall)
		b = append(b, `,"args":[`...)
		for i, a := range ev.Args {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, a)
		}
		b = append(b, `],"ret":`...)
		if ev.Returned {
			b = appendString(b, ev.Ret)
		} else {
			b = append(b, "null"...)
		}
		b = append(b, `,"retval":`...)
		if ev.HasRetval {
			b = appendInt(b, ev.Retval)
		} else {
			b = append(b, "null"...)
		}
		if ev.Errno == "" {
			b = append(b, `,"errno":""`...)
		} else {
			b = append(b, `,"errno":`...)
			b = appendString(b, ev.Errno)
		}
		if ev.Errmsg != "" {
			b = append(b, `,"errmsg":`...)
			b = appendString(b, ev.Errmsg)
		}
		if ev.Note != "" {
			b = append(b, `,"note":`...)
			b = appendString(b, ev.Note)
		}
		if ev.HasDuration {
			b = append(b, `,"duration_ns":`...)
			b = appendInt(b, ev.DurationNs)
		}
	case parse.KindSignal:
		b = append(b, `,"signal":`...)
		b = appendString(b, ev.Signal)
		if ev.Siginfo != "" {
			b = append(b, `,"siginfo":`...)
			b = appendString(b, ev.Siginfo)
		}
	case parse.KindExit:
		if ev.HasExitCode {
			b = append(b, `,"exit_code":`...)
			b = appendInt(b, ev.ExitCode)
		}
		if ev.Signal != "" {
			b = append(b, `,"signal":`...)
			b = appendString(b, ev.Signal)
		}
		if ev.CoreDumped {
			b = append(b, `,"core_dumped":true`...)
		} else {
			b = append(b, `,"core_dumped":false`...)
		}
	}
	if ev.Secontext != "" {
		b = append(b, `,"secontext":`...)
		b = appendString(b, ev.Secontext)
	}
	if ev.Raw != "" {
		b = append(b, `,"raw":`...)
		b = appendString(b, ev.Raw)
	}
	return append(b, '}', '\n')
}

// isJSONNumber reports whether s is a number in JSON's grammar: the
// decimals strace prints, and whatever number a JSON Lines input held.
func isJSONNumber(s string) bool {
	i := 0
	digits := func() bool {
		start := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	first := i
	if !digits() || s[first] == '0' && i-first > 1 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(s)
}

// jsonEscapeIn returns the eight bytes of w (the first in the low byte)
// with the high bit set in the lowest byte that cannot go into a JSON
// string as it is (quote, backslash, control bytes, and non-ASCII, which
// is checked as UTF-8), if any, and nothing below it (bytes above it may
// be set or not). A byte below
// 0x20, or one turned into zero by XOR with '"' or '\\', borrows when
// subtracted from, and a borrow runs only upwards, so the lowest mark is
// exact; bytes >= 0x80 carry their own high bit.
func jsonEscapeIn(w uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote, backslash := w^(ones*'"'), w^(ones*'\\')
	return (w | (w - ones*0x20) | (quote - ones) | (backslash - ones)) & highs
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Bytes that are not valid UTF-8
// (and NUL and other control bytes, escaped) still give valid JSON: each
// invalid byte becomes U+FFFD.
//
// It goes a word of eight bytes at a time (see shortWord): each word is
// stored whole into the output, which then keeps the bytes before the
// first one that needs escaping, so that the text, made of short strings,
// is copied without a call per piece.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		w, n := uint64(0), 8
		if len(s)-i >= 8 {
			w = load64(s[i:])
		} else {
			w, n = shortWord(s[i:])
		}
		k := n
		if m := jsonEscapeIn(w); m != 0 {
			k = bits.TrailingZeros64(m) >> 3
		}
		b = appendWord(b, w, k)
		if i += k; k == n {
			continue
		}
		switch c := s[i]; {
		case c == '"':
			b = append(b, '\\', '"')
			i++
		case c == '\\':
			b = append(b, '\\', '\\')
			i++
		case c == '\n':
			b = append(b, '\\', 'n')
			i++
		case c == '\t':
			b = append(b, '\\', 't')
			i++
		case c == '\r':
			b = append(b, '\\', 'r')
			i++
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, "\ufffd"...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
	}
	return append(b, '"')
}
