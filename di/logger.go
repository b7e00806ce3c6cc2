package di

import (
	"log/slog"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"
)

// QuietLogger makes fx log only failures (through the default slog
// logger) instead of every provide and invoke. Default fx behaviour is to
// log everything to stderr.
func QuietLogger() fx.Option {
	return fx.WithLogger(func() fxevent.Logger { return quietLogger{} })
}

type quietLogger struct{}

func (quietLogger) LogEvent(e fxevent.Event) {
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
	if err != nil {
		slog.Error("fx", "event", slogType(e), "error", err)
	}
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
