package emit

import (
	"io"
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
// them equal), without allocating per event.
type CSVWriter struct {
	w      io.Writer
	fields []*parse.Field
	header bool
	buf    []byte
	err    error
}

// NewCSV returns a CSVWriter writing to w; raw adds the "raw" column.
func NewCSV(w io.Writer, raw bool) *CSVWriter {
	return &CSVWriter{w: w, fields: csvFields(raw), buf: make([]byte, 0, flushSize+flushSize/4)}
}

// Write encodes ev as one record, after the header on the first call; the
// output is buffered until Flush or until enough has gathered.
func (c *CSVWriter) Write(ev *parse.Event) error {
	if c.err != nil {
		return c.err
	}
	c.writeHeader()
	b, k := c.buf, ev.Kind
	for i, f := range c.fields {
		if i > 0 {
			b = append(b, ',')
		}
		// Not written (f.Written), or null: an empty field.
		if !f.Kinds.Has(k) || (f.Nullable || !f.Always.Has(k)) && !f.Known(ev) {
			continue
		}
		switch f.Type {
		case parse.Enum:
			b = append(b, f.Kind(ev).String()...)
		case parse.String, parse.Number:
			b = AppendCSVField(b, f.Text(ev))
		case parse.Integer:
			b = strconv.AppendInt(b, f.Int(ev), 10)
		case parse.Boolean:
			b = strconv.AppendBool(b, f.Bool(ev))
		case parse.Strings:
			b = appendCSVJoined(b, f.List(ev))
		}
	}
	c.buf = append(b, '\n')
	if len(c.buf) >= flushSize {
		return c.Flush()
	}
	return nil
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

// csvSpecial is 1 for the bytes a CSV field cannot hold as they are: those
// that make it quoted (comma, quote, CR, LF), NUL, and non-ASCII bytes,
// which are checked as UTF-8.
var csvSpecial = func() (t [256]uint8) {
	for _, c := range []byte{',', '"', '\r', '\n', 0} {
		t[c] = 1
	}
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = 1
	}
	return t
}()

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

// append appends s, cleaned, quoting the field when s calls for it.
func (f *csvField) append(b []byte, s string) []byte {
	for len(s) > 0 {
		// Copy the bytes that need nothing done, eight at a time if it can.
		i := 0
		for i+8 <= len(s) && !csvSpecialIn(load64(s[i:])) {
			i += 8
		}
		for i < len(s) && csvSpecial[s[i]] == 0 {
			i++
		}
		b = append(b, s[:i]...)
		if s = s[i:]; s == "" {
			break
		}
		switch c := s[0]; {
		case c == ',' || c == '\r' || c == '\n':
			b = append(f.quote(b), c)
			s = s[1:]
		case c == '"':
			b = append(f.quote(b), '"', '"')
			s = s[1:]
		case c == 0:
			b = append(b, "\uFFFD"...)
			s = s[1:]
		default:
			r, size := utf8.DecodeRuneInString(s)
			if r != utf8.RuneError || size > 1 {
				b = append(b, s[:size]...)
				s = s[size:]
				continue
			}
			b = append(b, "\uFFFD"...)
			for s != "" && s[0] >= utf8.RuneSelf {
				if r, size := utf8.DecodeRuneInString(s); r != utf8.RuneError || size > 1 {
					break
				}
				s = s[1:]
			}
		}
	}
	return b
}

// csvSpecialIn reports whether any of the eight bytes in w is marked in
// csvSpecial: non-ASCII (the high bit), NUL, comma, quote, CR or LF. A
// byte is found by turning it into zero (XOR) and testing for a zero byte.
func csvSpecialIn(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	comma, quote, cr, lf := w^(ones*','), w^(ones*'"'), w^(ones*'\r'), w^(ones*'\n')
	zeros := (w-ones)&^w | (comma-ones)&^comma | (quote-ones)&^quote | (cr-ones)&^cr | (lf-ones)&^lf
	return (w|zeros)&highs != 0
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
