//go:build linux

package tracer

import (
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A traced command runs in a process group of its own, but one that reads
// the terminal must be the terminal's foreground group, or the kernel stops
// it (SIGTTIN). So when stracectl is in the foreground of the terminal its
// command reads, the traced group gets the terminal for the trace (Ctrl-C
// then reaches the traced command directly) and stracectl takes it back
// after. A terminalJob carries job control across meanwhile: Ctrl-Z stops
// the traced group, so stracectl stops its own job and the shell sees it
// stopped; fg or bg continue stracectl, which continues the traced group,
// giving it the terminal back whenever stracectl is in the foreground.

// foregroundTerminal returns f's descriptor when f is a terminal whose
// foreground process group is ours.
func foregroundTerminal(f *os.File) (int, bool) {
	if f == nil {
		return -1, false
	}
	fd := int(f.Fd())
	pgrp, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	if err != nil || pgrp != unix.Getpgrp() {
		return -1, false
	}
	return fd, true
}

// takeTerminal makes our process group the foreground of terminal fd. We
// ask from the background, so SIGTTOU is blocked on this thread for the
// call (blocking it, unlike ignoring it, is not inherited by programs we
// start later).
func takeTerminal(fd int) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var set, old unix.Sigset_t
	sig := uint(syscall.SIGTTOU) - 1
	set.Val[sig/64] |= 1 << (sig % 64)
	if unix.PthreadSigmask(unix.SIG_BLOCK, &set, &old) != nil {
		return
	}
	unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, unix.Getpgrp())
	unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
}

// terminalJob relays job control between stracectl's job and the traced
// process group while that group owns the terminal.
type terminalJob struct {
	tty, pgid int
	cont      chan os.Signal
	quit      chan struct{}

	mu    sync.Mutex
	ended bool // pgid may no longer be signalled
}

// startTerminalJob starts relaying for process group pgid, which has been
// given terminal tty.
func startTerminalJob(tty, pgid int) *terminalJob {
	j := &terminalJob{tty: tty, pgid: pgid, cont: make(chan os.Signal, 1), quit: make(chan struct{})}
	signal.Notify(j.cont, syscall.SIGCONT)
	go j.relayContinues()
	return j
}

// groupStopped is called when the traced group has stopped (Ctrl-Z). Our
// job stops too where a shell does job control; elsewhere, as the kernel
// does for orphaned groups, the stop is ignored: the group continues.
func (j *terminalJob) groupStopped() {
	if !jobControlled() {
		j.mu.Lock()
		if !j.ended {
			unix.Kill(-j.pgid, syscall.SIGCONT)
		}
		j.mu.Unlock()
		return
	}
	takeTerminal(j.tty)
	unix.Kill(0, syscall.SIGTSTP)
}

// relayContinues continues the traced group whenever we are continued:
// with the terminal after fg, without it after bg. A shell's fg sends no
// signal to a job already running in the background, so after a bg the
// terminal is watched until it is ours again, to hand it over and continue
// the group (a program that read the terminal from the background is
// stopped by SIGTTIN).
func (j *terminalJob) relayContinues() {
	watch := time.NewTicker(foregroundPoll)
	watch.Stop()
	defer watch.Stop()
	for {
		select {
		case <-j.cont:
			if j.continueGroup() {
				watch.Stop()
			} else {
				watch.Reset(foregroundPoll)
			}
		case <-watch.C:
			if j.foreground() {
				j.continueGroup()
				watch.Stop()
			}
		case <-j.quit:
			return
		}
	}
}

// foregroundPoll is how often a job continued in the background checks
// whether the shell has brought it back to the foreground.
const foregroundPoll = 100 * time.Millisecond

// foreground reports whether our process group owns the terminal.
func (j *terminalJob) foreground() bool {
	fg, err := unix.IoctlGetInt(j.tty, unix.TIOCGPGRP)
	return err == nil && fg == unix.Getpgrp()
}

// continueGroup sends SIGCONT to the traced group, after handing it the
// terminal when we own it, and reports whether it did hand it over.
func (j *terminalJob) continueGroup() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.ended {
		return true
	}
	fg := j.foreground()
	if fg {
		unix.IoctlSetPointerInt(j.tty, unix.TIOCSPGRP, j.pgid)
	}
	unix.Kill(-j.pgid, syscall.SIGCONT)
	return fg
}

// end stops relaying, which must happen before the group's leader is
// reaped (its id could then be reused), and takes the terminal back.
func (j *terminalJob) end() {
	signal.Stop(j.cont)
	j.mu.Lock()
	j.ended = true
	j.mu.Unlock()
	close(j.quit)
	takeTerminal(j.tty)
}

// jobControlled reports whether a shell does job control over our process
// group: our parent is in our session but in another group, so our group
// is not orphaned and SIGTSTP stops it.
func jobControlled() bool {
	pgrp, session, ok := procGroup(os.Getppid())
	sid, err := unix.Getsid(0)
	return ok && err == nil && pgrp != unix.Getpgrp() && session == sid
}

// procGroup returns the process group and session of process pid, from
// /proc/PID/stat.
func procGroup(pid int) (pgrp, session int, ok bool) {
	fields := statFields(pid) // state ppid pgrp session ...
	if len(fields) < 4 {
		return 0, 0, false
	}
	pgrp, err1 := strconv.Atoi(fields[2])
	session, err2 := strconv.Atoi(fields[3])
	return pgrp, session, err1 == nil && err2 == nil
}

// cldStopped is CLD_STOPPED, the si_code of a child's stop in waitid.
const cldStopped = 5

// waitExit blocks until process pid has exited, without reaping it. With a
// terminal job it also tells the job when the process stops (Ctrl-Z).
func waitExit(pid int, job *terminalJob) error {
	opts := unix.WEXITED | unix.WNOWAIT
	if job != nil {
		opts |= unix.WSTOPPED
	}
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, opts, nil)
		switch {
		case err == unix.EINTR:
		case err != nil:
			return err
		case info.Code == cldStopped:
			// Consume the stop, which WNOWAIT left to be reported again.
			unix.Waitid(unix.P_PID, pid, &info, unix.WSTOPPED|unix.WNOHANG, nil)
			job.groupStopped()
		default:
			return nil
		}
	}
}
