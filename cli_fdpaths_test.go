package main

import (
	"regexp"
	"strings"
	"testing"
)

// -y shows file descriptors with their paths on both backends, as strace
// does: 3</etc/hostname>, AT_FDCWD</the/working/dir>, [3<pipe:[123]>, 4<pipe:[123]>].
func TestFdPaths(t *testing.T) {
	pipePair := regexp.MustCompile(`^\[\d+<pipe:\[\d+\]>, \d+<pipe:\[\d+\]>\]$`)
	forEachBackend(t, func(t *testing.T, backend string) {
		dir := t.TempDir()
		res := runStracectlIn(t, dir, nil, "run", "--backend", backend, "-y", "--", "sh", "-c", "cat /etc/hostname | cat >/dev/null")
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		var opened, read, cwd, pipe bool
		for _, ev := range decodeEvents(t, res.stdout) {
			switch {
			case ev.Syscall == "openat" && len(ev.Args) > 1 && ev.Args[1] == `"/etc/hostname"`:
				opened = ev.Ret != nil && strings.HasSuffix(*ev.Ret, "</etc/hostname>")
				cwd = ev.Args[0] == "AT_FDCWD<"+dir+">"
			case ev.Syscall == "read" && len(ev.Args) > 0 && strings.HasSuffix(ev.Args[0], "</etc/hostname>"):
				read = true
			case (ev.Syscall == "pipe" || ev.Syscall == "pipe2") && len(ev.Args) > 0:
				pipe = pipePair.MatchString(ev.Args[0])
			}
		}
		if !opened || !read || !cwd || !pipe {
			t.Errorf("openat's result with its path %v, read's descriptor with its path %v, AT_FDCWD with the working directory %v, pipe's pair with pipe:[inode] %v; want all\n%s", opened, read, cwd, pipe, res.stdout)
		}
	})
}
