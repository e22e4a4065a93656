package parse_test

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stracectl/stracectl/emit"
	"github.com/stracectl/stracectl/parse"
)

// corpus holds real strace captures with an oracle (see its README).
const corpus = "../../shared/corpus"

func corpusTraces(t testing.TB) []string {
	traces, _ := filepath.Glob(filepath.Join(corpus, "*.trace"))
	if len(traces) == 0 {
		t.Skipf("no %s beside the checkout: this test needs its captures", corpus)
	}
	return traces
}

// readAll reads every event of rd.
func readAll(t testing.TB, rd parse.Reader) []parse.Event {
	t.Helper()
	var evs []parse.Event
	for {
		var err error
		evs, err = rd.ReadBatch(evs)
		if err == io.EOF {
			return evs
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestJSONLRoundTrip parses every capture, writes its events as JSON Lines
// and reads them back: every field of every event must come back.
func TestJSONLRoundTrip(t *testing.T) {
	for _, trace := range corpusTraces(t) {
		t.Run(filepath.Base(trace), func(t *testing.T) {
			text, err := os.ReadFile(trace)
			if err != nil {
				t.Fatal(err)
			}
			want := readAll(t, parse.NewParser(bytes.NewReader(text), parse.Options{Raw: true}))
			var jsonl []byte
			for i := range want {
				jsonl = emit.AppendJSON(jsonl, &want[i])
			}
			rd := parse.NewReader(bytes.NewReader(jsonl), parse.Options{}, nil)
			if _, ok := rd.(*parse.JSONLReader); !ok {
				t.Fatalf("NewReader chose %T for JSON Lines", rd)
			}
			got := readAll(t, rd)
			if st := rd.LineCount(); st.Problems != 0 {
				t.Fatalf("%d problems, first: %v", st.Problems, st.First)
			}
			if len(got) != len(want) {
				t.Fatalf("read back %d events, wrote %d", len(got), len(want))
			}
			for i := range want {
				w, g := want[i], got[i]
				if len(w.Args) == 0 && len(g.Args) == 0 {
					w.Args, g.Args = nil, nil
				}
				if !reflect.DeepEqual(w, g) {
					t.Fatalf("event %d:\nwrote %+v\nread  %+v", i, w, g)
				}
			}
		})
	}
}

func TestJSONLEvents(t *testing.T) {
	tests := []struct {
		line string
		want parse.Event
	}{
		{`{"kind":"syscall","pid":7,"syscall":"openat","args":["AT_FDCWD","\"/x\""],"ret":"-1","retval":-1,"errno":"ENOENT","errmsg":"No such file or directory","duration_ns":1200}`,
			parse.Event{Kind: parse.KindSyscall, Pid: 7, Syscall: "openat", Args: []string{"AT_FDCWD", `"/x"`}, Ret: "-1", Returned: true,
				Retval: -1, HasRetval: true, Errno: "ENOENT", Errmsg: "No such file or directory", DurationNs: 1200, HasDuration: true}},
		{`{"kind":"syscall","pid":7,"syscall":"exit_group","args":["0"],"ret":"?","retval":null,"errno":""}`,
			parse.Event{Kind: parse.KindSyscall, Pid: 7, Syscall: "exit_group", Args: []string{"0"}, Ret: "?", Returned: true}},
		{`{"kind":"syscall","pid":7,"syscall":"read","args":["0"],"ret":null,"retval":null,"errno":""}`,
			parse.Event{Kind: parse.KindSyscall, Pid: 7, Syscall: "read", Args: []string{"0"}}},
		{`  {"kind":"syscall","time":"2024-01-02T03:04:05.000006Z","rel":0.000284,"pid":1,"tgid":1,"comm":"a b","syscall":"getpid","args":[],"ret":"1","retval":1,"errno":"","future_field":{"x":[1]}}` + "\r",
			parse.Event{Kind: parse.KindSyscall, Time: "2024-01-02T03:04:05.000006Z", Rel: "0.000284", Pid: 1, Tgid: 1, Comm: "a b",
				Syscall: "getpid", Args: []string{}, Ret: "1", Returned: true, Retval: 1, HasRetval: true}},
		{`{"kind":"signal","pid":3,"signal":"SIGCHLD","siginfo":"{si_signo=SIGCHLD}"}`,
			parse.Event{Kind: parse.KindSignal, Pid: 3, Signal: "SIGCHLD", Siginfo: "{si_signo=SIGCHLD}"}},
		{`{"kind":"exit","pid":3,"exit_code":0,"core_dumped":false}`,
			parse.Event{Kind: parse.KindExit, Pid: 3, HasExitCode: true}},
		{`{"kind":"exit","pid":3,"signal":"SIGSEGV","core_dumped":true}`,
			parse.Event{Kind: parse.KindExit, Pid: 3, Signal: "SIGSEGV", CoreDumped: true}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			rd := parse.NewJSONLReader(strings.NewReader(tt.line), parse.Options{}, nil)
			got := readAll(t, rd)
			if st := rd.LineCount(); st.Problems != 0 {
				t.Fatalf("problem: %v", st.First)
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0], tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestJSONLBadLines feeds one bad line between two good ones: the bad line
// is reported with its number and a reason, and both good lines still come
// through.
func TestJSONLBadLines(t *testing.T) {
	const good = `{"kind":"syscall","pid":1,"syscall":"getpid","args":[],"ret":"1","retval":1,"errno":""}`
	tests := []struct {
		line, reason string
	}{
		{`getpid() = 1`, "not a JSON object"},
		{`{"kind":"syscall","pid":1,`, "invalid JSON at byte"},
		{`{"kind":"syscall","pid":1,"syscall":"x","args":[],"ret":3,"retval":3,"errno":""}`, `field "ret" has the wrong type (number)`},
		{`{"kind":"syscall","pid":99999999999999999999,"syscall":"x","args":[],"ret":"3","retval":3,"errno":""}`, `field "pid" has the wrong type`},
		{`{"kind":"syscall","pid":1,"args":[],"ret":"3","retval":3,"errno":""}`, `syscall event without "syscall"`},
		{`{"kind":"syscall","pid":1,"syscall":"x","args":[],"ret":"3","retval":3,"errno":"","duration_ns":-5}`, "negative duration_ns"},
		{`{"kind":"fork","pid":1}`, `unknown kind "fork"`},
		{`{"pid":1}`, `no "kind" field`},
		{`{"kind":"signal","pid":1}`, `signal event without "signal"`},
		{`{"kind":"exit","pid":1,"core_dumped":false}`, `exit event without "exit_code" or "signal"`},
		{"\x00\xff{\"kind\"", "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			var problems []parse.Problem
			in := good + "\n\n" + tt.line + "\n" + good + "\n"
			rd := parse.NewJSONLReader(strings.NewReader(in), parse.Options{OnProblem: func(p parse.Problem) { problems = append(problems, p) }}, nil)
			evs := readAll(t, rd)
			if len(evs) != 2 {
				t.Errorf("got %d events, want the 2 good ones", len(evs))
			}
			if len(problems) != 1 {
				t.Fatalf("got problems %v, want one", problems)
			}
			p := problems[0]
			if p.Line != 3 || !strings.Contains(p.Reason, tt.reason) {
				t.Errorf("got %q, want line 3: %s", p.Error(), tt.reason)
			}
			if st := rd.LineCount(); st.Lines != 4 || st.Problems != 1 || st.First == nil || *st.First != p {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestJSONLLongLineSkipped(t *testing.T) {
	const good = `{"kind":"syscall","pid":1,"syscall":"getpid","args":[],"ret":"1","retval":1,"errno":""}` + "\n"
	long := `{"kind":"syscall","pid":1,"syscall":"write","args":["1","` + strings.Repeat("A", parse.MaxLineBytes) + `"],"ret":"1","retval":1,"errno":""}` + "\n"
	rd := parse.NewJSONLReader(strings.NewReader(good+long+good), parse.Options{}, nil)
	if evs := readAll(t, rd); len(evs) != 2 {
		t.Errorf("got %d events, want 2", len(evs))
	}
	if st := rd.LineCount(); st.Problems != 1 || st.First.Line != 2 || !strings.Contains(st.First.Reason, "longer than 16 MiB") {
		t.Errorf("stats %+v, first %v", st, st.First)
	}
}

// TestNewReaderDetects checks the choice between strace text and JSON Lines
// by the first non-blank byte.
func TestNewReaderDetects(t *testing.T) {
	tests := []struct {
		name, in string
		jsonl    bool
		events   int
	}{
		{"strace line", "getpid() = 1\n", false, 1},
		{"pid column", "42 getpid() = 1\n", false, 1},
		{"JSON Lines", `{"kind":"exit","pid":3,"exit_code":0,"core_dumped":false}` + "\n", true, 1},
		{"blank lines before JSON", "\n \t\r\n" + `{"kind":"exit","pid":3,"exit_code":0,"core_dumped":false}`, true, 1},
		{"empty", "", false, 0},
		{"only blanks", strings.Repeat("\n", 100000), false, 0},
		{"JSON after 64 KiB of blanks is text", strings.Repeat(" ", 70000) + `{"kind":"exit","pid":3,"exit_code":0}`, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd := parse.NewReader(iotestHalfReader{strings.NewReader(tt.in)}, parse.Options{}, nil)
			_, isJSONL := rd.(*parse.JSONLReader)
			if isJSONL != tt.jsonl {
				t.Errorf("got %T", rd)
			}
			if evs := readAll(t, rd); len(evs) != tt.events {
				t.Errorf("got %d events, want %d", len(evs), tt.events)
			}
		})
	}
}

// iotestHalfReader returns at most a few bytes per Read, like a slow pipe.
type iotestHalfReader struct{ r io.Reader }

func (h iotestHalfReader) Read(p []byte) (int, error) {
	if len(p) > 7 {
		p = p[:7]
	}
	return h.r.Read(p)
}

// TestNewReaderLive checks that detection and the first event need only the
// first line: a live producer that has not closed its output is not waited for.
func TestNewReaderLive(t *testing.T) {
	pr, pw := io.Pipe()
	go pw.Write([]byte(`{"kind":"exit","pid":3,"exit_code":0,"core_dumped":false}` + "\n"))
	rd := parse.NewReader(pr, parse.Options{}, nil)
	evs, err := rd.ReadBatch(nil)
	if err != nil || len(evs) != 1 || evs[0].Kind != parse.KindExit {
		t.Fatalf("got %v, %v", evs, err)
	}
	pw.Close()
	if _, err := rd.ReadBatch(nil); err != io.EOF {
		t.Fatalf("after close: %v, want EOF", err)
	}
}

func BenchmarkJSONLReader(b *testing.B) {
	text, err := os.ReadFile(filepath.Join(corpus, "ls-la-usrbin.trace"))
	if err != nil {
		b.Skip(err)
	}
	evs := readAll(b, parse.NewParser(bytes.NewReader(text), parse.Options{}))
	var jsonl []byte
	for i := range evs {
		jsonl = emit.AppendJSON(jsonl, &evs[i])
	}
	b.SetBytes(int64(len(jsonl)))
	b.ReportAllocs()
	batch := make([]parse.Event, 0, 1024)
	for b.Loop() {
		rd := parse.NewJSONLReader(bytes.NewReader(jsonl), parse.Options{}, nil)
		for {
			batch, err = rd.ReadBatch(batch[:0])
			if err == io.EOF {
				break
			}
		}
	}
}

// FuzzJSONLReader feeds arbitrary input: the reader must not panic, must
// account for every line, and every event it returns must be valid.
func FuzzJSONLReader(f *testing.F) {
	f.Add([]byte(`{"kind":"syscall","pid":7,"syscall":"openat","args":["AT_FDCWD"],"ret":"-1","retval":-1,"errno":"ENOENT","duration_ns":1}` + "\n"))
	f.Add([]byte(`{"kind":"exit","pid":1,"signal":"SIGKILL","core_dumped":false}`))
	f.Add([]byte("{\"kind\":\"signal\",\"pid\":1,\"signal\":\"SIGCHLD\"}\r\n{\n}\n"))
	f.Add([]byte("{\"kind\":\"exit\",\"pid\":1,\"signal\":\"SIG\xff\\u00e9\\ud83d\\ude00\",\"rel\":1.5e3,\"x\":[{}]}"))
	f.Fuzz(func(t *testing.T, in []byte) {
		rd := parse.NewJSONLReader(bytes.NewReader(in), parse.Options{}, nil)
		evs := readAll(t, rd)
		st := rd.LineCount()
		if lines := int64(bytes.Count(in, []byte("\n"))); st.Lines < lines || st.Lines > lines+1 {
			t.Errorf("%d lines counted in input with %d newlines", st.Lines, lines)
		}
		for _, ev := range evs {
			switch {
			case ev.Kind == parse.KindSyscall && ev.Syscall == "",
				ev.Kind == parse.KindSignal && ev.Signal == "",
				ev.Kind == parse.KindExit && !ev.HasExitCode && ev.Signal == "",
				ev.HasDuration && ev.DurationNs < 0:
				t.Errorf("invalid event %+v", ev)
			}
		}
		// A line read as an event is valid JSON, and reads back the same
		// once written again.
		if len(evs) == 1 && st.Lines == 1 && !json.Valid(in) {
			t.Errorf("invalid JSON read as an event: %q", in)
		}
		for i := range evs {
			again := readAll(t, parse.NewJSONLReader(bytes.NewReader(emit.AppendJSON(nil, &evs[i])), parse.Options{}, nil))
			if len(again) == 1 && len(again[0].Args) == 0 && len(evs[i].Args) == 0 {
				again[0].Args = evs[i].Args // [] and null read alike
			}
			if len(again) != 1 || !reflect.DeepEqual(again[0], evs[i]) {
				t.Errorf("read %+v, written and read again %+v", evs[i], again)
			}
		}
	})
}
