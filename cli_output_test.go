package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// When the output fails, both backends follow one rule: the command runs
// on, untraced (the strace backend: its events dropped, as strace cannot
// let go of a command it started), and its exit status is ours — or 1,
// with a message, for an output error other than a closed pipe.

// outputFailureCommand is a command that waits for a line on its stdin,
// then leaves a file behind (proof that it ran on) and exits 7.
func outputFailureCommand(done string) []string {
	return []string{"sh", "-c", `read line; echo ran-on > "$1"; exit 7`, "sh", done}
}

func TestRunOutputClosedPipe(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		done := filepath.Join(t.TempDir(), "done")
		cmd, stdin, stdout, stderr := startPiped(t, append([]string{"run", "--backend", backend, "--"}, outputFailureCommand(done)...)...)
		// The first event, then the reader goes away, as `| head -1` does.
		if !bufio.NewScanner(stdout).Scan() {
			t.Fatal("no event")
		}
		stdout.Close()
		stdin.Write([]byte("go\n"))
		stdin.Close()
		code := exitCode(t, cmd.Wait())
		if code != 7 {
			t.Errorf("exit status %d, want the command's 7; stderr:\n%s", code, stderr)
		}
		if data, err := os.ReadFile(done); err != nil || string(data) != "ran-on\n" {
			t.Errorf("the command did not run on after the pipe closed: %v %q", err, data)
		}
		if strings.Contains(stderr.String(), "broken pipe") {
			t.Errorf("a closed pipe is no error of ours, but stderr says:\n%s", stderr)
		}
	})
}

func TestRunOutputFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	forEachBackend(t, func(t *testing.T, backend string) {
		done := filepath.Join(t.TempDir(), "done")
		cmd := exec.Command(stracectlBin, append([]string{"run", "--backend", backend, "-o", "/dev/full", "--"}, outputFailureCommand(done)...)...)
		cmd.Stdin = strings.NewReader("go\n")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		code := exitCode(t, cmd.Run())
		if code != 1 || !strings.Contains(stderr.String(), "no space left on device") {
			t.Errorf("exit status %d, stderr %q; want 1 and the output's error", code, &stderr)
		}
		if data, err := os.ReadFile(done); err != nil || string(data) != "ran-on\n" {
			t.Errorf("the command did not run on after the output failed: %v %q", err, data)
		}
	})
}

// TestFatalSignalAsStraceShowsIt: a process killed by a signal it does not
// handle shows that signal once, and no SIGKILL that ptrace would never
// report (the kernel ends an untraced group with SIGKILL).
func TestFatalSignalAsStraceShowsIt(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		res := runStracectl(t, nil, "run", "--backend", backend, "--", "sh", "-c", "kill -USR1 $$")
		if res.code != 128+10 {
			t.Fatalf("exit status %d, want 138 (SIGUSR1); stderr:\n%s", res.code, res.stderr)
		}
		var signals []string
		var exitSignal string
		for _, ev := range decodeEvents(t, res.stdout) {
			switch ev.Kind {
			case "signal":
				signals = append(signals, ev.Signal)
			case "exit":
				exitSignal = ev.Signal
			}
		}
		if strings.Join(signals, ",") != "SIGUSR1" || exitSignal != "SIGUSR1" {
			t.Errorf("signal events %v and an exit by %q; want one SIGUSR1 and an exit by SIGUSR1", signals, exitSignal)
		}
	})
}

// TestEBPFCommFollowsRenames: a task's name in events is its name at the
// call, after a rename by a write to /proc/PID/comm and by exec (the
// programs read it from the task on every call). The strace backend names
// tasks by pid only.
func TestEBPFCommFollowsRenames(t *testing.T) {
	needEBPF(t)
	res := runStracectl(t, nil, "run", "--backend", "ebpf", "--", "sh", "-c", "printf renamed > /proc/self/comm; printf x > /dev/null; exec true")
	if res.code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", res.code, res.stderr)
	}
	var seen []string
	for _, ev := range decodeEvents(t, res.stdout) {
		if ev.Kind == "syscall" && (len(seen) == 0 || seen[len(seen)-1] != ev.Comm) {
			seen = append(seen, ev.Comm)
		}
	}
	// Each execve returns in the program it started (sh, then true); the
	// renaming write returns renamed.
	if got, want := strings.Join(seen, " "), "sh renamed true"; got != want {
		t.Errorf("the names of the calls in order: %q, want %q", got, want)
	}
}
