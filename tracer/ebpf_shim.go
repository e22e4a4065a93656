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

// shimReadyFd is the pipe the tracer writes one byte to when it is ready;
// it closes it without writing when it failed.
const shimReadyFd = 3

// runShim waits for the tracer and execve's the command; it returns only
// with the exit status for a failure.
func runShim(args []string) int {
	if len(args) < 3 {
		fmt.Fprintln(os.Stderr, "stracectl: internal error: the shim needs a path and a command")
		return 1
	}
	var b [1]byte
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
