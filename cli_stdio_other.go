//go:build !linux

package main

// stdoutClosed cannot tell a closed stdout from /dev/null here: Linux
// alone is checked (see cli_stdio_linux.go).
func stdoutClosed() bool { return false }

// stdinIsTerminal is false here: the hint for a terminal is given on
// Linux alone.
func stdinIsTerminal() bool { return false }
