package cqrs_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
)

type slowStore struct{ *memory.Store }

func (s slowStore) Append(ctx context.Context, req cqrs.AppendRequest) (cqrs.AppendResult, error) {
	time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
	return s.Store.Append(ctx, req)
}

// TestCombinedCommandsStress (written by a reviewer): cancellations racing hand-over, panics, errors, and a second
// Aggregate on the same store producing conflicts. Checks: no hang, every
// successful add is in the final total exactly once, versions unique,
// positions point at the command's own last event.
func TestCombinedCommandsStress(t *testing.T) {
	mem := memory.New()
	store := slowStore{mem}
	bus := cqrs.NewBus(quietApp(), store, counterRegistry())
	agg1 := cqrs.NewAggregate(bus, "counter", applyCounter)
	agg2 := cqrs.NewAggregate(bus, "counter", applyCounter) // conflicts with agg1
	ids := []string{"a", "b", "c"}
	var mu sync.Mutex
	okSum := map[string]int64{}
	versions := map[string]map[int64]bool{}
	for _, id := range ids {
		versions[id] = map[int64]bool{}
	}
	var wg sync.WaitGroup
	var panics, cancels atomic.Int64
	for i := range 3000 {
		wg.Go(func() {
			id := ids[i%len(ids)]
			agg := agg1
			if i%7 == 0 {
				agg = agg2
			}
			ctx := context.Background()
			var cancel context.CancelFunc = func() {}
			if i%5 == 0 {
				ctx, cancel = context.WithTimeout(ctx, time.Duration(rand.IntN(300))*time.Microsecond)
			}
			defer cancel()
			n := int64(i%3 + 1)
			defer func() {
				if r := recover(); r != nil {
					panics.Add(1)
				}
			}()
			st, err := agg.Execute(ctx, id, func(cqrs.State[counter]) ([]any, error) {
				if i%97 == 0 {
					panic("boom")
				}
				if i%11 == 0 {
					return nil, fmt.Errorf("refused")
				}
				return []any{added{N: n}}, nil
			})
			if err != nil {
				if ctx.Err() != nil {
					cancels.Add(1)
				}
				return
			}
			evs, rerr := mem.ReadStream(context.Background(), "counter-"+id, st.Version-1)
			mu.Lock()
			defer mu.Unlock()
			if versions[id][st.Version] {
				t.Errorf("%s version %d twice", id, st.Version)
			}
			versions[id][st.Version] = true
			okSum[id] += n
			if rerr != nil || len(evs) == 0 || evs[0].Position != st.Position || evs[0].Version != st.Version {
				t.Errorf("%s: state v%d p%d, store %v", id, st.Version, st.Position, evs)
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("hang")
	}
	for _, id := range ids {
		st, err := agg1.Load(context.Background(), id)
		if err != nil || st.Value.Total != okSum[id] {
			t.Errorf("%s: total %d, acknowledged %d (%v)", id, st.Value.Total, okSum[id], err)
		}
	}
	t.Logf("panics %d cancels %d", panics.Load(), cancels.Load())
}
