// Package strace is the "strace" tracing backend: it runs the system strace
// binary and turns the trace it writes into events with the project's
// parser, while it runs.
package strace
