package parse

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// fieldIndex finds a field of Fields by its name.
var fieldIndex = func() map[string]int {
	m := make(map[string]int, len(Fields))
	for i := range Fields {
		m[Fields[i].Name] = i
	}
	return m
}()

// unidentified holds, per kind, the reason given for an event that lacks
// every field identifying it: `exit event without "exit_code" or "signal"`.
var unidentified = func() (reasons [KindExit + 1]string) {
	for k := KindSyscall; k <= KindExit; k++ {
		var names []string
		for i := range Fields {
			if Fields[i].Identifies.Has(k) {
				names = append(names, strconv.Quote(Fields[i].Name))
			}
		}
		slices.Sort(names)
		reasons[k] = k.String() + " event without " + strings.Join(names, " or ")
	}
	return reasons
}()

// maxDepth bounds the nesting of arrays and objects in a line, so that a
// line of 16 MiB of '[' cannot exhaust the stack.
const maxDepth = 1000

// eventDecoder decodes JSON objects into Events, field by field as Fields
// describes them. Strings without escapes point into the line (input
// blocks are never rewritten); strings with escapes, and Args, are cut
// from arenas that are never written again where they were handed out.
type eventDecoder struct {
	b     []byte // the line
	i     int    // the position in it
	set   uint32 // the fields of Fields the line set, by index
	next  int    // the index of the field expected next (lines list them in order)
	args  []string
	list  []string // the strings of the array being read
	bytes []byte   // arena of unescaped strings
}

// decodeError is why a line is not an event: its reason, already worded.
type decodeError string

// decode decodes line, a JSON object, into ev; reason is empty when it is
// a valid event, and noKind says it is an object without a "kind" (which
// another sort of line may be: see OtherLines).
func (d *eventDecoder) decode(line []byte, ev *Event) (noKind bool, reason string) {
	*ev = Event{}
	d.b, d.i, d.set, d.next = line, 0, 0, 0
	if err := d.object(ev); err != "" {
		return false, string(err)
	}
	if ev.Kind == 0 {
		return true, ""
	}
	identified := false
	for set := d.set; set != 0; set &= set - 1 {
		f := &Fields[bits.TrailingZeros32(set)]
		if !f.Kinds.Has(ev.Kind) {
			f.clear(ev) // another kind's field: not part of this event
			continue
		}
		if f.Identifies.Has(ev.Kind) && f.Known(ev) {
			identified = true
		}
		if f.NonNegative && f.Int(ev) < 0 {
			return false, "negative " + f.Name
		}
	}
	if !identified {
		return false, unidentified[ev.Kind]
	}
	return false, ""
}

// syntaxError reports invalid JSON at the current position.
func (d *eventDecoder) syntaxError() decodeError {
	return decodeError("invalid JSON at byte " + strconv.Itoa(d.i))
}

func (d *eventDecoder) space() {
	for d.i < len(d.b) && isBlankByte(d.b[d.i]) {
		d.i++
	}
}

// object reads the top-level object into ev, and checks that nothing follows.
func (d *eventDecoder) object(ev *Event) decodeError {
	d.space()
	if d.i >= len(d.b) || d.b[d.i] != '{' {
		return "not a JSON object"
	}
	err := d.each('{', func(key string) decodeError {
		if fi, ok := d.lookup(key); ok {
			d.set |= 1 << fi
			return d.field(&Fields[fi], ev)
		}
		return d.skip(0)
	})
	if err != "" {
		return err
	}
	d.space()
	if d.i != len(d.b) {
		return d.syntaxError()
	}
	return ""
}

// each reads the object or array that opens at d.i ('{' or '['), calling
// value for each member with d.i at its value, which value reads; the key
// is "" in an array.
func (d *eventDecoder) each(open byte, value func(key string) decodeError) decodeError {
	closing := byte(']')
	if open == '{' {
		closing = '}'
	}
	d.i++
	d.space()
	if d.i < len(d.b) && d.b[d.i] == closing {
		d.i++
		return ""
	}
	for {
		d.space()
		key := ""
		if open == '{' {
			if d.i >= len(d.b) || d.b[d.i] != '"' {
				return d.syntaxError()
			}
			var err decodeError
			if key, err = d.key(); err != "" {
				return err
			}
			d.space()
			if d.i >= len(d.b) || d.b[d.i] != ':' {
				return d.syntaxError()
			}
			d.i++
			d.space()
		}
		if d.i >= len(d.b) {
			return d.syntaxError()
		}
		if err := value(key); err != "" {
			return err
		}
		d.space()
		if d.i < len(d.b) && d.b[d.i] == ',' {
			d.i++
			continue
		}
		if d.i < len(d.b) && d.b[d.i] == closing {
			d.i++
			return ""
		}
		return d.syntaxError()
	}
}

// key reads the key of a member: at once when it is the name of the field
// expected next (see lookup), quoted, else as any string.
func (d *eventDecoder) key() (string, decodeError) {
	if d.next < len(Fields) {
		if q := quotedNames[d.next]; bytes.HasPrefix(d.b[d.i:], q) {
			d.i += len(q)
			return Fields[d.next].Name, ""
		}
	}
	return d.string()
}

// quotedNames are the names of Fields as JSON strings.
var quotedNames = func() [][]byte {
	q := make([][]byte, len(Fields))
	for i := range Fields {
		q[i] = strconv.AppendQuote(nil, Fields[i].Name)
	}
	return q
}()

// lookup finds the field called key, trying first those after the last
// found: the lines stracectl writes list fields in order.
func (d *eventDecoder) lookup(key string) (int, bool) {
	for i := d.next; i < len(Fields); i++ {
		if Fields[i].Name == key {
			d.next = i + 1
			return i, true
		}
	}
	i, ok := fieldIndex[key]
	d.next = i + 1
	return i, ok
}

// field reads the value of f into ev. null leaves the field unknown.
func (d *eventDecoder) field(f *Field, ev *Event) decodeError {
	if d.i >= len(d.b) {
		return d.syntaxError()
	}
	if d.literal("null") {
		return ""
	}
	c := d.b[d.i]
	switch f.Type {
	case Enum, String:
		if c != '"' {
			return d.wrongType(f)
		}
		s, err := d.string()
		if err != "" {
			return err
		}
		if f.Type == String {
			*(*string)(f.ptr(ev)) = s
			break
		}
		if s == "" {
			break // no kind
		}
		k, ok := ParseKind(s)
		if !ok {
			return decodeError("unknown kind " + strconv.Quote(s))
		}
		*(*Kind)(f.ptr(ev)) = k
	case Number, Integer:
		if c != '-' && (c < '0' || c > '9') {
			return d.wrongType(f)
		}
		text, integral, err := d.number()
		if err != "" {
			return err
		}
		if f.Type == Number {
			*(*string)(f.ptr(ev)) = text
			break
		}
		v, perr := strconv.ParseInt(text, 10, 64)
		if !integral || perr != nil {
			return decodeError("field " + strconv.Quote(f.Name) + " has the wrong type (number " + text + ")")
		}
		*(*int64)(f.ptr(ev)) = v
	case Boolean:
		switch {
		case d.literal("true"):
			*(*bool)(f.ptr(ev)) = true
		case d.literal("false"):
			*(*bool)(f.ptr(ev)) = false
		default:
			return d.wrongType(f)
		}
	case Strings:
		if c != '[' {
			return d.wrongType(f)
		}
		list, err := d.stringList(f)
		if err != "" {
			return err
		}
		*(*[]string)(f.ptr(ev)) = list
	}
	f.markKnown(ev)
	return ""
}

// wrongType names the JSON type found where f's type was expected.
func (d *eventDecoder) wrongType(f *Field) decodeError {
	found := "number"
	switch d.b[d.i] {
	case '"':
		found = "string"
	case '{':
		found = "object"
	case '[':
		found = "array"
	case 't', 'f':
		found = "boolean"
	default:
		if c := d.b[d.i]; c != '-' && (c < '0' || c > '9') {
			return d.syntaxError()
		}
	}
	return decodeError("field " + strconv.Quote(f.Name) + " has the wrong type (" + found + ")")
}

// literal consumes word (null, true, false) when it comes next.
func (d *eventDecoder) literal(word string) bool {
	if strings.HasPrefix(aliasString(d.b[d.i:]), word) {
		d.i += len(word)
		return true
	}
	return false
}

// stringList reads an array of strings (null items are ""), cut from a shared
// array that is never written again where it was handed out.
func (d *eventDecoder) stringList(f *Field) ([]string, decodeError) {
	d.list = d.list[:0]
	err := d.each('[', func(string) decodeError {
		switch {
		case d.literal("null"):
			d.list = append(d.list, "")
		case d.b[d.i] == '"':
			s, err := d.string()
			if err != "" {
				return err
			}
			d.list = append(d.list, s)
		default:
			return d.wrongType(f)
		}
		return ""
	})
	if err != "" {
		return nil, err
	}
	n := len(d.list)
	if d.args == nil || cap(d.args)-len(d.args) < n {
		d.args = make([]string, 0, max(argsArena, n))
	}
	start := len(d.args)
	d.args = append(d.args, d.list...)
	clear(d.list)
	return d.args[start : start+n : start+n], ""
}

// number reads a JSON number and returns its text; integral is false when
// it has a fraction or an exponent.
func (d *eventDecoder) number() (text string, integral bool, err decodeError) {
	start := d.i
	digits := func() bool {
		n := d.i
		for d.i < len(d.b) && '0' <= d.b[d.i] && d.b[d.i] <= '9' {
			d.i++
		}
		return d.i > n
	}
	if d.b[d.i] == '-' {
		d.i++
	}
	first := d.i
	if !digits() || d.b[first] == '0' && d.i-first > 1 {
		d.i = first
		return "", false, d.syntaxError()
	}
	integral = true
	if d.i < len(d.b) && d.b[d.i] == '.' {
		d.i++
		if !digits() {
			return "", false, d.syntaxError()
		}
		integral = false
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if !digits() {
			return "", false, d.syntaxError()
		}
		integral = false
	}
	return aliasString(d.b[start:d.i]), integral, ""
}

// string reads a JSON string. Without escapes or invalid UTF-8 it points
// into the line; with them it is cut from the arena. A \u escape that is half a surrogate pair
// becomes U+FFFD, as in encoding/json.
func (d *eventDecoder) string() (string, decodeError) {
	d.i++ // "
	start := d.i
	for d.i < len(d.b) {
		// Most bytes end nothing: skip them eight at a time.
		for d.i+8 <= len(d.b) && !stringStopIn(binary.LittleEndian.Uint64(d.b[d.i:])) {
			d.i += 8
		}
		if d.i >= len(d.b) {
			break
		}
		switch c := d.b[d.i]; {
		case c == '"':
			d.i++
			return aliasString(d.b[start : d.i-1]), ""
		case c == '\\':
			return d.unescape(start)
		case c < 0x20:
			return "", d.syntaxError()
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(d.b[d.i:])
			if r == utf8.RuneError && size == 1 {
				return d.unescape(start)
			}
			d.i += size
			continue
		}
		d.i++
	}
	return "", d.syntaxError()
}

// stringStopIn reports whether one of the eight bytes in w is a
// stringStop: a quote or backslash (found by turning it into zero with
// XOR), a control byte (below 0x20) or a non-ASCII byte (the high bit).
func stringStopIn(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote, backslash := w^(ones*'"'), w^(ones*'\\')
	zeros := (quote-ones)&^quote | (backslash-ones)&^backslash | (w-ones*0x20)&^w
	return (w|zeros)&highs != 0
}

// stringStop is 1 for the bytes that end the plain run of a JSON string:
// its closing quote, an escape, control bytes (invalid there) and
// non-ASCII bytes (checked as UTF-8).
var stringStop = func() (t [256]uint8) {
	for c := range 0x20 {
		t[c] = 1
	}
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = 1
	}
	t['"'], t['\\'] = 1, 1
	return t
}()

// unescape reads the rest of a string that has escapes from d.i on, into
// the arena of unescaped strings.
func (d *eventDecoder) unescape(start int) (string, decodeError) {
	if cap(d.bytes)-len(d.bytes) < 2*(d.i-start)+64 {
		d.bytes = make([]byte, 0, max(arenaSize, 4*(d.i-start)))
	}
	at := len(d.bytes)
	out := append(d.bytes, d.b[start:d.i]...)
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			d.bytes = out // appended to only past what was handed out
			return aliasString(out[at:]), ""
		case c < 0x20:
			return "", d.syntaxError()
		case c >= utf8.RuneSelf:
			// Each byte of invalid UTF-8 becomes U+FFFD, as the writer
			// (emit.AppendJSON) and encoding/json make it.
			r, size := utf8.DecodeRune(d.b[d.i:])
			if r == utf8.RuneError && size == 1 {
				out = append(out, "\uFFFD"...)
			} else {
				out = append(out, d.b[d.i:d.i+size]...)
			}
			d.i += size
			continue
		case c != '\\':
			out = append(out, c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.b) {
			return "", d.syntaxError()
		}
		d.i++
		switch e := d.b[d.i]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := d.hex4(d.i + 1)
			if !ok {
				return "", d.syntaxError()
			}
			d.i += 4
			if utf16.IsSurrogate(r) {
				r2, ok := rune(-1), false
				if d.i+6 < len(d.b) && d.b[d.i+1] == '\\' && d.b[d.i+2] == 'u' {
					r2, ok = d.hex4(d.i + 3)
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
					r = dec
					d.i += 6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", d.syntaxError()
		}
		d.i++
	}
	return "", d.syntaxError()
}

// hex4 reads the four hex digits of a \u escape at position at.
func (d *eventDecoder) hex4(at int) (rune, bool) {
	if at+4 > len(d.b) {
		return 0, false
	}
	v, err := strconv.ParseUint(aliasString(d.b[at:at+4]), 16, 32)
	return rune(v), err == nil
}

// skip reads over one value of any type, checking its syntax.
func (d *eventDecoder) skip(depth int) decodeError {
	if depth > maxDepth {
		return "invalid JSON: nested too deeply"
	}
	if d.i >= len(d.b) {
		return d.syntaxError()
	}
	switch c := d.b[d.i]; {
	case c == '"':
		_, err := d.string()
		return err
	case c == '-' || '0' <= c && c <= '9':
		_, _, err := d.number()
		return err
	case d.literal("null"), d.literal("true"), d.literal("false"):
		return ""
	case c == '[' || c == '{':
		return d.each(c, func(string) decodeError { return d.skip(depth + 1) })
	}
	return d.syntaxError()
}
