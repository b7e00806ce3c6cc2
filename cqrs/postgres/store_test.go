package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/cqrstest"
	"github.com/allframe-go/allframe/cqrs/postgres"
	"github.com/allframe-go/allframe/cqrs/postgres/postgrestest"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
	"github.com/jackc/pgx/v5"
)

func TestGroupCommit(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	const writers, each = 64, 20
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := s.Append(ctx, cqrs.AppendRequest{Stream: fmt.Sprintf("w-%d", w), ExpectedVersion: int64(i), Events: []cqrs.EventData{cqrstest.Event("A", `{}`)}}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	st := s.Stats()
	if st.Requests != writers*each || st.Events != writers*each {
		t.Fatalf("stats %+v", st)
	}
	if st.Transactions*4 > st.Requests {
		t.Errorf("%d transactions for %d concurrent appends: group commit is not batching", st.Transactions, st.Requests)
	}
	t.Logf("%d appends in %d transactions", st.Requests, st.Transactions)
}

func TestWriteIsolatesFailures(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	notes := pgx.Identifier{s.Schema(), "notes"}.Sanitize()
	if err := s.Write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "CREATE TABLE "+notes+" (n integer)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// Many writes at once share transactions; the failing ones roll back
	// alone, whether they return an error, panic or break the statement.
	var wg sync.WaitGroup
	errs := make([]error, 80)
	for i := range errs {
		wg.Go(func() {
			switch i % 4 {
			case 0:
				_, errs[i] = s.Append(ctx, cqrs.AppendRequest{Stream: fmt.Sprintf("s-%d", i), Events: []cqrs.EventData{cqrstest.Event("A", `{}`)}})
			case 1:
				errs[i] = s.Write(ctx, func(ctx context.Context, tx pgx.Tx) error {
					if _, err := tx.Exec(ctx, "INSERT INTO "+notes+" VALUES ($1)", i); err != nil {
						return err
					}
					if i%2 == 1 {
						return errors.New("handler failed")
					}
					return nil
				})
			case 2:
				errs[i] = s.Write(ctx, func(context.Context, pgx.Tx) error { panic("handler panicked") })
			case 3:
				errs[i] = s.Write(ctx, func(ctx context.Context, tx pgx.Tx) error {
					_, err := tx.Exec(ctx, "INSERT INTO "+notes+" VALUES ('not a number')")
					return err
				})
			}
		})
	}
	wg.Wait()
	var want int
	for i, err := range errs {
		switch {
		case i%4 == 0 && err != nil:
			t.Errorf("append %d failed: %v", i, err)
		case i%4 == 1 && i%2 == 1 && (err == nil || err.Error() != "handler failed"):
			t.Errorf("failing write %d returned %v", i, err)
		case i%4 == 1 && i%2 == 0:
			if err != nil {
				t.Errorf("write %d failed: %v", i, err)
			}
			want++
		case i%4 == 2 && (err == nil || !strings.Contains(err.Error(), "panicked")):
			t.Errorf("panicking write %d returned %v", i, err)
		case i%4 == 3 && (err == nil || !strings.Contains(err.Error(), "invalid input syntax")):
			t.Errorf("broken write %d returned %v", i, err)
		}
	}
	var got int
	if err := s.Pool().QueryRow(ctx, "SELECT count(*) FROM "+notes).Scan(&got); err != nil || got != want {
		t.Errorf("notes = %d, %v; want %d (failed writes rolled back)", got, err, want)
	}
	if head, _ := s.Head(ctx); head != 20 {
		t.Errorf("head %d, want 20 appended events", head)
	}
}

func TestNestedWriteFailsInsteadOfDeadlocking(t *testing.T) {
	s := open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var inner error
	err := s.Write(ctx, func(ctx context.Context, _ pgx.Tx) error {
		_, inner = s.Append(ctx, cqrs.AppendRequest{Stream: "s", Events: []cqrs.EventData{cqrstest.Event("A", `{}`)}})
		return nil
	})
	if err != nil || !errors.Is(inner, postgres.ErrNestedWrite) {
		t.Errorf("Write = %v, nested Append = %v; want ErrNestedWrite", err, inner)
	}
}

// A request the database rejects (a NUL byte is not valid text) fails
// alone; the others of its transaction commit.
func TestBadRequestFailsAlone(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range errs {
		wg.Go(func() {
			stream := fmt.Sprintf("s-%d", i)
			if i%10 == 0 {
				stream = "bad\x00stream"
			}
			_, errs[i] = s.Append(ctx, cqrs.AppendRequest{Stream: stream, ExpectedVersion: cqrs.AnyVersion, Events: []cqrs.EventData{cqrstest.Event("A", `{}`)}})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if (i%10 == 0) != (err != nil) {
			t.Errorf("append %d: %v", i, err)
		}
	}
	if head, err := s.Head(ctx); head != 36 || err != nil {
		t.Errorf("Head = %d, %v; want 36", head, err)
	}
	checkConsecutive(t, "ReadAll", readAllPositions(t, s), 36)
}

// The same idempotency key sent to two replicas at once is recorded once:
// exactly one append commits, the others fail with a DuplicateError.
func TestIdempotencyKeyAcrossReplicas(t *testing.T) {
	dsn := postgrestest.DSN(t)
	schema := postgrestest.Schema(t, dsn)
	stores := []*postgres.Store{postgrestest.OpenSchema(t, dsn, schema), postgrestest.OpenSchema(t, dsn, schema)}
	ctx := context.Background()
	for round := range 20 {
		key := fmt.Sprintf("key-%d", round)
		var wins, dups atomic.Int64
		var wg sync.WaitGroup
		for i := range 6 {
			wg.Go(func() {
				_, err := stores[i%2].Append(ctx, cqrs.AppendRequest{Stream: fmt.Sprintf("acc-%d-%d", round, i), Events: []cqrs.EventData{cqrstest.Event("Deposited", `{}`)},
					Idempotency: &cqrs.IdempotencyRecord{Scope: "deposit", Key: key, RequestHash: "h"}})
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, cqrs.ErrDuplicate):
					dups.Add(1)
				default:
					t.Error(err)
				}
			})
		}
		// A standalone save of the same key races too.
		wg.Go(func() {
			if _, inserted, err := stores[1].SaveIdempotency(ctx, cqrs.IdempotencyRecord{Scope: "deposit", Key: key, RequestHash: "h"}); err != nil {
				t.Error(err)
			} else if inserted {
				wins.Add(1)
			}
		})
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("round %d: key recorded by %d writers (%d duplicates), want 1", round, wins.Load(), dups.Load())
		}
	}
}

func TestCloseDrainsAndRefuses(t *testing.T) {
	dsn := postgrestest.DSN(t)
	schema := postgrestest.Schema(t, dsn)
	ctx := context.Background()
	s, err := postgres.Open(ctx, dsn, postgres.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	// The first commit is held, so that appends are queued behind it when
	// Close begins: Close must drain them.
	held, gate := make(chan struct{}), make(chan struct{})
	var holdOnce sync.Once
	postgres.SetBeforeCommit(s, func() { holdOnce.Do(func() { close(held); <-gate }) })
	subDone := make(chan error, 1)
	go func() {
		subDone <- s.Subscribe(ctx, 0, cqrs.Filter{}, func([]cqrs.Event) error { return nil })
	}()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var acked []int64
	for i := range 32 {
		wg.Go(func() {
			res, err := s.Append(ctx, cqrs.AppendRequest{Stream: fmt.Sprintf("s-%d", i), Events: []cqrs.EventData{cqrstest.Event("A", `{}`)}})
			if err == nil {
				mu.Lock()
				acked = append(acked, res.LastPosition)
				mu.Unlock()
			} else if !errors.Is(err, cqrs.ErrClosed) {
				t.Error(err)
			}
		})
	}
	<-held
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	testenv.Eventually(t, 10*time.Second, func() bool { return postgres.Closing(s) })
	close(gate)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if len(acked) == 0 {
		t.Error("no append queued before Close was acknowledged: Close did not drain them")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	select {
	case err := <-subDone:
		if !errors.Is(err, cqrs.ErrClosed) {
			t.Errorf("subscription ended with %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("subscription did not end on Close")
	}
	if _, err := s.Append(ctx, cqrs.AppendRequest{Stream: "x", Events: []cqrs.EventData{cqrstest.Event("A", `{}`)}}); !errors.Is(err, cqrs.ErrClosed) {
		t.Errorf("Append after Close: %v", err)
	}
	if _, err := s.ReadAll(ctx, 0, 10, cqrs.Filter{}); !errors.Is(err, cqrs.ErrClosed) {
		t.Errorf("ReadAll after Close: %v", err)
	}
	if err := s.SaveCheckpoint(ctx, "p", 1); !errors.Is(err, cqrs.ErrClosed) {
		t.Errorf("SaveCheckpoint after Close: %v", err)
	}
	s2 := postgrestest.OpenSchema(t, dsn, schema)
	for _, pos := range acked {
		evs, err := s2.ReadAll(ctx, pos-1, 1, cqrs.Filter{})
		if err != nil || len(evs) != 1 || evs[0].Position != pos {
			t.Errorf("acknowledged position %d missing after Close: %v %v", pos, evs, err)
		}
	}
}
