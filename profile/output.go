package profile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteOutput writes what write writes to the file path, or to stdout for
// "" and "-". A regular file (or a new one) is replaced at once, when all
// was written: the output goes to a temporary file beside it, which is
// synced and renamed over it, so that a failure (or a reader) never sees a
// partial profile, and a baseline is rewritten atomically; a symbolic link
// keeps pointing to the file it names. Other files (/dev/stdout, a FIFO)
// are written in place.
func WriteOutput(path string, write func(w io.Writer) error) error {
	if path == "" || path == "-" {
		return write(os.Stdout)
	}
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	fi, err := os.Stat(path)
	if err == nil && !fi.Mode().IsRegular() {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return fmt.Errorf("cannot write the profile: %w", err)
		}
		err = writeBuffered(f, write)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	mode := os.FileMode(0o644)
	if err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("cannot write the profile: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	err = writeBuffered(tmp, write)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("cannot write the profile to %s: %w", path, err)
	}
	return nil
}

// writeBuffered runs write on a buffer over f and flushes it.
func writeBuffered(f *os.File, write func(w io.Writer) error) error {
	bw := bufio.NewWriter(f)
	if err := write(bw); err != nil {
		return err
	}
	return bw.Flush()
}
