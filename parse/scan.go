package parse

import "strings"

// This file holds the syntax of one strace call text: the argument list with
// its strings, brackets, comments and -y decorations, and the result after it.
// Every function here is iterative and linear in the length of its input, so
// that garbage (a 200 000-deep brace nest, 100 000 quotes) costs no more than
// a real line of the same size.

// argsEnd says how an argument list ended.
type argsEnd uint8

const (
	argsOpen       argsEnd = iota // the line ended inside the list (a split 2>&1 line, or a cut one)
	argsClosed                    // the list's ")" was found
	argsUnfinished                // " <unfinished ...>": the call continues on a later "resumed" line
	argsDetached                  // " <detached ...>": strace let go of the task inside the call
	argsPidChanged                // " <pid changed to N ...>": execve by a thread, resumed under the leader
)

// byte classes for the argument scanner; 0 means "ordinary byte, keep going".
const (
	clsNone = iota
	clsQuote
	clsOpen
	clsClose
	clsComma
	clsSlash
	clsLess
	clsApos
)

var argClass = func() (t [256]uint8) {
	t['"'] = clsQuote
	t['('], t['['], t['{'] = clsOpen, clsOpen, clsOpen
	t[')'], t[']'], t['}'] = clsClose, clsClose, clsClose
	t[','] = clsComma
	t['/'] = clsSlash
	t['<'] = clsLess
	t['\''] = clsApos
	return t
}()

// isWordByte reports bytes that can end a token a -y/-Y decoration hangs on:
// a number (3</etc/passwd>, 4711<sh>) or a name (AT_FDCWD</tmp>).
func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// scanArgs scans an argument list that starts at s[i] (just after the
// opening parenthesis). It appends to splits the index of every top-level
// ", " separator and returns how the list ended and where: the index of the
// closing ")" for argsClosed, the index of the space before the "<...>"
// marker for the unfinished kinds, len(s) for argsOpen.
func scanArgs(s string, i int, splits []int) (end int, how argsEnd, out []int) {
	depth := 0
	n := len(s)
	decorations := true // false once one failed to close: '<' is then text
	for i < n {
		// Most bytes are ordinary: skip them four at a time while none of
		// the four is special, then one at a time up to the one that is.
		// Outside strings, special bytes come every few bytes ("AT_FDCWD,
		// ", "{st_mode=S_IFREG|0644, "): four wasted tests cost less than
		// eight (measured: BenchmarkScanArgs).
		for i+4 <= n {
			b := s[i : i+4]
			if argClass[b[0]]|argClass[b[1]]|argClass[b[2]]|argClass[b[3]] != 0 {
				break
			}
			i += 4
		}
		for i < n && argClass[s[i]] == clsNone {
			i++
		}
		if i >= n {
			break
		}
		c := s[i]
		switch argClass[c] {
		case clsNone:
			i++
		case clsQuote:
			j := skipString(s, i)
			if j < 0 {
				return n, argsOpen, splits
			}
			i = j
		case clsOpen:
			depth++
			i++
		case clsClose:
			if depth == 0 {
				if c == ')' {
					return i, argsClosed, splits
				}
				// A stray ] or } at the top level: keep it as text.
			} else {
				depth--
			}
			i++
		case clsComma:
			if depth == 0 && i+1 < n && s[i+1] == ' ' {
				splits = append(splits, i)
			}
			i++
		case clsSlash:
			if i+1 < n && s[i+1] == '*' {
				j := skipComment(s, i)
				if j < 0 {
					return n, argsOpen, splits
				}
				i = j
			} else {
				i++
			}
		case clsApos:
			i = skipChar(s, i)
		case clsLess:
			if i > 0 && s[i-1] == ' ' {
				if how := marker(s[i:]); how != argsOpen {
					return i - 1, how, splits
				}
				i++
				continue
			}
			if !decorations {
				i++
				continue
			}
			var unclosed bool
			i, unclosed = skipDecoration(s, i)
			decorations = !unclosed
		}
	}
	return n, argsOpen, splits
}

// marker recognises the annotations strace puts where a call stops being
// printed. s starts at the "<".
func marker(s string) argsEnd {
	switch {
	case strings.HasPrefix(s, "<unfinished ...>"):
		return argsUnfinished
	case strings.HasPrefix(s, "<detached ...>"):
		return argsDetached
	case strings.HasPrefix(s, "<pid changed to "):
		return argsPidChanged
	}
	return argsOpen
}

// skipString returns the index just after the quoted string starting at
// s[i] (a '"'), including a "..." truncation mark, or -1 when the string is
// not terminated on this line.
func skipString(s string, i int) int {
	j := i + 1
	for {
		k := strings.IndexByte(s[j:], '"')
		if k < 0 {
			return -1
		}
		j += k
		// The quote is escaped when an odd number of backslashes precede it.
		b := j - 1
		for b > i && s[b] == '\\' {
			b--
		}
		if (j-1-b)%2 == 0 {
			j++
			break
		}
		j++
	}
	if strings.HasPrefix(s[j:], "...") {
		j += 3
	}
	return j
}

// skipComment returns the index after the comment starting at s[i] ("/*"),
// or -1 when it does not end on this line. -X verbose nests them:
// "/* QCMD(0xbadc0d /* Q_??? */, USRQUOTA) */".
func skipComment(s string, i int) int {
	depth := 0
	for j := i; j+1 < len(s); {
		switch {
		case s[j] == '/' && s[j+1] == '*':
			depth++
			j += 2
		case s[j] == '*' && s[j+1] == '/':
			depth--
			j += 2
			if depth == 0 {
				return j
			}
		default:
			j++
		}
	}
	return -1
}

// skipChar returns the index after a character literal starting at s[i]
// ('(', '\”, '\x0d'), or i+1 when the quote does not start one.
func skipChar(s string, i int) int {
	n := len(s)
	if i+2 < n && s[i+1] == '\\' {
		if k := strings.IndexByte(s[i+3:], '\''); k >= 0 && k <= 4 {
			return i + 3 + k + 1
		}
		return i + 1
	}
	if i+2 < n && s[i+2] == '\'' {
		return i + 3
	}
	return i + 1
}

// skipDecoration returns the index after a -y/-yy/-Y decoration that starts
// at s[i] (a '<'), or i+1 when the '<' is not one: a shift "1<<16", a
// comparison, or a '<' with nothing to close it. unclosed reports that last
// case, after which the caller treats every later '<' of the line as text:
// a real decoration always closes, and giving up once keeps garbage such as
// "a<a<a<..." linear instead of searching the rest of the line at each '<'.
//
// Decorations are not bracket-balanced. Inside a path, < > " \ are escaped,
// so the first raw '>' closes it, except that -yy may nest a device
// "</dev/null<char 1:3>>". A socket or other "KIND:[...]" decoration may hold
// a raw "->" inside its brackets: "<TCP:[127.0.0.1:1->127.0.0.1:2]>".
// Anything else (a -Y command name such as "<foo\33[2Jbar>") ends at the
// first '>'.
func skipDecoration(s string, i int) (next int, unclosed bool) {
	n := len(s)
	if i == 0 || !isWordByte(s[i-1]) || i+1 >= n || s[i+1] == '<' || s[i-1] == '<' {
		return i + 1, false
	}
	j := i + 1
	if s[j] == '/' {
		for j < n {
			k := strings.IndexAny(s[j:], "<>")
			if k < 0 {
				break
			}
			j += k
			if s[j] == '>' {
				return j + 1, false
			}
			// a nested device decoration: skip to its own '>'
			k = strings.IndexByte(s[j+1:], '>')
			if k < 0 {
				break
			}
			j += 1 + k + 1
		}
		return i + 1, true
	}
	if k := kindBracket(s[j:]); k > 0 {
		j += k // at the '['
		depth := 0
		for ; j < n; j++ {
			switch s[j] {
			case '[':
				depth++
			case ']':
				depth--
				if depth == 0 {
					if j+1 < n && s[j+1] == '>' {
						return j + 2, false
					}
					// "[...]" followed by more text: finish at the next '>'
					if m := strings.IndexByte(s[j+1:], '>'); m >= 0 {
						return j + 1 + m + 1, false
					}
					return i + 1, true
				}
			}
		}
		return i + 1, true
	}
	k := strings.IndexByte(s[j:], '>')
	if k < 0 {
		return i + 1, true
	}
	return j + k + 1, false
}

// kindBracket returns the offset of the '[' when s starts with "NAME:[" as in
// "TCP:[", "pipe:[", "anon_inode:[eventfd]", else 0.
func kindBracket(s string) int {
	for k := 0; k < len(s) && k < 64; k++ {
		c := s[k]
		if c == ':' {
			if k > 0 && k+1 < len(s) && s[k+1] == '[' {
				return k + 1
			}
			return 0
		}
		if !isWordByte(c) && c != '-' && c != '.' {
			return 0
		}
	}
	return 0
}

// parseResult parses the text after "= " (duration already removed) into
// ev: the return value as printed (Ret, Retval), an optional errno with its
// message, and any note. errnoNumber holds the digits of "(errno 22)", an
// error strace has no name for. ok is false when s is no result; ev's
// result fields are then unspecified.
func parseResult(s string, ev *Event) (errnoNumber string, ok bool) {
	if s == "" {
		return "", false
	}
	// The value: up to the first space, with decorations (which may hold
	// spaces: "3</tmp/a b>") taken whole.
	i := 0
	decorations := true
	for i < len(s) && s[i] != ' ' {
		if s[i] == '<' && decorations {
			var unclosed bool
			i, unclosed = skipDecoration(s, i)
			decorations = !unclosed
			continue
		}
		i++
	}
	if i == 0 {
		return "", false // "=  ENOENT": no value
	}
	ev.Ret = s[:i]
	ev.Retval, ev.HasRetval = parseRetval(ev.Ret)
	rest := trimBlankLeft(s[i:])
	if e := errnoLen(rest); e > 0 {
		ev.Errno = rest[:e]
		rest = trimBlankLeft(rest[e:])
		if len(rest) > 0 && rest[0] == '(' {
			if k := closingParen(rest); k > 0 {
				ev.Errmsg = rest[1:k]
				rest = trimBlankLeft(rest[k+1:])
			}
		}
	} else if n := errnoNumberLen(rest); n > 0 {
		errnoNumber = rest[len("(errno ") : n-1]
		rest = trimBlankLeft(rest[n:])
	}
	if rest != "" {
		ev.Note = rest
		if len(rest) > 2 && rest[0] == '(' && closingParen(rest) == len(rest)-1 {
			ev.Note = rest[1 : len(rest)-1]
		}
	}
	return errnoNumber, true
}

// errnoNumberLen returns the length of "(errno 22)" at the start of s:
// what strace prints for an error it has no name for. 0 when s does not
// start with one.
func errnoNumberLen(s string) int {
	const open = "(errno "
	if !strings.HasPrefix(s, open) {
		return 0
	}
	j := len(open)
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j == len(open) || j > len(open)+9 || j >= len(s) || s[j] != ')' {
		return 0
	}
	return j + 1
}

// errnoLen returns the length of an errno name at the start of s ("ENOENT",
// "ERESTARTSYS", "E2BIG") when one is there and followed by a space or the
// end, else 0.
func errnoLen(s string) int {
	if len(s) < 2 || s[0] != 'E' {
		return 0
	}
	k := 1
	for k < len(s) && ('A' <= s[k] && s[k] <= 'Z' || '0' <= s[k] && s[k] <= '9' || s[k] == '_') {
		k++
	}
	if k < 2 || k < len(s) && s[k] != ' ' {
		return 0
	}
	return k
}

// closingParen returns the index of the ')' that closes the '(' at s[0],
// counting nested parentheses, or -1.
func closingParen(s string) int {
	depth := 0
	for k := 0; k < len(s); k++ {
		switch s[k] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return k
			}
		}
	}
	return -1
}

// cutDuration splits a trailing " <0.000123>" (strace -T) from s and returns
// the text before it and the duration in nanoseconds. found is false when s
// has no duration; ok is false when it has one that does not fit an int64.
func cutDuration(s string) (before string, ns int64, found, ok bool) {
	n := len(s)
	if n < 4 || s[n-1] != '>' {
		return s, 0, false, false
	}
	k := strings.LastIndexByte(s, '<')
	if k < 1 || s[k-1] != ' ' {
		return s, 0, false, false
	}
	ns, found, ok = parseSeconds(s[k+1 : n-1])
	if !found {
		return s, 0, false, false
	}
	return s[:k-1], ns, true, ok
}

// trimBlank, trimBlankLeft and trimBlankRight remove spaces and tabs.
func trimBlank(s string) string { return trimBlankRight(trimBlankLeft(s)) }

func trimBlankLeft(s string) string {
	// strace pads a call to put its " = " in column 40: eight spaces are
	// skipped at a time.
	for len(s) >= 8 && s[:8] == "        " {
		s = s[8:]
	}
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	return s
}

func trimBlankRight(s string) string {
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
