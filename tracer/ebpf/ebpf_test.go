//go:build linux && (amd64 || arm64)

package ebpf

import (
	"context"
	"encoding/binary"
	"io"
	"os"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/stracectl/stracectl/emit"
	"github.com/stracectl/stracectl/parse"
	"github.com/stracectl/stracectl/tracer"
	"github.com/stracectl/stracectl/tracer/syscalls"
)

// needEBPF skips the test where the programs cannot load.
func needEBPF(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the eBPF backend needs root: run the tests as root (sudo go test ./...)")
	}
	if _, err := os.Stat(btfPath); err != nil {
		t.Skip("the kernel has no BTF (" + btfPath + "): the eBPF backend cannot load here")
	}
}

// needTracefs mounts tracefs for the test when it is not mounted: classic
// tracepoints are found through it.
func needTracefs(t *testing.T) {
	const dir = "/sys/kernel/tracing"
	if _, err := os.Stat(dir + "/events"); err == nil {
		return
	}
	if err := unix.Mount("nodev", dir, "tracefs", 0, ""); err != nil {
		t.Skipf("tracefs is not mounted and cannot be (%v): mount -t tracefs nodev %s", err, dir)
	}
	t.Cleanup(func() { unix.Unmount(dir, 0) })
}

// collector is a tracer.Sink that keeps every event.
type collector struct{ events []parse.Event }

func (c *collector) Send(batch []parse.Event) ([]parse.Event, error) {
	c.events = append(c.events, batch...)
	return batch[:0], nil
}

// TestEBPFHookFlavors runs a command under each way of attaching the
// programs: the fallbacks must trace the same tree as tp_btf.
func TestEBPFHookFlavors(t *testing.T) {
	needEBPF(t)
	for _, f := range flavours {
		t.Run(f.name, func(t *testing.T) {
			b := loadFlavour(t, f, tracer.Options{})
			sink := &collector{}
			// sh ends first; the run goes on until its orphaned
			// subshell and the subshell's sleep have ended too.
			status, err := b.Run(context.Background(), []string{"sh", "-c", "(sleep 0.1; exit 4) & exit 3"}, sink)
			if err != nil || status != 3 {
				t.Fatalf("status %d, err %v; want 3 from the command", status, err)
			}
			counts := map[string]int{}
			tgids := map[int64]bool{}
			comms := map[string]bool{}
			for _, ev := range sink.events {
				counts[ev.Syscall]++
				tgids[ev.Tgid] = true
				comms[ev.Comm] = true
			}
			if len(comms) != 2 || !comms["sh"] || !comms["sleep"] {
				t.Errorf("the tasks are named %v, want sh and sleep", comms)
			}
			first := sink.events[0]
			if first.Syscall != "execve" || first.Ret != "0" || first.Args[0] != `"/usr/bin/sh"` && first.Args[0] != `"/bin/sh"` {
				t.Errorf("first event %s(%v) = %s; want the execve of sh", first.Syscall, first.Args, first.Ret)
			}
			if counts["exit_group"] != 3 || len(tgids) != 3 {
				t.Errorf("%d exit_group calls from %d processes, want 3 from 3 (sh, its subshell, sleep): %v", counts["exit_group"], len(tgids), counts)
			}
		})
	}
}

// loadFlavour loads and attaches the programs as flavour f attaches them,
// with opts, or fails the test saying that f does not load here.
func loadFlavour(t *testing.T, f flavour, opts tracer.Options) *ebpfBackend {
	t.Helper()
	if f.name == "tracepoint" {
		needTracefs(t)
	}
	spec, err := f.load()
	if err != nil {
		t.Fatal(err)
	}
	settings, err := newSettings(&opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := settings.apply(spec, ringSize(0)); err != nil {
		t.Fatal(err)
	}
	b, err := load(spec, f, opts, &ebpf.CollectionOptions{})
	if err != nil {
		t.Fatalf("%s does not load here (%+v): %v", f.name, opts, err)
	}
	return b
}

// traceCommand runs argv under a fresh backend and returns its events.
func traceCommand(t *testing.T, opts tracer.Options, argv ...string) []parse.Event {
	t.Helper()
	b, err := newEBPF(opts)
	if err != nil {
		t.Fatal(err)
	}
	sink := &collector{}
	_, err = b.Run(context.Background(), argv, sink)
	if err != nil {
		t.Fatal(err)
	}
	return sink.events
}

// TestEBPFCapturedStrings checks what the programs read from user memory
// at entry: execve's argv (its first entries, then "..."), and a path
// longer than captureSize, cut there.
func TestEBPFCapturedStrings(t *testing.T) {
	needEBPF(t)
	evs := traceCommand(t, tracer.Options{StringLimit: tracer.DefaultStringLimit}, "true", "one", "two", "three")
	if got, want := evs[0].Args[1], `["true", "one", "two", "three"]`; got != want {
		t.Errorf("execve argv %s, want %s", got, want)
	}
	// -s 2: two entries, each cut at two bytes; -s 0: none, as strace.
	evs = traceCommand(t, tracer.Options{StringLimit: 2}, "true", "one", "two", "three")
	if got, want := evs[0].Args[1], `["tr"..., "on"..., ...]`; got != want {
		t.Errorf("execve argv with -s 2: %s, want %s", got, want)
	}
	evs = traceCommand(t, tracer.Options{}, "true", "one")
	if got, want := evs[0].Args[1], `[...]`; got != want {
		t.Errorf("execve argv with -s 0: %s, want %s", got, want)
	}
	long := "/" + strings.Repeat("x", 2*captureSize)
	var path string
	for _, ev := range traceCommand(t, tracer.Options{Syscalls: []string{"statx", "newfstatat"}}, "ls", long) {
		for _, a := range ev.Args {
			if strings.HasPrefix(a, `"/xxx`) {
				path = a
			}
		}
	}
	if want := `"` + long[:captureSize-1] + `"...`; path != want {
		t.Errorf("a %d-byte path printed as %d bytes %.12q...%q; want its first %d bytes then \"...", len(long), len(path), path, path[max(0, len(path)-8):], captureSize-1)
	}
}

// TestContractWithC checks the values user space shares with ebpf.c but
// does not take from bpf2go's output: syscalls.CaptureKind is written to
// capture_specs as it is.
func TestContractWithC(t *testing.T) {
	for _, c := range []struct {
		name string
		go_  syscalls.CaptureKind
		c    tpBtfCaptureKind
	}{
		{"CAPTURE_PATH", syscalls.CapturePath, tpBtfCaptureKindCAPTURE_PATH},
		{"CAPTURE_ARGV", syscalls.CaptureArgv, tpBtfCaptureKindCAPTURE_ARGV},
	} {
		if uint32(c.go_) != uint32(c.c) {
			t.Errorf("%s is %d in ebpf.c and %d in syscalls.CaptureKind", c.name, c.c, c.go_)
		}
	}
	if syscalls.MaxCaptures != int(tpBtfLimitsMAX_CAPTURES) {
		t.Errorf("MAX_CAPTURES is %d in ebpf.c and syscalls.MaxCaptures %d", tpBtfLimitsMAX_CAPTURES, syscalls.MaxCaptures)
	}
}

func TestRingSize(t *testing.T) {
	page := os.Getpagesize()
	for _, tc := range []struct{ in, want int }{
		{0, defaultBufferSize},
		{1, page},
		{page, page},
		{page + 1, 2 * page},
		{16 << 20, 16 << 20},
		{10 << 20, 16 << 20},
	} {
		if got := ringSize(tc.in); got != tc.want {
			t.Errorf("ringSize(%d) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// makeRecord builds a ring buffer record as ebpf.c writes it, with strs
// as the items of the first capture slots.
func makeRecord(nr uint32, ret int64, returned bool, args [6]uint64, strs ...string) []byte {
	raw := make([]byte, recordSize, recordSize+256)
	for i, s := range strs {
		raw = appendItem(raw, i, captureCaptured, s)
	}
	rec := (*record)(unsafe.Pointer(&raw[0]))
	rec.TimeNs, rec.DurationNs = 123456789012, 1500
	rec.Args, rec.Ret, rec.Nr = args, ret, nr
	rec.Tgid, rec.Tid = 42, 43
	if returned {
		rec.Flags = recordReturned
	}
	for i, c := range "workload" {
		rec.Comm[i] = int8(c)
	}
	rec.DataLen = uint32(len(raw) - recordSize)
	return raw
}

// appendItem appends an item of slot with flags and data to a record.
func appendItem(raw []byte, slot int, flags uint8, data string) []byte {
	raw = binary.LittleEndian.AppendUint16(raw, uint16(len(data)))
	raw = append(raw, byte(slot), flags)
	return append(raw, data...)
}

func TestEventFromRecord(t *testing.T) {
	f := newEventFiller(32, io.Discard)
	atFdcwd := uint64(0xffffffffffffff9c) // AT_FDCWD, -100
	for _, tc := range []struct {
		name string
		raw  []byte
		want parse.Event
	}{
		{
			`openat(AT_FDCWD, "/etc/passwd", O_RDONLY) = -1 ENOENT`,
			makeRecord(unix.SYS_OPENAT, -int64(unix.ENOENT), true, [6]uint64{atFdcwd, 0x1000, 0}, "/etc/passwd"),
			parse.Event{Syscall: "openat", Args: []string{"AT_FDCWD", `"/etc/passwd"`}, Errno: "ENOENT", HasDuration: true},
		},
		{
			`exit_group(3) = ?`,
			makeRecord(unix.SYS_EXIT_GROUP, 0, false, [6]uint64{3}),
			parse.Event{Syscall: "exit_group", Args: []string{"3"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ev parse.Event
			if !f.event(&ev, tc.raw) {
				t.Fatal("record rejected")
			}
			if ev.Kind != parse.KindSyscall || ev.Pid != 43 || ev.Tgid != 42 || ev.Comm != "workload" {
				t.Errorf("kind %v pid %d tgid %d comm %q; want syscall 43 42 workload", ev.Kind, ev.Pid, ev.Tgid, ev.Comm)
			}
			if ev.Syscall != tc.want.Syscall || ev.Errno != tc.want.Errno || ev.HasDuration != tc.want.HasDuration || !ev.Returned {
				t.Errorf("got %s errno %q returned %v duration %v", ev.Syscall, ev.Errno, ev.Returned, ev.HasDuration)
			}
			for i, a := range tc.want.Args {
				if i >= len(ev.Args) || ev.Args[i] != a {
					t.Errorf("args %q, want them to begin with %q", ev.Args, tc.want.Args)
					break
				}
			}
			if ev.HasDuration && ev.DurationNs != 1500 {
				t.Errorf("duration %d, want 1500", ev.DurationNs)
			}
			want := time.Unix(0, 123456789012+f.monoToWall).UTC().Format("2006-01-02T15:04:05.000000Z")
			if ev.Time != want {
				t.Errorf("time %q, want %q", ev.Time, want)
			}
		})
	}
	if f.event(new(parse.Event), make([]byte, recordSize-1)) {
		t.Error("a record shorter than its header was accepted")
	}
	bad := makeRecord(unix.SYS_OPENAT, 3, true, [6]uint64{atFdcwd, 0x1000}, "/etc/passwd")
	binary.LittleEndian.PutUint16(bad[recordSize:], 4000) // an item longer than the record
	var ev parse.Event
	if !f.event(&ev, bad) || ev.Args[1] != "0x1000" {
		t.Errorf("a capture beyond the record printed %q, want the pointer 0x1000", ev.Args[1])
	}
}

func TestTaskEventFromRecord(t *testing.T) {
	f := newEventFiller(32, io.Discard)
	for _, tc := range []struct {
		line  string
		flags uint32
		value int64 // wait status or signal number
		want  parse.Event
	}{
		{"+++ exited with 3 +++", recordExit, 3 << 8, parse.Event{Kind: parse.KindExit, ExitCode: 3, HasExitCode: true}},
		{"+++ killed by SIGKILL +++", recordExit, 9, parse.Event{Kind: parse.KindExit, Signal: "SIGKILL"}},
		{"+++ killed by SIGSEGV (core dumped) +++", recordExit, 11 | 0x80, parse.Event{Kind: parse.KindExit, Signal: "SIGSEGV", CoreDumped: true}},
		{"--- SIGCHLD ---", recordSignal, 17, parse.Event{Kind: parse.KindSignal, Signal: "SIGCHLD"}},
	} {
		t.Run(tc.line, func(t *testing.T) {
			raw := makeRecord(0, tc.value, false, [6]uint64{})
			(*record)(unsafe.Pointer(&raw[0])).Flags = tc.flags
			var ev parse.Event
			if !f.event(&ev, raw) {
				t.Fatal("record rejected")
			}
			if ev.Kind != tc.want.Kind || ev.Pid != 43 || ev.Tgid != 42 || ev.Syscall != "" ||
				ev.ExitCode != tc.want.ExitCode || ev.HasExitCode != tc.want.HasExitCode ||
				ev.Signal != tc.want.Signal || ev.CoreDumped != tc.want.CoreDumped {
				t.Errorf("got %+v", ev)
			}
		})
	}
}

// BenchmarkEventToJSON measures the Go side of one traced call: a ring
// buffer record decoded into an event and encoded as a JSON line by the
// writer stracectl uses. It must not allocate per event (arena blocks are
// amortised over thousands).
func BenchmarkEventToJSON(b *testing.B) {
	for _, bc := range []struct {
		name string
		raw  []byte
	}{
		{"getppid", makeRecord(unix.SYS_GETPPID, 4242, true, [6]uint64{})},
		{"openat", makeRecord(unix.SYS_OPENAT, 3, true, [6]uint64{0xffffffffffffff9c, 0x1000, 0x80000}, "/usr/lib/x86_64-linux-gnu/libc.so.6")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f := newEventFiller(32, io.Discard)
			batch := make([]parse.Event, 1024)
			rec, _ := recordOf(bc.raw)
			w := emit.NewJSON(io.Discard)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				ev := &batch[i%len(batch)]
				rec.TimeNs += 600 // a call every 600 ns, as a getppid loop traced here makes them
				f.event(ev, bc.raw)
				if err := w.Write(ev); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(emit.AppendJSON(nil, &batch[0]))))
		})
	}
}
