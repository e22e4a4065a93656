//go:build linux && (amd64 || arm64)

package tracer

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
)

// The shim is stracectl re-executed by the eBPF backend's Run with
// shimEnv set and the arguments "stracectl-shim PATH ARGV...": it waits
// until the tracer has added it to the traced tree, then execve's the
// command. It runs from an init function, before anything else of
// stracectl, on the main thread (the Go runtime keeps init there), so the
// execve comes from the traced thread group leader.
func init() {
	if os.Getenv(shimEnv) == "" {
		return
	}
	os.Exit(runShim(os.Args))
}

// The shim and the tracer talk over two pipes. The shim writes a byte to
// shimUpFd once it runs (its own execve of stracectl is over, so only the
// command's execve will end the pre-exec state the tracer then gives it);
// the tracer writes a byte to shimReadyFd when the shim is in the traced
// tree, or closes it without writing when it failed.
const (
	shimReadyFd = 3
	shimUpFd    = 4
)

// runShim waits for the tracer and execve's the command; it returns only
// with the exit status for a failure.
func runShim(args []string) int {
	if len(args) < 3 {
		fmt.Fprintln(os.Stderr, "stracectl: internal error: the shim needs a path and a command")
		return 1
	}
	b := [1]byte{1}
	syscall.Write(shimUpFd, b[:])
	syscall.Close(shimUpFd)
	n, err := syscall.Read(shimReadyFd, b[:])
	for errors.Is(err, syscall.EINTR) {
		n, err = syscall.Read(shimReadyFd, b[:])
	}
	syscall.Close(shimReadyFd)
	if n != 1 {
		return 1 // the tracer gave up and has said why
	}
	env := make([]string, 0, len(os.Environ()))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, shimEnv+"=") {
			env = append(env, kv)
		}
	}
	err = syscall.Exec(args[1], args[2:], env)
	fmt.Fprintf(os.Stderr, "stracectl: cannot run %s: %v\n", args[2], err)
	if errors.Is(err, syscall.ENOENT) {
		return 127
	}
	return 126
}
