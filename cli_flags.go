package main

// The flags of run and attach that strace users type from habit, the PID
// list of attach, sizes with units, and the hints given for strace flags
// that stracectl does not take.

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/alecthomas/kong"
)

// StraceHabits are strace flags whose effect stracectl always has: -f
// (every child is followed), -T (durations), -t/-tt/-ttt (times). They are
// accepted so that a strace command line works as typed, and hidden from
// the help, which would only repeat that they change nothing.
type StraceHabits struct {
	Follow     int `short:"f" name:"follow-forks" type:"counter" hidden:"" help:"strace -f: always on."`
	Durations  int `short:"T" name:"syscall-times" type:"counter" hidden:"" help:"strace -T: always on."`
	Timestamps int `short:"t" name:"absolute-timestamps" type:"counter" hidden:"" help:"strace -t, -tt, -ttt: always on."`
}

// note says, on diag, what differs from strace for a habit that does not
// mean quite the same here: -ff writes one file per process under strace.
func (h *StraceHabits) note(diag io.Writer, output string) {
	if h.Follow > 1 && output != "" && output != "-" {
		fmt.Fprintf(diag, "stracectl: -ff: the events of every process go to %s, told apart by their pid field (strace would write one file per process)\n", output)
	}
}

// parsePIDs turns attach's arguments and -p values into PIDs: each may be
// a comma-separated list, as strace's -p takes. Anything that is not a
// positive decimal number is a usage error naming it, so that `attach --
// -5` is not taken for a process.
func parsePIDs(lists ...[]string) ([]int, error) {
	var pids []int
	for _, list := range lists {
		for _, arg := range list {
			for field := range strings.SplitSeq(arg, ",") {
				field = strings.TrimSpace(field)
				if field == "" {
					continue
				}
				pid, err := strconv.Atoi(field)
				if err != nil || pid <= 0 {
					return nil, usageError{fmt.Sprintf("%q is not a PID — give the id of a running process, a positive number (several: PID PID, PID,PID or -p PID -p PID)", field)}
				}
				pids = append(pids, pid)
			}
		}
	}
	if len(pids) == 0 {
		return nil, usageError{"no process to attach to — give one or more PIDs: stracectl attach PID [PID...]"}
	}
	return pids, nil
}

// byteSize is a size in bytes given as a number with an optional binary
// unit: 16777216, 16M, 16MiB, 512k.
type byteSize int

// Decode reads a byteSize from the command line.
func (b *byteSize) Decode(ctx *kong.DecodeContext) error {
	var text string
	if err := ctx.Scan.PopValueInto("size", &text); err != nil {
		return err
	}
	n, err := parseByteSize(text)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

// parseByteSize reads a number of bytes with an optional unit: K, M or G
// (powers of 1024), alone or followed by "iB" or "B".
func parseByteSize(text string) (int, error) {
	digits := strings.TrimRightFunc(text, func(r rune) bool { return r < '0' || r > '9' })
	unit := strings.ToUpper(strings.TrimSpace(text[len(digits):]))
	shift := 0
	switch strings.TrimSuffix(strings.TrimSuffix(unit, "B"), "I") {
	case "":
		if unit != "" && unit != "B" {
			return 0, fmt.Errorf("%q: not a size — give bytes, or a number with K, M or G (e.g. 16MiB)", text)
		}
	case "K":
		shift = 10
	case "M":
		shift = 20
	case "G":
		shift = 30
	default:
		return 0, fmt.Errorf("%q: not a size — give bytes, or a number with K, M or G (e.g. 16MiB)", text)
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n <= 0 || n > (1<<31-1)>>shift {
		return 0, fmt.Errorf("%q: not a size — give a positive number of bytes below 2 GiB, or a number with K, M or G (e.g. 16MiB)", text)
	}
	return n << shift, nil
}

// straceFlagHints tell a strace user, after "unknown flag", what stracectl
// offers instead of a strace flag it does not take.
var straceFlagHints = map[string]string{
	"-C": "for strace -C's events and table, pipe the events into stracectl stats (--summary, -c, prints the table alone)",
	"-p": "to trace a running process, use stracectl attach PID",
	"-z": "stracectl can keep only failed calls (-Z, --failed), not only successful ones",
}

// unknownFlagMessage rewrites kong's message for an unknown flag: a short
// flag gets strace's hint, if any, instead of kong's list of every short
// flag (each one letter away); a long one keeps kong's closest names.
func unknownFlagMessage(msg string) string {
	rest, ok := strings.CutPrefix(msg, "unknown flag -")
	if !ok || strings.HasPrefix(rest, "-") {
		return msg
	}
	flag, _, _ := strings.Cut(rest, ",")
	flag = "-" + flag
	if hint := straceFlagHints[flag]; hint != "" {
		return "unknown flag " + flag + ": " + hint
	}
	return "unknown flag " + flag
}
