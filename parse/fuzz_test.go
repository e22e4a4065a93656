package parse

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// FuzzParse feeds the parser arbitrary bytes, seeded with real strace
// lines (the corpus traces, the bad inputs, the forms of the table tests).
// It must never panic, and on any input:
//   - every event keeps the schema's rules;
//   - the joined args hold no byte the input does not (once the bytes that
//     are not UTF-8 are written as \x escapes, as the parser does);
//   - an event made from one line takes its name, args and ret from that
//     line, which is in the input;
//   - problems name lines that exist, and every line is counted;
//   - reading the input one byte at a time (in small pieces when it is
//     long) gives the same events as reading it whole.
func FuzzParse(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		whole := parseAll(t, bytes.NewReader(input), Options{Raw: true})
		// the parser writes bytes that are not UTF-8 as \x escapes
		text := []byte(escapedText(string(input)))
		var inputBytes [256]bool
		for _, c := range text {
			inputBytes[c] = true
		}
		for i := range whole.events {
			ev := &whole.events[i]
			if why := eventInvalid(ev); why != "" {
				t.Fatalf("invalid event (%s): %+v", why, *ev)
			}
			for _, c := range []byte(strings.Join(ev.Args, ", ")) {
				if !inputBytes[c] {
					t.Fatalf("args %q hold byte %#x, not in the input", ev.Args, c)
				}
			}
			for _, line := range strings.Split(ev.Raw, "\n") {
				if !bytes.Contains(text, []byte(line)) {
					t.Fatalf("raw line %q is not in the input", line)
				}
			}
			if ev.Kind == KindSyscall && !strings.Contains(ev.Raw, "\n") {
				errno := ev.Errno
				if n, ok := strings.CutPrefix(errno, "E"); ok && allDigits(n) && !strings.Contains(ev.Raw, errno) {
					errno = "(errno " + n + ")" // an error strace has no name for
				}
				for _, part := range append([]string{ev.Syscall, ev.Ret, errno, ev.Errmsg, ev.Note, ev.Secontext, ev.Comm}, ev.Args...) {
					if !strings.Contains(ev.Raw, part) {
						t.Fatalf("%q is not in the event's line %q", part, ev.Raw)
					}
				}
			}
		}
		lines := int64(bytes.Count(input, []byte("\n")))
		if len(input) > 0 && input[len(input)-1] != '\n' {
			lines++
		}
		if whole.stats.Lines != lines {
			t.Fatalf("Stats.Lines = %d, the input has %d", whole.stats.Lines, lines)
		}
		for _, pr := range whole.problems {
			if pr.Line < 1 || pr.Line > lines {
				t.Fatalf("problem %v names no line of the %d", pr, lines)
			}
		}
		if int64(len(whole.problems)) != whole.stats.Problems {
			t.Fatalf("%d problems passed to OnProblem, Stats.Problems = %d", len(whole.problems), whole.stats.Problems)
		}
		var pieces io.Reader = &chunkReader{data: input}
		if len(input) <= 4096 {
			pieces = iotest.OneByteReader(bytes.NewReader(input))
		}
		bytewise := parseAll(t, pieces, Options{Raw: true})
		if len(bytewise.events) != len(whole.events) || bytewise.stats.Problems != whole.stats.Problems {
			t.Fatalf("byte by byte: %d events, %d problems; whole: %d, %d", len(bytewise.events), bytewise.stats.Problems, len(whole.events), whole.stats.Problems)
		}
		for i := range whole.events {
			if d := eventDiff(bytewise.events[i], whole.events[i]); d != nil {
				t.Fatalf("event %d differs read byte by byte: %v", i, d)
			}
		}
	})
}

// issueForms are the forms of issue 9, as seeds.
var issueForms = []string{
	"epoll_wait(19,  <unfinished ...>\n<... epoll_wait resumed> [], 512, 500) = 0\n",
	"gettid( <unfinished ...>\n<... gettid resumed> ) = 13368\n",
	"ioctl(3, 0x5401, 0x7ffc) = -1 (errno 22)\n",
	"write(2, \"8\", 18) = 1\nwrite(2, \"0x\", 20x) = 2\nwrite(1, \"a, b\", 4a, b) = 4\n",
	"write(2, \"\\n \", 2\n )    = 2\nwrite(2, \"(\", 1()   = 1\n",
	"write(1, \"x\\ngetpid() = 5\\ny\", 16x\ngetpid() = 5\ny) = 16\n",
	"write(1, \"0123456789\"..., 200123456789abcdefghij) = 20\n",
	"writev(1, [{iov_base=\"ab\", iov_len=2}, {iov_base=\"\\n\", iov_len=1}], 2ab\n) = 3\n",
	"openat(AT_FDCWD, \"/tmp/caf\xe9.txt\", O_RDONLY) = 3\n",
	"[pid  4118<sh>] close(4) = 0\n",
	"wait4(-1, mkdir: cannot create directory 'x': File exists\n[{WIFEXITED(s) && WEXITSTATUS(s) == 1}], 0, NULL) = 70160\n",
	"[INFO] [pid 837231] <... prctl resumed>) = 0\n",
	"--- {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x8} (Segmentation fault) ---\n",
	"sigaction(SIGSEGV, {SIG_DFL, , {0x4017dba1, [], SA_RESTART|SA_SIGINFO}, 0) = 0\n",
	"Process 29579 attached - interrupt to quit\ngetpid() = 29579\nProcess 29579 detached\n",
	"151020 [unconfined_t] 14:37:21.990449 connect(3<UNIX-STREAM:[524197]> [unconfined_t], {sa_family=AF_UNIX}, 110) = 0 <0.000033>\n",
	"> strace -f ./prog\n",
	"getpid() = 8\nstrace: Process 9 attached\n[pid     8] getpid() = 8\n",
	"% time     seconds  usecs/call     calls    errors syscall\n------ ----------- ----------- --------- --------- ----------------\n 62.50    0.000010          10         1           getpid\n------ ----------- ----------- --------- --------- ----------------\n100.00    0.000016           5         3         1 total\n",
}

// fuzzSeeds returns the first lines of every corpus trace and capture of
// testdata/forms, the small bad inputs whole, and sequences of lines that
// only mean something together.
func fuzzSeeds(f *testing.F) [][]byte {
	seeds := [][]byte{
		[]byte("4251  read(0,  <unfinished ...>\n4252  write(1, \"x\", 1) = 1\n4251  <... read resumed>\"hello\\n\", 4096) = 6\n"),
		[]byte("write(1, \"done\\n\", 5done\n)                   = 5 <0.000015>\n"),
		[]byte("vfork(/usr/bin/strace: Process 3260 attached\n <unfinished ...>\n[pid  3256] <... vfork resumed>) = 3260\n"),
		[]byte("clone3({flags=CLONE_VM}/usr/bin/strace: Process 9 attached\n => {parent_tid=[9]}, 88) = 9\n"),
		[]byte("1732  execve(\"./x\", [\"x\"], 0x7ffc /* 49 vars */ <pid changed to 1731 ...>\n1731  +++ superseded by execve in pid 1732 +++\n1731  <... execve resumed>) = 0\n"),
		[]byte("dup2(3</dev/null<char 1:3>>, 1</dev/pts/0<char 136:0>>) = 1</dev/null<char 1:3>>\r\n"),
		[]byte("13:54:56.074293 (+     0.003058) brk(NULL) = 0x5569c62fa000 <0.000012345>\n"),
		[]byte("2455  [ 231] [????????????????] +++ killed by SIGSEGV (core dumped) +++\n"),
		[]byte("14040<foo\\74bar\\76> getppid() = 14038<strace-Y-012345>\n"),
	}
	for _, tc := range issueForms {
		seeds = append(seeds, []byte(tc))
	}
	traces, _ := filepath.Glob(filepath.Join(corpusDir, "*.trace"))
	forms, _ := filepath.Glob(filepath.Join(formsDir, "*.trace"))
	for _, trace := range append(traces, forms...) {
		data, err := os.ReadFile(trace)
		if err != nil {
			f.Fatal(err)
		}
		lines := bytes.SplitAfter(data, []byte("\n"))
		seeds = append(seeds, bytes.Join(lines[:min(len(lines), 40)], nil))
	}
	bad, _ := filepath.Glob(filepath.Join(badDir, "*"))
	for _, name := range bad {
		if fi, err := os.Stat(name); err != nil || fi.Size() > 64<<10 || strings.HasSuffix(name, ".md") {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, data)
	}
	return seeds
}

// BenchmarkParseShortInput measures what the fuzzer pays per input: two
// parsers (whole, and byte by byte) over three lines. Buffers start small
// and grow, so this stays in microseconds; full-size buffers made every
// input cost about a megabyte, and the fuzzer's minimizing of a new input
// (which reports no progress: "0 execs/sec") ran into its time limit.
func BenchmarkParseShortInput(b *testing.B) {
	in := []byte("4251  read(0,  <unfinished ...>\n4252  write(1, \"x\", 1) = 1\n4251  <... read resumed>\"hello\\n\", 4096) = 6\n")
	b.ReportAllocs()
	for b.Loop() {
		parseAll(b, bytes.NewReader(in), Options{Raw: true})
		parseAll(b, iotest.OneByteReader(bytes.NewReader(in)), Options{Raw: true})
	}
}
