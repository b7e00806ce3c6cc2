package di

import (
	"errors"
	"log/slog"
	"sync"

	"go.uber.org/dig"
	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"
)

// QuietLogger makes fx log only failures (through the default slog
// logger) instead of every provide and invoke. Default fx behaviour is to
// log everything to stderr.
//
// A failure is one line: the error that a constructor or hook returned
// (e.g. "ALLFRAME_EVENTSTORE: open event store bogus:x: unknown scheme
// bogus …"), without fx's chain of the constructors that needed it and
// their source paths, and logged once, although fx reports it up to three
// times (the hook, the rollback, the start). Failures of the wiring itself
// (a missing type, a cycle) keep fx's full message: it says where to look.
func QuietLogger() fx.Option {
	return fx.WithLogger(func() fxevent.Logger { return &quietLogger{log: slog.Error} })
}

type quietLogger struct {
	log func(msg string, args ...any)

	mu   sync.Mutex
	last string // the last message logged
}

func (l *quietLogger) LogEvent(e fxevent.Event) {
	var err error
	switch e := e.(type) {
	case *fxevent.OnStartExecuted:
		err = e.Err
	case *fxevent.OnStopExecuted:
		err = e.Err
	case *fxevent.Provided:
		err = e.Err
	case *fxevent.Invoked:
		err = e.Err
	case *fxevent.Started:
		err = e.Err
	case *fxevent.Stopped:
		err = e.Err
	case *fxevent.RollingBack:
		err = e.StartErr
	case *fxevent.RolledBack:
		err = e.Err
	}
	if err == nil {
		return
	}
	msg := RootCause(err).Error()
	l.mu.Lock()
	repeated := msg == l.last
	l.last = msg
	l.mu.Unlock()
	if !repeated {
		l.log("fx", "event", slogType(e), "error", msg)
	}
}

// RootCause returns the error that a constructor, decorator or hook
// returned, from under fx's wrapping (the chain of constructors that
// needed it, with their source paths): what a service reports when
// fx.New or Start fails. When the failure is fx's own — a missing type, a
// cycle, a bad signature — it returns err whole, whose chain says where
// to look.
func RootCause(err error) error {
	root := dig.RootCause(err)
	var de dig.Error
	if errors.As(root, &de) {
		return err // a missing type, a cycle, a bad signature: the chain helps
	}
	return root
}

func slogType(e fxevent.Event) string {
	switch e.(type) {
	case *fxevent.OnStartExecuted:
		return "start hook"
	case *fxevent.OnStopExecuted:
		return "stop hook"
	case *fxevent.Provided:
		return "provide"
	case *fxevent.Invoked:
		return "invoke"
	case *fxevent.RollingBack, *fxevent.RolledBack:
		return "rollback"
	}
	return "lifecycle"
}
