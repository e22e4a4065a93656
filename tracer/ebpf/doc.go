// Package ebpf is the "ebpf" tracing backend: programs on the kernel's
// syscall tracepoints (ebpf.c, built by bpf2go into one object per way of
// attaching, committed so that a plain go build needs no clang) write one
// record per completed call of the traced process tree into a ring buffer;
// this side loads them, seeds the tree, reads the records on a goroutine of
// its own, prints them as strace would (tracer/syscalls) and accounts for
// every record that did not fit.
package ebpf

//go:generate go tool bpf2go -tags linux -target amd64,arm64 -output-stem tp_btf -type record -type limits -type record_flag -type capture_flag -type capture_kind -type untraced_reason -type fd_arg -type call_count tpBtf ebpf.c -- -I${BPF_INCLUDE} -DFLAVOR_TP_BTF
//go:generate go tool bpf2go -tags linux -target amd64,arm64 -output-stem raw_tp -no-global-types rawTp ebpf.c -- -I${BPF_INCLUDE} -DFLAVOR_RAW_TP
//go:generate go tool bpf2go -tags linux -target amd64,arm64 -output-stem tracepoint -no-global-types tracepoint ebpf.c -- -I${BPF_INCLUDE} -DFLAVOR_TRACEPOINT
