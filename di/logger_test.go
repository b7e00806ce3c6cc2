package di

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	"github.com/allframe-go/allframe/app"
)

// failing is a transport whose start fails.
type failing struct{}

func (failing) Start(context.Context, *app.App) error {
	return errors.New("listen: address already in use")
}
func (failing) Stop(context.Context) error { return nil }

// logged builds (and, if that succeeds, starts) an fx app from opts with
// a quietLogger and returns the errors it logged.
func logged(t *testing.T, opts ...fx.Option) []string {
	t.Helper()
	var got []string
	l := &quietLogger{log: func(_ string, args ...any) {
		got = append(got, fmt.Sprint(args[len(args)-1]))
	}}
	fxa := fx.New(append(opts, fx.WithLogger(func() fxevent.Logger { return l }))...)
	if fxa.Err() == nil {
		if err := fxa.Start(context.Background()); err == nil {
			t.Fatal("start succeeded")
		}
	}
	return got
}

type store struct{}

func TestQuietLoggerLogsTheCauseOnce(t *testing.T) {
	tests := []struct {
		name string
		give []fx.Option
		want string // the one line logged
	}{
		{
			name: "constructor",
			give: []fx.Option{
				Module(),
				fx.Provide(func() (*store, error) {
					return nil, errors.New("ALLFRAME_EVENTSTORE: open event store bogus:x: unknown scheme bogus")
				}),
				fx.Provide(fx.Annotate(func(*store) []app.Option { return nil }, fx.ResultTags(`group:"allframe.options,flatten"`))),
			},
			want: "ALLFRAME_EVENTSTORE: open event store bogus:x: unknown scheme bogus",
		},
		{
			name: "start hook",
			give: []fx.Option{Module(app.DrainDelay(0), app.Logger(slog.New(slog.DiscardHandler))), Transport("failing", func() failing { return failing{} })},
			want: "start di.failing: listen: address already in use",
		},
	}
	for _, tt := range tests {
		if got := logged(t, tt.give...); len(got) != 1 || got[0] != tt.want {
			t.Errorf("%s: logged %q, want [%q]", tt.name, got, tt.want)
		}
	}
}

func TestQuietLoggerKeepsFxChainForWiringErrors(t *testing.T) {
	got := logged(t, Module(), fx.Invoke(func(*store) {}))
	if len(got) != 1 || !strings.Contains(got[0], "missing type: *di.store") || !strings.Contains(got[0], "logger_test.go") {
		t.Errorf("logged %q, want fx's message naming the missing type and where it is needed", got)
	}
}
