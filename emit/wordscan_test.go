package emit

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"unicode/utf8"
)

// lowestMarked is the index of the lowest byte of w whose high bit mask
// sets, or 8.
func lowestMarked(w [8]byte, mask func(uint64) uint64) int {
	m := mask(load64(string(w[:])))
	for k := range 8 {
		if m&(0x80<<(8*k)) != 0 {
			return k
		}
	}
	return 8
}

// firstMarked is the index of the first byte of w that table marks, or 8.
func firstMarked(w [8]byte, table *[256]uint8) int {
	for k, c := range w {
		if table[c] != 0 {
			return k
		}
	}
	return 8
}

// checkWordScan checks that a word-at-a-time search finds the same first
// byte as its table: every byte value at every place among ordinary
// bytes, each pair of values side by side (a borrow crosses into the next
// byte), and random words, some with bytes >= 0x80.
func checkWordScan(t *testing.T, mask func(uint64) uint64, table *[256]uint8) {
	t.Helper()
	check := func(w [8]byte) {
		t.Helper()
		if got, want := lowestMarked(w, mask), firstMarked(w, table); got != want {
			t.Fatalf("word %q: byte %d found first, want %d", w[:], got, want)
		}
	}
	for at := range 8 {
		for c := range 256 {
			w := [8]byte{'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'}
			w[at] = byte(c)
			check(w)
		}
	}
	for a := range 256 {
		for b := range 256 {
			check([8]byte{'x', 'y', 'z', byte(a), byte(b), '_', '0', ' '})
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		var w [8]byte
		for k := range w {
			if rng.IntN(2) == 0 {
				w[k] = byte(rng.IntN(0x80))
			} else {
				w[k] = byte(rng.IntN(256))
			}
		}
		check(w)
	}
}

// jsonEscape, the reference of jsonEscapeIn, is 1 for the bytes that cannot go into a JSON string as they
// are: quote, backslash, control bytes, and non-ASCII (checked as UTF-8).
var jsonEscape = func() (t [256]uint8) {
	for c := range t {
		if c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			t[c] = 1
		}
	}
	return t
}()

func TestJSONEscapeIn(t *testing.T) { checkWordScan(t, jsonEscapeIn, &jsonEscape) }

// csvSpecial, the reference of csvSpecialIn, is 1 for the bytes a CSV field cannot hold as they are: those
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

func TestCSVSpecialIn(t *testing.T) { checkWordScan(t, csvSpecialIn, &csvSpecial) }

// randomText returns n bytes drawn mostly from the ones an encoder must
// treat specially, so that runs of them meet every word boundary.
func randomText(rng *rand.Rand, n int) string {
	const special = "\"\\,\r\n\x00\x01\x1f\x7f\xc3\xa9\xe2\x82\xac\xff\xed\xa0 a"
	b := make([]byte, n)
	for k := range b {
		if rng.IntN(3) == 0 {
			b[k] = special[rng.IntN(len(special))]
		} else {
			b[k] = 'a' + byte(rng.IntN(26))
		}
	}
	return string(b)
}

// TestAppendStringRandom: random strings of every length up to 40, with
// special bytes at every place, encode to JSON that decodes to the text
// with invalid bytes as U+FFFD.
func TestAppendStringRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 50000 {
		s := randomText(rng, rng.IntN(41))
		out := appendString(nil, s)
		var got string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%q encodes to %q: %v", s, out, err)
		}
		if want := replaceInvalid(s); got != want {
			t.Fatalf("%q encodes to %q, which decodes to %q, want %q", s, out, got, want)
		}
	}
}

// TestAppendInt: appendInt writes what strconv does, at every number of
// digits, at the edges of its fast path and beyond it.
func TestAppendInt(t *testing.T) {
	values := []int64{math.MinInt64, math.MaxInt64, -1, -99, 1e16 - 1, 1e16, 1e16 + 1}
	for v := range int64(1000) {
		values = append(values, v)
	}
	for p := int64(10); p <= 1e18; p *= 10 {
		values = append(values, p-1, p, p+1, -p)
	}
	for _, v := range values {
		if got, want := string(appendInt([]byte("x"), v)), "x"+strconv.FormatInt(v, 10); got != want {
			t.Errorf("appendInt(%d) = %q, want %q", v, got, want)
		}
	}
}
