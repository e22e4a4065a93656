package tracer

import (
	"strings"
	"testing"

	"github.com/stracectl/stracectl/parse"
)

// straceText rebuilds the line strace prints for an event (without pid and
// times): name(args) = ret [ERRNO (message)] [(note)].
func straceText(ev *parse.Event) string {
	var b strings.Builder
	b.WriteString(ev.Syscall + "(" + strings.Join(ev.Args, ", ") + ") = ")
	if !ev.Returned {
		b.WriteString("?")
		return b.String()
	}
	b.WriteString(ev.Ret)
	if ev.Errno != "" {
		b.WriteString(" " + ev.Errno + " (" + ev.Errmsg + ")")
	}
	if ev.Note != "" {
		b.WriteString(" (" + ev.Note + ")")
	}
	return b.String()
}

// nr returns the number of a syscall on this architecture.
func nr(t testing.TB, name string) uint32 {
	t.Helper()
	for n, e := range syscallTable {
		if e.name == name {
			return uint32(n)
		}
	}
	t.Fatalf("no syscall %q on this architecture", name)
	return 0
}

func path(s string) capturedString { return capturedString{Data: []byte(s)} }

func TestDecodeBasic(t *testing.T) {
	d := newDecoder(0)
	tests := []struct {
		line string
		call func(t testing.TB) rawCall
	}{
		{`close(3) = 0`, func(t testing.TB) rawCall {
			return rawCall{Nr: nr(t, "close"), Args: [6]uint64{3}, Returned: true}
		}},
		{`exit_group(0) = ?`, func(t testing.TB) rawCall {
			return rawCall{Nr: nr(t, "exit_group")}
		}},
		{`unlinkat(AT_FDCWD, "/tmp/x\n\"y\"", 0) = -1 ENOENT (No such file or directory)`, func(t testing.TB) rawCall {
			return rawCall{Nr: nr(t, "unlinkat"), Args: [6]uint64{uint64(1<<64 - 100), 0x1000}, Ret: -2, Returned: true,
				Caps: [maxCaptures]capturedString{path("/tmp/x\n\"y\"")}}
		}},
		{`brk(NULL) = 0x55d0c4a3e000`, func(t testing.TB) rawCall {
			return rawCall{Nr: nr(t, "brk"), Ret: 0x55d0c4a3e000, Returned: true}
		}},
		{`umask(022) = 002`, func(t testing.TB) rawCall {
			return rawCall{Nr: nr(t, "umask"), Args: [6]uint64{0o22}, Ret: 2, Returned: true}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			c := tt.call(t)
			var ev parse.Event
			d.decode(&ev, &c)
			if got := straceText(&ev); got != tt.line {
				t.Errorf("got  %s\nwant %s", got, tt.line)
			}
		})
	}
}
