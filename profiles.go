package main

// The flags and wiring of diff's gate and of the seccomp command, beside
// main.go: the work is package profile's.

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/stracectl/stracectl/parse"
	"github.com/stracectl/stracectl/profile"
	"github.com/stracectl/stracectl/tracer/syscalls"
)

// GateFlags are diff's flags beyond the counts' tolerance: the rules'
// severities (flags override a policy file), volume weighting, an
// advisory run, rewriting the baseline and the Markdown report.
type GateFlags struct {
	NewSyscall *string  `name:"new-syscall" enum:"fail,warn,ignore" placeholder:"SEVERITY" group:"rules" help:"Severity of a syscall no baseline run made: fail (default), warn or ignore."`
	NewErrno   *string  `name:"new-errno" enum:"fail,warn,ignore" placeholder:"SEVERITY" group:"rules" help:"Severity of a syscall failing with an errno it never failed with (default fail)."`
	Count      *string  `enum:"fail,warn,ignore" placeholder:"SEVERITY" group:"rules" help:"Severity of a count beyond tolerance (default fail)."`
	Vanished   *string  `enum:"fail,warn,ignore" placeholder:"SEVERITY" group:"rules" help:"Severity of a syscall every baseline run made that is not made (default warn)."`
	Slower     *string  `enum:"fail,warn,ignore" placeholder:"SEVERITY" group:"rules" help:"Severity of a p95 slower beyond --latency (default fail)."`
	Policy     string   `placeholder:"FILE" group:"rules" help:"Read severities from FILE, one \"RULE: SEVERITY\" a line (commit it beside the baseline); the flags above override it."`
	Top        *float64 `placeholder:"PCT" group:"rules" help:"Judge the counts only of the syscalls making up PCT percent of the baseline's calls (e.g. 95), and the total of calls."`
	Advisory   bool     `group:"rules" help:"Report everything, and exit 0."`
	Update     bool     `help:"After the report, rewrite OLD with NEW's profile (stats --json; atomically; created when missing), and exit 0: commit it with an intended change."`
	Markdown   bool     `xor:"report" help:"Write the report as Markdown, for a pull-request comment (gh pr comment --body-file)."`
}

// apply sets the options the flags choose.
func (f *GateFlags) apply(opts *profile.DiffOptions) error {
	policy := profile.Policy{}
	if f.Policy != "" {
		var err error
		if policy, err = profile.ReadPolicy(f.Policy); err != nil {
			return err
		}
	}
	for rule, severity := range map[profile.Rule]*string{profile.RuleNewSyscall: f.NewSyscall, profile.RuleNewErrno: f.NewErrno,
		profile.RuleCount: f.Count, profile.RuleVanished: f.Vanished, profile.RuleSlower: f.Slower} {
		if severity != nil {
			if err := policy.Set(string(rule), *severity); err != nil {
				return err
			}
		}
	}
	opts.Policy, opts.Advisory, opts.Update = policy, f.Advisory, f.Update
	if f.Top != nil {
		if *f.Top <= 0 {
			return errors.New("--top must be a percentage above 0, up to 100")
		}
		opts.TopPct = *f.Top
	}
	return nil
}

// finish rewrites the baseline with --update, says on stderr what fails
// (or would, when advisory), and returns diff's exit status.
func (f *GateFlags) finish(report *profile.DiffReport, old, new string) error {
	regs := report.Regressions()
	switch {
	case f.Update:
		if err := profile.WriteOutput(old, report.WriteBaseline); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "stracectl: %s rewritten with the profile of %s: commit it with the change\n", old, new)
	case report.Failed():
		fmt.Fprintf(os.Stderr, "stracectl: syscall profile changed beyond tolerance: %s\n", strings.Join(regs, ", "))
		return exitError{1}
	case len(regs) > 0:
		fmt.Fprintf(os.Stderr, "stracectl: advisory: syscall profile changed beyond tolerance (not failing): %s\n", strings.Join(regs, ", "))
	}
	return nil
}

// SeccompCmd writes the seccomp profile of traces, or checks one against
// them.
type SeccompCmd struct {
	Errno  string   `placeholder:"ERRNO" help:"What a denied call returns (defaultErrnoRet), by name or number: EPERM (default), or ENOSYS, which programs take as \"not implemented here\" and often work around."`
	Arch   []string `placeholder:"ARCH" help:"The architecture of the trace, which strace text and events do not name: x86_64 or aarch64, several comma-separated (default: this machine's)."`
	Base   string   `placeholder:"FILE" help:"Union a base profile (OCI or Docker JSON that denies by default, e.g. the container runtime's own calls): its rules are kept, the observed syscalls added."`
	Check  string   `placeholder:"PROFILE" help:"Instead of writing a profile, list each syscall the inputs made that PROFILE denies, with the errno it would get; exit 1 if any."`
	Output string   `short:"o" placeholder:"FILE" help:"Write the profile to FILE (atomically) instead of stdout."`
	Files  []string `arg:"" optional:"" name:"INPUT" help:"strace output, stracectl JSON Lines or stats --json profiles, several runs unioned; - or none for stdin."`
}

func (c *SeccompCmd) writesStdout() bool { return c.Check != "" || toStdout(c.Output) }

func (c *SeccompCmd) readsStdin() (bool, string) {
	return len(c.Files) == 0 || slices.Contains(c.Files, "-"), "strace output, stracectl JSON Lines or stats --json output"
}

// Help is the detail of seccomp --help.
func (c *SeccompCmd) Help() string {
	return `The profile allows exactly the syscalls the inputs made (completed or not: exit_group never returns) and denies every other: defaultAction SCMP_ACT_ERRNO with defaultErrnoRet (EPERM, or --errno), one SCMP_ACT_ALLOW rule, architectures from --arch. Each name is checked against the syscall table of those architectures. Use it with docker run --security-opt seccomp=FILE, podman, or an OCI runtime spec (linux.seccomp). Trace every path the program takes, in several runs: a call no run made is denied.

Exit status: 0 written (or, with --check, nothing denied), 1 an unreadable input, a name that is no syscall, or (--check) a denied syscall, 2 a usage error.

Needs no privileges.`
}

// Run reads the inputs into one profile and writes its seccomp profile,
// or checks --check's against it.
func (c *SeccompCmd) Run(g *Globals) error {
	arches, err := profile.ParseArches(c.Arch)
	if err != nil {
		return usageError{err.Error()}
	}
	if c.Check != "" && (c.Base != "" || c.Output != "" || c.Errno != "") {
		return usageError{"--check takes no --base, --errno or -o: it writes no profile"}
	}
	errno, err := profile.ParseErrno(cmp.Or(c.Errno, "EPERM"))
	if err != nil {
		return usageError{err.Error()}
	}
	pump, stop := g.pump(true, parse.Options{})
	defer stop()
	prof, err := profile.Collect(pump, c.Files, profile.BySyscall)
	if err != nil {
		return err
	}
	if c.Check != "" {
		return checkSeccomp(c.Check, arches, prof.Rows())
	}
	names := profile.Made(prof.Rows())
	if len(names) == 0 {
		return errors.New("the inputs made no syscall: a profile of them would deny everything")
	}
	if !slices.Contains(names, "exit_group") && !slices.Contains(names, "exit") {
		fmt.Fprintln(os.Stderr, "stracectl: warning: the inputs never exit (no exit_group or exit): a trace filtered (strace -e, -Z) or cut short lacks calls the program makes, and so does its profile")
	}
	opts := profile.SeccompOptions{Arches: arches, Errno: errno}
	if c.Base != "" {
		if opts.Base, err = profile.ReadSeccomp(c.Base); err != nil {
			return err
		}
	}
	sp, err := profile.Seccomp(names, opts)
	if err != nil {
		return err
	}
	return profile.WriteOutput(c.Output, sp.WriteJSON)
}

// checkSeccomp writes what the profile at path denies of the syscalls in
// rows; exit status 1 when it denies any.
func checkSeccomp(path string, arches []syscalls.Arch, rows []profile.Row) error {
	if len(arches) != 1 {
		return usageError{"--check takes one --arch: the trace's"}
	}
	sp, err := profile.ReadSeccomp(path)
	if err != nil {
		return err
	}
	verdicts, err := sp.Check(arches[0], rows)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	denied, err := profile.WriteCheck(os.Stdout, path, verdicts)
	if err != nil {
		return err
	}
	if len(denied) > 0 {
		fmt.Fprintf(os.Stderr, "stracectl: %s denies syscalls the inputs made: %s\n", path, strings.Join(denied, ", "))
		return exitError{1}
	}
	return nil
}
