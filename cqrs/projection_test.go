package cqrs_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
	"github.com/google/go-cmp/cmp"
)

func TestProjectionFailsThenRecovers(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	a := quietApp()
	bus := cqrs.NewBus(a, store, counterRegistry(), cqrs.WithProjectionRetry(time.Millisecond))
	agg := cqrs.NewAggregate(bus, "counter", applyCounter)
	var mu sync.Mutex
	failures := 2
	var seen []int64
	bus.Projections().Add(cqrs.NewProjection("flaky", func(_ context.Context, ev cqrs.Event) error {
		mu.Lock()
		defer mu.Unlock()
		if ev.Version == 3 && failures > 0 {
			failures--
			return errors.New("database is down")
		}
		seen = append(seen, ev.Version)
		return nil
	}, cqrs.DurableCheckpoints(store)))
	for range 5 {
		if _, err := agg.Execute(ctx, "c", func(cqrs.State[counter]) ([]any, error) { return []any{added{N: 1}}, nil }); err != nil {
			t.Fatal(err)
		}
	}
	// Status before start: stopped, behind.
	st, err := bus.Projections().Status(ctx)
	if err != nil || len(st) != 1 || st[0].State != cqrs.StateStopped || st[0].Lag != 5 {
		t.Fatalf("status before start = %+v, %v", st, err)
	}
	startApp(t, a)
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := bus.Projections().WaitFor(wctx, 5, "flaky"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := seen
	mu.Unlock()
	// Failing batches are applied again from the checkpoint (at-least-once):
	// the events before the failure in a batch may repeat, none is skipped.
	if !strings.HasSuffix(fmtInts(got), "1 2 3 4 5") || failures != 0 {
		t.Errorf("projection saw versions %v (failures left %d)", got, failures)
	}
	if cp, _ := store.LoadCheckpoint(ctx, "flaky"); cp != 5 {
		t.Errorf("durable checkpoint %d, want 5", cp)
	}
	st, _ = bus.Projections().Status(ctx)
	if diff := cmp.Diff(st[0], cqrs.ProjectionStatus{Name: "flaky", Position: 5, Head: 5, State: cqrs.StateLive, Updated: st[0].Updated}); diff != "" {
		t.Errorf("status (-got +want):\n%s", diff)
	}
	if err := bus.Projections().WaitFor(ctx, 1, "nope"); err == nil {
		t.Error("WaitFor of an unknown projection succeeded")
	}
}

func fmtInts(xs []int64) string {
	var b strings.Builder
	for i, x := range xs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatInt(x, 10))
	}
	return b.String()
}

func TestProjectionFailureIsVisibleAndConsistencyTimesOut(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	a := quietApp()
	bus := cqrs.NewBus(a, store, counterRegistry(), cqrs.WithProjectionRetry(time.Millisecond), cqrs.WithConsistencyTimeout(50*time.Millisecond))
	agg := cqrs.NewAggregate(bus, "counter", applyCounter)
	bus.Projections().Add(cqrs.NewProjection("broken", func(context.Context, cqrs.Event) error { return errors.New("poison event") }))
	type in struct{}
	type out struct{}
	app.Query(a, "read", func(context.Context, in) (out, error) { return out{}, nil }, bus.ReadsFrom("broken"))
	startApp(t, a)
	st, err := agg.Execute(ctx, "c", func(cqrs.State[counter]) ([]any, error) { return []any{added{N: 1}}, nil })
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, func() bool {
		s, _ := bus.Projections().Status(ctx)
		return s[0].State == cqrs.StateFailed && strings.Contains(s[0].Error, "poison event") && s[0].Lag == 1
	})
	m := app.MapMetadata{}
	m.Set("Consistency-Token", cqrs.FormatToken(st.Position))
	_, err = app.Invoke[in, out](ctx, a, "read", in{}, app.WithMetadata(m))
	e := app.ErrorFrom(err)
	if e == nil || e.Code != app.CodeUnavailable || e.Details["projection"] != "broken" || e.Details["reached"] != int64(0) {
		t.Errorf("read behind a stuck projection: %v %v, want unavailable naming it", err, e)
	}
	// Without a token the query does not wait.
	if _, err := app.Invoke[in, out](ctx, a, "read", in{}); err != nil {
		t.Error(err)
	}
}

// leasingStore is a memory store that offers projection leases, granted
// when the test sends on grant.
type leasingStore struct {
	*memory.Store
	grant chan struct{}
	names chan string
}

type testLease struct{ lost chan struct{} }

func (l testLease) Lost() <-chan struct{} { return l.lost }
func (testLease) Release()                {}

func (s leasingStore) LeaseProjection(ctx context.Context, name string, standby func(int64)) (cqrs.Lease, error) {
	s.names <- name
	standby(0)
	select {
	case <-s.grant:
		return testLease{lost: make(chan struct{})}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Read models take the store's leases (cqrs.Leased): the runner stands by
// until it holds one; a plain projection does not.
func TestLeasedReadModelStandsBy(t *testing.T) {
	ctx := context.Background()
	store := leasingStore{Store: memory.New(), grant: make(chan struct{}), names: make(chan string, 1)}
	a := quietApp()
	bus := cqrs.NewBus(a, store, counterRegistry())
	agg := cqrs.NewAggregate(bus, "counter", applyCounter)
	rm := cqrs.NewReadModel(bus, "counts", cqrs.Create(func(e added, _ cqrs.Event) counter { return counter{Total: e.N} }))
	p := cqrs.NewProjection("plain", func(context.Context, cqrs.Event) error { return nil })
	if got := cqrs.Leased(p, memory.New()); got != cqrs.Projector(p) {
		t.Errorf("Leased on a store without leases = %T, want the projector itself", got)
	}
	bus.Projections().Add(p)
	if _, err := agg.Execute(ctx, "c", func(cqrs.State[counter]) ([]any, error) { return []any{added{N: 1}}, nil }); err != nil {
		t.Fatal(err)
	}
	startApp(t, a)
	if name := <-store.names; name != "counts" {
		t.Errorf("lease asked for %q, want counts", name)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := bus.Projections().WaitFor(wctx, 1, "plain"); err != nil {
		t.Fatal(err)
	}
	st, err := bus.Projections().Status(ctx)
	if err != nil || st[0].State != cqrs.StateStandby || st[0].Position != 0 {
		t.Fatalf("read model status before the lease = %+v, %v; want standby at 0", st, err)
	}
	store.grant <- struct{}{}
	if err := bus.Projections().WaitFor(wctx, 1, "counts"); err != nil {
		t.Fatal(err)
	}
	if row, ok, err := rm.Get(ctx, "c"); !ok || err != nil || row.Total != 1 {
		t.Errorf("row after the lease = %+v, %v, %v", row, ok, err)
	}
}
