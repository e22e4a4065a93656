package profile

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/stracectl/stracectl/tracer/syscalls"
)

func arch(t *testing.T, name string) syscalls.Arch {
	t.Helper()
	a, ok := syscalls.LookupArch(name)
	if !ok {
		t.Fatalf("no arch %s", name)
	}
	return a
}

func TestSeccompAllowList(t *testing.T) {
	x86 := arch(t, "x86_64")
	sp, err := Seccomp([]string{"read", "exit_group", "openat", "read"}, SeccompOptions{Arches: []syscalls.Arch{x86}, Errno: 38})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := sp.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	want := `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 38,
  "architectures": [
    "SCMP_ARCH_X86_64"
  ],
  "syscalls": [
    {
      "names": [
        "exit_group",
        "openat",
        "read"
      ],
      "action": "SCMP_ACT_ALLOW"
    }
  ]
}
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	back, err := ParseSeccomp(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, verdict string
		denied        bool
	}{{"openat", "allowed", false}, {"write", "denied: SCMP_ACT_ERRNO (ENOSYS)", true}} {
		v := back.decide(x86, tt.name, 1)
		if v.Text() != tt.verdict || v.Denied() != tt.denied {
			t.Errorf("%s: %s, denied %t", tt.name, v.Text(), v.Denied())
		}
	}
}

func TestSeccompRejects(t *testing.T) {
	x86, arm := arch(t, "x86_64"), arch(t, "aarch64")
	tests := []struct {
		name   string
		names  []string
		arches []syscalls.Arch
		errno  int
		err    string
	}{
		{"an empty name", []string{"read", ""}, []syscalls.Arch{x86}, 1, `not a syscall of x86_64: ""`},
		{"a name of another arch", []string{"openat", "open", "arch_prctl"}, []syscalls.Arch{arm}, 1, `not a syscall of aarch64: "open", "arch_prctl"`},
		{"a name of neither", []string{"opneat"}, []syscalls.Arch{x86, arm}, 1, `not a syscall of x86_64 or aarch64: "opneat"`},
		{"no errno", []string{"read"}, []syscalls.Arch{x86}, 0, "errno 0 is not an errno"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Seccomp(tt.names, SeccompOptions{Arches: tt.arches, Errno: tt.errno})
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("got %v, want %q", err, tt.err)
			}
		})
	}
	// A name of one of two arches is fine: libseccomp resolves it per arch.
	if _, err := Seccomp([]string{"open"}, SeccompOptions{Arches: []syscalls.Arch{x86, arm}, Errno: 1}); err != nil {
		t.Error(err)
	}
}

// dockerLike is a base profile in Docker's style: archMap, rules with
// conditions on capabilities, arguments and architectures.
const dockerLike = `{
	"defaultAction": "SCMP_ACT_ERRNO",
	"defaultErrnoRet": 1,
	"archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
	"syscalls": [
		{"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"},
		{"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_PTRACE"]}},
		{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
		{"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
		{"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
		{"name": "kexec_load", "action": "SCMP_ACT_KILL_PROCESS"}
	]
}`

func TestSeccompBase(t *testing.T) {
	base, err := ParseSeccomp([]byte(dockerLike))
	if err != nil {
		t.Fatal(err)
	}
	x86 := arch(t, "x86_64")
	sp, err := Seccomp([]string{"read", "openat", "mmap"}, SeccompOptions{Arches: []syscalls.Arch{x86}, Errno: 1, Base: base})
	if err != nil {
		t.Fatal(err)
	}
	if len(sp.Architectures) != 0 || len(sp.ArchMap) != 1 || len(sp.Syscalls) != len(base.Syscalls)+1 {
		t.Fatalf("architectures %v, archMap %v, %d rules", sp.Architectures, sp.ArchMap, len(sp.Syscalls))
	}
	if last := sp.Syscalls[len(sp.Syscalls)-1]; !slices.Equal(last.Names, []string{"mmap", "openat"}) || last.Action != ActAllow {
		t.Errorf("added rule %+v", last)
	}
	// The base's rules pass through unchanged.
	out, _ := json.Marshal(sp.Syscalls[:len(base.Syscalls)])
	in, _ := json.Marshal(base.Syscalls)
	if !bytes.Equal(out, in) {
		t.Errorf("base rules changed:\n%s\n%s", out, in)
	}
	// arm64 joins the archMap rather than architectures (Docker refuses both).
	sp, err = Seccomp([]string{"openat"}, SeccompOptions{Arches: []syscalls.Arch{arch(t, "aarch64")}, Errno: 1, Base: base})
	if err != nil || len(sp.ArchMap) != 2 || sp.ArchMap[1].Architecture != "SCMP_ARCH_AARCH64" || sp.Architectures != nil {
		t.Errorf("%v: %+v", err, sp)
	}
	if _, err := Seccomp([]string{"clone3"}, SeccompOptions{Arches: []syscalls.Arch{x86}, Errno: 1, Base: base}); err == nil ||
		!strings.Contains(err.Error(), "the base profile denies clone3 (SCMP_ACT_ERRNO), which the trace made") {
		t.Errorf("conflict: %v", err)
	}
	allowAll := &SeccompProfile{DefaultAction: ActAllow}
	if _, err := Seccomp([]string{"read"}, SeccompOptions{Arches: []syscalls.Arch{x86}, Errno: 1, Base: allowAll}); err == nil ||
		!strings.Contains(err.Error(), "allows by default") {
		t.Errorf("allow-all base: %v", err)
	}
}

func TestSeccompDecide(t *testing.T) {
	sp, err := ParseSeccomp([]byte(dockerLike))
	if err != nil {
		t.Fatal(err)
	}
	x86, arm := arch(t, "x86_64"), arch(t, "aarch64")
	tests := []struct {
		arch    syscalls.Arch
		name    string
		verdict string
	}{
		{x86, "read", "allowed"},
		{x86, "openat", "denied: SCMP_ACT_ERRNO (EPERM)"},
		{x86, "ptrace", "depends on the capabilities or kernel of the container"},
		{x86, "personality", "depends on its arguments"},
		{x86, "arch_prctl", "allowed"},
		{arm, "arch_prctl", "denied: SCMP_ACT_ERRNO (EPERM)"},
		{x86, "clone3", "denied: SCMP_ACT_ERRNO (ENOSYS)"},
		{x86, "kexec_load", "denied: SCMP_ACT_KILL_PROCESS"},
	}
	for _, tt := range tests {
		if got := sp.decide(tt.arch, tt.name, 1); got.Text() != tt.verdict {
			t.Errorf("%s on %s: %q, want %q", tt.name, tt.arch.Name, got.Text(), tt.verdict)
		}
	}
	rows := []Row{row(BySyscall, "read", 3, 0, nil, nil), row(BySyscall, "clone3", 1, 1, nil, nil), unfinished(BySyscall, "exit_group", 1)}
	if _, err := sp.Check(arm, rows); err == nil || !strings.Contains(err.Error(), "does not cover aarch64") {
		t.Errorf("arm64 against an x86_64 profile: %v", err)
	}
	verdicts, err := sp.Check(x86, rows)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	denied, err := WriteCheck(&b, "docker.json", verdicts)
	want := `syscall calls verdict
------- ----- -------------------------------
clone3      1 denied: SCMP_ACT_ERRNO (ENOSYS)
FAIL: docker.json denies 1 of the 3 syscalls made: clone3
`
	if err != nil || !slices.Equal(denied, []string{"clone3"}) || b.String() != want {
		t.Errorf("%v %v:\n%s", err, denied, b.String())
	}
}

func TestParseSeccompRejects(t *testing.T) {
	for in, want := range map[string]string{
		`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[],"extra":1}`:                             "unknown field \"extra\"",
		`{"defaultAction":"SCMP_ACT_DENY","syscalls":[]}`:                                        `defaultAction: unknown action "SCMP_ACT_DENY"`,
		`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":[],"action":"SCMP_ACT_ALLOW"}]}`: "syscalls[0]: a rule without names",
		`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"ALLOW"}]}`:    `syscalls[0]: unknown action "ALLOW"`,
		`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]} {}`:                                    "more than one JSON value",
		`[1,2]`: "not a seccomp profile",
		`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_LOG"}]}`: "",
	} {
		_, err := ParseSeccomp([]byte(in))
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: got %v, want %q", in, err, want)
		}
	}
}

func TestParseArchesAndErrno(t *testing.T) {
	arches, err := ParseArches([]string{"amd64,aarch64", "x86_64"})
	if err != nil || len(arches) != 2 || arches[0].Name != "x86_64" || arches[1].Name != "aarch64" {
		t.Errorf("%v %v", arches, err)
	}
	if _, err := ParseArches([]string{"riscv64"}); err == nil || !strings.Contains(err.Error(), `unknown architecture "riscv64" (known: x86_64, aarch64)`) {
		t.Errorf("riscv64: %v", err)
	}
	for in, want := range map[string]int{"EPERM": 1, "enosys": 38, "13": 13} {
		if n, err := ParseErrno(in); n != want || err != nil {
			t.Errorf("%s: %d %v", in, n, err)
		}
	}
	for _, in := range []string{"ENOPE", "0", "99999", ""} {
		if _, err := ParseErrno(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

// FuzzSeccomp feeds arbitrary profiles: reading one, checking a trace's
// syscalls against it and using it as a base must not panic.
func FuzzSeccomp(f *testing.F) {
	f.Add([]byte(dockerLike))
	f.Add([]byte(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["ptrace"],"action":"SCMP_ACT_KILL"}]}`))
	f.Add([]byte(`{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":-3,"architectures":["SCMP_ARCH_AARCH64"],"syscalls":[{"name":"read","action":"SCMP_ACT_ERRNO","errnoRet":99999}]}`))
	x86, _ := syscalls.LookupArch("x86_64")
	rows := []Row{row(BySyscall, "read", 3, 0, nil, nil), row(BySyscall, "clone3", 1, 1, nil, nil), unfinished(BySyscall, "exit_group", 1)}
	f.Fuzz(func(t *testing.T, data []byte) {
		sp, err := ParseSeccomp(data)
		if err != nil {
			return
		}
		if verdicts, err := sp.Check(x86, rows); err == nil {
			for _, v := range verdicts {
				_ = v.Text()
			}
			WriteCheck(io.Discard, "fuzz.json", verdicts)
		}
		if out, err := Seccomp([]string{"read", "exit_group"}, SeccompOptions{Arches: []syscalls.Arch{x86}, Errno: 1, Base: sp}); err == nil {
			if err := out.WriteJSON(io.Discard); err != nil {
				t.Error(err)
			}
		}
	})
}
