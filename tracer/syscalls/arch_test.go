package syscalls

import (
	"runtime"
	"testing"
)

// TestArchNamesMatchTable: on the machine's own architecture, the names
// every GOARCH sees are those of the tracer's table, number for number.
func TestArchNamesMatchTable(t *testing.T) {
	a, ok := NativeArch()
	if !ok {
		t.Skipf("no syscall table for %s", runtime.GOARCH)
	}
	if len(a.names) != len(syscallTable) {
		t.Fatalf("%s: %d names, %d table rows", a.Name, len(a.names), len(syscallTable))
	}
	for nr, e := range syscallTable {
		if a.names[nr] != e.name {
			t.Errorf("%s syscall %d: name %q, table %q", a.Name, nr, a.names[nr], e.name)
		}
	}
}

func TestArchLookup(t *testing.T) {
	tests := []struct {
		arch, syscall string
		nr            uint32
		ok            bool
	}{
		{"x86_64", "openat", 257, true},
		{"amd64", "read", 0, true},
		{"SCMP_ARCH_X86_64", "arch_prctl", 158, true},
		{"aarch64", "openat", 56, true},
		{"arm64", "clone3", 435, true},
		{"scmp_arch_aarch64", "newfstatat", 79, true},
		{"aarch64", "open", 0, false}, // arm64 has only openat
		{"x86_64", "opneat", 0, false},
		{"x86_64", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.arch+" "+tt.syscall, func(t *testing.T) {
			a, ok := LookupArch(tt.arch)
			if !ok {
				t.Fatalf("LookupArch(%q) failed", tt.arch)
			}
			nr, ok := a.Number(tt.syscall)
			if nr != tt.nr || ok != tt.ok {
				t.Errorf("Number(%q) = %d, %t; want %d, %t", tt.syscall, nr, ok, tt.nr, tt.ok)
			}
		})
	}
	if _, ok := LookupArch("riscv64"); ok {
		t.Error("LookupArch(riscv64): there is no table for it")
	}
}

func TestErrnoLookup(t *testing.T) {
	for _, tt := range []struct {
		name  string
		errno int
	}{{"EPERM", 1}, {"ENOENT", 2}, {"ENOSYS", 38}, {"ERESTARTSYS", 512}} {
		if n, ok := ErrnoNumber(tt.name); !ok || n != tt.errno {
			t.Errorf("ErrnoNumber(%s) = %d, %t", tt.name, n, ok)
		}
		if s := ErrnoName(tt.errno); s != tt.name {
			t.Errorf("ErrnoName(%d) = %q", tt.errno, s)
		}
	}
	if _, ok := ErrnoNumber("ENOPE"); ok {
		t.Error("ErrnoNumber(ENOPE) succeeded")
	}
	if s := ErrnoName(0); s != "" {
		t.Errorf("ErrnoName(0) = %q", s)
	}
}
