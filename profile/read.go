package profile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/stracectl/stracectl/emit"
	"github.com/stracectl/stracectl/parse"
)

// Reader reads one input of stats or diff and tells, once, what it holds:
// a trace (strace text or stracectl JSON Lines events), whose events it
// returns as any parse.Reader does, or a recorded profile (the rows of
// `stats --json`), whose rows Rows returns once the input is read. The
// first valid line decides (see parse.JSONLReader); a line of the other
// sort is a problem.
type Reader struct {
	parse.Reader
	rows rowLines
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader, opts parse.Options) *Reader {
	rd := &Reader{}
	rd.Reader = parse.NewReader(r, opts, &rd.rows)
	return rd
}

// IsProfile reports whether the input read so far is a recorded profile.
func (rd *Reader) IsProfile() bool { return len(rd.rows.rows) > 0 }

// Rows returns the rows of a recorded profile, in input order; none when
// the input is a trace.
func (rd *Reader) Rows() []Row { return rd.rows.rows }

// Compare reads the profiles OLD and NEW (each strace text, JSON Lines
// events or stats --json rows), each through a pump like p that reports on
// it alone, and compares them. With opts.Update, OLD must be a recorded
// profile, or not exist yet (it is then compared as empty), so that the
// caller may rewrite it (DiffReport.WriteBaseline). Every error it returns
// is the caller's: a bad option, or an input that cannot serve.
func Compare(p emit.Pump, old, new string, opts DiffOptions) (*DiffReport, error) {
	switch {
	case old == "-" && new == "-":
		return nil, errors.New("OLD and NEW cannot both be stdin")
	case opts.TolerancePct < 0 || opts.MinDelta < 0 || opts.LatencyPct < 0:
		return nil, errors.New("--tolerance, --min-delta and --latency cannot be negative")
	case opts.TopPct < 0 || opts.TopPct > 100:
		return nil, errors.New("--top must be a percentage, from 0 (off) to 100")
	case opts.Update && old == "-":
		return nil, errors.New("--update rewrites OLD, which must be a file, not stdin")
	}
	var sides [2][]Row
	recorded := false
	for i, name := range []string{old, new} {
		if i == 0 && opts.Update && !exists(old) {
			continue // created from NEW
		}
		rows, rec, err := Load(p, name)
		if err != nil {
			return nil, err
		}
		sides[i] = rows
		if i == 0 {
			recorded = rec
		}
		if opts.GateLatency && !HasDurations(rows) {
			return nil, errors.New(name + " has no durations, which --latency needs — trace with strace -T, or with stracectl run")
		}
	}
	if opts.Update && sides[0] != nil && !recorded {
		return nil, errors.New(old + " is a trace, not a recorded profile (stats --json output): --update rewrites only recorded baselines")
	}
	report := Diff(sides[0], sides[1], opts)
	if len(report.Unmatched) > 0 && !opts.Update {
		return nil, errors.New("--only names syscalls found in neither input: " + strings.Join(report.Unmatched, ", "))
	}
	return report, nil
}

// exists reports whether a file is at path.
func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// Load reads the profile diff compares from the input name through a pump
// like p (see DiffRows); recorded says whether the input is a recorded
// profile rather than a trace.
func Load(p emit.Pump, name string) (rows []Row, recorded bool, err error) {
	events := New(BySyscall)
	stream := emit.NewStream(events)
	rd, err := emit.Read(&p, name, stream, NewReader)
	stream.Close() // a Profile does not fail, and has all events once closed
	if err != nil {
		return nil, false, err
	}
	p.Report()
	rows, err = rd.DiffRows(events)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", name, err)
	}
	return rows, rd.IsProfile(), nil
}

// DiffRows returns the profile diff compares for the input read through
// rd: its rows when it is a recorded profile (grouped by syscall, each
// syscall once), else the rows of events, the profile its events were
// added to (grouped by syscall). An input with no events and no rows is an
// error, so that an empty or unrelated file cannot pass a CI gate.
func (rd *Reader) DiffRows(events *Profile) ([]Row, error) {
	if rd.IsProfile() {
		return checkDiffRows(rd.Rows())
	}
	if events.Events() == 0 {
		st := rd.LineCount()
		if st.First != nil {
			return nil, fmt.Errorf("no events or stats rows in %d lines (first: %s) — expected strace output, stracectl JSON Lines or stats --json output", st.Lines, st.First.Error())
		}
		return nil, errors.New("no events or stats rows: the input is empty")
	}
	return events.Rows(), nil
}

// checkDiffRows accepts stats rows grouped by syscall, each syscall once.
func checkDiffRows(rows []Row) ([]Row, error) {
	if by := rows[0].By(); by != BySyscall {
		return nil, fmt.Errorf("stats rows are grouped by %s; diff compares rows grouped by syscall (stats --by syscall, the default)", by)
	}
	seen := make(map[string]bool, len(rows))
	for i := range rows {
		if rows[i].runs() != rows[0].runs() {
			return nil, fmt.Errorf("syscall %s: a row of %d runs among rows of %d", rows[i].Name(), rows[i].runs(), rows[0].runs())
		}
		name := rows[i].Name()
		if seen[name] {
			return nil, fmt.Errorf("syscall %s has two stats rows", name)
		}
		seen[name] = true
	}
	return rows, nil
}

// rowLines reads the rows of `stats --json` for a parse.JSONLReader: the
// lines without "kind" that have "calls".
type rowLines struct {
	rows []Row
	last Row // decoded, not yet kept
}

// Noun names a row in problems.
func (l *rowLines) Noun() string { return "stats row" }

// Decode decodes a line without "kind"; it is a row when it has "calls".
func (l *rowLines) Decode(line []byte) (mine bool, reason string) {
	var probe struct {
		Calls json.RawMessage `json:"calls"`
	}
	if json.Unmarshal(line, &probe) != nil || probe.Calls == nil {
		return false, ""
	}
	l.last = Row{}
	if err := json.Unmarshal(line, &l.last); err != nil {
		return true, decodeReason(err)
	}
	if reason := l.last.check(); reason != "" {
		return true, reason
	}
	if len(l.rows) > 0 && l.rows[0].By() != l.last.By() {
		return true, "a row grouped by " + string(l.last.By()) + " among rows grouped by " + string(l.rows[0].By())
	}
	return true, ""
}

// Keep keeps the row decoded last.
func (l *rowLines) Keep() { l.rows = append(l.rows, l.last) }

// decodeReason turns a decoding error into a short reason that names the
// field at fault rather than our Go types.
func decodeReason(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return "field " + strconv.Quote(te.Field) + " has the wrong type (" + te.Value + ")"
	}
	return "invalid stats row: " + err.Error()
}
