package main

// The run and attach commands: their flags, and the wiring of a tracing
// backend (package tracer) to the output. Apart from main.go because they
// alone need a tracer, which not every platform has.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"syscall"

	"github.com/stracectl/stracectl/emit"
	"github.com/stracectl/stracectl/parse"
	"github.com/stracectl/stracectl/profile"
	"github.com/stracectl/stracectl/tracer"
	_ "github.com/stracectl/stracectl/tracer/ebpf"   // the eBPF backend, where it builds
	_ "github.com/stracectl/stracectl/tracer/strace" // the strace backend
)

// TraceFlags are the tracing flags of run and attach; they mean the same on
// every backend.
type TraceFlags struct {
	Backend     string   `enum:"auto,strace,ebpf" default:"auto" group:"tracing" help:"Tracing backend: auto (eBPF where it can load, else strace), strace or ebpf."`
	StringLimit int      `short:"s" name:"string-limit" default:"32" placeholder:"N" group:"tracing" help:"Show at most N bytes of each string argument (strace -s; default: ${default})."`
	FdPaths     int      `short:"y" name:"decode-fds" type:"counter" group:"tracing" help:"Show file descriptors with their paths, 3</etc/passwd> (strace -y; -yy on the strace backend adds socket details)."`
	Syscalls    string   `short:"e" name:"syscalls" placeholder:"SYSCALLS" group:"tracing" help:"Trace only these calls: comma-separated names or strace classes (%file, %net, %process...), as NAMES or trace=NAMES; status=failed is --failed."`
	Failed      bool     `short:"Z" group:"tracing" help:"Keep only calls that failed (strace -Z)."`
	BufferSize  byteSize `name:"buffer-size" default:"16MiB" placeholder:"SIZE" group:"tracing" help:"eBPF ring buffer size: bytes, or with K, M or G (default: ${default})."`
	Strict      bool     `group:"tracing" help:"Exit with status 1 when any event was lost or any strace line was not understood."`
	Quiet       int      `short:"q" type:"counter" group:"tracing" help:"Do not say that --backend auto fell back to strace (strace -q)."`
	Summary     bool     `short:"c" group:"summary" help:"Write no events: at the end, print the syscall profile that stats would print of them (strace -c). The eBPF backend counts every call in the kernel, exact whatever the load; the strace backend counts the events it parses. A table, or --json / --csv; -o FILE writes it to FILE."`
	Sort        string   `placeholder:"KEY" group:"summary" help:"With --summary: order rows by calls, errors, total (the default), p95 or name."`
	StraceHabits
}

// RunCmd traces a command.
type RunCmd struct {
	OutputFlags
	TraceFlags
	Command []string `arg:"" optional:"" passthrough:"partial" name:"CMD" help:"The command and its arguments, after every flag of stracectl (and after --). When events go to stdout, its stdout is sent to stderr so that the stream stays pure; with -o FILE its output is left alone."`
}

// Run traces the command and returns its exit status as ours.
func (c *RunCmd) Run(g *Globals) error {
	argv := c.Command
	if len(argv) > 0 && argv[0] == "--" {
		argv = argv[1:] // kong keeps the -- that ends our flags
	}
	if len(argv) == 0 {
		return usageError{tracer.ErrNoCommand.Error()}
	}
	return trace(g, &c.OutputFlags, &c.TraceFlags, func(ctx context.Context, b tracer.Backend, s tracer.Sink) (int, error) {
		return b.Run(ctx, argv, s)
	})
}

// AttachCmd traces running processes.
type AttachCmd struct {
	OutputFlags
	TraceFlags
	PidFlags []string `short:"p" name:"pid" placeholder:"PID" group:"tracing" help:"A process to trace (strace -p): may be repeated, or a comma-separated list."`
	Pids     []string `arg:"" optional:"" name:"PID" help:"Processes to trace, with all their threads and future children: PID PID or PID,PID."`
}

// Run attaches until the processes exit or Ctrl-C detaches. A PID that
// cannot be traced is reported and the others are traced, as strace does.
func (c *AttachCmd) Run(g *Globals) error {
	pids, err := parsePIDs(c.PidFlags, c.Pids)
	if err != nil {
		return err
	}
	return trace(g, &c.OutputFlags, &c.TraceFlags, func(ctx context.Context, b tracer.Backend, s tracer.Sink) (int, error) {
		return 0, b.Attach(ctx, pids, s)
	})
}

// trace wires a backend to the output. The backend passes an interrupt on
// to what it traces and delivers what it saw; the status the tracing
// returns becomes ours.
func trace(g *Globals, out *OutputFlags, tf *TraceFlags, do func(context.Context, tracer.Backend, tracer.Sink) (int, error)) error {
	if tf.Summary || tf.Sort != "" {
		return summarize(g, out, tf, do)
	}
	emit.TuneGCForStreaming()
	tf.note(os.Stderr, out.Output)
	b, err := tracer.New(tf.Backend, tf.options(g, out))
	if err != nil {
		return err
	}
	sink, err := out.open()
	if err != nil {
		return err
	}
	ctx, stop := interrupts()
	defer stop()
	stream := emit.NewStream(sink)
	status, err := do(ctx, b, stream)
	if cerr := stream.Close(); err == nil && !errors.Is(cerr, syscall.EPIPE) {
		err = cerr
	}
	if err == nil && status != 0 {
		err = exitError{status}
	}
	return err
}

// options turns the flags into tracer.Options. When events go to stdout,
// the traced program's stdout is sent to our stderr so that the event
// stream stays pure; with -o FILE the program's output is left alone.
func (t *TraceFlags) options(g *Globals, out *OutputFlags) tracer.Options {
	o := tracer.Options{StringLimit: t.StringLimit, FdPaths: t.FdPaths, FailedOnly: t.Failed, BufferSize: int(t.BufferSize), Raw: out.Raw, Summary: t.Summary,
		Strict: t.Strict, Quiet: t.Quiet > 0, Debug: g.Debug, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	for name := range strings.SplitSeq(t.Syscalls, ",") {
		if name = strings.TrimSpace(name); name != "" {
			o.Syscalls = append(o.Syscalls, name)
		}
	}
	if out.Output == "" || out.Output == "-" {
		o.Stdout = os.Stderr
	}
	return o
}

// summarize is trace with --summary: the backend's events (or its own
// counts of the calls) make a profile by syscall, printed at the end as
// stats prints it, to -o FILE or stdout; nothing when the trace failed.
func summarize(g *Globals, out *OutputFlags, tf *TraceFlags, do func(context.Context, tracer.Backend, tracer.Sink) (int, error)) error {
	sort, format, err := tf.summaryFormat(out)
	if err != nil {
		return err
	}
	if err := probeOutput(out.Output); err != nil {
		return fmt.Errorf("cannot write the profile: %w", err)
	}
	tf.note(os.Stderr, out.Output)
	b, err := tracer.New(tf.Backend, tf.options(g, out))
	if err != nil {
		return err
	}
	ctx, stop := interrupts()
	defer stop()
	sink := &summarySink{prof: profile.New(profile.BySyscall)}
	status, err := do(ctx, b, sink)
	if err != nil {
		return err
	}
	err = profile.WriteOutput(out.Output, func(w io.Writer) error { return sink.prof.Print(w, sort, format) })
	if err == nil && status != 0 {
		err = exitError{status}
	}
	return err
}

// summaryFormat checks the flags that --summary takes and returns the
// order and format of its profile: a table, unless --json or --csv.
func (t *TraceFlags) summaryFormat(out *OutputFlags) (profile.SortKey, profile.Format, error) {
	if !t.Summary {
		return "", "", usageError{"--sort orders the rows of --summary: add --summary"}
	}
	if out.Raw {
		return "", "", usageError{"--raw adds strace's lines to events, and --summary writes none: leave one out"}
	}
	sort := profile.SortKey(t.Sort)
	if sort == "" {
		sort = profile.SortTotal
	}
	keys := []profile.SortKey{profile.SortCalls, profile.SortErrors, profile.SortTotal, profile.SortP95, profile.SortName}
	if !slices.Contains(keys, sort) {
		return "", "", usageError{fmt.Sprintf("--sort %s: order by calls, errors, total, p95 or name", t.Sort)}
	}
	return sort, profileFormat(out.json(), out.csv()), nil
}

// summarySink is the sink of --summary: a profile by syscall, of the
// events delivered (whose calls it counts) or of the backend's own counts.
type summarySink struct{ prof *profile.Profile }

// Send counts the calls of batch.
func (s *summarySink) Send(batch []parse.Event) ([]parse.Event, error) {
	for i := range batch {
		s.prof.Add(&batch[i])
	}
	return batch[:0], nil
}

// Counts adds a backend's own counts of the calls.
func (s *summarySink) Counts(counts []tracer.CallCounts) error {
	for i := range counts {
		c := profile.Counted(counts[i])
		if err := s.prof.AddCounted(&c); err != nil {
			return err
		}
	}
	return nil
}
