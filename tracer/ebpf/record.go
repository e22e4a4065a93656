//go:build linux && (amd64 || arm64)

package ebpf

import (
	"encoding/binary"
	"fmt"
	"io"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/stracectl/stracectl/parse"
	"github.com/stracectl/stracectl/tracer/syscalls"
)

// recordSize is the size of struct record, the header of every ring
// buffer record; the captured strings follow it.
const recordSize = int(unsafe.Sizeof(record{}))

// The flags of a record and of its capture slots (enums of ebpf.c), as
// the record's fields hold them.
const (
	recordReturned = uint32(tpBtfRecordFlagRECORD_RETURNED)
	recordExit     = uint32(tpBtfRecordFlagRECORD_EXIT)
	recordSignal   = uint32(tpBtfRecordFlagRECORD_SIGNAL)
	recordUntraced = uint32(tpBtfRecordFlagRECORD_UNTRACED)

	captureCaptured  = uint8(tpBtfCaptureFlagCAPTURED)
	captureTruncated = uint8(tpBtfCaptureFlagTRUNCATED)
	captureFaulted   = uint8(tpBtfCaptureFlagFAULTED)
	captureMore      = uint8(tpBtfCaptureFlagMORE)
)

// arenaSize is the size of each block the times of events are cut from:
// they are views of a block that is never rewritten, so events may be
// kept, and a new block is taken only when one is full.
const arenaSize = 64 << 10

// eventFiller turns ring buffer records into events without allocating
// per event: the printer and the filler cut strings from arenas, and the
// call handed to the printer is reused.
type eventFiller struct {
	printer *syscalls.Printer
	call    syscalls.Call

	// monoToWall converts CLOCK_MONOTONIC (bpf_ktime_get_ns) to Unix time.
	monoToWall int64
	// second and prefix cache the text of the current second
	// ("2026-11-26T09:31:49.").
	second int64
	prefix []byte
	arena  []byte

	// comms interns command names: few distinct ones, many events;
	// lastComm is the one named last, which the next event most often has.
	comms    map[[16]int8]string
	lastComm struct {
		raw  [16]int8
		name string
	}
	// lastTime is the text of the last event's time, which the next one
	// shares when it falls in the same microsecond.
	lastTime struct {
		usec int64
		text string
	}

	// diag receives the notices of tasks that left the trace.
	diag io.Writer

	// delivered counts the calls read, by syscall number: against the
	// kernel's counts, what was lost.
	delivered [maxSyscalls]uint64
	// fdsUsed says the call's Fds hold paths (-y) to clear before the next.
	fdsUsed bool
}

// newEventFiller returns a filler whose printer cuts strings at
// stringLimit (strace -s).
func newEventFiller(stringLimit int, diag io.Writer) *eventFiller {
	return &eventFiller{
		diag:       diag,
		printer:    syscalls.NewPrinter(stringLimit),
		monoToWall: monotonicToWall(),
		second:     -1,
		comms:      make(map[[16]int8]string),
	}
}

// monotonicToWall returns the offset from CLOCK_MONOTONIC to
// CLOCK_REALTIME, from the closest of a few paired readings.
func monotonicToWall() int64 {
	best, offset := int64(1<<62), int64(0)
	for range 5 {
		var m1, w, m2 unix.Timespec
		unix.ClockGettime(unix.CLOCK_MONOTONIC, &m1)
		unix.ClockGettime(unix.CLOCK_REALTIME, &w)
		unix.ClockGettime(unix.CLOCK_MONOTONIC, &m2)
		if gap := m2.Nano() - m1.Nano(); gap < best {
			best, offset = gap, w.Nano()-(m1.Nano()+m2.Nano())/2
		}
	}
	return offset
}

// recordOf is the header of the ring buffer record raw; false when raw is
// too short to be one.
func recordOf(raw []byte) (*record, bool) {
	if len(raw) < recordSize {
		return nil, false
	}
	// Records are 8-byte aligned, as struct record needs: in the ring
	// (page-aligned, each record padded to 8 bytes after an 8-byte
	// header) and in buffers from make([]byte).
	return (*record)(unsafe.Pointer(unsafe.SliceData(raw))), true
}

// event fills ev from one record; false when the record is too short to
// be one (it is then skipped).
func (f *eventFiller) event(ev *parse.Event, raw []byte) bool {
	rec, ok := recordOf(raw)
	if !ok {
		return false
	}
	switch {
	case rec.Flags&recordExit != 0:
		f.exit(ev, rec)
		return true
	case rec.Flags&recordUntraced != 0:
		f.untraced(rec)
		return false
	case rec.Flags&recordSignal != 0:
		f.task(ev, parse.KindSignal, rec)
		ev.Signal = unix.SignalName(syscall.Signal(rec.Ret))
		f.items(raw, rec)
		if c := &f.call.Caps[0]; c.Data != nil && !c.Faulted {
			ev.Siginfo = f.printer.Siginfo(c.Data)
		}
		return true
	}
	if int(rec.Nr) < maxSyscalls {
		f.delivered[rec.Nr]++
	}
	c := &f.call
	c.Nr, c.Args, c.Ret = rec.Nr, rec.Args, rec.Ret
	c.Returned = rec.Flags&recordReturned != 0
	f.items(raw, rec)
	f.task(ev, parse.KindSyscall, rec)
	if c.Returned {
		ev.DurationNs, ev.HasDuration = int64(rec.DurationNs), true
	}
	f.printer.Print(ev, c)
	return true
}

// itemHeader is the size of struct item in ebpf.c.
const itemHeader = int(tpBtfLimitsITEM_HEADER)

// fdSlot is the item slot of the first descriptor's path (-y).
const fdSlot = int(tpBtfLimitsFD_SLOT)

// captureSpecial flags a descriptor of a pseudo file system.
const captureSpecial = uint8(tpBtfCaptureFlagSPECIAL)

// fdPathItem adds one item of a descriptor's path to p: its start (an
// empty item), a component, or a pseudo file system's magic, inode and name.
func fdPathItem(p *syscalls.FdPath, flags uint8, data []byte) {
	switch {
	case flags&captureSpecial != 0 && len(data) >= 12:
		p.Known, p.Special = true, true
		p.Magic, p.Ino, p.Name = binary.LittleEndian.Uint32(data), binary.LittleEndian.Uint64(data[4:]), data[12:]
	case !p.Known:
		p.Known = true // the empty item that starts a path
	default:
		p.Parts = append(p.Parts, data)
	}
}

// items sorts the items of a record (what was read of the call's
// arguments) into the call's capture slots: the last item of a slot is
// the one that counts (a path read again at exit replaces the first read),
// except for argv, whose entries are items of one slot, in order.
func (f *eventFiller) items(raw []byte, rec *record) {
	c := &f.call
	c.Caps = [syscalls.MaxCaptures]syscalls.Captured{}
	c.Argv = c.Argv[:0]
	if f.fdsUsed { // only -y fills them: most records leave them alone
		for i := range c.Fds {
			c.Fds[i].Reset()
		}
		f.fdsUsed = false
	}
	data := raw[recordSize:]
	if n := int(rec.DataLen); n < len(data) {
		data = data[:n]
	}
	if len(data) < itemHeader {
		return // most calls read nothing of their arguments
	}
	argv := -1
	if rec.Flags&(recordSignal|recordExit) == 0 {
		for i, cp := range syscalls.Captures(rec.Nr) {
			if cp.Kind == syscalls.CaptureArgv {
				argv = i
			}
		}
	}
	for len(data) >= itemHeader {
		n, slot, flags := int(binary.LittleEndian.Uint16(data)), int(data[2]), data[3]
		data = data[itemHeader:]
		if n > len(data) {
			return // a record the kernel cut: what is left is not items
		}
		s := syscalls.Captured{
			Truncated: flags&captureTruncated != 0,
			Faulted:   flags&captureFaulted != 0,
			More:      flags&captureMore != 0,
		}
		if flags&captureCaptured != 0 && !s.Faulted {
			s.Data = data[:n:n]
		}
		data = data[n:]
		switch {
		case slot == argv:
			c.Argv = append(c.Argv, s)
		case slot < len(c.Caps):
			c.Caps[slot] = s
		case slot >= fdSlot && slot < fdSlot+len(c.Fds):
			fdPathItem(&c.Fds[slot-fdSlot], flags, s.Data)
			f.fdsUsed = true
		}
	}
}

// untraced says on stderr that a task left the trace because the tracer
// could no longer ptrace it, as strace (ptrace) would not have traced it.
func (f *eventFiller) untraced(rec *record) {
	what := "executed a setuid, setgid or file-capability program"
	if rec.Ret == int64(tpBtfUntracedReasonUNTRACED_CREDS) {
		what = "changed its credentials"
	}
	fmt.Fprintf(f.diag, "stracectl: pid %d (%s) %s that this user could not ptrace; it and its new children are no longer traced\n", rec.Tid, f.comm(&rec.Comm), what)
}

// task starts ev anew with what every kind of event has: when, and which
// task.
func (f *eventFiller) task(ev *parse.Event, kind parse.Kind, rec *record) {
	*ev = parse.Event{
		Kind: kind,
		Time: f.time(rec.TimeNs),
		Pid:  int64(rec.Tid),
		Tgid: int64(rec.Tgid),
		Comm: f.comm(&rec.Comm),
	}
}

// exit fills ev with the end of a task, as strace's "+++ exited with 0 +++"
// or "+++ killed by SIGKILL (core dumped) +++".
func (f *eventFiller) exit(ev *parse.Event, rec *record) {
	f.task(ev, parse.KindExit, rec)
	status := unix.WaitStatus(rec.Ret)
	switch {
	case status.Exited():
		ev.ExitCode, ev.HasExitCode = int64(status.ExitStatus()), true
	case status.Signaled():
		ev.Signal, ev.CoreDumped = unix.SignalName(status.Signal()), status.CoreDump()
	}
}

// time formats a monotonic timestamp as RFC 3339 UTC with microseconds,
// the precision of strace -ttt: "2026-11-26T09:31:49.945630Z".
func (f *eventFiller) time(mono uint64) string {
	ns := int64(mono) + f.monoToWall
	if ns/1e3 == f.lastTime.usec && f.lastTime.text != "" {
		return f.lastTime.text
	}
	f.lastTime.usec = ns / 1e3
	f.lastTime.text = f.format(ns)
	return f.lastTime.text
}

// format formats ns, Unix time, as time says.
func (f *eventFiller) format(ns int64) string {
	sec, usec := ns/1e9, ns%1e9/1e3
	if sec != f.second {
		f.second = sec
		f.prefix = time.Unix(sec, 0).UTC().AppendFormat(f.prefix[:0], "2006-01-02T15:04:05.")
	}
	n := len(f.prefix) + 7
	if len(f.arena)+n > cap(f.arena) {
		f.arena = make([]byte, 0, arenaSize)
	}
	start := len(f.arena)
	f.arena = append(f.arena, f.prefix...)
	var digits [7]byte
	for i := 5; i >= 0; i-- {
		digits[i] = byte('0' + usec%10)
		usec /= 10
	}
	digits[6] = 'Z'
	f.arena = append(f.arena, digits[:]...)
	return unsafe.String(&f.arena[start], n)
}

// comm returns the command name, NUL-terminated in c, as an interned string.
func (f *eventFiller) comm(c *[16]int8) string {
	if *c == f.lastComm.raw && f.lastComm.name != "" {
		return f.lastComm.name
	}
	if s, ok := f.comms[*c]; ok {
		f.lastComm.raw, f.lastComm.name = *c, s
		return s
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(&c[0])), len(c))
	n := 0
	for n < len(b) && b[n] != 0 {
		n++
	}
	s := string(b[:n])
	f.comms[*c] = s
	f.lastComm.raw, f.lastComm.name = *c, s
	return s
}
