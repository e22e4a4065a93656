package parse

import (
	"errors"
	"io"
	"strconv"

	"github.com/goccy/go-json"
)

// Reader is a source of events that never fails on bad input: the strace
// text Parser and the JSONLReader of our own output. Commands that accept
// either (stats, diff) read through it.
type Reader interface {
	// ReadBatch appends the events available now to dst; io.EOF, with no
	// events, once the input is exhausted.
	ReadBatch(dst []Event) ([]Event, error)
	// Stats counts the lines read and those not understood.
	Stats() Stats
}

// detectWindow is how far NewReader looks for the first non-blank byte.
const detectWindow = 64 << 10

// NewReader reads r as stracectl JSON Lines when its first non-blank byte
// is '{' (a JSONLReader), and as strace text otherwise (a Parser): strace
// lines never start with '{', and our lines always do. It blocks until that
// byte arrives or the input ends. Input blank for its first 64 KiB is read
// as text, which skips blank lines.
func NewReader(r io.Reader, opts Options) Reader {
	head := make([]byte, 0, detectWindow)
	var err error
	for len(head) < cap(head) && err == nil {
		var n int
		n, err = r.Read(head[len(head):cap(head)])
		for _, c := range head[len(head) : len(head)+n] {
			if !isBlankByte(c) {
				rest := &replayReader{head: head[:len(head)+n], r: r}
				if c == '{' {
					return NewJSONLReader(rest, opts)
				}
				return NewParser(rest, opts)
			}
		}
		head = head[:len(head)+n]
	}
	return NewParser(&replayReader{head: head, r: r, err: err}, opts)
}

func isBlankByte(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// replayReader gives back the bytes NewReader looked at, then the rest of
// the input, then the error the look ended on, if any.
type replayReader struct {
	head []byte
	r    io.Reader
	err  error
}

func (rr *replayReader) Read(p []byte) (int, error) {
	if len(rr.head) > 0 {
		n := copy(p, rr.head)
		rr.head = rr.head[n:]
		return n, nil
	}
	if rr.err != nil {
		return 0, rr.err
	}
	return rr.r.Read(p)
}

// GroupBy names what a syscall profile is grouped by; it is also the key
// field of a `stats --json` line ({"syscall":"openat",...}, {"pid":42,...}).
type GroupBy string

// The groupings of stracectl stats --by.
const (
	BySyscall GroupBy = "syscall" // one group per syscall name
	ByPid     GroupBy = "pid"     // one group per pid column value (a task id)
	ByComm    GroupBy = "comm"    // one group per command name (strace -Y, eBPF)
	ByErrno   GroupBy = "errno"   // one group per errno; failed calls only
)

// SummaryRow is one group of a syscall profile: one line of `stracectl stats
// --json`. Reading it back lets diff compare a recorded profile with a new
// trace without keeping the trace.
type SummaryRow struct {
	// By says what the rows are grouped by; Name is the group's value (the
	// syscall, comm or errno, or the pid in decimal).
	By   GroupBy
	Name string
	// Calls and Errors count calls by strace -c's rule (Event.Counts,
	// Event.Failed).
	Calls, Errors int64
	// The latency fields, in nanoseconds, are meaningful only when
	// HasDurations: the input had durations (strace -T, eBPF). Percentiles
	// are within 1% of the exact value.
	HasDurations                                      bool
	TotalNs, AvgNs, MinNs, P50Ns, P95Ns, P99Ns, MaxNs int64
	// Errnos counts the failed calls by errno; with By errno, Syscalls
	// counts them by syscall instead.
	Errnos   map[string]int64
	Syscalls map[string]int64
}

// JSONLReader reads stracectl's own JSON Lines back: the events of parse,
// run and attach (one Event per line) or the rows of `stats --json`. Like
// the Parser it never fails on bad input: a line that is not a valid event
// or row is counted in Stats, passed to Options.OnProblem with its line
// number, and skipped. The first valid line decides whether the input holds
// events or rows; a line of the other sort is a problem.
//
// Events share no mutable memory with the reader: their strings point into
// input blocks that are never rewritten.
type JSONLReader struct {
	lineInput
	done bool

	rec  jsonLine
	row  jsonRow
	sort lineSort
	rows []SummaryRow

	queue eventQueue // for Next
}

// lineSort is what a JSON Lines input holds, known from its first valid line.
type lineSort uint8

const (
	sortUnknown lineSort = iota
	sortEvents
	sortRows
)

// NewJSONLReader returns a reader of JSON Lines from r.
func NewJSONLReader(r io.Reader, opts Options) *JSONLReader {
	return &JSONLReader{lineInput: lineInput{blocks: blocks{r: r}, lineLog: lineLog{onProblem: opts.OnProblem}}}
}

// SummaryRows returns the `stats --json` rows read so far, in input order;
// none when the input holds events.
func (j *JSONLReader) SummaryRows() []SummaryRow { return j.rows }

// Next returns the next event, or io.EOF after the last one. The Event is
// overwritten by the following call to Next; a shallow copy keeps it.
func (j *JSONLReader) Next() (*Event, error) { return j.queue.next(j.ReadBatch) }

// ReadBatch appends to dst the events of every complete line already read;
// it blocks until there is at least one or the input ends, and returns
// io.EOF, with no events, once the input is exhausted. An input of stats
// rows is read to its end in one call that returns io.EOF.
func (j *JSONLReader) ReadBatch(dst []Event) ([]Event, error) {
	n0 := len(dst)
	for {
		dst = j.parseBuffered(dst)
		if len(dst) > n0 {
			return dst, nil
		}
		if j.done {
			return dst, io.EOF
		}
		if j.readErr != nil {
			j.done = true
			if !errors.Is(j.readErr, io.EOF) {
				return dst, j.readErr
			}
			if line, ok := j.last(); ok {
				dst = j.parseLine(dst, line)
			}
			if len(dst) > n0 {
				return dst, nil
			}
			return dst, io.EOF
		}
		j.fill()
	}
}

func (j *JSONLReader) parseBuffered(dst []Event) []Event {
	for {
		line, ok := j.next()
		if !ok {
			return dst
		}
		dst = j.parseLine(dst, line)
	}
}

// jsonLine is an event line as decoded; pointers tell null or absent
// fields from zero values.
type jsonLine struct {
	Kind       string      `json:"kind"`
	Time       string      `json:"time"`
	Rel        json.Number `json:"rel"`
	Pid        int64       `json:"pid"`
	Tgid       int64       `json:"tgid"`
	Comm       string      `json:"comm"`
	Syscall    string      `json:"syscall"`
	Args       []string    `json:"args"`
	Ret        *string     `json:"ret"`
	Retval     *int64      `json:"retval"`
	Errno      string      `json:"errno"`
	Errmsg     string      `json:"errmsg"`
	Note       string      `json:"note"`
	DurationNs *int64      `json:"duration_ns"`
	Signal     string      `json:"signal"`
	Siginfo    string      `json:"siginfo"`
	ExitCode   *int64      `json:"exit_code"`
	CoreDumped bool        `json:"core_dumped"`
	Raw        string      `json:"raw"`
	// Calls is present only on stats rows, which have no kind.
	Calls *int64 `json:"calls"`
}

// jsonRow is a `stats --json` line as decoded.
type jsonRow struct {
	Syscall  *string          `json:"syscall"`
	Pid      *int64           `json:"pid"`
	Comm     *string          `json:"comm"`
	Errno    *string          `json:"errno"`
	Calls    int64            `json:"calls"`
	Errors   int64            `json:"errors"`
	TotalNs  *int64           `json:"total_ns"`
	AvgNs    int64            `json:"avg_ns"`
	MinNs    int64            `json:"min_ns"`
	P50Ns    int64            `json:"p50_ns"`
	P95Ns    int64            `json:"p95_ns"`
	P99Ns    int64            `json:"p99_ns"`
	MaxNs    int64            `json:"max_ns"`
	Errnos   map[string]int64 `json:"errnos"`
	Syscalls map[string]int64 `json:"syscalls"`
}

// parseLine decodes one line (without its newline) and appends its event, if any.
func (j *JSONLReader) parseLine(dst []Event, line []byte) []Event {
	for n := len(line); n > 0 && isBlankByte(line[n-1]); n-- {
		line = line[:n-1]
	}
	for len(line) > 0 && isBlankByte(line[0]) {
		line = line[1:]
	}
	if len(line) == 0 {
		return dst
	}
	if line[0] != '{' {
		j.problemBytes("not a JSON object", line)
		return dst
	}
	j.rec = jsonLine{}
	if err := json.UnmarshalWithOption(line, &j.rec, json.DecodeNoCopyString()); err != nil {
		j.problemBytes(decodeReason(err), line)
		return dst
	}
	if j.rec.Kind == "" && j.rec.Calls != nil {
		j.parseRow(line)
		return dst
	}
	ev, reason := j.rec.event()
	if reason != "" {
		j.problemBytes(reason, line)
		return dst
	}
	if !j.claim(sortEvents, line) {
		return dst
	}
	return append(dst, ev)
}

// claim records that the input holds events or rows; a line of the other
// sort is a problem.
func (j *JSONLReader) claim(s lineSort, line []byte) bool {
	if j.sort == sortUnknown {
		j.sort = s
	}
	if j.sort == s {
		return true
	}
	if s == sortRows {
		j.problemBytes("a stats row among events", line)
	} else {
		j.problemBytes("an event among stats rows", line)
	}
	return false
}

// event checks a decoded line against the schema and turns it into an
// Event; reason says what is wrong when it is not one.
func (l *jsonLine) event() (ev Event, reason string) {
	k, ok := ParseKind(l.Kind)
	if !ok {
		if l.Kind == "" {
			return ev, `no "kind" field: neither an event nor a stats row`
		}
		return ev, "unknown kind " + strconv.Quote(l.Kind)
	}
	ev = Event{
		Kind: k, Time: l.Time, Rel: string(l.Rel), Pid: l.Pid, Tgid: l.Tgid, Comm: l.Comm, Raw: l.Raw,
	}
	switch k {
	case KindSyscall:
		if l.Syscall == "" {
			return ev, `syscall event without "syscall"`
		}
		ev.Syscall, ev.Args = l.Syscall, l.Args
		ev.Errno, ev.Errmsg, ev.Note = l.Errno, l.Errmsg, l.Note
		if l.Ret != nil {
			ev.Ret, ev.Returned = *l.Ret, true
		}
		if l.Retval != nil {
			ev.Retval, ev.HasRetval = *l.Retval, true
		}
		if l.DurationNs != nil {
			if *l.DurationNs < 0 {
				return ev, "negative duration_ns"
			}
			ev.DurationNs, ev.HasDuration = *l.DurationNs, true
		}
	case KindSignal:
		if l.Signal == "" {
			return ev, `signal event without "signal"`
		}
		ev.Signal, ev.Siginfo = l.Signal, l.Siginfo
	case KindExit:
		if l.ExitCode == nil && l.Signal == "" {
			return ev, `exit event without "exit_code" or "signal"`
		}
		if l.ExitCode != nil {
			ev.ExitCode, ev.HasExitCode = *l.ExitCode, true
		}
		ev.Signal, ev.CoreDumped = l.Signal, l.CoreDumped
	}
	return ev, ""
}

// parseRow decodes a `stats --json` line into rows.
func (j *JSONLReader) parseRow(line []byte) {
	j.row = jsonRow{}
	if err := json.Unmarshal(line, &j.row); err != nil {
		j.problemBytes(decodeReason(err), line)
		return
	}
	row, reason := j.row.summaryRow()
	if reason == "" && len(j.rows) > 0 && j.rows[0].By != row.By {
		reason = "a row grouped by " + string(row.By) + " among rows grouped by " + string(j.rows[0].By)
	}
	if reason != "" {
		j.problemBytes(reason, line)
		return
	}
	if j.claim(sortRows, line) {
		j.rows = append(j.rows, row)
	}
}

// summaryRow checks a decoded row: exactly one group key, counts that add up.
func (r *jsonRow) summaryRow() (row SummaryRow, reason string) {
	keys := 0
	if r.Syscall != nil {
		row.By, row.Name = BySyscall, *r.Syscall
		keys++
	}
	if r.Pid != nil {
		row.By, row.Name = ByPid, strconv.FormatInt(*r.Pid, 10)
		keys++
	}
	if r.Comm != nil {
		row.By, row.Name = ByComm, *r.Comm
		keys++
	}
	if r.Errno != nil {
		row.By, row.Name = ByErrno, *r.Errno
		keys++
	}
	if keys != 1 {
		return row, `stats row needs exactly one of "syscall", "pid", "comm", "errno"`
	}
	if r.Calls < 0 || r.Errors < 0 || r.Errors > r.Calls {
		return row, "stats row with errors > calls or negative counts"
	}
	row.Calls, row.Errors = r.Calls, r.Errors
	row.Errnos, row.Syscalls = r.Errnos, r.Syscalls
	if r.TotalNs != nil {
		row.HasDurations = true
		row.TotalNs, row.AvgNs, row.MinNs = *r.TotalNs, r.AvgNs, r.MinNs
		row.P50Ns, row.P95Ns, row.P99Ns, row.MaxNs = r.P50Ns, r.P95Ns, r.P99Ns, r.MaxNs
	}
	return row, ""
}

// decodeReason turns a decoding error into a short reason that names the
// field at fault rather than our Go types.
func decodeReason(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			return "not a JSON object"
		}
		return "field " + strconv.Quote(field) + " has the wrong type (" + te.Value + ")"
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "invalid JSON at byte " + strconv.FormatInt(se.Offset, 10)
	}
	return "invalid JSON: " + err.Error()
}

// problemBytes records a problem with the current line, quoting its bytes.
func (j *JSONLReader) problemBytes(reason string, line []byte) { j.problem(reason, aliasString(line)) }
