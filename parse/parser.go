package parse

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
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

// Sizes of the buffers. Each kind starts small, so that a short input
// costs little, and goes to its full size as soon as the input is long
// (see nextSize, arenaNext and blocks.fill).
const (
	blockSize      = 256 << 10 // input is read in blocks of this size
	firstBlockSize = 4 << 10
	arenaSize      = 64 << 10 // synthesized strings (times, joined calls) share arenas of this size
	firstArenaSize = 4 << 10
	argsArena      = 8 << 10 // Args slices are cut from arrays of this many strings
	firstArgsArena = 256
	snippetLen     = 80 // bytes of a bad line quoted in a Problem
)

// BatchSize is how many events a batch holds: what ReadBatch returns at
// most, what a pump asks a reader for at once, and what every producer
// (parser, tracer backend) hands a sink at once. One number, so that
// batches recycled between them always fit.
const BatchSize = 1024

// Options tune a Parser. The zero value is ready to use.
type Options struct {
	// Raw keeps the original line(s) of each event in Event.Raw.
	Raw bool
	// OnProblem, when set, is called for every line the parser could not
	// understand, as it is met (stracectl --debug prints them).
	OnProblem func(Problem)
	// DefaultPid is the task of the lines that have no pid column, when
	// the caller knows it: strace -ff -o PREFIX writes each task's lines,
	// without pids, to PREFIX.PID (see PidFromFileName). 0 lets the parser
	// find it in the input where it can (see tasks).
	DefaultPid int64
	// Recycle reuses the input blocks and arenas that events point into
	// once the caller is done with them, so that reading allocates next to
	// nothing (see recycle.go). The caller promises that it gives a
	// batch's slice back to ReadBatch (as dst) only once it is done with
	// its events and everything they point to, having done with the
	// batches before it first: as emit.Stream does. Events read with Next
	// are not affected.
	Recycle bool
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

// LineCount counts the lines a reader has read so far and those it did
// not understand.
type LineCount struct {
	Lines    int64    // lines read, blank ones included
	Problems int64    // lines not (fully) understood
	First    *Problem // the first of them, nil when none
}

// Parser reads strace's text output and returns one Event per system call,
// signal and exit, in the order strace completed them. It is stateful: a call
// strace split over "<unfinished ...>" and "<... resumed>" lines, or a line
// that program output broke in two (2>&1 captures), becomes one event; a
// line without a pid gets its task from what other lines say (see tasks);
// strace -c tables are kept apart (StraceSummaries).
//
// A Parser never fails on bad input: what it cannot understand is counted in
// LineCount, passed to Options.OnProblem, and skipped.
type Parser struct {
	lineInput
	opts Options
	done bool // the end of input has been handled and every event returned

	lineParser // for the lines parsed in order

	pending pendingCalls
	cut     *cutLine // a call line cut by program output, waiting for its rest

	tasks // which task a line without a pid is from

	// strace -c tables: the one being read, those read, and the
	// personality a title gave the next one
	table       *summaryTable
	summaries   []StraceSummary
	personality string

	queue eventQueue // for Next

	recycle recycler // with Options.Recycle
}

// NewParser returns a parser reading strace output from r.
func NewParser(r io.Reader, opts Options) *Parser {
	p := &Parser{
		lineInput:  lineInput{blocks: blocks{r: r}, lineLog: lineLog{onProblem: opts.OnProblem}},
		lineParser: lineParser{raw: opts.Raw},
		opts:       opts,
		pending:    newPendingCalls(),
		tasks:      tasks{live: map[int64]struct{}{}, first: opts.DefaultPid, learning: opts.DefaultPid == 0},
	}
	if opts.Recycle {
		p.blocks.recycle, p.lineParser.recycle = &p.recycle, &p.recycle
	}
	return p
}

// Next returns the next event, or io.EOF after the last one. The Event is
// overwritten by the following call to Next; its strings and Args are not,
// so a shallow copy keeps it.
func (p *Parser) Next() (*Event, error) { return p.queue.next(p.readBatch) }

// ReadBatch appends to dst the events of the input available now: it blocks
// until at least one event is ready or the input ends, then parses the
// complete lines already read, up to about a thousand events. It returns
// io.EOF, with no events, once the input is exhausted. Batching lets a
// pipeline hand events to another goroutine without a per-event cost, and
// still see them as soon as strace writes them. The one exception: at the
// start of an input whose lines have no pid (a 2>&1 capture), events wait
// for the line that names their task, at most 4096 of them and never past
// the end of input.
//
// With Options.Recycle, giving a batch's slice back as dst tells that the
// caller is done with it (see Options.Recycle).
func (p *Parser) ReadBatch(dst []Event) ([]Event, error) {
	if !p.opts.Recycle {
		return p.readBatch(dst)
	}
	p.recycle.given(dst)
	n0 := len(dst)
	dst, err := p.readBatch(dst)
	if len(dst) > n0 {
		p.recycle.lend(dst)
	}
	return dst, err
}

// readBatch is ReadBatch without the bookkeeping of Options.Recycle.
func (p *Parser) readBatch(dst []Event) ([]Event, error) {
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
			dst = p.finish(dst, n0+BatchSize)
			if len(dst) > n0 {
				return dst, nil
			}
			return dst, io.EOF
		}
		p.fill()
	}
}

// parseBuffered parses the complete lines in the block, up to BatchSize
// events, after the held events that wait no longer.
func (p *Parser) parseBuffered(dst []Event) []Event {
	limit := len(dst) + BatchSize
	dst = p.release(dst, limit)
	for len(dst) < limit {
		line, ok := p.next()
		if !ok {
			break
		}
		n := len(dst)
		dst = p.parseLine(dst, aliasString(line), p.lineHigh)
		if p.learning || p.heldFrom < len(p.held) {
			dst = p.release(p.hold(dst, n), limit)
		}
	}
	return dst
}

// finish handles the end of input: a last line without a newline, a cut
// line still waiting for its rest, the held events, and calls that never
// resumed, emitted oldest first; up to limit events per call. It sets done
// once all are out.
func (p *Parser) finish(dst []Event, limit int) []Event {
	if line, ok := p.last(); ok {
		n := len(dst)
		dst = p.hold(p.parseLine(dst, aliasString(line), p.lineHigh), n)
	}
	if c := p.cut; c != nil {
		p.cut = nil
		p.problemAt(c.line, "line cut before its end", c.raw)
	}
	p.endTable()
	p.learning = false
	dst = p.release(dst, limit)
	for len(dst) < limit && p.heldFrom == len(p.held) {
		c := p.pending.popOldest()
		if c == nil {
			p.done = true
			break
		}
		dst = p.emitUnreturned(dst, c)
	}
	return dst
}

// parseLine parses one line (without its newline) and appends its event,
// if any. high tells that the line holds a byte >= 0x80, so it may not be
// UTF-8.
func (p *Parser) parseLine(dst []Event, s string, high bool) []Event {
	if high {
		s = strings.TrimPrefix(s, "\uFEFF") // a byte-order mark
		if !utf8.ValidString(s) {
			s = p.escapeInvalidUTF8(s)
		}
	}
	if c := p.cut; c != nil {
		var done bool
		if dst, done = p.continueCut(dst, c, s); done {
			return dst
		}
	}
	if isBlank(s) {
		return dst
	}
	if p.table != nil && p.summaryLine(s) {
		return dst
	}
	var pre prefix
	body, ok := p.parsePrefix(s, &pre)
	if ok {
		var understood bool
		dst, understood = p.parseBody(dst, s, body, &pre)
		if understood {
			p.sawEvent = true
			return dst
		}
	}
	if c := p.cut; c != nil {
		if dst, ok = p.tryContinue(dst, c, s); ok {
			return dst
		}
	}
	if p.straceMessage(s) || isOtherOutput(s) || p.summaryHeader(s) {
		return dst
	}
	if k := strings.Index(s, "[pid "); k > 0 {
		// program output with no newline before a strace line
		if dst, ok = p.parseGlued(dst, s, k); ok {
			return dst
		}
	}
	p.problem("not a strace line", s)
	return dst
}

// parseGlued parses the strace line that starts at s[k], after program
// output, and reports the output.
func (p *Parser) parseGlued(dst []Event, s string, k int) ([]Event, bool) {
	var pre prefix
	body, ok := p.parsePrefix(s[k:], &pre)
	if !ok {
		return dst, false
	}
	if dst, ok = p.parseBody(dst, s[k:], body, &pre); ok {
		p.problem("program output before the strace line", s)
	}
	return dst, ok
}

// parseBody parses what follows the prefix. understood is false when the
// text is not strace's (the caller then tries the other known outputs).
func (p *Parser) parseBody(dst []Event, line, s string, pre *prefix) ([]Event, bool) {
	if s == "" {
		return dst, false
	}
	switch {
	case pre.bracket || p.bracketMode:
		p.trackTask(pre)
	case pre.pid == 0:
		pre.pid = p.first // the one task there is, when known
	default:
		p.learning = false // a pid column on every line
	}
	switch c := s[0]; {
	case c == '-':
		return p.parseSignal(dst, line, s, pre)
	case c == '+':
		return p.parseExit(dst, line, s, pre)
	case c == '<':
		return p.parseResumed(dst, line, s, pre)
	case isWordByte(c):
		return p.parseCall(dst, line, s, pre)
	}
	return dst, false
}

// parseCall parses "name(args) = result", "name(args <unfinished ...>" and
// a line cut by program output.
func (p *Parser) parseCall(dst []Event, line, s string, pre *prefix) ([]Event, bool) {
	i := 0
	for i < len(s) && isWordByte(s[i]) {
		i++
	}
	if i == len(s) || s[i] != '(' {
		return dst, false
	}
	name := s[:i]
	if isEchoCall(name) {
		switch how, countEnd, closeAt := p.closeEcho(name, s[i+1:], 0); how {
		case echoClosed:
			args := s[i+1 : i+1+countEnd]
			_, _, splits := scanArgs(args, 0, p.splits[:0])
			p.splits = splits
			return p.emitCall(dst, pre, name, args, splits, 0, s[i+1+closeAt+1:], line)
		case echoOpen:
			p.cutCall(pre, name, s[i+1:], line, true)
			return dst, true
		}
	}
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
	// argsOpen: a bracket strace left open, or a line cut by program output
	// whose rest may follow.
	if k, ok := resultAtEnd(s, i+1); ok {
		for len(splits) > 0 && splits[len(splits)-1] >= k {
			splits = splits[:len(splits)-1]
		}
		p.problem("brackets left open in the arguments", line)
		return p.emitCall(dst, pre, name, s[i+1:k], splits, i+1, s[k+1:], line)
	}
	p.cutCall(pre, name, s[i+1:], line, false)
	return dst, true
}

// emitCall appends the event of a complete call (see callEvent),
// reporting a number out of range.
func (p *Parser) emitCall(dst []Event, pre *prefix, name, args string, splits []int, base int, after, raw string) ([]Event, bool) {
	dst, ok, problem := p.callEvent(dst, pre, name, args, splits, base, after, raw)
	if problem != "" {
		p.problem(problem, raw)
	}
	if ok && p.learning && isFork(name) {
		p.forked(&dst[len(dst)-1])
	}
	return dst, ok
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
	if opener != nil && opener.pid == 0 && pre.bracket {
		// the first task's call, begun while it ran alone
		p.learnFirst(pre.pid)
	}
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
		args = p.joinArgs(opener.args, opener.sepOpen, rest)
		if p.opts.Raw {
			rawText = p.concat(opener.raw, "\n", line)
		}
		// The call began when the opener was printed.
		pre.time, pre.rel = opener.time, opener.rel
		if pre.comm == "" {
			pre.comm = opener.comm
		}
		if pre.secontext == "" {
			pre.secontext = opener.secontext
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
		c := p.newPending(pre, name, args[:end], rawText)
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

// parseExit parses "+++ exited with N +++" and "+++ killed by SIG... [(core
// dumped)] +++" (see endEvent); "+++ superseded by execve in pid N +++" moves
// that thread's pending execve to this pid and is no event.
func (p *Parser) parseExit(dst []Event, line, s string, pre *prefix) ([]Event, bool) {
	const superseded = "+++ superseded by execve in pid "
	if len(s) >= len(superseded)+len(" +++") && strings.HasPrefix(s, superseded) && strings.HasSuffix(s, " +++") {
		from, ok := parseUint(s[len(superseded) : len(s)-len(" +++")])
		if !ok {
			return dst, false
		}
		if old := p.pending.moveExec(from, pre.pid); old != nil {
			dst = p.emitUnreturned(dst, old)
		}
		return dst, true
	}
	dst, ok, problem := p.endEvent(dst, line, s, pre)
	if problem != "" {
		p.problem(problem, line)
		return dst, true
	}
	if ok {
		delete(p.live, pre.pid)
	}
	return dst, ok
}

// isOtherOutput recognises lines strace writes that are not events and
// name no task: -k stack frames, -e read=/write= dumps and personality
// changes.
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
	return strings.HasPrefix(s, "[ Process PID=")
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
