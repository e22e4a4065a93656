// Command gen-syscalls writes the generated tables of tracer/syscalls:
// the syscall names of amd64 and arm64 with strace's argument counts and
// classes, the errno names and messages, and the strace class names that -e
// accepts. Nothing in them is typed by hand; each comes from the source that
// defines it:
//
//   - syscall numbers and names: the kernel UAPI headers' asm/unistd.h, of
//     linux-libc-dev for amd64 and linux-libc-dev-arm64-cross for arm64,
//     read through the C preprocessor;
//   - flag and value names (O_*, AT_*, PROT_*, MAP_*, SEEK_* ...), in the
//     order strace prints them: strace's xlat/*.in, with each arch's values
//     from the same UAPI headers (compiled for the arch, never run);
//   - signal names: strace's signalent.h;
//   - argument counts and classes (TD, TF, TN, TP, ... behind %desc, %file,
//     %net, %process ...): strace's own syscallent tables, sysent.h and
//     basic_filters.c, from the strace source package of the installed strace
//     (apt-get source, with a private apt state so the system is untouched),
//     so that -e %file selects exactly what strace would select;
//   - errno names: the UAPI headers asm-generic/errno-base.h and errno.h, plus
//     strace's errnoent.h for the kernel-internal codes (ERESTARTSYS ...)
//     that no UAPI header defines;
//   - errno messages: the C library's strerror, which is what strace prints,
//     except the four ERESTART* texts that strace writes itself (taken from
//     its syscall.c).
//
// Run it from the repository root when the kernel headers or strace change:
//
//	go run ./scripts/gen-syscalls            # fetches the strace source with apt-get
//	go run ./scripts/gen-syscalls -strace-src /path/to/strace-6.1
//
// It needs gcc (to read the headers and run strerror; for arm64 it only
// compiles, never runs), linux-libc-dev-arm64-cross for the arm64 headers
// and, without -strace-src, apt-get.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("gen-syscalls: ")
	straceSrc := flag.String("strace-src", "", "unpacked strace source tree (default: fetch the installed version's source with apt-get source)")
	include := flag.String("include", "/usr/include", "kernel UAPI headers of the host (from linux-libc-dev)")
	out := flag.String("out", "tracer/syscalls", "directory the generated Go files are written to")
	flag.Parse()

	src := *straceSrc
	if src == "" {
		tmp, err := os.MkdirTemp("", "gen-syscalls-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(tmp)
		// apt-get downloads as the _apt user, which must reach the directory.
		if err := os.Chmod(tmp, 0o755); err != nil {
			log.Fatal(err)
		}
		if src, err = fetchStraceSource(tmp); err != nil {
			log.Fatal(err)
		}
	}
	if err := generate(src, *include, *out); err != nil {
		log.Fatal(err)
	}
}

// provenance names the versions the tables were generated from.
type provenance struct {
	strace, headers, crossHeaders string
}

func (p provenance) String() string {
	return "strace " + p.strace + " source, linux-libc-dev " + p.headers +
		" and linux-libc-dev-arm64-cross " + p.crossHeaders
}

func generate(src, include, out string) error {
	prov := provenance{strace: straceVersion(src), headers: packageVersion("linux-libc-dev"),
		crossHeaders: packageVersion("linux-libc-dev-arm64-cross")}

	flags, err := parseTraceFlags(filepath.Join(src, "src/sysent.h"))
	if err != nil {
		return err
	}
	shorthands, err := parseShorthands(filepath.Join(src, "src/sysent_shorthand_defs.h"))
	if err != nil {
		return err
	}
	classes, err := parseClassNames(filepath.Join(src, "src/basic_filters.c"))
	if err != nil {
		return err
	}
	if err := writeClasses(filepath.Join(out, "straceclasses.go"), prov, flags, classes); err != nil {
		return err
	}
	classFlags := map[string]bool{} // the TRACE_* flags that some class name selects
	for _, c := range classes {
		classFlags[c.flag] = true
	}

	names := map[string][]syscallRow{}
	for _, a := range arches(include) {
		kernel, err := uapiSyscalls(a)
		if err != nil {
			return fmt.Errorf("%s: %w", a.goarch, err)
		}
		strace := map[int]straceEntry{}
		for _, t := range a.syscallent {
			if err := parseSyscallent(filepath.Join(src, t), strace); err != nil {
				return fmt.Errorf("%s: %w", a.goarch, err)
			}
		}
		table, err := mergeSyscalls(kernel, strace, shorthands, classFlags)
		if err != nil {
			return fmt.Errorf("%s: %w", a.goarch, err)
		}
		xlats, err := archXlats(a, src)
		if err != nil {
			return fmt.Errorf("%s: %w", a.goarch, err)
		}
		consts, err := archConstants(a)
		if err != nil {
			return fmt.Errorf("%s: %w", a.goarch, err)
		}
		signals, err := signalNames(a, src)
		if err != nil {
			return fmt.Errorf("%s: %w", a.goarch, err)
		}
		ioctls, err := ioctlNames(a, src)
		if err != nil {
			return fmt.Errorf("%s: %w", a.goarch, err)
		}
		if err := writeArch(filepath.Join(out, "syscalls_"+a.goarch+".go"), prov, a.goarch, table, xlats, consts, signals, ioctls); err != nil {
			return err
		}
		names[a.goarch] = table
	}
	if err := writeNames(filepath.Join(out, "syscallnames.go"), prov, names); err != nil {
		return err
	}

	errnos, err := errnoTable(include, src)
	if err != nil {
		return err
	}
	return writeErrnos(filepath.Join(out, "errnos.go"), prov, errnos)
}

// fetchStraceSource downloads and unpacks the source package of the
// installed strace (or the candidate version when none is installed) into
// dir, using a private apt state so that the system's sources are untouched.
func fetchStraceSource(dir string) (string, error) {
	suite := "bookworm"
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		if m := regexp.MustCompile(`(?m)^VERSION_CODENAME=(\w+)`).FindSubmatch(b); m != nil {
			suite = string(m[1])
		}
	}
	for _, d := range []string{"lists/partial", "cache/archives/partial", "src"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return "", err
		}
	}
	list := filepath.Join(dir, "sources.list")
	line := "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian " + suite + " main\n"
	if err := os.WriteFile(list, []byte(line), 0o644); err != nil {
		return "", err
	}
	opts := []string{
		"-o", "Dir::Etc::SourceList=" + list,
		"-o", "Dir::Etc::SourceParts=" + filepath.Join(dir, "none"),
		"-o", "Dir::State::Lists=" + filepath.Join(dir, "lists"),
		"-o", "Dir::Cache=" + filepath.Join(dir, "cache"),
	}
	pkg := "strace"
	if v := packageVersion("strace"); v != "" {
		pkg += "=" + v
	}
	if err := run(dir, "apt-get", append(opts, "-q", "update")...); err != nil {
		return "", fmt.Errorf("apt-get update (deb-src %s): %w", suite, err)
	}
	srcDir := filepath.Join(dir, "src")
	if err := run(srcDir, "apt-get", append(opts, "-q", "source", "--download-only", pkg)...); err != nil {
		return "", fmt.Errorf("apt-get source %s: %w — or pass -strace-src with an unpacked strace source tree", pkg, err)
	}
	var tarballs []string
	matches, _ := filepath.Glob(filepath.Join(srcDir, "strace_*.orig.tar.*"))
	for _, m := range matches {
		if !strings.HasSuffix(m, ".asc") { // the signature beside it
			tarballs = append(tarballs, m)
		}
	}
	if len(tarballs) != 1 {
		return "", fmt.Errorf("expected one strace orig tarball in %s, found %d", srcDir, len(tarballs))
	}
	if err := run(srcDir, "tar", "xf", tarballs[0]); err != nil {
		return "", err
	}
	trees, _ := filepath.Glob(filepath.Join(srcDir, "strace-*"))
	for _, t := range trees {
		if fi, err := os.Stat(t); err == nil && fi.IsDir() {
			return t, nil
		}
	}
	return "", fmt.Errorf("no strace-* directory after unpacking %s", tarballs[0])
}

func run(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	return cmd.Run()
}

// packageVersion returns the installed version of a Debian package, "" when
// it is not installed.
func packageVersion(pkg string) string {
	out, err := exec.Command("dpkg-query", "-W", "-f=${Version}", pkg).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func straceVersion(src string) string {
	if b, err := os.ReadFile(filepath.Join(src, ".tarball-version")); err == nil {
		return strings.TrimSpace(string(b))
	}
	return filepath.Base(src)
}

// straceEntry is one row of a strace syscallent table.
type straceEntry struct {
	nargs int
	flags []string // shorthands: TD, TF, ...
	name  string
}

var syscallentRow = regexp.MustCompile(`^\[\s*(?:BASE_NR\s*\+\s*)?(\d+)\]\s*=\s*\{\s*(\d+|MA),\s*([^,]*),\s*SEN\(\w+\),\s*"(\w+)"\s*\}`)

// parseSyscallent reads the rows of a strace syscallent.h into into. Rows
// are `[N] = { nargs, FLAGS, SEN(func), "name" },`; #include lines are
// followed by the caller, which lists every table.
func parseSyscallent(path string, into map[int]straceEntry) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	rows := 0
	for _, line := range strings.Split(string(b), "\n") {
		m := syscallentRow.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		nr, _ := strconv.Atoi(m[1])
		nargs := 6
		if m[2] != "MA" {
			nargs, _ = strconv.Atoi(m[2])
		}
		var flags []string
		for _, f := range strings.Split(m[3], "|") {
			if f = strings.TrimSpace(f); f != "" && f != "0" {
				flags = append(flags, f)
			}
		}
		into[nr] = straceEntry{nargs: nargs, flags: flags, name: m[4]}
		rows++
	}
	if rows == 0 {
		return fmt.Errorf("%s: no syscallent rows found", path)
	}
	return nil
}

// parseTraceFlags reads the TRACE_* bit values of strace's sysent.h.
func parseTraceFlags(path string) (map[string]uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	flags := map[string]uint64{}
	for _, m := range regexp.MustCompile(`(?m)^#\s*define\s+(TRACE_\w+)\s+(0[0-7]*)`).FindAllStringSubmatch(string(b), -1) {
		v, err := strconv.ParseUint(m[2], 8, 32)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, m[1], err)
		}
		flags[m[1]] = v
	}
	if len(flags) == 0 {
		return nil, fmt.Errorf("%s: no TRACE_* flags found", path)
	}
	return flags, nil
}

// parseShorthands maps syscallent's shorthands (TD) to flag names
// (TRACE_DESC), from the non-test half of sysent_shorthand_defs.h.
func parseShorthands(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s := string(b)
	if i := strings.Index(s, "#else"); i >= 0 {
		s = s[i:]
	}
	m := map[string]string{}
	for _, d := range regexp.MustCompile(`(?m)^#\s*define\s+(\w+)\s+(\w+)\s*$`).FindAllStringSubmatch(s, -1) {
		m[d[1]] = d[2]
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("%s: no shorthands found", path)
	}
	return m, nil
}

// className is one name -e accepts for a class of syscalls.
type className struct {
	name string
	flag string // TRACE_* name; "" for "all"
}

// parseClassNames reads the class names of strace's -e trace= (the
// syscall_class table of basic_filters.c).
func parseClassNames(path string) ([]className, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var names []className
	for _, m := range regexp.MustCompile(`\{\s*(TRACE_\w+|0),\s*"([^"]+)"\s*\}`).FindAllStringSubmatch(string(b), -1) {
		flag := m[1]
		if flag == "0" {
			flag = ""
		}
		names = append(names, className{name: m[2], flag: flag})
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: no syscall class names found", path)
	}
	return names, nil
}

var defineRow = regexp.MustCompile(`^#define\s+(\w+)\s+(\w+)\s*$`)

// arch is what the tables of one GOARCH are made from.
type arch struct {
	goarch     string
	cflags     []string // make gcc read this arch's UAPI headers
	strace     string   // strace's source directory for the arch (src/linux/NAME)
	syscallent []string // strace tables, in include order
}

// arches lists the GOARCHes generated. amd64 reads the host's headers;
// arm64 reads those of linux-libc-dev-arm64-cross with the host's gcc,
// which only preprocesses and compiles (never links or runs) with them.
func arches(include string) []arch {
	return []arch{
		{
			goarch:     "amd64",
			cflags:     []string{"-nostdinc", "-isystem", filepath.Join(include, "x86_64-linux-gnu"), "-isystem", include},
			strace:     "x86_64",
			syscallent: []string{"src/linux/x86_64/syscallent.h", "src/linux/generic/syscallent-common.h"},
		},
		{
			goarch: "arm64",
			cflags: []string{"-nostdinc", "-isystem", "/usr/aarch64-linux-gnu/include",
				"-U__x86_64__", "-U__x86_64", "-U__amd64__", "-U__amd64", "-D__aarch64__"},
			strace:     "aarch64",
			syscallent: []string{"src/linux/64/syscallent.h", "src/linux/generic/syscallent-common.h"},
		},
	}
}

// cpp runs the C preprocessor for a on prog with extra gcc flags.
func (a arch) gcc(prog string, flags ...string) ([]byte, error) {
	args := append(append([]string{}, a.cflags...), flags...)
	args = append(args, "-x", "c", "-o", "-", "-")
	cmd := exec.Command("gcc", args...)
	cmd.Stdin = strings.NewReader(prog)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		hint := ""
		if a.goarch == "arm64" {
			hint = " (the arm64 headers come from: apt install linux-libc-dev-arm64-cross)"
		}
		return nil, fmt.Errorf("gcc %s: %w%s\n%s", strings.Join(flags, " "), err, hint, stderr.String())
	}
	return out, nil
}

// uapiSyscalls returns the __NR_* numbers of the arch's asm/unistd.h,
// resolving one macro to another (__NR_fcntl -> __NR3264_fcntl -> 25).
func uapiSyscalls(a arch) (map[int]string, error) {
	out, err := a.gcc("#include <asm/unistd.h>\n", "-E", "-dM")
	if err != nil {
		return nil, err
	}
	macros := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if m := defineRow.FindStringSubmatch(line); m != nil {
			macros[m[1]] = m[2]
		}
	}
	nrs := map[int]string{}
	for name, v := range macros {
		if !strings.HasPrefix(name, "__NR_") {
			continue
		}
		for i := 0; i < 8; i++ {
			if next, ok := macros[v]; ok {
				v = next
			}
		}
		nr, err := strconv.Atoi(v)
		if err != nil {
			continue
		}
		name = strings.TrimPrefix(name, "__NR_")
		// Markers, not calls: the end of the table and the start of
		// the arch-specific block.
		if name == "syscalls" || name == "arch_specific_syscall" {
			continue
		}
		if old, dup := nrs[nr]; dup {
			return nil, fmt.Errorf("asm/unistd.h: __NR_%s and __NR_%s are both %d", old, name, nr)
		}
		nrs[nr] = name
	}
	if len(nrs) < 200 {
		return nil, fmt.Errorf("asm/unistd.h: only %d syscalls found", len(nrs))
	}
	return nrs, nil
}

// syscallRow is one generated table row.
type syscallRow struct {
	nr      int
	name    string
	nargs   int
	classes []string // Go class constant names
}

// mergeSyscalls joins the kernel's numbers with strace's argument counts and
// classes. A number both know must have the same name in both; one only
// the kernel knows gets 6 arguments and no class (strace's own rule for
// calls it cannot decode).
func mergeSyscalls(kernel map[int]string, strace map[int]straceEntry, shorthands map[string]string, classFlags map[string]bool) ([]syscallRow, error) {
	var rows []syscallRow
	nrs := map[int]bool{}
	for nr := range kernel {
		nrs[nr] = true
	}
	for nr := range strace {
		nrs[nr] = true
	}
	for nr := range nrs {
		kname, inKernel := kernel[nr]
		e, inStrace := strace[nr]
		if inKernel && inStrace && kname != e.name {
			return nil, fmt.Errorf("syscall %d is %q in the kernel headers but %q in strace", nr, kname, e.name)
		}
		row := syscallRow{nr: nr, name: kname, nargs: 6}
		if inStrace {
			row.name, row.nargs = e.name, e.nargs
			for _, f := range e.flags {
				flag, ok := shorthands[f]
				if !ok {
					return nil, fmt.Errorf("syscall %s: unknown flag %s", e.name, f)
				}
				if classFlags[flag] {
					row.classes = append(row.classes, goClassName(flag))
				}
			}
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].nr < rows[j].nr })
	return rows, nil
}

// goClassName turns TRACE_STAT_LIKE into classStatLike.
func goClassName(flag string) string {
	var b strings.Builder
	b.WriteString("class")
	for _, part := range strings.Split(strings.TrimPrefix(flag, "TRACE_"), "_") {
		b.WriteString(part[:1] + strings.ToLower(part[1:]))
	}
	return b.String()
}

func writeGo(path string, src []byte) error {
	formatted, err := format.Source(src)
	if err != nil {
		return fmt.Errorf("%s: generated code does not parse: %w", path, err)
	}
	return os.WriteFile(path, formatted, 0o644)
}

func header(b *bytes.Buffer, prov provenance) {
	fmt.Fprintf(b, "// Code generated by scripts/gen-syscalls from %s. DO NOT EDIT.\n\npackage syscalls\n\n", prov)
}

func writeClasses(path string, prov provenance, flags map[string]uint64, names []className) error {
	var b bytes.Buffer
	header(&b, prov)
	used := map[string]bool{}
	for _, n := range names {
		if n.flag != "" {
			used[n.flag] = true
		}
	}
	var list []string
	for f := range used {
		if _, ok := flags[f]; !ok {
			return fmt.Errorf("class flag %s is not defined in sysent.h", f)
		}
		list = append(list, f)
	}
	sort.Slice(list, func(i, j int) bool { return flags[list[i]] < flags[list[j]] })
	b.WriteString("// The classes of strace's sysent.h that -e accepts, with strace's bit values.\nconst (\n")
	for _, f := range list {
		fmt.Fprintf(&b, "\t%s syscallClass = 0o%o // %s\n", goClassName(f), flags[f], f)
	}
	b.WriteString(")\n\n")
	b.WriteString("// classNames are the class names of strace's -e trace= (matched ignoring case);\n" +
		"// a call is in a class when it has every bit of it, so \"all\" (0) holds every call.\n")
	b.WriteString("var classNames = [...]struct {\n\tname  string\n\tclass syscallClass\n}{\n")
	for _, n := range names {
		c := "0"
		if n.flag != "" {
			c = goClassName(n.flag)
		}
		fmt.Fprintf(&b, "\t{%q, %s},\n", n.name, c)
	}
	b.WriteString("}\n")
	return writeGo(path, b.Bytes())
}

// errnoRow is one errno: its name and strace's text for it.
type errnoRow struct {
	nr       int
	name     string
	message  string
	restarts bool // an ERESTART* code strace prints as "= ? NAME (text)"
}

var errnoDefine = regexp.MustCompile(`(?m)^#define\s+(E\w+)\s+(\d+)\b`)

// errnoTable builds the errno names from the UAPI headers (plus strace's
// errnoent.h for the kernel-internal codes from 512 on, which no UAPI header
// has), checks that strace names every code alike, and takes the messages
// from strerror, or from strace itself for ERESTART*.
func errnoTable(include, src string) ([]errnoRow, error) {
	names := map[int]string{}
	for _, h := range []string{"asm-generic/errno-base.h", "asm-generic/errno.h"} {
		b, err := os.ReadFile(filepath.Join(include, h))
		if err != nil {
			return nil, fmt.Errorf("%w (install linux-libc-dev)", err)
		}
		for _, m := range errnoDefine.FindAllStringSubmatch(string(b), -1) {
			nr, _ := strconv.Atoi(m[2])
			if _, dup := names[nr]; !dup { // aliases (EDEADLOCK) are defined by name, not number
				names[nr] = m[1]
			}
		}
	}
	straceNames, err := parseErrnoent(filepath.Join(src, "src/linux/generic/errnoent.h"))
	if err != nil {
		return nil, err
	}
	for nr, sname := range straceNames {
		if kname, ok := names[nr]; ok {
			if kname != sname {
				return nil, fmt.Errorf("errno %d is %s in the UAPI headers but %s in strace", nr, kname, sname)
			}
			continue
		}
		if nr < 512 {
			return nil, fmt.Errorf("errno %d (%s) is in strace but not in the UAPI headers", nr, sname)
		}
		names[nr] = sname
	}
	restart, err := restartMessages(filepath.Join(src, "src/syscall.c"))
	if err != nil {
		return nil, err
	}
	max := 0
	for nr := range names {
		if nr > max {
			max = nr
		}
	}
	messages, err := strerrors(max)
	if err != nil {
		return nil, err
	}
	var rows []errnoRow
	for nr, name := range names {
		row := errnoRow{nr: nr, name: name, message: messages[nr]}
		if msg, ok := restart[name]; ok {
			row.message, row.restarts = msg, true
		}
		rows = append(rows, row)
	}
	if len(restart) != 4 {
		return nil, fmt.Errorf("expected the 4 ERESTART* texts in strace's syscall.c, found %d", len(restart))
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].nr < rows[j].nr })
	return rows, nil
}

func parseErrnoent(path string) (map[int]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	names := map[int]string{}
	for _, m := range regexp.MustCompile(`(?m)^\[\s*(\d+)\]\s*=\s*"(\w+)"`).FindAllStringSubmatch(string(b), -1) {
		nr, _ := strconv.Atoi(m[1])
		names[nr] = m[2]
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: no errno names found", path)
	}
	return names, nil
}

// restartMessages extracts strace's "= ? ERESTARTSYS (To be restarted if
// SA_RESTART is set)" texts.
func restartMessages(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	msgs := map[string]string{}
	for _, m := range regexp.MustCompile(`"= \? (ERESTART\w+) \(([^"]*)\)"`).FindAllStringSubmatch(string(b), -1) {
		msgs[m[1]] = m[2]
	}
	return msgs, nil
}

// strerrors runs the C library's strerror for 0..max in the C locale.
func strerrors(max int) (map[int]string, error) {
	dir, err := os.MkdirTemp("", "strerror-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	prog := `#include <stdio.h>
#include <string.h>
int main(void) { for (int i = 0; i <= ` + strconv.Itoa(max) + `; i++) printf("%d\t%s\n", i, strerror(i)); return 0; }
`
	if err := os.WriteFile(filepath.Join(dir, "strerror.c"), []byte(prog), 0o644); err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "strerror")
	if err := run(dir, "gcc", "-o", bin, "strerror.c"); err != nil {
		return nil, fmt.Errorf("compiling the strerror helper: %w (apt install gcc)", err)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		return nil, err
	}
	msgs := map[int]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		nr, msg, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, errors.New("strerror helper: bad line " + strconv.Quote(line))
		}
		n, _ := strconv.Atoi(nr)
		msgs[n] = msg
	}
	return msgs, nil
}

func writeErrnos(path string, prov provenance, rows []errnoRow) error {
	var b bytes.Buffer
	header(&b, prov)
	b.WriteString("// errnoTable is indexed by errno: its name and the text strace prints for it\n" +
		"// (strerror's, or strace's own for the ERESTART* codes, which it prints as \"= ?\").\n")
	b.WriteString("var errnoTable = [...]errnoEntry{\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "\t%d: {%q, %q, %t},\n", r.nr, r.name, r.message, r.restarts)
	}
	b.WriteString("}\n")
	return writeGo(path, b.Bytes())
}

// xlatSpec names one of strace's xlat tables (src/xlat/NAME.in: the names
// strace prints for a flag set or a set of values, in its printing order)
// and the UAPI headers that give the values.
type xlatSpec struct {
	file    string
	goName  string
	headers []string
	prelude string // C lines after the headers, for values no UAPI header defines
}

var xlatSpecs = []xlatSpec{
	{"open_access_modes", "openAccessModes", []string{"linux/fcntl.h"}, ""},
	{"open_mode_flags", "openModeFlags", []string{"linux/fcntl.h"}, ""},
	{"at_flags", "atFlags", []string{"linux/fcntl.h"}, ""},
	{"faccessat_flags", "faccessatFlags", []string{"linux/fcntl.h"}, ""},
	{"access_modes", "accessModes", nil, ""},
	{"at_statx_sync_types", "statxSyncTypes", []string{"linux/fcntl.h"}, ""},
	{"statx_masks", "statxMasks", []string{"linux/stat.h"}, ""},
	{"rename_flags", "renameFlags", []string{"linux/fs.h"}, ""},
	{"mmap_prot", "mmapProt", []string{"asm/mman.h"}, ""},
	{"mmap_flags", "mmapFlags", []string{"asm/mman.h", "linux/mman.h"}, ""},
	{"whence_codes", "whenceCodes", []string{"linux/fs.h"}, ""},
	{"sigprocmaskcmds", "sigprocmaskCmds", []string{"asm/signal.h"}, ""},
	{"fdflags", "fdFlags", []string{"linux/fcntl.h"}, ""},
	{"clocknames", "clockNames", []string{"linux/time.h"}, ""},
	{"fcntlcmds", "fcntlCmds", []string{"linux/fcntl.h"}, ""},
	{"clone_flags", "cloneFlags", []string{"linux/sched.h"}, ""},
	{"wait4_options", "wait4Options", []string{"linux/wait.h"}, ""},
	{"archvals", "archPrctlCodes", nil, ""},
	{"resources", "rlimitResources", []string{"asm/resource.h"}, ""},
	{"getrandom_flags", "getrandomFlags", []string{"linux/random.h"}, ""},
	{"madvise_cmds", "madviseAdvice", []string{"asm/mman.h"}, ""},
	{"futexops", "futexOps", []string{"linux/futex.h"}, ""},
	{"futexbitset", "futexBitset", []string{"linux/futex.h"}, ""},
	{"xattrflags", "xattrFlags", nil, ""},
	{"advise", "fadviseAdvice", []string{"linux/fadvise.h"}, ""},
	{"addrfams", "addressFamilies", []string{"linux/socket.h"}, ""},
	{"socktypes", "socketTypes", nil, ""},
	// The kernel's include/linux/net.h, which UAPI does not export,
	// defines SOCK_CLOEXEC and SOCK_NONBLOCK as the open flags.
	{"sock_type_flags", "socketTypeFlags", []string{"linux/fcntl.h"},
		"#define SOCK_CLOEXEC O_CLOEXEC\n#define SOCK_NONBLOCK O_NONBLOCK\n"},
	{"inet_protocols", "inetProtocols", []string{"linux/in.h"}, ""},
	{"netlink_protocols", "netlinkProtocols", []string{"linux/netlink.h"}, ""},
}

// archConstSpecs are single values the decoder needs: Go name, C name and
// header.
var archConstSpecs = []struct{ goName, cName, header string }{
	{"atFdcwd", "AT_FDCWD", "linux/fcntl.h"},
	{"oCreat", "O_CREAT", "linux/fcntl.h"},
	{"oTmpfileFlag", "__O_TMPFILE", "linux/fcntl.h"},
	{"oAccmode", "O_ACCMODE", "linux/fcntl.h"},
	{"atStatxSyncType", "AT_STATX_SYNC_TYPE", "linux/fcntl.h"},
	{"cloneSignalMask", "CSIGNAL", "linux/sched.h"},
	{"mapType", "MAP_TYPE", "asm/mman.h"},
	{"mapHugeShift", "MAP_HUGE_SHIFT", "linux/mman.h"},
	{"mapHugeMask", "MAP_HUGE_MASK", "linux/mman.h"},
	{"sigRtMin", "SIGRTMIN", "asm/signal.h"},
	// x86's asm/signal.h defines SIGRTMAX as _NSIG only for the kernel;
	// asm-generic's _NSIG is the same 64 on both arches.
	{"sigRtMax", "_NSIG", "asm-generic/signal.h"},
}

// xlatEntry is one name of an xlat with its value on an arch.
type xlatEntry struct {
	name  string
	value uint64
}

// xlatLine is an entry of an .in file, or a preprocessor line kept as is.
type xlatLine struct {
	directive string // a C preprocessor line; "" for an entry
	name      string
	value     string // the fallback value strace gives; "" when none
}

// xlatDirectives are the .in files' own directives, not C.
var xlatDirectives = []string{"#unconditional", "#value_indexed", "#sorted", "#enum", "#val_type", "#conditional"}

func parseXlat(path string) ([]xlatLine, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var lines []xlatLine
	inComment := false
	for _, raw := range strings.Split(string(b), "\n") {
		line := strings.TrimSpace(raw)
		if inComment {
			if strings.Contains(line, "*/") {
				inComment = false
			}
			continue
		}
		if strings.HasPrefix(line, "/*") {
			inComment = !strings.Contains(line, "*/")
			continue
		}
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			own := false
			for _, d := range xlatDirectives {
				if strings.HasPrefix(line, d) {
					own = true
				}
			}
			if !own {
				lines = append(lines, xlatLine{directive: line})
			}
			continue
		}
		if i := strings.Index(line, "/*"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		name, value, _ := strings.Cut(line, " ")
		if j := strings.IndexByte(name, '\t'); j >= 0 {
			name, value = name[:j], name[j+1:]+" "+value
		}
		lines = append(lines, xlatLine{name: name, value: strings.TrimSpace(value)})
	}
	return lines, nil
}

// cValues compiles (never links or runs) a C file for the arch that stores
// each value in a variable, and reads the values back from the assembly.
// Entries the headers do not define and that have no fallback are left out.
func cValues(a arch, headers []string, lines []xlatLine) ([]xlatEntry, error) {
	var prog strings.Builder
	for _, h := range headers {
		prog.WriteString("#include <" + h + ">\n")
	}
	var names []string
	for _, l := range lines {
		if l.directive != "" {
			prog.WriteString(l.directive + "\n")
			continue
		}
		v := "xlat_value_" + strconv.Itoa(len(names))
		names = append(names, l.name)
		if !identifier.MatchString(l.name) {
			// A combination printed as written (FUTEX_FD|FUTEX_PRIVATE_FLAG).
			fmt.Fprintf(&prog, "unsigned long long %s = (unsigned long long)(%s);\n", v, l.name)
			continue
		}
		fmt.Fprintf(&prog, "#if defined(%s)\nunsigned long long %s = (unsigned long long)(%s);\n", l.name, v, l.name)
		if l.value != "" {
			fmt.Fprintf(&prog, "#else\nunsigned long long %s = (unsigned long long)(%s);\n", v, l.value)
		}
		prog.WriteString("#endif\n")
	}
	asm, err := a.gcc(prog.String(), "-S", "-O0", "-fno-common")
	if err != nil {
		return nil, err
	}
	values := map[int]uint64{}
	asmLines := strings.Split(string(asm), "\n")
	for i, line := range asmLines {
		label, ok := strings.CutSuffix(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(label, "xlat_value_") || i+1 >= len(asmLines) {
			continue
		}
		k, _ := strconv.Atoi(strings.TrimPrefix(label, "xlat_value_"))
		f := strings.Fields(asmLines[i+1])
		switch {
		case len(f) == 2 && f[0] == ".quad":
			v, err := strconv.ParseInt(f[1], 0, 64)
			if err != nil {
				u, uerr := strconv.ParseUint(f[1], 0, 64)
				if uerr != nil {
					return nil, fmt.Errorf("value of %s: %q", names[k], f[1])
				}
				v = int64(u)
			}
			values[k] = uint64(v)
		case len(f) == 2 && f[0] == ".zero":
			values[k] = 0
		default:
			return nil, fmt.Errorf("value of %s: unexpected assembly %q", names[k], asmLines[i+1])
		}
	}
	var entries []xlatEntry
	for k, name := range names {
		if v, ok := values[k]; ok {
			entries = append(entries, xlatEntry{name: name, value: v})
		}
	}
	return entries, nil
}

var identifier = regexp.MustCompile(`^[A-Za-z_]\w*$`)

// namedXlat is a generated table: its Go name, source and entries.
type namedXlat struct {
	spec    xlatSpec
	entries []xlatEntry
}

func archXlats(a arch, src string) ([]namedXlat, error) {
	var out []namedXlat
	for _, spec := range xlatSpecs {
		lines, err := parseXlat(filepath.Join(src, "src/xlat", spec.file+".in"))
		if err != nil {
			return nil, err
		}
		if spec.prelude != "" {
			lines = append([]xlatLine{{directive: spec.prelude}}, lines...)
		}
		entries, err := cValues(a, spec.headers, lines)
		if err != nil {
			return nil, fmt.Errorf("xlat %s: %w", spec.file, err)
		}
		if len(entries) == 0 {
			return nil, fmt.Errorf("xlat %s: no entry has a value", spec.file)
		}
		out = append(out, namedXlat{spec: spec, entries: entries})
	}
	return out, nil
}

// archConst is one generated constant.
type archConst struct {
	goName, cName string
	value         uint64
}

func archConstants(a arch) ([]archConst, error) {
	var out []archConst
	for _, c := range archConstSpecs {
		e, err := cValues(a, []string{c.header}, []xlatLine{{name: c.cName}})
		if err != nil {
			return nil, err
		}
		if len(e) != 1 {
			return nil, fmt.Errorf("%s is not defined by %s", c.cName, c.header)
		}
		out = append(out, archConst{goName: c.goName, cName: c.cName, value: e[0].value})
	}
	return out, nil
}

// signalNames reads strace's signalent.h for the arch (the generic one
// when the arch has none): the name of each signal number up to SIGRTMIN.
func signalNames(a arch, src string) ([]string, error) {
	path := filepath.Join(src, "src/linux", a.strace, "signalent.h")
	if _, err := os.Stat(path); err != nil {
		path = filepath.Join(src, "src/linux/generic/signalent.h")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^\s*"(\w+)",\s*/\*\s*(\d+)\s*\*/`).FindAllStringSubmatch(string(b), -1) {
		if n, _ := strconv.Atoi(m[2]); n != len(names) {
			return nil, fmt.Errorf("%s: signal %s is number %s, expected %d", path, m[1], m[2], len(names))
		}
		names = append(names, m[1])
	}
	if len(names) < 32 {
		return nil, fmt.Errorf("%s: only %d signals found", path, len(names))
	}
	return names, nil
}

// writeNames writes the syscall names of every arch into one file that
// builds on every GOARCH, for what names calls of another machine (seccomp
// profiles); the tables of syscalls_GOARCH.go serve the machine's tracer.
func writeNames(path string, prov provenance, tables map[string][]syscallRow) error {
	var b bytes.Buffer
	header(&b, prov)
	for _, goarch := range []string{"amd64", "arm64"} {
		fmt.Fprintf(&b, "// %sSyscallNames is indexed by %s syscall number: the names of\n"+
			"// syscallTable, on every GOARCH. Unused numbers are \"\".\n", goarch, goarch)
		fmt.Fprintf(&b, "var %sSyscallNames = [...]string{\n", goarch)
		for _, r := range tables[goarch] {
			fmt.Fprintf(&b, "\t%d: %q,\n", r.nr, r.name)
		}
		b.WriteString("}\n\n")
	}
	return writeGo(path, b.Bytes())
}

func writeArch(path string, prov provenance, goarch string, rows []syscallRow, xlats []namedXlat, consts []archConst, signals []string, ioctls []ioctlName) error {
	var b bytes.Buffer
	header(&b, prov)
	fmt.Fprintf(&b, "// syscallTable is indexed by %s syscall number: strace's name, its argument\n"+
		"// count and classes. Numbers without a row are unknown (syscall_0x...).\n", goarch)
	b.WriteString("var syscallTable = [...]syscallEntry{\n")
	for _, r := range rows {
		classes := "0"
		if len(r.classes) > 0 {
			classes = strings.Join(r.classes, " | ")
		}
		fmt.Fprintf(&b, "\t%d: {%q, %d, %s},\n", r.nr, r.name, r.nargs, classes)
	}
	b.WriteString("}\n\n")

	b.WriteString("// Values of the UAPI headers the decoder needs.\nconst (\n")
	for _, c := range consts {
		fmt.Fprintf(&b, "\t%s = %d // %s\n", c.goName, int64(c.value), c.cName)
	}
	b.WriteString(")\n\n")

	for _, x := range xlats {
		fmt.Fprintf(&b, "// %s is strace's xlat/%s.in, in its order, with %s values.\n", x.spec.goName, x.spec.file, goarch)
		fmt.Fprintf(&b, "var %s = xlat{\n", x.spec.goName)
		for _, e := range x.entries {
			fmt.Fprintf(&b, "\t{%#x, %q},\n", e.value, e.name)
		}
		b.WriteString("}\n\n")
	}

	b.WriteString("// ioctlTable holds strace's ioctl command names (ioctls_inc0.h and ioctls_arch0.h)\n" +
		"// sorted by code, then name, as strace sorts them.\n")
	b.WriteString("var ioctlTable = [...]ioctlEntry{\n")
	for _, io := range ioctls {
		fmt.Fprintf(&b, "\t{%#x, %q},\n", io.code, io.name)
	}
	b.WriteString("}\n\n")

	b.WriteString("// signalNames are strace's names of the signals below SIGRTMIN and SIGRTMIN itself;\n" +
		"// strace prints 0 as a number, and SIGRTMIN+n as SIGRT_n.\n")
	b.WriteString("var signalNames = [...]string{\n")
	for i, n := range signals {
		if i == 0 {
			continue
		}
		fmt.Fprintf(&b, "\t%d: %q,\n", i, n)
	}
	b.WriteString("}\n")
	return writeGo(path, b.Bytes())
}

// ioctlName is one ioctl command: its full code and name.
type ioctlName struct {
	code uint32
	name string
}

var ioctlRow = regexp.MustCompile(`\{\s*"([^"]*)",\s*"(\w+)",\s*([\w|]+),\s*(0x[0-9a-fA-F]+|0),\s*(0x[0-9a-fA-F]+|0)\s*\}`)

// ioctlNames reads strace's ioctl tables for the arch and sorts them as
// its ioctlsort does into ioctlent0.h: each row gives a header, a name, the
// direction, type and number, and size, which make the code as _IOC()
// does; of several rows with one name, the one of the first header wins
// (asm/ before asm-generic/, then alphabetically).
func ioctlNames(a arch, src string) ([]ioctlName, error) {
	dirs := map[string]uint32{"0": 0, "_IOC_NONE": 0, "_IOC_WRITE": 1, "_IOC_READ": 2}
	type row struct {
		header string
		ioctlName
	}
	best := map[string]row{}
	headerLess := func(h1, h2 string) bool {
		asm1, asm2 := strings.HasPrefix(h1, "asm/"), strings.HasPrefix(h2, "asm/")
		gen1, gen2 := strings.HasPrefix(h1, "asm-generic/"), strings.HasPrefix(h2, "asm-generic/")
		if asm1 && gen2 {
			return true
		}
		if asm2 && gen1 {
			return false
		}
		return h1 < h2
	}
	for _, f := range []string{"src/linux/64/ioctls_inc.h", "src/linux/" + a.strace + "/ioctls_arch0.h"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			return nil, err
		}
		for _, m := range ioctlRow.FindAllStringSubmatch(string(b), -1) {
			var dir uint32
			for _, d := range strings.Split(m[3], "|") {
				v, ok := dirs[d]
				if !ok {
					return nil, fmt.Errorf("%s: %s: unknown direction %s", f, m[2], d)
				}
				dir |= v
			}
			nr, _ := strconv.ParseUint(m[4], 0, 32)
			size, _ := strconv.ParseUint(m[5], 0, 32)
			r := row{header: m[1], ioctlName: ioctlName{code: dir<<30 | uint32(size)<<16 | uint32(nr), name: m[2]}}
			if old, dup := best[r.name]; !dup || headerLess(r.header, old.header) {
				best[r.name] = r
			}
		}
	}
	var out []ioctlName
	for _, r := range best {
		out = append(out, r.ioctlName)
	}
	if len(out) < 100 {
		return nil, fmt.Errorf("only %d ioctls found", len(out))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].code != out[j].code {
			return out[i].code < out[j].code
		}
		return out[i].name < out[j].name
	})
	return out, nil
}
