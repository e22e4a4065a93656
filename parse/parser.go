package parse

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"unsafe"
)

// MaxLineBytes is the longest line the parser accepts; a longer line is
// reported and skipped, so that memory stays bounded on any input.
const MaxLineBytes = 16 << 20

// Limits on calls waiting for their "<... resumed>" line. Past either, the
// oldest waiting call is emitted as never returned (ret null), so memory is
// bounded however many tasks leave calls unfinished.
const (
	maxPending      = 1 << 16
	maxPendingBytes = 32 << 20
)

const (
	blockSize  = 256 << 10 // input is read in blocks of this size
	arenaSize  = 64 << 10  // synthesized strings (times, joined calls) share arenas of this size
	argsArena  = 8 << 10   // Args slices are cut from arrays of this many strings
	snippetLen = 80        // bytes of a bad line quoted in a Problem
	maxBatch   = 1024      // events ReadBatch returns at most, so batches have a bounded size
)

// Options tune a Parser. The zero value is ready to use.
type Options struct {
	// Raw keeps the original line(s) of each event in Event.Raw.
	Raw bool
	// OnProblem, when set, is called for every line the parser could not
	// understand, as it is met (stracectl --debug prints them).
	OnProblem func(Problem)
}

// Problem describes a line the parser could not fully understand.
type Problem struct {
	Line    int64  // 1-based line number in the input
	Reason  string // what was wrong ("not a strace line", "line cut before its end")
	Snippet string // the start of the line
}

// Error formats the problem the way stracectl reports it: `line 17: reason: "snippet"`.
func (p Problem) Error() string {
	return "line " + itoa(p.Line) + ": " + p.Reason + ": " + quoteSnippet(p.Snippet)
}

// Stats counts what a Parser has read so far.
type Stats struct {
	Lines    int64    // lines read, blank ones included
	Problems int64    // lines not (fully) understood
	First    *Problem // the first of them, nil when none
}

// Parser reads strace's text output and returns one Event per system call,
// signal and exit, in the order strace completed them. It is stateful: a call
// strace split over "<unfinished ...>" and "<... resumed>" lines, or a line
// that program output broke in two (2>&1 captures), becomes one event.
//
// A Parser never fails on bad input: what it cannot understand is counted in
// Stats, passed to Options.OnProblem, and skipped.
type Parser struct {
	lineInput
	opts Options
	done bool // the end of input has been handled and every event returned

	arena  []byte   // backing store of synthesized strings
	args   []string // backing store of Args slices
	splits []int    // reused by scanArgs

	pending pendingCalls
	cont    *cutLine // a call line cut by program output, waiting for its rest

	// With strace writing to stderr, pids appear as "[pid N]" only while
	// several tasks live; live tracks them so that unprefixed lines can be
	// given the one task left.
	bracketMode bool
	live        map[int64]struct{}

	queue eventQueue // for Next
}

// NewParser returns a parser reading strace output from r.
func NewParser(r io.Reader, opts Options) *Parser {
	return &Parser{
		lineInput: lineInput{r: r, onProblem: opts.OnProblem},
		opts:      opts,
		pending:   newPendingCalls(),
		live:      map[int64]struct{}{},
	}
}

// Next returns the next event, or io.EOF after the last one. The Event is
// overwritten by the following call to Next; its strings and Args are not,
// so a shallow copy keeps it.
func (p *Parser) Next() (*Event, error) { return p.queue.next(p.ReadBatch) }

// ReadBatch appends to dst the events of the input available now: it blocks
// until at least one event is ready or the input ends, then parses the
// complete lines already read, up to about a thousand events. It returns io.EOF, with no events, once the
// input is exhausted. Batching lets a pipeline hand events to another
// goroutine without a per-event cost, and still see them as soon as strace
// writes them.
func (p *Parser) ReadBatch(dst []Event) ([]Event, error) {
	n0 := len(dst)
	for {
		dst = p.parseBuffered(dst)
		if len(dst) > n0 {
			return dst, nil
		}
		if p.done {
			return dst, io.EOF
		}
		if p.readErr != nil {
			if !errors.Is(p.readErr, io.EOF) {
				p.done = true
				return dst, p.readErr
			}
			dst = p.finish(dst, n0+maxBatch)
			if len(dst) > n0 {
				return dst, nil
			}
			return dst, io.EOF
		}
		p.fill()
	}
}

// parseBuffered parses the complete lines in the block, up to maxBatch
// events.
func (p *Parser) parseBuffered(dst []Event) []Event {
	for limit := len(dst) + maxBatch; len(dst) < limit; {
		line, ok := p.next()
		if !ok {
			break
		}
		dst = p.parseLine(dst, view(line))
	}
	return dst
}

// finish handles the end of input: a last line without a newline, a cut
// line still waiting for its rest, and calls that never resumed, emitted
// oldest first up to limit events per call, then sets done.
func (p *Parser) finish(dst []Event, limit int) []Event {
	if line, ok := p.last(); ok {
		dst = p.parseLine(dst, view(line))
	}
	if c := p.cont; c != nil {
		p.cont = nil
		p.problemAt(c.line, "line cut before its end", c.raw)
	}
	for len(dst) < limit {
		c := p.pending.popOldest()
		if c == nil {
			p.done = true
			break
		}
		dst = p.emitUnreturned(dst, c)
	}
	return dst
}

// parseLine parses one line (without its newline) and appends its event, if any.
func (p *Parser) parseLine(dst []Event, s string) []Event {
	if isBlank(s) {
		return dst
	}
	if s[0] == 0xEF && strings.HasPrefix(s, "\uFEFF") {
		s = s[len("\uFEFF"):] // a byte-order mark
	}
	if c := p.cont; c != nil && (c.byMessage || isContinuation(s)) {
		p.cont = nil
		if c.joins < maxJoins && len(c.args)+len(s) <= MaxLineBytes {
			return p.continueCall(dst, c, s)
		}
		p.problemAt(c.line, "line cut before its end", c.raw)
	}
	var pre prefix
	body, ok := p.parsePrefix(s, &pre)
	if ok {
		var understood bool
		dst, understood = p.parseBody(dst, s, body, &pre)
		if understood {
			return dst
		}
	}
	if isOtherOutput(s) {
		p.stripStraceMessage(s) // notes "strace: Process N attached"
		return dst
	}
	p.problem("not a strace line", s)
	return dst
}

// cutLine is a call line that program output or a strace message cut
// before its end (2>&1 captures), waiting for the line that continues it.
type cutLine struct {
	*pendingCall
	joins int // continuation lines joined so far
	// byMessage: strace's own "Process N attached" cut it; the next line is
	// surely its rest, whatever it starts with.
	byMessage bool
}

// maxJoins bounds the continuation lines joined into one call: a real call
// is cut a few times at most, and each join rescans the text so far.
const maxJoins = 16

// prefix holds what precedes the call on a line: pid column and timestamps.
type prefix struct {
	pid     int64
	comm    string
	time    string
	rel     string
	bracket bool // the pid came from "[pid N]"
}

// parsePrefix reads the pid column (1234, 1234<comm>, [pid 1234]), the
// timestamps (-t, -tt, -ttt, -r, -t -r), the syscall number (-n) and the
// instruction pointer (-i), and returns the rest of the line.
func (p *Parser) parsePrefix(s string, pre *prefix) (string, bool) {
	if strings.HasPrefix(s, "[pid ") {
		i := 5
		for i < len(s) && s[i] == ' ' {
			i++
		}
		j := i
		for j < len(s) && '0' <= s[j] && s[j] <= '9' {
			j++
		}
		pid, ok := parseUint(s[i:j])
		if !ok || j >= len(s) || s[j] != ']' || pid > maxPid {
			return s, false
		}
		pre.pid, pre.bracket = pid, true
		s = s[j+1:]
		if s == "" || s[0] != ' ' {
			return s, false
		}
		s = s[1:]
	} else if len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
		j := 1
		for j < len(s) && '0' <= s[j] && s[j] <= '9' {
			j++
		}
		if j < len(s) && (s[j] == ' ' || s[j] == '<') && !(s[j] == ' ' && j >= 9 && j <= 11 && p.epochAhead(s, j)) {
			pid, ok := parseUint(s[:j])
			if !ok || pid > maxPid {
				return s, false
			}
			pre.pid = pid
			if s[j] == '<' {
				e, _ := skipDecoration(s, j)
				if e == j+1 {
					return s, false
				}
				pre.comm = s[j+1 : e-1]
				j = e
				if j >= len(s) || s[j] != ' ' {
					return s, false
				}
			}
			s = s[j:]
			for len(s) > 0 && s[0] == ' ' {
				s = s[1:]
			}
		}
	}
	// Timestamps. -r pads its seconds with spaces.
	t := trimSpaceLeft(s)
	if len(t) > 0 && '0' <= t[0] && t[0] <= '9' {
		j := 0
		colon := false
		for j < len(t) && ('0' <= t[j] && t[j] <= '9' || t[j] == ':' || t[j] == '.') {
			colon = colon || t[j] == ':'
			j++
		}
		if j >= len(t) || t[j] != ' ' {
			return s, false
		}
		stamp := t[:j]
		intLen := j
		if k := strings.IndexByte(stamp, '.'); k >= 0 {
			intLen = k
		}
		switch {
		case colon:
			pre.time = stamp
		case intLen >= 9:
			pre.time = p.epochTime(stamp)
			if pre.time == "" {
				return s, false
			}
		default: // -r: "0.000284", or whole seconds with --relative-timestamps=s
			pre.rel = stamp
		}
		s = t[j+1:]
		// -t with -r: "13:39:10.488293 (+     0.000000) "
		if strings.HasPrefix(s, "(+") {
			k := strings.IndexByte(s, ')')
			if k < 0 {
				return s, false
			}
			pre.rel = strings.TrimSpace(s[2:k])
			s = trimSpaceLeft(s[k+1:])
		}
	}
	// -n "[ 257] " and -i "[00007f...] " or "[????????????????] ".
	for len(s) > 1 && s[0] == '[' && s[1] != ' ' || strings.HasPrefix(s, "[ ") && isSyscallNumberTag(s) {
		k := strings.IndexByte(s, ']')
		if k < 0 || k+1 >= len(s) || s[k+1] != ' ' || strings.IndexByte(s[:k], ' ') >= 0 && !isSyscallNumberTag(s) {
			break
		}
		s = s[k+2:]
	}
	return s, true
}

// maxPid bounds the pid column: Linux pids are below 2^22; anything
// beyond 2^31 cannot be one.
const maxPid = 1<<31 - 1

// epochAhead reports whether the digits s[:j], followed by a space, are an
// epoch timestamp (strace --timestamps=unix,s) rather than a pid: a pid
// column is followed by the call, not by another number.
func (p *Parser) epochAhead(s string, j int) bool {
	_, ok := parseUint(s[:j])
	if !ok {
		return false
	}
	rest := trimSpaceLeft(s[j:])
	return rest != "" && !('0' <= rest[0] && rest[0] <= '9')
}

// isSyscallNumberTag recognises the -n tag "[ 257] " (padded decimal).
func isSyscallNumberTag(s string) bool {
	i := 1
	for i < len(s) && s[i] == ' ' {
		i++
	}
	j := i
	for j < len(s) && '0' <= s[j] && s[j] <= '9' {
		j++
	}
	return j > i && j < len(s) && s[j] == ']'
}

// epochTime converts an epoch timestamp to RFC 3339 in the arena; "" when it
// is out of range.
func (p *Parser) epochTime(stamp string) string {
	start := len(p.arena)
	if cap(p.arena)-start < 40 {
		p.arena = make([]byte, 0, arenaSize)
		start = 0
	}
	b, ok := appendRFC3339(p.arena, stamp)
	if !ok {
		return ""
	}
	p.arena = b
	return unsafe.String(&p.arena[start], len(b)-start)
}

// concat returns the strings joined, in the arena: it is how events made
// of several lines get their text without an allocation per event.
func (p *Parser) concat(parts ...string) string {
	n := 0
	for _, s := range parts {
		n += len(s)
	}
	if n == 0 {
		return ""
	}
	if cap(p.arena)-len(p.arena) < n {
		size := arenaSize
		if n > size/4 {
			b := make([]byte, 0, n)
			for _, s := range parts {
				b = append(b, s...)
			}
			return unsafe.String(&b[0], n)
		}
		p.arena = make([]byte, 0, size)
	}
	start := len(p.arena)
	for _, s := range parts {
		p.arena = append(p.arena, s...)
	}
	return unsafe.String(&p.arena[start], n)
}

// parseBody parses what follows the prefix. understood is false when the
// text is not strace's (the caller then tries the other known outputs).
func (p *Parser) parseBody(dst []Event, line, s string, pre *prefix) ([]Event, bool) {
	if s == "" {
		return dst, false
	}
	if pre.bracket || p.bracketMode {
		p.trackTask(pre)
	}
	switch c := s[0]; {
	case c == '-':
		return p.parseSignal(dst, line, s, pre)
	case c == '+':
		return p.parseExit(dst, line, s, pre)
	case c == '<':
		return p.parseResumed(dst, line, s, pre)
	case c == '>' || c == '|' || c == '*':
		// -k stack frames and -e read=/write= dumps after a pid column
		return dst, len(s) > 1 && s[1] == ' '
	case c == '=':
		// -e read=/write= of a vector: "= 2 buffers in vector 0"
		return dst, strings.Contains(s, " buffers in vector ")
	case isWordByte(c):
		return p.parseCall(dst, line, s, pre)
	}
	return dst, false
}

// trackTask maintains the live-task set of stderr captures and gives an
// unprefixed line the one task alive, when it is known.
func (p *Parser) trackTask(pre *prefix) {
	if pre.bracket {
		p.bracketMode = true
		p.taskAttached(pre.pid)
		return
	}
	if pre.pid == 0 && len(p.live) == 1 {
		for pid := range p.live {
			pre.pid = pid
		}
	}
}

// parseCall parses "name(args) = result", "name(args <unfinished ...>" and
// a line cut by program output.
func (p *Parser) parseCall(dst []Event, line, s string, pre *prefix) ([]Event, bool) {
	i := 0
	for i < len(s) && isWordByte(s[i]) {
		i++
	}
	if i >= len(s) || s[i] != '(' {
		return dst, false
	}
	name := s[:i]
	end, how, splits := scanArgs(s, i+1, p.splits[:0])
	p.splits = splits
	switch how {
	case argsClosed:
		return p.emitCall(dst, pre, name, s[i+1:end], splits, i+1, s[end+1:], line)
	case argsUnfinished, argsPidChanged:
		// An execve whose pid changed waits under the thread's pid until
		// "+++ superseded by execve in pid N +++" moves it to the leader.
		return p.addPending(dst, p.newPending(pre, name, s[i+1:end], line)), true
	case argsDetached:
		return p.emitUnreturned(dst, p.newPending(pre, name, s[i+1:end], line)), true
	}
	// argsOpen: the rest of the line may follow after program output.
	if p.cont != nil {
		p.problemAt(p.cont.line, "line cut before its end", p.cont.raw)
	}
	args, byMessage := p.stripStraceMessage(s[i+1:])
	p.cont = &cutLine{pendingCall: p.newPending(pre, name, args, line), byMessage: byMessage}
	p.cont.raw = strings.Clone(line)
	return dst, true
}

// emitCall appends the event of a complete call. args is the argument text,
// splits the indexes of its top-level ", " relative to base, after the text
// following the closing parenthesis.
func (p *Parser) emitCall(dst []Event, pre *prefix, name, args string, splits []int, base int, after, raw string) ([]Event, bool) {
	after = trimSpaceRight(after)
	after, ns, hasDur, durOK := cutDuration(after)
	after = trimSpaceLeft(after)
	if len(after) < 2 || after[0] != '=' || after[1] != ' ' {
		return dst, false
	}
	res, ok := parseResult(after[2:])
	if !ok {
		return dst, false
	}
	dst = append(dst, Event{})
	ev := &dst[len(dst)-1]
	ev.Kind = KindSyscall
	p.fillPrefix(ev, pre)
	ev.Syscall = name
	ev.Args = p.splitArgs(args, splits, base)
	if isWriteCall(name) && len(ev.Args) > 0 {
		ev.Args[len(ev.Args)-1] = cutProgramOutput(ev.Args[len(ev.Args)-1])
	}
	ev.Ret, ev.Returned = res.ret, true
	ev.Retval, ev.HasRetval = res.retval, res.okRetval
	ev.Errno, ev.Errmsg, ev.Note = res.errno, res.errmsg, res.note
	if hasDur && durOK {
		ev.DurationNs, ev.HasDuration = ns, true
	}
	if p.opts.Raw {
		ev.Raw = raw
	}
	if hasDur && !durOK {
		p.problem("duration out of range", raw)
	} else if !res.okRetval && isNumberLike(res.ret) && !fitsUint64(res.ret) {
		p.problem("result out of range", raw)
	}
	return dst, true
}

// fitsUint64 reports a result strace could have printed: an unsigned long
// ("18446744073709551615") or a hex pointer of at most 64 bits. Beyond
// int64 it has no retval, but the line is not wrong.
func fitsUint64(s string) bool {
	if i := strings.IndexByte(s, '<'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 2 && s[0] == '0' && s[1] == 'x' {
		return len(s) <= 18
	}
	return allDigits(s) && (len(s) < 20 || len(s) == 20 && s <= "18446744073709551615")
}

// isWriteCall names the calls whose last argument, a plain decimal number,
// the written text itself can run into in a 2>&1 capture: strace prints the
// arguments, then the program's output lands before the ") = N".
func isWriteCall(name string) bool {
	return name == "write" || name == "pwrite64" || name == "writev"
}

// cutProgramOutput keeps the decimal number at the start of arg when
// program output follows it ("16stdout line one" -> "16"). A hex count
// (-e raw=write prints "0x27") is left alone.
func cutProgramOutput(arg string) string {
	if strings.HasPrefix(arg, "0x") {
		return arg
	}
	j := 0
	for j < len(arg) && '0' <= arg[j] && arg[j] <= '9' {
		j++
	}
	if j == 0 || j == len(arg) {
		return arg
	}
	return arg[:j]
}

// isNumberLike reports a result that looks numeric but did not parse: it
// overflowed.
func isNumberLike(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
	}
	return s != "" && '0' <= s[0] && s[0] <= '9'
}

func (p *Parser) fillPrefix(ev *Event, pre *prefix) {
	ev.Pid, ev.Comm, ev.Time, ev.Rel = pre.pid, pre.comm, pre.time, pre.rel
}

// splitArgs cuts the argument text at the given separators into a slice of
// the args arena.
func (p *Parser) splitArgs(args string, splits []int, base int) []string {
	if args == "" {
		return []string{}[:0:0]
	}
	n := len(splits) + 1
	if cap(p.args)-len(p.args) < n {
		size := argsArena
		if n > size {
			size = n
		}
		p.args = make([]string, 0, size)
	}
	start := len(p.args)
	from := 0
	for _, at := range splits {
		p.args = append(p.args, args[from:at-base])
		from = at - base + 2
	}
	p.args = append(p.args, args[from:])
	return p.args[start:len(p.args):len(p.args)]
}

// parseResumed parses "<... name resumed>rest", joining it with the call
// it continues.
func (p *Parser) parseResumed(dst []Event, line, s string, pre *prefix) ([]Event, bool) {
	if !strings.HasPrefix(s, "<... ") {
		return dst, false
	}
	i := 5
	for i < len(s) && isWordByte(s[i]) {
		i++
	}
	name := s[5:i]
	if name == "" || !strings.HasPrefix(s[i:], " resumed>") {
		return dst, false
	}
	rest := s[i+len(" resumed>"):]
	opener := p.pending.take(pre.pid, name, p.bracketMode)
	if opener == nil && isExec(name) {
		// execve by a non-leader thread: the result comes under the
		// leader's pid while the opener waits under the thread's.
		opener = p.pending.takeExec(name)
	}
	// "<... read resumed> <unfinished ...>) = ?": the task died in the call.
	if strings.HasPrefix(rest, " <unfinished ...>") {
		rest = rest[len(" <unfinished ...>"):]
	}
	var args string
	rawText := line
	if opener != nil {
		args = p.concat(opener.args, rest)
		if p.opts.Raw {
			rawText = p.concat(opener.raw, "\n", line)
		}
		// The call began when the opener was printed.
		pre.time, pre.rel = opener.time, opener.rel
		if pre.comm == "" {
			pre.comm = opener.comm
		}
	} else {
		args = rest
	}
	end, how, splits := scanArgs(args, 0, p.splits[:0])
	p.splits = splits
	switch how {
	case argsClosed:
		dst, ok := p.emitCall(dst, pre, name, args[:end], splits, 0, args[end+1:], rawText)
		if !ok && opener != nil {
			p.problem("resumed call with no result", line)
			return p.emitUnreturned(dst, opener), true
		}
		return dst, ok
	case argsUnfinished, argsDetached:
		c := &pendingCall{pid: pre.pid, name: name, args: strings.Clone(args[:end]), time: pre.time, rel: pre.rel, comm: pre.comm, raw: rawText, line: p.line}
		if how == argsUnfinished {
			// resumed and interrupted again: it waits for another resumed line
			return p.addPending(dst, c), true
		}
		return p.emitUnreturned(dst, c), true
	}
	if opener != nil {
		// the resumed line is cut: the call is reported as never returned
		p.problem("resumed call with no result", line)
		return p.emitUnreturned(dst, opener), true
	}
	return dst, false
}

// continueCall joins a cut call line with the line that continues it.
func (p *Parser) continueCall(dst []Event, c *cutLine, s string) []Event {
	text := p.concat(c.args, s)
	raw := c.raw
	if p.opts.Raw {
		raw = p.concat(c.raw, "\n", s)
	}
	pre := prefix{pid: c.pid, comm: c.comm, time: c.time, rel: c.rel}
	end, how, splits := scanArgs(text, 0, p.splits[:0])
	p.splits = splits
	switch how {
	case argsClosed:
		var ok bool
		dst, ok = p.emitCall(dst, &pre, c.name, text[:end], splits, 0, text[end+1:], raw)
		if !ok {
			p.problem("not a strace line", s)
		}
		return dst
	case argsUnfinished, argsPidChanged:
		return p.addPending(dst, p.newPending(&pre, c.name, text[:end], raw))
	case argsDetached:
		return p.emitUnreturned(dst, p.newPending(&pre, c.name, text[:end], raw))
	}
	args, byMessage := p.stripStraceMessage(text)
	c.args, c.raw = strings.Clone(args), strings.Clone(raw)
	c.joins++
	c.byMessage = byMessage
	p.cont = c
	return dst
}

// isContinuation recognises the start of the rest of a call line that
// program output (or "strace: Process N attached") broke in two.
func isContinuation(s string) bool {
	switch s[0] {
	case ')', ',':
		return true
	case ' ':
		return strings.HasPrefix(s, " => ") || strings.HasPrefix(s, " <unfinished ...>") ||
			strings.HasPrefix(s, " <detached ...>") || strings.HasPrefix(s, " <pid changed to ")
	}
	return false
}

// stripStraceMessage removes a trailing "/usr/bin/strace: Process N
// attached" (or "detached") that strace wrote into the middle of a call
// line, noting the task; found reports that there was one.
func (p *Parser) stripStraceMessage(s string) (rest string, found bool) {
	const process = "strace: Process "
	k := strings.LastIndex(s, process)
	if k < 0 {
		return s, false
	}
	tail := s[k+len(process):]
	j := 0
	for j < len(tail) && '0' <= tail[j] && tail[j] <= '9' {
		j++
	}
	pid, ok := parseUint(tail[:j])
	if !ok {
		return s, false
	}
	switch tail[j:] {
	case " attached":
		p.taskAttached(pid)
	case " detached":
		delete(p.live, pid)
	default:
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

// taskAttached notes a task strace announced ("Process N attached").
func (p *Parser) taskAttached(pid int64) {
	if len(p.live) < maxLiveTasks {
		p.live[pid] = struct{}{}
	}
}

// maxLiveTasks bounds the live-task set on garbage input.
const maxLiveTasks = 1 << 16

func isPathByte(c byte) bool {
	return isWordByte(c) || c == '/' || c == '.' || c == '-'
}

// parseSignal parses "--- SIGCHLD {si_signo=...} ---"; "--- stopped by
// SIGSTOP ---" is understood but is no event.
func (p *Parser) parseSignal(dst []Event, line, s string, pre *prefix) ([]Event, bool) {
	if !strings.HasPrefix(s, "--- ") || !strings.HasSuffix(s, " ---") || len(s) < 9 {
		return dst, false
	}
	body := s[4 : len(s)-4]
	if strings.HasPrefix(body, "stopped by ") {
		return dst, true
	}
	k := strings.IndexByte(body, ' ')
	name, info := body, ""
	if k >= 0 {
		name, info = body[:k], body[k+1:]
	}
	if !strings.HasPrefix(name, "SIG") {
		return dst, false
	}
	dst = append(dst, Event{Kind: KindSignal, Signal: name, Siginfo: info})
	ev := &dst[len(dst)-1]
	p.fillPrefix(ev, pre)
	if p.opts.Raw {
		ev.Raw = line
	}
	return dst, true
}

// parseExit parses "+++ exited with N +++" and "+++ killed by SIG... [(core
// dumped)] +++"; "+++ superseded by execve in pid N +++" moves that thread's
// pending execve to this pid and is no event.
func (p *Parser) parseExit(dst []Event, line, s string, pre *prefix) ([]Event, bool) {
	if !strings.HasPrefix(s, "+++ ") || !strings.HasSuffix(s, " +++") || len(s) < 9 {
		return dst, false
	}
	body := s[4 : len(s)-4]
	ev := Event{Kind: KindExit}
	switch {
	case strings.HasPrefix(body, "exited with "):
		code := body[len("exited with "):]
		neg := strings.HasPrefix(code, "-")
		v, ok := parseUint(strings.TrimPrefix(code, "-"))
		if !ok {
			if allDigits(strings.TrimPrefix(code, "-")) {
				p.problem("exit status out of range", line)
				return dst, true
			}
			return dst, false
		}
		if neg {
			v = -v
		}
		ev.ExitCode, ev.HasExitCode = v, true
	case strings.HasPrefix(body, "killed by "):
		sig := body[len("killed by "):]
		if strings.HasSuffix(sig, " (core dumped)") {
			sig = sig[:len(sig)-len(" (core dumped)")]
			ev.CoreDumped = true
		}
		if !strings.HasPrefix(sig, "SIG") || strings.IndexByte(sig, ' ') >= 0 {
			return dst, false
		}
		ev.Signal = sig
	case strings.HasPrefix(body, "superseded by execve in pid "):
		if from, ok := parseUint(body[len("superseded by execve in pid "):]); ok {
			if old := p.pending.moveExec(from, pre.pid); old != nil {
				dst = p.emitUnreturned(dst, old)
			}
			return dst, true
		}
		return dst, false
	default:
		return dst, false
	}
	p.fillPrefix(&ev, pre)
	if p.opts.Raw {
		ev.Raw = line
	}
	delete(p.live, pre.pid)
	return append(dst, ev), true
}

// isOtherOutput recognises lines strace (or a strace run) writes that are
// not events: its own messages, -k stack frames, -e read=/write= dumps,
// personality changes and the -c summary table.
func isOtherOutput(s string) bool {
	if len(s) > 2 && s[0] == ' ' && s[2] == ' ' {
		switch s[1] {
		case '>', '|', '*': // -k frames, -e read=/write= dumps
			return true
		case '=':
			return strings.Contains(s, " buffers in vector ")
		}
	}
	if strings.HasPrefix(s, " VCPU:") { // -e kvm=vcpu
		return true
	}
	if strings.HasPrefix(s, "[ Process PID=") {
		return true
	}
	if isStraceMessage(s) {
		return true
	}
	return isSummaryLine(s)
}

// isStraceMessage recognises strace's own messages ("strace: Process 12
// attached", "/usr/bin/strace: [wait(...)...]" with --debug), also when
// program output ran into their start.
func isStraceMessage(s string) bool {
	s = trimSpaceLeft(s)
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

// isSummaryLine recognises the lines of strace -c/-C's table: the header,
// the dashed rules, rows of numbers ending with a syscall name or "total",
// and the "System call usage summary for ..." title.
func isSummaryLine(s string) bool {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "% time") || strings.HasPrefix(t, "System call usage summary") {
		return true
	}
	if strings.HasSuffix(t, " syscall") && isSummaryHeader(t) {
		return true
	}
	if t != "" && strings.Trim(t, "- ") == "" {
		return true
	}
	fields := strings.Fields(t)
	if len(fields) < 2 {
		return false
	}
	for _, f := range fields[:len(fields)-1] {
		if !isDecimalNumber(f) {
			return false
		}
	}
	last := fields[len(fields)-1]
	for i := 0; i < len(last); i++ {
		if !isWordByte(last[i]) {
			return false
		}
	}
	return true
}

// isSummaryHeader accepts a header of the columns strace -c can print
// (-U picks them): "calls errors syscall", "seconds  wall-total calls syscall".
func isSummaryHeader(t string) bool {
	for _, f := range strings.Fields(t) {
		for i := 0; i < len(f); i++ {
			c := f[i]
			if !('a' <= c && c <= 'z' || c == '-' || c == '/' || c == '%') {
				return false
			}
		}
	}
	return true
}

func isDecimalNumber(s string) bool {
	dot := strings.IndexByte(s, '.')
	if dot < 0 {
		return allDigits(s)
	}
	return allDigits(s[:dot]) && allDigits(s[dot+1:])
}

func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' && s[i] != '\t' {
			return false
		}
	}
	return true
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// quoteSnippet quotes a bad line for a message, escaping what a terminal
// should not see raw.
func quoteSnippet(s string) string {
	return strconv.Quote(strings.ToValidUTF8(s, "\uFFFD"))
}
