package cqrstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/outbox"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
	"github.com/google/go-cmp/cmp"
)

// RunOutbox runs the transactional outbox scenarios (cqrs/outbox) against a
// backend: the messages of concurrent commands published exactly once
// and in log order, nothing emitted by a rejected command, none lost
// across a relay killed mid-batch and a store reopened, and at-least-once
// delivery with the same ids (and bodies) on every retry, with the relay's
// status showing the failure meanwhile. storage returns, for each test, a
// Reopen over new, empty storage; a backend without durable storage
// (memory) returns the same store on every call.
func RunOutbox(t *testing.T, storage func(tb testing.TB) Reopen) {
	tests := []struct {
		name string
		run  func(*testing.T, Reopen)
	}{
		{"InOrder", outboxInOrder},
		{"Restart", outboxRestart},
		{"Retry", outboxRetry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, storage(t)) })
	}
}

// auditIn asks for an audit message on an account: a command that emits
// an integration message and no domain event.
type auditIn struct {
	ID   string `json:"id" validate:"required"`
	Note string `json:"note"`
}

// obReplica is one process of the bank with an outbox relay: deposits and
// withdrawals are mapped to messages, audits emit Message events.
type obReplica struct {
	app      *app.App
	bus      *cqrs.Bus
	accounts *cqrs.Aggregate[accountState]
	relay    *outbox.Relay
	stopped  bool
}

func newOBReplica(tb testing.TB, store cqrs.Store, pub outbox.Publisher) *obReplica {
	tb.Helper()
	r := newOBReplicaStopped(tb, store, pub)
	r.stopped = false
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := r.app.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.stop(tb) })
	return r
}

// newOBReplicaStopped is a replica whose App is not started (its relay
// does not run), to issue commands.
func newOBReplicaStopped(tb testing.TB, store cqrs.Store, pub outbox.Publisher) *obReplica {
	tb.Helper()
	a := app.New(app.Name("bank"), app.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	bus := cqrs.NewBus(a, store, bankRegistry(), cqrs.WithProjectionRetry(time.Millisecond))
	r := &obReplica{app: a, bus: bus, accounts: cqrs.NewAggregate(bus, "account", applyAccount), stopped: true}
	cqrs.Handle(r.accounts, "deposit", func(in amountIn) string { return in.ID },
		func(_ context.Context, _ cqrs.State[accountState], in amountIn) ([]any, error) {
			return []any{deposited{Amount: in.Amount}}, nil
		}, accountView, app.HTTP("POST", "/accounts/{id}/deposit"))
	cqrs.Handle(r.accounts, "withdraw", func(in amountIn) string { return in.ID },
		func(_ context.Context, st cqrs.State[accountState], in amountIn) ([]any, error) {
			if st.Value.Balance < in.Amount {
				return nil, app.NewError(app.CodeFailedPrecondition, "insufficient funds")
			}
			return []any{withdrawn{Amount: in.Amount}}, nil
		}, accountView, app.HTTP("POST", "/accounts/{id}/withdraw"))
	cqrs.Handle(r.accounts, "audit", func(in auditIn) string { return in.ID },
		func(_ context.Context, _ cqrs.State[accountState], in auditIn) ([]any, error) {
			msg, err := outbox.NewMessage("bank.audit", in.ID, map[string]string{"note": in.Note})
			return []any{msg}, err
		}, accountView)
	r.relay = outbox.New(bus, "test", pub, outbox.WithBatchSize(5),
		outbox.Map(func(ev deposited, e cqrs.Event) (outbox.Message, error) {
			return outbox.NewMessage("bank.deposited", e.Stream, ev)
		}),
		outbox.Map(func(ev withdrawn, e cqrs.Event) (outbox.Message, error) {
			return outbox.NewMessage("bank.withdrawn", e.Stream, ev)
		}))
	return r
}

func (r *obReplica) stop(tb testing.TB) {
	if r.stopped {
		return
	}
	r.stopped = true
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := r.app.Stop(ctx); err != nil {
		tb.Error(err)
	}
}

func (r *obReplica) do(op string, in any) error {
	var err error
	switch in := in.(type) {
	case amountIn:
		_, err = app.Invoke[amountIn, account](context.Background(), r.app, op, in)
	case auditIn:
		_, err = app.Invoke[auditIn, account](context.Background(), r.app, op, in)
	}
	return err
}

// caughtUp waits until the relay has published everything in the store.
func (r *obReplica) caughtUp(tb testing.TB) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	head, err := r.bus.Store().Head(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	if err := r.bus.Projections().WaitFor(ctx, head, r.relay.Name()); err != nil {
		st, _ := r.relay.Status(context.Background())
		tb.Fatalf("relay did not reach %d: %v (%+v)", head, err, st)
	}
}

// obWork runs the commands of the scenarios from several goroutines, on
// accounts a0…a3: deposits, withdrawals (some rejected) and audits.
func obWork(tb testing.TB, r *obReplica, round int) {
	tb.Helper()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			id := fmt.Sprintf("a%d", w)
			for i := range 6 {
				var err error
				switch i % 3 {
				case 0, 1:
					err = r.do("deposit", amountIn{ID: id, Amount: int64(10*round + i + 1)})
				case 2:
					err = r.do("audit", auditIn{ID: id, Note: fmt.Sprintf("round %d", round)})
				}
				if err != nil {
					tb.Error(err)
				}
			}
			// Rejected: nothing appended, so nothing published.
			if err := r.do("withdraw", amountIn{ID: id, Amount: 1 << 40}); app.CodeOf(err) != app.CodeFailedPrecondition {
				tb.Errorf("overdraft: %v", err)
			}
			if err := r.do("withdraw", amountIn{ID: id, Amount: 1}); err != nil {
				tb.Error(err)
			}
		})
	}
	wg.Wait()
}

// obMessage is what the scenarios compare of a message.
type obMessage struct {
	ID, Topic, Key, Payload, Stream string
	Version, Position               int64
}

func obView(m outbox.Message) obMessage {
	return obMessage{ID: m.ID, Topic: m.Topic, Key: m.Key, Payload: string(m.Payload), Stream: m.Stream, Version: m.Version, Position: m.Position}
}

// obExpected derives the messages the relay must publish from the log.
func obExpected(tb testing.TB, store cqrs.Store) []obMessage {
	tb.Helper()
	evs := readAll(tb, store)
	var out []obMessage
	for _, ev := range evs {
		m := obMessage{ID: ev.ID, Key: ev.Stream, Payload: string(ev.Data), Stream: ev.Stream, Version: ev.Version, Position: ev.Position}
		switch ev.Type {
		case "bank.Deposited":
			m.Topic = "bank.deposited"
		case "bank.Withdrawn":
			m.Topic = "bank.withdrawn"
		case outbox.EventType:
			var msg outbox.Message
			if err := json.Unmarshal(ev.Data, &msg); err != nil {
				tb.Fatal(err)
			}
			m.Topic, m.Key, m.Payload = msg.Topic, msg.Key, string(msg.Payload)
		default:
			continue
		}
		out = append(out, m)
	}
	return out
}

// obRecorder is a Publisher that records what it delivers; fail, when set,
// may deliver a prefix of a call and fail it.
type obRecorder struct {
	mu        sync.Mutex
	delivered []obMessage
	calls     int
	fail      func(call int, msgs []outbox.Message) (int, error)
}

func (p *obRecorder) Publish(ctx context.Context, msgs []outbox.Message) error {
	p.mu.Lock()
	p.calls++
	n, err := len(msgs), error(nil)
	if p.fail != nil {
		n, err = p.fail(p.calls, msgs)
	}
	for _, m := range msgs[:n] {
		p.delivered = append(p.delivered, obView(m))
	}
	p.mu.Unlock()
	if errors.Is(err, errKilled) {
		<-ctx.Done() // a killed process: no answer, until the relay stops
		return ctx.Err()
	}
	return err
}

func (p *obRecorder) messages() []obMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]obMessage(nil), p.delivered...)
}

var errKilled = errors.New("killed")

// checkAtLeastOnce checks that delivered is want, in order, with
// redeliveries: each message first delivered in log order, every copy
// identical, and a redelivery only of a suffix of what went before (a
// retry from a checkpoint). It returns the number of redeliveries.
func checkAtLeastOnce(tb testing.TB, delivered, want []obMessage) int {
	tb.Helper()
	seen := map[string]obMessage{}
	var first []obMessage
	dups := 0
	for i, m := range delivered {
		prev, again := seen[m.ID]
		if again {
			dups++
			if prev != m {
				tb.Errorf("redelivery of %s differs: %+v, first %+v", m.ID, m, prev)
			}
		} else {
			seen[m.ID] = m
			first = append(first, m)
		}
		if i > 0 && m.Position <= delivered[i-1].Position && !again {
			tb.Errorf("message at %d delivered after %d without a retry", m.Position, delivered[i-1].Position)
		}
	}
	if diff := cmp.Diff(first, want); diff != "" {
		tb.Errorf("distinct messages in delivery order (-got +want):\n%s", diff)
	}
	return dups
}

func outboxInOrder(t *testing.T, reopen Reopen) {
	store, closeStore := reopen(t)
	t.Cleanup(closeStore)
	rec := &obRecorder{}
	r := newOBReplica(t, store, rec)
	obWork(t, r, 1)
	r.caughtUp(t)
	want := obExpected(t, store)
	if len(want) != 4*7 {
		t.Fatalf("%d messages in the log, want 28", len(want))
	}
	if diff := cmp.Diff(rec.messages(), want); diff != "" {
		t.Errorf("published (-got +want):\n%s", diff)
	}
	st, err := r.relay.Status(context.Background())
	if err != nil || st.Lag != 0 || st.State != cqrs.StateLive || st.Position != want[len(want)-1].Position {
		t.Errorf("status %+v, %v: want live at the last message", st, err)
	}
}

func outboxRestart(t *testing.T, reopen Reopen) {
	store, closeStore := reopen(t)
	first := &obRecorder{}
	r := newOBReplica(t, store, first)
	obWork(t, r, 1)
	r.caughtUp(t)
	delivered := len(first.messages())

	// Killed mid-batch: the relay delivers three more messages and hangs.
	first.mu.Lock()
	first.fail = func(_ int, msgs []outbox.Message) (int, error) {
		if room := delivered + 3 - len(first.delivered); room < len(msgs) {
			return max(room, 0), errKilled
		}
		return len(msgs), nil
	}
	first.mu.Unlock()
	obWork(t, r, 2)
	testenv.Eventually(t, waitTimeout, func() bool { return len(first.messages()) == delivered+3 })
	r.stop(t)
	// While no relay runs, commands still append their messages.
	down := newOBReplicaStopped(t, store, outbox.PublisherFunc(func(context.Context, []outbox.Message) error {
		t.Error("a stopped replica published")
		return nil
	}))
	obWork(t, down, 3)
	closeStore()

	store, closeStore = reopen(t)
	t.Cleanup(closeStore)
	second := &obRecorder{}
	r2 := newOBReplica(t, store, second)
	r2.caughtUp(t)
	want := obExpected(t, store)
	if len(want) != 3*4*7 {
		t.Fatalf("%d messages in the log, want 84", len(want))
	}
	checkAtLeastOnce(t, append(first.messages(), second.messages()...), want)
}

func outboxRetry(t *testing.T, reopen Reopen) {
	store, closeStore := reopen(t)
	t.Cleanup(closeStore)
	// Down at first; then, counting calls from the recovery, a partial
	// acknowledgement and two lost ones. (Few failures: the relay backs
	// off exponentially while it fails without progress.)
	var down atomic.Bool
	down.Store(true)
	var up atomic.Int32
	rec := &obRecorder{fail: func(_ int, msgs []outbox.Message) (int, error) {
		if down.Load() {
			return 0, errors.New("broker down")
		}
		switch up.Add(1) {
		case 1:
			if len(msgs) > 1 {
				return 1, &outbox.PublishError{Index: 1, Err: errors.New("flow control")}
			}
		case 3, 6: // delivered, acknowledgement lost
			return len(msgs), errors.New("connection reset")
		}
		return len(msgs), nil
	}}
	r := newOBReplica(t, store, rec)
	obWork(t, r, 1)
	var st cqrs.ProjectionStatus
	testenv.Eventually(t, waitTimeout, func() bool {
		st, _ = r.relay.Status(context.Background())
		return st.State == cqrs.StateFailed && strings.Contains(st.Error, "broker down")
	})
	if st.Lag == 0 || st.Position != 0 {
		t.Errorf("status while the broker is down %+v: want failed with a lag", st)
	}
	down.Store(false)
	obWork(t, r, 2)
	r.caughtUp(t)
	want := obExpected(t, store)
	if dups := checkAtLeastOnce(t, rec.messages(), want); dups == 0 {
		t.Error("no redelivery: the lost acknowledgements were not exercised")
	}
	if st, _ := r.relay.Status(context.Background()); st.State != cqrs.StateLive || st.Error != "" {
		t.Errorf("status after recovery %+v, want live", st)
	}
}
