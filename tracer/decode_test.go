package tracer

import (
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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

// TestDecodeMatchesStrace runs real strace on testdata/decodecalls.c, which
// makes known calls through syscall(2) and records their raw arguments,
// results and strings; the decoder must print every one of them exactly as
// strace did, except for the documented differences normalized below.
func TestDecodeMatchesStrace(t *testing.T) {
	for _, tool := range []string{"gcc", "strace"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found in PATH — install it with: apt install %s", tool, tool)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "decodecalls")
	if out, err := exec.Command("gcc", "-Wall", "-o", bin, filepath.Join("testdata", "decodecalls.c")).CombinedOutput(); err != nil {
		t.Fatalf("compiling testdata/decodecalls.c: %v\n%s", err, out)
	}
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	logPath, tracePath := filepath.Join(dir, "calls.log"), filepath.Join(dir, "trace")
	if out, err := exec.Command("strace", "-f", "-o", tracePath, bin, logPath, work).CombinedOutput(); err != nil {
		t.Fatalf("strace: %v\n%s", err, out)
	}

	calls := readCallLog(t, logPath)
	events := straceEvents(t, tracePath)
	start := -1
	for i := range events {
		if events[i].Syscall == "faccessat" && len(events[i].Args) > 1 && events[i].Args[1] == `"/stracectl-decode-marker"` {
			start = i
			break
		}
	}
	if start < 0 || len(events)-start < len(calls) {
		t.Fatalf("strace output has %d events, the marker at %d, but %d calls were recorded", len(events), start, len(calls))
	}
	d := newDecoder(0)
	for i := range calls {
		want := &events[start+i]
		var got parse.Event
		d.decode(&got, &calls[i])
		if want.Syscall == "execve" && len(want.Args) == 3 {
			// Documented difference: strace counts the environment
			// ("0x7ffd... /* 23 vars */"); the eBPF backend prints the pointer.
			want.Args[2], _, _ = strings.Cut(want.Args[2], " /* ")
		}
		if g, w := straceText(&got), straceText(want); g != w {
			t.Errorf("call %d:\ngot  %s\nwant %s", i, g, w)
		}
	}
}

// readCallLog reads the calls decodecalls recorded, with their strings put
// in the capture slots the eBPF program would fill.
func readCallLog(t *testing.T, path string) []rawCall {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var calls []rawCall
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 {
			t.Fatalf("bad record %q", line)
		}
		var nums [8]uint64
		for i := range nums {
			if nums[i], err = strconv.ParseUint(f[i], 16, 64); err != nil {
				t.Fatalf("bad record %q: %v", line, err)
			}
		}
		c := rawCall{Nr: uint32(nums[0]), Ret: int64(nums[1]), Returned: true}
		copy(c.Args[:], nums[2:])
		var strs [][]byte
		for _, s := range f[8:] {
			data, err := hex.DecodeString(strings.TrimPrefix(s, "s"))
			if err != nil {
				t.Fatalf("bad string in record %q: %v", line, err)
			}
			strs = append(strs, data)
		}
		slot := 0
		for _, cp := range captures(c.Nr) {
			switch cp.Kind {
			case capturePath:
				c.Caps[slot].Data = strs[0]
				strs = strs[1:]
				slot++
			case captureArgv:
				for ; slot < maxCaptures && len(strs) > 0; slot++ {
					c.Caps[slot].Data = strs[0]
					strs = strs[1:]
				}
				c.Caps[slot-1].More = len(strs) > 0
				strs = nil
			}
		}
		if len(strs) != 0 {
			t.Fatalf("record %q has %d strings the decoder does not capture", line, len(strs))
		}
		calls = append(calls, c)
	}
	return calls
}

// straceEvents parses a strace output file.
func straceEvents(t *testing.T, path string) []parse.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := parse.NewParser(f, parse.Options{OnProblem: func(pr parse.Problem) { t.Errorf("strace output: %v", pr) }})
	var events []parse.Event
	for {
		ev, err := p.Next()
		if err == io.EOF {
			return events
		}
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind == parse.KindSyscall {
			events = append(events, *ev)
		}
	}
}
