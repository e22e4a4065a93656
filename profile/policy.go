package profile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// Rule names one check of stracectl diff. Each has a severity (Policy).
type Rule string

// The rules of stracectl diff.
const (
	RuleNewSyscall Rule = "new-syscall" // a syscall no baseline run made
	RuleNewErrno   Rule = "new-errno"   // a syscall fails with an errno it never failed with
	RuleCount      Rule = "count"       // calls, errors or failures with one errno beyond the tolerance
	RuleVanished   Rule = "vanished"    // a syscall every baseline run made is not made
	RuleSlower     Rule = "slower"      // p95 latency grew beyond --latency
)

// Rules lists every rule, in the order help and reports name them.
var Rules = []Rule{RuleNewSyscall, RuleNewErrno, RuleCount, RuleVanished, RuleSlower}

// Severity is what a rule's finding does to the gate; OK is the verdict of
// a change that no rule finds fault with, never a rule's severity.
type Severity string

// The severities of a Policy, and OK.
const (
	Fail   Severity = "fail"   // reported; the gate fails (exit 1)
	Warn   Severity = "warn"   // reported as a warning; the gate passes
	Ignore Severity = "ignore" // reported as ignored; the gate passes
	OK     Severity = "ok"     // the change passes: within tolerance, flaky
)

// Policy gives rules their severities; a rule it leaves out has its
// default (DefaultPolicy).
type Policy map[Rule]Severity

// DefaultPolicy is the severities as teams practise them: a new syscall,
// a new errno, a count beyond tolerance and a slower p95 fail; a vanished
// syscall warns.
func DefaultPolicy() Policy {
	return Policy{RuleNewSyscall: Fail, RuleNewErrno: Fail, RuleCount: Fail, RuleVanished: Warn, RuleSlower: Fail}
}

// Of returns the severity of rule.
func (p Policy) Of(rule Rule) Severity {
	if s, ok := p[rule]; ok {
		return s
	}
	return DefaultPolicy()[rule]
}

// Set sets the severity of rule, both given as text; the error names the
// choices.
func (p Policy) Set(rule, severity string) error {
	if !slices.Contains(Rules, Rule(rule)) {
		return fmt.Errorf("unknown rule %q (rules: %s)", rule, ruleList())
	}
	switch s := Severity(severity); s {
	case Fail, Warn, Ignore:
		p[Rule(rule)] = s
		return nil
	}
	return fmt.Errorf("rule %s: unknown severity %q (severities: fail, warn, ignore)", rule, severity)
}

func ruleList() string {
	names := make([]string, len(Rules))
	for i, r := range Rules {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// ReadPolicy reads a policy file, committed beside a baseline: one rule a
// line, "RULE: SEVERITY" (or "RULE = SEVERITY"), blank lines and #
// comments allowed, e.g.
//
//	# syscalls.policy
//	vanished: fail
//	count: warn
//
// Errors name the file and line.
func ReadPolicy(path string) (Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the policy: %w", err)
	}
	defer f.Close()
	p, err := ParsePolicy(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// ParsePolicy reads the text of a policy file (see ReadPolicy).
func ParsePolicy(r io.Reader) (Policy, error) {
	p := Policy{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		rule, severity, ok := strings.Cut(line, ":")
		if !ok {
			rule, severity, ok = strings.Cut(line, "=")
		}
		if !ok {
			return nil, fmt.Errorf("line %d: expected \"RULE: SEVERITY\": %q", n, line)
		}
		rule, severity = strings.TrimSpace(rule), strings.TrimSpace(severity)
		if _, dup := p[Rule(rule)]; dup {
			return nil, fmt.Errorf("line %d: rule %s set twice", n, rule)
		}
		if err := p.Set(rule, severity); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return p, nil
}
