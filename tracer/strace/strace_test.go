package strace

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/stracectl/stracectl/emit"
	"github.com/stracectl/stracectl/parse"
	"github.com/stracectl/stracectl/tracer"
)

// collector is a tracer.Sink that keeps every event it is given.
type collector struct{ events []parse.Event }

func (c *collector) Send(batch []parse.Event) ([]parse.Event, error) {
	c.events = append(c.events, batch...)
	return batch[:0], nil
}

// newStraceOrSkip returns the strace backend, or skips the test when strace
// is not installed.
func newStraceOrSkip(t *testing.T, opts tracer.Options) *straceBackend {
	t.Helper()
	b, err := newStrace(opts)
	if err != nil {
		t.Skip(err)
	}
	return b.(*straceBackend)
}

// runTraced runs argv under b, cancelling the context with cause once
// stop is closed (never when nil), and returns the status and events.
func runTraced(t *testing.T, b *straceBackend, argv []string, stop <-chan struct{}, cause error) (int, []parse.Event, error) {
	t.Helper()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	if stop != nil {
		go func() {
			<-stop
			cancel(cause)
		}()
	}
	sink := &collector{}
	status, err := b.Run(ctx, argv, sink)
	return status, sink.events, err
}

func TestStraceFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts tracer.Options
		want string
	}{
		{"defaults", tracer.Options{StringLimit: tracer.DefaultStringLimit}, "-f -T -q -ttt -o OUT -s 32"},
		{"no string", tracer.Options{}, "-f -T -q -ttt -o OUT -s 0"},
		{"string limit", tracer.Options{StringLimit: 200}, "-f -T -q -ttt -o OUT -s 200"},
		{"syscalls and classes", tracer.Options{Syscalls: []string{"openat", "%net"}}, "-f -T -q -ttt -o OUT -s 0 -e trace=openat,%net"},
		{"failed only", tracer.Options{FailedOnly: true}, "-f -T -q -ttt -o OUT -s 0 -Z"},
		{"all", tracer.Options{StringLimit: 8, Syscalls: []string{"read"}, FailedOnly: true}, "-f -T -q -ttt -o OUT -s 8 -e trace=read -Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &straceBackend{opts: tc.opts}
			if got := strings.Join(b.flags("OUT"), " "); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAttachError(t *testing.T) {
	for _, tc := range []struct {
		line string
		want string // "" for no error
	}{
		{"strace: attach: ptrace(PTRACE_SEIZE, 4194999): No such process", "no such process: 4194999"},
		{"/usr/bin/strace: attach: ptrace(PTRACE_SEIZE, 4194999): Operation not permitted", "cannot attach to process 4194999: permission denied — it is not yours, or is privileged (setuid); tracing it needs root (CAP_SYS_PTRACE)"},
		{"strace: attach: ptrace(PTRACE_SEIZE, 12): Input/output error", "cannot attach to process 12: Input/output error"},
		{"strace: Process 12 attached", ""},
		{"strace: attach: ptrace(PTRACE_SEIZE, x): No such process", ""},
	} {
		t.Run(tc.line, func(t *testing.T) {
			err := attachError(tc.line)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)):
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// whenSaid gives the traced command a pipe as its stdout and returns a
// channel closed once the command has written "go" on it: the handshake
// after which a test stops the trace. The caller closes said, our copy of
// the pipe's write end, once the command has started.
func whenSaid(t *testing.T, b *straceBackend) (stop chan struct{}, said *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	b.opts.Stdout = w
	stop = make(chan struct{})
	go func() {
		r.Read(make([]byte, 3)) // "go\n"
		close(stop)
	}()
	return stop, w
}

func TestRunPassesTheStopSignalOn(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			b := newStraceOrSkip(t, tracer.Options{Syscalls: []string{"execve"}})
			// Stop once the command runs.
			stop, said := whenSaid(t, b)
			status, events, err := runTraced(t, b, []string{"sh", "-c", "echo go; exec sleep 100"}, stop, tracer.Interrupted{Signal: sig})
			said.Close()
			if err != nil {
				t.Fatal(err)
			}
			if want := 128 + int(sig); status != want {
				t.Errorf("status %d, want %d", status, want)
			}
			last := events[len(events)-1]
			if last.Kind != parse.KindExit || last.Signal != unix.SignalName(sig) {
				t.Errorf("last event %+v, want an exit by %v", last, sig)
			}
		})
	}
}

func TestRunKillsWhatIgnoresTheStopSignal(t *testing.T) {
	var diag bytes.Buffer
	b := newStraceOrSkip(t, tracer.Options{Strict: true, Diag: &diag, KillAfter: 100 * time.Millisecond})
	// Stop once the command ignores the signals.
	stop, said := whenSaid(t, b)
	status, events, err := runTraced(t, b, []string{"sh", "-c", `trap "" INT TERM; echo go; sleep 100; sleep 100`}, stop, tracer.Interrupted{Signal: syscall.SIGTERM})
	said.Close()
	if err != nil {
		t.Fatalf("%v (a strict run fails on a cut trace)", err)
	}
	if status != 128+9 {
		t.Errorf("status %d, want 137", status)
	}
	var killed []int64
	for _, ev := range events {
		if ev.Kind == parse.KindExit && ev.Signal == "SIGKILL" {
			killed = append(killed, ev.Pid)
		}
	}
	if len(killed) != 2 {
		t.Errorf("exits by SIGKILL of %v, want sh and sleep", killed)
	}
	if !strings.Contains(diag.String(), "did not stop within 100ms; killing it") {
		t.Errorf("diagnostics: %q", diag.String())
	}
}

// fakeStrace writes a program that stands in for strace: it writes lines
// into the file given to -o and exits 0. Real strace never writes a line
// the parser cannot read, so this is how the --strict verdict is tested.
func fakeStrace(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "strace")
	script := "#!/bin/sh\nwhile [ \"$1\" != -o ]; do shift; done\ncat > \"$2\" <<'EOF'\n" + strings.Join(lines, "\n") + "\nEOF\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunReportsUnparsedLines(t *testing.T) {
	fake := fakeStrace(t,
		"4242 1700000000.000001 getppid()        = 1 <0.000010>",
		"this is not strace output",
		"4242 1700000000.000002 +++ exited with 0 +++",
	)
	const verdict = "1 of 3 strace lines not understood (first: line 2: not a strace line"
	for _, strict := range []bool{false, true} {
		t.Run("strict="+strconv.FormatBool(strict), func(t *testing.T) {
			var diag bytes.Buffer
			b := &straceBackend{path: fake, opts: tracer.Options{Strict: strict, Diag: &diag}}
			status, events, err := runTraced(t, b, []string{"true"}, nil, nil)
			if status != 0 || len(events) != 2 {
				t.Errorf("status %d and %d events, want 0 and 2", status, len(events))
			}
			if strict {
				if err == nil || !strings.HasPrefix(err.Error(), verdict) {
					t.Errorf("got error %v, want %q", err, verdict)
				}
				return
			}
			if err != nil || !strings.Contains(diag.String(), verdict) {
				t.Errorf("got error %v and diagnostics %q, want a warning %q", err, diag.String(), verdict)
			}
		})
	}
}

// BenchmarkStream measures what the strace backend spends per event once
// strace has written a line: reading the trace pipe's bytes, parsing, and
// encoding JSON. The trace is strace -f -T -ttt output for a getppid loop.
func BenchmarkStream(b *testing.B) {
	var trace bytes.Buffer
	const lines = 100_000
	for i := range lines {
		fmt.Fprintf(&trace, "4242  1700000000.%06d getppid()       = 4241 <0.000012>\n", i%1_000_000)
	}
	backend := &straceBackend{}
	ended := make(chan struct{}) // strace has ended: no pauses
	close(ended)
	b.SetBytes(int64(trace.Len()))
	b.ReportAllocs()
	for b.Loop() {
		stream := emit.NewStream(emit.NewJSON(io.Discard))
		events, _ := backend.stream(bytes.NewReader(trace.Bytes()), ended, stream, func() {})
		if err := stream.Close(); err != nil || events != lines {
			b.Fatalf("%d events, %v", events, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*lines), "ns/event")
}

// TestPacedReaderPauses: after a short read the reader pauses while strace
// runs, and not at all once it has ended.
func TestPacedReaderPauses(t *testing.T) {
	for _, ended := range []bool{false, true} {
		t.Run("ended="+strconv.FormatBool(ended), func(t *testing.T) {
			done := make(chan struct{})
			if ended {
				close(done)
			}
			p := &pacedReader{r: strings.NewReader("4242 getppid() = 1 <0.000010>\n"), ended: done}
			buf := make([]byte, pacedReadBytes)
			if n, err := p.Read(buf); n == 0 || err != nil {
				t.Fatalf("first read: %d bytes, %v", n, err)
			}
			if _, err := p.Read(buf); err != io.EOF {
				t.Fatalf("second read: %v, want EOF", err)
			}
			if paused := p.pause != nil; paused == ended {
				t.Errorf("paused %v with strace ended %v", paused, ended)
			}
		})
	}
}

func TestStraceEnv(t *testing.T) {
	for _, tc := range []struct {
		name      string
		environ   []string
		attach    bool
		wantEnv   string // "" for none
		wantFlags string
	}{
		{"no TZ", []string{"HOME=/root", "PATH=/bin"}, false, "TZ=:/etc/localtime", "-E TZ"},
		{"no TZ, attach", []string{"HOME=/root"}, true, "TZ=:/etc/localtime", ""},
		{"TZ of the user's", []string{"TZ=Europe/Paris", "HOME=/root"}, false, "", ""},
		{"empty TZ", []string{"TZ="}, false, "", ""},
		{"a name ending in TZ", []string{"MYTZ=UTC"}, false, "TZ=:/etc/localtime", "-E TZ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setenv, flags := straceEnv(tc.environ, tc.attach)
			if setenv != tc.wantEnv {
				t.Errorf("strace's environment gets %q, want %q", setenv, tc.wantEnv)
			}
			if got := strings.Join(flags, " "); got != tc.wantFlags {
				t.Errorf("flags %q, want %q", got, tc.wantFlags)
			}
		})
	}
}

// TestTracedCommandKeepsTZ: the TZ that strace is given for its own sake
// does not reach the traced command, and the user's own TZ does.
func TestTracedCommandKeepsTZ(t *testing.T) {
	for _, tz := range []string{"", "Europe/Paris"} {
		t.Run("TZ="+tz, func(t *testing.T) {
			if tz == "" {
				if old, ok := os.LookupEnv("TZ"); ok {
					t.Cleanup(func() { os.Setenv("TZ", old) })
				}
				os.Unsetenv("TZ")
			} else {
				t.Setenv("TZ", tz)
			}
			out, err := os.CreateTemp(t.TempDir(), "stdout")
			if err != nil {
				t.Fatal(err)
			}
			b := newStraceOrSkip(t, tracer.Options{Stdout: out})
			if status, _, err := runTraced(t, b, []string{"sh", "-c", `printf %s "${TZ-unset}"`}, nil, nil); status != 0 || err != nil {
				t.Fatalf("status %d, %v", status, err)
			}
			got, err := os.ReadFile(out.Name())
			if err != nil {
				t.Fatal(err)
			}
			want := tz
			if tz == "" {
				want = "unset"
			}
			if string(got) != want {
				t.Errorf("the command saw TZ %q, want %q", got, want)
			}
		})
	}
}
