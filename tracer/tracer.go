// Package tracer is what the tracing backends share: the Backend interface
// they implement and the Sink they deliver parse.Events to, their Options
// (a flag means the same whichever backend runs), the choice of backend
// (auto), and the life of what they trace: the command's process group,
// the terminal, signals passed on and escalated to SIGKILL (Job, Stopper),
// and the checks of a PID before attaching. The backends are its
// sub-packages: strace (runs the system strace and parses its output) and
// ebpf (programs on the kernel's tracepoints); each registers itself, so a
// program links in the backends it imports. syscalls holds the syscall
// tables and the printer of strace's text.
package tracer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/stracectl/stracectl/parse"
	"github.com/stracectl/stracectl/tracer/syscalls"
)

// Options are the tracing settings common to every backend.
type Options struct {
	// StringLimit is strace's -s: the most bytes of a string or buffer
	// shown in arguments (paths are shown whole), and the most argv
	// entries; 0 shows none (""...). stracectl's default is strace's, 32.
	StringLimit int
	// FdPaths is strace's -y (1) and -yy (2): file descriptors are shown
	// with their paths, 3</etc/passwd>. The eBPF backend shows -yy as -y.
	FdPaths int
	// Syscalls limits tracing to these syscall names or strace classes
	// ("%file", "%net", ...); empty means all.
	Syscalls []string
	// FailedOnly keeps only calls that failed (strace -Z).
	FailedOnly bool
	// BufferSize is the eBPF ring buffer size in bytes; 0 means the default.
	BufferSize int
	// Summary is run/attach --summary: only the profile of the calls is
	// wanted, not their events. A backend that counts calls itself (eBPF,
	// in the kernel) then delivers no call events, only its counts, to a
	// CountSink; others deliver events as always.
	Summary bool
	// Raw keeps the original strace line(s) in Event.Raw (strace backend).
	Raw bool
	// Strict makes lost events or unparsed lines an error.
	Strict bool
	// Quiet leaves out the notes that change nothing in the events (which
	// backend auto fell back to).
	Quiet bool
	// Debug prints backend diagnostics (strace's own messages, the
	// parser's problems, why auto chose a backend) to Diag.
	Debug bool
	// Diag receives diagnostics; nil means os.Stderr.
	Diag io.Writer
	// KillAfter is how long, once asked to stop, the traced processes get
	// to end on the signal passed on to them before they are killed; 0
	// means StopGrace.
	KillAfter time.Duration

	// Stdin, Stdout and Stderr are given to the traced command. When events
	// go to stdout, the caller passes os.Stderr as Stdout so that the event
	// stream stays pure.
	Stdin, Stdout, Stderr *os.File
}

// GiveStdio connects cmd to the stdin, stdout and stderr that the options
// give the traced command (nil ones are left as exec.Cmd's default).
func (o *Options) GiveStdio(cmd *exec.Cmd) {
	if o.Stdin != nil {
		cmd.Stdin = o.Stdin
	}
	if o.Stdout != nil {
		cmd.Stdout = o.Stdout
	}
	if o.Stderr != nil {
		cmd.Stderr = o.Stderr
	}
}

// killAfter is KillAfter, or StopGrace when unset.
func (o *Options) killAfter() time.Duration {
	if o.KillAfter > 0 {
		return o.KillAfter
	}
	return StopGrace
}

// DiagWriter returns where diagnostics go: Diag, or os.Stderr.
func (o *Options) DiagWriter() io.Writer {
	if o.Diag != nil {
		return o.Diag
	}
	return os.Stderr
}

// Sink receives the events of a trace in batches. Send hands over batch and
// returns an empty slice to fill next; an error means the output failed
// (a closed pipe, a full disk), after which tracing stops and the traced
// command runs on untraced. emit.Stream is one.
type Sink interface {
	Send(batch []parse.Event) ([]parse.Event, error)
}

// Backend traces and delivers events to a Sink as they happen.
type Backend interface {
	// Name is the backend's name as given to --backend.
	Name() string
	// Run starts argv under the tracer and returns the command's exit
	// status (128+N when signal N killed it). Cancelling ctx (Ctrl-C)
	// stops the command's whole process group; events seen so far are
	// still delivered.
	Run(ctx context.Context, argv []string, out Sink) (status int, err error)
	// Attach traces the running processes pids (all their threads and
	// future children) until they all exit or ctx is cancelled, which
	// detaches and leaves them running.
	Attach(ctx context.Context, pids []int, out Sink) error
}

// UsageError is a mistake in the options, found before anything starts:
// the command line's exit status (2).
type UsageError struct{ Msg string }

func (e UsageError) Error() string { return e.Msg }

// check validates the options on behalf of every backend, so that a
// mistake is the same error whichever backend would run: -s, and -e in
// strace's forms (trace=NAMES; status=failed is --failed; other
// qualifiers are refused), each name checked against this architecture's
// table, with the closest name suggested.
func (o *Options) check() error {
	if o.StringLimit < 0 {
		return UsageError{fmt.Sprintf("-s %d: the string limit cannot be negative", o.StringLimit)}
	}
	var names []string
	for _, spec := range o.Syscalls {
		qualifier, value, ok := strings.Cut(spec, "=")
		switch {
		case !ok:
			names = append(names, spec)
		case qualifier == "trace" || qualifier == "t":
			names = append(names, value)
		case qualifier == "status" && value == "failed":
			o.FailedOnly = true
		default:
			return UsageError{fmt.Sprintf("-e %s: stracectl takes -e NAMES or -e trace=NAMES (and status=failed, which is --failed); strace's other -e qualifiers are not supported", spec)}
		}
	}
	if len(names) > 0 {
		if _, err := syscalls.Numbers(names); err != nil {
			return UsageError{err.Error()}
		}
	}
	o.Syscalls = names
	return nil
}

// DefaultStringLimit is strace's default -s.
const DefaultStringLimit = 32

// Constructor builds a backend, or says why it cannot run here.
type Constructor func(Options) (Backend, error)

// backends holds the compiled-in backends by name.
var backends = map[string]Constructor{}

// Register makes a backend available to New under name; each backend
// package registers itself when it is imported.
func Register(name string, c Constructor) { backends[name] = c }

// Names lists the backends compiled in, plus "auto".
func Names() []string {
	names := []string{"auto"}
	for n := range backends {
		names = append(names, n)
	}
	sort.Strings(names[1:])
	return names
}

// ErrUnknownBackend is returned for a --backend name that is not compiled in.
var ErrUnknownBackend = errors.New("unknown backend")

// New returns the backend called name. "auto" prefers eBPF where it can
// load (it is far cheaper than ptrace) and falls back to strace; with
// Debug it says which it chose and why.
func New(name string, opts Options) (Backend, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	if name != "auto" {
		c, ok := backends[name]
		if !ok && len(backends) == 0 {
			return nil, errUnsupported
		}
		if !ok {
			return nil, fmt.Errorf("%w %q — choose one of %v", ErrUnknownBackend, name, Names())
		}
		return c(opts)
	}
	var reasons []error
	for _, n := range []string{"ebpf", "strace"} {
		c, ok := backends[n]
		if !ok {
			continue
		}
		b, err := c(opts)
		if err == nil {
			if opts.Debug {
				fmt.Fprintf(opts.DiagWriter(), "stracectl: backend auto: using %s\n", n)
			}
			if len(reasons) > 0 && !opts.Quiet && !opts.Debug {
				// Say it once: the strace backend is slower and its events
				// lack comm and tgid.
				fmt.Fprintf(opts.DiagWriter(), "stracectl: using the strace backend: %v (-q hides this)\n", reasons[0])
			}
			return b, nil
		}
		if opts.Debug {
			fmt.Fprintf(opts.DiagWriter(), "stracectl: backend auto: %s unavailable: %v\n", n, err)
		}
		reasons = append(reasons, fmt.Errorf("%s: %w", n, err))
	}
	if len(reasons) == 0 {
		return nil, errUnsupported
	}
	return nil, fmt.Errorf("no backend can trace here: %w", errors.Join(reasons...))
}

// errUnsupported says why nothing can be traced where no backend builds.
var errUnsupported = fmt.Errorf("tracing (run, attach) needs Linux; this stracectl is built for %s/%s, where parse, stats and diff work", runtime.GOOS, runtime.GOARCH)

// StopGrace is how long, after Ctrl-C, the traced processes get to exit on
// the signal passed on to them before they are killed (run), or strace gets
// to detach (attach). Both backends give the same.
const StopGrace = 2 * time.Second

// ErrNoCommand is run's error when no command follows the flags.
var ErrNoCommand = errors.New("no command to trace — give it after --: stracectl run -- CMD [ARGS...]")

// CommandProblem says why name cannot be run, in the words and with the
// status a shell would use ("foo: command not found", 127); "" when it can.
func CommandProblem(name string) (msg string, status int) {
	if name == "" {
		return "'': command not found", 127
	}
	_, err := exec.LookPath(name)
	switch {
	case err == nil, errors.Is(err, exec.ErrDot):
		return "", 0
	case errors.Is(err, exec.ErrNotFound):
		return name + ": command not found", 127
	case errors.Is(err, fs.ErrNotExist):
		return name + ": No such file or directory", 127
	case errors.Is(err, syscall.EISDIR):
		return name + ": Is a directory", 126
	case errors.Is(err, fs.ErrPermission):
		return name + ": Permission denied", 126
	}
	return err.Error(), 126
}

// ShellStatus returns a process's status as a shell reports it: its exit
// code, or 128+N when signal N killed it.
func ShellStatus(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}
