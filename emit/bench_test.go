package emit

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stracectl/stracectl/parse"
)

// benchInput is every shared corpus trace, concatenated: ~1.5 MB of real
// strace output in all its forms; in a checkout without ../shared, the one
// trace of testdata.
func benchInput(b testing.TB) []byte {
	paths, _ := filepath.Glob("../../shared/corpus/*.trace")
	if len(paths) == 0 {
		b.Log("no ../shared/corpus beside the checkout: testdata/strace-Y-f-T.trace alone")
		paths = []string{"../testdata/strace-Y-f-T.trace"}
	}
	var all []byte
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, data...)
	}
	return all
}

// BenchmarkParse measures the parser alone (MB/s of strace text), each
// batch given back at once, its storage recycled as the pump lets it be.
func BenchmarkParse(b *testing.B) {
	in := benchInput(b)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var batch []parse.Event
	for b.Loop() {
		p := parse.NewParser(bytes.NewReader(in), parse.Options{Recycle: true})
		for {
			var err error
			batch, err = p.ReadBatch(batch[:0])
			if err == io.EOF {
				break
			}
		}
	}
}

// benchEvents is the corpus parsed into memory (raw lines kept when asked
// to), and the size of its text.
func benchEvents(b testing.TB, raw bool) ([]parse.Event, int64) {
	in := benchInput(b)
	var events []parse.Event
	p := parse.NewParser(bytes.NewReader(in), parse.Options{Raw: raw})
	for {
		ev, err := p.Next()
		if err == io.EOF {
			break
		}
		events = append(events, *ev)
	}
	return events, int64(len(in))
}

// BenchmarkEncodeJSON measures the JSON writer alone, per input byte.
func BenchmarkEncodeJSON(b *testing.B) {
	events, size := benchEvents(b, false)
	benchSink(b, size, events, NewJSON(io.Discard))
}

// BenchmarkEncodeCSV measures the CSV writer alone, per input byte: the
// same events as BenchmarkEncodeJSON, for comparison.
func BenchmarkEncodeCSV(b *testing.B) {
	events, size := benchEvents(b, false)
	benchSink(b, size, events, NewCSV(io.Discard, false))
}

// benchSink writes events to sink once per iteration.
func benchSink(b *testing.B, size int64, events []parse.Event, sink Sink) {
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for i := range events {
			if err := sink.Write(&events[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := sink.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkParseToJSON measures what `stracectl parse` does: parsing on
// one goroutine, encoding on another through a Stream, the parser's
// storage recycled as the pump lets it be (MB/s of input).
func BenchmarkParseToJSON(b *testing.B) {
	in := benchInput(b)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		s := NewStream(NewJSON(io.Discard))
		p := parse.NewParser(bytes.NewReader(in), parse.Options{Recycle: true})
		batch := make([]parse.Event, 0, 1024)
		for {
			var err error
			batch, err = p.ReadBatch(batch[:0])
			if len(batch) > 0 {
				batch, _ = s.Send(batch)
			}
			if err == io.EOF {
				break
			}
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
