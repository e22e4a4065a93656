//go:build linux

package tracer

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// Job is what a backend starts: a process that leads a process group of
// its own (the traced command, or strace with the command under it). The
// group is what a signal to stracectl is passed on to, and what owns the
// terminal while it runs.
type Job struct {
	cmd    *exec.Cmd
	term   *terminalJob
	exited chan struct{}
}

// StartJob starts cmd as the leader of a new process group, with start
// (cmd.Start when nil: a backend may start it its own way). When stdin is
// the terminal and we are in its foreground, the group takes the terminal
// (an interactive command then reads it, and Ctrl-C reaches it as without
// stracectl) and job control is relayed until the leader ends. The caller
// connects cmd's stdio. beforeReap, when set, runs once the leader has
// exited but before it is reaped, while its group id cannot be reused.
func StartJob(cmd *exec.Cmd, stdin *os.File, start func() error, beforeReap func(pid int)) (*Job, error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	tty, interactive := foregroundTerminal(stdin)
	if interactive {
		cmd.SysProcAttr.Foreground, cmd.SysProcAttr.Ctty = true, tty
	}
	if start == nil {
		start = cmd.Start
	}
	if err := start(); err != nil {
		return nil, err
	}
	j := &Job{cmd: cmd, exited: make(chan struct{})}
	if interactive {
		j.term = startTerminalJob(tty, cmd.Process.Pid) // Ctrl-Z, fg and bg reach the group
	}
	go func() {
		waitExit(j.Pid(), j.term)
		if beforeReap != nil {
			beforeReap(j.Pid())
		}
		if j.term != nil {
			j.term.end() // before the reap: the group id stays ours meanwhile
		}
		cmd.Wait()
		close(j.exited)
	}()
	return j, nil
}

// Pid is the leader's process id, which is also the group's id.
func (j *Job) Pid() int { return j.cmd.Process.Pid }

// Exited is closed once the leader has exited and been reaped.
func (j *Job) Exited() <-chan struct{} { return j.exited }

// Status is the leader's exit status as a shell reports it (128+N when
// signal N killed it); valid once Exited is closed.
func (j *Job) Status() int { return ShellStatus(j.cmd.ProcessState) }

// Signal sends sig to the whole group.
func (j *Job) Signal(sig syscall.Signal) { syscall.Kill(-j.Pid(), sig) }

// SignalLeavers sends sig to each process of traced that is not in the
// job's process group: a traced process that left it (a daemon calls
// setsid) is not reached by Signal, but is stopped with the rest. The
// backend says which processes it traces.
func (j *Job) SignalLeavers(sig syscall.Signal, traced []int) {
	for _, pid := range traced {
		if pgrp, _, ok := procGroup(pid); ok && pgrp != j.Pid() {
			syscall.Kill(pid, sig)
		}
	}
}

// Stopper escalates the stop of a trace, one step at a time: Step runs the
// first step when stracectl is asked to stop (a signal), and then, each
// time C fires (Options.KillAfter after the step before), the next one,
// for as long as the trace has not ended. A backend drives it from its own loop,
// so that its events keep flowing meanwhile.
type Stopper struct {
	// C fires when the next step is due; nil before the first step and
	// after the last.
	C     <-chan time.Time
	grace time.Duration
	steps []func()
	timer *time.Timer
}

// NewStopper returns a Stopper with these steps, in order, spaced by the
// options' KillAfter.
func (o *Options) NewStopper(steps ...func()) *Stopper {
	return &Stopper{grace: o.killAfter(), steps: steps}
}

// Step runs the next step and arms C for the one after it.
func (s *Stopper) Step() {
	if len(s.steps) == 0 {
		s.C = nil
		return
	}
	step := s.steps[0]
	s.steps = s.steps[1:]
	step()
	if len(s.steps) == 0 {
		s.C = nil
		return
	}
	if s.timer == nil {
		s.timer = time.NewTimer(s.grace)
	} else {
		s.timer.Reset(s.grace)
	}
	s.C = s.timer.C
}

// Close releases the Stopper's timer.
func (s *Stopper) Close() {
	if s.timer != nil {
		s.timer.Stop()
	}
}

// KillStep is a step that says on the diagnostics that what did not stop
// within KillAfter is being killed, then kills it with kill.
func (o *Options) KillStep(what string, kill func()) func() {
	return func() {
		fmt.Fprintf(o.DiagWriter(), "stracectl: %s did not stop within %v; killing it\n", what, o.killAfter())
		kill()
	}
}

// GroupMembers lists the processes of process group pgid, from /proc.
func GroupMembers(pgid int) []int {
	return Processes(func(pid int) bool {
		pgrp, _, ok := procGroup(pid)
		return ok && pgrp == pgid
	})
}

// Processes lists the processes for which keep is true, from /proc.
func Processes(keep func(pid int) bool) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil && keep(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}
