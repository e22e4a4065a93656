package emit

import (
	"encoding/binary"
	"strconv"
)

// What the JSON and CSV encoders share to write fields fast. They read
// their text a word of eight bytes at a time: a test on a word (see
// jsonEscapeIn, csvSpecialIn) finds the first byte that needs work in a few
// register operations, and a word is copied by one store. Numbers are
// written two digits at a time (appendInt).

// load64 returns the first eight bytes of s as one word, the first in the
// low byte (the compiler makes it one load).
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// wordPad fills the bytes of a word past the end of the text: spaces,
// which no encoder escapes or quotes inside a field.
const wordPad = 0x2020202020202020

// shortWord returns the 1 to 7 bytes of s as a word, read without going
// past its end (two loads that overlap), followed by wordPad's spaces.
func shortWord(s string) (w uint64, n int) {
	switch n = len(s); {
	case n >= 4:
		w = uint64(load32(s)) | uint64(load32(s[n-4:]))<<(8*(n-4))
	case n >= 2:
		w = uint64(s[0]) | uint64(s[1])<<8 | uint64(s[n-2])<<(8*(n-2)) | uint64(s[n-1])<<(8*(n-1))
	default:
		w = uint64(s[0])
	}
	return w | wordPad<<(8*n), n
}

// load32 returns the first four bytes of s, the first in the low byte.
func load32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// appendWord appends the first n bytes of w (n <= 8) to b. It stores all
// eight, past the end of b, where the capacity is there, so that a copy
// of a few bytes costs one store and no call.
func appendWord(b []byte, w uint64, n int) []byte {
	if cap(b)-len(b) < 8 {
		b = append(b, make([]byte, 8)...)[:len(b)]
	}
	binary.LittleEndian.PutUint64(b[len(b):len(b)+8], w)
	return b[:len(b)+n]
}

// appendInt appends v in decimal, as strconv.AppendInt does, with the
// small non-negative numbers of events (pids, results, durations up to
// 10^16) written two digits at a time without a call.
func appendInt(b []byte, v int64) []byte {
	if v < 0 || v >= 1e16 {
		return strconv.AppendInt(b, v, 10)
	}
	if v < 10 {
		return append(b, byte('0'+v))
	}
	var d [16]byte
	i := len(d)
	for v >= 100 {
		r := v % 100
		v /= 100
		i -= 2
		d[i], d[i+1] = twoDigits[2*r], twoDigits[2*r+1]
	}
	if v >= 10 {
		i -= 2
		d[i], d[i+1] = twoDigits[2*v], twoDigits[2*v+1]
	} else {
		i--
		d[i] = byte('0' + v)
	}
	return append(b, d[i:]...)
}

// twoDigits holds "00" to "99".
const twoDigits = "00010203040506070809" + "10111213141516171819" + "20212223242526272829" + "30313233343536373839" +
	"40414243444546474849" + "50515253545556575859" + "60616263646566676869" + "70717273747576777879" +
	"80818283848586878889" + "90919293949596979899"
