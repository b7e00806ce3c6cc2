package cqrs_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
)

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestProjectionPanicRecovers: a panic in a projection's handler fails the
// projection (visible in its status, logged with the stack) instead of the
// process; it retries from its checkpoint and catches up.
func TestProjectionPanicRecovers(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	var logs syncBuffer
	a := app.New(app.Logger(slog.New(slog.NewTextHandler(&logs, nil))))
	bus := cqrs.NewBus(a, store, counterRegistry(), cqrs.WithProjectionRetry(time.Millisecond))
	agg := cqrs.NewAggregate(bus, "counter", applyCounter)
	var mu sync.Mutex
	panics := 1
	var seen []int64
	bus.Projections().Add(cqrs.NewProjection("fragile", func(_ context.Context, ev cqrs.Event) error {
		mu.Lock()
		defer mu.Unlock()
		if ev.Version == 2 && panics > 0 {
			panics--
			panic("nil map in the read model")
		}
		seen = append(seen, ev.Version)
		return nil
	}))
	for range 3 {
		if _, err := agg.Execute(ctx, "c", func(cqrs.State[counter]) ([]any, error) { return []any{added{N: 1}}, nil }); err != nil {
			t.Fatal(err)
		}
	}
	startApp(t, a)
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := bus.Projections().WaitFor(wctx, 3, "fragile"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := fmtInts(seen)
	mu.Unlock()
	if !strings.HasSuffix(got, "1 2 3") || panics != 0 {
		t.Errorf("projection saw versions %s (panics left %d)", got, panics)
	}
	out := logs.String()
	if n := strings.Count(out, "projection failed; retrying"); n != 1 {
		t.Errorf("%d failure records; want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "panic: nil map in the read model") || !strings.Contains(out, "stack=") {
		t.Errorf("log does not name the panic with its stack:\n%s", out)
	}
}
