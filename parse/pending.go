package parse

import "unsafe"

// pendingCall is a call whose line ended before its result: an
// "<unfinished ...>" opener waiting for its "<... resumed>" line, or a line
// cut by program output waiting for its rest. Its strings are private copies,
// so that a call left waiting does not keep a whole input block alive.
type pendingCall struct {
	prefix        // pid, comm, context and times of the line the call began on
	name   string // the call's name
	args   string // argument text printed so far, without a dangling separator (see cutArgs)
	// sepOpen: the text printed so far ended with a separator ", ", so
	// the arguments go on after the cut.
	sepOpen bool
	raw     string // the line(s) so far; kept only with Options.Raw, or for a cut line
	line    int64  // where the call began, for diagnostics
	done    bool   // taken out of the set; its place in the order is stale
}

func (c *pendingCall) size() int {
	return len(c.args) + len(c.raw) + len(c.name) + len(c.time) + len(c.rel) + len(c.comm) + len(c.secontext) + 128
}

// pendingCalls holds at most one waiting call per task, in the order they
// began, so that the oldest can be given up first when limits are reached.
type pendingCalls struct {
	byPid map[int64]*pendingCall
	order []*pendingCall // oldest first; entries marked done are skipped
	head  int
	bytes int
	// execs are the waiting execve/execveat calls, oldest first, entries
	// marked done skipped: takeExec looks only here.
	execs []*pendingCall
}

func newPendingCalls() pendingCalls {
	return pendingCalls{byPid: map[int64]*pendingCall{}}
}

// add records c and returns the call it displaces: the task's previous
// waiting call, which can never resume now.
func (s *pendingCalls) add(c *pendingCall) (displaced *pendingCall) {
	if old := s.byPid[c.pid]; old != nil {
		s.remove(old)
		displaced = old
	}
	s.byPid[c.pid] = c
	s.compact()
	s.order = append(s.order, c)
	if isExec(c.name) {
		s.execs = append(s.execs, c)
	}
	s.bytes += c.size()
	return displaced
}

// overLimit reports whether the set holds too many calls or bytes.
func (s *pendingCalls) overLimit() bool {
	return len(s.byPid) > maxPending || s.bytes > maxPendingBytes
}

// take removes and returns the call of task pid named name. In a stderr
// capture a call begun while only one task lived carries no pid, so a call
// of that name with pid 0 is taken as a last resort.
func (s *pendingCalls) take(pid int64, name string, unprefixedToo bool) *pendingCall {
	c := s.byPid[pid]
	if (c == nil || c.name != name) && unprefixedToo {
		c = s.byPid[0]
	}
	if c == nil || c.name != name {
		return nil
	}
	s.remove(c)
	return c
}

// takeExec removes and returns the most recent waiting execve or execveat
// named name, whatever its task: the opener of an exec that a non-leader
// thread made, whose result strace prints under the leader's pid.
func (s *pendingCalls) takeExec(name string) *pendingCall {
	for len(s.execs) > 0 {
		c := s.execs[len(s.execs)-1]
		if c.done {
			s.execs[len(s.execs)-1] = nil
			s.execs = s.execs[:len(s.execs)-1]
			continue
		}
		if c.name != name {
			return nil
		}
		s.execs = s.execs[:len(s.execs)-1]
		s.remove(c)
		return c
	}
	return nil
}

// moveExec gives task to the waiting execve or execveat of task from ("+++
// superseded by execve in pid from +++"), returning the call it displaces.
func (s *pendingCalls) moveExec(from, to int64) (displaced *pendingCall) {
	c := s.byPid[from]
	if c == nil || !isExec(c.name) || from == to {
		return nil
	}
	delete(s.byPid, from)
	if old := s.byPid[to]; old != nil {
		s.remove(old)
		displaced = old
	}
	c.pid = to
	s.byPid[to] = c
	return displaced
}

// isExec names the calls that a non-leader thread can make, whose result
// strace then reports under the leader's pid.
func isExec(name string) bool { return name == "execve" || name == "execveat" }

// popOldest removes and returns the call waiting longest, or nil.
func (s *pendingCalls) popOldest() *pendingCall {
	for s.head < len(s.order) {
		c := s.order[s.head]
		s.order[s.head] = nil
		s.head++
		if !c.done {
			s.remove(c)
			return c
		}
	}
	s.order, s.head = s.order[:0], 0
	return nil
}

func (s *pendingCalls) remove(c *pendingCall) {
	if s.byPid[c.pid] == c {
		delete(s.byPid, c.pid)
	}
	c.done = true
	s.bytes -= c.size()
}

// compact drops stale entries from the order once they dominate it, keeping
// its length proportional to the number of waiting calls.
func (s *pendingCalls) compact() {
	if len(s.order) < 1024 || len(s.order) < 4*len(s.byPid) {
		return
	}
	kept := s.order[:0]
	for _, c := range s.order[s.head:] {
		if c != nil && !c.done {
			kept = append(kept, c)
		}
	}
	clear(s.order[len(kept):])
	s.order, s.head = kept, 0
	execs := s.execs[:0]
	for _, c := range s.execs {
		if !c.done {
			execs = append(execs, c)
		}
	}
	clear(s.execs[len(execs):])
	s.execs = execs
}

// newPending copies what a waiting call needs out of the input block, into
// one allocation. args is the argument text printed before the cut.
func (p *Parser) newPending(pre *prefix, name, args, raw string) *pendingCall {
	if !p.opts.Raw {
		raw = ""
	}
	args, sepOpen := cutArgs(args)
	buf := make([]byte, 0, len(name)+len(args)+len(pre.time)+len(pre.rel)+len(pre.comm)+len(pre.secontext)+len(raw))
	cut := func(s string) string {
		if s == "" {
			return ""
		}
		buf = append(buf, s...)
		return unsafe.String(&buf[len(buf)-len(s)], len(s))
	}
	return &pendingCall{
		prefix: prefix{
			pid:       pre.pid,
			comm:      cut(pre.comm),
			secontext: cut(pre.secontext),
			time:      cut(pre.time),
			rel:       cut(pre.rel),
			bracket:   pre.bracket,
		},
		name:    cut(name),
		args:    cut(args),
		sepOpen: sepOpen,
		raw:     cut(raw),
		line:    p.line,
	}
}

// addPending records an opener, emitting as never returned the calls it
// displaces or that the limits push out.
func (p *Parser) addPending(dst []Event, c *pendingCall) []Event {
	if old := p.pending.add(c); old != nil {
		dst = p.emitUnreturned(dst, old)
	}
	for p.pending.overLimit() {
		dst = p.emitUnreturned(dst, p.pending.popOldest())
	}
	return dst
}

// emitUnreturned appends the event of a call that never returned: ret null,
// not counted as a call.
func (p *Parser) emitUnreturned(dst []Event, c *pendingCall) []Event {
	_, _, splits := scanArgs(c.args, 0, p.splits[:0])
	p.splits = splits
	dst = append(dst, Event{Kind: KindSyscall, Syscall: c.name, Args: p.splitArgs(c.args, splits, 0), Raw: c.raw})
	c.fill(&dst[len(dst)-1])
	return dst
}
