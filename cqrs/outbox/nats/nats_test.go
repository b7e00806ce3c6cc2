package nats_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
	"github.com/allframe-go/allframe/cqrs/outbox"
	outboxnats "github.com/allframe-go/allframe/cqrs/outbox/nats"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const wait = 10 * time.Second

// startJetStream runs an embedded NATS server with JetStream on a random
// port of 127.0.0.1, storing in a temporary directory, and returns a
// JetStream client with the stream BANK on bank.> created.
func startJetStream(t *testing.T) jetstream.JetStream {
	t.Helper()
	srv, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	if !srv.ReadyForConnections(wait) {
		t.Fatal("nats server not ready")
	}
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "BANK", Subjects: []string{"bank.>"}, Duplicates: time.Hour}); err != nil {
		t.Fatal(err)
	}
	return js
}

type Deposited struct {
	Amount int64 `json:"amount"`
}

// replica is one process of the service: an App whose Bus runs a relay.
type replica struct {
	app   *app.App
	bus   *cqrs.Bus
	relay *outbox.Relay
}

func newReplica(t *testing.T, store cqrs.Store, pub outbox.Publisher) *replica {
	t.Helper()
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[Deposited](reg, "bank.Deposited", 1)
	a := app.New(app.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	bus := cqrs.NewBus(a, store, reg, cqrs.WithProjectionRetry(time.Millisecond))
	relay := outbox.New(bus, "jetstream", pub, outbox.WithBatchSize(1000), outbox.Map(func(ev Deposited, e cqrs.Event) (outbox.Message, error) {
		return outbox.NewMessage("bank.deposited", e.Stream, ev)
	}))
	return &replica{app: a, bus: bus, relay: relay}
}

func (r *replica) start(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := r.app.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.stop(t) })
}

func (r *replica) stop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := r.app.Stop(ctx); err != nil {
		t.Error(err)
	}
}

func (r *replica) published(t *testing.T, position int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := r.bus.Projections().WaitFor(ctx, position, r.relay.Name()); err != nil {
		st, _ := r.relay.Status(context.Background())
		t.Fatalf("relay did not reach %d: %v (%+v)", position, err, st)
	}
}

// deposit appends n deposits round-robin to streams account-0…account-3
// and returns the events as stored.
func deposit(t *testing.T, store cqrs.Store, n int) []cqrs.Event {
	t.Helper()
	ctx := context.Background()
	head, err := store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		data, _ := json.Marshal(Deposited{Amount: int64(i)})
		if _, err := store.Append(ctx, cqrs.AppendRequest{
			Stream: fmt.Sprintf("account-%d", i%4), StreamType: "account", ExpectedVersion: cqrs.AnyVersion,
			Events: []cqrs.EventData{{Type: "bank.Deposited", SchemaVersion: 1, Data: data}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := store.ReadAll(ctx, head, 0, cqrs.Filter{})
	if err != nil || len(evs) != n {
		t.Fatalf("read back %d events, %v", len(evs), err)
	}
	return evs
}

type received struct {
	ID      string
	Subject string
	Key     string
	Stream  string
	Version string
	Data    string
}

// consume reads every message of the stream BANK, in stream order.
func consume(t *testing.T, js jetstream.JetStream, want int) []received {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	st, err := js.Stream(ctx, "BANK")
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != uint64(want) {
		t.Errorf("stream holds %d messages, want %d", info.State.Msgs, want)
	}
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(int(info.State.Msgs), jetstream.FetchMaxWait(wait))
	if err != nil {
		t.Fatal(err)
	}
	var out []received
	for m := range batch.Messages() {
		h := m.Headers()
		out = append(out, received{
			ID: h.Get(jetstream.MsgIDHeader), Subject: m.Subject(), Key: h.Get(outboxnats.HeaderKey),
			Stream: h.Get(outboxnats.HeaderStream), Version: h.Get(outboxnats.HeaderVersion), Data: string(m.Data()),
		})
	}
	if err := batch.Error(); err != nil {
		t.Fatal(err)
	}
	return out
}

func expected(evs []cqrs.Event) []received {
	out := make([]received, len(evs))
	for i, ev := range evs {
		out[i] = received{ID: ev.ID, Subject: "bank.deposited", Key: ev.Stream, Stream: ev.Stream, Version: fmt.Sprint(ev.Version), Data: string(ev.Data)}
	}
	return out
}

func TestPublishAndConsume(t *testing.T) {
	js := startJetStream(t)
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	r := newReplica(t, store, outboxnats.New(js, outboxnats.WithExpectStream("BANK")))
	r.start(t)
	evs := deposit(t, store, 40)
	r.published(t, evs[len(evs)-1].Position)
	if diff := cmp.Diff(consume(t, js, len(evs)), expected(evs)); diff != "" {
		t.Errorf("consumed (-got +want):\n%s", diff)
	}
}

// killer publishes the first n messages of its first batch, then hangs as
// a process killed mid-batch would (until the relay is stopped).
type killer struct {
	pub    outbox.Publisher
	n      int
	killed chan struct{}
	once   sync.Once
}

func (k *killer) Publish(ctx context.Context, msgs []outbox.Message) error {
	first := false
	k.once.Do(func() { first = true })
	if !first {
		return k.pub.Publish(ctx, msgs)
	}
	if err := k.pub.Publish(ctx, msgs[:k.n]); err != nil {
		return err
	}
	close(k.killed)
	<-ctx.Done()
	return ctx.Err()
}

// recorder records the ids it is asked to publish.
type recorder struct {
	pub outbox.Publisher
	mu  sync.Mutex
	ids []string
}

func (r *recorder) Publish(ctx context.Context, msgs []outbox.Message) error {
	r.mu.Lock()
	for _, m := range msgs {
		r.ids = append(r.ids, m.ID)
	}
	r.mu.Unlock()
	return r.pub.Publish(ctx, msgs)
}

// A relay killed mid-batch, after JetStream stored part of it, and
// replaced by another: the new one publishes the batch again from the
// checkpoint, and JetStream keeps one copy of each message, in order.
func TestRestartMidBatchIsDeduplicated(t *testing.T) {
	js := startJetStream(t)
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	evs := deposit(t, store, 30)

	k := &killer{pub: outboxnats.New(js), n: 12, killed: make(chan struct{})}
	first := newReplica(t, store, k)
	first.start(t)
	select {
	case <-k.killed:
	case <-time.After(wait):
		t.Fatal("the first relay never published")
	}
	first.stop(t)
	if st, _ := first.relay.Status(context.Background()); st.Position != 0 {
		t.Fatalf("first relay's position %d, want 0: nothing acknowledged to the relay", st.Position)
	}

	rec := &recorder{pub: outboxnats.New(js)}
	second := newReplica(t, store, rec)
	second.start(t)
	more := deposit(t, store, 5) // and it carries on live
	second.published(t, more[len(more)-1].Position)

	all := append(evs, more...)
	rec.mu.Lock()
	resent := rec.ids[:k.n]
	rec.mu.Unlock()
	if diff := cmp.Diff(resent, ids(evs[:k.n])); diff != "" {
		t.Errorf("the second relay did not start again from the checkpoint (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(consume(t, js, len(all)), expected(all)); diff != "" {
		t.Errorf("consumed (-got +want):\n%s", diff)
	}
}

func ids(evs []cqrs.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.ID
	}
	return out
}

// Without a stream for the subject the relay fails and retries; once the
// stream exists it delivers.
func TestNoStreamRetries(t *testing.T) {
	js := startJetStream(t)
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	reg := cqrs.NewRegistry()
	a := app.New(app.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	bus := cqrs.NewBus(a, store, reg, cqrs.WithProjectionRetry(time.Millisecond))
	relay := outbox.New(bus, "jetstream", outboxnats.New(js, outboxnats.WithTimeout(time.Second)))
	r := &replica{app: a, bus: bus, relay: relay}
	r.start(t)
	m, err := outbox.NewMessage("audit.opened", "a", map[string]string{"owner": "ada"})
	if err != nil {
		t.Fatal(err)
	}
	ed, err := reg.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	res, err := store.Append(context.Background(), cqrs.AppendRequest{Stream: "account-a", ExpectedVersion: cqrs.NoStream, Events: []cqrs.EventData{ed}})
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, wait, func() bool {
		st, _ := relay.Status(context.Background())
		return st.State == cqrs.StateFailed && strings.Contains(st.Error, "no response from stream")
	})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "AUDIT", Subjects: []string{"audit.>"}}); err != nil {
		t.Fatal(err)
	}
	r.published(t, res.LastPosition)
	st, err := js.Stream(ctx, "AUDIT")
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.GetMsg(ctx, 1)
	if err != nil || string(got.Data) != `{"owner":"ada"}` || got.Header.Get(jetstream.MsgIDHeader) == "" {
		t.Errorf("stored %+v, %v", got, err)
	}
}

// A message NATS refuses as too large fails permanently, at its index.
func TestTooLargeIsPermanent(t *testing.T) {
	js := startJetStream(t)
	big := outbox.Message{ID: "big", Topic: "bank.big", Payload: json.RawMessage(`"` + strings.Repeat("x", 2<<20) + `"`)}
	small := outbox.Message{ID: "small", Topic: "bank.small", Payload: json.RawMessage(`1`)}
	err := outboxnats.New(js).Publish(context.Background(), []outbox.Message{small, big, small})
	var pe *outbox.PublishError
	if !errors.As(err, &pe) || pe.Index != 1 || !errors.Is(err, outbox.ErrPermanent) || !errors.Is(err, nats.ErrMaxPayload) {
		t.Errorf("error %v: want a permanent ErrMaxPayload at index 1", err)
	}
}
