package tracer

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// Interrupted is the cause a tracing context is cancelled with when
// stracectl receives a signal. Backends pass that same signal on to the
// traced processes, so that Ctrl-C ends a traced command as it would end it
// untraced, and its status (130) becomes ours.
type Interrupted struct{ Signal syscall.Signal }

func (i Interrupted) Error() string { return "interrupted by " + unix.SignalName(i.Signal) }

// NotifyContext is signal.NotifyContext with a cause that keeps the signal:
// the returned context is cancelled with Interrupted when one of sigs
// arrives, after which sigs have their default effect again, so that a
// second one ends the process at once. stop releases the signals and the
// context. It is the one signal policy of stracectl's commands.
func NotifyContext(parent context.Context, sigs ...os.Signal) (ctx context.Context, stop context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	go func() {
		select {
		case s := <-ch:
			signal.Reset(sigs...)
			sig, _ := s.(syscall.Signal)
			cancel(Interrupted{sig})
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel(context.Canceled)
	}
}

// StopSignal returns the signal that cancelled ctx, or SIGTERM when it was
// cancelled for another reason.
func StopSignal(ctx context.Context) syscall.Signal {
	var in Interrupted
	if errors.As(context.Cause(ctx), &in) && in.Signal != 0 {
		return in.Signal
	}
	return syscall.SIGTERM
}
