package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// The eBPF backend shows no one more than ptrace would: a copy of
// stracectl given CAP_BPF and CAP_PERFMON (as the README's setcap advice
// does) and run by an unprivileged user may not attach to a root process,
// and stops tracing a child that executes a setuid program.

// nobodyID is the uid and gid of the user "nobody" on Debian.
const nobodyID = 65534

// setcapCopy copies stracectl into a directory nobody can read and gives
// the copy CAP_BPF and CAP_PERFMON (permitted and effective), as
// `setcap cap_bpf,cap_perfmon+ep` would; it skips where file capabilities
// cannot be set or are not honoured.
func setcapCopy(t *testing.T) (dir, bin string) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("needs root to give a copy of stracectl file capabilities")
	}
	dir, err := os.MkdirTemp("", "stracectl-setcap-") // t.TempDir's parent is closed to others
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin = filepath.Join(dir, "stracectl")
	copyFile(t, stracectlBin, bin, 0o755)
	// struct vfs_cap_data, revision 2: magic_etc, then {permitted,
	// inheritable} for capabilities 0-31 and 32-63.
	var caps [20]byte
	binary.LittleEndian.PutUint32(caps[0:], 0x02000000|1) // VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE
	binary.LittleEndian.PutUint32(caps[12:], 1<<(unix.CAP_BPF-32)|1<<(unix.CAP_PERFMON-32))
	if err := unix.Setxattr(bin, "security.capability", caps[:], 0); err != nil {
		t.Skipf("cannot set file capabilities in %s: %v", dir, err)
	}
	out, code := runAs(t, nobodyID, nil, bin, "run", "--backend", "ebpf", "-o", "/dev/null", "--", "true")
	if code != 0 {
		t.Skipf("the setcap copy cannot load eBPF as nobody here (mount nosuid?): exit %d: %s", code, out)
	}
	return dir, bin
}

// copyFile copies src to dst with mode.
func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dst, mode); err != nil { // WriteFile's mode passes the umask
		t.Fatal(err)
	}
}

// runAs runs argv as user uid (and the same gid) and returns its stderr
// and exit status; stdout goes to stdout when given.
func runAs(t *testing.T, uid uint32, stdout *bytes.Buffer, argv ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if stdout != nil {
		cmd.Stdout = stdout
	}
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return stderr.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return stderr.String(), 0
}

func TestEBPFSetcapCannotAttachToRoot(t *testing.T) {
	needEBPF(t)
	_, bin := setcapCopy(t)
	root := exec.Command("sleep", "1000")
	if err := root.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { root.Process.Kill(); root.Wait() }()
	var stdout bytes.Buffer
	stderr, code := runAs(t, nobodyID, &stdout, bin, "attach", "--backend", "ebpf", strconv.Itoa(root.Process.Pid))
	if code != 1 || !strings.Contains(stderr, "permission denied") || !strings.Contains(stderr, "runs as another user") {
		t.Errorf("attach to a root process as nobody: exit %d, stderr %q; want 1 and the rule that refused", code, stderr)
	}
	if stdout.Len() != 0 {
		t.Errorf("attach to a root process as nobody wrote events:\n%s", stdout.String())
	}
}

func TestEBPFSetcapStopsTracingASetuidChild(t *testing.T) {
	needEBPF(t)
	dir, bin := setcapCopy(t)
	cat, err := exec.LookPath("cat")
	if err != nil {
		t.Skip("no cat")
	}
	secret := filepath.Join(dir, "secret")
	copyFile(t, "/etc/hostname", secret, 0o600) // root's: only the setuid copy can read it
	plain, setuid := filepath.Join(dir, "plaincat"), filepath.Join(dir, "suidcat")
	copyFile(t, cat, plain, 0o755)
	copyFile(t, cat, setuid, os.ModeSetuid|0o755)

	for _, tc := range []struct {
		prog   string
		traced bool
	}{{plain, true}, {setuid, false}} {
		t.Run(filepath.Base(tc.prog), func(t *testing.T) {
			var stdout bytes.Buffer
			stderr, code := runAs(t, nobodyID, &stdout, bin, "run", "--backend", "ebpf", "--", "sh", "-c", tc.prog+" "+secret+"; exit 3")
			if code != 3 {
				t.Fatalf("exit %d, want the command's 3; stderr:\n%s", code, stderr)
			}
			opened := false
			for _, ev := range decodeEvents(t, stdout.Bytes()) {
				if ev.Syscall == "openat" && len(ev.Args) > 1 && strings.Contains(ev.Args[1], "secret") {
					opened = true
				}
			}
			said := strings.Contains(stderr, "no longer traced")
			if tc.traced && (!opened || said) {
				t.Errorf("a plain child: openat of the file seen %v, untraced notice %v; want it traced:\n%s", opened, said, stderr)
			}
			if !tc.traced && (opened || !said) {
				t.Errorf("a setuid child: openat of the file seen %v, untraced notice %v; want it untraced and said:\n%s", opened, said, stderr)
			}
		})
	}
}
