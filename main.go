// Command stracectl turns Linux system calls into a structured stream: one
// event per line, as JSON Lines or CSV, from strace's text output (parse) or
// from a traced command or process (run, attach).
//
// This file is the command line only: it wires one source to one sink and
// turns errors into messages and exit statuses.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/stracectl/stracectl/emit"
	"github.com/stracectl/stracectl/parse"
	"github.com/stracectl/stracectl/tracer"
)

// version is set at build time with -ldflags "-X main.version=..."; without
// it the module version or VCS revision is used.
var version = ""

// CLI is the command line.
type CLI struct {
	Debug   bool             `help:"Print every line that was not understood, and backend diagnostics, on stderr."`
	Version kong.VersionFlag `help:"Print the version and exit."`

	Parse  ParseCmd  `cmd:"" help:"Turn strace's text output (files or stdin) into events."`
	Run    RunCmd    `cmd:"" help:"Trace a command and write its events; exit with its status."`
	Attach AttachCmd `cmd:"" help:"Trace running processes until they exit or Ctrl-C detaches."`
	Schema SchemaCmd `cmd:"" help:"Print the JSON Schema of an event."`
}

// Globals are the flags every command sees.
type Globals struct {
	Debug bool
}

// OutputFlags choose how and where events are written; every command that
// writes events takes them.
type OutputFlags struct {
	JSON   bool   `name:"json" help:"Write JSON Lines (the default)."`
	CSV    bool   `name:"csv" help:"Write CSV with a header row."`
	Format string `enum:"json,csv," default:"" placeholder:"json|csv" help:"Output format: json or csv."`
	Output string `short:"o" placeholder:"FILE" help:"Write events to FILE instead of stdout."`
	Raw    bool   `help:"Add a \"raw\" field with the original strace line(s)."`
}

// format resolves --json, --csv and --format into one name.
func (o *OutputFlags) format() (string, error) {
	chosen := ""
	for _, f := range []struct {
		set  bool
		name string
	}{{o.JSON, "json"}, {o.CSV, "csv"}, {o.Format != "", o.Format}} {
		if !f.set {
			continue
		}
		if chosen != "" && chosen != f.name {
			return "", usageError{fmt.Sprintf("conflicting output formats %s and %s — choose one of --json, --csv", chosen, f.name)}
		}
		chosen = f.name
	}
	if chosen == "" {
		chosen = "json"
	}
	return chosen, nil
}

// open returns the sink the flags ask for and a function that closes the
// output file, if one was opened.
func (o *OutputFlags) open() (emit.Sink, func() error, error) {
	format, err := o.format()
	if err != nil {
		return nil, nil, err
	}
	var w io.Writer = os.Stdout
	closeFile := func() error { return nil }
	if o.Output != "" && o.Output != "-" {
		f, err := os.Create(o.Output)
		if err != nil {
			return nil, nil, fmt.Errorf("cannot write events: %w", err)
		}
		w, closeFile = f, f.Close
	}
	if format == "csv" {
		return emit.NewCSV(w, o.Raw), closeFile, nil
	}
	return emit.NewJSON(w), closeFile, nil
}

// usageError is a mistake on the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// exitError carries an exit status without a message of its own (the
// reason was already printed, or the status is the traced command's).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// ParseCmd reads strace text and writes events.
type ParseCmd struct {
	OutputFlags
	Strict bool     `help:"Exit with status 1 when any line was not understood."`
	Files  []string `arg:"" optional:"" name:"FILE" help:"strace output to read; - or none for stdin."`
}

// Run parses each input in turn (each with its own parser: a file is one
// strace run) into one output.
func (c *ParseCmd) Run(g *Globals) error {
	sink, closeOut, err := c.open()
	if err != nil {
		return err
	}
	stream := emit.NewStream(sink)
	files := c.Files
	if len(files) == 0 {
		files = []string{"-"}
	}
	var lines, problems int64
	var first string
	for _, name := range files {
		st, err := parseInput(name, len(files) > 1, c.Raw, g.Debug, stream)
		lines += st.Lines
		problems += st.Problems
		if first == "" && st.First != nil {
			first = st.First.Error()
			if len(files) > 1 {
				first = name + ": " + first
			}
		}
		if err != nil {
			stream.Close()
			closeOut()
			return err
		}
	}
	err = stream.Close()
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if problems > 0 {
		fmt.Fprintf(os.Stderr, "stracectl: %d of %d lines not understood (first: %s)\n", problems, lines, first)
		if c.Strict {
			return exitError{1}
		}
	}
	return nil
}

// parseInput streams one input through a parser into stream.
func parseInput(name string, named, raw, debug bool, stream *emit.Stream) (parse.Stats, error) {
	in := io.Reader(os.Stdin)
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return parse.Stats{}, fmt.Errorf("cannot read strace output: %w", err)
		}
		defer f.Close()
		in = f
	}
	opts := parse.Options{Raw: raw}
	if debug {
		opts.OnProblem = func(pr parse.Problem) {
			if named {
				fmt.Fprintf(os.Stderr, "stracectl: %s: %s\n", name, pr.Error())
			} else {
				fmt.Fprintf(os.Stderr, "stracectl: %s\n", pr.Error())
			}
		}
	}
	p := parse.NewParser(in, opts)
	batch := make([]parse.Event, 0, 1024)
	for {
		var err error
		batch, err = p.ReadBatch(batch[:0])
		if len(batch) > 0 {
			var serr error
			if batch, serr = stream.Send(batch); serr != nil {
				return p.Stats(), serr
			}
		}
		if err == io.EOF {
			return p.Stats(), nil
		}
		if err != nil {
			return p.Stats(), fmt.Errorf("reading %s: %w", name, err)
		}
	}
}

// TraceFlags are the tracing flags of run and attach; they mean the same on
// every backend.
type TraceFlags struct {
	Backend     string `enum:"auto,strace,ebpf" default:"auto" help:"Tracing backend: auto (eBPF where it can load, else strace), strace or ebpf."`
	StringLimit int    `short:"s" name:"string-limit" default:"32" placeholder:"N" help:"Show at most N bytes of each string argument (strace -s)."`
	Syscalls    string `short:"e" name:"syscalls" placeholder:"SYSCALLS" help:"Trace only these calls: comma-separated names or strace classes (%file, %net, %process...)."`
	Failed      bool   `help:"Keep only calls that failed (strace -Z)."`
	BufferSize  int    `name:"buffer-size" default:"16777216" placeholder:"BYTES" help:"eBPF ring buffer size in bytes."`
	Strict      bool   `help:"Exit with status 1 when any event was lost or any strace line was not understood."`
}

// options turns the flags into tracer.Options. When events go to stdout,
// the traced program's stdout is sent to our stderr so the event stream
// stays pure; with -o FILE the program's output is left alone.
func (t *TraceFlags) options(g *Globals, out *OutputFlags) tracer.Options {
	o := tracer.Options{
		StringLimit: t.StringLimit,
		FailedOnly:  t.Failed,
		BufferSize:  t.BufferSize,
		Raw:         out.Raw,
		Strict:      t.Strict,
		Debug:       g.Debug,
		Stdin:       os.Stdin,
		Stdout:      os.Stdout,
		Stderr:      os.Stderr,
	}
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

// RunCmd traces a command.
type RunCmd struct {
	OutputFlags
	TraceFlags
	Command []string `arg:"" passthrough:"" name:"CMD" help:"The command and its arguments (after --). When events go to stdout, its stdout is sent to stderr so that the stream stays pure; with -o FILE its output is left alone."`
}

// Run traces the command and returns its exit status as ours.
func (c *RunCmd) Run(g *Globals) error {
	argv := c.Command
	if len(argv) > 0 && argv[0] == "--" {
		argv = argv[1:] // kong keeps the -- that ends our flags
	}
	return trace(g, &c.OutputFlags, &c.TraceFlags, func(ctx context.Context, b tracer.Backend, s *emit.Stream) (int, error) {
		return b.Run(ctx, argv, s)
	})
}

// AttachCmd traces running processes.
type AttachCmd struct {
	OutputFlags
	TraceFlags
	Pids []int `arg:"" name:"PID" help:"Processes to trace, with all their threads and future children."`
}

// Run attaches until the processes exit or Ctrl-C detaches.
func (c *AttachCmd) Run(g *Globals) error {
	return trace(g, &c.OutputFlags, &c.TraceFlags, func(ctx context.Context, b tracer.Backend, s *emit.Stream) (int, error) {
		return 0, b.Attach(ctx, c.Pids, s)
	})
}

// trace wires a backend to the output: SIGINT, SIGTERM and SIGHUP cancel
// the trace (the backend passes the signal on to what it started and
// delivers what it saw); the status the tracing returns becomes ours.
func trace(g *Globals, out *OutputFlags, tf *TraceFlags, do func(context.Context, tracer.Backend, *emit.Stream) (int, error)) error {
	sink, closeOut, err := out.open()
	if err != nil {
		return err
	}
	defer closeOut()
	b, err := tracer.New(tf.Backend, tf.options(g, out))
	if err != nil {
		return err
	}
	ctx, stop := tracer.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	stream := emit.NewStream(sink)
	status, err := do(ctx, b, stream)
	if cerr := stream.Close(); err == nil && cerr != nil && !errors.Is(cerr, syscall.EPIPE) {
		err = cerr
	}
	if err != nil {
		return err
	}
	if cerr := closeOut(); cerr != nil {
		return cerr
	}
	return exitError{status}
}

// SchemaCmd prints the event JSON Schema.
type SchemaCmd struct{}

// Run prints the schema.
func (SchemaCmd) Run() error {
	_, err := os.Stdout.Write(parse.Schema)
	return err
}

func main() {
	// A closed stdout must end us quietly: with SIGPIPE notified, writes
	// fail with EPIPE instead of killing the process, and the handler does
	// not survive exec into a traced command.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)

	var cli CLI
	ctx := kong.Parse(&cli,
		kong.Name("stracectl"),
		kong.Description("Turn Linux system calls into a stream of events: JSON Lines or CSV, one per line, for jq, awk, databases and CI."),
		kong.UsageOnError(),
		kong.Vars{"version": versionString()},
	)
	err := ctx.Run(&Globals{Debug: cli.Debug})
	os.Exit(exitStatus(err))
}

// exitStatus prints err (when it has a message) and returns the status to
// exit with: 0 for success and for a closed output pipe, 2 for usage
// errors, the carried status for exitError, 1 otherwise.
func exitStatus(err error) int {
	var ee exitError
	var ue usageError
	switch {
	case err == nil, errors.Is(err, syscall.EPIPE):
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue):
		fmt.Fprintln(os.Stderr, "stracectl:", err)
		return 2
	}
	fmt.Fprintln(os.Stderr, "stracectl:", err)
	return 1
}

func versionString() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "devel-" + rev
}
