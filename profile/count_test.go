package profile

import (
	"maps"
	"testing"
	"unsafe"

	"github.com/stracectl/stracectl/parse"
)

// TestCountKeepsOwnNames: the names a profile counts failed calls by are
// its own, also once counted again: events' strings point into the
// parser's input, which is reused (parse.Options.Recycle) or let go.
func TestCountKeepsOwnNames(t *testing.T) {
	for _, by := range []GroupBy{BySyscall, ByErrno} {
		p := New(by)
		input := []byte("openat ENOENT")
		for range 3 {
			ev := parse.Event{Kind: parse.KindSyscall, Syscall: unsafe.String(&input[0], 6), Args: []string{},
				Ret: "-1", Returned: true, Retval: -1, HasRetval: true, Errno: unsafe.String(&input[7], 6)}
			p.Add(&ev)
		}
		copy(input, "xxxxxx yyyyyy") // the parser reads on into the same block
		rows := p.Rows()
		if len(rows) != 1 {
			t.Fatalf("by %s: %d rows, want 1", by, len(rows))
		}
		got, want := rows[0].Errnos, map[string]int64{"ENOENT": 3}
		if by == ByErrno {
			got, want = rows[0].Syscalls, map[string]int64{"openat": 3}
		}
		if !maps.Equal(got, want) {
			t.Errorf("by %s: counted %v, want %v", by, got, want)
		}
	}
}
