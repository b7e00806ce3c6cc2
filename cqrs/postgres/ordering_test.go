package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/cqrstest"
	"github.com/allframe-go/allframe/cqrs/postgres"
	"github.com/allframe-go/allframe/cqrs/postgres/postgrestest"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
)

// recorder collects what a subscription delivers.
type recorder struct {
	mu     sync.Mutex
	events []cqrs.Event
}

func (r *recorder) handle(evs []cqrs.Event) error {
	r.mu.Lock()
	r.events = append(r.events, evs...)
	r.mu.Unlock()
	return nil
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

func (r *recorder) positions() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]int64, len(r.events))
	for i, e := range r.events {
		out[i] = e.Position
	}
	return out
}

// follow subscribes to s from position 0 until the test ends.
func follow(t *testing.T, s *postgres.Store) *recorder {
	t.Helper()
	r := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Subscribe(ctx, 0, cqrs.Filter{}, r.handle) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("subscription ended with %v, want context.Canceled", err)
		}
	})
	return r
}

// checkConsecutive fails unless positions are exactly 1..n in order: none
// skipped, none twice, none out of order (positions have no gaps).
func checkConsecutive(t *testing.T, what string, positions []int64, n int) {
	t.Helper()
	if len(positions) != n {
		t.Errorf("%s: %d events, want %d", what, len(positions), n)
	}
	for i, p := range positions {
		if p != int64(i+1) {
			t.Errorf("%s: event %d has position %d, want %d (skipped, repeated or out of order)", what, i, p, i+1)
			return
		}
	}
}

func readAllPositions(t *testing.T, s *postgres.Store) []int64 {
	t.Helper()
	var out []int64
	var after int64
	for {
		evs, err := s.ReadAll(context.Background(), after, 7, cqrs.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		for _, e := range evs {
			out = append(out, e.Position)
		}
		after = evs[len(evs)-1].Position
	}
}

// A transaction that took its positions first but commits last: the
// appends of another replica that come after it wait for it, readers never
// see a position above one that is not yet visible, and every reader gets
// every event once, in position order — the late commit is not skipped.
func TestLateCommitIsNotSkipped(t *testing.T) {
	dsn := postgrestest.DSN(t)
	schema := postgrestest.Schema(t, dsn)
	slow := postgrestest.OpenSchema(t, dsn, schema)
	fast := postgrestest.OpenSchema(t, dsn, schema)
	reader := postgrestest.OpenSchema(t, dsn, schema, postgres.WithPollInterval(5*time.Millisecond))
	ctx := context.Background()
	for i := range 3 {
		cqrstest.Append(t, fast, "seed", int64(i), cqrstest.Event("Seeded", `{}`))
	}
	sub := follow(t, reader)
	testenv.Eventually(t, 10*time.Second, func() bool { return sub.len() == 3 })

	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	postgres.SetBeforeCommit(slow, func() {
		once.Do(func() { close(held); <-release })
	})
	slowDone := make(chan cqrs.AppendResult, 1)
	go func() {
		res, err := slow.Append(ctx, cqrs.AppendRequest{Stream: "slow", Events: []cqrs.EventData{cqrstest.Event("Late", `{}`)}})
		if err != nil {
			t.Error(err)
		}
		slowDone <- res
	}()
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("the slow append never reached its commit")
	}

	// The slow transaction has inserted position 4 and holds the append
	// lock. Appends of the other replica queue behind it.
	const later = 10
	var finished atomic.Int64
	var wg sync.WaitGroup
	results := make([]cqrs.AppendResult, later)
	for i := range later {
		wg.Go(func() {
			res, err := fast.Append(ctx, cqrs.AppendRequest{Stream: fmt.Sprintf("fast-%d", i), Events: []cqrs.EventData{cqrstest.Event("Early", `{}`)}})
			if err != nil {
				t.Error(err)
			}
			results[i] = res
			finished.Add(1)
		})
	}
	testenv.Eventually(t, 10*time.Second, func() bool {
		var waiting int
		// The other replica's writer waits for the append lock of this schema.
		err := reader.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND classid::bigint = $1 AND objid::bigint = hashtext($2)::bigint & 4294967295`, postgres.LockAppend, schema).Scan(&waiting)
		return err == nil && waiting > 0
	})
	if n := finished.Load(); n != 0 {
		t.Errorf("%d appends committed while an earlier position was not visible", n)
	}
	if got := readAllPositions(t, reader); len(got) != 3 {
		t.Errorf("ReadAll during the open transaction = %v, want the 3 committed events", got)
	}
	if head, err := reader.Head(ctx); head != 3 || err != nil {
		t.Errorf("Head during the open transaction = %d, %v; want 3", head, err)
	}

	close(release)
	wg.Wait()
	res := <-slowDone
	if res.FirstPosition != 4 {
		t.Errorf("the slow append landed at %d, want 4", res.FirstPosition)
	}
	for i, r := range results {
		if r.FirstPosition <= 4 {
			t.Errorf("later append %d landed at %d, before the slow one", i, r.FirstPosition)
		}
	}
	total := 3 + 1 + later
	testenv.Eventually(t, 10*time.Second, func() bool { return sub.len() >= total })
	checkConsecutive(t, "subscription", sub.positions(), total)
	checkConsecutive(t, "ReadAll", readAllPositions(t, reader), total)
}

// Three replicas append concurrently, each holding its transactions open
// for a random moment before COMMIT (widening the window in which a later
// position could become visible first); a subscriber on each replica and
// a paging reader must see 1..n exactly, in order.
func TestOrderingAcrossReplicas(t *testing.T) {
	dsn := postgrestest.DSN(t)
	schema := postgrestest.Schema(t, dsn)
	const replicas, writers, appends = 3, 6, 20
	stores := make([]*postgres.Store, replicas)
	subs := make([]*recorder, replicas)
	for i := range stores {
		stores[i] = postgrestest.OpenSchema(t, dsn, schema, postgres.WithPollInterval(3*time.Millisecond))
		postgres.SetBeforeCommit(stores[i], func() { time.Sleep(time.Duration(rand.IntN(1500)) * time.Microsecond) })
		subs[i] = follow(t, stores[i])
	}
	ctx := context.Background()
	// A reader that pages through the log while it grows, checking that
	// each page continues exactly where the last one ended.
	stopPaging := make(chan struct{})
	pagingDone := make(chan []int64)
	go func() {
		var seen []int64
		var after int64
		final := false // stop was seen: read until caught up once more
		for {
			evs, err := stores[0].ReadAll(ctx, after, 16, cqrs.Filter{})
			if err != nil {
				t.Error(err)
				break
			}
			for _, e := range evs {
				seen = append(seen, e.Position)
			}
			if len(evs) > 0 {
				after = evs[len(evs)-1].Position
				continue
			}
			if final {
				pagingDone <- seen
				return
			}
			select {
			case <-stopPaging:
				final = true
			default:
			}
		}
		pagingDone <- seen
	}()
	var wg sync.WaitGroup
	for r := range replicas {
		for w := range writers {
			wg.Go(func() {
				for i := range appends {
					_, err := stores[r].Append(ctx, cqrs.AppendRequest{Stream: fmt.Sprintf("r%d-w%d", r, w), ExpectedVersion: int64(i),
						Events: []cqrs.EventData{cqrstest.Event("E", fmt.Sprintf(`{"i":%d}`, i))}})
					if err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(stopPaging)
	paged := <-pagingDone
	total := replicas * writers * appends
	for i, sub := range subs {
		testenv.Eventually(t, 20*time.Second, func() bool { return sub.len() >= total })
		checkConsecutive(t, fmt.Sprintf("subscription on replica %d", i), sub.positions(), total)
	}
	checkConsecutive(t, "paging reader", paged, total)
}
