package tracer

// CallCounts is what a backend counted itself of one syscall, every traced
// call, whatever reached the sink: what --summary prints. Calls are
// counted by strace -c's rule: those that returned; Unfinished are those
// that never did (exit_group, a task killed inside the call).
type CallCounts struct {
	Syscall                   string
	Calls, Errors, Unfinished int64
	// Errnos counts the failed calls by errno name ("ENOENT").
	Errnos map[string]int64
	// TotalNs, MinNs and MaxNs are exact, over the calls that returned.
	TotalNs, MinNs, MaxNs int64
	// Durations are the durations of the calls that returned, coarsely:
	// pairs of a duration in nanoseconds standing for a bucket of them and
	// the calls in the bucket, ascending; the counts add up to Calls.
	Durations [][2]int64
}

// CountSink is a Sink that also takes a backend's own counts of the calls
// (see Options.Summary). Counts is called once, at the end of the trace.
type CountSink interface {
	Sink
	Counts(counts []CallCounts) error
}
