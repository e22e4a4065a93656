package parse

import (
	"os"
	"path/filepath"
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
