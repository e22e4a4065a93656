package parse

import (
	"math"
	"strings"
)

// Numbers and times as strace prints them. No strconv or fmt here: these run
// for every line, and each handles overflow by reporting it, never by
// wrapping or panicking.

// parseUint parses a run of decimal digits; ok is false when s is empty, has
// another byte, or the value exceeds math.MaxInt64.
func parseUint(s string) (v int64, ok bool) {
	if s == "" {
		return 0, false
	}
	// 18 digits cannot overflow: they need no check per digit.
	safe := len(s) <= 18
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if !safe && v > (math.MaxInt64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// parseRetval returns the numeric value of a result as printed: decimal
// ("3", "-1"), hex ("0x7f12"), octal ("022", from umask), with a -y/-Y
// decoration ("3</etc/passwd>", "4711<sh>") ignored. ok is false for "?",
// anything else that is not a number, and numbers beyond int64.
func parseRetval(s string) (v int64, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '<' {
			s = s[:i]
			break
		}
	}
	if s == "" {
		return 0, false
	}
	neg := false
	if s[0] == '-' {
		neg = true
		s = s[1:]
	}
	switch {
	case len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
		v, ok = parseBase(s[2:], 16)
	case len(s) > 1 && s[0] == '0':
		v, ok = parseBase(s[1:], 8)
	default:
		v, ok = parseUint(s)
	}
	if neg {
		v = -v
	}
	return v, ok
}

// parseBase parses digits in base 8 or 16 into a non-negative int64.
func parseBase(s string, base int64) (v int64, ok bool) {
	if s == "" {
		return 0, false
	}
	// 15 digits cannot overflow (at most 2^60) in either base: they need
	// no division per digit.
	safe := len(s) <= 15
	for i := 0; i < len(s); i++ {
		c := s[i]
		var d int64
		switch {
		case '0' <= c && c <= '9':
			d = int64(c - '0')
		case base == 16 && 'a' <= c && c <= 'f':
			d = int64(c-'a') + 10
		case base == 16 && 'A' <= c && c <= 'F':
			d = int64(c-'A') + 10
		default:
			return 0, false
		}
		if d >= base || !safe && v > (math.MaxInt64-d)/base {
			return 0, false
		}
		v = v*base + d
	}
	return v, true
}

// parseSeconds parses "SECONDS.FRACTION" (strace -T and -r) into
// nanoseconds, truncating digits beyond nanoseconds. found is false when s
// is not of that form; ok is false when it is, but the value is negative or
// does not fit an int64 of nanoseconds.
func parseSeconds(s string) (ns int64, found, ok bool) {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	dot := strings.IndexByte(s, '.')
	if dot <= 0 || !allDigits(s[:dot]) || !allDigits(s[dot+1:]) {
		return 0, false, false
	}
	if neg {
		return 0, true, false
	}
	sec, fits := parseUint(s[:dot])
	if !fits || sec > math.MaxInt64/1_000_000_000-1 {
		return 0, true, false
	}
	frac := s[dot+1:]
	var f int64
	for i := 0; i < 9; i++ {
		f *= 10
		if i < len(frac) {
			f += int64(frac[i] - '0')
		}
	}
	return sec*1e9 + f, true, true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// appendRFC3339 appends the UTC time of an epoch timestamp printed by strace
// -ttt ("1795697509.945630", seconds with 0 to 9 fraction digits) as RFC 3339
// keeping the printed precision: "2026-11-26T09:31:49.945630Z". ok is false
// when s is not such a timestamp or its year is beyond 9999.
func appendRFC3339(dst []byte, s string) ([]byte, bool) {
	secText, frac := s, ""
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			secText, frac = s[:i], s[i+1:]
			break
		}
	}
	if len(frac) > 9 || (len(s) > len(secText) && frac == "") || (frac != "" && !allDigits(frac)) {
		return dst, false
	}
	secs, ok := parseUint(secText)
	if !ok || secs >= 253402300800 { // 10000-01-01T00:00:00Z
		return dst, false
	}
	days := secs / 86400
	rem := secs % 86400
	y, m, d := civilFromDays(days)
	dst = append4(dst, y)
	dst = append(dst, '-')
	dst = append2(dst, m)
	dst = append(dst, '-')
	dst = append2(dst, d)
	dst = append(dst, 'T')
	dst = append2(dst, rem/3600)
	dst = append(dst, ':')
	dst = append2(dst, rem/60%60)
	dst = append(dst, ':')
	dst = append2(dst, rem%60)
	if frac != "" {
		dst = append(dst, '.')
		dst = append(dst, frac...)
	}
	return append(dst, 'Z'), true
}

// civilFromDays converts days since 1970-01-01 to a proleptic Gregorian
// date (Howard Hinnant's algorithm), for days >= 0.
func civilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func append2(dst []byte, v int64) []byte {
	return append(dst, byte('0'+v/10), byte('0'+v%10))
}

func append4(dst []byte, v int64) []byte {
	return append(dst, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}
