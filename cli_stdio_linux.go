//go:build linux

package main

import (
	"golang.org/x/sys/unix"
)

// stdoutClosed says whether stracectl was started with stdout closed
// (`>&-`). The Go runtime then opens /dev/null in its place, read-write,
// before main runs, so that writes would vanish with no error; a shell's
// `>/dev/null` opens it write-only. Only `1<>/dev/null` looks the same,
// and it too discards what is written.
func stdoutClosed() bool {
	var out, null unix.Stat_t
	if unix.Fstat(1, &out) != nil {
		return true
	}
	flags, err := unix.FcntlInt(1, unix.F_GETFL, 0)
	if err != nil || unix.Stat("/dev/null", &null) != nil {
		return err != nil
	}
	return out.Mode&unix.S_IFMT == unix.S_IFCHR && out.Rdev == null.Rdev && flags&unix.O_ACCMODE == unix.O_RDWR
}

// stdinIsTerminal says whether stdin is a terminal.
func stdinIsTerminal() bool {
	_, err := unix.IoctlGetTermios(0, unix.TCGETS)
	return err == nil
}
