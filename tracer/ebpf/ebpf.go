//go:build linux && (amd64 || arm64)

package ebpf

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/stracectl/stracectl/tracer"
	"github.com/stracectl/stracectl/tracer/syscalls"
)

func init() { tracer.Register("ebpf", newEBPF) }

// pollInterval is how often the backend looks at the traced tasks, and
// how long the reader waits for records when it was not woken: the
// longest a quiet trace waits before its events are delivered.
const pollInterval = 20 * time.Millisecond

// ebpfBackend traces with the programs of ebpf.c. It is loaded and
// attached by newEBPF, so that a kernel that refuses it is known before
// anything runs, and serves one Run or Attach.
type ebpfBackend struct {
	opts  tracer.Options
	objs  *objects
	links []link.Link
	// seeded counts the tasks that user space added to the tree.
	seeded int64
	used   bool
}

// close detaches the programs, then frees them and the maps.
func (b *ebpfBackend) close() {
	b.detach()
	if b.objs != nil {
		b.objs.Close()
		b.objs = nil
	}
}

// Name is "ebpf".
func (b *ebpfBackend) Name() string { return "ebpf" }

// use marks the backend used: it serves one trace.
func (b *ebpfBackend) use() error {
	if b.used {
		return errors.New("the eBPF backend traces once; create another")
	}
	b.used = true
	return nil
}

// seed adds the task that pidfd refers to to the traced tree, unless it
// is there already (a thread started by a task seeded before it).
func (b *ebpfBackend) seed(pidfd int) error {
	var st taskState
	err := b.objs.Tasks.Update(uint32(pidfd), &st, ebpf.UpdateNoExist)
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
func (b *ebpfBackend) Run(ctx context.Context, argv []string, out tracer.Sink) (int, error) {
	defer b.close()
	if err := b.use(); err != nil {
		return 0, err
	}
	if len(argv) == 0 {
		return 0, tracer.ErrNoCommand
	}
	if msg, status := tracer.CommandProblem(argv[0]); msg != "" {
		fmt.Fprintf(b.opts.DiagWriter(), "stracectl: %s\n", msg)
		return status, nil
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return 0, fmt.Errorf("cannot run %s: %w", argv[0], err)
	}
	// Should stracectl be killed (SIGKILL: nothing can be passed on), the
	// command dies with it rather than run on untraced. Its children are
	// not reached: the kernel has no such signal for them.
	cmd := &exec.Cmd{Path: path, Args: argv, SysProcAttr: &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}}
	b.opts.GiveStdio(cmd)
	r, err := newRingReader(b)
	if err != nil {
		return 0, err
	}
	defer r.close()
	job, err := tracer.StartJob(cmd, b.opts.Stdin, func() error { return b.startTraced(cmd) }, nil)
	if err != nil {
		return 0, fmt.Errorf("cannot run %s: %w", argv[0], err)
	}

	// This goroutine only decides; the reader runs on its own, so that a
	// signal, the end of the command or a failed output is acted on at
	// once however fast the command makes calls.
	b.favourReader()
	reading := r.start(out)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	// Stop the command's process group, and every traced process that
	// left it (setsid), with the signal we got (Ctrl-C ends the command as
	// it would end it untraced), then SIGKILL; a task still alive after
	// that (in an uninterruptible sleep, say) is given up on.
	gaveUp := false
	stopAll := func(sig syscall.Signal) {
		job.Signal(sig)
		job.SignalLeavers(sig, b.tracedProcesses())
	}
	stop := b.opts.NewStopper(
		func() { stopAll(tracer.StopSignal(ctx)) },
		b.opts.KillStep("the traced command", func() { stopAll(syscall.SIGKILL) }),
		func() { gaveUp = true },
	)
	defer stop.Close()
	interrupted, exited := ctx.Done(), job.Exited()
	mainExited := false
	var outErr error
	for {
		select {
		case <-exited:
			mainExited, exited = true, nil
		case <-interrupted:
			interrupted = nil
			stop.Step()
		case <-stop.C:
			stop.Step()
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
			return job.Status(), outputError(outErr)
		}
		// Like strace -f, run ends with the last task of the tree.
		live, err := b.liveTasks()
		if err == nil && live > 0 && !gaveUp {
			continue
		}
		if ferr := b.finish(r, out); err == nil {
			err = ferr
		}
		return job.Status(), err
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
	if err := b.objs.LiveTasks.Get(&n); err != nil {
		return 0, fmt.Errorf("reading the count of traced tasks: %w", err)
	}
	return n + b.seeded, nil
}

// tracedProcesses lists the processes in the traced tree, asking the
// tasks map about each process of /proc (a task storage map is looked up
// by pidfd and cannot be walked).
func (b *ebpfBackend) tracedProcesses() []int {
	var st taskState
	return tracer.Processes(func(pid int) bool {
		fd, err := unix.PidfdOpen(pid, 0)
		if err != nil {
			return false
		}
		defer unix.Close(fd)
		return b.objs.Tasks.Lookup(uint32(fd), &st) == nil
	})
}

// startTraced starts cmd from a thread locked for the purpose, whose id the
// fork hook is given for the time of the fork.
func (b *ebpfBackend) startTraced(cmd *exec.Cmd) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := b.objs.ForkSeedTid.Set(uint32(unix.Gettid())); err != nil {
		return fmt.Errorf("naming the forking thread to the eBPF programs: %w", err)
	}
	err := cmd.Start()
	if serr := b.objs.ForkSeedTid.Set(uint32(0)); serr != nil && err == nil {
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
func (b *ebpfBackend) Attach(ctx context.Context, pids []int, out tracer.Sink) error {
	defer b.close()
	if err := b.use(); err != nil {
		return err
	}
	r, err := newRingReader(b)
	if err != nil {
		return err
	}
	defer r.close()
	pids, err = tracer.AttachablePIDs(pids, b.opts.DiagWriter(), tracer.CheckAttachable)
	if err != nil {
		return err
	}
	for _, pid := range pids {
		if err := b.seedThreads(pid); err != nil {
			return fmt.Errorf("cannot attach to %d: %w", pid, err)
		}
	}
	b.favourReader()
	reading := r.start(out)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return b.finish(r, out)
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
		if ferr := b.finish(r, out); err == nil {
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
// most drainTime; with --summary the kernel's counts of the calls go to
// out; then the records that the ring buffer could not take, and those
// left unread, are reported: on stderr, or as the error with --strict.
func (b *ebpfBackend) finish(r *ringReader, out tracer.Sink) error {
	b.detach()
	res := <-r.stopped(time.Now().Add(drainTime))
	if res.err != nil {
		return outputError(res.err)
	}
	if b.opts.Summary {
		if err := b.deliverCounts(out); err != nil {
			return err
		}
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
	// With --summary no call is written, so none is lost (the records
	// lost are the ends of tasks).
	if !b.opts.Summary {
		if by := b.lostBySyscall(&r.fill.delivered); by != "" {
			msgs = append(msgs, "lost by syscall (the kernel counted every call): "+by,
				"a profile of these events (stracectl stats) counts fewer calls than were made; run --summary counts every call")
		}
	}
	if b.opts.Strict {
		return errors.New(strings.Join(msgs, "; "))
	}
	for _, m := range msgs {
		fmt.Fprintln(b.opts.DiagWriter(), "stracectl:", m)
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

// lostBySyscall says which calls were lost, the most first: the kernel's
// count of each syscall less the events read ("getppid 1234, openat 5").
func (b *ebpfBackend) lostBySyscall(delivered *[maxSyscalls]uint64) string {
	type lostCalls struct {
		name string
		n    uint64
	}
	var lost []lostCalls
	counts, err := b.kernelCounts()
	if err != nil {
		return ""
	}
	for nr, c := range counts {
		if int(nr) < len(delivered) && c.calls > delivered[nr] {
			lost = append(lost, lostCalls{syscalls.Name(nr), c.calls - delivered[nr]})
		}
	}
	slices.SortFunc(lost, func(a, b lostCalls) int { return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.name, b.name)) })
	var parts []string
	for _, l := range lost {
		parts = append(parts, fmt.Sprintf("%s %d", l.name, l.n))
	}
	return strings.Join(parts, ", ")
}

// lostCount sums the per-CPU counts of records the ring buffer refused.
func (b *ebpfBackend) lostCount() (uint64, error) {
	var perCPU []uint64
	if err := b.objs.Lost.Lookup(uint32(0), &perCPU); err != nil {
		return 0, err
	}
	var n uint64
	for _, c := range perCPU {
		n += c
	}
	return n, nil
}
