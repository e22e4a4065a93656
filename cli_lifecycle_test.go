package main

// What run leaves behind when it is stopped: a signal stops every traced
// process, also a daemon that left the command's process group; SIGKILL,
// which stracectl cannot pass on, ends the command on the eBPF backend and
// leaves it running untraced on the strace backend (see the README).

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// procStat returns the command name, state and session of pid from
// /proc/PID/stat; ok is false when the process is gone.
func procStat(pid int) (comm string, state byte, session int, ok bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", 0, 0, false
	}
	open, end := strings.IndexByte(string(data), '('), strings.LastIndexByte(string(data), ')')
	fields := strings.Fields(string(data[end+1:])) // state ppid pgrp session ...
	if open < 0 || end < open || len(fields) < 4 {
		return "", 0, 0, false
	}
	session, err = strconv.Atoi(fields[3])
	return string(data[open+1 : end]), fields[0][0], session, err == nil
}

// running says whether pid is a live process (not gone, not a zombie).
func running(pid int) bool {
	_, state, _, ok := procStat(pid)
	return ok && state != 'Z'
}

// startRunPrintingPid starts `stracectl run` of a shell script that prints
// a pid on its first line, and returns stracectl and that pid, once the
// process runs comm. The process is killed when the test ends.
func startRunPrintingPid(t *testing.T, backend, script, comm string) (*exec.Cmd, int) {
	t.Helper()
	events := filepath.Join(t.TempDir(), "events")
	cmd := exec.Command(stracectlBin, "run", "--backend", backend, "-o", events, "--", "sh", "-c", script)
	stdout, err := cmd.StdoutPipe() // the command's: -o leaves it alone
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	pid, perr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || perr != nil {
		t.Fatalf("the script printed %q (%v), not a pid", line, err)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	waitFor(t, "the process to run "+comm, func() bool {
		c, _, _, _ := procStat(pid)
		return c == comm
	})
	return cmd, pid
}

// TestRunSignalStopsDaemonsThatLeftTheGroup: a traced command starts a
// daemon that calls setsid, leaving the process group a signal to the
// group reaches. SIGTERM to stracectl stops it too: when stracectl has
// exited, nothing it traced runs.
func TestRunSignalStopsDaemonsThatLeftTheGroup(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		// setsid(1) calls setsid() itself (a background job of sh is not a
		// group leader), then runs sleep: $! is the daemon.
		cmd, daemon := startRunPrintingPid(t, backend, "setsid sleep 1000 & echo $!; wait", "sleep")
		waitFor(t, "the daemon to lead a session of its own", func() bool {
			_, _, session, _ := procStat(daemon)
			return session == daemon
		})
		if backend == "strace" {
			waitFor(t, "strace to trace the daemon", func() bool { return procStatus(t, daemon, "TracerPid") != "0" })
		}
		_, status := signalAndTime(t, cmd, syscall.SIGTERM)
		if status != 128+int(syscall.SIGTERM) {
			t.Errorf("exit status %d, want %d (the command killed by SIGTERM)", status, 128+syscall.SIGTERM)
		}
		if running(daemon) {
			t.Errorf("the daemon %d (setsid) still runs after stracectl ended", daemon)
		}
	})
}

// TestRunKilledStracectl: SIGKILL to stracectl. On the eBPF backend the
// command dies with it (PR_SET_PDEATHSIG); on the strace backend strace
// dies with it, and the kernel detaches the command, which runs on
// untraced (strace 6.1 has no way to make its tracees die with it).
func TestRunKilledStracectl(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		cmd, pid := startRunPrintingPid(t, backend, "echo $$; exec sleep 1000", "sleep")
		if backend == "strace" {
			waitFor(t, "strace to trace the command", func() bool { return procStatus(t, pid, "TracerPid") != "0" })
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		switch backend {
		case "ebpf":
			waitFor(t, "the command to die with stracectl", func() bool { return !running(pid) })
		case "strace":
			waitFor(t, "strace to die with stracectl and the command to be detached", func() bool {
				return !running(pid) || procStatus(t, pid, "TracerPid") == "0"
			})
			if !running(pid) {
				t.Errorf("the command died with strace; the README says it runs on untraced")
			}
		}
	})
}
