package middleware_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/middleware"
)

// blockUntilDone is a handler that returns only when its ctx ends, with
// ctx's error, and reports the deadline it had.
func blockUntilDone(deadline *time.Time, had *bool) app.Handler {
	return func(ctx context.Context, _ *app.Call) (any, error) {
		*deadline, *had = ctx.Deadline()
		<-ctx.Done()
		return nil, ctx.Err()
	}
}

func TestTimeout(t *testing.T) {
	tests := []struct {
		name     string
		op       *app.Operation
		opts     []middleware.TimeoutOption
		wantNone bool
	}{
		{name: "query gets the App-wide deadline", op: queryOp},
		{name: "command gets its own", op: loginOp, opts: []middleware.TimeoutOption{middleware.OperationTimeout("login", time.Millisecond)}},
		{name: "stream gets one when listed", op: tailOp, opts: []middleware.TimeoutOption{middleware.OperationTimeout("tail", time.Millisecond)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var deadline time.Time
			var had bool
			h := middleware.Timeout(time.Millisecond, tt.opts...)(blockUntilDone(&deadline, &had))
			_, err := h(context.Background(), &app.Call{Operation: tt.op})
			var e *app.Error
			if !errors.As(err, &e) || e.Code != app.CodeDeadlineExceeded || e.Reason != middleware.ReasonTimeout {
				t.Fatalf("error %#v; want deadline_exceeded TIMEOUT", err)
			}
			if !had {
				t.Error("the handler had no deadline")
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error %v: want the handler's error as its cause", err)
			}
		})
	}
}

func TestTimeoutNone(t *testing.T) {
	tests := []struct {
		name string
		op   *app.Operation
		d    time.Duration
		opts []middleware.TimeoutOption
	}{
		{name: "streams have none by default", op: tailOp, d: time.Millisecond},
		{name: "zero App-wide", op: queryOp},
		{name: "zero for one operation", op: loginOp, d: time.Millisecond, opts: []middleware.TimeoutOption{middleware.OperationTimeout("login", 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := middleware.Timeout(tt.d, tt.opts...)(func(ctx context.Context, _ *app.Call) (any, error) {
				if _, ok := ctx.Deadline(); ok {
					t.Error("the handler has a deadline")
				}
				return "ok", nil
			})
			if _, err := h(context.Background(), &app.Call{Operation: tt.op}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestTimeoutOperationLongerThanAppWide(t *testing.T) {
	var deadline time.Time
	h := middleware.Timeout(time.Second, middleware.OperationTimeout("login", time.Hour))(func(ctx context.Context, _ *app.Call) (any, error) {
		deadline, _ = ctx.Deadline()
		return "ok", nil
	})
	if _, err := h(context.Background(), &app.Call{Operation: loginOp}); err != nil {
		t.Fatal(err)
	}
	if until := time.Until(deadline); until < 59*time.Minute {
		t.Errorf("deadline in %s; want the operation's hour", until)
	}
}

func TestTimeoutKeepsLateSuccessAndCallerDeadline(t *testing.T) {
	// A handler that ignores its ctx and succeeds keeps its result.
	h := middleware.Timeout(time.Nanosecond)(func(ctx context.Context, _ *app.Call) (any, error) {
		<-ctx.Done()
		return "applied", nil
	})
	if out, err := h(context.Background(), &app.Call{Operation: loginOp}); err != nil || out != "applied" {
		t.Errorf("got %v, %v; want the late result", out, err)
	}
	// The caller's deadline, ending first, is not reported as TIMEOUT.
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	var deadline time.Time
	var had bool
	_, err := middleware.Timeout(time.Hour)(blockUntilDone(&deadline, &had))(ctx, &app.Call{Operation: queryOp})
	if e := app.ErrorFrom(err); e.Code != app.CodeDeadlineExceeded || e.Reason != "" {
		t.Errorf("got %#v; want the caller's plain deadline_exceeded", e)
	}
}
