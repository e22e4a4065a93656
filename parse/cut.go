package parse

import "strings"

// Lines cut in two. Written to stderr together with the program's output
// (2>&1 captures), strace prints a call's arguments when it starts and the
// rest when it returns, so what the program, or strace itself ("strace:
// Process N attached"), writes in between lands inside the line, and a
// newline in it breaks the line:
//
//	wait4(-1, mkdir: cannot create directory 'x': File exists
//	[{WIFEXITED(s) && WEXITSTATUS(s) == 1}], 0, NULL) = 70160
//
// The first part waits as a cutLine for the line that continues it.

// cutLine is a call line that program output or a strace message cut
// before its end, waiting for the line that continues it.
type cutLine struct {
	*pendingCall
	joins int // continuation lines joined so far
	tries int // lines tried as its rest that were not (see tryContinue)
	// byMessage: strace's own "Process N attached" cut it; the next line is
	// surely its rest, whatever it starts with.
	byMessage bool
	// echo: a write whose own data broke the line (see closeEcho); args
	// holds its text exactly as printed.
	echo bool
}

// Bounds on the lines joined into one call, and tried as its rest: a real
// call is cut a few times at most, and each join or try rescans the text
// so far. An echo breaks a write's line at every newline of its data, so
// it may take more lines while the text stays short. So a cut line costs
// at most a few times its length, whatever follows it.
const (
	maxJoins     = 16
	maxEchoJoins = 256
	maxEchoText  = 16 << 10
)

// cutCall keeps a call line that ended inside its argument list (args is
// the text after the "(") as the cut line waiting for its rest, reporting
// the one it replaces.
func (p *Parser) cutCall(pre *prefix, name, args, line string, echo bool) {
	if p.cut != nil {
		p.problemAt(p.cut.line, "line cut before its end", p.cut.raw)
	}
	p.sawEvent = true // a message inside the line announces a child
	byMessage := false
	if !echo {
		args, byMessage = p.stripStraceMessage(args)
	}
	c := &cutLine{pendingCall: p.newPending(pre, name, args, line), byMessage: byMessage, echo: echo}
	if echo {
		c.args, c.sepOpen = strings.Clone(args), false
	}
	c.raw = strings.Clone(line)
	p.cut = c
}

// continueCut joins s to the cut line c when s surely continues it: the
// rest of a write's echo, a line after strace's own message, or one that
// starts as only a continuation can. done is false when s may be a line of
// its own.
func (p *Parser) continueCut(dst []Event, c *cutLine, s string) (out []Event, done bool) {
	if c.echo {
		if dst, done = p.continueEcho(dst, c, s); done {
			return dst, true
		}
	}
	if s == "" || !c.byMessage && !isContinuation(s) {
		return dst, false
	}
	p.cut = nil
	if c.joins >= maxJoins || len(c.args)+len(s) > MaxLineBytes {
		p.problemAt(c.line, "line cut before its end", c.raw)
		return dst, false
	}
	return p.continueCall(dst, c, s), true
}

// continueEcho joins s to a write cut by its echo when s is the echo's
// next piece or its end.
func (p *Parser) continueEcho(dst []Event, c *cutLine, s string) ([]Event, bool) {
	if c.joins >= maxEchoJoins || c.tries >= maxJoins || len(c.args)+len(s) > maxEchoText {
		return dst, false
	}
	x := p.concat(c.args, s)
	how, countEnd, closeAt := p.closeEcho(c.name, x, c.joins+1)
	switch how {
	case echoClosed:
		p.cut = nil
		raw := c.raw
		if p.opts.Raw {
			raw = p.concat(c.raw, "\n", s)
		}
		args := x[:countEnd]
		_, _, splits := scanArgs(args, 0, p.splits[:0])
		p.splits = splits
		var ok bool
		if dst, ok = p.emitCall(dst, &c.prefix, c.name, args, splits, 0, x[closeAt+1:], raw); !ok {
			p.problem("not a strace line", s)
		}
		return dst, true
	case echoOpen:
		c.args, c.joins = strings.Clone(x), c.joins+1
		if p.opts.Raw {
			c.raw = p.concat(c.raw, "\n", s)
		}
		return dst, true
	}
	c.tries++
	return dst, false
}

// continueCall joins a cut call line with the line that continues it.
func (p *Parser) continueCall(dst []Event, c *cutLine, s string) []Event {
	text := p.joinArgs(c.args, c.sepOpen, s)
	raw := c.raw
	if p.opts.Raw {
		raw = p.concat(c.raw, "\n", s)
	}
	end, how, splits := scanArgs(text, 0, p.splits[:0])
	p.splits = splits
	switch how {
	case argsClosed:
		var ok bool
		dst, ok = p.emitCall(dst, &c.prefix, c.name, text[:end], splits, 0, text[end+1:], raw)
		if !ok {
			p.problem("not a strace line", s)
		}
		return dst
	case argsUnfinished, argsPidChanged:
		return p.addPending(dst, p.newPending(&c.prefix, c.name, text[:end], raw))
	case argsDetached:
		return p.emitUnreturned(dst, p.newPending(&c.prefix, c.name, text[:end], raw))
	}
	args, byMessage := p.stripStraceMessage(text)
	args, c.sepOpen = cutArgs(args)
	c.args, c.raw = strings.Clone(args), strings.Clone(raw)
	c.joins++
	c.byMessage = byMessage
	p.cut = c
	return dst
}

// tryContinue joins s, a line that is nothing of its own, to the cut line
// c when together they make a complete call: the rest of a call may start
// with anything, "[{WIFEXITED(s)...}], 0, NULL) = 70160". When s starts a
// new argument, strace's part of the cut line ended with ", ", so what
// follows its last plausible argument is program output: it is dropped,
// and the cut line reported for it. ok is false, and nothing changed, when
// s does not complete c.
func (p *Parser) tryContinue(dst []Event, c *cutLine, s string) (out []Event, ok bool) {
	if c.joins >= maxJoins || c.tries >= maxJoins || len(c.args)+len(s) > MaxLineBytes {
		return dst, false
	}
	c.tries++
	before, sepOpen := c.args, c.sepOpen
	output := false
	if !sepOpen && !startsRest(s) {
		if before, ok = p.dropProgramOutput(before); !ok {
			return dst, false
		}
		sepOpen, output = true, true
	}
	text := p.joinArgs(before, sepOpen, s)
	end, how, splits := scanArgs(text, 0, p.splits[:0])
	p.splits = splits
	raw := c.raw
	if p.opts.Raw {
		raw = p.concat(c.raw, "\n", s)
	}
	n := len(dst)
	switch how {
	case argsClosed:
		if dst, ok = p.emitCall(dst, &c.prefix, c.name, text[:end], splits, 0, text[end+1:], raw); !ok {
			return dst[:n], false
		}
	case argsUnfinished, argsPidChanged:
		dst = p.addPending(dst, p.newPending(&c.prefix, c.name, text[:end], raw))
	case argsDetached:
		dst = p.emitUnreturned(dst, p.newPending(&c.prefix, c.name, text[:end], raw))
	default:
		return dst, false
	}
	p.cut = nil
	if output {
		p.problemAt(c.line, "program output inside the line", c.raw)
	}
	return dst, true
}

// startsRest reports whether s starts the way the rest of a cut argument
// list does when strace's part ended with a complete argument: ")" (after
// spaces the program may have written), ",", " => ", or a marker.
func startsRest(s string) bool {
	t := trimBlankLeft(s)
	return t != "" && (t[0] == ')' || t[0] == ',') || isContinuation(s)
}

// dropProgramOutput returns the arguments strace printed at the start of a
// cut line's text, whose strace part ended with ", ": up to the first
// argument that cannot be strace's, or else up to the last separator. ok
// is false when there is no separator at all.
func (p *Parser) dropProgramOutput(text string) (args string, ok bool) {
	_, _, splits := scanArgs(text, 0, p.splits[:0])
	p.splits = splits
	if len(splits) == 0 {
		return "", false
	}
	from := 0
	for _, at := range splits {
		if !plausibleArg(text[from:at]) {
			if from == 0 {
				return "", false
			}
			return text[:from-2], true
		}
		from = at + 2
	}
	return text[:splits[len(splits)-1]], true
}

// plausibleArg reports whether a can be one argument as strace prints it:
// brackets balanced, and no space outside strings, brackets, comments and
// decorations except before a comment, around " => " and before a
// --secontext "[context]". Program output, "mkdir: cannot create
// directory", is not.
func plausibleArg(a string) bool {
	a = trimBlank(a)
	if a == "" {
		return false
	}
	depth := 0
	for i := 0; i < len(a); i++ {
		switch c := a[i]; c {
		case '"':
			j := skipString(a, i)
			if j < 0 {
				return false
			}
			i = j - 1
		case '/':
			if i+1 < len(a) && a[i+1] == '*' {
				j := skipComment(a, i)
				if j < 0 {
					return false
				}
				i = j - 1
			}
		case '<':
			j, unclosed := skipDecoration(a, i)
			if unclosed {
				return false
			}
			i = j - 1
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth--; depth < 0 {
				return false
			}
		case ' ':
			rest := a[i+1:]
			if depth == 0 && !strings.HasPrefix(rest, "/*") && !strings.HasPrefix(rest, "=> ") &&
				!strings.HasPrefix(rest, "[") && !strings.HasSuffix(a[:i], " =>") {
				return false
			}
		}
	}
	return depth == 0
}

// isContinuation recognises the start of the rest of a call line that
// program output (or "strace: Process N attached") broke in two: ")" or
// "," (after any spaces the program wrote), " => ", or a marker.
func isContinuation(s string) bool {
	switch s[0] {
	case ')', ',':
		return true
	case ' ':
		if t := trimBlankLeft(s); t != "" && (t[0] == ')' || t[0] == ',') {
			return true
		}
		return strings.HasPrefix(s, " => ") || strings.HasPrefix(s, " <unfinished ...>") ||
			strings.HasPrefix(s, " <detached ...>") || strings.HasPrefix(s, " <pid changed to ")
	}
	return false
}

// resultAtEnd finds, in a call line whose arguments never closed, the ")"
// followed by a complete result at the end of the line: strace's own
// decoding sometimes leaves a bracket open,
// "sigaction(SIGSEGV, {SIG_DFL, , {0x4017dba1, [], SA_RESTART|SA_SIGINFO}, 0) = 0".
// The strings before it must be complete: an unterminated string is no
// decoding slip. ok is false when there is no such ")".
func resultAtEnd(s string, from int) (closeAt int, ok bool) {
	end := len(s)
	for tries := 0; tries < maxEchoTries; tries++ {
		k := strings.LastIndexByte(s[from:end], ')')
		if k < 0 {
			return 0, false
		}
		k += from
		if isResult(s[k+1:]) {
			return k, stringsClosed(s[from:k])
		}
		end = k
	}
	return 0, false
}

// isResult reports whether s, the text after a call's ")", is a result as
// strace prints it: "   = 0 <0.000012>".
func isResult(s string) bool {
	s, _, _, _ = cutDuration(trimBlankRight(s))
	s = trimBlankLeft(s)
	if len(s) < 2 || s[0] != '=' || s[1] != ' ' {
		return false
	}
	var ev Event
	_, ok := parseResult(s[2:], &ev)
	return ok
}

// stringsClosed reports whether every string and comment in s ends.
func stringsClosed(s string) bool {
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			j := skipString(s, i)
			if j < 0 {
				return false
			}
			i = j - 1
		case s[i] == '/' && i+1 < len(s) && s[i+1] == '*':
			j := skipComment(s, i)
			if j < 0 {
				return false
			}
			i = j - 1
		}
	}
	return true
}
