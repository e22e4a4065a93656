//go:build linux && (amd64 || arm64)

package ebpf

import (
	"encoding/binary"
	"fmt"
	"io"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/stracectl/stracectl/parse"
)

// fakeRing is a ringMap over plain memory laid out as the kernel lays out
// a ring buffer, its data mapped twice (here: written twice), for testing
// the reading without a map.
type fakeRing struct {
	ringMap
	cons, prod uintptr
	size       int
}

func newFakeRing(size int) *fakeRing {
	f := &fakeRing{size: size}
	f.data = make([]byte, 2*size)
	f.mask = uintptr(size - 1)
	f.consPos, f.prodPos = &f.cons, &f.prod
	return f
}

// put writes one record of payload with the header flags given, as the
// kernel would, at the producer position, and advances it.
func (f *fakeRing) put(payload []byte, flags uint32) {
	rec := make([]byte, ringHeaderSize+(len(payload)+7)&^7)
	binary.LittleEndian.PutUint32(rec, uint32(len(payload))|flags)
	copy(rec[ringHeaderSize:], payload)
	for i, b := range rec {
		at := (f.prod + uintptr(i)) & f.mask
		f.data[at], f.data[int(at)+f.size] = b, b
	}
	f.prod += uintptr(len(rec))
}

// TestRingMapRead: records are read in order, whole across the end of the
// ring, discarded ones skipped, and the reading stops at one still being
// written; the consumer position moves past what was read, once.
func TestRingMapRead(t *testing.T) {
	f := newFakeRing(64)
	f.cons, f.prod = 40, 40
	f.put([]byte("first"), 0)    // 40..56
	f.put([]byte("wrapped!"), 0) // 56..72: across the end
	f.put([]byte("gone"), ringDiscardBit)
	stop := f.prod
	f.put([]byte("busy"), ringBusyBit)
	var got []string
	f.read(func(raw []byte) bool {
		got = append(got, string(raw))
		return true
	})
	if fmt.Sprint(got) != "[first wrapped!]" || f.cons != stop {
		t.Fatalf("read %q, consumer at %d; want [first wrapped!] and %d", got, f.cons, stop)
	}
	// A full batch stops the reading after the record that filled it.
	f.cons, f.prod = 0, 0
	for _, s := range []string{"a", "b", "c"} {
		f.put([]byte(s), 0)
	}
	got = got[:0]
	f.read(func(raw []byte) bool {
		got = append(got, string(raw))
		return len(got) < 2
	})
	if fmt.Sprint(got) != "[a b]" || f.cons != 32 {
		t.Fatalf("read %q, consumer at %d; want [a b] and 32", got, f.cons)
	}
}

// BenchmarkRingMapRead measures reading getppid records in place and
// decoding them into events (the encoding is BenchmarkEventToJSON's).
func BenchmarkRingMapRead(b *testing.B) {
	const size = 1 << 20
	f := newFakeRing(size)
	raw := makeRecord(unix.SYS_GETPPID, 4242, true, [6]uint64{})
	n := 0
	for f.prod+uintptr(ringHeaderSize+len(raw)) <= size {
		f.put(raw, 0)
		n++
	}
	fill := newEventFiller(32, io.Discard)
	r := &ringReader{fill: fill}
	r.batch = make([]parse.Event, 0, n)
	b.ReportAllocs()
	for b.Loop() {
		f.cons = 0
		r.batch = r.batch[:0]
		f.read(r.addRecord)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
}
