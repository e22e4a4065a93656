//go:build linux

package strace

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/stracectl/stracectl/parse"
	"github.com/stracectl/stracectl/tracer"
)

// The trace travels on a pipe of its own, never on strace's stderr: strace
// opens it as /proc/<our pid>/fd/<pipe>, so the traced program inherits no
// extra descriptor (ours and strace's are both close-on-exec) and cannot
// keep the pipe open after strace ends. strace and everything it starts
// form their own process group, which stracectl stops as a whole.

func init() { tracer.Register("strace", newStrace) }

var errStraceMissing = errors.New("strace not found in PATH — install it with: apt install strace")

const (
	// tracePipeBytes is the size asked for the trace pipe.
	tracePipeBytes = 1 << 20
	// keptStraceLines bounds the strace messages kept to explain a failure.
	keptStraceLines = 20
)

// straceBackend is the "strace" backend.
type straceBackend struct {
	path string // the strace binary
	opts tracer.Options
}

func newStrace(opts tracer.Options) (tracer.Backend, error) {
	path, err := exec.LookPath("strace")
	if err != nil {
		return nil, errStraceMissing
	}
	return &straceBackend{path: path, opts: opts}, nil
}

// Name returns "strace".
func (b *straceBackend) Name() string { return "strace" }

// flags returns strace's options: follow children (-f), call durations
// (-T), no attach/detach chatter (-q), epoch timestamps the parser turns
// into RFC 3339 (-ttt), the trace into traceFile, then the user's filters.
func (b *straceBackend) flags(traceFile string) []string {
	args := []string{"-f", "-T", "-q", "-ttt", "-o", traceFile}
	args = append(args, "-s", strconv.Itoa(b.opts.StringLimit))
	switch {
	case b.opts.FdPaths == 1:
		args = append(args, "-y")
	case b.opts.FdPaths > 1:
		args = append(args, "-yy")
	}
	if len(b.opts.Syscalls) > 0 {
		args = append(args, "-e", "trace="+strings.Join(b.opts.Syscalls, ","))
	}
	if b.opts.FailedOnly {
		args = append(args, "-Z")
	}
	return args
}

// straceEnv returns the variable to add to strace's environment ("" for
// none) and the flags that keep the traced command's environment ours,
// given ours, environ. For -ttt
// strace calls localtime() on every line, and glibc, when TZ is unset,
// then checks /etc/localtime with two system calls each time: a fifth of
// strace's CPU on a busy trace. TZ naming that same file (what an unset TZ
// means) spares them, and -E TZ takes it out of the command's environment
// again. A TZ of the user's own is left alone: it spares them already.
func straceEnv(environ []string, attach bool) (setenv string, flags []string) {
	for _, kv := range environ {
		if strings.HasPrefix(kv, "TZ=") {
			return "", nil
		}
	}
	if !attach {
		flags = []string{"-E", "TZ"}
	}
	return "TZ=:/etc/localtime", flags
}

// Run traces argv under strace and returns its exit status. A command that
// cannot be found gets the shell's message and status (127, or 126 when it
// cannot be executed) without starting strace.
func (b *straceBackend) Run(ctx context.Context, argv []string, out tracer.Sink) (int, error) {
	if len(argv) == 0 {
		return 0, tracer.ErrNoCommand
	}
	if msg, status := tracer.CommandProblem(argv[0]); msg != "" {
		fmt.Fprintf(b.opts.DiagWriter(), "stracectl: %s\n", msg)
		return status, nil
	}
	res, err := b.trace(ctx, false, append([]string{"--"}, argv...), out)
	if err != nil {
		return 0, err
	}
	if res.events == 0 && res.status != 0 && !res.stopped {
		// The command leaves at least its exit in the trace: strace failed
		// before starting it (a bad -e, say) and said why on stderr.
		return 0, fmt.Errorf("strace failed (exit status %d); its message is above", res.status)
	}
	return res.status, b.parseVerdict(res.stats)
}

// Attach traces the running processes pids until they all exit or ctx is
// cancelled, which makes strace detach and leave them running.
func (b *straceBackend) Attach(ctx context.Context, pids []int, out tracer.Sink) error {
	pids, err := tracer.AttachablePIDs(pids, b.opts.DiagWriter(), func(pid int) error {
		if err := tracer.CheckAttachable(pid); err != nil {
			return err
		}
		if tracer.TracerOf(pid) != 0 {
			return tracer.PermissionError(pid) // ptrace allows one tracer
		}
		return nil
	})
	if err != nil {
		return err
	}
	var target []string
	for _, pid := range pids {
		target = append(target, "-p", strconv.Itoa(pid))
	}
	res, err := b.trace(ctx, true, target, out)
	if err != nil {
		return err
	}
	if n := len(res.attachErrs); n > 0 {
		// Each was shown as strace reported it, while the others were traced.
		return fmt.Errorf("could not attach to %d of %d processes (see above)", n, len(pids))
	}
	if res.status != 0 && !res.stopped {
		msg := fmt.Sprintf("strace failed (exit status %d)", res.status)
		if len(res.straceLines) > 0 && !b.opts.Debug {
			msg += ":\n" + strings.Join(res.straceLines, "\n")
		}
		return errors.New(msg)
	}
	return b.parseVerdict(res.stats)
}

// parseVerdict reports lines of the trace the parser did not understand:
// a warning, or with Strict an error (exit status 1).
func (b *straceBackend) parseVerdict(st parse.LineCount) error {
	if st.Problems == 0 {
		return nil
	}
	msg := fmt.Sprintf("%d of %d strace lines not understood (first: %s)", st.Problems, st.Lines, st.First.Error())
	if b.opts.Strict {
		return errors.New(msg)
	}
	fmt.Fprintf(b.opts.DiagWriter(), "stracectl: %s\n", msg)
	return nil
}

// traceResult is what one strace run left behind.
type traceResult struct {
	status      int             // strace's exit status: the traced command's, 128+N for signal N
	stopped     bool            // ctx was cancelled and we stopped strace
	events      int64           // events parsed
	stats       parse.LineCount // the parser's counts
	straceLines []string        // strace's own messages (attach), the last keptStraceLines
	attachErrs  []error         // processes strace could not attach to
}

// trace runs strace with target (-- CMD ARGS, or -p PID...) and streams
// the events of its trace to out until strace exits.
func (b *straceBackend) trace(ctx context.Context, attach bool, target []string, out tracer.Sink) (traceResult, error) {
	var res traceResult
	r, w, err := tracePipe()
	if err != nil {
		return res, fmt.Errorf("creating the trace pipe: %w", err)
	}
	defer r.Close()
	defer w.Close()
	traceFile := fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), w.Fd())

	environ := os.Environ()
	setenv, envFlags := straceEnv(environ, attach)
	cmd := exec.Command(b.path, slices.Concat(b.flags(traceFile), envFlags, target)...)
	if setenv != "" {
		cmd.Env = append(environ, setenv)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	var messages, straceStderr *os.File // strace's stderr, read by us (attach)
	var terminal *os.File               // the terminal handed to strace's group (run)
	if attach {
		// No program runs under strace: its stderr carries only its own
		// messages, which we read to explain failures. Should stracectl
		// die, SIGTERM makes strace detach.
		if messages, straceStderr, err = os.Pipe(); err != nil {
			return res, fmt.Errorf("creating a pipe for strace's messages: %w", err)
		}
		defer messages.Close()
		defer straceStderr.Close()
		cmd.Stderr = straceStderr
		cmd.SysProcAttr.Pdeathsig = syscall.SIGTERM
	} else {
		// The program inherits strace's stdio, so strace's own messages
		// share the program's stderr: strace cannot separate them.
		b.opts.GiveStdio(cmd)
		terminal = b.opts.Stdin
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
	if b.opts.Debug {
		fmt.Fprintf(b.opts.DiagWriter(), "stracectl: running %s\n", strings.TrimSpace(setenv+" "+strings.Join(cmd.Args, " ")))
	}
	job, err := tracer.StartJob(cmd, terminal, nil, func(pid int) {
		if !attach {
			// strace has exited but is not reaped, so its group id
			// cannot be reused yet: kill anything left in the group.
			unix.Kill(-pid, syscall.SIGKILL)
		}
	})
	if err != nil {
		return res, fmt.Errorf("starting strace: %w", err)
	}
	var said chan straceMessages
	if attach {
		straceStderr.Close() // strace has its copy
		said = make(chan straceMessages, 1)
		go func() { said <- b.readMessages(messages) }()
	}

	// A failing sink (our stdout closed) ends an attach; a traced command
	// runs on, as it would under strace alone, and its events are dropped.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopped := make(chan bool, 1)
	go func() {
		s := b.supervise(ctx, job, attach)
		w.Close() // strace is gone: the parser sees the end of the trace
		stopped <- s
	}()
	res.events, res.stats = b.stream(r, job.Exited(), out, func() {
		if attach {
			cancel()
		}
	})
	res.stopped = <-stopped
	res.status = job.Status()
	if said != nil {
		m := <-said
		res.straceLines, res.attachErrs = m.lines, m.attachErrs
	}
	return res, nil
}

// tracePipe returns the pipe strace writes the trace into. Its ends are
// blocking and kept out of Go's poller: a descriptor in epoll costs a
// wakeup of the poller on every line strace writes, which doubled the
// system time of a busy trace. The pipe is also enlarged (best effort) so
// that a burst waits there while the parser catches up.
func tracePipe() (r, w *os.File, err error) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return nil, nil, err
	}
	unix.FcntlInt(uintptr(fds[1]), unix.F_SETPIPE_SZ, tracePipeBytes)
	return os.NewFile(uintptr(fds[0]), "trace pipe"), os.NewFile(uintptr(fds[1]), "trace pipe"), nil
}

// stream parses the trace from r and hands the events to out in batches as
// they arrive, until the trace ends; ended is closed once strace has
// exited. When out fails, onSinkError is called once and the rest of the
// trace is read and dropped, so strace never blocks on a full pipe.
func (b *straceBackend) stream(r io.Reader, ended <-chan struct{}, out tracer.Sink, onSinkError func()) (int64, parse.LineCount) {
	opts := parse.Options{Raw: b.opts.Raw}
	if b.opts.Debug {
		diag := b.opts.DiagWriter()
		opts.OnProblem = func(pr parse.Problem) {
			fmt.Fprintf(diag, "stracectl: strace output %s\n", pr.Error())
		}
	}
	p := parse.NewParser(&pacedReader{r: r, ended: ended}, opts)
	var events int64
	batch := make([]parse.Event, 0, parse.BatchSize)
	sinkOK := true
	for {
		var err error
		batch, err = p.ReadBatch(batch[:0])
		events += int64(len(batch))
		if len(batch) > 0 && sinkOK {
			var serr error
			if batch, serr = out.Send(batch); serr != nil {
				sinkOK = false
				onSinkError()
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				// Cannot happen on a pipe we own; drain it regardless.
				io.Copy(io.Discard, r)
			}
			return events, p.LineCount()
		}
	}
}

// pacedReader reads the trace pipe in chunks rather than line by line:
// after a short read it waits readPause before reading again, so that a busy
// trace is taken hundreds of lines per wakeup while an idle one still
// arrives at once. Each wakeup costs system time and a context switch that
// the ptrace ping-pong of strace and its tracee, which is what bounds a
// trace's speed, then pays for: at 2 ms stracectl took 6% of a busy trace's
// CPU samples, at 10 ms 4%, reading line by line over 30%. Once the writer
// has ended (ended is closed) there is nothing to wait for: the pause ends
// and the rest is read straight to the end, so that a short command's trace
// costs no pause after it.
type pacedReader struct {
	r     io.Reader
	ended <-chan struct{}
	pause *time.Timer
	short bool // the last read returned less than pacedReadBytes
}

const (
	pacedReadBytes = 32 << 10
	readPause      = 10 * time.Millisecond
)

func (p *pacedReader) Read(b []byte) (int, error) {
	if p.short {
		p.wait()
	}
	n, err := p.r.Read(b)
	p.short = n < pacedReadBytes
	return n, err
}

// wait pauses for readPause, or until the writer ends.
func (p *pacedReader) wait() {
	select {
	case <-p.ended:
		return
	default:
	}
	if p.pause == nil {
		p.pause = time.NewTimer(readPause)
	} else {
		p.pause.Reset(readPause)
	}
	select {
	case <-p.pause.C:
	case <-p.ended:
		p.pause.Stop()
	}
}

// supervise waits for strace to exit and says whether we stopped it. When
// ctx is cancelled it stops the trace: a traced command's process group,
// and every process strace traces outside it (a daemon that called
// setsid), get the signal that stopped us (strace itself ignores it and
// reports the command's end); attached strace gets SIGINT and detaches. What has not
// ended after the grace period is killed: the traced processes first, so
// that strace reports their end and flushes its trace, then strace too.
func (b *straceBackend) supervise(ctx context.Context, job *tracer.Job, attach bool) bool {
	pid := job.Pid()
	stop := b.opts.NewStopper(
		func() {
			sig := tracer.StopSignal(ctx)
			job.Signal(sig)
			job.SignalLeavers(sig, tracer.TracedBy(pid))
		},
		b.opts.KillStep("the traced command", func() {
			for _, p := range tracer.GroupMembers(pid) {
				if p != pid {
					unix.Kill(p, syscall.SIGKILL)
				}
			}
			job.SignalLeavers(syscall.SIGKILL, tracer.TracedBy(pid))
		}),
		b.opts.KillStep("strace, after its tracees' kill,", func() { job.Signal(syscall.SIGKILL) }),
	)
	if attach {
		stop = b.opts.NewStopper(
			func() { unix.Kill(pid, syscall.SIGINT) },
			b.opts.KillStep("strace (detaching)", func() { unix.Kill(pid, syscall.SIGKILL) }),
		)
	}
	defer stop.Close()
	stopped := false
	done := ctx.Done()
	for {
		select {
		case <-done:
			done, stopped = nil, true
			stop.Step()
		case <-stop.C:
			stop.Step()
		case <-job.Exited():
			return stopped
		}
	}
}

// straceMessages is what strace said on stderr while attached.
type straceMessages struct {
	lines      []string
	attachErrs []error
}

// readMessages reads strace's stderr until it closes. A failure to attach
// becomes an error that names the cause, shown at once since tracing goes
// on for the other processes; with Debug every line is shown; the last
// other lines are kept to explain a failure.
func (b *straceBackend) readMessages(r io.Reader) straceMessages {
	var m straceMessages
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if b.opts.Debug {
			fmt.Fprintln(b.opts.DiagWriter(), line)
		}
		if err := attachError(line); err != nil {
			m.attachErrs = append(m.attachErrs, err)
			fmt.Fprintf(b.opts.DiagWriter(), "stracectl: %v\n", err)
			continue
		}
		if len(m.lines) == keptStraceLines {
			m.lines = append(m.lines[:0], m.lines[1:]...)
		}
		m.lines = append(m.lines, line)
	}
	io.Copy(io.Discard, r)
	return m
}

// attachError turns strace's message about a failed attach,
//
//	strace: attach: ptrace(PTRACE_SEIZE, 1234): Operation not permitted
//
// into an error naming the cause and the fix; nil for any other line.
func attachError(line string) error {
	const prefix = "attach: ptrace(PTRACE_SEIZE, "
	i := strings.Index(line, prefix)
	if i < 0 {
		return nil
	}
	rest := line[i+len(prefix):]
	end := strings.Index(rest, "): ")
	if end < 0 {
		return nil
	}
	pid, err := strconv.Atoi(rest[:end])
	if err != nil {
		return nil
	}
	switch reason := rest[end+3:]; reason {
	case "Operation not permitted":
		return tracer.PermissionError(pid)
	case "No such process":
		return tracer.NoSuchProcess(pid)
	default:
		return fmt.Errorf("cannot attach to process %d: %s", pid, reason)
	}
}
