//go:build linux

package tracer

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Both backends show a user only what ptrace would: the strace backend
// because strace uses ptrace, the eBPF backend because it asks the kernel
// the same question before it attaches (see mayPtrace) and, in its
// programs, stops tracing a task that gains credentials this user could
// not ptrace.

// CheckAttachable reports, before tracing starts, a PID that cannot be
// attached to: not a process, not existing, stracectl itself, a kernel
// thread, or a process this user may not ptrace.
func CheckAttachable(pid int) error {
	switch {
	case pid <= 0:
		return fmt.Errorf("invalid PID %d — give the id of a running process", pid)
	case pid == os.Getpid():
		return fmt.Errorf("cannot attach to process %d: it is stracectl itself", pid)
	}
	if err := unix.Kill(pid, 0); errors.Is(err, unix.ESRCH) {
		return NoSuchProcess(pid)
	}
	if kernelThread(pid) {
		return fmt.Errorf("cannot attach to process %d (%s): it is a kernel thread, which makes no system calls of its own to trace", pid, commOf(pid))
	}
	return mayPtrace(pid)
}

// AttachablePIDs returns the PIDs of pids that can be attached to (check
// is CheckAttachable, and more for a backend that has more rules); each
// one that cannot is reported on diag, as strace warns and traces the
// rest. It fails only when none is left; the error then names the first
// reason.
func AttachablePIDs(pids []int, diag io.Writer, check func(int) error) ([]int, error) {
	if len(pids) == 0 {
		return nil, UsageError{"no process to attach to — give one or more PIDs"}
	}
	var good []int
	var first error
	for _, pid := range pids {
		if err := check(pid); err != nil {
			if first == nil {
				first = err
			}
			if len(pids) > 1 {
				fmt.Fprintf(diag, "stracectl: %v\n", err)
			}
			continue
		}
		good = append(good, pid)
	}
	if len(good) == 0 {
		if len(pids) > 1 {
			return nil, fmt.Errorf("none of the %d processes can be attached to", len(pids))
		}
		return nil, first
	}
	return good, nil
}

// NoSuchProcess is the error for a PID that names no process.
func NoSuchProcess(pid int) error { return fmt.Errorf("no such process: %d", pid) }

// pfKthread is PF_KTHREAD, the flag of kernel threads in /proc/PID/stat.
const pfKthread = 0x00200000

// kernelThread says whether pid is a kernel thread.
func kernelThread(pid int) bool {
	fields := statFields(pid) // state ppid pgrp session tty_nr tpgid flags ...
	if len(fields) < 7 {
		return false
	}
	flags, err := strconv.ParseUint(fields[6], 10, 64)
	return err == nil && flags&pfKthread != 0
}

// statFields returns the fields of /proc/PID/stat after the command name,
// which may hold spaces and parentheses (state ppid pgrp session ...);
// nil when it cannot be read.
func statFields(pid int) []string {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	end := strings.LastIndexByte(string(stat), ')')
	if end < 0 {
		return nil
	}
	return strings.Fields(string(stat[end+1:]))
}

// commOf is the command name of pid, "?" when it cannot be read.
func commOf(pid int) string {
	comm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(comm))
}

// mayPtrace asks the kernel whether this process could ptrace pid
// (PTRACE_MODE_ATTACH_REALCREDS: the same uid and gid, no capability we
// lack, dumpable, Yama's ptrace_scope — or CAP_SYS_PTRACE). pidfd_getfd
// makes exactly that check before it looks up the descriptor, so asking
// for one that cannot exist answers EBADF when allowed and EPERM when not,
// without taking anything from the process.
func mayPtrace(pid int) error {
	pidfd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return NoSuchProcess(pid)
	}
	if err != nil {
		return fmt.Errorf("cannot attach to process %d: pidfd_open: %w", pid, err)
	}
	defer unix.Close(pidfd)
	fd, err := unix.PidfdGetfd(pidfd, math.MaxInt32, 0)
	switch {
	case err == nil:
		unix.Close(fd)
		return nil
	case errors.Is(err, unix.EBADF):
		return nil
	case errors.Is(err, unix.ESRCH):
		return NoSuchProcess(pid)
	case errors.Is(err, unix.ENOSYS):
		// Before Linux 5.6: /proc/PID/mem asks the same question with the
		// filesystem uid (PTRACE_MODE_ATTACH_FSCREDS).
		f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/mem")
		if err == nil {
			f.Close()
			return nil
		}
		if !errors.Is(err, os.ErrPermission) {
			return fmt.Errorf("cannot attach to process %d: %w", pid, err)
		}
	case !errors.Is(err, unix.EPERM):
		return fmt.Errorf("cannot attach to process %d: pidfd_getfd: %w", pid, err)
	}
	return PermissionError(pid)
}

// ptraceScopeFile holds the Yama LSM's ptrace policy, when Yama is enabled.
const ptraceScopeFile = "/proc/sys/kernel/yama/ptrace_scope"

// PermissionError explains why the kernel refused to let us ptrace pid,
// naming the rule that refused.
func PermissionError(pid int) error {
	if tracer := TracerOf(pid); tracer != 0 {
		return fmt.Errorf("cannot attach to process %d: it is already traced by process %d (a process has at most one tracer; see TracerPid in /proc/%d/status)", pid, tracer, pid)
	}
	msg := fmt.Sprintf("cannot attach to process %d: permission denied — ", pid)
	const fix = "; tracing it needs root (CAP_SYS_PTRACE)"
	status := procStatus(pid)
	if len(status) == 0 {
		return errors.New(msg + "it is not yours, or is privileged (setuid)" + fix)
	}
	uid, gid := strconv.Itoa(os.Getuid()), strconv.Itoa(os.Getgid())
	for _, id := range []struct{ field, want, what string }{{"Uid", uid, "user"}, {"Gid", gid, "group"}} {
		for _, v := range strings.Fields(status[id.field])[:min(3, len(strings.Fields(status[id.field])))] {
			if v != id.want {
				return errors.New(msg + fmt.Sprintf("it runs as another %s (%s: %s; you are %s)", id.what, id.field, status[id.field], id.want) + fix)
			}
		}
	}
	if theirs, err := strconv.ParseUint(status["CapPrm"], 16, 64); err == nil {
		if ours, _, err := Capabilities(); err == nil && theirs&^ours != 0 {
			return errors.New(msg + fmt.Sprintf("it holds capabilities that you do not (CapPrm %016x)", theirs&^ours) + fix)
		}
	}
	if scope, err := os.ReadFile(ptraceScopeFile); err == nil && strings.TrimSpace(string(scope)) != "0" {
		return errors.New(msg + fmt.Sprintf("kernel.yama.ptrace_scope is %s, which lets you trace only your own children (or nothing at all when 3)", strings.TrimSpace(string(scope))) + fix + ", or sysctl kernel.yama.ptrace_scope=0")
	}
	return errors.New(msg + "it is not dumpable (it executed a setuid or file-capability program, or called prctl(PR_SET_DUMPABLE, 0))" + fix)
}

// procStatus returns the fields of /proc/PID/status by name.
func procStatus(pid int) map[string]string {
	fields := map[string]string{}
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return fields
	}
	for line := range strings.Lines(string(status)) {
		if k, v, ok := strings.Cut(line, ":"); ok {
			fields[k] = strings.TrimSpace(v)
		}
	}
	return fields
}

// TracerOf returns the pid of the process tracing pid, 0 when none or
// unknown.
func TracerOf(pid int) int {
	n, _ := strconv.Atoi(procStatus(pid)["TracerPid"])
	return n
}

// TracedBy lists the processes that tracer ptraces (the TracerPid of
// their leader thread): the tasks of the strace backend's strace.
func TracedBy(tracer int) []int {
	return Processes(func(pid int) bool { return TracerOf(pid) == tracer })
}

// Capabilities returns this process's permitted and effective sets.
func Capabilities() (permitted, effective uint64, err error) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return 0, 0, fmt.Errorf("cannot read this process's capabilities: %w", err)
	}
	permitted = uint64(data[0].Permitted) | uint64(data[1].Permitted)<<32
	effective = uint64(data[0].Effective) | uint64(data[1].Effective)<<32
	return permitted, effective, nil
}
