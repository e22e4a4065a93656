package parse

import (
	"path/filepath"
	"strings"
)

// Which task a line is from, when the line does not say.
//
// strace writing to stderr prefixes "[pid N] " only while several tasks
// live, so a capture made with 2>&1 or -p has lines without a pid: those
// of the first task until it starts a second one, and those of the one
// task left. strace -ff -o PREFIX writes each task's lines, without a
// pid, to PREFIX.PID. What the input says elsewhere gives these lines
// their task:
//
//   - Options.DefaultPid, which the caller takes from a PREFIX.PID file
//     name (PidFromFileName);
//   - "strace: Process N attached" before any call (strace -p N);
//   - the first task's own "[pid N]": the one that resumes a call begun
//     without a pid, or else the first of a task neither announced by a
//     message nor returned by a fork, clone or vfork (none being under
//     way, whose child may print first); its earlier lines are held back
//     until then (at most maxHeld events, and never past the end of
//     input);
//   - "Process N attached" and "+++ exited" lines, which keep the set of
//     live tasks, so that a line without a pid while one task lives is
//     that task's.

// tasks is the Parser's knowledge of the traced tasks.
type tasks struct {
	bracketMode bool               // "[pid N]" prefixes were seen: unprefixed lines are the one task alive
	live        map[int64]struct{} // tasks announced or seen, not yet exited
	first       int64              // the task of unprefixed lines before bracketMode; 0 while unknown
	sawEvent    bool               // a call, signal or exit line was seen: an attach message now announces a child
	// learning: events without a task may still learn it from a later
	// line; they wait in held, and every later event behind them.
	learning bool
	held     []Event
	heldFrom int // held[heldFrom:] wait; the ones before are released
}

// maxHeld bounds the events held while the first task is unknown: past
// it, they are released with pid 0, and the first task is no longer
// waited for.
const maxHeld = 4 * BatchSize

// maxLiveTasks bounds the live-task set on garbage input.
const maxLiveTasks = 1 << 16

// PidFromFileName returns the pid in the name strace -ff -o PREFIX gives
// each task's file, PREFIX.PID ("trace.4251" gives 4251), for
// Options.DefaultPid. ok is false when the name ends otherwise. A rotated
// log ("strace.log.1") ends the same way: the pid applies only to lines
// without a pid column.
func PidFromFileName(name string) (pid int64, ok bool) {
	base := filepath.Base(name)
	k := strings.LastIndexByte(base, '.')
	if k <= 0 {
		return 0, false
	}
	pid, ok = parseUint(base[k+1:])
	if !ok || pid == 0 || pid > maxPid {
		return 0, false
	}
	return pid, true
}

// trackTask keeps the live-task set and gives a line without a pid its
// task, when it is known.
func (p *Parser) trackTask(pre *prefix) {
	switch {
	case pre.bracket:
		p.bracketMode = true
		if _, known := p.live[pre.pid]; !known && p.first == 0 && !p.pending.forkUnderWay() {
			// neither announced nor forked: the task that ran alone before
			p.learnFirst(pre.pid)
		}
		p.taskAttached(pre.pid)
	case pre.pid != 0:
		p.learning = false // a pid column on every line
	case p.bracketMode:
		if len(p.live) == 1 {
			for pid := range p.live {
				pre.pid = pid
			}
		}
	default:
		pre.pid = p.first
	}
}

// learnFirst notes the first task's pid: the held events are its own.
func (p *Parser) learnFirst(pid int64) {
	if p.first == 0 {
		p.first, p.learning = pid, false
	}
}

// forked notes the child a fork, clone or vfork returned while the first
// task is looked for: a live task, not the first one.
func (p *Parser) forked(ev *Event) {
	if ev.HasRetval && ev.Retval > 0 && ev.Retval <= maxPid {
		p.taskAttached(ev.Retval)
	}
}

// isFork names the calls that make a task and return its id.
func isFork(name string) bool {
	switch name {
	case "clone", "clone2", "clone3", "fork", "vfork":
		return true
	}
	return false
}

// forkUnderWay reports whether a call that makes a task waits, begun on a
// line without a pid: its child may print before it returns.
func (s *pendingCalls) forkUnderWay() bool {
	c := s.byPid[0]
	return c != nil && isFork(c.name)
}

// taskAttached notes a task strace announced ("Process N attached") or
// printed.
func (p *Parser) taskAttached(pid int64) {
	if len(p.live) < maxLiveTasks {
		p.live[pid] = struct{}{}
	}
}

// hold moves to p.held the events of dst[n:] that must wait for their
// task, and every event after the first of them: events leave in order.
func (p *Parser) hold(dst []Event, n int) []Event {
	if len(p.held) == p.heldFrom {
		if !p.learning {
			return dst
		}
		for n < len(dst) && dst[n].Pid != 0 {
			n++
		}
		if n == len(dst) {
			return dst
		}
	}
	p.held = append(p.held, dst[n:]...)
	p.recycle.pin()
	if len(p.held)-p.heldFrom >= maxHeld {
		p.learning = false
	}
	return dst[:n]
}

// release appends the held events to dst, up to limit events, once they
// wait no longer, giving those without a pid the first task's when known.
func (p *Parser) release(dst []Event, limit int) []Event {
	if p.learning {
		return dst
	}
	for p.heldFrom < len(p.held) && len(dst) < limit {
		ev := &p.held[p.heldFrom]
		if ev.Pid == 0 {
			ev.Pid = p.first
		}
		dst = append(dst, *ev)
		*ev = Event{}
		p.heldFrom++
	}
	if p.heldFrom == len(p.held) {
		p.held, p.heldFrom = p.held[:0], 0
		p.recycle.unpin()
	}
	return dst
}

// straceMessage recognises strace's own messages and notes the tasks they
// name: "strace: Process 12 attached", "/usr/bin/strace: ..." (any), and
// old strace's "Process 12 attached - interrupt to quit", "Process 12
// detached".
func (p *Parser) straceMessage(s string) bool {
	t := trimBlankLeft(s)
	if rest, ok := strings.CutPrefix(t, "Process "); ok {
		return p.processMessage(rest)
	}
	if !isStraceMessage(t) {
		return false
	}
	if k := strings.Index(t, "strace: Process "); k >= 0 {
		p.processMessage(t[k+len("strace: Process "):])
	}
	return true
}

// processMessage notes what "Process N attached", "... attached with 3
// threads", "... attached - interrupt to quit", "... detached", "...
// resumed (parent 1 ready)" or "... suspended" says; s follows
// "Process ". ok is false when s says nothing of the kind.
func (p *Parser) processMessage(s string) bool {
	j := 0
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	pid, ok := parseUint(s[:j])
	if !ok {
		return false
	}
	switch rest := s[j:]; {
	case isWord(rest, " attached"):
		if !p.sawEvent && p.first == 0 && len(p.live) == 0 {
			p.learnFirst(pid) // strace -p N: announced before any call
		}
		p.taskAttached(pid)
	case isWord(rest, " detached"):
		delete(p.live, pid)
	case isWord(rest, " resumed"), isWord(rest, " suspended"):
	default:
		return false
	}
	return true
}

// isWord reports whether s is w, or w and more after a space.
func isWord(s, w string) bool {
	return s == w || strings.HasPrefix(s, w) && s[len(w)] == ' '
}

// stripStraceMessage removes a trailing "/usr/bin/strace: Process N
// attached" (or "detached") that strace wrote into the middle of a call
// line, noting the task; found reports that there was one.
func (p *Parser) stripStraceMessage(s string) (rest string, found bool) {
	const process = "strace: Process "
	k := strings.LastIndex(s, process)
	if k < 0 || !p.processMessage(s[k+len(process):]) {
		return s, false
	}
	start := k
	for i := k - 1; i >= 0 && isPathByte(s[i]); i-- {
		if s[i] == '/' {
			start = i
		}
	}
	return s[:start], true
}

func isPathByte(c byte) bool {
	return isWordByte(c) || c == '/' || c == '.' || c == '-'
}

// isStraceMessage recognises strace's own messages ("strace: Process 12
// attached", "/usr/bin/strace: [wait(...)...]" with --debug), also when
// program output ran into their start.
func isStraceMessage(s string) bool {
	s = trimBlankLeft(s)
	if k := strings.Index(s, ": "); k > 0 && strings.IndexByte(s[:k], ' ') < 0 {
		tool := s[:k]
		if j := strings.LastIndexByte(tool, '/'); j >= 0 {
			tool = tool[j+1:]
		}
		if strings.HasPrefix(tool, "strace") {
			return true
		}
	}
	return strings.Contains(s, "/strace: ")
}
