// Command stracectl turns Linux system calls into a structured stream: one
// event per line, as JSON Lines or CSV, from strace's text output (parse) or
// a traced command or process (run, attach), and syscall profiles of them
// (stats, diff, seccomp). This file is the command line: each command picks
// a source and a sink (package emit runs the pipeline between them) and
// turns errors into messages and exit statuses.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/stracectl/stracectl/emit"
	"github.com/stracectl/stracectl/parse"
	"github.com/stracectl/stracectl/profile"
	"github.com/stracectl/stracectl/tracer"
)

// Globals are the flags every command sees; each command's Run gets them.
type Globals struct {
	Debug   bool             `help:"Print every line that was not understood, and backend diagnostics, on stderr."`
	Version kong.VersionFlag `help:"Print the version and exit."`
}

// CLI is the command line.
type CLI struct {
	Globals
	Parse  ParseCmd  `cmd:"" group:"events" help:"Turn strace's text output (files or stdin) into events."`
	Run    RunCmd    `cmd:"" group:"events" help:"Trace a command and write its events; exit with its status."`
	Attach AttachCmd `cmd:"" group:"events" help:"Trace running processes until they exit or Ctrl-C detaches."`
	Schema SchemaCmd `cmd:"" group:"events" help:"Print the JSON Schema of an event."`
	Stats  StatsCmd  `cmd:"" group:"profiles" help:"Print a syscall profile (calls, errors, latency percentiles) of a trace, like strace -c."`
	Diff   DiffCmd   `cmd:"" group:"profiles" help:"Compare two syscall profiles; exit 1 on a change beyond tolerance (a CI gate)."`

	Seccomp SeccompCmd `cmd:"" group:"profiles" help:"Write the seccomp profile (OCI/Docker JSON) that allows the syscalls of traces, or check one against them."`

	HelpCommands
}

// OutputFlags choose how and where events are written.
type OutputFlags struct {
	JSON   bool    `xor:"format" group:"output" help:"Write JSON Lines (the default)."`
	CSV    bool    `xor:"format" group:"output" help:"Write CSV with a header row."`
	Format *string `xor:"format" enum:"json,csv" placeholder:"json|csv" group:"output" help:"Output format: json or csv."`
	Output string  `short:"o" placeholder:"FILE" group:"output" help:"Write events to FILE instead of stdout."`
	Raw    bool    `group:"output" help:"Add a \"raw\" field with the original strace line(s)."`
}

// open creates the output and the sink the flags ask for.
func (o *OutputFlags) open() (*emit.Output, error) {
	return emit.CreateEvents(o.Output, o.csv(), o.Raw)
}

// csv says whether CSV was asked for (--csv or --format csv).
func (o *OutputFlags) csv() bool { return o.CSV || o.Format != nil && *o.Format == "csv" }

// json says whether JSON was asked for by name (--json or --format json):
// events are JSON by default, a profile is a table.
func (o *OutputFlags) json() bool { return o.JSON || o.Format != nil && *o.Format == "json" }

// profileFormat is the format of a profile: a table, unless JSON or CSV
// was asked for.
func profileFormat(json, csv bool) profile.Format {
	switch {
	case json:
		return profile.JSON
	case csv:
		return profile.CSV
	}
	return profile.Table
}

// ParseCmd reads strace text and writes events.
type ParseCmd struct {
	OutputFlags
	Strict bool     `help:"Exit with status 1 when any line was not understood."`
	Files  []string `arg:"" optional:"" name:"FILE" help:"strace output to read; - or none for stdin."`
}

// Run parses each input in turn (each with its own parser: a file is one
// strace run) into one output.
func (c *ParseCmd) Run(g *Globals) error {
	emit.TuneGCForStreaming()
	out, err := c.open()
	if err != nil {
		return err
	}
	pump, stop := g.pump(len(c.Files) > 1, parse.Options{Raw: c.Raw})
	defer stop()
	err = emit.Run(pump, c.Files, out, parse.NewParser, summaryNotice)
	if err == nil && c.Strict && pump.Problems() > 0 {
		err = exitError{1}
	}
	return err
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
	JSON   bool     `xor:"format" help:"Write one JSON object per group per line (no total row)."`
	CSV    bool     `xor:"format" help:"Write CSV with a header row (no total row)."`
	Output string   `short:"o" placeholder:"FILE" help:"Write the profile to FILE instead of stdout."`
	Files  []string `arg:"" optional:"" name:"FILE" help:"strace output, stracectl JSON Lines or stats --json profiles, told apart per input and merged (each trace is one run); - or none for stdin."`
}

// Run merges every input into one profile and prints it, also when a
// signal (Ctrl-C) stopped the reading; nothing when an input failed.
func (c *StatsCmd) Run(g *Globals) error {
	return profileInputs(g, c.Files, c.Output, profile.GroupBy(c.By), profile.SortKey(c.Sort), profileFormat(c.JSON, c.CSV))
}

// DiffCmd compares two syscall profiles.
type DiffCmd struct {
	Tolerance float64  `default:"10" placeholder:"PCT" help:"A count must change by more than PCT percent of the old count (and more than --min-delta) to fail (default: ${default})."`
	MinDelta  int64    `name:"min-delta" default:"5" placeholder:"N" help:"A count must change by more than N (and more than --tolerance) to fail (default: ${default})."`
	Ignore    []string `placeholder:"SYSCALLS" help:"Leave out these syscalls, comma-separated (e.g. futex, which varies run to run)."`
	Only      []string `placeholder:"SYSCALLS" help:"Compare only these syscalls, comma-separated."`
	Latency   *float64 `placeholder:"PCT" help:"Also fail when a syscall's p95 latency grows by more than PCT percent (needs durations on both sides)."`
	JSON      bool     `xor:"report" help:"Write one JSON object per change instead of a table."`
	Old       string   `arg:"" name:"OLD" help:"The baseline: strace output, stracectl JSON Lines, or stats --json output (of one run or several)."`
	New       string   `arg:"" name:"NEW" help:"The profile to check, in any of the same forms."`

	GateFlags
}

// Help is the detail of diff --help.
func (c *DiffCmd) Help() string {
	return `Each input may be strace output, stracectl JSON Lines events, or the output of stats --json (a recorded baseline), mixed freely; only syscall names, counts, errnos and durations matter, never pids, addresses or timestamps.

Per syscall it compares calls, errors and failures per errno, and with --latency the p95 latency. A baseline merged from several runs (stats --json RUN...) gives each count a band, the least and most in one run: a count inside the band passes, and outside it only fails when it is beyond the band by more than --tolerance percent and more than --min-delta; a syscall absent from some baseline runs is flaky and never fails.

Each rule has a severity, fail, warn or ignore, set by --new-syscall, --new-errno, --count, --vanished, --slower or a --policy file: by default a new syscall, a new errno on a syscall, a count beyond tolerance and a slower p95 fail, a vanished syscall warns.

Exit status: 0 nothing fails (also with --advisory, and after --update), 1 a regression (each failing syscall is named), 2 an unreadable input or a usage error.`
}

// Run exits 0 when nothing fails, 1 on a change whose rule fails (the
// report names each failing syscall), 2 when an input cannot be read or the
// command line is wrong.
func (c *DiffCmd) Run(g *Globals) error {
	opts := profile.DiffOptions{TolerancePct: c.Tolerance, MinDelta: c.MinDelta, Ignore: c.Ignore, Only: c.Only}
	if c.Latency != nil {
		opts.GateLatency, opts.LatencyPct = true, *c.Latency
	}
	if err := c.GateFlags.apply(&opts); err != nil {
		return usageError{err.Error()}
	}
	report, err := profile.Compare(emit.Pump{Debug: g.Debug, Named: true, Noun: "profile"}, c.Old, c.New, opts)
	if err != nil {
		return usageError{err.Error()}
	}
	write := report.WriteText
	switch {
	case c.JSON:
		write = report.WriteJSON
	case c.Markdown:
		write = report.WriteMarkdown
	}
	if err := write(os.Stdout); err != nil {
		return err
	}
	return c.GateFlags.finish(report, c.Old, c.New)
}

// pump returns the pump of a command that reads inputs until they end or
// a signal stops it; named names the input in what it reports.
func (g *Globals) pump(named bool, opts parse.Options) (*emit.Pump, context.CancelFunc) {
	ctx, stop := interrupts()
	return &emit.Pump{Options: opts, Debug: g.Debug, Named: named, Interrupt: ctx}, stop
}

// interrupts is the one signal policy (see tracer.NotifyContext): run and
// attach pass the signal on to what they trace; parse and stats stop
// reading (except from a pipe: see emit.Pump) and write what they read.
func interrupts() (context.Context, context.CancelFunc) {
	return tracer.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
}

// usageError is a mistake on the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// exitError carries an exit status other than 0 without a message of its
// own (the reason was already printed, or the status is the traced
// command's).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	// A closed stdout must end us quietly: with SIGPIPE notified, writes
	// fail with EPIPE instead of killing the process, and the handler does
	// not survive exec into a traced command.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)

	// No command at all: the help, on stderr as a usage error (as go does).
	args, helpOut, helpStatus := os.Args[1:], io.Writer(os.Stdout), 0
	if len(args) == 0 {
		args, helpOut, helpStatus = []string{"--help"}, os.Stderr, 2
	}
	var cli CLI
	parser := kong.Must(&cli,
		kong.Name("stracectl"),
		kong.Description("Turn Linux system calls into a stream of events: JSON Lines or CSV, one per line, for jq, awk, databases and CI."),
		kong.Vars{"version": versionString()},
		kong.Groups{"events": "Events:", "profiles": "Syscall profiles:", "other": "Other:", "output": "Output:", "tracing": "Tracing:", "summary": "Summary:", "rules": "Rules:"},
		kong.Help(printHelp),
		kong.Writers(helpOut, os.Stderr),
		kong.Exit(func(code int) { os.Exit(max(code, helpStatus)) }),
	)
	ctx, err := parser.Parse(args)
	if errors.Is(err, syscall.EPIPE) { // --help | head
		os.Exit(0)
	}
	if err != nil {
		// A command-line mistake: the message on stderr (stdout is for
		// events), status 2 as for other Unix tools and as diff documents.
		fmt.Fprintln(os.Stderr, parseErrorMessage(err))
		os.Exit(2)
	}
	if err := checkStdio(ctx.Selected().Target.Addr().Interface()); err != nil {
		os.Exit(statusOf(err))
	}
	os.Exit(statusOf(ctx.Run(&cli.Globals)))
}

// statusOf prints err (when it has a message) and returns the status to
// exit with: 0 for success and for a closed output pipe, 2 for usage
// errors, the carried status for exitError, 1 otherwise.
func statusOf(err error) int {
	var ee exitError
	switch {
	case err == nil, errors.Is(err, syscall.EPIPE):
		return 0
	case errors.As(err, &ee):
		return ee.code
	}
	fmt.Fprintln(os.Stderr, "stracectl:", err)
	if errors.As(err, new(usageError)) || errors.As(err, new(tracer.UsageError)) {
		return 2
	}
	return 1
}
