package app_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/app"
)

type traceKey struct{}

type RecoverIn struct {
	Name string `json:"name"`
}

type RecoverOut struct {
	Message string `json:"message"`
}

// recordingHandler keeps each record's message, its "trace" (a value a
// middleware put in the context, as a tracing middleware puts its span)
// and whether it has a stack.
type recordingHandler struct {
	mu   *sync.Mutex
	recs *[]logged
}

type logged struct {
	Msg, Trace string
	Stack      bool
}

func (h recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h recordingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h recordingHandler) WithGroup(string) slog.Handler            { return h }
func (h recordingHandler) Handle(ctx context.Context, r slog.Record) error {
	l := logged{Msg: r.Message}
	l.Trace, _ = ctx.Value(traceKey{}).(string)
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "stack" && strings.Contains(a.Value.String(), "goroutine") {
			l.Stack = true
		}
		return true
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	*h.recs = append(*h.recs, l)
	return nil
}

// TestPanicsAndInternalErrorsLoggedOnceWithTheHandlersContext: a panic or
// an internal error in a handler is logged once, with the context the
// middleware gave the handler (so a tracing middleware's trace id is on
// the record), and the caller sees only "internal error"; a panic in a
// middleware is logged once too.
func TestPanicsAndInternalErrorsLoggedOnceWithTheHandlersContext(t *testing.T) {
	var mu sync.Mutex
	var recs []logged
	tracing := func(next app.Handler) app.Handler {
		return func(ctx context.Context, call *app.Call) (any, error) {
			return next(context.WithValue(ctx, traceKey{}, "trace-1"), call)
		}
	}
	a := app.New(app.Logger(slog.New(recordingHandler{mu: &mu, recs: &recs})), app.Use(tracing))
	app.Query(a, "boom", func(context.Context, RecoverIn) (RecoverOut, error) { panic("secret: db password") })
	app.Query(a, "plain", func(context.Context, RecoverIn) (RecoverOut, error) { return RecoverOut{}, errors.New("secret: dsn") })
	app.Query(a, "mwPanic", func(context.Context, RecoverIn) (RecoverOut, error) { return RecoverOut{}, nil },
		app.With(func(app.Handler) app.Handler {
			return func(context.Context, *app.Call) (any, error) { panic("middleware bug") }
		}))
	app.Stream(a, "streamBoom", func(_ context.Context, _ RecoverIn, send func(RecoverOut) error) error {
		if err := send(RecoverOut{Message: "one"}); err != nil {
			return err
		}
		panic("secret: stream")
	})
	in := RecoverIn{Name: "x"}
	for _, name := range []string{"boom", "plain", "mwPanic"} {
		_, err := app.Invoke[RecoverIn, RecoverOut](context.Background(), a, name, in)
		if e := app.ErrorFrom(err); e.Code != app.CodeInternal || e.Message != "internal error" {
			t.Errorf("%s: %v; want internal error", name, err)
		}
	}
	var items []string
	err := app.InvokeStream(context.Background(), a, "streamBoom", in, func(o RecoverOut) error {
		items = append(items, o.Message)
		return nil
	})
	if e := app.ErrorFrom(err); e.Code != app.CodeInternal || e.Message != "internal error" || len(items) != 1 {
		t.Errorf("stream: %v after %v; want internal error after one item", err, items)
	}
	// The process keeps serving.
	if _, err := app.Invoke[RecoverIn, RecoverOut](context.Background(), a, "mwPanic", in); app.CodeOf(err) != app.CodeInternal {
		t.Errorf("second call: %v", err)
	}
	want := []logged{
		{Msg: "panic in operation", Trace: "trace-1", Stack: true},
		{Msg: "operation failed", Trace: "trace-1"},
		{Msg: "panic in operation", Stack: true}, // in a middleware: outside its context
		{Msg: "panic in operation", Trace: "trace-1", Stack: true},
		{Msg: "panic in operation", Stack: true},
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(recs, want); diff != "" {
		t.Errorf("log records (-got +want):\n%s", diff)
	}
}
