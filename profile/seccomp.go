package profile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/stracectl/stracectl/tracer/syscalls"
)

// SeccompProfile is a seccomp profile as OCI runtimes (runc, crun) and
// Docker read it: what Seccomp writes, and every field of a base profile
// that it passes on. Reading a profile with a field not listed here is an
// error, so that nothing of a base is dropped unseen.
type SeccompProfile struct {
	DefaultAction    string           `json:"defaultAction"`
	DefaultErrnoRet  *int             `json:"defaultErrnoRet,omitempty"`
	Architectures    []string         `json:"architectures,omitempty"`
	ArchMap          []SeccompArchMap `json:"archMap,omitempty"`
	Flags            []string         `json:"flags,omitempty"`
	ListenerPath     string           `json:"listenerPath,omitempty"`
	ListenerMetadata string           `json:"listenerMetadata,omitempty"`
	Syscalls         []SeccompRule    `json:"syscalls"`
}

// SeccompArchMap is an entry of Docker's archMap: an architecture and
// those its programs may also use (x86 and x32 beside x86_64).
type SeccompArchMap struct {
	Architecture     string   `json:"architecture"`
	SubArchitectures []string `json:"subArchitectures"`
}

// SeccompRule is one entry of a profile's syscalls: the action for these
// names, optionally only for some arguments (Args) or, in Docker's
// profiles, some capabilities, architectures or kernels.
type SeccompRule struct {
	Names    []string          `json:"names,omitempty"`
	Name     string            `json:"name,omitempty"` // the single name of older Docker profiles
	Action   string            `json:"action"`
	ErrnoRet *int              `json:"errnoRet,omitempty"`
	Args     []json.RawMessage `json:"args,omitempty"`
	Comment  string            `json:"comment,omitempty"`
	Includes *SeccompFilter    `json:"includes,omitempty"`
	Excludes *SeccompFilter    `json:"excludes,omitempty"`
}

// SeccompFilter is Docker's condition on a rule.
type SeccompFilter struct {
	Arches    []string `json:"arches,omitempty"`
	Caps      []string `json:"caps,omitempty"`
	MinKernel string   `json:"minKernel,omitempty"`
}

// The actions of seccomp profiles, as libseccomp names them.
const (
	ActAllow       = "SCMP_ACT_ALLOW"
	ActErrno       = "SCMP_ACT_ERRNO"
	actLog         = "SCMP_ACT_LOG"
	actKill        = "SCMP_ACT_KILL"
	actKillThread  = "SCMP_ACT_KILL_THREAD"
	actKillProcess = "SCMP_ACT_KILL_PROCESS"
	actTrap        = "SCMP_ACT_TRAP"
	actTrace       = "SCMP_ACT_TRACE"
	actNotify      = "SCMP_ACT_NOTIFY"
)

// allows reports whether action lets a call run.
func allows(action string) bool { return action == ActAllow || action == actLog }

// ReadSeccomp reads a seccomp profile (OCI or Docker JSON) from path.
func ReadSeccomp(path string) (*SeccompProfile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the seccomp profile: %w", err)
	}
	sp, err := ParseSeccomp(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sp, nil
}

// ParseSeccomp reads a seccomp profile and checks its actions.
func ParseSeccomp(data []byte) (*SeccompProfile, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var sp SeccompProfile
	if err := dec.Decode(&sp); err != nil {
		return nil, fmt.Errorf("not a seccomp profile: %w", err)
	}
	if dec.More() {
		return nil, errors.New("not a seccomp profile: more than one JSON value")
	}
	if err := checkAction(sp.DefaultAction); err != nil {
		return nil, fmt.Errorf("defaultAction: %w", err)
	}
	for i, r := range sp.Syscalls {
		if err := checkAction(r.Action); err != nil {
			return nil, fmt.Errorf("syscalls[%d]: %w", i, err)
		}
		if len(r.names()) == 0 {
			return nil, fmt.Errorf("syscalls[%d]: a rule without names", i)
		}
	}
	return &sp, nil
}

func checkAction(action string) error {
	switch action {
	case ActAllow, ActErrno, actLog, actKill, actKillThread, actKillProcess, actTrap, actTrace, actNotify:
		return nil
	}
	return fmt.Errorf("unknown action %q", action)
}

// names returns the syscalls a rule names.
func (r *SeccompRule) names() []string {
	if r.Name != "" {
		return append(slices.Clone(r.Names), r.Name)
	}
	return r.Names
}

// WriteJSON writes the profile as indented JSON, one syscall name a line,
// so that a change shows line by line in review.
func (sp *SeccompProfile) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(sp, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// SeccompOptions choose the profile Seccomp writes.
type SeccompOptions struct {
	// Arches are the architectures the profile is for (the trace's); every
	// syscall name must be a syscall of one of them.
	Arches []syscalls.Arch
	// Errno is what a denied call returns (defaultErrnoRet).
	Errno int
	// Base, when set, is unioned: its rules, architectures and flags are
	// kept; it must deny by default.
	Base *SeccompProfile
}

// Made returns the names of the syscalls made in a profile grouped by
// syscall: with completed calls, or calls that never completed (exit_group),
// which a seccomp profile must allow all the same.
func Made(rows []Row) []string {
	var names []string
	for i := range rows {
		if rows[i].Calls > 0 || rows[i].Unfinished > 0 {
			names = append(names, rows[i].Name())
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// Seccomp returns the seccomp profile that allows exactly the syscalls
// names (and those of the base) and denies every other with opts.Errno:
// defaultAction SCMP_ACT_ERRNO, one SCMP_ACT_ALLOW rule. A name that is
// empty, or not a syscall of any of opts.Arches, is an error.
func Seccomp(names []string, opts SeccompOptions) (*SeccompProfile, error) {
	if len(opts.Arches) == 0 {
		return nil, errors.New("no architecture for the seccomp profile")
	}
	if opts.Errno <= 0 || syscalls.ErrnoName(opts.Errno) == "" {
		return nil, fmt.Errorf("errno %d is not an errno", opts.Errno)
	}
	var unknown []string
	for _, name := range names {
		if !slices.ContainsFunc(opts.Arches, func(a syscalls.Arch) bool { _, ok := a.Number(name); return ok }) {
			unknown = append(unknown, strconv.Quote(name))
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("not a syscall of %s: %s (a trace of another machine? name its architecture with --arch)",
			archText(opts.Arches), strings.Join(unknown, ", "))
	}
	errno := opts.Errno
	sp := &SeccompProfile{DefaultAction: ActErrno, DefaultErrnoRet: &errno, Syscalls: []SeccompRule{}}
	allowed := map[string]bool{}
	if b := opts.Base; b != nil {
		if allows(b.DefaultAction) {
			return nil, fmt.Errorf("the base profile allows by default (%s): --base takes an allow-list, a profile that denies by default", b.DefaultAction)
		}
		sp.Architectures, sp.ArchMap = slices.Clone(b.Architectures), slices.Clone(b.ArchMap)
		sp.Flags, sp.ListenerPath, sp.ListenerMetadata = b.Flags, b.ListenerPath, b.ListenerMetadata
		sp.Syscalls = slices.Clone(b.Syscalls)
		for _, r := range b.Syscalls {
			if r.conditional() != "" {
				continue
			}
			for _, name := range r.names() {
				if !allows(r.Action) && slices.Contains(names, name) {
					return nil, fmt.Errorf("the base profile denies %s (%s), which the trace made", name, r.Action)
				}
				allowed[name] = allows(r.Action)
			}
		}
	}
	for _, a := range opts.Arches {
		switch {
		case len(sp.ArchMap) > 0: // Docker takes archMap or architectures, not both
			if !slices.ContainsFunc(sp.ArchMap, func(m SeccompArchMap) bool { return m.Architecture == a.Seccomp }) {
				sp.ArchMap = append(sp.ArchMap, SeccompArchMap{Architecture: a.Seccomp, SubArchitectures: []string{}})
			}
		case !slices.Contains(sp.Architectures, a.Seccomp):
			sp.Architectures = append(sp.Architectures, a.Seccomp)
		}
	}
	var allow []string
	for _, name := range names {
		if !allowed[name] {
			allow = append(allow, name)
		}
	}
	slices.Sort(allow)
	if allow = slices.Compact(allow); len(allow) > 0 {
		sp.Syscalls = append(sp.Syscalls, SeccompRule{Names: allow, Action: ActAllow})
	}
	return sp, nil
}

// archText names architectures: "x86_64" or "x86_64 or aarch64".
func archText(arches []syscalls.Arch) string {
	names := make([]string, len(arches))
	for i, a := range arches {
		names[i] = a.Name
	}
	return strings.Join(names, " or ")
}

// conditional says on what the rule depends beyond the syscall's name
// ("" when on nothing): its arguments, capabilities or kernel version.
func (r *SeccompRule) conditional() string {
	switch {
	case len(r.Args) > 0:
		return "its arguments"
	case r.Includes != nil && (len(r.Includes.Caps) > 0 || r.Includes.MinKernel != ""),
		r.Excludes != nil && (len(r.Excludes.Caps) > 0 || r.Excludes.MinKernel != ""):
		return "the capabilities or kernel of the container"
	case r.Action == actNotify:
		return "the decision of a supervisor (SCMP_ACT_NOTIFY)"
	}
	return ""
}

// appliesTo reports whether the rule's architecture conditions (Docker's
// includes/excludes arches) hold on arch.
func (r *SeccompRule) appliesTo(arch syscalls.Arch) bool {
	is := func(names []string) bool {
		return slices.ContainsFunc(names, func(n string) bool { a, ok := syscalls.LookupArch(n); return ok && a.Name == arch.Name })
	}
	if r.Includes != nil && len(r.Includes.Arches) > 0 && !is(r.Includes.Arches) {
		return false
	}
	return r.Excludes == nil || !is(r.Excludes.Arches)
}

// covers reports whether the profile filters the calls of arch: it names
// arch (in architectures or archMap), or names none (the machine's own).
func (sp *SeccompProfile) covers(arch syscalls.Arch) bool {
	var names []string
	names = append(names, sp.Architectures...)
	for _, m := range sp.ArchMap {
		names = append(names, m.Architecture)
		names = append(names, m.SubArchitectures...)
	}
	if len(names) == 0 {
		native, ok := syscalls.NativeArch()
		return ok && native.Name == arch.Name
	}
	return slices.ContainsFunc(names, func(n string) bool { a, ok := syscalls.LookupArch(n); return ok && a.Name == arch.Name })
}

// SeccompVerdict is what a profile does to one syscall a trace made.
type SeccompVerdict struct {
	Syscall string
	Calls   int64 // calls made: completed or not
	// Action is the action that applies; Errno its errno for
	// SCMP_ACT_ERRNO. DependsOn is set instead when the profile decides by
	// more than the name (see SeccompRule): the call may run or not.
	Action    string
	Errno     int
	DependsOn string
}

// Denied reports whether the call is denied whatever its arguments.
func (v *SeccompVerdict) Denied() bool { return v.DependsOn == "" && !allows(v.Action) }

// Text says what happens to the call: "denied: SCMP_ACT_ERRNO (EPERM)".
func (v *SeccompVerdict) Text() string {
	switch {
	case v.DependsOn != "":
		return "depends on " + v.DependsOn
	case allows(v.Action):
		return "allowed"
	case v.Action == ActErrno:
		return "denied: " + v.Action + " (" + errnoText(v.Errno) + ")"
	}
	return "denied: " + v.Action
}

func errnoText(errno int) string {
	if name := syscalls.ErrnoName(errno); name != "" {
		return name
	}
	return "errno " + strconv.Itoa(errno)
}

// Check returns what the profile does to each syscall made in rows (a
// profile grouped by syscall) on arch, as libseccomp would apply it: the
// first rule for the name that holds whatever the arguments decides, else
// the default action. A profile that does not cover arch is an error:
// every call would meet its bad-architecture action.
func (sp *SeccompProfile) Check(arch syscalls.Arch, rows []Row) ([]SeccompVerdict, error) {
	if !sp.covers(arch) {
		return nil, fmt.Errorf("the profile does not cover %s (%s): every call of this trace would be killed", arch.Name, arch.Seccomp)
	}
	var out []SeccompVerdict
	for i := range rows {
		r := &rows[i]
		if r.Calls == 0 && r.Unfinished == 0 {
			continue
		}
		out = append(out, sp.decide(arch, r.Name(), r.Calls+r.Unfinished))
	}
	slices.SortFunc(out, func(a, b SeccompVerdict) int { return strings.Compare(a.Syscall, b.Syscall) })
	return out, nil
}

// decide applies the profile to one syscall.
func (sp *SeccompProfile) decide(arch syscalls.Arch, name string, calls int64) SeccompVerdict {
	v := SeccompVerdict{Syscall: name, Calls: calls}
	for _, r := range sp.Syscalls {
		if !slices.Contains(r.names(), name) || !r.appliesTo(arch) {
			continue
		}
		if dep := r.conditional(); dep != "" {
			if v.DependsOn == "" {
				v.DependsOn = dep
			}
			continue
		}
		v.Action, v.Errno, v.DependsOn = r.Action, errnoOf(r.ErrnoRet), ""
		return v
	}
	if v.DependsOn == "" {
		v.Action, v.Errno = sp.DefaultAction, errnoOf(sp.DefaultErrnoRet)
	}
	return v
}

// errnoOf is the errno of SCMP_ACT_ERRNO: the one given, else EPERM (the
// OCI runtimes' default).
func errnoOf(errnoRet *int) int {
	if errnoRet != nil {
		return *errnoRet
	}
	return 1
}

// WriteCheck writes the syscalls the profile denies, or may deny
// depending on more than their name, as a table (syscall, calls,
// verdict), then one line with the verdict; it returns the denied ones.
func WriteCheck(w io.Writer, profileName string, verdicts []SeccompVerdict) (denied []string, err error) {
	t := table{}
	t.header(left("syscall"), right("calls"), left("verdict"))
	var depends []string
	for i := range verdicts {
		v := &verdicts[i]
		switch {
		case v.Denied():
			denied = append(denied, v.Syscall)
		case v.DependsOn != "":
			depends = append(depends, v.Syscall)
		default:
			continue
		}
		t.row(v.Syscall, itoa(v.Calls), v.Text())
	}
	bw := bufio.NewWriter(w)
	if len(denied)+len(depends) > 0 {
		if err := t.write(bw); err != nil {
			return denied, err
		}
	}
	made := plural(len(verdicts), "syscall") + " made"
	if len(denied) > 0 {
		fmt.Fprintf(bw, "FAIL: %s denies %d of the %s: %s", profileName, len(denied), made, strings.Join(denied, ", "))
	} else {
		fmt.Fprintf(bw, "OK: %s allows the %s", profileName, made)
	}
	if len(depends) > 0 {
		fmt.Fprintf(bw, "; depending on more than the name: %s", strings.Join(depends, ", "))
	}
	bw.WriteString("\n")
	return denied, bw.Flush()
}

// ParseArches resolves architecture names (see syscalls.LookupArch; comma
// lists allowed); none means this machine's.
func ParseArches(names []string) ([]syscalls.Arch, error) {
	var arches []syscalls.Arch
	for _, list := range names {
		for name := range strings.SplitSeq(list, ",") {
			a, ok := syscalls.LookupArch(strings.TrimSpace(name))
			if !ok {
				return nil, fmt.Errorf("unknown architecture %q (known: %s)", name, strings.Join(syscalls.ArchNames(), ", "))
			}
			if !slices.ContainsFunc(arches, func(b syscalls.Arch) bool { return b.Name == a.Name }) {
				arches = append(arches, a)
			}
		}
	}
	if len(arches) == 0 {
		a, ok := syscalls.NativeArch()
		if !ok {
			return nil, fmt.Errorf("no syscall table for this machine's architecture: name the trace's with --arch (%s)", strings.Join(syscalls.ArchNames(), ", "))
		}
		arches = append(arches, a)
	}
	return arches, nil
}

// ParseErrno resolves an errno given by name (ENOSYS) or number (38).
func ParseErrno(s string) (int, error) {
	if n, err := strconv.Atoi(s); err == nil && syscalls.ErrnoName(n) != "" {
		return n, nil
	}
	if n, ok := syscalls.ErrnoNumber(strings.ToUpper(s)); ok {
		return n, nil
	}
	return 0, fmt.Errorf("unknown errno %q (e.g. EPERM, ENOSYS, EACCES)", s)
}
