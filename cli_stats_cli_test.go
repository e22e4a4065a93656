package main

// stats on the command line: it says when the input lacks what --by or
// --sort asked for, and an input error leaves no profile behind.

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStatsSaysWhatTheInputLacks: --by comm without command names and
// --sort p95 without durations still print the profile, and say on stderr
// why it looks as it does; an input that has them gets no note.
func TestStatsSaysWhatTheInputLacks(t *testing.T) {
	for _, tc := range []struct {
		input string
		args  []string
		note  string
	}{
		{"getpid() = 1\n", []string{"--by", "comm"},
			"stracectl: --by comm: the input has no command names (strace -Y and the eBPF backend give them); every call is in the ? row\n"},
		{"100<sh> getpid() = 1\n101 getpid() = 2\n", []string{"--by", "comm"},
			"stracectl: --by comm: 1 of 2 calls have no command name (strace -Y gives them); they are in the ? row\n"},
		{"100<sh> getpid() = 1\n", []string{"--by", "comm"}, ""},
		{"getpid() = 1\n", []string{"--sort", "p95"},
			"stracectl: --sort p95: the input has no durations (strace -T and stracectl run give them); rows are sorted by calls\n"},
		{"getpid() = 1 <0.000010>\n", []string{"--sort", "p95"}, ""},
		{"", []string{"--sort", "p95"}, ""},
		{"getpid() = 1\n", []string{"--by", "comm", "--sort", "p95", "--json"},
			"stracectl: --by comm: the input has no command names (strace -Y and the eBPF backend give them); every call is in the ? row\n" +
				"stracectl: --sort p95: the input has no durations (strace -T and stracectl run give them); rows are sorted by calls\n"},
	} {
		t.Run(strings.Join(tc.args, " ")+" of "+tc.input, func(t *testing.T) {
			res := runStracectl(t, []byte(tc.input), append([]string{"stats"}, tc.args...)...)
			if res.code != 0 || string(res.stderr) != tc.note {
				t.Errorf("exit %d, stderr %q; want 0 and %q", res.code, res.stderr, tc.note)
			}
			if tc.input != "" && !bytes.Contains(res.stdout, []byte("1")) {
				t.Errorf("no profile on stdout: %q", res.stdout)
			}
		})
	}
}

// TestStatsWritesNothingOnInputError: when an input cannot be read, stats
// exits 1 and writes no profile: -o FILE is neither created nor changed,
// and stdout stays empty, so that a CI step cannot take a blank profile for
// a baseline. An output that cannot be written is found before any input
// is read.
func TestStatsWritesNothingOnInputError(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.trace")
	if err := os.WriteFile(good, []byte("getpid() = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing, profile := filepath.Join(dir, "nope.txt"), filepath.Join(dir, "prof.txt")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing file", []string{missing}, "cannot read input: open " + missing},
		{"a directory", []string{good, dir}, "is a directory"},
		{"a missing file after a good one", []string{good, missing}, "cannot read input: open " + missing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runStracectl(t, nil, append([]string{"stats"}, tc.args...)...)
			if res.code != 1 || len(res.stdout) != 0 || !bytes.Contains(res.stderr, []byte(tc.want)) {
				t.Errorf("stdout: exit %d, stdout %q, stderr %q; want 1, nothing, %q", res.code, res.stdout, res.stderr, tc.want)
			}
			os.Remove(profile)
			res = runStracectl(t, nil, append([]string{"stats", "-o", profile}, tc.args...)...)
			if _, err := os.Stat(profile); res.code != 1 || err == nil {
				t.Errorf("-o: exit %d, %s left behind (stat: %v)", res.code, profile, err)
			}
			const baseline = "the baseline of a run before\n"
			if err := os.WriteFile(profile, []byte(baseline), 0o644); err != nil {
				t.Fatal(err)
			}
			res = runStracectl(t, nil, append([]string{"stats", "--json", "-o", profile}, tc.args...)...)
			if got, _ := os.ReadFile(profile); res.code != 1 || string(got) != baseline {
				t.Errorf("-o over a file: exit %d, the file holds %q; want 1 and it unchanged", res.code, got)
			}
		})
	}
	res := runStracectl(t, []byte("getpid() = 1\n"), "stats", "-o", filepath.Join(dir, "no", "such", "dir", "prof.txt"))
	if res.code != 1 || !bytes.Contains(res.stderr, []byte("cannot write the profile: open "+filepath.Join(dir, "no", "such", "dir", "prof.txt"))) {
		t.Errorf("-o in a missing directory: exit %d, stderr %q", res.code, res.stderr)
	}
	res = runStracectl(t, nil, "stats", "--json", "-o", profile, good)
	if got, _ := os.ReadFile(profile); res.code != 0 || !bytes.HasPrefix(got, []byte(`{"syscall":"getpid","calls":1`)) {
		t.Errorf("a good input: exit %d, the profile %q", res.code, got)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".stracectl-probe-") {
			t.Errorf("the probe of the output was left behind: %s", e.Name())
		}
	}
}
