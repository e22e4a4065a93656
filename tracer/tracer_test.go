package tracer

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestCheckAttachable(t *testing.T) {
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		pid  int
		want string
	}{
		{"zero", 0, "invalid PID 0"},
		{"negative", -3, "invalid PID -3"},
		{"ourselves", os.Getpid(), "it is stracectl itself"},
		{"exited", gone.Process.Pid, "no such process: " + strconv.Itoa(gone.Process.Pid)},
		{"our parent", os.Getppid(), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckAttachable(tc.pid)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestCommandProblem(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, command string
		want          string
		status        int
	}{
		{"in PATH", "sh", "", 0},
		{"a path", "/bin/sh", "", 0},
		{"not in PATH", "stracectl-no-such-command", "stracectl-no-such-command: command not found", 127},
		{"no such file", "./no-such-file", "./no-such-file: No such file or directory", 127},
		{"a directory", dir, dir + ": Is a directory", 126},
		{"not executable", plain, plain + ": Permission denied", 126},
		{"empty", "", "'': command not found", 127},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg, status := CommandProblem(tc.command)
			if msg != tc.want || status != tc.status {
				t.Errorf("got %q %d, want %q %d", msg, status, tc.want, tc.status)
			}
		})
	}
}

func TestGroupMembers(t *testing.T) {
	// sh says "ready" once it has forked both children.
	cmd := exec.Command("sh", "-c", "sleep 100 & sleep 100 & echo ready; wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	defer func() {
		syscall.Kill(-pgid, syscall.SIGKILL)
		cmd.Wait()
	}()
	if _, err := out.Read(make([]byte, 6)); err != nil {
		t.Fatal(err)
	}
	members := GroupMembers(pgid)
	if len(members) != 3 || !slices.Contains(members, pgid) {
		t.Errorf("members of group %d: %v, want sh and two sleeps", pgid, members)
	}
}

// TestOptionsCheck: -e in strace's forms, checked before anything starts,
// the same on every backend.
func TestOptionsCheck(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     Options
		syscalls []string
		failed   bool
		err      string
	}{
		{"-e openat,read", Options{Syscalls: []string{"openat", "read"}}, []string{"openat", "read"}, false, ""},
		{"-e trace=openat,read", Options{Syscalls: []string{"trace=openat", "read"}}, []string{"openat", "read"}, false, ""},
		{"-e trace=%file", Options{Syscalls: []string{"trace=%file"}}, []string{"%file"}, false, ""},
		{"-e status=failed", Options{Syscalls: []string{"status=failed"}}, nil, true, ""},
		{"-e opneat", Options{Syscalls: []string{"opneat"}}, nil, false, `unknown syscall or class "opneat" in -e — did you mean openat?`},
		{"-e trace=%fiel", Options{Syscalls: []string{"trace=%fiel"}}, nil, false, "did you mean %file?"},
		{"-e signal=none", Options{Syscalls: []string{"signal=none"}}, nil, false, "-e signal=none: stracectl takes -e NAMES or -e trace=NAMES"},
		{"-s -1", Options{StringLimit: -1}, nil, false, "the string limit cannot be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			err := opts.check()
			var ue UsageError
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tc.err != "" && (!errors.As(err, &ue) || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("got %v, want a UsageError with %q", err, tc.err)
			case tc.err == "" && (!slices.Equal(opts.Syscalls, tc.syscalls) || opts.FailedOnly != tc.failed):
				t.Errorf("syscalls %q failed-only %v, want %q %v", opts.Syscalls, opts.FailedOnly, tc.syscalls, tc.failed)
			}
		})
	}
}

func TestAttachablePIDs(t *testing.T) {
	refuse := func(bad ...int) func(int) error {
		return func(pid int) error {
			if slices.Contains(bad, pid) {
				return NoSuchProcess(pid)
			}
			return nil
		}
	}
	var diag strings.Builder
	good, err := AttachablePIDs([]int{10, 999999, 11}, &diag, refuse(999999))
	if err != nil || !slices.Equal(good, []int{10, 11}) || !strings.Contains(diag.String(), "no such process: 999999") {
		t.Errorf("got %v %v and %q; want 10 and 11 traced, 999999 warned about", good, err, diag.String())
	}
	if _, err := AttachablePIDs([]int{999999}, io.Discard, refuse(999999)); err == nil || err.Error() != "no such process: 999999" {
		t.Errorf("one bad PID: %v, want its own error", err)
	}
	if _, err := AttachablePIDs([]int{1, 2}, io.Discard, refuse(1, 2)); err == nil || !strings.Contains(err.Error(), "none of the 2") {
		t.Errorf("no good PID: %v, want a failure", err)
	}
}
