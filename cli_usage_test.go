package main

// The command line as strace users and users of go, git and kubectl
// expect it: strace's flags, unknown flags, PID lists, help and version,
// a closed stdout and a terminal on stdin.

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestRunUnknownFlagBeforeTheCommand: a flag stracectl does not know,
// before the command, is a usage error naming it, with what to use instead
// for strace flags that have a stracectl equivalent; nothing is run.
func TestRunUnknownFlagBeforeTheCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--unknown", "--", "true"}, "stracectl: unknown flag --unknown (see: stracectl run --help)\n"},
		{[]string{"run", "-k", "--", "true"}, "stracectl: unknown flag -k (see: stracectl run --help)\n"},
		{[]string{"run", "-C", "true"}, "stracectl: unknown flag -C: for strace -C's events and table, pipe the events into stracectl stats (--summary, -c, prints the table alone) (see: stracectl run --help)\n"},
		{[]string{"run", "-p", "1"}, "stracectl: unknown flag -p: to trace a running process, use stracectl attach PID (see: stracectl run --help)\n"},
		{[]string{"attach", "-C", "1"}, "stracectl: unknown flag -C: for strace -C's events and table, pipe the events into stracectl stats (--summary, -c, prints the table alone) (see: stracectl attach --help)\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			res := runStracectl(t, nil, tc.args...)
			if res.code != 2 || string(res.stderr) != tc.want || len(res.stdout) != 0 {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing, %q", res.code, res.stdout, res.stderr, tc.want)
			}
		})
	}
}

// TestRunFlagsAfterTheCommandAreItsOwn: what follows the command, flags
// included, is the command's; after --, even a word that looks like a flag
// is the command.
func TestRunFlagsAfterTheCommandAreItsOwn(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		res := runStracectl(t, nil, "run", "--backend", backend, "-o", "/dev/null", "sh", "-c", "exit 4", "-f")
		if res.code != 4 {
			t.Errorf("run sh -c 'exit 4' -f: exit %d, want 4 (the -f is sh's $0); stderr:\n%s", res.code, res.stderr)
		}
		res = runStracectl(t, nil, "run", "--backend", backend, "--", "-f")
		if res.code != 127 || !bytes.Contains(res.stderr, []byte("-f: command not found")) {
			t.Errorf("run -- -f: exit %d, stderr %q; want 127, command not found", res.code, res.stderr)
		}
	})
}

// TestRunStraceHabits: strace's -f, -T, -q, -t, -tt and -ttt, which
// stracectl always has the effect of, are accepted without a word; -ff with
// -o says in one line that there is one output; -Z is --failed.
func TestRunStraceHabits(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		for _, flags := range [][]string{{"-f"}, {"-ff"}, {"-T"}, {"-q"}, {"-qq"}, {"-t"}, {"-tt"}, {"-ttt"}, {"-f", "-T", "-ttt", "-q"}, {"-fTq"}} {
			t.Run(strings.Join(flags, " "), func(t *testing.T) {
				args := append(append([]string{"run", "--backend", backend}, flags...), "--", "sh", "-c", "exit 3")
				res := runStracectl(t, nil, args...)
				if res.code != 3 || len(res.stderr) != 0 {
					t.Errorf("exit %d, stderr %q; want 3 and silence", res.code, res.stderr)
				}
				if evs := decodeTrace(t, res.stdout); len(evs) == 0 {
					t.Error("no events")
				}
			})
		}
		out := filepath.Join(t.TempDir(), "events")
		res := runStracectl(t, nil, "run", "--backend", backend, "-ff", "-o", out, "--", "true")
		if want := "stracectl: -ff: the events of every process go to " + out + ", told apart by their pid field (strace would write one file per process)\n"; res.code != 0 || string(res.stderr) != want {
			t.Errorf("-ff -o: exit %d, stderr %q; want 0 and %q", res.code, res.stderr, want)
		}
		res = runStracectl(t, nil, "run", "--backend", backend, "-Z", "--", "sh", "-c", "exec cat /nonexistent/file 2>/dev/null")
		evs := decodeTrace(t, res.stdout)
		failedOpen := false
		for _, ev := range evs {
			if ev.Kind == "syscall" && ev.Errno == "" {
				t.Errorf("-Z kept a call that did not fail: %+v", ev)
			}
			failedOpen = failedOpen || ev.Errno == "ENOENT" && len(ev.Args) > 1 && strings.Contains(ev.Args[1], "/nonexistent/file")
		}
		if !failedOpen {
			t.Errorf("-Z: no failed open of /nonexistent/file among %d events", len(evs))
		}
	})
}

// TestRunWithoutCommand: run with no command, with or without --, is a
// usage error with the same message.
func TestRunWithoutCommand(t *testing.T) {
	const want = "stracectl: no command to trace — give it after --: stracectl run -- CMD [ARGS...]\n"
	for _, args := range [][]string{{"run"}, {"run", "--"}, {"run", "-s", "64"}, {"run", "-s", "64", "--"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			res := runStracectl(t, nil, args...)
			if res.code != 2 || string(res.stderr) != want {
				t.Errorf("exit %d, stderr %q; want 2 and %q", res.code, res.stderr, want)
			}
		})
	}
}

// TestUsageLinesPutFlagsFirst: run's usage, in its help and in the list of
// commands, shows the flags before the command, never after it.
func TestUsageLinesPutFlagsFirst(t *testing.T) {
	run := runStracectl(t, nil, "run", "--help")
	if run.code != 0 || !bytes.HasPrefix(run.stdout, []byte("Usage: stracectl run [flags] [--] CMD [ARGS...]\n")) {
		t.Errorf("run --help: exit %d, starts %.60q", run.code, run.stdout)
	}
	all := runStracectl(t, nil, "--help")
	for _, want := range []string{"  run [flags] [--] CMD [ARGS...]\n", "  attach [flags] PID [PID...]\n"} {
		if !bytes.Contains(all.stdout, []byte(want)) {
			t.Errorf("--help lacks %q:\n%s", want, all.stdout)
		}
	}
	if bytes.Contains(all.stdout, []byte("<CMD>")) {
		t.Errorf("--help still shows kong's usage of run:\n%s", all.stdout)
	}
}

// TestAttachPIDArguments: PIDs are given as strace takes them (-p PID,
// repeated, or comma lists) or as arguments; what is not a positive number
// is a usage error naming it, before anything starts.
func TestAttachPIDArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"attach", "--", "-5"}, `"-5" is not a PID`},
		{[]string{"attach", "1,x"}, `"x" is not a PID`},
		{[]string{"attach", "0"}, `"0" is not a PID`},
		{[]string{"attach", "-p", "12a"}, `"12a" is not a PID`},
		{[]string{"attach"}, "no process to attach to — give one or more PIDs: stracectl attach PID [PID...]"},
		{[]string{"attach", ","}, "no process to attach to"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			res := runStracectl(t, nil, tc.args...)
			if res.code != 2 || !bytes.Contains(res.stderr, []byte(tc.want)) || len(res.stdout) != 0 {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", res.code, res.stdout, res.stderr, tc.want)
			}
		})
	}
}

// TestAttachSeveralPIDs: with -p repeated and a comma list, every process
// that can be traced is, and one that cannot (gone) is reported on stderr
// without stopping the others, as strace -p does.
func TestAttachSeveralPIDs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		first, second := startLooping(t), startLooping(t)
		gone := exec.Command("true")
		if err := gone.Run(); err != nil {
			t.Fatal(err)
		}
		cmd, sc, stderr, exited := startStracectl(t, "attach", "--backend", backend,
			"-p", fmt.Sprintf("%d,%d", first, gone.Process.Pid), "-p", strconv.Itoa(second))
		seen := map[int64]bool{}
		readUntil(t, sc, func(ev event) bool {
			seen[ev.Pid] = true
			return seen[int64(first)] && seen[int64(second)]
		})
		cmd.Process.Signal(os.Interrupt)
		for sc.Scan() {
		}
		if code := waitExited(t, cmd, exited, stopBound); code != 0 {
			t.Errorf("exit status %d, want 0; stderr:\n%s", code, stderr)
		}
		if want := fmt.Sprintf("stracectl: no such process: %d\n", gone.Process.Pid); !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	})
}

// TestQuietHidesTheFallbackNote: --backend auto says in one line on stderr
// that it fell back to strace, and why; -q hides it. The fallback is made
// by a user who cannot load eBPF: nobody, when the tests run as root.
func TestQuietHidesTheFallbackNote(t *testing.T) {
	needStrace(t)
	run := func(args ...string) (string, int) {
		res := runStracectl(t, nil, append([]string{"run", "--backend", "auto", "-o", "/dev/null"}, args...)...)
		return string(res.stderr), res.code
	}
	if os.Getuid() == 0 {
		dir, err := os.MkdirTemp("", "stracectl-nobody-") // t.TempDir's parent is closed to others
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		bin := filepath.Join(dir, "stracectl")
		copyFile(t, stracectlBin, bin, 0o755)
		run = func(args ...string) (string, int) {
			return runAs(t, nobodyID, nil, append([]string{bin, "run", "--backend", "auto", "-o", "/dev/null"}, args...)...)
		}
	}
	stderr, code := run("--", "true")
	if code != 0 || !regexp.MustCompile(`^stracectl: using the strace backend: ebpf: .+ \(-q hides this\)\n$`).MatchString(stderr) {
		t.Errorf("auto without eBPF: exit %d, stderr %q; want 0 and one line saying why strace", code, stderr)
	}
	for _, quiet := range []string{"-q", "--quiet"} {
		if stderr, code := run(quiet, "--", "true"); code != 0 || stderr != "" {
			t.Errorf("auto %s: exit %d, stderr %q; want 0 and silence", quiet, code, stderr)
		}
	}
}

// TestHelpAndVersionCommands: as in go, git and kubectl: no command prints
// the help on stderr with status 2; `help`, `help COMMAND` and `version`
// print what --help, COMMAND --help and --version print.
func TestHelpAndVersionCommands(t *testing.T) {
	top := runStracectl(t, nil, "--help")
	none := runStracectl(t, nil)
	if none.code != 2 || len(none.stdout) != 0 || !bytes.Equal(none.stderr, top.stdout) {
		t.Errorf("no arguments: exit %d, stdout %q, stderr %q; want 2, nothing, and the help", none.code, none.stdout, none.stderr)
	}
	for _, cmd := range []string{"parse", "run", "attach", "schema", "stats", "diff", "seccomp", "help", "version"} {
		if !bytes.Contains(top.stdout, []byte("\n  "+cmd+" ")) {
			t.Errorf("--help does not list %s:\n%s", cmd, top.stdout)
		}
	}
	for _, tc := range []struct{ got, want []string }{
		{[]string{"help"}, []string{"--help"}},
		{[]string{"help", "run"}, []string{"run", "--help"}},
		{[]string{"help", "stats"}, []string{"stats", "--help"}},
		{[]string{"version"}, []string{"--version"}},
	} {
		got, want := runStracectl(t, nil, tc.got...), runStracectl(t, nil, tc.want...)
		if got.code != 0 || want.code != 0 || len(got.stdout) == 0 || !bytes.Equal(got.stdout, want.stdout) || len(got.stderr) != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 0 and what %v prints: %q", tc.got, got.code, got.stdout, got.stderr, tc.want, want.stdout)
		}
	}
	bad := runStracectl(t, nil, "help", "nope")
	if bad.code != 2 || !bytes.Contains(bad.stderr, []byte("help nope: unexpected argument nope")) {
		t.Errorf("help nope: exit %d, stderr %q; want 2", bad.code, bad.stderr)
	}
}

// TestCommandHelpSaysDefaultsStatusesAndPrivileges: each command's --help
// gives its exit statuses; run and attach give the defaults of -s and
// --buffer-size and what needs root; the others say they need nothing.
func TestCommandHelpSaysDefaultsStatusesAndPrivileges(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{"parse", []string{"Exit status: 0 success", "Needs no privileges."}},
		{"run", []string{"Exit status: the command's", "(strace -s; default: 32)", "(default: 16MiB)", "needs root, or CAP_BPF and CAP_PERFMON", "-q, --quiet"}},
		{"attach", []string{"Exit status: 0 when", "(strace -s; default: 32)", "(default: 16MiB)", "root, CAP_SYS_PTRACE", "-p, --pid=PID"}},
		{"stats", []string{"Exit status: 0 success", "Needs no privileges.", `--by="syscall"`, `--sort="total"`}},
		{"diff", []string{"Exit status: 0 nothing fails", "(default: 10)", "(default: 5)", "--vanished=SEVERITY"}},
		{"seccomp", []string{"Exit status: 0 written", "Needs no privileges."}},
		{"schema", []string{"Exit status: 0 success"}},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			res := runStracectl(t, nil, tc.cmd, "--help")
			// Help is wrapped to the terminal's width: compare it unwrapped.
			text := strings.Join(strings.Fields(string(res.stdout)), " ")
			for _, want := range tc.want {
				if !strings.Contains(text, want) {
					t.Errorf("%s --help lacks %q:\n%s", tc.cmd, want, res.stdout)
				}
			}
		})
	}
}

// TestFormatErrorListsTheChoices: a bad --format names the two formats,
// and no empty one.
func TestFormatErrorListsTheChoices(t *testing.T) {
	res := runStracectl(t, nil, "parse", "--format", "xml")
	const want = `stracectl: --format must be one of "json","csv" but got "xml" (see: stracectl parse --help)` + "\n"
	if res.code != 2 || string(res.stderr) != want {
		t.Errorf("exit %d, stderr %q; want 2 and %q", res.code, res.stderr, want)
	}
}

// TestBufferSizeTakesUnits: --buffer-size takes bytes or K, M, G (binary),
// and refuses anything else as a usage error.
func TestBufferSizeTakesUnits(t *testing.T) {
	bad := runStracectl(t, nil, "run", "--buffer-size", "16 furlongs", "--", "true")
	if bad.code != 2 || !bytes.Contains(bad.stderr, []byte(`--buffer-size: "16 furlongs": not a size`)) {
		t.Errorf("exit %d, stderr %q; want 2 and the reason", bad.code, bad.stderr)
	}
	forEachBackend(t, func(t *testing.T, backend string) {
		for _, size := range []string{"1048576", "1M", "1MiB", "1024k", "1mb"} {
			res := runStracectl(t, nil, "run", "--backend", backend, "--buffer-size", size, "-o", "/dev/null", "--", "true")
			if res.code != 0 {
				t.Errorf("--buffer-size %s: exit %d, stderr %q", size, res.code, res.stderr)
			}
		}
	})
}

// closedStdout runs stracectl in dir with stdout redirected by the shell
// (`>&-` closes it) and returns its stderr and exit status.
func closedStdout(t *testing.T, dir, redirect string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command("sh", append([]string{"-c", `exec "$0" "$@" ` + redirect, stracectlBin}, args...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	code := exitCode(t, cmd.Run())
	return stderr.String(), code
}

// TestClosedStdout: started with stdout closed, every command that writes
// there fails at once with status 1 and says why, as cat does; stdout on
// /dev/null is no error, nor is a closed stdout that is not written to.
func TestClosedStdout(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "trace")
	if err := os.WriteFile(trace, []byte("getpid() = 1 <0.000010>\nexit_group(0) = ?\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const want = "stracectl: stdout is closed: what this command writes there would be lost (redirect it: >FILE, or >/dev/null to discard it)\n"
	commands := [][]string{{"parse", "trace"}, {"parse", "--csv", "trace"}, {"stats", "trace"}, {"schema"}, {"diff", "trace", "trace"}, {"seccomp", "trace"}, {"version"}}
	if _, err := exec.LookPath("strace"); err == nil {
		commands = append(commands, []string{"run", "--backend", "strace", "--", "true"})
	}
	for _, args := range commands {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			if stderr, code := closedStdout(t, dir, ">&-", args...); code != 1 || stderr != want {
				t.Errorf(">&-: exit %d, stderr %q; want 1 and %q", code, stderr, want)
			}
			if stderr, code := closedStdout(t, dir, ">/dev/null", args...); code != 0 || stderr != "" {
				t.Errorf(">/dev/null: exit %d, stderr %q; want 0 and silence", code, stderr)
			}
		})
	}
	for _, args := range [][]string{{"parse", "-o", "events", "trace"}, {"stats", "-o", "profile", "trace"}} {
		if stderr, code := closedStdout(t, dir, ">&-", args...); code != 0 || stderr != "" {
			t.Errorf("%v >&-: exit %d, stderr %q; want 0: stdout is not written", args, code, stderr)
		}
	}
}

// TestTerminalHint: parse and stats reading a terminal say so in one line
// on stderr, then read it to Ctrl-D; given a file, they say nothing.
func TestTerminalHint(t *testing.T) {
	for _, tc := range []struct {
		args []string
		hint string
	}{
		{[]string{"parse"}, "stracectl: reading strace output from the terminal (stdin): paste it, then Ctrl-D; or give a FILE\n"},
		{[]string{"parse", "-"}, "stracectl: reading strace output from the terminal (stdin): paste it, then Ctrl-D; or give a FILE\n"},
		{[]string{"stats", "--json"}, "stracectl: reading strace output, stracectl JSON Lines or stats --json output from the terminal (stdin): paste it, then Ctrl-D; or give a FILE\n"},
		{[]string{"seccomp"}, "stracectl: reading strace output, stracectl JSON Lines or stats --json output from the terminal (stdin): paste it, then Ctrl-D; or give a FILE\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			master, slave := openPTY(t)
			cmd := exec.Command(stracectlBin, tc.args...)
			var stdout bytes.Buffer
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stdin, cmd.Stdout = slave, &stdout
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			slave.Close()
			line, err := bufio.NewReader(stderr).ReadString('\n')
			if err != nil || line != tc.hint {
				t.Fatalf("stderr starts %q (%v); want %q", line, err, tc.hint)
			}
			// The hint is written before the first read: type a line, then
			// Ctrl-D at the start of the next one ends the input.
			if _, err := master.WriteString("getpid() = 42\n\x04"); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("after Ctrl-D: %v", err)
			}
			if !bytes.Contains(stdout.Bytes(), []byte(`"getpid"`)) {
				t.Errorf("stdout %q lacks the typed call", stdout.Bytes())
			}
		})
	}
	master, slave := openPTY(t)
	defer master.Close()
	trace := filepath.Join(t.TempDir(), "trace")
	if err := os.WriteFile(trace, []byte("getpid() = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(stracectlBin, "parse", trace)
	var stderr bytes.Buffer
	cmd.Stdin, cmd.Stderr = slave, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() != 0 {
		t.Errorf("parse FILE on a terminal: %v, stderr %q; want no hint", err, stderr.Bytes())
	}
}

// TestTerminalHintNotForPipes: stdin from a pipe or a file gets no hint.
func TestTerminalHintNotForPipes(t *testing.T) {
	res := runStracectl(t, []byte("getpid() = 1\n"), "parse")
	if res.code != 0 || len(res.stderr) != 0 {
		t.Errorf("exit %d, stderr %q; want 0 and silence", res.code, res.stderr)
	}
}
