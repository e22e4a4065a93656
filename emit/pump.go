package emit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/stracectl/stracectl/parse"
)

// Sender takes batches of events and returns an empty slice to fill next:
// a Stream. The slice it returns is one it is done with, and with every
// batch sent before it, so that a parser may reuse what their events
// pointed into (parse.Options.Recycle).
type Sender interface {
	Send(batch []parse.Event) ([]parse.Event, error)
}

// Pump moves the events of a command's inputs to its sink: it opens each
// input, reads it in batches, sends them on, and counts the lines it could
// not understand, for one report once every input is read (see Run). It is
// the one read loop of parse, stats and diff.
type Pump struct {
	// Options are given to each reader; Raw is the one to set.
	Options parse.Options
	// Debug prints each line not understood as it is met.
	Debug bool
	// Named names the input in problems and in the report: several
	// inputs, or a command that always says which.
	Named bool
	// Interrupt, when done, stops the reading of an input at the next
	// batch, except from a pipe: its writer got the signal too and is
	// finishing, so the pump reads on to its end.
	Interrupt context.Context
	// Diag receives the problems and the report; nil is stderr.
	Diag io.Writer
	// Noun is what an input is called when it cannot be opened: "input"
	// when empty, "profile" for diff.
	Noun string

	lines, problems int64
	first           string
	// Interrupted is set when Interrupt stopped an input before its end.
	Interrupted bool
}

// Read opens the input name ("-" is stdin), reads it with the reader
// newReader makes and sends its events to out, until the end of the input
// or an interrupt. It returns the reader, for what it learnt of the input;
// when the input cannot be opened, the zero R and the error.
func Read[R parse.Reader](p *Pump, name string, out Sender, newReader func(io.Reader, parse.Options) R) (R, error) {
	in, err := openInput(name)
	if err != nil {
		var none R
		noun := p.Noun
		if noun == "" {
			noun = "input"
		}
		return none, fmt.Errorf("cannot read %s: %w", noun, err)
	}
	if in != os.Stdin {
		defer in.Close()
	}
	opts := p.Options
	opts.Recycle = true // out gives each batch's slice back only once done with it (Sender)
	if pid, ok := parse.PidFromFileName(name); ok && name != "-" && opts.DefaultPid == 0 {
		opts.DefaultPid = pid // strace -ff -o PREFIX writes PREFIX.PID, lines without a pid
	}
	if p.Debug {
		opts.OnProblem = func(pr parse.Problem) { fmt.Fprintf(p.diag(), "stracectl: %s\n", p.name(name, pr.Error())) }
	}
	rd := newReader(in, opts)
	pipe := isPipe(in)
	if pipe && p.Interrupt != nil {
		// Say at once why a signal does not stop us.
		what := name
		if name == "-" {
			what = "stdin"
		}
		defer context.AfterFunc(p.Interrupt, func() {
			fmt.Fprintf(p.diag(), "stracectl: interrupted — reading %s, a pipe, on to its end: its writer got the signal too (a second signal stops at once)\n", what)
		})()
	}
	err = p.pump(rd, out, name, pipe)
	st := rd.LineCount()
	p.lines += st.Lines
	p.problems += st.Problems
	if p.first == "" && st.First != nil {
		p.first = p.name(name, st.First.Error())
	}
	return rd, err
}

// pump sends the events of rd on until its end, or an interrupt when not
// reading a pipe.
func (p *Pump) pump(rd parse.Reader, out Sender, name string, pipe bool) error {
	batch := make([]parse.Event, 0, parse.BatchSize)
	for {
		if p.Interrupt != nil && p.Interrupt.Err() != nil && !pipe {
			p.Interrupted = true
			return nil
		}
		var err error
		batch, err = rd.ReadBatch(batch[:0])
		if len(batch) > 0 {
			var serr error
			if batch, serr = out.Send(batch); serr != nil {
				return serr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", name, err)
		}
	}
}

// Run is a command's pipeline: it reads each input in turn ("-", stdin,
// when there is none) with the reader newReader makes into out, through a
// Stream; check, when not nil, then looks at what the reader learnt of the
// input. Reading stops at the first error. Run closes out, and reports
// (Report) when all went well.
func Run[R parse.Reader](p *Pump, names []string, out Sink, newReader func(io.Reader, parse.Options) R, check func(name string, rd R) error) error {
	if len(names) == 0 {
		names = []string{"-"}
	}
	stream := NewStream(out)
	var err error
	for _, name := range names {
		var rd R
		if rd, err = Read(p, name, stream, newReader); err == nil && check != nil {
			err = check(name, rd)
		}
		if err != nil {
			break
		}
	}
	if cerr := stream.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	p.Report()
	return nil
}

// Report writes, once the inputs are read, that an interrupt cut them
// short, and how many lines were not understood of how many, with the
// first of them, when any were.
func (p *Pump) Report() {
	if p.Interrupted {
		fmt.Fprintln(p.diag(), "stracectl: interrupted — the output covers the input read so far")
	}
	if p.problems > 0 {
		fmt.Fprintf(p.diag(), "stracectl: %d of %d lines not understood (first: %s)\n", p.problems, p.lines, p.first)
	}
}

// Problems returns how many lines of the inputs read so far were not
// understood.
func (p *Pump) Problems() int64 { return p.problems }

func (p *Pump) name(input, msg string) string {
	if p.Named {
		return input + ": " + msg
	}
	return msg
}

func (p *Pump) diag() io.Writer {
	if p.Diag != nil {
		return p.Diag
	}
	return os.Stderr
}

// openInput opens a file to read, or returns stdin for "-".
func openInput(name string) (*os.File, error) {
	if name == "-" {
		return os.Stdin, nil
	}
	return os.Open(name)
}

// isPipe reports whether f is a pipe or a FIFO.
func isPipe(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeNamedPipe != 0
}
