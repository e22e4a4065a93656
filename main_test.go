package main

// End-to-end tests drive the real binary: TestMain builds stracectl once,
// and the C workload in testdata/workload.c when gcc is present, into a
// temporary directory shared by every test of this package.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// corpusDir holds real strace captures, each with strace -c's counts of the
// same run as an oracle (see its README.md).
const corpusDir = "../shared/corpus"

var (
	// stracectlBin is the binary under test.
	stracectlBin string
	// workloadBin is testdata/workload.c compiled; "" when gcc is missing.
	workloadBin string
	// workloadSkip says why workloadBin is missing.
	workloadSkip string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "stracectl-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	stracectlBin = filepath.Join(dir, "stracectl")
	if out, err := exec.Command("go", "build", "-o", stracectlBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building stracectl: %v\n%s", err, out)
		os.Exit(1)
	}
	if gcc, err := exec.LookPath("gcc"); err != nil {
		workloadSkip = "gcc not found in PATH — install it with: apt install gcc"
	} else {
		bin := filepath.Join(dir, "workload")
		if out, err := exec.Command(gcc, "-O2", "-pthread", "-o", bin, "testdata/workload.c").CombinedOutput(); err != nil {
			workloadSkip = fmt.Sprintf("compiling testdata/workload.c: %v\n%s", err, out)
		} else {
			workloadBin = bin
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// needWorkload skips the test when the workload could not be built.
func needWorkload(t *testing.T) string {
	t.Helper()
	if workloadBin == "" {
		t.Skip(workloadSkip)
	}
	return workloadBin
}

// result is what one run of stracectl produced.
type result struct {
	stdout, stderr []byte
	code           int
}

// runStracectl runs the binary with stdin and args and waits for it.
func runStracectl(t *testing.T, stdin []byte, args ...string) result {
	t.Helper()
	return runStracectlIn(t, "", stdin, args...)
}

// runStracectlIn is runStracectl in working directory dir.
func runStracectlIn(t *testing.T, dir string, stdin []byte, args ...string) result {
	t.Helper()
	cmd := exec.Command(stracectlBin, args...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running stracectl %v: %v", args, err)
	}
	return result{out.Bytes(), errb.Bytes(), code}
}

// forEachBackend runs test once per tracing backend that can run here, as
// a subtest named after it: run and attach must behave the same on both.
func forEachBackend(t *testing.T, test func(t *testing.T, backend string)) {
	for _, backend := range []string{"strace", "ebpf"} {
		t.Run(backend, func(t *testing.T) {
			if backend == "strace" {
				straceOrSkip(t)
			} else {
				needEBPF(t)
			}
			test(t, backend)
		})
	}
}
