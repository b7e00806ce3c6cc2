package saga_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
	"github.com/allframe-go/allframe/cqrs/saga"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const waitTimeout = 10 * time.Second

// harness is an App with accounts (deposit) and a store, for one saga.
type harness struct {
	app      *app.App
	bus      *cqrs.Bus
	store    *memory.Store
	accounts *cqrs.Aggregate[Account]
	deposit  func(context.Context, AmountIn) (Balance, error)
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	a := app.New(app.Name("test"), app.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[Opened](reg, "bank.Opened", 1)
	cqrs.RegisterEvent[Deposited](reg, "bank.Deposited", 1)
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	h := &harness{app: a, bus: cqrs.NewBus(a, store, reg), store: store}
	h.accounts = cqrs.NewAggregate(h.bus, "account", applyAccount)
	cqrs.Handle(h.accounts, "deposit", func(in AmountIn) string { return in.ID },
		func(_ context.Context, _ cqrs.State[Account], in AmountIn) ([]any, error) {
			return []any{Deposited{Amount: in.Amount}}, nil
		}, func(st cqrs.State[Account]) Balance { return Balance{Balance: st.Value.Balance} })
	h.deposit = saga.Command[AmountIn, Balance](a, "deposit")
	return h
}

func (h *harness) start(t *testing.T) {
	t.Helper()
	if err := h.app.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if err := h.app.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
}

func wait[S any](t *testing.T, s *saga.Saga[S], id string) saga.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	st, err := s.Wait(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// fakeClock is a saga.Clock moved by the test.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: c.now.Add(d), ch: ch})
	return ch
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = kept
}

func TestStepTimeoutCompensates(t *testing.T) {
	h := newHarness(t)
	clock := &fakeClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	entered := make(chan struct{}, 1)
	var undone []string
	var mu sync.Mutex
	undo := func(name string) saga.Action[int] {
		return func(context.Context, *int) error {
			mu.Lock()
			defer mu.Unlock()
			undone = append(undone, name)
			return nil
		}
	}
	s := saga.New[int](h.bus, "slow", saga.WithClock(clock)).
		Step("one", func(_ context.Context, n *int) error { *n++; return nil }, undo("one")).
		Step("two", func(_ context.Context, n *int) error { *n++; return nil }, nil).
		Step("three", func(ctx context.Context, _ *int) error {
			entered <- struct{}{}
			<-ctx.Done()
			return ctx.Err()
		}, undo("three"), saga.StepTimeout(time.Second))
	h.start(t)
	if err := s.Start(context.Background(), "x", 0); err != nil {
		t.Fatal(err)
	}
	select {
	case <-entered:
	case <-time.After(waitTimeout):
		t.Fatal("step three did not run")
	}
	clock.Advance(999 * time.Millisecond) // not yet
	if st, err := s.Status(context.Background(), "x"); err != nil || st.State != saga.StateRunning || st.Step != "three" {
		t.Errorf("before the deadline: %+v, %v", st, err)
	}
	clock.Advance(time.Millisecond)
	st := wait(t, s, "x")
	if st.State != saga.StateCompensated || st.Step != "three" || st.Code != "deadline_exceeded" {
		t.Errorf("status %+v, want compensated after step three timed out", st)
	}
	mu.Lock()
	defer mu.Unlock()
	// "two" has no compensation; "three" never succeeded.
	if diff := cmp.Diff(undone, []string{"one"}); diff != "" {
		t.Errorf("compensations (-got +want):\n%s", diff)
	}
	n, _, err := s.Get(context.Background(), "x")
	if err != nil || n != 2 {
		t.Errorf("state %d, %v; want 2 (both steps' changes kept)", n, err)
	}
}

func TestPanicIsRetriedThenFails(t *testing.T) {
	h := newHarness(t)
	s := saga.New[int](h.bus, "panics", saga.WithRetries(1), saga.WithBackoff(0, 0)).
		Step("boom", func(context.Context, *int) error { panic("kaboom") }, nil)
	h.start(t)
	if err := s.Start(context.Background(), "p", 0); err != nil {
		t.Fatal(err)
	}
	st := wait(t, s, "p")
	if st.State != saga.StateFailed || st.Step != "boom" || st.Code != "internal" {
		t.Fatalf("status %+v, want failed at boom", st)
	}
	evs, err := h.store.ReadStream(context.Background(), s.Stream("p"), 1)
	if err != nil || len(evs) != 1 {
		t.Fatalf("events %v, %v", evs, err)
	}
	data, err := h.bus.Registry().Decode(evs[0])
	if f, ok := data.(saga.Failed); err != nil || !ok || f.Attempts != 2 || !strings.Contains(f.Cause, "kaboom") {
		t.Errorf("last event %#v, %v; want Failed after 2 attempts naming the panic", data, err)
	}
}

func TestCompensationFailureFails(t *testing.T) {
	h := newHarness(t)
	s := saga.New[int](h.bus, "stuck").
		Step("one", func(context.Context, *int) error { return nil },
			func(context.Context, *int) error { return app.NewError(app.CodeFailedPrecondition, "cannot undo") }).
		Step("two", func(context.Context, *int) error { return app.NewError(app.CodeNotFound, "gone") }, nil)
	h.start(t)
	if err := s.Start(context.Background(), "s", 0); err != nil {
		t.Fatal(err)
	}
	want := saga.Status{ID: "s", Saga: "stuck", State: saga.StateFailed, Step: "one", Code: "failed_precondition", Error: "cannot undo"}
	st := wait(t, s, "s")
	st.Started, st.Updated, st.Version = time.Time{}, time.Time{}, 0
	if diff := cmp.Diff(st, want); diff != "" {
		t.Errorf("status (-got +want):\n%s", diff)
	}
}

func TestCommandKeys(t *testing.T) {
	h := newHarness(t)
	var keys []string
	s := saga.New[int](h.bus, "keys").
		Step("pay", func(ctx context.Context, _ *int) error {
			keys = append(keys, saga.StepKey(ctx))
			for range 2 {
				if _, err := h.deposit(ctx, AmountIn{ID: "acc", Amount: 5}); err != nil {
					return err
				}
			}
			return nil
		}, nil)
	h.start(t)
	if err := s.Start(context.Background(), "k", 0); err != nil {
		t.Fatal(err)
	}
	if st := wait(t, s, "k"); st.State != saga.StateCompleted {
		t.Fatalf("status %+v", st)
	}
	evs, err := h.store.ReadStream(context.Background(), h.accounts.Stream("acc"), 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range evs {
		got = append(got, ev.Metadata.IdempotencyKey+" "+ev.Metadata.CorrelationID)
	}
	want := []string{"saga/keys/k/pay k", "saga/keys/k/pay#2 k"}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("deposits' key and correlation (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(keys, []string{"saga/keys/k/pay"}); diff != "" {
		t.Errorf("StepKey (-got +want):\n%s", diff)
	}
	if k := saga.StepKey(context.Background()); k != "" {
		t.Errorf("StepKey outside a step = %q", k)
	}
	// Outside a step, Command is a plain in-process call.
	if out, err := h.deposit(context.Background(), AmountIn{ID: "acc", Amount: 1}); err != nil || out.Balance != 11 {
		t.Errorf("deposit outside a saga = %+v, %v", out, err)
	}
}

func TestDeclarationErrors(t *testing.T) {
	h := newHarness(t)
	s := saga.New[int](h.bus, "decl").Step("one", func(context.Context, *int) error { return nil }, nil)
	noop := func(context.Context, *int) error { return nil }
	type unregistered struct{}
	tests := []struct {
		name string
		give func()
	}{
		{"invalid saga name", func() { saga.New[int](h.bus, "bad-name") }},
		{"duplicate saga", func() { saga.New[int](h.bus, "decl") }},
		{"invalid step name", func() { s.Step("two words", noop, nil) }},
		{"duplicate step", func() { s.Step("one", noop, nil) }},
		{"step without action", func() { s.Step("two", nil, nil) }},
		{"unregistered start event", func() {
			saga.StartOn(s, func(unregistered, cqrs.Event) (string, int, bool) { return "", 0, false })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("did not panic")
				}
			}()
			tt.give()
		})
	}
	for _, id := range []string{"", "has space", strings.Repeat("x", 129)} {
		err := s.Start(context.Background(), id, 0)
		if app.CodeOf(err) != app.CodeInvalidArgument {
			t.Errorf("Start(%q) = %v, want invalid_argument", id, err)
		}
	}
	if _, err := s.Status(context.Background(), "none"); app.CodeOf(err) != app.CodeNotFound {
		t.Errorf("Status of an unknown id = %v, want not_found", err)
	}
	if _, err := s.Wait(context.Background(), "none"); app.CodeOf(err) != app.CodeNotFound {
		t.Errorf("Wait on an unknown id = %v, want not_found", err)
	}
	if !saga.BusinessError(app.NewError(app.CodeNotFound, "x")) || saga.BusinessError(app.NewError(app.CodeUnavailable, "x")) || saga.BusinessError(errors.New("x")) {
		t.Error("BusinessError misclassifies")
	}
}
