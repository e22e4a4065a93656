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
	"slices"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/stracectl/stracectl/emit"
	"github.com/stracectl/stracectl/parse"
	"github.com/stracectl/stracectl/tracer"
	_ "github.com/stracectl/stracectl/tracer/ebpf"   // the eBPF backend, where it builds
	_ "github.com/stracectl/stracectl/tracer/strace" // the strace backend
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
	Stats  StatsCmd  `cmd:"" help:"Print a syscall profile (calls, errors, latency percentiles) of a trace, like strace -c."`
	Diff   DiffCmd   `cmd:"" help:"Compare two syscall profiles; exit 1 on a change beyond tolerance (a CI gate)."`
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

// tuneGCForStreaming is for the commands that turn input into events as
// fast as it comes (parse, run, attach): they allocate input blocks at the
// rate they read while the live heap stays small, so collecting less often
// saves a quarter of the GC work, and a soft limit keeps the peak well
// under 100 MB. stats and diff, whose memory is bounded by groups, keep
// the default.
func tuneGCForStreaming() {
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(64 << 20)
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
	tuneGCForStreaming()
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

// parseInput streams one input of strace text through a parser into stream.
func parseInput(name string, named, raw, debug bool, stream *emit.Stream) (parse.LineCount, error) {
	rd, err := streamInput(name, named, parse.Options{Raw: raw}, debug, nil, stream, func(r io.Reader, o parse.Options) parse.Reader {
		return parse.NewParser(r, o)
	})
	if rd == nil {
		return parse.LineCount{}, err
	}
	return rd.LineCount(), err
}

// streamInput opens one input ("-" is stdin), reads it with the reader
// newReader makes and sends its events to stream, until the end of the
// input or until stop says to. It returns the reader, nil when the input
// could not be opened.
func streamInput(name string, named bool, opts parse.Options, debug bool, stop *atomic.Bool, stream *emit.Stream, newReader func(io.Reader, parse.Options) parse.Reader) (parse.Reader, error) {
	in := io.Reader(os.Stdin)
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("cannot read input: %w", err)
		}
		defer f.Close()
		in = f
	}
	if debug {
		opts.OnProblem = func(pr parse.Problem) {
			if named {
				fmt.Fprintf(os.Stderr, "stracectl: %s: %s\n", name, pr.Error())
			} else {
				fmt.Fprintf(os.Stderr, "stracectl: %s\n", pr.Error())
			}
		}
	}
	rd := newReader(in, opts)
	batch := make([]parse.Event, 0, 1024)
	for stop == nil || !stop.Load() {
		var err error
		batch, err = rd.ReadBatch(batch[:0])
		if len(batch) > 0 {
			var serr error
			if batch, serr = stream.Send(batch); serr != nil {
				return rd, serr
			}
		}
		if err == io.EOF {
			return rd, nil
		}
		if err != nil {
			return rd, fmt.Errorf("reading %s: %w", name, err)
		}
	}
	return rd, nil
}

// TraceFlags are the tracing flags of run and attach; they mean the same on
// every backend.
type TraceFlags struct {
	Backend     string `enum:"auto,strace,ebpf" default:"auto" help:"Tracing backend: auto (eBPF where it can load, else strace), strace or ebpf."`
	StringLimit int    `short:"s" name:"string-limit" default:"32" placeholder:"N" help:"Show at most N bytes of each string argument (strace -s)."`
	FdPaths     int    `short:"y" name:"decode-fds" type:"counter" help:"Show file descriptors with their paths, 3</etc/passwd> (strace -y; -yy on the strace backend adds socket details)."`
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
		FdPaths:     t.FdPaths,
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
	tuneGCForStreaming()
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

// StatsCmd prints the syscall profile of traces.
type StatsCmd struct {
	By     string   `enum:"syscall,pid,comm,errno" default:"syscall" help:"Group by syscall, pid, comm, or errno (failed calls only)."`
	Sort   string   `enum:"calls,errors,total,p95,name" default:"total" help:"Order rows by calls, errors, total time (calls when there are no durations), p95 latency, or name."`
	JSON   bool     `name:"json" xor:"format" help:"Write one JSON object per group per line (no total row)."`
	CSV    bool     `name:"csv" xor:"format" help:"Write CSV with a header row (no total row)."`
	Output string   `short:"o" placeholder:"FILE" help:"Write the profile to FILE instead of stdout."`
	Files  []string `arg:"" optional:"" name:"FILE" help:"strace output or stracectl JSON Lines, told apart per input; - or none for stdin."`
}

// Run aggregates every input into one profile and prints it. A signal
// (Ctrl-C) stops the reading and prints what was read, except from a pipe:
// its writer (stracectl run in the same pipeline) got the signal too and is
// flushing, so stats reads on to the end; a second signal ends stats at once.
func (c *StatsCmd) Run(g *Globals) (err error) {
	format := emit.SummaryTable
	if c.JSON {
		format = emit.SummaryJSON
	} else if c.CSV {
		format = emit.SummaryCSV
	}
	var w io.Writer = os.Stdout
	if c.Output != "" && c.Output != "-" {
		f, cerr := os.Create(c.Output)
		if cerr != nil {
			return fmt.Errorf("cannot write the profile: %w", cerr)
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		w = f
	}
	files := c.Files
	if len(files) == 0 {
		files = []string{"-"}
	}
	stop := stopOnSignal(files)
	stream := emit.NewStream(emit.NewSummary(w, parse.GroupBy(c.By), emit.SortKey(c.Sort), format))
	var lines, problems int64
	var first string
	for _, name := range files {
		rd, err := streamInput(name, len(files) > 1, parse.Options{}, g.Debug, stop, stream, parse.NewReader)
		if err == nil {
			if j, ok := rd.(*parse.JSONLReader); ok && len(j.SummaryRows()) > 0 {
				err = fmt.Errorf("%s holds stats output, not events: stats reads traces (strace output or stracectl JSON Lines); diff compares profiles", name)
			}
		}
		if err != nil {
			stream.Close()
			return err
		}
		st := rd.LineCount()
		lines += st.Lines
		problems += st.Problems
		if first == "" && st.First != nil {
			first = name + ": " + st.First.Error()
		}
	}
	if stop.Load() {
		fmt.Fprintln(os.Stderr, "stracectl: interrupted — the profile covers the events read so far")
	}
	if problems > 0 {
		fmt.Fprintf(os.Stderr, "stracectl: %d of %d lines not understood (first: %s)\n", problems, lines, first)
	}
	return stream.Close()
}

// stopOnSignal returns a flag set by the first SIGINT, SIGTERM or SIGHUP,
// after which the signal's default action is back (a second one ends the
// process). Reading from a pipe ignores the flag: see StatsCmd.Run.
func stopOnSignal(files []string) *atomic.Bool {
	var stop atomic.Bool
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}
	c := make(chan os.Signal, 1)
	signal.Notify(c, sigs...)
	fromPipe := false
	if slices.Contains(files, "-") {
		if fi, err := os.Stdin.Stat(); err == nil && fi.Mode()&os.ModeNamedPipe != 0 {
			fromPipe = true
		}
	}
	go func() {
		<-c
		signal.Reset(sigs...)
		if !fromPipe {
			stop.Store(true)
		}
	}()
	return &stop
}

// DiffCmd compares two syscall profiles.
type DiffCmd struct {
	Tolerance float64  `default:"10" placeholder:"PCT" help:"A count must change by more than PCT percent of the old count (and more than --min-delta) to fail (default: ${default})."`
	MinDelta  int64    `name:"min-delta" default:"5" placeholder:"N" help:"A count must change by more than N (and more than --tolerance) to fail (default: ${default})."`
	Ignore    []string `placeholder:"SYSCALLS" help:"Leave out these syscalls, comma-separated (e.g. futex, which varies run to run)."`
	Only      []string `placeholder:"SYSCALLS" help:"Compare only these syscalls, comma-separated."`
	Latency   *float64 `placeholder:"PCT" help:"Also fail when a syscall's p95 latency grows by more than PCT percent (needs durations on both sides)."`
	JSON      bool     `name:"json" help:"Write one JSON object per change instead of a table."`
	Old       string   `arg:"" name:"OLD" help:"The baseline: strace output, stracectl JSON Lines, or stats --json output."`
	New       string   `arg:"" name:"NEW" help:"The profile to check, in any of the same forms."`
}

// Help is the detail of diff --help.
func (c *DiffCmd) Help() string {
	return `Each input may be strace output, stracectl JSON Lines events, or the output of stats --json (a recorded baseline), mixed freely; only syscall names, counts, errnos and durations matter, never pids, addresses or timestamps.

Per syscall it compares calls, errors and failures per errno, and with --latency the p95 latency. A syscall that appears or vanishes, or a new errno on a syscall, always fails; a count fails when it changes by more than --tolerance percent and more than --min-delta.

Exit status: 0 no change beyond tolerance, 1 a regression (each offending syscall is named), 2 an unreadable input or a usage error.`
}

// Run exits 0 when nothing changed beyond tolerance, 1 on a regression
// (the report names each offending syscall), 2 when an input cannot be read
// or the command line is wrong.
func (c *DiffCmd) Run(g *Globals) error {
	if c.Old == "-" && c.New == "-" {
		return usageError{"OLD and NEW cannot both be stdin"}
	}
	opts := emit.DiffOptions{TolerancePct: c.Tolerance, MinDelta: c.MinDelta, Ignore: c.Ignore, Only: c.Only}
	if c.Latency != nil {
		opts.GateLatency, opts.LatencyPct = true, *c.Latency
	}
	if opts.TolerancePct < 0 || opts.MinDelta < 0 || opts.LatencyPct < 0 {
		return usageError{"--tolerance, --min-delta and --latency cannot be negative"}
	}
	oldRows, err := readProfile(c.Old, g.Debug)
	if err != nil {
		return err
	}
	newRows, err := readProfile(c.New, g.Debug)
	if err != nil {
		return err
	}
	if opts.GateLatency {
		for _, side := range []struct {
			name string
			rows []parse.SummaryRow
		}{{c.Old, oldRows}, {c.New, newRows}} {
			if !emit.HasDurations(side.rows) {
				return usageError{side.name + " has no durations, which --latency needs — trace with strace -T, or with stracectl run"}
			}
		}
	}
	report := emit.Diff(oldRows, newRows, opts)
	if len(report.Unmatched) > 0 {
		return usageError{"--only names syscalls found in neither input: " + strings.Join(report.Unmatched, ", ")}
	}
	if c.JSON {
		err = report.WriteJSON(os.Stdout)
	} else {
		err = report.WriteText(os.Stdout)
	}
	if err != nil {
		return err
	}
	if regs := report.Regressions(); len(regs) > 0 {
		fmt.Fprintf(os.Stderr, "stracectl: syscall profile changed beyond tolerance: %s\n", strings.Join(regs, ", "))
		return exitError{1}
	}
	return nil
}

// readProfile reads one input of diff; any failure is a usageError (exit 2).
func readProfile(name string, debug bool) ([]parse.SummaryRow, error) {
	in := io.Reader(os.Stdin)
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, usageError{fmt.Sprintf("cannot read profile: %v", err)}
		}
		defer f.Close()
		in = f
	}
	var opts parse.Options
	if debug {
		opts.OnProblem = func(pr parse.Problem) { fmt.Fprintf(os.Stderr, "stracectl: %s: %s\n", name, pr.Error()) }
	}
	rd := parse.NewReader(in, opts)
	rows, err := emit.ReadProfile(rd)
	if err != nil {
		return nil, usageError{name + ": " + err.Error()}
	}
	if st := rd.LineCount(); st.Problems > 0 {
		fmt.Fprintf(os.Stderr, "stracectl: %s: %d of %d lines not understood (first: %s)\n", name, st.Problems, st.Lines, st.First.Error())
	}
	return rows, nil
}

func main() {
	// A closed stdout must end us quietly: with SIGPIPE notified, writes
	// fail with EPIPE instead of killing the process, and the handler does
	// not survive exec into a traced command.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)

	var cli CLI
	parser := kong.Must(&cli,
		kong.Name("stracectl"),
		kong.Description("Turn Linux system calls into a stream of events: JSON Lines or CSV, one per line, for jq, awk, databases and CI."),
		kong.Vars{"version": versionString()},
	)
	ctx, err := parser.Parse(os.Args[1:])
	if errors.Is(err, syscall.EPIPE) { // --help | head
		os.Exit(0)
	}
	if err != nil {
		// A command-line mistake: the message on stderr (stdout is for
		// events), status 2 as for other Unix tools and as diff documents.
		fmt.Fprintf(os.Stderr, "stracectl: %v (see: stracectl --help)\n", err)
		os.Exit(2)
	}
	err = ctx.Run(&Globals{Debug: cli.Debug})
	os.Exit(exitStatus(err))
}

// exitStatus prints err (when it has a message) and returns the status to
// exit with: 0 for success and for a closed output pipe, 2 for usage
// errors, the carried status for exitError, 1 otherwise.
func exitStatus(err error) int {
	var ee exitError
	var ue usageError
	var tu tracer.UsageError
	switch {
	case err == nil, errors.Is(err, syscall.EPIPE):
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue), errors.As(err, &tu):
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
