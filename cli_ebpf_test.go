//go:build linux

package main

// End-to-end tests of the eBPF backend: the built binary traces the C
// workload with real BPF programs in this kernel. They need root (or
// CAP_BPF and CAP_PERFMON) and a kernel with BTF, and skip elsewhere.

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestEBPFWorkloadCountsAcrossATree(t *testing.T) {
	needEBPF(t)
	workload := needWorkload(t)
	const getppids, openats, writes, forks = 50, 7, 11, 3
	res := runStracectl(t, nil, "run", "--backend", "ebpf", workload,
		fmt.Sprintf("getppid=%d", getppids), fmt.Sprintf("openat=%d", openats),
		fmt.Sprintf("write=%d", writes), fmt.Sprintf("fork=%d", forks), "exit=7")
	if res.code != 7 {
		t.Fatalf("exit status %d, want the workload's 7; stderr:\n%s", res.code, res.stderr)
	}
	evs := decodeEvents(t, res.stdout)
	if len(evs) == 0 || evs[0].Syscall != "execve" || evs[0].Ret == nil || *evs[0].Ret != "0" {
		t.Fatalf("the first event must be the workload's execve (the launcher's calls are dropped), got %+v", evs[:min(len(evs), 1)])
	}
	if want := `"` + workload + `"`; evs[0].Args[0] != want {
		t.Errorf("execve path %s, want %s", evs[0].Args[0], want)
	}
	pids := map[int64]bool{}
	var getppid, missing, oneByteWrites, exitGroups int
	exits := map[int64]int64{}
	for _, ev := range evs {
		pids[ev.Pid] = true
		if ev.Kind == "exit" {
			if ev.ExitCode == nil {
				t.Errorf("process %d ended without an exit code: %+v", ev.Pid, ev)
				continue
			}
			exits[ev.Pid] = *ev.ExitCode
			continue
		}
		if ev.Tgid != ev.Pid || ev.Comm != "workload" {
			t.Errorf("event of pid %d has tgid %d comm %q; want a single-threaded workload", ev.Pid, ev.Tgid, ev.Comm)
		}
		if _, err := time.Parse(time.RFC3339Nano, ev.Time); err != nil {
			t.Errorf("time %q is not RFC 3339: %v", ev.Time, err)
		}
		switch {
		case ev.Syscall == "getppid":
			getppid++
		case ev.Syscall == "openat" && len(ev.Args) > 1 && ev.Args[1] == `"/nonexistent/stracectl-workload"`:
			missing++
			if ev.Args[0] != "AT_FDCWD" || ev.Errno != "ENOENT" || *ev.Retval != -1 {
				t.Errorf("openat of the missing path: args %q errno %q retval %d, want AT_FDCWD, ENOENT, -1", ev.Args, ev.Errno, *ev.Retval)
			}
		case ev.Syscall == "write" && len(ev.Args) == 3 && ev.Args[2] == "1":
			oneByteWrites++
		case ev.Syscall == "exit_group":
			exitGroups++
			if ev.Ret == nil || *ev.Ret != "?" || ev.Retval != nil || ev.DurationNs != nil {
				t.Errorf("exit_group never returns: want ret \"?\" as strace prints it, retval and duration_ns absent, got %+v", ev)
			}
			continue
		}
		if ev.DurationNs == nil || *ev.DurationNs < 0 {
			t.Errorf("%s has no duration_ns", ev.Syscall)
		}
	}
	if getppid != getppids*(forks+1) || missing != openats || oneByteWrites != writes {
		t.Errorf("counted getppid=%d openat(missing)=%d write(1 byte)=%d; want %d, %d, %d", getppid, missing, oneByteWrites, getppids*(forks+1), openats, writes)
	}
	if len(pids) != forks+1 || exitGroups != forks+1 || len(exits) != forks+1 {
		t.Errorf("%d pids, %d exit_group calls and %d exits; want %d of each (the workload and its children)", len(pids), exitGroups, len(exits), forks+1)
	}
	for pid, code := range exits {
		if want := map[bool]int64{true: 7, false: 0}[pid == evs[0].Pid]; code != want {
			t.Errorf("process %d exited with %d, want %d", pid, code, want)
		}
	}
}

func TestEBPFPathReadAgainAtExit(t *testing.T) {
	needEBPF(t)
	workload := needWorkload(t)
	// The path lies in a page the workload has not touched: reading it at
	// entry fails, and the programs read it again once openat brought the
	// page in.
	res := runStracectl(t, nil, "run", "--backend", "ebpf", "-e", "openat", workload, "faultpath")
	if res.code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", res.code, res.stderr)
	}
	evs := decodeEvents(t, res.stdout)
	last := evs[len(evs)-2] // before the exit
	if last.Syscall != "openat" || len(last.Args) < 2 || last.Args[1] != `"/nonexistent/stracectl-faulted"` {
		t.Errorf("the openat of a path in an untouched page: %s(%s); want the path", last.Syscall, strings.Join(last.Args, ", "))
	}
}

func TestEBPFThreads(t *testing.T) {
	needEBPF(t)
	workload := needWorkload(t)
	const getppids, threads = 20, 4
	res := runStracectl(t, nil, "run", "--backend", "ebpf", "-e", "getppid", workload,
		fmt.Sprintf("getppid=%d", getppids), fmt.Sprintf("threads=%d", threads))
	if res.code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", res.code, res.stderr)
	}
	evs := decodeEvents(t, res.stdout)
	tids := map[int64]int{}
	ended := 0
	for _, ev := range evs {
		if ev.Kind == "exit" {
			ended++
			continue
		}
		if ev.Syscall != "getppid" {
			t.Fatalf("-e getppid let through %s", ev.Syscall)
		}
		if ev.Tgid != evs[0].Tgid {
			t.Errorf("thread %d has tgid %d, want %d", ev.Pid, ev.Tgid, evs[0].Tgid)
		}
		tids[ev.Pid]++
	}
	if ended != threads+1 {
		t.Errorf("%d tasks ended, want %d", ended, threads+1)
	}
	if len(tids) != threads+1 {
		t.Fatalf("getppid from %d tasks, want %d (main and %d threads): %v", len(tids), threads+1, threads, tids)
	}
	for tid, n := range tids {
		if n != getppids {
			t.Errorf("task %d made %d getppid calls, want %d", tid, n, getppids)
		}
	}
}

func TestEBPFExecveFromANonLeaderThread(t *testing.T) {
	needEBPF(t)
	workload := needWorkload(t)
	res := runStracectl(t, nil, "run", "--backend", "ebpf", workload, "execthread", "exit=5")
	if res.code != 5 {
		t.Fatalf("exit status %d, want 5 from the re-executed workload; stderr:\n%s", res.code, res.stderr)
	}
	evs := decodeEvents(t, res.stdout)
	var execs []event
	getppid := 0
	for _, ev := range evs {
		switch ev.Syscall {
		case "execve":
			execs = append(execs, ev)
		case "getppid":
			getppid++
		}
	}
	if len(execs) != 2 {
		t.Fatalf("%d execve events, want 2 (the start and the thread's)", len(execs))
	}
	second := execs[1]
	if second.Ret == nil || *second.Ret != "0" || second.Pid != second.Tgid || second.Tgid != evs[0].Tgid {
		t.Errorf("the thread's execve: %+v; want it returned 0 as the thread group leader %d", second, evs[0].Tgid)
	}
	if !strings.HasPrefix(second.Args[1], `["`) || !strings.Contains(second.Args[1], `"getppid=1", "exit=5"]`) {
		t.Errorf("the thread's execve argv %s, want the workload with getppid=1 exit=5", second.Args[1])
	}
	if getppid != 1 {
		t.Errorf("%d getppid calls after the exec, want 1", getppid)
	}
}

func TestEBPFChildKilledMidCall(t *testing.T) {
	needEBPF(t)
	workload := needWorkload(t)
	res := runStracectl(t, nil, "run", "--backend", "ebpf", workload, "killchild", "getppid=3")
	if res.code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", res.code, res.stderr)
	}
	evs := decodeEvents(t, res.stdout)
	var child int64
	for _, ev := range evs {
		if ev.Syscall == "kill" && len(ev.Args) == 2 {
			child, _ = strconv.ParseInt(ev.Args[0], 10, 64)
		}
	}
	if child == 0 {
		t.Fatalf("no kill(PID, SIGKILL) event in:\n%s", res.stdout)
	}
	reads := 0
	killed := false
	for _, ev := range evs {
		killed = killed || ev.Pid == child && ev.Kind == "exit" && ev.Signal == "SIGKILL" && ev.ExitCode == nil
		if ev.Pid == child && ev.Syscall == "read" {
			reads++
			if ev.Ret == nil || *ev.Ret != "?" || ev.Errno != "" {
				t.Errorf("the killed child's read returned %v %s; a call cut short by SIGKILL has ret \"?\", as strace prints = ?", ev.Ret, ev.Errno)
			}
		}
	}
	if reads != 1 || !killed {
		t.Errorf("%d read events from the killed child (want 1), killed by SIGKILL: %v", reads, killed)
	}
	if calls, _ := countCalls(evs); calls["getppid"] != 3 {
		t.Errorf("%d getppid calls, want 3", calls["getppid"])
	}
}

func TestEBPFSignalsAndEnds(t *testing.T) {
	needEBPF(t)
	res := runStracectl(t, nil, "run", "--backend", "ebpf", "-e", "kill", "sh", "-c", `trap "true" USR1; kill -USR1 $$; kill -SEGV $$`)
	if res.code != 128+int(syscall.SIGSEGV) {
		t.Fatalf("exit status %d, want %d (sh killed by SIGSEGV); stderr:\n%s", res.code, 128+int(syscall.SIGSEGV), res.stderr)
	}
	var got []string
	for _, ev := range decodeEvents(t, res.stdout) {
		switch ev.Kind {
		case "syscall":
			got = append(got, ev.Syscall+"("+strings.Join(ev.Args, ", ")+")")
		case "signal":
			got = append(got, "--- "+ev.Signal+" ---")
		case "exit":
			got = append(got, "+++ killed by "+ev.Signal+" +++")
		}
	}
	pid := strings.TrimPrefix(strings.Split(got[0], ",")[0], "kill(")
	want := []string{
		"kill(" + pid + ", SIGUSR1)", "--- SIGUSR1 ---",
		"kill(" + pid + ", SIGSEGV)", "--- SIGSEGV ---", "+++ killed by SIGSEGV +++",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// lostRE matches the loss report on stderr.
var lostRE = regexp.MustCompile(`stracectl: (\d+) events lost \(ring buffer full\); raise --buffer-size`)

var lostBySyscallRE = regexp.MustCompile(`lost by syscall \(the kernel counted every call\): getppid (\d+)`)

func TestEBPFLossAccountingIsExact(t *testing.T) {
	needEBPF(t)
	workload := needWorkload(t)
	const calls = 100000
	for _, strict := range []bool{false, true} {
		t.Run(fmt.Sprintf("strict=%v", strict), func(t *testing.T) {
			args := []string{"run", "--backend", "ebpf", "--buffer-size", "4096", "-e", "getppid", workload, fmt.Sprintf("getppid=%d", calls)}
			if strict {
				args = append([]string{"run", "--strict"}, args[1:]...)
			}
			res := runStracectl(t, nil, args...)
			m := lostRE.FindSubmatch(res.stderr)
			if m == nil {
				t.Fatalf("no loss reported with a 4 KiB ring buffer; stderr:\n%s", res.stderr)
			}
			lost, _ := strconv.Atoi(string(m[1]))
			// -e getppid lets through the calls and the end of the process.
			got := len(decodeEvents(t, res.stdout))
			if got+lost != calls+1 || lost == 0 {
				t.Errorf("%d events + %d lost = %d, want all %d calls and 1 exit", got, lost, got+lost, calls)
			}
			// The kernel counted every call: the loss is told per syscall,
			// and the getppid events read and lost make all the calls.
			read := 0
			for _, ev := range decodeEvents(t, res.stdout) {
				if ev.Syscall == "getppid" {
					read++
				}
			}
			by := lostBySyscallRE.FindSubmatch(res.stderr)
			if by == nil {
				t.Fatalf("no loss by syscall reported; stderr:\n%s", res.stderr)
			}
			if n, _ := strconv.Atoi(string(by[1])); read+n != calls {
				t.Errorf("%d getppid events read + %d lost by the kernel's count = %d, want %d", read, n, read+n, calls)
			}
			if want := map[bool]int{false: 0, true: 1}[strict]; res.code != want {
				t.Errorf("exit status %d with loss, want %d", res.code, want)
			}
		})
	}
}

func TestEBPFFiltersInTheKernel(t *testing.T) {
	needEBPF(t)
	workload := needWorkload(t)
	for _, tc := range []struct {
		name  string
		flags []string
		want  map[string]int
	}{
		{"-e openat,write", []string{"-e", "openat,write"}, map[string]int{"openat": 5 + 1, "write": 3}},
		{"--failed", []string{"--failed"}, map[string]int{"openat": 5}},
		{"-e getppid --failed", []string{"-e", "getppid", "--failed"}, map[string]int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"run", "--backend", "ebpf"}, tc.flags...)
			res := runStracectl(t, nil, append(args, workload, "getppid=4", "openat=5", "write=3")...)
			if res.code != 0 {
				t.Fatalf("exit status %d; stderr:\n%s", res.code, res.stderr)
			}
			evs := decodeEvents(t, res.stdout)
			got := map[string]int{}
			for _, ev := range evs {
				if ev.Kind == "exit" {
					continue // processes end whatever the filter
				}
				if strings.Contains(ev.Args[min(1, len(ev.Args)-1)], "/nonexistent/") || tc.name != "--failed" {
					got[ev.Syscall]++
				} else if ev.Errno == "" {
					t.Errorf("--failed let through a call that succeeded: %+v", ev)
				}
			}
			if tc.name == "-e openat,write" {
				// the loader's openat calls vary with the system; the workload's own are known
				got["openat"] = 0
				for _, ev := range evs {
					if ev.Syscall == "openat" && len(ev.Args) > 1 && (strings.Contains(ev.Args[1], "/nonexistent/") || ev.Args[1] == `"/dev/null"`) {
						got["openat"]++
					}
				}
			}
			for name, n := range tc.want {
				if got[name] != n {
					t.Errorf("%s: %d events, want %d (all: %v)", name, got[name], n, got)
				}
			}
			for name := range got {
				if _, ok := tc.want[name]; !ok && got[name] > 0 {
					t.Errorf("%s passed the filter %v", name, tc.flags)
				}
			}
		})
	}
}

// straceSummary runs argv under strace -f -c and returns its table's
// calls and errors per syscall.
func straceSummary(t *testing.T, argv ...string) (calls, errors map[string]int) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "summary")
	cmd := exec.Command(needStrace(t), append([]string{"-f", "-c", "-o", out, "--"}, argv...)...)
	// The command's output goes to a pipe, as it does under stracectl
	// (ls asks whether its output is a terminal).
	var discard bytes.Buffer
	cmd.Stdout, cmd.Stderr = &discard, &discard
	if err := cmd.Run(); err != nil {
		t.Fatalf("strace -f -c %v: %v", argv, err)
	}
	text, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	calls, errors, ok := straceTable(text)
	if !ok {
		t.Fatalf("no strace -c table in %s", text)
	}
	return calls, errors
}

func TestEBPFParityWithStraceCounts(t *testing.T) {
	needEBPF(t)
	needStrace(t)
	dir := t.TempDir()
	for _, name := range []string{"a", "b", "c"} {
		os.WriteFile(filepath.Join(dir, name), []byte(name), 0o644)
	}
	for _, argv := range [][]string{
		{"ls", "-la", dir},
		{"sh", "-c", "ls " + dir + " >/dev/null; cat " + dir + "/a " + dir + "/missing 2>/dev/null; true"},
	} {
		t.Run(strings.Join(argv, " "), func(t *testing.T) {
			want, _ := straceSummary(t, argv...)
			events := filepath.Join(t.TempDir(), "events.json")
			res := runStracectl(t, nil, append([]string{"run", "--backend", "ebpf", "-o", events}, argv...)...)
			if res.code != 0 {
				t.Fatalf("exit status %d; stderr:\n%s", res.code, res.stderr)
			}
			out, err := os.ReadFile(events)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := countCalls(decodeEvents(t, out))
			// Documented differences: exit and exit_group never return,
			// so neither backend counts them; strace -c lists them with
			// their calls all the same.
			delete(want, "exit_group")
			delete(want, "exit")
			for name := range want {
				if got[name] != want[name] {
					t.Errorf("%s: %d calls, strace -f -c counted %d", name, got[name], want[name])
				}
			}
			for name := range got {
				if _, ok := want[name]; !ok {
					t.Errorf("%s: %d calls that strace -f -c did not see", name, got[name])
				}
			}
		})
	}
}

// startBuffered starts the binary in the background; stdout and stderr
// gather in the buffers.
func startBuffered(t *testing.T, stdout, stderr *syncBuffer, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(stracectlBin, args...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func TestEBPFCtrlCStopsTheCommandAndFlushes(t *testing.T) {
	needEBPF(t)
	workload := needWorkload(t)
	var out, errb syncBuffer
	cmd := startBuffered(t, &out, &errb, "run", "--backend", "ebpf", "-e", "getppid", workload, "loop")
	seen := 0
	waitFor(t, "getppid events", func() bool {
		seen = bytes.Count(out.Bytes(), []byte(`"getppid"`))
		return seen >= 3
	})
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 128+int(syscall.SIGINT) {
		t.Fatalf("exit %v, want %d (the workload stopped by the SIGINT passed on); stderr:\n%s", err, 128+int(syscall.SIGINT), errb.Bytes())
	}
	evs := decodeEvents(t, out.Bytes())
	if calls, _ := countCalls(evs); calls["getppid"] < seen {
		t.Errorf("%d getppid events after Ctrl-C, fewer than the %d seen before", calls["getppid"], seen)
	}
	if last := evs[len(evs)-1]; last.Kind != "exit" || last.Signal != "SIGINT" {
		t.Errorf("last event %+v, want the workload's end by SIGINT", last)
	}
}

func TestEBPFAttach(t *testing.T) {
	needEBPF(t)
	workload := needWorkload(t)
	target := exec.Command(workload, "loopthreads=2", "loop")
	if err := target.Start(); err != nil {
		t.Fatal(err)
	}
	defer target.Process.Kill()
	exited := make(chan error, 1)
	go func() { exited <- target.Wait() }()
	time.Sleep(50 * time.Millisecond)
	pid := strconv.Itoa(target.Process.Pid)

	t.Run("Ctrl-C detaches and the process runs on", func(t *testing.T) {
		var out, errb syncBuffer
		cmd := startBuffered(t, &out, &errb, "attach", "--backend", "ebpf", "-e", "getppid,nanosleep", pid)
		// Every thread loops on getppid: all three must be seen.
		tids := func() map[int64]bool {
			seen := map[int64]bool{}
			for _, ev := range decodeEvents(t, out.Bytes()) {
				if ev.Syscall == "getppid" {
					seen[ev.Pid] = true
				}
			}
			return seen
		}
		waitFor(t, "getppid events from the 3 threads", func() bool { return len(tids()) == 3 })
		cmd.Process.Signal(os.Interrupt)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("attach ended with %v; stderr:\n%s", err, errb.Bytes())
		}
		for _, ev := range decodeEvents(t, out.Bytes()) {
			if strconv.FormatInt(ev.Tgid, 10) != pid {
				t.Errorf("event of tgid %d; only %s was attached", ev.Tgid, pid)
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("the attached process ended (%v) when stracectl detached", err)
		case <-time.After(100 * time.Millisecond):
		}
	})
	t.Run("ends when the process exits", func(t *testing.T) {
		var out, errb syncBuffer
		cmd := startBuffered(t, &out, &errb, "attach", "--backend", "ebpf", pid)
		waitFor(t, "events", func() bool { return bytes.Count(out.Bytes(), []byte(`"getppid"`)) >= 2 })
		target.Process.Kill()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("attach ended with %v; stderr:\n%s", err, errb.Bytes())
			}
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			t.Fatal("attach did not end when the process exited")
		}
	})
}

func TestEBPFBackendSelection(t *testing.T) {
	needEBPF(t)
	res := runStracectl(t, nil, "--debug", "run", "--backend", "auto", "true")
	if res.code != 0 || !bytes.Contains(res.stderr, []byte("backend auto: using ebpf")) {
		t.Fatalf("auto as root: exit %d, stderr:\n%s\nwant it to choose ebpf", res.code, res.stderr)
	}

	// Without privileges, --backend ebpf fails with the reason and auto
	// says why it passed eBPF over.
	dir, err := os.MkdirTemp("", "stracectl-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "stracectl")
	data, err := os.ReadFile(stracectlBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	asNobody := func(args ...string) (string, int) {
		cmd := exec.Command(bin, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		var errb bytes.Buffer
		cmd.Stderr = &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return errb.String(), code
	}
	if stderr, code := asNobody("run", "--backend", "ebpf", "true"); code != 1 || !strings.Contains(stderr, "CAP_BPF and CAP_PERFMON") {
		t.Errorf("--backend ebpf as nobody: exit %d, stderr %q; want 1 and the missing capabilities", code, stderr)
	}
	if stderr, _ := asNobody("--debug", "run", "--backend", "auto", "true"); !strings.Contains(stderr, "backend auto: ebpf unavailable") {
		t.Errorf("--backend auto as nobody: stderr %q; want it to say why eBPF was passed over", stderr)
	}
}

func TestEBPFInteractiveCommandOwnsTheTerminal(t *testing.T) {
	needEBPF(t)
	master, slave := openPTY(t)
	defer master.Close()
	var out, errb bytes.Buffer
	cmd := exec.Command(stracectlBin, "run", "--backend", "ebpf", "-e", "read", "cat")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, &out, &errb
	// stracectl leads a session whose terminal is the pty, as in a shell.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	go io.Copy(io.Discard, master) // the terminal's echo
	master.Write([]byte("typed\n"))
	time.Sleep(200 * time.Millisecond)
	master.Write([]byte{4}) // ^D: end of input
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("stracectl run cat on a terminal: %v; stderr:\n%s", err, errb.Bytes())
		}
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatal("cat reading the terminal never ended: it was stopped in the background (SIGTTIN)")
	}
	typed := false
	for _, ev := range decodeEvents(t, out.Bytes()) {
		typed = typed || ev.Args[0] == "0" && ev.Retval != nil && *ev.Retval == int64(len("typed\n"))
	}
	if !typed {
		t.Errorf("no read of the typed line from fd 0 in:\n%s", out.Bytes())
	}
}

// TestEBPFReaderOutranksTheCommand: while the eBPF backend streams events,
// stracectl's threads run readerNiceBoost (10) nice steps above the traced
// command, which keeps the priority it was given: a command that keeps
// every core busy cannot starve the reader.
func TestEBPFReaderOutranksTheCommand(t *testing.T) {
	needEBPF(t)
	own := niceOf(t, "/proc/self/stat")
	workload := needWorkload(t)
	cmd, stdin, stdout, stderr := startPiped(t, "run", "--backend", "ebpf", "--", workload, "waitstdin")
	pid := cmd.Process.Pid
	// The workload by its command line: Go's os/exec first forks a child
	// that exits at once (its check for pidfd support).
	var child string
	waitFor(t, "the command to start", func() bool {
		kids, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
		for _, k := range kids {
			b, _ := os.ReadFile(k)
			for _, c := range strings.Fields(string(b)) {
				if line, _ := os.ReadFile("/proc/" + c + "/cmdline"); strings.HasPrefix(string(line), workload+"\x00") {
					child = c
					return true
				}
			}
		}
		return false
	})
	want := max(own-10, -20)
	waitFor(t, fmt.Sprintf("every thread of stracectl at nice %d", want), func() bool {
		stats, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
		for _, s := range stats {
			if b, err := os.ReadFile(s); err != nil || niceIn(string(b)) != want {
				return false
			}
		}
		return len(stats) > 0
	})
	if got := niceOf(t, "/proc/"+child+"/stat"); got != own {
		t.Errorf("the traced command runs at nice %d, want %d (the priority it was started with)", got, own)
	}
	stdin.Close()
	io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v; stderr:\n%s", err, stderr)
	}
}

// niceOf reads the nice value of the task whose stat file is path.
func niceOf(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return niceIn(string(b))
}

// niceIn is the nice value in the text of a /proc stat file: the 19th
// field, the 17th after the command name's closing parenthesis.
func niceIn(stat string) int {
	f := strings.Fields(stat[strings.LastIndexByte(stat, ')')+1:])
	if len(f) < 17 {
		return 99
	}
	n, err := strconv.Atoi(f[16])
	if err != nil {
		return 99
	}
	return n
}
