//go:build linux && (amd64 || arm64)

package tracer

// The eBPF backend: programs on the syscall tracepoints (ebpf.c) write one
// record per completed call of the traced process tree into a ring buffer;
// this side loads them, seeds the tree, reads the records in batches,
// decodes them into parse.Events and accounts for every record that did
// not fit.

//go:generate go tool bpf2go -tags linux -target amd64,arm64 -output-stem ebpf_prog -type record ebpfProg ebpf.c -- -I${BPF_INCLUDE}

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"

	"github.com/stracectl/stracectl/emit"
	"github.com/stracectl/stracectl/parse"
)

// Sizes shared with ebpf.c.
const (
	// captureSize is the most bytes read from user memory for one string,
	// NUL included (PATH_MAX): longer strings arrive Truncated.
	captureSize = 4096
	// maxSyscalls bounds the syscall numbers that can be filtered (-e)
	// and have strings captured.
	maxSyscalls = 1024
	// defaultBufferSize is the ring buffer size when Options.BufferSize is 0.
	defaultBufferSize = 16 << 20
	// maxWakeupBytes is the most data queued before the kernel wakes the
	// reader; under it the reader finds the data on its next poll.
	maxWakeupBytes = 256 << 10
	// pollInterval is how long the reader sleeps when it was not woken:
	// the longest a quiet trace waits before its events are delivered.
	pollInterval = 20 * time.Millisecond
)

// Flags of struct record and struct task_state in ebpf.c.
const (
	recordReturned = 1
	recordExit     = 2
	recordSignal   = 4
	recordUntraced = 8

	untracedExec  = 1
	untracedCreds = 2

	captureCaptured  = 1
	captureTruncated = 2
	captureFaulted   = 4
	captureMore      = 8
)

// Values of enum capture_kind in ebpf.c.
const (
	bpfCapturePath = 1
	bpfCaptureArgv = 2
)

// btfPath is where the kernel publishes its type information; the
// programs need it (CO-RE, tp_btf, task storage).
const btfPath = "/sys/kernel/btf/vmlinux"

func init() { register("ebpf", newEBPF) }

// hookFlavor is one way of attaching the programs to the tracepoints.
type hookFlavor struct {
	name string
	// Program names in ebpf.c: at syscall entry and exit, at fork, at
	// execve, at the end of a task, at the delivery of a signal.
	enter, exit, fork, exec, end, signal string
	attach                               func(prog *ebpf.Program, group, event string) (link.Link, error)
}

// hookFlavors are tried in order: tp_btf is the cheapest per call; raw_tp
// and classic tracepoints serve kernels where BTF programs cannot attach.
var hookFlavors = []hookFlavor{
	{"tp_btf", "enter_btf", "exit_btf", "fork_btf", "exec_btf", "end_btf", "signal_btf", func(p *ebpf.Program, _, event string) (link.Link, error) {
		return link.AttachTracing(link.TracingOptions{Program: p})
	}},
	{"raw_tp", "enter_raw", "exit_raw", "fork_raw", "exec_raw", "end_raw", "signal_raw", func(p *ebpf.Program, _, event string) (link.Link, error) {
		return link.AttachRawTracepoint(link.RawTracepointOptions{Name: event, Program: p})
	}},
	{"tracepoint", "enter_tp", "exit_tp", "fork_tp", "exec_tp", "end_tp", "signal_tp", func(p *ebpf.Program, group, event string) (link.Link, error) {
		return link.Tracepoint(group, event, p, nil)
	}},
}

// ebpfBackend traces with the programs of ebpf.c. It is loaded and
// attached by newEBPF, so that a kernel that refuses it is known before
// anything runs, and serves one Run or Attach.
type ebpfBackend struct {
	opts   Options
	tasks  *ebpf.Map
	events *ebpf.Map
	// forkSeed is fork_seed_tid in ebpf.c, live is live_tasks.
	forkSeed, live *ebpf.Variable
	// seeded counts the tasks that user space added to the tree.
	seeded int64
	lost   *ebpf.Map
	coll   *ebpf.Collection
	links  []link.Link
	used   bool
}

// newEBPF loads and attaches the programs, or says why it cannot.
func newEBPF(opts Options) (Backend, error) {
	if err := checkEBPFPrivileges(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(btfPath); err != nil {
		return nil, fmt.Errorf("the kernel publishes no BTF (%s is missing) — the eBPF backend needs a kernel built with CONFIG_DEBUG_INFO_BTF=y; use --backend strace", btfPath)
	}
	// The longest steps of the start run side by side: decoding the
	// kernel's types (for CO-RE and tp_btf), allocating the ring buffer
	// (the kernel zeroes every page) and parsing our own object.
	kernelTypes := btf.NewCache()
	go kernelTypes.Kernel()
	size := ringSize(opts.BufferSize)
	type mapOrError struct {
		m   *ebpf.Map
		err error
	}
	ring := make(chan mapOrError, 1)
	go func() {
		m, err := ebpf.NewMap(&ebpf.MapSpec{Name: "events", Type: ebpf.RingBuf, MaxEntries: uint32(size)})
		ring <- mapOrError{m, err}
	}()
	spec, err := loadEbpfProg()
	if err == nil {
		err = configure(spec, &opts)
	}
	r := <-ring
	if r.err != nil {
		return nil, fmt.Errorf("allocating the %d-byte ring buffer (--buffer-size): %w", size, r.err)
	}
	events := r.m
	defer events.Close() // each collection holds its own reference
	if err != nil {
		return nil, err
	}
	var failures []error
	for _, f := range hookFlavors {
		b, err := load(spec, f, opts, &ebpf.CollectionOptions{
			Cache:           kernelTypes,
			MapReplacements: map[string]*ebpf.Map{"events": events},
		})
		if err == nil {
			if opts.Debug {
				fmt.Fprintf(opts.diag(), "stracectl: ebpf: programs attached as %s (ring buffer %d bytes)\n", f.name, spec.Maps["events"].MaxEntries)
			}
			return b, nil
		}
		if opts.Debug {
			fmt.Fprintf(opts.diag(), "stracectl: ebpf: %s: %+v\n", f.name, err)
		}
		failures = append(failures, fmt.Errorf("%s: %w", f.name, err))
	}
	return nil, fmt.Errorf("the kernel refused the eBPF programs: %w", errors.Join(failures...))
}

// checkEBPFPrivileges says what is missing when this process may not load
// tracing programs: CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN.
func checkEBPFPrivileges() error {
	_, effective, err := capabilities()
	if err != nil {
		return err
	}
	has := func(c int) bool { return effective&(1<<c) != 0 }
	if has(unix.CAP_SYS_ADMIN) || has(unix.CAP_BPF) && has(unix.CAP_PERFMON) {
		return nil
	}
	return errors.New("the eBPF backend needs root, or CAP_BPF and CAP_PERFMON (sudo setcap cap_bpf,cap_perfmon+ep $(command -v stracectl)); use --backend strace otherwise")
}

// configure sets the constants of ebpf.c from opts: syscall numbers of
// this architecture, the -e filter, --failed, the strings to capture and
// the ring buffer size.
func configure(spec *ebpf.CollectionSpec, opts *Options) error {
	set := func(name string, v any) error {
		if err := spec.Variables[name].Set(v); err != nil {
			return fmt.Errorf("setting %s: %w", name, err)
		}
		return nil
	}
	var wanted [maxSyscalls]uint8
	if len(opts.Syscalls) > 0 {
		nrs, err := syscallNumbers(opts.Syscalls)
		if err != nil {
			return err
		}
		for _, nr := range nrs {
			if nr < maxSyscalls {
				wanted[nr] = 1
			}
		}
	}
	var specs [maxSyscalls]ebpfProgCaptureSpec
	for nr := range uint32(maxSyscalls) {
		caps := captures(nr)
		for i, c := range caps[:min(len(caps), maxCaptures)] {
			specs[nr].Arg[i] = c.Arg
			switch c.Kind {
			case capturePath:
				specs[nr].Kind[i] = bpfCapturePath
			case captureArgv:
				specs[nr].Kind[i] = bpfCaptureArgv
			}
		}
	}
	size := ringSize(opts.BufferSize)
	spec.Maps["events"].MaxEntries = uint32(size)
	rule, err := ptraceRule()
	if err != nil {
		return err
	}
	return errors.Join(
		set("any_creds", boolByte(rule.anyCreds)),
		set("tracer_uid", rule.uid),
		set("tracer_gid", rule.gid),
		set("tracer_caps", rule.caps),
		set("cred_calls", credCalls()),
		set("execve_nr", uint32(unix.SYS_EXECVE)),
		set("execveat_nr", uint32(unix.SYS_EXECVEAT)),
		set("exit_nr", uint32(unix.SYS_EXIT)),
		set("exit_group_nr", uint32(unix.SYS_EXIT_GROUP)),
		set("filter_syscalls", boolByte(len(opts.Syscalls) > 0)),
		set("failed_only", boolByte(opts.FailedOnly)),
		set("wakeup_bytes", uint64(min(size/4, maxWakeupBytes))),
		set("wanted", wanted),
		set("capture_specs", specs),
	)
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

// load loads the programs of one flavour (and the maps they use) and
// attaches them.
func load(spec *ebpf.CollectionSpec, f hookFlavor, opts Options, copts *ebpf.CollectionOptions) (*ebpfBackend, error) {
	spec = spec.Copy()
	keep := map[string]bool{f.enter: true, f.exit: true, f.fork: true, f.exec: true, f.end: true, f.signal: true}
	for name := range spec.Programs {
		if !keep[name] {
			delete(spec.Programs, name)
		}
	}
	if f.name == "tp_btf" {
		delete(spec.Maps, "newborn")
	}
	coll, err := ebpf.NewCollectionWithOptions(spec, *copts)
	if err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) && opts.Debug {
			fmt.Fprintf(opts.diag(), "stracectl: ebpf: verifier log:\n%+v\n", ve)
		}
		return nil, err
	}
	b := &ebpfBackend{opts: opts, coll: coll, forkSeed: coll.Variables["fork_seed_tid"], live: coll.Variables["live_tasks"], tasks: coll.Maps["tasks"], events: coll.Maps["events"], lost: coll.Maps["lost"]}
	for _, h := range []struct{ prog, group, event string }{
		{f.fork, "sched", "sched_process_fork"},
		{f.exec, "sched", "sched_process_exec"},
		{f.end, "sched", "sched_process_exit"},
		{f.signal, "signal", "signal_deliver"},
		{f.exit, "raw_syscalls", "sys_exit"},
		{f.enter, "raw_syscalls", "sys_enter"},
	} {
		l, err := f.attach(coll.Programs[h.prog], h.group, h.event)
		if err != nil {
			b.close()
			return nil, fmt.Errorf("attaching to %s: %w", h.event, err)
		}
		b.links = append(b.links, l)
	}
	return b, nil
}

// close detaches the programs, then frees them and the maps.
func (b *ebpfBackend) close() {
	b.detach()
	if b.coll != nil {
		b.coll.Close()
		b.coll = nil
	}
}

// Name is "ebpf".
func (b *ebpfBackend) Name() string { return "ebpf" }

// claim marks the backend used: it serves one trace.
func (b *ebpfBackend) claim() error {
	if b.used {
		return errors.New("the eBPF backend traces once; create another")
	}
	b.used = true
	return nil
}

// seed adds the task that pidfd refers to to the traced tree, unless it
// is there already (a thread started by a task seeded before it).
func (b *ebpfBackend) seed(pidfd int) error {
	var st ebpfProgTaskState
	err := b.tasks.Update(uint32(pidfd), &st, ebpf.UpdateNoExist)
	if errors.Is(err, ebpf.ErrKeyExist) {
		return nil
	}
	if err == nil {
		b.seeded++
	}
	return err
}

// Run starts argv in a new process group and traces it from its execve
// on. The thread that forks it is named to the fork hook, which gives the
// child its place in the traced tree before the child can run: no call of
// the command is missed, and the child's own calls before the execve are
// dropped in the kernel, as strace drops them.
func (b *ebpfBackend) Run(ctx context.Context, argv []string, out *emit.Stream) (int, error) {
	defer b.close()
	if err := b.claim(); err != nil {
		return 0, err
	}
	if len(argv) == 0 {
		return 0, errNoCommand
	}
	if msg, status := commandProblem(argv[0]); msg != "" {
		fmt.Fprintf(b.opts.diag(), "stracectl: %s\n", msg)
		return status, nil
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return 0, fmt.Errorf("cannot run %s: %w", argv[0], err)
	}
	cmd := &exec.Cmd{Path: path, Args: argv, SysProcAttr: &syscall.SysProcAttr{Setpgid: true}}
	tty, interactive := foregroundTerminal(b.opts.Stdin)
	if interactive {
		// An interactive command reads the terminal: its group takes the
		// foreground (Ctrl-C then reaches it, as without stracectl) and
		// gives it back when it ends.
		cmd.SysProcAttr.Foreground, cmd.SysProcAttr.Ctty = true, tty
	}
	b.opts.giveStdio(cmd)
	r, err := newRingReader(b)
	if err != nil {
		return 0, err
	}
	defer r.close()
	if err := b.startTraced(cmd); err != nil {
		return 0, fmt.Errorf("cannot run %s: %w", argv[0], err)
	}
	pid := cmd.Process.Pid

	var job *terminalJob
	if interactive {
		job = startTerminalJob(tty, pid) // Ctrl-Z, fg and bg reach the command
	}
	exited := make(chan struct{})
	go func() {
		waitExit(pid, job)
		if job != nil {
			job.end() // before the reap: the group id stays ours meanwhile
		}
		cmd.Wait()
		close(exited)
	}()
	status := func() int { return exitStatus(cmd.ProcessState) }

	// This goroutine only decides; the reader runs on its own, so that a
	// signal, the end of the command or a failed output is acted on at
	// once however fast the command makes calls.
	reading := r.start(out)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var kill, giveUp <-chan time.Time
	interrupted := ctx.Done()
	mainExited, gaveUp := false, false
	var outErr error
	for {
		select {
		case <-exited:
			mainExited, exited = true, nil
		case <-interrupted:
			// Stop the command's process group with the signal we got
			// (Ctrl-C ends it as it would end it untraced), then SIGKILL;
			// tasks that left the group are given up on (detached).
			interrupted = nil
			syscall.Kill(-pid, stopSignal(ctx))
			kill, giveUp = time.After(stopGrace), time.After(2*stopGrace)
		case <-kill:
			kill = nil
			fmt.Fprintf(b.opts.diag(), "stracectl: the traced command did not stop within %v; killing it\n", stopGrace)
			syscall.Kill(-pid, syscall.SIGKILL)
		case <-giveUp:
			giveUp, gaveUp = nil, true
		case outErr = <-reading:
			// The output failed: the command runs on untraced, and its
			// status is ours (a closed pipe is no error of ours).
			reading = nil
			b.detach()
		case <-tick.C:
		}
		if !mainExited {
			continue
		}
		if reading == nil {
			<-r.stopped(time.Now())
			return status(), outputError(outErr)
		}
		// Like strace -f, run ends with the last task of the tree.
		live, err := b.liveTasks()
		if err == nil && live > 0 && !gaveUp {
			continue
		}
		if ferr := b.finish(r); err == nil {
			err = ferr
		}
		return status(), err
	}
}

// outputError is what a failed output means to run and attach: nothing
// for a closed pipe (`| head` ends us quietly), else the error.
func outputError(err error) error {
	if errors.Is(err, syscall.EPIPE) {
		return nil
	}
	return err
}

// liveTasks is how many traced tasks have not ended.
func (b *ebpfBackend) liveTasks() (int64, error) {
	var n int64
	if err := b.live.Get(&n); err != nil {
		return 0, fmt.Errorf("reading the count of traced tasks: %w", err)
	}
	return n + b.seeded, nil
}

// startTraced starts cmd from a thread locked for the purpose, whose id the
// fork hook is given for the time of the fork.
func (b *ebpfBackend) startTraced(cmd *exec.Cmd) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := b.forkSeed.Set(uint32(unix.Gettid())); err != nil {
		return fmt.Errorf("naming the forking thread to the eBPF programs: %w", err)
	}
	err := cmd.Start()
	if serr := b.forkSeed.Set(uint32(0)); serr != nil && err == nil {
		cmd.Process.Kill()
		cmd.Wait()
		return fmt.Errorf("clearing the forking thread in the eBPF programs: %w", serr)
	}
	return err
}

// seedProcess adds the process pid (its leader thread) to the tree.
func (b *ebpfBackend) seedProcess(pid int) error {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return fmt.Errorf("pidfd_open %d: %w", pid, err)
	}
	defer unix.Close(fd)
	if err := b.seed(fd); err != nil {
		return fmt.Errorf("adding %d to the traced tasks: %w", pid, err)
	}
	return nil
}

// Attach traces every thread of pids, and their future children, until
// they all exit or ctx is cancelled; detaching (closing the links and the
// map) leaves them running untouched.
func (b *ebpfBackend) Attach(ctx context.Context, pids []int, out *emit.Stream) error {
	defer b.close()
	if err := b.claim(); err != nil {
		return err
	}
	r, err := newRingReader(b)
	if err != nil {
		return err
	}
	defer r.close()
	for _, pid := range pids {
		if err := checkAttachable(pid); err != nil {
			return err
		}
		if err := b.seedThreads(pid); err != nil {
			return fmt.Errorf("cannot attach to %d: %w", pid, err)
		}
	}
	reading := r.start(out)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return b.finish(r)
		case err := <-reading:
			b.detach()
			<-r.stopped(time.Now())
			return outputError(err)
		case <-tick.C:
		}
		live, err := b.liveTasks()
		if err == nil && live > 0 {
			continue
		}
		if ferr := b.finish(r); err == nil {
			err = ferr
		}
		return err
	}
}

// seedThreads adds every thread of process pid to the tree. Threads that
// start meanwhile are added by the fork hook once their creator is.
func (b *ebpfBackend) seedThreads(pid int) error {
	if err := b.seedProcess(pid); err != nil {
		return err
	}
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("listing its threads: %w", err)
	}
	for _, e := range entries {
		tid, err := strconv.Atoi(e.Name())
		if err != nil || tid == pid {
			continue
		}
		fd, err := unix.PidfdOpen(tid, pidfdThread)
		if errors.Is(err, unix.ESRCH) {
			continue // the thread has just ended
		}
		if err != nil {
			return fmt.Errorf("pidfd_open thread %d (kernel 6.9 or later is needed for threads): %w", tid, err)
		}
		err = b.seed(fd)
		unix.Close(fd)
		if err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("adding thread %d to the traced tasks: %w", tid, err)
		}
	}
	return nil
}

// pidfdThread is PIDFD_THREAD (O_EXCL): a pidfd for one thread, not
// only for a thread group leader (Linux 6.9).
const pidfdThread = unix.O_EXCL

// drainTime bounds the reading of what the ring buffer still holds once
// tracing has stopped: a reader far behind a busy command must not keep
// the user waiting. What is left then is counted and reported as lost.
const drainTime = 200 * time.Millisecond

// finish ends a trace: the programs are detached first, so that nothing is
// traced after this point; then the reader drains the ring buffer, for at
// most drainTime; then the records that the ring buffer could not take,
// and those left unread, are reported: on stderr, or as the error with
// --strict.
func (b *ebpfBackend) finish(r *ringReader) error {
	b.detach()
	res := <-r.stopped(time.Now().Add(drainTime))
	if res.err != nil {
		return outputError(res.err)
	}
	n, err := b.lostCount()
	if err != nil {
		return fmt.Errorf("reading the lost-event counters: %w", err)
	}
	var msgs []string
	if n > 0 {
		msgs = append(msgs, fmt.Sprintf("%d events lost (ring buffer full); raise --buffer-size", n))
	}
	if res.unread > 0 {
		msgs = append(msgs, fmt.Sprintf("%d events lost (not read within %v of the end of tracing: the command made calls faster than they could be written)", res.unread, drainTime))
	}
	if len(msgs) == 0 {
		return nil
	}
	if b.opts.Strict {
		return errors.New(strings.Join(msgs, "; "))
	}
	for _, m := range msgs {
		fmt.Fprintln(b.opts.diag(), "stracectl:", m)
	}
	return nil
}

// detach closes the links of the programs: from here on no call is
// traced; the maps stay readable until close.
func (b *ebpfBackend) detach() {
	for _, l := range b.links {
		l.Close()
	}
	b.links = nil
}

// lostCount sums the per-CPU counts of records the ring buffer refused.
func (b *ebpfBackend) lostCount() (uint64, error) {
	var perCPU []uint64
	if err := b.lost.Lookup(uint32(0), &perCPU); err != nil {
		return 0, err
	}
	var n uint64
	for _, c := range perCPU {
		n += c
	}
	return n, nil
}

// ringReader reads records in batches on a goroutine of its own and hands
// them to the stream as events, until it is told to stop.
type ringReader struct {
	rd    *ringbuf.Reader
	rec   ringbuf.Record
	fill  *eventFiller
	batch []parse.Event

	stop chan time.Time   // the deadline of the final drain
	done chan drainResult // what the reader ended with
}

// drainResult is how the reader ended: the output's error, or how many
// records it left unread at the drain's deadline.
type drainResult struct {
	err    error
	unread int64
}

// batchSize is the most events handed to the stream at once; the reader
// looks for a stop request between batches.
const batchSize = 4096

func newRingReader(b *ebpfBackend) (*ringReader, error) {
	rd, err := ringbuf.NewReader(b.events)
	if err != nil {
		return nil, fmt.Errorf("opening the ring buffer: %w", err)
	}
	return &ringReader{
		rd:    rd,
		fill:  newEventFiller(b.opts.StringLimit, b.opts.diag()),
		batch: make([]parse.Event, 0, batchSize),
		stop:  make(chan time.Time, 1),
		done:  make(chan drainResult, 1),
	}, nil
}

func (r *ringReader) close() { r.rd.Close() }

// start runs the reader. The channel it returns gets the output's error
// if writing fails before the reader is stopped.
func (r *ringReader) start(out *emit.Stream) <-chan error {
	failed := make(chan error, 1)
	go func() {
		for {
			select {
			case deadline := <-r.stop:
				r.done <- r.drain(out, deadline)
				return
			default:
			}
			if err := r.poll(out, pollInterval); err != nil {
				// Nothing more can be written: wait to be stopped (the
				// programs detached) and leave the rest unread.
				failed <- err
				<-r.stop
				r.done <- drainResult{err: err}
				return
			}
		}
	}()
	return failed
}

// stopped asks the reader to drain the ring buffer until deadline and
// returns where its result arrives. Call it once, after detaching the
// programs.
func (r *ringReader) stopped(deadline time.Time) <-chan drainResult {
	r.stop <- deadline
	r.rd.Flush() // end a wait for records at once
	return r.done
}

// poll waits up to wait for records (the kernel wakes it earlier once
// enough are queued), then reads what is there, one batch at the most.
func (r *ringReader) poll(out *emit.Stream, wait time.Duration) error {
	r.rd.SetDeadline(time.Now().Add(wait))
	for {
		err := r.rd.ReadInto(&r.rec)
		if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, ringbuf.ErrFlushed) {
			return r.send(out)
		}
		if err != nil {
			return fmt.Errorf("reading the ring buffer: %w", err)
		}
		r.batch = r.batch[:len(r.batch)+1]
		if !r.fill.event(&r.batch[len(r.batch)-1], r.rec.RawSample) {
			r.batch = r.batch[:len(r.batch)-1]
		}
		if len(r.batch) == cap(r.batch) || r.rec.Remaining == 0 {
			return r.send(out)
		}
	}
}

// drain reads what is left in the ring buffer once the programs are
// detached, until deadline; the records still there then are counted.
func (r *ringReader) drain(out *emit.Stream, deadline time.Time) drainResult {
	for r.rd.AvailableBytes() > 0 && time.Now().Before(deadline) {
		if err := r.poll(out, 0); err != nil {
			return drainResult{err: err}
		}
	}
	return drainResult{unread: r.skip()}
}

// skip reads the records left in the ring buffer without decoding them,
// and counts them.
func (r *ringReader) skip() int64 {
	var n int64
	r.rd.SetDeadline(time.Now())
	for r.rd.AvailableBytes() > 0 {
		if err := r.rd.ReadInto(&r.rec); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, ringbuf.ErrFlushed) {
				continue
			}
			break
		}
		if len(r.rec.RawSample) >= recordSize && (*ebpfProgRecord)(unsafe.Pointer(unsafe.SliceData(r.rec.RawSample))).Flags&recordUntraced == 0 {
			n++
		}
	}
	return n
}

// send hands the batch to the stream and takes an empty one back.
func (r *ringReader) send(out *emit.Stream) error {
	if len(r.batch) == 0 {
		return nil
	}
	batch, err := out.Send(r.batch)
	if cap(batch) < batchSize {
		batch = make([]parse.Event, 0, batchSize)
	}
	r.batch = batch[:0]
	return err
}
