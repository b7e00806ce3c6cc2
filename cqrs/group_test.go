package cqrs_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// gatedStore holds the first Append until release is closed, counting
// Append calls: the commands that arrive meanwhile queue on the instance.
type gatedStore struct {
	*memory.Store
	appends atomic.Int64
	first   sync.Once
	entered chan struct{}
	release chan struct{}
}

func newGatedStore() *gatedStore {
	return &gatedStore{Store: memory.New(), entered: make(chan struct{}), release: make(chan struct{})}
}

func (g *gatedStore) Append(ctx context.Context, req cqrs.AppendRequest) (cqrs.AppendResult, error) {
	g.appends.Add(1)
	g.first.Do(func() {
		close(g.entered)
		<-g.release
	})
	return g.Store.Append(ctx, req)
}

// TestCommandsOnOneInstanceShareAnAppend: commands queued on a hot
// instance are decided in order, each on the state the previous ones left
// (100 withdrawals of 1 from a balance of 60: exactly 60 succeed), and are
// appended together; each gets its own version and position, and a
// command's decide panicking fails only that command.
func TestCommandsOnOneInstanceShareAnAppend(t *testing.T) {
	store := newGatedStore()
	bus := cqrs.NewBus(quietApp(), store, counterRegistry())
	agg := cqrs.NewAggregate(bus, "counter", applyCounter)
	ctx := context.Background()
	add := func(n int64) func(cqrs.State[counter]) ([]any, error) {
		return func(st cqrs.State[counter]) ([]any, error) {
			if st.Value.Total+n < 0 {
				return nil, app.NewError(app.CodeFailedPrecondition, "insufficient")
			}
			return []any{added{N: n}}, nil
		}
	}

	// The first command holds the lead inside Append while the others queue.
	firstDone := make(chan error, 1)
	go func() {
		_, err := agg.Execute(ctx, "c", add(60))
		firstDone <- err
	}()
	<-store.entered
	const n = 100
	type result struct {
		st       cqrs.State[counter]
		err      error
		panicked any
	}
	results := make([]result, n+1)
	var wg sync.WaitGroup
	for i := range n + 1 {
		wg.Go(func() {
			defer func() { results[i].panicked = recover() }()
			decide := add(-1)
			if i == n {
				decide = func(cqrs.State[counter]) ([]any, error) { panic("boom") }
			}
			results[i].st, results[i].err = agg.Execute(ctx, "c", decide)
		})
	}
	testenv.Eventually(t, 5*time.Second, func() bool { return agg.Queued("c") == n+1 })
	close(store.release)
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	ok, refused := 0, 0
	versions := map[int64]bool{}
	for i, r := range results[:n] {
		switch {
		case r.panicked != nil:
			t.Errorf("command %d panicked: %v", i, r.panicked)
		case r.err == nil:
			ok++
			if versions[r.st.Version] {
				t.Errorf("version %d returned twice", r.st.Version)
			}
			versions[r.st.Version] = true
			evs, err := store.ReadStream(ctx, "counter-c", r.st.Version-1)
			if err != nil || len(evs) == 0 || evs[0].Position != r.st.Position {
				t.Errorf("command %d: state at version %d position %d; the store has %v (%v)", i, r.st.Version, r.st.Position, evs, err)
			}
		case app.ErrorFrom(r.err).Code == app.CodeFailedPrecondition:
			refused++
		default:
			t.Errorf("command %d: %v", i, r.err)
		}
	}
	if ok != 60 || refused != 40 {
		t.Errorf("%d withdrawals succeeded and %d were refused, want 60 and 40", ok, refused)
	}
	if results[n].panicked != "boom" {
		t.Errorf("the panicking command got %+v, want its panic", results[n])
	}
	st, err := agg.Load(ctx, "c")
	if err != nil || st.Value.Total != 0 || st.Version != 61 {
		t.Errorf("final state %+v, %v; want total 0 at version 61", st, err)
	}
	// One append for the first command, then the queued ones together
	// (the panic restarts their group once, before any append).
	if got := store.appends.Load(); got != 2 {
		t.Errorf("%d appends for %d commands, want 2", got, n+2)
	}
}

// TestQueuedCommandHonoursItsContext: a command whose context ends while it
// waits behind others returns the context's error and never runs.
func TestQueuedCommandHonoursItsContext(t *testing.T) {
	store := newGatedStore()
	bus := cqrs.NewBus(quietApp(), store, counterRegistry())
	agg := cqrs.NewAggregate(bus, "counter", applyCounter)
	firstDone := make(chan error, 1)
	go func() {
		_, err := agg.Execute(context.Background(), "c", func(cqrs.State[counter]) ([]any, error) { return []any{added{N: 1}}, nil })
		firstDone <- err
	}()
	<-store.entered
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Bool
	done := make(chan error, 1)
	go func() {
		_, err := agg.Execute(ctx, "c", func(cqrs.State[counter]) ([]any, error) {
			ran.Store(true)
			return []any{added{N: 1}}, nil
		})
		done <- err
	}()
	testenv.Eventually(t, 5*time.Second, func() bool { return agg.Queued("c") == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("canceled queued command = %v, want context.Canceled", err)
	}
	close(store.release)
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	if ran.Load() {
		t.Error("the canceled command ran")
	}
	st, err := agg.Load(context.Background(), "c")
	if err != nil || st.Version != 1 {
		t.Errorf("state %+v, %v; want only the first command's event", st, err)
	}
}

// TestCombinedCommandsKeepTheirTraces: commands decided and appended
// together each get load, decide and append spans under their own request
// span, and their events carry their own trace context.
func TestCombinedCommandsKeepTheirTraces(t *testing.T) {
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	store := newGatedStore()
	bus := cqrs.NewBus(quietApp(), store, counterRegistry(), cqrs.WithTracerProvider(tp))
	agg := cqrs.NewAggregate(bus, "counter", applyCounter)
	one := func(cqrs.State[counter]) ([]any, error) { return []any{added{N: 1}}, nil }
	firstDone := make(chan error, 1)
	go func() {
		_, err := agg.Execute(context.Background(), "c", one)
		firstDone <- err
	}()
	<-store.entered
	requests := make([]trace.Span, 2)
	var wg sync.WaitGroup
	for i := range requests {
		ctx, span := tp.Tracer("test").Start(context.Background(), fmt.Sprintf("request %d", i))
		requests[i] = span
		wg.Go(func() {
			defer span.End()
			if _, err := agg.Execute(ctx, "c", one); err != nil {
				t.Error(err)
			}
		})
	}
	testenv.Eventually(t, 5*time.Second, func() bool { return agg.Queued("c") == 2 })
	close(store.release)
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if got := store.appends.Load(); got != 2 {
		t.Fatalf("%d appends, want 2 (the two requests combined)", got)
	}
	evs, err := store.ReadStream(context.Background(), "counter-c", 1)
	if err != nil || len(evs) != 2 {
		t.Fatalf("events %v, %v", evs, err)
	}
	for i, req := range requests {
		for _, name := range []string{"cqrs.load counter", "cqrs.decide counter", "cqrs.append counter"} {
			found := false
			for _, s := range sr.Ended() {
				if s.Name() == name && s.Parent().SpanID() == req.SpanContext().SpanID() {
					found = true
				}
			}
			if !found {
				t.Errorf("request %d has no %q child span", i, name)
			}
		}
		traced := 0
		for _, ev := range evs {
			if strings.Contains(ev.Metadata.TraceParent, req.SpanContext().TraceID().String()) {
				traced++
			}
		}
		if traced != 1 {
			t.Errorf("request %d: %d events carry its trace, want 1", i, traced)
		}
	}
}

// TestPanicOutsideDecideKeepsTheInstanceUsable: a panic in the group but
// outside decide (here apply, while loading) reaches the caller and the lead
// still moves on: the next command on the instance runs.
func TestPanicOutsideDecideKeepsTheInstanceUsable(t *testing.T) {
	store := memory.New()
	reg := counterRegistry()
	bus := cqrs.NewBus(quietApp(), store, reg)
	var boom atomic.Bool
	boom.Store(true)
	agg := cqrs.NewAggregate(bus, "counter", func(s *counter, ev any) {
		if ev.(added).N == 13 && boom.CompareAndSwap(true, false) {
			panic("transient apply panic") // panics once only
		}
		applyCounter(s, ev)
	}, cqrs.CacheSize(0))
	ctx := context.Background()
	ed, _ := reg.Encode(added{N: 13})
	if _, err := store.Append(ctx, cqrs.AppendRequest{Stream: "counter-c", Events: []cqrs.EventData{ed}}); err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if r := recover(); r != "transient apply panic" {
				t.Errorf("first Execute recovered %v, want the apply panic", r)
			}
		}()
		_, _ = agg.Execute(ctx, "c", func(cqrs.State[counter]) ([]any, error) { return []any{added{N: 1}}, nil })
	}()
	done := make(chan error, 1)
	go func() {
		_, err := agg.Execute(ctx, "c", func(cqrs.State[counter]) ([]any, error) { return []any{added{N: 1}}, nil })
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("second Execute = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("second Execute on the instance hangs after a panic in the previous group (Queued=%d)", agg.Queued("c"))
	}
}

type tagged struct {
	K string `json:"k"`
}

type tags struct {
	Seen map[string]int `json:"seen"`
}

func applyTags(s *tags, ev any) {
	if s.Seen == nil {
		s.Seen = map[string]int{}
	}
	s.Seen[ev.(tagged).K]++
}

func tagsRegistry() *cqrs.Registry {
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[tagged](reg, "test.Tagged", 1)
	return reg
}

// TestNonFlatStatesAreNotCombined: a state holding maps is shared by the
// states derived from it, so commands on such an aggregate run one at a
// time (one append each), and each returns its own version.
func TestNonFlatStatesAreNotCombined(t *testing.T) {
	store := &gatedStore{Store: memory.New(), entered: make(chan struct{}), release: make(chan struct{})}
	bus := cqrs.NewBus(quietApp(), store, tagsRegistry())
	agg := cqrs.NewAggregate(bus, "tags", applyTags)
	ctx := context.Background()
	tag := func(k string) func(cqrs.State[tags]) ([]any, error) {
		return func(cqrs.State[tags]) ([]any, error) { return []any{tagged{K: k}}, nil }
	}
	first := make(chan error, 1)
	go func() { _, err := agg.Execute(ctx, "t", tag("first")); first <- err }()
	<-store.entered
	type res struct {
		st  cqrs.State[tags]
		err error
	}
	ra, rb := make(chan res, 1), make(chan res, 1)
	go func() { st, err := agg.Execute(ctx, "t", tag("a")); ra <- res{st, err} }()
	testenv.Eventually(t, 5*time.Second, func() bool { return agg.Queued("t") == 1 })
	go func() { st, err := agg.Execute(ctx, "t", tag("b")); rb <- res{st, err} }()
	testenv.Eventually(t, 5*time.Second, func() bool { return agg.Queued("t") == 2 })
	close(store.release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	a, b := <-ra, <-rb
	if a.err != nil || b.err != nil {
		t.Fatal(a.err, b.err)
	}
	if a.st.Version != 2 || b.st.Version != 3 {
		t.Errorf("versions %d and %d, want 2 and 3", a.st.Version, b.st.Version)
	}
	if got := store.appends.Load(); got != 3 {
		t.Errorf("%d appends for 3 commands on a non-flat state, want 3", got)
	}
}

// TestNonFlatCatchUpAppliesEventsOnce: catching up a cached state that
// holds maps changes the cached maps in place, so the cache records the new
// version (a reviewer found events applied again by every later command).
func TestNonFlatCatchUpAppliesEventsOnce(t *testing.T) {
	store := memory.New()
	reg := tagsRegistry()
	bus := cqrs.NewBus(quietApp(), store, reg)
	agg := cqrs.NewAggregate(bus, "tags", applyTags)
	ctx := context.Background()
	if _, err := agg.Execute(ctx, "t", func(cqrs.State[tags]) ([]any, error) { return []any{tagged{K: "x"}}, nil }); err != nil {
		t.Fatal(err)
	}
	ed, _ := reg.Encode(tagged{K: "y"}) // another process / Aggregate writes
	if _, err := store.Append(ctx, cqrs.AppendRequest{Stream: "tags-t", ExpectedVersion: 1, Events: []cqrs.EventData{ed}}); err != nil {
		t.Fatal(err)
	}
	refuse := func(cqrs.State[tags]) ([]any, error) { return nil, errors.New("no") }
	var st cqrs.State[tags]
	for range 3 {
		st, _ = agg.Execute(ctx, "t", refuse)
	}
	if st.Value.Seen["y"] != 1 {
		t.Errorf("state at version %d has y applied %d times (want 1): %v", st.Version, st.Value.Seen["y"], st.Value.Seen)
	}
}

type unregistered struct{}

// TestNonFlatFailedPrepareLeavesNoTrace: a command whose events fail to
// encode after some were applied to a state holding maps leaves nothing in
// the cached state.
func TestNonFlatFailedPrepareLeavesNoTrace(t *testing.T) {
	store := memory.New()
	bus := cqrs.NewBus(quietApp(), store, tagsRegistry())
	agg := cqrs.NewAggregate(bus, "tags", applyTags)
	ctx := context.Background()
	_, _ = agg.Execute(ctx, "t", func(cqrs.State[tags]) ([]any, error) { return []any{tagged{K: "x"}}, nil })
	_, err := agg.Execute(ctx, "t", func(cqrs.State[tags]) ([]any, error) { return []any{tagged{K: "bad"}, unregistered{}}, nil })
	if err == nil {
		t.Fatal("a command with an unregistered event succeeded")
	}
	st, _ := agg.Execute(ctx, "t", func(cqrs.State[tags]) ([]any, error) { return []any{tagged{K: "y"}}, nil })
	if st.Value.Seen["bad"] != 0 {
		t.Errorf("state holds an event that was never appended: %v", st.Value.Seen)
	}
}
