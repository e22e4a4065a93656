package parse

import (
	"strings"
	"unicode/utf8"
	"unsafe"
)

// lineParser is what parsing one line needs of its own: the arenas that
// back the strings and Args slices it makes, and scratch. Events point into
// the arenas, which are never written over, so they stay valid.
type lineParser struct {
	raw    bool     // keep the original line(s) in Event.Raw
	arena  []byte   // backing store of synthesized strings
	args   []string // backing store of Args slices
	splits []int    // reused by scanArgs

	recycle *recycler // the arenas to reuse (Options.Recycle); nil: none

	// scratch of closeEcho: a write's data, its count, an echo's text
	echoData, echoCount, echoWant []byte

	// the seconds of the last epoch timestamp, and their
	// "2006-01-02T15:04:05" (see epochTime)
	epochSec  []byte
	epochDate [19]byte
}

// prefix holds what precedes the call on a line: pid column, security
// context and timestamps.
type prefix struct {
	pid       int64
	comm      string
	secontext string // strace --secontext: the task's SELinux context
	time      string
	rel       string
	bracket   bool // the pid came from "[pid N]"
}

// parsePrefix reads what strace prints before the call: the pid column,
// the --secontext context, the timestamps and the tags, in that order, and
// returns the rest of the line. ok is false when one of them is there but
// broken.
func (lp *lineParser) parsePrefix(s string, pre *prefix) (rest string, ok bool) {
	// Each part is looked for only where its first byte is, so that the
	// common lines ("openat(", "1234  openat(") make no call for the others.
	if s != "" && (s[0] == '[' || isDigit(s[0])) {
		if s, ok = parsePidColumn(s, pre); !ok {
			return s, false
		}
	}
	if s != "" && s[0] == '[' {
		s = parseSecontext(s, pre)
	}
	if s != "" && (s[0] == ' ' || isDigit(s[0])) {
		if s, ok = lp.parseTimestamps(s, pre); !ok {
			return s, false
		}
	}
	if s != "" && s[0] == '[' {
		s = skipTags(s)
	}
	return s, true
}

// parsePidColumn reads the pid column: "[pid  1234] " (strace writing to
// stderr while several tasks live), "1234  " (-f with -o) or "1234<comm> "
// (-Y). A line without one is returned as it is.
func parsePidColumn(s string, pre *prefix) (rest string, ok bool) {
	if strings.HasPrefix(s, "[pid ") {
		return parseBracketPid(s, pre)
	}
	if s == "" || !isDigit(s[0]) {
		return s, true
	}
	j := 1
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j == len(s) || s[j] != ' ' && s[j] != '<' || s[j] == ' ' && j >= 9 && j <= 11 && epochAhead(s, j) {
		return s, true // digits, but a timestamp's
	}
	pid, ok := parseUint(s[:j])
	if !ok || pid > maxPid {
		return s, false
	}
	pre.pid = pid
	if s[j] == '<' {
		if j, ok = parseComm(s, j, pre); !ok || j >= len(s) || s[j] != ' ' {
			return s, false
		}
	}
	return trimBlankLeft(s[j:]), true
}

// parseComm reads the -Y command name "<sh>" that starts at s[i] and
// returns the index after it. strace escapes '<' and '>' in the name
// ("<a\76b>"), so the first '>' ends it.
func parseComm(s string, i int, pre *prefix) (next int, ok bool) {
	k := strings.IndexByte(s[i:], '>')
	if k < 2 {
		return i, false
	}
	pre.comm = s[i+1 : i+k]
	return i + k + 1, true
}

// parseBracketPid reads "[pid  1234] ", or "[pid  1234<sh>] " with -Y.
func parseBracketPid(s string, pre *prefix) (rest string, ok bool) {
	i := skipSpaces(s, len("[pid "))
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	pid, ok := parseUint(s[i:j])
	if !ok || pid > maxPid {
		return s, false
	}
	if j < len(s) && s[j] == '<' {
		if j, ok = parseComm(s, j, pre); !ok {
			return s, false
		}
	}
	if j >= len(s) || s[j] != ']' {
		return s, false
	}
	pre.pid, pre.bracket = pid, true
	s = s[j+1:]
	if s == "" || s[0] != ' ' {
		return s, false
	}
	return s[1:], true
}

// parseSecontext reads the task's SELinux context that strace --secontext
// prints after the pid column, "[unconfined_t] " (the type) or
// "[system_u:system_r:unconfined_t:s0] " (=full), with "!!" and the
// expected context when they differ (=mismatch). A context holds '_' or
// ':', which tells it from the -n and -i tags, and strace escapes any
// '[', ']' or '!' in it, so the first ']' ends it. Contexts strace prints
// after arguments ("/etc/passwd" [etc_t]) stay in those arguments.
func parseSecontext(s string, pre *prefix) (rest string) {
	if len(s) < 4 || s[0] != '[' {
		return s
	}
	k := strings.IndexByte(s, ']')
	if k < 2 || k+1 >= len(s) || s[k+1] != ' ' || !isSecontext(s[1:k]) {
		return s
	}
	pre.secontext = s[1:k]
	return s[k+2:]
}

// isSecontext accepts the bytes of a SELinux context as strace prints it
// (lowercase names, MLS levels "s0-s0:c0.c1023", "!!" and "??", escapes),
// with a '_' or ':' in it; "[INFO]" or "[00007f1d01563ad7]" are not.
func isSecontext(c string) bool {
	marked := false
	for i := 0; i < len(c); i++ {
		switch b := c[i]; {
		case b == '_' || b == ':':
			marked = true
		case 'a' <= b && b <= 'z', isDigit(b), b == '.', b == ',', b == '-', b == '!', b == '?', b == '\\':
		default:
			return false
		}
	}
	return marked
}

// parseTimestamps reads the timestamps: -t "13:54:56 ", -tt
// "13:54:56.074293 ", -ttt "1795697509.953848 " (kept as RFC 3339), -r
// "     0.000284 " (seconds padded with spaces), and -t with -r
// "13:54:56.074293 (+     0.003058) ". A line without them is returned as
// it is.
func (lp *lineParser) parseTimestamps(s string, pre *prefix) (rest string, ok bool) {
	t := trimBlankLeft(s)
	if t == "" || !isDigit(t[0]) {
		return s, true
	}
	j := 0
	colon := false
	for j < len(t) && (isDigit(t[j]) || t[j] == ':' || t[j] == '.') {
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
		pre.time = lp.epochTime(stamp)
		if pre.time == "" {
			return s, false
		}
	default: // -r: "0.000284", or whole seconds with --relative-timestamps=s
		pre.rel = stamp
	}
	s = t[j+1:]
	if strings.HasPrefix(s, "(+") {
		k := strings.IndexByte(s, ')')
		if k < 0 {
			return s, false
		}
		pre.rel = strings.TrimSpace(s[2:k])
		s = trimBlankLeft(s[k+1:])
	}
	return s, true
}

// skipTags skips the -n syscall number "[ 257] " and the -i instruction
// pointer "[00007f1d01563ad7] " or "[????????????????] ".
func skipTags(s string) string {
	for len(s) > 3 && s[0] == '[' {
		k := strings.IndexByte(s, ']')
		if k < 0 || k+1 >= len(s) || s[k+1] != ' ' || !isTag(s[1:k]) {
			break
		}
		s = s[k+2:]
	}
	return s
}

// isTag accepts what -n and -i print inside their brackets: a decimal
// padded on the left, hex digits, or question marks for an unknown address.
func isTag(t string) bool {
	t = trimBlankLeft(t)
	digits, hex, unknown := t != "", t != "", t != ""
	for i := 0; i < len(t); i++ {
		c := t[i]
		digits = digits && isDigit(c)
		hex = hex && (isDigit(c) || 'a' <= c && c <= 'f')
		unknown = unknown && c == '?'
	}
	return digits || hex || unknown
}

// skipSpaces returns the index of the first byte of s at or after i that
// is not a space.
func skipSpaces(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// maxPid bounds the pid column: Linux pids are below 2^22; anything
// beyond 2^31 cannot be one.
const maxPid = 1<<31 - 1

// epochAhead reports whether the digits s[:j], followed by a space, are an
// epoch timestamp (strace --timestamps=unix,s) rather than a pid: a pid
// column is followed by the call, not by another number.
func epochAhead(s string, j int) bool {
	_, ok := parseUint(s[:j])
	if !ok {
		return false
	}
	rest := trimBlankLeft(s[j:])
	return rest != "" && !('0' <= rest[0] && rest[0] <= '9')
}

// epochTime converts an epoch timestamp to RFC 3339 in the arena; "" when it
// is out of range. Lines of the same second (most of a trace's) reuse the
// date and time of day made for the first of them.
func (lp *lineParser) epochTime(stamp string) string {
	start := len(lp.arena)
	if cap(lp.arena)-start < 40 {
		lp.arena = lp.newArena(0)
		start = 0
	}
	sec, frac, dot := strings.Cut(stamp, ".")
	if sec != "" && sec == string(lp.epochSec) && (!dot || frac != "" && len(frac) <= 9 && allDigits(frac)) {
		b := append(lp.arena, lp.epochDate[:]...)
		if dot {
			b = append(append(b, '.'), frac...)
		}
		lp.arena = append(b, 'Z')
		return unsafe.String(&lp.arena[start], len(lp.arena)-start)
	}
	b, ok := appendRFC3339(lp.arena, stamp)
	if !ok {
		return ""
	}
	lp.arena = b
	lp.epochSec = append(lp.epochSec[:0], sec...)
	copy(lp.epochDate[:], b[start:])
	return unsafe.String(&lp.arena[start], len(b)-start)
}

// concat returns the strings joined, in the arena: it is how events made
// of several lines get their text without an allocation per event.
func (lp *lineParser) concat(parts ...string) string {
	n := 0
	for _, s := range parts {
		n += len(s)
	}
	if n == 0 {
		return ""
	}
	if cap(lp.arena)-len(lp.arena) < n {
		if n > arenaSize/4 {
			b := make([]byte, 0, n)
			for _, s := range parts {
				b = append(b, s...)
			}
			return unsafe.String(&b[0], n)
		}
		lp.arena = lp.newArena(n)
	}
	start := len(lp.arena)
	for _, s := range parts {
		lp.arena = append(lp.arena, s...)
	}
	return unsafe.String(&lp.arena[start], n)
}

// cutArgs returns the argument text printed before a cut (an
// "<unfinished ...>" marker, or program output in a 2>&1 capture) without
// the spaces strace puts before the marker and without a dangling ", ":
// "0, " gives "0" with sepOpen, so that a call that never resumes has the
// arguments it printed and no empty last one.
func cutArgs(text string) (args string, sepOpen bool) {
	args = trimBlankRight(text)
	if n := len(args); n > 0 && args[n-1] == ',' {
		return trimBlankRight(args[:n-1]), true
	}
	return args, false
}

// joinArgs joins the argument text printed before a cut (see cutArgs) with
// the text that continues it (after "<... NAME resumed>", or the next line
// of a 2>&1 capture), so that the separator between them is ", " whatever
// spaces strace's versions put around the markers: "19" with sepOpen and
// " [], 512, 500) = 0" (strace 4) give "19, [], 512, 500) = 0"; "" and
// " ) = 13368" give ") = 13368".
func (lp *lineParser) joinArgs(before string, sepOpen bool, after string) string {
	rest := trimBlankLeft(after)
	switch {
	case sepOpen && rest != "" && rest[0] != ')':
		return lp.concat(before, ", ", rest)
	case rest != "" && (rest[0] == ')' || rest[0] == ','):
		return lp.concat(before, rest)
	}
	return lp.concat(before, after)
}

// escapeInvalidUTF8 returns s, in the arena, with each byte that is not
// part of valid UTF-8 written the way strace -x writes a byte: 0xb8 as
// "\xb8". Old strace versions, -Y names and program output can hold such
// bytes; JSON cannot (an encoder would put U+FFFD in their place and lose
// them), and strace escapes every backslash it prints, so the escape keeps
// the byte recoverable and cannot be mistaken for one strace wrote.
func (lp *lineParser) escapeInvalidUTF8(s string) string {
	const hex = "0123456789abcdef"
	n := len(s)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			n += 3
		}
		i += size
	}
	if cap(lp.arena)-len(lp.arena) < n {
		lp.arena = lp.newArena(n)
	}
	start := len(lp.arena)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			lp.arena = append(lp.arena, '\\', 'x', hex[s[i]>>4], hex[s[i]&0xf])
		} else {
			lp.arena = append(lp.arena, s[i:i+size]...)
		}
		i += size
	}
	return unsafe.String(&lp.arena[start], n)
}

// callEvent appends the event of a complete call. args is the argument
// text, splits the indexes of its top-level ", " relative to base, after the
// text following the closing parenthesis. ok is false when after is not a
// result; problem names a number out of range, which leaves its field
// unset.
func (lp *lineParser) callEvent(dst []Event, pre *prefix, name, args string, splits []int, base int, after, raw string) (out []Event, ok bool, problem string) {
	after = trimBlankRight(after)
	after, ns, hasDur, durOK := cutDuration(after)
	after = trimBlankLeft(after)
	if len(after) < 2 || after[0] != '=' || after[1] != ' ' {
		return dst, false, ""
	}
	dst = append(dst, Event{})
	ev := &dst[len(dst)-1]
	errnoNumber, ok := parseResult(after[2:], ev)
	if !ok {
		return dst[:len(dst)-1], false, ""
	}
	ev.Kind, ev.Returned = KindSyscall, true
	pre.fill(ev)
	ev.Syscall = name
	ev.Args = lp.splitArgs(args, splits, base)
	if errnoNumber != "" {
		ev.Errno = lp.concat("E", errnoNumber)
	}
	if hasDur && durOK {
		ev.DurationNs, ev.HasDuration = ns, true
	}
	if lp.raw {
		ev.Raw = raw
	}
	if hasDur && !durOK {
		problem = "duration out of range"
	} else if !ev.HasRetval && isNumberLike(ev.Ret) && !fitsUint64(ev.Ret) {
		problem = "result out of range"
	}
	return dst, true, problem
}

// fill copies the prefix into an event.
func (pre *prefix) fill(ev *Event) {
	ev.Pid, ev.Comm, ev.Secontext, ev.Time, ev.Rel = pre.pid, pre.comm, pre.secontext, pre.time, pre.rel
}

// splitArgs cuts the argument text at the given separators into a slice of
// the args arena. An argument never starts or ends with blanks (strace 4
// left a space at a resumed call's join, program output can leave one
// before a ")"), and a list of blanks is no argument at all.
func (lp *lineParser) splitArgs(args string, splits []int, base int) []string {
	if isBlank(args) {
		return []string{}[:0:0]
	}
	n := len(splits) + 1
	if cap(lp.args)-len(lp.args) < n {
		lp.args = lp.newArgs(n)
	}
	start := len(lp.args)
	from := 0
	for _, at := range splits {
		a := args[from : at-base]
		if a != "" && (a[0] <= ' ' || a[len(a)-1] <= ' ') {
			a = trimBlank(a)
		}
		lp.args = append(lp.args, a)
		from = at - base + 2
	}
	a := args[from:]
	if a != "" && (a[0] <= ' ' || a[len(a)-1] <= ' ') {
		a = trimBlank(a)
	}
	lp.args = append(lp.args, a)
	return lp.args[start:len(lp.args):len(lp.args)]
}

// parseSignal parses "--- SIGCHLD {si_signo=...} ---"; "--- stopped by
// SIGSTOP ---" is understood but is no event.
func (lp *lineParser) parseSignal(dst []Event, line, s string, pre *prefix) ([]Event, bool) {
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
	if strings.HasPrefix(body, "{si_signo=") {
		// strace 4.x: "--- {si_signo=SIGSEGV, ...} (Segmentation fault) ---"
		name, info = body[len("{si_signo="):], body
		j := 0
		for j < len(name) && isWordByte(name[j]) {
			j++
		}
		name = name[:j]
	}
	if !strings.HasPrefix(name, "SIG") {
		return dst, false
	}
	dst = append(dst, Event{Kind: KindSignal, Signal: name, Siginfo: info})
	ev := &dst[len(dst)-1]
	pre.fill(ev)
	if lp.raw {
		ev.Raw = line
	}
	return dst, true
}

// endEvent appends the event of "+++ exited with N +++" or "+++ killed by
// SIG... [(core dumped)] +++". ok is false for other text; problem names an
// exit status out of range, for which there is no event.
func (lp *lineParser) endEvent(dst []Event, line, s string, pre *prefix) (out []Event, ok bool, problem string) {
	if !strings.HasPrefix(s, "+++ ") || !strings.HasSuffix(s, " +++") || len(s) < 9 {
		return dst, false, ""
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
				return dst, false, "exit status out of range"
			}
			return dst, false, ""
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
			return dst, false, ""
		}
		ev.Signal = sig
	default:
		return dst, false, ""
	}
	pre.fill(&ev)
	if lp.raw {
		ev.Raw = line
	}
	return append(dst, ev), true, ""
}
