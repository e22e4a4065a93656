package emit

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"

	"github.com/stracectl/stracectl/parse"
)

// edgeEvents are the representative events and text that CSV must quote
// or clean.
func edgeEvents() []parse.Event {
	evs := []parse.Event{fullCall, decoratedCall, questionCall, unreturnedCall, noArgsCall, signalEvent, bareSignal, exitEvent, killedEvent}
	for _, s := range []string{`"a,b"`, "two\nlines", "cr\rhere", " leading space", "\u00a0nbsp first", `\.`, "/etc/\x00passwd",
		"caf\xe9 \xff\xfe", "\xff\x00\xfe", "\"\"", ",", "a\"b\"c\r\n", strings.Repeat("long and plain ", 20)} {
		evs = append(evs, parse.Event{Kind: parse.KindSyscall, Comm: s, Syscall: "write", Args: []string{s}, Ret: s, Returned: true,
			Errmsg: s, Note: s, Raw: s, Time: s},
			parse.Event{Kind: parse.KindSyscall, Syscall: "write", Args: []string{s, s}, Ret: "1", Returned: true})
	}
	return evs
}

// TestAppendJSONAgreesWithFields: every event of the corpus (with raw
// lines) and every representative event encodes to the fields, and the
// values, that parse.Fields says it carries.
func TestAppendJSONAgreesWithFields(t *testing.T) {
	events, _ := benchEvents(t, true)
	for _, ev := range append(events, edgeEvents()...) {
		checkDecodes(t, AppendJSON(nil, &ev), &ev)
	}
}

// TestCSVMatchesEncodingCSV: the one-pass CSV writer writes, byte for
// byte, what encoding/csv writes for the record made from parse.Fields,
// for every event of the corpus and every edge case, with and without raw.
func TestCSVMatchesEncodingCSV(t *testing.T) {
	events, _ := benchEvents(t, true)
	events = append(events, edgeEvents()...)
	// every field of every kind set, and events of no valid kind
	for _, k := range []parse.Kind{0, parse.KindSyscall, parse.KindSignal, parse.KindExit, 4, 200} {
		events = append(events, parse.Event{Kind: k, Time: "t", Rel: "0.1", Pid: 1, Tgid: 2, Comm: "c", Secontext: "s_t",
			Syscall: "read", Args: []string{"3", "a,b"}, Ret: "0", Returned: true, Retval: 0, HasRetval: true,
			Errno: "E", Errmsg: "m", Note: "n", DurationNs: 5, HasDuration: true, Signal: "SIGKILL", Siginfo: "{}",
			ExitCode: 1, HasExitCode: true, CoreDumped: true, Raw: "r"})
	}
	for _, raw := range []bool{false, true} {
		var got, want bytes.Buffer
		w := NewCSV(&got, raw)
		cw := csv.NewWriter(&want)
		cw.Write(CSVColumns(raw))
		for i := range events {
			if err := w.Write(&events[i]); err != nil {
				t.Fatal(err)
			}
			cw.Write(csvRecord(&events[i], raw))
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		cw.Flush()
		g, wl := strings.SplitAfter(got.String(), "\n"), strings.SplitAfter(want.String(), "\n")
		for i := range min(len(g), len(wl)) {
			if g[i] != wl[i] {
				t.Fatalf("raw %v, line %d:\n got %q\nwant %q", raw, i+1, g[i], wl[i])
			}
		}
		if len(g) != len(wl) {
			t.Fatalf("raw %v: %d lines, encoding/csv wrote %d", raw, len(g), len(wl))
		}
	}
}

// csvRecord is the CSV record of ev, field by field as parse.Fields
// describes them, as text that databases load.
func csvRecord(ev *parse.Event, raw bool) []string {
	var rec []string
	for i := range parse.Fields {
		f := &parse.Fields[i]
		if f.OnRequest && !raw {
			continue
		}
		v := ""
		if f.Written(ev) && (!f.Nullable || f.Known(ev)) {
			switch f.Type {
			case parse.Enum:
				v = f.Kind(ev).String()
			case parse.String, parse.Number:
				v = f.Text(ev)
			case parse.Integer:
				v = strconv.FormatInt(f.Int(ev), 10)
			case parse.Boolean:
				v = strconv.FormatBool(f.Bool(ev))
			case parse.Strings:
				v = strings.Join(f.List(ev), ", ")
			}
		}
		v = strings.ToValidUTF8(v, "\uFFFD")
		rec = append(rec, strings.ReplaceAll(v, "\x00", "\uFFFD"))
	}
	return rec
}
