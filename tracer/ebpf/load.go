//go:build linux && (amd64 || arm64)

package ebpf

import (
	"errors"
	"fmt"
	"os"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/stracectl/stracectl/tracer"
	"github.com/stracectl/stracectl/tracer/syscalls"
)

// Sizes and settings shared with ebpf.c.
const (
	// captureSize is the most bytes read from user memory for one string,
	// NUL included (PATH_MAX): longer strings arrive Truncated.
	captureSize = int(tpBtfLimitsCAPTURE_SIZE)
	// maxSyscalls bounds the syscall numbers that can be filtered (-e)
	// and have strings captured.
	maxSyscalls = int(tpBtfLimitsMAX_SYSCALLS)
	// defaultBufferSize is the ring buffer size when Options.BufferSize is 0.
	defaultBufferSize = 16 << 20
	// maxWakeupBytes is the most data queued before the kernel wakes the
	// reader; under it the reader finds the data on its next poll.
	maxWakeupBytes = 256 << 10
)

// The three flavours are built from one C source, so bpf2go's types and
// typed objects of the first serve for all: the same record, the same
// names of programs, maps and variables (the flavours differ in how their
// programs attach, and raw_tp and tracepoint have one map more, which
// their programs use and no one else).
type (
	record      = tpBtfRecord
	callCount   = tpBtfCallCount
	taskState   = tpBtfTaskState
	captureSpec = tpBtfCaptureSpec
	objects     = tpBtfObjects
	variableSet = tpBtfVariableSpecs
)

// btfPath is where the kernel publishes its type information; the
// programs need it (CO-RE, tp_btf, task storage).
const btfPath = "/sys/kernel/btf/vmlinux"

// flavour is one way of attaching the programs to the tracepoints: its
// object, and how each program attaches.
type flavour struct {
	name   string
	load   func() (*ebpf.CollectionSpec, error)
	attach func(prog *ebpf.Program, group, event string) (link.Link, error)
}

// flavours are tried in order: tp_btf is the cheapest per call; raw_tp
// and classic tracepoints serve kernels where BTF programs cannot attach.
var flavours = []flavour{
	{"tp_btf", loadTpBtf, func(p *ebpf.Program, _, _ string) (link.Link, error) {
		return link.AttachTracing(link.TracingOptions{Program: p})
	}},
	{"raw_tp", loadRawTp, func(p *ebpf.Program, _, event string) (link.Link, error) {
		return link.AttachRawTracepoint(link.RawTracepointOptions{Name: event, Program: p})
	}},
	{"tracepoint", loadTracepoint, func(p *ebpf.Program, group, event string) (link.Link, error) {
		return link.Tracepoint(group, event, p, nil)
	}},
}

// newEBPF loads and attaches the programs, or says why it cannot.
func newEBPF(opts tracer.Options) (tracer.Backend, error) {
	if err := checkEBPFPrivileges(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(btfPath); err != nil {
		return nil, fmt.Errorf("the kernel publishes no BTF (%s is missing) — the eBPF backend needs a kernel built with CONFIG_DEBUG_INFO_BTF=y; use --backend strace", btfPath)
	}
	settings, err := newSettings(&opts)
	if err != nil {
		return nil, err
	}
	// The ring buffer is allocated (the kernel zeroes every page) while
	// our object is parsed and the kernel's types are read.
	size := ringSize(opts.BufferSize)
	type mapOrError struct {
		m   *ebpf.Map
		err error
	}
	ring := make(chan mapOrError, 1)
	go func() {
		m, err := ebpf.NewMap(&ebpf.MapSpec{Name: tpBtfMapEvents, Type: ebpf.RingBuf, MaxEntries: uint32(size)})
		ring <- mapOrError{m, err}
	}()
	spec, err := flavours[0].load()
	if err == nil {
		err = settings.apply(spec, size)
	}
	kernel := make(chan fastTypes, 1)
	if err == nil {
		go func() { kernel <- readFastTypes(spec, btfPath) }()
	}
	r := <-ring
	if r.err != nil {
		return nil, fmt.Errorf("allocating the %d-byte ring buffer (--buffer-size): %w", size, r.err)
	}
	defer r.m.Close() // each loaded object holds its own reference
	if err != nil {
		return nil, fmt.Errorf("preparing the eBPF programs (%s): %w", flavours[0].name, err)
	}
	attached := func(b *ebpfBackend, how string) (tracer.Backend, error) {
		if opts.Debug {
			fmt.Fprintf(opts.DiagWriter(), "stracectl: ebpf: programs attached as %s (ring buffer %d bytes)\n", how, size)
		}
		return b, nil
	}
	b, err := loadFast(spec, flavours[0], opts, r.m, kernel)
	if err == nil {
		return attached(b, flavours[0].name)
	}
	if opts.Debug {
		fmt.Fprintf(opts.DiagWriter(), "stracectl: ebpf: %s without decoding all the kernel's types: %v; decoding them\n", flavours[0].name, err)
	}
	kernelTypes := btf.NewCache()
	var failures []error
	for i, f := range flavours {
		if i > 0 {
			spec, err = f.load()
			if err == nil {
				err = settings.apply(spec, size)
			}
			if err != nil {
				return nil, fmt.Errorf("preparing the eBPF programs (%s): %w", f.name, err)
			}
		}
		b, err := load(spec, f, opts, &ebpf.CollectionOptions{
			Cache:           kernelTypes,
			MapReplacements: map[string]*ebpf.Map{tpBtfMapEvents: r.m},
		})
		if err == nil {
			return attached(b, f.name)
		}
		if opts.Debug {
			fmt.Fprintf(opts.DiagWriter(), "stracectl: ebpf: %s: %+v\n", f.name, err)
		}
		failures = append(failures, fmt.Errorf("%s: %w", f.name, err))
	}
	return nil, fmt.Errorf("the kernel refused the eBPF programs: %w", errors.Join(failures...))
}

// checkEBPFPrivileges says what is missing when this process may not load
// tracing programs: CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN.
func checkEBPFPrivileges() error {
	_, effective, err := tracer.Capabilities()
	if err != nil {
		return err
	}
	has := func(c int) bool { return effective&(1<<c) != 0 }
	if has(unix.CAP_SYS_ADMIN) || has(unix.CAP_BPF) && has(unix.CAP_PERFMON) {
		return nil
	}
	return errors.New("the eBPF backend needs root, or CAP_BPF and CAP_PERFMON (sudo setcap cap_bpf,cap_perfmon+ep $(command -v stracectl), which lets its users trace their own processes only; see the README); use --backend strace otherwise")
}

// settings are the constants of ebpf.c that user space fixes before
// loading, the same for every flavour.
type settings struct {
	opts         *tracer.Options
	wanted       [maxSyscalls]uint8
	fdArgs       [maxSyscalls]uint8
	captureSpecs [maxSyscalls]captureSpec
	rule         tracerRule
}

// newSettings computes the settings for opts: syscall numbers of this
// architecture, the -e filter, --failed, the strings to capture and the
// rule of ptrace that the programs apply.
func newSettings(opts *tracer.Options) (*settings, error) {
	s := &settings{opts: opts}
	if len(opts.Syscalls) > 0 {
		nrs, err := syscalls.Numbers(opts.Syscalls)
		if err != nil {
			return nil, err
		}
		for _, nr := range nrs {
			if int(nr) < maxSyscalls {
				s.wanted[nr] = 1
			}
		}
	}
	for nr := range uint32(maxSyscalls) {
		s.fdArgs[nr] = syscalls.FdArgs(nr)
		caps := syscalls.Captures(nr)
		for i, c := range caps[:min(len(caps), syscalls.MaxCaptures)] {
			s.captureSpecs[nr].Arg[i] = c.Arg
			s.captureSpecs[nr].Kind[i] = uint8(c.Kind) // the same values as enum capture_kind (a test checks)
			s.captureSpecs[nr].LenArg[i] = c.LenArg
			s.captureSpecs[nr].Size[i] = c.Size
		}
	}
	rule, err := ptraceRule()
	if err != nil {
		return nil, err
	}
	s.rule = rule
	return s, nil
}

// apply sets the settings in spec, a flavour's object, with a ring buffer
// of size bytes.
func (s *settings) apply(spec *ebpf.CollectionSpec, size int) error {
	var vars variableSet
	if err := spec.Assign(&vars); err != nil {
		return err
	}
	spec.Maps[tpBtfMapEvents].MaxEntries = uint32(size)
	countsMapSpec(spec)
	return errors.Join(
		vars.ExecveNr.Set(uint32(unix.SYS_EXECVE)),
		vars.ExecveatNr.Set(uint32(unix.SYS_EXECVEAT)),
		vars.ExitNr.Set(uint32(unix.SYS_EXIT)),
		vars.ExitGroupNr.Set(uint32(unix.SYS_EXIT_GROUP)),
		vars.FilterSyscalls.Set(boolByte(len(s.opts.Syscalls) > 0)),
		vars.FailedOnly.Set(boolByte(s.opts.FailedOnly)),
		vars.WakeupBytes.Set(uint64(min(size/4, maxWakeupBytes))),
		vars.SummaryOnly.Set(boolByte(s.opts.Summary)),
		vars.RingBytes.Set(uint64(size)),
		vars.ReserveBytes.Set(uint64(reserveSize(size))),
		vars.StringLimit.Set(uint32(min(s.opts.StringLimit, captureSize-1))),
		vars.FdPaths.Set(boolByte(s.opts.FdPaths > 0)),
		vars.FdArgs.Set(s.fdArgs),
		vars.Wanted.Set(s.wanted),
		vars.CaptureSpecs.Set(s.captureSpecs),
		vars.AnyCreds.Set(boolByte(s.rule.anyCreds)),
		vars.TracerUid.Set(s.rule.uid),
		vars.TracerGid.Set(s.rule.gid),
		vars.TracerCaps.Set(s.rule.caps),
		vars.CredCalls.Set(credCalls()),
	)
}

// tracerRule is ptrace's rule for this process, which the programs apply
// to the tasks they trace (see may_trace in ebpf.c).
type tracerRule struct {
	anyCreds bool // CAP_SYS_PTRACE: every task may be traced
	uid, gid uint32
	caps     uint64 // permitted capabilities
}

// ptraceRule returns this process's tracerRule.
func ptraceRule() (tracerRule, error) {
	permitted, effective, err := tracer.Capabilities()
	if err != nil {
		return tracerRule{}, err
	}
	return tracerRule{
		anyCreds: effective&(1<<unix.CAP_SYS_PTRACE) != 0,
		uid:      uint32(os.Getuid()),
		gid:      uint32(os.Getgid()),
		caps:     permitted,
	}, nil
}

// credCalls marks the syscalls that can change a task's credentials: the
// programs check, at their exit, that the task may still be traced.
func credCalls() [maxSyscalls]uint8 {
	var calls [maxSyscalls]uint8
	for _, nr := range []int{
		unix.SYS_SETUID, unix.SYS_SETGID, unix.SYS_SETREUID, unix.SYS_SETREGID,
		unix.SYS_SETRESUID, unix.SYS_SETRESGID, unix.SYS_SETFSUID, unix.SYS_SETFSGID,
		unix.SYS_CAPSET,
	} {
		calls[nr] = 1
	}
	return calls
}

// boolByte is b as ebpf.c's __u8 flags hold it.
func boolByte(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// reserveSize is how much of a ring buffer of size bytes the records of
// calls and signals leave free for those of the tasks' lifecycle (exits,
// untraced notices), which then find room however fast calls come: a
// quarter, at most maxReserve (1820 exits of 144 bytes).
func reserveSize(size int) int { return min(size/4, maxReserve) }

// maxReserve bounds the part of the ring buffer kept for the lifecycle.
const maxReserve = 256 << 10

// ringSize is the ring buffer size for --buffer-size n: a power of two of
// at least one page, as the kernel requires, rounding up.
func ringSize(n int) int {
	if n <= 0 {
		n = defaultBufferSize
	}
	size := os.Getpagesize()
	for size < n && size < 1<<30 {
		size <<= 1
	}
	return size
}

// load loads a flavour's programs (and the maps they use) with
// cilium/ebpf, which decodes the kernel's types as it needs them, and
// attaches them.
func load(spec *ebpf.CollectionSpec, f flavour, opts tracer.Options, copts *ebpf.CollectionOptions) (*ebpfBackend, error) {
	var objs objects
	if err := spec.LoadAndAssign(&objs, copts); err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) && opts.Debug {
			fmt.Fprintf(opts.DiagWriter(), "stracectl: ebpf: verifier log:\n%+v\n", ve)
		}
		return nil, err
	}
	return attach(&objs, f, opts)
}

// attach attaches the loaded programs of objs, which the backend then owns.
func attach(objs *objects, f flavour, opts tracer.Options) (*ebpfBackend, error) {
	b := &ebpfBackend{opts: opts, objs: objs}
	for _, h := range []struct {
		prog         *ebpf.Program
		group, event string
	}{
		{objs.TraceFork, "sched", "sched_process_fork"},
		{objs.TraceExec, "sched", "sched_process_exec"},
		{objs.TraceEnd, "sched", "sched_process_exit"},
		{objs.TraceSignal, "signal", "signal_deliver"},
		{objs.TraceExit, "raw_syscalls", "sys_exit"},
		{objs.TraceEnter, "raw_syscalls", "sys_enter"},
	} {
		l, err := f.attach(h.prog, h.group, h.event)
		if err != nil {
			b.close()
			return nil, fmt.Errorf("attaching to %s: %w", h.event, err)
		}
		b.links = append(b.links, l)
	}
	return b, nil
}
