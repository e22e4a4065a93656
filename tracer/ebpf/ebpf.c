//go:build ignore

// SPDX-License-Identifier: (MIT OR GPL-2.0)
//
// The kernel side of stracectl's eBPF backend: one record per completed
// system call of the traced process tree, written to a ring buffer.
//
// A task belongs to the traced tree when it has task-local storage in the
// map `tasks`. run: the child that stracectl's thread fork_seed_tid forks
// gets it in sched_process_fork, before it can run, marked TASK_PRE_EXEC
// until it execve's the command; attach: user space gives it to every
// thread of each PID. sched_process_fork extends the tree to children and
// threads, and the kernel frees the storage with the task, so no state
// outlives a task (a thread that execve's from a non-leader position keeps
// its own storage and its pending execve).
//
// At syscall entry the state of the call (time, number, arguments and the
// strings user space asked for) is kept in the task's storage; at exit the
// return value and duration are added and the record is copied to the ring
// buffer in one piece. exit and exit_group never return: they are written at
// entry without a return value.
//
// Three flavours of the same programs are built from this one source, each
// its own object: FLAVOR_TP_BTF (fastest: trusted pointers, no probe
// reads), FLAVOR_RAW_TP and FLAVOR_TRACEPOINT (for kernels where BTF
// programs cannot attach); user space loads the first that the kernel
// accepts. The programs have the same names in every flavour.

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#if defined(__TARGET_ARCH_arm64)
// The user registers of an arm64 task; declared here because vmlinux.h
// is generated on the build machine. CO-RE relocates the access.
struct user_pt_regs {
	__u64 regs[31];
	__u64 sp;
	__u64 pc;
	__u64 pstate;
} __attribute__((preserve_access_index));
#define REGS(r) ((struct user_pt_regs *)(r))
#define SYSCALL_ARG0(r) REGS(r)->regs[0]
#define SYSCALL_ARG1(r) REGS(r)->regs[1]
#define SYSCALL_ARG2(r) REGS(r)->regs[2]
#define SYSCALL_ARG3(r) REGS(r)->regs[3]
#define SYSCALL_ARG4(r) REGS(r)->regs[4]
#define SYSCALL_ARG5(r) REGS(r)->regs[5]
#define CORE_SYSCALL_ARGS(r, a)                                                \
	do {                                                                   \
		a[0] = BPF_CORE_READ(REGS(r), regs[0]);                        \
		a[1] = BPF_CORE_READ(REGS(r), regs[1]);                        \
		a[2] = BPF_CORE_READ(REGS(r), regs[2]);                        \
		a[3] = BPF_CORE_READ(REGS(r), regs[3]);                        \
		a[4] = BPF_CORE_READ(REGS(r), regs[4]);                        \
		a[5] = BPF_CORE_READ(REGS(r), regs[5]);                        \
	} while (0)
#else
#define SYSCALL_ARG0(r) (r)->di
#define SYSCALL_ARG1(r) (r)->si
#define SYSCALL_ARG2(r) (r)->dx
#define SYSCALL_ARG3(r) (r)->r10
#define SYSCALL_ARG4(r) (r)->r8
#define SYSCALL_ARG5(r) (r)->r9
#define CORE_SYSCALL_ARGS(r, a)                                                \
	do {                                                                   \
		a[0] = BPF_CORE_READ(r, di);                                   \
		a[1] = BPF_CORE_READ(r, si);                                   \
		a[2] = BPF_CORE_READ(r, dx);                                   \
		a[3] = BPF_CORE_READ(r, r10);                                  \
		a[4] = BPF_CORE_READ(r, r8);                                   \
		a[5] = BPF_CORE_READ(r, r9);                                   \
	} while (0)
#endif

char LICENSE[] SEC("license") = "Dual MIT/GPL";

// Sizes user space shares (bpf2go -type limits).
enum limits {
	// MAX_CAPTURES is how many arguments of one call can be read.
	MAX_CAPTURES = 4,
	// CAPTURE_SIZE is the most bytes read for one item, NUL included:
	// PATH_MAX, so that paths are shown in full as strace shows them.
	CAPTURE_SIZE = 4096,
	// MAX_SYSCALLS bounds the syscall numbers that can be filtered (-e)
	// and have arguments captured.
	MAX_SYSCALLS = 1024,
	// DATA_SIZE bounds the captured data of one record (a power of two).
	DATA_SIZE = 16384,
	// MAX_ARGV is the most argv entries read (strace shows as many as -s).
	MAX_ARGV = 32,
	// MAX_COUNT is the most envp entries or directory entries counted.
	MAX_COUNT = 4096,
	// SOCKADDR_SIZE is the most bytes of a socket address read.
	SOCKADDR_SIZE = 128,
	// ITEM_HEADER is the size of struct item.
	ITEM_HEADER = 4,
	// SIGINFO_SIZE is the bytes of a signal's siginfo read: the fields
	// strace shows.
	SIGINFO_SIZE = 48,
	// FD_SLOT is the first item slot of file descriptors' paths (-y):
	// FD_SLOT + i for argument i, FD_SLOT + 6 for the result, FD_SLOT + 7
	// and FD_SLOT + 8 for a pair of descriptors the call filled in.
	FD_SLOT = 16,
	// MAX_DEPTH is the most path components read of a descriptor's path.
	MAX_DEPTH = 64,
	// HIST_SUB is how many buckets each power of two of a latency
	// histogram is cut into: a bucket is a quarter of its lower bound wide.
	HIST_SUB = 4,
	// HIST_BITS is the bit length of the longest duration (ns) that has
	// a bucket of its own (2^40 ns is some 18 minutes); longer ones share
	// the last bucket.
	HIST_BITS = 40,
	// HIST_BUCKETS is the buckets of a latency histogram: durations 0 to
	// 3 ns each have one, then HIST_SUB per bit length from 3 to HIST_BITS.
	HIST_BUCKETS = (HIST_BITS - 1) * HIST_SUB,
	// ERRNO_SHIFT places the syscall number above the errno in a key of
	// the errnos map (errnos go up to 4095).
	ERRNO_SHIFT = 12,
	// MAX_ERRNO_KEYS bounds the (syscall, errno) pairs counted.
	MAX_ERRNO_KEYS = 4096,
};

// The data of a record is a sequence of items, each a struct item and
// then its len bytes: what was read of one argument of the call.
struct item {
	__u16 len;
	__u8 slot;  // the capture_spec entry it belongs to
	__u8 flags; // enum capture_flag
};

#define DATA_MASK (DATA_SIZE - 1)

// What to read of one argument (syscalls.CaptureKind in user space has
// the same values, checked by a test). At entry unless said otherwise.
enum capture_kind {
	CAPTURE_NONE = 0,
	CAPTURE_PATH = 1,          // a NUL-terminated string (a path: up to PATH_MAX)
	CAPTURE_ARGV = 2,          // a char*[]: its first entries, each cut at string_limit
	CAPTURE_COUNT = 3,         // a char*[]: how many entries (envp's "/* N vars */")
	CAPTURE_BUF_IN = 4,        // bytes, as many as argument len_arg says, cut at string_limit
	CAPTURE_BUF_OUT = 5,       // at exit: bytes, as many as the call returned, cut at string_limit
	CAPTURE_STRUCT_IN = 6,     // size bytes
	CAPTURE_STRUCT_OUT = 7,    // at exit, when the call succeeded: size bytes
	CAPTURE_PATH_OUT = 8,      // at exit, when the call succeeded: a NUL-terminated string
	CAPTURE_DIRENTS = 9,       // at exit: how many struct linux_dirent64 the call returned
	CAPTURE_SOCKADDR_IN = 10,  // as many bytes as argument len_arg says (at most SOCKADDR_SIZE)
	CAPTURE_SOCKADDR_OUT = 11, // at exit: as many bytes as *len_arg says (at most SOCKADDR_SIZE)
};

// capture_spec lists the arguments of one syscall to read, in order; the
// first CAPTURE_NONE ends the list. len_arg names the argument holding a
// length, size the bytes of a struct.
struct capture_spec {
	__u8 arg[MAX_CAPTURES];
	__u8 kind[MAX_CAPTURES];
	__u8 len_arg[MAX_CAPTURES];
	__u16 size[MAX_CAPTURES];
};

// Flags of a record.
enum record_flag {
	RECORD_RETURNED = 1, // the call returned: ret and duration_ns are set
	RECORD_EXIT = 2,     // not a call: the task ended, ret is its wait status
	RECORD_SIGNAL = 4,   // not a call: a signal was delivered, ret is its number
	RECORD_UNTRACED = 8, // not a call: the task left the trace, ret says why
};

// Why a task left the trace (ret of a RECORD_UNTRACED record).
enum untraced_reason {
	UNTRACED_EXEC = 1,  // it executed a setuid/setgid or file-capability program
	UNTRACED_CREDS = 2, // a call changed its credentials
};

// Flags of an item.
enum capture_flag {
	CAPTURED = 1,  // the item holds what was read (possibly nothing)
	TRUNCATED = 2, // there was more than was read
	FAULTED = 4,   // the memory could not be read
	MORE = 8,      // argv: entries follow that were not read
	SPECIAL = 16,  // a descriptor of a pseudo file system: magic, inode, name
};

// Bits of fd_args.
enum fd_arg {
	FD_RESULT = 1 << 6, // the result is a descriptor
	FD_PAIR = 1 << 7,   // argument 0 points to two descriptors the call filled in
};

// The enums above are for user space (bpf2go -type): these keep them in
// the object's BTF.
const enum limits *unused_limits __attribute__((unused));
const enum record_flag *unused_record_flag __attribute__((unused));
const enum untraced_reason *unused_untraced_reason __attribute__((unused));
const enum capture_flag *unused_capture_flag __attribute__((unused));
const enum capture_kind *unused_capture_kind __attribute__((unused));
const enum fd_arg *unused_fd_arg __attribute__((unused));

// record is what user space reads for one call: this header, then
// data_len bytes of items (struct item), what was read of its arguments.
struct record {
	__u64 time_ns;     // CLOCK_MONOTONIC at entry
	__u64 duration_ns; // exit - entry, when RECORD_RETURNED
	__u64 args[6];
	__s64 ret; // -errno on failure
	__u32 tgid;
	__u32 tid;
	__u32 nr;
	__u32 flags;
	__u32 data_len;
	char comm[16];
};

// Task state flags.
#define TASK_PRE_EXEC 1 // run: the forked child before it execve's the command
#define TASK_IN_CALL 2  // rec holds the entry of a call not yet returned
#define TASK_FAULTED 4  // a path of the call could not be read at entry

// task_state is the task-local storage of a traced task. data follows rec
// directly, so that a record and its strings go out in one copy.
struct task_state {
	__u32 flags;
	__u32 count_n;  // a count being made (see struct counting)
	__u64 count_at;
	struct record rec;
	char data[DATA_SIZE + ITEM_HEADER + CAPTURE_SIZE];
};

// fork_seed_tid is, while stracectl starts the command of `run`, the id of
// the thread that forks it; 0 otherwise. User space sets it at run time.
__u32 fork_seed_tid = 0;

// live_tasks counts the traced tasks that have not ended, leaving out the
// launching child before its execve; tasks that user space adds (attach)
// are counted there. run ends when it drops to zero, as strace -f ends
// when its last tracee does.
__s64 live_tasks = 0;

// Settings, fixed by user space before loading.
volatile const __u32 execve_nr = 0xffffffff;
volatile const __u32 execveat_nr = 0xffffffff;
volatile const __u32 exit_nr = 0xffffffff;
volatile const __u32 exit_group_nr = 0xffffffff;
volatile const __u8 filter_syscalls = 0; // trace only `wanted` numbers
volatile const __u8 failed_only = 0;     // keep only calls that failed
volatile const __u64 wakeup_bytes = 1;   // wake the reader at this much data
// summary_only is run/attach --summary: the calls are counted (counts,
// errnos) and never written; only the records of the tasks' lifecycle
// (exits, untraced notices) go to the ring buffer.
volatile const __u8 summary_only = 0;
// ring_bytes is the size of the ring buffer; reserve_bytes of it are kept
// for the records of the lifecycle: a call or signal record that would
// leave less free space is dropped (and counted lost), so that the end of
// a task is never lost to a flood of calls.
volatile const __u64 ring_bytes = 1 << 24;
volatile const __u64 reserve_bytes = 0;
volatile const __u8 wanted[MAX_SYSCALLS] = {};
// string_limit is strace's -s: the most bytes of a buffer or argv entry
// shown (paths are shown whole), and the most argv entries.
volatile const __u32 string_limit = 32;
// fd_paths is strace's -y: descriptors are shown with their paths.
volatile const __u8 fd_paths = 0;
// fd_args marks, by syscall number, the arguments that are descriptors
// (bit i for argument i) and the results that are (enum fd_arg).
volatile const __u8 fd_args[MAX_SYSCALLS] = {};
// The rule of ptrace (PTRACE_MODE_ATTACH_REALCREDS), which strace obeys: a
// tracer without CAP_SYS_PTRACE (any_creds) traces only tasks whose real,
// effective and saved ids all equal its real uid and gid and whose
// permitted capabilities are a subset of its own (tracer_caps).
volatile const __u8 any_creds = 0;
volatile const __u32 tracer_uid = 0;
volatile const __u32 tracer_gid = 0;
volatile const __u64 tracer_caps = 0;
// cred_calls marks, by syscall number, the calls that can change a task's
// credentials (setuid, setresgid, capset...): they are checked at exit.
volatile const __u8 cred_calls[MAX_SYSCALLS] = {};
// capture_specs says, by syscall number, which strings to read at entry.
volatile const struct capture_spec capture_specs[MAX_SYSCALLS] = {};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24); // set by user space (--buffer-size)
} events SEC(".maps");

// call_count is what the programs count of one syscall, every traced call
// (what the event stream shows, after -e and --failed), in the kernel:
// exact whatever the ring buffer could take.
struct call_count {
	__u64 calls;      // the calls traced, returned or not
	__u64 unfinished; // of which never returned: exit, exit_group, a task killed inside the call
	__u64 errors;     // calls that returned -errno
	__u64 total_ns;   // the durations of the calls that returned
	// With --summary only (a stream carries every duration):
	__u64 min_ns; // the shortest of them
	__u64 max_ns; // the longest of them
	// hist counts the durations by log-linear bucket (hist_bucket).
	__u64 hist[HIST_BUCKETS];
};

// counts holds, per CPU and by syscall number, the calls written out or
// lost; user space compares them with the events it read, so that a loss
// is reported per syscall, and builds the profile of --summary from them.
// User space sizes it to the syscall numbers of the architecture.
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_SYSCALLS);
	__type(key, __u32);
	__type(value, struct call_count);
} counts SEC(".maps");

// errnos counts, per CPU, the failed calls by syscall and errno: the key
// is nr << ERRNO_SHIFT | errno. Its entries are made as pairs occur
// (a few dozen in a run): preallocating them all cost 3 ms of start-up.
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MAX_ERRNO_KEYS);
	__type(key, __u32);
	__type(value, __u64);
} errnos SEC(".maps");

// lost counts, per CPU, the records that did not fit in the ring buffer.
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

#ifndef FLAVOR_TP_BTF
// newborn holds, in the raw_tp and tracepoint flavours, the tids of tasks
// forked by a traced task: without trusted pointers the fork hook cannot
// give the child its storage, so the child takes it at its first syscall.
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);
} newborn SEC(".maps");
#endif

// item_room says whether an item of up to room bytes fits at off.
static __always_inline bool item_room(__u32 off, __u32 room)
{
	return off + ITEM_HEADER + room <= DATA_SIZE;
}

// item_put writes the header of an item at off, whose len bytes follow it,
// and returns the offset after it.
static __always_inline __u32 item_put(struct task_state *st, __u32 off, __u32 slot, __u32 len, __u8 flags)
{
	__u32 o = off & DATA_MASK;
	st->data[o] = len;
	st->data[(o + 1) & DATA_MASK] = len >> 8;
	st->data[(o + 2) & DATA_MASK] = slot;
	st->data[(o + 3) & DATA_MASK] = flags;
	return off + ITEM_HEADER + len;
}

// read_str reads the user string at ptr, at most size bytes with its NUL,
// as an item; it returns the offset after the item.
static __always_inline __u32 read_str(struct task_state *st, __u32 off, __u32 slot, __u64 ptr, __u32 size)
{
	if (size > CAPTURE_SIZE)
		size = CAPTURE_SIZE;
	if (!item_room(off, size))
		return off;
	__u32 p = (off + ITEM_HEADER) & DATA_MASK;
	long n = bpf_probe_read_user_str(&st->data[p], size & (2 * CAPTURE_SIZE - 1), (const void *)ptr);
	if (n <= 0)
		return item_put(st, off, slot, 0, CAPTURED | FAULTED);
	return item_put(st, off, slot, n - 1, n == size ? CAPTURED | TRUNCATED : CAPTURED);
}

// read_bytes reads len bytes of user memory at ptr, at most max, as an item.
static __always_inline __u32 read_bytes(struct task_state *st, __u32 off, __u32 slot, __u64 ptr, __u64 len, __u32 max)
{
	__u32 n = len < max ? len : max;
	if (n > CAPTURE_SIZE)
		n = CAPTURE_SIZE;
	if (!item_room(off, n))
		return off;
	__u32 p = (off + ITEM_HEADER) & DATA_MASK;
	if (bpf_probe_read_user(&st->data[p], n & (2 * CAPTURE_SIZE - 1), (const void *)ptr) < 0)
		return item_put(st, off, slot, 0, CAPTURED | FAULTED);
	return item_put(st, off, slot, n, len > n ? CAPTURED | TRUNCATED : CAPTURED);
}

// put_count writes a count as a 4-byte item.
static __always_inline __u32 put_count(struct task_state *st, __u32 off, __u32 slot, __u32 count, __u8 flags)
{
	if (!item_room(off, 4))
		return off;
	__u32 p = (off + ITEM_HEADER) & DATA_MASK;
	st->data[p] = count;
	st->data[(p + 1) & DATA_MASK] = count >> 8;
	st->data[(p + 2) & DATA_MASK] = count >> 16;
	st->data[(p + 3) & DATA_MASK] = count >> 24;
	return item_put(st, off, slot, 4, flags);
}

// argv_reading is the state of read_argv, handed to argv_entry.
struct argv_reading {
	struct task_state *st;
	__u64 ptr;
	__u32 slot, max;
};

// argv_entry reads entry j of an argv as an item; 1 ends the loop. An
// empty item flagged MORE stands for the entries not read.
static long argv_entry(__u64 j, struct argv_reading *a)
{
	struct task_state *st = a->st;
	if (!st)
		return 1;
	// The offset lives in the map value, not in the loop's state: the
	// verifier then sees every iteration alike and checks it once.
	__u32 off = st->rec.data_len;
	__u64 entry = 0;
	if (bpf_probe_read_user(&entry, sizeof(entry), (const void *)(a->ptr + j * 8)) < 0) {
		st->rec.data_len = item_put(st, off, a->slot, 0, CAPTURED | FAULTED);
		return 1;
	}
	if (entry == 0)
		return 1;
	if (j >= a->max || !item_room(off, string_limit + 2)) {
		st->rec.data_len = item_put(st, off, a->slot, 0, MORE);
		return 1;
	}
	// One byte beyond the limit tells a string of exactly string_limit bytes
	// (shown whole) from a longer one (cut, "...").
	st->rec.data_len = read_str(st, off, a->slot, entry, string_limit + 2);
	return 0;
}

// read_argv reads the first entries of the char*[] at ptr, each an item.
static __always_inline __u32 read_argv(struct task_state *st, __u32 off, __u32 slot, __u64 ptr)
{
	struct argv_reading a = {.st = st, .ptr = ptr, .slot = slot,
				 .max = string_limit < MAX_ARGV ? string_limit : MAX_ARGV};
	st->rec.data_len = off;
	bpf_loop(MAX_ARGV + 1, argv_entry, &a, 0);
	return st->rec.data_len;
}

// counting is the state of a count made with bpf_loop, whose callback
// the verifier checks once, not once per iteration: what changes from one
// iteration to the next (the count, the offset) is kept in the task's
// storage, where the verifier sees no constant it could tell apart.
struct counting {
	struct task_state *st;
	__u64 ptr, len;
	__u8 flags; // set when the count ended before MAX_COUNT
};

// count_entry counts entry i of a char*[]; 1 ends the loop.
static long count_entry(__u64 i, struct counting *c)
{
	struct task_state *st = c->st;
	if (!st)
		return 1;
	__u64 entry = 0;
	if (bpf_probe_read_user(&entry, sizeof(entry), (const void *)(c->ptr + i * 8)) < 0) {
		c->flags = CAPTURED | FAULTED;
		return 1;
	}
	if (entry == 0) {
		c->flags = CAPTURED;
		return 1;
	}
	st->count_n++;
	return 0;
}

// count_dirent counts the struct linux_dirent64 at the count's offset; 1
// ends the loop.
static long count_dirent(__u64 i, struct counting *c)
{
	struct task_state *st = c->st;
	if (!st)
		return 1;
	__u64 at = st->count_at;
	if (at >= c->len) {
		c->flags = CAPTURED;
		return 1;
	}
	__u16 reclen = 0; // d_reclen, after d_ino and d_off
	if (bpf_probe_read_user(&reclen, sizeof(reclen), (const void *)(c->ptr + at + 16)) < 0 || reclen == 0) {
		c->flags = CAPTURED | FAULTED;
		return 1;
	}
	st->count_at = at + reclen;
	st->count_n++;
	return 0;
}

// count_entries counts the entries of the char*[] at ptr, up to MAX_COUNT.
static __always_inline __u32 count_entries(struct task_state *st, __u32 off, __u32 slot, __u64 ptr)
{
	struct counting c = {.st = st, .ptr = ptr};
	st->count_n = 0;
	bpf_loop(MAX_COUNT, count_entry, &c, 0);
	return put_count(st, off, slot, st->count_n, c.flags ? c.flags : CAPTURED | TRUNCATED);
}

// count_dirents counts the struct linux_dirent64 in the len bytes at ptr.
static __always_inline __u32 count_dirents(struct task_state *st, __u32 off, __u32 slot, __u64 ptr, __u64 len)
{
	struct counting c = {.st = st, .ptr = ptr, .len = len};
	st->count_n = 0;
	st->count_at = 0;
	bpf_loop(MAX_COUNT, count_dirent, &c, 0);
	return put_count(st, off, slot, st->count_n, c.flags ? c.flags : CAPTURED | TRUNCATED);
}

// capturing is the state of read_captures, handed to capture_one.
struct capturing {
	struct task_state *st;
	const volatile struct capture_spec *spec;
	__u32 nr;
	long ret;
	bool exit;
};

// capture_one reads the argument of capture i, as bpf_loop's callback: the
// verifier checks it once, whatever the kinds of the other captures.
static long capture_one(__u64 i, struct capturing *c)
{
	struct task_state *st = c->st;
	const volatile struct capture_spec *spec = c->spec;
	if (!st || !spec || i >= MAX_CAPTURES)
		return 1;
	__u32 j = i & (MAX_CAPTURES - 1);
	__u8 kind = spec->kind[j];
	__u8 arg = spec->arg[j];
	if (kind == CAPTURE_NONE || arg >= 6)
		return 1;
	__u64 ptr = st->rec.args[arg & 7];
	__u8 len_arg = spec->len_arg[j];
	__u64 len = len_arg < 6 ? st->rec.args[len_arg & 7] : 0;
	__u16 size = spec->size[j];
	__u32 off = st->rec.data_len; // in the map value: see argv_entry
	long ret = c->ret;
	bool ok = ret >= 0 && ret <= 0x7fffffff;
	if (!c->exit) {
		switch (kind) {
		case CAPTURE_PATH: {
			__u32 start = off;
			off = read_str(st, off, j, ptr, CAPTURE_SIZE);
			if (off == start + ITEM_HEADER && (st->data[(start + 3) & DATA_MASK] & FAULTED))
				st->flags |= TASK_FAULTED;
			break;
		}
		case CAPTURE_ARGV:
			if (ptr)
				off = read_argv(st, off, j, ptr);
			break;
		case CAPTURE_COUNT:
			if (ptr)
				off = count_entries(st, off, j, ptr);
			break;
		case CAPTURE_BUF_IN:
			if (ptr)
				off = read_bytes(st, off, j, ptr, len, string_limit);
			break;
		case CAPTURE_STRUCT_IN:
			if (ptr)
				off = read_bytes(st, off, j, ptr, size, size);
			break;
		case CAPTURE_SOCKADDR_IN:
			if (ptr)
				off = read_bytes(st, off, j, ptr, len, SOCKADDR_SIZE);
			break;
		}
		st->rec.data_len = off;
		return 0;
	}
	switch (kind) {
	case CAPTURE_PATH:
		// Read again a path that faulted at entry: the call itself has
		// brought its page in (a later item replaces an earlier). A
		// successful execve has replaced the memory.
		if ((st->flags & TASK_FAULTED) && c->nr != execve_nr && c->nr != execveat_nr)
			off = read_str(st, off, j, ptr, CAPTURE_SIZE);
		break;
	case CAPTURE_BUF_OUT:
		if (ptr && ok)
			off = read_bytes(st, off, j, ptr, ret, string_limit);
		break;
	case CAPTURE_STRUCT_OUT:
		if (ptr && ok)
			off = read_bytes(st, off, j, ptr, size, size);
		break;
	case CAPTURE_PATH_OUT:
		if (ptr && ok && ret > 0)
			off = read_str(st, off, j, ptr, CAPTURE_SIZE);
		break;
	case CAPTURE_DIRENTS:
		if (ptr && ok)
			off = count_dirents(st, off, j, ptr, ret);
		break;
	case CAPTURE_SOCKADDR_OUT:
		if (ptr && ok && len) {
			__u32 n = 0;
			if (bpf_probe_read_user(&n, sizeof(n), (const void *)len) == 0)
				off = read_bytes(st, off, j, ptr, n, SOCKADDR_SIZE);
		}
		break;
	}
	st->rec.data_len = off;
	return 0;
}

// at_exit says whether a capture of kind is read when the call returns
// (otherwise when it enters).
static __always_inline bool at_exit(__u8 kind)
{
	return kind == CAPTURE_BUF_OUT || kind == CAPTURE_STRUCT_OUT || kind == CAPTURE_PATH_OUT ||
	       kind == CAPTURE_DIRENTS || kind == CAPTURE_SOCKADDR_OUT;
}

// read_captures reads the arguments that capture_specs lists for nr: at
// entry (exit false), or at exit (exit true; the call returned ret).
static __always_inline void read_captures(struct task_state *st, __u32 nr, bool exit, long ret)
{
	if (nr >= MAX_SYSCALLS)
		return;
	const volatile struct capture_spec *spec = &capture_specs[nr & (MAX_SYSCALLS - 1)];
	if (spec->kind[0] == CAPTURE_NONE)
		return;
	// Most calls read at one end only (openat's path at entry, read's
	// buffer at exit): the loop is not started for the other end.
	bool work = exit && (st->flags & TASK_FAULTED);
#pragma unroll
	for (int i = 0; i < MAX_CAPTURES; i++)
		work = work || (spec->kind[i] != CAPTURE_NONE && at_exit(spec->kind[i]) == exit);
	if (!work)
		return;
	struct capturing c = {.st = st, .spec = spec, .nr = nr, .ret = ret, .exit = exit};
	bpf_loop(MAX_CAPTURES, capture_one, &c, 0);
}

// Magic numbers of the pseudo file systems whose descriptors strace -y
// shows as "pipe:[inode]", "socket:[inode]" or "anon_inode:[eventfd]".
#define PIPEFS_MAGIC 0x50495045
#define SOCKFS_MAGIC 0x534F434B
#define ANON_INODE_FS_MAGIC 0x09041934

// path_walk is the state of a walk from a dentry up to the root.
struct path_walk {
	struct task_state *st;
	struct dentry *dentry;
	struct mount *mnt;
	__u32 slot;
};

// path_component writes the name of the walk's dentry as an item and goes
// up one level (crossing mount points); 1 ends the walk at the root.
static long path_component(__u64 i, struct path_walk *w)
{
	struct task_state *st = w->st;
	if (!st)
		return 1;
	struct dentry *d = w->dentry;
	struct mount *m = w->mnt;
	if (d == BPF_CORE_READ(m, mnt.mnt_root)) {
		struct mount *parent = BPF_CORE_READ(m, mnt_parent);
		if (parent == m)
			return 1; // the root of the mount namespace
		w->dentry = BPF_CORE_READ(m, mnt_mountpoint);
		w->mnt = parent;
		return 0;
	}
	struct dentry *up = BPF_CORE_READ(d, d_parent);
	if (up == d)
		return 1;
	__u32 off = st->rec.data_len;
	if (!item_room(off, 256))
		return 1;
	const unsigned char *name = BPF_CORE_READ(d, d_name.name);
	long n = bpf_probe_read_kernel_str(&st->data[(off + ITEM_HEADER) & DATA_MASK], 256, name);
	if (n <= 0)
		return 1;
	st->rec.data_len = item_put(st, off, w->slot, n - 1, CAPTURED);
	w->dentry = up;
	return 0;
}

#define AT_FDCWD -100

// fd_path writes the path of descriptor fd of task as items of slot: an
// empty item, then the components from the leaf up (user space joins
// them); or one SPECIAL item for a pipe, socket or anonymous inode.
// AT_FDCWD stands for the task's working directory, as strace -y shows it.
static __always_inline void fd_path(struct task_state *st, struct task_struct *task, long fd, __u32 slot)
{
	struct dentry *dentry;
	struct vfsmount *vfs;
	__u32 off = st->rec.data_len;
	if (!item_room(off, 12 + 256))
		return;
	if (fd == AT_FDCWD) {
		dentry = BPF_CORE_READ(task, fs, pwd.dentry);
		vfs = BPF_CORE_READ(task, fs, pwd.mnt);
	} else {
		if (fd < 0)
			return;
		struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
		if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
			return;
		struct file **fds = BPF_CORE_READ(fdt, fd);
		struct file *f = 0;
		if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) < 0 || !f)
			return;
		struct inode *inode = BPF_CORE_READ(f, f_inode);
		__u32 magic = BPF_CORE_READ(inode, i_sb, s_magic);
		dentry = BPF_CORE_READ(f, f_path.dentry);
		vfs = BPF_CORE_READ(f, f_path.mnt);
		if (magic == PIPEFS_MAGIC || magic == SOCKFS_MAGIC || magic == ANON_INODE_FS_MAGIC) {
			__u32 p = (off + ITEM_HEADER) & DATA_MASK;
			__u64 ino = BPF_CORE_READ(inode, i_ino);
			bpf_probe_read_kernel(&st->data[p], 4, &magic);
			bpf_probe_read_kernel(&st->data[(p + 4) & DATA_MASK], 8, &ino);
			long n = 0;
			if (magic == ANON_INODE_FS_MAGIC) {
				const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
				n = bpf_probe_read_kernel_str(&st->data[(p + 12) & DATA_MASK], 256, name);
				n = n > 0 ? n - 1 : 0;
			}
			st->rec.data_len = item_put(st, off, slot, 12 + n, CAPTURED | SPECIAL);
			return;
		}
	}
	if (!dentry || !vfs)
		return;
	st->rec.data_len = item_put(st, off, slot, 0, CAPTURED);
	struct path_walk w = {
		.st = st,
		.dentry = dentry,
		.mnt = (struct mount *)((void *)vfs - bpf_core_field_offset(struct mount, mnt)),
		.slot = slot,
	};
	bpf_loop(MAX_DEPTH, path_component, &w, 0);
}

// fd_lookup is the state of fd_paths: which descriptors to look up, by
// their index among FD_SLOT's slots.
struct fd_lookup {
	struct task_state *st;
	struct task_struct *task;
	long fds[9];
	__u16 wanted; // bit i: look up fds[i]
};

// fd_one looks up descriptor i of the lookup, as bpf_loop's callback (the
// verifier checks fd_path once).
static long fd_one(__u64 i, struct fd_lookup *l)
{
	if (i >= 9 || !l->st || !(l->wanted & (1 << i)))
		return 0;
	fd_path(l->st, l->task, l->fds[i & 15], FD_SLOT + i);
	return 0;
}

// fd_paths writes the paths of the descriptors of call nr (-y): at entry
// those among its arguments, at exit the one it returned or the pair it
// filled in.
static __always_inline void fd_paths_of(struct task_state *st, __u32 nr, bool exit, long ret)
{
	if (!fd_paths || nr >= MAX_SYSCALLS)
		return;
	__u8 mask = fd_args[nr & (MAX_SYSCALLS - 1)];
	struct fd_lookup l = {.st = st, .task = bpf_get_current_task_btf()};
	if (!exit) {
#pragma unroll
		for (int i = 0; i < 6; i++)
			l.fds[i] = (int)st->rec.args[i];
		l.wanted = mask & 0x3f;
	} else if (ret >= 0) {
		l.fds[6] = ret;
		l.wanted = mask & FD_RESULT;
		int pair[2] = {-1, -1};
		if ((mask & FD_PAIR) && ret == 0 && bpf_probe_read_user(pair, sizeof(pair), (const void *)st->rec.args[0]) == 0) {
			l.fds[7] = pair[0];
			l.fds[8] = pair[1];
			l.wanted |= 3 << 7;
		}
	}
	if (l.wanted)
		bpf_loop(9, fd_one, &l, 0);
}

// bit_len is the number of bits of v: 0 for 0, 64 for 1 << 63.
static __always_inline __u32 bit_len(__u64 v)
{
	__u32 n = 0;
	if (v >> 32) {
		v >>= 32;
		n += 32;
	}
	if (v >> 16) {
		v >>= 16;
		n += 16;
	}
	if (v >> 8) {
		v >>= 8;
		n += 8;
	}
	if (v >> 4) {
		v >>= 4;
		n += 4;
	}
	if (v >> 2) {
		v >>= 2;
		n += 2;
	}
	if (v >> 1) {
		v >>= 1;
		n += 1;
	}
	return n + v;
}

// hist_bucket is the bucket of a duration of ns nanoseconds: 0 to 3 ns
// their own, then HIST_SUB buckets per bit length, told apart by the two
// bits below the highest (user space has the same rule, histBucket).
static __always_inline __u32 hist_bucket(__u64 ns)
{
	if (ns < HIST_SUB)
		return ns;
	__u32 len = bit_len(ns);
	if (len > HIST_BITS)
		return HIST_BUCKETS - 1;
	return (len - 2) * HIST_SUB + ((ns >> (len - 3)) & (HIST_SUB - 1));
}

// is_error says whether a call's return value is -errno, a failure.
static __always_inline bool is_error(long ret)
{
	return ret < 0 && ret >= -4095;
}

// count_errno counts a call nr that failed with errno.
static __always_inline void count_errno(__u32 nr, __u32 errno)
{
	__u32 key = nr << ERRNO_SHIFT | errno;
	__u64 *n = bpf_map_lookup_elem(&errnos, &key);
	if (n) {
		*n += 1;
		return;
	}
	__u64 one = 1;
	if (bpf_map_update_elem(&errnos, &key, &one, BPF_NOEXIST) == 0)
		return;
	// Another CPU made the entry meanwhile (or the map is full: user
	// space finds the errnos short of the errors, and says so).
	n = bpf_map_lookup_elem(&errnos, &key);
	if (n)
		*n += 1;
}

// count_call counts a traced call nr: one that returned ret after
// duration_ns, or one that never returned (returned false).
static __always_inline void count_call(__u32 nr, long ret, __u64 duration_ns, bool returned)
{
	struct call_count *c = bpf_map_lookup_elem(&counts, &nr);
	if (!c)
		return;
	c->calls++;
	if (!returned) {
		c->unfinished++;
		return;
	}
	c->total_ns += duration_ns;
	if (is_error(ret)) {
		c->errors++;
		count_errno(nr, -ret);
	}
	// The latencies are the summary's: a stream carries each call's
	// duration, and its profile is made from them (no cost per call here).
	if (!summary_only)
		return;
	if (c->calls - c->unfinished == 1 || duration_ns < c->min_ns)
		c->min_ns = duration_ns;
	if (duration_ns > c->max_ns)
		c->max_ns = duration_ns;
	__u32 b = hist_bucket(duration_ns);
	if (b < HIST_BUCKETS)
		c->hist[b]++;
}

// count_lost counts a record that was not written to the ring buffer.
static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&lost, &zero);
	if (n)
		*n += 1;
}

// emit copies the record and its strings to the ring buffer; when it does
// not fit, the loss is counted. A call is counted in the kernel first,
// and with --summary that is all. Calls and signals leave reserve_bytes
// of the ring free for the ends of tasks. The reader is woken only once
// enough data is queued: it also polls, so a quiet trace is still
// delivered, and it reads until the ring is empty before it waits again.
static __always_inline void emit(struct task_state *st)
{
	__u64 size = sizeof(struct record) + st->rec.data_len;
	if (st->rec.data_len > DATA_SIZE)
		size = sizeof(struct record);
	bool lifecycle = st->rec.flags & (RECORD_EXIT | RECORD_UNTRACED);
	if (!(st->rec.flags & (RECORD_EXIT | RECORD_SIGNAL | RECORD_UNTRACED)))
		count_call(st->rec.nr, st->rec.ret, st->rec.duration_ns, st->rec.flags & RECORD_RETURNED);
	if (summary_only && !lifecycle)
		return;
	// Wake the reader once, when the queued data crosses wakeup_bytes: a
	// wake-up per record above it would cost an interrupt each.
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	// 8 bytes of ring buffer header come with each record.
	if (!lifecycle && avail + size + 8 + reserve_bytes > ring_bytes) {
		count_lost();
		return;
	}
	__u64 flags = avail < wakeup_bytes && avail + size >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&events, &st->rec, size, flags) < 0)
		count_lost();
}

// fill_task sets the fields that name the calling task. The name is read
// straight from the task, two words (the kernel keeps it NUL-padded):
// cheaper on every call than bpf_get_current_comm, and as current, since a
// rename (prctl, exec, a write to /proc/PID/comm) is seen at once.
static __always_inline void fill_task(struct task_state *st)
{
	__u64 id = bpf_get_current_pid_tgid();
	st->rec.tgid = id >> 32;
	st->rec.tid = (__u32)id;
	const __u64 *comm = (const __u64 *)bpf_get_current_task_btf()->comm;
	__u64 *to = (__u64 *)st->rec.comm;
	to[0] = comm[0];
	to[1] = comm[1];
}

// summary_enter keeps what --summary needs of the entry of call nr: its
// number and time, nothing of its arguments. exit and exit_group, which
// never return, are counted at once.
static __always_inline void summary_enter(struct task_state *st, __u32 nr)
{
	if (nr == exit_nr || nr == exit_group_nr) {
		st->flags &= ~TASK_IN_CALL;
		if (!failed_only)
			count_call(nr, 0, 0, false);
		return;
	}
	st->rec.nr = nr;
	st->rec.time_ns = bpf_ktime_get_ns();
	st->flags |= TASK_IN_CALL;
}

// on_enter keeps the entry of a call (or writes exit/exit_group, which
// never return).
static __always_inline void on_enter(struct task_state *st, __u64 id, __u64 args[6])
{
	__u32 nr = id;
	if ((st->flags & TASK_PRE_EXEC) && nr != execve_nr && nr != execveat_nr)
		return;
	if (filter_syscalls && (id >= MAX_SYSCALLS || !wanted[id & (MAX_SYSCALLS - 1)]))
		return;
	if (summary_only) {
		summary_enter(st, nr);
		return;
	}
	st->rec.time_ns = bpf_ktime_get_ns();
	st->rec.nr = nr;
#pragma unroll
	for (int i = 0; i < 6; i++)
		st->rec.args[i] = args[i];
	st->rec.data_len = 0;
	st->flags &= ~TASK_FAULTED;
	read_captures(st, nr, false, 0);
	fd_paths_of(st, nr, false, 0);
	if (nr == exit_nr || nr == exit_group_nr) {
		st->flags &= ~TASK_IN_CALL;
		if (failed_only)
			return;
		st->rec.ret = 0;
		st->rec.duration_ns = 0;
		st->rec.flags = 0;
		fill_task(st);
		emit(st);
		return;
	}
	st->flags |= TASK_IN_CALL;
}

// SIGKILL_BIT is SIGKILL in a task's pending signal set.
#define SIGKILL_BIT (1ULL << (9 - 1))

// on_exit completes the call begun at entry and writes it out. A call that
// SIGKILL cut short never returns to the task (strace prints "= ?"): it is
// written without a return value. pending is the task's pending signals.
static __always_inline void on_exit(struct task_state *st, long ret, __u64 pending)
{
	if (!(st->flags & TASK_IN_CALL))
		return;
	st->flags &= ~TASK_IN_CALL;
	bool killed = pending & SIGKILL_BIT;
	if (failed_only && (killed || !is_error(ret)))
		return;
	if (summary_only) {
		count_call(st->rec.nr, ret, killed ? 0 : bpf_ktime_get_ns() - st->rec.time_ns, !killed);
		return;
	}
	st->rec.ret = ret;
	st->rec.duration_ns = bpf_ktime_get_ns() - st->rec.time_ns;
	st->rec.flags = killed ? 0 : RECORD_RETURNED;
	if (!killed) {
		read_captures(st, st->rec.nr, true, ret);
		fd_paths_of(st, st->rec.nr, true, ret);
	}
	fill_task(st);
	emit(st);
}

// fork_flags returns the flags a child of the current task starts with:
// its parent's TASK_PRE_EXEC when the parent is traced, TASK_PRE_EXEC when
// the parent is the thread of stracectl that starts the command, and -1
// when the child is not traced.
static __always_inline long fork_flags(struct task_state *parent)
{
	if (parent)
		return parent->flags & TASK_PRE_EXEC;
	__u32 seed = fork_seed_tid;
	if (seed && seed == (__u32)bpf_get_current_pid_tgid())
		return TASK_PRE_EXEC;
	return -1;
}

// task_started counts a task that joins the tree, once past its execve.
static __always_inline void task_started(__u32 flags)
{
	if (!(flags & TASK_PRE_EXEC))
		__sync_fetch_and_add(&live_tasks, 1);
}

// exec_done ends the launching child's pre-exec state: from here on it is
// the command.
static __always_inline void exec_done(struct task_state *st)
{
	if (st->flags & TASK_PRE_EXEC) {
		st->flags &= ~TASK_PRE_EXEC;
		task_started(st->flags);
	}
}

// emit_event writes a record that is not a call (RECORD_EXIT or
// RECORD_SIGNAL) for a task past its execve. Both happen outside any call:
// the task is leaving a call or ending.
static __always_inline void emit_event(struct task_state *st, __u32 flags, long value, const void *siginfo)
{
	st->flags &= ~TASK_IN_CALL;
	st->rec.time_ns = bpf_ktime_get_ns();
	st->rec.duration_ns = 0;
	st->rec.nr = 0;
	st->rec.ret = value;
	st->rec.flags = flags;
	st->rec.data_len = 0;
	// The siginfo of a signal, as the kernel keeps it (struct
	// kernel_siginfo: signo, errno, code, then the union of its fields).
	if (siginfo && bpf_probe_read_kernel(&st->data[ITEM_HEADER], SIGINFO_SIZE, siginfo) == 0)
		st->rec.data_len = item_put(st, 0, 0, SIGINFO_SIZE, CAPTURED);
	fill_task(st);
	emit(st);
}

#define SIGKILL 9

// on_signal writes a signal delivered to a traced task, as strace's
// "--- SIGCHLD ... ---". ptrace never reports SIGKILL, and neither do we;
// but a fatal signal (SIGINT, SIGUSR1...) reaches an untraced process as
// SIGKILL: the kernel ends the whole group with it and keeps the real
// signal in the group's exit code. Under ptrace that shortcut is not
// taken and strace shows the real signal, once: so does the group leader
// here.
static __always_inline void on_signal(struct task_state *st, struct task_struct *task, int sig, const void *siginfo)
{
	if (st->flags & TASK_PRE_EXEC)
		return;
	if (sig == SIGKILL) {
		int code = BPF_CORE_READ(task, signal, group_exit_code);
		if ((code & 0xff00) || (code & 0x7f) == 0 || (code & 0x7f) == SIGKILL ||
		    BPF_CORE_READ(task, pid) != BPF_CORE_READ(task, tgid))
			return;
		sig = code & 0x7f;
		siginfo = 0; // the real signal's siginfo is not at hand
	}
	emit_event(st, RECORD_SIGNAL, sig, siginfo);
}

// on_task_exit writes the end of a traced task (not of the launching child
// before its execve): ret is the wait status, as in "+++ exited with 0 +++".
static __always_inline void on_task_exit(struct task_state *st, int exit_code)
{
	if (st->flags & TASK_PRE_EXEC)
		return;
	__sync_fetch_and_add(&live_tasks, -1);
	emit_event(st, RECORD_EXIT, exit_code, 0);
}

// may_trace says whether the tracer could ptrace task, by the rule above;
// its objective credentials (real_cred) are what ptrace compares.
static __always_inline bool may_trace(struct task_struct *task)
{
	if (any_creds)
		return true;
	const struct cred *c = BPF_CORE_READ(task, real_cred);
	if (!c)
		return false;
	if (BPF_CORE_READ(c, uid.val) != tracer_uid || BPF_CORE_READ(c, euid.val) != tracer_uid ||
	    BPF_CORE_READ(c, suid.val) != tracer_uid || BPF_CORE_READ(c, gid.val) != tracer_gid ||
	    BPF_CORE_READ(c, egid.val) != tracer_gid || BPF_CORE_READ(c, sgid.val) != tracer_gid)
		return false;
	// kernel_cap_t is a __u64 (Linux 6.3+) or two __u32, low word first:
	// the same eight bytes on a little-endian machine either way.
	__u64 caps = 0;
	bpf_probe_read_kernel(&caps, sizeof(caps), &c->cap_permitted);
	return (caps & ~tracer_caps) == 0;
}

// untrace ends the tracing of the task (why is UNTRACED_*): user space is
// told, the task leaves the live count, and its storage goes, so that
// neither its calls nor its future children are traced.
static __always_inline void untrace(struct task_struct *task, struct task_state *st, long why)
{
	if (!(st->flags & TASK_PRE_EXEC))
		__sync_fetch_and_add(&live_tasks, -1);
	emit_event(st, RECORD_UNTRACED, why, 0);
	bpf_task_storage_delete(&tasks, task);
}

// check_exec untraces a task that has just executed a program the tracer
// could not ptrace (setuid, setgid, file capabilities). Its execve, which
// has succeeded, is written first.
static __always_inline void check_exec(struct task_struct *task, struct task_state *st)
{
	if (may_trace(task))
		return;
	if (st->flags & TASK_IN_CALL) {
		st->flags &= ~TASK_IN_CALL;
		if (!failed_only) {
			st->rec.ret = 0;
			st->rec.duration_ns = bpf_ktime_get_ns() - st->rec.time_ns;
			st->rec.flags = RECORD_RETURNED;
			fill_task(st);
			emit(st);
		}
	}
	untrace(task, st, UNTRACED_EXEC);
}

// check_creds untraces a task whose call nr may have given it credentials
// the tracer could not ptrace; the call itself has been written.
static __always_inline void check_creds(struct task_struct *task, struct task_state *st, __u32 nr)
{
	if (nr < MAX_SYSCALLS && cred_calls[nr & (MAX_SYSCALLS - 1)] && !may_trace(task))
		untrace(task, st, UNTRACED_CREDS);
}

#if defined(FLAVOR_TP_BTF)
// --- tp_btf: trusted task pointers, registers read directly. ---

SEC("tp_btf/sys_enter")
int BPF_PROG(trace_enter, struct pt_regs *regs, long id)
{
	struct task_state *st = bpf_task_storage_get(&tasks, bpf_get_current_task_btf(), 0, 0);
	if (!st)
		return 0;
	__u64 args[6] = {SYSCALL_ARG0(regs), SYSCALL_ARG1(regs), SYSCALL_ARG2(regs),
			 SYSCALL_ARG3(regs), SYSCALL_ARG4(regs), SYSCALL_ARG5(regs)};
	on_enter(st, id, args);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(trace_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_state *st = bpf_task_storage_get(&tasks, task, 0, 0);
	if (!st)
		return 0;
	__u32 nr = st->rec.nr;
	on_exit(st, ret, task->pending.signal.sig[0]);
	check_creds(task, st, nr);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(trace_fork, struct task_struct *parent, struct task_struct *child)
{
	long flags = fork_flags(bpf_task_storage_get(&tasks, parent, 0, 0));
	if (flags < 0)
		return 0;
	struct task_state *cs = bpf_task_storage_get(&tasks, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (cs) {
		cs->flags = flags;
		task_started(flags);
	}
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(trace_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct task_state *st = bpf_task_storage_get(&tasks, bpf_get_current_task_btf(), 0, 0);
	if (!st)
		return 0;
	exec_done(st);
	// execve's path when it could not be read at entry (a later item
	// replaces an earlier one).
	__u32 off = st->rec.data_len;
	if ((st->flags & TASK_IN_CALL) && st->rec.nr == execve_nr && (st->flags & TASK_FAULTED) && item_room(off, CAPTURE_SIZE)) {
		long n = bpf_probe_read_kernel_str(&st->data[(off + ITEM_HEADER) & DATA_MASK], CAPTURE_SIZE, bprm->filename);
		if (n > 0)
			st->rec.data_len = item_put(st, off, 0, n - 1, n == CAPTURE_SIZE ? CAPTURED | TRUNCATED : CAPTURED);
	}
	check_exec(bpf_get_current_task_btf(), st);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(trace_end, struct task_struct *p)
{
	struct task_state *st = bpf_task_storage_get(&tasks, p, 0, 0);
	if (st)
		on_task_exit(st, p->exit_code);
	return 0;
}

SEC("tp_btf/signal_deliver")
int BPF_PROG(trace_signal, int sig, struct kernel_siginfo *info)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_state *st = bpf_task_storage_get(&tasks, task, 0, 0);
	if (st)
		on_signal(st, task, sig, info);
	return 0;
}

#else
// --- raw_tp and classic tracepoints: untrusted pointers. ---

// current_state returns the current task's state, adopting it first when
// a traced parent forked it (see newborn).
static __always_inline struct task_state *current_state(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_state *st = bpf_task_storage_get(&tasks, task, 0, 0);
	if (st)
		return st;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 *flags = bpf_map_lookup_elem(&newborn, &tid);
	if (!flags)
		return 0;
	__u32 inherited = *flags;
	bpf_map_delete_elem(&newborn, &tid);
	st = bpf_task_storage_get(&tasks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (st)
		st->flags = inherited & TASK_PRE_EXEC; // counted live at the fork
	return st;
}

// note_fork records that the current task forked child_tid, when the child
// is to be traced.
static __always_inline void note_fork(__u32 child_tid)
{
	long flags = fork_flags(bpf_task_storage_get(&tasks, bpf_get_current_task_btf(), 0, 0));
	if (flags < 0)
		return;
	__u32 inherited = flags;
	bpf_map_update_elem(&newborn, &child_tid, &inherited, BPF_ANY);
	// The child is live from now: counted here, not at its first syscall,
	// or a parent ending before the child is first scheduled would end the
	// run with the child still to come.
	task_started(inherited);
}

// note_task_exit writes the end of the current task when it is traced. A
// child that ends before its first syscall never took its storage: it
// leaves the live count and its newborn entry goes, lest a later task with
// the same id take it.
static __always_inline void note_task_exit(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_state *st = bpf_task_storage_get(&tasks, task, 0, 0);
	if (st) {
		on_task_exit(st, BPF_CORE_READ(task, exit_code));
		return;
	}
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 *flags = bpf_map_lookup_elem(&newborn, &tid);
	if (!flags)
		return;
	if (!(*flags & TASK_PRE_EXEC))
		__sync_fetch_and_add(&live_tasks, -1);
	bpf_map_delete_elem(&newborn, &tid);
}

static __always_inline void note_exec(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_state *st = bpf_task_storage_get(&tasks, task, 0, 0);
	if (!st)
		return;
	exec_done(st);
	check_exec(task, st);
}

#if defined(FLAVOR_RAW_TP)
SEC("raw_tp/sys_enter")
int BPF_PROG(trace_enter, struct pt_regs *regs, long id)
{
	struct task_state *st = current_state();
	if (!st)
		return 0;
	__u64 args[6];
	CORE_SYSCALL_ARGS(regs, args);
	on_enter(st, id, args);
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(trace_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_state *st = bpf_task_storage_get(&tasks, task, 0, 0);
	if (!st)
		return 0;
	__u32 nr = st->rec.nr;
	on_exit(st, ret, BPF_CORE_READ(task, pending.signal.sig[0]));
	check_creds(task, st, nr);
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(trace_fork, struct task_struct *parent, struct task_struct *child)
{
	note_fork(BPF_CORE_READ(child, pid));
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(trace_exec)
{
	note_exec();
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(trace_end)
{
	note_task_exit();
	return 0;
}

SEC("raw_tp/signal_deliver")
int BPF_PROG(trace_signal, int sig, struct kernel_siginfo *info)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_state *st = bpf_task_storage_get(&tasks, task, 0, 0);
	if (st)
		on_signal(st, task, sig, info);
	return 0;
}

#elif defined(FLAVOR_TRACEPOINT)
SEC("tracepoint/raw_syscalls/sys_enter")
int trace_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct task_state *st = current_state();
	if (!st)
		return 0;
	__u64 args[6] = {ctx->args[0], ctx->args[1], ctx->args[2],
			 ctx->args[3], ctx->args[4], ctx->args[5]};
	on_enter(st, ctx->id, args);
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int trace_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_state *st = bpf_task_storage_get(&tasks, task, 0, 0);
	if (!st)
		return 0;
	__u32 nr = st->rec.nr;
	on_exit(st, ctx->ret, BPF_CORE_READ(task, pending.signal.sig[0]));
	check_creds(task, st, nr);
	return 0;
}

SEC("tracepoint/sched/sched_process_fork")
int trace_fork(struct trace_event_raw_sched_process_fork *ctx)
{
	note_fork(ctx->child_pid);
	return 0;
}

SEC("tracepoint/sched/sched_process_exec")
int trace_exec(void *ctx)
{
	note_exec();
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int trace_end(void *ctx)
{
	note_task_exit();
	return 0;
}

SEC("tracepoint/signal/signal_deliver")
int trace_signal(struct trace_event_raw_signal_deliver *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_state *st = bpf_task_storage_get(&tasks, task, 0, 0);
	if (st)
		on_signal(st, task, ctx->sig, 0); // the classic tracepoint has no siginfo
	return 0;
}
#else
#error "build with -DFLAVOR_TP_BTF, -DFLAVOR_RAW_TP or -DFLAVOR_TRACEPOINT"
#endif
#endif
