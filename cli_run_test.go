package main

// End-to-end tests of `stracectl run` and `stracectl attach` with the
// strace backend: the built binary traces the C workload (and sh, sleep)
// under the real strace, and the tests check the events it writes, its exit
// status and what it leaves running.

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// missingPath is the file testdata/workload.c fails to open.
const missingPath = `"/nonexistent/stracectl-workload"`

// traceCounts summarises a workload's trace.
type traceCounts struct {
	getppid, missingOpens int
	getppidPids           map[int64]bool
}

func countTrace(events []event) traceCounts {
	c := traceCounts{getppidPids: map[int64]bool{}}
	for _, ev := range events {
		switch {
		case ev.Kind != "syscall":
		case ev.Syscall == "getppid":
			c.getppid++
			c.getppidPids[ev.Pid] = true
		case ev.Syscall == "openat" && len(ev.Args) > 1 && ev.Args[1] == missingPath && ev.Errno == "ENOENT":
			c.missingOpens++
		}
	}
	return c
}

func TestRunWorkloadCounts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		wl := needWorkload(t)
		const n, m, k, status = 25, 4, 3, 7
		workload := []string{wl, fmt.Sprintf("getppid=%d", n), fmt.Sprintf("openat=%d", m), fmt.Sprintf("fork=%d", k), "say=from-the-program", fmt.Sprintf("exit=%d", status)}
		for _, tc := range []struct {
			name            string
			flags           []string
			getppid, openat int
			pids            int
			onlySyscalls    []string // when set, no other call may be traced
			failuresOnly    bool
		}{
			{"all calls", nil, n * (k + 1), m, k + 1, nil, false},
			{"-e getppid,openat", []string{"-e", "getppid,openat"}, n * (k + 1), m, k + 1, []string{"getppid", "openat"}, false},
			{"-e %process", []string{"-e", "%process"}, 0, 0, 0, []string{"execve", "clone", "wait4", "exit_group"}, false},
			{"--failed", []string{"--failed"}, 0, m, 0, nil, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				args := append(append([]string{"run", "--backend", backend}, tc.flags...), "--")
				res := runStracectl(t, nil, append(args, workload...)...)
				if res.code != status {
					t.Fatalf("exit status %d, want the workload's %d; stderr:\n%s", res.code, status, res.stderr)
				}
				if !bytes.Contains(res.stderr, []byte("from-the-program\n")) {
					t.Errorf("the program's stdout did not reach our stderr; stderr:\n%s", res.stderr)
				}
				events := decodeTrace(t, res.stdout) // so no line of the program's
				for _, ev := range events {
					if ev.Kind != "syscall" {
						continue
					}
					if tc.onlySyscalls != nil && !slices.Contains(tc.onlySyscalls, ev.Syscall) {
						t.Errorf("%s traced, want only %v", ev.Syscall, tc.onlySyscalls)
					}
					if tc.failuresOnly && ev.Errno == "" {
						t.Errorf("a call that succeeded was kept: %+v", ev)
					}
				}
				if last := events[len(events)-1]; last.Kind != "exit" || last.ExitCode == nil || *last.ExitCode != status {
					t.Errorf("the trace does not end with the workload's exit %d: %+v", status, last)
				}
				c := countTrace(events)
				if c.getppid != tc.getppid || c.missingOpens != tc.openat || len(c.getppidPids) != tc.pids {
					t.Errorf("got %d getppid from %d pids and %d failed openat of %s; want %d from %d pids and %d",
						c.getppid, len(c.getppidPids), c.missingOpens, missingPath, tc.getppid, tc.pids, tc.openat)
				}
			})
		}
	})
}

func TestRunToFileLeavesProgramOutputAlone(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		wl := needWorkload(t)
		for _, tc := range []struct {
			name   string
			format string
		}{{"json", "--json"}, {"csv", "--csv"}} {
			t.Run(tc.name, func(t *testing.T) {
				file := filepath.Join(t.TempDir(), "trace")
				res := runStracectl(t, nil, "run", "--backend", backend, tc.format, "-o", file, "--", wl, "getppid=9", "say=program-output")
				if res.code != 0 {
					t.Fatalf("exit status %d; stderr:\n%s", res.code, res.stderr)
				}
				if string(res.stdout) != "program-output\n" {
					t.Errorf("with -o FILE our stdout should be the program's alone, got %q", res.stdout)
				}
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				getppid := 0
				if tc.format == "--json" {
					getppid = countTrace(decodeTrace(t, data)).getppid
				} else {
					rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
					if err != nil || len(rows) == 0 {
						t.Fatalf("reading the CSV: %v", err)
					}
					col := slices.Index(rows[0], "syscall")
					if col < 0 {
						t.Fatalf("no syscall column in the header %v", rows[0])
					}
					for _, row := range rows[1:] {
						if row[col] == "getppid" {
							getppid++
						}
					}
				}
				if getppid != 9 {
					t.Errorf("%d getppid events in %s, want 9", getppid, tc.name)
				}
			})
		}
	})
}

func TestRunExitStatus(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		dir := t.TempDir()
		plain := filepath.Join(dir, "plain")
		if err := os.WriteFile(plain, []byte("data\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name    string
			argv    []string
			status  int
			message string
		}{
			{"exit 7", []string{"sh", "-c", "exit 7"}, 7, ""},
			{"killed by SIGTERM", []string{"sh", "-c", "kill -TERM $$"}, 128 + 15, ""},
			{"killed by SIGUSR1", []string{"sh", "-c", "kill -USR1 $$"}, 128 + 10, ""},
			{"command not found", []string{"stracectl-no-such-command"}, 127, "stracectl-no-such-command: command not found"},
			{"no such file", []string{"./no-such-file"}, 127, "./no-such-file: No such file or directory"},
			{"a directory", []string{dir}, 126, dir + ": Is a directory"},
			{"not executable", []string{plain}, 126, plain + ": Permission denied"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := runStracectl(t, nil, append([]string{"run", "--backend", backend, "--"}, tc.argv...)...)
				if res.code != tc.status {
					t.Errorf("exit status %d, want %d; stderr:\n%s", res.code, tc.status, res.stderr)
				}
				if !bytes.Contains(res.stderr, []byte(tc.message)) {
					t.Errorf("stderr lacks %q:\n%s", tc.message, res.stderr)
				}
				decodeTrace(t, res.stdout)
			})
		}
	})
}

// TestRunStraceFailure: when strace itself fails before the command runs,
// its message is shown and stracectl exits 1. A stand-in strace fails as
// strace does on a bad option.
func TestRunStraceFailure(t *testing.T) {
	dir := t.TempDir()
	fake := "#!/bin/sh\necho \"strace: invalid option -- 'Q'\" >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(dir, "strace"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(stracectlBin, "run", "--backend", "strace", "--", "true")
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if code := exitCode(t, cmd.Run()); code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	for _, want := range []string{"strace: invalid option", "strace failed (exit status 1)"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, &stderr)
		}
	}
}

// TestRunUnknownSyscall: an unknown -e name is a usage error on every
// backend, found before anything starts, with the closest name.
func TestRunUnknownSyscall(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		res := runStracectl(t, nil, "run", "--backend", backend, "-e", "trace=opneat", "--", "true")
		if res.code != 2 || !bytes.Contains(res.stderr, []byte(`unknown syscall or class "opneat" in -e — did you mean openat?`)) || len(res.stdout) != 0 {
			t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing traced, and the closest name", res.code, res.stdout, res.stderr)
		}
	})
}

func TestRunDebugShowsStraceCommand(t *testing.T) {
	needStrace(t)
	res := runStracectl(t, nil, "--debug", "run", "--backend", "strace", "-s", "64", "--", "true")
	if res.code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", res.code, res.stderr)
	}
	if !regexp.MustCompile(`stracectl: running (TZ=\S+ )?\S*strace -f -T -q -ttt -o /proc/\d+/fd/\d+ -s 64 (-E TZ )?-- true\n`).Match(res.stderr) {
		t.Errorf("--debug does not show the strace command line:\n%s", res.stderr)
	}
}

func TestStraceMissing(t *testing.T) {
	empty := t.TempDir()
	for _, args := range [][]string{
		{"run", "--backend", "strace", "--", "/bin/true"},
		{"attach", "--backend", "strace", "1"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			cmd := exec.Command(stracectlBin, args...)
			cmd.Env = append(os.Environ(), "PATH="+empty)
			out, err := cmd.CombinedOutput()
			if code := exitCode(t, err); code != 1 {
				t.Errorf("exit status %d, want 1", code)
			}
			if want := "strace not found in PATH — install it with: apt install strace"; !bytes.Contains(out, []byte(want)) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		})
	}
}

// startStracectl starts the binary with its stdout on a pipe read line by
// line; the returned channel is closed when the command has exited.
func startStracectl(t *testing.T, args ...string) (*exec.Cmd, *bufio.Scanner, *bytes.Buffer, chan struct{}) {
	t.Helper()
	cmd := exec.Command(stracectlBin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	return cmd, bufio.NewScanner(stdout), &stderr, exited
}

// waitExited waits for a started stracectl to exit and returns its status.
func waitExited(t *testing.T, cmd *exec.Cmd, exited chan struct{}, within time.Duration) int {
	t.Helper()
	select {
	case <-exited:
	case <-time.After(within):
		t.Fatalf("stracectl still running %v after SIGINT", within)
	}
	return cmd.ProcessState.ExitCode()
}

// TestRunStreamsEventsLive: an event reaches the output while the traced
// program still runs. The workload waits for its stdin to end, which the
// test holds open until the event has arrived.
func TestRunStreamsEventsLive(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		wl := needWorkload(t)
		cmd, hold, stdout, stderr := startPiped(t, "run", "--backend", backend, "--", wl, "getppid=1", "waitstdin")
		defer func() { cmd.Process.Kill(); cmd.Wait() }()
		readUntil(t, bufio.NewScanner(stdout), func(ev event) bool { return ev.Syscall == "getppid" })
		// The event is here, and the program is still waiting for us.
		hold.Close()
		go io.Copy(io.Discard, stdout)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("stracectl: %v; stderr:\n%s", err, stderr)
		}
	})
}

func TestRunInterruptStopsAndFlushes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		cmd, sc, stderr, exited := startStracectl(t, "run", "--backend", backend, "--", "sleep", "1000")
		events := readUntil(t, sc, func(ev event) bool { return ev.Syscall == "execve" })
		sleepPid := events[len(events)-1].Pid
		cmd.Process.Signal(os.Interrupt)
		var rest []event
		for sc.Scan() {
			ev, err := decodeEvent(sc.Bytes())
			if err != nil {
				t.Fatalf("stdout line is not an event (%v): %q", err, sc.Bytes())
			}
			rest = append(rest, ev)
		}
		if code := waitExited(t, cmd, exited, 5*time.Second); code != 130 {
			t.Errorf("exit status %d, want 130 (sleep killed by SIGINT); stderr:\n%s", code, stderr)
		}
		if len(rest) == 0 {
			t.Fatal("no event after SIGINT: the end of the trace was not flushed")
		}
		last := rest[len(rest)-1]
		if last.Kind != "exit" || last.Pid != sleepPid || last.Signal != "SIGINT" {
			t.Errorf("the trace does not end with sleep killed by SIGINT: %+v", last)
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", sleepPid)); err == nil {
			t.Errorf("sleep (pid %d) is still there", sleepPid)
		}
	})
}

func TestRunInterruptKillsStubbornCommand(t *testing.T) {
	slow(t)
	forEachBackend(t, func(t *testing.T, backend string) {
		// sh and the sleep it starts ignore SIGINT: after the grace period
		// both are killed, and strace still reports their end.
		cmd, sc, stderr, exited := startStracectl(t, "run", "--backend", backend, "--", "sh", "-c", `trap "" INT; sleep 1000`)
		readUntil(t, sc, func(ev event) bool {
			return ev.Syscall == "execve" && len(ev.Args) > 0 && strings.HasSuffix(ev.Args[0], `/sleep"`)
		})
		cmd.Process.Signal(os.Interrupt)
		killed := 0
		for sc.Scan() {
			ev, err := decodeEvent(sc.Bytes())
			if err != nil {
				t.Fatalf("stdout line is not an event (%v): %q", err, sc.Bytes())
			}
			if ev.Kind == "exit" && ev.Signal == "SIGKILL" {
				killed++
			}
		}
		if code := waitExited(t, cmd, exited, 10*time.Second); code != 128+9 {
			t.Errorf("exit status %d, want 137; stderr:\n%s", code, stderr)
		}
		if killed != 2 {
			t.Errorf("%d exits by SIGKILL in the trace, want 2 (sh and sleep)", killed)
		}
		if want := "did not stop within"; !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
		if strings.Contains(stderr.String(), "not understood") {
			t.Errorf("the trace was cut:\n%s", stderr)
		}
	})
}

// startLooping starts the workload in its loop (untraced) and returns its
// pid; it is killed when the test ends.
func startLooping(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(needWorkload(t), "loop")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd.Process.Pid
}

func TestAttachDetachesOnInterrupt(t *testing.T) {
	needStrace(t)
	pid := startLooping(t)
	cmd, sc, stderr, exited := startStracectl(t, "attach", "--backend", "strace", strconv.Itoa(pid))
	readUntil(t, sc, func(ev event) bool { return ev.Syscall == "getppid" && ev.Pid == int64(pid) })
	cmd.Process.Signal(os.Interrupt)
	for sc.Scan() {
		if _, err := decodeEvent(sc.Bytes()); err != nil {
			t.Fatalf("stdout line is not an event (%v): %q", err, sc.Bytes())
		}
	}
	if code := waitExited(t, cmd, exited, 5*time.Second); code != 0 {
		t.Errorf("exit status %d, want 0; stderr:\n%s", code, stderr)
	}
	if tracer := procStatus(t, pid, "TracerPid"); tracer != "0" {
		t.Errorf("the workload is still traced by %s", tracer)
	}
	if state := procStatus(t, pid, "State"); state[0] != 'S' && state[0] != 'R' {
		t.Errorf("the workload is %s, want it running on", state)
	}
}

func TestAttachErrors(t *testing.T) {
	needStrace(t)
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	traced := startLooping(t)
	tracer := exec.Command("strace", "-o", "/dev/null", "-p", strconv.Itoa(traced))
	if err := tracer.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		tracer.Process.Signal(os.Interrupt)
		tracer.Wait()
	})
	for deadline := time.Now().Add(5 * time.Second); procStatus(t, traced, "TracerPid") == "0"; {
		if time.Now().After(deadline) {
			t.Fatal("strace -p did not attach within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, tc := range []struct {
		name string
		pid  int
		want string
	}{
		{"no such process", gone.Process.Pid, fmt.Sprintf("no such process: %d", gone.Process.Pid)},
		{"already traced", traced, fmt.Sprintf("cannot attach to process %d: it is already traced by process %d", traced, tracer.Process.Pid)},
		{"stracectl itself", 0, "it is stracectl itself"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pid := strconv.Itoa(tc.pid)
			if tc.pid == 0 {
				pid = "$$" // the shell execs stracectl: its own pid
			}
			cmd := exec.Command("sh", "-c", "exec "+stracectlBin+" attach --backend strace "+pid)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			res := result{code: exitCode(t, cmd.Run())}
			res.stdout, res.stderr = stdout.Bytes(), stderr.Bytes()
			if res.code != 1 {
				t.Errorf("exit status %d, want 1", res.code)
			}
			if !bytes.Contains(res.stderr, []byte(tc.want)) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, res.stderr)
			}
			if len(res.stdout) != 0 {
				t.Errorf("stdout: %q", res.stdout)
			}
		})
	}
}

func TestAttachWithoutPermission(t *testing.T) {
	needStrace(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run stracectl as nobody against a process of root's")
	}
	// The test binary's directory is private: copy it where nobody can run it.
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "stracectl")
	data, err := os.ReadFile(stracectlBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	pid := startLooping(t)
	cmd := exec.Command(bin, "attach", strconv.Itoa(pid))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if code := exitCode(t, cmd.Run()); code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	// The rule that refused is named: the process is root's, we are nobody.
	want := fmt.Sprintf("cannot attach to process %d: permission denied — it runs as another user", pid)
	if !strings.Contains(stderr.String(), want) || !strings.Contains(stderr.String(), "CAP_SYS_PTRACE") {
		t.Errorf("stderr lacks %q and CAP_SYS_PTRACE:\n%s", want, &stderr)
	}
}

// TestRunOnTerminal runs stracectl as the session leader of a terminal, as
// in a login shell: the traced command, in its own process group, must
// still read the terminal, and Ctrl-C typed there must stop it.
func TestRunOnTerminal(t *testing.T) {
	slow(t)
	forEachBackend(t, func(t *testing.T, backend string) {
		for _, tc := range []struct {
			name   string
			argv   []string
			typed  string
			status int
			shown  string
		}{
			{"reads the terminal", []string{"sh", "-c", "read x; echo got $x"}, "hello\n", 0, "got hello"},
			{"Ctrl-C", []string{"sleep", "1000"}, "\x03", 130, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				master, slave := openPTY(t)
				events := filepath.Join(t.TempDir(), "events")
				cmd := exec.Command(stracectlBin, append([]string{"run", "--backend", backend, "-o", events, "--"}, tc.argv...)...)
				cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
				cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				slave.Close()
				var screen bytes.Buffer
				read := make(chan struct{})
				go func() {
					io.Copy(&screen, master) // ends with EIO once the terminal is closed
					close(read)
				}()
				// Type once the command waits for the terminal: its first
				// event is in the trace by then.
				for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
					if fi, err := os.Stat(events); err == nil && fi.Size() > 0 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatal("no event within 5s")
					}
				}
				time.Sleep(100 * time.Millisecond)
				master.WriteString(tc.typed)
				exited := make(chan error, 1)
				go func() { exited <- cmd.Wait() }()
				select {
				case err := <-exited:
					if code := exitCode(t, err); code != tc.status {
						t.Errorf("exit status %d, want %d", code, tc.status)
					}
				case <-time.After(10 * time.Second):
					cmd.Process.Kill()
					t.Fatalf("stracectl did not end 10s after %q was typed", tc.typed)
				}
				<-read
				if !strings.Contains(screen.String(), tc.shown) {
					t.Errorf("the terminal shows %q, want %q in it", screen.String(), tc.shown)
				}
			})
		}
	})
}

// screen collects what a terminal shows, for tests to wait on.
type screen struct{ syncBuffer }

// waitFor waits until the screen shows text after offset from and returns
// the offset after it.
func (s *screen) waitFor(t *testing.T, from int, text string) int {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		shown := string(s.Bytes())
		if i := strings.Index(shown[from:], text); i >= 0 {
			return from + i + len(text)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the terminal does not show %q within 10s; it shows:\n%s", text, shown[from:])
		}
	}
}

// TestRunJobControl types Ctrl-Z and fg at an interactive bash running
// stracectl: the job stops as a whole, and once continued the traced
// command has the terminal again.
func TestRunJobControl(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		bash, err := exec.LookPath("bash")
		if err != nil {
			t.Skip("bash not found in PATH — install it with: apt install bash")
		}
		master, slave := openPTY(t)
		cmd := exec.Command(bash, "--norc", "--noprofile", "-i")
		cmd.Env = append(os.Environ(), "PS1=$ ")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		slave.Close()
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
		var scr screen
		go io.Copy(&scr, master)

		events := filepath.Join(t.TempDir(), "events")
		fmt.Fprintf(master, "%s run --backend %s -o %s -- sh -c 'read x; echo got $x'\n", stracectlBin, backend, events)
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if fi, err := os.Stat(events); err == nil && fi.Size() > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("no event within 10s")
			}
		}
		master.WriteString("\x1a")
		at := scr.waitFor(t, 0, "Stopped")
		master.WriteString("fg\n")
		at = scr.waitFor(t, at, "read x")
		master.WriteString("hello\n")
		at = scr.waitFor(t, at, "got hello")
		master.WriteString("echo status=$?\n")
		scr.waitFor(t, at, "status=0")
	})
}
