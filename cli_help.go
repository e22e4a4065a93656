package main

// Help as in go, git and kubectl: `stracectl help [COMMAND]`, `stracectl
// version`, the help on stderr (status 2) when no command is given, and
// each command's --help with its defaults, exit statuses and the
// privileges it needs.

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/alecthomas/kong"
)

// HelpCommands are the commands about stracectl itself, listed last.
type HelpCommands struct {
	Help HelpCmd    `cmd:"" group:"other" help:"Show the help of stracectl or of a command."`
	Ver  VersionCmd `cmd:"" name:"version" group:"other" help:"Print the version."`
}

// HelpCmd prints the help of stracectl or of one command.
type HelpCmd struct {
	Command []string `arg:"" optional:"" name:"COMMAND" help:"The command to explain."`
}

// Run prints the help as --help would; kong exits once it is printed.
func (c *HelpCmd) Run(ctx *kong.Context) error {
	args := append(append([]string(nil), c.Command...), "--help")
	if _, err := ctx.Kong.Parse(args); err != nil {
		return usageError{fmt.Sprintf("help %s: %v", strings.Join(c.Command, " "), err)}
	}
	return nil
}

// VersionCmd prints the version, as --version does.
type VersionCmd struct{}

// Run prints the version.
func (VersionCmd) Run() error {
	_, err := fmt.Println(versionString())
	return err
}

// usageLine is implemented by the commands whose usage kong would write
// misleadingly: kong puts "[flags]" last, but run's flags must come before
// the command it traces.
type usageLine interface {
	usage() string
}

func (*RunCmd) usage() string    { return "run [flags] [--] CMD [ARGS...]" }
func (*AttachCmd) usage() string { return "attach [flags] PID [PID...]" }

// printHelp is kong's help with the usage lines of usageLine commands
// replaced, in the command list and in the command's own help.
func printHelp(options kong.HelpOptions, ctx *kong.Context) error {
	var buf bytes.Buffer
	out := ctx.Stdout
	ctx.Stdout = &buf
	err := kong.DefaultHelpPrinter(options, ctx)
	ctx.Stdout = out
	if err != nil {
		return err
	}
	text := buf.String()
	for _, node := range ctx.Model.Leaves(true) {
		if u, ok := node.Target.Addr().Interface().(usageLine); ok {
			text = strings.ReplaceAll(text, node.Summary(), u.usage())
		}
	}
	_, err = io.WriteString(out, text)
	return err
}

// parseErrorMessage is the line for a mistake on the command line, naming
// the help of the command it was made in.
func parseErrorMessage(err error) string {
	path := "stracectl"
	var pe *kong.ParseError
	if errors.As(err, &pe) && pe.Context != nil {
		if node := pe.Context.Selected(); node != nil {
			path = node.FullPath()
		}
	}
	return fmt.Sprintf("stracectl: %s (see: %s --help)", unknownFlagMessage(err.Error()), path)
}

// Help is the detail of parse --help.
func (*ParseCmd) Help() string {
	return `Reads strace's text output (strace -f -T -o FILE CMD, or a 2>&1 capture); each FILE is one strace run. With no FILE, or -, reads stdin; on a terminal it says so, and Ctrl-D ends the input.

Exit status: 0 success, also when lines were not understood (they are counted on stderr) and when the reader closed the pipe (| head); 1 an input that cannot be read, a failed or closed output, or with --strict a line not understood; 2 a usage error.

Needs no privileges.`
}

// Help is the detail of run --help.
func (*RunCmd) Help() string {
	return `Every flag of stracectl comes before the command: what follows the command is the command's. strace's -f, -T, -t, -tt and -ttt are accepted and change nothing (stracectl always follows children and records times and durations).

Signals: SIGINT, SIGTERM and SIGHUP are passed on to every traced process, also those that left the command's process group (setsid); what has not ended 2 s later is killed. If stracectl itself is killed (SIGKILL), the eBPF backend's command is killed with it, and the strace backend's command runs on untraced (see the README).

Exit status: the command's (128+N when signal N killed it); 127 when it is not found, 126 when it cannot be executed; 1 a failure of stracectl (with a message), or with --strict a lost event or a strace line not understood; 2 a usage error.

Privileges: --backend ebpf needs root, or CAP_BPF and CAP_PERFMON (setcap) and kernel BTF; --backend strace needs strace in PATH and nothing more. auto takes eBPF where it can load, else strace, and says so on stderr (-q hides that).`
}

// Help is the detail of attach --help.
func (*AttachCmd) Help() string {
	return `Traces each process with all its threads and the children they start, until they all exit or a signal (Ctrl-C) detaches, leaving them running. A PID that cannot be traced is reported and the others are traced, as strace does.

Exit status: 0 when the processes have exited or were detached; 1 when none of them can be traced, or stracectl failed (with a message), or with --strict a lost event or a strace line not understood; 2 a usage error (a PID that is not a positive number).

Privileges, on both backends: the right to ptrace each process (your own, with kernel.yama.ptrace_scope 0; or root, CAP_SYS_PTRACE); --backend ebpf also needs root, or CAP_BPF and CAP_PERFMON, and kernel BTF.`
}

// Help is the detail of stats --help.
func (*StatsCmd) Help() string {
	return `Each input is strace's text output, stracectl JSON Lines or a recorded profile (stats --json output), told apart by its content; stdin when no FILE is given (on a terminal it says so, and Ctrl-D ends the input). All inputs merge into one profile: each trace is one run, a recorded profile brings the runs it holds, and a profile of several runs gives each count its band per run (least..most). Latency columns need durations (strace -T, stracectl run); --by comm needs command names (strace -Y, the eBPF backend): stderr says when the input lacks them.

The profile is written once every input is read: when an input cannot be read, nothing is written, to stdout or to -o FILE.

Exit status: 0 success; 1 an input that cannot be read, or a failed output; 2 a usage error.

Needs no privileges.`
}

// Help is the detail of schema --help.
func (SchemaCmd) Help() string {
	return `Exit status: 0 success; 1 when stdout cannot be written.`
}

// version is set at build time with -ldflags "-X main.version=..."; without
// it the module version Go stamps from version control is used.
var version = ""

// versionString is the version -ldflags set, else the one Go stamped from
// version control (v0.0.0-DATE-REVISION, +dirty with local changes).
func versionString() string {
	if info, ok := debug.ReadBuildInfo(); ok && version == "" && info.Main.Version != "(devel)" {
		version = info.Main.Version
	}
	return cmp.Or(version, "devel")
}
