package main

// What a command checks of its stdin and stdout before it starts: a closed
// stdout is an error, as it is for cat, rather than output thrown away with
// status 0; a terminal on stdin gets a hint, rather than a silent wait.

import (
	"errors"
	"fmt"
	"os"
	"slices"
)

// stdoutUser is a command that writes its result to stdout, given its
// flags.
type stdoutUser interface {
	writesStdout() bool
}

// stdinReader is a command that may read stdin: it says whether it will
// (no file, or -), and what it expects there.
type stdinReader interface {
	readsStdin() (will bool, what string)
}

func toStdout(path string) bool { return path == "" || path == "-" }

func (c *ParseCmd) writesStdout() bool  { return toStdout(c.Output) }
func (c *RunCmd) writesStdout() bool    { return toStdout(c.Output) }
func (c *AttachCmd) writesStdout() bool { return toStdout(c.Output) }
func (c *StatsCmd) writesStdout() bool  { return toStdout(c.Output) }
func (*DiffCmd) writesStdout() bool     { return true }
func (SchemaCmd) writesStdout() bool    { return true }
func (VersionCmd) writesStdout() bool   { return true }

func (c *ParseCmd) readsStdin() (bool, string) {
	return len(c.Files) == 0 || slices.Contains(c.Files, "-"), "strace output"
}

func (c *StatsCmd) readsStdin() (bool, string) {
	return len(c.Files) == 0 || slices.Contains(c.Files, "-"), "strace output, stracectl JSON Lines or stats --json output"
}

// errStdoutClosed is the error of a command started with stdout closed.
var errStdoutClosed = errors.New("stdout is closed: what this command writes there would be lost (redirect it: >FILE, or >/dev/null to discard it)")

// checkStdio runs before the command cmd (the selected kong target): it
// refuses a closed stdout that the command would write to, and says on
// stderr how to end the input when the command is about to read a
// terminal.
func checkStdio(cmd any) error {
	if u, ok := cmd.(stdoutUser); ok && u.writesStdout() && stdoutClosed() {
		return errStdoutClosed
	}
	if r, ok := cmd.(stdinReader); ok {
		if will, what := r.readsStdin(); will && stdinIsTerminal() {
			fmt.Fprintf(os.Stderr, "stracectl: reading %s from the terminal (stdin): paste it, then Ctrl-D; or give a FILE\n", what)
		}
	}
	return nil
}
