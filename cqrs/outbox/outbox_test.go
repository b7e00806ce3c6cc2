package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
	"github.com/allframe-go/allframe/cqrs/outbox"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const wait = 10 * time.Second

// recorder is a Publisher that records what it acknowledged; fail, when
// set, decides the outcome of each call.
type recorder struct {
	mu    sync.Mutex
	got   []outbox.Message
	calls [][]string // the ids of each call
	fail  func(call int, msgs []outbox.Message) (acked int, err error)
}

func (r *recorder) Publish(_ context.Context, msgs []outbox.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	r.calls = append(r.calls, ids)
	n, err := len(msgs), error(nil)
	if r.fail != nil {
		n, err = r.fail(len(r.calls), msgs)
	}
	r.got = append(r.got, msgs[:n]...)
	return err
}

func (r *recorder) setFail(f func(call int, msgs []outbox.Message) (int, error)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = f
}

func (r *recorder) keys() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.got))
	for i, m := range r.got {
		out[i] = m.Topic + ":" + string(m.Payload)
	}
	return out
}

type fixture struct {
	app      *app.App
	bus      *cqrs.Bus
	accounts *cqrs.Aggregate[Account]
	relay    *outbox.Relay
}

func newFixture(t *testing.T, pub outbox.Publisher, opts ...outbox.Option) *fixture {
	t.Helper()
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[Opened](reg, "bank.Opened", 1)
	cqrs.RegisterEvent[Deposited](reg, "bank.Deposited", 1)
	a := app.New(app.Name("bank"), app.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	bus := cqrs.NewBus(a, store, reg, cqrs.WithProjectionRetry(time.Millisecond))
	f := &fixture{app: a, bus: bus, accounts: cqrs.NewAggregate(bus, "account", (*Account).apply)}
	opts = append([]outbox.Option{outbox.Map(func(ev Deposited, e cqrs.Event) (outbox.Message, error) {
		return outbox.NewMessage("deposited", e.Stream, ev)
	})}, opts...)
	f.relay = outbox.New(bus, "test", pub, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := a.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	return f
}

// deposit appends a deposit of amount to account id and returns its position.
func (f *fixture) deposit(t *testing.T, id string, amount int64) int64 {
	t.Helper()
	st, err := f.accounts.Execute(context.Background(), id, func(cqrs.State[Account]) ([]any, error) {
		return []any{Deposited{Amount: amount}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return st.Position
}

func (f *fixture) published(t *testing.T, position int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := f.bus.Projections().WaitFor(ctx, position, f.relay.Name()); err != nil {
		st, _ := f.relay.Status(context.Background())
		t.Fatalf("relay did not reach %d: %v (status %+v)", position, err, st)
	}
}

func deposits(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf(`deposited:{"amount":%d}`, i))
	}
	return out
}

func TestBatches(t *testing.T) {
	rec := &recorder{}
	f := newFixture(t, rec, outbox.WithBatchSize(2))
	// Stop the relay so that the five deposits reach it as one batch.
	ctx := context.Background()
	if err := f.bus.Projections().Stop(ctx); err != nil {
		t.Fatal(err)
	}
	var last int64
	for i := 1; i <= 5; i++ {
		last = f.deposit(t, "a", int64(i))
	}
	if err := f.bus.Projections().Start(ctx); err != nil {
		t.Fatal(err)
	}
	f.published(t, last)
	if diff := cmp.Diff(rec.keys(), deposits(1, 5)); diff != "" {
		t.Errorf("published (-got +want):\n%s", diff)
	}
	var sizes []int
	for _, c := range rec.calls {
		sizes = append(sizes, len(c))
	}
	if diff := cmp.Diff(sizes, []int{2, 2, 1}); diff != "" {
		t.Errorf("batch sizes (-got +want):\n%s", diff)
	}
}

// A publisher that acknowledges part of a batch: the relay keeps that part
// and publishes from the first unacknowledged message again, same ids.
func TestPartialAcknowledgement(t *testing.T) {
	rec := &recorder{}
	boom := errors.New("broker hiccup")
	rec.setFail(func(call int, msgs []outbox.Message) (int, error) {
		switch call {
		case 1:
			return 2, &outbox.PublishError{Index: 2, Err: boom} // 2 of 5 acknowledged
		case 2:
			return 1, boom // delivered one, then lost the acknowledgement
		}
		return len(msgs), nil
	})
	f := newFixture(t, rec)
	ctx := context.Background()
	if err := f.bus.Projections().Stop(ctx); err != nil {
		t.Fatal(err)
	}
	var last int64
	for i := 1; i <= 5; i++ {
		last = f.deposit(t, "a", int64(i))
	}
	if err := f.bus.Projections().Start(ctx); err != nil {
		t.Fatal(err)
	}
	f.published(t, last)
	want := append(append(deposits(1, 2), deposits(3, 3)...), deposits(3, 5)...) // 3 twice
	if diff := cmp.Diff(rec.keys(), want); diff != "" {
		t.Errorf("delivered (-got +want):\n%s", diff)
	}
	if len(rec.calls) != 3 || len(rec.calls[1]) != 3 || rec.calls[1][0] != rec.calls[2][0] || rec.calls[0][2] != rec.calls[1][0] {
		t.Errorf("calls %v: want the retries to start at the first unacknowledged id", rec.calls)
	}
}

func TestPermanentFailureStopsUntilFixed(t *testing.T) {
	rec := &recorder{}
	rec.setFail(func(_ int, msgs []outbox.Message) (int, error) {
		for i, m := range msgs {
			if string(m.Payload) == `{"amount":2}` {
				return i, &outbox.PublishError{Index: i, Err: outbox.Permanent(errors.New("422 unprocessable"))}
			}
		}
		return len(msgs), nil
	})
	f := newFixture(t, rec)
	f.published(t, f.deposit(t, "a", 1))
	last := f.deposit(t, "a", 2)
	f.deposit(t, "a", 3)
	var st cqrs.ProjectionStatus
	testenv.Eventually(t, wait, func() bool {
		st, _ = f.relay.Status(context.Background())
		return st.State == cqrs.StateFailed
	})
	if !strings.Contains(st.Error, "422 unprocessable") || st.Position != last-1 || st.Lag != 2 {
		t.Errorf("status %+v: want failed at %d with the receiver's error and lag 2", st, last-1)
	}
	if diff := cmp.Diff(rec.keys(), deposits(1, 1)); diff != "" {
		t.Errorf("published past the rejected message (-got +want):\n%s", diff)
	}
	rec.setFail(nil) // the receiver is fixed
	f.published(t, last+1)
	if diff := cmp.Diff(rec.keys(), deposits(1, 3)); diff != "" {
		t.Errorf("published (-got +want):\n%s", diff)
	}
	if st, _ := f.relay.Status(context.Background()); st.State != cqrs.StateLive || st.Error != "" {
		t.Errorf("status after the fix %+v, want live", st)
	}
}

func TestDeadLetter(t *testing.T) {
	rec := &recorder{}
	rejected := errors.New("400 bad request")
	rec.setFail(func(_ int, msgs []outbox.Message) (int, error) {
		for i, m := range msgs {
			if string(m.Payload) == `{"amount":2}` {
				return i, &outbox.PublishError{Index: i, Err: outbox.Permanent(rejected)}
			}
		}
		return len(msgs), nil
	})
	var mu sync.Mutex
	var dead []string
	f := newFixture(t, rec, outbox.WithDeadLetter(func(_ context.Context, m outbox.Message, err error) error {
		mu.Lock()
		defer mu.Unlock()
		if !errors.Is(err, rejected) || !errors.Is(err, outbox.ErrPermanent) {
			t.Errorf("dead letter error %v, want the permanent rejection", err)
		}
		dead = append(dead, string(m.Payload))
		return nil
	}))
	ctx := context.Background()
	if err := f.bus.Projections().Stop(ctx); err != nil {
		t.Fatal(err)
	}
	var last int64
	for i := 1; i <= 3; i++ {
		last = f.deposit(t, "a", int64(i))
	}
	if err := f.bus.Projections().Start(ctx); err != nil {
		t.Fatal(err)
	}
	f.published(t, last)
	if diff := cmp.Diff(rec.keys(), []string{`deposited:{"amount":1}`, `deposited:{"amount":3}`}); diff != "" {
		t.Errorf("published (-got +want):\n%s", diff)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(dead, []string{`{"amount":2}`}); diff != "" {
		t.Errorf("dead letters (-got +want):\n%s", diff)
	}
}

// A transient error is not dead-lettered: it is retried.
func TestTransientErrorIsNotDeadLettered(t *testing.T) {
	rec := &recorder{}
	rec.setFail(func(call int, msgs []outbox.Message) (int, error) {
		if call == 1 {
			return 0, &outbox.PublishError{Index: 0, Err: errors.New("503")}
		}
		return len(msgs), nil
	})
	f := newFixture(t, rec, outbox.WithDeadLetter(func(context.Context, outbox.Message, error) error {
		t.Error("transient failure dead-lettered")
		return nil
	}))
	f.published(t, f.deposit(t, "a", 1))
	if diff := cmp.Diff(rec.keys(), deposits(1, 1)); diff != "" {
		t.Errorf("published (-got +want):\n%s", diff)
	}
}

// Messages from a decide function are appended with the domain events —
// or, when the command fails, not at all — and carry the command's
// correlation and causation ids.
func TestMessagesFromCommands(t *testing.T) {
	rec := &recorder{}
	f := newFixture(t, rec)
	ctx := cqrs.WithCorrelation(context.Background(), "corr-1", "req-1")
	_, err := f.accounts.Execute(ctx, "a", func(cqrs.State[Account]) ([]any, error) {
		msg, err := outbox.NewMessage("opened", "a", AccountOpenedV1{Account: "a", Owner: "ada"})
		if err != nil {
			return nil, err
		}
		return []any{Opened{Owner: "ada"}, msg.WithHeader("tenant", "acme")}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.accounts.Execute(ctx, "a", func(cqrs.State[Account]) ([]any, error) {
		return nil, app.NewError(app.CodeFailedPrecondition, "rejected") // after deciding to publish
	})
	if app.CodeOf(err) != app.CodeFailedPrecondition {
		t.Fatalf("failing command: %v", err)
	}
	last := f.deposit(t, "a", 7)
	f.published(t, last)
	evs, err := f.bus.Store().ReadStream(context.Background(), "account-a", 0)
	if err != nil || len(evs) != 3 {
		t.Fatalf("stream: %d events, %v", len(evs), err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.got) != 2 {
		t.Fatalf("published %d messages, want 2", len(rec.got))
	}
	got := rec.got[0]
	want := outbox.Message{
		ID: evs[1].ID, Topic: "opened", Key: "a", Payload: []byte(`{"account":"a","owner":"ada"}`),
		Headers: map[string]string{"tenant": "acme", outbox.HeaderCorrelationID: "corr-1", outbox.HeaderCausationID: "req-1"},
		Time:    evs[1].Time, Stream: "account-a", Version: 2, Position: evs[1].Position,
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("message (-got +want):\n%s", diff)
	}
	if rec.got[1].ID != evs[2].ID || rec.got[1].Version != 3 {
		t.Errorf("mapped message %+v: want the id and version of the deposit", rec.got[1])
	}
}

func TestNewMessage(t *testing.T) {
	m, err := outbox.NewMessage("t", "k", map[string]int{"n": 1})
	if err != nil || string(m.Payload) != `{"n":1}` || m.Topic != "t" || m.Key != "k" {
		t.Errorf("NewMessage = %+v, %v", m, err)
	}
	if _, err := outbox.NewMessage("", "k", 1); err == nil {
		t.Error("NewMessage without topic: no error")
	}
	if _, err := outbox.NewMessage("t", "k", math.NaN()); err == nil {
		t.Error("NewMessage with an unencodable payload: no error")
	}
	h := m.WithHeader("a", "1")
	if m.Headers != nil || h.Headers["a"] != "1" {
		t.Errorf("WithHeader changed the original (%v) or lost the header (%v)", m.Headers, h.Headers)
	}
}

func TestPermanent(t *testing.T) {
	cause := errors.New("cause")
	err := outbox.Permanent(cause)
	if !errors.Is(err, outbox.ErrPermanent) || !errors.Is(err, cause) || err.Error() != "cause" {
		t.Errorf("Permanent(cause) = %v: want it to match ErrPermanent and cause", err)
	}
	if outbox.Permanent(nil) != nil {
		t.Error("Permanent(nil) != nil")
	}
	pe := &outbox.PublishError{Index: 3, Err: err}
	if !errors.Is(pe, outbox.ErrPermanent) || !strings.Contains(pe.Error(), "message 3") {
		t.Errorf("PublishError %v", pe)
	}
}

func TestNewPanics(t *testing.T) {
	type unregistered struct{}
	nop := outbox.PublisherFunc(func(context.Context, []outbox.Message) error { return nil })
	tests := []struct {
		name string
		give func(bus *cqrs.Bus)
	}{
		{"empty name", func(bus *cqrs.Bus) { outbox.New(bus, "", nop) }},
		{"nil publisher", func(bus *cqrs.Bus) { outbox.New(bus, "x", nil) }},
		{"unregistered", func(bus *cqrs.Bus) {
			outbox.New(bus, "x", nop, outbox.Map(func(unregistered, cqrs.Event) (outbox.Message, error) { return outbox.Message{}, nil }))
		}},
		{"pointer", func(bus *cqrs.Bus) {
			outbox.New(bus, "x", nop, outbox.Map(func(*Deposited, cqrs.Event) (outbox.Message, error) { return outbox.Message{}, nil }))
		}},
		{"message", func(bus *cqrs.Bus) {
			outbox.New(bus, "x", nop, outbox.Map(func(m outbox.Message, _ cqrs.Event) (outbox.Message, error) { return m, nil }))
		}},
		{"twice", func(bus *cqrs.Bus) {
			f := func(Deposited, cqrs.Event) (outbox.Message, error) { return outbox.Message{}, nil }
			outbox.New(bus, "x", nop, outbox.Map(f), outbox.Map(f))
		}},
		{"duplicate relay", func(bus *cqrs.Bus) { outbox.New(bus, "x", nop); outbox.New(bus, "x", nop) }},
	}
	for _, tt := range tests {
		reg := cqrs.NewRegistry()
		cqrs.RegisterEvent[Deposited](reg, "bank.Deposited", 1)
		bus := cqrs.NewBus(app.New(), memory.New(), reg)
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tt.name)
				}
			}()
			tt.give(bus)
		}()
	}
}

// A mapping that fails stops the relay, visibly, before anything after
// the event is published.
func TestMappingError(t *testing.T) {
	rec := &recorder{}
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[Deposited](reg, "bank.Deposited", 1)
	a := app.New(app.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	bus := cqrs.NewBus(a, store, reg, cqrs.WithProjectionRetry(time.Millisecond))
	relay := outbox.New(bus, "test", rec, outbox.Map(func(ev Deposited, _ cqrs.Event) (outbox.Message, error) {
		if ev.Amount < 0 {
			return outbox.Message{}, errors.New("negative amount")
		}
		return outbox.NewMessage("deposited", "", ev)
	}))
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.Stop(ctx) }()
	for _, amount := range []int64{1, -1, 2} {
		ed, _ := reg.Encode(Deposited{Amount: amount})
		if _, err := store.Append(ctx, cqrs.AppendRequest{Stream: "account-a", ExpectedVersion: cqrs.AnyVersion, Events: []cqrs.EventData{ed}}); err != nil {
			t.Fatal(err)
		}
	}
	var st cqrs.ProjectionStatus
	testenv.Eventually(t, wait, func() bool {
		st, _ = relay.Status(ctx)
		return st.State == cqrs.StateFailed
	})
	if !strings.Contains(st.Error, "map bank.Deposited at position 2: negative amount") {
		t.Errorf("status %+v: want the mapping error", st)
	}
	if len(rec.keys()) > 1 {
		t.Errorf("published %v past the failing event", rec.keys())
	}
}
