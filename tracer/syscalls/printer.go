// Package syscalls knows the system calls of each architecture and prints
// them as strace does: names, argument counts and strace's classes, errno
// names and messages, flag names (generated from the kernel's headers,
// strace's own tables and the C library by scripts/gen-syscalls), the
// arguments a tracer must read from user memory, and the Printer that
// turns a raw call into strace's text. The eBPF backend prints with it;
// both backends check -e names against it. It has no Linux-only code, so
// that stracectl builds everywhere; the tables exist for amd64 and arm64.
package syscalls

import (
	"errors"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"unsafe"

	"github.com/stracectl/stracectl/parse"
)

//go:generate go run ../../scripts/gen-syscalls -out .

// Call is one completed system call as the eBPF program reports it,
// before decoding.
type Call struct {
	Nr       uint32                // syscall number
	Args     [6]uint64             // arguments at entry
	Ret      int64                 // return value; -errno on failure
	Returned bool                  // false for calls that never return (exit, exit_group); an execve that succeeded is true
	Caps     [MaxCaptures]Captured // what was read of the arguments Captures(Nr) lists, in its order
	Argv     []Captured            // the entries read of a CaptureArgv argument, in order
	// Fds are the paths of the descriptors among the arguments (0-5),
	// of the result (6) and of a pair the call filled in (7, 8), when
	// asked for (-y); the zero FdPath where there is none.
	Fds [9]FdPath
}

// Indexes of Call.Fds beyond the arguments.
const (
	FdResult = 6 // the descriptor the call returned
	FdPair   = 7 // the first of two descriptors the call filled in (pipe2); the second is FdPair+1
)

// FdPath is what the eBPF program read of a descriptor's file: the names
// of its path from the leaf up, or, for a pipe, socket or anonymous inode,
// the file system's magic number, the inode number and the name.
type FdPath struct {
	Known   bool     // the descriptor was looked up
	Parts   [][]byte // the path's components, leaf first (none: "/")
	Special bool     // a pseudo file system: Magic, Ino and Name are set
	Magic   uint32
	Ino     uint64
	Name    []byte
}

// Reset empties p for reuse, keeping its storage.
func (p *FdPath) Reset() {
	*p = FdPath{Parts: p.Parts[:0]}
}

// MaxCaptures is how many arguments of one call the eBPF program reads.
const MaxCaptures = 4

// Captured is user memory the eBPF program read for one argument.
//
// Data is nil only when nothing is there: an argument not read (a NULL
// pointer, a call that failed), or memory that could not be read (then
// Faulted is set). An empty string that was read is a non-nil empty slice.
type Captured struct {
	Data      []byte // bytes read (a string without its NUL; a count as 4 little-endian bytes)
	Truncated bool   // there was more than was read: strace's "..."
	Faulted   bool   // could not be read: the pointer is printed, as strace does
	More      bool   // argv only: entries follow that were not read
}

// Capture says which argument of a call the eBPF program reads from user
// memory, how, and when.
type Capture struct {
	Arg    uint8       // the argument: a pointer
	Kind   CaptureKind // how it is read
	LenArg uint8       // the argument holding its length (NoLenArg: none)
	Size   uint16      // the bytes of a struct
}

// NoLenArg is Capture.LenArg when no argument gives the length.
const NoLenArg = 0xff

// CaptureKind says how an argument is read; the values are ebpf.c's enum
// capture_kind (a test in tracer/ebpf checks them).
type CaptureKind uint8

const (
	// CapturePath is a NUL-terminated string read at entry: a path,
	// printed in full as strace does.
	CapturePath CaptureKind = iota + 1
	// CaptureArgv is a char*[] ending in NULL: its first entries, read at
	// entry, each cut at the string limit (Call.Argv).
	CaptureArgv
	// CaptureCount is a char*[]: the number of its entries (envp).
	CaptureCount
	// CaptureBufIn is a buffer read at entry, of the length argument
	// LenArg gives, cut at the string limit (write).
	CaptureBufIn
	// CaptureBufOut is a buffer read at exit, as many bytes as the call
	// returned, cut at the string limit (read).
	CaptureBufOut
	// CaptureStructIn is a struct of Size bytes read at entry.
	CaptureStructIn
	// CaptureStructOut is a struct of Size bytes read at exit, when the
	// call succeeded.
	CaptureStructOut
	// CapturePathOut is a NUL-terminated string read at exit (getcwd).
	CapturePathOut
	// CaptureDirents is the number of directory entries a getdents64 call
	// returned.
	CaptureDirents
	// CaptureSockaddrIn is a socket address read at entry, of the length
	// argument LenArg gives.
	CaptureSockaddrIn
	// CaptureSockaddrOut is a socket address read at exit, of the length
	// that the socklen_t argument LenArg points to.
	CaptureSockaddrOut
)

// syscallClass is a set of strace's syscall classes (%file, %net ...), with
// strace's bit values (see straceclasses.go).
type syscallClass uint32

// syscallEntry is one row of the generated syscall table.
type syscallEntry struct {
	name    string       // as strace prints it; "" for an unused number
	nargs   uint8        // arguments strace prints
	classes syscallClass // strace's classes of the call
}

// errnoEntry is one row of the generated errno table.
type errnoEntry struct {
	name     string // ENOENT
	message  string // No such file or directory
	restarts bool   // an ERESTART* code: strace prints "= ? NAME (message)"
}

// xlat is a table of names for values or flags, in strace's printing order
// (generated from strace's xlat/*.in with each arch's values).
type xlat []struct {
	value uint64
	name  string
}

// ioctlEntry is one ioctl command name of the generated table.
type ioctlEntry struct {
	code uint32
	name string
}

// Captures returns what the eBPF program must read from user memory for
// call nr: nil for calls with no strings, at most MaxCaptures slots in all.
func Captures(nr uint32) []Capture {
	if int(nr) >= len(callDecoders) {
		return nil
	}
	return callDecoders[nr].captures
}

// Closest returns the syscall name or class nearest to name (the fewest
// edits, at most a third of its length), "" when none is near: the
// suggestion for a mistyped -e.
func Closest(name string) string {
	best, bestDist := "", max(2, len(name)/3)+1
	try := func(cand string) {
		if d := editDistance(name, cand); d < bestDist {
			best, bestDist = cand, d
		}
	}
	for _, e := range syscallTable {
		if e.name != "" {
			try(e.name)
		}
	}
	for _, c := range classNames {
		try(c.name)
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Bits of FdArgs beyond the arguments' (bit i: argument i is a descriptor).
const (
	FdArgResult = 1 << 6 // the result is a new descriptor
	FdArgPair   = 1 << 7 // argument 0 points to two descriptors the call fills in
)

// FdArgs says which arguments and results of call nr are file
// descriptors, for -y: bit i for argument i, FdArgResult, FdArgPair.
func FdArgs(nr uint32) uint8 {
	if int(nr) >= len(callDecoders) {
		return 0
	}
	return callDecoders[nr].fdArgs
}

// Name returns strace's name for call nr, or "syscall_0x..." (as
// strace prints it) for a number it does not know.
func Name(nr uint32) string {
	if int(nr) < len(syscallTable) && syscallTable[nr].name != "" {
		return syscallTable[nr].name
	}
	return "syscall_0x" + strconv.FormatUint(uint64(nr), 16)
}

// Numbers resolves -e selections to syscall numbers, as strace's
// -e trace= does: names ("openat"), classes ("%file", "%net", "%process" ...,
// any case), numbers ("257"), regular expressions ("/^open"), "all"; a
// leading "?" makes an entry that selects nothing acceptable, and a leading
// "!" on the first entry inverts the whole selection. The result is sorted
// and without duplicates.
func Numbers(specs []string) ([]uint32, error) {
	var selected [len(syscallTable)]bool
	invert := false
	for i, spec := range specs {
		spec = strings.TrimSpace(spec)
		if i == 0 {
			for strings.HasPrefix(spec, "!") {
				invert = !invert
				spec = spec[1:]
			}
		}
		optional := false
		for strings.HasPrefix(spec, "?") {
			optional = true
			spec = spec[1:]
		}
		found, err := selectSyscalls(spec, &selected)
		if err != nil {
			return nil, err
		}
		if !found && !optional {
			if spec == "" {
				return nil, errors.New("empty syscall name in -e — give names or classes separated by commas, e.g. -e openat,%net")
			}
			msg := "unknown syscall or class " + strconv.Quote(spec) + " in -e"
			if near := Closest(spec); near != "" {
				msg += " — did you mean " + near + "?"
			}
			return nil, errors.New(msg + " (names are those strace prints, see `man syscalls`; classes are " + classList() + ")")
		}
	}
	var nrs []uint32
	for nr, on := range selected {
		if on != invert && syscallTable[nr].name != "" {
			nrs = append(nrs, uint32(nr))
		}
	}
	return nrs, nil
}

// selectSyscalls marks the calls one -e entry selects; found is false when
// it selects none.
func selectSyscalls(spec string, selected *[len(syscallTable)]bool) (found bool, err error) {
	switch {
	case spec == "":
		return false, nil
	case spec == "none":
		return true, nil
	case spec != "" && spec[0] >= '0' && spec[0] <= '9':
		nr, err := strconv.ParseUint(spec, 10, 32)
		if err != nil || nr >= uint64(len(syscallTable)) || syscallTable[nr].name == "" {
			return false, nil
		}
		selected[nr] = true
		return true, nil
	case strings.HasPrefix(spec, "/"):
		re, err := regexp.Compile(spec[1:])
		if err != nil {
			return false, errors.New("bad regular expression " + strconv.Quote(spec) + " in -e: " + err.Error())
		}
		for nr, e := range syscallTable {
			if e.name != "" && re.MatchString(e.name) {
				selected[nr], found = true, true
			}
		}
		return found, nil
	}
	for _, c := range classNames {
		if strings.EqualFold(c.name, spec) {
			for nr, e := range syscallTable {
				if e.name != "" && e.classes&c.class == c.class {
					selected[nr] = true
				}
			}
			return true, nil
		}
	}
	for nr, e := range syscallTable {
		if e.name == spec {
			selected[nr], found = true, true
		}
	}
	return found, nil
}

// classList names the -e classes for an error message.
func classList() string {
	var b strings.Builder
	for _, c := range classNames {
		if strings.HasPrefix(c.name, "%") && !strings.HasPrefix(c.name, "%%") {
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			b.WriteString(c.name)
		}
	}
	return b.String()
}

// Arena sizes: decoded text is appended to a byte arena and Args are cut
// from a string arena; a full arena is replaced, never rewritten, so the
// strings of events already handed out stay valid (as parse.Parser does).
const (
	decodeArenaSize = 64 << 10
	argsArenaSize   = 4 << 10
)

// Printer prints raw calls as strace prints them: it fills an Event's
// name, arguments and result with strace's text. It is not safe for
// concurrent use; one Printer serves one ring buffer reader.
type Printer struct {
	stringLimit int      // -s: longest non-path string shown
	arena       []byte   // text of decoded arguments, names and results
	building    int      // start in arena of the string being built
	args        []string // backing store of Args slices
}

// NewPrinter returns a Printer showing strings of at most stringLimit
// bytes (strace -s: 0 shows none, ""...). Paths are printed in full
// whatever the limit, as strace does.
func NewPrinter(stringLimit int) *Printer {
	return &Printer{stringLimit: max(stringLimit, 0)}
}

// Print fills ev's call fields from c, in strace's text: Syscall, Args, Ret, Returned,
// Retval, HasRetval, Errno, Errmsg (and Note where strace prints one it can
// know). Other fields of ev are left alone. The strings it sets stay valid
// after later calls.
func (d *Printer) Print(ev *parse.Event, c *Call) {
	cd := &unknownCall
	if int(c.Nr) < len(callDecoders) && syscallTable[c.Nr].name != "" {
		cd = &callDecoders[c.Nr]
		ev.Syscall = syscallTable[c.Nr].name
	} else {
		d.begin()
		d.appendString("syscall_0x")
		d.appendUint(uint64(c.Nr), 16)
		ev.Syscall = d.end()
	}
	ev.Args = d.decodeArgs(cd, c)
	d.decodeResult(ev, cd, c)
}

// decodeResult fills the result fields as strace prints the result.
func (d *Printer) decodeResult(ev *parse.Event, cd *callDecoder, c *Call) {
	ev.Errno, ev.Errmsg, ev.Note = "", "", ""
	ev.Retval, ev.HasRetval = 0, false
	if !c.Returned {
		// strace prints "= ?" for a call that never returned (exit,
		// exit_group, a call cut short by SIGKILL), and so do we.
		ev.Ret, ev.Returned = "?", true
		return
	}
	ev.Returned = true
	if c.Ret < 0 && c.Ret >= -maxErrno {
		errno := -c.Ret
		if errno < int64(len(errnoTable)) && errnoTable[errno].name != "" {
			e := &errnoTable[errno]
			ev.Errno, ev.Errmsg = e.name, e.message
			if e.restarts {
				ev.Ret = "?"
				return
			}
		} else {
			d.begin()
			d.appendString("errno ")
			d.appendUint(uint64(errno), 10)
			ev.Note = d.end()
		}
		ev.Ret, ev.Retval, ev.HasRetval = "-1", -1, true
		return
	}
	ev.Retval, ev.HasRetval = c.Ret, true
	switch cd.ret {
	case retHex:
		ev.Ret = d.hexOrZero(uint64(c.Ret))
	case retOctal:
		ev.Ret = d.octalMode(uint64(c.Ret))
	case retFcntl:
		d.fcntlResult(ev, c, c.Args[1], c.Ret)
	case retFd:
		ev.Ret = d.fdArg(c.Ret, &c.Fds[FdResult])
	default:
		ev.Ret = d.decimal(c.Ret)
	}
}

// maxErrno is the largest errno a syscall returns as -errno (the kernel's
// MAX_ERRNO): strace reads a result in [-4095, -1] as a failure.
const maxErrno = 4095

// newArgs returns an empty slice with room for n arguments, cut from the
// string arena.
func (d *Printer) newArgs(n int) []string {
	if cap(d.args)-len(d.args) < n {
		d.args = make([]string, 0, argsArenaSize)
	}
	start := len(d.args)
	d.args = d.args[:start+n]
	return d.args[start : start : start+n]
}

// decodeArgs prints the arguments of c as strace does.
func (d *Printer) decodeArgs(cd *callDecoder, c *Call) []string {
	args := d.newArgs(len(cd.args))
	for i, kind := range cd.args {
		v := c.Args[i]
		var cap *Captured
		if slot := cd.slots[i]; slot > 0 {
			cap = &c.Caps[slot-1]
		}
		switch kind {
		case argPath:
			args = append(args, d.pathArg(v, cap, false))
		case argStr:
			args = append(args, d.pathArg(v, cap, true))
		case argArgv:
			args = append(args, d.argvArg(v, c.Argv))
		case argSocketProtocol:
			args = append(args, d.socketProtocol(c.Args[0], v))
		case argClone:
			if i == 0 {
				args = d.cloneArgs(args, c)
			}
		case argFutex:
			if i == 0 {
				args = d.futexArgs(args, c)
			}
		case argFcntlArg:
			if arg, ok := d.fcntlArg(c.Args[1], v); ok {
				args = append(args, arg)
			}
		case argOpenMode:
			// strace prints open's mode only when the flags before it use it.
			if i > 0 && c.Args[i-1]&(oCreat|oTmpfileFlag) != 0 {
				args = append(args, d.octalMode(v))
			}
		case argFd:
			args = append(args, d.fdArg(int64(int32(v)), &c.Fds[i]))
		case argDirfd:
			args = append(args, d.dirfdArg(int64(int32(v)), &c.Fds[i]))
		case argFdPair:
			args = append(args, d.structArg(v, cap, 8, func(b []byte) { d.appendFdPair(b, &c.Fds[FdPair], &c.Fds[FdPair+1]) }))
		case argEnvp:
			args = append(args, d.countArg(v, cap, "vars"))
		case argDirents:
			args = append(args, d.countArg(v, cap, "entries"))
		case argBufIn, argBufOut, argPathOut:
			args = append(args, d.bufferArg(v, cap))
		case argSockaddr, argOldSockaddr:
			args = append(args, d.sockaddrArg(v, cap))
		case argStat:
			args = append(args, d.structArg(v, cap, statLayout.size, d.appendStat))
		case argStatx:
			args = append(args, d.structArg(v, cap, statxSize, d.appendStatx))
		case argSigaction, argOldSigaction:
			args = append(args, d.structArg(v, cap, sigactionSize, d.appendSigaction))
		case argSigset, argOldSigset:
			args = append(args, d.structArg(v, cap, sigsetSize, func(b []byte) { d.appendSigset(le64(b, 0)) }))
		case argWaitStatus:
			args = append(args, d.structArg(v, cap, 4, func(b []byte) { d.appendWaitStatus(le32(b, 0)) }))
		case argRlim, argOldRlim:
			args = append(args, d.structArg(v, cap, rlimitSize, d.appendRlimit))
		case argTimespec, argOldTimespec:
			args = append(args, d.structArg(v, cap, timespecSize, d.appendTimespec))
		case argUtsname:
			args = append(args, d.structArg(v, cap, utsnameSize, d.appendUtsname))
		default:
			args = append(args, d.valueArg(kind, v))
		}
	}
	return args
}

// structArg prints the struct at ptr with print when it was read whole,
// else the pointer, as strace does for memory it cannot read.
func (d *Printer) structArg(ptr uint64, s *Captured, size int, print func([]byte)) string {
	if ptr == 0 {
		return "NULL"
	}
	if s == nil || !captured(s) || len(s.Data) < size {
		return d.hexOrZero(ptr)
	}
	d.begin()
	print(s.Data)
	return d.end()
}

// valueArg prints an argument that is a plain value.
func (d *Printer) valueArg(kind argKind, v uint64) string {
	switch kind {
	case argPtr:
		if v == 0 {
			return "NULL"
		}
		return d.hexOrZero(v)
	case argInt:
		return d.decimal(int64(int32(v)))
	case argUint:
		return d.unsigned(uint64(uint32(v)))
	case argLong:
		return d.decimal(int64(v))
	case argUlong:
		return d.unsigned(v)
	case argDirfd:
		if int32(v) == atFdcwd {
			return "AT_FDCWD"
		}
		return d.decimal(int64(int32(v)))
	case argMode:
		return d.octalMode(v)
	case argOpenFlags:
		return d.openFlags(v)
	case argOpenModeFlags:
		return d.flags(openModeFlags, uint64(uint32(v)), "O_???")
	case argAccessMode:
		return d.flags(accessModes, uint64(uint32(v)), "?_OK")
	case argAtFlags:
		return d.flags(atFlags, uint64(uint32(v)), "AT_???")
	case argAccessAtFlags:
		return d.flags(faccessatFlags, uint64(uint32(v)), "AT_???")
	case argStatxFlags:
		return d.statxFlags(uint64(uint32(v)))
	case argStatxMask:
		return d.flags(statxMasks, uint64(uint32(v)), "STATX_???")
	case argRenameFlags:
		return d.flags(renameFlags, uint64(uint32(v)), "RENAME_???")
	case argProt:
		return d.flags(mmapProt, v, "PROT_???")
	case argMapFlags:
		return d.mapFlags(v)
	case argWhence:
		return d.value(whenceCodes, uint64(uint32(v)), "SEEK_???")
	case argSigprocmaskHow:
		return d.value(sigprocmaskCmds, uint64(uint32(v)), "SIG_???")
	case argClock:
		return d.value(clockNames, uint64(uint32(v)), "CLOCK_???")
	case argSignal:
		return d.signal(int64(int32(v)))
	case argFcntlCmd:
		return d.value(fcntlCmds, uint64(uint32(v)), "F_???")
	case argWaitOptions:
		return d.flags(wait4Options, uint64(uint32(v)), "W???")
	case argArchPrctl:
		return d.value(archPrctlCodes, uint64(uint32(v)), "ARCH_???")
	case argRlimit:
		return d.value(rlimitResources, uint64(uint32(v)), "RLIMIT_???")
	case argGetrandomFlags:
		return d.flags(getrandomFlags, uint64(uint32(v)), "GRND_???")
	case argMadvise:
		return d.value(madviseAdvice, uint64(uint32(v)), "MADV_???")
	case argXattrFlags:
		return d.flags(xattrFlags, uint64(uint32(v)), "XATTR_???")
	case argSocketFamily:
		return d.value(addressFamilies, uint64(uint32(v)), "AF_???")
	case argSocketType:
		return d.socketType(uint64(uint32(v)))
	case argIoctlCmd:
		return d.ioctlCmd(uint32(v))
	case argFadvise:
		return d.value(fadviseAdvice, v, "POSIX_FADV_???")
	}
	return d.hexOrZero(v)
}

// ioctlCmd prints an ioctl command as strace does: its names joined by
// " or " when several share the code, else _IOC(dir, type, nr, size).
// (strace spells out a few families of unnamed codes, such as evdev's,
// in their own way; those print as _IOC here.)
func (d *Printer) ioctlCmd(code uint32) string {
	lo, hi := 0, len(ioctlTable)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if ioctlTable[mid].code < code {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(ioctlTable) && ioctlTable[lo].code == code && (lo+1 == len(ioctlTable) || ioctlTable[lo+1].code != code) {
		return ioctlTable[lo].name
	}
	d.begin()
	if lo < len(ioctlTable) && ioctlTable[lo].code == code {
		for i := lo; i < len(ioctlTable) && ioctlTable[i].code == code; i++ {
			if i > lo {
				d.appendString(" or ")
			}
			d.appendString(ioctlTable[i].name)
		}
		return d.end()
	}
	d.appendString("_IOC(")
	switch dir := code >> 30; dir {
	case 0:
		d.appendString("_IOC_NONE")
	case 1:
		d.appendString("_IOC_WRITE")
	case 2:
		d.appendString("_IOC_READ")
	default:
		d.appendString("_IOC_READ|_IOC_WRITE")
	}
	for _, v := range [3]uint32{code >> 8 & 0xff, code & 0xff, code >> 16 & 0x3fff} {
		d.appendString(", ")
		if v == 0 {
			d.appendString("0")
		} else {
			d.appendString("0x")
			d.appendUint(uint64(v), 16)
		}
	}
	d.appendString(")")
	return d.end()
}

// sockTypeMask is SOCK_TYPE_MASK of the kernel's include/linux/net.h,
// which UAPI does not export: the bits of a socket type below its flags.
const sockTypeMask = 0xf

// socketType prints a socket type as strace does: SOCK_STREAM|SOCK_CLOEXEC.
func (d *Printer) socketType(v uint64) string {
	d.begin()
	typ, found := v&sockTypeMask, false
	for _, e := range socketTypes {
		if e.value == typ {
			d.appendString(e.name)
			found = true
			break
		}
	}
	rest := v
	if found {
		rest = v &^ sockTypeMask
		if rest == 0 {
			return d.end()
		}
		d.appendString("|")
	}
	if !d.appendFlags(socketTypeFlags, rest) {
		if rest == 0 {
			d.appendString("0")
		} else {
			d.appendString("0x")
			d.appendUint(rest, 16)
			d.appendString(" /* SOCK_??? */")
		}
	}
	return d.end()
}

// Address families whose protocol numbers strace names.
var afInet, afInet6, afNetlink = addressFamily("AF_INET"), addressFamily("AF_INET6"), addressFamily("AF_NETLINK")

func addressFamily(name string) uint64 {
	for _, e := range addressFamilies {
		if e.name == name {
			return e.value
		}
	}
	panic("address family " + name + " missing from the generated table")
}

// socketProtocol prints socket's protocol as strace does for the family:
// IPPROTO_* for IPv4 and IPv6, NETLINK_* for netlink, else the number.
// (strace also names the protocols of rarer families; those print as
// numbers here.)
func (d *Printer) socketProtocol(family, v uint64) string {
	switch uint64(uint32(family)) {
	case afInet, afInet6:
		return d.value(inetProtocols, uint64(uint32(v)), "IPPROTO_???")
	case afNetlink:
		return d.value(netlinkProtocols, uint64(uint32(v)), "NETLINK_???")
	}
	return d.unsigned(v)
}

// fcntl commands whose third argument or result strace decodes.
var (
	fSetfd, fSetfl, fSetsig, fGetfd, fGetfl, fGetsig  = fcntlCmd("F_SETFD"), fcntlCmd("F_SETFL"), fcntlCmd("F_SETSIG"), fcntlCmd("F_GETFD"), fcntlCmd("F_GETFL"), fcntlCmd("F_GETSIG")
	fDupfd, fDupfdCloexec, fSetown, fSetpipeSz        = fcntlCmd("F_DUPFD"), fcntlCmd("F_DUPFD_CLOEXEC"), fcntlCmd("F_SETOWN"), fcntlCmd("F_SETPIPE_SZ")
	fGetown, fGetpipeSz, fGetlease, fGetSeals, fGetlk = fcntlCmd("F_GETOWN"), fcntlCmd("F_GETPIPE_SZ"), fcntlCmd("F_GETLEASE"), fcntlCmd("F_GET_SEALS"), fcntlCmd("F_GETLK")
	fSetlk, fSetlkw, fOfdGetlk, fOfdSetlk, fOfdSetlkw = fcntlCmd("F_SETLK"), fcntlCmd("F_SETLKW"), fcntlCmd("F_OFD_GETLK"), fcntlCmd("F_OFD_SETLK"), fcntlCmd("F_OFD_SETLKW")
	fSetownEx, fGetownEx                              = fcntlCmd("F_SETOWN_EX"), fcntlCmd("F_GETOWN_EX")
)

// fcntlCmd returns the value of a named fcntl command on this arch.
func fcntlCmd(name string) uint64 {
	for _, e := range fcntlCmds {
		if e.name == name {
			return e.value
		}
	}
	panic("fcntl command " + name + " missing from the generated table")
}

// fcntlArg prints fcntl's third argument as strace does for the command;
// ok is false for the commands strace prints with two arguments.
func (d *Printer) fcntlArg(cmd, v uint64) (text string, ok bool) {
	switch uint64(uint32(cmd)) {
	case fGetfd, fGetfl, fGetsig, fGetown, fGetpipeSz, fGetlease, fGetSeals:
		return "", false
	case fSetfd:
		return d.flags(fdFlags, v, "FD_???"), true
	case fSetfl:
		return d.openFlags(v), true
	case fSetsig:
		return d.signal(int64(int32(v))), true
	case fDupfd, fDupfdCloexec, fSetown, fSetpipeSz:
		return d.decimal(int64(v)), true
	case fGetlk, fSetlk, fSetlkw, fOfdGetlk, fOfdSetlk, fOfdSetlkw, fSetownEx, fGetownEx:
		if v == 0 {
			return "NULL", true
		}
	}
	return d.hexOrZero(v), true
}

// fcntlResult prints fcntl's result as strace does: hex with the flags for
// F_GETFD and F_GETFL, the signal's name for F_GETSIG.
func (d *Printer) fcntlResult(ev *parse.Event, c *Call, cmd uint64, ret int64) {
	switch uint64(uint32(cmd)) {
	case fDupfd, fDupfdCloexec:
		ev.Ret = d.fdArg(ret, &c.Fds[FdResult])
		return
	case fGetfd:
		if ret != 0 {
			ev.Ret = d.hexOrZero(uint64(ret))
			d.begin()
			d.appendString("flags ")
			if !d.appendFlags(fdFlags, uint64(ret)) {
				d.appendString("0x")
				d.appendUint(uint64(ret), 16)
			}
			ev.Note = d.end()
			return
		}
	case fGetfl:
		ev.Ret = d.hexOrZero(uint64(ret))
		d.begin()
		d.appendString("flags ")
		d.appendOpenFlags(uint64(ret))
		ev.Note = d.end()
		return
	case fGetsig:
		if ret > 0 && ret < int64(len(signalNames)) {
			ev.Note = signalNames[ret]
		}
	}
	ev.Ret = d.decimal(ret)
}

// cloneArgs prints clone's arguments as strace does: child_stack=, flags=
// with the exit signal, then parent_tid=, tls= and child_tidptr= when the
// flags use them. parent_tid is printed as the pointer (strace reads the
// tid written there).
func (d *Printer) cloneArgs(args []string, c *Call) []string {
	flags := c.Args[0] &^ cloneSignalMask
	sig := c.Args[0] & cloneSignalMask
	d.begin()
	d.appendString("child_stack=")
	d.appendPointer(c.Args[1])
	args = append(args, d.end())
	d.begin()
	d.appendString("flags=")
	if flags != 0 {
		if !d.appendFlags(cloneFlags, flags) {
			d.appendString("0x")
			d.appendUint(flags, 16)
			d.appendString(" /* CLONE_??? */")
		}
		if sig != 0 {
			d.appendString("|")
			d.appendString(d.signal(int64(sig)))
		}
	} else {
		d.appendString(d.signal(int64(sig)))
	}
	args = append(args, d.end())
	named := func(name string, flag string, v uint64) {
		if cloneFlagSet(flags, flag) {
			d.begin()
			d.appendString(name)
			d.appendPointer(v)
			args = append(args, d.end())
		}
	}
	named("parent_tid=", "CLONE_PARENT_SETTID", c.Args[2])
	if !cloneFlagSet(flags, "CLONE_PARENT_SETTID") {
		named("parent_tid=", "CLONE_PIDFD", c.Args[2])
	}
	named("tls=", "CLONE_SETTLS", c.Args[cloneTLSArg])
	if cloneFlagSet(flags, "CLONE_CHILD_SETTID") {
		named("child_tidptr=", "CLONE_CHILD_SETTID", c.Args[cloneChildTidArg])
	} else {
		named("child_tidptr=", "CLONE_CHILD_CLEARTID", c.Args[cloneChildTidArg])
	}
	return args
}

// futex operations whose arguments strace prints differently.
var (
	futexWait, futexWake, futexFd, futexRequeue, futexCmpRequeue = futexOp("FUTEX_WAIT"), futexOp("FUTEX_WAKE"), futexOp("FUTEX_FD"), futexOp("FUTEX_REQUEUE"), futexOp("FUTEX_CMP_REQUEUE")
	futexWakeOp, futexLockPi, futexUnlockPi, futexTrylockPi      = futexOp("FUTEX_WAKE_OP"), futexOp("FUTEX_LOCK_PI"), futexOp("FUTEX_UNLOCK_PI"), futexOp("FUTEX_TRYLOCK_PI")
	futexWaitBitset, futexWakeBitset, futexWaitRequeuePi         = futexOp("FUTEX_WAIT_BITSET"), futexOp("FUTEX_WAKE_BITSET"), futexOp("FUTEX_WAIT_REQUEUE_PI")
	futexCmpRequeuePi, futexLockPi2                              = futexOp("FUTEX_CMP_REQUEUE_PI"), futexOp("FUTEX_LOCK_PI2")
)

func futexOp(name string) uint64 {
	for _, e := range futexOps {
		if e.name == name {
			return e.value
		}
	}
	panic("futex operation " + name + " missing from the generated table")
}

// futexCmdMask keeps a futex operation's command (strace's op & 127).
const futexCmdMask = 127

// futexArgs prints futex's arguments as strace does: the address, the
// operation, then what the operation uses. A timeout is printed as its
// pointer (strace prints the timespec), and FUTEX_WAKE_OP's encoded
// operation as hex (strace spells it out).
func (d *Printer) futexArgs(args []string, c *Call) []string {
	op := uint64(uint32(c.Args[1]))
	val := d.unsigned(uint64(uint32(c.Args[2])))
	val2 := uint64(uint32(c.Args[3]))
	timeout, uaddr2, val3 := c.Args[3], c.Args[4], uint64(uint32(c.Args[5]))
	args = append(args, d.valueArg(argPtr, c.Args[0]), d.value(futexOps, op, "FUTEX_???"))
	switch op & futexCmdMask {
	case futexWait:
		args = append(args, val, d.valueArg(argPtr, timeout))
	case futexLockPi, futexLockPi2:
		args = append(args, d.valueArg(argPtr, timeout))
	case futexWaitBitset:
		args = append(args, val, d.valueArg(argPtr, timeout), d.value(futexBitset, val3, ""))
	case futexWakeBitset:
		args = append(args, val, d.value(futexBitset, val3, ""))
	case futexRequeue:
		args = append(args, val, d.unsigned(val2), d.valueArg(argPtr, uaddr2))
	case futexCmpRequeue, futexCmpRequeuePi:
		args = append(args, val, d.unsigned(val2), d.valueArg(argPtr, uaddr2), d.unsigned(val3))
	case futexWakeOp:
		args = append(args, val, d.unsigned(val2), d.valueArg(argPtr, uaddr2), d.hexOrZero(val3))
	case futexWaitRequeuePi:
		args = append(args, val, d.valueArg(argPtr, timeout), d.valueArg(argPtr, uaddr2))
	case futexWake, futexFd:
		args = append(args, val)
	case futexUnlockPi, futexTrylockPi:
	default:
		args = append(args, val, d.valueArg(argPtr, timeout), d.valueArg(argPtr, uaddr2), d.hexOrZero(val3))
	}
	return args
}

// cloneFlagSet reports whether the named clone flag is in flags.
func cloneFlagSet(flags uint64, name string) bool {
	for _, e := range cloneFlags {
		if e.name == name {
			return flags&e.value != 0
		}
	}
	return false
}

// Where clone takes the tls and child tid arguments: x86-64 passes
// (flags, stack, parent_tid, child_tid, tls); arm64, like most
// architectures (the kernel's CONFIG_CLONE_BACKWARDS), (flags, stack,
// parent_tid, tls, child_tid).
var cloneTLSArg, cloneChildTidArg = func() (int, int) {
	if runtime.GOARCH == "amd64" {
		return 4, 3
	}
	return 3, 4
}()

// appendPointer appends a pointer as strace prints one: NULL or 0x....
func (d *Printer) appendPointer(v uint64) {
	if v == 0 {
		d.appendString("NULL")
		return
	}
	d.appendHex(v)
}

// flags prints a flag set as strace's printflags does: the names of the
// flags set, in the xlat's order, joined by "|"; bits without a name as
// hex after them; a set with no known flag as hex with the default in a
// comment ("0x80000000 /* AT_??? */"); zero as the name of 0 or "0".
func (d *Printer) flags(x xlat, v uint64, dflt string) string {
	d.begin()
	if !d.appendFlags(x, v) {
		if v == 0 {
			return "0"
		}
		d.appendString("0x")
		d.appendUint(v, 16)
		d.appendString(" /* " + dflt + " */")
	}
	return d.end()
}

// appendFlags appends the names of the flags of x set in v, and the bits
// left as |0x...; it appends nothing and returns false when no name
// matched.
func (d *Printer) appendFlags(x xlat, v uint64) bool {
	n := 0
	for _, e := range x {
		if v == e.value || e.value != 0 && v&e.value == e.value {
			if n > 0 {
				d.appendString("|")
			}
			d.appendString(e.name)
			n++
			v &^= e.value
			if v == 0 {
				break
			}
		}
	}
	if n > 0 && v != 0 {
		d.appendString("|0x")
		d.appendUint(v, 16)
	}
	return n > 0
}

// value prints one value of a set as strace's printxval does: its name,
// or hex with the default in a comment ("0x7 /* SEEK_??? */"), or plain hex
// when there is no default.
func (d *Printer) value(x xlat, v uint64, dflt string) string {
	for _, e := range x {
		if e.value == v {
			return e.name
		}
	}
	if dflt == "" {
		return d.hexOrZero(v)
	}
	d.begin()
	if v == 0 {
		d.appendString("0")
	} else {
		d.appendString("0x")
		d.appendUint(v, 16)
	}
	d.appendString(" /* " + dflt + " */")
	return d.end()
}

// openFlags prints open's flags as strace does: the access mode, then the
// other flags (O_RDONLY|O_CLOEXEC).
func (d *Printer) openFlags(v uint64) string {
	d.begin()
	d.appendOpenFlags(v)
	return d.end()
}

func (d *Printer) appendOpenFlags(v uint64) {
	v = uint64(uint32(v))
	mode := v & oAccmode
	for _, e := range openAccessModes {
		if e.value == mode {
			d.appendString(e.name)
			break
		}
	}
	if rest := v &^ oAccmode; rest != 0 {
		d.appendString("|")
		if !d.appendFlags(openModeFlags, rest) {
			d.appendString("0x")
			d.appendUint(rest, 16)
		}
	}
}

// statxFlags prints statx's flags as strace does: the sync type, then the
// AT_* flags (AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW).
func (d *Printer) statxFlags(v uint64) string {
	d.begin()
	d.appendFlags(statxSyncTypes, v&atStatxSyncType)
	if rest := v &^ atStatxSyncType; rest != 0 {
		d.appendString("|")
		if !d.appendFlags(atFlags, rest) {
			d.appendString("0x")
			d.appendUint(rest, 16)
		}
	}
	return d.end()
}

// mapFlags prints mmap's flags as strace does: the mapping type, the other
// flags, and the huge page size as N<<MAP_HUGE_SHIFT.
func (d *Printer) mapFlags(v uint64) string {
	d.begin()
	typ := v & mapType
	found := false
	for _, e := range mmapFlags {
		if e.value == typ {
			d.appendString(e.name)
			found = true
			break
		}
	}
	if !found {
		if typ == 0 {
			d.appendString("0")
		} else {
			d.appendString("0x")
			d.appendUint(typ, 16)
		}
		d.appendString(" /* MAP_??? */")
	}
	rest := v &^ mapType
	huge := rest & (mapHugeMask << mapHugeShift)
	rest &^= huge
	if rest != 0 {
		d.appendString("|")
		if !d.appendFlags(mmapFlags, rest) {
			d.appendString("0x")
			d.appendUint(rest, 16)
		}
	}
	if huge != 0 {
		d.appendString("|")
		d.appendUint(huge>>mapHugeShift, 10)
		d.appendString("<<MAP_HUGE_SHIFT")
	}
	return d.end()
}

// signal prints a signal number as strace does: SIGTERM, SIGRT_3, or the
// number when it has no name (0 included).
func (d *Printer) signal(sig int64) string {
	switch {
	case sig > 0 && sig < int64(len(signalNames)) && signalNames[sig] != "":
		return signalNames[sig]
	case sig > sigRtMin && sig <= sigRtMax:
		d.begin()
		d.appendString("SIGRT_")
		d.appendUint(uint64(sig-sigRtMin), 10)
		return d.end()
	}
	return d.decimal(sig)
}

// smallInts holds the text of the numbers most arguments and results are.
var smallInts = func() (s [256]string) {
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return
}()

func (d *Printer) decimal(v int64) string {
	if v >= 0 && v < int64(len(smallInts)) {
		return smallInts[v]
	}
	d.begin()
	d.grow(20)
	d.arena = strconv.AppendInt(d.arena, v, 10)
	return d.end()
}

func (d *Printer) unsigned(v uint64) string {
	if v < uint64(len(smallInts)) {
		return smallInts[v]
	}
	d.begin()
	d.appendUint(v, 10)
	return d.end()
}

// hexOrZero prints v as C's %#lx does: 0, or 0x followed by hex digits.
func (d *Printer) hexOrZero(v uint64) string {
	if v == 0 {
		return "0"
	}
	d.begin()
	d.appendHex(v)
	return d.end()
}

// octalMode prints a file mode as strace does (C's %#03o): 0644, 000.
func (d *Printer) octalMode(v uint64) string {
	d.begin()
	d.grow(24)
	d.arena = append(d.arena, '0')
	if v < 0o10 {
		d.arena = append(d.arena, '0')
	}
	d.appendUint(v, 8)
	return d.end()
}

// pathArg prints a string as strace's printpath (limited false: in full)
// or printstr (limited: cut to the string limit) do: NULL, the pointer when
// it could not be read, else the quoted string, followed by "..." when cut.
func (d *Printer) pathArg(ptr uint64, s *Captured, limited bool) string {
	if ptr == 0 {
		return "NULL"
	}
	if s == nil || s.Faulted || s.Data == nil {
		return d.hexOrZero(ptr)
	}
	data, cut := s.Data, s.Truncated
	if limited && len(data) > d.stringLimit {
		data, cut = data[:d.stringLimit], true
	}
	d.begin()
	d.appendQuoted(data, cut)
	return d.end()
}

// argvArg prints a char*[] as strace does: ["ls", "-l"], each entry cut
// to the string limit, "..." for the entries that were not read (strace
// shows as many entries as the string limit). entries are what was read.
func (d *Printer) argvArg(ptr uint64, entries []Captured) string {
	if ptr == 0 {
		return "NULL"
	}
	if len(entries) > 0 && entries[0].Faulted {
		return d.hexOrZero(ptr)
	}
	d.begin()
	d.appendString("[")
	for i := range entries {
		s := &entries[i]
		if i > 0 {
			d.appendString(", ")
		}
		if s.Faulted || s.More {
			d.appendString("...")
			break
		}
		data, cut := s.Data, s.Truncated
		if len(data) > d.stringLimit {
			data, cut = data[:d.stringLimit], true
		}
		d.appendQuoted(data, cut)
	}
	d.appendString("]")
	return d.end()
}

// begin starts a string in the arena; append* add to it and end returns it.
func (d *Printer) begin() { d.building = len(d.arena) }

// end returns the string built since begin.
func (d *Printer) end() string {
	n := len(d.arena) - d.building
	if n == 0 {
		return ""
	}
	return unsafe.String(&d.arena[d.building], n)
}

// grow makes room for n more bytes at the end of the arena. When the arena
// is full, the string being built moves to a fresh arena; what was handed
// out before stays where it is, never rewritten.
func (d *Printer) grow(n int) {
	if cap(d.arena)-len(d.arena) >= n {
		return
	}
	partial := d.arena[d.building:]
	size := decodeArenaSize
	if need := len(partial) + n; need > size/4 {
		size = 2 * need
	}
	fresh := make([]byte, len(partial), size)
	copy(fresh, partial)
	d.arena, d.building = fresh, 0
}

func (d *Printer) appendString(s string) {
	d.grow(len(s))
	d.arena = append(d.arena, s...)
}

func (d *Printer) appendUint(v uint64, base int) {
	d.grow(22)
	d.arena = strconv.AppendUint(d.arena, v, base)
}

// appendQuoted appends s quoted and escaped as strace's string_quote does:
// \" \\ \f \n \r \t \v, printable ASCII as is, any other byte in octal, with
// three digits only when an octal digit follows; "..." after the closing
// quote when the string was cut.
func (d *Printer) appendQuoted(s []byte, cut bool) {
	d.grow(4*len(s) + len(`""...`))
	b := append(d.arena, '"')
	for i, c := range s {
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\v':
			b = append(b, '\\', 'v')
		default:
			if c >= ' ' && c < 0x7f {
				b = append(b, c)
				continue
			}
			b = append(b, '\\')
			full := i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '7'
			if full || c>>6 != 0 {
				b = append(b, '0'+c>>6)
			}
			if full || c>>3 != 0 {
				b = append(b, '0'+(c>>3)&7)
			}
			b = append(b, '0'+c&7)
		}
	}
	b = append(b, '"')
	if cut {
		b = append(b, "..."...)
	}
	d.arena = b
}

// argKind says how one argument is printed.
type argKind uint8

const (
	argHex            argKind = iota // strace's raw form (%#lx): 0 or 0x...; also every not yet decoded flag set
	argPtr                           // a pointer: NULL or 0x...
	argInt                           // int (fds, counts, pids): signed decimal
	argUint                          // unsigned int: decimal
	argLong                          // long, off_t: signed decimal
	argUlong                         // size_t, unsigned long: decimal
	argDirfd                         // a directory fd: AT_FDCWD or decimal
	argMode                          // a file mode: 0644
	argPath                          // a path read at entry (CapturePath)
	argArgv                          // a char*[] read at entry (CaptureArgv)
	argOpenFlags                     // O_RDONLY|O_CLOEXEC
	argOpenMode                      // open's mode, printed only with O_CREAT or O_TMPFILE in the flags before it
	argAccessMode                    // F_OK, R_OK|W_OK
	argAtFlags                       // AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH, 0
	argAccessAtFlags                 // faccessat2: AT_EACCESS|AT_SYMLINK_NOFOLLOW
	argStatxFlags                    // AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW
	argStatxMask                     // STATX_BASIC_STATS|STATX_MNT_ID
	argRenameFlags                   // RENAME_NOREPLACE
	argProt                          // PROT_READ|PROT_WRITE, PROT_NONE
	argMapFlags                      // MAP_PRIVATE|MAP_ANONYMOUS
	argWhence                        // SEEK_SET
	argSignal                        // SIGTERM
	argOpenModeFlags                 // open's flags without the access mode (dup3, pipe2): O_CLOEXEC
	argSigprocmaskHow                // SIG_BLOCK
	argClock                         // CLOCK_MONOTONIC
	argFcntlCmd                      // F_GETFD
	argFcntlArg                      // fcntl's third argument, printed as its command wants (or not at all)
	argWaitOptions                   // WNOHANG|__WALL
	argArchPrctl                     // ARCH_SET_FS
	argRlimit                        // RLIMIT_STACK
	argGetrandomFlags                // GRND_NONBLOCK
	argMadvise                       // MADV_DONTNEED
	argClone                         // clone's five arguments, printed as strace's named fields
	argFutex                         // futex's arguments, as many as its operation takes
	argStr                           // a NUL-terminated string read at entry (CapturePath), cut to the string limit
	argXattrFlags                    // XATTR_CREATE
	argSocketFamily                  // AF_INET
	argSocketType                    // SOCK_STREAM|SOCK_CLOEXEC
	argSocketProtocol                // IPPROTO_TCP, NETLINK_ROUTE or a number, by the family before it
	argIoctlCmd                      // TCGETS, FIONREAD or TIOCINQ, _IOC(_IOC_READ, 0x54, 0x1, 0x8)
	argFadvise                       // POSIX_FADV_SEQUENTIAL
	argFd                            // a file descriptor: decimal, with its path under -y (3</etc/passwd>)
	argEnvp                          // envp: the pointer and /* N vars */ (CaptureCount)
	argBufIn                         // a buffer the call reads, of the length in another argument (CaptureBufIn)
	argBufOut                        // a buffer the call fills, as many bytes as it returns (CaptureBufOut)
	argStat                          // struct stat, filled (CaptureStructOut)
	argStatx                         // struct statx, filled
	argSigaction                     // struct sigaction, read
	argOldSigaction                  // struct sigaction, filled
	argSigset                        // a signal set, read
	argOldSigset                     // a signal set, filled
	argWaitStatus                    // a wait status, filled
	argRlim                          // struct rlimit64, read
	argOldRlim                       // struct rlimit64, filled
	argPathOut                       // a path the call writes (getcwd)
	argDirents                       // getdents64's buffer: the pointer and /* N entries */
	argSockaddr                      // a socket address, read, of the length in another argument
	argOldSockaddr                   // a socket address, filled, of the length a socklen_t argument points to
	argFdPair                        // int[2], filled (pipe2)
	argTimespec                      // struct timespec, read
	argOldTimespec                   // struct timespec, filled
	argUtsname                       // struct new_utsname, filled
)

// argKinds names the kinds in signatures.
var argKinds = map[string]argKind{
	"hex": argHex, "ptr": argPtr, "int": argInt, "uint": argUint, "long": argLong, "ulong": argUlong,
	"fd": argFd, "dirfd": argDirfd, "mode": argMode, "path": argPath, "argv": argArgv,
	"oflags": argOpenFlags, "openmode": argOpenMode, "amode": argAccessMode, "atflags": argAtFlags,
	"accessatflags": argAccessAtFlags, "statxflags": argStatxFlags, "statxmask": argStatxMask,
	"renameflags": argRenameFlags, "prot": argProt, "mapflags": argMapFlags, "whence": argWhence,
	"signal": argSignal, "ofdflags": argOpenModeFlags, "sighow": argSigprocmaskHow, "clock": argClock,
	"fcntlcmd": argFcntlCmd, "fcntlarg": argFcntlArg, "waitoptions": argWaitOptions, "archprctl": argArchPrctl,
	"rlimit": argRlimit, "grndflags": argGetrandomFlags, "madvise": argMadvise, "clone": argClone,
	"futex": argFutex,
	"str":   argStr, "xattrflags": argXattrFlags, "family": argSocketFamily, "socktype": argSocketType, "protocol": argSocketProtocol,
	"ioctlcmd": argIoctlCmd, "fadvise": argFadvise,
	"envp": argEnvp, "ibuf": argBufIn, "obuf": argBufOut, "stat": argStat, "statx": argStatx,
	"sigaction": argSigaction, "osigaction": argOldSigaction, "sigset": argSigset, "osigset": argOldSigset,
	"wstatus": argWaitStatus, "rlim": argRlim, "orlim": argOldRlim, "cwd": argPathOut, "dirents": argDirents,
	"sockaddr": argSockaddr, "osockaddr": argOldSockaddr, "fds": argFdPair,
	"timespec": argTimespec, "otimespec": argOldTimespec, "utsname": argUtsname,
}

// captureOf says what the eBPF program reads for an argument of kind:
// how and how many bytes (for a struct); Kind 0 for nothing.
func captureOf(kind argKind) (CaptureKind, uint16) {
	switch kind {
	case argPath, argStr:
		return CapturePath, 0
	case argArgv:
		return CaptureArgv, 0
	case argEnvp:
		return CaptureCount, 0
	case argBufIn:
		return CaptureBufIn, 0
	case argBufOut:
		return CaptureBufOut, 0
	case argStat:
		return CaptureStructOut, uint16(statLayout.size)
	case argStatx:
		return CaptureStructOut, statxSize
	case argSigaction:
		return CaptureStructIn, sigactionSize
	case argOldSigaction:
		return CaptureStructOut, sigactionSize
	case argSigset:
		return CaptureStructIn, sigsetSize
	case argOldSigset:
		return CaptureStructOut, sigsetSize
	case argWaitStatus:
		return CaptureStructOut, 4
	case argRlim:
		return CaptureStructIn, rlimitSize
	case argOldRlim:
		return CaptureStructOut, rlimitSize
	case argPathOut:
		return CapturePathOut, 0
	case argDirents:
		return CaptureDirents, 0
	case argSockaddr:
		return CaptureSockaddrIn, 0
	case argOldSockaddr:
		return CaptureSockaddrOut, 0
	case argFdPair:
		return CaptureStructOut, 8
	case argTimespec:
		return CaptureStructIn, timespecSize
	case argOldTimespec:
		return CaptureStructOut, timespecSize
	case argUtsname:
		return CaptureStructOut, utsnameSize
	}
	return 0, 0
}

// retKind says how a successful result is printed.
type retKind uint8

const (
	retDecimal retKind = iota // 3
	retHex                    // 0x7f1a2b3c4000 (calls returning addresses)
	retOctal                  // 022 (umask)
	retFcntl                  // fcntl: hex with the flags decoded for F_GETFD, F_GETFL; F_GETSIG's signal
	retFd                     // a new file descriptor: decimal, with its path under -y
)

// callDecoder is how one syscall is printed.
type callDecoder struct {
	args     []argKind
	captures []Capture
	slots    [6]uint8 // 1 + the capture of each argument, 0 for none
	fdArgs   uint8    // FdArgs of the call
	ret      retKind
}

// signatures give the arguments of the calls decoded beyond strace's raw
// form, as "kinds -> result" (the result is decimal when not given). Any
// call not here prints its arguments in the raw form, which is what strace
// prints for a pointer, and differs from strace for what strace decodes.
var signatures = map[string]string{
	// files and paths
	"open":         "path oflags openmode -> fd",
	"openat":       "dirfd path oflags openmode -> fd",
	"openat2":      "dirfd path ptr ulong -> fd",
	"creat":        "path mode -> fd",
	"close":        "fd",
	"close_range":  "fd fd uint",
	"stat":         "path stat",
	"lstat":        "path stat",
	"fstat":        "fd stat",
	"newfstatat":   "dirfd path stat atflags",
	"statx":        "dirfd path statxflags statxmask statx",
	"statfs":       "path ptr",
	"fstatfs":      "fd ptr",
	"access":       "path amode",
	"faccessat":    "dirfd path amode",
	"faccessat2":   "dirfd path amode accessatflags",
	"unlink":       "path",
	"unlinkat":     "dirfd path atflags",
	"mkdir":        "path mode",
	"mkdirat":      "dirfd path mode",
	"rmdir":        "path",
	"rename":       "path path",
	"renameat":     "dirfd path dirfd path",
	"renameat2":    "dirfd path dirfd path renameflags",
	"readlink":     "path obuf int",
	"readlinkat":   "dirfd path obuf int",
	"chdir":        "path",
	"fchdir":       "fd",
	"chroot":       "path",
	"chmod":        "path mode",
	"fchmod":       "fd mode",
	"fchmodat":     "dirfd path mode",
	"chown":        "path int int",
	"lchown":       "path int int",
	"fchown":       "fd int int",
	"fchownat":     "dirfd path int int atflags",
	"truncate":     "path long",
	"ftruncate":    "fd long",
	"symlink":      "path path",
	"symlinkat":    "path dirfd path",
	"link":         "path path",
	"linkat":       "dirfd path dirfd path atflags",
	"utimes":       "path ptr",
	"utimensat":    "dirfd path ptr atflags",
	"getcwd":       "cwd ulong",
	"getxattr":     "path str ptr ulong",
	"lgetxattr":    "path str ptr ulong",
	"fgetxattr":    "fd str ptr ulong",
	"setxattr":     "path str ptr ulong xattrflags",
	"lsetxattr":    "path str ptr ulong xattrflags",
	"fsetxattr":    "fd str ptr ulong xattrflags",
	"listxattr":    "path ptr ulong",
	"llistxattr":   "path ptr ulong",
	"flistxattr":   "fd ptr ulong",
	"removexattr":  "path str",
	"lremovexattr": "path str",
	"fremovexattr": "fd str",
	"umask":        "mode -> octal",
	"execve":       "path argv envp",
	"execveat":     "dirfd path argv envp atflags",

	// descriptors and I/O
	"read":            "fd obuf ulong",
	"write":           "fd ibuf@2 ulong",
	"pread64":         "fd obuf ulong long",
	"pwrite64":        "fd ibuf@2 ulong long",
	"readv":           "fd ptr int",
	"writev":          "fd ptr int",
	"lseek":           "fd long whence",
	"dup":             "fd -> fd",
	"ioctl":           "fd ioctlcmd hex",
	"fcntl":           "fd fcntlcmd fcntlarg -> fcntl",
	"dup2":            "fd fd -> fd",
	"dup3":            "fd fd ofdflags -> fd",
	"pipe":            "fds",
	"pipe2":           "fds ofdflags",
	"getdents":        "fd dirents uint",
	"getdents64":      "fd dirents uint",
	"fsync":           "fd",
	"fdatasync":       "fd",
	"sendfile":        "fd fd ptr ulong",
	"copy_file_range": "fd ptr fd ptr ulong uint",
	"readahead":       "fd long ulong",
	"fadvise64":       "fd long ulong fadvise",
	"poll":            "ptr uint int",
	"ppoll":           "ptr uint ptr ptr ulong",
	"select":          "int ptr ptr ptr ptr",
	"pselect6":        "int ptr ptr ptr ptr ptr",
	"epoll_wait":      "fd ptr int int",
	"epoll_pwait":     "fd ptr int int ptr ulong",
	"getrandom":       "ptr ulong grndflags",

	// memory
	"mmap":     "ptr ulong prot mapflags fd hex -> hex",
	"mprotect": "ptr ulong prot",
	"munmap":   "ptr ulong",
	"brk":      "ptr -> hex",
	"mremap":   "ptr ulong ulong hex ptr -> hex",
	"shmat":    "int ptr hex -> hex",
	"mincore":  "ptr ulong ptr",
	"madvise":  "ptr ulong madvise",

	// processes and signals
	"exit":              "int",
	"clone":             "clone clone clone clone clone",
	"futex":             "futex futex futex futex futex futex",
	"arch_prctl":        "archprctl ptr",
	"prlimit64":         "int rlimit rlim orlim",
	"getrlimit":         "rlimit orlim",
	"setrlimit":         "rlimit rlim",
	"exit_group":        "int",
	"wait4":             "int wstatus waitoptions ptr",
	"kill":              "int signal",
	"tkill":             "int signal",
	"tgkill":            "int int signal",
	"rt_sigaction":      "signal sigaction osigaction ulong",
	"rt_sigprocmask":    "sighow sigset osigset ulong",
	"clock_gettime":     "clock ptr",
	"clock_getres":      "clock ptr",
	"clock_nanosleep":   "clock hex timespec ptr",
	"rt_sigpending":     "ptr ulong",
	"rt_sigsuspend":     "ptr ulong",
	"sigaltstack":       "ptr ptr",
	"set_tid_address":   "ptr",
	"set_robust_list":   "ptr ulong",
	"get_robust_list":   "int ptr ptr",
	"setpgid":           "int int",
	"getpgid":           "int",
	"getsid":            "int",
	"setuid":            "uint",
	"setgid":            "uint",
	"alarm":             "uint",
	"nanosleep":         "timespec ptr",
	"uname":             "utsname",
	"sysinfo":           "ptr",
	"times":             "ptr",
	"gettimeofday":      "ptr ptr",
	"time":              "ptr",
	"sched_getaffinity": "int uint ptr",
	"sched_setaffinity": "int uint ptr",
	"getcpu":            "ptr ptr ptr",
	"rseq":              "ptr hex hex hex",

	// sockets
	"socket":      "family socktype protocol -> fd",
	"socketpair":  "family socktype uint ptr",
	"connect":     "fd sockaddr@2 int",
	"bind":        "fd sockaddr@2 int",
	"listen":      "fd int",
	"accept":      "fd ptr ptr -> fd",
	"getsockname": "fd ptr ptr",
	"getpeername": "fd ptr ptr",
}

// callDecoders is indexed by syscall number; built from signatures.
var callDecoders [len(syscallTable)]callDecoder

// unknownCall prints a call strace has no name for: six raw arguments.
var unknownCall = callDecoder{args: []argKind{argHex, argHex, argHex, argHex, argHex, argHex}}

func init() {
	for nr, e := range syscallTable {
		if e.name == "" {
			continue
		}
		cd := &callDecoders[nr]
		sig, ok := signatures[e.name]
		if !ok {
			cd.args = make([]argKind, e.nargs)
			continue
		}
		*cd = parseSignature(e.name, sig)
	}
}

// parseSignature builds the decoder of one signature; a signature that
// does not parse is a programming error, caught by the tests.
func parseSignature(name, sig string) callDecoder {
	var cd callDecoder
	args, ret, _ := strings.Cut(sig, "->")
	switch strings.TrimSpace(ret) {
	case "":
	case "hex":
		cd.ret = retHex
	case "octal":
		cd.ret = retOctal
	case "fcntl":
		cd.ret = retFcntl
		cd.fdArgs |= FdArgResult // F_DUPFD's
	case "fd":
		cd.ret = retFd
		cd.fdArgs |= FdArgResult
	default:
		panic("signature of " + name + ": unknown result kind " + strconv.Quote(ret))
	}
	for i, word := range strings.Fields(args) {
		word, lenArg, hasLen := strings.Cut(word, "@")
		kind, ok := argKinds[word]
		if !ok {
			panic("signature of " + name + ": unknown argument kind " + strconv.Quote(word))
		}
		cd.args = append(cd.args, kind)
		switch kind {
		case argFd, argDirfd:
			cd.fdArgs |= 1 << i
		case argFdPair:
			cd.fdArgs |= FdArgPair
		}
		ck, size := captureOf(kind)
		if ck == 0 {
			continue
		}
		c := Capture{Arg: uint8(i), Kind: ck, LenArg: NoLenArg, Size: size}
		if hasLen {
			n, err := strconv.Atoi(lenArg)
			if err != nil || n < 0 || n >= 6 {
				panic("signature of " + name + ": bad length argument " + strconv.Quote(lenArg))
			}
			c.LenArg = uint8(n)
		}
		if (ck == CaptureBufIn || ck == CaptureSockaddrIn || ck == CaptureSockaddrOut) != hasLen {
			panic("signature of " + name + ": " + word + " needs @N, the argument with its length, and only it does")
		}
		cd.slots[i] = uint8(len(cd.captures)) + 1
		cd.captures = append(cd.captures, c)
	}
	if len(cd.captures) > MaxCaptures {
		panic("signature of " + name + ": more captured arguments than capture slots")
	}
	return cd
}
