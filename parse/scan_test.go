package parse

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkScanArgs measures the argument scanner alone on the call lines
// of the corpus (or of testdata without it), per byte of those lines.
func BenchmarkScanArgs(b *testing.B) {
	paths, _ := filepath.Glob("../../shared/corpus/*.trace")
	if len(paths) == 0 {
		paths = []string{"../testdata/strace-Y-f-T.trace"}
	}
	var lines []string
	size := 0
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		for line := range strings.Lines(string(data)) {
			if k := strings.IndexByte(line, '('); k > 0 {
				lines = append(lines, line[k+1:])
				size += len(line) - k - 1
			}
		}
	}
	b.SetBytes(int64(size))
	splits := make([]int, 0, 64)
	for b.Loop() {
		for _, line := range lines {
			_, _, splits = scanArgs(line, 0, splits[:0])
		}
	}
}

// TestNumbersAtTheirLimits: parseUint and parseRetval agree with strconv
// at every length, around the 15 and 18 digits below which they skip the
// overflow check, and beyond int64.
func TestNumbersAtTheirLimits(t *testing.T) {
	var cases []string
	for n := 1; n <= 21; n++ {
		for _, d := range []string{"1", "7", "9"} {
			cases = append(cases, strings.Repeat(d, n), "0x"+strings.Repeat(d, n), "0x"+strings.Repeat("f", n), "0"+strings.Repeat(d, n))
		}
	}
	cases = append(cases, "9223372036854775807", "9223372036854775808", "0x7fffffffffffffff", "0x8000000000000000",
		"0777777777777777777777", "01000000000000000000000", "-9223372036854775807", "0xFFFFFFFFFFFFFFF")
	for _, s := range cases {
		want, err := strconv.ParseInt(s, 0, 64)
		got, ok := parseRetval(s)
		if ok != (err == nil) || ok && got != want {
			t.Errorf("parseRetval(%q) = %d, %v; strconv: %d, %v", s, got, ok, want, err)
		}
		if strings.HasPrefix(s, "0") || strings.HasPrefix(s, "-") {
			continue
		}
		want, err = strconv.ParseInt(s, 10, 64)
		got, ok = parseUint(s)
		if ok != (err == nil) || ok && got != want {
			t.Errorf("parseUint(%q) = %d, %v; strconv: %d, %v", s, got, ok, want, err)
		}
	}
}
