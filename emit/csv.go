package emit

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stracectl/stracectl/parse"
)

// CSVColumns is the fixed column order of the CSV output: the fields of the
// event schema, args joined with ", ". With raw output a "raw" column
// follows. The order never changes within a schema version, so loaders
// (PostgreSQL COPY ... CSV HEADER, sqlite3 .import --csv) can rely on it.
var CSVColumns = []string{
	"kind", "time", "rel", "pid", "tgid", "comm", "syscall", "args", "ret", "retval",
	"errno", "errmsg", "note", "duration_ns", "signal", "siginfo", "exit_code", "core_dumped",
}

// CSVWriter writes events as RFC 4180 CSV with a header row. Unknown and
// null values are empty fields. Text is made loadable by databases: invalid
// UTF-8 and NUL bytes (which PostgreSQL text cannot hold) become U+FFFD.
type CSVWriter struct {
	w      *csv.Writer
	raw    bool
	header bool
	rec    []string
	err    error
}

// NewCSV returns a CSVWriter writing to w; raw adds the "raw" column.
func NewCSV(w io.Writer, raw bool) *CSVWriter {
	n := len(CSVColumns)
	if raw {
		n++
	}
	return &CSVWriter{w: csv.NewWriter(&errWriter{w: w}), raw: raw, rec: make([]string, n)}
}

// errWriter keeps the first write error, which encoding/csv only reports
// through Error after a Flush.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}

// Write encodes ev as one record, after the header on the first call.
func (c *CSVWriter) Write(ev *parse.Event) error {
	if c.err != nil {
		return c.err
	}
	if !c.header {
		c.header = true
		if c.err = c.w.Write(c.headerRow()); c.err != nil {
			return c.err
		}
	}
	r := c.rec
	clear(r)
	r[0] = ev.Kind.String()
	r[1] = clean(ev.Time)
	r[2] = ev.Rel
	r[3] = itoa(ev.Pid)
	if ev.Tgid != 0 {
		r[4] = itoa(ev.Tgid)
	}
	r[5] = clean(ev.Comm)
	switch ev.Kind {
	case parse.KindSyscall:
		r[6] = clean(ev.Syscall)
		r[7] = clean(strings.Join(ev.Args, ", "))
		if ev.Returned {
			r[8] = clean(ev.Ret)
		}
		if ev.HasRetval {
			r[9] = itoa(ev.Retval)
		}
		r[10] = clean(ev.Errno)
		r[11] = clean(ev.Errmsg)
		r[12] = clean(ev.Note)
		if ev.HasDuration {
			r[13] = itoa(ev.DurationNs)
		}
	case parse.KindSignal:
		r[14] = clean(ev.Signal)
		r[15] = clean(ev.Siginfo)
	case parse.KindExit:
		r[14] = clean(ev.Signal)
		if ev.HasExitCode {
			r[16] = itoa(ev.ExitCode)
		}
		r[17] = strconv.FormatBool(ev.CoreDumped)
	}
	if c.raw {
		r[len(CSVColumns)] = clean(ev.Raw)
	}
	if c.err = c.w.Write(r); c.err != nil {
		return c.err
	}
	return nil
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// Flush writes out what is buffered.
func (c *CSVWriter) Flush() error {
	if c.err != nil {
		return c.err
	}
	c.w.Flush()
	c.err = c.w.Error()
	return c.err
}

// Close flushes; it does not close the underlying writer.
func (c *CSVWriter) Close() error {
	if c.err == nil && !c.header {
		// An empty trace still gets its header, so loaders see the columns.
		c.header = true
		c.err = c.w.Write(c.headerRow())
	}
	return c.Flush()
}

func (c *CSVWriter) headerRow() []string {
	h := append([]string(nil), CSVColumns...)
	if c.raw {
		h = append(h, "raw")
	}
	return h
}

// clean makes s valid UTF-8 without NUL bytes.
func clean(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}
