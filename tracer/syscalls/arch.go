package syscalls

import (
	"runtime"
	"strings"
)

// Arch is an architecture whose syscall names are known on every machine,
// so that a seccomp profile for it can be written and checked anywhere.
type Arch struct {
	// Name is the architecture as uname -m, strace and libseccomp name it:
	// "x86_64", "aarch64".
	Name string
	// Seccomp is its name in OCI and Docker seccomp profiles:
	// "SCMP_ARCH_X86_64".
	Seccomp string
	goarch  string
	names   []string // indexed by syscall number; "" for unused numbers
}

// arches are the architectures with generated tables (syscallnames.go).
var arches = []Arch{
	{Name: "x86_64", Seccomp: "SCMP_ARCH_X86_64", goarch: "amd64", names: amd64SyscallNames[:]},
	{Name: "aarch64", Seccomp: "SCMP_ARCH_AARCH64", goarch: "arm64", names: arm64SyscallNames[:]},
}

// LookupArch returns the architecture called name: as uname -m calls it
// (x86_64, aarch64), as Go does (amd64, arm64) or as seccomp profiles do
// (SCMP_ARCH_X86_64), case ignored. ok is false for an architecture
// without a table.
func LookupArch(name string) (a Arch, ok bool) {
	for _, a := range arches {
		if strings.EqualFold(name, a.Name) || strings.EqualFold(name, a.goarch) || strings.EqualFold(name, a.Seccomp) {
			return a, true
		}
	}
	return Arch{}, false
}

// ArchNames lists the names LookupArch knows, as uname -m spells them.
func ArchNames() []string {
	names := make([]string, len(arches))
	for i, a := range arches {
		names[i] = a.Name
	}
	return names
}

// NativeArch returns the architecture of this machine; ok is false where
// it has no table.
func NativeArch() (a Arch, ok bool) { return LookupArch(runtime.GOARCH) }

// Number returns the number of the syscall name on a; ok is false when a
// has no syscall of that name.
func (a Arch) Number(name string) (nr uint32, ok bool) {
	if name == "" {
		return 0, false
	}
	for i, n := range a.names {
		if n == name {
			return uint32(i), true
		}
	}
	return 0, false
}

// ErrnoNumber returns the value of the errno called name ("EPERM" is 1),
// the same on every architecture with a table; ok is false for a name
// that is not an errno.
func ErrnoNumber(name string) (errno int, ok bool) {
	if name == "" {
		return 0, false
	}
	for i, e := range errnoTable {
		if e.name == name {
			return i, true
		}
	}
	return 0, false
}

// ErrnoName returns the name of errno ("EPERM" for 1), "" when unknown.
func ErrnoName(errno int) string {
	if errno <= 0 || errno >= len(errnoTable) {
		return ""
	}
	return errnoTable[errno].name
}
