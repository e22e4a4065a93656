package parse

import (
	"strings"
	"unicode/utf8"
)

// The echo of a write in a 2>&1 capture.
//
// strace prints a write's arguments when the call starts and ") = N" when
// it returns. Captured together with the program's own output, the bytes
// the call writes land in between: write(2, "8", 1) = 1 is printed as
// write(2, "8", 18) = 1, write(2, "(", 1) = 1 as write(2, "(", 1()   = 1, and
// an echo holding a newline breaks the line there:
//
//	write(1, "a\nb", 3a
//	b)   = 3
//
// The echo is the first N bytes of the data the call writes, N its result,
// and strace printed that data in the call's own arguments: so the parser
// can find the echo, take it out, and keep the count as strace printed it.

// isEchoCall names the calls whose data can land inside their own line:
// they write it to a file descriptor that may be the capture itself.
func isEchoCall(name string) bool { return name == "write" || name == "writev" }

// echoText is the layout of a write's or writev's argument text.
type echoText struct {
	countAt  int    // index where the count argument starts
	data     []byte // the bytes written, decoded, as far as strace printed them
	complete bool   // data is every byte written: no string cut at -s, no iovec left out
	count    int    // with complete data, the count strace printed: bytes (write), iovecs (writev)
}

// maxEchoTries bounds the ")" followed by "= N" tried as the end of one
// call, so that garbage full of them stays linear.
const maxEchoTries = 4

// echoLayout finds the data and the count in x, the text after "write(":
// a file descriptor (with a -y decoration or not), the data (a string for
// write, an iovec array for writev, or an address strace could not read),
// then ", " and the count. ok is false when x is not laid out so.
func (lp *lineParser) echoLayout(name, x string) (e echoText, ok bool) {
	i := fdEnd(x)
	if i == 0 || !strings.HasPrefix(x[i:], ", ") {
		return e, false
	}
	i += 2
	j := -1
	lp.echoData = lp.echoData[:0]
	switch {
	case i < len(x) && x[i] == '"' && name == "write":
		j = skipString(x, i)
		if j < 0 {
			return e, false
		}
		lp.echoData = appendUnquoted(lp.echoData, x[i:j])
		e.complete = !strings.HasSuffix(x[i:j], "...")
		e.count = len(lp.echoData)
	case i < len(x) && x[i] == '[' && name == "writev":
		j, e.count, e.complete = lp.iovecData(x, i)
	default: // an address: the data is unknown
		j = i
		for j < len(x) && isWordByte(x[j]) {
			j++
		}
	}
	if j <= i || !strings.HasPrefix(x[j:], ", ") {
		return e, false
	}
	e.countAt, e.data = j+2, lp.echoData
	return e, true
}

// fdEnd returns the index after the file descriptor at the start of x:
// digits, with a -y decoration or not ("1</dev/pts/0>"); 0 when none.
func fdEnd(x string) int {
	j := 0
	for j < len(x) && isDigit(x[j]) {
		j++
	}
	if j > 0 && j < len(x) && x[j] == '<' {
		next, unclosed := skipDecoration(x, j)
		if unclosed {
			return 0
		}
		j = next
	}
	return j
}

// iovecData decodes the strings of the iovec array that starts at x[i]
// into lp.echoData, and returns the index after the array, the number of
// iovecs and whether strace printed them all in full (-1 when the array
// does not close).
func (lp *lineParser) iovecData(x string, i int) (end, iovecs int, complete bool) {
	complete = true
	depth := 0
	for j := i; j < len(x); j++ {
		switch x[j] {
		case '"':
			k := skipString(x, j)
			if k < 0 {
				return -1, 0, false
			}
			lp.echoData = appendUnquoted(lp.echoData, x[j:k])
			complete = complete && !strings.HasSuffix(x[j:k], "...")
			j = k - 1
		case '[', '{':
			depth++
			if depth == 2 && x[j] == '{' {
				iovecs++
			}
		case ']', '}':
			depth--
			if depth == 0 {
				return j + 1, iovecs, complete
			}
		case '.':
			if depth == 1 && strings.HasPrefix(x[j:], "...") {
				complete = false // iovecs left out
			}
		}
	}
	return -1, 0, false
}

// appendUnquoted appends the bytes of a string as strace prints it
// ("a\n\"\\\33\x1b", then "..." when cut at -s): C escapes, octal with
// one to three digits, hex with -x.
func appendUnquoted(dst []byte, q string) []byte {
	end := strings.LastIndexByte(q, '"')
	for i := 1; i < end; i++ {
		c := q[i]
		if c != '\\' || i+1 >= end {
			dst = append(dst, c)
			continue
		}
		i++
		switch c = q[i]; c {
		case 'n':
			dst = append(dst, '\n')
		case 't':
			dst = append(dst, '\t')
		case 'r':
			dst = append(dst, '\r')
		case 'v':
			dst = append(dst, '\v')
		case 'f':
			dst = append(dst, '\f')
		case 'x':
			v, k := 0, 0
			for ; k < 2 && i+1+k < end && isHexDigit(q[i+1+k]); k++ {
				v = v*16 + hexValue(q[i+1+k])
			}
			dst = append(dst, byte(v))
			i += k
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v, k := 0, 0
			for ; k < 3 && i+k < end && '0' <= q[i+k] && q[i+k] <= '7'; k++ {
				v = v*8 + int(q[i+k]-'0')
			}
			dst = append(dst, byte(v))
			i += k - 1
		default: // \\ \" and anything else: the byte itself
			dst = append(dst, c)
		}
	}
	return dst
}

func hexValue(c byte) int {
	switch {
	case c <= '9':
		return int(c - '0')
	case c >= 'a':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}

// appendEchoed appends data[from:from+n] as it appears in the parser's
// text once echoed into lines: without the line breaks, which ended lines
// ("\n", and a "\r" before it), and with bytes that are not UTF-8 escaped
// as the parser escapes them.
func appendEchoed(dst, data []byte, from, n int) []byte {
	const hex = "0123456789abcdef"
	end := min(from+n, len(data))
	for i := from; i < end; {
		c := data[i]
		switch {
		case c == '\n' || c == '\r' && i+1 < len(data) && data[i+1] == '\n':
			i++
			continue
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:end])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, '\\', 'x', hex[c>>4], hex[c&0xf])
		} else {
			dst = append(dst, data[i:i+size]...)
		}
		i += size
	}
	return dst
}

// echoResult is what closeEcho found.
type echoResult uint8

const (
	echoNone   echoResult = iota // x is not a write whose echo explains it
	echoOpen                     // x is consistent with an echo that goes on on the next line
	echoClosed                   // x ends the call: args are x[:countEnd], the result follows x[closeAt]
)

// closeEcho reads x, the text after "write(" or "writev(" (joined over
// lines when the echo broke it; breaks counts the line breaks joined),
// allowing the echo of the call's data between its count and its ")".
// With echoClosed, countEnd is where the count ends and closeAt is the
// index of the ")". A write that no output echoes into is echoClosed too,
// with countEnd == closeAt.
func (lp *lineParser) closeEcho(name, x string, breaks int) (how echoResult, countEnd, closeAt int) {
	e, ok := lp.echoLayout(name, x)
	if !ok {
		return echoNone, 0, 0
	}
	var countText []byte
	if e.complete {
		lp.echoCount = appendInt(lp.echoCount[:0], int64(e.count))
		countText = lp.echoCount
		if !strings.HasPrefix(x[e.countAt:], string(countText)) {
			return echoNone, 0, 0
		}
	}
	tries := 0
	for q := e.countAt; tries < maxEchoTries; q++ {
		k := strings.IndexByte(x[q:], ')')
		if k < 0 {
			break
		}
		q += k
		n, ok := quickResult(x[q+1:])
		if !ok {
			continue
		}
		tries++
		if end, ok := lp.echoFits(x[e.countAt:q], e, countText, n, breaks); ok {
			return echoClosed, e.countAt + end, q
		}
	}
	if lp.echoGoesOn(x[e.countAt:], e, countText) {
		return echoOpen, 0, 0
	}
	return echoNone, 0, 0
}

// echoFits reports whether tail, the text between the count's start and
// a ")" whose result is n, is the count followed by the first n bytes of
// the data (or by nothing: the data went elsewhere), and where the count
// ends.
func (lp *lineParser) echoFits(tail string, e echoText, countText []byte, n int64, breaks int) (countEnd int, ok bool) {
	if e.complete {
		echo := tail[len(countText):]
		if echo == "" {
			return len(countText), true
		}
		if n <= 0 || n > int64(len(e.data)) {
			return 0, false
		}
		lp.echoWant = appendEchoed(lp.echoWant[:0], e.data, 0, int(n))
		return len(countText), echo == string(lp.echoWant)
	}
	// Data cut at -s or unknown: the count is digits, the echo n bytes
	// (less the line breaks it held) starting with the data printed.
	if allDigits(tail) {
		return len(tail), true // no echo
	}
	size := int(n) - breaks
	if n <= 0 || size <= 0 || size >= len(tail) {
		return 0, false
	}
	count, echo := tail[:len(tail)-size], tail[len(tail)-size:]
	v, ok := parseUint(count)
	if !ok || v < n || v <= int64(len(e.data)) {
		return 0, false
	}
	lp.echoWant = appendEchoed(lp.echoWant[:0], e.data, 0, len(e.data))
	if !strings.HasPrefix(echo, string(lp.echoWant[:min(len(lp.echoWant), len(echo))])) {
		return 0, false
	}
	return len(count), true
}

// echoGoesOn reports whether tail (from the count's start to the end of
// the text so far) can be the count and the start of the echo, which the
// next line continues: for data printed in full, the count and a piece of
// the data that ends where the data has a line break.
func (lp *lineParser) echoGoesOn(tail string, e echoText, countText []byte) bool {
	if !e.complete || len(tail) < len(countText) {
		return false
	}
	echo := tail[len(countText):]
	kept := 0
	for i, c := range e.data {
		if c != '\n' {
			continue
		}
		lp.echoWant = appendEchoed(lp.echoWant[:0], e.data, kept, i-kept)
		if !strings.HasPrefix(echo, string(lp.echoWant)) {
			return false
		}
		echo, kept = echo[len(lp.echoWant):], i+1
		if echo == "" {
			return true
		}
	}
	return false
}

// quickResult reads "   = N" at the start of s, the result after a call's
// ")": n is N, or 0 for a result that is not a count of bytes ("-1
// EPIPE", "?"). ok is false when s does not start with "= ".
func quickResult(s string) (n int64, ok bool) {
	s = trimBlankLeft(s)
	if len(s) < 3 || s[0] != '=' || s[1] != ' ' {
		return 0, false
	}
	s = s[2:]
	j := 0
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j == 0 || j < len(s) && s[j] != ' ' {
		return 0, j == 0 && (s[0] == '-' || s[0] == '?')
	}
	v, fits := parseUint(s[:j])
	return v, fits
}

// appendInt appends the decimal form of v >= 0.
func appendInt(dst []byte, v int64) []byte {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(dst, b[i:]...)
}
