package postgres_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/outbox"
	"github.com/allframe-go/allframe/cqrs/postgres/postgrestest"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
)

type sendIn struct {
	ID string `json:"id"`
	N  int    `json:"n"`
}

type sendOut struct {
	ID string `json:"id"`
}

// deliveries records what every replica's relay published.
type deliveries struct {
	mu    sync.Mutex
	by    map[string][]string // message id → replicas that published it
	order []string
}

func (d *deliveries) publisher(replica string) outbox.Publisher {
	return outbox.PublisherFunc(func(_ context.Context, msgs []outbox.Message) error {
		d.mu.Lock()
		defer d.mu.Unlock()
		for _, m := range msgs {
			if len(d.by[m.ID]) == 0 {
				d.order = append(d.order, m.ID)
			}
			d.by[m.ID] = append(d.by[m.ID], replica)
		}
		return nil
	})
}

func (d *deliveries) unique() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.by)
}

// outboxReplica is one service instance with the relay "partners".
type outboxReplica struct {
	app  *app.App
	bus  *cqrs.Bus
	stop func()
}

func newOutboxReplica(t *testing.T, dsn, schema, name string, d *deliveries) *outboxReplica {
	t.Helper()
	store := postgrestest.OpenSchema(t, dsn, schema)
	reg := cqrs.NewRegistry()
	a := app.New(app.Name("outbox"), app.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	bus := cqrs.NewBus(a, store, reg, cqrs.WithRetries(100))
	senders := cqrs.NewAggregate(bus, "sender", func(*int, any) {})
	cqrs.Handle(senders, "send", func(in sendIn) string { return in.ID },
		func(_ context.Context, _ cqrs.State[int], in sendIn) ([]any, error) {
			m, err := outbox.NewMessage("test.sent", in.ID, in)
			return []any{m}, err
		}, func(st cqrs.State[int]) sendOut { return sendOut{ID: st.ID} })
	outbox.New(bus, "partners", d.publisher(name))
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := &outboxReplica{app: a, bus: bus}
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			if err := a.Stop(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(r.stop)
	return r
}

func (r *outboxReplica) send(t *testing.T, id string, n int) {
	t.Helper()
	if _, err := app.Invoke[sendIn, sendOut](context.Background(), r.app, "send", sendIn{ID: id, N: n}); err != nil {
		t.Fatal(err)
	}
}

func (r *outboxReplica) relayState(t *testing.T) string {
	t.Helper()
	st, err := r.bus.Projections().Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.Name == "outbox-partners" {
			return s.State
		}
	}
	t.Fatal("no relay status")
	return ""
}

// TestOutboxOneRelayAcrossReplicas: two replicas declare the same relay;
// one publishes, the other stands by, and takes over when the first stops,
// continuing from the checkpoint: every message published once, none lost.
func TestOutboxOneRelayAcrossReplicas(t *testing.T) {
	dsn := postgrestest.DSN(t)
	schema := postgrestest.Schema(t, dsn)
	d := &deliveries{by: map[string][]string{}}
	a := newOutboxReplica(t, dsn, schema, "a", d)
	b := newOutboxReplica(t, dsn, schema, "b", d)
	for i := range 30 {
		[]*outboxReplica{a, b}[i%2].send(t, fmt.Sprintf("s%d", i%5), i)
	}
	testenv.Eventually(t, 30*time.Second, func() bool { return d.unique() == 30 })
	states := map[string]int{a.relayState(t): 1}
	states[b.relayState(t)]++
	if states["live"]+states["catching_up"] != 1 || states["standby"] != 1 {
		t.Errorf("relay states %v; want one running (live or catching up), one standby", states)
	}
	d.mu.Lock()
	holder := ""
	for id, rs := range d.by {
		if len(rs) != 1 || (holder != "" && rs[0] != holder) {
			t.Errorf("message %s published by %v; want once, by the one relay", id, rs)
		}
		holder = rs[0]
	}
	d.mu.Unlock()
	live, other := a, b
	if holder == "b" {
		live, other = b, a
	}
	live.stop()
	for i := range 20 {
		other.send(t, fmt.Sprintf("t%d", i%4), i)
	}
	testenv.Eventually(t, 30*time.Second, func() bool { return d.unique() == 50 }) // the standby took over
	d.mu.Lock()
	defer d.mu.Unlock()
	for id, rs := range d.by {
		if len(rs) != 1 {
			t.Errorf("message %s published %d times (%v) across a clean hand-over", id, len(rs), rs)
		}
	}
}
