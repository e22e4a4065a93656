package main

// What stats does around the profile: it writes the profile only once
// every input has been read and merged, so that an input error leaves
// nothing behind (no blank profile in -o FILE to pass for a baseline), and
// it says on stderr when the input lacks what --by or --sort asked for.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/stracectl/stracectl/parse"
	"github.com/stracectl/stracectl/profile"
)

// profileInputs merges every input into one profile (see profile.Collect)
// and writes it to path (stdout for "" and "-"; a file replaced at once,
// see profile.WriteOutput) only when all went well. That the output can be
// written is checked before any input is read, without changing it.
func profileInputs(g *Globals, files []string, path string, by profile.GroupBy, sort profile.SortKey, format profile.Format) error {
	if err := probeOutput(path); err != nil {
		return fmt.Errorf("cannot write the profile: %w", err)
	}
	pump, stop := g.pump(true, parse.Options{})
	defer stop()
	prof, err := profile.Collect(pump, files, by)
	if err != nil {
		return err
	}
	noteMissing(os.Stderr, prof.Rows(), by, sort)
	return profile.WriteOutput(path, func(w io.Writer) error { return prof.Print(w, sort, format) })
}

// probeOutput checks that path can be written without changing it: an
// existing file is opened for writing (not truncated), a new one is tried
// as a temporary file beside it. Devices and FIFOs are left alone: opening
// a FIFO would wait for its reader, and hand it an early end of file.
func probeOutput(path string) error {
	if toStdout(path) {
		return nil
	}
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return fmt.Errorf("%s is a directory", path)
	case err == nil && !fi.Mode().IsRegular():
		return nil
	case err == nil:
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		return f.Close()
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".stracectl-probe-*")
	if err != nil {
		return fmt.Errorf("open %s: %w", path, errors.Unwrap(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// noteMissing says on diag when the input lacks what the grouping or the
// order needs: command names for --by comm (strace -Y and the eBPF backend
// give them; without, calls fall in the "?" row), durations for --sort
// p95 (strace -T and stracectl run give them; without, rows go by calls).
func noteMissing(diag io.Writer, rows []profile.Row, by profile.GroupBy, sort profile.SortKey) {
	if by == profile.ByComm {
		var unnamed, calls int64
		for _, r := range rows {
			calls += r.Calls
			if r.Comm != nil && *r.Comm == "" {
				unnamed += r.Calls
			}
		}
		switch {
		case unnamed > 0 && unnamed == calls:
			fmt.Fprintln(diag, "stracectl: --by comm: the input has no command names (strace -Y and the eBPF backend give them); every call is in the ? row")
		case unnamed > 0:
			fmt.Fprintf(diag, "stracectl: --by comm: %d of %d calls have no command name (strace -Y gives them); they are in the ? row\n", unnamed, calls)
		}
	}
	if sort == profile.SortP95 && len(rows) > 0 && !profile.HasDurations(rows) {
		fmt.Fprintln(diag, "stracectl: --sort p95: the input has no durations (strace -T and stracectl run give them); rows are sorted by calls")
	}
}
