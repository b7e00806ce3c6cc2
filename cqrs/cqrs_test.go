package cqrs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type added struct {
	N int64 `json:"n"`
}

type counter struct {
	Total int64 `json:"total"`
	Adds  int   `json:"adds"`
}

func applyCounter(s *counter, ev any) {
	if e, ok := ev.(added); ok {
		s.Total += e.N
		s.Adds++
	}
}

type addIn struct {
	ID string `json:"id" validate:"required"`
	N  int64  `json:"n" validate:"gt=0"`
}

type counterOut struct {
	ID    string `json:"id"`
	Total int64  `json:"total"`
	cqrs.Written
}

func counterView(st cqrs.State[counter]) counterOut {
	return counterOut{ID: st.ID, Total: st.Value.Total}
}

func quietApp() *app.App {
	return app.New(app.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
}

func counterRegistry() *cqrs.Registry {
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[added](reg, "test.Added", 1)
	return reg
}

func startApp(t *testing.T, a *app.App) {
	t.Helper()
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
}

func addDecider(_ context.Context, _ cqrs.State[counter], in addIn) ([]any, error) {
	return []any{added{N: in.N}}, nil
}

func waitSpan(t *testing.T, sr *tracetest.SpanRecorder, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	var found sdktrace.ReadOnlySpan
	testenv.Eventually(t, 5*time.Second, func() bool {
		for _, s := range sr.Ended() {
			if s.Name() == name {
				found = s
				return true
			}
		}
		return false
	})
	return found
}

func TestTracesFollowTheData(t *testing.T) {
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	store := memory.New()
	a := quietApp()
	bus := cqrs.NewBus(a, store, counterRegistry(), cqrs.WithTracerProvider(tp))
	agg := cqrs.NewAggregate(bus, "counter", applyCounter)
	cqrs.Handle(agg, "add", func(in addIn) string { return in.ID }, addDecider, counterView)
	bus.Projections().Add(cqrs.NewProjection("totals", func(context.Context, cqrs.Event) error { return nil }))
	cqrs.EventStream(bus, "adds", func(context.Context, struct{}) (cqrs.Filter, int64, error) { return cqrs.Filter{}, 0, nil }, cqrs.Message)
	startApp(t, a)

	ctx, root := tp.Tracer("test").Start(context.Background(), "POST /add")
	out, err := app.Invoke[addIn, counterOut](ctx, a, "add", addIn{ID: "c1", N: 2})
	root.End()
	if err != nil {
		t.Fatal(err)
	}
	rootSC := root.SpanContext()
	appendSpan := waitSpan(t, sr, "cqrs.append counter")
	for _, name := range []string{"cqrs.load counter", "cqrs.decide counter", "cqrs.append counter"} {
		s := waitSpan(t, sr, name)
		if s.Parent().SpanID() != rootSC.SpanID() || s.SpanContext().TraceID() != rootSC.TraceID() {
			t.Errorf("%s is not a child of the request span", name)
		}
	}
	attrs := map[attribute.Key]attribute.Value{}
	for _, kv := range appendSpan.Attributes() {
		attrs[kv.Key] = kv.Value
	}
	if attrs["cqrs.position"].AsInt64() != out.Position || attrs["cqrs.aggregate.id"].AsString() != "c1" {
		t.Errorf("append span attributes %v", attrs)
	}
	// The event records the append span's context; the projection's
	// handling continues that trace and links to it.
	evs, _ := store.ReadStream(context.Background(), "counter-c1", 0)
	if got := evs[0].SpanContext(); got.SpanID() != appendSpan.SpanContext().SpanID() || got.TraceID() != rootSC.TraceID() {
		t.Errorf("event trace context %v, want the append span %v", got, appendSpan.SpanContext())
	}
	if evs[0].Metadata.CorrelationID != rootSC.TraceID().String() {
		t.Errorf("correlation id %q, want the trace id %s", evs[0].Metadata.CorrelationID, rootSC.TraceID())
	}
	proj := waitSpan(t, sr, "projection totals test.Added")
	if proj.Parent().SpanID() != appendSpan.SpanContext().SpanID() || proj.SpanContext().TraceID() != rootSC.TraceID() || proj.SpanKind() != trace.SpanKindConsumer {
		t.Errorf("projection span parent %v trace %v kind %v; want the append span in the request's trace", proj.Parent(), proj.SpanContext().TraceID(), proj.SpanKind())
	}
	if links := proj.Links(); len(links) != 1 || links[0].SpanContext.SpanID() != appendSpan.SpanContext().SpanID() {
		t.Errorf("projection span links %v, want the append span", links)
	}

	// A subscription's span is a child of its own request, linked to the event.
	sctx, sub := tp.Tracer("test").Start(context.Background(), "GET /adds")
	sctx, cancel := context.WithCancel(sctx)
	got := make(chan cqrs.EventMessage, 1)
	done := make(chan error, 1)
	go func() {
		done <- app.InvokeStream(sctx, a, "adds", struct{}{}, func(m cqrs.EventMessage) error {
			got <- m
			return nil
		})
	}()
	select {
	case m := <-got:
		if m.Type != "test.Added" || string(m.Data) != `{"n":2}` || m.Position != out.Position {
			t.Errorf("stream item %+v", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("stream sent nothing")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("stream: %v", err)
	}
	sub.End()
	s := waitSpan(t, sr, "subscription adds test.Added")
	if s.Parent().SpanID() != sub.SpanContext().SpanID() || len(s.Links()) != 1 || s.Links()[0].SpanContext.TraceID() != rootSC.TraceID() {
		t.Errorf("subscription span parent %v links %v", s.Parent(), s.Links())
	}
}

func TestFreeFormCommand(t *testing.T) {
	store := memory.New()
	a := quietApp()
	bus := cqrs.NewBus(a, store, counterRegistry())
	agg := cqrs.NewAggregate(bus, "counter", applyCounter)
	type transferIn struct {
		From, To string
		N        int64 `validate:"gt=0"`
	}
	type transferOut struct {
		From, To int64
		cqrs.Written
	}
	runs := 0
	cqrs.Command(bus, "transfer", func(ctx context.Context, in transferIn) (transferOut, error) {
		runs++
		from, err := agg.Execute(ctx, in.From, func(cqrs.State[counter]) ([]any, error) { return []any{added{N: -in.N}}, nil })
		if err != nil {
			return transferOut{}, err
		}
		to, err := agg.Execute(ctx, in.To, func(cqrs.State[counter]) ([]any, error) { return []any{&added{N: in.N}}, nil })
		if err != nil {
			return transferOut{}, err
		}
		return transferOut{From: from.Value.Total, To: to.Value.Total}, nil
	})
	startApp(t, a)
	key := app.MapMetadata{}
	key.Set("Idempotency-Key", "t-1")
	in := transferIn{From: "a", To: "b", N: 5}
	first, err := app.Invoke[transferIn, transferOut](context.Background(), a, "transfer", in, app.WithMetadata(key))
	if err != nil {
		t.Fatal(err)
	}
	head, _ := store.Head(context.Background())
	if first.From != -5 || first.To != 5 || first.Position != head {
		t.Errorf("transfer = %+v, want -5, 5 at position %d", first, head)
	}
	again, err := app.Invoke[transferIn, transferOut](context.Background(), a, "transfer", in, app.WithMetadata(key))
	if diff := cmp.Diff(again, first); diff != "" || err != nil || runs != 1 {
		t.Errorf("replay (-got +want), err %v, %d runs:\n%s", err, runs, diff)
	}
	_, err = app.Invoke[transferIn, transferOut](context.Background(), a, "transfer", transferIn{From: "a", To: "b", N: 6}, app.WithMetadata(key))
	if app.CodeOf(err) != app.CodeFailedPrecondition {
		t.Errorf("reused key: %v, want failed_precondition", err)
	}
	evs, _ := store.ReadAll(context.Background(), 0, 10, cqrs.Filter{})
	if len(evs) != 2 || evs[0].Metadata.IdempotencyKey != "t-1" || evs[0].Metadata.CorrelationID != evs[1].Metadata.CorrelationID {
		t.Errorf("events %+v: want two with the key and one correlation id", evs)
	}
	// Keys may be up to 255 visible ASCII characters, as the error says.
	tests := []struct {
		give string
		want app.Code
	}{
		{give: strings.Repeat("k", 255), want: app.CodeOK},
		{give: strings.Repeat("k", 256), want: app.CodeInvalidArgument},
		{give: "~!#$%&'*+-.^_`|", want: app.CodeOK},
		{give: "with\ttab", want: app.CodeInvalidArgument},
		{give: "del\x7f", want: app.CodeInvalidArgument},
		{give: "sp ace", want: app.CodeInvalidArgument},
	}
	for _, tt := range tests {
		md := app.MapMetadata{}
		md.Set("Idempotency-Key", tt.give)
		_, err := app.Invoke[transferIn, transferOut](context.Background(), a, "transfer", transferIn{From: "c", To: "d", N: 1}, app.WithMetadata(md))
		if got := app.CodeOf(err); got != tt.want {
			t.Errorf("key %q: %v, want %v", tt.give, got, tt.want)
		}
	}
}

// Release 1 of a service stored added events as {"amount": N}.
type addedV1 struct {
	Amount int64 `json:"amount"`
}

func TestAggregateLoadsEventsWrittenByAnOlderVersion(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	old := cqrs.NewRegistry()
	cqrs.RegisterEvent[addedV1](old, "test.Added", 1)
	for _, n := range []int64{3, 4} {
		ed, err := old.Encode(addedV1{Amount: n})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Append(ctx, cqrs.AppendRequest{Stream: "counter-x", ExpectedVersion: cqrs.AnyVersion, Events: []cqrs.EventData{ed}}); err != nil {
			t.Fatal(err)
		}
	}
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[added](reg, "test.Added", 2)
	reg.Upcast("test.Added", 1, func(data []byte) ([]byte, error) {
		return []byte(strings.Replace(string(data), `"amount"`, `"n"`, 1)), nil
	})
	a := quietApp()
	bus := cqrs.NewBus(a, store, reg)
	agg := cqrs.NewAggregate(bus, "counter", applyCounter)
	st, err := agg.Execute(ctx, "x", func(cqrs.State[counter]) ([]any, error) { return []any{added{N: 10}}, nil })
	if err != nil {
		t.Fatal(err)
	}
	if st.Value != (counter{Total: 17, Adds: 3}) || st.Version != 3 {
		t.Errorf("state %+v, want total 17 from v1 and v2 events", st)
	}
	evs, _ := store.ReadStream(ctx, "counter-x", 2)
	if evs[0].SchemaVersion != 2 || string(evs[0].Data) != `{"n":10}` {
		t.Errorf("new event written as %s v%d", evs[0].Data, evs[0].SchemaVersion)
	}
}

func TestSnapshotSchemaVersion(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	bus := cqrs.NewBus(quietApp(), store, counterRegistry())
	v1 := cqrs.NewAggregate(bus, "counter", applyCounter, cqrs.SnapshotEvery(2))
	for range 5 {
		if _, err := v1.Execute(ctx, "s", func(cqrs.State[counter]) ([]any, error) { return []any{added{N: 1}}, nil }); err != nil {
			t.Fatal(err)
		}
	}
	sn, ok, _ := store.LoadSnapshot(ctx, "counter-s")
	if !ok || sn.Version != 4 || string(sn.Data) != `{"total":4,"adds":4}` {
		t.Fatalf("snapshot %+v %v", sn, ok)
	}
	// A release whose state changed shape bumps the snapshot version: the
	// old snapshot is ignored and the state rebuilt from the events.
	bus2 := cqrs.NewBus(quietApp(), store, counterRegistry())
	type counterV2 struct {
		Sum int64 `json:"total"`
		N   int   `json:"count"`
	}
	v2 := cqrs.NewAggregate(bus2, "counter", func(s *counterV2, ev any) {
		s.Sum += ev.(added).N
		s.N++
	}, cqrs.SnapshotEvery(2), cqrs.SnapshotVersion(2))
	st, err := v2.Load(ctx, "s")
	if err != nil || st.Value != (counterV2{Sum: 5, N: 5}) {
		t.Errorf("load with a new snapshot version = %+v, %v; want rebuilt from events", st, err)
	}
	// An undecodable snapshot is ignored, too.
	if err := store.SaveSnapshot(ctx, cqrs.Snapshot{Stream: "counter-s", Version: 6, SchemaVersion: 1, Data: []byte(`{"total":"x"}`)}); err != nil {
		t.Fatal(err)
	}
	st1, err := v1.Load(ctx, "s")
	if err != nil || st1.Value != (counter{Total: 5, Adds: 5}) {
		t.Errorf("load with a corrupt snapshot = %+v, %v", st1, err)
	}
}

func TestCausedBy(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	bus := cqrs.NewBus(quietApp(), store, counterRegistry())
	agg := cqrs.NewAggregate(bus, "counter", applyCounter)
	cause := cqrs.Event{ID: "ev-1", Metadata: cqrs.Metadata{CorrelationID: "corr-1"}}
	hctx, end := cqrs.EventSpan(cqrs.WithEventMetadata(ctx, map[string]string{"tenant": "acme"}), cause)
	_, err := agg.Execute(hctx, "c", func(cqrs.State[counter]) ([]any, error) { return []any{added{N: 1}}, nil })
	end(err)
	if err != nil {
		t.Fatal(err)
	}
	evs, _ := store.ReadStream(ctx, "counter-c", 0)
	want := cqrs.Metadata{CorrelationID: "corr-1", CausationID: "ev-1", User: map[string]string{"tenant": "acme"}}
	if diff := cmp.Diff(evs[0].Metadata, want); diff != "" {
		t.Errorf("metadata (-got +want):\n%s", diff)
	}
}

func TestExecuteHonoursContextAndPanics(t *testing.T) {
	ctx := context.Background()
	bus := cqrs.NewBus(quietApp(), memory.New(), counterRegistry())
	agg := cqrs.NewAggregate(bus, "counter", applyCounter)
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := agg.Execute(ctx, "c", func(cqrs.State[counter]) ([]any, error) {
			close(inside)
			<-release
			return []any{added{N: 1}}, nil
		})
		done <- err
	}()
	<-inside
	tctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, err := agg.Execute(tctx, "c", func(cqrs.State[counter]) ([]any, error) { return nil, nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting for a busy instance: %v, want deadline exceeded", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("decide's panic was swallowed")
			}
		}()
		_, _ = agg.Execute(ctx, "c", func(cqrs.State[counter]) ([]any, error) { panic("boom") })
	}()
	st, err := agg.Execute(ctx, "c", func(cqrs.State[counter]) ([]any, error) { return []any{added{N: 2}}, nil })
	if err != nil || st.Value.Total != 3 {
		t.Errorf("after a panic: %+v, %v; want the lock released and total 3", st, err)
	}
	for _, id := range []string{"", strings.Repeat("x", 257), "a\nb"} {
		_, err := agg.Execute(ctx, id, func(cqrs.State[counter]) ([]any, error) { return nil, nil })
		if app.CodeOf(err) != app.CodeInvalidArgument {
			t.Errorf("Execute(%q): %v, want invalid_argument", id, err)
		}
	}
	_, err = agg.Execute(ctx, "c", func(cqrs.State[counter]) ([]any, error) { return []any{struct{ X int }{}}, nil })
	if app.CodeOf(err) != app.CodeInternal || !errors.Is(err, cqrs.ErrUnknownEvent) {
		t.Errorf("unregistered event: %v, want internal wrapping ErrUnknownEvent", err)
	}
}

func TestDefinitionPanics(t *testing.T) {
	type hidden struct{ n int }
	countHidden := func(h *hidden, _ any) { h.n++ }
	type skipped struct {
		N int `json:"-"`
	}
	bus := cqrs.NewBus(quietApp(), memory.New(), counterRegistry())
	tests := []struct {
		name string
		give func()
	}{
		{"snapshots of unexported state", func() { cqrs.NewAggregate(bus, "h", countHidden, cqrs.SnapshotEvery(10)) }},
		{"bad aggregate type", func() { cqrs.NewAggregate(bus, "bad type", applyCounter) }},
		{"nil apply", func() { cqrs.NewAggregate[counter](bus, "c", nil) }},
		{"event with unexported field", func() { cqrs.RegisterEvent[hidden](cqrs.NewRegistry(), "x.Hidden", 1) }},
		{"event with json:\"-\" field", func() { cqrs.RegisterEvent[skipped](cqrs.NewRegistry(), "x.Skipped", 1) }},
		{"duplicate projection", func() {
			p := cqrs.NewProjection("p", func(context.Context, cqrs.Event) error { return nil })
			bus.Projections().Add(p)
			bus.Projections().Add(p)
		}},
	}
	for _, tt := range tests {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tt.name)
				}
			}()
			tt.give()
		}()
	}
	// Unexported state is fine without snapshots.
	cqrs.NewAggregate(bus, "h", countHidden)
}

// TestOperationsDeclareTheirHeaders checks that commands declare the
// headers they honour and set, and queries that read projections declare
// Consistency-Token, so that schemas document them.
func TestOperationsDeclareTheirHeaders(t *testing.T) {
	a := quietApp()
	bus := cqrs.NewBus(a, memory.New(), counterRegistry())
	agg := cqrs.NewAggregate(bus, "counter", applyCounter)
	names := func(hs []app.Header) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h.Name)
		}
		return out
	}
	handled := cqrs.Handle(agg, "add", func(in addIn) string { return in.ID }, addDecider, counterView)
	free := cqrs.Command(bus, "free", func(context.Context, addIn) (counterOut, error) { return counterOut{}, nil })
	query := app.Query(a, "read", func(context.Context, struct{}) (counterOut, error) { return counterOut{}, nil }, bus.ReadsFrom("totals"))
	tests := []struct {
		give          *app.Operation
		wantRequest   []string
		wantResponse  []string
		wantReadsFrom bool
	}{
		{give: handled, wantRequest: []string{"Idempotency-Key"}, wantResponse: []string{"Consistency-Token", "Idempotent-Replayed"}},
		{give: free, wantRequest: []string{"Idempotency-Key"}, wantResponse: []string{"Consistency-Token", "Idempotent-Replayed"}},
		{give: query, wantRequest: []string{"Consistency-Token"}, wantReadsFrom: true},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(names(tt.give.Headers), tt.wantRequest); diff != "" {
			t.Errorf("%s request headers (-got +want):\n%s", tt.give.Name, diff)
		}
		if diff := cmp.Diff(names(tt.give.ResponseHeaders), tt.wantResponse); diff != "" {
			t.Errorf("%s response headers (-got +want):\n%s", tt.give.Name, diff)
		}
		if got := len(tt.give.Headers) > 0 && strings.Contains(tt.give.Headers[0].Description, "(totals)"); got != tt.wantReadsFrom {
			t.Errorf("%s: description %q names the projections: %v, want %v", tt.give.Name, tt.give.Headers[0].Description, got, tt.wantReadsFrom)
		}
	}
}
