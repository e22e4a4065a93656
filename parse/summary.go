package parse

import (
	"strings"
)

// strace -c tables.
//
// strace -c (and -C, -w, -U, -S) ends its output with a table of what it
// counted, one row per syscall:
//
//	% time     seconds  usecs/call     calls    errors syscall
//	------ ----------- ----------- --------- --------- ----------------
//	 62.50    0.000010          10         1           getpid
//	------ ----------- ----------- --------- --------- ----------------
//	100.00    0.000016           5         3         1 total
//
// -U chooses and orders the columns; an errors cell is blank when there
// were none; "System call usage summary for 32 bit mode:" titles the table
// of another personality. Such a table is no event: the Parser reads it
// and keeps it for StraceSummaries, so that a recorded profile can be used as
// one.

// StraceSummaryRow is one row of a strace -c table: what strace counted for one
// syscall, or for all of them in the "total" row. A column the table did
// not print leaves its field zero and its Has flag false.
type StraceSummaryRow struct {
	Syscall string // the call's name as printed ("openat", "syscall_0x1d8", "total")
	Calls   int64  // calls that completed
	Errors  int64  // of those, the ones that failed (a blank cell is 0)
	// TotalNs is the time spent in the call ("seconds", or "wall-total"
	// with -w), in nanoseconds.
	TotalNs  int64
	HasTotal bool
	// UsecsPerCall is strace's "usecs/call" ("wall-avg" with -w).
	UsecsPerCall int64
	HasAvg       bool
	// MinNs and MaxNs are the shortest and longest call ("shortest",
	// "longest", "wall-min", "wall-max"), in nanoseconds.
	MinNs, MaxNs   int64
	HasMin, HasMax bool
}

// StraceSummary is one strace -c table of the input.
type StraceSummary struct {
	// Personality names the table's personality when strace titled it
	// ("32 bit", "x32" from "System call usage summary for x32 mode:");
	// "" for the native one.
	Personality string
	Columns     []string           // the column names as the header printed them
	Rows        []StraceSummaryRow // in printed order, without the total row
	Total       StraceSummaryRow   // the "total" row; HasTotalRow tells whether it was printed
	HasTotalRow bool
}

// StraceSummaries returns the strace -c tables read so far, in input order: a
// trace of several personalities has one per personality. An input that
// is a summary table rather than a trace gives no events and one or more
// tables here.
func (p *Parser) StraceSummaries() []StraceSummary { return p.summaries }

// column kinds of a strace -c table
type summaryColumn uint8

const (
	colPercent summaryColumn = iota
	colTotal
	colAvg
	colMin
	colMax
	colCalls
	colErrors
	colName
)

// summaryColumns maps a header's names to their kinds; -w prints the
// wall-* names.
var summaryColumns = map[string]summaryColumn{
	"% time": colPercent, "seconds": colTotal, "wall-total": colTotal, "usecs/call": colAvg, "wall-avg": colAvg,
	"shortest": colMin, "wall-min": colMin, "longest": colMax, "wall-max": colMax,
	"calls": colCalls, "errors": colErrors, "syscall": colName,
}

// Bounds on what tables may hold, so that garbage cannot grow them
// without end.
const (
	maxSummaryRows   = 1 << 12
	maxSummaryTables = 1 << 6
)

// summaryTable is a table being read.
type summaryTable struct {
	StraceSummary
	kinds []summaryColumn
	rules int // dashed rules seen: 1 after the header's, 2 before the total
}

// summaryHeader starts a table when s is the header of one, or notes the
// personality when s is a table's title.
func (p *Parser) summaryHeader(s string) bool {
	t := strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(t, "System call usage summary for "); ok {
		if mode, ok := strings.CutSuffix(rest, " mode:"); ok {
			p.personality = strings.Clone(mode)
			return true
		}
		return false
	}
	fields := strings.Fields(t)
	var kinds []summaryColumn
	var names []string
	hasName := false
	for i := 0; i < len(fields); i++ {
		name := fields[i]
		if name == "%" && i+1 < len(fields) && fields[i+1] == "time" {
			name, i = "% time", i+1
		}
		kind, ok := summaryColumns[name]
		if !ok {
			return false
		}
		hasName = hasName || kind == colName
		kinds, names = append(kinds, kind), append(names, name)
	}
	if !hasName || len(kinds) < 2 || len(p.summaries) >= maxSummaryTables {
		return false
	}
	p.endTable()
	p.table = &summaryTable{StraceSummary: StraceSummary{Personality: p.personality, Columns: names}, kinds: kinds}
	p.personality = ""
	return true
}

// summaryLine reads a line of the table being read: a dashed rule, a row,
// or the total row that ends it. false means s is no part of it, and the
// table has ended.
func (p *Parser) summaryLine(s string) bool {
	tb := p.table
	t := strings.TrimSpace(s)
	if t != "" && strings.Trim(t, "- ") == "" {
		tb.rules++
		return tb.rules <= 2
	}
	var row StraceSummaryRow
	if tb.rules == 0 || !tb.parseRow(t, &row) {
		p.endTable()
		return false
	}
	if tb.rules == 2 || row.Syscall == "total" {
		tb.Total, tb.HasTotalRow = row, true
		p.endTable()
		return true
	}
	if len(tb.Rows) >= maxSummaryRows {
		p.endTable()
		return false
	}
	tb.Rows = append(tb.Rows, row)
	return true
}

// endTable keeps the table being read, if any.
func (p *Parser) endTable() {
	if p.table != nil {
		p.summaries = append(p.summaries, p.table.StraceSummary)
		p.table = nil
	}
}

// parseRow reads the cells of a row into row: one per column, or one
// fewer when the errors cell is blank.
func (tb *summaryTable) parseRow(t string, row *StraceSummaryRow) bool {
	cells := strings.Fields(t)
	blankErrors := len(cells) == len(tb.kinds)-1
	if len(cells) != len(tb.kinds) && !(blankErrors && hasColumn(tb.kinds, colErrors)) {
		return false
	}
	c := 0
	for _, kind := range tb.kinds {
		if kind == colErrors && blankErrors {
			continue
		}
		cell := cells[c]
		c++
		var ok bool
		switch kind {
		case colPercent:
			ok = isDecimalNumber(cell)
		case colTotal:
			row.TotalNs, ok, row.HasTotal = secondsCell(cell)
		case colMin:
			row.MinNs, ok, row.HasMin = secondsCell(cell)
		case colMax:
			row.MaxNs, ok, row.HasMax = secondsCell(cell)
		case colAvg:
			row.UsecsPerCall, ok = parseUint(cell)
			row.HasAvg = ok
		case colCalls:
			row.Calls, ok = parseUint(cell)
		case colErrors:
			row.Errors, ok = parseUint(cell)
		case colName:
			row.Syscall, ok = strings.Clone(cell), isName(cell)
		}
		if !ok {
			return false
		}
	}
	return true
}

// secondsCell parses a time cell, "0.000010", into nanoseconds.
func secondsCell(cell string) (ns int64, ok, has bool) {
	ns, found, fits := parseSeconds(cell)
	return ns, found && fits, found && fits
}

func hasColumn(kinds []summaryColumn, kind summaryColumn) bool {
	for _, k := range kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// isName accepts a syscall name as a table prints it.
func isName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) {
			return false
		}
	}
	return true
}
