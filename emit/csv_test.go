package emit

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"

	"github.com/stracectl/stracectl/parse"
)

const csvHeader = "kind,time,rel,pid,tgid,comm,syscall,args,ret,retval,errno,errmsg,note,duration_ns,signal,siginfo,exit_code,core_dumped,secontext"

// writeCSV writes events through a CSVWriter and returns the output.
func writeCSV(t *testing.T, raw bool, events ...parse.Event) string {
	t.Helper()
	var b bytes.Buffer
	w := NewCSV(&b, raw)
	for i := range events {
		if err := w.Write(&events[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestCSVHeader(t *testing.T) {
	if got := strings.Join(CSVColumns(false), ","); got != csvHeader {
		t.Errorf("CSVColumns = %s, want %s", got, csvHeader)
	}
	if got := writeCSV(t, false); got != csvHeader+"\n" {
		t.Errorf("an empty trace gives %q, want the header alone", got)
	}
	if got := writeCSV(t, true); got != csvHeader+",raw\n" {
		t.Errorf("an empty trace with raw gives %q, want the header with raw", got)
	}
}

func TestCSVRows(t *testing.T) {
	cases := []struct {
		ev   parse.Event
		want string
	}{
		{fullCall, `syscall,2026-11-26T12:51:49.953848Z,0.000284,3176,3170,python3,openat,"AT_FDCWD, ""/etc/passwd"", O_RDONLY|O_CLOEXEC",-1,-1,ENOENT,No such file or directory,INJECTED,12345,,,,,`},
		{decoratedCall, `syscall,,,4251,,,openat,"AT_FDCWD</tmp>, ""a,b"", O_RDONLY","3</tmp/a,b>",3,,,,,,,,,`},
		{questionCall, `syscall,,,7,,,exit_group,0,?,,,,,,,,,,`},
		{unreturnedCall, `syscall,13:39:10.000001,,4251,,,read,"0, ",,,,,,,,,,,`},
		{noArgsCall, `syscall,,,0,,,getpid,,4251,4251,,,,,,,,,`},
		{signalEvent, `signal,,,3220,,,,,,,,,,,SIGCHLD,"{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=3260}",,,`},
		{bareSignal, `signal,,,0,,,,,,,,,,,SIGURG,,,,`},
		{exitEvent, `exit,,,4242,,,,,,,,,,,,,2,false,`},
		{killedEvent, `exit,,,3268,,,,,,,,,,,SIGSEGV,,,true,`},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			got := writeCSV(t, false, tc.ev)
			if got != csvHeader+"\n"+tc.want+"\n" {
				t.Errorf("got  %q\nwant %q", got, csvHeader+"\n"+tc.want+"\n")
			}
			recs, err := csv.NewReader(strings.NewReader(got)).ReadAll()
			if err != nil || len(recs) != 2 || len(recs[1]) != len(CSVColumns(false)) {
				t.Fatalf("not read back as header and one row of %d fields: %v, %v", len(CSVColumns(false)), recs, err)
			}
		})
	}
}

// TestCSVQuoting: RFC 4180: a field holding a comma, a quote, CR or LF is
// quoted, quotes doubled; reading it back gives the text. NUL and invalid
// UTF-8, which databases refuse, become U+FFFD.
func TestCSVQuoting(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`"a,b"`, `"a,b"`},
		{`say "hi"`, `say "hi"`},
		{"two\nlines", "two\nlines"},
		{"cr\rhere", "cr\rhere"},
		{" leading space", " leading space"},
		{`\"escaped\"`, `\"escaped\"`},
		{"/etc/\x00passwd", "/etc/\uFFFDpasswd"},
		{"caf\xe9 \xff\xfe", "caf\uFFFD \uFFFD"},
		{"caf\u00e9 \U0001F600", "caf\u00e9 \U0001F600"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			ev := parse.Event{Kind: parse.KindSyscall, Comm: tc.in, Syscall: "write", Args: []string{"1", tc.in}, Ret: tc.in, Returned: true,
				Errmsg: tc.in, Note: tc.in, Raw: tc.in}
			out := writeCSV(t, true, ev)
			if !utf8.ValidString(out) || strings.IndexByte(out, 0) >= 0 {
				t.Fatalf("output not valid UTF-8 without NUL: %q", out)
			}
			recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil || len(recs) != 2 {
				t.Fatalf("read back: %v, %v", recs, err)
			}
			row := map[string]string{}
			for i, col := range CSVColumns(true) {
				row[col] = recs[1][i]
			}
			for _, col := range []string{"comm", "ret", "errmsg", "note", "raw"} {
				if row[col] != tc.want {
					t.Errorf("%s reads back %q, want %q", col, row[col], tc.want)
				}
			}
			if row["args"] != "1, "+tc.want {
				t.Errorf("args read back %q, want %q", row["args"], "1, "+tc.want)
			}
		})
	}
}

func TestCSVRawColumn(t *testing.T) {
	got := writeCSV(t, true, decoratedCall, unreturnedCall)
	want := csvHeader + ",raw\n" +
		`syscall,,,4251,,,openat,"AT_FDCWD</tmp>, ""a,b"", O_RDONLY","3</tmp/a,b>",3,,,,,,,,,,` + "\n" +
		`syscall,13:39:10.000001,,4251,,,read,"0, ",,,,,,,,,,,,` + "\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	ev := fullCall
	ev.Raw = "4251  read(0,  <unfinished ...>\n4251  <... read resumed>\"x\", 1) = 1"
	recs, err := csv.NewReader(strings.NewReader(writeCSV(t, true, ev))).ReadAll()
	if err != nil || recs[1][len(CSVColumns(false))] != ev.Raw {
		t.Errorf("a two-line raw reads back %q, %v", recs[1][len(CSVColumns(false))], err)
	}
}

func TestCSVWriterError(t *testing.T) {
	rec := recorder{err: syscall.EPIPE}
	w := NewCSV(&rec, false)
	w.Write(&fullCall)
	if err := w.Flush(); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("Flush = %v, want EPIPE", err)
	}
	if err := w.Write(&fullCall); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("Write after a failure = %v, want EPIPE", err)
	}
	if err := w.Close(); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("Close after a failure = %v, want EPIPE", err)
	}
}
