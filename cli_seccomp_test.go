package main

// End-to-end tests of stracectl seccomp: profiles of the shared corpus's
// captures, the options, --check, and a round trip through the kernel:
// trace a program, write its profile, run the program under it (loaded by
// libseccomp, as the OCI runtimes load profiles) and see it work, then
// take one syscall it needs away and see it fail with the chosen errno.

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// ociProfile is a seccomp profile as an OCI runtime reads it, decoded
// independently of package profile.
type ociProfile struct {
	DefaultAction   string   `json:"defaultAction"`
	DefaultErrnoRet *int     `json:"defaultErrnoRet"`
	Architectures   []string `json:"architectures"`
	Syscalls        []struct {
		Names  []string `json:"names"`
		Action string   `json:"action"`
	} `json:"syscalls"`
}

// decodeOCI decodes a profile that must deny by default with an errno and
// allow in one rule; it returns the profile and the names allowed.
func decodeOCI(t *testing.T, b []byte) (ociProfile, []string) {
	t.Helper()
	var p ociProfile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("not a seccomp profile: %v\n%s", err, b)
	}
	if p.DefaultAction != "SCMP_ACT_ERRNO" || p.DefaultErrnoRet == nil || len(p.Syscalls) != 1 || p.Syscalls[0].Action != "SCMP_ACT_ALLOW" {
		t.Fatalf("not an allow-list:\n%s", b)
	}
	names := p.Syscalls[0].Names
	if !slices.IsSorted(names) || slices.Contains(names, "") || len(slices.Compact(slices.Clone(names))) != len(names) {
		t.Errorf("names not sorted, unique and non-empty: %q", names)
	}
	return p, names
}

// madeSyscalls returns the names of the syscall events of parse's output,
// completed or not, but those strace could not name (syscall_0x...).
func madeSyscalls(t *testing.T, events []byte) []string {
	t.Helper()
	var names []string
	for _, ev := range decodeEvents(t, events) {
		if ev.Kind == "syscall" && !strings.HasPrefix(ev.Syscall, "syscall_0x") {
			names = append(names, ev.Syscall)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// TestSeccompCorpus writes the profile of every capture (x86_64): it
// allows exactly the syscalls the capture shows, exit_group and calls that
// never returned included, and is the same made from the strace text, from
// its JSON Lines events and from its recorded profile.
func TestSeccompCorpus(t *testing.T) {
	withExit := 0 // profiles that allow exit_group, which strace -c never counts
	for _, trace := range corpusTraces(t) {
		t.Run(strings.TrimSuffix(filepath.Base(trace), ".trace"), func(t *testing.T) {
			text, err := os.ReadFile(trace)
			if err != nil {
				t.Fatal(err)
			}
			events := stracectlOK(t, text, "parse")
			fromText := stracectlOK(t, text, "seccomp", "--arch", "x86_64")
			p, names := decodeOCI(t, fromText)
			if *p.DefaultErrnoRet != 1 || !slices.Equal(p.Architectures, []string{"SCMP_ARCH_X86_64"}) {
				t.Errorf("errno %d, architectures %v", *p.DefaultErrnoRet, p.Architectures)
			}
			if want := madeSyscalls(t, events); !slices.Equal(names, want) {
				t.Errorf("allowed %v\nthe trace made %v", names, want)
			}
			if slices.Contains(names, "exit_group") {
				withExit++
			}
			recorded := stracectlOK(t, text, "stats", "--json")
			for form, in := range map[string][]byte{"JSON Lines": events, "stats --json": recorded} {
				if got := stracectlOK(t, in, "seccomp", "--arch", "x86_64"); !bytes.Equal(got, fromText) {
					t.Errorf("from %s:\n%s\nfrom the text:\n%s", form, got, fromText)
				}
			}
		})
	}
	if withExit == 0 {
		t.Error("no profile allows exit_group")
	}
}

func TestSeccompOptions(t *testing.T) {
	cat, ls := corpusTrace(t, "cat-services-T"), corpusTrace(t, "ls-la-usrbin")
	dir := t.TempDir()
	out := filepath.Join(dir, "profile.json")
	base := filepath.Join(dir, "base.json")
	if err := os.WriteFile(base, []byte(`{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
		{"names":["capget","capset","read"],"action":"SCMP_ACT_ALLOW","comment":"the runtime's own"},
		{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":0,"op":"SCMP_CMP_EQ"}]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	emptyName := []byte(`{"syscall":"read","calls":1,"errors":0}` + "\n" + `{"syscall":"","calls":2,"errors":0}` + "\n")
	tests := []struct {
		name   string
		stdin  []byte
		args   []string
		code   int
		check  func(t *testing.T, stdout []byte)
		stderr string
	}{
		{"--errno ENOSYS", nil, []string{"--errno", "ENOSYS", "--arch", "x86_64", cat}, 0, func(t *testing.T, b []byte) {
			if p, _ := decodeOCI(t, b); *p.DefaultErrnoRet != 38 {
				t.Errorf("defaultErrnoRet %d", *p.DefaultErrnoRet)
			}
		}, ""},
		{"--errno by number", nil, []string{"--errno", "13", "--arch", "x86_64", cat}, 0, func(t *testing.T, b []byte) {
			if p, _ := decodeOCI(t, b); *p.DefaultErrnoRet != 13 {
				t.Errorf("defaultErrnoRet %d", *p.DefaultErrnoRet)
			}
		}, ""},
		{"several runs unioned", nil, []string{"--arch", "x86_64", cat, ls}, 0, func(t *testing.T, b []byte) {
			_, names := decodeOCI(t, b)
			for _, n := range []string{"fadvise64", "getdents64", "lgetxattr"} { // cat's, ls's, ls's
				if !slices.Contains(names, n) {
					t.Errorf("%s missing: %v", n, names)
				}
			}
		}, ""},
		{"two architectures", nil, []string{"--arch", "x86_64,aarch64", cat}, 0, func(t *testing.T, b []byte) {
			if p, _ := decodeOCI(t, b); !slices.Equal(p.Architectures, []string{"SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"}) {
				t.Errorf("architectures %v", p.Architectures)
			}
		}, ""},
		{"--base keeps the base's rules and adds the rest", nil, []string{"--arch", "x86_64", "--base", base, cat}, 0, func(t *testing.T, b []byte) {
			var p ociProfile
			var raw struct {
				Syscalls []json.RawMessage `json:"syscalls"`
			}
			json.Unmarshal(b, &p)
			json.Unmarshal(b, &raw)
			if len(p.Syscalls) != 3 || !strings.Contains(string(raw.Syscalls[1]), `"args"`) || slices.Contains(p.Syscalls[2].Names, "read") ||
				!slices.Contains(p.Syscalls[2].Names, "openat") || !slices.Equal(p.Architectures, []string{"SCMP_ARCH_X86_64"}) {
				t.Errorf("got\n%s", b)
			}
		}, ""},
		{"-o FILE", nil, []string{"--arch", "x86_64", "-o", out, cat}, 0, func(t *testing.T, b []byte) {
			written, err := os.ReadFile(out)
			if len(b) != 0 || err != nil {
				t.Fatalf("stdout %q, %v", b, err)
			}
			decodeOCI(t, written)
		}, ""},
		{"names of another architecture", nil, []string{"--arch", "aarch64", cat}, 1, nil, `not a syscall of aarch64: "access", "arch_prctl"`},
		{"an empty name", emptyName, []string{"--arch", "x86_64"}, 1, nil, `not a syscall of x86_64: ""`},
		{"no syscall", []byte("+++ exited with 0 +++\n"), []string{"--arch", "x86_64"}, 1, nil, "the inputs made no syscall"},
		{"a trace that never exits", []byte("openat(AT_FDCWD, \"/x\", O_RDONLY) = 3\n"), []string{"--arch", "x86_64"}, 0, func(t *testing.T, b []byte) {
			if _, names := decodeOCI(t, b); !slices.Equal(names, []string{"openat"}) {
				t.Errorf("names %v", names)
			}
		}, "warning: the inputs never exit"},
		{"an unknown errno", nil, []string{"--errno", "ENOPE", cat}, 2, nil, `unknown errno "ENOPE"`},
		{"an unknown architecture", nil, []string{"--arch", "mips", cat}, 2, nil, `unknown architecture "mips" (known: x86_64, aarch64)`},
		{"--check with -o", nil, []string{"--check", out, "-o", out, cat}, 2, nil, "--check takes no --base, --errno or -o"},
		{"a base that allows by default", nil, []string{"--arch", "x86_64", "--base", cat, cat}, 1, nil, "not a seccomp profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runStracectl(t, tt.stdin, append([]string{"seccomp"}, tt.args...)...)
			if res.code != tt.code || !strings.Contains(string(res.stderr), tt.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", res.code, res.stderr, tt.code, tt.stderr)
			}
			if tt.check != nil {
				tt.check(t, res.stdout)
			}
		})
	}
}

// TestSeccompNativeArch: events carry no architecture; a profile of them
// is for this machine's.
func TestSeccompNativeArch(t *testing.T) {
	want := map[string]string{"amd64": "SCMP_ARCH_X86_64", "arm64": "SCMP_ARCH_AARCH64"}[runtime.GOARCH]
	if want == "" {
		t.Skipf("no syscall table for %s", runtime.GOARCH)
	}
	events := []byte(`{"kind":"syscall","pid":7,"syscall":"openat","args":[],"ret":"3","retval":3,"errno":""}` + "\n" +
		`{"kind":"syscall","pid":7,"syscall":"exit_group","args":["0"],"ret":"?","retval":null,"errno":""}` + "\n")
	p, names := decodeOCI(t, stracectlOK(t, events, "seccomp"))
	if !slices.Equal(p.Architectures, []string{want}) || !slices.Equal(names, []string{"exit_group", "openat"}) {
		t.Errorf("architectures %v, names %v", p.Architectures, names)
	}
}

// TestSeccompCheck checks traces against a profile: each syscall it would
// deny is listed with its errno, and the exit status says whether any.
func TestSeccompCheck(t *testing.T) {
	cat, ls := corpusTrace(t, "cat-services-T"), corpusTrace(t, "ls-la-usrbin")
	dir := t.TempDir()
	prof, enosys, arm := filepath.Join(dir, "cat.json"), filepath.Join(dir, "enosys.json"), filepath.Join(dir, "arm.json")
	stracectlOK(t, nil, "seccomp", "--arch", "x86_64", "-o", prof, cat)
	stracectlOK(t, nil, "seccomp", "--arch", "x86_64", "--errno", "ENOSYS", "-o", enosys, cat)
	stracectlOK(t, []byte("openat() = 3\n"), "seccomp", "--arch", "aarch64", "-o", arm)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"the profile's own trace", []string{prof, cat}, 0, []string{"OK: " + prof + " allows the 21 syscalls made\n"}, ""},
		{"another program", []string{prof, ls}, 1, []string{
			"getdents64     3 denied: SCMP_ACT_ERRNO (EPERM)\n", "lgetxattr   1092 denied: SCMP_ACT_ERRNO (EPERM)\n",
			"FAIL: " + prof + " denies 10 of the 30 syscalls made: connect, getdents64, getxattr, ioctl, lgetxattr, lseek, readlink, socket, statfs, statx\n"},
			prof + " denies syscalls the inputs made: connect, getdents64"},
		{"with the chosen errno", []string{enosys, ls}, 1, []string{"statx       1092 denied: SCMP_ACT_ERRNO (ENOSYS)\n"}, "statx"},
		{"a profile of another architecture", []string{arm, cat}, 1, nil, "does not cover x86_64 (SCMP_ARCH_X86_64)"},
		{"not a profile", []string{cat, cat}, 1, nil, "not a seccomp profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runStracectl(t, nil, "seccomp", "--arch", "x86_64", "--check", tt.args[0], tt.args[1])
			if res.code != tt.code || !strings.Contains(string(res.stderr), tt.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q\nstdout: %s", res.code, res.stderr, tt.code, tt.stderr, res.stdout)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(string(res.stdout), s) {
					t.Errorf("stdout lacks %q:\n%s", s, res.stdout)
				}
			}
		})
	}
}

// seccompRunner compiles testdata/seccomp-run.c, or skips the test where
// gcc or libseccomp's header is missing.
func seccompRunner(t *testing.T) string {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not found in PATH — install it with: apt install gcc")
	}
	if _, err := os.Stat("/usr/include/seccomp.h"); err != nil {
		t.Skip("libseccomp's header is missing — install it with: apt install libseccomp-dev")
	}
	bin := filepath.Join(t.TempDir(), "seccomp-run")
	if out, err := exec.Command(gcc, "-O2", "-Wall", "-o", bin, "testdata/seccomp-run.c", "-lseccomp").CombinedOutput(); err != nil {
		t.Fatalf("compiling testdata/seccomp-run.c: %v\n%s", err, out)
	}
	return bin
}

// TestSeccompRoundTrip traces cat twice (strace text, and stracectl run's
// events), writes the profile of both runs, and runs cat under it: it
// prints the file. Without openat, which the dynamic loader needs first,
// cat fails, and each openat it makes gets the profile's errno: EPERM by
// default, ENOSYS with --errno ENOSYS.
func TestSeccompRoundTrip(t *testing.T) {
	strace := needStrace(t)
	runner := seccompRunner(t)
	cat, err := exec.LookPath("cat")
	if err != nil {
		t.Skip("no cat in PATH")
	}
	if cat, err = filepath.EvalSymlinks(cat); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "hello.txt")
	if err := os.WriteFile(file, []byte("hello, seccomp\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	text := filepath.Join(dir, "cat.trace")
	if out, err := exec.Command(strace, "-f", "-o", text, cat, file).CombinedOutput(); err != nil {
		t.Fatalf("strace: %v\n%s", err, out)
	}
	events := filepath.Join(dir, "cat.jsonl")
	stracectlOK(t, nil, "run", "--backend", "strace", "-o", events, "--", cat, file)

	for _, errno := range []struct {
		flag, name string
		value      int
	}{{"EPERM", "EPERM", 1}, {"ENOSYS", "ENOSYS", 38}} {
		t.Run(errno.name, func(t *testing.T) {
			prof := filepath.Join(dir, errno.name+".json")
			stracectlOK(t, nil, "seccomp", "--errno", errno.flag, "-o", prof, text, events)
			b, err := os.ReadFile(prof)
			if err != nil {
				t.Fatal(err)
			}
			p, names := decodeOCI(t, b)
			if *p.DefaultErrnoRet != errno.value || !slices.Contains(names, "openat") || !slices.Contains(names, "execve") {
				t.Fatalf("profile:\n%s", b)
			}
			// run runs cat under an allow-list of names; it returns cat's
			// stdout and exit status.
			run := func(names []string, wrap ...string) ([]byte, int) {
				argv := append(wrap, runner, strconv.Itoa(*p.DefaultErrnoRet), strings.Join(p.Architectures, ","), strings.Join(names, ","), "--", cat, file)
				cmd := exec.Command(argv[0], argv[1:]...)
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				code := exitCode(t, cmd.Run())
				if code == 125 {
					t.Fatalf("seccomp-run: %s", stderr.Bytes())
				}
				return stdout.Bytes(), code
			}
			if out, code := run(names); code != 0 || string(out) != "hello, seccomp\n" {
				t.Fatalf("cat under its profile: exit %d, stdout %q", code, out)
			}

			// Without openat, under the tracer, to see what each call got.
			without := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == "openat" })
			trace := filepath.Join(dir, errno.name+"-denied.jsonl")
			if out, code := run(without, stracectlBin, "run", "--backend", "strace", "-o", trace, "--"); code == 0 || len(out) != 0 {
				t.Fatalf("cat without openat: exit %d, stdout %q", code, out)
			}
			data, err := os.ReadFile(trace)
			if err != nil {
				t.Fatal(err)
			}
			catStarted, denied := false, 0
			for _, ev := range decodeTrace(t, data) {
				if ev.Kind != "syscall" {
					continue
				}
				if ev.Syscall == "execve" && len(ev.Args) > 0 && ev.Args[0] == strconv.Quote(cat) {
					catStarted = true
					continue
				}
				if catStarted && ev.Syscall == "openat" {
					if ev.Errno != errno.name {
						t.Errorf("cat's openat got %q, want %s: %+v", ev.Errno, errno.name, ev)
					}
					denied++
				}
			}
			if !catStarted || denied == 0 {
				t.Errorf("cat started %t, %d openat calls denied:\n%s", catStarted, denied, data)
			}
		})
	}
}
