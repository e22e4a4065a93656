package syscalls

import (
	"encoding/binary"
	"testing"

	"github.com/stracectl/stracectl/parse"
)

// bytesOf builds captured memory: little-endian fields at offsets.
type bytesOf []byte

func mem(size int) bytesOf { return make(bytesOf, size) }

func (b bytesOf) u16(at int, v uint16) bytesOf { binary.LittleEndian.PutUint16(b[at:], v); return b }
func (b bytesOf) u32(at int, v uint32) bytesOf { binary.LittleEndian.PutUint32(b[at:], v); return b }
func (b bytesOf) u64(at int, v uint64) bytesOf { binary.LittleEndian.PutUint64(b[at:], v); return b }
func (b bytesOf) at(at int, s string) bytesOf  { copy(b[at:], s); return b }
func (b bytesOf) be16(at int, v uint16) bytesOf {
	binary.BigEndian.PutUint16(b[at:], v)
	return b
}
func (b bytesOf) read() Captured { return Captured{Data: b} }

// count is a count item as the programs write it.
func count(n uint32) Captured { return mem(4).u32(0, n).read() }

// TestPrintMemory: what the programs read of a call's memory, printed as
// strace prints it. Each case is a line strace printed (addresses aside).
func TestPrintMemory(t *testing.T) {
	l := statLayout
	tests := []struct {
		line  string
		limit int
		call  func(t testing.TB) Call
	}{
		{line: `newfstatat(3, "", {st_mode=S_IFREG|0644, st_size=35007, ...}, AT_EMPTY_PATH) = 0`, call: func(t testing.TB) Call {
			return call(t, "newfstatat", 0, 3, 0x1000, 0x2000, 0x1000).with(path(""), mem(l.size).u32(l.mode, 0o100644).u64(l.fsize, 35007).read())
		}},
		{line: `newfstatat(AT_FDCWD, "/tmp", {st_mode=S_IFDIR|S_ISVTX|0777, st_size=4096, ...}, 0) = 0`, call: func(t testing.TB) Call {
			return call(t, "newfstatat", 0, fdcwd, 0x1000, 0x2000, 0).with(path("/tmp"), mem(l.size).u32(l.mode, 0o41777).u64(l.fsize, 4096).read())
		}},
		{line: `newfstatat(AT_FDCWD, "/dev/null", {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}, 0) = 0`, call: func(t testing.TB) Call {
			return call(t, "newfstatat", 0, fdcwd, 0x1000, 0x2000, 0).with(path("/dev/null"), mem(l.size).u32(l.mode, 0o20666).u64(l.rdev, 0x103).read())
		}},
		{line: `newfstatat(AT_FDCWD, "/nonexistent", 0x2000, 0) = -1 ENOENT (No such file or directory)`, call: func(t testing.TB) Call {
			return call(t, "newfstatat", -2, fdcwd, 0x1000, 0x2000, 0).with(path("/nonexistent"))
		}},
		{line: `statx(AT_FDCWD, "/bin", AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT, STATX_MODE|STATX_NLINK|STATX_UID|STATX_GID|STATX_MTIME|STATX_SIZE, {stx_mask=STATX_BASIC_STATS|STATX_MNT_ID, stx_attributes=0, stx_mode=S_IFLNK|0777, stx_size=7, ...}) = 0`, call: func(t testing.TB) Call {
			return call(t, "statx", 0, fdcwd, 0x1000, 0x900, 0x25e, 0x2000).with(path("/bin"), mem(statxSize).u32(0, 0x17ff).u16(28, 0o120777).u64(40, 7).read())
		}},
		{line: `read(3, "\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\3\0>\0\1\0\0\0\0\0\0\0\0\0\0\0"..., 832) = 832`, call: func(t testing.TB) Call {
			c := call(t, "read", 832, 3, 0x1000, 832).with(Captured{Data: []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), Truncated: true})
			return c
		}},
		{line: `read(3, "", 1) = 0`, call: func(t testing.TB) Call {
			return call(t, "read", 0, 3, 0x1000, 1).with(Captured{Data: []byte{}})
		}},
		{line: `read(3, 0x1000, 10) = -1 EAGAIN (Resource temporarily unavailable)`, call: func(t testing.TB) Call {
			return call(t, "read", -11, 3, 0x1000, 10)
		}},
		{line: `write(1, ""..., 6) = 6`, limit: -1, call: func(t testing.TB) Call {
			return call(t, "write", 6, 1, 0x1000, 6).with(Captured{Data: []byte{}, Truncated: true})
		}},
		{line: `readlink("/proc/self/exe", "/root/.pyenv/versions/3.11.7/bin"..., 4096) = 43`, call: func(t testing.TB) Call {
			return call(t, "readlink", 43, 0x1000, 0x2000, 4096).with(path("/proc/self/exe"), Captured{Data: []byte("/root/.pyenv/versions/3.11.7/bin"), Truncated: true})
		}},
		{line: `getcwd("/tmp", 1024) = 5`, call: func(t testing.TB) Call {
			return call(t, "getcwd", 5, 0x1000, 1024).with(path("/tmp"))
		}},
		{line: `getdents64(5, 0x55f6a1475e20 /* 139 entries */, 32768) = 4416`, call: func(t testing.TB) Call {
			return call(t, "getdents64", 4416, 5, 0x55f6a1475e20, 32768).with(count(139))
		}},
		{line: `execve("/bin/true", ["/bin/true"], 0x561853abec70 /* 2 vars */) = 0`, call: func(t testing.TB) Call {
			return call(t, "execve", 0, 0x1000, 0x2000, 0x561853abec70).with(path("/bin/true"), Captured{}, count(2)).withArgv(path("/bin/true"))
		}},
		{line: `rt_sigaction(SIGUSR1, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_RESTORER|SA_ONSTACK, sa_restorer=0x7f22f3a5a050}, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0`, call: func(t testing.TB) Call {
			return call(t, "rt_sigaction", 0, 10, 0x1000, 0x2000, 8).with(
				mem(sigactionSize).u64(0, 1).u64(8, 0x0c000000).u64(16, 0x7f22f3a5a050).read(),
				mem(sigactionSize).read())
		}},
		{line: `rt_sigaction(SIGCHLD, {sa_handler=0x555892259dc0, sa_mask=~[RTMIN RT_1], sa_flags=SA_RESTORER, sa_restorer=0x7fd8d76d5050}, NULL, 8) = 0`, call: func(t testing.TB) Call {
			return call(t, "rt_sigaction", 0, 17, 0x1000, 0, 8).with(
				mem(sigactionSize).u64(0, 0x555892259dc0).u64(8, 0x04000000).u64(16, 0x7fd8d76d5050).u64(24, ^uint64(0)&^(3<<31)).read())
		}},
		{line: `rt_sigprocmask(SIG_BLOCK, [INT QUIT], [], 8) = 0`, call: func(t testing.TB) Call {
			return call(t, "rt_sigprocmask", 0, 0, 0x1000, 0x2000, 8).with(mem(8).u64(0, 1<<1|1<<2).read(), mem(8).read())
		}},
		{line: `wait4(31752, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 31752`, call: func(t testing.TB) Call {
			return call(t, "wait4", 31752, 31752, 0x1000, 0, 0).with(mem(4).u32(0, 3<<8).read())
		}},
		{line: `wait4(31753, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], 0, NULL) = 31753`, call: func(t testing.TB) Call {
			return call(t, "wait4", 31753, 31753, 0x1000, 0, 0).with(mem(4).u32(0, 9).read())
		}},
		{line: `prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0`, call: func(t testing.TB) Call {
			return call(t, "prlimit64", 0, 0, 3, 0, 0x2000).with(Captured{}, mem(rlimitSize).u64(0, 8192*1024).u64(8, ^uint64(0)).read())
		}},
		{line: `pipe2([3, 4], O_CLOEXEC) = 0`, call: func(t testing.TB) Call {
			return call(t, "pipe2", 0, 0x1000, 0x80000).with(mem(8).u32(0, 3).u32(4, 4).read())
		}},
		{line: `connect(5, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED (Connection refused)`, call: func(t testing.TB) Call {
			return call(t, "connect", -111, 5, 0x1000, 16).with(mem(16).u16(0, 2).be16(2, 9).at(4, "\x7f\x00\x00\x01").read())
		}},
		{line: `connect(5, {sa_family=AF_INET6, sin6_port=htons(9), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 ECONNREFUSED (Connection refused)`, call: func(t testing.TB) Call {
			return call(t, "connect", -111, 5, 0x1000, 28).with(mem(28).u16(0, 10).be16(2, 9).at(23, "\x01").read())
		}},
		{line: `connect(3, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file or directory)`, call: func(t testing.TB) Call {
			return call(t, "connect", -2, 3, 0x1000, 110).with(mem(110).u16(0, 1).at(2, "/var/run/nscd/socket").read())
		}},
		{line: `nanosleep({tv_sec=0, tv_nsec=10000000}, NULL) = 0`, call: func(t testing.TB) Call {
			return call(t, "nanosleep", 0, 0x1000, 0).with(mem(timespecSize).u64(8, 10000000).read())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			c := tt.call(t)
			limit := tt.limit
			if limit == 0 {
				limit = 32
			}
			var ev parse.Event
			NewPrinter(max(limit, 0)).Print(&ev, &c)
			if got := straceText(&ev); got != tt.line {
				t.Errorf("got  %s\nwant %s", got, tt.line)
			}
		})
	}
}

// TestSiginfo: the siginfo of a delivered signal, as strace's --- lines show it.
func TestSiginfo(t *testing.T) {
	for _, tt := range []struct {
		want string
		raw  bytesOf
	}{
		{`{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=31752, si_uid=0, si_status=3, si_utime=0, si_stime=0}`,
			mem(siginfoSize).u32(0, 17).u32(8, 1).u32(16, 31752).u32(24, 3)},
		{`{si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=31753, si_uid=0, si_status=SIGKILL, si_utime=0, si_stime=0}`,
			mem(siginfoSize).u32(0, 17).u32(8, 2).u32(16, 31753).u32(24, 9)},
		{`{si_signo=SIGUSR1, si_code=SI_USER, si_pid=24622, si_uid=0}`,
			mem(siginfoSize).u32(0, 10).u32(16, 24622)},
		{`{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL}`,
			mem(siginfoSize).u32(0, 11).u32(8, 1)},
		{`{si_signo=SIGINT, si_code=SI_KERNEL}`,
			mem(siginfoSize).u32(0, 2).u32(8, 0x80)},
	} {
		t.Run(tt.want, func(t *testing.T) {
			if got := NewPrinter(32).Siginfo(tt.raw); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
