package emit

import (
	"io"
	"math/bits"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/stracectl/stracectl/parse"
)

// CSVColumns returns the column names of the CSV output: the fields of the
// event schema (parse.Fields) in their order, args joined with ", "; "raw"
// only with raw. The order never changes within a schema version, so
// loaders (PostgreSQL COPY ... CSV HEADER, sqlite3 .import --csv) can rely
// on it.
func CSVColumns(raw bool) []string {
	var names []string
	for _, f := range csvFields(raw) {
		names = append(names, f.Name)
	}
	return names
}

// csvFields returns the fields that are columns.
func csvFields(raw bool) []*parse.Field {
	var fields []*parse.Field
	for i := range parse.Fields {
		if f := &parse.Fields[i]; !f.OnRequest || raw {
			fields = append(fields, f)
		}
	}
	return fields
}

// CSVWriter writes events as RFC 4180 CSV with a header row, one record
// per event, a column per field of parse.Fields. Unknown and null values
// are empty fields. Text is made loadable by databases: invalid UTF-8 and
// NUL bytes (which PostgreSQL text cannot hold) become U+FFFD. It encodes
// in one pass into its buffer, as encoding/csv would quote (a test keeps
// them equal, and the columns equal to parse.Fields), without allocating
// per event.
type CSVWriter struct {
	w      io.Writer
	fields []*parse.Field // the columns, for the header
	raw    bool
	header bool
	buf    []byte
	err    error
}

// NewCSV returns a CSVWriter writing to w; raw adds the "raw" column.
func NewCSV(w io.Writer, raw bool) *CSVWriter {
	return &CSVWriter{w: w, fields: csvFields(raw), raw: raw, buf: make([]byte, 0, flushSize+flushSize/4)}
}

// Write encodes ev as one record, after the header on the first call; the
// output is buffered until Flush or until enough has gathered.
func (c *CSVWriter) Write(ev *parse.Event) error {
	if c.err != nil {
		return c.err
	}
	c.writeHeader()
	c.buf = appendCSVRecord(c.buf, ev, c.raw)
	if len(c.buf) >= flushSize {
		return c.Flush()
	}
	return nil
}

// appendCSVRecord appends ev as one record and a newline: the columns of
// parse.Fields in their order, written field by field as AppendJSON does,
// so that a record costs no loop over the field table. A field an event of
// its kind does not carry, or whose value is unknown or null, is empty; an
// event of no valid kind has every field empty.
func appendCSVRecord(b []byte, ev *parse.Event, raw bool) []byte {
	k := ev.Kind
	if !parse.AllKinds.Has(k) {
		n := len(parse.Fields) - 1
		if !raw {
			n-- // raw, the one column written only on request, is last
		}
		b = append(b, ",,,,,,,,,,,,,,,,,,,,,,,,"[:n]...)
		return append(b, '\n')
	}
	b = append(b, k.String()...)
	b = append(b, ',')
	if ev.Time != "" {
		b = AppendCSVField(b, ev.Time)
	}
	b = append(b, ',')
	if ev.Rel != "" {
		b = AppendCSVField(b, ev.Rel)
	}
	b = append(b, ',')
	b = appendInt(b, ev.Pid)
	b = append(b, ',')
	if ev.Tgid != 0 {
		b = appendInt(b, ev.Tgid)
	}
	b = append(b, ',')
	if ev.Comm != "" {
		b = AppendCSVField(b, ev.Comm)
	}
	b = append(b, ',')
	switch k {
	case parse.KindSyscall:
		// syscall, args, ret, retval, errno, errmsg, note, duration_ns
		b = AppendCSVField(b, ev.Syscall)
		b = append(b, ',')
		b = appendCSVJoined(b, ev.Args)
		b = append(b, ',')
		if ev.Returned {
			b = AppendCSVField(b, ev.Ret)
		}
		b = append(b, ',')
		if ev.HasRetval {
			b = appendInt(b, ev.Retval)
		}
		b = append(b, ',')
		b = AppendCSVField(b, ev.Errno)
		b = append(b, ',')
		if ev.Errmsg != "" {
			b = AppendCSVField(b, ev.Errmsg)
		}
		b = append(b, ',')
		if ev.Note != "" {
			b = AppendCSVField(b, ev.Note)
		}
		b = append(b, ',')
		if ev.HasDuration {
			b = appendInt(b, ev.DurationNs)
		}
		// signal, siginfo, exit_code, core_dumped: not a call's
		b = append(b, ",,,,,"...)
	case parse.KindSignal:
		// the call's eight columns, then signal, siginfo
		b = append(b, ",,,,,,,,"...)
		b = AppendCSVField(b, ev.Signal)
		b = append(b, ',')
		if ev.Siginfo != "" {
			b = AppendCSVField(b, ev.Siginfo)
		}
		// exit_code, core_dumped: not a signal's
		b = append(b, ",,,"...)
	case parse.KindExit:
		// the call's eight columns, then signal, siginfo (not an exit's),
		// exit_code, core_dumped
		b = append(b, ",,,,,,,,"...)
		if ev.Signal != "" {
			b = AppendCSVField(b, ev.Signal)
		}
		b = append(b, ",,"...)
		if ev.HasExitCode {
			b = appendInt(b, ev.ExitCode)
		}
		b = append(b, ',')
		b = strconv.AppendBool(b, ev.CoreDumped)
		b = append(b, ',')
	}
	if ev.Secontext != "" {
		b = AppendCSVField(b, ev.Secontext)
	}
	if raw {
		b = append(b, ',')
		if ev.Raw != "" {
			b = AppendCSVField(b, ev.Raw)
		}
	}
	return append(b, '\n')
}

// writeHeader buffers the header row, once.
func (c *CSVWriter) writeHeader() {
	if c.header {
		return
	}
	c.header = true
	for i, f := range c.fields {
		if i > 0 {
			c.buf = append(c.buf, ',')
		}
		c.buf = append(c.buf, f.Name...)
	}
	c.buf = append(c.buf, '\n')
}

// Flush writes out what is buffered.
func (c *CSVWriter) Flush() error {
	if c.err != nil {
		return c.err
	}
	if len(c.buf) > 0 {
		_, c.err = c.w.Write(c.buf)
		c.buf = c.buf[:0]
	}
	return c.err
}

// Close flushes; it does not close the underlying writer. An empty trace
// still gets its header, so loaders see the columns.
func (c *CSVWriter) Close() error {
	if c.err == nil {
		c.writeHeader()
	}
	return c.Flush()
}

// AppendCSVField appends s as one CSV field, quoted when encoding/csv
// would quote it (a comma, quote, CR or LF in it, a leading space, or the
// text `\.`), with invalid UTF-8 (each run of bad bytes) and NUL bytes
// made U+FFFD so that databases load it.
func AppendCSVField(b []byte, s string) []byte {
	f := csvField{start: len(b), quoted: leadingSpace(s) || s == `\.`}
	if f.quoted {
		b = append(b, '"')
	}
	b = f.append(b, s)
	return f.end(b)
}

// appendCSVJoined appends parts joined by ", " as one CSV field, as
// AppendCSVField would append the joined text.
func appendCSVJoined(b []byte, parts []string) []byte {
	if len(parts) == 0 {
		return b
	}
	f := csvField{start: len(b), quoted: len(parts) > 1 || leadingSpace(parts[0]) || parts[0] == `\.`}
	if f.quoted {
		b = append(b, '"')
	}
	for i, p := range parts {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = f.append(b, p)
	}
	return f.end(b)
}

// csvField writes one CSV field in a single pass: text goes out as it is
// until a byte shows that the field must be quoted, and then the opening
// quote is slid in before what was written.
type csvField struct {
	start  int // where the field begins in the output
	quoted bool
}

// append appends s, cleaned, quoting the field when s calls for it. It
// goes a word of eight bytes at a time, as appendString does for JSON.
func (f *csvField) append(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		w, n := uint64(0), 8
		if len(s)-i >= 8 {
			w = load64(s[i:])
		} else {
			w, n = shortWord(s[i:])
		}
		k := n
		if m := csvSpecialIn(w); m != 0 {
			k = bits.TrailingZeros64(m) >> 3
		}
		b = appendWord(b, w, k)
		if i += k; k == n {
			continue
		}
		switch c := s[i]; {
		case c == ',' || c == '\r' || c == '\n':
			b = append(f.quote(b), c)
			i++
		case c == '"':
			b = append(f.quote(b), '"', '"')
			i++
		case c == 0:
			b = append(b, "\uFFFD"...)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size > 1 {
				b = append(b, s[i:i+size]...)
				i += size
				continue
			}
			b = append(b, "\uFFFD"...)
			for i < len(s) && s[i] >= utf8.RuneSelf {
				if r, size := utf8.DecodeRuneInString(s[i:]); r != utf8.RuneError || size > 1 {
					break
				}
				i++
			}
		}
	}
	return b
}

// csvSpecialIn returns the eight bytes of w (the first in the low byte)
// with the high bit set in the lowest byte a CSV field cannot hold as it
// is, if any, and nothing below it (bytes above it may be set or not):
// those that make it quoted (comma, quote, CR, LF), NUL, and non-ASCII
// bytes, which are checked as UTF-8. Each of those is turned into zero
// (XOR), which borrows when subtracted from; a borrow runs only upwards,
// so the lowest mark is exact.
func csvSpecialIn(w uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	comma, quote, cr, lf := w^(ones*','), w^(ones*'"'), w^(ones*'\r'), w^(ones*'\n')
	return (w | (w - ones) | (comma - ones) | (quote - ones) | (cr - ones) | (lf - ones)) & highs
}

// quote makes the field quoted, if it is not yet: the opening quote goes
// before what was written of it.
func (f *csvField) quote(b []byte) []byte {
	if f.quoted {
		return b
	}
	f.quoted = true
	b = append(b, 0)
	copy(b[f.start+1:], b[f.start:])
	b[f.start] = '"'
	return b
}

// end closes a quoted field.
func (f *csvField) end(b []byte) []byte {
	if f.quoted {
		b = append(b, '"')
	}
	return b
}

// leadingSpace reports whether s starts with a space, which encoding/csv
// quotes so that readers trimming spaces keep it.
func leadingSpace(s string) bool {
	if s == "" {
		return false
	}
	if s[0] < utf8.RuneSelf {
		return asciiSpace[s[0]]
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}

// asciiSpace marks the ASCII bytes unicode.IsSpace accepts.
var asciiSpace = [utf8.RuneSelf]bool{' ': true, '\t': true, '\n': true, '\v': true, '\f': true, '\r': true}

// CleanText returns s as valid UTF-8 without NUL bytes: each run of
// invalid bytes, and each NUL, becomes U+FFFD.
func CleanText(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}
