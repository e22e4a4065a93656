package emit

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stracectl/stracectl/parse"
)

// Representative events, one of each shape the schema allows.
var (
	fullCall = parse.Event{
		Kind: parse.KindSyscall, Time: "2026-11-26T12:51:49.953848Z", Rel: "0.000284", Pid: 3176, Tgid: 3170, Comm: "python3",
		Syscall: "openat", Args: []string{"AT_FDCWD", `"/etc/passwd"`, "O_RDONLY|O_CLOEXEC"},
		Ret: "-1", Returned: true, Retval: -1, HasRetval: true, Errno: "ENOENT", Errmsg: "No such file or directory",
		Note: "INJECTED", DurationNs: 12345, HasDuration: true, Raw: `3176  openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory) (INJECTED) <0.000012345>`,
	}
	decoratedCall = parse.Event{
		Kind: parse.KindSyscall, Pid: 4251, Syscall: "openat", Args: []string{"AT_FDCWD</tmp>", `"a,b"`, "O_RDONLY"},
		Ret: "3</tmp/a,b>", Returned: true, Retval: 3, HasRetval: true,
	}
	questionCall   = parse.Event{Kind: parse.KindSyscall, Pid: 7, Syscall: "exit_group", Args: []string{"0"}, Ret: "?", Returned: true}
	unreturnedCall = parse.Event{Kind: parse.KindSyscall, Time: "13:39:10.000001", Pid: 4251, Syscall: "read", Args: []string{"0", ""}}
	noArgsCall     = parse.Event{Kind: parse.KindSyscall, Syscall: "getpid", Ret: "4251", Returned: true, Retval: 4251, HasRetval: true}
	signalEvent    = parse.Event{Kind: parse.KindSignal, Pid: 3220, Signal: "SIGCHLD", Siginfo: "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=3260}"}
	bareSignal     = parse.Event{Kind: parse.KindSignal, Signal: "SIGURG"}
	exitEvent      = parse.Event{Kind: parse.KindExit, Pid: 4242, ExitCode: 2, HasExitCode: true}
	killedEvent    = parse.Event{Kind: parse.KindExit, Pid: 3268, Signal: "SIGSEGV", CoreDumped: true}
)

func TestAppendJSON(t *testing.T) {
	cases := []struct {
		ev   parse.Event
		want string
	}{
		{fullCall, `{"kind":"syscall","time":"2026-11-26T12:51:49.953848Z","rel":0.000284,"pid":3176,"tgid":3170,"comm":"python3","syscall":"openat","args":["AT_FDCWD","\"/etc/passwd\"","O_RDONLY|O_CLOEXEC"],"ret":"-1","retval":-1,"errno":"ENOENT","errmsg":"No such file or directory","note":"INJECTED","duration_ns":12345,"raw":"3176  openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory) (INJECTED) <0.000012345>"}`},
		{decoratedCall, `{"kind":"syscall","pid":4251,"syscall":"openat","args":["AT_FDCWD</tmp>","\"a,b\"","O_RDONLY"],"ret":"3</tmp/a,b>","retval":3,"errno":""}`},
		{questionCall, `{"kind":"syscall","pid":7,"syscall":"exit_group","args":["0"],"ret":"?","retval":null,"errno":""}`},
		{unreturnedCall, `{"kind":"syscall","time":"13:39:10.000001","pid":4251,"syscall":"read","args":["0",""],"ret":null,"retval":null,"errno":""}`},
		{noArgsCall, `{"kind":"syscall","pid":0,"syscall":"getpid","args":[],"ret":"4251","retval":4251,"errno":""}`},
		{signalEvent, `{"kind":"signal","pid":3220,"signal":"SIGCHLD","siginfo":"{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=3260}"}`},
		{bareSignal, `{"kind":"signal","pid":0,"signal":"SIGURG"}`},
		{exitEvent, `{"kind":"exit","pid":4242,"exit_code":2,"core_dumped":false}`},
		{killedEvent, `{"kind":"exit","pid":3268,"signal":"SIGSEGV","core_dumped":true}`},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			got := string(AppendJSON(nil, &tc.ev))
			if got != tc.want+"\n" {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			checkDecodes(t, []byte(got), &tc.ev)
		})
	}
}

// checkDecodes fails t unless line, AppendJSON's encoding of ev, is one
// valid JSON object that agrees with parse.Fields: it has exactly the
// fields the table says ev carries, each with ev's value (null where the
// table says unknown), and parse's reader reads it back into an event
// that encodes to the same line. It returns the object as encoding/json
// decodes it.
func checkDecodes(t *testing.T, line []byte, ev *parse.Event) map[string]any {
	t.Helper()
	if !json.Valid(line) || !utf8.Valid(line) {
		t.Fatalf("not valid JSON: %q", line)
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("encoding/json: %v: %q", err, line)
	}
	seen := 0
	for i := range parse.Fields {
		f := &parse.Fields[i]
		got, present := m[f.Name]
		written := f.Written(ev) && (f.Type != parse.Number || isJSONNumber(f.Text(ev)))
		if present != written {
			t.Fatalf("field %s present: %v; the table says %v: %s", f.Name, present, written, line)
		}
		if !present {
			continue
		}
		seen++
		if want := jsonValue(f, ev); !reflect.DeepEqual(got, want) {
			t.Fatalf("field %s is %#v, want %#v: %s", f.Name, got, want, line)
		}
	}
	if seen != len(m) {
		t.Fatalf("fields outside the table: %s", line)
	}
	back := parse.NewJSONLReader(bytes.NewReader(line), parse.Options{}, nil)
	evs, _ := back.ReadBatch(nil)
	if len(evs) != 1 || !bytes.Equal(AppendJSON(nil, &evs[0]), line) {
		t.Fatalf("read back as %+v (%v)", evs, back.LineCount().First)
	}
	return m
}

// jsonValue is the value of f in ev as encoding/json decodes it with
// UseNumber: invalid UTF-8 replaced, null when unknown. (A rel that is not
// a number is left out.)
func jsonValue(f *parse.Field, ev *parse.Event) any {
	if f.Nullable && !f.Known(ev) {
		return nil
	}
	switch f.Type {
	case parse.Enum:
		return f.Kind(ev).String()
	case parse.String:
		return replaceInvalid(f.Text(ev))
	case parse.Number:
		return json.Number(f.Text(ev))
	case parse.Integer:
		return json.Number(strconv.FormatInt(f.Int(ev), 10))
	case parse.Boolean:
		return f.Bool(ev)
	}
	list := []any{}
	for _, s := range f.List(ev) {
		list = append(list, replaceInvalid(s))
	}
	return list
}

// replaceInvalid is what a JSON string must decode to: s with each byte
// that is not part of valid UTF-8 replaced by U+FFFD.
func replaceInvalid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// TestAppendJSONStrings: whatever bytes a strace line held, the output is
// valid JSON and decodes to the same text, invalid bytes as U+FFFD.
func TestAppendJSONStrings(t *testing.T) {
	var all strings.Builder
	for c := 0; c < 256; c++ {
		all.WriteByte(byte(c))
	}
	for _, s := range []string{
		"\"/etc/\x00passwd\"",
		"\"ab\x00\x00cd\"",
		"\x01\x02\x1b[2J\x7f\t\r\n\b\f",
		"\"caf\xe9.txt\"",
		"\xff\xfe bad \xc3( \xed\xa0\x80 surrogate \xf4\x90\x80\x80 too big",
		"\xef\xbb\xbf4249 BOM",
		"caf\u00e9 \u2028 \u2029 \U0001F600 </script> \\ \" '",
		"trailing partial \xe2\x82",
		all.String(),
	} {
		t.Run(s, func(t *testing.T) {
			ev := parse.Event{Kind: parse.KindSyscall, Comm: s, Syscall: "write", Args: []string{"1", s}, Ret: s, Returned: true,
				Errmsg: s, Note: s, Raw: s, Time: s}
			m := checkDecodes(t, AppendJSON(nil, &ev), &ev)
			want := replaceInvalid(s)
			for _, k := range []string{"comm", "ret", "errmsg", "note", "raw", "time"} {
				if m[k] != want {
					t.Errorf("%s decodes to %q, want %q", k, m[k], want)
				}
			}
			if a := m["args"].([]any); len(a) != 2 || a[1] != want {
				t.Errorf("args decode to %q, want [1 %q]", a, want)
			}
			std, _ := json.Marshal(s)
			var fromStd string
			json.Unmarshal(std, &fromStd)
			if fromStd != want {
				t.Errorf("encoding/json reads %q, we expect %q", fromStd, want)
			}
		})
	}
}

// TestAppendJSONRel: rel is a JSON number kept as printed, and text that
// is no number is left out.
func TestAppendJSONRel(t *testing.T) {
	for _, rel := range []string{"0.000284", "0", "12", "1.5", "00.1", "1.", ".5", "1e5", "-1", "1.5e-3", "1e+", "--1", "-", "x"} {
		t.Run(rel, func(t *testing.T) {
			ev := parse.Event{Kind: parse.KindSignal, Signal: "SIGURG", Rel: rel}
			line := AppendJSON(nil, &ev)
			m := checkDecodes(t, line, &ev)
			if v, ok := m["rel"].(json.Number); ok && !strings.Contains(string(line), `"rel":`+rel+`,`) {
				t.Errorf("rel %q written as %v", rel, v)
			}
		})
	}
}

// recorder is an io.Writer that remembers each write, safe for the
// Stream's goroutine.
type recorder struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes []int
	first  time.Time
	err    error
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return 0, r.err
	}
	if r.first.IsZero() {
		r.first = time.Now()
	}
	r.writes = append(r.writes, len(p))
	return r.buf.Write(p)
}

func (r *recorder) snapshot() (string, []int, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.String(), append([]int(nil), r.writes...), r.first
}

func TestJSONWriter(t *testing.T) {
	var rec recorder
	w := NewJSON(&rec)
	for _, ev := range []parse.Event{noArgsCall, exitEvent} {
		if err := w.Write(&ev); err != nil {
			t.Fatal(err)
		}
	}
	if out, _, _ := rec.snapshot(); out != "" {
		t.Errorf("written before Flush: %q", out)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := string(AppendJSON(AppendJSON(nil, &noArgsCall), &exitEvent))
	if out, writes, _ := rec.snapshot(); out != want || len(writes) != 1 {
		t.Errorf("got %q in %d writes, want %q in one", out, len(writes), want)
	}
}

func TestJSONWriterError(t *testing.T) {
	rec := recorder{err: syscall.EPIPE}
	w := NewJSON(&rec)
	w.Write(&fullCall)
	if err := w.Flush(); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("Flush = %v, want EPIPE", err)
	}
	if err := w.Write(&fullCall); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("Write after a failure = %v, want EPIPE again", err)
	}
	if err := w.Close(); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("Close after a failure = %v, want EPIPE again", err)
	}
}

// TestStreamLive: once the input pauses, what was sent reaches the writer
// within LiveFlush, without Close.
func TestStreamLive(t *testing.T) {
	var rec recorder
	s := NewStream(NewJSON(&rec))
	sent := time.Now()
	if _, err := s.Send([]parse.Event{noArgsCall}); err != nil {
		t.Fatal(err)
	}
	deadline := sent.Add(2 * time.Second)
	for {
		out, _, first := rec.snapshot()
		if out != "" {
			if out != string(AppendJSON(nil, &noArgsCall)) {
				t.Errorf("got %q", out)
			}
			if d := first.Sub(sent); d > LiveFlush+150*time.Millisecond {
				t.Errorf("written %v after Send; want within %v (plus scheduling slack)", d, LiveFlush)
			} else {
				t.Logf("written %v after Send", d.Round(time.Millisecond))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("nothing written 2 s after Send")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestStreamUnderLoad: many events go out in order, in large writes.
func TestStreamUnderLoad(t *testing.T) {
	var rec recorder
	s := NewStream(NewJSON(&rec))
	var want bytes.Buffer
	batch := make([]parse.Event, 0, 1024)
	for i := 0; i < 100000; i++ {
		ev := decoratedCall
		ev.Pid = int64(i)
		want.Write(AppendJSON(nil, &ev))
		batch = append(batch, ev)
		if len(batch) == cap(batch) {
			var err error
			if batch, err = s.Send(batch); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.Send(batch); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	out, writes, _ := rec.snapshot()
	if out != want.String() {
		t.Fatalf("output differs from the events sent, in order (%d bytes, want %d)", len(out), want.Len())
	}
	if avg := len(out) / len(writes); avg < flushSize/2 {
		t.Errorf("%d writes averaging %d bytes; want large chunks", len(writes), avg)
	}
}

// TestStreamError: once the sink fails (a closed pipe), Send and Close
// report it, and Send does not block.
func TestStreamError(t *testing.T) {
	rec := recorder{err: syscall.EPIPE}
	s := NewStream(NewJSON(&rec))
	batch := []parse.Event{fullCall}
	var err error
	deadline := time.Now().Add(2 * time.Second)
	for err == nil && time.Now().Before(deadline) {
		batch = append(batch[:0], fullCall)
		batch, err = s.Send(batch)
		time.Sleep(10 * time.Millisecond)
	}
	if !errors.Is(err, syscall.EPIPE) {
		t.Errorf("Send = %v, want EPIPE", err)
	}
	if err := s.Close(); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("Close = %v, want EPIPE", err)
	}
}
